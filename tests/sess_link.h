/* Session-layer test rig: a few ec_sess instances on an in-memory link the
 * test controls (collect what they send, then deliver, drop, duplicate,
 * reorder or tamper with it), a seeded rand per node and a simulated
 * clock. Each node logs what it receives: data as [sender u8][seq u32]
 * messages, checked for order and duplicates, and PEER_UP events. */
#ifndef EC_TEST_SESS_LINK_H
#define EC_TEST_SESS_LINK_H

#include <sodium.h>
#include <stddef.h>
#include <stdlib.h>

#include "base/rng.h"
#include "net/session.h"
#include "test.h"

#define LINK_NODES 4
#define LINK_FLIGHT 4096
#define WALL0 UINT64_C(1700000000000000000) /* wall ns at mono 0 */

typedef struct lpkt {
    int from;             /* sending node */
    ec_endpoint src, dst; /* src may be rewritten (spoofing, roaming) */
    size_t len;
    uint8_t b[EC_PKT_MTU];
} lpkt;

typedef struct lnode {
    ec_sess *s;
    ec_sess_config cfg;
    ec_rng rng;
    uint8_t pub[32];
    ec_endpoint ep;
    bool load; /* passed as under_load */
    int ups;
    ec_sess_event up; /* the last PEER_UP */
    uint32_t got[LINK_NODES], next_seq[LINK_NODES]; /* data by sender */
    uint32_t disorder; /* data out of order or repeated */
    uint32_t sent_seq[LINK_NODES]; /* next seq to each node */
    size_t last_len;
} lnode;

typedef struct slink {
    lnode n[LINK_NODES];
    int count;
    ec_sess_clock clk;
    lpkt fl[LINK_FLIGHT]; /* in flight, oldest first */
    size_t nfl;
    uint32_t lost; /* deliveries to no node */
} slink;

static void link_rand(void *arg, uint8_t *buf, size_t len)
{
    ec_rng_bytes(arg, buf, len);
}

static ec_endpoint link_ep(uint8_t a, uint8_t b)
{
    ec_endpoint e;
    memset(&e, 0, sizeof e);
    e.len = 6;
    e.b[0] = 10;
    e.b[3] = a;
    e.b[4] = 0x1f;
    e.b[5] = b;
    return e;
}

static void link_keys(int i, uint8_t priv[32], uint8_t pub[32])
{
    for (int k = 0; k < 32; k++) priv[k] = (uint8_t)(i * 31 + k + 1);
    crypto_scalarmult_base(pub, priv);
}

/* Node i with `cfg` (NULL: defaults, with a record). */
static void link_add(slink *l, const ec_sess_config *cfg)
{
    int i = l->count++;
    lnode *n = &l->n[i];
    memset(n, 0, sizeof *n);
    if (cfg) n->cfg = *cfg;
    else ec_sess_config_default(&n->cfg);
    if (!cfg) {
        n->cfg.has_record = true;
        for (int k = 0; k < EC_SESS_RECORD_LEN; k++)
            n->cfg.record[k] = (uint8_t)(i + k);
    }
    link_keys(i, n->cfg.static_priv, n->cfg.static_pub);
    memcpy(n->pub, n->cfg.static_pub, 32);
    n->ep = link_ep((uint8_t)i, 1);
    ec_rng_seed(&n->rng, 1000 + (uint64_t)i);
    CHECK_EQ_INT(ec_sess_new(&n->s, &n->cfg, link_rand, &n->rng), EC_OK);
}

static void link_init(slink *l, int nodes)
{
    memset(l, 0, sizeof *l);
    l->clk.mono_ms = 1000;
    l->clk.wall_ns = WALL0 + l->clk.mono_ms * 1000000u;
    for (int i = 0; i < nodes; i++) link_add(l, NULL);
}

static void link_free(slink *l)
{
    for (int i = 0; i < l->count; i++) ec_sess_free(l->n[i].s);
}

static ec_sess_stats link_stats(const slink *l, int i)
{
    ec_sess_stats st;
    ec_sess_get_stats(l->n[i].s, &st);
    return st;
}

/* Moves every node's outbox onto the slink. */
static void link_collect(slink *l)
{
    for (int i = 0; i < l->count; i++) {
        lpkt *p;
        while (l->nfl < LINK_FLIGHT &&
               (p = &l->fl[l->nfl],
                ec_sess_next_out(l->n[i].s, &p->dst, p->b, sizeof p->b,
                                 &p->len) == EC_OK)) {
            p->from = i;
            p->src = l->n[i].ep;
            l->nfl++;
        }
    }
}

static int link_node_at(const slink *l, const ec_endpoint *ep)
{
    for (int i = 0; i < l->count; i++)
        if (l->n[i].ep.len == ep->len && memcmp(l->n[i].ep.b, ep->b, ep->len) == 0)
            return i;
    return -1;
}

static int link_node_of(const slink *l, const uint8_t pub[32])
{
    for (int i = 0; i < l->count; i++)
        if (memcmp(l->n[i].pub, pub, 32) == 0) return i;
    return -1;
}

