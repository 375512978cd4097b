/* Sessionless queries over loopback (net/query.h, daemon_query.c): two
 * daemons, A bootstrapped to B, B holding a token and a transaction in
 * its store (put there before it starts; A holds nothing, w = 1).
 *   - asked directly, B answers a head within 3x the question, refuses a
 *     transaction an unpadded question did not pay for (too_large), and
 *     drops a malformed question and an ANSWER nobody asked for;
 *   - the signed MAPPING op: B answers an unpadded question too_large and
 *     a padded one with its MAPPING message, whose claims verify under
 *     B's address (the asked token's claim first: B's head);
 *   - asked through A, the question is forwarded to B (nearer the id) and
 *     B's answer reaches the asker directly, for HEAD, TX and MAPPING
 *     (signed by B); with 0 hops A answers itself (MAPPING: not found,
 *     with A's chain position, unsigned: A committed nothing);
 *   - a FORWARD frame from a client's session (no identity) is dropped;
 *   - a flood of questions from one address is rate-limited.
 * Counters are read after both loops stopped. */
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "core/claims.h"
#include "crypto/blake3.h"
#include "daemon_util.h"
#include "net/client.h"
#include "net/frame.h"
#include "net/qclient.h"
#include "net/query.h"
#include "net/sysclock.h"

static dt_side A, B;
static uint8_t txbytes[EC_TX_MAX_LEN];
static size_t txlen;
static ec_id txid;

/* w = 1; a small request bucket (the flood at the end empties it). */
static bool start(dt_side *s, const ec_endpoint *bootstrap)
{
    ec_daemon_config cfg;
    dt_config(&cfg, 1);
    cfg.requests_per_s = 20;
    cfg.request_burst = 100;
    if (bootstrap) cfg.bootstrap[cfg.nbootstrap++] = *bootstrap;
    return dt_start(s, &cfg);
}

/* B's store: a head for the token at B's own address (B is nearest to
 * it), and a signed transaction whose id is nearer B than A (a question
 * moves only toward its id), before B runs. */
static void fill_b(const ec_id *token, const ec_id *aaddr)
{
    ec_keypair owner;
    uint8_t seed[EC_SEED_LEN] = {9};
    ec_sign_keypair(&owner, seed);
    ec_tx tx;
    ec_id who, none = {{0}};
    ec_sign_keyhash(&who, &owner.pub);
    for (uint64_t ts = 1700000000000ull;; ts++) {
        ec_tx_init(&tx, ts);
        ec_tx_add_mapping(&tx, token, &who, &none);
        ec_tx_sign(&tx, &owner);
        CHECK(ec_tx_encode(&tx, txbytes, sizeof txbytes, &txlen) == EC_OK);
        ec_blake3_hash(txbytes, txlen, txid.b);
        if (ec_id_cmp_distance(&txid, token, aaddr) < 0) break;
    }
    ec_head h = {txid, 1700000000000ull, who};
    CHECK(ec_store_begin(B.store) == EC_OK);
    CHECK(ec_store_put_tx(B.store, &txid, txbytes, txlen) == EC_OK);
    CHECK(ec_store_put_head(B.store, token, &h) == EC_OK);
    CHECK(ec_store_commit(B.store) == EC_OK);
}

/* A raw socket's question to `to`, and the first answer back (0: none in 1 s). */
static size_t raw_ask(const ec_endpoint *to, const uint8_t *q, size_t qlen, uint8_t *ans, size_t cap)
{
    int fd = socket(AF_INET, SOCK_DGRAM, 0);
    struct sockaddr_storage ss;
    socklen_t sl;
    ec_endpoint_to_sockaddr(to, &ss, &sl);
    sendto(fd, q, qlen, 0, (struct sockaddr *)&ss, sl);
    struct pollfd p = {.fd = fd, .events = POLLIN};
    ssize_t n = 0;
    if (poll(&p, 1, 1000) == 1) n = recv(fd, ans, cap, 0);
    close(fd);
    return n > 0 ? (size_t)n : 0;
}

