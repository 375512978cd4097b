/* Storage-proof challenges carried by the core (core/prove.c asks,
 * core/serve.c answers; docs/PROTOCOL.md "Storage proofs"): two nodes
 * holding the same 20,000 tokens pass (agreement 10, an event, the peer's
 * record); a responder holding half fails the 8-of-10 rule; one that does
 * not hold the token answers "cannot" and fails; an unasked PROOF and a
 * second copy are dropped; an unanswered challenge times out at the
 * request timeout on tick; the outstanding table refuses when full and
 * the peer records drop the least recently updated; GET_PROOF beyond the
 * node-wide rate is dropped and counted. ec_node_check holds throughout. */
#include <stdlib.h>
#include <string.h>

#include "core/node.h"
#include "core/pos.h"
#include "crypto/blake3.h"
#include "node_env.h"
#include "test.h"

#define UNIVERSE 20000

typedef struct pnode {
    ec_store *s;
    ec_rng rng;
    ec_node *n;
    ec_id addr;
} pnode;

static ec_id head_of(const ec_id *t)
{
    ec_id h;
    ec_blake3_hash(t->b, EC_ID_LEN, h.b);
    return h;
}

/* The universe's tokens (seed 7); a store keeps each with probability p
 * (keep_seed decides which), always keeping `must` when not NULL. */
static void fill(ec_store *s, double p, uint64_t keep_seed, const ec_id *must)
{
    ec_rng u, k;
    ec_rng_seed(&u, 7);
    ec_rng_seed(&k, keep_seed);
    CHECK_EQ_INT(ec_store_begin(s), EC_OK);
    for (unsigned i = 0; i < UNIVERSE; i++) {
        ec_id t;
        ec_rng_bytes(&u, t.b, EC_ID_LEN);
        bool keep = p >= 1 || (double)ec_rng_below(&k, 1000000) / 1e6 < p;
        if (!keep && !(must && ec_id_cmp(&t, must) == 0)) continue;
        ec_head h;
        memset(&h, 0, sizeof h);
        h.tx_id = head_of(&t);
        h.timestamp_ms = 1;
        CHECK_EQ_INT(ec_store_put_head(s, &t, &h), EC_OK);
    }
    CHECK_EQ_INT(ec_store_commit(s), EC_OK);
}

/* The universe's i-th token. */
static ec_id token_no(unsigned i)
{
    ec_rng u;
    ec_rng_seed(&u, 7);
    ec_id t;
    for (unsigned k = 0; k <= i; k++) ec_rng_bytes(&u, t.b, EC_ID_LEN);
    return t;
}

static void pn_open(pnode *p, uint8_t tag, const ec_node_config *cfg)
{
    ec_node_config def;
    if (cfg == NULL) {
        ec_node_config_default(&def);
        def.pos_peer_interval_ms = 0; /* the per-asker share has its own test */
        cfg = &def;
    }
    memset(p, 0, sizeof *p);
    ec_rng_seed(&p->rng, tag);
    ec_blake3_hash(&tag, 1, p->addr.b);
    CHECK_EQ_INT(ec_store_mem_open(&p->s), EC_OK);
    CHECK_EQ_INT(tn_new(&p->n, cfg, &p->addr, p->s, &p->rng), EC_OK);
}

static void pn_close(pnode *p)
{
    ec_node_free(p->n);
    ec_store_close(p->s);
}

static void check_node(const pnode *p)
{
    const char *why = NULL;
    CHECK_EQ_INT(ec_node_check(p->n, &why), EC_OK);
    CHECK(why == NULL);
}

/* Takes everything out of from's outbox; those addressed to `to` (if not
 * NULL) are delivered to it. Returns how many of `type` there were (to
 * anyone); the last one's bytes in raw (EC_MSG_MAX) when not NULL. */
static int hop(pnode *from, pnode *to, uint64_t now, ec_msg_type type, uint8_t *raw, size_t *rawlen)
{
    ec_id dest;
    uint8_t buf[EC_MSG_MAX];
    size_t len;
    int cnt = 0;
    while (ec_node_next_out(from->n, &dest, NULL, buf, sizeof buf, &len) == EC_OK) {
        if (len > 0 && buf[0] == type) {
            cnt++;
            if (raw) {
                memcpy(raw, buf, len);
                *rawlen = len;
            }
        }
        if (to && ec_id_cmp(&dest, &to->addr) == 0)
            CHECK_EQ_INT(ec_node_recv(to->n, now, &from->addr, NULL, buf, len), EC_OK);
    }
    check_node(from);
    if (to) check_node(to);
    return cnt;
}

