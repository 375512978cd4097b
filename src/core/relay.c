/* Vote bundles (vote_relay = bundle; docs/CONSENSUS.md, "Vote relay").
 *
 * With direct relay every member of every token votes to every member of
 * every token: (k*w)^2 messages for k tokens. With bundles a member votes
 * only to its own token's neighborhood (k*w^2 in all); when it sees a
 * quorum of positive votes for its token it relays those signed votes as
 * one `votes` message to two members of each other token's neighborhood
 * (the ones at its own rank and the next, so each of them gets about two
 * bundles). A receiver checks every relayed vote it did not have: the key
 * must belong to the voter (the driver's identity check) and sign the
 * vote. Then they count like direct votes, eligibility included: a relayer
 * can withhold votes, never make them up.
 *
 * The price is a hop: the other tokens learn of a quorum after it formed. */
#include <string.h>

#include "core/node_internal.h"
#include "core/vote_sig.h"

/* Our rank among mapping i's w nearest (0 = nearest), or -1. */
static int rank_of(ec_node *n, ptx *p, int i)
{
    size_t nn;
    const ec_id *near = node_nbr(n, p, i, &nn);
    for (size_t k = 0; k < nn; k++)
        if (ec_id_cmp(&near[k], &n->addr) == 0) return (int)k;
    return -1;
}

void node_bundle_maybe_send(ec_node *n, uint64_t now, ptx *p)
{
    /* Aimed by the full member list: without it we do not know the other
     * neighborhoods (a member that spread the transaction sent only its own). */
    if (n->cfg.vote_relay != EC_VOTE_RELAY_BUNDLE || !p->have_tx || p->tx.n_mappings < 2 ||
        !p->have_members)
        return;
    for (int i = 0; i < p->tx.n_mappings; i++) {
        if (!p->member_of[i] || (p->bundle_sent >> i & 1)) continue;
        ec_msg m;
        if (node_build_votes(n, p, i, &m) < (int)n->cfg.quorum) continue;
        p->bundle_sent |= (uint8_t)(1u << i);
        /* The other tokens' members send theirs at about the same time
         * (the coordinator's list reaches every member at once): the
         * first re-send waits a PTO from here, not from our vote. */
        if (n->cfg.rtt_timers && p->resends == 0) p->next_resend = now + node_timeout(n, NULL, 0);
        int r = rank_of(n, p, i);
        if (r < 0) continue;
        ec_id sent[2 * EC_TX_MAPPINGS_MAX];
        size_t nsent = 0;
        for (int j = 0; j < p->tx.n_mappings; j++) {
            if (j == i) continue;
            ec_id near[NODE_W_MAX];
            size_t nn;
            const ec_id *nb = node_nbr(n, p, j, &nn);
            memcpy(near, nb, nn * sizeof *near); /* node_eligible below may refresh the cache */
            for (size_t d = 0; d < 2 && nn > 0; d++) {
                const ec_id *to = &near[((size_t)r + d) % nn];
                /* Members of our own token have these votes already. */
                bool skip = ec_id_cmp(to, &n->addr) == 0 || node_eligible(n, p, i, to);
                for (size_t s = 0; s < nsent && !skip; s++) skip = ec_id_cmp(&sent[s], to) == 0;
                if (skip) continue;
                sent[nsent++] = *to;
                node_send(n, to, &m);
            }
        }
    }
}

bool node_bundle_reply(ec_node *n, ptx *p, const ec_id *to)
{
    if (n->cfg.vote_relay != EC_VOTE_RELAY_BUNDLE || !p->have_tx) return false;
    bool any = false;
    for (int i = 0; i < p->tx.n_mappings; i++) {
        ec_msg m;
        if (!p->member_of[i] || node_build_votes(n, p, i, &m) < (int)n->cfg.quorum) continue;
        node_send(n, to, &m);
        any = true;
    }
    return any;
}

