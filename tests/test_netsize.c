#include <math.h>
#include <stdint.h>
#include <stdlib.h>

#include "core/netsize.h"
#include "test.h"

#define K 50
#define TRIALS 100

static uint64_t rng_state;

static uint64_t splitmix64(void)
{
    uint64_t z = (rng_state += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

static void put64(uint8_t *p, uint64_t v)
{
    for (int i = 0; i < 8; i++) p[i] = (uint8_t)(v >> (56 - 8 * i));
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* One trial: N uniform addresses, keep the K nearest to a random target,
 * estimate N from them. The low 192 bits of an address are drawn only when
 * its top 64 bits can place it among the K nearest (same distribution,
 * 4x fewer draws). */
static double trial(uint64_t n)
{
    ec_id target, near[K];
    uint64_t dist[K];
    for (int i = 0; i < 4; i++) put64(target.b + 8 * i, splitmix64());
    uint64_t t64 = ec_id_top64(&target);
    int have = 0, worst = 0;
    for (uint64_t i = 0; i < n; i++) {
        uint64_t top = splitmix64(), d = top ^ t64;
        if (have == K && d >= dist[worst]) continue;
        int slot = have < K ? have++ : worst;
        put64(near[slot].b, top);
        for (int w = 1; w < 4; w++) put64(near[slot].b + 8 * w, splitmix64());
        dist[slot] = d;
        worst = 0;
        for (int j = 1; j < have; j++) if (dist[j] > dist[worst]) worst = j;
    }
    double est = 0;
    if (ec_netsize_estimate(&target, near, K, &est) != EC_OK) return -1;
    return est;
}

static void test_estimate_median_within_25_percent(void)
{
    static const uint64_t sizes[] = {1000, 10000, 100000, 1000000};
    rng_state = 0x5eed;
    for (size_t s = 0; s < sizeof sizes / sizeof sizes[0]; s++) {
        double est[TRIALS];
        for (int t = 0; t < TRIALS; t++) est[t] = trial(sizes[s]);
        qsort(est, TRIALS, sizeof est[0], cmp_double);
        double median = (est[TRIALS / 2 - 1] + est[TRIALS / 2]) / 2;
        double err = median / (double)sizes[s] - 1.0;
        printf("  N=%-8llu median estimate %.0f (%+.1f%%), 10th-90th pct %.0f..%.0f\n",
               (unsigned long long)sizes[s], median, 100 * err, est[TRIALS / 10],
               est[TRIALS - TRIALS / 10]);
        CHECK(fabs(err) <= 0.25);
    }
}

static void test_estimate_ignores_target_and_needs_two_peers(void)
{
    ec_id target = {{0}}, peers[3] = {{{0}}};
    double est = 0;
    peers[1].b[0] = 0x40; /* distance 1/4 */
    peers[2].b[0] = 0x80; /* distance 1/2 */
    /* peers[0] equals the target and is skipped: k = 2, d_k = 1/2. */
    CHECK_EQ_INT(ec_netsize_estimate(&target, peers, 3, &est), EC_OK);
    CHECK(fabs(est - (2.0 - 1.0 / 3.0) / 0.5) < 1e-9);
    CHECK_EQ_INT(ec_netsize_estimate(&target, peers, 2, &est), EC_ERR_ARG);
    CHECK_EQ_INT(ec_netsize_estimate(&target, NULL, 2, &est), EC_ERR_ARG);
}

static void test_difficulty_follows_seed_table(void)
{
    /* seed §5.2: 1k -> 17, 10k -> 18, 100k -> 19, 1M -> 20 */
    CHECK_EQ_INT(ec_netsize_difficulty(1000, 17, 1000), 17);
    CHECK_EQ_INT(ec_netsize_difficulty(9999, 17, 1000), 17);
    CHECK_EQ_INT(ec_netsize_difficulty(10000, 17, 1000), 18);
    CHECK_EQ_INT(ec_netsize_difficulty(100000, 17, 1000), 19);
    CHECK_EQ_INT(ec_netsize_difficulty(1000000, 17, 1000), 20);
    CHECK_EQ_INT(ec_netsize_difficulty(999, 17, 1000), 16);
    CHECK_EQ_INT(ec_netsize_difficulty(100, 17, 1000), 16);
    CHECK_EQ_INT(ec_netsize_difficulty(99, 17, 1000), 15);
    CHECK_EQ_INT(ec_netsize_difficulty(1e-30, 17, 1000), 1);
    CHECK_EQ_INT(ec_netsize_difficulty(1e300, 17, 1000), 255);
    CHECK_EQ_INT(ec_netsize_difficulty(0, 17, 1000), 17);
}

int main(void)
{
    RUN(test_estimate_median_within_25_percent);
    RUN(test_estimate_ignores_target_and_needs_two_peers);
    RUN(test_difficulty_follows_seed_table);
    return TEST_REPORT("netsize");
}
