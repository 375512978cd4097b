/* Chain sync (core/sync.c) between real nodes on a hand-driven network:
 * node A (w = 4, 8 more peers it never asks) syncs from S1 and S2, two
 * nodes that committed transactions alone (w = 1) and so hold commit
 * chains. A router delivers every queued message at once and can tamper
 * with them on the way.
 *   - honest: the transactions both chains hold are adopted (those of A's
 *     tokens), the ones only S1 holds are not (unconfirmed), tokens A is
 *     not responsible for are left alone; A's own chain holds what it
 *     adopted, and a second round fetches nothing again;
 *   - a forged header signature, a body that is not its header's, a source
 *     whose chain no longer holds A's locator (two blocks it signed at one
 *     height: kept as evidence): each refused and counted, nothing adopted
 *     from them alone;
 *   - a restart of A (LMDB) resumes from its locators: only new blocks. */
#include <stdlib.h>
#include <string.h>

#include "core/node.h"
#include "crypto/blake3.h"
#include "ledger_util.h"
#include "store_util.h"
#include "test.h"

#define T0 1700000000000ull
#define NSRC 2

typedef struct peer {
    ec_node *node;
    ec_store *store;
    ec_keypair key;
    ec_id addr;
    ec_rng rng;
} peer;

static peer A, S[NSRC];
static ec_keypair client;
/* Tampering: 0 none, 1 flip a byte of S2's tip header, 2 flip a byte of
 * S2's bodies. */
static int tamper;

static ec_id addr_of(uint8_t a, uint8_t b)
{
    ec_id id;
    memset(&id, 0, sizeof id);
    id.b[0] = a;
    id.b[1] = b;
    id.b[31] = 0x5a;
    return id;
}

static ec_node_id_answer ident(void *arg, const ec_id *addr, const ec_pubkey *key)
{
    (void)arg;
    for (int i = 0; i < NSRC; i++)
        if (ec_id_cmp(addr, &S[i].addr) == 0)
            return memcmp(key->b, S[i].key.pub.b, sizeof key->b) == 0 ? EC_NODE_ID_YES : EC_NODE_ID_NO;
    return EC_NODE_ID_NO;
}

/* A (w = 4) or a source: w = 16 and a quorum of its own vote
 * (unsafe_quorum), so it commits whatever it is given alone, whoever it
 * has heard of. */
static bool polling; /* A syncs by polling (the baseline) */

static ec_node *make(peer *p, unsigned w, uint8_t seed)
{
    ec_node_config cfg;
    ec_node_config_default(&cfg);
    cfg.w = w;
    cfg.quorum = w / 2 + 1;
    if (w > 4) {
        cfg.quorum = 1;
        cfg.unsafe_quorum = true;
    }
    cfg.vote_threshold = 1;
    cfg.catchup_agree = 1;
    cfg.block_interval_ms = 1000;
    cfg.sync_sources = NSRC;
    cfg.sync_agree = 2;
    cfg.sync_polling = polling && w <= 4;
    cfg.sync_check_single = w <= 4;
    tu_key(&p->key, seed);
    ec_rng_seed(&p->rng, seed);
    ec_node_env env = {.addr = p->addr, .store = p->store, .rng = &p->rng, .key = &p->key,
                       .identity = ident};
    ec_node *n = NULL;
    CHECK_EQ_INT(ec_node_new(&n, &cfg, &env), EC_OK);
    return n;
}

static peer *by_addr(const ec_id *a)
{
    if (ec_id_cmp(a, &A.addr) == 0) return &A;
    for (int i = 0; i < NSRC; i++)
        if (ec_id_cmp(a, &S[i].addr) == 0) return &S[i];
    return NULL;
}

/* What the router lets through: sync's questions and answers, and plain
 * transactions (a GET_TX answer: no hops, route or members). The rest (a
 * source's requests for votes, votes) is dropped: the sources commit
 * alone and A learns only by sync. */
