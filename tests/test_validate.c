#include "crypto/blake3.h"
#include "ledger_util.h"
#include "store_util.h"
#include "test.h"

#define NOW 1700000000000ull /* ms */

static ec_keypair alice, bob, carol;

/* A digest of every head and the counts: equal digests, equal stores. */
static bool digest_fn(void *arg, const ec_id *token, const ec_head *h)
{
    ec_blake3_update(arg, token->b, 32);
    ec_blake3_update(arg, h, sizeof *h);
    return true;
}

static void store_digest(ec_store *s, uint8_t out[32])
{
    ec_blake3 b;
    ec_store_counts c;
    ec_blake3_init(&b);
    ec_store_iterate(s, NULL, digest_fn, &b);
    ec_store_counts_get(s, &c);
    ec_blake3_update(&b, &c, sizeof c);
    ec_blake3_finalize(&b, out, 32);
}

static void ticket_lifecycle_create_transfer_twice_destroy(ec_store *s)
{
    ec_id t = tu_id(0x42, 1), id1, id2, id3, id4, id5;
    ec_head h;
    ec_tx c = tu_tx1(&t, &alice, NULL, &alice, NOW);
    CHECK_EQ_INT(tu_apply(s, &c, NOW, &id1), EC_RULE_OK);
    CHECK_EQ_INT(ec_store_get_head(s, &t, &h), EC_OK);
    CHECK(ec_id_cmp(&h.tx_id, &id1) == 0);
    ec_tx t1 = tu_tx1(&t, &bob, &id1, &alice, NOW + 1);
    CHECK_EQ_INT(tu_apply(s, &t1, NOW, &id2), EC_RULE_OK);
    ec_tx t2 = tu_tx1(&t, &carol, &id2, &bob, NOW + 2);
    CHECK_EQ_INT(tu_apply(s, &t2, NOW, &id3), EC_RULE_OK);
    ec_id owner = tu_owner(&carol);
    ec_store_get_head(s, &t, &h);
    CHECK(ec_id_cmp(&h.owner, &owner) == 0 && ec_id_cmp(&h.tx_id, &id3) == 0);
    ec_tx d = tu_tx1(&t, NULL, &id3, &carol, NOW + 3);
    CHECK_EQ_INT(tu_apply(s, &d, NOW, &id4), EC_RULE_OK);
    ec_store_get_head(s, &t, &h);
    CHECK(ec_id_is_zero(&h.owner));
    /* A destroyed token never changes again, whoever signs. */
    ec_tx after = tu_tx1(&t, &alice, &id4, &carol, NOW + 4);
    CHECK_EQ_INT(tu_apply(s, &after, NOW, &id5), EC_RULE_DESTROYED);
    ec_tx recreate = tu_tx1(&t, &alice, NULL, &alice, NOW + 5);
    CHECK_EQ_INT(tu_apply(s, &recreate, NOW, NULL), EC_RULE_TOKEN_EXISTS);
    ec_store_counts cnt;
    ec_store_counts_get(s, &cnt);
    CHECK(cnt.tokens == 1 && cnt.transactions == 4);
}

static void transfer_with_wrong_key_refused(ec_store *s)
{
    ec_id t = tu_id(1, 1), id1;
    ec_tx c = tu_tx1(&t, &alice, NULL, &alice, NOW);
    tu_apply(s, &c, NOW, &id1);
    ec_tx steal = tu_tx1(&t, &bob, &id1, &bob, NOW + 1);
    ec_verdict v;
    CHECK_EQ_INT(ec_validate_tx(s, &steal, NOW, &v), EC_OK);
    CHECK_EQ_INT(v.rule, EC_RULE_WRONG_KEY);
    CHECK_EQ_INT(v.index, 0);
    CHECK_EQ_INT(ec_rule_vote(v.rule), EC_VOTE_INVALID);
}

