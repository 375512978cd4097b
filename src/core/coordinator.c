/* The coordinator: the node a client submitted a transaction to finds each
 * token's neighborhood and the witness neighborhood (iterative lookups of
 * the w nearest, one query in flight each, timed out by the asked peer's
 * PTO), routes the transaction itself toward them beside the lookups
 * (route_tx), and dispatches it with the full member list when every
 * lookup is done (docs/CONSENSUS.md, "Message flow"). Its outcome for the
 * submitter is outcome.c's. */
#include <stdlib.h>
#include <string.h>

#include "core/node_internal.h"
#include "crypto/blake3.h"


static void lookup_start(ec_node *n, lookup *lk, const ec_id *target)
{
    memset(lk, 0, sizeof *lk);
    lk->target = *target;
    lk->nbest = ec_peers_nearest(n->peers, target, n->cfg.w, true, lk->best);
    for (size_t i = 0; i < lk->nbest; i++) lk->queried[i] = ec_id_cmp(&lk->best[i], &n->addr) == 0;
    /* We know every peer around the target (its bucket is not full): our
     * own nearest are the neighborhood, nobody to ask. */
    lk->done = ec_peers_complete(n->peers, target);
}

/* Sends the next query, or marks the lookup done when the w nearest known
 * have all answered (or failed). */
static void lookup_step(ec_node *n, lookup *lk, uint64_t now)
{
    if (lk->done || lk->in_flight) return;
    for (size_t i = 0; i < lk->nbest; i++) {
        if (lk->queried[i]) continue;
        ec_msg m;
        m.type = EC_MSG_FIND_PEERS;
        m.u.find_peers.target = lk->target;
        m.u.find_peers.want = (uint8_t)n->cfg.w;
        lk->queried[i] = true;
        lk->in_flight = true;
        lk->asked = lk->best[i];
        lk->asked_at = now;
        /* That peer's probe timeout: a lost query costs about one round
         * trip to it, not a fixed half second. */
        lk->timeout = n->cfg.rtt_timers ? ec_node_pto(n, &lk->best[i]) : n->cfg.lookup_timeout_ms;
        node_send(n, &lk->best[i], &m);
        return;
    }
    lk->done = true;
}

/* Merges an answer into the lookup's nearest; reports whether it named
 * anyone nearer than its sender, and its sender itself (a member, in its
 * own view). */
static void lookup_merge(ec_node *n, lookup *lk, const ec_id *from, const ec_msg *m, bool *nearer_out,
                         bool *member_out)
{
    bool nearer = false, member = false;
    for (int i = 0; i < m->u.peers.n; i++) {
        const ec_id *id = &m->u.peers.peers[i];
        member |= ec_id_cmp(id, from) == 0;
        node_learn_peer(n, id, &m->u.peers.eps[i], false); /* named: hearsay */
        /* Insert keeping the queried flags aligned with best[]. */
        size_t nb = lk->nbest, w = n->cfg.w, k;
        bool dup = false;
        for (k = 0; k < nb; k++) dup |= ec_id_cmp(&lk->best[k], id) == 0;
        if (dup || (nb == w && ec_id_cmp_distance(&lk->target, id, &lk->best[w - 1]) >= 0))
            continue;
        k = nb == w ? w - 1 : nb;
        if (nb < w) lk->nbest++;
        while (k > 0 && ec_id_cmp_distance(&lk->target, id, &lk->best[k - 1]) < 0) {
            lk->best[k] = lk->best[k - 1];
            lk->queried[k] = lk->queried[k - 1];
            k--;
        }
        lk->best[k] = *id;
        lk->queried[k] = ec_id_cmp(id, &n->addr) == 0;
        nearer |= ec_id_cmp_distance(&lk->target, id, from) < 0;
    }
    *nearer_out = nearer;
    *member_out = member;
}

/* Did a query of this lookup to `from` time out? */
static bool lookup_late(const lookup *lk, const ec_id *from)
{
    for (size_t k = 0; k < lk->nlate; k++)
        if (ec_id_cmp(&lk->late[k], from) == 0) return true;
    return false;
}

