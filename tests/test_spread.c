/* Spreading evidence (core/convict.c, docs/SECURITY.md "Spreading"): an
 * EVIDENCE message that proves a voter's two +1 votes on one head convicts
 * the voter at a node that never saw either vote, is kept, raised as an
 * event, and sent on once to the accused's neighborhood; the same evidence
 * again is not sent on; evidence that proves nothing, or whose key is not
 * the accused's identity key, convicts nobody. */
#include <stdlib.h>
#include <string.h>

#include "core/node.h"
#include "core/vote_sig.h"
#include "crypto/blake3.h"
#include "evidence_util.h"
#include "test.h"

static ec_keypair client, voter_kp, owner_kp, stranger_kp;
static ec_id token, prev, self, voter;

#define PEERS 12
static ec_id peer[PEERS];

/* Evidence against `voter` signed with kp: its +1 on two transfers of one head. */
static void make_evidence(ec_vote_evidence *e, const ec_keypair *kp)
{
    eu_evidence(e, &voter, kp, &token, &owner_kp, &prev, &client);
}

static size_t encode(const ec_vote_evidence *e, uint8_t *buf)
{
    ec_msg m;
    memset(&m, 0, sizeof m);
    m.type = EC_MSG_EVIDENCE;
    size_t len = 0;
    CHECK_EQ_INT(ec_evidence_encode(e, m.u.evidence.bytes, sizeof m.u.evidence.bytes, &len), EC_OK);
    m.u.evidence.len = (uint16_t)len;
    CHECK_EQ_INT(ec_msg_encode(&m, buf, EC_MSG_MAX, &len), EC_OK);
    return len;
}

/* The identity check: the voter's key is voter_kp's; every peer is known. */
static ec_node_id_answer identity(void *arg, const ec_id *addr, const ec_pubkey *key)
{
    (void)arg;
    if (ec_id_cmp(addr, &voter) == 0) return memcmp(key->b, voter_kp.pub.b, EC_PUBKEY_LEN) == 0 ? EC_NODE_ID_YES : EC_NODE_ID_NO;
    return EC_NODE_ID_YES;
}

/* Outbound EVIDENCE messages (drained), and to whom. */
static size_t drain_evidence(ec_node *n, ec_id *to, size_t cap)
{
    size_t k = 0;
    ec_id dest;
    uint8_t buf[EC_MSG_MAX];
    size_t len;
    while (ec_node_next_out(n, &dest, NULL, buf, sizeof buf, &len) == EC_OK)
        if (len > 0 && buf[0] == EC_MSG_EVIDENCE && k < cap) to[k++] = dest;
    return k;
}

