/* Chain equivocation evidence (core/chain_evidence.c, core/convict.c):
 * two block headers one key signed at one height with different hashes.
 *   - the codec: a round trip (the largest evidence is exactly
 *     EC_CHAIN_EVIDENCE_MAX and fits one EVIDENCE message), and every
 *     refusal: truncation, trailing bytes, another version, a header
 *     length over EC_BLOCK_HEADER_MAX, a header that does not decode;
 *   - the check: a genuine fork proves it; the same block twice, or two
 *     heights, prove nothing; a header signed by another key, or a
 *     corrupted signature, fail;
 *   - a node: an EVIDENCE message with it convicts the signer (counted in
 *     chain_convicted), is kept ("ch" + signer), raised as an event and
 *     sent on to the signer's nearest; a second copy is "known"; forged
 *     evidence, or evidence under a key that is not the signer's identity
 *     key, convicts nobody; a node opened later on the same store (both
 *     backends; LMDB from disk) convicts the signer again and lists the
 *     evidence; stored records that do not prove a fork are skipped and
 *     counted;
 *   - chain sync finding the fork itself: a source that lost its chain and
 *     built another one at the follower's locator height is convicted by
 *     the follower (node.c passes sync's fork to convict.c). */
#include <stdlib.h>
#include <string.h>

#include "core/chain_evidence.h"
#include "core/node.h"
#include "crypto/blake3.h"
#include "ledger_util.h"
#include "store_util.h"
#include "test.h"

static ec_keypair liar_kp, other_kp;
static ec_id liar, self;

#define PEERS 12
static ec_id peer[PEERS];

/* A header at `height` whose root is filled with `tag`, signed by kp. */
static ec_block_header header(uint64_t height, uint8_t tag, uint8_t jumps, const ec_keypair *kp)
{
    ec_block_header h;
    memset(&h, 0, sizeof h);
    h.height = height;
    h.timestamp_ms = 1700000000000ull + height * 1000;
    if (height > 1) memset(&h.prev, 0x11, sizeof h.prev);
    h.jumps = jumps;
    for (int k = 0; k < EC_BLOCK_JUMPS; k++)
        if (jumps >> k & 1) memset(&h.jump[k], 0x30 + k, sizeof h.jump[k]);
    memset(&h.root, tag, sizeof h.root);
    h.count = 3;
    ec_block_sign(&h, kp);
    return h;
}

/* A genuine fork of the liar's chain at height 5. */
static ec_chain_evidence fork_of(uint8_t jumps)
{
    ec_chain_evidence e;
    memset(&e, 0, sizeof e);
    e.signer = liar;
    e.key = liar_kp.pub;
    e.a = header(5, 0xa1, jumps, &liar_kp);
    e.b = header(5, 0xb2, jumps, &liar_kp);
    return e;
}

static void test_the_codec_round_trips(void)
{
    ec_chain_evidence e = fork_of(0), d;
    uint8_t buf[EC_CHAIN_EVIDENCE_MAX + 8];
    size_t len = 0;
    CHECK_EQ_INT(ec_chain_evidence_encode(&e, buf, sizeof buf, &len), EC_OK);
    CHECK_EQ_INT(len, 1 + 2 * EC_ID_LEN + 2 * (2 + EC_BLOCK_HEADER_MIN));
    CHECK_EQ_INT(buf[0], EC_CHAIN_EVIDENCE_VERSION);
    CHECK_EQ_INT(ec_chain_evidence_decode(&d, buf, len), EC_OK);
    CHECK(memcmp(&d, &e, sizeof d) == 0);
    /* The largest: both headers with all five jumps. */
    e = fork_of(0x1f);
    size_t max = 0;
    CHECK_EQ_INT(ec_chain_evidence_encode(&e, buf, sizeof buf, &max), EC_OK);
    CHECK_EQ_INT(max, EC_CHAIN_EVIDENCE_MAX);
    CHECK(max <= EC_MSG_EVIDENCE_MAX); /* one datagram */
    printf("  chain evidence: %zu bytes, at most %zu\n", len, max);
    CHECK_EQ_INT(ec_chain_evidence_decode(&d, buf, max), EC_OK);
    CHECK(memcmp(&d, &e, sizeof d) == 0);
    /* The encoder: too small a buffer, a header out of range. */
    CHECK_EQ_INT(ec_chain_evidence_encode(&e, buf, max - 1, &len), EC_ERR_RANGE);
    ec_chain_evidence z = e;
    z.b.count = 0;
    CHECK_EQ_INT(ec_chain_evidence_encode(&z, buf, sizeof buf, &len), EC_ERR_ARG);
    z = e;
    z.a.height = 0;
    CHECK_EQ_INT(ec_chain_evidence_encode(&z, buf, sizeof buf, &len), EC_ERR_ARG);
    CHECK_EQ_INT(ec_chain_evidence_encode(NULL, buf, sizeof buf, &len), EC_ERR_ARG);
    CHECK_EQ_INT(ec_chain_evidence_decode(NULL, buf, max), EC_ERR_ARG);
}

