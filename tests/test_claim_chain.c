/* A claim against its signer's own chain (core/claim_chain.c, evidence
 * kind 4): a mapping claim names its head's block and position; the
 * signer's block, signed by the same key, holding another id there (or
 * fewer ids) convicts it.
 *   - making it: a true claim gives none; a wrong position or head gives
 *     evidence that verifies (leaf + Merkle path), and so does a position
 *     past the block's count (no path);
 *   - the check: another key's header, a claim set not signed as the
 *     signer's, another height, a tampered path or leaf prove nothing;
 *   - the codec: a round trip, every truncation, trailing byte, version,
 *     bad `which`, path length;
 *   - a node: the EVIDENCE message convicts the signer (kept "mc" +
 *     signer, reloaded on a second node over the same store), a second
 *     copy is known, forged evidence convicts nobody. */
#include <stdlib.h>
#include <string.h>

#include "core/claim_chain.h"
#include "core/claims.h"
#include "core/node.h"
#include "crypto/blake3.h"
#include "test.h"

static ec_keypair liar_kp, other_kp;
static ec_id liar, self;

static ec_id idv(uint8_t a, uint8_t b)
{
    ec_id x;
    memset(&x, a, sizeof x);
    x.b[31] = b;
    return x;
}

/* The liar's block 7 of n ids (idv(0x40 + i, i)), signed by kp. */
static ec_block_header block(ec_id *ids, size_t n, const ec_keypair *kp)
{
    for (size_t i = 0; i < n; i++) ids[i] = idv((uint8_t)(0x40 + i), (uint8_t)i);
    ec_block_header h;
    memset(&h, 0, sizeof h);
    h.height = 7;
    h.timestamp_ms = 1700000000000ull;
    memset(&h.prev, 0x11, sizeof h.prev);
    h.count = (uint8_t)n;
    ec_block_root(ids, n, &h.root);
    ec_block_sign(&h, kp);
    return h;
}

/* One signed claim: token, head, at (height, index). */
static ec_msg_claims claim(const ec_id *head, uint64_t height, uint8_t index)
{
    ec_msg_claims c;
    memset(&c, 0, sizeof c);
    c.n = 1;
    c.c[0].token = idv(0x77, 1);
    c.c[0].head = *head;
    c.c[0].prev = idv(0x66, 1);
    c.c[0].timestamp_ms = 1700000000000ull;
    c.c[0].block_height = height;
    c.c[0].block_index = index;
    ec_claims_sign(&c, &liar_kp, &liar);
    return c;
}

static void test_make_and_check(void)
{
    ec_id ids[EC_BLOCK_TXS_MAX];
    ec_block_header h = block(ids, 13, &liar_kp);
    ec_claim_chain_evidence e;
    /* True claims: no evidence, at every position. */
    for (uint8_t k = 0; k < 13; k++) {
        ec_msg_claims c = claim(&ids[k], 7, k);
        CHECK(!ec_claim_chain_evidence_make(&e, &liar, &c, 0, &h, ids, 13));
    }
    /* A head at another position than it claims: evidence. */
    ec_msg_claims c = claim(&ids[3], 7, 12);
    CHECK(ec_claim_chain_evidence_make(&e, &liar, &c, 0, &h, ids, 13));
    CHECK_EQ_INT(ec_claim_chain_evidence_verify(&e), EC_OK);
    CHECK(ec_id_cmp(&e.leaf, &ids[12]) == 0 && e.plen >= 1);
    /* A made-up head at a real position. */
    ec_id fake = idv(0x99, 9);
    c = claim(&fake, 7, 4);
    CHECK(ec_claim_chain_evidence_make(&e, &liar, &c, 0, &h, ids, 13));
    CHECK_EQ_INT(ec_claim_chain_evidence_verify(&e), EC_OK);
    ec_claim_chain_evidence t = e;
    t.path[0].b[0] ^= 1; /* the path must lead to the root */
    CHECK_EQ_INT(ec_claim_chain_evidence_verify(&t), EC_ERR_MISMATCH);
    t = e;
    t.leaf = fake; /* the "real" id cannot be the claimed head */
    CHECK_EQ_INT(ec_claim_chain_evidence_verify(&t), EC_ERR_MISMATCH);
    t = e;
    t.plen--;
    CHECK_EQ_INT(ec_claim_chain_evidence_verify(&t), EC_ERR_MISMATCH);
    t = e;
    t.signer = self; /* claims signed as the liar's, not self's */
    CHECK_EQ_INT(ec_claim_chain_evidence_verify(&t), EC_ERR_SIGNATURE);
    t = e;
    t.hdr = block(ids, 13, &other_kp); /* the block of another key */
    CHECK_EQ_INT(ec_claim_chain_evidence_verify(&t), EC_ERR_SIGNATURE);
    t = e;
    t.hdr.height = 8; /* another height than the claim names */
    ec_block_sign(&t.hdr, &liar_kp);
    CHECK_EQ_INT(ec_claim_chain_evidence_verify(&t), EC_ERR_MISMATCH);
    /* A position the block does not have: the header alone proves it. */
    c = claim(&fake, 7, 20);
    CHECK(ec_claim_chain_evidence_make(&e, &liar, &c, 0, &h, ids, 13));
    CHECK(e.plen == 0 && ec_id_is_zero(&e.leaf));
    CHECK_EQ_INT(ec_claim_chain_evidence_verify(&e), EC_OK);
    /* No position, no block: nothing to check. */
    c = claim(&fake, 7, EC_MSG_CLAIM_NO_INDEX);
    CHECK(!ec_claim_chain_evidence_make(&e, &liar, &c, 0, &h, ids, 13));
    c = claim(&fake, 6, 2);
    CHECK(!ec_claim_chain_evidence_make(&e, &liar, &c, 0, &h, ids, 13));
}

