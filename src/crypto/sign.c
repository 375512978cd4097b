#include "crypto/sign.h"

#include <sodium.h>
#include <string.h>

#include "crypto/blake3.h"

ec_err ec_crypto_init(void)
{
    /* sodium_init is idempotent and thread-safe; its state is libsodium's. */
    return sodium_init() < 0 ? EC_ERR_CRYPTO : EC_OK;
}

ec_err ec_sign_keypair(ec_keypair *kp, const uint8_t seed[EC_SEED_LEN])
{
    if (kp == NULL || seed == NULL) return EC_ERR_ARG;
    memcpy(kp->seed, seed, EC_SEED_LEN);
    if (crypto_sign_ed25519_seed_keypair(kp->pub.b, kp->sk, kp->seed) != 0)
        return EC_ERR_CRYPTO;
    return EC_OK;
}

void ec_sign_create(ec_sig *sig, const ec_keypair *kp, const void *msg,
                    size_t len)
{
    crypto_sign_ed25519_detached(sig->b, NULL, msg, len, kp->sk);
}

ec_err ec_sign_verify(const ec_sig *sig, const ec_pubkey *pk, const void *msg,
                      size_t len)
{
    return crypto_sign_ed25519_verify_detached(sig->b, msg, len, pk->b) == 0
               ? EC_OK
               : EC_ERR_SIGNATURE;
}

void ec_sign_keyhash(ec_id *out, const ec_pubkey *pk)
{
    ec_blake3_hash(pk->b, EC_PUBKEY_LEN, out->b);
}

void ec_sign_wipe(ec_keypair *kp)
{
    sodium_memzero(kp, sizeof *kp);
}