static void test_direct_answers_within_3x(void)
{
    ec_ticket t;
    uint8_t s[32] = {1}, q[EC_PKT_MTU], ans[2048];
    ec_ticket_init(&t, 400, 0, s);
    ec_query qu;
    memset(&qu, 0, sizeof qu);
    qu.op = EC_QOP_HEAD;
    qu.id = B.addr;
    qu.len = EC_QUERY_MIN;
    ec_ticket_make(&t, qu.op, &qu.id, qu.ticket);
    CHECK(ec_query_encode(&qu, q, sizeof q) == EC_OK);
    size_t n = raw_ask(&B.ep, q, qu.len, ans, sizeof ans);
    ec_answer a;
    CHECK(n > 0 && n <= EC_QUERY_AMPLIFY * qu.len);
    CHECK(ec_answer_decode(&a, ans, n) == EC_OK);
    CHECK(a.status == EC_QST_FOUND && memcmp(a.body, txid.b, 32) == 0);
    CHECK(ec_ticket_check(&t, EC_QOP_HEAD, &B.addr, a.ticket));
    CHECK(ec_id_cmp(&a.answerer, &B.addr) == 0);
    /* A transaction asked for by an unpadded question: too large to send. */
    qu.op = EC_QOP_TX;
    qu.id = txid;
    ec_ticket_make(&t, qu.op, &qu.id, qu.ticket);
    CHECK(ec_query_encode(&qu, q, sizeof q) == EC_OK);
    n = raw_ask(&B.ep, q, qu.len, ans, sizeof ans);
    CHECK(n == EC_ANSWER_HEAD && ec_answer_decode(&a, ans, n) == EC_OK && a.status == EC_QST_TOO_LARGE);
    /* Padded to what the transaction needs: the whole transaction. */
    qu.len = ec_query_pad_for(txlen);
    CHECK(ec_query_encode(&qu, q, sizeof q) == EC_OK);
    n = raw_ask(&B.ep, q, qu.len, ans, sizeof ans);
    CHECK(n > 0 && n <= EC_QUERY_AMPLIFY * qu.len);
    CHECK(ec_answer_decode(&a, ans, n) == EC_OK && a.status == EC_QST_FOUND && a.body_len == txlen &&
          memcmp(a.body, txbytes, txlen) == 0);
    /* Non-zero padding: no answer. An ANSWER sent to a node: no answer. */
    q[qu.len - 1] = 1;
    CHECK(raw_ask(&B.ep, q, qu.len, ans, sizeof ans) == 0);
    uint8_t unasked[EC_ANSWER_HEAD] = {1, 0, EC_QPKT_ANSWER, 0};
    unasked[20] = EC_QOP_HEAD;
    CHECK(raw_ask(&B.ep, unasked, sizeof unasked, ans, sizeof ans) == 0);
}

/* The signed variant: B's MAPPING message for the token, claims signed
 * as B; an unpadded question is refused (too large), padded it fits 3x. */
static void test_signed_mapping_direct(void)
{
    ec_ticket t;
    uint8_t s[32] = {2}, q[EC_PKT_MTU], ans[2048];
    ec_ticket_init(&t, 400, 0, s);
    ec_query qu;
    memset(&qu, 0, sizeof qu);
    qu.op = EC_QOP_MAPPING;
    qu.id = B.addr;
    qu.len = EC_QUERY_MIN;
    ec_ticket_make(&t, qu.op, &qu.id, qu.ticket);
    CHECK(ec_query_encode(&qu, q, sizeof q) == EC_OK);
    size_t n = raw_ask(&B.ep, q, qu.len, ans, sizeof ans);
    ec_answer a;
    CHECK(n == EC_ANSWER_HEAD && ec_answer_decode(&a, ans, n) == EC_OK && a.status == EC_QST_TOO_LARGE);
    CHECK(a.op == EC_QOP_MAPPING && ec_ticket_check(&t, EC_QOP_MAPPING, &B.addr, a.ticket));
    /* Padded as the asker pads: for 4 claims. */
    qu.len = ec_query_pad_for(EC_ANSWER_MAPPING_MAX);
    CHECK(ec_query_encode(&qu, q, sizeof q) == EC_OK);
    n = raw_ask(&B.ep, q, qu.len, ans, sizeof ans);
    CHECK(n > EC_ANSWER_HEAD && n <= EC_QUERY_AMPLIFY * qu.len);
    CHECK(ec_answer_decode(&a, ans, n) == EC_OK && a.status == EC_QST_FOUND);
    CHECK(ec_id_cmp(&a.answerer, &B.addr) == 0);
    ec_msg *m = malloc(sizeof *m);
    if (m == NULL) return;
    CHECK(ec_answer_mapping(&a, &B.addr, m) == EC_OK);
    CHECK(m->u.mapping.found == 1 && ec_id_cmp(&m->u.mapping.tx_id, &txid) == 0);
    const ec_msg_claims *c = &m->u.mapping.claims;
    CHECK(c->n >= 1 && ec_id_cmp(&c->c[0].token, &B.addr) == 0 && ec_id_cmp(&c->c[0].head, &txid) == 0);
    CHECK(ec_claims_verify(c, &B.addr) == EC_OK);
    CHECK(ec_claims_verify(c, &A.addr) == EC_ERR_SIGNATURE);
    CHECK(memcmp(c->key.b, B.kp.pub.b, EC_PUBKEY_LEN) == 0); /* B's identity key */
    printf("  B's signed mapping answer: %zu bytes, %d claim(s), to a question of %zu\n", n, c->n, qu.len);
    free(m);
    /* The blocking asker, direct: taken, verified. */
    ec_ask_result *r = calloc(1, sizeof *r);
    if (r == NULL) return;
    CHECK(ec_ask(&B.ep, EC_QOP_MAPPING, &B.addr, 0, 3000, r) == EC_OK);
    CHECK(r->status == EC_QST_FOUND && r->signed_ok && r->claims.n >= 1);
    CHECK(ec_id_cmp(&r->answerer, &B.addr) == 0 && ec_claims_verify(&r->claims, &B.addr) == EC_OK);
    CHECK_EQ_INT(r->refused, 0);
    free(r);
}