static void test_codec(void)
{
    ec_id ids[EC_BLOCK_TXS_MAX];
    ec_block_header h = block(ids, 32, &liar_kp);
    ec_id fake = idv(0x99, 9);
    ec_msg_claims c = claim(&fake, 7, 17);
    ec_claim_chain_evidence e, d;
    CHECK(ec_claim_chain_evidence_make(&e, &liar, &c, 0, &h, ids, 32));
    uint8_t buf[EC_CLAIM_CHAIN_EVIDENCE_MAX + 1];
    size_t len = 0;
    CHECK_EQ_INT(ec_claim_chain_evidence_encode(&e, buf, sizeof buf, &len), EC_OK);
    printf("  a claim against its chain: %zu bytes (at most %d; an EVIDENCE message carries %d)\n", len,
           EC_CLAIM_CHAIN_EVIDENCE_MAX, EC_MSG_EVIDENCE_MAX);
    CHECK(EC_CLAIM_CHAIN_EVIDENCE_MAX <= EC_MSG_EVIDENCE_MAX);
    CHECK_EQ_INT(ec_claim_chain_evidence_decode(&d, buf, len), EC_OK);
    CHECK_EQ_INT(ec_claim_chain_evidence_verify(&d), EC_OK);
    uint8_t again[EC_CLAIM_CHAIN_EVIDENCE_MAX];
    size_t len2 = 0;
    CHECK(ec_claim_chain_evidence_encode(&d, again, sizeof again, &len2) == EC_OK && len2 == len &&
          memcmp(again, buf, len) == 0);
    for (size_t k = 0; k < len; k++) {
        ec_err err = ec_claim_chain_evidence_decode(&d, buf, k);
        CHECK(err == EC_ERR_TRUNCATED || err == EC_ERR_MALFORMED);
    }
    buf[len] = 0;
    CHECK_EQ_INT(ec_claim_chain_evidence_decode(&d, buf, len + 1), EC_ERR_TRAILING);
    uint8_t v = buf[0];
    buf[0] = 3;
    CHECK_EQ_INT(ec_claim_chain_evidence_decode(&d, buf, len), EC_ERR_VERSION);
    buf[0] = v;
    /* which: past the set's claims. */
    size_t cl = (size_t)buf[33] | (size_t)buf[34] << 8, at = 35 + cl;
    buf[at] = 1;
    CHECK_EQ_INT(ec_claim_chain_evidence_decode(&d, buf, len), EC_ERR_MALFORMED);
    buf[at] = 0;
    /* plen over 5. */
    buf[len - 1 - e.plen * EC_ID_LEN] = 6;
    CHECK(ec_claim_chain_evidence_decode(&d, buf, len) != EC_OK);
}

static ec_node_id_answer identity(void *arg, const ec_id *addr, const ec_pubkey *key)
{
    (void)arg;
    if (ec_id_cmp(addr, &liar) == 0)
        return memcmp(key->b, liar_kp.pub.b, EC_PUBKEY_LEN) == 0 ? EC_NODE_ID_YES : EC_NODE_ID_NO;
    return EC_NODE_ID_YES;
}

