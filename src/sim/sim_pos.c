/* Storage proofs in a running network (issue 12; docs/LIFECYCLE.md, "In a
 * running network"): every node challenges one of its neighbors every
 * pos_interval_ms (jittered by the seed) on a token it holds, with the
 * real core (ec_node_pos_challenge, prove.c, serve.c), while
 * transactions commit and heads move. A share `lazy` of the nodes store
 * only `lazy_density` of the tokens they should: their store hides the
 * rest (a head it is given is dropped, one it is asked for is not there),
 * so they vote, commit and answer as a node that skimps on disk would.
 * The summary counts the verdicts on honest and on lazy peers. */
#include <stdlib.h>
#include <string.h>

#include "core/pos.h"
#include "crypto/blake3.h"
#include "sim/sim_internal.h"

/* ---- the lazy store: a memory store that keeps a share of the tokens ---- */

typedef struct lazy {
    ec_store store;
    ec_store *inner;
    uint64_t salt;
    double density;
    const sim *s;      /* with lazy_region: the node whose region is kept */
    uint32_t i;
} lazy;

/* Node i's challenge region as ec_node_pos_region computes it, whether
 * its node challenges by regions or not. */
static unsigned region_of(const sim *s, uint32_t i)
{
    const ec_node *n = s->nodes[i].node;
    return n ? ec_peers_region(ec_node_peer_table(n), s->cfg.node.w) : 0;
}

static bool kept(const lazy *l, const ec_id *t)
{
    /* lazy_region: what a challenger can reach, kept whole */
    if (l->s && ec_pos_in_region(&l->s->addrs[l->i], t, region_of(l->s, l->i))) return true;
    uint64_t h = l->salt;
    for (int i = 0; i < 8; i++) h = (h ^ t->b[24 + i]) * 0x100000001b3ull;
    return (double)(h >> 11) / 9007199254740992.0 < l->density;
}

typedef struct lazy_iter {
    const lazy *l;
    ec_store_iter_fn fn;
    void *arg;
} lazy_iter;

static bool lazy_step(void *arg, const ec_id *t, const ec_head *h)
{
    lazy_iter *it = arg;
    return kept(it->l, t) ? it->fn(it->arg, t, h) : true;
}

#define INNER(i) (((lazy *)(i))->inner)
static ec_err lz_begin(void *i) { return ec_store_begin(INNER(i)); }
static ec_err lz_commit(void *i) { return ec_store_commit(INNER(i)); }
static void lz_abort(void *i) { ec_store_abort(INNER(i)); }
static ec_err lz_get_head(void *i, const ec_id *t, ec_head *o)
{
    return kept(i, t) ? ec_store_get_head(INNER(i), t, o) : EC_ERR_NOTFOUND;
}
static ec_err lz_put_head(void *i, const ec_id *t, const ec_head *h)
{
    return kept(i, t) ? ec_store_put_head(INNER(i), t, h) : EC_OK; /* skimped */
}
static ec_err lz_get_tx(void *i, const ec_id *x, uint8_t *b, size_t c, size_t *l) { return ec_store_get_tx(INNER(i), x, b, c, l); }
static ec_err lz_put_tx(void *i, const ec_id *x, const uint8_t *b, size_t l) { return ec_store_put_tx(INNER(i), x, b, l); }
static ec_err lz_get_vote(void *i, const ec_id *t, const ec_id *p, ec_id *x) { return ec_store_get_vote(INNER(i), t, p, x); }
static ec_err lz_put_vote(void *i, const ec_id *t, const ec_id *p, const ec_id *x) { return ec_store_put_vote(INNER(i), t, p, x); }
static ec_err lz_del_vote(void *i, const ec_id *t, const ec_id *p) { return ec_store_del_vote(INNER(i), t, p); }
static ec_err lz_get_rec(void *i, const uint8_t *k, size_t kl, uint8_t *b, size_t c, size_t *l) { return ec_store_get_rec(INNER(i), k, kl, b, c, l); }
static ec_err lz_put_rec(void *i, const uint8_t *k, size_t kl, const uint8_t *v, size_t vl) { return ec_store_put_rec(INNER(i), k, kl, v, vl); }
static ec_err lz_del_rec(void *i, const uint8_t *k, size_t kl) { return ec_store_del_rec(INNER(i), k, kl); }
static ec_err lz_each_rec(void *i, const uint8_t *p, size_t pl, ec_store_rec_fn fn, void *a) { return ec_store_each_rec(INNER(i), p, pl, fn, a); }
static ec_err lz_iterate(void *i, const ec_id *f, ec_store_iter_fn fn, void *a)
{
    lazy_iter it = {i, fn, a};
    return ec_store_iterate(INNER(i), f, lazy_step, &it);
}
static ec_err lz_iterate_down(void *i, const ec_id *f, ec_store_iter_fn fn, void *a)
{
    lazy_iter it = {i, fn, a};
    return ec_store_iterate_down(INNER(i), f, lazy_step, &it);
}
static ec_err lz_counts(void *i, ec_store_counts *o) { return ec_store_counts_get(INNER(i), o); }
static void lz_close(void *i)
{
    ec_store_close(INNER(i));
    free(i);
}
static const ec_store_vtable lazy_vt = {lz_begin, lz_commit, lz_abort, lz_get_head, lz_put_head, lz_get_tx, lz_put_tx,
                                        lz_get_vote, lz_put_vote, lz_del_vote, lz_get_rec, lz_put_rec, lz_del_rec,
                                        lz_each_rec, lz_iterate, lz_iterate_down, lz_counts, lz_close};

