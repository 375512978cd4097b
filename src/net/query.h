/* Sessionless public requests (seed §9.3 tickets, §9.4 forwarding;
 * docs/TRANSPORT.md, "Queries"): anyone may ask any node for a token's
 * head or a transaction in one datagram, with no handshake. A node that
 * does not hold the answer may forward the question, over its session,
 * to a peer nearer the id, naming the asker's observed address; whoever
 * holds it answers that address directly.
 *
 *   7 QUERY   header | ticket 16 | op u8 | hops u8 | id 32 | zeros   54..1400
 *   8 ANSWER  header | ticket 16 | op u8 | answerer 32 | status u8 | body
 *
 * op: EC_QOP_HEAD (id: a token), EC_QOP_TX (id: a transaction id) or
 * EC_QOP_MAPPING (id: a token; the signed variant of HEAD).
 * status: EC_QST_NOTFOUND, EC_QST_FOUND, EC_QST_TOO_LARGE (the answer
 * exceeds what the question paid for: pad the question or open a session).
 * HEAD's body: tx id 32, timestamp u64, owner 32; TX's: its bytes.
 * MAPPING's (FOUND and NOTFOUND alike): the core MAPPING message as
 * ec_msg_encode writes it (type byte EC_MSG_MAPPING first), the answerer's
 * head for the token (found or not), its chain position and up to 4 of
 * its claims signed once (Minefield, docs/SECURITY.md "Signed mappings");
 * 155..703 bytes, so the question must be padded (ec_query_pad_for(
 * EC_ANSWER_MAPPING_MAX): 253 bytes).
 * Header as every packet: version u16 = 1, type u8, reserved u8 = 0.
 *
 * Anti-amplification (QUIC's rule, RFC 9000 §8): an answer to an address
 * no session authenticates is at most 3x the bytes of the datagram that
 * asked, and a question is at least 54 bytes, so a HEAD answer (126)
 * always fits; a TX or MAPPING answer needs the question padded
 * (ec_query_pad_for).
 *
 * The ticket (§9.3) is the asker's: keyed-hash(secret, op, id) under a
 * secret it rotates, current and previous accepted. An answer that does
 * not echo a valid ticket answers nothing we asked and is dropped; a
 * forwarder or answerer only copies it. The answer is otherwise
 * unauthenticated: the ticket binds it to the question, not to the
 * answerer (a mapping's truth is a majority's; a transaction is checked
 * against its id), except MAPPING's claims, signed by the key they name
 * over the answerer's address (ec_claims_verify; that the key is the
 * address's identity key takes its identity record). */
#ifndef EC_NET_QUERY_H
#define EC_NET_QUERY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/err.h"
#include "crypto/id.h"
#include "wire/msg.h"

#define EC_QPKT_QUERY 7
#define EC_QPKT_ANSWER 8
#define EC_QUERY_TICKET_LEN 16
#define EC_QUERY_MIN 54        /* header, ticket, op, hops, id */
#define EC_ANSWER_HEAD 54      /* header, ticket, op, answerer, status */
#define EC_QUERY_HOPS_MAX 8
#define EC_QUERY_AMPLIFY 3     /* answer bytes per question byte, at most */
#define EC_ANSWER_HEAD_BODY 72 /* tx id, timestamp, owner */
/* A MAPPING body: type 1, token 32, found 1, tx id 32, timestamp 8, owner
 * 32, chain height 8, chain hash 32, block height 8 (154), then the claims
 * (1 byte unsigned, up to EC_MSG_CLAIMS_LEN_MAX = 545 with 4). */
#define EC_ANSWER_MAPPING_FIXED (1 + 4 * EC_ID_LEN + 1 + 3 * 8)
#define EC_ANSWER_MAPPING_MIN (EC_ANSWER_MAPPING_FIXED + 1)                      /* 155 */
#define EC_ANSWER_MAPPING_MAX (EC_ANSWER_MAPPING_FIXED + EC_MSG_CLAIMS_LEN_MAX) /* 703 */

