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

#include "crypto/blake3.h"
#include "sim/sim_internal.h"

/* ---- the lazy store: a memory store that keeps a share of the tokens ---- */

typedef struct lazy {
    ec_store store;
    ec_store *inner;
    uint64_t salt;
    double density;
} lazy;

static bool kept(const lazy *l, const ec_id *t)
{
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
    if (c->pos_interval_ms == 0) return;
    for (uint32_t i = 0; i < c->nodes; i++) {
        ev e = {.t_us = (c->pos_interval_ms + ec_rng_below(&s->rng, c->pos_interval_ms)) * 1000, .kind = EV_POS, .node = i};
        sim_push(s, &e);
    }
}

typedef struct pick {
    const ec_peers *table;
    const ec_id *peer;
    unsigned w, skip;
    ec_id t;
    bool found;
} pick;

/* The skip-th token from the start point on that the peer should hold
 * too (among its w nearest in our view): a random one of those, not the
 * first after a gap in what we hold (which sits at the edge of our
 * share, where a neighbor's share differs). */
static bool shared(void *arg, const ec_id *t, const ec_head *h)
{
    (void)h;
    pick *p = arg;
    if (!ec_peers_eligible(p->table, t, p->w, p->peer)) return true;
    p->t = *t;
    p->found = true;
    return p->skip-- > 0;
}

/* Node i challenges one of its w nearest (in its own view) on a token
 * both should hold, drawn at random. */
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
    ec_id from;
    ec_rng_bytes(&s->rng, from.b, EC_ID_LEN);
    pick p = {table, peer, s->cfg.node.w, (unsigned)ec_rng_below(&s->rng, 64), {{0}}, false};
    ec_store_iterate(sn->store, &from, shared, &p);
    if (p.skip > 0 && p.skip != (unsigned)-1) ec_store_iterate(sn->store, NULL, shared, &p); /* wrapped */
    if (!p.found) return;
    if (ec_node_pos_challenge(sn->node, now_ms, peer, &p.t) == EC_OK) s->pos_asked++;
    sim_after_node(s, i);
}

void sim_pos_result(sim *s, uint32_t by, const ec_node_event *ev)
{
    (void)by;
    uint32_t who = sim_node_of(s, &ev->from);
    if (who == UINT32_MAX || ev->pos_verdict >= SIM_POS_VERDICTS) return;
    s->pos_verdicts[s->nodes[who].lazy ? 1 : 0][ev->pos_verdict]++;
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
    for (int k = 0; k < 2; k++) {
        fprintf(out, ", \"%s\": {", k ? "on_lazy" : "on_honest");
        for (int v = 1; v < SIM_POS_VERDICTS; v++)
            fprintf(out, "%s\"%s\": %llu", v > 1 ? ", " : "", names[v], (unsigned long long)s->pos_verdicts[k][v]);
        fputc('}', out);
    }
    fputs("},\n", out);
}
