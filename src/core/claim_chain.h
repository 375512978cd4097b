/* A claim against its signer's own chain (evidence kind 4; docs/SECURITY.md,
 * "A claim against its own chain"). Every mapping claim names the block of
 * the answerer's commit chain that holds the head and the head's position
 * in it (wire/msg.h). An honest answerer takes both from its own chain, so
 * a claim whose block, signed by the same key, holds another id at that
 * position (or has fewer ids) cannot be honest. The proof: the signed
 * claim set, the signed block header, and the id that really sits at the
 * position with its Merkle path to the header's root (ledger/block.h).
 *
 * Encoding (integers little-endian):
 *   version u8 = 4 | signer 32 | len u16 | claims | which u8
 *   | hlen u16 | header | leaf 32 | plen u8 | path 32 x plen
 * which: the claim that lies; leaf and path zero / empty when its position
 * is past the block's count. At most EC_CLAIM_CHAIN_EVIDENCE_MAX bytes. */
#ifndef EC_CORE_CLAIM_CHAIN_H
#define EC_CORE_CLAIM_CHAIN_H

#include <stddef.h>
#include <stdint.h>

#include "base/err.h"
#include "crypto/id.h"
#include "ledger/block.h"
#include "wire/msg.h"

#define EC_CLAIM_CHAIN_EVIDENCE_VERSION 4
#define EC_CLAIM_CHAIN_EVIDENCE_MAX                                                                     \
    (1 + EC_ID_LEN + 2 + EC_MSG_CLAIMS_LEN_MAX + 1 + 2 + EC_BLOCK_HEADER_MAX + EC_ID_LEN + 1 +       \
     EC_BLOCK_PATH_MAX * EC_ID_LEN) /* 1,087 */

typedef struct ec_claim_chain_evidence {
    ec_id signer;
    ec_msg_claims claims; /* signed as signer's */
    uint8_t which;        /* the claim that lies */
    ec_block_header hdr;  /* the signer's block the claim names, signed by claims.key */
    ec_id leaf;           /* the id at the claimed position */
    uint8_t plen;
    ec_id path[EC_BLOCK_PATH_MAX];
} ec_claim_chain_evidence;

ec_err ec_claim_chain_evidence_encode(const ec_claim_chain_evidence *e, uint8_t *buf, size_t cap, size_t *len);
/* Strict: EC_ERR_VERSION, EC_ERR_TRUNCATED, EC_ERR_TRAILING, EC_ERR_MALFORMED
 * (claims or header that do not decode, which >= n, plen over 5). */
ec_err ec_claim_chain_evidence_decode(ec_claim_chain_evidence *e, const uint8_t *buf, size_t len);
/* EC_OK if e proves the lie: the claims signed as signer's, the header
 * signed by the same key at the claimed height, and the claimed position
 * past the block's count or holding another id (leaf and path lead to
 * the header's root). EC_ERR_SIGNATURE if a signature fails,
 * EC_ERR_MISMATCH if it proves nothing. The caller checks that the key
 * is the signer's identity key. */
ec_err ec_claim_chain_evidence_verify(const ec_claim_chain_evidence *e);
/* Builds the evidence for claim `which` of c (signed by signer) against
 * the signer's block (hdr, its ids): false if that claim is true there. */
bool ec_claim_chain_evidence_make(ec_claim_chain_evidence *e, const ec_id *signer, const ec_msg_claims *c,
                                  uint8_t which, const ec_block_header *hdr, const ec_id *ids, size_t n);

#endif
