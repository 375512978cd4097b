/* BLAKE3 (hash, keyed hash, derive-key, extendable output), portable C.
 *
 * Why hand-written: Debian 12 ships no BLAKE3 C library (only the b3sum
 * tool), and the protocol needs BLAKE3 for addresses, ids and key hashes.
 * Written from the BLAKE3 specification; checked against the official test
 * vectors and byte-for-byte against b3sum (tests/test_blake3.c).
 *
 * Ownership: ec_blake3 is a plain value; no allocation anywhere. */
#ifndef EC_CRYPTO_BLAKE3_H
#define EC_CRYPTO_BLAKE3_H

#include <stddef.h>
#include <stdint.h>

#define EC_BLAKE3_OUT_LEN 32
#define EC_BLAKE3_KEY_LEN 32
#define EC_BLAKE3_BLOCK_LEN 64
#define EC_BLAKE3_CHUNK_LEN 1024
#define EC_BLAKE3_MAX_DEPTH 54 /* 2^54 chunks = 2^64 bytes */

typedef struct ec_blake3_chunk {
    uint32_t cv[8];
    uint64_t chunk_counter;
    uint8_t buf[EC_BLAKE3_BLOCK_LEN];
    uint8_t buf_len;
    uint8_t blocks_compressed;
    uint8_t flags;
} ec_blake3_chunk;

typedef struct ec_blake3 {
    uint32_t key[8];
    ec_blake3_chunk chunk;
    uint8_t cv_stack_len;
    uint8_t cv_stack[(EC_BLAKE3_MAX_DEPTH + 1) * EC_BLAKE3_OUT_LEN];
} ec_blake3;

/* Plain hash mode. */
void ec_blake3_init(ec_blake3 *h);
/* Keyed hash mode (32-byte key). */
void ec_blake3_init_keyed(ec_blake3 *h, const uint8_t key[EC_BLAKE3_KEY_LEN]);
/* Key derivation mode; `context` is a NUL-terminated, hard-coded, globally
 * unique string (e.g. "ec 2026-11 identity signature"). */
void ec_blake3_init_derive_key(ec_blake3 *h, const char *context);
/* Absorb `len` bytes; may be called any number of times, with any length. */
void ec_blake3_update(ec_blake3 *h, const void *in, size_t len);
/* Write `out_len` bytes of output (any length, XOF) starting at output byte
 * `seek`. Does not modify the hasher: more input may follow. */
void ec_blake3_finalize_seek(const ec_blake3 *h, uint64_t seek, uint8_t *out,
                             size_t out_len);
/* Same as finalize_seek with seek = 0. */
void ec_blake3_finalize(const ec_blake3 *h, uint8_t *out, size_t out_len);

/* One-shot helpers: 32-byte output. */
void ec_blake3_hash(const void *in, size_t len, uint8_t out[EC_BLAKE3_OUT_LEN]);
void ec_blake3_keyed(const uint8_t key[EC_BLAKE3_KEY_LEN], const void *in,
                     size_t len, uint8_t out[EC_BLAKE3_OUT_LEN]);
void ec_blake3_derive_key(const char *context, const void *key_material,
                          size_t len, uint8_t out[EC_BLAKE3_OUT_LEN]);

#endif
