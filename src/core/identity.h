/* Peer identities (seed §5): an Ed25519 key bound to an Argon2id proof of
 * work. Byte format: docs/PROTOCOL.md, "Identity record".
 *
 *   pow     = Argon2id(password = public_key, salt, params)
 *   address = BLAKE3(pow)                     (the peer's 256-bit address)
 *   valid   iff ctz(pow) >= difficulty_bits and the self-signature verifies.
 */
#ifndef EC_CORE_IDENTITY_H
#define EC_CORE_IDENTITY_H

#include <stddef.h>
#include <stdint.h>

#include "base/err.h"
#include "crypto/id.h"
#include "crypto/pow.h"
#include "crypto/sign.h"

#define EC_IDENTITY_VERSION 1
#define EC_IDENTITY_LEN 131    /* encoded size, signature included */
#define EC_IDENTITY_SIGNED_LEN 67 /* encoded bytes covered by the signature */

typedef struct ec_identity {
    uint8_t version;
    ec_pubkey public_key;
    uint8_t salt[EC_POW_SALT_LEN];
    uint8_t difficulty_bits;
    ec_pow_params params;
    uint64_t timestamp; /* Unix seconds at creation (given by the caller) */
    ec_sig signature;
} ec_identity;

/* Canonical encoding into buf (cap >= EC_IDENTITY_LEN). EC_ERR_RANGE if the
 * buffer is too small, EC_ERR_MALFORMED if a field is out of its range. */
ec_err ec_identity_encode(const ec_identity *id, uint8_t *buf, size_t cap,
                          size_t *len_out);
/* Strict decoding of exactly one record: EC_ERR_TRUNCATED, EC_ERR_TRAILING,
 * EC_ERR_VERSION, EC_ERR_MALFORMED (parameters out of range). Does not check
 * the signature or the proof of work. */
ec_err ec_identity_decode(ec_identity *id, const uint8_t *buf, size_t len);

/* Fills version and public key from kp, then signs every other field. */
ec_err ec_identity_sign(ec_identity *id, const ec_keypair *kp);
/* Cheap check: EC_OK if the self-signature verifies, EC_ERR_SIGNATURE if not. */
ec_err ec_identity_check_signature(const ec_identity *id);

/* Full verification (one Argon2id: expensive, cache it with ec_idcache):
 * signature first, then ctz(pow) >= difficulty_bits. On EC_OK, pow and
 * address are written when non-NULL. Errors: EC_ERR_SIGNATURE, EC_ERR_POW,
 * EC_ERR_RANGE (parameters), EC_ERR_CRYPTO. */
ec_err ec_identity_verify(const ec_identity *id, ec_id *pow, ec_id *address);

/* The mining step: computes pow and address for (pk, salt, params) and says
 * whether they meet `bits` trailing zero bits (else EC_ERR_POW) and, when
 * prefix_bits > 0, whether the address shares its first prefix_bits bits with
 * `prefix` (else EC_ERR_PREFIX). pow and address are always written. */
ec_err ec_identity_try(const ec_pow_params *params, const ec_pubkey *pk,
                       const uint8_t salt[EC_POW_SALT_LEN], unsigned bits,
                       const ec_id *prefix, unsigned prefix_bits, ec_id *pow,
                       ec_id *address);

/* Expected Argon2id evaluations to find an identity: 2^(bits + prefix_bits). */
double ec_identity_expected_tries(unsigned bits, unsigned prefix_bits);

#endif
