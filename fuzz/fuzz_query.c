/* libFuzzer harness: the sessionless query codec and the asker
 * (net/query.h, net/qclient.h). The input is one datagram.
 *   - ec_query_decode and ec_answer_decode return OK or a negative error;
 *     on OK the structure re-encodes to exactly the input (one encoding);
 *   - a MAPPING answer that decodes carries (FOUND or NOTFOUND) exactly one
 *     core MAPPING message, which re-encodes to the body;
 *   - an asker (a fixed secret, a question for the id in the input) takes
 *     the datagram only if it answers that question: a FOUND transaction
 *     answer it takes hashes to the id; a MAPPING answer it takes is a
 *     MAPPING for the id whose claims, if any, verify as the answerer's;
 *     after two rotations of its secret no datagram is taken. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/claims.h"
#include "crypto/blake3.h"
#include "net/packet.h"
#include "net/qclient.h"
#include "net/query.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(c) \
    do { \
        if (!(c)) __builtin_trap(); \
    } while (0)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static uint8_t out[EC_PKT_MTU + 64];
    ec_query q;
    ec_err e = ec_query_decode(&q, data, size);
    CHECK(e <= 0);
    if (e == EC_OK) {
        CHECK(q.len == size);
        CHECK(ec_query_encode(&q, out, sizeof out) == EC_OK);
        CHECK(memcmp(out, data, size) == 0);
    }
    ec_answer a;
    e = ec_answer_decode(&a, data, size);
    CHECK(e <= 0);
    if (e == EC_OK) {
        size_t n = 0;
        CHECK(ec_answer_encode(&a, out, sizeof out, &n) == EC_OK);
        CHECK(n == size && memcmp(out, data, size) == 0);
        if (a.op == EC_QOP_MAPPING && a.status != EC_QST_TOO_LARGE) {
            static ec_msg m;
            CHECK(a.body_len >= EC_ANSWER_MAPPING_MIN && a.body_len <= EC_ANSWER_MAPPING_MAX);
            CHECK(ec_msg_decode(&m, a.body, a.body_len) == EC_OK && m.type == EC_MSG_MAPPING);
            CHECK(m.u.mapping.found == (a.status == EC_QST_FOUND));
            ec_id token = m.u.mapping.token;
            CHECK(ec_answer_mapping(&a, &token, &m) == EC_OK);
            CHECK(ec_msg_encode(&m, out, sizeof out, &n) == EC_OK);
            CHECK(n == a.body_len && memcmp(out, a.body, n) == 0);
        }
    }
    /* The asker: asks for the id the datagram names (bytes 21..52 of an
     * ANSWER are the answerer; the question's id is taken from there so
     * that matching tickets are reachable only by forging one). */
    static const uint8_t secret[32] = {7};
    ec_id id;
    memset(&id, 0, sizeof id);
    if (size >= 53) memcpy(id.b, data + 21, 32);
    uint8_t op = size > 20 && (data[20] == EC_QOP_TX || data[20] == EC_QOP_MAPPING) ? data[20] : EC_QOP_HEAD;
    ec_asker k;
    ec_asker_init(&k, op, &id, 2, 400, 0, secret);
    ec_ask_result *r = malloc(sizeof *r);
    if (r == NULL) return 0;
    e = ec_asker_on_datagram(&k, data, size, r);
    if (e == EC_OK) {
        CHECK(r->status <= EC_QST_TOO_LARGE);
        if (r->status == EC_QST_FOUND && op == EC_QOP_TX) {
            ec_id h;
            ec_blake3_hash(r->body, r->body_len, h.b);
            CHECK(ec_id_cmp(&h, &id) == 0);
        }
        if (op == EC_QOP_MAPPING && r->status != EC_QST_TOO_LARGE) {
            static ec_msg m;
            CHECK(ec_msg_decode(&m, r->body, r->body_len) == EC_OK && m.type == EC_MSG_MAPPING);
            CHECK(ec_id_cmp(&m.u.mapping.token, &id) == 0);
            CHECK(r->signed_ok == (r->claims.n > 0));
            CHECK(r->claims.n == 0 || ec_claims_verify(&r->claims, &r->answerer) == EC_OK);
        } else {
            CHECK(!r->signed_ok && r->claims.n == 0);
        }
    } else {
        CHECK(k.refused == 1);
    }
    static const uint8_t s2[32] = {8}, s3[32] = {9};
    ec_ticket_rotate(&k.ticket, 400, s2);
    ec_ticket_rotate(&k.ticket, 800, s3);
    CHECK(ec_asker_on_datagram(&k, data, size, r) != EC_OK);
    free(r);
    return 0;
}
