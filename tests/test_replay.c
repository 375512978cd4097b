/* Anti-replay window tests: the window's exact edges (8128 below the
 * newest counter, as WireGuard's 8192-bit map with one word of slack),
 * duplicates, slides and jumps, the Reject-After-Messages limit, and a
 * seeded random run against a plain model that never forgets. */
#include "base/rng.h"
#include "net/replay.h"
#include "test.h"

#include <stdlib.h>

#define REJECT EC_REPLAY_REJECT_AFTER

static void test_constants(void)
{
    CHECK_EQ_INT(EC_REPLAY_WINDOW, 8128);
    /* 2^64 - 2^13 - 1 */
    CHECK(REJECT == UINT64_MAX - 8192u);
    CHECK(REJECT + 8192u + 1u == 0u);
}

static void test_in_order_and_duplicates(void)
{
    static ec_replay w;
    ec_replay_init(&w);
    for (uint64_t c = 0; c < 20000; c++) {
        CHECK(ec_replay_check(&w, c));
        CHECK(ec_replay_mark(&w, c));
        CHECK(!ec_replay_check(&w, c));
        CHECK(!ec_replay_mark(&w, c));
    }
    for (uint64_t c = 20000 - 1 - EC_REPLAY_WINDOW; c < 20000; c++)
        CHECK(!ec_replay_mark(&w, c)); /* all seen, still in the window */
}

static void test_out_of_order_within_window(void)
{
    static ec_replay w;
    ec_replay_init(&w);
    CHECK(ec_replay_mark(&w, 100));
    CHECK(ec_replay_mark(&w, 50));
    CHECK(ec_replay_mark(&w, 99));
    CHECK(ec_replay_mark(&w, 0));
    CHECK(!ec_replay_mark(&w, 50));
    CHECK(!ec_replay_mark(&w, 0));
    CHECK(ec_replay_mark(&w, 101));
    CHECK(ec_replay_mark(&w, 98));
}

/* For newest counters M of every alignment to the 64-bit words: every one
 * of M - 8128 .. M is accepted once (in scrambled order), M - 8129 never. */
static void test_exact_window_edge(void)
{
    static const uint64_t tops[] = {8128, 8129, 8191, 8192, 8193, 8255, 8256,
                                    100000, 100063, 100064, 1u << 20};
    static ec_replay w;
    for (size_t t = 0; t < sizeof tops / sizeof tops[0]; t++) {
        uint64_t m = tops[t], lo = m - EC_REPLAY_WINDOW, fails = 0;
        ec_replay_init(&w);
        CHECK(ec_replay_mark(&w, m));
        CHECK(!ec_replay_check(&w, lo - 1));
        CHECK(!ec_replay_mark(&w, lo - 1)); /* too old */
        /* j -> j * 4099 mod 8128 permutes the offsets below M: 8128 is
         * 2^6 * 127 and 4099 is odd and not a multiple of 127. */
        for (uint64_t j = 0; j < EC_REPLAY_WINDOW; j++) {
            uint64_t c = lo + (j * 4099) % EC_REPLAY_WINDOW;
            fails += !ec_replay_check(&w, c) || !ec_replay_mark(&w, c);
        }
        CHECK_EQ_INT(fails, 0);
        for (uint64_t c = lo; c <= m; c++) fails += ec_replay_mark(&w, c);
        CHECK_EQ_INT(fails, 0);
        CHECK(!ec_replay_mark(&w, lo - 1));
        /* One step forward: lo falls out, lo + 1 is the new edge. */
        CHECK(ec_replay_mark(&w, m + 1));
        CHECK(!ec_replay_check(&w, lo));
        CHECK(!ec_replay_check(&w, lo + 1)); /* seen, and still remembered */
    }
}

static void test_jump_far_ahead_clears_the_map(void)
{
    static ec_replay w;
    ec_replay_init(&w);
    for (uint64_t c = 0; c < 300; c++) CHECK(ec_replay_mark(&w, c));
    uint64_t far = 1000000;
    CHECK(ec_replay_mark(&w, far));
    size_t set_words = 0;
    for (size_t i = 0; i < EC_REPLAY_BITS / EC_REPLAY_WORD; i++)
        set_words += w.bits[i] != 0;
    CHECK_EQ_INT(set_words, 1); /* only the word holding `far` */
    CHECK(!ec_replay_mark(&w, 299)); /* far too old now */
    CHECK(ec_replay_mark(&w, far - EC_REPLAY_WINDOW));
    CHECK(ec_replay_mark(&w, far - 1));
    CHECK(!ec_replay_mark(&w, far));
    /* A jump of exactly one map (128 words) also recycles every word. */
    CHECK(ec_replay_mark(&w, far + EC_REPLAY_BITS));
    CHECK(ec_replay_check(&w, far + EC_REPLAY_BITS - 1));
    CHECK(!ec_replay_check(&w, far));
}

