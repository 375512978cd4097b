/* Vote equivocation evidence (core/evidence.c): built from real signed
 * votes and transactions, verified alone; every way it can fail to prove
 * anything is refused; the codec is strict. */
#include <string.h>

#include "core/evidence.h"
#include "core/vote_sig.h"
#include "crypto/blake3.h"
#include "ledger_util.h"
#include "test.h"

static ec_keypair client, voter_kp, other_kp;
static ec_id voter, token, prev;

/* A transfer of `token` from `prev` to a new owner (nonce: the timestamp). */
static size_t transfer(uint8_t *buf, uint64_t ts, const ec_id *from_head, ec_id *id)
{
    ec_tx tx = tu_tx1(&token, &other_kp, from_head, &client, ts);
    size_t len = 0;
    CHECK_EQ_INT(ec_tx_encode(&tx, buf, EC_TX_MAX_LEN, &len), EC_OK);
    ec_blake3_hash(buf, len, id->b);
    return len;
}

static ec_msg_signed_vote vote(const ec_keypair *kp, const ec_id *tx_id, int8_t value)
{
    ec_msg_signed_vote v;
    memset(&v, 0, sizeof v);
    v.voter = voter;
    v.version = 1;
    v.values[0] = value;
    ec_vote_sign(&v, kp, tx_id, 1);
    return v;
}

/* Two transfers of one head, and the voter's +1 on both. */
static void pair(ec_vote_evidence *e, int8_t vb, const ec_keypair *kb, bool same_tx, const ec_id *prev_b)
{
    uint8_t a[EC_TX_MAX_LEN], b[EC_TX_MAX_LEN];
    ec_id ia, ib;
    size_t la = transfer(a, 1000, &prev, &ia);
    size_t lb = same_tx ? transfer(b, 1000, &prev, &ib) : transfer(b, 1001, prev_b, &ib);
    ec_msg_signed_vote va = vote(&voter_kp, &ia, EC_MSG_VOTE_VALID), vbv = vote(kb, &ib, vb);
    vbv.key = voter_kp.pub; /* what the voter's votes carry; a signature by another key then fails */
    ec_evidence_make(e, &voter, &va, 1, a, la, &vbv, 1, b, lb);
}

static void test_two_signed_plus_votes_on_one_head_prove_it(void)
{
    ec_vote_evidence e, d;
    pair(&e, EC_MSG_VOTE_VALID, &voter_kp, false, &prev);
    ec_id t, p;
    CHECK_EQ_INT(ec_evidence_verify(&e, &t, &p), EC_OK);
    CHECK(ec_id_cmp(&t, &token) == 0 && ec_id_cmp(&p, &prev) == 0);
    uint8_t buf[EC_EVIDENCE_MAX];
    size_t len;
    CHECK_EQ_INT(ec_evidence_encode(&e, buf, sizeof buf, &len), EC_OK);
    CHECK(len <= EC_EVIDENCE_MAX);
    printf("  evidence: %zu bytes (at most %d)\n", len, (int)EC_EVIDENCE_MAX);
    CHECK_EQ_INT(ec_evidence_decode(&d, buf, len), EC_OK);
    CHECK_EQ_INT(ec_evidence_verify(&d, NULL, NULL), EC_OK);
    uint8_t again[EC_EVIDENCE_MAX];
    size_t len2;
    CHECK_EQ_INT(ec_evidence_encode(&d, again, sizeof again, &len2), EC_OK);
    CHECK(len2 == len && memcmp(buf, again, len) == 0);
}

