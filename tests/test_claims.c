/* Signed mapping claims (Minefield; core/claims.h, core/minefield.c,
 * wire/msg_claims.c): signatures, the contradiction rule, the evidence
 * codec and every refusal, the mapping answer's claims on the wire, and a
 * node that convicts an answerer whose claims contradict, spreads it, and
 * never convicts an honest answerer whose head moved on. */
#include <stdlib.h>
#include <string.h>

#include "core/claims.h"
#include "core/node.h"
#include "test.h"

static ec_keypair liar_kp, other_kp;
static ec_id liar, self, token, token2;

static ec_id id_of(uint8_t b, uint8_t last)
{
    ec_id x;
    memset(&x, b, sizeof x);
    x.b[31] = last;
    return x;
}

static ec_msg_claims claims1(const ec_id *tok, const ec_id *head, const ec_id *prev, uint64_t ts)
{
    ec_msg_claims c;
    memset(&c, 0, sizeof c);
    c.n = 1;
    c.c[0].token = *tok;
    c.c[0].head = *head;
    c.c[0].prev = *prev;
    c.c[0].timestamp_ms = ts;
    c.c[0].block_height = 3;
    ec_claims_sign(&c, &liar_kp, &liar);
    return c;
}

static void test_signatures_and_the_contradiction_rule(void)
{
    ec_id h1 = id_of(0xa1, 1), h2 = id_of(0xa2, 2), h3 = id_of(0xa3, 3), p0 = id_of(0xb0, 0);
    ec_msg_claims a = claims1(&token, &h1, &p0, 1000);
    CHECK_EQ_INT(ec_claims_verify(&a, &liar), EC_OK);
    CHECK_EQ_INT(ec_claims_verify(&a, &self), EC_ERR_SIGNATURE); /* signed as the liar's */
    ec_msg_claims t = a;
    t.c[0].timestamp_ms++;
    CHECK_EQ_INT(ec_claims_verify(&t, &liar), EC_ERR_SIGNATURE);
    t = a;
    t.n = 0;
    CHECK_EQ_INT(ec_claims_verify(&t, &liar), EC_ERR_ARG);

    /* Same token, same prev, another head: a contradiction. */
    ec_msg_claims b = claims1(&token, &h2, &p0, 1001);
    ec_id tok;
    CHECK(ec_claims_contradict(&a, &b, &tok));
    CHECK(ec_id_cmp(&tok, &token) == 0);
    /* Honest movement: the next head (its prev is the old head). */
    ec_msg_claims next = claims1(&token, &h3, &h1, 2000);
    CHECK(!ec_claims_contradict(&a, &next, NULL));
    /* The same claim twice, and another token: nothing. */
    CHECK(!ec_claims_contradict(&a, &a, NULL));
    ec_msg_claims other = claims1(&token2, &h2, &p0, 1001);
    CHECK(!ec_claims_contradict(&a, &other, NULL));

    ec_claims_evidence e = {liar, a, b};
    CHECK_EQ_INT(ec_claims_evidence_verify(&e, &tok), EC_OK);
    ec_claims_evidence bad = {liar, a, next};
    CHECK_EQ_INT(ec_claims_evidence_verify(&bad, NULL), EC_ERR_MISMATCH);
    bad = e;
    bad.signer = self; /* not whose they are */
    CHECK_EQ_INT(ec_claims_evidence_verify(&bad, NULL), EC_ERR_SIGNATURE);
    bad = e;
    bad.b.sig.b[5] ^= 1;
    CHECK_EQ_INT(ec_claims_evidence_verify(&bad, NULL), EC_ERR_SIGNATURE);
    /* Two keys: each its own statement, no one's lie. */
    bad = e;
    ec_claims_sign(&bad.b, &other_kp, &liar);
    CHECK_EQ_INT(ec_claims_evidence_verify(&bad, NULL), EC_ERR_MISMATCH);
}

