/* The asking side of sessionless queries (net/query.h): `ec get
 * --sessionless`. A sans-IO part (ec_asker: build the question, judge an
 * answer) and a blocking call over a UDP socket for the command line.
 *
 * An answer is taken only if it echoes a ticket of ours (current or
 * previous secret) for the question asked, is for the same op, and, for a
 * transaction, hashes to the id asked for; a MAPPING answer (FOUND or
 * NOTFOUND) must carry a MAPPING message for the token asked whose claims,
 * when it has any, verify as the answerer's (ec_claims_verify: signed by
 * the key they name, over the answerer's address). An answer without
 * claims (a node without a key) is taken and reported unsigned. Anything
 * else is counted in `refused` and ignored: a forged or stale answer
 * cannot end the wait. */
#ifndef EC_NET_QCLIENT_H
#define EC_NET_QCLIENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/err.h"
#include "ledger/tx.h"
#include "wire/msg.h"
#include "net/endpoint.h"
#include "net/query.h"

#define EC_ASK_TICKET_MS 400 /* the ticket secret's period (seed §9.3: "a few hundred ms") */
#define EC_ASK_RESEND_MS 500

typedef struct ec_ask_result {
    uint8_t status;      /* EC_QST_* */
    ec_id answerer;      /* who says so (not authenticated: see query.h) */
    uint8_t body[EC_TX_MAX_LEN];
    size_t body_len;
    uint64_t refused;    /* answers ignored: bad ticket, op or content */
    /* EC_QOP_MAPPING (FOUND or NOTFOUND): the answer's claims; signed
     * true when it had some (n > 0) and they verified, false for n = 0. */
    ec_msg_claims claims;
    bool signed_ok;
} ec_ask_result;

typedef struct ec_asker {
    ec_ticket ticket;
    uint8_t op, hops;
    ec_id id;
    size_t qlen;         /* the question's length: padded so the answer fits 3x */
    uint64_t refused;
} ec_asker;

/* fresh: 32 bytes from a CSPRNG (the ticket's first secret). */
void ec_asker_init(ec_asker *a, uint8_t op, const ec_id *id, uint8_t hops, uint64_t ticket_ms, uint64_t now_ms,
                   const uint8_t fresh[32]);
/* True when the ticket secret should change (then ec_ticket_rotate). */
bool ec_asker_due(const ec_asker *a, uint64_t now_ms);
/* The QUERY datagram (a->qlen bytes into buf, cap >= a->qlen). */
ec_err ec_asker_question(const ec_asker *a, uint8_t *buf, size_t cap, size_t *len);
/* A datagram that came back: EC_OK and *out filled if it answers our
 * question; EC_ERR_MALFORMED (not an ANSWER), EC_ERR_MISMATCH (ticket, op
 * or content wrong) otherwise, counted in a->refused. */
ec_err ec_asker_on_datagram(ec_asker *a, const uint8_t *pkt, size_t len, ec_ask_result *out);

/* Blocking: asks `node` and waits up to timeout_ms (re-sending every
 * EC_ASK_RESEND_MS with the current ticket). EC_OK with *out,
 * EC_ERR_NOTFOUND (no acceptable answer in time), EC_ERR_IO (socket). */
ec_err ec_ask(const ec_endpoint *node, uint8_t op, const ec_id *id, uint8_t hops, uint64_t timeout_ms,
              ec_ask_result *out);

#endif