void sim_pos_wrap(sim *s, uint32_t i)
{
    if (!s->nodes[i].lazy) return;
    lazy *l = calloc(1, sizeof *l);
    if (l == NULL) return;
    l->inner = s->nodes[i].store;
    l->salt = s->cfg.seed * 0x9e3779b97f4a7c15ull + i;
    l->density = s->cfg.lazy_density;
    if (s->cfg.lazy_region) {
        l->s = s;
        l->i = i;
    }
    l->store.vt = &lazy_vt;
    l->store.impl = l;
    s->nodes[i].store = &l->store;
}

/* ---- who is lazy, and the challenges ---- */

void sim_pos_setup(sim *s)
{
    const sim_config *c = &s->cfg;
    unsigned k = (unsigned)(c->lazy * c->nodes + 0.5);
    ec_rng r;
    ec_rng_seed(&r, c->seed ^ 0x6c617a79ull); /* apart from the network's */
    for (unsigned n = 0; n < k && n < c->nodes;) {
        uint32_t i = (uint32_t)ec_rng_below(&r, c->nodes);
        if (s->nodes[i].lazy || s->nodes[i].liar || s->nodes[i].byz || s->nodes[i].adv) continue;
        s->nodes[i].lazy = true;
        sim_pos_wrap(s, i);
        n++;
    }
    for (uint32_t i = 0; c->byz_lazy && i < c->nodes; i++) /* Byzantine nodes that do not store */
        if (s->nodes[i].byz && !s->nodes[i].lazy) {
            s->nodes[i].lazy = true;
            sim_pos_wrap(s, i);
        }
    if (c->pos_interval_ms == 0) return;
    for (uint32_t i = 0; i < c->nodes; i++) {
        ev e = {.t_us = (c->pos_interval_ms + ec_rng_below(&s->rng, c->pos_interval_ms)) * 1000, .kind = EV_POS, .node = i};
        sim_push(s, &e);
    }
}

/* Node i challenges one of its w nearest (its own view); the core picks
 * the token and the walk (ec_node_pos_challenge_any). */
