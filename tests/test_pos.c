/* Proof of aligned storage (core/pos.h): chunk extraction, the walk (up,
 * down, resume, wrap, too few tokens, the examined cap) on both store
 * backends, every refusal of the checks, and acceptance rates for full,
 * dense, half and empty (fabricating) responders. */
#include <string.h>

#include "base/rng.h"
#include "core/pos.h"
#include "crypto/blake3.h"
#include "store_util.h"
#include "test.h"

/* An id ordered by `k` (first byte) with last 10 bits `suffix`. */
static ec_id tid(uint8_t k, uint16_t suffix)
{
    ec_id t;
    memset(&t, 0, sizeof t);
    t.b[0] = k;
    t.b[1] = 0x5a; /* not all zero below k */
    t.b[EC_ID_LEN - 2] = (uint8_t)(suffix >> 8);
    t.b[EC_ID_LEN - 1] = (uint8_t)suffix;
    return t;
}

static ec_id head_of(const ec_id *t)
{
    ec_id h;
    ec_blake3_hash(t->b, EC_ID_LEN, h.b);
    return h;
}

static void put(ec_store *s, const ec_id *t)
{
    ec_head h;
    memset(&h, 0, sizeof h);
    h.tx_id = head_of(t);
    h.timestamp_ms = 1;
    CHECK(ec_store_begin(s) == EC_OK && ec_store_put_head(s, t, &h) == EC_OK && ec_store_commit(s) == EC_OK);
}

/* Chunk i from the hash read as a little-endian bit string, bit by bit:
 * another derivation than pos.c's byte pairs. */
static void test_chunks_hand_computed(void)
{
    ec_id r = tid(1, 2), t = tid(3, 4), h = tid(5, 6);
    uint8_t in[96], s[32];
    memcpy(in, r.b, 32);
    memcpy(in + 32, t.b, 32);
    memcpy(in + 64, h.b, 32);
    ec_blake3_hash(in, sizeof in, s);
    uint16_t got[EC_POS_CHUNKS];
    for (unsigned bits = EC_POS_BITS_MIN; bits <= EC_POS_BITS_MAX; bits++) {
        ec_pos_chunks(&r, &t, &h, bits, got);
        for (unsigned i = 0; i < EC_POS_CHUNKS; i++) {
            unsigned want = 0;
            for (unsigned j = 0; j < bits; j++) {
                unsigned bit = bits * i + j;
                want |= (unsigned)((s[bit / 8] >> (bit % 8)) & 1) << j;
            }
            CHECK_EQ_INT(got[i], want);
        }
    }
    /* Out of range: the seed's 10. */
    uint16_t ten[EC_POS_CHUNKS];
    ec_pos_chunks(&r, &t, &h, 10, ten);
    ec_pos_chunks(&r, &t, &h, 99, got);
    CHECK(memcmp(got, ten, sizeof got) == 0);
    ec_pos_chunks(&r, &t, &h, 10, got);
    /* Requester-bound: another requester, other chunks. */
    ec_id r2 = tid(1, 3);
    uint16_t other[EC_POS_CHUNKS];
    ec_pos_chunks(&r2, &t, &h, 10, other);
    CHECK(memcmp(got, other, sizeof got) != 0);
    /* The suffix: the id's last 10 bits. */
    ec_id x = tid(9, 0);
    x.b[30] = 0xab;
    x.b[31] = 0xcd;
    CHECK_EQ_INT(ec_pos_suffix(&x, 10), 0x3cd);
    CHECK_EQ_INT(ec_pos_suffix(&x, 4), 0xd);
    CHECK_EQ_INT(ec_pos_suffix(&x, 16), 0xabcd);
}

/* Up from T (k = 50): 60/1, 61/2, 62/1, 63/3, 64/7, 65/9; down: 40/4,
 * 39/4, 38/5, 37/6, 36/8. Chunks up [1,1,3,7,9]: 60, 62 (resumed after
 * 60, so 61/2 and the second 1 is 62), 63, 64, 65. Down [4,4,5,6,8]. */