static void test_the_decoder_is_strict(void)
{
    ec_chain_evidence e = fork_of(0x05), d;
    uint8_t buf[EC_CHAIN_EVIDENCE_MAX + 8], t[EC_CHAIN_EVIDENCE_MAX + 8];
    size_t len = 0;
    CHECK_EQ_INT(ec_chain_evidence_encode(&e, buf, sizeof buf, &len), EC_OK);
    /* Every cut is truncated. */
    for (size_t k = 0; k < len; k++) CHECK_EQ_INT(ec_chain_evidence_decode(&d, buf, k), EC_ERR_TRUNCATED);
    /* A byte more. */
    buf[len] = 0;
    CHECK_EQ_INT(ec_chain_evidence_decode(&d, buf, len + 1), EC_ERR_TRAILING);
    /* Another version: the other kinds' bytes, and an unknown one. */
    const uint8_t versions[] = {0, 1, 2, 4, 0xff};
    for (size_t i = 0; i < sizeof versions; i++) {
        memcpy(t, buf, len);
        t[0] = versions[i];
        CHECK_EQ_INT(ec_chain_evidence_decode(&d, t, len), EC_ERR_VERSION);
    }
    const size_t la = 1 + 2 * EC_ID_LEN; /* header a's length field */
    size_t alen = (size_t)buf[la] | (size_t)buf[la + 1] << 8;
    const size_t lb = la + 2 + alen;     /* header b's */
    CHECK_EQ_INT(alen, EC_BLOCK_HEADER_MIN + 2 * EC_ID_LEN);
    /* A header length over EC_BLOCK_HEADER_MAX (the bytes there or not). */
    const size_t over[] = {EC_BLOCK_HEADER_MAX + 1, 0xffff};
    for (size_t i = 0; i < 2; i++) {
        for (int side = 0; side < 2; side++) {
            size_t at = side ? lb : la;
            memcpy(t, buf, len);
            t[at] = (uint8_t)over[i];
            t[at + 1] = (uint8_t)(over[i] >> 8);
            CHECK_EQ_INT(ec_chain_evidence_decode(&d, t, len), EC_ERR_MALFORMED);
        }
    }
    /* Headers that do not decode on their own length. */
    memcpy(t, buf, len);
    t[la + 2] = 2; /* header a's version */
    CHECK_EQ_INT(ec_chain_evidence_decode(&d, t, len), EC_ERR_MALFORMED);
    memcpy(t, buf, len);
    t[lb + 2 + 1] |= 0x80; /* header b's reserved jump bit */
    CHECK_EQ_INT(ec_chain_evidence_decode(&d, t, len), EC_ERR_MALFORMED);
    memcpy(t, buf, len);
    memset(t + la + 2 + 2, 0, 8); /* header a's height 0 */
    CHECK_EQ_INT(ec_chain_evidence_decode(&d, t, len), EC_ERR_MALFORMED);
    memcpy(t, buf, len);
    t[lb + 2 + alen - 64 - 1] = 0; /* header b's count 0 */
    CHECK_EQ_INT(ec_chain_evidence_decode(&d, t, len), EC_ERR_MALFORMED);
    /* Header a's length one short (its last byte read as b's length) and
     * one long (b's first length byte read as a's): neither decodes. */
    memcpy(t, buf, len);
    t[la] = (uint8_t)(alen - 1);
    CHECK_EQ_INT(ec_chain_evidence_decode(&d, t, len), EC_ERR_MALFORMED);
    memcpy(t, buf, len);
    t[la] = (uint8_t)(alen + 1);
    CHECK_EQ_INT(ec_chain_evidence_decode(&d, t, len), EC_ERR_MALFORMED);
    /* The same struct decodes cleanly after all those failures. */
    CHECK_EQ_INT(ec_chain_evidence_decode(&d, buf, len), EC_OK);
    CHECK(memcmp(&d, &e, sizeof d) == 0);
}