static void test_the_evidence_codec_is_strict(void)
{
    ec_id h1 = id_of(0xa1, 1), h2 = id_of(0xa2, 2), p0 = id_of(0xb0, 0);
    ec_claims_evidence e = {liar, claims1(&token, &h1, &p0, 1000), claims1(&token, &h2, &p0, 1001)};
    uint8_t buf[EC_CLAIMS_EVIDENCE_MAX + 8];
    size_t len = 0;
    CHECK_EQ_INT(ec_claims_evidence_encode(&e, buf, sizeof buf, &len), EC_OK);
    CHECK(len <= EC_CLAIMS_EVIDENCE_MAX && len <= EC_MSG_EVIDENCE_MAX); /* one datagram */
    printf("  one-claim evidence: %zu bytes; at most %d\n", len, EC_CLAIMS_EVIDENCE_MAX);
    ec_claims_evidence d;
    CHECK_EQ_INT(ec_claims_evidence_decode(&d, buf, len), EC_OK);
    CHECK(memcmp(&d, &e, sizeof d) == 0);
    for (size_t k = 0; k < len; k++) CHECK(ec_claims_evidence_decode(&d, buf, k) != EC_OK);
    buf[len] = 0;
    CHECK_EQ_INT(ec_claims_evidence_decode(&d, buf, len + 1), EC_ERR_TRAILING);
    buf[0] = 1;
    CHECK_EQ_INT(ec_claims_evidence_decode(&d, buf, len), EC_ERR_VERSION);
    buf[0] = EC_CLAIMS_EVIDENCE_VERSION;
    /* A claim set of 0 (unsigned) has no place in evidence. */
    ec_claims_evidence z = e;
    memset(&z.b, 0, sizeof z.b);
    CHECK_EQ_INT(ec_claims_evidence_encode(&z, buf, sizeof buf, &len), EC_OK);
    CHECK_EQ_INT(ec_claims_evidence_decode(&d, buf, len), EC_ERR_MALFORMED);
}

static void test_claims_on_the_wire(void)
{
    ec_id h1 = id_of(0xa1, 1), p0 = id_of(0xb0, 0);
    ec_msg m;
    memset(&m, 0, sizeof m);
    m.type = EC_MSG_MAPPING;
    m.u.mapping.token = token;
    m.u.mapping.found = 1;
    m.u.mapping.tx_id = h1;
    m.u.mapping.timestamp_ms = 1000;
    m.u.mapping.claims = claims1(&token, &h1, &p0, 1000);
    uint8_t buf[EC_MSG_MAX];
    size_t len = 0, plain = 0;
    CHECK_EQ_INT(ec_msg_encode(&m, buf, sizeof buf, &len), EC_OK);
    ec_msg d;
    CHECK_EQ_INT(ec_msg_decode(&d, buf, len), EC_OK);
    CHECK(memcmp(&d.u.mapping, &m.u.mapping, sizeof m.u.mapping) == 0);
    for (size_t k = 0; k < len; k++) CHECK(ec_msg_decode(&d, buf, k) != EC_OK);
    ec_msg u = m;
    memset(&u.u.mapping.claims, 0, sizeof u.u.mapping.claims);
    CHECK_EQ_INT(ec_msg_encode(&u, buf, sizeof buf, &plain), EC_OK);
    /* Four claims: what Minefield adds to a mapping answer. */
    ec_msg f = m;
    f.u.mapping.claims.n = 4;
    for (int i = 1; i < 4; i++) {
        f.u.mapping.claims.c[i] = f.u.mapping.claims.c[0];
        f.u.mapping.claims.c[i].token = id_of(0x70, (uint8_t)i);
    }
    size_t full = 0;
    CHECK_EQ_INT(ec_msg_encode(&f, buf, sizeof buf, &full), EC_OK);
    printf("  mapping answer: %zu bytes unsigned, %zu with 1 claim, %zu with 4 (+%zu)\n", plain, len, full,
           full - plain);
    CHECK_EQ_INT(full - plain, 32 + 64 + 4 * 113); /* the count byte is there unsigned too */

    /* The rules: the first claim is the answer; tokens distinct; unused zero. */
    ec_msg x = m;
    x.u.mapping.claims.c[0].head = id_of(0xa9, 9);
    CHECK_EQ_INT(ec_msg_encode(&x, buf, sizeof buf, &len), EC_ERR_MALFORMED);
    x = f;
    x.u.mapping.claims.c[2].token = x.u.mapping.claims.c[1].token;
    CHECK_EQ_INT(ec_msg_encode(&x, buf, sizeof buf, &len), EC_ERR_MALFORMED);
    x = m;
    x.u.mapping.claims.c[3].timestamp_ms = 1;
    CHECK_EQ_INT(ec_msg_encode(&x, buf, sizeof buf, &len), EC_ERR_MALFORMED);
    x = m;
    x.u.mapping.found = 0;
    memset(&x.u.mapping.tx_id, 0, sizeof x.u.mapping.tx_id);
    x.u.mapping.timestamp_ms = 0;
    CHECK_EQ_INT(ec_msg_encode(&x, buf, sizeof buf, &len), EC_ERR_MALFORMED); /* claims the token it lacks */
    x = m;
    memset(&x.u.mapping.claims.c[0].head, 0, EC_ID_LEN);
    CHECK_EQ_INT(ec_msg_encode(&x, buf, sizeof buf, &len), EC_ERR_MALFORMED);
    x = u;
    x.u.mapping.claims.sig.b[0] = 1; /* n = 0 with a signature */
    CHECK_EQ_INT(ec_msg_encode(&x, buf, sizeof buf, &len), EC_ERR_MALFORMED);
}

