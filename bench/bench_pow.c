/* Argon2id proof-of-work benchmark (not a test).
 *
 * Measures, in one run and at the same parameters, hashes per second of
 *   - ec:        ec_identity_try (the miner's step: Argon2id + BLAKE3 + checks)
 *   - libsodium: a bare loop over crypto_pwhash_argon2id
 *   - libargon2: a bare loop over argon2id_hash_raw
 * with 1 thread and with T threads, alternating the contenders in rounds so
 * that machine noise hits all of them alike. Prints the ec/libsodium ratio
 * and the expected mining time for 17-20 bits next to the seed's table. */
#include <argon2.h>
#include <getopt.h>
#include <math.h>
#include <pthread.h>
#include <sodium.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "core/identity.h"

enum { EC_TRY, SODIUM, ARGON2, NKIND };
static const char *kind_name[NKIND] = {"ec", "libsodium", "libargon2"};

typedef struct run {
    int kind;
    ec_pow_params params;
    double deadline;
    atomic_uint_fast64_t count;
    _Atomic double busy; /* seconds spent inside hash calls, all threads */
    atomic_int failed;
} run;

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static void *worker(void *arg)
{
    run *r = arg;
    ec_pubkey pk;
    uint8_t salt[16], out[32];
    ec_id pow, addr;
    randombytes_buf(pk.b, sizeof pk.b);
    randombytes_buf(salt, sizeof salt);
    double busy = 0;
    for (uint64_t i = 0;; i++) {
        double t0 = now_s();
        if (t0 >= r->deadline) break;
        memcpy(salt + 8, &i, sizeof i);
        int bad = 0;
        switch (r->kind) {
        case EC_TRY: {
            ec_err e = ec_identity_try(&r->params, &pk, salt, 64, NULL, 0, &pow, &addr);
            bad = e != EC_ERR_POW && e != EC_OK;
            break;
        }
        case SODIUM:
            bad = crypto_pwhash_argon2id(out, 32, (const char *)pk.b, 32, salt,
                                         r->params.iterations,
                                         (size_t)r->params.memory_kib * 1024,
                                         crypto_pwhash_argon2id_ALG_ARGON2ID13) != 0;
            break;
        case ARGON2:
            bad = argon2id_hash_raw(r->params.iterations, r->params.memory_kib, 1, pk.b, 32,
                                    salt, 16, out, 32) != ARGON2_OK;
            break;
        }
        if (bad) {
            atomic_store(&r->failed, 1);
            break;
        }
        busy += now_s() - t0;
        atomic_fetch_add(&r->count, 1);
    }
    /* C11 has no atomic add for double: compare-exchange loop. */
    double old = atomic_load(&r->busy);
    while (!atomic_compare_exchange_weak(&r->busy, &old, old + busy)) {
    }
    return NULL;
}

/* Runs `threads` workers of one kind for `secs`; adds the hashes done and the
 * seconds the threads spent hashing (summed over threads). Rate is then
 * threads * hashes / busy: timing each hash avoids counting a partial hash
 * at the deadline, which at ~2 hashes/s would be a few percent of noise. */
static int measure(int kind, const ec_pow_params *p, unsigned threads, double secs,
                   uint64_t *hashes, double *elapsed)
{
    run r;
    pthread_t t[256];
    r.kind = kind;
    r.params = *p;
    atomic_init(&r.count, 0);
    atomic_init(&r.failed, 0);
    atomic_init(&r.busy, 0.0);
    double t0 = now_s();
    r.deadline = t0 + secs;
    for (unsigned i = 0; i < threads; i++) pthread_create(&t[i], NULL, worker, &r);
    for (unsigned i = 0; i < threads; i++) pthread_join(t[i], NULL);
    *elapsed += atomic_load(&r.busy) / threads;
    *hashes += atomic_load(&r.count);
    return atomic_load(&r.failed) ? -1 : 0;
}

static const char help[] =
    "usage: bench_pow [--seconds S] [--rounds R] [--threads T] [--memory-kib M]\n"
    "                 [--iterations I] [--json]\n"
    "Argon2id hashes/s: ec vs libsodium vs libargon2, 1 thread and T threads\n"
    "(default: all cores), R rounds (default 3) of S seconds (default 10) each.\n";

