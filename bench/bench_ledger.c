/* Ledger benchmark (not a test): transactions validated and committed per
 * second, on the in-memory and LMDB backends, with raw Ed25519 verifications
 * per second measured in the same run for the ratio.
 *
 * Workload: N creates (each of 1 or 6 new tokens, one signature), then N
 * transfers of those tokens (head lookups, owner check). Transactions are
 * built and signed before timing starts. LMDB: one commit (fsync) per
 * transaction, and batches of B transactions per commit. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "crypto/blake3.h"
#include "ledger/store.h"
#include "ledger/validate.h"

#define NOW 1700000000000ull

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

typedef struct workload {
    ec_tx *creates, *transfers;
    size_t n;
} workload;

static void make_workload(workload *w, size_t n, int mappings, const ec_keypair *a,
                          const ec_keypair *b, uint32_t salt)
{
    ec_id oa, ob, zero = {{0}};
    ec_sign_keyhash(&oa, &a->pub);
    ec_sign_keyhash(&ob, &b->pub);
    w->n = n;
    w->creates = malloc(n * sizeof *w->creates);
    w->transfers = malloc(n * sizeof *w->transfers);
    for (size_t i = 0; i < n; i++) {
        ec_tx *c = &w->creates[i], *t = &w->transfers[i];
        ec_id cid;
        ec_tx_init(c, NOW + i);
        for (int m = 0; m < mappings; m++) {
            uint32_t v[3] = {salt, (uint32_t)i, (uint32_t)m};
            ec_id tok;
            ec_blake3_hash(v, sizeof v, tok.b);
            ec_tx_add_mapping(c, &tok, &oa, &zero);
        }
        ec_tx_sign(c, a);
        ec_tx_id(c, &cid);
        ec_tx_init(t, NOW + n + i);
        for (int m = 0; m < mappings; m++) ec_tx_add_mapping(t, &c->mappings[m].token, &ob, &cid);
        ec_tx_sign(t, a);
    }
}

/* Applies every tx of `txs`, `batch` per store commit; returns tx/s. */
static double run(ec_store *s, const ec_tx *txs, size_t n, size_t batch, int *bad)
{
    double t0 = now_s();
    for (size_t i = 0; i < n; i += batch) {
        ec_store_begin(s);
        for (size_t j = i; j < n && j < i + batch; j++) {
            ec_verdict v;
            if (ec_ledger_apply_in_txn(s, &txs[j], NOW, &v, NULL) != EC_OK || v.rule != EC_RULE_OK)
                (*bad)++;
        }
        if (ec_store_commit(s) != EC_OK) (*bad)++;
    }
    return (double)n / (now_s() - t0);
}

static double verify_rate(const ec_keypair *kp, double secs)
{
    uint8_t msg[330];
    ec_sig sig;
    memset(msg, 7, sizeof msg);
    ec_sign_create(&sig, kp, msg, sizeof msg);
    size_t n = 0;
    double t0 = now_s(), t;
    do {
        for (int i = 0; i < 200; i++) n += ec_sign_verify(&sig, &kp->pub, msg, sizeof msg) == EC_OK;
        t = now_s();
    } while (t - t0 < secs);
    return (double)n / (t - t0);
}

static ec_store *open_backend(int lmdb, char *dir, size_t cap)
{
    ec_store *s = NULL;
    if (!lmdb) return ec_store_mem_open(&s) == EC_OK ? s : NULL;
    const char *tmp = getenv("TMPDIR");
    snprintf(dir, cap, "%s/ec-bench-ledger-XXXXXX", tmp ? tmp : "/tmp");
    if (mkdtemp(dir) == NULL) return NULL;
    return ec_store_lmdb_open(&s, dir, (size_t)4 << 30) == EC_OK ? s : NULL;
}

static void close_backend(ec_store *s, int lmdb, const char *dir)
{
    ec_store_close(s);
    if (lmdb) {
        char cmd[600];
        snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
        if (system(cmd) != 0) fprintf(stderr, "cannot remove %s\n", dir);
    }
}

