/* The simulator's workload: transactions arriving at a rate (exponential
 * gaps), creates and transfers of live tokens, and double-spend pairs; and
 * the bookkeeping of who committed what, with the safety checker. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/blake3.h"
#include "sim/sim_internal.h"

void sim_workload_schedule(sim *s)
{
    const sim_config *c = &s->cfg;
    s->clients = calloc(c->clients ? c->clients : 1, sizeof *s->clients);
    for (unsigned i = 0; i < c->clients; i++) {
        uint8_t seed[32];
        ec_rng_bytes(&s->rng, seed, sizeof seed);
        ec_sign_keypair(&s->clients[i], seed);
    }
    s->live_by_token = g_hash_table_new_full(g_int64_hash, g_int64_equal, free, NULL);
    double t = (double)c->start_ms / 1000;
    for (unsigned i = 0; i < c->txs; i++) {
        t += -log(1 - ec_rng_double(&s->rng)) / c->rate; /* Poisson arrivals */
        ev e = {.t_us = (uint64_t)(t * 1e6) + 1000, .kind = EV_SUBMIT, .tx = i};
        sim_push(s, &e);
    }
}

static sim_tx *new_tx(sim *s)
{
    if (s->ntxs == s->captxs) {
        s->captxs = s->captxs ? 2 * s->captxs : 1024;
        s->txs = realloc(s->txs, s->captxs * sizeof *s->txs);
    }
    sim_tx *t = &s->txs[s->ntxs++];
    memset(t, 0, sizeof *t);
    t->conflict_of = -1;
    return t;
}

static void finish_tx(sim *s, sim_tx *t, uint32_t at)
{
    ec_tx_id(&t->tx, &t->id);
    t->submit_us = s->now_us;
    t->at_node = at;
    for (int i = 0; i < t->tx.n_mappings; i++) {
        uint32_t near[16];
        size_t n = sim_true_nearest(s, &t->tx.mappings[i].token, s->cfg.node.w, near);
        for (size_t k = 0; k < n; k++) {
            bool dup = false;
            for (uint32_t r = 0; r < t->nresp; r++) dup |= t->responsible[r] == near[k];
            if (!dup) t->responsible[t->nresp++] = near[k];
        }
    }
    /* The table keys a copy: s->txs moves when it grows. */
    ec_id *key = malloc(sizeof *key);
    *key = t->id;
    g_hash_table_insert(s->tx_by_id, key, GSIZE_TO_POINTER((size_t)(t - s->txs) + 1));
    s->submitted++;
    /* A crashed node takes no submissions: the client tries the next one. */
    for (uint32_t tries = 0; s->nodes[at].down && tries < s->cfg.nodes; tries++)
        at = (at + 1) % s->cfg.nodes;
    t->at_node = at;
    ec_node_submit(s->nodes[at].node, s->now_us / 1000, &t->tx);
    sim_after_node(s, at);
}

static unsigned ntokens(sim *s)
{
    unsigned lo = s->cfg.tokens_min ? s->cfg.tokens_min : 1, hi = s->cfg.tokens_max;
    if (hi < lo) hi = lo;
    if (hi > EC_TX_MAPPINGS_MAX) hi = EC_TX_MAPPINGS_MAX;
    return lo + (unsigned)ec_rng_below(&s->rng, hi - lo + 1);
}

void sim_workload_submit(sim *s, const ev *e)
{
    const sim_config *c = &s->cfg;
    (void)e;
    uint64_t now_ms = s->now_us / 1000;
    unsigned k = ntokens(s);
    uint32_t at = (uint32_t)ec_rng_below(&s->rng, c->nodes);
    /* A transfer: k live, idle tokens of one client (if there are any). */
    size_t pick[EC_TX_MAPPINGS_MAX], np = 0;
    if (s->nlive > 0 && ec_rng_double(&s->rng) >= c->new_fraction) {
        size_t start = ec_rng_below(&s->rng, s->nlive);
        uint32_t owner = s->live[start].owner;
        for (size_t j = 0; j < s->nlive && np < k; j++) {
            size_t idx = (start + j) % s->nlive;
            if (!s->live[idx].busy && s->live[idx].owner == owner) pick[np++] = idx;
        }
    }
    if (np == 0) {
        sim_tx *t = new_tx(s);
        uint32_t owner = (uint32_t)ec_rng_below(&s->rng, c->clients);
        ec_id oh, zero = {{0}};
        ec_sign_keyhash(&oh, &s->clients[owner].pub);
        ec_tx_init(&t->tx, now_ms);
        const ec_id *target = sim_byz_target(s);
        for (unsigned i = 0; i < k; i++) {
            ec_id tok;
            ec_rng_bytes(&s->rng, tok.b, EC_ID_LEN);
            /* Aimed at the Byzantine neighborhood: the target's first 8
             * bytes (the same w nearest nodes, almost always). */
            if (target && ec_rng_double(&s->rng) < c->target_share) memcpy(tok.b, target->b, 8);
            ec_tx_add_mapping(&t->tx, &tok, &oh, &zero);
        }
        ec_tx_sign(&t->tx, &s->clients[owner]);
        t->owner_client = owner;
        finish_tx(s, t, at);
        return;
    }
    bool twin = c->double_spend > 0 && ec_rng_double(&s->rng) < c->double_spend;
    size_t first = s->ntxs;
    for (int copy = 0; copy < (twin ? 2 : 1); copy++) {
        uint32_t from = s->live[pick[0]].owner;
        uint32_t to = (uint32_t)ec_rng_below(&s->rng, c->clients);
        ec_id oh;
        ec_sign_keyhash(&oh, &s->clients[to].pub);
        sim_tx *t = new_tx(s);
        ec_tx_init(&t->tx, now_ms + (uint64_t)copy); /* the twins differ */
        for (size_t i = 0; i < np; i++)
            ec_tx_add_mapping(&t->tx, &s->live[pick[i]].token, &oh, &s->live[pick[i]].head);
        ec_tx_sign(&t->tx, &s->clients[from]);
        t->owner_client = to;
        if (twin) t->conflict_of = (int)(copy ? first : first + 1);
        uint32_t node = copy ? (uint32_t)ec_rng_below(&s->rng, c->nodes) : at;
        finish_tx(s, t, node);
    }
    if (twin) s->double_spends++;
    for (size_t i = 0; i < np; i++) s->live[pick[i]].busy = true;
}

