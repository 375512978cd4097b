#include "ledger_util.h"
#include "test.h"

static void test_build_sign_encode_decode_roundtrip(void)
{
    ec_keypair a, b;
    ec_tx tx, back;
    uint8_t buf[EC_TX_MAX_LEN];
    size_t len;
    ec_id t1 = tu_id(9, 1), t2 = tu_id(3, 2), zero = {{0}}, oa, id1, id2;
    tu_key(&a, 1);
    tu_key(&b, 2);
    oa = tu_owner(&a);
    ec_tx_init(&tx, 1234567);
    CHECK_EQ_INT(ec_tx_add_mapping(&tx, &t1, &oa, &zero), EC_OK);
    CHECK_EQ_INT(ec_tx_add_mapping(&tx, &t2, &oa, &zero), EC_OK);
    CHECK(ec_id_cmp(&tx.mappings[0].token, &t2) == 0); /* sorted */
    CHECK_EQ_INT(ec_tx_add_mapping(&tx, &t1, &oa, &zero), EC_ERR_EXISTS);
    CHECK_EQ_INT(ec_tx_sign(&tx, &a), EC_OK);
    CHECK_EQ_INT(ec_tx_sign(&tx, &b), EC_OK);
    CHECK_EQ_INT(ec_tx_sign(&tx, &a), EC_ERR_EXISTS);
    CHECK_EQ_INT(ec_tx_add_mapping(&tx, &t1, &oa, &zero), EC_ERR_ARG); /* after signing */
    CHECK(memcmp(tx.sigs[0].key.b, tx.sigs[1].key.b, 32) < 0);
    CHECK_EQ_INT(ec_tx_check_signatures(&tx, NULL), EC_OK);
    CHECK_EQ_INT(ec_tx_encode(&tx, buf, sizeof buf, &len), EC_OK);
    CHECK_EQ_INT(len, 10 + 2 * 96 + 1 + 2 * 96);
    CHECK_EQ_INT(ec_tx_decode(&back, buf, len), EC_OK);
    CHECK_EQ_INT(ec_tx_check_signatures(&back, NULL), EC_OK);
    CHECK(back.timestamp_ms == 1234567 && back.n_mappings == 2 && back.n_sigs == 2);
    ec_tx_id(&tx, &id1);
    ec_tx_id(&back, &id2);
    CHECK(ec_id_cmp(&id1, &id2) == 0);
}

static void test_largest_transaction_fits_one_udp_payload(void)
{
    ec_keypair k[6];
    ec_tx tx;
    uint8_t buf[EC_TX_MAX_LEN];
    size_t len;
    ec_id zero = {{0}};
    ec_tx_init(&tx, 1);
    for (int i = 0; i < 6; i++) {
        ec_id t = tu_id((uint8_t)i, 0), o = tu_id(0xee, (uint8_t)i);
        CHECK_EQ_INT(ec_tx_add_mapping(&tx, &t, &o, &zero), EC_OK);
    }
    ec_id t7 = tu_id(7, 7);
    CHECK_EQ_INT(ec_tx_add_mapping(&tx, &t7, &zero, &zero), EC_ERR_RANGE);
    for (int i = 0; i < 6; i++) {
        tu_key(&k[i], (uint8_t)(10 + i));
        CHECK_EQ_INT(ec_tx_sign(&tx, &k[i]), EC_OK);
    }
    ec_keypair extra;
    tu_key(&extra, 99);
    CHECK_EQ_INT(ec_tx_sign(&tx, &extra), EC_ERR_RANGE);
    CHECK_EQ_INT(ec_tx_encode(&tx, buf, sizeof buf, &len), EC_OK);
    CHECK(len <= EC_TX_UDP_MAX);
    CHECK_EQ_INT(len, EC_TX_MAX_LEN);
    CHECK_EQ_INT(ec_tx_check_signatures(&tx, NULL), EC_OK);
}

