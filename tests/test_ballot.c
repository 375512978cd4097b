/* A member's own vote (src/core/ballot.c): it survives restarts, it is
 * durable before it leaves, its record goes when the head moves on, and it
 * is the ledger's verdict: a table of every rule fed to the ledger and to
 * a member, which must agree. */
#include <stdlib.h>
#include <string.h>

#include "node_util.h"
#include "store_util.h"

static ec_keypair alice, bob, carol;

#include "flaky_store.h"

/* ---- helpers ---- */

/* Our vote on the (one-mapping) transaction tx, sent by peer[0]. */
static int vote_on(solo *s, uint64_t now, const ec_tx *tx)
{
    ec_msg v;
    memset(&v, 0, sizeof v);
    v.u.vote.v.values[0] = 99;
    send_tx(s, now, &s->peer[0], tx);
    if (drain(s, EC_MSG_VOTE, &v, NULL) == 0) return 99;
    return v.u.vote.v.values[0];
}

/* ---- restarts ---- */

/* Votes +1 on x, "crashes" (the node and, for LMDB, the store are closed
 * and opened again), then is shown y, which spends the same head. */
static void a_restarted_member_never_votes_for_the_conflicting_twin(ec_store *st)
{
    ec_id token = tu_id(0x42, 1), hid;
    solo s;
    solo_open(&s, &token);
    ec_node_free(s.node);
    ec_tx h = tu_tx1(&token, &alice, NULL, &alice, 1000);
    CHECK_EQ_INT(tu_apply(st, &h, 1000, &hid), EC_RULE_OK);
    ec_tx x = tu_tx1(&token, &bob, &hid, &alice, 2000);
    ec_tx y = tu_tx1(&token, &carol, &hid, &alice, 2000);
    s.node = solo_node(&s, NULL, st);
    CHECK_EQ_INT(vote_on(&s, 3000, &x), EC_MSG_VOTE_VALID);
    ec_store_counts c;
    CHECK_EQ_INT(ec_store_counts_get(st, &c), EC_OK);
    CHECK_EQ_INT(c.votes, 1);
    ec_node_free(s.node); /* the crash: every in-memory table is gone */
    s.node = solo_node(&s, NULL, st);
    CHECK_EQ_INT(vote_on(&s, 4000, &y), EC_MSG_VOTE_INVALID);
    CHECK_EQ_INT(vote_on(&s, 4000, &x), EC_MSG_VOTE_VALID); /* and still +1 on x */
    ec_node_free(s.node);
    s.node = NULL;
    ec_store_close(s.store);
}

static void test_restart_keeps_votes_memory_store(void)
{
    ec_store *st;
    CHECK_EQ_INT(ec_store_mem_open(&st), EC_OK);
    a_restarted_member_never_votes_for_the_conflicting_twin(st);
    ec_store_close(st);
}

static void test_restart_keeps_votes_lmdb_reopened(void)
{
    /* The LMDB store is closed and opened again between the two votes:
     * what the member knows after the restart is what was on disk. */
    ec_id token = tu_id(0x42, 2), hid;
    solo s;
    solo_open(&s, &token);
    ec_node_free(s.node);
    ec_store *st = ts_open(TS_LMDB);
    CHECK(st != NULL);
    if (st == NULL) return;
    ec_tx h = tu_tx1(&token, &alice, NULL, &alice, 1000);
    CHECK_EQ_INT(tu_apply(st, &h, 1000, &hid), EC_RULE_OK);
    ec_tx x = tu_tx1(&token, &bob, &hid, &alice, 2000);
    ec_tx y = tu_tx1(&token, &carol, &hid, &alice, 2000);
    s.node = solo_node(&s, NULL, st);
    CHECK_EQ_INT(vote_on(&s, 3000, &x), EC_MSG_VOTE_VALID);
    ec_node_free(s.node);
    ec_store_close(st);
    CHECK_EQ_INT(ec_store_lmdb_open(&st, ts_dir, 64u << 20), EC_OK);
    s.node = solo_node(&s, NULL, st);
    CHECK_EQ_INT(vote_on(&s, 4000, &y), EC_MSG_VOTE_INVALID);
    ec_node_free(s.node);
    s.node = NULL;
    ts_close(st, TS_LMDB);
    ec_store_close(s.store);
}