static bool passes(const uint8_t *buf, size_t len)
{
    switch (buf[0]) {
    case EC_MSG_GET_CHAIN: case EC_MSG_CHAIN: case EC_MSG_GET_BODY: case EC_MSG_BODY: case EC_MSG_GET_TX:
    case EC_MSG_GET_RANGE: case EC_MSG_RANGE: case EC_MSG_GET_MAPPING: case EC_MSG_MAPPING: return true;
    case EC_MSG_TX: return len > 4 && buf[1] == 0 && buf[2] == 0 && buf[3] == 0;
    default: return false;
    }
}

/* Delivers until nobody has anything to send (messages to the 8 fillers
 * are lost). */
static void route(uint64_t now)
{
    for (int round = 0; round < 100000; round++) {
        bool any = false;
        peer *all[1 + NSRC] = {&A, &S[0], &S[1]};
        for (int i = 0; i < 1 + NSRC; i++) {
            ec_id to;
            uint8_t buf[EC_MSG_MAX];
            size_t len;
            if (all[i]->node == NULL) continue;
            while (ec_node_next_out(all[i]->node, &to, NULL, buf, sizeof buf, &len) == EC_OK) {
                any = true;
                peer *dst = by_addr(&to);
                if (dst == NULL || dst->node == NULL || !passes(buf, len)) continue;
                if (tamper == 1 && all[i] == &S[1] && buf[0] == EC_MSG_CHAIN && len > 100) buf[len - 70] ^= 1;
                if (tamper == 2 && all[i] == &S[1] && buf[0] == EC_MSG_BODY && len > 20) buf[len - 1] ^= 1;
                ec_node_recv(dst->node, now, &all[i]->addr, NULL, buf, len);
            }
        }
        if (!any) return;
    }
}

/* Runs the network's timers for `ms` in 100 ms steps. */
static void run(uint64_t *now, uint64_t ms)
{
    for (uint64_t end = *now + ms; *now < end; *now += 100) {
        if (A.node) ec_node_tick(A.node, *now);
        for (int i = 0; i < NSRC; i++) ec_node_tick(S[i].node, *now);
        route(*now);
    }
}

/* A create of a token near `near` (k-th), signed by the client: committed
 * by the sources listed (bit i: S[i]). Its id. */
static ec_id commit_at(const ec_id *near, unsigned k, unsigned mask, uint64_t now)
{
    ec_id token = *near;
    token.b[2] = (uint8_t)k;
    token.b[3] = (uint8_t)(k >> 8);
    token.b[30] = 0x77;
    ec_tx tx = tu_tx1(&token, &client, NULL, &client, now);
    uint8_t buf[EC_TX_MAX_LEN];
    size_t len;
    ec_tx_encode(&tx, buf, sizeof buf, &len);
    ec_id id;
    ec_blake3_hash(buf, len, id.b);
    for (int i = 0; i < NSRC; i++)
        if (mask >> i & 1) CHECK_EQ_INT(ec_node_submit(S[i].node, now, &tx), EC_OK);
    return id;
}

static void setup(ec_store *astore)
{
    A.addr = addr_of(0x40, 0);
    S[0].addr = addr_of(0x40, 1);
    S[1].addr = addr_of(0x40, 2);
    A.store = astore;
    for (int i = 0; i < NSRC; i++) CHECK_EQ_INT(ec_store_mem_open(&S[i].store), EC_OK);
    for (int i = 0; i < NSRC; i++) S[i].node = make(&S[i], 16, (uint8_t)(10 + i));
    A.node = make(&A, 4, 9);
    tu_key(&client, 3);
    /* A knows its sources and 8 others spread over the space. */
    for (int i = 0; i < NSRC; i++) CHECK_EQ_INT(ec_node_add_peer(A.node, &S[i].addr, NULL), EC_OK);
    for (int f = 0; f < 8; f++) {
        ec_id filler = addr_of((uint8_t)(0x10 + 0x20 * f), 9);
        ec_node_add_peer(A.node, &filler, NULL);
    }
}

static void teardown(void)
{
    ec_node_free(A.node);
    A.node = NULL;
    for (int i = 0; i < NSRC; i++) {
        ec_node_free(S[i].node);
        ec_store_close(S[i].store);
    }
}