/* Hands bytes to node `to` as if from `src`; returns the event. */
static ec_sess_event link_recv(slink *l, int to, const ec_endpoint *src,
                               const uint8_t *b, size_t len)
{
    static uint8_t plain[EC_SESS_PLAIN_MAX];
    ec_sess_event ev;
    lnode *n = &l->n[to];
    CHECK_EQ_INT(ec_sess_recv(n->s, &l->clk, src, n->load, b, len, plain,
                              sizeof plain, &ev), EC_OK);
    if (ev.kind == EC_SESS_EV_PEER_UP) {
        n->ups++;
        n->up = ev;
    } else if (ev.kind == EC_SESS_EV_DATA) {
        int from = link_node_of(l, ev.peer);
        n->last_len = ev.len;
        if (from >= 0 && ev.len >= 5 && plain[0] == from) {
            uint32_t seq = (uint32_t)plain[1] | (uint32_t)plain[2] << 8 |
                           (uint32_t)plain[3] << 16 | (uint32_t)plain[4] << 24;
            if (seq != n->next_seq[from]) n->disorder++;
            n->next_seq[from] = seq + 1;
            n->got[from]++;
        }
    }
    return ev;
}

static ec_sess_event link_deliver(slink *l, const lpkt *p)
{
    ec_sess_event ev;
    memset(&ev, 0, sizeof ev);
    int to = link_node_at(l, &p->dst);
    if (to < 0) {
        l->lost++;
        return ev;
    }
    return link_recv(l, to, &p->src, p->b, p->len);
}

/* Takes the oldest packet in flight out of the slink into *out. */
static bool link_take(slink *l, lpkt *out)
{
    if (l->nfl == 0) return false;
    *out = l->fl[0];
    memmove(l->fl, l->fl + 1, (l->nfl - 1) * sizeof l->fl[0]);
    l->nfl--;
    return true;
}

/* Delivers everything, and what that provokes, until the slink is quiet. */
static void link_pump(slink *l)
{
    static lpkt p;
    for (int round = 0; round < 1000; round++) {
        link_collect(l);
        if (l->nfl == 0) return;
        while (link_take(l, &p)) link_deliver(l, &p);
    }
    CHECK(!"link_pump did not settle");
}

static void link_drop_all(slink *l)
{
    link_collect(l);
    l->nfl = 0;
}

/* Sends message seq (the next to that node) from `from` to `to`. */
static ec_err link_send(slink *l, int from, int to, size_t len)
{
    uint8_t m[EC_SESS_PLAIN_MAX + 1];
    uint32_t seq = l->n[from].sent_seq[to];
    memset(m, 0xab, sizeof m);
    m[0] = (uint8_t)from;
    for (int k = 0; k < 4; k++) m[1 + k] = (uint8_t)(seq >> (8 * k));
    if (len < 5) len = 5;
    ec_err err = ec_sess_send(l->n[from].s, &l->clk, l->n[to].pub,
                              &l->n[to].ep, m, len);
    if (err == EC_OK) l->n[from].sent_seq[to]++;
    return err;
}

static void link_set_time(slink *l, uint64_t mono)
{
    l->clk.mono_ms = mono;
    l->clk.wall_ns = WALL0 + mono * 1000000u;
}

/* Moves the clock forward by ms, running every timer on the way at its
 * deadline; pump: deliver what the timers send, else leave it in flight. */
static void link_advance(slink *l, uint64_t ms, bool pump)
{
    uint64_t end = l->clk.mono_ms + ms;
    for (int guard = 0; guard < 100000; guard++) {
        uint64_t d = UINT64_MAX;
        for (int i = 0; i < l->count; i++) {
            uint64_t x = ec_sess_next_deadline(l->n[i].s);
            if (x < d) d = x;
        }
        if (d > end) break;
        if (d > l->clk.mono_ms) link_set_time(l, d);
        for (int i = 0; i < l->count; i++)
            CHECK_EQ_INT(ec_sess_tick(l->n[i].s, &l->clk), EC_OK);
        if (pump) link_pump(l);
        else link_collect(l);
    }
    link_set_time(l, end);
}

/* The name of the one drop counter that moved from a to b by one, "none"
 * if none moved, "many" otherwise. */
static const char *link_drop_reason(const ec_sess_stats *a,
                                    const ec_sess_stats *b)
{
    static const struct {
        const char *name;
        size_t off;
    } drops[] = {
#define D(f) {#f, offsetof(ec_sess_stats, dropped_##f)}
        D(short), D(version), D(type), D(reserved), D(length), D(mac1),
        D(cookie_sent), D(cookie_limited), D(decrypt), D(payload), D(replay),
        D(init_replay), D(init_flood), D(unknown_index), D(expired),
        D(table_full), D(queue_full), D(queue_failed), D(outbox_full),
        D(too_big),
#undef D
    };
    const char *found = "none";
    int moved = 0;
    for (size_t i = 0; i < sizeof drops / sizeof drops[0]; i++) {
        uint64_t x, y;
        memcpy(&x, (const uint8_t *)a + drops[i].off, 8);
        memcpy(&y, (const uint8_t *)b + drops[i].off, 8);
        if (x != y) {
            moved++;
            found = y == x + 1 ? drops[i].name : "many";
        }
    }
    return moved > 1 ? "many" : found;
}

#endif