static void test_evidence_received_convicts_and_spreads_once(void)
{
    ec_store *s = NULL;
    CHECK_EQ_INT(ec_store_mem_open(&s), EC_OK);
    ec_node_config cfg;
    ec_node_config_default(&cfg);
    ec_rng rng;
    ec_rng_seed(&rng, 7);
    ec_node_env env = {.addr = self, .store = s, .rng = &rng, .identity = identity};
    ec_node *n = NULL;
    CHECK_EQ_INT(ec_node_new(&n, &cfg, &env), EC_OK);
    for (int i = 0; i < PEERS; i++) CHECK_EQ_INT(ec_node_add_peer(n, &peer[i], NULL), EC_OK);
    CHECK_EQ_INT(ec_node_add_peer(n, &voter, NULL), EC_OK);

    ec_vote_evidence *e = malloc(sizeof *e);
    uint8_t buf[EC_MSG_MAX];
    ec_id to[64];

    /* Proves nothing: the second vote signed by another key. */
    make_evidence(e, &voter_kp);
    ec_vote_evidence *bad = malloc(sizeof *bad);
    *bad = *e;
    bad->side[1].sig.b[0] ^= 1;
    size_t len = encode(bad, buf);
    CHECK_EQ_INT(ec_node_recv(n, 10, &peer[0], NULL, buf, len), EC_OK);
    CHECK(!ec_node_convicted(n, &voter));
    CHECK_EQ_INT(ec_node_stats_get(n)->evidence_bad, 1);
    CHECK_EQ_INT(drain_evidence(n, to, 64), 0);

    /* A real pair, but under a key that is not the voter's identity key. */
    make_evidence(bad, &stranger_kp);
    len = encode(bad, buf);
    CHECK_EQ_INT(ec_node_recv(n, 11, &peer[0], NULL, buf, len), EC_OK);
    CHECK(!ec_node_convicted(n, &voter));
    CHECK_EQ_INT(ec_node_stats_get(n)->evidence_unverified, 1);
    CHECK_EQ_INT(drain_evidence(n, to, 64), 0);

    /* The real thing: convicted, kept, an event, sent on to the voter's
     * nearest (not back to the sender, not to the voter). */
    len = encode(e, buf);
    CHECK_EQ_INT(ec_node_recv(n, 12, &peer[0], NULL, buf, len), EC_OK);
    CHECK(ec_node_convicted(n, &voter));
    CHECK_EQ_INT(ec_node_stats_get(n)->evidence_received, 1);
    ec_vote_evidence kept;
    CHECK_EQ_INT(ec_node_evidence(n, &voter, &kept), EC_OK);
    ec_node_event ev;
    bool seen = false;
    while (ec_node_next_event(n, &ev) == EC_OK) seen |= ev.type == EC_NODE_EV_EVIDENCE && ec_id_cmp(&ev.from, &voter) == 0;
    CHECK(seen);
    size_t k = drain_evidence(n, to, 64);
    CHECK_EQ_INT(k, cfg.w - 1); /* w nearest of the voter but the sender (the voter is not its own) */
    for (size_t i = 0; i < k; i++) {
        CHECK(ec_id_cmp(&to[i], &peer[0]) != 0);
        CHECK(ec_id_cmp(&to[i], &voter) != 0);
    }
    CHECK_EQ_INT(ec_node_stats_get(n)->evidence_sent, k);

    /* Again: known, not sent on (the gossip ends). */
    CHECK_EQ_INT(ec_node_recv(n, 13, &peer[1], NULL, buf, len), EC_OK);
    CHECK_EQ_INT(ec_node_stats_get(n)->evidence_known, 1);
    CHECK_EQ_INT(drain_evidence(n, to, 64), 0);

    free(bad);
    free(e);
    ec_node_free(n);
    ec_store_close(s);
}

static void test_ignore_evidence_leaves_it_alone(void)
{
    ec_store *s = NULL;
    CHECK_EQ_INT(ec_store_mem_open(&s), EC_OK);
    ec_node_config cfg;
    ec_node_config_default(&cfg);
    cfg.ignore_evidence = true;
    ec_rng rng;
    ec_rng_seed(&rng, 7);
    ec_node_env env = {.addr = self, .store = s, .rng = &rng, .identity = identity};
    ec_node *n = NULL;
    CHECK_EQ_INT(ec_node_new(&n, &cfg, &env), EC_OK);
    ec_vote_evidence *e = malloc(sizeof *e);
    make_evidence(e, &voter_kp);
    uint8_t buf[EC_MSG_MAX];
    size_t len = encode(e, buf);
    CHECK_EQ_INT(ec_node_recv(n, 12, &peer[0], NULL, buf, len), EC_OK);
    CHECK(!ec_node_convicted(n, &voter));
    free(e);
    ec_node_free(n);
    ec_store_close(s);
}

int main(void)
{
    if (ec_crypto_init()) return 1;
    uint8_t seed[EC_SEED_LEN];
    memset(seed, 1, sizeof seed);
    ec_sign_keypair(&client, seed);
    memset(seed, 2, sizeof seed);
    ec_sign_keypair(&voter_kp, seed);
    memset(seed, 3, sizeof seed);
    ec_sign_keypair(&owner_kp, seed);
    memset(seed, 4, sizeof seed);
    ec_sign_keypair(&stranger_kp, seed);
    memset(&token, 0x41, sizeof token);
    memset(&prev, 0x42, sizeof prev);
    memset(&self, 0x10, sizeof self);
    memset(&voter, 0x20, sizeof voter);
    for (int i = 0; i < PEERS; i++) {
        memset(&peer[i], 0x20, sizeof peer[i]);
        peer[i].b[31] = (uint8_t)(i + 1);
        peer[i].b[20] = (uint8_t)(i * 17);
    }
    RUN(test_evidence_received_convicts_and_spreads_once);
    RUN(test_ignore_evidence_leaves_it_alone);
    return TEST_REPORT("spread");
}
