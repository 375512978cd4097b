/* The node's own commit chain (core/chain.c): a node alone (w = 1, so each
 * submission commits at once) on both store backends.
 *   - 70 commits: blocks of 32 and 32 at once, the last 6 cut when the
 *     interval passes; every id once, in commit order; every block signed
 *     by the node and linked, its jumps by the rule;
 *   - a restart (LMDB: the store reopened, a new node) with an open block:
 *     the chain continues at the next height, nothing lost or doubled;
 *   - a commit whose store write fails writes no chain entry either. */
#include <stdlib.h>
#include <string.h>

#include "core/node.h"
#include "crypto/blake3.h"
#include "flaky_store.h"
#include "ledger_util.h"
#include "store_util.h"
#include "test.h"

#define T0 1700000000000ull

static ec_node *make(ec_store *s, ec_rng *rng, const ec_keypair *key)
{
    ec_node_config cfg;
    ec_node_config_default(&cfg);
    cfg.w = 1;
    cfg.quorum = 1;
    cfg.vote_threshold = 1;
    cfg.catchup_agree = 1;
    cfg.block_interval_ms = 60000;
    ec_node_env env = {.addr = tu_id(0x40, 1), .store = s, .rng = rng, .key = key};
    ec_node *n = NULL;
    CHECK_EQ_INT(ec_node_new(&n, &cfg, &env), EC_OK);
    return n;
}

/* Submits a create of token (k, 7): it commits at once. Its id. */
static ec_id commit_one(ec_node *n, const ec_keypair *owner, unsigned k, uint64_t now)
{
    ec_id token = tu_id((uint8_t)k, 7);
    ec_tx tx = tu_tx1(&token, owner, NULL, owner, now);
    uint8_t buf[EC_TX_MAX_LEN];
    size_t len;
    ec_tx_encode(&tx, buf, sizeof buf, &len);
    ec_id id;
    ec_blake3_hash(buf, len, id.b);
    CHECK_EQ_INT(ec_node_submit(n, now, &tx), EC_OK);
    ec_node_tick(n, now);
    return id;
}

static ec_node *chain_node; /* for the lookup */

static ec_err look(void *arg, uint64_t height, ec_block_header *out)
{
    (void)arg;
    return ec_node_chain_block(chain_node, height, out, NULL);
}

/* Every block 1..tip: signed by key, linked, jumps by the rule; its ids
 * appended to ids (count in *n). The tip's height. */
static uint64_t walk(ec_node *n, const ec_pubkey *key, ec_id *ids, size_t *nids)
{
    ec_block_header tip, h, prev;
    ec_block_body b;
    chain_node = n;
    *nids = 0;
    if (ec_node_chain_tip(n, &tip) != EC_OK) return 0;
    for (uint64_t i = 1; i <= tip.height; i++) {
        CHECK_EQ_INT(ec_node_chain_block(n, i, &h, &b), EC_OK);
        CHECK_EQ_INT(ec_block_check_sig(&h, key), EC_BLOCK_OK);
        CHECK_EQ_INT(ec_block_check_body(&h, &b), EC_BLOCK_OK);
        if (i > 1) CHECK_EQ_INT(ec_block_check_link(&h, &prev), EC_BLOCK_OK);
        CHECK_EQ_INT(ec_block_check_jumps(&h, look, NULL), EC_BLOCK_OK);
        memcpy(ids + *nids, b.ids, b.count * sizeof b.ids[0]);
        *nids += b.count;
        prev = h;
    }
    ec_id th, hh;
    ec_block_hash(&tip, &th);
    ec_block_hash(&prev, &hh);
    CHECK(ec_id_cmp(&th, &hh) == 0); /* the tip record is the last block */
    return tip.height;
}

