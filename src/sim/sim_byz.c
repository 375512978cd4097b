/* Byzantine voters (docs/SECURITY.md). A Byzantine node's core is the
 * honest one (it keeps its sticky votes, commits what it sees); the
 * simulator rewrites the votes it sends, signed with its own key:
 *   equivocate  every vote of its own says +1 on every token (so both
 *               sides of a double spend get its +1: two signed votes for
 *               conflicting transactions on one head);
 *   withhold    its own votes are never sent (a liveness attack), in
 *               direct votes and in the bundles it relays;
 *   forge       its own votes are honest, but in the bundles it relays
 *               every other voter's vote is forged: the signature of
 *               every other one flipped, the rest replayed (the voter's
 *               signature over another version of its vote);
 *   strategic   an equivocator that shows each side only to its own
 *               voters: its +1 for a transaction goes (in a vote or in a
 *               bundle it relays) only to a member whose sticky vote is
 *               for that same transaction (read from the member's store:
 *               an adversary that knows more than a real one could). Its
 *               re-sends reach members that voted since. A member then
 *               never holds both of its votes unless someone else relays
 *               them: the co-members' echo (commit_echo) does.
 * Placement: `random` (a seeded choice of nodes), or `together` (the
 * nodes nearest to one target point, as if their identities had been
 * mined there, seed §5.3; `target_share` of the created tokens are then
 * placed at that point, so the double-spending clients aim there). Their
 * own commits are left out of the safety check: it is the honest nodes'
 * agreement that counts. */
#include <stdlib.h>
#include <string.h>

#include "core/vote_sig.h"
#include "sim/sim_internal.h"

/* What became of one Byzantine node's lies (times in simulated us, 0: never). */
typedef struct byz_track {
    uint64_t first_lie;  /* its first +1 its honest core would not have cast */
    uint64_t first_conv; /* the first honest node convicted it */
    uint64_t two_thirds; /* ... and 2/3 of the honest among its w true nearest */
    uint32_t nconv;      /* honest nodes that convicted it */
    uint32_t nconv_nbr;  /* of them, in its neighborhood */
    uint32_t nbr[16];    /* the honest among its w true nearest (node indices) */
    uint32_t nnbr;
} byz_track;

struct sim_byz {
    ec_keypair *keys; /* per Byzantine node, by sim_node.byz - 1 */
    uint32_t *node;
    byz_track *track;
    size_t n;
    ec_id target;     /* `together`: where they sit */
};

void sim_byz_setup(sim *s)
{
    const sim_config *c = &s->cfg;
    unsigned k = (unsigned)(c->byzantine * c->nodes + 0.5);
    if (k == 0) return;
    sim_byz *b = calloc(1, sizeof *b);
    b->keys = calloc(k, sizeof *b->keys);
    b->node = calloc(k, sizeof *b->node);
    ec_rng r;
    ec_rng_seed(&r, c->seed ^ 0x62797a616e74ull); /* apart from the network's */
    ec_rng_bytes(&r, b->target.b, EC_ID_LEN);
    uint32_t *near = NULL;
    if (c->byz_together) {
        near = calloc(k, sizeof *near);
        k = (unsigned)sim_true_nearest(s, &b->target, k, near);
    }
    while (b->n < k) {
        uint32_t i = near ? near[b->n] : (uint32_t)ec_rng_below(&r, c->nodes);
        if (s->nodes[i].byz) continue;
        b->node[b->n] = i;
        ec_sign_keypair(&b->keys[b->n], s->key_seeds[i]);
        s->nodes[i].byz = (uint32_t)++b->n;
    }
    free(near);
    b->track = calloc(b->n ? b->n : 1, sizeof *b->track);
    /* The honest ones among its w true nearest: who must stop counting it. */
    for (size_t k = 0; k < b->n; k++) {
        uint32_t nb[17];
        size_t nn = sim_true_nearest(s, &s->addrs[b->node[k]], c->node.w + 1, nb);
        for (size_t j = 0; j < nn && j < c->node.w + 1; j++)
            if (nb[j] != b->node[k] && !s->nodes[nb[j]].byz && b->track[k].nnbr < 16)
                b->track[k].nbr[b->track[k].nnbr++] = nb[j];
    }
    s->byz = b;
}