/* POS_RESULT events waiting (others skipped); the last in *last. */
static int pos_events(pnode *p, ec_node_event *last)
{
    ec_node_event e;
    int cnt = 0;
    while (ec_node_next_event(p->n, &e) == EC_OK) {
        if (e.type != EC_NODE_EV_POS_RESULT) continue;
        cnt++;
        if (last) *last = e;
    }
    return cnt;
}

/* A challenges B on token T at `now`, B answers, A judges. */
static void challenge(pnode *a, pnode *b, uint64_t now, const ec_id *t, uint8_t *raw, size_t *rawlen)
{
    CHECK_EQ_INT(ec_node_pos_challenge(a->n, now, &b->addr, t), EC_OK);
    check_node(a);
    CHECK_EQ_INT(hop(a, b, now, EC_MSG_GET_PROOF, NULL, NULL), 1);
    CHECK_EQ_INT(hop(b, a, now + 5, EC_MSG_PROOF, raw, rawlen), 1);
}

static void test_full_store_passes_and_a_copy_is_dropped(void)
{
    pnode a, b;
    pn_open(&a, 1, NULL);
    pn_open(&b, 2, NULL);
    fill(a.s, 1, 0, NULL);
    fill(b.s, 1, 0, NULL);
    ec_id t = token_no(1234);
    uint8_t raw[EC_MSG_MAX];
    size_t rawlen = 0;
    uint64_t now = 1000;
    challenge(&a, &b, now, &t, raw, &rawlen);
    CHECK_EQ_INT(rawlen, 1 + 32 + 1 + 32 + 10 * 64); /* status 1: an answer */
    CHECK_EQ_INT(ec_node_stats_get(b.n)->pos_answered, 1);
    CHECK_EQ_INT(ec_node_stats_get(b.n)->pos_cannot, 0);
    ec_node_event e;
    CHECK_EQ_INT(pos_events(&a, &e), 1);
    CHECK_EQ_INT(e.type, EC_NODE_EV_POS_RESULT);
    CHECK(ec_id_cmp(&e.from, &b.addr) == 0 && ec_id_cmp(&e.tx_id, &t) == 0);
    CHECK_EQ_INT(e.mapping, 10);
    CHECK_EQ_INT(e.pos_verdict, EC_NODE_POS_PASSED);
    ec_node_pos_record r;
    CHECK_EQ_INT(ec_node_pos_peer(a.n, &b.addr, &r), EC_OK);
    CHECK_EQ_INT(r.passed, 1);
    CHECK_EQ_INT(r.failed, 0);
    CHECK_EQ_INT(r.timed_out, 0);
    CHECK_EQ_INT(r.last_agree, 10);
    CHECK_EQ_INT(r.last_verdict, EC_NODE_POS_PASSED);
    CHECK_EQ_INT(r.last_at, now + 5);
    const ec_node_stats *st = ec_node_stats_get(a.n);
    CHECK_EQ_INT(st->pos_challenges, 1);
    CHECK_EQ_INT(st->pos_passed, 1);
    CHECK_EQ_INT(st->pos_failed, 0);
    /* Nothing waits any more: the deadline (a lower bound) passes without
     * a timeout, and then no timer is left. */
    CHECK_EQ_INT(ec_node_tick(a.n, ec_node_next_deadline(a.n)), EC_OK);
    CHECK_EQ_INT(pos_events(&a, NULL), 0);
    CHECK(ec_node_next_deadline(a.n) == UINT64_MAX);
    CHECK_EQ_INT(st->pos_timed_out, 0);
    CHECK_EQ_INT(ec_node_pos_peer(b.n, &a.addr, &r), EC_ERR_NOTFOUND); /* B asked nothing */
    /* The same PROOF again (a copy): dropped, nothing judged twice. */
    uint64_t unexpected = st->dropped_unexpected;
    CHECK_EQ_INT(ec_node_recv(a.n, now + 6, &b.addr, NULL, raw, rawlen), EC_OK);
    CHECK_EQ_INT(st->dropped_unexpected, unexpected + 1);
    CHECK_EQ_INT(pos_events(&a, NULL), 0);
    CHECK_EQ_INT(ec_node_pos_peer(a.n, &b.addr, &r), EC_OK);
    CHECK_EQ_INT(r.passed, 1);
    CHECK_EQ_INT(st->pos_passed, 1);
    /* The same answer from another peer (never challenged): dropped too. */
    ec_id stranger = token_no(5);
    CHECK_EQ_INT(ec_node_recv(a.n, now + 7, &stranger, NULL, raw, rawlen), EC_OK);
    CHECK_EQ_INT(st->dropped_unexpected, unexpected + 2);
    CHECK_EQ_INT(pos_events(&a, NULL), 0);
    CHECK_EQ_INT(ec_node_pos_peer(a.n, &stranger, &r), EC_ERR_NOTFOUND);
    check_node(&a);
    /* A second challenge of the same pair on the same token is a new one. */
    challenge(&a, &b, now + 100, &t, NULL, NULL);
    CHECK_EQ_INT(pos_events(&a, &e), 1);
    CHECK_EQ_INT(e.pos_verdict, EC_NODE_POS_PASSED);
    CHECK_EQ_INT(ec_node_pos_peer(a.n, &b.addr, &r), EC_OK);
    CHECK_EQ_INT(r.passed, 2);
    pn_close(&a);
    pn_close(&b);
}

