/* Sessionless queries (net/query.h, net/qclient.h) without a network: the
 * codec (round trips, every truncation, each refused field), the 3x
 * padding rule, tickets (current and previous secret, not older, bound to
 * op and id), and the asker refusing forged, stale, mismatched answers;
 * the signed MAPPING op (round trip with 0, 1 and 4 claims, bodies that
 * are not a MAPPING for the token refused, every truncation, the padding
 * that pays for 4 claims, the asker checking the claims' signature). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "core/claims.h"
#include "crypto/blake3.h"
#include "net/packet.h"
#include "net/qclient.h"
#include "net/query.h"
#include "test.h"

static ec_id some_id(uint8_t b)
{
    ec_id id;
    memset(id.b, b, sizeof id.b);
    return id;
}

static void test_query_round_trip_and_truncation(void)
{
    ec_query q, r;
    memset(&q, 0, sizeof q);
    for (int i = 0; i < EC_QUERY_TICKET_LEN; i++) q.ticket[i] = (uint8_t)(i + 1);
    q.op = EC_QOP_TX;
    q.hops = 3;
    q.id = some_id(7);
    q.len = 200;
    uint8_t buf[EC_PKT_MTU];
    CHECK(ec_query_encode(&q, buf, sizeof buf) == EC_OK);
    CHECK_EQ_INT(buf[2], EC_QPKT_QUERY);
    CHECK(ec_query_decode(&r, buf, q.len) == EC_OK);
    CHECK_MEM(r.ticket, q.ticket, EC_QUERY_TICKET_LEN);
    CHECK_EQ_INT(r.op, EC_QOP_TX);
    CHECK_EQ_INT(r.hops, 3);
    CHECK(ec_id_cmp(&r.id, &q.id) == 0);
    CHECK_EQ_INT(r.len, 200);
    /* Every shorter prefix of the unpadded question is refused. */
    for (size_t n = 0; n < EC_QUERY_MIN; n++) CHECK(ec_query_decode(&r, buf, n) == EC_ERR_TRUNCATED);
    CHECK(ec_query_decode(&r, buf, EC_QUERY_MIN) == EC_OK);
    CHECK(ec_query_decode(&r, buf, EC_PKT_MTU + 1) == EC_ERR_RANGE);
    /* Each field the decoder refuses. */
    uint8_t bad[EC_PKT_MTU];
    struct { size_t at; uint8_t v; ec_err want; } cases[] = {
        {0, 2, EC_ERR_VERSION},             /* version */
        {2, EC_QPKT_ANSWER, EC_ERR_VERSION}, /* type */
        {3, 1, EC_ERR_MALFORMED},           /* reserved */
        {20, 0, EC_ERR_MALFORMED},          /* op 0 */
        {20, 4, EC_ERR_MALFORMED},          /* op 4 */
        {21, EC_QUERY_HOPS_MAX + 1, EC_ERR_MALFORMED},
        {199, 1, EC_ERR_MALFORMED},         /* padding not zero */
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        memcpy(bad, buf, q.len);
        bad[cases[i].at] = cases[i].v;
        CHECK_EQ_INT(ec_query_decode(&r, bad, q.len), cases[i].want);
    }
    /* The encoder refuses what the decoder would. */
    q.len = EC_QUERY_MIN - 1;
    CHECK(ec_query_encode(&q, buf, sizeof buf) == EC_ERR_ARG);
    q.len = EC_PKT_MTU + 1;
    CHECK(ec_query_encode(&q, buf, sizeof buf + 1) == EC_ERR_ARG);
    q.len = 100;
    CHECK(ec_query_encode(&q, buf, 99) == EC_ERR_ARG);
    q.hops = EC_QUERY_HOPS_MAX + 1;
    CHECK(ec_query_encode(&q, buf, sizeof buf) == EC_ERR_ARG);
}