static ec_node *open_node(ec_store *s, ec_rng *rng)
{
    ec_node_config cfg;
    ec_node_config_default(&cfg);
    ec_node_env env = {.addr = self, .store = s, .rng = rng, .identity = identity};
    ec_node *n = NULL;
    CHECK_EQ_INT(ec_node_new(&n, &cfg, &env), EC_OK);
    if (n) CHECK_EQ_INT(ec_node_add_peer(n, &liar, NULL), EC_OK);
    for (uint8_t i = 0; n && i < 8; i++) {
        ec_id p = idv((uint8_t)(0x20 + i), i);
        ec_node_add_peer(n, &p, NULL);
    }
    return n;
}

static size_t msg_of(const ec_claim_chain_evidence *e, uint8_t *buf)
{
    ec_msg *m = calloc(1, sizeof *m);
    size_t len = 0;
    if (m == NULL) return 0;
    m->type = EC_MSG_EVIDENCE;
    CHECK_EQ_INT(ec_claim_chain_evidence_encode(e, m->u.evidence.bytes, sizeof m->u.evidence.bytes, &len), EC_OK);
    m->u.evidence.len = (uint16_t)len;
    CHECK_EQ_INT(ec_msg_encode(m, buf, EC_MSG_MAX, &len), EC_OK);
    free(m);
    return len;
}

static void test_a_node_convicts_and_remembers(void)
{
    ec_id ids[EC_BLOCK_TXS_MAX];
    ec_block_header h = block(ids, 9, &liar_kp);
    ec_id fake = idv(0x99, 9);
    ec_msg_claims c = claim(&fake, 7, 2);
    ec_claim_chain_evidence e;
    CHECK(ec_claim_chain_evidence_make(&e, &liar, &c, 0, &h, ids, 9));
    ec_store *s = NULL;
    CHECK(ec_store_mem_open(&s) == EC_OK);
    ec_rng rng;
    ec_rng_seed(&rng, 3);
    ec_node *n = open_node(s, &rng);
    if (n == NULL) return;
    uint8_t buf[EC_MSG_MAX];
    ec_id from = idv(0x20, 0);
    /* Forged first: the path tampered. */
    ec_claim_chain_evidence f = e;
    f.path[0].b[3] ^= 1;
    size_t len = msg_of(&f, buf);
    CHECK_EQ_INT(ec_node_recv(n, 1000, &from, NULL, buf, len), EC_OK);
    CHECK(!ec_node_convicted(n, &liar));
    CHECK_EQ_INT(ec_node_stats_get(n)->evidence_bad, 1);
    len = msg_of(&e, buf);
    CHECK_EQ_INT(ec_node_recv(n, 1001, &from, NULL, buf, len), EC_OK);
    CHECK(ec_node_convicted(n, &liar));
    CHECK_EQ_INT(ec_node_stats_get(n)->claims_convicted, 1);
    CHECK_EQ_INT(ec_node_recv(n, 1002, &from, NULL, buf, len), EC_OK);
    CHECK_EQ_INT(ec_node_stats_get(n)->evidence_known, 1);
    size_t sent = 0;
    ec_id to;
    uint8_t out[EC_MSG_MAX];
    size_t olen;
    while (ec_node_next_out(n, &to, NULL, out, sizeof out, &olen) == EC_OK) sent += out[0] == EC_MSG_EVIDENCE;
    CHECK(sent >= 1); /* spread to its neighborhood */
    ec_node_free(n);
    /* A node opened on the same store convicts it again ("mc" record). */
    n = open_node(s, &rng);
    if (n) {
        CHECK(ec_node_convicted(n, &liar));
        CHECK_EQ_INT(ec_node_stats_get(n)->evidence_corrupt, 0);
        ec_node_free(n);
    }
    ec_store_close(s);
}

int main(void)
{
    if (ec_crypto_init() != EC_OK) return 1;
    uint8_t s1[EC_SEED_LEN] = {1}, s2[EC_SEED_LEN] = {2};
    ec_sign_keypair(&liar_kp, s1);
    ec_sign_keypair(&other_kp, s2);
    liar = idv(0x30, 0x31);
    self = idv(0x31, 0x30);
    RUN(test_make_and_check);
    RUN(test_codec);
    RUN(test_a_node_convicts_and_remembers);
    return TEST_REPORT("claim_chain");
}