static void walk_up_down(ec_store *s)
{
    ec_id T = tid(50, 0);
    const uint8_t ks[] = {60, 61, 62, 63, 64, 65, 40, 39, 38, 37, 36};
    const uint16_t sf[] = {1, 2, 1, 3, 7, 9, 4, 4, 5, 6, 8};
    put(s, &T);
    for (unsigned i = 0; i < sizeof ks; i++) {
        ec_id t = tid(ks[i], sf[i]);
        put(s, &t);
    }
    uint16_t ch[EC_POS_CHUNKS] = {1, 1, 3, 7, 9, 4, 4, 5, 6, 8};
    ec_id out[EC_POS_CHUNKS], heads[EC_POS_CHUNKS];
    ec_pos_walk_stats st;
    CHECK(ec_pos_walk(s, &T, 10, 0, ch, NULL, NULL, out, heads, 0, &st) == EC_OK);
    const uint8_t want[] = {60, 62, 63, 64, 65, 40, 39, 38, 37, 36};
    for (unsigned i = 0; i < EC_POS_CHUNKS; i++) {
        CHECK_EQ_INT(out[i].b[0], want[i]);
        ec_id h = head_of(&out[i]);
        CHECK(ec_id_cmp(&heads[i], &h) == 0);
    }
    CHECK_EQ_INT(st.found, 10);
    CHECK_EQ_INT(st.examined, 11); /* every stored token but T, each once */
    CHECK(st.span_up > 0 && st.span_down > 0);
}

/* Too few above T: the upward walk wraps to the bottom and comes back up
 * to T; the downward walk (wrapping to the top) skips what was taken. */
static void walk_wraps(ec_store *s)
{
    ec_id T = tid(200, 0);
    const uint8_t ks[] = {210, 10, 20, 30, 40, 190, 180};
    const uint16_t sf[] = {1, 2, 3, 4, 5, 6, 7};
    put(s, &T);
    for (unsigned i = 0; i < sizeof ks; i++) {
        ec_id t = tid(ks[i], sf[i]);
        put(s, &t);
    }
    /* Up: 1 (210), then wrap: 2 (10), 3 (20), 4 (30), 5 (40). Down from
     * T: 6 (190), 7 (180), then wrap to the top: 210 has suffix 1 but is
     * taken... ask for 1 again: not found anywhere else. */
    uint16_t ch[EC_POS_CHUNKS] = {1, 2, 3, 4, 5, 6, 7, 5, 4, 3};
    ec_id out[EC_POS_CHUNKS], heads[EC_POS_CHUNKS];
    ec_pos_walk_stats st;
    CHECK(ec_pos_walk(s, &T, 10, 0, ch, NULL, NULL, out, heads, 0, &st) == EC_ERR_NOTFOUND); /* 5, 4, 3 again: all taken */
    CHECK_EQ_INT(st.found, 7);
    const uint8_t want[] = {210, 10, 20, 30, 40, 190, 180};
    for (unsigned i = 0; i < 7; i++) CHECK_EQ_INT(out[i].b[0], want[i]);
    /* The down walk went once round: 180 ... 10, wrap, 210, stop at T. */
    CHECK_EQ_INT(st.examined, 5 + 7);
    /* A cap below the need: EC_ERR_RANGE. */
    uint16_t ok[EC_POS_CHUNKS] = {1, 2, 3, 4, 5, 6, 7, 7, 7, 7};
    CHECK(ec_pos_walk(s, &T, 10, 0, ok, NULL, NULL, out, heads, 3, &st) == EC_ERR_RANGE);
    CHECK_EQ_INT(st.examined, 3);
    /* An empty direction: nothing above or below but T. */
    ec_id lone = tid(250, 0);
    (void)lone;
}

/* A region (plen 4: ids whose top nibble is T's, 0x30..0x3f): the walk
 * wraps at the region's edges, not the space's, and never takes the
 * decoys just outside (0x40/5, 0x50/9 above, 0x2f/8 below), which the
 * whole-space walk on the same chunks does take. */
