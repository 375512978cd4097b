#include "crypto/pow.h"

#include <argon2.h>
#include <sodium.h>

#include "crypto/blake3.h"

ec_err ec_pow_params_check(const ec_pow_params *p)
{
    if (p == NULL) return EC_ERR_ARG;
    if (p->memory_kib < EC_POW_MEMORY_KIB_MIN || p->memory_kib > EC_POW_MEMORY_KIB_MAX)
        return EC_ERR_RANGE;
    if (p->iterations < EC_POW_ITERATIONS_MIN || p->iterations > EC_POW_ITERATIONS_MAX)
        return EC_ERR_RANGE;
    if (p->parallelism != 1) return EC_ERR_RANGE;
    return EC_OK;
}

ec_err ec_pow_hash_with(ec_pow_backend b, const ec_pow_params *p,
                        const ec_pubkey *pk,
                        const uint8_t salt[EC_POW_SALT_LEN], ec_id *out)
{
    ec_err err = ec_pow_params_check(p);
    if (err) return err;
    if (pk == NULL || salt == NULL || out == NULL) return EC_ERR_ARG;

    switch (b) {
    case EC_POW_SODIUM:
        if (crypto_pwhash_argon2id(out->b, EC_POW_OUT_LEN, (const char *)pk->b,
                                   EC_PUBKEY_LEN, salt, p->iterations,
                                   (size_t)p->memory_kib * 1024u,
                                   crypto_pwhash_argon2id_ALG_ARGON2ID13) != 0)
            return EC_ERR_CRYPTO;
        return EC_OK;
    case EC_POW_ARGON2:
        if (argon2id_hash_raw(p->iterations, p->memory_kib, p->parallelism,
                              pk->b, EC_PUBKEY_LEN, salt, EC_POW_SALT_LEN,
                              out->b, EC_POW_OUT_LEN) != ARGON2_OK)
            return EC_ERR_CRYPTO;
        return EC_OK;
    }
    return EC_ERR_ARG;
}

ec_err ec_pow_hash(const ec_pow_params *p, const ec_pubkey *pk,
                   const uint8_t salt[EC_POW_SALT_LEN], ec_id *out)
{
    return ec_pow_hash_with(EC_POW_SODIUM, p, pk, salt, out);
}

void ec_pow_address(ec_id *addr, const ec_id *pow)
{
    ec_blake3_hash(pow->b, EC_POW_OUT_LEN, addr->b);
}