static void test_the_check(void)
{
    ec_chain_evidence e = fork_of(0), x;
    CHECK_EQ_INT(ec_chain_evidence_verify(&e), EC_OK);
    /* Whose it is, is the caller's question: the signer is not checked here. */
    x = e;
    x.signer = self;
    CHECK_EQ_INT(ec_chain_evidence_verify(&x), EC_OK);
    /* The same header twice: one block, no fork. */
    x = e;
    x.b = x.a;
    CHECK_EQ_INT(ec_chain_evidence_verify(&x), EC_ERR_MISMATCH);
    /* The same block signed again under another key: the hash excludes
     * the signature, so still one block. */
    x.b = x.a;
    ec_block_sign(&x.b, &other_kp);
    CHECK_EQ_INT(ec_chain_evidence_verify(&x), EC_ERR_MISMATCH);
    /* Two heights: a chain that grew, no fork. */
    x = e;
    x.b = header(6, 0xb2, 0, &liar_kp);
    CHECK_EQ_INT(ec_chain_evidence_verify(&x), EC_ERR_MISMATCH);
    x.a = header(1, 0xa1, 0, &liar_kp);
    CHECK_EQ_INT(ec_chain_evidence_verify(&x), EC_ERR_MISMATCH);
    /* One of the two signed by another key: each its own statement. */
    x = e;
    x.b = header(5, 0xb2, 0, &other_kp);
    CHECK_EQ_INT(ec_chain_evidence_verify(&x), EC_ERR_SIGNATURE);
    x = e;
    x.a = header(5, 0xa1, 0, &other_kp);
    CHECK_EQ_INT(ec_chain_evidence_verify(&x), EC_ERR_SIGNATURE);
    /* Both signed by the other key, but named as the liar's key. */
    x.b = header(5, 0xb2, 0, &other_kp);
    CHECK_EQ_INT(ec_chain_evidence_verify(&x), EC_ERR_SIGNATURE);
    /* A corrupted signature, on either side; a header changed after signing. */
    x = e;
    x.a.sig.b[7] ^= 1;
    CHECK_EQ_INT(ec_chain_evidence_verify(&x), EC_ERR_SIGNATURE);
    x = e;
    x.b.sig.b[63] ^= 0x40;
    CHECK_EQ_INT(ec_chain_evidence_verify(&x), EC_ERR_SIGNATURE);
    x = e;
    x.b.timestamp_ms++;
    CHECK_EQ_INT(ec_chain_evidence_verify(&x), EC_ERR_SIGNATURE);
    /* The key field another key. */
    x = e;
    x.key = other_kp.pub;
    CHECK_EQ_INT(ec_chain_evidence_verify(&x), EC_ERR_SIGNATURE);
    CHECK_EQ_INT(ec_chain_evidence_verify(NULL), EC_ERR_ARG);
}

/* ---- At a node. */

/* The identity check: the liar's key is liar_kp's; everyone else is known. */
static ec_node_id_answer identity(void *arg, const ec_id *addr, const ec_pubkey *key)
{
    (void)arg;
    if (ec_id_cmp(addr, &liar) == 0)
        return memcmp(key->b, liar_kp.pub.b, EC_PUBKEY_LEN) == 0 ? EC_NODE_ID_YES : EC_NODE_ID_NO;
    return EC_NODE_ID_YES;
}

static ec_node *open_node(ec_store *s, ec_rng *rng, const ec_id *addr, bool ignore)
{
    ec_node_config cfg;
    ec_node_config_default(&cfg);
    cfg.ignore_evidence = ignore;
    ec_node_env env = {.addr = *addr, .store = s, .rng = rng, .identity = identity};
    ec_node *n = NULL;
    CHECK_EQ_INT(ec_node_new(&n, &cfg, &env), EC_OK);
    for (int i = 0; n && i < PEERS; i++) CHECK_EQ_INT(ec_node_add_peer(n, &peer[i], NULL), EC_OK);
    if (n) CHECK_EQ_INT(ec_node_add_peer(n, &liar, NULL), EC_OK);
    return n;
}