static void test_a_positive_vote_is_durable_before_it_leaves(void)
{
    ec_id token = tu_id(0x42, 3), hid;
    solo s;
    solo_open(&s, &token);
    ec_node_free(s.node);
    flaky f = {{&fl_vt, &f}, s.store, false, 0};
    ec_tx h = tu_tx1(&token, &alice, NULL, &alice, 1000);
    CHECK_EQ_INT(tu_apply(s.store, &h, 1000, &hid), EC_RULE_OK);
    ec_tx x = tu_tx1(&token, &bob, &hid, &alice, 2000);
    s.node = solo_node(&s, NULL, &f.store);
    f.fail_commit = true;
    /* The record cannot be committed: no +1 leaves (we abstain). */
    CHECK_EQ_INT(vote_on(&s, 3000, &x), EC_MSG_VOTE_OUT_OF_ORDER);
    CHECK(ec_node_stats_get(s.node)->store_errors > 0);
    ec_id got;
    CHECK_EQ_INT(ec_store_get_vote(s.store, &token, &hid, &got), EC_ERR_NOTFOUND);
    CHECK_EQ_INT(ec_node_stats_get(s.node)->catchups_started, 0); /* not a history gap */
    /* The store recovers: the re-send casts the +1, recorded first. */
    f.fail_commit = false;
    ec_node_tick(s.node, 3000 + 1000);
    ec_msg v;
    memset(&v, 0, sizeof v);
    CHECK(drain(&s, EC_MSG_VOTE, &v, NULL) > 0);
    CHECK_EQ_INT(v.u.vote.v.values[0], EC_MSG_VOTE_VALID);
    CHECK_EQ_INT(ec_store_get_vote(s.store, &token, &hid, &got), EC_OK);
    CHECK(ec_id_cmp(&got, &s.self) != 0);
    solo_close(&s);
}

static void test_a_failed_commit_writes_nothing_and_is_retried(void)
{
    ec_id token = tu_id(0x42, 4), hid;
    solo s;
    solo_open(&s, &token);
    ec_node_free(s.node);
    flaky f = {{&fl_vt, &f}, s.store, false, 0};
    ec_tx h = tu_tx1(&token, &alice, NULL, &alice, 1000);
    CHECK_EQ_INT(tu_apply(s.store, &h, 1000, &hid), EC_RULE_OK);
    ec_tx x = tu_tx1(&token, &bob, &hid, &alice, 2000);
    ec_id xid = tx_id_of(&x);
    s.node = solo_node(&s, NULL, &f.store);
    CHECK_EQ_INT(vote_on(&s, 3000, &x), EC_MSG_VOTE_VALID);
    f.fail_commit = true;
    votes_from(&s, 3010, &xid, 4);
    const ec_node_stats *st = ec_node_stats_get(s.node);
    CHECK_EQ_INT(st->committed, 0);
    CHECK(st->commits_failed > 0);
    ec_head head;
    CHECK_EQ_INT(ec_store_get_head(s.store, &token, &head), EC_OK);
    CHECK(ec_id_cmp(&head.tx_id, &hid) == 0); /* nothing half-written */
    CHECK(!ec_store_has_tx(s.store, &xid));
    f.fail_commit = false;
    ec_node_tick(s.node, 4000);
    CHECK_EQ_INT(st->committed, 1);
    CHECK_EQ_INT(ec_store_get_head(s.store, &token, &head), EC_OK);
    CHECK(ec_id_cmp(&head.tx_id, &xid) == 0);
    solo_close(&s);
}