static void test_decoder_rejects_malformed_input(void)
{
    ec_keypair a, b;
    ec_tx tx, back;
    uint8_t buf[EC_TX_UDP_MAX + 2], bad[EC_TX_UDP_MAX + 2];
    size_t len;
    ec_id t1 = tu_id(1, 1), t2 = tu_id(2, 2), zero = {{0}};
    tu_key(&a, 1);
    tu_key(&b, 2);
    ec_tx_init(&tx, 5);
    ec_tx_add_mapping(&tx, &t1, &zero, &zero);
    ec_tx_add_mapping(&tx, &t2, &zero, &zero);
    ec_tx_sign(&tx, &a);
    ec_tx_sign(&tx, &b);
    ec_tx_encode(&tx, buf, sizeof buf, &len);
    for (size_t n = 0; n < len; n++) {
        ec_err e = ec_tx_decode(&back, buf, n);
        CHECK(e == EC_ERR_TRUNCATED);
    }
    buf[len] = 0;
    CHECK_EQ_INT(ec_tx_decode(&back, buf, len + 1), EC_ERR_TRAILING);
    memset(bad, 0, sizeof bad);
    CHECK_EQ_INT(ec_tx_decode(&back, bad, EC_TX_UDP_MAX + 1), EC_ERR_RANGE); /* oversized */
    memcpy(bad, buf, len);
    bad[0] = 2;
    CHECK_EQ_INT(ec_tx_decode(&back, bad, len), EC_ERR_VERSION);
    memcpy(bad, buf, len);
    bad[9] = 0; /* zero mappings */
    CHECK_EQ_INT(ec_tx_decode(&back, bad, len), EC_ERR_MALFORMED);
    bad[9] = 7; /* seven mappings */
    CHECK_EQ_INT(ec_tx_decode(&back, bad, len), EC_ERR_MALFORMED);
    /* Same token twice: copy mapping 0's token over mapping 1's. */
    memcpy(bad, buf, len);
    memcpy(bad + 10 + 96, bad + 10, 32);
    CHECK_EQ_INT(ec_tx_decode(&back, bad, len), EC_ERR_MALFORMED);
    /* Mappings out of order: swap the two. */
    memcpy(bad, buf, len);
    memcpy(bad + 10, buf + 10 + 96, 96);
    memcpy(bad + 10 + 96, buf + 10, 96);
    CHECK_EQ_INT(ec_tx_decode(&back, bad, len), EC_ERR_MALFORMED);
    /* Zero signatures. */
    memcpy(bad, buf, len);
    bad[10 + 2 * 96] = 0;
    CHECK_EQ_INT(ec_tx_decode(&back, bad, 10 + 2 * 96 + 1), EC_ERR_MALFORMED);
    /* Signatures out of order: swap the two entries. */
    memcpy(bad, buf, len);
    size_t s0 = 10 + 2 * 96 + 1;
    memcpy(bad + s0, buf + s0 + 96, 96);
    memcpy(bad + s0 + 96, buf + s0, 96);
    CHECK_EQ_INT(ec_tx_decode(&back, bad, len), EC_ERR_MALFORMED);
    CHECK_EQ_INT(ec_tx_decode(&back, buf, len), EC_OK);
}

static void test_tampering_breaks_signatures_and_changes_id(void)
{
    ec_keypair a;
    ec_tx tx, t;
    ec_id t1 = tu_id(1, 1), id0, id1;
    int bad = -1;
    tu_key(&a, 1);
    tx = tu_tx1(&t1, &a, NULL, &a, 100);
    ec_tx_id(&tx, &id0);
    t = tx; t.timestamp_ms++;
    CHECK_EQ_INT(ec_tx_check_signatures(&t, &bad), EC_ERR_SIGNATURE);
    CHECK_EQ_INT(bad, 0);
    t = tx; t.mappings[0].owner.b[4] ^= 1;
    CHECK_EQ_INT(ec_tx_check_signatures(&t, NULL), EC_ERR_SIGNATURE);
    ec_tx_id(&t, &id1);
    CHECK(ec_id_cmp(&id0, &id1) != 0);
}

int main(void)
{
    if (ec_crypto_init()) return 1;
    RUN(test_build_sign_encode_decode_roundtrip);
    RUN(test_largest_transaction_fits_one_udp_payload);
    RUN(test_decoder_rejects_malformed_input);
    RUN(test_tampering_breaks_signatures_and_changes_id);
    return TEST_REPORT("tx");
}