/* The EVIDENCE message carrying e. */
static size_t evidence_msg(const ec_chain_evidence *e, uint8_t *buf)
{
    ec_msg m;
    memset(&m, 0, sizeof m);
    m.type = EC_MSG_EVIDENCE;
    size_t len = 0;
    CHECK_EQ_INT(ec_chain_evidence_encode(e, m.u.evidence.bytes, sizeof m.u.evidence.bytes, &len), EC_OK);
    m.u.evidence.len = (uint16_t)len;
    CHECK_EQ_INT(ec_msg_encode(&m, buf, EC_MSG_MAX, &len), EC_OK);
    return len;
}

/* Outbound EVIDENCE messages (the outbox drained): how many, to whom, the
 * last one's bytes. */
static size_t drain_evidence(ec_node *n, ec_id *to, size_t cap, uint8_t *last, size_t *last_len)
{
    size_t k = 0;
    ec_id dest;
    uint8_t buf[EC_MSG_MAX];
    size_t len;
    while (ec_node_next_out(n, &dest, NULL, buf, sizeof buf, &len) == EC_OK) {
        if (len == 0 || buf[0] != EC_MSG_EVIDENCE) continue;
        if (k < cap) to[k] = dest;
        k++;
        if (last) {
            memcpy(last, buf, len);
            *last_len = len;
        }
    }
    return k;
}

typedef struct listed {
    ec_id signers[4];
    size_t n;
    bool bad;
} listed;

static bool list_chain(void *arg, const ec_id *signer, const ec_chain_evidence *e)
{
    listed *l = arg;
    if (ec_id_cmp(signer, &e->signer) != 0 || ec_chain_evidence_verify(e) != EC_OK) l->bad = true;
    if (l->n < 4) l->signers[l->n] = *signer;
    l->n++;
    return true;
}

static bool list_votes(void *arg, const ec_id *voter, const ec_vote_evidence *e)
{
    (void)voter;
    (void)e;
    ++*(size_t *)arg;
    return true;
}

static bool list_claims(void *arg, const ec_id *signer, const ec_claims_evidence *e)
{
    (void)signer;
    (void)e;
    ++*(size_t *)arg;
    return true;
}