/* B holds about half of A's tokens (the challenge token among them): its
 * walk is its own, honest but short of A's; the agreement stays under 8. */
static void test_half_store_fails(void)
{
    pnode a, b;
    pn_open(&a, 1, NULL);
    pn_open(&b, 2, NULL);
    ec_id t = token_no(777);
    fill(a.s, 1, 0, NULL);
    fill(b.s, 0.5, 99, &t);
    challenge(&a, &b, 1000, &t, NULL, NULL);
    CHECK_EQ_INT(ec_node_stats_get(b.n)->pos_answered, 1);
    ec_node_event e;
    CHECK_EQ_INT(pos_events(&a, &e), 1);
    CHECK_EQ_INT(e.pos_verdict, EC_NODE_POS_REFUSED);
    CHECK(e.mapping >= 0 && e.mapping < 8);
    ec_node_pos_record r;
    CHECK_EQ_INT(ec_node_pos_peer(a.n, &b.addr, &r), EC_OK);
    CHECK_EQ_INT(r.passed, 0);
    CHECK_EQ_INT(r.failed, 1);
    CHECK_EQ_INT(r.timed_out, 0);
    CHECK_EQ_INT(r.last_agree, e.mapping);
    CHECK_EQ_INT(r.last_verdict, EC_NODE_POS_REFUSED);
    printf("  half store: agreement %d of 10\n", e.mapping);
    CHECK_EQ_INT(ec_node_stats_get(a.n)->pos_failed, 1);
    pn_close(&a);
    pn_close(&b);
}

/* B does not hold the token: "cannot" (status 0), a failure to A. */
static void test_cannot_answer_fails(void)
{
    pnode a, b;
    pn_open(&a, 1, NULL);
    pn_open(&b, 2, NULL);
    fill(a.s, 1, 0, NULL);
    fill(b.s, 1, 0, NULL);
    ec_id absent;
    memset(&absent, 0x42, sizeof absent);
    uint8_t raw[EC_MSG_MAX];
    size_t rawlen = 0;
    challenge(&a, &b, 1000, &absent, raw, &rawlen);
    CHECK_EQ_INT(rawlen, 1 + 32 + 1);
    CHECK_EQ_INT(raw[33], 0);
    CHECK_EQ_INT(ec_node_stats_get(b.n)->pos_cannot, 1);
    CHECK_EQ_INT(ec_node_stats_get(b.n)->pos_answered, 0);
    ec_node_event e;
    CHECK_EQ_INT(pos_events(&a, &e), 1);
    CHECK_EQ_INT(e.pos_verdict, EC_NODE_POS_CANNOT);
    CHECK_EQ_INT(e.mapping, -1);
    ec_node_pos_record r;
    CHECK_EQ_INT(ec_node_pos_peer(a.n, &b.addr, &r), EC_OK);
    CHECK_EQ_INT(r.failed, 1);
    CHECK_EQ_INT(r.passed, 0);
    CHECK_EQ_INT(r.last_agree, -1);
    CHECK_EQ_INT(r.last_verdict, EC_NODE_POS_CANNOT);
    /* B's store holds tokens, but a walk past pos_examined_max is "cannot"
     * too (the cost bound). */
    pn_close(&b);
    ec_node_config cfg;
    ec_node_config_default(&cfg);
    cfg.pos_examined_max = 100;
    cfg.pos_peer_interval_ms = 0;
    pn_open(&b, 2, &cfg);
    fill(b.s, 1, 0, NULL);
    ec_id t = token_no(3);
    challenge(&a, &b, 2000, &t, raw, &rawlen);
    CHECK_EQ_INT(rawlen, 1 + 32 + 1);
    CHECK_EQ_INT(ec_node_stats_get(b.n)->pos_cannot, 1);
    CHECK_EQ_INT(pos_events(&a, &e), 1);
    CHECK_EQ_INT(e.pos_verdict, EC_NODE_POS_CANNOT);
    CHECK_EQ_INT(ec_node_pos_peer(a.n, &b.addr, &r), EC_OK);
    CHECK_EQ_INT(r.failed, 2);
    pn_close(&a);
    pn_close(&b);
    /* A width whose walk cannot end within the cap (10 x 2^16 tokens >
     * 200,000): "cannot", even for a token it holds; 14 bits is walked. */
    ec_node_config_default(&cfg);
    cfg.pos_peer_interval_ms = 0;
    pn_open(&b, 2, &cfg);
    fill(b.s, 1, 0, NULL);
    ec_msg m;
    memset(&m, 0, sizeof m);
    m.type = EC_MSG_GET_PROOF;
    m.u.get_proof.token = token_no(3);
    uint8_t buf[EC_MSG_MAX];
    size_t len;
    ec_id asker;
    memset(&asker, 0x51, sizeof asker);
    for (unsigned bits = 14; bits <= 16; bits++) {
        m.u.get_proof.bits = (uint8_t)bits;
        CHECK_EQ_INT(ec_msg_encode(&m, buf, sizeof buf, &len), EC_OK);
        CHECK_EQ_INT(ec_node_recv(b.n, 10000 + bits, &asker, NULL, buf, len), EC_OK);
    }
    /* 14: walked (the 20,000-token store is too small for 163,840: the
     * walk falls short, "cannot" too); 15 and 16: refused unwalked. All
     * three "cannot", none answered. */
    CHECK_EQ_INT(ec_node_stats_get(b.n)->pos_cannot, 3);
    CHECK_EQ_INT(ec_node_stats_get(b.n)->pos_answered, 0);
    pn_close(&b);
}