static void replay_of_old_transfer_refused(ec_store *s)
{
    ec_id t = tu_id(1, 1), id1, id2, id3;
    ec_tx c = tu_tx1(&t, &alice, NULL, &alice, NOW);
    tu_apply(s, &c, NOW, &id1);
    ec_tx to_bob = tu_tx1(&t, &bob, &id1, &alice, NOW + 1);
    CHECK_EQ_INT(tu_apply(s, &to_bob, NOW, &id2), EC_RULE_OK);
    ec_tx back = tu_tx1(&t, &alice, &id2, &bob, NOW + 2);
    CHECK_EQ_INT(tu_apply(s, &back, NOW, &id3), EC_RULE_OK);
    /* The very same bytes again. */
    CHECK_EQ_INT(tu_apply(s, &to_bob, NOW, NULL), EC_RULE_ALREADY_COMMITTED);
    /* Alice signs a new transfer from the old head: stale. */
    ec_tx again = tu_tx1(&t, &carol, &id1, &alice, NOW + 3);
    CHECK_EQ_INT(tu_apply(s, &again, NOW, NULL), EC_RULE_STALE_PREV);
}

static void unknown_prev_is_out_of_order(ec_store *s)
{
    ec_id t = tu_id(1, 1), ghost = tu_id(0x99, 0x99);
    ec_tx x = tu_tx1(&t, &bob, &ghost, &alice, NOW);
    ec_verdict v;
    ec_validate_tx(s, &x, NOW, &v);
    CHECK_EQ_INT(v.rule, EC_RULE_MISSING_HISTORY);
    CHECK_EQ_INT(ec_rule_vote(v.rule), EC_VOTE_OUT_OF_ORDER);
}

static void timestamps_must_increase_and_not_run_ahead(ec_store *s)
{
    ec_id t = tu_id(1, 1), t2 = tu_id(2, 2), id1;
    ec_tx c = tu_tx1(&t, &alice, NULL, &alice, NOW);
    tu_apply(s, &c, NOW, &id1);
    ec_tx same = tu_tx1(&t, &bob, &id1, &alice, NOW);
    CHECK_EQ_INT(tu_apply(s, &same, NOW, NULL), EC_RULE_TIMESTAMP_ORDER);
    ec_tx older = tu_tx1(&t, &bob, &id1, &alice, NOW - 1);
    CHECK_EQ_INT(tu_apply(s, &older, NOW, NULL), EC_RULE_TIMESTAMP_ORDER);
    ec_tx far = tu_tx1(&t2, &alice, NULL, &alice, NOW + EC_TX_FUTURE_MAX_MS + 1);
    CHECK_EQ_INT(tu_apply(s, &far, NOW, NULL), EC_RULE_TIMESTAMP_FUTURE);
    ec_tx edge = tu_tx1(&t2, &alice, NULL, &alice, NOW + EC_TX_FUTURE_MAX_MS);
    CHECK_EQ_INT(tu_apply(s, &edge, NOW, NULL), EC_RULE_OK);
}

static void signatures_must_verify_and_authorize_something(ec_store *s)
{
    ec_id t = tu_id(1, 1), id1;
    ec_tx c = tu_tx1(&t, &alice, NULL, &alice, NOW);
    tu_apply(s, &c, NOW, &id1);
    ec_tx x = tu_tx1(&t, &bob, &id1, &alice, NOW + 1);
    ec_tx_sign(&x, &carol); /* carol authorizes nothing here */
    ec_verdict v;
    ec_validate_tx(s, &x, NOW, &v);
    CHECK_EQ_INT(v.rule, EC_RULE_UNUSED_SIGNATURE);
    CHECK(memcmp(x.sigs[v.index].key.b, carol.pub.b, 32) == 0);
    ec_tx y = tu_tx1(&t, &bob, &id1, &alice, NOW + 1);
    y.sigs[0].sig.b[7] ^= 1;
    ec_validate_tx(s, &y, NOW, &v);
    CHECK_EQ_INT(v.rule, EC_RULE_BAD_SIGNATURE);
    CHECK_EQ_INT(v.index, 0);
}