static void a_node_convicts_spreads_and_remembers(ec_store *s)
{
    ec_rng rng;
    ec_rng_seed(&rng, 7);
    ec_node *n = open_node(s, &rng, &self, false);
    if (n == NULL) return;
    const ec_node_stats *st = ec_node_stats_get(n);
    uint8_t buf[EC_MSG_MAX], out[EC_MSG_MAX];
    size_t olen = 0;
    ec_id to[64];
    ec_chain_evidence e = fork_of(0);

    /* Forged: a signature corrupted. Bad, nobody convicted, nothing sent. */
    ec_chain_evidence x = e;
    x.b.sig.b[0] ^= 1;
    size_t len = evidence_msg(&x, buf);
    CHECK_EQ_INT(ec_node_recv(n, 10, &peer[0], NULL, buf, len), EC_OK);
    CHECK(!ec_node_convicted(n, &liar));
    CHECK_EQ_INT(st->evidence_bad, 1);
    CHECK_EQ_INT(st->chain_convicted, 0);
    CHECK_EQ_INT(drain_evidence(n, to, 64, NULL, NULL), 0);
    /* The same block twice: proves nothing either. */
    x = e;
    x.b = x.a;
    len = evidence_msg(&x, buf);
    CHECK_EQ_INT(ec_node_recv(n, 11, &peer[0], NULL, buf, len), EC_OK);
    CHECK_EQ_INT(st->evidence_bad, 2);
    CHECK(!ec_node_convicted(n, &liar));
    /* A real fork, but under a key that is not the liar's identity key. */
    x.signer = liar;
    x.key = other_kp.pub;
    x.a = header(5, 0xa1, 0, &other_kp);
    x.b = header(5, 0xb2, 0, &other_kp);
    CHECK_EQ_INT(ec_chain_evidence_verify(&x), EC_OK);
    len = evidence_msg(&x, buf);
    CHECK_EQ_INT(ec_node_recv(n, 12, &peer[0], NULL, buf, len), EC_OK);
    CHECK(!ec_node_convicted(n, &liar));
    CHECK_EQ_INT(st->evidence_unverified, 1);
    CHECK_EQ_INT(drain_evidence(n, to, 64, NULL, NULL), 0);
    ec_node_event ev;
    while (ec_node_next_event(n, &ev) == EC_OK) {}

    /* The real thing: convicted, an event, sent on to the liar's nearest
     * (not back to the sender, not to the liar), the bytes unchanged. */
    len = evidence_msg(&e, buf);
    CHECK_EQ_INT(ec_node_recv(n, 13, &peer[0], NULL, buf, len), EC_OK);
    CHECK(ec_node_convicted(n, &liar));
    CHECK_EQ_INT(st->chain_convicted, 1);
    CHECK_EQ_INT(st->evidence_received, 1);
    CHECK_EQ_INT(st->equivocations + st->claims_convicted, 0);
    bool seen = false;
    while (ec_node_next_event(n, &ev) == EC_OK)
        seen |= ev.type == EC_NODE_EV_EVIDENCE && ec_id_cmp(&ev.from, &liar) == 0;
    CHECK(seen);
    size_t k = drain_evidence(n, to, 64, out, &olen);
    ec_node_config def;
    ec_node_config_default(&def);
    CHECK_EQ_INT(k, def.w - 1); /* the liar's w nearest but the sender */
    for (size_t i = 0; i < k && i < 64; i++) {
        CHECK(ec_id_cmp(&to[i], &peer[0]) != 0);
        CHECK(ec_id_cmp(&to[i], &liar) != 0);
        CHECK(ec_id_cmp(&to[i], &self) != 0);
    }
    CHECK_EQ_INT(st->evidence_sent, k);
    CHECK(olen == len && memcmp(out, buf, len) == 0);

    /* A second copy: known, not sent on. */
    CHECK_EQ_INT(ec_node_recv(n, 14, &peer[1], NULL, buf, len), EC_OK);
    CHECK_EQ_INT(st->evidence_known, 1);
    CHECK_EQ_INT(st->chain_convicted, 1);
    CHECK_EQ_INT(drain_evidence(n, to, 64, NULL, NULL), 0);
    /* Evidence against ourselves is not acted on here either ("known"). */
    x = e;
    x.signer = self;
    len = evidence_msg(&x, buf);
    CHECK_EQ_INT(ec_node_recv(n, 15, &peer[1], NULL, buf, len), EC_OK);
    CHECK_EQ_INT(st->evidence_known, 2);
    CHECK(!ec_node_convicted(n, &self));

    /* What it sent convicts at a second node that never saw the fork. */
    ec_store *s2 = NULL;
    CHECK_EQ_INT(ec_store_mem_open(&s2), EC_OK);
    ec_id second;
    memset(&second, 0x30, sizeof second); /* not one of the peers it knows */
    ec_rng rng2;
    ec_rng_seed(&rng2, 8);
    ec_node *n2 = open_node(s2, &rng2, &second, false);
    if (n2) {
        CHECK(!ec_node_convicted(n2, &liar));
        CHECK_EQ_INT(ec_node_recv(n2, 20, &self, NULL, out, olen), EC_OK);
        CHECK(ec_node_convicted(n2, &liar));
        CHECK_EQ_INT(ec_node_stats_get(n2)->chain_convicted, 1);
        ec_node_free(n2);
    }
    ec_store_close(s2);

    /* A restart on the same store: the liar set aside again, listed. */
    ec_node_free(n);
    s = ts_reopen(s); /* LMDB: from disk */
    CHECK(s != NULL);
    if (s == NULL) return;
    n = open_node(s, &rng, &self, false);
    if (n == NULL) return;
    st = ec_node_stats_get(n);
    CHECK(ec_node_convicted(n, &liar));
    CHECK_EQ_INT(st->evidence_corrupt, 0);
    CHECK_EQ_INT(st->chain_convicted, 0); /* a count of this run's convictions */
    listed l = {0};
    CHECK_EQ_INT(ec_node_chain_evidence_each(n, list_chain, &l), EC_OK);
    CHECK(l.n == 1 && !l.bad && ec_id_cmp(&l.signers[0], &liar) == 0);
    size_t votes = 0, claims = 0; /* the kinds do not mix */
    CHECK_EQ_INT(ec_node_evidence_each(n, list_votes, &votes), EC_OK);
    CHECK_EQ_INT(ec_node_claims_evidence_each(n, list_claims, &claims), EC_OK);
    CHECK_EQ_INT(votes + claims, 0);
    CHECK_EQ_INT(ec_node_chain_evidence_each(n, NULL, &l), EC_ERR_ARG);
    CHECK_EQ_INT(ec_node_chain_evidence_each(NULL, list_chain, &l), EC_ERR_ARG);
    /* Known after the restart too: a copy is not spread again. */
    len = evidence_msg(&e, buf);
    CHECK_EQ_INT(ec_node_recv(n, 30, &peer[2], NULL, buf, len), EC_OK);
    CHECK_EQ_INT(st->evidence_known, 1);
    CHECK_EQ_INT(drain_evidence(n, to, 64, NULL, NULL), 0);
    ec_node_free(n);
}

