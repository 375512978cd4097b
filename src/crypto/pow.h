/* Argon2id proof of work (RFC 9106).
 *
 *   pow = Argon2id(password = public key, salt = 16-byte salt,
 *                  t = iterations, m = memory_kib, p = parallelism, 32 bytes)
 *
 * The parameters travel with every identity, so one struct holds them all.
 * Two backends compute the same bytes: libsodium (the default) and the
 * reference libargon2; tests/test_pow.c checks they agree and
 * bench/bench_pow.c measures both (docs/PERFORMANCE.md). */
#ifndef EC_CRYPTO_POW_H
#define EC_CRYPTO_POW_H

#include <stdint.h>

#include "base/err.h"
#include "crypto/id.h"
#include "crypto/sign.h"

#define EC_POW_SALT_LEN 16
#define EC_POW_OUT_LEN 32

/* Limits a verifier accepts: a claimed identity must not be able to make a
 * node allocate gigabytes or spin for minutes just to check it. */
#define EC_POW_MEMORY_KIB_MIN 8u       /* libsodium's floor (8 KiB) */
#define EC_POW_MEMORY_KIB_MAX 1048576u /* 1 GiB */
#define EC_POW_ITERATIONS_MIN 1u
#define EC_POW_ITERATIONS_MAX 64u

typedef struct ec_pow_params {
    uint32_t memory_kib;  /* Argon2 m, in KiB */
    uint32_t iterations;  /* Argon2 t */
    uint32_t parallelism; /* Argon2 p: must be 1 (seed §5.1; libsodium's only) */
} ec_pow_params;

/* The network default, seed §5.1: 64 MiB, 10 iterations, parallelism 1. */
#define EC_POW_PARAMS_NETWORK ((ec_pow_params){65536u, 10u, 1u})

typedef enum ec_pow_backend {
    EC_POW_SODIUM = 0, /* libsodium crypto_pwhash_argon2id */
    EC_POW_ARGON2 = 1, /* reference libargon2 argon2id_hash_raw */
} ec_pow_backend;

/* EC_OK if the parameters are within the limits above, else EC_ERR_RANGE. */
ec_err ec_pow_params_check(const ec_pow_params *p);

/* Computes the proof of work of (pk, salt) with the default backend.
 * EC_ERR_RANGE for bad parameters, EC_ERR_CRYPTO if Argon2 fails (memory). */
ec_err ec_pow_hash(const ec_pow_params *p, const ec_pubkey *pk,
                   const uint8_t salt[EC_POW_SALT_LEN], ec_id *out);
/* Same with an explicit backend. */
ec_err ec_pow_hash_with(ec_pow_backend b, const ec_pow_params *p,
                        const ec_pubkey *pk,
                        const uint8_t salt[EC_POW_SALT_LEN], ec_id *out);

/* Peer address of a proof of work: BLAKE3(pow). */
void ec_pow_address(ec_id *addr, const ec_id *pow);

#endif