static void walk_in_region(ec_store *s)
{
    ec_id T = tid(0x35, 0);
    const uint8_t ks[] = {0x38, 0x3a, 0x3c, 0x31, 0x33, 0x34, 0x32, 0x30, 0x3f, 0x3e, 0x40, 0x50, 0x2f};
    const uint16_t sf[] = {1, 2, 5, 3, 4, 6, 7, 8, 9, 10, 5, 9, 8};
    put(s, &T);
    for (unsigned i = 0; i < sizeof ks; i++) {
        ec_id t = tid(ks[i], sf[i]);
        put(s, &t);
    }
    uint16_t ch[EC_POS_CHUNKS] = {1, 2, 5, 3, 4, 6, 7, 8, 9, 10};
    ec_id out[EC_POS_CHUNKS], heads[EC_POS_CHUNKS];
    ec_pos_walk_stats st;
    CHECK(ec_pos_walk(s, &T, 10, 4, ch, NULL, NULL, out, heads, 0, &st) == EC_OK);
    const uint8_t want[] = {0x38, 0x3a, 0x3c, 0x31, 0x33, 0x34, 0x32, 0x30, 0x3f, 0x3e};
    for (unsigned i = 0; i < EC_POS_CHUNKS; i++) CHECK_EQ_INT(out[i].b[0], want[i]);
    CHECK_EQ_INT(st.found, 10);
    /* Only region tokens examined: up 0x38 0x3a 0x3c 0x3e 0x3f (the last
     * two unmatched), wrap 0x30 0x31 0x32 0x33; down 0x34 0x33 0x32 0x31
     * 0x30, wrap 0x3f 0x3e. */
    CHECK_EQ_INT(st.examined, 5 + 4 + 5 + 2);
    /* The whole space: up 0x38 0x3a 0x3c, then 0x40 passes, 0x50 passes,
     * wrap 0x2f 0x30 0x31/3 0x33/4; down 0x34 0x32 0x30 (8, then 9 sought:
     * 0x2f passes), wrap 0x50/9, 0x40, 0x3f, 0x3e/10. */
    CHECK(ec_pos_walk(s, &T, 10, 0, ch, NULL, NULL, out, heads, 0, &st) == EC_OK);
    CHECK_EQ_INT(out[8].b[0], 0x50);
    /* plen 8: T alone with 0x35 as its first byte: nothing to walk. */
    CHECK(ec_pos_walk(s, &T, 10, 8, ch, NULL, NULL, out, heads, 0, &st) == EC_ERR_NOTFOUND);
    CHECK_EQ_INT(st.examined, 0);
    CHECK(ec_pos_walk(s, &T, 10, 257, ch, NULL, NULL, out, heads, 0, &st) == EC_ERR_ARG);
}

/* The region's bounds, and membership at every length. */
static void test_region_bounds(void)
{
    ec_id t, lo, hi;
    for (unsigned i = 0; i < EC_ID_LEN; i++) t.b[i] = (uint8_t)(0xa5 ^ i);
    ec_pos_region_bounds(&t, 0, &lo, &hi);
    for (unsigned i = 0; i < EC_ID_LEN; i++) CHECK(lo.b[i] == 0 && hi.b[i] == 0xff);
    ec_pos_region_bounds(&t, 12, &lo, &hi);
    CHECK(lo.b[0] == t.b[0] && hi.b[0] == t.b[0]);
    CHECK(lo.b[1] == (t.b[1] & 0xf0) && hi.b[1] == (t.b[1] | 0x0f));
    CHECK(lo.b[2] == 0 && hi.b[2] == 0xff && lo.b[31] == 0 && hi.b[31] == 0xff);
    ec_pos_region_bounds(&t, 256, &lo, &hi);
    CHECK(ec_id_cmp(&lo, &t) == 0 && ec_id_cmp(&hi, &t) == 0);
    for (unsigned plen = 0; plen <= 256; plen += 3) {
        ec_pos_region_bounds(&t, plen, &lo, &hi);
        CHECK(ec_pos_in_region(&t, &lo, plen) && ec_pos_in_region(&t, &hi, plen));
        CHECK(ec_id_cmp(&lo, &t) <= 0 && ec_id_cmp(&t, &hi) <= 0);
        if (plen > 0 && plen < 256) { /* one past hi is outside */
            ec_id past = hi;
            for (int i = EC_ID_LEN - 1; i >= 0 && ++past.b[i] == 0; i--) {}
            CHECK(!ec_pos_in_region(&t, &past, plen) || ec_id_is_zero(&past));
        }
    }
}