static void test_ignore_evidence_leaves_it_alone(void)
{
    ec_store *s = NULL;
    CHECK_EQ_INT(ec_store_mem_open(&s), EC_OK);
    ec_rng rng;
    ec_rng_seed(&rng, 9);
    ec_node *n = open_node(s, &rng, &self, true);
    if (n) {
        ec_chain_evidence e = fork_of(0);
        uint8_t buf[EC_MSG_MAX];
        size_t len = evidence_msg(&e, buf);
        CHECK_EQ_INT(ec_node_recv(n, 12, &peer[0], NULL, buf, len), EC_OK);
        CHECK(!ec_node_convicted(n, &liar));
        CHECK_EQ_INT(ec_node_stats_get(n)->chain_convicted, 0);
        ec_node_free(n);
    }
    ec_store_close(s);
}

/* Writes a "ch" record under `under`: e encoded, or raw bytes. */
static void put_ch(ec_store *s, const ec_id *under, const ec_chain_evidence *e, const uint8_t *raw, size_t rawlen)
{
    uint8_t key[2 + EC_ID_LEN] = {'c', 'h'}, buf[EC_CHAIN_EVIDENCE_MAX];
    memcpy(key + 2, under->b, EC_ID_LEN);
    size_t len = rawlen;
    if (e) CHECK_EQ_INT(ec_chain_evidence_encode(e, buf, sizeof buf, &len), EC_OK);
    CHECK_EQ_INT(ec_store_begin(s), EC_OK);
    CHECK_EQ_INT(ec_store_put_rec(s, key, sizeof key, e ? buf : raw, len), EC_OK);
    CHECK_EQ_INT(ec_store_commit(s), EC_OK);
}

/* Stored records that do not prove a fork of their key's signer are
 * skipped at start and counted; the rest convict. */
static void stored_records_that_prove_nothing_are_skipped(ec_store *s)
{
    ec_id good = peer[4], junk = peer[5], wrong = peer[6], forged = peer[7], same = peer[8];
    ec_chain_evidence e = fork_of(0);
    e.signer = good;
    put_ch(s, &good, &e, NULL, 0);
    put_ch(s, &wrong, &e, NULL, 0); /* good's evidence under another key */
    static const uint8_t garbage[] = {EC_CHAIN_EVIDENCE_VERSION, 1, 2, 3};
    put_ch(s, &junk, NULL, garbage, sizeof garbage);
    ec_chain_evidence f = e;
    f.signer = forged;
    f.b.sig.b[9] ^= 1; /* decodes, proves nothing */
    put_ch(s, &forged, &f, NULL, 0);
    f = e;
    f.signer = same;
    f.b = f.a; /* decodes, one block */
    put_ch(s, &same, &f, NULL, 0);
    s = ts_reopen(s);
    CHECK(s != NULL);
    if (s == NULL) return;
    ec_rng rng;
    ec_rng_seed(&rng, 10);
    ec_node *n = open_node(s, &rng, &self, false);
    if (n == NULL) return;
    CHECK(ec_node_convicted(n, &good));
    CHECK(!ec_node_convicted(n, &junk));
    CHECK(!ec_node_convicted(n, &wrong));
    CHECK(!ec_node_convicted(n, &forged));
    CHECK(!ec_node_convicted(n, &same));
    const ec_node_stats *st = ec_node_stats_get(n);
    CHECK_EQ_INT(st->evidence_corrupt, 4);
    /* The listing decodes without checking signatures (like the other
     * kinds'): good, forged and same are listed; junk and wrong counted. */
    listed l = {0};
    CHECK_EQ_INT(ec_node_chain_evidence_each(n, list_chain, &l), EC_OK);
    CHECK_EQ_INT(l.n, 3);
    CHECK_EQ_INT(st->evidence_corrupt, 4 + 2);
    ec_node_free(n);
}

/* ---- Chain sync finds the fork itself (the wiring node.c -> convict.c),
 * on a hand-driven network like tests/test_sync.c's: A (w = 4) syncs from
 * S1 and S2, which commit alone; S1 then loses its chain and builds
 * another, so its header at A's locator height is another block. */