enum { EC_QOP_HEAD = 1, EC_QOP_TX = 2, EC_QOP_MAPPING = 3 };
enum { EC_QST_NOTFOUND = 0, EC_QST_FOUND = 1, EC_QST_TOO_LARGE = 2 };

typedef struct ec_query {
    uint8_t ticket[EC_QUERY_TICKET_LEN];
    uint8_t op;
    uint8_t hops; /* forwards left (<= EC_QUERY_HOPS_MAX) */
    ec_id id;
    size_t len;   /* the datagram's length, padding included */
} ec_query;

typedef struct ec_answer {
    uint8_t ticket[EC_QUERY_TICKET_LEN];
    uint8_t op;
    ec_id answerer;
    uint8_t status;
    const uint8_t *body; /* into the decoded buffer (FOUND only) */
    size_t body_len;
} ec_answer;

/* Encodes q padded with zeros to q->len (>= EC_QUERY_MIN, <= cap and the
 * MTU): EC_OK, EC_ERR_ARG (op, hops or length out of range). */
ec_err ec_query_encode(const ec_query *q, uint8_t *buf, size_t cap);
/* EC_OK, EC_ERR_TRUNCATED (short), EC_ERR_RANGE (over the MTU),
 * EC_ERR_VERSION (version or type), EC_ERR_MALFORMED (reserved byte, op,
 * hops, non-zero padding). */
ec_err ec_query_decode(ec_query *q, const uint8_t *buf, size_t len);
/* EC_OK and *len, EC_ERR_ARG (op, status, a body with a status that has
 * none, a HEAD body that is not 72 bytes, a TX body empty or too long, a
 * MAPPING body that ec_msg_decode refuses, is another message or whose
 * found flag is not the status's), EC_ERR_RANGE (cap). */
ec_err ec_answer_encode(const ec_answer *a, uint8_t *buf, size_t cap, size_t *len);
/* As ec_query_decode, and the body rules of ec_answer_encode. */
ec_err ec_answer_decode(ec_answer *a, const uint8_t *buf, size_t len);
/* The MAPPING message a decoded MAPPING answer (FOUND or NOTFOUND)
 * carries, for `token` (the id asked; the answer does not repeat it):
 * EC_OK and *m, EC_ERR_ARG (another op, or no body), EC_ERR_MALFORMED (not
 * a MAPPING message, or one for another token). Signatures not checked. */
ec_err ec_answer_mapping(const ec_answer *a, const ec_id *token, ec_msg *m);
/* The question length whose 3x pays for an answer of body_len bytes. */
size_t ec_query_pad_for(size_t body_len);

/* Tickets: two secrets (current, previous), the current one replaced
 * every period_ms. Sans-IO: the caller gives the time (monotonic ms) and
 * the fresh secrets (from a CSPRNG). */
typedef struct ec_ticket {
    uint8_t cur[32], prev[32];
    uint64_t rotated_ms, period_ms;
} ec_ticket;

void ec_ticket_init(ec_ticket *t, uint64_t period_ms, uint64_t now_ms, const uint8_t fresh[32]);
/* True once the current secret is period_ms old: rotate it. */
bool ec_ticket_due(const ec_ticket *t, uint64_t now_ms);
void ec_ticket_rotate(ec_ticket *t, uint64_t now_ms, const uint8_t fresh[32]);
/* BLAKE3-keyed(current secret, "ec ticket v1" | op | id), 16 bytes. */
void ec_ticket_make(const ec_ticket *t, uint8_t op, const ec_id *id, uint8_t out[EC_QUERY_TICKET_LEN]);
/* Made with the current or the previous secret for (op, id): constant time. */
bool ec_ticket_check(const ec_ticket *t, uint8_t op, const ec_id *id, const uint8_t tk[EC_QUERY_TICKET_LEN]);
/* Wipes the secrets. */
void ec_ticket_wipe(ec_ticket *t);

#endif