/* addr with bit k (0: the top) flipped. */
static ec_id flip(const ec_id *addr, unsigned k)
{
    ec_id x = *addr;
    x.b[k / 8] ^= (uint8_t)(0x80 >> (k % 8));
    return x;
}

/* Regions: A knows B (sharing 30 bits with it) and seven peers sharing
 * 26, 25, ..., 20 bits: its region is the 21-bit prefix (8 nodes, the
 * 20-bit peer out). 400 tokens of both stores lie in it. A challenges B on
 * one of them with a region walk (plen 21 on the wire) that passes; a
 * peer outside the region on a region token is refused (EC_ERR_PREFIX: it
 * should not hold it), as is any peer outside with shared walks off; B
 * answers "cannot" to a region that does not hold its asker. */
static void test_regions_bound_who_and_what(void)
{
    pnode a, b;
    pn_open(&a, 1, NULL);
    pn_open(&b, 2, NULL);
    ec_node_free(b.n); /* B's address: 30 bits in common with A's */
    b.addr = flip(&a.addr, 30);
    ec_node_config cfg;
    ec_node_config_default(&cfg);
    cfg.pos_peer_interval_ms = 0;
    CHECK_EQ_INT(tn_new(&b.n, &cfg, &b.addr, b.s, &b.rng), EC_OK);
    CHECK_EQ_INT(ec_node_add_peer(a.n, &b.addr, NULL), EC_OK);
    for (unsigned k = 20; k <= 26; k++) {
        ec_id p = flip(&a.addr, k);
        CHECK_EQ_INT(ec_node_add_peer(a.n, &p, NULL), EC_OK);
    }
    CHECK_EQ_INT(ec_node_pos_region(a.n), 21);
    CHECK_EQ_INT(ec_node_pos_region(b.n), 0); /* knows no one: the whole space */
    fill(a.s, 1, 0, NULL);
    fill(b.s, 1, 0, NULL);
    ec_rng r;
    ec_rng_seed(&r, 3);
    ec_id in[400];
    CHECK_EQ_INT(ec_store_begin(a.s), EC_OK);
    CHECK_EQ_INT(ec_store_begin(b.s), EC_OK);
    for (unsigned i = 0; i < 400; i++) {
        ec_rng_bytes(&r, in[i].b, EC_ID_LEN);
        memcpy(in[i].b, a.addr.b, 2);
        in[i].b[2] = (uint8_t)((a.addr.b[2] & 0xf8) | (in[i].b[2] & 0x07));
        ec_head h;
        memset(&h, 0, sizeof h);
        h.tx_id = head_of(&in[i]);
        h.timestamp_ms = 1;
        CHECK_EQ_INT(ec_store_put_head(a.s, &in[i], &h), EC_OK);
        CHECK_EQ_INT(ec_store_put_head(b.s, &in[i], &h), EC_OK);
    }
    CHECK_EQ_INT(ec_store_commit(a.s), EC_OK);
    CHECK_EQ_INT(ec_store_commit(b.s), EC_OK);
    /* Outside the region, on a region token: not one it must hold. */
    ec_id far = flip(&a.addr, 20);
    CHECK_EQ_INT(ec_node_pos_challenge(a.n, 100, &far, &in[0]), EC_ERR_PREFIX);
    /* B on a region token: a region walk, plen 21, not shared. */
    uint8_t raw[EC_MSG_MAX];
    size_t rawlen = 0;
    CHECK_EQ_INT(ec_node_pos_challenge(a.n, 100, &b.addr, &in[7]), EC_OK);
    CHECK_EQ_INT(hop(&a, &b, 100, EC_MSG_GET_PROOF, raw, &rawlen), 1);
    CHECK_EQ_INT(rawlen, 36);
    CHECK_EQ_INT(raw[34], 21);
    CHECK_EQ_INT(raw[35], 0);
    CHECK_EQ_INT(hop(&b, &a, 105, EC_MSG_PROOF, NULL, NULL), 1);
    ec_node_event e;
    CHECK_EQ_INT(pos_events(&a, &e), 1);
    CHECK_EQ_INT(e.pos_verdict, EC_NODE_POS_PASSED);
    CHECK_EQ_INT(e.mapping, 10);
    /* The same GET_PROOF from an asker outside the 21-bit region: B
     * answers "cannot" without walking. */
    ec_id stranger = flip(&a.addr, 3);
    uint64_t cannot = ec_node_stats_get(b.n)->pos_cannot;
    CHECK_EQ_INT(ec_node_recv(b.n, 200, &stranger, NULL, raw, rawlen), EC_OK);
    CHECK_EQ_INT(ec_node_stats_get(b.n)->pos_cannot, cannot + 1);
    ec_id dest;
    uint8_t buf[EC_MSG_MAX];
    size_t len;
    CHECK_EQ_INT(ec_node_next_out(b.n, &dest, NULL, buf, sizeof buf, &len), EC_OK);
    CHECK(buf[0] == EC_MSG_PROOF && buf[33] == 0); /* status 0 */
    /* With shared walks off, a peer outside the region is never challenged. */
    pn_close(&a);
    ec_node_config_default(&cfg);
    cfg.pos_shared_every = 0;
    pn_open(&a, 1, &cfg);
    CHECK_EQ_INT(ec_node_add_peer(a.n, &b.addr, NULL), EC_OK);
    for (unsigned k = 20; k <= 26; k++) {
        ec_id p = flip(&a.addr, k);
        CHECK_EQ_INT(ec_node_add_peer(a.n, &p, NULL), EC_OK);
    }
    fill(a.s, 1, 0, NULL);
    CHECK_EQ_INT(ec_node_pos_challenge_any(a.n, 300, &far), EC_ERR_PREFIX);
    CHECK_EQ_INT(ec_node_pos_challenge(a.n, 300, &far, &in[0]), EC_ERR_PREFIX);
    ec_id t = token_no(11); /* outside the region */
    CHECK_EQ_INT(ec_node_pos_challenge(a.n, 300, &b.addr, &t), EC_ERR_PREFIX);
    check_node(&a);
    check_node(&b);
    pn_close(&a);
    pn_close(&b);
}