static void multi_token_transaction_is_all_or_nothing(ec_store *s)
{
    ec_id a = tu_id(1, 1), b = tu_id(2, 2), ida, idb, zero = {{0}};
    ec_head before_a, before_b, h;
    ec_tx ca = tu_tx1(&a, &alice, NULL, &alice, NOW), cb = tu_tx1(&b, &bob, NULL, &bob, NOW);
    tu_apply(s, &ca, NOW, &ida);
    tu_apply(s, &cb, NOW, &idb);
    ec_store_get_head(s, &a, &before_a);
    ec_store_get_head(s, &b, &before_b);
    /* Swap a and b, but only alice signs: b's mapping is unauthorized. */
    ec_tx swap;
    ec_id oa = tu_owner(&alice), ob = tu_owner(&bob);
    ec_tx_init(&swap, NOW + 1);
    ec_tx_add_mapping(&swap, &a, &ob, &ida);
    ec_tx_add_mapping(&swap, &b, &oa, &idb);
    ec_tx_sign(&swap, &alice);
    CHECK_EQ_INT(tu_apply(s, &swap, NOW, NULL), EC_RULE_WRONG_KEY);
    ec_store_get_head(s, &a, &h);
    CHECK(memcmp(&h, &before_a, sizeof h) == 0);
    ec_store_get_head(s, &b, &h);
    CHECK(memcmp(&h, &before_b, sizeof h) == 0);
    /* Both sign: the swap commits both heads at once. */
    ec_tx_sign(&swap, &bob);
    ec_id sid;
    CHECK_EQ_INT(tu_apply(s, &swap, NOW, &sid), EC_RULE_OK);
    ec_store_get_head(s, &a, &h);
    CHECK(ec_id_cmp(&h.tx_id, &sid) == 0 && ec_id_cmp(&h.owner, &ob) == 0);
    ec_store_get_head(s, &b, &h);
    CHECK(ec_id_cmp(&h.tx_id, &sid) == 0 && ec_id_cmp(&h.owner, &oa) == 0);
    (void)zero;
}

static void bad_input_never_changes_the_store(ec_store *s)
{
    ec_id t = tu_id(1, 1), id1;
    uint8_t before[32], after[32], buf[EC_TX_MAX_LEN + 8];
    size_t len;
    ec_verdict v;
    ec_tx c = tu_tx1(&t, &alice, NULL, &alice, NOW);
    tu_apply(s, &c, NOW, &id1);
    store_digest(s, before);
    /* Malformed bytes: every truncation and a few corruptions of a valid tx. */
    ec_tx good = tu_tx1(&t, &bob, &id1, &alice, NOW + 1);
    ec_tx_encode(&good, buf, sizeof buf, &len);
    for (size_t n = 0; n < len; n++) {
        CHECK_EQ_INT(ec_ledger_apply(s, buf, n, NOW, &v, NULL), EC_OK);
        CHECK(v.rule == EC_RULE_MALFORMED);
    }
    for (size_t i = 0; i < len; i += 7) {
        buf[i] ^= 0x20;
        CHECK_EQ_INT(ec_ledger_apply(s, buf, len, NOW, &v, NULL), EC_OK);
        CHECK(v.rule != EC_RULE_OK);
        buf[i] ^= 0x20;
    }
    /* Well-formed but invalid transactions. */
    ec_tx bads[] = {
        tu_tx1(&t, &bob, &id1, &bob, NOW + 1),                   /* wrong key */
        tu_tx1(&t, &bob, NULL, &alice, NOW + 1),                 /* create existing */
        tu_tx1(&t, &bob, &id1, &alice, NOW),                     /* timestamp order */
        tu_tx1(&t, &bob, &id1, &alice, NOW + 3 * 3600 * 1000),   /* future */
    };
    for (size_t i = 0; i < sizeof bads / sizeof bads[0]; i++)
        CHECK(tu_apply(s, &bads[i], NOW, NULL) != EC_RULE_OK);
    store_digest(s, after);
    CHECK_MEM(before, after, 32);
    CHECK_EQ_INT(tu_apply(s, &good, NOW, NULL), EC_RULE_OK);
    store_digest(s, after);
    CHECK(memcmp(before, after, 32) != 0); /* the digest does see changes */
}

