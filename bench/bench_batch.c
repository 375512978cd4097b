/* Group commit on LMDB (docs/PERFORMANCE.md): a node receives N creates of
 * tokens it is responsible for; each +1 vote needs its sticky record
 * durable before it leaves. Unbatched, that is one fsync'ed LMDB commit per
 * vote; with ec_node_batch_begin/end around B inputs, one per batch.
 *
 *   bench_batch [N] [B...]     (defaults: 2000 inputs; batch sizes 1 8 64 512)
 * Prints votes per second for each batch size (1 = no batch). The store is
 * a fresh LMDB directory under $TMPDIR for each run. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "core/node.h"
#include "crypto/blake3.h"
#include "ledger/tx.h"

static double now_s(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + t.tv_nsec / 1e9;
}

static double run(unsigned n_in, unsigned batch, const ec_tx *txs, const ec_id *self)
{
    char dir[512];
    const char *tmp = getenv("TMPDIR");
    snprintf(dir, sizeof dir, "%s/ec-bench-batch-XXXXXX", tmp ? tmp : "/tmp");
    if (mkdtemp(dir) == NULL) return -1;
    ec_store *st;
    if (ec_store_lmdb_open(&st, dir, (size_t)1 << 30) != EC_OK) return -1;
    ec_node_config cfg;
    ec_node_config_default(&cfg);
    cfg.pending_max = n_in + 1;
    cfg.pending_per_peer_max = n_in + 1;
    ec_rng rng;
    ec_rng_seed(&rng, 1);
    ec_node *n;
    ec_node_env env = {.addr = *self, .store = st, .rng = &rng};
    if (ec_node_new(&n, &cfg, &env) != EC_OK) return -1;
    ec_id peer = *self;
    peer.b[0] ^= 0x80;
    ec_node_add_peer(n, &peer, NULL);
    uint8_t buf[EC_MSG_MAX];
    size_t len, votes = 0;
    ec_id to;
    double t0 = now_s();
    for (unsigned i = 0; i < n_in; i++) {
        if (batch > 1 && i % batch == 0) ec_node_batch_begin(n);
        ec_msg m;
        memset(&m, 0, sizeof m);
        m.type = EC_MSG_TX;
        ec_tx_encode(&txs[i], m.u.tx.bytes, sizeof m.u.tx.bytes, &len);
        m.u.tx.len = (uint16_t)len;
        ec_msg_encode(&m, buf, sizeof buf, &len);
        ec_node_recv(n, 1000, &peer, NULL, buf, len);
        if (batch > 1 && (i % batch == batch - 1 || i + 1 == n_in)) ec_node_batch_end(n);
        while (ec_node_next_out(n, &to, NULL, buf, sizeof buf, &len) == EC_OK) votes++;
    }
    double dt = now_s() - t0;
    ec_store_counts c;
    ec_store_counts_get(st, &c);
    ec_node_free(n);
    ec_store_close(st);
    char cmd[600];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd) != 0) fprintf(stderr, "cannot remove %s\n", dir);
    if (c.votes != n_in) fprintf(stderr, "bench_batch: %llu records, expected %u\n",
                                 (unsigned long long)c.votes, n_in);
    return n_in / dt;
}

int main(int argc, char **argv)
{
    unsigned n_in = argc > 1 ? (unsigned)atoi(argv[1]) : 2000;
    unsigned sizes[16] = {1, 8, 64, 512}, ns = 4;
    if (argc > 2) {
        ns = 0;
        for (int i = 2; i < argc && ns < 16; i++) sizes[ns++] = (unsigned)atoi(argv[i]);
    }
    if (ec_crypto_init() != EC_OK || n_in == 0) return 1;
    ec_keypair kp;
    uint8_t seed[EC_SEED_LEN] = {1};
    ec_sign_keypair(&kp, seed);
    ec_id self = {{0x11}}, owner;
    ec_sign_keyhash(&owner, &kp.pub);
    ec_tx *txs = calloc(n_in, sizeof *txs);
    for (unsigned i = 0; i < n_in; i++) {
        ec_id t = self, zero = {{0}};
        t.b[28] = (uint8_t)(i >> 16);
        t.b[29] = (uint8_t)(i >> 8);
        t.b[30] = (uint8_t)i;
        ec_tx_init(&txs[i], 1000);
        ec_tx_add_mapping(&txs[i], &t, &owner, &zero);
        ec_tx_sign(&txs[i], &kp);
    }
    printf("inputs %u (one +1 vote each, sticky record fsync'ed before it leaves)\n", n_in);
    for (unsigned k = 0; k < ns; k++)
        printf("batch %4u: %8.0f votes/s\n", sizes[k], run(n_in, sizes[k], txs, &self));
    free(txs);
    return 0;
}