static void test_the_record_goes_when_the_head_moves_on(void)
{
    ec_id token = tu_id(0x42, 5), hid;
    solo s;
    solo_open(&s, &token);
    ec_tx h = tu_tx1(&token, &alice, NULL, &alice, 1000);
    ec_id h_id = tx_id_of(&h);
    /* The create itself: voted (record on (token, 0)), then committed. */
    CHECK_EQ_INT(vote_on(&s, 1000, &h), EC_MSG_VOTE_VALID);
    ec_store_counts c;
    ec_store_counts_get(s.store, &c);
    CHECK_EQ_INT(c.votes, 1);
    votes_from(&s, 1010, &h_id, 4);
    CHECK_EQ_INT(ec_node_stats_get(s.node)->committed, 1);
    ec_store_counts_get(s.store, &c);
    CHECK_EQ_INT(c.votes, 0);
    hid = h_id;
    ec_tx x = tu_tx1(&token, &bob, &hid, &alice, 2000);
    CHECK_EQ_INT(vote_on(&s, 3000, &x), EC_MSG_VOTE_VALID);
    ec_store_counts_get(s.store, &c);
    CHECK_EQ_INT(c.votes, 1);
    solo_close(&s);
}

/* ---- one validation path ---- */

/* One row: a store state (applied transactions), a transaction, and the
 * rule the ledger must give; the member's vote must be that rule's class. */
typedef struct row {
    const char *name;
    ec_rule rule;
} row;

/* Builds row r's store and transaction; returns false if it has none. */
static bool build(int r, ec_store *st, ec_tx *tx, const ec_id *token, uint64_t *now)
{
    ec_id h1, h2, ghost = tu_id(0x77, 7);
    ec_tx c = tu_tx1(token, &alice, NULL, &alice, 1000);
    *now = 10000;
    switch (r) {
    case EC_RULE_OK:
        tu_apply(st, &c, 1000, &h1);
        *tx = tu_tx1(token, &bob, &h1, &alice, 2000);
        return true;
    case EC_RULE_BAD_SIGNATURE:
        tu_apply(st, &c, 1000, &h1);
        *tx = tu_tx1(token, &bob, &h1, &alice, 2000);
        tx->sigs[0].sig.b[3] ^= 1;
        return true;
    case EC_RULE_UNUSED_SIGNATURE:
        tu_apply(st, &c, 1000, &h1);
        *tx = tu_tx1(token, &bob, &h1, &alice, 2000);
        ec_tx_sign(tx, &carol); /* carol owns nothing here */
        return true;
    case EC_RULE_TIMESTAMP_FUTURE:
        tu_apply(st, &c, 1000, &h1);
        *tx = tu_tx1(token, &bob, &h1, &alice, *now + EC_TX_FUTURE_MAX_MS + 1);
        return true;
    case EC_RULE_ALREADY_COMMITTED:
        tu_apply(st, &c, 1000, &h1);
        *tx = c;
        return true;
    case EC_RULE_TOKEN_EXISTS:
        tu_apply(st, &c, 1000, &h1);
        *tx = tu_tx1(token, &bob, NULL, &bob, 2000);
        return true;
    case EC_RULE_MISSING_HISTORY:
        *tx = tu_tx1(token, &bob, &ghost, &alice, 2000);
        return true;
    case EC_RULE_STALE_PREV: {
        tu_apply(st, &c, 1000, &h1);
        ec_tx x = tu_tx1(token, &bob, &h1, &alice, 2000);
        tu_apply(st, &x, 2000, &h2);
        *tx = tu_tx1(token, &carol, &h1, &alice, 2500); /* the replaced head again */
        return true;
    }
    case EC_RULE_DESTROYED: {
        tu_apply(st, &c, 1000, &h1);
        ec_tx d = tu_tx1(token, NULL, &h1, &alice, 2000);
        tu_apply(st, &d, 2000, &h2);
        *tx = tu_tx1(token, &bob, &h2, &alice, 3000);
        return true;
    }
    case EC_RULE_WRONG_KEY:
        tu_apply(st, &c, 1000, &h1);
        *tx = tu_tx1(token, &bob, &h1, &bob, 2000);
        return true;
    case EC_RULE_TIMESTAMP_ORDER:
        tu_apply(st, &c, 1000, &h1);
        *tx = tu_tx1(token, &bob, &h1, &alice, 1000);
        return true;
    default: return false;
    }
}