/* Store iteration downward at its edges (the walk relies on it). */
typedef struct seen { uint8_t k[16]; unsigned n; } seen;
static bool collect(void *arg, const ec_id *t, const ec_head *h)
{
    (void)h;
    seen *c = arg;
    if (c->n < 16) c->k[c->n++] = t->b[0];
    return true;
}

static void iterate_down_edges(ec_store *s)
{
    const uint8_t ks[] = {10, 20, 30};
    for (unsigned i = 0; i < 3; i++) {
        ec_id t = tid(ks[i], 0);
        put(s, &t);
    }
    seen c = {{0}, 0};
    CHECK(ec_store_iterate_down(s, NULL, collect, &c) == EC_OK);
    CHECK(c.n == 3 && c.k[0] == 30 && c.k[2] == 10);
    ec_id at = tid(20, 0), between = tid(25, 0), above = tid(99, 0), below = tid(5, 0);
    c.n = 0;
    CHECK(ec_store_iterate_down(s, &at, collect, &c) == EC_OK);
    CHECK(c.n == 2 && c.k[0] == 20 && c.k[1] == 10); /* <= from: itself first */
    c.n = 0;
    CHECK(ec_store_iterate_down(s, &between, collect, &c) == EC_OK);
    CHECK(c.n == 2 && c.k[0] == 20);
    c.n = 0;
    CHECK(ec_store_iterate_down(s, &above, collect, &c) == EC_OK);
    CHECK(c.n == 3 && c.k[0] == 30);
    c.n = 0;
    CHECK(ec_store_iterate_down(s, &below, collect, &c) == EC_OK);
    CHECK_EQ_INT(c.n, 0);
}

/* A universe of n random tokens; p: the share a store keeps. */
static void fill(ec_store *s, uint64_t seed, unsigned n, double p, uint64_t keep_seed)
{
    ec_rng u, k;
    ec_rng_seed(&u, seed);
    ec_rng_seed(&k, keep_seed);
    CHECK(ec_store_begin(s) == EC_OK);
    for (unsigned i = 0; i < n; i++) {
        ec_id t;
        ec_rng_bytes(&u, t.b, EC_ID_LEN);
        if (p < 1 && (double)ec_rng_below(&k, 1000000) / 1e6 >= p) continue;
        ec_head h;
        memset(&h, 0, sizeof h);
        h.tx_id = head_of(&t);
        ec_store_put_head(s, &t, &h);
    }
    CHECK(ec_store_commit(s) == EC_OK);
}

typedef struct pick { ec_id t; unsigned i, want; } pick;
static bool nth(void *arg, const ec_id *t, const ec_head *h)
{
    (void)h;
    pick *p = arg;
    if (p->i++ < p->want) return true;
    p->t = *t;
    return false;
}

typedef struct copy { ec_store *to; const ec_id *skip; } copy;
static bool copy_but(void *arg, const ec_id *t, const ec_head *h)
{
    copy *c = arg;
    if (ec_id_cmp(t, c->skip) != 0) ec_store_put_head(c->to, t, h);
    return true;
}

/* A region answer from a 20,000-token universe: in the region, well
 * formed, agreeing 10 of 10 with the asker's own region walk; the same
 * answer claimed for a narrower region, or a whole-space answer claimed
 * for a region, is refused (EC_POS_REGION). */
