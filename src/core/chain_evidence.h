/* Chain equivocation evidence (issue 11, seed §7.2 and §8; docs/CHAIN.md,
 * docs/SECURITY.md): two block headers one key signed at one height with
 * different hashes. A node's commit chain only grows (chain.c appends
 * and never rewrites a block it signed), so the pair cannot both be an
 * honest node's: it forked its own chain, showing one history to some
 * followers and another to the rest. Anyone checks it alone, with the
 * two signatures.
 *
 * Encoding (integers little-endian):
 *   version u8 = 3 | signer 32 | key 32
 *   | len_a u16 | header a | len_b u16 | header b   (block.h's encoding)
 * At most EC_CHAIN_EVIDENCE_MAX = 683 bytes: one EVIDENCE message. */
#ifndef EC_CORE_CHAIN_EVIDENCE_H
#define EC_CORE_CHAIN_EVIDENCE_H

#include <stddef.h>
#include <stdint.h>

#include "base/err.h"
#include "crypto/id.h"
#include "crypto/sign.h"
#include "ledger/block.h"

#define EC_CHAIN_EVIDENCE_VERSION 3
#define EC_CHAIN_EVIDENCE_MAX (1 + 2 * EC_ID_LEN + 2 * (2 + EC_BLOCK_HEADER_MAX))

typedef struct ec_chain_evidence {
    ec_id signer;
    ec_pubkey key;
    ec_block_header a, b;
} ec_chain_evidence;

/* EC_ERR_ARG (a header out of range), EC_ERR_RANGE (cap). */
ec_err ec_chain_evidence_encode(const ec_chain_evidence *e, uint8_t *buf, size_t cap, size_t *len);
/* EC_ERR_TRUNCATED, EC_ERR_TRAILING, EC_ERR_VERSION, EC_ERR_MALFORMED (a
 * header length over EC_BLOCK_HEADER_MAX, or a header that does not
 * decode on its own length). */
ec_err ec_chain_evidence_decode(ec_chain_evidence *e, const uint8_t *buf, size_t len);
/* EC_OK if e proves a fork: one height, different hashes, both signed by
 * e->key. EC_ERR_MISMATCH if it proves nothing (other heights, the same
 * block), EC_ERR_SIGNATURE if a signature fails. Whether e->key is
 * e->signer's identity key is the caller's question. */
ec_err ec_chain_evidence_verify(const ec_chain_evidence *e);

#endif