static void test_answer_round_trip_and_body_rules(void)
{
    uint8_t body[EC_TX_MAX_LEN + 1];
    for (size_t i = 0; i < sizeof body; i++) body[i] = (uint8_t)i;
    ec_answer a, r;
    memset(&a, 0, sizeof a);
    a.op = EC_QOP_HEAD;
    a.answerer = some_id(9);
    a.status = EC_QST_FOUND;
    a.body = body;
    a.body_len = EC_ANSWER_HEAD_BODY;
    uint8_t buf[EC_PKT_MTU];
    size_t len;
    CHECK(ec_answer_encode(&a, buf, sizeof buf, &len) == EC_OK);
    CHECK_EQ_INT(len, EC_ANSWER_HEAD + EC_ANSWER_HEAD_BODY); /* 126 */
    CHECK(len <= EC_QUERY_AMPLIFY * EC_QUERY_MIN);           /* a head always fits 3x the smallest question */
    CHECK(ec_answer_decode(&r, buf, len) == EC_OK);
    CHECK_EQ_INT(r.status, EC_QST_FOUND);
    CHECK(ec_id_cmp(&r.answerer, &a.answerer) == 0);
    CHECK(r.body_len == EC_ANSWER_HEAD_BODY && memcmp(r.body, body, r.body_len) == 0);
    for (size_t n = 0; n < EC_ANSWER_HEAD; n++) CHECK(ec_answer_decode(&r, buf, n) == EC_ERR_TRUNCATED);
    /* A head answer one byte short or long is not one. */
    CHECK(ec_answer_decode(&r, buf, len - 1) == EC_ERR_MALFORMED);
    /* Not found and too large carry no body. */
    a.status = EC_QST_NOTFOUND;
    CHECK(ec_answer_encode(&a, buf, sizeof buf, &len) == EC_ERR_ARG);
    a.body_len = 0;
    CHECK(ec_answer_encode(&a, buf, sizeof buf, &len) == EC_OK && len == EC_ANSWER_HEAD);
    buf[53] = EC_QST_TOO_LARGE;
    CHECK(ec_answer_decode(&r, buf, len) == EC_OK && r.status == EC_QST_TOO_LARGE && r.body == NULL);
    buf[53] = 3;
    CHECK(ec_answer_decode(&r, buf, len) == EC_ERR_MALFORMED);
    /* A transaction: 1..EC_TX_MAX_LEN bytes. */
    a.op = EC_QOP_TX;
    a.status = EC_QST_FOUND;
    a.body_len = EC_TX_MAX_LEN;
    CHECK(ec_answer_encode(&a, buf, sizeof buf, &len) == EC_OK);
    CHECK(ec_answer_decode(&r, buf, len) == EC_OK && r.body_len == EC_TX_MAX_LEN);
    a.body_len = EC_TX_MAX_LEN + 1;
    CHECK(ec_answer_encode(&a, buf, sizeof buf, &len) == EC_ERR_ARG);
    a.body_len = 0;
    CHECK(ec_answer_encode(&a, buf, sizeof buf, &len) == EC_ERR_ARG);
}

/* The padding the asker sends pays for the largest answer, and no less. */
static void test_padding_pays_for_the_answer(void)
{
    for (size_t body = 0; body <= EC_TX_MAX_LEN; body++) {
        size_t q = ec_query_pad_for(body);
        CHECK(q >= EC_QUERY_MIN);
        CHECK(EC_ANSWER_HEAD + body <= EC_QUERY_AMPLIFY * q);
        if (q > EC_QUERY_MIN) CHECK(EC_ANSWER_HEAD + body > EC_QUERY_AMPLIFY * (q - 1));
    }
    CHECK_EQ_INT(ec_query_pad_for(EC_ANSWER_HEAD_BODY), EC_QUERY_MIN);
    CHECK_EQ_INT(ec_query_pad_for(EC_TX_MAX_LEN), 406);
}

static void fresh(uint8_t s[32], uint8_t b)
{
    memset(s, b, 32);
}