static bool a_holds(const ec_id *near, unsigned k, const ec_id *tx)
{
    ec_id token = *near;
    token.b[2] = (uint8_t)k;
    token.b[3] = (uint8_t)(k >> 8);
    token.b[30] = 0x77;
    ec_head h;
    return ec_store_get_head(A.store, &token, &h) == EC_OK && ec_id_cmp(&h.tx_id, tx) == 0;
}

/* A's sync reports (EC_NODE_EV_SYNC_REPORT) of kind `what` about `src`
 * since the last call (other events are dropped). */
static unsigned reports[EC_SYNC_REPORT_MISSING + 1][NSRC];
static void take_reports(void)
{
    ec_node_event ev;
    while (ec_node_next_event(A.node, &ev) == EC_OK) {
        if (ev.type != EC_NODE_EV_SYNC_REPORT || ev.mapping < 1 || ev.mapping > EC_SYNC_REPORT_MISSING) continue;
        for (int i = 0; i < NSRC; i++)
            if (ec_id_cmp(&ev.from, &S[i].addr) == 0) reports[ev.mapping][i]++;
    }
}

static void sync_adopts_what_two_chains_hold(ec_store *astore)
{
    setup(astore);
    uint64_t now = T0;
    ec_id mine = A.addr, far = addr_of(0xf0, 0);
    ec_id both[40], only1[3], other[5];
    for (unsigned k = 0; k < 40; k++) both[k] = commit_at(&mine, k, 3, now + k);
    for (unsigned k = 0; k < 3; k++) only1[k] = commit_at(&mine, 100 + k, 1, now + 50 + k);
    for (unsigned k = 0; k < 5; k++) other[k] = commit_at(&far, k, 3, now + 60 + k);
    run(&now, 2000); /* the sources cut their blocks */
    ec_block_header tip;
    CHECK_EQ_INT(ec_node_chain_tip(S[0].node, &tip), EC_OK);
    CHECK_EQ_INT(tip.height, 2); /* 48 commits: 32 + 16 */
    CHECK_EQ_INT(ec_node_sync_start(A.node, now), EC_OK);
    run(&now, 5000);
    const ec_node_stats *st = ec_node_stats_get(A.node);
    unsigned held = 0, held1 = 0, heldfar = 0;
    for (unsigned k = 0; k < 40; k++) held += a_holds(&mine, k, &both[k]);
    for (unsigned k = 0; k < 3; k++) held1 += a_holds(&mine, 100 + k, &only1[k]);
    for (unsigned k = 0; k < 5; k++) heldfar += a_holds(&far, k, &other[k]);
    printf("  adopted %llu, not ours %llu, unconfirmed %llu, headers %llu, bodies %llu, fetched %llu\n",
           (unsigned long long)st->sync_adopted, (unsigned long long)st->sync_not_ours,
           (unsigned long long)st->sync_unconfirmed, (unsigned long long)st->sync_headers,
           (unsigned long long)st->sync_bodies, (unsigned long long)st->sync_txs_fetched);
    CHECK_EQ_INT(held, 40);
    CHECK_EQ_INT(held1, 0);   /* one chain's word is not enough */
    CHECK_EQ_INT(heldfar, 0); /* not A's tokens */
    CHECK_EQ_INT(st->sync_adopted, 40);
    CHECK_EQ_INT(st->sync_not_ours, 0);
    CHECK_EQ_INT(st->sync_skipped, 10); /* the 5 far ones, marked "not near A" by both sources */
    CHECK_EQ_INT(st->sync_unconfirmed, 0); /* S1's 3 wait for a second chain */
    CHECK_EQ_INT(st->sync_headers, 4);
    CHECK_EQ_INT(st->sync_faults + st->sync_forks + st->sync_invalid, 0);
    CHECK(st->sync_rounds >= 1);
    /* A's own chain now holds what it adopted. */
    run(&now, 2000);
    CHECK_EQ_INT(ec_node_chain_tip(A.node, &tip), EC_OK);
    CHECK_EQ_INT(tip.height, 2);
    /* The next round: the locators match, nothing is fetched again. */
    uint64_t fetched = st->sync_txs_fetched, headers = st->sync_headers;
    run(&now, 61000);
    CHECK(st->sync_rounds >= 2);
    CHECK_EQ_INT(st->sync_txs_fetched, fetched);
    CHECK_EQ_INT(st->sync_headers, headers);
    /* S1 and S2 commit 10 more: only their new blocks come over, and as
     * soon as a mapping answer from S1 shows its longer chain (a nudge),
     * not at the next round's time. */
    for (unsigned k = 0; k < 10; k++) commit_at(&mine, 200 + k, 3, now + k);
    run(&now, 20000);
    CHECK_EQ_INT(st->sync_adopted, 40);
    {
        ec_block_header t1;
        CHECK_EQ_INT(ec_node_chain_tip(S[0].node, &t1), EC_OK);
        ec_msg mm;
        memset(&mm, 0, sizeof mm);
        mm.type = EC_MSG_MAPPING;
        mm.u.mapping.token = addr_of(0x40, 0x33); /* "unknown", with S1's chain */
        mm.u.mapping.chain_height = t1.height;
        ec_block_hash(&t1, &mm.u.mapping.chain_hash);
        uint8_t buf[EC_MSG_MAX];
        size_t len;
        CHECK_EQ_INT(ec_msg_encode(&mm, buf, sizeof buf, &len), EC_OK);
        ec_node_recv(A.node, now, &S[0].addr, NULL, buf, len);
        /* The same from a peer that is not a source: no round. */
        ec_id stranger = addr_of(0x90, 9);
        ec_node_recv(A.node, now, &stranger, NULL, buf, len);
    }
    run(&now, 3000);
    CHECK_EQ_INT(st->sync_nudged, 1);
    CHECK_EQ_INT(st->sync_adopted, 50);
    CHECK_EQ_INT(st->sync_headers, headers + 2); /* one new block per source */
    /* S1's 3 never reach S2's chain: after 2 rounds they are fetched on
     * its word alone and their tokens caught up from their neighborhood
     * (S1 says its head, S2 "no such token"), which adopts a head only
     * when catchup_agree co-members name it. */
    run(&now, 10 * 61000);
    CHECK_EQ_INT(st->sync_single_fetched, 3);
    CHECK_EQ_INT(st->sync_single_catchups, 3);
    CHECK_EQ_INT(st->sync_unconfirmed, 0);
    held1 = 0;
    for (unsigned k = 0; k < 3; k++) held1 += a_holds(&mine, 100 + k, &only1[k]);
    CHECK_EQ_INT(held1, 3); /* catchup_agree is 1 in this test: one co-member's word is enough */
    /* A restarts (its store kept): the locators are in the store. */
    ec_node_free(A.node);
    A.store = ts_reopen(A.store); /* LMDB: from disk */
    CHECK(A.store != NULL);
    if (A.store == NULL) return;
    A.node = make(&A, 4, 9);
    for (int i = 0; i < NSRC; i++) ec_node_add_peer(A.node, &S[i].addr, NULL);
    CHECK_EQ_INT(ec_node_sync_start(A.node, now), EC_OK);
    run(&now, 5000);
    st = ec_node_stats_get(A.node);
    CHECK_EQ_INT(st->sync_headers, 0);
    CHECK_EQ_INT(st->sync_txs_fetched, 0);
    CHECK(st->sync_rounds >= 1);
    teardown();
    (void)astore;
}

