/* Signatures of votes, so that a vote can be relayed by someone else and
 * still be checked (vote bundles; later Minefield evidence).
 *
 * Signed bytes: the 10 ASCII bytes "ec vote v1", the tx id (32), the
 * voter's address (32), the version (u32, little-endian), n (u8) and the
 * n values (i8 each, by mapping in the transaction's canonical order). The
 * signature binds the key to the verdict; whether the key belongs to the
 * address is the identity layer's question (ec_node_identity_fn). */
#ifndef EC_CORE_VOTE_SIG_H
#define EC_CORE_VOTE_SIG_H

#include "crypto/sign.h"
#include "wire/msg.h"

/* Fills v->key and v->sig; v->voter, version and values must be set. */
void ec_vote_sign(ec_msg_signed_vote *v, const ec_keypair *kp, const ec_id *tx_id, uint8_t n);
/* EC_OK if v->sig is v->key's signature of the vote; EC_ERR_SIGNATURE if not. */
ec_err ec_vote_verify(const ec_msg_signed_vote *v, const ec_id *tx_id, uint8_t n);

#endif