static void test_region_answers(void)
{
    ec_store *s = NULL;
    CHECK(ec_store_mem_open(&s) == EC_OK);
    if (s == NULL) return;
    fill(s, 42, 20000, 1, 1);
    ec_id me = tid(7, 7);
    unsigned refused_narrow = 0, refused_whole = 0, tried = 0;
    for (unsigned k = 0; k < 20; k++) {
        pick p = {{{0}}, 0, 500 * k + 3};
        ec_store_iterate(s, NULL, nth, &p);
        ec_pos_answer a, whole;
        if (ec_pos_answer_make(s, &me, &p.t, 6, 3, NULL, NULL, 0, &a, NULL) != EC_OK) continue;
        tried++;
        for (unsigned i = 0; i < EC_POS_CHUNKS; i++) CHECK(ec_pos_in_region(&p.t, &a.t[i], 3));
        CHECK_EQ_INT(ec_pos_check_form(&me, &a), EC_POS_OK);
        ec_pos_check r;
        CHECK(ec_pos_check_answer(s, &me, &a, NULL, NULL, 0, &r) == EC_OK);
        CHECK_EQ_INT(r.agree, 10);
        CHECK(ec_pos_accept(&r, 8));
        a.plen = 12;
        refused_narrow += ec_pos_check_form(&me, &a) == EC_POS_REGION;
        CHECK(ec_pos_answer_make(s, &me, &p.t, 10, 0, NULL, NULL, 0, &whole, NULL) == EC_OK);
        whole.plen = 3;
        refused_whole += ec_pos_check_form(&me, &whole) == EC_POS_REGION;
    }
    printf("  region answers: %u made, %u refused as narrower, %u whole-space ones refused as region\n", tried,
           refused_narrow, refused_whole);
    CHECK_EQ_INT(tried, 20);
    CHECK_EQ_INT(refused_narrow, 20); /* 2^-9 of the space holds ~39 tokens: a walk of ~640 leaves it */
    CHECK_EQ_INT(refused_whole, 20);  /* a walk of ~10,000 of 20,000 leaves an eighth */
    ec_store_close(s);
}

static void test_checks_refuse(void)
{
    ec_store *full = NULL, *peer = NULL;
    CHECK(ec_store_mem_open(&full) == EC_OK && ec_store_mem_open(&peer) == EC_OK);
    fill(full, 7, 20000, 1, 0);
    fill(peer, 7, 20000, 1, 0);
    ec_id me = tid(77, 77);
    pick p = {{{0}}, 0, 1234};
    ec_store_iterate(full, NULL, nth, &p);
    ec_pos_answer a;
    CHECK(ec_pos_answer_make(peer, &me, &p.t, 10, 0, NULL, NULL, 0, &a, NULL) == EC_OK);
    ec_pos_check r;
    CHECK(ec_pos_check_answer(full, &me, &a, NULL, NULL, 0, &r) == EC_OK);
    CHECK(r.form == EC_POS_OK && r.own_complete && r.held == 10 && r.agree == 10 && ec_pos_accept(&r, 8));
    /* Bound to the requester: the same answer checked as another's fails. */
    ec_id other = tid(78, 78);
    CHECK(ec_pos_check_form(&other, &a) == EC_POS_SUFFIX);
    /* A wrong suffix. */
    ec_pos_answer b = a;
    b.t[3].b[31] ^= 1;
    CHECK(ec_pos_check_form(&me, &b) == EC_POS_SUFFIX);
    /* Out of order: two upward tokens swapped (suffixes made to fit). */
    b = a;
    b.t[1] = a.t[2];
    b.t[2] = a.t[1];
    uint16_t ch[EC_POS_CHUNKS];
    ec_pos_chunks(&me, &a.token, &a.head, a.bits, ch);
    if (ch[1] == ch[2]) CHECK(ec_pos_check_form(&me, &b) == EC_POS_ORDER);
    /* Order without the suffix problem: the walk's own tokens, reversed
     * within the downward half, fail on order or suffix, never pass. */
    b = a;
    for (unsigned i = 0; i < 5; i++) b.t[5 + i] = a.t[9 - i];
    CHECK(ec_pos_check_form(&me, &b) != EC_POS_OK);
    /* Duplicate: a token twice (same suffix chunk needed: use the
     * challenge token itself, which is refused as a duplicate too). */
    b = a;
    b.t[0] = a.token;
    CHECK(ec_pos_check_form(&me, &b) == EC_POS_SUFFIX || ec_pos_check_form(&me, &b) == EC_POS_DUPLICATE);
    /* A contradicting head for a token we hold. */
    b = a;
    b.h[6].b[0] ^= 0xff;
    CHECK(ec_pos_check_answer(full, &me, &b, NULL, NULL, 0, &r) == EC_OK);
    CHECK(r.form == EC_POS_OK && r.contradicted == 1 && !ec_pos_accept(&r, 8));
    /* The challenge token's head is not ours: chunks differ, refused. */
    b = a;
    b.head.b[0] ^= 1;
    CHECK(ec_pos_check_answer(full, &me, &b, NULL, NULL, 0, &r) == EC_OK);
    CHECK(r.head_differs && !ec_pos_accept(&r, 8));
    /* A token we do not hold: the responder could pick its head, and so
     * its chunks; refused however well it agrees. */
    ec_store *lacking = NULL;
    CHECK(ec_store_mem_open(&lacking) == EC_OK);
    copy cp = {lacking, &p.t};
    CHECK(ec_store_begin(lacking) == EC_OK);
    ec_store_iterate(full, NULL, copy_but, &cp);
    CHECK(ec_store_commit(lacking) == EC_OK);
    CHECK(ec_pos_answer_make(peer, &me, &p.t, 10, 0, NULL, NULL, 0, &a, NULL) == EC_OK);
    CHECK(ec_pos_check_answer(lacking, &me, &a, NULL, NULL, 0, &r) == EC_OK);
    CHECK(!r.head_known && r.agree >= 8 && !ec_pos_accept(&r, 8));
    ec_store_close(lacking);
    /* A responder that does not hold the token cannot answer. */
    ec_id absent = tid(1, 1);
    CHECK(ec_pos_answer_make(peer, &me, &absent, 10, 0, NULL, NULL, 0, &a, NULL) == EC_ERR_NOTFOUND);
    ec_store_close(full);
    ec_store_close(peer);
}