void sim_byz_free(sim *s)
{
    sim_byz *b = s->byz;
    if (b == NULL) return;
    for (size_t i = 0; i < b->n; i++) ec_sign_wipe(&b->keys[i]);
    free(b->keys);
    free(b->node);
    free(b->track);
    free(b);
    s->byz = NULL;
}

const ec_id *sim_byz_target(const sim *s)
{
    return s->byz && s->cfg.byz_together ? &s->byz->target : NULL;
}

size_t sim_byz_count(const sim *s)
{
    return s->byz ? s->byz->n : 0;
}

/* Where node's sticky +1 on the heads a workload transaction spends went:
 * STICKY_ELSEWHERE (one went to another transaction), STICKY_ALL (all to
 * it), STICKY_OPEN (otherwise), or STICKY_UNKNOWN (not the workload's). */
enum { STICKY_UNKNOWN, STICKY_ELSEWHERE, STICKY_ALL, STICKY_OPEN };
static int sticky_for(sim *s, uint32_t node, const ec_id *tx_id)
{
    size_t k = GPOINTER_TO_SIZE(g_hash_table_lookup(s->tx_by_id, tx_id));
    if (k == 0) return STICKY_UNKNOWN;
    const ec_tx *tx = &s->txs[k - 1].tx;
    bool all = true;
    for (int m = 0; m < tx->n_mappings; m++) {
        ec_id prior;
        if (ec_store_get_vote(s->nodes[node].store, &tx->mappings[m].token, &tx->mappings[m].prev, &prior) != EC_OK)
            all = false;
        else if (ec_id_cmp(&prior, tx_id) != 0)
            return STICKY_ELSEWHERE;
    }
    return all ? STICKY_ALL : STICKY_OPEN;
}

void sim_byz_convicted(sim *s, uint32_t by, uint32_t who)
{
    if (s->byz == NULL || s->nodes[who].byz == 0 || s->nodes[by].byz) return;
    byz_track *t = &s->byz->track[s->nodes[who].byz - 1];
    if (t->nconv++ == 0) t->first_conv = s->now_us;
    for (uint32_t k = 0; k < t->nnbr; k++)
        if (t->nbr[k] == by && 3 * ++t->nconv_nbr >= 2 * t->nnbr && t->two_thirds == 0) t->two_thirds = s->now_us;
}

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return (x > y) - (x < y);
}

/* p50 and p95 of v[0..n) in ms (sorted here), "null" for none. */
static void quantiles(FILE *out, const char *name, uint64_t *v, size_t n)
{
    qsort(v, n, sizeof *v, cmp_u64);
    if (n == 0) fprintf(out, "\"%s\": {\"n\": 0}", name);
    else
        fprintf(out, "\"%s\": {\"n\": %zu, \"p50\": %.1f, \"p95\": %.1f, \"max\": %.1f}", name, n,
                v[(size_t)(0.5 * (double)(n - 1) + 0.5)] / 1e3, v[(size_t)(0.95 * (double)(n - 1) + 0.5)] / 1e3,
                v[n - 1] / 1e3);
}

void sim_byz_timing(const sim *s, FILE *out)
{
    const sim_byz *b = s->byz;
    size_t liars = 0;
    uint64_t *conv = calloc(b->n + 1, sizeof *conv), *two = calloc(b->n + 1, sizeof *two);
    size_t nc = 0, nt = 0;
    double by = 0, by_nbr = 0;
    for (size_t k = 0; k < b->n; k++) {
        const byz_track *t = &b->track[k];
        if (t->first_lie == 0) continue;
        liars++;
        by += t->nconv;
        by_nbr += t->nnbr ? (double)t->nconv_nbr / t->nnbr : 0;
        if (t->first_conv) conv[nc++] = t->first_conv > t->first_lie ? t->first_conv - t->first_lie : 0;
        if (t->two_thirds) two[nt++] = t->two_thirds > t->first_lie ? t->two_thirds - t->first_lie : 0;
    }
    fprintf(out, "  \"exclusion\": {\"liars\": %zu, \"convicted\": %zu, \"by_two_thirds_of_neighborhood\": %zu, "
            "\"convicting_nodes_mean\": %.1f, \"honest_neighborhood_share_mean\": %.3f, ",
            liars, nc, nt, liars ? by / (double)liars : 0, liars ? by_nbr / (double)liars : 0);
    quantiles(out, "lie_to_first_conviction_ms", conv, nc);
    fprintf(out, ", ");
    quantiles(out, "lie_to_two_thirds_ms", two, nt);
    fprintf(out, "},\n");
    free(conv);
    free(two);
}

