#include "core/idcache.h"
#include "test.h"

static const ec_pow_params small = {8, 1, 1};

/* A signed identity with difficulty 0 (always valid) unless bits > 0. */
static void make(ec_identity *id, uint8_t v, unsigned bits)
{
    uint8_t seed[32];
    ec_keypair kp;
    for (int i = 0; i < 32; i++) seed[i] = (uint8_t)(v * 13 + i);
    ec_sign_keypair(&kp, seed);
    memset(id, 0, sizeof *id);
    id->params = small;
    id->difficulty_bits = (uint8_t)bits;
    id->salt[0] = v;
    id->timestamp = v;
    ec_identity_sign(id, &kp);
}

static void test_same_identity_is_verified_once(void)
{
    ec_idcache *c;
    ec_idcache_stats st;
    ec_identity id;
    ec_id a1, a2, want;
    CHECK_EQ_INT(ec_idcache_new(&c, 16), EC_OK);
    make(&id, 1, 0);
    CHECK_EQ_INT(ec_identity_verify(&id, NULL, &want), EC_OK);
    CHECK_EQ_INT(ec_idcache_verify(c, &id, &a1), EC_OK);
    CHECK_EQ_INT(ec_idcache_verify(c, &id, &a2), EC_OK);
    CHECK_EQ_INT(ec_idcache_verify(c, &id, NULL), EC_OK);
    CHECK(ec_id_cmp(&a1, &want) == 0 && ec_id_cmp(&a2, &want) == 0);
    ec_idcache_stats_get(c, &st);
    CHECK_EQ_INT(st.misses, 1);
    CHECK_EQ_INT(st.hits, 2);
    CHECK_EQ_INT(st.size, 1);
    ec_idcache_free(c);
}

static void test_failures_are_cached_and_any_byte_change_is_a_new_entry(void)
{
    ec_idcache *c;
    ec_idcache_stats st;
    ec_identity id, forged;
    CHECK_EQ_INT(ec_idcache_new(&c, 16), EC_OK);
    make(&id, 2, 0);
    forged = id;
    forged.signature.b[3] ^= 1;
    CHECK_EQ_INT(ec_idcache_verify(c, &forged, NULL), EC_ERR_SIGNATURE);
    CHECK_EQ_INT(ec_idcache_verify(c, &forged, NULL), EC_ERR_SIGNATURE);
    CHECK_EQ_INT(ec_idcache_verify(c, &id, NULL), EC_OK); /* not confused with the forgery */
    ec_idcache_stats_get(c, &st);
    CHECK_EQ_INT(st.misses, 2);
    CHECK_EQ_INT(st.hits, 1);
    ec_idcache_free(c);
}

static void test_cache_is_bounded_and_evicts_least_recent(void)
{
    ec_idcache *c;
    ec_idcache_stats st;
    ec_identity ids[200];
    CHECK_EQ_INT(ec_idcache_new(&c, 8), EC_OK); /* one set of 8 ways */
    for (int i = 0; i < 200; i++) make(&ids[i], (uint8_t)i, 0);
    for (int i = 0; i < 200; i++) CHECK_EQ_INT(ec_idcache_verify(c, &ids[i], NULL), EC_OK);
    ec_idcache_stats_get(c, &st);
    CHECK_EQ_INT(st.capacity, 8);
    CHECK_EQ_INT(st.size, 8);
    CHECK_EQ_INT(st.evictions, 192);
    /* The 8 most recent are cached, the oldest is not. */
    for (int i = 192; i < 200; i++) ec_idcache_verify(c, &ids[i], NULL);
    ec_idcache_stats_get(c, &st);
    CHECK_EQ_INT(st.hits, 8);
    ec_idcache_verify(c, &ids[0], NULL);
    ec_idcache_stats_get(c, &st);
    CHECK_EQ_INT(st.misses, 201);
    ec_idcache_free(c);
}

static void test_bad_arguments_are_refused(void)
{
    ec_idcache *c = NULL;
    CHECK_EQ_INT(ec_idcache_new(&c, 0), EC_ERR_ARG);
    CHECK_EQ_INT(ec_idcache_new(&c, ((size_t)1 << 24) + 1), EC_ERR_ARG);
    CHECK(c == NULL);
    ec_idcache_free(NULL);
}

int main(void)
{
    if (ec_crypto_init()) return 1;
    RUN(test_same_identity_is_verified_once);
    RUN(test_failures_are_cached_and_any_byte_change_is_a_new_entry);
    RUN(test_cache_is_bounded_and_evicts_least_recent);
    RUN(test_bad_arguments_are_refused);
    return TEST_REPORT("idcache");
}
