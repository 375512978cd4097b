/* This node's own vote on one mapping of a transaction (docs/CONSENSUS.md,
 * "One validation path" and "Restarts").
 *
 * The vote is the ledger's verdict (ec_validate_mapping) and nothing else,
 * with two things only a voter has:
 *   - the sticky record: once this node voted +1 for a transaction on a
 *     token's head, it votes +1 for that one and -1 for every other
 *     transaction on the same head, for as long as the head stands. The
 *     record is in the store, written and committed before the vote can
 *     leave: a node that crashes and restarts still knows it. (In memory
 *     only, a restarted member votes +1 for the conflicting twin, and two
 *     majorities of the same w voters become possible.)
 *   - after a catch-up (synced), the neighborhood's head is ours: a
 *     previous head still unknown is wrong, not merely out of order.
 * A +1 whose record cannot be made durable is not cast: the node abstains
 * (vote 0 with rule "store failure"), counts it, and tries again at the
 * next re-send. */
#include <string.h>

#include "core/node_internal.h"
#include "core/vote_sig.h"
#include "ledger/validate.h"

ballot node_ballot(ec_node *n, uint64_t now, const ptx *p, int i, bool synced)
{
    const ec_mapping *mp = &p->tx.mappings[i];
    ballot b = {EC_MSG_VOTE_OUT_OF_ORDER, EC_RULE_OK, false, false, {{0}}};
    ec_id prior;
    ec_err err = ec_store_get_vote(n->vote_store, &mp->token, &mp->prev, &prior);
    if (err == EC_OK) {
        b.value = ec_id_cmp(&prior, &p->id) == 0 ? EC_MSG_VOTE_VALID : EC_MSG_VOTE_INVALID;
        if (b.value != EC_MSG_VOTE_VALID) { /* lost to our earlier +1 */
            b.rule = EC_RULE_STALE_PREV;
            b.lost = true;
            b.prior = prior;
        }
        return b;
    }
    ec_verdict v;
    if (err != EC_ERR_NOTFOUND || (err = ec_validate_mapping(n->store, &p->tx, i, now, &v))) {
        n->stats.store_errors++;
        b.store_failed = true;
        return b;
    }
    b.rule = v.rule;
    b.value = (int8_t)ec_rule_vote(v.rule);
    if (synced && v.rule == EC_RULE_MISSING_HISTORY) b.value = EC_MSG_VOTE_INVALID;
    if (b.value != EC_MSG_VOTE_VALID) return b;
    /* Durable before it can leave: the caller queues the vote after this. */
    if ((err = node_write_begin(n, n->vote_store)) == EC_OK)
        err = node_write_end(n, n->vote_store,
                             ec_store_put_vote(n->vote_store, &mp->token, &mp->prev, &p->id), &p->id);
    if (err) {
        b.value = EC_MSG_VOTE_OUT_OF_ORDER;
        b.store_failed = true;
    }
    return b;
}

ec_err node_ballot_moved(ec_store *s, const ec_id *token, const ec_head *old)
{
    ec_id zero = {{0}};
    return ec_store_del_vote(s, token, old ? &old->tx_id : &zero);
}

/* Signed already: our own record of this version (see the member's
 * refresh_self), else built and signed here. */
void node_build_vote(ec_node *n, const ptx *p, ec_msg *m)
{
    memset(m, 0, sizeof *m);
    m->type = EC_MSG_VOTE;
    m->u.vote.tx_id = p->id;
    for (size_t k = 0; k < p->nvotes; k++) {
        const voter_vote *e = &p->votes[k];
        if (e->v.version == p->my_version && ec_id_cmp(&e->v.voter, &n->addr) == 0) {
            m->u.vote.n = e->n;
            m->u.vote.v = e->v;
            return;
        }
    }
    bool any = false;
    for (int i = 0; i < p->tx.n_mappings; i++) {
        m->u.vote.v.values[i] = p->member_of[i] ? p->my_vote[i] : EC_MSG_VOTE_NONE;
        any |= p->member_of[i];
    }
    if (!any) return;
    m->u.vote.n = (uint8_t)p->tx.n_mappings;
    m->u.vote.v.voter = n->addr;
    m->u.vote.v.version = p->my_version;
    if (n->has_key) ec_vote_sign(&m->u.vote.v, &n->key, &p->id, m->u.vote.n);
}