static ec_node_id_answer identity(void *arg, const ec_id *addr, const ec_pubkey *key)
{
    (void)arg;
    if (ec_id_cmp(addr, &liar) == 0) return memcmp(key->b, liar_kp.pub.b, EC_PUBKEY_LEN) == 0 ? EC_NODE_ID_YES : EC_NODE_ID_NO;
    return EC_NODE_ID_YES;
}

static size_t mapping_msg(uint8_t *buf, const ec_id *head, const ec_msg_claims *c, uint64_t ts)
{
    ec_msg m;
    memset(&m, 0, sizeof m);
    m.type = EC_MSG_MAPPING;
    m.u.mapping.token = token;
    m.u.mapping.found = 1;
    m.u.mapping.tx_id = *head;
    m.u.mapping.timestamp_ms = ts;
    m.u.mapping.claims = *c;
    size_t len = 0;
    CHECK_EQ_INT(ec_msg_encode(&m, buf, EC_MSG_MAX, &len), EC_OK);
    return len;
}

static ec_node *new_node(ec_store **s, const ec_id *addr)
{
    CHECK_EQ_INT(ec_store_mem_open(s), EC_OK);
    ec_node_config cfg;
    ec_node_config_default(&cfg);
    static ec_rng rng;
    ec_rng_seed(&rng, 3);
    ec_node_env env = {.addr = *addr, .store = *s, .rng = &rng, .identity = identity};
    ec_node *n = NULL;
    CHECK_EQ_INT(ec_node_new(&n, &cfg, &env), EC_OK);
    return n;
}

static bool list_one(void *arg, const ec_id *signer, const ec_claims_evidence *e)
{
    CHECK(ec_id_cmp(signer, &liar) == 0);
    CHECK_EQ_INT(ec_claims_evidence_verify(e, NULL), EC_OK);
    ++*(int *)arg;
    return true;
}

static void test_a_node_convicts_an_answerer_whose_claims_contradict(void)
{
    ec_store *s;
    ec_node *n = new_node(&s, &self);
    for (uint8_t i = 1; i <= 9; i++) {
        ec_id p = id_of(0x20, i);
        CHECK_EQ_INT(ec_node_add_peer(n, &p, NULL), EC_OK);
    }
    ec_id h1 = id_of(0xa1, 1), h2 = id_of(0xa2, 2), h3 = id_of(0xa3, 3), p0 = id_of(0xb0, 0);
    uint8_t buf[EC_MSG_MAX];
    ec_msg_claims a = claims1(&token, &h1, &p0, 1000), next = claims1(&token, &h3, &h1, 2000);
    /* Unasked answers are not looked at: they cannot fill the table. */
    size_t len = mapping_msg(buf, &h1, &a, 1000);
    CHECK_EQ_INT(ec_node_recv(n, 5, &liar, NULL, buf, len), EC_OK);
    CHECK_EQ_INT(ec_node_stats_get(n)->claims_kept, 0);
    /* Our catch-up of the token asks: its answers are. */
    CHECK_EQ_INT(ec_node_sync_token(n, 6, &token), EC_OK);
    /* Honest movement: h1 on p0, then h3 on h1: kept, nothing convicted. */
    CHECK_EQ_INT(ec_node_recv(n, 10, &liar, NULL, buf, len), EC_OK);
    len = mapping_msg(buf, &h3, &next, 2000);
    CHECK_EQ_INT(ec_node_recv(n, 11, &liar, NULL, buf, len), EC_OK);
    CHECK(!ec_node_convicted(n, &liar));
    CHECK(ec_node_stats_get(n)->claims_kept >= 1);
    /* Forged under another key: refused, not kept. */
    ec_msg_claims forged = claims1(&token, &h2, &h1, 2001);
    ec_claims_sign(&forged, &other_kp, &liar);
    len = mapping_msg(buf, &h2, &forged, 2001);
    CHECK_EQ_INT(ec_node_recv(n, 12, &liar, NULL, buf, len), EC_OK);
    CHECK_EQ_INT(ec_node_stats_get(n)->claims_bad, 1);
    CHECK(!ec_node_convicted(n, &liar));
    /* A sibling of h3 (another head on h1), signed by the liar: convicted. */
    ec_msg_claims sib = claims1(&token, &h2, &h1, 2001);
    len = mapping_msg(buf, &h2, &sib, 2001);
    CHECK_EQ_INT(ec_node_recv(n, 13, &liar, NULL, buf, len), EC_OK);
    CHECK(ec_node_convicted(n, &liar));
    CHECK_EQ_INT(ec_node_stats_get(n)->claims_convicted, 1);
    /* The evidence goes out: a second node checks it alone and convicts. */
    ec_id to;
    uint8_t out[EC_MSG_MAX];
    size_t olen = 0, sent = 0, evlen = 0;
    uint8_t ev[EC_MSG_MAX];
    while (ec_node_next_out(n, &to, NULL, out, sizeof out, &olen) == EC_OK)
        if (out[0] == EC_MSG_EVIDENCE) {
            sent++;
            memcpy(ev, out, olen);
            evlen = olen;
        }
    CHECK(sent > 0);
    CHECK_EQ_INT(ev[1], EC_CLAIMS_EVIDENCE_VERSION);
    ec_store *s2;
    ec_id second = id_of(0x30, 1);
    ec_node *n2 = new_node(&s2, &second);
    CHECK(!ec_node_convicted(n2, &liar));
    CHECK_EQ_INT(ec_node_recv(n2, 20, &self, NULL, ev, evlen), EC_OK);
    CHECK(ec_node_convicted(n2, &liar));
    CHECK_EQ_INT(ec_node_stats_get(n2)->evidence_received, 1);
    ec_node_free(n2);
    ec_store_close(s2);
    /* Kept ("mf" + the liar): a node opened later on the store knows. */
    ec_node_free(n);
    ec_node_config cfg;
    ec_node_config_default(&cfg);
    ec_rng rng;
    ec_rng_seed(&rng, 4);
    ec_node_env env = {.addr = self, .store = s, .rng = &rng, .identity = identity};
    CHECK_EQ_INT(ec_node_new(&n, &cfg, &env), EC_OK);
    CHECK(ec_node_convicted(n, &liar));
    CHECK_EQ_INT(ec_node_stats_get(n)->evidence_corrupt, 0);
    int listed = 0;
    CHECK_EQ_INT(ec_node_claims_evidence_each(n, list_one, &listed), EC_OK);
    CHECK_EQ_INT(listed, 1);
    ec_node_free(n);
    ec_store_close(s);
}