static void test_what_proves_nothing_is_refused(void)
{
    ec_vote_evidence e;
    ec_id other_prev;
    memset(&other_prev, 0x44, sizeof other_prev);
    pair(&e, EC_MSG_VOTE_INVALID, &voter_kp, false, &prev); /* +1 and -1: what an honest member signs */
    CHECK_EQ_INT(ec_evidence_verify(&e, NULL, NULL), EC_ERR_MISMATCH);
    pair(&e, EC_MSG_VOTE_VALID, &voter_kp, true, &prev); /* the same transaction twice */
    CHECK_EQ_INT(ec_evidence_verify(&e, NULL, NULL), EC_ERR_MISMATCH);
    pair(&e, EC_MSG_VOTE_VALID, &voter_kp, false, &other_prev); /* not the same head */
    CHECK_EQ_INT(ec_evidence_verify(&e, NULL, NULL), EC_ERR_MISMATCH);
    pair(&e, EC_MSG_VOTE_VALID, &other_kp, false, &prev); /* b signed by another key */
    CHECK_EQ_INT(ec_evidence_verify(&e, NULL, NULL), EC_ERR_SIGNATURE);
    pair(&e, EC_MSG_VOTE_VALID, &voter_kp, false, &prev);
    e.side[0].sig.b[5] ^= 1; /* forged */
    CHECK_EQ_INT(ec_evidence_verify(&e, NULL, NULL), EC_ERR_SIGNATURE);
    pair(&e, EC_MSG_VOTE_VALID, &voter_kp, false, &prev);
    e.voter.b[0] ^= 1; /* the votes were signed for another voter */
    CHECK_EQ_INT(ec_evidence_verify(&e, NULL, NULL), EC_ERR_SIGNATURE);
    pair(&e, EC_MSG_VOTE_VALID, &voter_kp, false, &prev);
    e.side[1].n = 2; /* not cast for this transaction's shape */
    CHECK_EQ_INT(ec_evidence_verify(&e, NULL, NULL), EC_ERR_MISMATCH);
    /* A deciding +1 for the loser beside a decided answer for the winner:
     * what an honest member that lost and then committed the winner signs.
     * Two decided answers (it claims to have committed both) prove it. */
    pair(&e, EC_MSG_VOTE_VALID, &voter_kp, false, &prev);
    {
        uint8_t b[EC_TX_MAX_LEN];
        ec_id ib;
        size_t lb = transfer(b, 1001, &prev, &ib);
        ec_msg_signed_vote d = vote(&voter_kp, &ib, EC_MSG_VOTE_VALID);
        d.version = EC_MSG_VOTE_VERSION_DECIDED;
        ec_vote_sign(&d, &voter_kp, &ib, 1);
        e.side[1].version = d.version;
        e.side[1].sig = d.sig;
        (void)lb;
        CHECK_EQ_INT(ec_evidence_verify(&e, NULL, NULL), EC_ERR_MISMATCH);
        uint8_t a[EC_TX_MAX_LEN];
        ec_id ia;
        transfer(a, 1000, &prev, &ia);
        ec_msg_signed_vote d0 = vote(&voter_kp, &ia, EC_MSG_VOTE_VALID);
        d0.version = EC_MSG_VOTE_VERSION_DECIDED;
        ec_vote_sign(&d0, &voter_kp, &ia, 1);
        e.side[0].version = d0.version;
        e.side[0].sig = d0.sig;
        CHECK_EQ_INT(ec_evidence_verify(&e, NULL, NULL), EC_OK);
    }
    pair(&e, EC_MSG_VOTE_VALID, &voter_kp, false, &prev);
    e.side[1].tx[0] ^= 0xff; /* not a transaction */
    CHECK(ec_evidence_verify(&e, NULL, NULL) != EC_OK);
}

static void test_the_decoder_is_strict(void)
{
    ec_vote_evidence e, d;
    pair(&e, EC_MSG_VOTE_VALID, &voter_kp, false, &prev);
    uint8_t buf[EC_EVIDENCE_MAX + 1];
    size_t len;
    CHECK_EQ_INT(ec_evidence_encode(&e, buf, sizeof buf, &len), EC_OK);
    unsigned refused = 0;
    for (size_t k = 0; k < len; k++) refused += ec_evidence_decode(&d, buf, k) != EC_OK;
    CHECK_EQ_INT(refused, len); /* every truncation */
    buf[len] = 0;
    CHECK_EQ_INT(ec_evidence_decode(&d, buf, len + 1), EC_ERR_TRAILING);
    buf[0] = 2;
    CHECK_EQ_INT(ec_evidence_decode(&d, buf, len), EC_ERR_VERSION);
    buf[0] = 1;
    size_t at = 1 + 2 * EC_ID_LEN; /* side a's transaction length */
    uint8_t lo = buf[at], hi = buf[at + 1];
    buf[at] = 0, buf[at + 1] = 0;
    CHECK_EQ_INT(ec_evidence_decode(&d, buf, len), EC_ERR_MALFORMED);
    buf[at] = 0xff, buf[at + 1] = 0xff; /* a length past the largest transaction: never trusted */
    CHECK_EQ_INT(ec_evidence_decode(&d, buf, len), EC_ERR_MALFORMED);
    buf[at] = lo, buf[at + 1] = hi;
    CHECK_EQ_INT(ec_evidence_decode(&d, buf, len), EC_OK);
    CHECK_EQ_INT(ec_evidence_encode(&e, buf, 10, &len), EC_ERR_RANGE);
    e.side[0].n = 0;
    CHECK_EQ_INT(ec_evidence_encode(&e, buf, sizeof buf, &len), EC_ERR_ARG);
}

int main(void)
{
    if (ec_crypto_init() != EC_OK) return 1;
    tu_key(&client, 1);
    tu_key(&voter_kp, 2);
    tu_key(&other_kp, 3);
    memset(&voter, 0x22, sizeof voter);
    memset(&token, 0x33, sizeof token);
    memset(&prev, 0x11, sizeof prev);
    RUN(test_two_signed_plus_votes_on_one_head_prove_it);
    RUN(test_what_proves_nothing_is_refused);
    RUN(test_the_decoder_is_strict);
    return TEST_REPORT("evidence");
}
