/* Chain sync between two daemons on loopback: B commits 40 transactions
 * alone (w = 1), cutting them into blocks; then A starts with an empty
 * store, bootstrapped to B, and syncs (w = 2, so every token is A's; one
 * source, which must then be enough: sync.agree = 1). A's own store is
 * watched with sessionless questions of 0 hops (answered from A's store
 * alone) until it holds every head B holds. Counters are read after both
 * loops stopped. */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "crypto/blake3.h"
#include "daemon_util.h"
#include "net/client.h"
#include "net/frame.h"
#include "net/qclient.h"
#include "net/sysclock.h"

#define TXS 40

static dt_side A, B;
static ec_id tokens[TXS], txids[TXS];

/* w (B: 1, so it commits alone; A: 2, so every token is A's too); blocks
 * every second, one source that alone is enough. */
static bool start(dt_side *s, uint8_t seed, unsigned w, const ec_endpoint *bootstrap)
{
    ec_daemon_config cfg;
    dt_config(&cfg, w);
    cfg.node.block_interval_ms = 1000;
    cfg.node.sync_sources = 1;
    cfg.node.sync_agree = 1;
    cfg.node.sync_interval_ms = 1000;
    if (bootstrap) cfg.bootstrap[cfg.nbootstrap++] = *bootstrap;
    dt_identity(s, seed);
    return dt_start(s, &cfg);
}

/* B commits TXS creates, each waited for. */
static void commit_on_b(void)
{
    ec_client *c = NULL;
    char why[256];
    CHECK(ec_client_open(&c, &B.ep, 5000, why, sizeof why) == EC_OK);
    if (c == NULL) return;
    ec_keypair owner;
    uint8_t seed[EC_SEED_LEN] = {9};
    ec_sign_keypair(&owner, seed);
    ec_id who, none = {{0}};
    ec_sign_keyhash(&who, &owner.pub);
    for (int k = 0; k < TXS; k++) {
        ec_tx tx;
        ec_tx_init(&tx, 1700000000000ull + (uint64_t)k);
        memset(&tokens[k], 0, sizeof tokens[k]);
        tokens[k].b[0] = (uint8_t)(k * 6);
        tokens[k].b[1] = 0x5e;
        ec_tx_add_mapping(&tx, &tokens[k], &who, &none);
        ec_tx_sign(&tx, &owner);
        uint8_t buf[EC_TX_MAX_LEN], resp[128];
        size_t len, rlen;
        ec_tx_encode(&tx, buf, sizeof buf, &len);
        ec_blake3_hash(buf, len, txids[k].b);
        uint32_t req;
        int code = -99;
        CHECK(ec_client_call(c, EC_OP_SUBMIT, buf, len, &req, &code, resp, sizeof resp, &rlen, 5000) == EC_OK);
        CHECK(ec_client_wait(c, req, EC_OP_OUTCOME, &code, resp, sizeof resp, &rlen, 10000) == EC_OK);
        CHECK_EQ_INT(resp[0], EC_NODE_EV_COMMITTED);
    }
    ec_client_close(c);
}

/* How many of the TXS heads A's own store holds (0-hop questions). */
static int a_holds(ec_ask_result *r)
{
    int held = 0;
    for (int k = 0; k < TXS; k++)
        held += ec_ask(&A.ep, EC_QOP_HEAD, &tokens[k], 0, 1000, r) == EC_OK && r->status == EC_QST_FOUND &&
                memcmp(r->body, txids[k].b, 32) == 0;
    return held;
}

static void test_an_empty_node_syncs_from_a_running_one(void)
{
    commit_on_b();
    usleep(1500 * 1000); /* B cuts its last block */
    if (!start(&A, 32, 2, &B.ep)) {
        CHECK(false);
        return;
    }
    ec_ask_result *r = calloc(1, sizeof *r);
    if (r == NULL) return;
    int held = 0;
    uint64_t end = ec_sys_mono_ms() + 20000;
    while ((held = a_holds(r)) < TXS && ec_sys_mono_ms() < end) usleep(200 * 1000);
    printf("  A holds %d of %d heads\n", held, TXS);
    CHECK_EQ_INT(held, TXS);
    free(r);
}

int main(void)
{
    if (ec_crypto_init() != EC_OK) return 1;
    dt_signals();
    if (!start(&B, 31, 1, NULL)) return TEST_REPORT("sync_net");
    RUN(test_an_empty_node_syncs_from_a_running_one);
    dt_side *all[] = {&A, &B};
    dt_stop(all, 2);
    CASE_BEGIN();
    if (A.d) {
        const ec_node_stats *st = ec_node_stats_get(A.d->node);
        const ec_node_stats *sb = ec_node_stats_get(B.d->node);
        printf("  B: blocks %llu; A: rounds %llu headers %llu blocks %llu fetched %llu adopted %llu faults %llu\n",
               (unsigned long long)sb->blocks_cut, (unsigned long long)st->sync_rounds,
               (unsigned long long)st->sync_headers, (unsigned long long)st->sync_bodies,
               (unsigned long long)st->sync_txs_fetched, (unsigned long long)st->sync_adopted,
               (unsigned long long)st->sync_faults);
        /* 32 + 8 if the 40 commits fall in two block intervals; more when
         * they take longer (each waits for the commit hold): one body
         * fetched per block either way. */
        CHECK(sb->blocks_cut >= 2);
        CHECK_EQ_INT(st->sync_bodies, sb->blocks_cut);
        CHECK_EQ_INT(st->sync_adopted, TXS);
        CHECK_EQ_INT(st->sync_faults, 0);
    }
    CASE_END("sync_counted");
    dt_free(&A);
    dt_free(&B);
    return TEST_REPORT("sync_net");
}