static void chain_cuts_at_32_and_by_time(ec_store *s)
{
    ec_rng rng;
    ec_rng_seed(&rng, 5);
    ec_keypair key, owner;
    tu_key(&key, 1);
    tu_key(&owner, 2);
    ec_node *n = make(s, &rng, &key);
    if (n == NULL) return;
    ec_id want[80], got[80];
    size_t ngot;
    uint64_t now = T0;
    for (unsigned k = 0; k < 70; k++, now += 100) want[k] = commit_one(n, &owner, k, now);
    CHECK_EQ_INT(ec_node_stats_get(n)->committed, 70);
    CHECK_EQ_INT(walk(n, &key.pub, got, &ngot), 2); /* 64 in two full blocks, 6 open */
    CHECK_EQ_INT(ngot, 64);
    CHECK(memcmp(got, want, 64 * sizeof want[0]) == 0);
    /* Not yet due: nothing cut; due (60 s after the open block's first). */
    ec_node_tick(n, T0 + 64 * 100 + 59000);
    CHECK_EQ_INT(ec_node_stats_get(n)->blocks_cut, 2);
    CHECK(ec_node_next_deadline(n) <= T0 + 64 * 100 + 60000);
    ec_node_tick(n, T0 + 64 * 100 + 60000);
    CHECK_EQ_INT(ec_node_stats_get(n)->blocks_cut, 3);
    CHECK_EQ_INT(walk(n, &key.pub, got, &ngot), 3);
    CHECK_EQ_INT(ngot, 70);
    CHECK(memcmp(got, want, 70 * sizeof want[0]) == 0);
    /* A mapping answer names our chain's tip and the block holding the head. */
    for (unsigned k = 0; k < 70; k += 23) {
        ec_msg q, a;
        memset(&q, 0, sizeof q);
        q.type = EC_MSG_GET_MAPPING;
        q.u.get_mapping.token = tu_id((uint8_t)k, 7);
        uint8_t buf[EC_MSG_MAX];
        size_t len;
        ec_msg_encode(&q, buf, sizeof buf, &len);
        ec_id asker = tu_id(0xf1, 9), to, th; /* far: the node stays responsible for its tokens */
        ec_node_recv(n, now, &asker, NULL, buf, len);
        int got = 0;
        while (ec_node_next_out(n, &to, NULL, buf, sizeof buf, &len) == EC_OK)
            if (ec_msg_decode(&a, buf, len) == EC_OK && a.type == EC_MSG_MAPPING) got++;
        CHECK_EQ_INT(got, 1);
        ec_block_header t3;
        CHECK_EQ_INT(ec_node_chain_tip(n, &t3), EC_OK);
        ec_block_hash(&t3, &th);
        CHECK(a.u.mapping.found && ec_id_cmp(&a.u.mapping.tx_id, &want[k]) == 0);
        CHECK_EQ_INT(a.u.mapping.chain_height, 3);
        CHECK(ec_id_cmp(&a.u.mapping.chain_hash, &th) == 0);
        CHECK_EQ_INT(a.u.mapping.block_height, k / 32 + 1);
    }
    /* Later blocks reach back: a block 2 days on has 1 min, 1 h and 1 day jumps. */
    now = T0 + 2 * 86400000ull;
    for (unsigned k = 70; k < 72; k++, now += 100) want[k] = commit_one(n, &owner, k, now);
    ec_node_tick(n, now + 60000);
    ec_block_header tip;
    CHECK_EQ_INT(ec_node_chain_tip(n, &tip), EC_OK);
    CHECK_EQ_INT(tip.height, 4);
    CHECK_EQ_INT(tip.jumps, 0x07);
    CHECK_EQ_INT(walk(n, &key.pub, got, &ngot), 4);
    CHECK_EQ_INT(ngot, 72);
    ec_node_free(n);
}

static void chain_survives_a_restart(ec_store *s)
{
    ec_rng rng;
    ec_rng_seed(&rng, 6);
    ec_keypair key, owner;
    tu_key(&key, 3);
    tu_key(&owner, 4);
    ec_node *n = make(s, &rng, &key);
    if (n == NULL) return;
    ec_id want[80], got[80];
    size_t ngot;
    uint64_t now = T0;
    for (unsigned k = 0; k < 40; k++, now += 10) want[k] = commit_one(n, &owner, k, now);
    ec_node_free(n); /* 8 ids in the open block, on disk */
    ec_store *s2 = ts_reopen(s); /* LMDB: from disk */
    CHECK(s2 != NULL);
    if (s2 == NULL) return;
    n = make(s2, &rng, &key);
    if (n == NULL) return;
    CHECK_EQ_INT(ec_node_next_deadline(n), T0 + 32 * 10 + 60000); /* the open block is due as before */
    for (unsigned k = 40; k < 70; k++, now += 10) want[k] = commit_one(n, &owner, k, now);
    ec_node_tick(n, now + 60000);
    CHECK_EQ_INT(walk(n, &key.pub, got, &ngot), 3);
    CHECK_EQ_INT(ngot, 70);
    CHECK(memcmp(got, want, 70 * sizeof want[0]) == 0); /* no gap, no duplicate */
    ec_node_free(n);
}

/* A commit the store refuses leaves no chain entry (and is retried). */
static void test_failed_commit_writes_no_chain(void)
{
    ec_store *inner;
    CHECK_EQ_INT(ec_store_mem_open(&inner), EC_OK);
    flaky f = {{&fl_vt, &f}, inner, false, 0};
    ec_rng rng;
    ec_rng_seed(&rng, 7);
    ec_keypair key, owner;
    tu_key(&key, 5);
    tu_key(&owner, 6);
    ec_node *n = make(&f.store, &rng, &key);
    if (n == NULL) return;
    for (unsigned k = 0; k < 31; k++) commit_one(n, &owner, k, T0 + k);
    f.fail_commit = true;
    commit_one(n, &owner, 31, T0 + 40); /* the 32nd would cut a block */
    CHECK_EQ_INT(ec_node_stats_get(n)->committed, 31);
    CHECK_EQ_INT(ec_node_stats_get(n)->blocks_cut, 0);
    ec_block_header tip;
    CHECK_EQ_INT(ec_node_chain_tip(n, &tip), EC_ERR_NOTFOUND);
    f.fail_commit = false;
    for (uint64_t t = T0 + 100; t < T0 + 20000; t += 100) ec_node_tick(n, t); /* the re-send commits it */
    CHECK_EQ_INT(ec_node_stats_get(n)->committed, 32);
    CHECK_EQ_INT(ec_node_stats_get(n)->blocks_cut, 1);
    CHECK_EQ_INT(ec_node_chain_tip(n, &tip), EC_OK);
    CHECK_EQ_INT(tip.count, 32);
    ec_node_free(n);
    ec_store_close(inner);
}

int main(void)
{
    if (ec_crypto_init() != EC_OK) return 1;
    RUN_BOTH(chain_cuts_at_32_and_by_time);
    RUN_BOTH(chain_survives_a_restart);
    RUN(test_failed_commit_writes_no_chain);
    return TEST_REPORT("chain");
}