void sim_pos_challenge(sim *s, uint32_t i, uint64_t now_ms)
{
    ev e = {.t_us = s->now_us + s->cfg.pos_interval_ms * 1000, .kind = EV_POS, .node = i};
    sim_push(s, &e);
    sim_node *sn = &s->nodes[i];
    if (sn->down || sn->node == NULL) return;
    ec_id near[64];
    const ec_peers *table = ec_node_peer_table(sn->node);
    size_t nn = ec_peers_nearest(table, &s->addrs[i], s->cfg.node.w, false, near);
    if (nn == 0) return;
    const ec_id *peer = &near[s->cfg.pos_nearest ? 0 : ec_rng_below(&s->rng, nn)];
    if (ec_node_pos_challenge_any(sn->node, now_ms, peer) == EC_OK) s->pos_asked++;
    sim_after_node(s, i);
}

void sim_pos_result(sim *s, uint32_t by, const ec_node_event *ev)
{
    uint32_t who = sim_node_of(s, &ev->from);
    if (who == UINT32_MAX || ev->pos_verdict >= SIM_POS_VERDICTS) return;
    /* A lazy asker judges with half a store: its verdicts apart. */
    s->pos_verdicts[s->nodes[by].lazy ? 2 : s->nodes[who].lazy ? 1 : 0][ev->pos_verdict]++;
}

typedef struct tally {
    const ec_id *self;
    unsigned plen;
    uint64_t all, region;
} tally;

static bool tally_one(void *arg, const ec_id *t, const ec_head *h)
{
    (void)h;
    tally *c = arg;
    c->all++;
    c->region += ec_pos_in_region(c->self, t, c->plen);
    return true;
}

/* What the stores hold at the end: the share of an honest node's store in
 * its challenge region (what challengers can reach), and a lazy node's
 * store against an honest one's (the disk it saves), in thousandths. */
static void shares(const sim *s, FILE *out)
{
    uint64_t all[2] = {0, 0}, region = 0, nodes[2] = {0, 0};
    for (uint32_t i = 0; i < s->cfg.nodes; i++) {
        const sim_node *sn = &s->nodes[i];
        if (sn->node == NULL || sn->down || sn->liar || sn->byz || sn->adv) continue;
        tally c = {&s->addrs[i], region_of(s, i), 0, 0};
        if (ec_store_iterate(sn->store, NULL, tally_one, &c) != EC_OK) continue;
        all[sn->lazy] += c.all;
        nodes[sn->lazy]++;
        if (!sn->lazy) region += c.region;
    }
    double per[2] = {nodes[0] ? (double)all[0] / (double)nodes[0] : 0, nodes[1] ? (double)all[1] / (double)nodes[1] : 0};
    fprintf(out, ", \"region_share_permille\": %llu, \"lazy_stored_permille\": %llu",
            all[0] ? (unsigned long long)(region * 1000 / all[0]) : 0ull,
            per[0] > 0 ? (unsigned long long)(per[1] * 1000 / per[0]) : 0ull);
}

void sim_pos_summary(const sim *s, const ec_node_stats *acc, FILE *out)
{
    if (s->cfg.pos_interval_ms == 0) return;
    static const char *const names[SIM_POS_VERDICTS] = {"?", "passed", "refused", "cannot", "timed_out", "error"};
    fprintf(out, "  \"storage_proofs\": {\"asked\": %llu, \"answered\": %llu, \"cannot\": %llu, \"dropped_rate\": %llu, "
            "\"dropped_peer\": %llu, \"lazy_nodes\": %u",
            (unsigned long long)s->pos_asked, (unsigned long long)acc->pos_answered,
            (unsigned long long)acc->pos_cannot, (unsigned long long)acc->pos_dropped_rate,
            (unsigned long long)acc->pos_dropped_peer, (unsigned)(s->cfg.lazy * s->cfg.nodes + 0.5));
    static const char *const who[3] = {"on_honest", "on_lazy", "by_lazy"};
    for (int k = 0; k < 3; k++) {
        fprintf(out, ", \"%s\": {", who[k]);
        for (int v = 1; v < SIM_POS_VERDICTS; v++)
            fprintf(out, "%s\"%s\": %llu", v > 1 ? ", " : "", names[v], (unsigned long long)s->pos_verdicts[k][v]);
        fputc('}', out);
    }
    shares(s, out);
    fputs("},\n", out);
}