/* Never answered: timed out at the request timeout (the peer's PTO), on
 * the tick the node asks for; a late answer is then unasked. */
static void test_unanswered_times_out_on_tick(void)
{
    pnode a, b;
    pn_open(&a, 1, NULL);
    pn_open(&b, 2, NULL);
    fill(a.s, 1, 0, NULL);
    fill(b.s, 1, 0, NULL);
    ec_id t = token_no(42);
    uint64_t now = 5000;
    CHECK(ec_node_next_deadline(a.n) == UINT64_MAX);
    CHECK_EQ_INT(ec_node_pos_challenge(a.n, now, &b.addr, &t), EC_OK);
    uint64_t due = now + ec_node_pto(a.n, &b.addr);
    CHECK(ec_node_pto(a.n, &b.addr) > 0);
    CHECK_EQ_INT(ec_node_next_deadline(a.n), due);
    uint8_t get[EC_MSG_MAX];
    size_t getlen = 0;
    CHECK_EQ_INT(hop(&a, NULL, now, EC_MSG_GET_PROOF, get, &getlen), 1); /* lost */
    CHECK_EQ_INT(ec_node_tick(a.n, due - 1), EC_OK);
    CHECK_EQ_INT(pos_events(&a, NULL), 0);
    CHECK_EQ_INT(ec_node_tick(a.n, due), EC_OK);
    check_node(&a);
    ec_node_event e;
    CHECK_EQ_INT(pos_events(&a, &e), 1);
    CHECK_EQ_INT(e.pos_verdict, EC_NODE_POS_TIMED_OUT);
    CHECK_EQ_INT(e.mapping, -1);
    CHECK(ec_id_cmp(&e.from, &b.addr) == 0 && ec_id_cmp(&e.tx_id, &t) == 0);
    ec_node_pos_record r;
    CHECK_EQ_INT(ec_node_pos_peer(a.n, &b.addr, &r), EC_OK);
    CHECK_EQ_INT(r.timed_out, 1);
    CHECK_EQ_INT(r.failed, 1);
    CHECK_EQ_INT(r.passed, 0);
    CHECK_EQ_INT(r.last_at, due);
    CHECK_EQ_INT(r.last_verdict, EC_NODE_POS_TIMED_OUT);
    CHECK_EQ_INT(ec_node_stats_get(a.n)->pos_timed_out, 1);
    CHECK(ec_node_next_deadline(a.n) == UINT64_MAX);
    /* The answer comes late: unasked now, dropped. */
    CHECK_EQ_INT(ec_node_recv(b.n, due + 1, &a.addr, NULL, get, getlen), EC_OK);
    uint64_t unexpected = ec_node_stats_get(a.n)->dropped_unexpected;
    CHECK_EQ_INT(hop(&b, &a, due + 2, EC_MSG_PROOF, NULL, NULL), 1);
    CHECK_EQ_INT(ec_node_stats_get(a.n)->dropped_unexpected, unexpected + 1);
    CHECK_EQ_INT(pos_events(&a, NULL), 0);
    pn_close(&a);
    pn_close(&b);
}

