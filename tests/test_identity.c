#include "core/identity.h"
#include "test.h"

static const ec_pow_params small = {8, 1, 1}; /* cheap Argon2id for tests */

static void key_of(ec_keypair *kp, uint8_t v)
{
    uint8_t seed[32];
    for (int i = 0; i < 32; i++) seed[i] = (uint8_t)(v + 11 * i);
    ec_sign_keypair(kp, seed);
}

/* Mines by counting salts up from 0; returns the number of tries. */
static unsigned mine(ec_identity *id, const ec_keypair *kp, unsigned bits,
                     const ec_id *prefix, unsigned prefix_bits)
{
    ec_id pow, addr;
    memset(id, 0, sizeof *id);
    id->params = small;
    id->difficulty_bits = (uint8_t)bits;
    id->timestamp = 1700000000;
    for (unsigned n = 1; n < 1u << 20; n++) {
        id->salt[0] = (uint8_t)n;
        id->salt[1] = (uint8_t)(n >> 8);
        id->salt[2] = (uint8_t)(n >> 16);
        if (ec_identity_try(&small, &kp->pub, id->salt, bits, prefix, prefix_bits, &pow,
                            &addr) == EC_OK) {
            ec_identity_sign(id, kp);
            return n;
        }
    }
    return 0;
}

static void test_mined_identity_verifies_and_roundtrips(void)
{
    ec_keypair kp;
    ec_identity id, back;
    uint8_t buf[EC_IDENTITY_LEN + 8];
    size_t len = 0;
    ec_id pow, addr, pow2, addr2;
    key_of(&kp, 1);
    CHECK(mine(&id, &kp, 4, NULL, 0) > 0);
    CHECK_EQ_INT(ec_identity_verify(&id, &pow, &addr), EC_OK);
    CHECK(ec_id_ctz(&pow) >= 4);
    ec_pow_address(&addr2, &pow);
    CHECK(ec_id_cmp(&addr, &addr2) == 0);
    CHECK_EQ_INT(ec_identity_encode(&id, buf, sizeof buf, &len), EC_OK);
    CHECK_EQ_INT(len, EC_IDENTITY_LEN);
    CHECK_EQ_INT(ec_identity_decode(&back, buf, len), EC_OK);
    CHECK(memcmp(&back.public_key, &id.public_key, 32) == 0);
    CHECK(back.timestamp == id.timestamp && back.difficulty_bits == 4);
    CHECK_EQ_INT(ec_identity_verify(&back, &pow2, NULL), EC_OK);
    CHECK(ec_id_cmp(&pow, &pow2) == 0);
}

static void test_encoding_layout_matches_protocol_doc(void)
{
    ec_identity id;
    uint8_t buf[EC_IDENTITY_LEN];
    size_t len;
    memset(&id, 0, sizeof id);
    id.version = 1;
    for (int i = 0; i < 32; i++) id.public_key.b[i] = 0xa0;
    for (int i = 0; i < 16; i++) id.salt[i] = 0xb0;
    id.difficulty_bits = 17;
    id.params = EC_POW_PARAMS_NETWORK;
    id.timestamp = 0x0102030405060708ull;
    for (int i = 0; i < 64; i++) id.signature.b[i] = 0xc0;
    CHECK_EQ_INT(ec_identity_encode(&id, buf, sizeof buf, &len), EC_OK);
    CHECK(buf[0] == 1 && buf[1] == 0xa0 && buf[32] == 0xa0 && buf[33] == 0xb0 && buf[48] == 0xb0);
    CHECK(buf[49] == 17);
    CHECK(buf[50] == 0x00 && buf[51] == 0x00 && buf[52] == 0x01 && buf[53] == 0x00); /* 65536 LE */
    CHECK(buf[54] == 10 && buf[55] == 0 && buf[58] == 1);
    CHECK(buf[59] == 0x08 && buf[66] == 0x01);
    CHECK(buf[67] == 0xc0 && buf[130] == 0xc0);
    CHECK_EQ_INT(ec_identity_encode(&id, buf, EC_IDENTITY_LEN - 1, &len), EC_ERR_RANGE);
}

