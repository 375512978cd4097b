/* Vote counts (docs/CONSENSUS.md, "Commit rule"): per token, the positive
 * and negative votes of eligible voters (the w nearest, nbr.c), counting
 * only votes cast for the transaction's shape (one value per mapping).
 * The commit rule, the bundle relay and the re-send pokes all read these
 * counts; nothing here knows about messages. */
#include "core/node_internal.h"

tally node_tally(ec_node *n, ptx *p, int i)
{
    tally t = {0, 0};
    if (!p->have_tx) return t;
    for (size_t v = 0; v < p->nvotes; v++) {
        const voter_vote *e = &p->votes[v];
        if (e->n != p->tx.n_mappings || !node_eligible(n, p, i, &e->v.voter)) continue;
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