static void lookup_answer(ec_node *n, lookup *lk, const ec_id *from, const ec_msg *m, uint64_t now)
{
    if (lk->done) return;
    bool asked = lk->in_flight && ec_id_cmp(from, &lk->asked) == 0;
    /* A late answer to a query that timed out is still an answer: its
     * names are as good as ever. It must not be taken for the route's
     * answer, which looks the same: that would mark the neighborhood as
     * spread when nobody spread the transaction there (its members would
     * never get it). */
    bool late = !asked && lookup_late(lk, from);
    if (lk->routed && !asked && !late) {
        /* Cannot tell a late answer from the route's: let the lookup go on. */
        if (lk->late_full) return;
        /* The member that spread our routed transaction: its neighborhood.
         * (Any sender: the route's last hop is not known in advance.) */
        bool nearer, member;
        lookup_merge(n, lk, from, m, &nearer, &member);
        if (!member) return; /* only a member spreads it and answers */
        lk->routed = false;
        lk->fanned = lk->done = true;
        return;
    }
    if (!asked && !late) return;
    if (asked) {
        lk->in_flight = false;
        /* Each peer is asked once per lookup, but a peer the routed
         * transaction reached on its way answers that too, in the same
         * form: only the route's first hop, asked at the same time, or a
         * lookup without a route gives a sample (Karn). */
        if (!lk->route_went || (ec_id_cmp(from, &lk->route_hop) == 0 && lk->asked_at == lk->routed_at))
            node_rtt_sample(n, from, now - lk->asked_at);
    }
    bool nearer, member;
    lookup_merge(n, lk, from, m, &nearer, &member);
    /* Nearer than the sender and not asked yet: named by this answer or,
     * when answers cross (a late one came first), by an earlier one. A
     * far node's answer after a late answer found the neighborhood must
     * not end the lookup before those are asked (it did: a transaction
     * went to the wrong nodes and never committed, WAN model). */
    for (size_t k = 0; k < lk->nbest && !nearer; k++)
        nearer = !lk->queried[k] && ec_id_cmp_distance(&lk->target, &lk->best[k], from) < 0;
    /* Greedy: a node answers with its own w nearest, and its view near the
     * target is dense when it is near the target itself. An answer that
     * names nobody nearer than its sender is the neighborhood: stop instead
     * of asking all w in turn (also when a nearer node's query was lost). */
    if (!nearer || member) {
        lk->done = true;
        return;
    }
    lookup_step(n, lk, now); /* nothing if a query is in flight */
}

/* All lookups done: send the transaction and the member list to everyone. */
static void dispatch(ec_node *n, uint64_t now, ptx *p)
{
    for (int l = 0; l < p->nlk; l++)
        for (size_t i = 0; i < p->lk[l].nbest; i++) node_add_member(p, &p->lk[l].best[i]);
    p->have_members = true;
    p->dispatched = true;
    node_lookups_forget(n, p);
    /* The lookups are done with: their memory goes at the end of this
     * function, not at the deadline. */
    int ntok = p->nlk_tokens;
    for (size_t i = 0; i < p->nmembers; i++) {
        const ec_id *to = &p->members[i];
        if (ec_id_cmp(to, &n->addr) == 0) continue;
        /* Witnesses keep the transaction; only voters need the list. A
         * member of a neighborhood our routed transaction reached has it
         * (its first member spread it with that neighborhood's list). */
        bool voter = false, fanned = true;
        for (int l = 0; l < p->nlk; l++)
            for (size_t k = 0; k < p->lk[l].nbest; k++) {
                if (ec_id_cmp(&p->lk[l].best[k], to) != 0) continue;
                voter |= l < ntok;
                fanned &= p->lk[l].fanned;
            }
        if (!voter) {
            if (!fanned) node_send_tx(n, to, p, false);
            continue;
        }
        if (fanned) {
            /* Only the other tokens' members are news to it. */
            if (ntok > 1) node_send_members(n, p, to);
            continue;
        }
        /* The list with the transaction when both fit in one message; else
         * the list first: a member that has it when the transaction comes
         * votes to every neighborhood at once. */
        if (node_members_fit(p)) {
            node_send_tx(n, to, p, true);
            continue;
        }
        node_send_members(n, p, to);
        node_send_tx(n, to, p, false);
    }
    free(p->lk);
    p->lk = NULL;
    p->nlk = 0;
    /* The submitter's first poll for the outcome (outcome.c), a PTO on. */
    uint64_t poll = now + node_timeout(n, NULL, 0);
    if (poll < p->next_resend) p->next_resend = poll;
    if (p->next_resend < n->next_due) n->next_due = p->next_resend;
    node_try_vote(n, now, p);
}

/* Sends the transaction itself toward lk's target, to the nearest peer we
 * know there (route_tx). */