static void test_lying_sources_are_refused(void)
{
    ec_store *as;
    CHECK_EQ_INT(ec_store_mem_open(&as), EC_OK);
    setup(as);
    uint64_t now = T0;
    ec_id mine = A.addr, ids[8];
    for (unsigned k = 0; k < 8; k++) ids[k] = commit_at(&mine, k, 3, now + k);
    run(&now, 2000);
    /* S2's tip header altered on the way: its signature fails. */
    tamper = 1;
    CHECK_EQ_INT(ec_node_sync_start(A.node, now), EC_OK);
    run(&now, 5000);
    const ec_node_stats *st = ec_node_stats_get(A.node);
    CHECK_EQ_INT(st->sync_faults, 1);
    CHECK_EQ_INT(st->sync_adopted, 0); /* S1's word alone adopts nothing */
    CHECK(st->sync_sources_dropped >= 1);
    memset(reports, 0, sizeof reports);
    take_reports();
    CHECK_EQ_INT(reports[EC_SYNC_REPORT_FAULT][1], 1); /* S2, by name */
    CHECK_EQ_INT(reports[EC_SYNC_REPORT_FAULT][0], 0);
    /* S2's bodies altered: not its headers' roots. (S1's ids wait.) */
    tamper = 2;
    run(&now, 61000);
    CHECK_EQ_INT(st->sync_faults, 2);
    CHECK_EQ_INT(st->sync_adopted, 0);
    /* Honest again: S2's chain confirms what S1's held two rounds ago. */
    tamper = 0;
    run(&now, 61000);
    CHECK_EQ_INT(st->sync_adopted, 8);
    unsigned held = 0;
    for (unsigned k = 0; k < 8; k++) held += a_holds(&mine, k, &ids[k]);
    CHECK_EQ_INT(held, 8);
    /* S1 loses its chain (a new store) and builds another: A's locator
     * for it is no longer in it (a fork, counted; the locator dropped). */
    ec_node_free(S[0].node);
    ec_store_close(S[0].store);
    CHECK_EQ_INT(ec_store_mem_open(&S[0].store), EC_OK);
    S[0].node = make(&S[0], 16, 10);
    for (unsigned k = 0; k < 40; k++) commit_at(&mine, 300 + k, 1, now + k);
    run(&now, 2000);
    run(&now, 61000);
    CHECK_EQ_INT(st->sync_forks, 1);
    CHECK_EQ_INT(st->sync_adopted, 8); /* its new commits are one chain's word */
    /* Two blocks S1 signed at height 1: kept, both, as evidence. */
    CHECK_EQ_INT(st->sync_equivocations, 1);
    ec_block_header ea, eb;
    CHECK_EQ_INT(ec_node_sync_evidence(A.node, &S[0].addr, 1, &ea, &eb), EC_OK);
    CHECK(ec_block_equivocation(&ea, &eb));
    CHECK_EQ_INT(ec_block_check_sig(&ea, &S[0].key.pub), EC_BLOCK_OK);
    CHECK_EQ_INT(ec_block_check_sig(&eb, &S[0].key.pub), EC_BLOCK_OK);
    CHECK_EQ_INT(ec_node_sync_evidence(A.node, &S[1].addr, 1, &ea, &eb), EC_ERR_NOTFOUND);
    take_reports();
    CHECK_EQ_INT(reports[EC_SYNC_REPORT_FAULT][1], 2);
    CHECK_EQ_INT(reports[EC_SYNC_REPORT_FORK][0], 1);
    CHECK_EQ_INT(reports[EC_SYNC_REPORT_EQUIVOCATION][0], 1);
    CHECK_EQ_INT(reports[EC_SYNC_REPORT_EQUIVOCATION][1] + reports[EC_SYNC_REPORT_FORK][1], 0);
    CHECK_EQ_INT(st->sync_reports, 4);
    teardown();
    ec_store_close(as);
}

