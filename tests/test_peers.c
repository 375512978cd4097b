#include <stdlib.h>

#include "base/rng.h"
#include "core/peers.h"
#include "test.h"

static ec_id rand_id(ec_rng *r)
{
    ec_id a;
    ec_rng_bytes(r, a.b, EC_ID_LEN);
    return a;
}

static const ec_id *sort_target;
static int by_distance(const void *a, const void *b)
{
    return ec_id_cmp_distance(sort_target, a, b);
}

static void test_nearest_matches_brute_force(void)
{
    ec_rng r;
    ec_rng_seed(&r, 1);
    for (int trial = 0; trial < 20; trial++) {
        ec_id self = rand_id(&r);
        ec_peers *p;
        CHECK_EQ_INT(ec_peers_new(&p, &self, 16), EC_OK);
        /* Offer 3000 random peers; keep the ones that were accepted. */
        ec_id *kept = malloc(3001 * sizeof *kept);
        size_t nk = 0;
        for (int i = 0; i < 3000; i++) {
            ec_id a = rand_id(&r);
            /* Some near self, to fill the deep buckets too. */
            if (i % 3 == 0) { memcpy(a.b, self.b, 1 + i % 4); }
            if (ec_peers_add(p, &a) == EC_OK) kept[nk++] = a;
        }
        CHECK_EQ_INT(ec_peers_count(p), nk);
        for (int q = 0; q < 50; q++) {
            ec_id target = q % 5 == 0 ? self : rand_id(&r);
            if (q % 7 == 1) memcpy(target.b, self.b, 2);
            size_t w = 1 + (size_t)q % 12;
            ec_id got[EC_PEERS_NEAREST_MAX];
            size_t n = ec_peers_nearest(p, &target, w, false, got);
            sort_target = &target;
            qsort(kept, nk, sizeof *kept, by_distance);
            CHECK_EQ_INT(n, w < nk ? w : nk);
            for (size_t k = 0; k < n; k++) CHECK(ec_id_cmp(&got[k], &kept[k]) == 0);
            /* With self: self takes its place in the order. */
            kept[nk] = self;
            qsort(kept, nk + 1, sizeof *kept, by_distance);
            n = ec_peers_nearest(p, &target, w, true, got);
            for (size_t k = 0; k < n; k++) CHECK(ec_id_cmp(&got[k], &kept[k]) == 0);
            bool self_in = false;
            for (size_t k = 0; k < w; k++) self_in |= ec_id_cmp(&kept[k], &self) == 0;
            CHECK(ec_peers_responsible(p, &target, w) == self_in);
            /* restore kept without self */
            size_t j = 0;
            for (size_t k = 0; k <= nk; k++)
                if (ec_id_cmp(&kept[k], &self) != 0) kept[j++] = kept[k];
        }
        free(kept);
        ec_peers_free(p);
    }
}

static void test_buckets_are_bounded_and_denser_near_self(void)
{
    ec_rng r;
    ec_rng_seed(&r, 2);
    ec_id self = rand_id(&r);
    ec_peers *p;
    ec_peers_new(&p, &self, 8);
    int full = 0;
    for (int i = 0; i < 100000; i++) {
        ec_id a = rand_id(&r);
        full += ec_peers_add(p, &a) == EC_ERR_RANGE;
    }
    CHECK(full > 0);
    const ec_id *ids;
    /* 100,000 uniform peers: bucket j expects 100000 / 2^(j+1), so buckets
     * 0..12 are full (8 each) and coverage thins out past ~16. */
    for (unsigned j = 0; j < 12; j++) CHECK_EQ_INT(ec_peers_bucket(p, j, &ids), 8);
    CHECK(ec_peers_count(p) <= 8 * 20);
    CHECK_EQ_INT(ec_peers_add(p, &self), EC_ERR_EXISTS);
    ec_peers_free(p);
}

static void test_add_remove_has(void)
{
    ec_id self = {{0}}, a = {{0}}, b = {{0}};
    a.b[0] = 0x80;
    b.b[31] = 1;
    ec_peers *p;
    CHECK_EQ_INT(ec_peers_new(&p, &self, 2), EC_OK);
    CHECK_EQ_INT(ec_peers_add(p, &a), EC_OK);
    CHECK_EQ_INT(ec_peers_add(p, &a), EC_ERR_EXISTS);
    CHECK_EQ_INT(ec_peers_add(p, &b), EC_OK);
    CHECK(ec_peers_has(p, &a) && ec_peers_has(p, &b));
    CHECK_EQ_INT(ec_peers_remove(p, &a), EC_OK);
    CHECK_EQ_INT(ec_peers_remove(p, &a), EC_ERR_NOTFOUND);
    CHECK(!ec_peers_has(p, &a));
    CHECK_EQ_INT(ec_peers_count(p), 1);
    CHECK_EQ_INT(ec_peers_new(&p, &self, 0), EC_ERR_ARG);
    ec_peers_free(p);
}