ptx *node_on_votes(ec_node *n, uint64_t now, const ec_id *from, const ec_msg *m)
{
    ptx *p = node_ptx_get(n, &m->u.votes.tx_id, false, now);
    if (p == NULL) {
        if (ec_store_has_tx(n->store, &m->u.votes.tx_id)) {
            n->stats.dropped_unexpected++; /* decided and forgotten */
            return NULL;
        }
        p = node_ptx_new(n, &m->u.votes.tx_id, from, now);
        if (p == NULL) return NULL;
    }
    /* Positive eligible votes per mapping so far: a mapping that has its
     * quorum here needs no more positive votes checked. */
    int pos[EC_TX_MAPPINGS_MAX] = {0};
    bool counted = p->have_tx && p->tx.n_mappings == m->u.votes.n;
    for (int i = 0; counted && i < p->tx.n_mappings; i++) pos[i] = node_tally(n, p, i).pos;
    bool added = false;
    for (int k = 0; k < m->u.votes.count; k++) {
        const ec_msg_signed_vote *v = &m->u.votes.v[k];
        if (ec_id_cmp(&v->voter, &n->addr) == 0) continue;
        bool newer = true;
        for (size_t e = 0; e < p->nvotes && newer; e++)
            if (ec_id_cmp(&p->votes[e].v.voter, &v->voter) == 0) newer = v->version > p->votes[e].v.version;
        if (!newer) continue; /* have it: no need to check it again */
        bool useful = !counted;
        for (int i = 0; counted && i < m->u.votes.n && !useful; i++)
            useful = v->values[i] == EC_MSG_VOTE_INVALID ||
                     (v->values[i] == EC_MSG_VOTE_VALID && pos[i] < (int)n->cfg.quorum);
        if (!useful) continue;
        if (!node_vote_admissible(n, p, &v->voter)) { /* before the costly checks */
            n->stats.votes_ineligible++;
            continue;
        }
        if (node_identity(n, now, from, &v->voter, &v->key) != EC_NODE_ID_YES ||
            (n->cfg.verify_signatures && ec_vote_verify(v, &p->id, m->u.votes.n) != EC_OK)) {
            n->stats.votes_relayed_bad++;
            continue;
        }
        if (node_record_vote(p, v, m->u.votes.n) == VOTE_FULL) continue;
        if (p->has_rival) node_convict_vote(n, now, p, &v->voter);
        node_add_member(p, &v->voter);
        added = true;
        for (int i = 0; counted && i < m->u.votes.n; i++)
            pos[i] += v->values[i] == EC_MSG_VOTE_VALID && node_eligible(n, p, i, &v->voter);
    }
    /* Bundles are aimed by the full member list: its sender had the
     * coordinator's list, so ours is lost (or late). Ask the sender for it
     * now, once, rather than at our first re-send: without it our own
     * bundles cannot go out. */
    if (p->have_tx && p->voted && !p->have_members && !p->asked_list) {
        p->asked_list = true;
        node_ask_members(n, p, from);
    }
    return added ? p : NULL; /* the member goes on (node_votes_added) */
}

void node_bundle_poke(ec_node *n, ptx *p)
{
    if (!p->have_tx || !p->voted || !p->have_members) return;
    ec_msg mine;
    node_build_vote(n, p, &mine);
    if (mine.u.vote.n == 0) return;
    for (int j = 0; j < p->tx.n_mappings; j++) {
        if (p->member_of[j]) continue;
        if (node_tally_quorum(n, p, j)) continue;
        size_t nn;
        const ec_id *near = node_nbr(n, p, j, &nn);
        int poked = 0;
        /* Members we have no vote from, from a seeded random start: two at
         * the first re-send, twice as many each time after (one that has
         * forgotten the transaction answers with its own vote only). */
        int want = p->resends < 3 ? 2 << (p->resends > 0 ? p->resends - 1 : 0) : NODE_W_MAX;
        size_t start = nn ? ec_rng_below(n->rng, nn) : 0;
        for (size_t d = 0; d < nn && poked < want; d++) {
            const ec_id *to = &near[(start + d) % nn];
            bool heard = ec_id_cmp(to, &n->addr) == 0;
            for (size_t v = 0; v < p->nvotes && !heard; v++) heard = ec_id_cmp(&p->votes[v].v.voter, to) == 0;
            if (heard) continue;
            node_send(n, to, &mine);
            poked++;
        }
    }
}