static void test_ticket_rotation_window(void)
{
    ec_ticket t;
    uint8_t s[32];
    fresh(s, 1);
    ec_ticket_init(&t, 400, 1000, s);
    ec_id id = some_id(5), other = some_id(6);
    uint8_t tk[EC_QUERY_TICKET_LEN], tk2[EC_QUERY_TICKET_LEN];
    ec_ticket_make(&t, EC_QOP_HEAD, &id, tk);
    CHECK(ec_ticket_check(&t, EC_QOP_HEAD, &id, tk));
    CHECK(!ec_ticket_check(&t, EC_QOP_TX, &id, tk));     /* another op */
    CHECK(!ec_ticket_check(&t, EC_QOP_HEAD, &other, tk)); /* another id */
    tk[0] ^= 1;
    CHECK(!ec_ticket_check(&t, EC_QOP_HEAD, &id, tk));
    tk[0] ^= 1;
    CHECK(!ec_ticket_due(&t, 1399));
    CHECK(ec_ticket_due(&t, 1400));
    fresh(s, 2);
    ec_ticket_rotate(&t, 1400, s);
    CHECK(ec_ticket_check(&t, EC_QOP_HEAD, &id, tk)); /* the previous secret still counts */
    ec_ticket_make(&t, EC_QOP_HEAD, &id, tk2);
    CHECK(memcmp(tk, tk2, sizeof tk) != 0);
    fresh(s, 3);
    ec_ticket_rotate(&t, 1800, s);
    CHECK(!ec_ticket_check(&t, EC_QOP_HEAD, &id, tk)); /* two rotations: gone */
    CHECK(ec_ticket_check(&t, EC_QOP_HEAD, &id, tk2));
    /* Another asker's secret makes other tickets. */
    ec_ticket u;
    fresh(s, 2);
    ec_ticket_init(&u, 400, 0, s);
    fresh(s, 4);
    ec_ticket_rotate(&u, 400, s);
    fresh(s, 5);
    ec_ticket_rotate(&u, 800, s);
    CHECK(!ec_ticket_check(&u, EC_QOP_HEAD, &id, tk2));
    ec_ticket_wipe(&t);
    uint8_t zero[32] = {0};
    CHECK(memcmp(t.cur, zero, 32) == 0 && memcmp(t.prev, zero, 32) == 0);
}

/* The answer a node would send to question q. */
static size_t answer_to(const uint8_t *q, uint8_t status, const uint8_t *body, size_t blen, uint8_t *out)
{
    ec_query d;
    if (ec_query_decode(&d, q, EC_QUERY_MIN) != EC_OK) return 0; /* its first 54 bytes: padding is zeros */
    ec_answer a;
    memcpy(a.ticket, d.ticket, sizeof a.ticket);
    a.op = d.op;
    a.answerer = some_id(0xaa);
    a.status = status;
    a.body = body;
    a.body_len = blen;
    size_t len = 0;
    if (ec_answer_encode(&a, out, EC_PKT_MTU, &len) != EC_OK) return 0;
    return len;
}