static void conflicting_transfers_first_commit_is_final(ec_store *s)
{
    ec_id t = tu_id(1, 1), id1;
    ec_tx c = tu_tx1(&t, &alice, NULL, &alice, NOW);
    tu_apply(s, &c, NOW, &id1);
    ec_tx x = tu_tx1(&t, &bob, &id1, &alice, NOW + 1);
    ec_tx y = tu_tx1(&t, &carol, &id1, &alice, NOW + 1);
    ec_verdict vx, vy;
    ec_validate_tx(s, &x, NOW, &vx);
    ec_validate_tx(s, &y, NOW, &vy);
    CHECK(vx.rule == EC_RULE_OK && vy.rule == EC_RULE_OK); /* both valid: a conflict */
    /* Whichever commits first stays: the other is stale, both ways round. */
    ec_tx *first = &x, *second = &y;
    CHECK_EQ_INT(tu_apply(s, first, NOW, NULL), EC_RULE_OK);
    CHECK_EQ_INT(tu_apply(s, second, NOW, NULL), EC_RULE_STALE_PREV);
}

static void batched_apply_sees_earlier_transactions_of_the_batch(ec_store *s)
{
    ec_id t = tu_id(1, 1), id1, id2;
    ec_verdict v;
    ec_tx c = tu_tx1(&t, &alice, NULL, &alice, NOW);
    ec_tx_id(&c, &id1);
    ec_tx x = tu_tx1(&t, &bob, &id1, &alice, NOW + 1);
    CHECK_EQ_INT(ec_store_begin(s), EC_OK);
    CHECK_EQ_INT(ec_ledger_apply_in_txn(s, &c, NOW, &v, NULL), EC_OK);
    CHECK_EQ_INT(v.rule, EC_RULE_OK);
    CHECK_EQ_INT(ec_ledger_apply_in_txn(s, &x, NOW, &v, &id2), EC_OK);
    CHECK_EQ_INT(v.rule, EC_RULE_OK);
    CHECK_EQ_INT(ec_store_commit(s), EC_OK);
    ec_head h;
    ec_store_get_head(s, &t, &h);
    CHECK(ec_id_cmp(&h.tx_id, &id2) == 0);
}

static void test_rule_names_and_messages_exist(void)
{
    for (int r = EC_RULE_OK; r <= EC_RULE_TIMESTAMP_ORDER; r++) {
        CHECK(strcmp(ec_rule_name((ec_rule)r), "unknown") != 0);
        CHECK(strlen(ec_rule_str((ec_rule)r)) > 4);
    }
}

int main(void)
{
    if (ec_crypto_init()) return 1;
    tu_key(&alice, 1);
    tu_key(&bob, 2);
    tu_key(&carol, 3);
    RUN_BOTH(ticket_lifecycle_create_transfer_twice_destroy);
    RUN_BOTH(transfer_with_wrong_key_refused);
    RUN_BOTH(replay_of_old_transfer_refused);
    RUN_BOTH(unknown_prev_is_out_of_order);
    RUN_BOTH(timestamps_must_increase_and_not_run_ahead);
    RUN_BOTH(signatures_must_verify_and_authorize_something);
    RUN_BOTH(multi_token_transaction_is_all_or_nothing);
    RUN_BOTH(bad_input_never_changes_the_store);
    RUN_BOTH(conflicting_transfers_first_commit_is_final);
    RUN_BOTH(batched_apply_sees_earlier_transactions_of_the_batch);
    RUN(test_rule_names_and_messages_exist);
    return TEST_REPORT("validate");
}