#define T0 1700000000000ull
#define NSRC 2

typedef struct snode {
    ec_node *node;
    ec_store *store;
    ec_keypair key;
    ec_id addr;
    ec_rng rng;
} snode;

static snode A, S[NSRC];
static ec_keypair client;

static ec_id addr_of(uint8_t a, uint8_t b)
{
    ec_id id;
    memset(&id, 0, sizeof id);
    id.b[0] = a;
    id.b[1] = b;
    id.b[31] = 0x5a;
    return id;
}

static ec_node_id_answer sync_ident(void *arg, const ec_id *addr, const ec_pubkey *key)
{
    (void)arg;
    for (int i = 0; i < NSRC; i++)
        if (ec_id_cmp(addr, &S[i].addr) == 0)
            return memcmp(key->b, S[i].key.pub.b, sizeof key->b) == 0 ? EC_NODE_ID_YES : EC_NODE_ID_NO;
    return EC_NODE_ID_NO;
}

static ec_node *make(snode *p, unsigned w, uint8_t seed)
{
    ec_node_config cfg;
    ec_node_config_default(&cfg);
    cfg.w = w;
    cfg.quorum = w / 2 + 1;
    if (w > 4) {
        cfg.quorum = 1;
        cfg.unsafe_quorum = true;
    }
    cfg.vote_threshold = 1;
    cfg.catchup_agree = 1;
    cfg.block_interval_ms = 1000;
    cfg.sync_sources = NSRC;
    cfg.sync_agree = 2;
    cfg.sync_check_single = w <= 4;
    tu_key(&p->key, seed);
    ec_rng_seed(&p->rng, seed);
    ec_node_env env = {.addr = p->addr, .store = p->store, .rng = &p->rng, .key = &p->key, .identity = sync_ident};
    ec_node *n = NULL;
    CHECK_EQ_INT(ec_node_new(&n, &cfg, &env), EC_OK);
    return n;
}

static snode *by_addr(const ec_id *a)
{
    if (ec_id_cmp(a, &A.addr) == 0) return &A;
    for (int i = 0; i < NSRC; i++)
        if (ec_id_cmp(a, &S[i].addr) == 0) return &S[i];
    return NULL;
}

/* Sync's questions and answers, plain transactions; the rest dropped. */
static bool passes(const uint8_t *buf, size_t len)
{
    switch (buf[0]) {
    case EC_MSG_GET_CHAIN: case EC_MSG_CHAIN: case EC_MSG_GET_BODY: case EC_MSG_BODY: case EC_MSG_GET_TX:
    case EC_MSG_GET_RANGE: case EC_MSG_RANGE: case EC_MSG_GET_MAPPING: case EC_MSG_MAPPING: return true;
    case EC_MSG_TX: return len > 4 && buf[1] == 0 && buf[2] == 0 && buf[3] == 0;
    default: return false;
    }
}

static size_t evidence_out; /* EVIDENCE messages A sent (to anyone) */

static void route(uint64_t now)
{
    for (int round = 0; round < 100000; round++) {
        bool any = false;
        snode *all[1 + NSRC] = {&A, &S[0], &S[1]};
        for (int i = 0; i < 1 + NSRC; i++) {
            ec_id to;
            uint8_t buf[EC_MSG_MAX];
            size_t len;
            while (ec_node_next_out(all[i]->node, &to, NULL, buf, sizeof buf, &len) == EC_OK) {
                any = true;
                if (all[i] == &A && buf[0] == EC_MSG_EVIDENCE) evidence_out++;
                snode *dst = by_addr(&to);
                if (dst == NULL || !passes(buf, len)) continue;
                ec_node_recv(dst->node, now, &all[i]->addr, NULL, buf, len);
            }
        }
        if (!any) return;
    }
}

static void run(uint64_t *now, uint64_t ms)
{
    for (uint64_t end = *now + ms; *now < end; *now += 100) {
        ec_node_tick(A.node, *now);
        for (int i = 0; i < NSRC; i++) ec_node_tick(S[i].node, *now);
        route(*now);
    }
}