int main(int argc, char **argv)
{
    static const struct option opts[] = {
        {"seconds", required_argument, NULL, 's'}, {"rounds", required_argument, NULL, 'r'},
        {"threads", required_argument, NULL, 't'}, {"memory-kib", required_argument, NULL, 'm'},
        {"iterations", required_argument, NULL, 'i'}, {"json", no_argument, NULL, 'j'},
        {"help", no_argument, NULL, 'h'}, {NULL, 0, NULL, 0},
    };
    ec_pow_params p = EC_POW_PARAMS_NETWORK;
    double secs = 10;
    int rounds = 3, json = 0, c;
    long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
    unsigned threads = ncpu > 0 ? (unsigned)ncpu : 1;
    while ((c = getopt_long(argc, argv, "s:r:t:m:i:jh", opts, NULL)) != -1) {
        switch (c) {
        case 's': secs = atof(optarg); break;
        case 'r': rounds = atoi(optarg); break;
        case 't': threads = (unsigned)atoi(optarg); break;
        case 'm': p.memory_kib = (uint32_t)atol(optarg); break;
        case 'i': p.iterations = (uint32_t)atol(optarg); break;
        case 'j': json = 1; break;
        case 'h': fputs(help, stdout); return 0;
        default: fputs(help, stderr); return 2;
        }
    }
    if (secs <= 0 || rounds < 1 || threads < 1 || threads > 256 || ec_pow_params_check(&p)) {
        fputs(help, stderr);
        return 2;
    }
    if (ec_crypto_init()) return 1;

    unsigned tcounts[2] = {1, threads};
    int nt = threads > 1 ? 2 : 1;
    uint64_t hashes[2][NKIND] = {{0}};
    double elapsed[2][NKIND] = {{0}};
    for (int ti = 0; ti < nt; ti++) {
        for (int r = 0; r < rounds; r++) {
            for (int k = 0; k < NKIND; k++) {
                /* Rotate the order each round so no contender always goes first. */
                int kind = (k + r) % NKIND;
                if (!json)
                    fprintf(stderr, "\r\033[K%u thread(s), round %d/%d: %s...",
                            tcounts[ti], r + 1, rounds, kind_name[kind]);
                if (measure(kind, &p, tcounts[ti], secs, &hashes[ti][kind], &elapsed[ti][kind])) {
                    fprintf(stderr, "\n%s failed (out of memory?)\n", kind_name[kind]);
                    return 1;
                }
            }
        }
    }
    if (!json) fputc('\n', stderr);

    double rate[2][NKIND];
    for (int ti = 0; ti < nt; ti++)
        for (int k = 0; k < NKIND; k++) rate[ti][k] = hashes[ti][k] / elapsed[ti][k];
    double best = rate[nt - 1][EC_TRY];
    static const double seed_hours[4] = {23, 46, 93, 186};

    if (json) {
        printf("{\n  \"memory_kib\": %u, \"iterations\": %u, \"threads\": %u,\n"
               "  \"seconds_per_round\": %.1f, \"rounds\": %d,\n  \"rates\": [\n",
               p.memory_kib, p.iterations, threads, secs, rounds);
        for (int ti = 0; ti < nt; ti++)
            printf("    {\"threads\": %u, \"ec\": %.4f, \"libsodium\": %.4f, \"libargon2\": %.4f,"
                   " \"ec_over_libsodium\": %.4f}%s\n",
                   tcounts[ti], rate[ti][EC_TRY], rate[ti][SODIUM], rate[ti][ARGON2],
                   rate[ti][EC_TRY] / rate[ti][SODIUM], ti + 1 < nt ? "," : "");
        printf("  ],\n  \"expected_hours\": {");
        for (int b = 17; b <= 20; b++)
            printf("\"%d\": %.2f%s", b, ldexp(1.0, b) / best / 3600, b < 20 ? ", " : "");
        printf("}\n}\n");
        return 0;
    }
    printf("Argon2id m=%u KiB t=%u p=1; %d rounds x %.0f s per contender\n\n",
           p.memory_kib, p.iterations, rounds, secs);
    printf("%-8s %12s %12s %12s %14s\n", "threads", "ec H/s", "libsodium", "libargon2",
           "ec/libsodium");
    for (int ti = 0; ti < nt; ti++)
        printf("%-8u %12.3f %12.3f %12.3f %14.3f\n", tcounts[ti], rate[ti][EC_TRY],
               rate[ti][SODIUM], rate[ti][ARGON2], rate[ti][EC_TRY] / rate[ti][SODIUM]);
    printf("\nexpected time to mine (2^bits / %.3f H/s, %u threads) vs seed §5.2:\n", best,
           tcounts[nt - 1]);
    printf("%-6s %14s %14s\n", "bits", "this machine", "seed");
    for (int b = 17; b <= 20; b++)
        printf("%-6d %13.1fh %13.0fh\n", b, ldexp(1.0, b) / best / 3600, seed_hours[b - 17]);
    return 0;
}