/* A transaction A holds only as another token's history (a catch-up
 * stores what it walks back through, bytes only) while a token of A's in
 * it is behind: chain sync adopts it from the store, not fetched, once two
 * chains hold it. Without that, a held id is never offered and the token
 * stays behind for good (what the lying-source scenario showed). */
static void test_a_held_transaction_whose_token_is_behind_is_adopted(void)
{
    ec_store *as;
    CHECK_EQ_INT(ec_store_mem_open(&as), EC_OK);
    setup(as);
    uint64_t now = T0;
    ec_id tok = A.addr;
    tok.b[2] = 0x55;
    tok.b[30] = 0x77;
    ec_tx t1 = tu_tx1(&tok, &client, NULL, &client, now);
    uint8_t b1[EC_TX_MAX_LEN], b2[EC_TX_MAX_LEN];
    size_t l1, l2;
    ec_tx_encode(&t1, b1, sizeof b1, &l1);
    ec_id id1, id2;
    ec_blake3_hash(b1, l1, id1.b);
    ec_tx t2 = tu_tx1(&tok, &client, &id1, &client, now + 10);
    ec_tx_encode(&t2, b2, sizeof b2, &l2);
    ec_blake3_hash(b2, l2, id2.b);
    for (int i = 0; i < NSRC; i++) CHECK_EQ_INT(ec_node_submit(S[i].node, now, &t1), EC_OK);
    run(&now, 500);
    for (int i = 0; i < NSRC; i++) CHECK_EQ_INT(ec_node_submit(S[i].node, now, &t2), EC_OK);
    run(&now, 2000);
    /* A holds t2's bytes (as a catch-up's walk would leave them), no head. */
    CHECK_EQ_INT(ec_store_begin(A.store), EC_OK);
    CHECK_EQ_INT(ec_store_put_tx(A.store, &id2, b2, l2), EC_OK);
    CHECK_EQ_INT(ec_store_commit(A.store), EC_OK);
    CHECK_EQ_INT(ec_node_sync_start(A.node, now), EC_OK);
    run(&now, 5000);
    const ec_node_stats *st = ec_node_stats_get(A.node);
    ec_head h;
    CHECK_EQ_INT(ec_store_get_head(A.store, &tok, &h), EC_OK);
    printf("  adopted %llu, local %llu, fetched %llu, skipped %llu, not ours %llu, history %llu, bodies %llu\n",
           (unsigned long long)st->sync_adopted, (unsigned long long)st->sync_local,
           (unsigned long long)st->sync_txs_fetched, (unsigned long long)st->sync_skipped,
           (unsigned long long)st->sync_not_ours, (unsigned long long)st->sync_history, (unsigned long long)st->sync_bodies);
    CHECK(ec_id_cmp(&h.tx_id, &id2) == 0);
    CHECK_EQ_INT(st->sync_local, 1);
    CHECK_EQ_INT(st->sync_txs_fetched, 1); /* t1 only */
    CHECK_EQ_INT(st->sync_adopted, 2);
    /* Both are in A's own chain, once each. */
    run(&now, 2000);
    ec_block_header tip;
    CHECK_EQ_INT(ec_node_chain_tip(A.node, &tip), EC_OK);
    CHECK_EQ_INT(tip.count, 2);
    teardown();
    ec_store_close(as);
}