/* A create of a token near A (k-th), committed by the sources in mask. */
static void commit_at(unsigned k, unsigned mask, uint64_t now)
{
    ec_id token = A.addr;
    token.b[2] = (uint8_t)k;
    token.b[3] = (uint8_t)(k >> 8);
    token.b[30] = 0x77;
    ec_tx tx = tu_tx1(&token, &client, NULL, &client, now);
    for (int i = 0; i < NSRC; i++)
        if (mask >> i & 1) CHECK_EQ_INT(ec_node_submit(S[i].node, now, &tx), EC_OK);
}

static void test_chain_sync_convicts_a_source_that_forked(void)
{
    A.addr = addr_of(0x40, 0);
    S[0].addr = addr_of(0x40, 1);
    S[1].addr = addr_of(0x40, 2);
    CHECK_EQ_INT(ec_store_mem_open(&A.store), EC_OK);
    for (int i = 0; i < NSRC; i++) CHECK_EQ_INT(ec_store_mem_open(&S[i].store), EC_OK);
    for (int i = 0; i < NSRC; i++) S[i].node = make(&S[i], 16, (uint8_t)(10 + i));
    A.node = make(&A, 4, 9);
    tu_key(&client, 3);
    for (int i = 0; i < NSRC; i++) CHECK_EQ_INT(ec_node_add_peer(A.node, &S[i].addr, NULL), EC_OK);
    for (int f = 0; f < 8; f++) {
        ec_id filler = addr_of((uint8_t)(0x10 + 0x20 * f), 9);
        ec_node_add_peer(A.node, &filler, NULL);
    }
    uint64_t now = T0;
    for (unsigned k = 0; k < 8; k++) commit_at(k, 3, now + k);
    run(&now, 2000);
    CHECK_EQ_INT(ec_node_sync_start(A.node, now), EC_OK);
    run(&now, 5000);
    const ec_node_stats *st = ec_node_stats_get(A.node);
    CHECK_EQ_INT(st->sync_adopted, 8);
    CHECK_EQ_INT(st->chain_convicted, 0);
    CHECK(!ec_node_convicted(A.node, &S[0].addr));
    /* S1 loses its chain (a new store), same key, and builds another. */
    ec_node_free(S[0].node);
    ec_store_close(S[0].store);
    CHECK_EQ_INT(ec_store_mem_open(&S[0].store), EC_OK);
    S[0].node = make(&S[0], 16, 10);
    for (unsigned k = 0; k < 40; k++) commit_at(300 + k, 1, now + k);
    run(&now, 2000);
    evidence_out = 0;
    run(&now, 61000);
    CHECK_EQ_INT(st->sync_equivocations, 1);
    /* Convicted at A on sync's fork: kept, listed, and sent on. */
    CHECK(ec_node_convicted(A.node, &S[0].addr));
    CHECK(!ec_node_convicted(A.node, &S[1].addr));
    CHECK_EQ_INT(st->chain_convicted, 1);
    CHECK_EQ_INT(st->evidence_received, 0); /* found here, not received */
    listed l = {0};
    CHECK_EQ_INT(ec_node_chain_evidence_each(A.node, list_chain, &l), EC_OK);
    CHECK(l.n == 1 && !l.bad && ec_id_cmp(&l.signers[0], &S[0].addr) == 0);
    CHECK(evidence_out > 0);
    CHECK_EQ_INT(st->evidence_sent, evidence_out);
    printf("  sync's fork: convicted, %zu evidence messages sent\n", evidence_out);
    ec_node_free(A.node);
    ec_store_close(A.store);
    for (int i = 0; i < NSRC; i++) {
        ec_node_free(S[i].node);
        ec_store_close(S[i].store);
    }
}

int main(void)
{
    if (ec_crypto_init() != EC_OK) return 1;
    tu_key(&liar_kp, 5);
    tu_key(&other_kp, 6);
    memset(&self, 0x10, sizeof self);
    memset(&liar, 0x20, sizeof liar);
    for (int i = 0; i < PEERS; i++) {
        memset(&peer[i], 0x20, sizeof peer[i]);
        peer[i].b[31] = (uint8_t)(i + 1);
        peer[i].b[20] = (uint8_t)(i * 17);
    }
    RUN(test_the_codec_round_trips);
    RUN(test_the_decoder_is_strict);
    RUN(test_the_check);
    RUN_BOTH(a_node_convicts_spreads_and_remembers);
    RUN(test_ignore_evidence_leaves_it_alone);
    RUN_BOTH(stored_records_that_prove_nothing_are_skipped);
    RUN(test_chain_sync_convicts_a_source_that_forked);
    return TEST_REPORT("chain_evidence");
}