static void route_start(ec_node *n, const ptx *p, lookup *lk, uint8_t route, uint64_t now)
{
    if (lk->done) return;
    for (size_t i = 0; i < lk->nbest; i++) {
        if (ec_id_cmp(&lk->best[i], &n->addr) == 0) continue;
        ec_msg m;
        memset(&m, 0, sizeof m);
        m.type = EC_MSG_TX;
        m.u.tx.hops = NODE_ROUTE_HOPS;
        m.u.tx.route = route;
        m.u.tx.origin = n->addr;
        m.u.tx.len = (uint16_t)p->len;
        memcpy(m.u.tx.bytes, p->bytes, p->len);
        node_send(n, &lk->best[i], &m);
        lk->routed = true;
        lk->routed_at = now;
        lk->route_went = true;
        lk->route_hop = lk->best[i];
        return;
    }
}

void node_coord_step(ec_node *n, uint64_t now, ptx *p)
{
    if (p->dispatched) return;
    bool all = true;
    for (int l = 0; l < p->nlk; l++) {
        lookup *lk = &p->lk[l];
        /* A routed transaction's answer may still come while the lookup
         * runs beside it (whichever is first gives the neighborhood). */
        if (lk->routed && now - lk->routed_at >= 2 * n->cfg.lookup_timeout_ms) lk->routed = false;
        /* An unanswered query counts as a failed peer after the timeout. */
        if (lk->in_flight && now - lk->asked_at >= lk->timeout) {
            lk->in_flight = false;
            if (lk->nlate < NODE_LATE_MAX) lk->late[lk->nlate++] = lk->asked;
            else lk->late_full = true;
            node_peer_failed(n, &lk->asked);
        }
        lookup_step(n, lk, now);
        all &= lk->done;
    }
    if (all) {
        dispatch(n, now, p);
        return;
    }
    /* With rtt_timers the tick comes when the first query in flight times
     * out (the fixed timers poll every lookup_timeout_ms). */
    for (int l = 0; n->cfg.rtt_timers && l < p->nlk; l++)
        if (p->lk[l].in_flight) node_arm(n, p, p->lk[l].asked_at + p->lk[l].timeout);
}

ec_err node_coord_submit(ec_node *n, uint64_t now, const ec_tx *tx)
{
    uint8_t buf[EC_TX_MAX_LEN];
    size_t len;
    ec_id id;
    n->stats.submitted++;
    if (ec_tx_encode(tx, buf, sizeof buf, &len) != EC_OK) return EC_ERR_MALFORMED;
    if (n->cfg.verify_signatures && ec_tx_check_signatures(tx, NULL) != EC_OK)
        return EC_ERR_SIGNATURE;
    ec_blake3_hash(buf, len, id.b);
    ptx *p = node_ptx_get(n, &id, true, now);
    if (p == NULL) return EC_ERR_RANGE;
    if (p->coordinator) return EC_ERR_EXISTS;
    p->coordinator = true;
    /* Fixed timers: poll the lookups every lookup_timeout_ms; with
     * rtt_timers coordinator_step arms the first query's timeout. */
    if (n->cfg.rtt_timers) p->next_resend = p->deadline;
    else p->next_resend = now + n->cfg.lookup_timeout_ms;
    if (p->next_resend < n->next_due) n->next_due = p->next_resend;
    if (!p->have_tx) {
        p->tx = *tx;
        memcpy(p->bytes, buf, len);
        p->len = len;
        p->have_tx = true;
        node_votes_prune(n, p);
    }
    p->lk = calloc(NODE_LOOKUPS_MAX, sizeof *p->lk);
    if (p->lk == NULL) return EC_ERR_NOMEM;
    p->nlk = 0;
    for (int i = 0; i < tx->n_mappings; i++) lookup_start(n, &p->lk[p->nlk++], &tx->mappings[i].token);
    p->nlk_tokens = p->nlk;
    if (n->cfg.witness) lookup_start(n, &p->lk[p->nlk++], &id);
    for (int l = 0; n->cfg.route_tx && l < p->nlk; l++)
        route_start(n, p, &p->lk[l], l < p->nlk_tokens ? (uint8_t)l : EC_MSG_ROUTE_WITNESS, now);
    for (int l = 0; l < p->nlk; l++) {
        ec_id *k = malloc(sizeof *k);
        if (k == NULL) continue;
        *k = p->lk[l].target;
        g_hash_table_replace(n->lookups, k, p);
    }
    node_coord_step(n, now, p);
    return EC_OK;
}

bool node_coord_on_peers(ec_node *n, uint64_t now, const ec_id *from, const ec_msg *m)
{
    ptx *p = g_hash_table_lookup(n->lookups, &m->u.peers.target);
    if (p == NULL || !p->coordinator || p->dispatched) return false;
    for (int l = 0; l < p->nlk; l++)
        if (ec_id_cmp(&p->lk[l].target, &m->u.peers.target) == 0) {
            lookup_answer(n, &p->lk[l], from, m, now);
            node_coord_step(n, now, p);
            return true;
        }
    return false;
}