static long rss_kib(void)
{
    FILE *f = fopen("/proc/self/status", "r");
    char line[256];
    long v = -1;
    while (f && fgets(line, sizeof line, f))
        if (sscanf(line, "VmRSS: %ld kB", &v) == 1) break;
    if (f) fclose(f);
    return v;
}

static bool count_fn(void *arg, const ec_id *token, const ec_head *h)
{
    (void)token;
    (void)h;
    (*(size_t *)arg)++;
    return true;
}

/* The in-memory store at scale: N heads (and N transaction records of 200
 * bytes) put directly, no signatures: insert rate, memory, lookups, a full
 * ordered iteration. */
static int scale(size_t n)
{
    ec_store *s;
    uint8_t txbytes[200];
    memset(txbytes, 0xab, sizeof txbytes);
    long rss0 = rss_kib();
    if (ec_store_mem_open(&s) != EC_OK) return 1;
    double t0 = now_s();
    for (size_t i = 0; i < n; i += 10000) {
        ec_store_begin(s);
        for (size_t j = i; j < n && j < i + 10000; j++) {
            uint64_t v[2] = {j, 1};
            ec_id tok, txid;
            ec_blake3_hash(v, sizeof v, tok.b);
            v[1] = 2;
            ec_blake3_hash(v, sizeof v, txid.b);
            ec_head h = {txid, NOW + j, tok};
            if (ec_store_put_head(s, &tok, &h) || ec_store_put_tx(s, &txid, txbytes, sizeof txbytes))
                return 1;
        }
        ec_store_commit(s);
    }
    double t_insert = now_s() - t0;
    long rss1 = rss_kib();
    t0 = now_s();
    size_t found = 0, lookups = n < 1000000 ? n : 1000000;
    for (size_t j = 0; j < lookups; j++) {
        uint64_t v[2] = {(j * 7919) % n, 1};
        ec_id tok;
        ec_head h;
        ec_blake3_hash(v, sizeof v, tok.b);
        found += ec_store_get_head(s, &tok, &h) == EC_OK;
    }
    double t_lookup = now_s() - t0;
    t0 = now_s();
    size_t seen = 0;
    ec_store_iterate(s, NULL, count_fn, &seen);
    double t_iter = now_s() - t0;
    ec_store_close(s);
    printf("in-memory store, %zu tokens + %zu transactions of 200 B:\n"
           "  insert   %.2f s (%.0f/s)\n  memory   %.0f MiB (%.0f bytes per token+tx)\n"
           "  lookup   %.0f/s (%zu of %zu found)\n  iterate  %.2f s (%zu tokens in order)\n",
           n, n, t_insert, (double)n / t_insert, (double)(rss1 - rss0) / 1024,
           (double)(rss1 - rss0) * 1024 / (double)n, (double)lookups / t_lookup, found, lookups,
           t_iter, seen);
    return found == lookups && seen == n ? 0 : 1;
}

