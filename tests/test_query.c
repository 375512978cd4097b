/* Sessionless queries (net/query.h, net/qclient.h) without a network: the
 * codec (round trips, every truncation, each refused field), the 3x
 * padding rule, tickets (current and previous secret, not older, bound to
 * op and id), and the asker refusing forged, stale, mismatched answers. */
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

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
        {20, 3, EC_ERR_MALFORMED},          /* op 3 */
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

int main(void)
{
    if (sodium_init() < 0) return 1;
    RUN(test_query_round_trip_and_truncation);
    RUN(test_answer_round_trip_and_body_rules);
    RUN(test_padding_pays_for_the_answer);
    RUN(test_ticket_rotation_window);
    RUN(test_asker_takes_only_its_answers);
    return TEST_REPORT("query");
}