static void test_tampered_fields_fail_signature(void)
{
    ec_keypair kp, other;
    ec_identity id, t;
    key_of(&kp, 2);
    key_of(&other, 3);
    mine(&id, &kp, 2, NULL, 0);
    CHECK_EQ_INT(ec_identity_check_signature(&id), EC_OK);
    t = id; t.salt[5] ^= 1;
    CHECK_EQ_INT(ec_identity_verify(&t, NULL, NULL), EC_ERR_SIGNATURE);
    t = id; t.timestamp++;
    CHECK_EQ_INT(ec_identity_verify(&t, NULL, NULL), EC_ERR_SIGNATURE);
    t = id; t.difficulty_bits = 1;
    CHECK_EQ_INT(ec_identity_verify(&t, NULL, NULL), EC_ERR_SIGNATURE);
    t = id; t.params.iterations = 2;
    CHECK_EQ_INT(ec_identity_verify(&t, NULL, NULL), EC_ERR_SIGNATURE);
    t = id; t.public_key = other.pub; /* someone else's key, same signature */
    CHECK_EQ_INT(ec_identity_verify(&t, NULL, NULL), EC_ERR_SIGNATURE);
    t = id; t.signature.b[0] ^= 1;
    CHECK_EQ_INT(ec_identity_verify(&t, NULL, NULL), EC_ERR_SIGNATURE);
}

static void test_insufficient_pow_is_refused_even_when_signed(void)
{
    ec_keypair kp;
    ec_identity id;
    ec_id pow, addr;
    key_of(&kp, 4);
    mine(&id, &kp, 0, NULL, 0);
    ec_identity_try(&small, &kp.pub, id.salt, 0, NULL, 0, &pow, &addr);
    /* Claim one bit more than the proof has, and sign that claim. */
    id.difficulty_bits = (uint8_t)(ec_id_ctz(&pow) + 1);
    ec_identity_sign(&id, &kp);
    CHECK_EQ_INT(ec_identity_check_signature(&id), EC_OK);
    CHECK_EQ_INT(ec_identity_verify(&id, NULL, NULL), EC_ERR_POW);
}

static void test_neighborhood_prefix_is_met(void)
{
    ec_keypair kp;
    ec_identity id;
    ec_id prefix = {{0}}, pow, addr;
    prefix.b[0] = 0xa0; /* 101 */
    key_of(&kp, 5);
    CHECK(mine(&id, &kp, 1, &prefix, 3) > 0);
    CHECK_EQ_INT(ec_identity_verify(&id, &pow, &addr), EC_OK);
    CHECK((addr.b[0] & 0xe0) == 0xa0);
    CHECK(ec_identity_expected_tries(17, 3) == 1048576.0);
}

static void test_decoder_rejects_malformed_records(void)
{
    ec_keypair kp;
    ec_identity id, back;
    uint8_t buf[EC_IDENTITY_LEN + 1], bad[EC_IDENTITY_LEN + 1];
    size_t len;
    key_of(&kp, 6);
    mine(&id, &kp, 1, NULL, 0);
    ec_identity_encode(&id, buf, sizeof buf, &len);
    for (size_t n = 0; n < EC_IDENTITY_LEN; n++)
        CHECK_EQ_INT(ec_identity_decode(&back, buf, n), EC_ERR_TRUNCATED);
    buf[EC_IDENTITY_LEN] = 0;
    CHECK_EQ_INT(ec_identity_decode(&back, buf, EC_IDENTITY_LEN + 1), EC_ERR_TRAILING);
    CHECK_EQ_INT(ec_identity_decode(&back, NULL, 0), EC_ERR_TRUNCATED);
    memcpy(bad, buf, sizeof bad);
    bad[0] = 2;
    CHECK_EQ_INT(ec_identity_decode(&back, bad, EC_IDENTITY_LEN), EC_ERR_VERSION);
    bad[0] = 0;
    CHECK_EQ_INT(ec_identity_decode(&back, bad, 1), EC_ERR_VERSION);
    memcpy(bad, buf, sizeof bad);
    bad[58] = 4; /* parallelism 4 */
    CHECK_EQ_INT(ec_identity_decode(&back, bad, EC_IDENTITY_LEN), EC_ERR_MALFORMED);
    memcpy(bad, buf, sizeof bad);
    bad[50] = bad[51] = bad[52] = bad[53] = 0xff; /* 4 TiB of memory */
    CHECK_EQ_INT(ec_identity_decode(&back, bad, EC_IDENTITY_LEN), EC_ERR_MALFORMED);
    memcpy(bad, buf, sizeof bad);
    bad[54] = 0; /* zero iterations */
    CHECK_EQ_INT(ec_identity_decode(&back, bad, EC_IDENTITY_LEN), EC_ERR_MALFORMED);
    CHECK_EQ_INT(ec_identity_decode(&back, buf, EC_IDENTITY_LEN), EC_OK);
}

int main(void)
{
    if (ec_crypto_init()) return 1;
    RUN(test_mined_identity_verifies_and_roundtrips);
    RUN(test_encoding_layout_matches_protocol_doc);
    RUN(test_tampered_fields_fail_signature);
    RUN(test_insufficient_pow_is_refused_even_when_signed);
    RUN(test_neighborhood_prefix_is_met);
    RUN(test_decoder_rejects_malformed_records);
    return TEST_REPORT("identity");
}