static void test_asker_takes_only_its_answers(void)
{
    uint8_t s[32], q[EC_PKT_MTU], pkt[EC_PKT_MTU];
    fresh(s, 8);
    uint8_t txb[300];
    for (size_t i = 0; i < sizeof txb; i++) txb[i] = (uint8_t)(i * 7);
    ec_id txid;
    ec_blake3_hash(txb, sizeof txb, txid.b);
    ec_asker a;
    ec_asker_init(&a, EC_QOP_TX, &txid, 4, 400, 0, s);
    size_t qlen;
    CHECK(ec_asker_question(&a, q, sizeof q, &qlen) == EC_OK);
    CHECK_EQ_INT(qlen, 406); /* padded for the largest transaction */
    ec_ask_result *r = calloc(1, sizeof *r);
    if (r == NULL) return;
    /* Garbage, and an answer whose ticket is one bit off. */
    uint8_t junk[60] = {1, 0, EC_QPKT_ANSWER, 0};
    CHECK(ec_asker_on_datagram(&a, junk, sizeof junk, r) == EC_ERR_MALFORMED);
    size_t n = answer_to(q, EC_QST_FOUND, txb, sizeof txb, pkt);
    CHECK(n > 0);
    pkt[4] ^= 0x80;
    CHECK(ec_asker_on_datagram(&a, pkt, n, r) == EC_ERR_MISMATCH);
    pkt[4] ^= 0x80;
    /* The right ticket with bytes that are not the transaction. */
    uint8_t forged[300];
    memcpy(forged, txb, sizeof forged);
    forged[10] ^= 1;
    size_t nf = answer_to(q, EC_QST_FOUND, forged, sizeof forged, pkt);
    CHECK(ec_asker_on_datagram(&a, pkt, nf, r) == EC_ERR_MISMATCH);
    /* The real answer, after one rotation: taken. */
    n = answer_to(q, EC_QST_FOUND, txb, sizeof txb, pkt);
    fresh(s, 9);
    ec_ticket_rotate(&a.ticket, 400, s);
    CHECK(ec_asker_on_datagram(&a, pkt, n, r) == EC_OK);
    CHECK(r->status == EC_QST_FOUND && r->body_len == sizeof txb && memcmp(r->body, txb, sizeof txb) == 0);
    CHECK(ec_id_cmp(&r->answerer, &(ec_id){{0}}) != 0);
    CHECK_EQ_INT(a.refused, 3);
    /* After a second rotation the same answer is stale. */
    fresh(s, 10);
    ec_ticket_rotate(&a.ticket, 800, s);
    CHECK(ec_asker_on_datagram(&a, pkt, n, r) == EC_ERR_MISMATCH);
    /* An answer for a head, to a question for a transaction. */
    ec_asker h;
    ec_asker_init(&h, EC_QOP_HEAD, &txid, 0, 400, 0, s);
    CHECK(ec_asker_question(&h, q, sizeof q, &qlen) == EC_OK && qlen == EC_QUERY_MIN);
    uint8_t hb[EC_ANSWER_HEAD_BODY] = {1};
    n = answer_to(q, EC_QST_FOUND, hb, sizeof hb, pkt);
    CHECK(ec_asker_on_datagram(&a, pkt, n, r) == EC_ERR_MISMATCH);
    CHECK(ec_asker_on_datagram(&h, pkt, n, r) == EC_OK && r->body_len == sizeof hb);
    free(r);
}

/* ---- the signed MAPPING op ---- */

/* A MAPPING message for token as a node answers it: found or not, with
 * nclaims claims signed by kp as signer's (0: unsigned). */
static void make_mapping(ec_msg *m, const ec_id *token, bool found, int nclaims, const ec_keypair *kp,
                         const ec_id *signer)
{
    memset(m, 0, sizeof *m);
    m->type = EC_MSG_MAPPING;
    m->u.mapping.token = *token;
    m->u.mapping.chain_height = 9;
    m->u.mapping.chain_hash = some_id(0x33);
    if (found) {
        m->u.mapping.found = 1;
        m->u.mapping.tx_id = some_id(0x44);
        m->u.mapping.timestamp_ms = 1700000000123ull;
        m->u.mapping.owner = some_id(0x55);
        m->u.mapping.block_height = 7;
    }
    ec_msg_claims *c = &m->u.mapping.claims;
    for (int i = 0; i < nclaims; i++) {
        ec_msg_claim *x = &c->c[i];
        if (i == 0 && found) { /* the answer's own mapping comes first */
            x->token = *token;
            x->head = m->u.mapping.tx_id;
            x->timestamp_ms = m->u.mapping.timestamp_ms;
            x->block_height = m->u.mapping.block_height;
        } else {
            x->token = some_id((uint8_t)(0x60 + i));
            x->head = some_id((uint8_t)(0x70 + i));
            x->timestamp_ms = 1700000000000ull + (uint64_t)i;
            x->block_height = (uint64_t)i;
            x->block_index = i ? (uint8_t)i : EC_MSG_CLAIM_NO_INDEX;
        }
        x->prev = some_id((uint8_t)(0x80 + i));
    }
    c->n = (uint8_t)nclaims;
    if (nclaims) ec_claims_sign(c, kp, signer);
}

/* An ANSWER datagram written by hand (no encoder rules): its length. */
static size_t raw_answer(uint8_t op, uint8_t status, const uint8_t *body, size_t blen, uint8_t *out)
{
    memset(out, 0, EC_ANSWER_HEAD);
    out[0] = 1;
    out[2] = EC_QPKT_ANSWER;
    out[20] = op;
    memset(out + 21, 0xaa, EC_ID_LEN);
    out[53] = status;
    if (blen) memcpy(out + EC_ANSWER_HEAD, body, blen);
    return EC_ANSWER_HEAD + blen;
}

