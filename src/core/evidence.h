/* Vote equivocation evidence (issue 11, seed §8; docs/SECURITY.md): two +1
 * votes one key signed for two different transactions that spend the same
 * (token, previous head). An honest member never signs such a pair (its
 * +1 is sticky and durable), so the pair convicts the key's owner; anyone
 * checks it alone, with signatures and the two transactions only.
 *
 * Encoding (integers little-endian):
 *   version u8 = 1 | voter 32 | key 32
 *   then twice (a, b): tx_len u16 | tx bytes | n u8 | version u32 |
 *                      values i8 x n | signature 64
 * At most EC_EVIDENCE_MAX bytes. */
#ifndef EC_CORE_EVIDENCE_H
#define EC_CORE_EVIDENCE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/err.h"
#include "crypto/id.h"
#include "crypto/sign.h"
#include "ledger/tx.h"
#include "wire/msg.h"

#define EC_EVIDENCE_VERSION 1
#define EC_EVIDENCE_SIDE_MAX (2 + EC_TX_MAX_LEN + 1 + 4 + EC_MSG_VOTE_TOKENS_MAX + EC_SIG_LEN)
#define EC_EVIDENCE_MAX (1 + 2 * EC_ID_LEN + 2 * EC_EVIDENCE_SIDE_MAX)

typedef struct ec_vote_evidence {
    ec_id voter;
    ec_pubkey key;
    struct {
        uint16_t len;
        uint8_t tx[EC_TX_MAX_LEN];
        uint8_t n;
        uint32_t version;
        int8_t values[EC_MSG_VOTE_TOKENS_MAX];
        ec_sig sig;
    } side[2];
} ec_vote_evidence;

/* EC_ERR_ARG (a field out of range), EC_ERR_RANGE (cap). */
ec_err ec_evidence_encode(const ec_vote_evidence *e, uint8_t *buf, size_t cap, size_t *len);
/* EC_ERR_TRUNCATED, EC_ERR_TRAILING, EC_ERR_VERSION, EC_ERR_MALFORMED (a
 * transaction length of 0 or over EC_TX_MAX_LEN, n of 0 or over 6). */
ec_err ec_evidence_decode(ec_vote_evidence *e, const uint8_t *buf, size_t len);

/* EC_OK if e proves equivocation: both transactions decode, differ, map a
 * common (token, prev) with +1 from the voter in both votes (cast for
 * each transaction's shape), and both signatures verify under e->key
 * (*token, *prev: the spent head; may be NULL). EC_ERR_MISMATCH if it
 * proves nothing (no common spend, not +1 on it, the same transaction),
 * EC_ERR_SIGNATURE if a signature fails, EC_ERR_MALFORMED if a
 * transaction does not decode. Whether e->key is e->voter's identity key
 * is the identity layer's question (the caller's). */
ec_err ec_evidence_verify(const ec_vote_evidence *e, ec_id *token, ec_id *prev);

/* Builds evidence from two recorded votes (signed_vote as on the wire, the
 * voter's key in it) and the two transactions' bytes. */
void ec_evidence_make(ec_vote_evidence *e, const ec_id *voter, const ec_msg_signed_vote *va, uint8_t na,
                      const uint8_t *txa, size_t lena, const ec_msg_signed_vote *vb, uint8_t nb,
                      const uint8_t *txb, size_t lenb);

#endif