/* One outstanding per (peer, token); pos_outstanding_max at once (the
 * default 64); ourselves never. */
static void test_outstanding_table_is_bounded(void)
{
    pnode a;
    pn_open(&a, 1, NULL);
    ec_id peer, t;
    memset(&peer, 0x11, sizeof peer);
    CHECK_EQ_INT(ec_node_pos_challenge(a.n, 10, &a.addr, &peer), EC_ERR_ARG);
    CHECK_EQ_INT(ec_node_pos_challenge(a.n, 10, NULL, &peer), EC_ERR_ARG);
    for (unsigned i = 0; i < 64; i++) {
        t = token_no(i);
        CHECK_EQ_INT(ec_node_pos_challenge(a.n, 10, &peer, &t), EC_OK);
    }
    t = token_no(0);
    CHECK_EQ_INT(ec_node_pos_challenge(a.n, 10, &peer, &t), EC_ERR_EXISTS);
    t = token_no(64);
    CHECK_EQ_INT(ec_node_pos_challenge(a.n, 10, &peer, &t), EC_ERR_RANGE);
    ec_id other;
    memset(&other, 0x12, sizeof other);
    CHECK_EQ_INT(ec_node_pos_challenge(a.n, 10, &other, &t), EC_ERR_RANGE);
    CHECK_EQ_INT(ec_node_stats_get(a.n)->pos_outstanding_full, 2);
    CHECK_EQ_INT(ec_node_stats_get(a.n)->pos_challenges, 64);
    CHECK_EQ_INT(hop(&a, NULL, 10, EC_MSG_GET_PROOF, NULL, NULL), 64);
    check_node(&a);
    /* All time out at once; the table has room again. */
    CHECK_EQ_INT(ec_node_tick(a.n, ec_node_next_deadline(a.n)), EC_OK);
    CHECK_EQ_INT(pos_events(&a, NULL), 64);
    ec_node_pos_record r;
    CHECK_EQ_INT(ec_node_pos_peer(a.n, &peer, &r), EC_OK);
    CHECK_EQ_INT(r.timed_out, 64);
    CHECK_EQ_INT(ec_node_pos_challenge(a.n, 5000, &peer, &t), EC_OK);
    check_node(&a);
    pn_close(&a);
}