/* Through A, which holds nothing: forwarded to B, answered by B. */
static void test_forwarded_to_the_holder(void)
{
    ec_ask_result *r = calloc(1, sizeof *r);
    if (r == NULL) return;
    /* A learns B at its bootstrap (handshake, record verified): until
     * then A answers "not found" itself. */
    uint64_t end = ec_sys_mono_ms() + 15000;
    ec_err err;
    do {
        err = ec_ask(&A.ep, EC_QOP_HEAD, &B.addr, 4, 1000, r);
    } while (!(err == EC_OK && r->status == EC_QST_FOUND) && ec_sys_mono_ms() < end);
    CHECK(err == EC_OK && r->status == EC_QST_FOUND);
    CHECK(ec_id_cmp(&r->answerer, &B.addr) == 0);
    CHECK(r->body_len == EC_ANSWER_HEAD_BODY && memcmp(r->body, txid.b, 32) == 0);
    /* A transaction (the asker pads; the forward carries the padding). */
    CHECK(ec_ask(&A.ep, EC_QOP_TX, &txid, 4, 3000, r) == EC_OK);
    CHECK(r->status == EC_QST_FOUND && r->body_len == txlen && memcmp(r->body, txbytes, txlen) == 0);
    CHECK(ec_id_cmp(&r->answerer, &B.addr) == 0);
    /* The signed mapping, forwarded like a head: B answers, B signed. */
    CHECK(ec_ask(&A.ep, EC_QOP_MAPPING, &B.addr, 4, 3000, r) == EC_OK);
    CHECK(r->status == EC_QST_FOUND && ec_id_cmp(&r->answerer, &B.addr) == 0);
    CHECK(r->signed_ok && r->claims.n >= 1 && ec_claims_verify(&r->claims, &B.addr) == EC_OK);
    CHECK(ec_id_cmp(&r->claims.c[0].head, &txid) == 0);
    /* No hops: A answers what it knows, which is nothing. */
    CHECK(ec_ask(&A.ep, EC_QOP_HEAD, &B.addr, 0, 3000, r) == EC_OK);
    CHECK(r->status == EC_QST_NOTFOUND && ec_id_cmp(&r->answerer, &A.addr) == 0);
    CHECK_EQ_INT(r->refused, 0);
    /* MAPPING, no hops: A's own answer, not found, still a MAPPING body
     * (A's chain position); A committed nothing, so no claims. */
    CHECK(ec_ask(&A.ep, EC_QOP_MAPPING, &B.addr, 0, 3000, r) == EC_OK);
    CHECK(r->status == EC_QST_NOTFOUND && ec_id_cmp(&r->answerer, &A.addr) == 0);
    CHECK(r->body_len >= EC_ANSWER_MAPPING_MIN && r->body[0] == EC_MSG_MAPPING && !r->signed_ok);
    printf("  A's not-found mapping answer: body %zu bytes (datagram %zu), %d claim(s)\n", r->body_len,
           EC_ANSWER_HEAD + r->body_len, r->claims.n);
    CHECK_EQ_INT(r->refused, 0);
    free(r);
}