/* The kept claims are bounded (claims_max), the oldest out first. */
static void test_kept_claims_are_bounded(void)
{
    ec_store *s;
    CHECK_EQ_INT(ec_store_mem_open(&s), EC_OK);
    ec_node_config cfg;
    ec_node_config_default(&cfg);
    cfg.claims_max = 4;
    ec_rng rng;
    ec_rng_seed(&rng, 3);
    ec_node_env env = {.addr = self, .store = s, .rng = &rng, .identity = identity};
    ec_node *n = NULL;
    CHECK_EQ_INT(ec_node_new(&n, &cfg, &env), EC_OK);
    for (uint8_t i = 1; i <= 9; i++) {
        ec_id p = id_of(0x20, i);
        CHECK_EQ_INT(ec_node_add_peer(n, &p, NULL), EC_OK);
    }
    uint8_t buf[EC_MSG_MAX];
    for (uint8_t k = 0; k < 6; k++) {
        ec_id tok = id_of(0x50, k), head = id_of(0x60, k), p0 = id_of(0xb0, 0);
        CHECK_EQ_INT(ec_node_sync_token(n, 10 + k, &tok), EC_OK);
        ec_msg_claims c = claims1(&tok, &head, &p0, 1000 + k);
        ec_msg m;
        memset(&m, 0, sizeof m);
        m.type = EC_MSG_MAPPING;
        m.u.mapping.token = tok;
        m.u.mapping.found = 1;
        m.u.mapping.tx_id = head;
        m.u.mapping.timestamp_ms = 1000 + k;
        m.u.mapping.claims = c;
        size_t len = 0;
        CHECK_EQ_INT(ec_msg_encode(&m, buf, sizeof buf, &len), EC_OK);
        CHECK_EQ_INT(ec_node_recv(n, 20 + k, &liar, NULL, buf, len), EC_OK);
        const char *why = NULL;
        CHECK_EQ_INT(ec_node_check(n, &why), EC_OK);
    }
    CHECK_EQ_INT(ec_node_stats_get(n)->claims_kept, 6);
    CHECK_EQ_INT(ec_node_stats_get(n)->claims_evicted, 2);
    ec_node_free(n);
    ec_store_close(s);
}

int main(void)
{
    if (ec_crypto_init()) return 1;
    uint8_t seed[EC_SEED_LEN];
    memset(seed, 5, sizeof seed);
    ec_sign_keypair(&liar_kp, seed);
    memset(seed, 6, sizeof seed);
    ec_sign_keypair(&other_kp, seed);
    liar = id_of(0x21, 0x77);
    self = id_of(0x10, 1);
    token = id_of(0x41, 1);
    token2 = id_of(0x42, 2);
    RUN(test_signatures_and_the_contradiction_rule);
    RUN(test_the_evidence_codec_is_strict);
    RUN(test_claims_on_the_wire);
    RUN(test_a_node_convicts_an_answerer_whose_claims_contradict);
    RUN(test_kept_claims_are_bounded);
    return TEST_REPORT("claims");
}
