/* A client of a node (`ec submit`, `ec get`): one UDP socket, one session
 * with the node (a Noise IK handshake with a fresh key and no identity
 * record: the node answers clients' requests, never their core messages),
 * requests that are re-sent until answered. The node's static key comes
 * from its identity record, asked for with a key probe (TRANSPORT.md);
 * its self-signature is checked, its proof of work is not (the user named
 * the node: its address is whatever the record says). Blocking; for
 * command-line tools and tests, not for the daemon. */
#ifndef EC_NET_CLIENT_H
#define EC_NET_CLIENT_H

#include <stddef.h>
#include <stdint.h>

#include "base/err.h"
#include "crypto/sign.h"
#include "net/endpoint.h"

typedef struct ec_client ec_client;

/* Connects (probe, no handshake yet: the first request makes it).
 * EC_ERR_IO (socket; errno), EC_ERR_NOTFOUND (no answer to the probe
 * within timeout_ms), EC_ERR_SIGNATURE / EC_ERR_MALFORMED (a record that
 * is not one). *why says which, for the user. */
ec_err ec_client_open(ec_client **out, const ec_endpoint *node, uint64_t timeout_ms, char *why, size_t why_cap);
void ec_client_close(ec_client *c);
/* The node's signing key, from its record. */
const ec_pubkey *ec_client_node_key(const ec_client *c);

/* Sends request `op` (net/frame.h) with body and waits for its answer:
 * EC_OK with *code (the node's result) and the answer's body in resp
 * (cap bytes, *rlen), or EC_ERR_NOTFOUND when nothing came within
 * timeout_ms (the request is re-sent every 500 ms meanwhile). *req gets
 * the request id (for ec_client_wait). */
ec_err ec_client_call(ec_client *c, uint8_t op, const uint8_t *body, size_t len, uint32_t *req, int *code,
                      uint8_t *resp, size_t cap, size_t *rlen, uint64_t timeout_ms);
/* Sends one plaintext frame as it is (no answer awaited): tests use it
 * to send what a well-behaved client never does. */
ec_err ec_client_send_frame(ec_client *c, const uint8_t *frame, size_t len);

/* Waits for a later answer `op` to request `req` (an OUTCOME): EC_OK or
 * EC_ERR_NOTFOUND after timeout_ms. */
ec_err ec_client_wait(ec_client *c, uint32_t req, uint8_t op, int *code, uint8_t *resp, size_t cap, size_t *rlen,
                      uint64_t timeout_ms);

#endif
