/* Signed mapping claims and the evidence they leak (Minefield, seed §8;
 * docs/SECURITY.md "Signed mappings"). Every mapping answer carries up to
 * four claims of its answerer, (token, head, prev, time, block height),
 * under one signature over "ec claims v1", the answerer's address, its key
 * and the claims. An honest node's head for a token only moves forward
 * (never to another transaction on the same previous head), so two claims
 * one key signed for one token, with the same prev and different heads,
 * cannot both be honest: that pair is evidence, checked with signatures
 * alone.
 *
 * Evidence encoding (integers little-endian):
 *   version u8 = 2 | signer 32 | len_a u16 | claims a | len_b u16 | claims b
 * where claims are wire/msg.h's (ec_msg_claims_encode). At most
 * EC_CLAIMS_EVIDENCE_MAX bytes: it fits one EVIDENCE message. */
#ifndef EC_CORE_CLAIMS_H
#define EC_CORE_CLAIMS_H

#include <stdbool.h>

#include "base/err.h"
#include "crypto/id.h"
#include "crypto/sign.h"
#include "wire/msg.h"

#define EC_CLAIMS_EVIDENCE_VERSION 2
#define EC_CLAIMS_EVIDENCE_MAX (1 + EC_ID_LEN + 2 * (2 + EC_MSG_CLAIMS_LEN_MAX))

/* Signs c->c[0 .. c->n) as signer's (sets c->key and c->sig). */
void ec_claims_sign(ec_msg_claims *c, const ec_keypair *kp, const ec_id *signer);
/* EC_OK if c->sig is c->key's over the claims as signer's (n > 0);
 * EC_ERR_SIGNATURE if not, EC_ERR_ARG for n = 0 (unsigned). */
ec_err ec_claims_verify(const ec_msg_claims *c, const ec_id *signer);
/* Do a and b name one token with the same prev and different heads? The
 * first such token in *token (may be NULL). Signatures are not checked. */
bool ec_claims_contradict(const ec_msg_claims *a, const ec_msg_claims *b, ec_id *token);

typedef struct ec_claims_evidence {
    ec_id signer;
    ec_msg_claims a, b;
} ec_claims_evidence;

ec_err ec_claims_evidence_encode(const ec_claims_evidence *e, uint8_t *buf, size_t cap, size_t *len);
/* Strict: EC_ERR_VERSION for another version byte, EC_ERR_MALFORMED for bad
 * claims, EC_ERR_TRUNCATED / EC_ERR_TRAILING for the lengths. */
ec_err ec_claims_evidence_decode(ec_claims_evidence *e, const uint8_t *buf, size_t len);
/* EC_OK if e proves its signer lied: both claim sets signed by one key as
 * the signer's, and contradicting (token in *token, may be NULL). Else
 * EC_ERR_SIGNATURE, or EC_ERR_MISMATCH (two keys, or no contradiction). The
 * caller still checks that the key is the signer's identity key. */
ec_err ec_claims_evidence_verify(const ec_claims_evidence *e, ec_id *token);

#endif