/* Acceptance (8 of 10) over 200 challenges: a full responder always, a
 * 99 % one mostly, a half one rarely, an empty one that fabricates ten
 * ids with the right suffixes in walk order never. */
static void test_acceptance_rates(void)
{
    const unsigned n = 20000, trials = 200;
    ec_store *full = NULL;
    CHECK(ec_store_mem_open(&full) == EC_OK);
    fill(full, 11, n, 1, 0);
    const double dens[] = {1, 0.99, 0.5};
    unsigned acc[3] = {0}, fab = 0, fab_formed = 0;
    ec_rng r;
    ec_rng_seed(&r, 5);
    for (unsigned d = 0; d < 3; d++) {
        ec_store *peer = NULL;
        CHECK(ec_store_mem_open(&peer) == EC_OK);
        fill(peer, 11, n, dens[d], 100 + d);
        for (unsigned k = 0; k < trials; k++) {
            ec_id me;
            ec_rng_bytes(&r, me.b, EC_ID_LEN);
            pick p = {{{0}}, 0, (unsigned)ec_rng_below(&r, n / 2)};
            ec_store_iterate(peer, NULL, nth, &p);
            ec_pos_answer a;
            if (ec_pos_answer_make(peer, &me, &p.t, 10, 0, NULL, NULL, 0, &a, NULL) != EC_OK) continue;
            ec_pos_check c;
            CHECK(ec_pos_check_answer(full, &me, &a, NULL, NULL, 0, &c) == EC_OK);
            acc[d] += ec_pos_accept(&c, 8);
            if (d == 0) {
                /* The fabricator: the right suffix, walk order (ids made
                 * by stepping up and down from the token), random rest. */
                ec_pos_answer f = a;
                uint16_t ch[EC_POS_CHUNKS];
                ec_pos_chunks(&me, &a.token, &a.head, a.bits, ch);
                for (unsigned i = 0; i < EC_POS_CHUNKS; i++) {
                    f.t[i] = a.token;
                    unsigned step = i < 5 ? i + 1 : i - 4;
                    f.t[i].b[2] = (uint8_t)(i < 5 ? f.t[i].b[2] + step : f.t[i].b[2] - step);
                    ec_rng_bytes(&r, f.t[i].b + 3, 27);
                    f.t[i].b[30] = (uint8_t)((f.t[i].b[30] & 0xfc) | (ch[i] >> 8));
                    f.t[i].b[31] = (uint8_t)ch[i];
                    ec_rng_bytes(&r, f.h[i].b, EC_ID_LEN);
                }
                CHECK(ec_pos_check_answer(full, &me, &f, NULL, NULL, 0, &c) == EC_OK);
                fab += ec_pos_accept(&c, 8);
                fab_formed += c.form == EC_POS_OK; /* it passes the form: agreement refuses it */
            }
        }
        ec_store_close(peer);
    }
    printf("  accepted of %u: full %u, 0.99 %u, 0.5 %u, fabricated %u (well formed %u)\n", trials, acc[0], acc[1],
           acc[2], fab, fab_formed);
    CHECK(fab_formed >= trials * 9 / 10);
    CHECK_EQ_INT(acc[0], trials);
    CHECK(acc[1] >= trials * 8 / 10);
    CHECK(acc[2] <= trials / 10);
    CHECK_EQ_INT(fab, 0);
    ec_store_close(full);
}