int main(int argc, char **argv)
{
    static const struct option opts[] = {
        {"count", required_argument, NULL, 'n'}, {"sync-count", required_argument, NULL, 's'},
        {"batch", required_argument, NULL, 'b'}, {"json", no_argument, NULL, 'j'},
        {"scale", required_argument, NULL, 'S'},
        {"help", no_argument, NULL, 'h'}, {NULL, 0, NULL, 0}};
    size_t n = 20000, nsync = 1000, batch = 1000;
    int json = 0, c;
    while ((c = getopt_long(argc, argv, "n:s:b:jh", opts, NULL)) != -1) {
        switch (c) {
        case 'S': return ec_crypto_init() ? 1 : scale((size_t)atol(optarg));
        case 'n': n = (size_t)atol(optarg); break;
        case 's': nsync = (size_t)atol(optarg); break;
        case 'b': batch = (size_t)atol(optarg); break;
        case 'j': json = 1; break;
        default:
            printf("usage: bench_ledger [--count N] [--sync-count M] [--batch B] [--json]\n"
                   "       bench_ledger --scale N   (in-memory store with N tokens)\n"
                   "N creates + N transfers per case (default 20000); M of each for\n"
                   "LMDB with one fsync'ed commit per transaction (default 1000);\n"
                   "B transactions per commit in the batched case (default 1000).\n");
            return c == 'h' ? 0 : 2;
        }
    }
    if (n < 1 || nsync < 1 || nsync > n || batch < 1 || ec_crypto_init()) return 2;
    ec_keypair a, b;
    uint8_t seed[32] = {1};
    ec_sign_keypair(&a, seed);
    seed[0] = 2;
    ec_sign_keypair(&b, seed);

    static const char *names[3] = {"memory", "lmdb batched", "lmdb 1 commit/tx"};
    double rate[2][3][2]; /* [mappings 1|6][backend][create|transfer] */
    double vrate[2][3];   /* Ed25519 verify/s measured right before each case */
    int bad = 0;
    double verify = verify_rate(&a, 2.0);
    for (int mi = 0; mi < 2; mi++) {
        int mappings = mi ? 6 : 1;
        workload w;
        if (!json) fprintf(stderr, "building %zu+%zu transactions of %d mapping(s)...\n", n, n, mappings);
        make_workload(&w, n, mappings, &a, &b, (uint32_t)mi);
        for (int be = 0; be < 3; be++) {
            char dir[512];
            size_t count = be == 2 ? nsync : n, bsz = be == 0 ? 1 : be == 1 ? batch : 1;
            vrate[mi][be] = verify_rate(&a, 1.0);
            ec_store *s = open_backend(be > 0, dir, sizeof dir);
            if (s == NULL) { fprintf(stderr, "cannot open %s store\n", names[be]); return 1; }
            rate[mi][be][0] = run(s, w.creates, count, bsz, &bad);
            rate[mi][be][1] = run(s, w.transfers, count, bsz, &bad);
            close_backend(s, be > 0, dir);
        }
        free(w.creates);
        free(w.transfers);
    }
    double verify2 = verify_rate(&a, 2.0); /* again: did the machine's speed drift? */
    if (bad) fprintf(stderr, "warning: %d transactions or commits failed\n", bad);
    if (json) {
        printf("{\n  \"ed25519_verify_per_s\": [%.0f, %.0f],\n  \"count\": %zu, \"sync_count\": %zu,"
               " \"batch\": %zu,\n  \"tx_per_s\": {\n", verify, verify2, n, nsync, batch);
        for (int mi = 0; mi < 2; mi++)
            for (int be = 0; be < 3; be++)
                printf("    \"%s, %d mapping(s)\": {\"create\": %.0f, \"transfer\": %.0f, "
                       "\"verify\": %.0f}%s\n", names[be], mi ? 6 : 1, rate[mi][be][0],
                       rate[mi][be][1], vrate[mi][be], mi == 1 && be == 2 ? "" : ",");
        printf("  },\n  \"failures\": %d\n}\n", bad);
        return bad ? 1 : 0;
    }
    printf("Ed25519 verify: %.0f/s at start, %.0f/s at end\n\n", verify, verify2);
    printf("%-18s %-8s %11s %13s %10s %16s\n", "backend", "mappings", "create tx/s",
           "transfer tx/s", "verify/s", "ratio to verify");
    for (int be = 0; be < 3; be++)
        for (int mi = 0; mi < 2; mi++)
            printf("%-18s %-8d %11.0f %13.0f %10.0f %9.2f %6.2f\n", names[be], mi ? 6 : 1,
                   rate[mi][be][0], rate[mi][be][1], vrate[mi][be], rate[mi][be][0] / vrate[mi][be],
                   rate[mi][be][1] / vrate[mi][be]);
    printf("(verify/s: raw Ed25519 verifications per second measured just before that row)\n");
    printf("\n(%zu+%zu transactions per case; %zu+%zu with one commit per tx; batches of %zu)\n",
           n, n, nsync, nsync, batch);
    return bad ? 1 : 0;
}