static void test_reject_after_messages(void)
{
    static ec_replay w;
    ec_replay_init(&w);
    CHECK(!ec_replay_check(&w, REJECT));
    CHECK(!ec_replay_mark(&w, REJECT));
    CHECK(!ec_replay_mark(&w, UINT64_MAX));
    CHECK(ec_replay_mark(&w, REJECT - 1));
    CHECK(!ec_replay_mark(&w, REJECT - 1));
    CHECK(ec_replay_mark(&w, REJECT - 2));
    CHECK(ec_replay_mark(&w, REJECT - 1 - EC_REPLAY_WINDOW));
    CHECK(!ec_replay_mark(&w, REJECT - 2 - EC_REPLAY_WINDOW));
    CHECK(!ec_replay_mark(&w, REJECT));
    CHECK(!ec_replay_check(&w, UINT64_MAX));
}

/* ---- randomized, against a model --------------------------------------
 * The model keeps every counter it ever accepted (an open-addressing set)
 * and the rule: accept c iff c < REJECT, c is not more than 8128 below the
 * highest accepted, and c was never accepted. */

#define SET_CAP (1u << 19)
static uint64_t set_slots[SET_CAP]; /* counter + 1; 0: empty */

static bool set_has_or_add(uint64_t c, bool add)
{
    uint64_t h = (c * 0x9E3779B97F4A7C15ull) >> 45; /* 19 bits */
    for (;; h = (h + 1) & (SET_CAP - 1)) {
        if (set_slots[h] == c + 1) return true;
        if (set_slots[h] == 0) {
            if (add) set_slots[h] = c + 1;
            return false;
        }
    }
}

/* max + d, or max - d, saturating (the model's counters stay in range). */
static uint64_t add_sat(uint64_t a, uint64_t d)
{
    return a > UINT64_MAX - d ? UINT64_MAX : a + d;
}

static uint64_t sub_sat(uint64_t a, uint64_t d)
{
    return d > a ? 0 : a - d;
}

static uint64_t run_model(uint64_t seed, uint64_t base, int ops,
                          uint64_t *top)
{
    static ec_replay w;
    ec_rng rng;
    ec_rng_seed(&rng, seed);
    ec_replay_init(&w);
    memset(set_slots, 0, sizeof set_slots);
    bool any = false;
    uint64_t max = base, accepted = 0, mismatches = 0;
    for (int op = 0; op < ops; op++) {
        uint64_t r = ec_rng_below(&rng, 100), c;
        if (r < 55) /* near the top, both sides of it */
            c = sub_sat(max + 64, ec_rng_below(&rng, 8400));
        else if (r < 70) /* the edge exactly */
            c = sub_sat(max, EC_REPLAY_WINDOW + ec_rng_below(&rng, 2));
        else if (r < 85) /* a repeat of something recent */
            c = sub_sat(max, ec_rng_below(&rng, 200));
        else if (r < 97) /* a jump */
            c = add_sat(max, ec_rng_below(&rng, 3 * EC_REPLAY_BITS));
        else
            c = add_sat(max, ec_rng_below(&rng, 1u << 20));
        if (c > REJECT + 100) c = REJECT - ec_rng_below(&rng, 3);
        bool want = c < REJECT &&
                    (!any || c + EC_REPLAY_WINDOW >= max) &&
                    !set_has_or_add(c, false);
        mismatches += ec_replay_check(&w, c) != want;
        /* One in ten fails its AEAD: checked, never marked. */
        if (ec_rng_below(&rng, 10) == 0) continue;
        mismatches += ec_replay_mark(&w, c) != want;
        if (want) {
            set_has_or_add(c, true);
            max = !any || c > max ? c : max;
            any = true;
            accepted++;
        }
    }
    CHECK_EQ_INT(mismatches, 0);
    *top = max;
    return accepted;
}

static void test_random_against_model(void)
{
    /* The second run starts 2^30 below the limit and reaches it partway
     * (the mean jump is about 2^14). */
    uint64_t top_a, top_b;
    uint64_t a = run_model(42, 0, 100000, &top_a);
    uint64_t b = run_model(43, REJECT - (UINT64_C(1) << 30), 100000, &top_b);
    printf("     200000 operations, %llu + %llu accepted\n",
           (unsigned long long)a, (unsigned long long)b);
    CHECK(a > 10000 && b > 10000); /* the run exercised acceptance */
    CHECK(top_b + 3 >= REJECT);    /* and the second hit the limit */
}

int main(void)
{
    RUN(test_constants);
    RUN(test_in_order_and_duplicates);
    RUN(test_out_of_order_within_window);
    RUN(test_exact_window_edge);
    RUN(test_jump_far_ahead_clears_the_map);
    RUN(test_reject_after_messages);
    RUN(test_random_against_model);
    return TEST_REPORT("replay");
}