/* pos_peers_max records: the least recently updated goes (counted). */
static void test_peer_records_keep_the_recent(void)
{
    ec_node_config cfg;
    ec_node_config_default(&cfg);
    cfg.pos_peers_max = 2;
    cfg.pos_peer_interval_ms = 0;
    pnode a;
    pn_open(&a, 1, &cfg);
    ec_id p[3], t = token_no(9);
    for (int i = 0; i < 3; i++) memset(&p[i], 0x20 + i, sizeof p[i]);
    uint64_t now = 100;
    /* p0, p1, then p0 again: p1 is the least recently updated. */
    const int order[] = {0, 1, 0, 2};
    for (int k = 0; k < 4; k++) {
        CHECK_EQ_INT(ec_node_pos_challenge(a.n, now, &p[order[k]], &t), EC_OK);
        now = ec_node_next_deadline(a.n);
        CHECK_EQ_INT(ec_node_tick(a.n, now), EC_OK);
        check_node(&a);
    }
    CHECK_EQ_INT(pos_events(&a, NULL), 4);
    ec_node_pos_record r;
    CHECK_EQ_INT(ec_node_pos_peer(a.n, &p[0], &r), EC_OK);
    CHECK_EQ_INT(r.timed_out, 2);
    CHECK_EQ_INT(ec_node_pos_peer(a.n, &p[1], &r), EC_ERR_NOTFOUND);
    CHECK_EQ_INT(ec_node_pos_peer(a.n, &p[2], &r), EC_OK);
    CHECK_EQ_INT(ec_node_stats_get(a.n)->pos_peers_evicted, 1);
    CHECK_EQ_INT(ec_node_pos_peer(NULL, &p[2], &r), EC_ERR_ARG);
    pn_close(&a);
}

/* Each asker's share (pos_peer_interval_ms, 1,000 by default): one
 * answer a second per asker, so one peer's flood cannot spend the
 * node-wide budget; the last 64 askers are remembered. */
static void test_each_asker_gets_one_answer_a_second(void)
{
    pnode b;
    ec_node_config cfg;
    ec_node_config_default(&cfg);
    CHECK_EQ_INT(cfg.pos_peer_interval_ms, 1000);
    pn_open(&b, 2, &cfg);
    fill(b.s, 1, 0, NULL);
    ec_msg m;
    memset(&m, 0, sizeof m);
    m.type = EC_MSG_GET_PROOF;
    m.u.get_proof.bits = EC_POS_BITS;
    m.u.get_proof.token = token_no(0);
    uint8_t buf[EC_MSG_MAX];
    size_t len;
    CHECK_EQ_INT(ec_msg_encode(&m, buf, sizeof buf, &len), EC_OK);
    uint64_t now = 1000000;
    ec_id p, q;
    memset(&p, 0x41, sizeof p);
    memset(&q, 0x42, sizeof q);
    const ec_node_stats *st = ec_node_stats_get(b.n);
    for (int i = 0; i < 5; i++) CHECK_EQ_INT(ec_node_recv(b.n, now, &p, NULL, buf, len), EC_OK);
    CHECK_EQ_INT(ec_node_recv(b.n, now, &q, NULL, buf, len), EC_OK);
    CHECK_EQ_INT(hop(&b, NULL, now, EC_MSG_PROOF, NULL, NULL), 2); /* one for p, one for q */
    CHECK_EQ_INT(st->pos_dropped_peer, 4);
    CHECK_EQ_INT(ec_node_recv(b.n, now + 999, &p, NULL, buf, len), EC_OK);
    CHECK_EQ_INT(hop(&b, NULL, now, EC_MSG_PROOF, NULL, NULL), 0);
    CHECK_EQ_INT(ec_node_recv(b.n, now + 1000, &p, NULL, buf, len), EC_OK);
    CHECK_EQ_INT(hop(&b, NULL, now, EC_MSG_PROOF, NULL, NULL), 1);
    CHECK_EQ_INT(st->pos_dropped_peer, 5);
    CHECK_EQ_INT(st->pos_dropped_rate, 0);
    check_node(&b);
    pn_close(&b);
}

/* GET_PROOF beyond pos_answers_per_s (20 a second, burst 20), node-wide:
 * a flood from several peers gets 20 answers at once, one more per 50 ms,
 * 20 more after a second; the rest is dropped and counted. */