static void set_live(sim *s, const ec_id *token, const ec_id *head, uint32_t owner)
{
    uint64_t key;
    memcpy(&key, token->b, sizeof key);
    gpointer v = g_hash_table_lookup(s->live_by_token, &key);
    if (v == NULL) {
        if (s->nlive == s->caplive) {
            s->caplive = s->caplive ? 2 * s->caplive : 1024;
            s->live = realloc(s->live, s->caplive * sizeof *s->live);
        }
        s->live[s->nlive] = (struct live){*token, *head, owner, false};
        /* The key lives in the token bytes of the entry: realloc moves it,
         * so the table keys a copy. */
        uint64_t *kp = malloc(sizeof *kp);
        *kp = key;
        g_hash_table_insert(s->live_by_token, kp, GSIZE_TO_POINTER(++s->nlive));
        return;
    }
    struct live *l = &s->live[GPOINTER_TO_SIZE(v) - 1];
    l->head = *head;
    l->owner = owner;
    l->busy = false;
}

void sim_workload_on_commit(sim *s, uint32_t node, const ec_id *tx_id, const ec_tx *tx)
{
    /* Safety: one committed transaction per (token, previous head), ever,
     * among the honest nodes (a Byzantine node's commits prove nothing). */
    bool honest = s->nodes[node].byz == 0;
    if (!honest) s->byz_commits_ignored++;
    for (int i = 0; honest && i < tx->n_mappings; i++) {
        ec_id key;
        ec_blake3 h;
        ec_blake3_init(&h);
        ec_blake3_update(&h, tx->mappings[i].token.b, EC_ID_LEN);
        ec_blake3_update(&h, tx->mappings[i].prev.b, EC_ID_LEN);
        ec_blake3_finalize(&h, key.b, EC_ID_LEN);
        ec_id *seen = g_hash_table_lookup(s->decided, &key);
        if (seen == NULL) {
            ec_id *k = malloc(sizeof *k), *v = malloc(sizeof *v);
            *k = key;
            *v = *tx_id;
            g_hash_table_insert(s->decided, k, v);
        } else if (ec_id_cmp(seen, tx_id) != 0) {
            s->conflicting_commits++;
        }
    }
    gpointer v = g_hash_table_lookup(s->tx_by_id, tx_id);
    if (v == NULL) return;
    sim_tx *t = &s->txs[GPOINTER_TO_SIZE(v) - 1];
    t->nhonest += honest;
    bool resp = false;
    for (uint32_t r = 0; r < t->nresp; r++) resp |= t->responsible[r] == node;
    if (!resp) return;
    t->nhonest_resp += honest;
    t->ncommitted++;
    if (t->ncommitted == 1) t->first_us = s->now_us;
    t->last_us = s->now_us;
    /* The owner may spend its tokens again once a majority of the
     * responsible nodes hold the commit (what a client asking a few of
     * them would see); the rest catch up when the next transfer comes. */
    if (2 * t->ncommitted > t->nresp && !t->live)
        for (int i = 0; i < tx->n_mappings; i++)
            set_live(s, &tx->mappings[i].token, tx_id, t->owner_client);
    t->live |= 2 * t->ncommitted > t->nresp;
    if (t->ncommitted == t->nresp) t->done = true;
}

/* The preload: `preload` creates of random tokens by random clients,
 * adopted (ec_node_adopt: checked, stored, chained; the signature checked
 * once) by each token's w true nearest nodes at time 0, and live for the
 * workload's transfers. */
void sim_workload_preload(sim *s)
{
    const sim_config *c = &s->cfg;
    for (unsigned k = 0; k < c->preload; k++) {
        ec_id token, owner_hash, id, none = {{0}};
        ec_rng_bytes(&s->rng, token.b, EC_ID_LEN);
        uint32_t owner = (uint32_t)ec_rng_below(&s->rng, c->clients);
        ec_sign_keyhash(&owner_hash, &s->clients[owner].pub);
        ec_tx tx;
        ec_tx_init(&tx, 1);
        ec_tx_add_mapping(&tx, &token, &owner_hash, &none);
        ec_tx_sign(&tx, &s->clients[owner]);
        uint8_t buf[EC_TX_MAX_LEN];
        size_t len;
        if (ec_tx_encode(&tx, buf, sizeof buf, &len) != EC_OK) continue;
        ec_blake3_hash(buf, len, id.b);
        /* Its signature checked once here, not once per node (w times). */
        int bad;
        if (c->node.verify_signatures && ec_tx_check_signatures(&tx, &bad) != EC_OK) continue;
        uint32_t near[16];
        size_t n = sim_true_nearest(s, &token, c->node.w, near);
        for (size_t j = 0; j < n; j++)
            s->preloaded += ec_node_adopt(s->nodes[near[j]].node, 0, buf, len, EC_ADOPT_SIGNED) == EC_OK;
        set_live(s, &token, &id, owner);
        if (c->progress && (k + 1) % 10000 == 0) fprintf(stderr, "\rsim: preloaded %u of %u tokens", k + 1, c->preload);
    }
    if (c->progress && c->preload) fputc('\n', stderr);
}