static void test_eligibility_is_the_w_nearest_of_set_plus_self(void)
{
    ec_id self = {{0}}, t = {{0}}, near = {{0}}, far = {{0}}, stranger = {{0}};
    self.b[0] = 0x01;
    t.b[0] = 0xf0;
    near.b[0] = 0xf1;
    far.b[0] = 0x7f;
    stranger.b[0] = 0xf0;
    stranger.b[31] = 1; /* nearer to t than anyone known */
    ec_peers *p;
    ec_peers_new(&p, &self, 8);
    ec_peers_add(p, &near);
    ec_peers_add(p, &far);
    /* w = 2: nearest of {near, far, self} to t are near, far. */
    CHECK(ec_peers_eligible(p, &t, 2, &near));
    CHECK(ec_peers_eligible(p, &t, 2, &far));
    CHECK(ec_peers_eligible(p, &t, 2, &stranger)); /* would enter the w */
    CHECK(!ec_peers_responsible(p, &t, 2));
    CHECK(ec_peers_responsible(p, &t, 3));
    /* w = 1: only near. */
    CHECK(!ec_peers_eligible(p, &t, 1, &far));
    ec_peers_free(p);
}

static void test_a_bucket_with_room_is_complete(void)
{
    ec_id self = {{0}}, a = {{0}}, b = {{0}}, far = {{0}}, near = {{0}};
    a.b[0] = 0x80;      /* bucket 0 */
    b.b[0] = 0xc0;      /* bucket 0 */
    far.b[0] = 0x90;    /* a target in bucket 0 */
    near.b[31] = 0x01;  /* a target in bucket 255 */
    ec_peers *p;
    CHECK_EQ_INT(ec_peers_new(&p, &self, 2), EC_OK);
    CHECK(ec_peers_complete(p, &far)); /* empty: we know all (none) there */
    CHECK_EQ_INT(ec_peers_add(p, &a), EC_OK);
    CHECK(ec_peers_complete(p, &far));
    CHECK_EQ_INT(ec_peers_add(p, &b), EC_OK);
    CHECK(!ec_peers_complete(p, &far)); /* full: there may be more */
    CHECK(ec_peers_complete(p, &near));
    CHECK(ec_peers_complete(p, &self));
    ec_peers_free(p);
}

static void test_rng_is_deterministic_and_uniform_enough(void)
{
    ec_rng a, b;
    ec_rng_seed(&a, 42);
    ec_rng_seed(&b, 42);
    for (int i = 0; i < 100; i++) CHECK(ec_rng_next(&a) == ec_rng_next(&b));
    ec_rng_seed(&b, 43);
    CHECK(ec_rng_next(&a) != ec_rng_next(&b));
    int hist[10] = {0};
    for (int i = 0; i < 100000; i++) hist[ec_rng_below(&a, 10)]++;
    for (int i = 0; i < 10; i++) CHECK(hist[i] > 9500 && hist[i] < 10500);
    double d = ec_rng_double(&a);
    CHECK(d >= 0 && d < 1);
    uint8_t x[13];
    ec_rng_seed(&a, 7);
    ec_rng_bytes(&a, x, sizeof x);
    ec_rng_seed(&b, 7);
    uint64_t v = ec_rng_next(&b);
    CHECK(x[0] == (uint8_t)v && x[7] == (uint8_t)(v >> 56)); /* little-endian, host-independent */
}

static void test_silence_evicts_and_hearing_resets(void)
{
    ec_rng r;
    ec_rng_seed(&r, 5);
    ec_id self = rand_id(&r), a = self, b = self;
    a.b[0] ^= 0x80;
    b.b[0] ^= 0x80;
    b.b[5] ^= 1; /* same bucket as a */
    ec_peers *p;
    CHECK_EQ_INT(ec_peers_new(&p, &self, 1), EC_OK);
    CHECK_EQ_INT(ec_peers_add(p, &a), EC_OK);
    CHECK_EQ_INT(ec_peers_add(p, &b), EC_ERR_RANGE); /* full: a live peer is never pushed out */
    CHECK(!ec_peers_failed(p, &a, 3));
    CHECK(!ec_peers_failed(p, &a, 3));
    ec_peers_heard(p, &a); /* it answered: the count starts again */
    CHECK(!ec_peers_failed(p, &a, 3));
    CHECK(!ec_peers_failed(p, &a, 3));
    CHECK(ec_peers_has(p, &a));
    CHECK(ec_peers_failed(p, &a, 3)); /* third silence in a row */
    CHECK(!ec_peers_has(p, &a));
    CHECK_EQ_INT(ec_peers_count(p), 0);
    CHECK_EQ_INT(ec_peers_add(p, &b), EC_OK);
    CHECK(!ec_peers_failed(p, &a, 3)); /* unknown: nothing to do */
    ec_peers_free(p);
}

int main(void)
{
    RUN(test_nearest_matches_brute_force);
    RUN(test_silence_evicts_and_hearing_resets);
    RUN(test_buckets_are_bounded_and_denser_near_self);
    RUN(test_add_remove_has);
    RUN(test_eligibility_is_the_w_nearest_of_set_plus_self);
    RUN(test_a_bucket_with_room_is_complete);
    RUN(test_rng_is_deterministic_and_uniform_enough);
    return TEST_REPORT("peers");
}