/* The baseline: A pages through its sources' heads and catches up every
 * token of its own whose head differs (the catch-up's agreement: 1 here). */
static void test_polling_catches_up_the_heads(void)
{
    ec_store *as;
    CHECK_EQ_INT(ec_store_mem_open(&as), EC_OK);
    polling = true;
    setup(as);
    uint64_t now = T0;
    ec_id mine = A.addr, far = addr_of(0xf0, 0), ids[40];
    for (unsigned k = 0; k < 40; k++) ids[k] = commit_at(&mine, k, 3, now + k);
    for (unsigned k = 0; k < 5; k++) commit_at(&far, k, 3, now + 60 + k);
    run(&now, 2000);
    CHECK_EQ_INT(ec_node_sync_start(A.node, now), EC_OK);
    run(&now, 5000);
    const ec_node_stats *st = ec_node_stats_get(A.node);
    unsigned held = 0;
    for (unsigned k = 0; k < 40; k++) held += a_holds(&mine, k, &ids[k]);
    printf("  ranges %llu, behind %llu, caught up %llu\n", (unsigned long long)st->sync_ranges,
           (unsigned long long)st->sync_polled_behind, (unsigned long long)st->caught_up);
    CHECK_EQ_INT(held, 40);
    CHECK(st->sync_ranges >= 2 * 3);      /* 45 heads per source: 3 pages each */
    CHECK_EQ_INT(st->sync_headers, 0);    /* no chain walked */
    /* The next round asks every page again (no locator): the baseline's cost. */
    uint64_t ranges = st->sync_ranges;
    run(&now, 61000);
    CHECK_EQ_INT(st->sync_ranges, 2 * ranges);
    polling = false;
    teardown();
    ec_store_close(as);
}