/* A filter (the node's: tokens both peers should hold) narrows the walk
 * on both sides alike: with the same filter the answer agrees 10 of 10;
 * a responder that walks its whole store while the checker walks the
 * filtered one disagrees. */
static bool even_first(void *arg, const ec_id *t)
{
    (void)arg;
    return (t->b[0] & 1) == 0;
}

static void test_a_filter_narrows_both_walks(void)
{
    ec_store *a = NULL, *b = NULL;
    CHECK(ec_store_mem_open(&a) == EC_OK && ec_store_mem_open(&b) == EC_OK);
    fill(a, 9, 20000, 1, 0);
    fill(b, 9, 20000, 1, 0);
    ec_id me = tid(66, 66);
    unsigned same = 0, mixed = 0, n = 0;
    for (unsigned k = 0; k < 40; k++) {
        pick p = {{{0}}, 0, 100 + k * 97};
        ec_store_iterate(a, NULL, nth, &p);
        ec_pos_answer ans;
        if (ec_pos_answer_make(b, &me, &p.t, 10, 0, even_first, NULL, 0, &ans, NULL) != EC_OK) continue;
        for (unsigned i = 0; i < EC_POS_CHUNKS; i++) CHECK((ans.t[i].b[0] & 1) == 0);
        ec_pos_check r;
        CHECK(ec_pos_check_answer(a, &me, &ans, even_first, NULL, 0, &r) == EC_OK);
        same += ec_pos_accept(&r, 10);
        ec_pos_answer whole;
        CHECK(ec_pos_answer_make(b, &me, &p.t, 10, 0, NULL, NULL, 0, &whole, NULL) == EC_OK);
        CHECK(ec_pos_check_answer(a, &me, &whole, even_first, NULL, 0, &r) == EC_OK);
        mixed += ec_pos_accept(&r, 8);
        n++;
    }
    printf("  filtered walks: %u of %u agree 10 of 10; an unfiltered answer to a filtered check: %u accepted\n", same,
           n, mixed);
    CHECK(n >= 30);
    CHECK_EQ_INT(same, n);
    CHECK(mixed <= n / 10);
    ec_store_close(a);
    ec_store_close(b);
}

int main(void)
{
    RUN(test_chunks_hand_computed);
    RUN_BOTH(walk_up_down);
    RUN_BOTH(walk_wraps);
    RUN_BOTH(iterate_down_edges);
    RUN_BOTH(walk_in_region);
    RUN(test_region_bounds);
    RUN(test_region_answers);
    RUN(test_checks_refuse);
    RUN(test_acceptance_rates);
    RUN(test_a_filter_narrows_both_walks);
    return TEST_REPORT("pos");
}