static void test_get_proof_flood_is_rate_limited(void)
{
    pnode b;
    pn_open(&b, 2, NULL);
    fill(b.s, 1, 0, NULL);
    ec_msg m;
    memset(&m, 0, sizeof m);
    m.type = EC_MSG_GET_PROOF;
    m.u.get_proof.bits = EC_POS_BITS;
    uint8_t buf[EC_MSG_MAX];
    size_t len;
    uint64_t now = 1000000;
    /* 100 questions at one instant from 4 peers; every 10th about a token
     * B holds (a full walk), the others not (answered "cannot"). */
    for (unsigned i = 0; i < 100; i++) {
        ec_id from;
        memset(&from, 0x30 + (int)(i % 4), sizeof from);
        if (i % 10 == 0) m.u.get_proof.token = token_no(i);
        else memset(&m.u.get_proof.token, (int)i, sizeof m.u.get_proof.token);
        CHECK_EQ_INT(ec_msg_encode(&m, buf, sizeof buf, &len), EC_OK);
        CHECK_EQ_INT(ec_node_recv(b.n, now, &from, NULL, buf, len), EC_OK);
    }
    check_node(&b);
    const ec_node_stats *st = ec_node_stats_get(b.n);
    CHECK_EQ_INT(hop(&b, NULL, now, EC_MSG_PROOF, NULL, NULL), 20);
    CHECK_EQ_INT(st->pos_answered + st->pos_cannot, 20);
    CHECK_EQ_INT(st->pos_answered, 2); /* questions 0 and 10 */
    CHECK_EQ_INT(st->pos_dropped_rate, 80);
    CHECK_EQ_INT(st->recv[EC_MSG_GET_PROOF], 100);
    /* 49 ms later: still empty; at 50 ms: one answer. */
    memset(&m.u.get_proof.token, 0x99, sizeof m.u.get_proof.token);
    CHECK_EQ_INT(ec_msg_encode(&m, buf, sizeof buf, &len), EC_OK);
    ec_id from;
    memset(&from, 0x30, sizeof from);
    CHECK_EQ_INT(ec_node_recv(b.n, now + 49, &from, NULL, buf, len), EC_OK);
    CHECK_EQ_INT(hop(&b, NULL, now, EC_MSG_PROOF, NULL, NULL), 0);
    CHECK_EQ_INT(ec_node_recv(b.n, now + 50, &from, NULL, buf, len), EC_OK);
    CHECK_EQ_INT(ec_node_recv(b.n, now + 50, &from, NULL, buf, len), EC_OK);
    CHECK_EQ_INT(hop(&b, NULL, now, EC_MSG_PROOF, NULL, NULL), 1);
    CHECK_EQ_INT(st->pos_dropped_rate, 82);
    /* Long after: a full bucket again (20), never more. */
    for (unsigned i = 0; i < 30; i++) CHECK_EQ_INT(ec_node_recv(b.n, now + 60000, &from, NULL, buf, len), EC_OK);
    CHECK_EQ_INT(hop(&b, NULL, now, EC_MSG_PROOF, NULL, NULL), 20);
    CHECK_EQ_INT(st->pos_dropped_rate, 92);
    CHECK_EQ_INT(st->pos_answered + st->pos_cannot, 41);
    check_node(&b);
    pn_close(&b);
}

static void test_config_defaults_and_checks(void)
{
    ec_node_config c;
    const char *why = NULL;
    ec_node_config_default(&c);
    CHECK_EQ_INT(c.pos_examined_max, 200000);
    CHECK_EQ_INT(c.pos_answers_per_s, 20);
    CHECK_EQ_INT(c.pos_outstanding_max, 64);
    CHECK_EQ_INT(c.pos_peers_max, 1024);
    CHECK_EQ_INT(c.pos_min_agree, 8);
    CHECK_EQ_INT(ec_node_config_check(&c, &why), EC_OK);
    c.pos_min_agree = 0;
    CHECK_EQ_INT(ec_node_config_check(&c, &why), EC_ERR_ARG);
    CHECK(why && strstr(why, "pos_min_agree"));
    c.pos_min_agree = 11;
    CHECK_EQ_INT(ec_node_config_check(&c, &why), EC_ERR_ARG);
    c.pos_min_agree = 10;
    CHECK_EQ_INT(ec_node_config_check(&c, &why), EC_OK);
    const char *const fields[] = {"pos_examined_max", "pos_answers_per_s", "pos_outstanding_max", "pos_peers_max"};
    for (unsigned i = 0; i < 4; i++) {
        ec_node_config_default(&c);
        if (i == 0) c.pos_examined_max = 0;
        if (i == 1) c.pos_answers_per_s = 0;
        if (i == 2) c.pos_outstanding_max = 0;
        if (i == 3) c.pos_peers_max = 0;
        CHECK_EQ_INT(ec_node_config_check(&c, &why), EC_ERR_ARG);
        CHECK(why && strstr(why, fields[i]));
    }
}

int main(void)
{
    RUN(test_full_store_passes_and_a_copy_is_dropped);
    RUN(test_half_store_fails);
    RUN(test_cannot_answer_fails);
    RUN(test_regions_bound_who_and_what);
    RUN(test_unanswered_times_out_on_tick);
    RUN(test_outstanding_table_is_bounded);
    RUN(test_peer_records_keep_the_recent);
    RUN(test_get_proof_flood_is_rate_limited);
    RUN(test_each_asker_gets_one_answer_a_second);
    RUN(test_config_defaults_and_checks);
    return TEST_REPORT("prove");
}
