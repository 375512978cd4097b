/* The votes a transaction has, and their counts (docs/CONSENSUS.md,
 * "Commit rule"). The table keeps each admissible voter's newest signed
 * vote (at most 2w per token: see node_record_vote); the counts are, per
 * token, the positive and negative votes of eligible voters (the w
 * nearest, nbr.c), counting only votes cast for the transaction's shape
 * (one value per mapping). The commit rule, the bundle relay and the
 * re-send pokes all read these counts; nothing here knows about messages. */
#include <stdlib.h>

#include "core/node_internal.h"

bool node_convicted(const ec_node *n, const ec_id *voter)
{
    return g_hash_table_size(n->convicted) > 0 && g_hash_table_contains(n->convicted, voter);
}

static bool any_plus(const voter_vote *e)
{
    for (int i = 0; i < e->n; i++)
        if (e->v.values[i] == EC_MSG_VOTE_VALID) return true;
    return false;
}

/* A voter with a +1 here and a +1 for the rival (a transaction on the same
 * head), one deciding and one a decided answer ("I committed it"). Honest
 * if it voted for one and then committed the other; the cover an
 * equivocator would use to escape conviction. Either way it counts on
 * neither side: if it did commit the other, a quorum for the other exists
 * and this side must not commit; if it lies, it is out. Two deciding +1
 * are evidence (convict.c) and out as well. */
static bool mixed_plus(const ptx *rival, const voter_vote *e)
{
    if (rival == NULL || !any_plus(e)) return false;
    for (size_t k = 0; k < rival->nvotes; k++) {
        const voter_vote *r = &rival->votes[k];
        if (ec_id_cmp(&r->v.voter, &e->v.voter) != 0) continue;
        return any_plus(r) && (r->v.version >= NODE_VERSION_DECIDED) != (e->v.version >= NODE_VERSION_DECIDED);
    }
    return false;
}

tally node_tally(ec_node *n, ptx *p, int i)
{
    tally t = {0, 0};
    if (!p->have_tx) return t;
    const ptx *rival = p->has_rival && !n->cfg.ignore_evidence ? node_ptx_get(n, &p->rival, false, 0) : NULL;
    bool gated = node_votes_gated(n, p, i);
    for (size_t v = 0; v < p->nvotes; v++) {
        const voter_vote *e = &p->votes[v];
        if (e->n != p->tx.n_mappings || !node_eligible(n, p, i, &e->v.voter)) continue;
        if (node_convicted(n, &e->v.voter)) continue; /* its equivocation is in hand */
        if (gated && !node_elected(n, &e->v.voter)) continue; /* cfg.life_votes: not elected by us */
        if (rival && mixed_plus(rival, e)) continue;
        t.pos += e->v.values[i] == EC_MSG_VOTE_VALID;
        t.neg += e->v.values[i] == EC_MSG_VOTE_INVALID;
    }
    return t;
}

bool node_tally_quorum(ec_node *n, ptx *p, int i)
{
    return node_tally(n, p, i).pos >= (int)n->cfg.quorum;
}

bool node_tally_decided(ec_node *n, ptx *p)
{
    if (!p->have_tx) return false;
    for (int i = 0; i < p->tx.n_mappings; i++) {
        tally t = node_tally(n, p, i);
        if (t.pos < (int)n->cfg.quorum || t.pos - t.neg < n->cfg.vote_threshold) return false;
    }
    return true;
}

bool node_vote_admissible(ec_node *n, ptx *p, const ec_id *voter)
{
    return !p->have_tx || ec_id_cmp(voter, &n->addr) == 0 || node_token_member(n, p, voter, true);
}

void node_votes_prune(ec_node *n, ptx *p)
{
    size_t k = 0;
    for (size_t v = 0; v < p->nvotes; v++) {
        if (node_vote_admissible(n, p, &p->votes[v].v.voter)) p->votes[k++] = p->votes[v];
        else n->stats.votes_ineligible++;
    }
    size_t limit = 2 * (size_t)p->tx.n_mappings * n->cfg.w;
    if (k > limit) {
        n->stats.votes_dropped_full += k - limit;
        k = limit;
    }
    p->nvotes = k;
}

vote_seen node_record_vote(ptx *p, const ec_msg_signed_vote *v, uint8_t nv)
{
    for (size_t k = 0; k < p->nvotes; k++) {
        voter_vote *e = &p->votes[k];
        if (ec_id_cmp(&e->v.voter, &v->voter) != 0) continue;
        if (v->version <= e->v.version) return VOTE_SAME; /* keep only the newest */
        e->v = *v;
        e->n = nv;
        return VOTE_NEWER;
    }
    /* Room for w voters per token, twice over: views differ at the edge,
     * and a nearer voter that arrives pushes one out of the w nearest
     * (whose vote we then keep until the room is needed). Before the
     * transaction is known: w per token of the largest transaction (the
     * votes often come first, from every token's members). */
    ec_node *n = p->node;
    size_t limit = p->have_tx ? 2 * (size_t)p->tx.n_mappings * n->cfg.w : (size_t)EC_TX_MAPPINGS_MAX * n->cfg.w;
    if (p->nvotes >= limit && p->have_tx) {
        /* Make room: a vote whose voter is no longer eligible for any token. */
        for (size_t k = 0; k < p->nvotes; k++)
            if (!node_token_member(n, p, &p->votes[k].v.voter, false)) {
                p->votes[k] = p->votes[--p->nvotes];
                break;
            }
    }
    if (p->nvotes >= limit) {
        n->stats.votes_dropped_full++;
        return VOTE_FULL;
    }
    if (p->nvotes == p->capvotes) {
        size_t cap = p->capvotes ? 2 * p->capvotes : 8;
        if (cap > NODE_VOTERS_MAX) cap = NODE_VOTERS_MAX;
        voter_vote *grown = realloc(p->votes, cap * sizeof *grown);
        if (grown == NULL) return VOTE_FULL;
        p->votes = grown;
        p->capvotes = cap;
    }
    voter_vote *e = &p->votes[p->nvotes++];
    e->v = *v;
    e->n = nv;
    return VOTE_NEW;
}