/* A bulk import (ec_node_adopt): checked like a sync adoption. */
static void test_adopt_checks_what_it_imports(void)
{
    ec_store *as;
    CHECK_EQ_INT(ec_store_mem_open(&as), EC_OK);
    setup(as);
    ec_id mine = A.addr, far = addr_of(0xf0, 0), tok = mine, ftok = far, none = {{0}};
    tok.b[30] = 0x11;
    ftok.b[30] = 0x11;
    uint8_t buf[EC_TX_MAX_LEN];
    size_t len;
    ec_tx tx = tu_tx1(&tok, &client, NULL, &client, T0);
    ec_tx_encode(&tx, buf, sizeof buf, &len);
    CHECK_EQ_INT(ec_node_adopt(A.node, T0, buf, len, 0), EC_OK);
    ec_head h;
    CHECK_EQ_INT(ec_store_get_head(A.store, &tok, &h), EC_OK);
    CHECK_EQ_INT(ec_node_adopt(A.node, T0, buf, len, 0), EC_ERR_NOTFOUND); /* its head is past it now */
    tx = tu_tx1(&ftok, &client, NULL, &client, T0);
    ec_tx_encode(&tx, buf, sizeof buf, &len);
    CHECK_EQ_INT(ec_node_adopt(A.node, T0, buf, len, 0), EC_ERR_NOTFOUND); /* not A's token */
    ec_id unknown = addr_of(0x66, 6);
    tok.b[29] = 0x22;
    tx = tu_tx1(&tok, &client, &unknown, &client, T0 + 1);
    ec_tx_encode(&tx, buf, sizeof buf, &len);
    CHECK_EQ_INT(ec_node_adopt(A.node, T0, buf, len, 0), EC_ERR_MISMATCH); /* history missing */
    tx = tu_tx1(&tok, &client, NULL, &client, T0 + 2);
    ec_tx_encode(&tx, buf, sizeof buf, &len);
    buf[len - 1] ^= 1; /* its signature */
    CHECK_EQ_INT(ec_node_adopt(A.node, T0, buf, len, 0), EC_ERR_MALFORMED);
    CHECK_EQ_INT(ec_node_adopt(A.node, T0, buf, len, 2), EC_ERR_ARG); /* an unknown flag */
    /* EC_ADOPT_SIGNED: the driver checked the signatures (here it did not:
     * the flag is taken at its word), the ledger rules are still checked. */
    tx = tu_tx1(&tok, &client, &unknown, &client, T0 + 3);
    ec_tx_encode(&tx, buf, sizeof buf, &len);
    buf[len - 1] ^= 1;
    CHECK_EQ_INT(ec_node_adopt(A.node, T0, buf, len, EC_ADOPT_SIGNED), EC_ERR_MISMATCH);
    tx = tu_tx1(&tok, &client, NULL, &client, T0 + 4);
    ec_tx_encode(&tx, buf, sizeof buf, &len);
    buf[len - 1] ^= 1;
    CHECK_EQ_INT(ec_node_adopt(A.node, T0, buf, len, EC_ADOPT_SIGNED), EC_OK);
    CHECK_EQ_INT(ec_node_adopt(A.node, T0, buf, 0, 0), EC_ERR_ARG);
    (void)none;
    teardown();
    ec_store_close(as);
}

int main(void)
{
    if (ec_crypto_init() != EC_OK) return 1;
    RUN_BOTH(sync_adopts_what_two_chains_hold);
    RUN(test_lying_sources_are_refused);
    RUN(test_a_held_transaction_whose_token_is_behind_is_adopted);
    RUN(test_polling_catches_up_the_heads);
    RUN(test_adopt_checks_what_it_imports);
    return TEST_REPORT("sync");
}