static void test_mapping_answer_codec(void)
{
    ec_keypair kp;
    uint8_t seed[EC_SEED_LEN] = {3};
    ec_sign_keypair(&kp, seed);
    ec_id token = some_id(0x11), other = some_id(0x12), answerer = some_id(0xaa);
    ec_msg *m = malloc(sizeof *m), *got = malloc(sizeof *got);
    uint8_t *body = malloc(EC_PKT_MTU), *buf = malloc(EC_PKT_MTU + 1), *bad = malloc(EC_PKT_MTU + 1);
    if (m == NULL || got == NULL || body == NULL || buf == NULL || bad == NULL) goto out;
    CHECK_EQ_INT(EC_ANSWER_MAPPING_MIN, 155);
    CHECK_EQ_INT(EC_ANSWER_MAPPING_MAX, 703);
    /* Round trips with 0, 1 and 4 claims: the body is the core's message. */
    static const int ns[] = {0, 1, 4};
    static const size_t want[] = {155, 364, 703};
    ec_answer a, r;
    size_t blen = 0, len = 0;
    for (int k = 0; k < 3; k++) {
        make_mapping(m, &token, true, ns[k], &kp, &answerer);
        CHECK(ec_msg_encode(m, body, EC_PKT_MTU, &blen) == EC_OK);
        CHECK_EQ_INT(blen, want[k]);
        CHECK_EQ_INT(body[0], EC_MSG_MAPPING);
        memset(&a, 0, sizeof a);
        a.op = EC_QOP_MAPPING;
        a.answerer = answerer;
        a.status = EC_QST_FOUND;
        a.body = body;
        a.body_len = blen;
        CHECK(ec_answer_encode(&a, buf, EC_PKT_MTU, &len) == EC_OK);
        CHECK_EQ_INT(len, EC_ANSWER_HEAD + want[k]);
        CHECK(ec_answer_decode(&r, buf, len) == EC_OK);
        CHECK(r.op == EC_QOP_MAPPING && r.status == EC_QST_FOUND && r.body_len == blen &&
              memcmp(r.body, body, blen) == 0);
        CHECK(ec_answer_mapping(&r, &token, got) == EC_OK);
        CHECK(got->u.mapping.found == 1 && ec_id_cmp(&got->u.mapping.tx_id, &m->u.mapping.tx_id) == 0);
        CHECK_EQ_INT(got->u.mapping.claims.n, ns[k]);
        if (ns[k]) {
            CHECK(ec_claims_verify(&got->u.mapping.claims, &answerer) == EC_OK);
            CHECK(ec_claims_verify(&got->u.mapping.claims, &other) == EC_ERR_SIGNATURE);
        }
        printf("  mapping answer with %d claim(s): body %zu, datagram %zu bytes (3x a question of %zu)\n", ns[k],
               blen, len, ec_query_pad_for(blen));
        /* The same message for another token is not this question's. */
        CHECK(ec_answer_mapping(&r, &other, got) == EC_ERR_MALFORMED);
    }
    /* Every truncation of the 4-claim answer, and one byte more. */
    for (size_t n = 0; n < EC_ANSWER_HEAD; n++) CHECK(ec_answer_decode(&r, buf, n) == EC_ERR_TRUNCATED);
    for (size_t n = EC_ANSWER_HEAD; n < len; n++) CHECK(ec_answer_decode(&r, buf, n) == EC_ERR_MALFORMED);
    buf[len] = 0;
    CHECK(ec_answer_decode(&r, buf, len + 1) == EC_ERR_MALFORMED);
    /* One bit flipped in each byte of the body: refused, or (a byte the
     * codec does not constrain: an id, a signature) decoded to an answer
     * that re-encodes to exactly those bytes. */
    for (size_t i = EC_ANSWER_HEAD; i < len; i++) {
        memcpy(bad, buf, len);
        bad[i] ^= 0x01;
        ec_err e = ec_answer_decode(&r, bad, len);
        CHECK(e == EC_OK || e == EC_ERR_MALFORMED);
        size_t n2 = 0;
        if (e == EC_OK)
            CHECK(ec_answer_encode(&r, body, EC_PKT_MTU, &n2) == EC_OK && n2 == len && memcmp(body, bad, len) == 0);
    }
    /* Not found: still a body (the chain position, recent claims), whose
     * found flag must be the status's. */
    make_mapping(m, &token, false, 3, &kp, &answerer);
    CHECK(ec_msg_encode(m, body, EC_PKT_MTU, &blen) == EC_OK);
    a.status = EC_QST_NOTFOUND;
    a.body_len = blen;
    CHECK(ec_answer_encode(&a, buf, EC_PKT_MTU, &len) == EC_OK);
    CHECK(ec_answer_decode(&r, buf, len) == EC_OK && r.status == EC_QST_NOTFOUND);
    CHECK(ec_answer_mapping(&r, &token, got) == EC_OK && got->u.mapping.found == 0 && got->u.mapping.claims.n == 3);
    a.status = EC_QST_FOUND; /* found, says the status; unknown, says the body */
    CHECK(ec_answer_encode(&a, buf, EC_PKT_MTU, &len) == EC_ERR_ARG);
    CHECK(ec_answer_decode(&r, buf, raw_answer(EC_QOP_MAPPING, EC_QST_FOUND, body, blen, buf)) == EC_ERR_MALFORMED);
    make_mapping(m, &token, true, 1, &kp, &answerer);
    CHECK(ec_msg_encode(m, body, EC_PKT_MTU, &blen) == EC_OK);
    CHECK(ec_answer_decode(&r, buf, raw_answer(EC_QOP_MAPPING, EC_QST_NOTFOUND, body, blen, buf)) ==
          EC_ERR_MALFORMED);
    /* Found and not found need the body; too large has none. */
    a.body_len = 0;
    a.status = EC_QST_FOUND;
    CHECK(ec_answer_encode(&a, buf, EC_PKT_MTU, &len) == EC_ERR_ARG);
    a.status = EC_QST_NOTFOUND;
    CHECK(ec_answer_encode(&a, buf, EC_PKT_MTU, &len) == EC_ERR_ARG);
    CHECK(ec_answer_decode(&r, buf, raw_answer(EC_QOP_MAPPING, EC_QST_NOTFOUND, NULL, 0, buf)) == EC_ERR_MALFORMED);
    a.status = EC_QST_TOO_LARGE;
    CHECK(ec_answer_encode(&a, buf, EC_PKT_MTU, &len) == EC_OK && len == EC_ANSWER_HEAD);
    CHECK(ec_answer_decode(&r, buf, len) == EC_OK && r.status == EC_QST_TOO_LARGE && r.body == NULL);
    CHECK(ec_answer_mapping(&r, &token, got) == EC_ERR_ARG);
    a.body_len = blen;
    CHECK(ec_answer_encode(&a, buf, EC_PKT_MTU, &len) == EC_ERR_ARG);
    CHECK(ec_answer_decode(&r, buf, raw_answer(EC_QOP_MAPPING, EC_QST_TOO_LARGE, body, blen, buf)) ==
          EC_ERR_MALFORMED);
    /* Bodies that are not a MAPPING message: a HEAD's 72 bytes, another
     * message (a GET_MAPPING), a MAPPING's bytes under another type byte,
     * a MAPPING with a byte of garbage after it. */
    uint8_t head[EC_ANSWER_HEAD_BODY] = {EC_MSG_MAPPING, 1, 2, 3};
    ec_msg gm;
    memset(&gm, 0, sizeof gm);
    gm.type = EC_MSG_GET_MAPPING;
    gm.u.get_mapping.token = token;
    uint8_t gmb[64];
    size_t gml = 0;
    CHECK(ec_msg_encode(&gm, gmb, sizeof gmb, &gml) == EC_OK);
    memcpy(bad, body, blen);
    bad[0] = EC_MSG_GET_MAPPING;
    struct { const uint8_t *b; size_t n; } nots[] = {{head, sizeof head}, {gmb, gml}, {bad, blen}, {body, blen + 1}};
    body[blen] = 0;
    for (size_t i = 0; i < sizeof nots / sizeof nots[0]; i++) {
        a.status = EC_QST_FOUND;
        a.body = nots[i].b;
        a.body_len = nots[i].n;
        CHECK(ec_answer_encode(&a, buf, EC_PKT_MTU, &len) == EC_ERR_ARG);
        CHECK(ec_answer_decode(&r, buf, raw_answer(EC_QOP_MAPPING, EC_QST_FOUND, nots[i].b, nots[i].n, buf)) ==
              EC_ERR_MALFORMED);
    }
    /* A MAPPING body is not a HEAD's or a transaction's either: the op
     * says what the body is (a HEAD answer's body is its 72 bytes). */
    CHECK(ec_answer_decode(&r, buf, raw_answer(EC_QOP_HEAD, EC_QST_FOUND, body, blen, buf)) == EC_ERR_MALFORMED);
    CHECK(ec_answer_decode(&r, buf, raw_answer(EC_QOP_HEAD, EC_QST_NOTFOUND, body, blen, buf)) == EC_ERR_MALFORMED);
    CHECK(ec_answer_decode(&r, buf, raw_answer(EC_QOP_HEAD, EC_QST_FOUND, head, sizeof head, buf)) == EC_OK);
out:
    free(m);
    free(got);
    free(body);
    free(buf);
    free(bad);
}

