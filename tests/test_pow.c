#include "crypto/blake3.h"
#include "crypto/pow.h"
#include "test.h"

static void fill(ec_pubkey *pk, uint8_t salt[16], uint8_t v)
{
    for (int i = 0; i < 32; i++) pk->b[i] = (uint8_t)(v + i);
    for (int i = 0; i < 16; i++) salt[i] = (uint8_t)(v * 5 + i);
}

static void test_libsodium_and_libargon2_give_identical_bytes(void)
{
    /* Both are RFC 9106 Argon2id: any difference is a bug in how we call one. */
    static const ec_pow_params cases[] = {
        {8, 1, 1}, {64, 1, 1}, {256, 3, 1}, {1024, 2, 1}, {4096, 1, 1}, {8192, 10, 1},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        for (uint8_t v = 0; v < 4; v++) {
            ec_pubkey pk;
            uint8_t salt[16];
            ec_id a, b;
            fill(&pk, salt, (uint8_t)(v * 40 + i));
            CHECK_EQ_INT(ec_pow_hash_with(EC_POW_SODIUM, &cases[i], &pk, salt, &a), EC_OK);
            CHECK_EQ_INT(ec_pow_hash_with(EC_POW_ARGON2, &cases[i], &pk, salt, &b), EC_OK);
            CHECK_MEM(a.b, b.b, 32);
        }
    }
}

static void test_network_parameters_agree_across_backends(void)
{
    /* One hash at the real network parameters (64 MiB, t=10). */
    ec_pow_params p = EC_POW_PARAMS_NETWORK;
    ec_pubkey pk;
    uint8_t salt[16];
    ec_id a, b;
    CHECK_EQ_INT(p.memory_kib, 65536);
    CHECK_EQ_INT(p.iterations, 10);
    CHECK_EQ_INT(p.parallelism, 1);
    fill(&pk, salt, 9);
    CHECK_EQ_INT(ec_pow_hash_with(EC_POW_SODIUM, &p, &pk, salt, &a), EC_OK);
    CHECK_EQ_INT(ec_pow_hash_with(EC_POW_ARGON2, &p, &pk, salt, &b), EC_OK);
    CHECK_MEM(a.b, b.b, 32);
}

static void test_output_depends_on_every_input(void)
{
    ec_pow_params p = {64, 1, 1}, p2 = {64, 2, 1}, p3 = {72, 1, 1};
    ec_pubkey pk;
    uint8_t salt[16];
    ec_id base, x;
    fill(&pk, salt, 1);
    ec_pow_hash(&p, &pk, salt, &base);
    ec_pow_hash(&p, &pk, salt, &x);
    CHECK(ec_id_cmp(&base, &x) == 0); /* deterministic */
    pk.b[31] ^= 1;
    ec_pow_hash(&p, &pk, salt, &x);
    CHECK(ec_id_cmp(&base, &x) != 0);
    pk.b[31] ^= 1;
    salt[0] ^= 1;
    ec_pow_hash(&p, &pk, salt, &x);
    CHECK(ec_id_cmp(&base, &x) != 0);
    salt[0] ^= 1;
    ec_pow_hash(&p2, &pk, salt, &x);
    CHECK(ec_id_cmp(&base, &x) != 0);
    ec_pow_hash(&p3, &pk, salt, &x);
    CHECK(ec_id_cmp(&base, &x) != 0);
}

static void test_parameters_out_of_range_are_refused(void)
{
    ec_pubkey pk;
    uint8_t salt[16];
    ec_id out;
    fill(&pk, salt, 2);
    ec_pow_params bad[] = {
        {4, 1, 1}, {EC_POW_MEMORY_KIB_MAX + 1, 1, 1}, {64, 0, 1}, {64, 65, 1}, {64, 1, 2}, {64, 1, 0},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        CHECK_EQ_INT(ec_pow_params_check(&bad[i]), EC_ERR_RANGE);
        CHECK_EQ_INT(ec_pow_hash(&bad[i], &pk, salt, &out), EC_ERR_RANGE);
    }
    ec_pow_params net = EC_POW_PARAMS_NETWORK;
    CHECK_EQ_INT(ec_pow_params_check(&net), EC_OK);
}

static void test_address_is_blake3_of_pow(void)
{
    ec_id pow, addr;
    uint8_t want[32];
    for (int i = 0; i < 32; i++) pow.b[i] = (uint8_t)(i ^ 0x5a);
    ec_pow_address(&addr, &pow);
    ec_blake3_hash(pow.b, 32, want);
    CHECK_MEM(addr.b, want, 32);
}

int main(void)
{
    if (ec_crypto_init()) return 1;
    RUN(test_libsodium_and_libargon2_give_identical_bytes);
    RUN(test_network_parameters_agree_across_backends);
    RUN(test_output_depends_on_every_input);
    RUN(test_parameters_out_of_range_are_refused);
    RUN(test_address_is_blake3_of_pow);
    return TEST_REPORT("pow");
}