static void test_ledger_and_member_agree_on_every_rule(void)
{
    for (int r = EC_RULE_OK; r <= EC_RULE_TIMESTAMP_ORDER; r++) {
        ec_id token = tu_id(0x50, (uint8_t)r);
        ec_tx tx;
        uint64_t now;
        ec_verdict v;
        solo s;
        solo_open(&s, &token);
        if (!build(r, s.store, &tx, &token, &now)) {
            solo_close(&s);
            continue;
        }
        CHECK_EQ_INT(ec_validate_tx(s.store, &tx, now, &v), EC_OK);
        if ((int)v.rule != r) fprintf(stderr, "  row %s: ledger says %s\n", ec_rule_name((ec_rule)r), ec_rule_name(v.rule));
        CHECK_EQ_INT(v.rule, r);
        int vote = vote_on(&s, now, &tx);
        if (r == EC_RULE_BAD_SIGNATURE) {
            CHECK_EQ_INT(vote, 99); /* dropped on receipt: no vote at all */
            CHECK(ec_node_stats_get(s.node)->dropped_malformed > 0);
        } else if (r == EC_RULE_ALREADY_COMMITTED) {
            CHECK_EQ_INT(vote, 99); /* a decided transaction is not voted on again */
        } else {
            if (vote != (int)ec_rule_vote(v.rule))
                fprintf(stderr, "  row %s: member votes %d\n", ec_rule_name((ec_rule)r), vote);
            CHECK_EQ_INT(vote, ec_rule_vote(v.rule));
            /* The per-mapping verdict the member used is the same rule. */
            ec_verdict m;
            CHECK_EQ_INT(ec_validate_mapping(s.store, &tx, 0, now, &m), EC_OK);
            CHECK_EQ_INT(m.rule, v.rule);
        }
        solo_close(&s);
    }
}

/* A member behind on a token (its head older than the transaction the new
 * one extends, which it holds through another token's history) is out of
 * order, not invalid: ledger and member alike. */
static void test_behind_is_out_of_order_for_ledger_and_member(void)
{
    ec_id token = tu_id(0x51, 1), other = tu_id(0x51, 2), h1, h2;
    solo s;
    solo_open(&s, &token);
    ec_tx c = tu_tx1(&token, &alice, NULL, &alice, 1000);
    tu_apply(s.store, &c, 1000, &h1);
    /* A two-token transfer we hold the bytes of, but whose head move on
     * `token` we missed. */
    ec_tx two;
    ec_id bob_o = tu_owner(&bob), zero = {{0}};
    ec_tx_init(&two, 2000);
    ec_tx_add_mapping(&two, &token, &bob_o, &h1);
    ec_tx_add_mapping(&two, &other, &bob_o, &zero);
    ec_tx_sign(&two, &alice);
    uint8_t buf[EC_TX_MAX_LEN];
    size_t len;
    ec_tx_encode(&two, buf, sizeof buf, &len);
    ec_blake3_hash(buf, len, h2.b);
    ec_store_begin(s.store);
    ec_store_put_tx(s.store, &h2, buf, len);
    ec_store_commit(s.store);
    ec_tx next = tu_tx1(&token, &carol, &h2, &bob, 3000);
    ec_verdict v;
    ec_validate_tx(s.store, &next, 4000, &v);
    CHECK_EQ_INT(v.rule, EC_RULE_MISSING_HISTORY);
    CHECK_EQ_INT(vote_on(&s, 4000, &next), EC_MSG_VOTE_OUT_OF_ORDER);
    solo_close(&s);
}

int main(void)
{
    (void)ts_name;
    if (ec_crypto_init()) return 1;
    tu_key(&alice, 1);
    tu_key(&bob, 2);
    tu_key(&carol, 3);
    RUN(test_restart_keeps_votes_memory_store);
    RUN(test_restart_keeps_votes_lmdb_reopened);
    RUN(test_a_positive_vote_is_durable_before_it_leaves);
    RUN(test_a_failed_commit_writes_nothing_and_is_retried);
    RUN(test_the_record_goes_when_the_head_moves_on);
    RUN(test_ledger_and_member_agree_on_every_rule);
    RUN(test_behind_is_out_of_order_for_ledger_and_member);
    return TEST_REPORT("ballot");
}