/* A client (a session with no identity) cannot make a node forward. */
static void test_forward_frame_needs_a_peer(void)
{
    ec_client *c = NULL;
    char why[256];
    CHECK(ec_client_open(&c, &A.ep, 5000, why, sizeof why) == EC_OK);
    if (c == NULL) return;
    uint8_t f[2 + 6 + EC_QUERY_MIN] = {EC_FRAME_FWD, 6, 127, 0, 0, 1, 0x1f, 0x90};
    ec_query qu;
    memset(&qu, 0, sizeof qu);
    qu.op = EC_QOP_HEAD;
    qu.id = B.addr;
    qu.len = EC_QUERY_MIN;
    CHECK(ec_query_encode(&qu, f + 8, EC_QUERY_MIN) == EC_OK);
    CHECK(ec_client_send_frame(c, f, sizeof f) == EC_OK);
    int code;
    uint8_t resp[64];
    size_t rlen;
    /* A status round trip orders them: the node read the frame first. */
    CHECK(ec_client_call(c, EC_OP_STATUS, NULL, 0, NULL, &code, resp, sizeof resp, &rlen, 5000) == EC_OK);
    ec_client_close(c);
}

static void flood(const ec_endpoint *to, int n)
{
    int fd = socket(AF_INET, SOCK_DGRAM, 0);
    struct sockaddr_storage ss;
    socklen_t sl;
    ec_endpoint_to_sockaddr(to, &ss, &sl);
    uint8_t q[EC_QUERY_MIN] = {1, 0, EC_QPKT_QUERY, 0};
    q[20] = EC_QOP_HEAD;
    for (int i = 0; i < n; i++) sendto(fd, q, sizeof q, 0, (struct sockaddr *)&ss, sl);
    close(fd);
}

int main(void)
{
    if (ec_crypto_init() != EC_OK) return 1;
    dt_signals();
    /* B's address (from its identity) names the token B's store holds
     * before B runs; the transaction's id must be nearer B than A. */
    CHECK(ec_store_mem_open(&B.store) == EC_OK);
    dt_identity(&B, 21);
    dt_identity(&A, 22);
    fill_b(&B.addr, &A.addr);
    if (!start(&B, NULL) || !start(&A, &B.ep)) return TEST_REPORT("query_net");
    CHECK(ec_id_cmp(&B.addr, ec_daemon_addr(B.d)) == 0);
    RUN(test_direct_answers_within_3x);
    RUN(test_signed_mapping_direct);
    RUN(test_forwarded_to_the_holder);
    RUN(test_forward_frame_needs_a_peer);
    flood(&A.ep, 300);
    usleep(300000);
    dt_side *all[] = {&A, &B};
    dt_stop(all, 2);
    CASE_BEGIN();
    printf("  A: forwarded %llu answered %llu; B: answered %llu too_large %llu; drops: B query_malformed %llu "
           "answer_unasked %llu, A unverified %llu rate_request %llu\n",
           (unsigned long long)A.d->queries_forwarded, (unsigned long long)A.d->queries_answered,
           (unsigned long long)B.d->queries_answered, (unsigned long long)B.d->answers_too_large,
           (unsigned long long)ec_daemon_drops(B.d, "query_malformed"),
           (unsigned long long)ec_daemon_drops(B.d, "answer_unasked"),
           (unsigned long long)ec_daemon_drops(A.d, "unverified"),
           (unsigned long long)ec_daemon_drops(A.d, "rate_request"));
    CHECK(A.d->queries_forwarded >= 3);
    CHECK(A.d->queries_answered >= 1);
    CHECK_EQ_INT(B.d->answers_too_large, 2);
    CHECK(B.d->queries_answered >= 8);
    CHECK_EQ_INT(ec_daemon_drops(B.d, "query_malformed"), 1);
    CHECK(ec_daemon_drops(B.d, "answer_unasked") >= 1);
    CHECK_EQ_INT(ec_daemon_drops(A.d, "unverified"), 1);
    CHECK(ec_daemon_drops(A.d, "rate_request") >= 150); /* 300 against a bucket of 100, 20/s */
    CASE_END("counted_by_reason");
    dt_free(&A);
    dt_free(&B);
    return TEST_REPORT("query_net");
}
