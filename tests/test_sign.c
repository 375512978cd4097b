#include "crypto/blake3.h"
#include "crypto/sign.h"
#include "test.h"

static void seed_of(uint8_t seed[32], uint8_t v)
{
    for (int i = 0; i < 32; i++) seed[i] = (uint8_t)(v + i);
}

static void test_keypair_is_deterministic_from_seed(void)
{
    uint8_t seed[32];
    ec_keypair a, b, c;
    seed_of(seed, 1);
    CHECK_EQ_INT(ec_sign_keypair(&a, seed), EC_OK);
    CHECK_EQ_INT(ec_sign_keypair(&b, seed), EC_OK);
    CHECK_MEM(a.pub.b, b.pub.b, 32);
    seed_of(seed, 2);
    CHECK_EQ_INT(ec_sign_keypair(&c, seed), EC_OK);
    CHECK(memcmp(a.pub.b, c.pub.b, 32) != 0);
}

static void test_rfc8032_test_vector_1(void)
{
    /* RFC 8032 §7.1, TEST 1: empty message. */
    static const uint8_t seed[32] = {
        0x9d, 0x61, 0xb1, 0x9d, 0xef, 0xfd, 0x5a, 0x60, 0xba, 0x84, 0x4a, 0xf4, 0x92, 0xec, 0x2c, 0xc4,
        0x44, 0x49, 0xc5, 0x69, 0x7b, 0x32, 0x69, 0x19, 0x70, 0x3b, 0xac, 0x03, 0x1c, 0xae, 0x7f, 0x60};
    static const uint8_t pub[32] = {
        0xd7, 0x5a, 0x98, 0x01, 0x82, 0xb1, 0x0a, 0xb7, 0xd5, 0x4b, 0xfe, 0xd3, 0xc9, 0x64, 0x07, 0x3a,
        0x0e, 0xe1, 0x72, 0xf3, 0xda, 0xa6, 0x23, 0x25, 0xaf, 0x02, 0x1a, 0x68, 0xf7, 0x07, 0x51, 0x1a};
    static const uint8_t sig0[8] = {0xe5, 0x56, 0x43, 0x00, 0xc3, 0x60, 0xac, 0x72};
    ec_keypair kp;
    ec_sig sig;
    CHECK_EQ_INT(ec_sign_keypair(&kp, seed), EC_OK);
    CHECK_MEM(kp.pub.b, pub, 32);
    ec_sign_create(&sig, &kp, "", 0);
    CHECK_MEM(sig.b, sig0, 8);
    CHECK_EQ_INT(ec_sign_verify(&sig, &kp.pub, "", 0), EC_OK);
}

static void test_signature_rejects_tampering(void)
{
    uint8_t seed[32], msg[100];
    ec_keypair kp, other;
    ec_sig sig;
    seed_of(seed, 3);
    ec_sign_keypair(&kp, seed);
    seed_of(seed, 4);
    ec_sign_keypair(&other, seed);
    for (int i = 0; i < 100; i++) msg[i] = (uint8_t)i;
    ec_sign_create(&sig, &kp, msg, sizeof msg);
    CHECK_EQ_INT(ec_sign_verify(&sig, &kp.pub, msg, sizeof msg), EC_OK);
    CHECK_EQ_INT(ec_sign_verify(&sig, &other.pub, msg, sizeof msg), EC_ERR_SIGNATURE);
    CHECK_EQ_INT(ec_sign_verify(&sig, &kp.pub, msg, sizeof msg - 1), EC_ERR_SIGNATURE);
    msg[50] ^= 1;
    CHECK_EQ_INT(ec_sign_verify(&sig, &kp.pub, msg, sizeof msg), EC_ERR_SIGNATURE);
    msg[50] ^= 1;
    sig.b[10] ^= 0x40;
    CHECK_EQ_INT(ec_sign_verify(&sig, &kp.pub, msg, sizeof msg), EC_ERR_SIGNATURE);
}

static void test_keyhash_is_blake3_of_public_key(void)
{
    uint8_t seed[32], want[32];
    ec_keypair kp;
    ec_id kh;
    seed_of(seed, 5);
    ec_sign_keypair(&kp, seed);
    ec_sign_keyhash(&kh, &kp.pub);
    ec_blake3_hash(kp.pub.b, 32, want);
    CHECK_MEM(kh.b, want, 32);
}

static void test_wipe_clears_secret(void)
{
    uint8_t seed[32], zero[sizeof(ec_keypair)] = {0};
    ec_keypair kp;
    seed_of(seed, 6);
    ec_sign_keypair(&kp, seed);
    ec_sign_wipe(&kp);
    CHECK_MEM(&kp, zero, sizeof kp);
}

int main(void)
{
    if (ec_crypto_init()) return 1;
    RUN(test_keypair_is_deterministic_from_seed);
    RUN(test_rfc8032_test_vector_1);
    RUN(test_signature_rejects_tampering);
    RUN(test_keyhash_is_blake3_of_public_key);
    RUN(test_wipe_clears_secret);
    return TEST_REPORT("sign");
}
