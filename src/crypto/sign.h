/* Ed25519 keys and signatures (libsodium), and key hashes (BLAKE3).
 *
 * Keys are derived from a 32-byte seed that the caller supplies: the library
 * draws no randomness of its own (the CLI and daemon read it from the OS). */
#ifndef EC_CRYPTO_SIGN_H
#define EC_CRYPTO_SIGN_H

#include <stddef.h>
#include <stdint.h>

#include "base/err.h"
#include "crypto/id.h"

#define EC_PUBKEY_LEN 32
#define EC_SEED_LEN 32
#define EC_SIG_LEN 64

typedef struct ec_pubkey {
    uint8_t b[EC_PUBKEY_LEN];
} ec_pubkey;

typedef struct ec_sig {
    uint8_t b[EC_SIG_LEN];
} ec_sig;

/* Secret material: wipe with ec_sign_wipe when done. */
typedef struct ec_keypair {
    uint8_t seed[EC_SEED_LEN];
    uint8_t sk[64]; /* libsodium's expanded secret key (seed || public) */
    ec_pubkey pub;
} ec_keypair;

/* Initializes libsodium; call once before any other crypto function.
 * Returns EC_ERR_CRYPTO if libsodium cannot start. Safe to call again. */
ec_err ec_crypto_init(void);

/* Derives the key pair of `seed` (deterministic). */
ec_err ec_sign_keypair(ec_keypair *kp, const uint8_t seed[EC_SEED_LEN]);
/* Signs `len` bytes of `msg`. */
void ec_sign_create(ec_sig *sig, const ec_keypair *kp, const void *msg,
                    size_t len);
/* EC_OK if `sig` is pk's signature over msg, EC_ERR_SIGNATURE otherwise. */
ec_err ec_sign_verify(const ec_sig *sig, const ec_pubkey *pk, const void *msg,
                      size_t len);
/* key_hash = BLAKE3(public key): what token mappings record as the owner. */
void ec_sign_keyhash(ec_id *out, const ec_pubkey *pk);
/* Zeroes the secret material in a way the compiler cannot drop. */
void ec_sign_wipe(ec_keypair *kp);

#endif