/* The asker pads once for the largest signed answer; unpadded, even an
 * unsigned answer would exceed 3x the question. */
static void test_mapping_padding(void)
{
    size_t q = ec_query_pad_for(EC_ANSWER_MAPPING_MAX);
    CHECK_EQ_INT(q, 253);
    CHECK(EC_ANSWER_HEAD + EC_ANSWER_MAPPING_MAX <= EC_QUERY_AMPLIFY * q); /* 757 <= 759 */
    CHECK(EC_ANSWER_HEAD + EC_ANSWER_MAPPING_MIN > EC_QUERY_AMPLIFY * EC_QUERY_MIN); /* 209 > 162: too large */
    uint8_t s[32] = {4}, buf[EC_PKT_MTU];
    ec_id token = some_id(0x11);
    ec_asker a;
    ec_asker_init(&a, EC_QOP_MAPPING, &token, 2, 400, 0, s);
    size_t len = 0;
    CHECK(ec_asker_question(&a, buf, sizeof buf, &len) == EC_OK);
    CHECK_EQ_INT(len, 253);
    ec_query d;
    CHECK(ec_query_decode(&d, buf, len) == EC_OK && d.op == EC_QOP_MAPPING && d.len == 253);
}

static void test_asker_checks_the_claims(void)
{
    ec_keypair kp;
    uint8_t seed[EC_SEED_LEN] = {5};
    ec_sign_keypair(&kp, seed);
    ec_id token = some_id(0x11), other = some_id(0x12), answerer = some_id(0xaa), someone = some_id(0xbb);
    uint8_t s[32], q[EC_PKT_MTU], pkt[EC_PKT_MTU], body[EC_PKT_MTU];
    fresh(s, 11);
    ec_asker k;
    ec_asker_init(&k, EC_QOP_MAPPING, &token, 2, 400, 0, s);
    size_t qlen = 0, blen = 0, n;
    CHECK(ec_asker_question(&k, q, sizeof q, &qlen) == EC_OK);
    ec_ask_result *r = calloc(1, sizeof *r);
    ec_msg *m = malloc(sizeof *m);
    if (r == NULL || m == NULL) goto out;
    /* Signed as the answerer (answer_to's 0xaa), 4 claims: taken, verified. */
    make_mapping(m, &token, true, 4, &kp, &answerer);
    CHECK(ec_msg_encode(m, body, sizeof body, &blen) == EC_OK);
    n = answer_to(q, EC_QST_FOUND, body, blen, pkt);
    CHECK(n == EC_ANSWER_HEAD + EC_ANSWER_MAPPING_MAX && n <= EC_QUERY_AMPLIFY * qlen);
    CHECK(ec_asker_on_datagram(&k, pkt, n, r) == EC_OK);
    CHECK(r->status == EC_QST_FOUND && r->signed_ok && r->claims.n == 4 && r->body_len == blen);
    CHECK(ec_claims_verify(&r->claims, &r->answerer) == EC_OK);
    CHECK_EQ_INT(k.refused, 0);
    /* One bit of the signature flipped: decodes, does not verify. */
    m->u.mapping.claims.sig.b[5] ^= 0x10;
    CHECK(ec_msg_encode(m, body, sizeof body, &blen) == EC_OK);
    n = answer_to(q, EC_QST_FOUND, body, blen, pkt);
    CHECK(ec_asker_on_datagram(&k, pkt, n, r) == EC_ERR_MISMATCH);
    /* Signed, but as another address than the answerer's. */
    make_mapping(m, &token, true, 2, &kp, &someone);
    CHECK(ec_msg_encode(m, body, sizeof body, &blen) == EC_OK);
    n = answer_to(q, EC_QST_FOUND, body, blen, pkt);
    CHECK(ec_asker_on_datagram(&k, pkt, n, r) == EC_ERR_MISMATCH);
    /* Well signed, but for another token. */
    make_mapping(m, &other, true, 2, &kp, &answerer);
    CHECK(ec_msg_encode(m, body, sizeof body, &blen) == EC_OK);
    n = answer_to(q, EC_QST_FOUND, body, blen, pkt);
    CHECK(ec_asker_on_datagram(&k, pkt, n, r) == EC_ERR_MISMATCH);
    CHECK_EQ_INT(k.refused, 3);
    /* Unsigned (a node without a key): taken, reported unsigned. */
    make_mapping(m, &token, true, 0, &kp, &answerer);
    CHECK(ec_msg_encode(m, body, sizeof body, &blen) == EC_OK);
    n = answer_to(q, EC_QST_FOUND, body, blen, pkt);
    CHECK(ec_asker_on_datagram(&k, pkt, n, r) == EC_OK && !r->signed_ok && r->claims.n == 0);
    /* Not found, with recent claims: taken, verified. */
    make_mapping(m, &token, false, 3, &kp, &answerer);
    CHECK(ec_msg_encode(m, body, sizeof body, &blen) == EC_OK);
    n = answer_to(q, EC_QST_NOTFOUND, body, blen, pkt);
    CHECK(ec_asker_on_datagram(&k, pkt, n, r) == EC_OK);
    CHECK(r->status == EC_QST_NOTFOUND && r->signed_ok && r->claims.n == 3);
    /* Too large: taken (the asker learns to open a session), no claims. */
    n = answer_to(q, EC_QST_TOO_LARGE, NULL, 0, pkt);
    CHECK(ec_asker_on_datagram(&k, pkt, n, r) == EC_OK && r->status == EC_QST_TOO_LARGE && !r->signed_ok);
    /* A HEAD asker does not take a MAPPING answer, nor the reverse. */
    ec_asker h;
    ec_asker_init(&h, EC_QOP_HEAD, &token, 2, 400, 0, s);
    make_mapping(m, &token, true, 1, &kp, &answerer);
    CHECK(ec_msg_encode(m, body, sizeof body, &blen) == EC_OK);
    n = answer_to(q, EC_QST_FOUND, body, blen, pkt);
    CHECK(ec_asker_on_datagram(&h, pkt, n, r) == EC_ERR_MISMATCH);
    CHECK(ec_asker_question(&h, q, sizeof q, &qlen) == EC_OK && qlen == EC_QUERY_MIN);
    uint8_t hb[EC_ANSWER_HEAD_BODY] = {1};
    n = answer_to(q, EC_QST_FOUND, hb, sizeof hb, pkt);
    CHECK(ec_asker_on_datagram(&k, pkt, n, r) == EC_ERR_MISMATCH);
    CHECK(ec_asker_on_datagram(&h, pkt, n, r) == EC_OK && !r->signed_ok);
out:
    free(m);
    free(r);
}

int main(void)
{
    if (sodium_init() < 0) return 1;
    RUN(test_query_round_trip_and_truncation);
    RUN(test_answer_round_trip_and_body_rules);
    RUN(test_padding_pays_for_the_answer);
    RUN(test_ticket_rotation_window);
    RUN(test_asker_takes_only_its_answers);
    RUN(test_mapping_answer_codec);
    RUN(test_mapping_padding);
    RUN(test_asker_checks_the_claims);
    return TEST_REPORT("query");
}