/* One of its own signed votes, made +1 on every token and signed again
 * (with byzantine_disguise, a second +1 on a head as a decided answer). */
static void plus_all(sim *s, uint32_t i, const ec_keypair *kp, ec_msg_signed_vote *v, const ec_id *tx_id, uint8_t n)
{
    bool lie = false;
    for (uint8_t k = 0; k < n; k++) {
        lie |= v->values[k] != EC_MSG_VOTE_VALID;
        v->values[k] = 1;
    }
    byz_track *t = &s->byz->track[s->nodes[i].byz - 1];
    if (lie && t->first_lie == 0) t->first_lie = s->now_us;
    v->voter = s->addrs[i];
    if (s->cfg.byz_disguise && sticky_for(s, i, tx_id) == STICKY_ELSEWHERE) /* its second +1 on a head */
        v->version = EC_MSG_VOTE_VERSION_DECIDED;
    ec_vote_sign(v, kp, tx_id, n);
}

/* strategic: may node j see our +1 for tx_id? Only if j's own +1 on
 * every head the transaction spends went to it (a transaction the
 * workload did not make is shown to all). */
static bool shown_to(sim *s, uint32_t j, const ec_id *tx_id)
{
    int st = sticky_for(s, j, tx_id);
    return st == STICKY_UNKNOWN || st == STICKY_ALL;
}

bool sim_byz_rewrite(sim *s, uint32_t i, uint32_t j, uint8_t *buf, size_t *len)
{
    uint32_t bi = s->nodes[i].byz;
    if (bi == 0 || *len == 0 || (buf[0] != EC_MSG_VOTE && buf[0] != EC_MSG_VOTES)) return true;
    ec_msg m;
    if (ec_msg_decode(&m, buf, *len) != EC_OK) return true;
    const ec_keypair *kp = &s->byz->keys[bi - 1];
    const ec_id *self = &s->addrs[i];
    if (s->cfg.byz_behaviour == SIM_BYZ_FORGE) {
        if (m.type != EC_MSG_VOTES) return true;
        bool any = false;
        for (uint8_t j = 0; j < m.u.votes.count; j++) {
            ec_msg_signed_vote *v = &m.u.votes.v[j];
            if (ec_id_cmp(&v->voter, self) == 0) continue;
            if (j % 2) v->sig.b[7] ^= 0x20; /* forged */
            else v->version += 1;           /* replayed: signed for another version */
            any = true;
        }
        if (!any) return true;
        s->byz_votes_rewritten++;
        if (!sim_msg_replace(&m, buf, len)) return false;
        return true;
    }
    bool withhold = s->cfg.byz_behaviour == SIM_BYZ_WITHHOLD;
    const ec_id *tx_id = m.type == EC_MSG_VOTE ? &m.u.vote.tx_id : &m.u.votes.tx_id;
    if (s->cfg.byz_behaviour == SIM_BYZ_STRATEGIC && !shown_to(s, j, tx_id)) withhold = true;
    if (m.type == EC_MSG_VOTE) {
        if (withhold) {
            s->byz_votes_rewritten++;
            return false;
        }
        plus_all(s, i, kp, &m.u.vote.v, &m.u.vote.tx_id, m.u.vote.n);
    } else {
        uint8_t kept = 0;
        for (uint8_t j = 0; j < m.u.votes.count; j++) {
            ec_msg_signed_vote *v = &m.u.votes.v[j];
            if (ec_id_cmp(&v->voter, self) == 0) {
                if (withhold) continue;
                plus_all(s, i, kp, v, &m.u.votes.tx_id, m.u.votes.n);
            }
            m.u.votes.v[kept++] = *v;
        }
        if (kept == 0) return false;
        m.u.votes.count = kept;
    }
    s->byz_votes_rewritten++;
    if (!sim_msg_replace(&m, buf, len)) return false;
    return true;
}
