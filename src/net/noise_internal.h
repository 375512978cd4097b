/* Noise's primitives and SymmetricState operations (noise_cipher.c), shared
 * with the handshake (noise.c); not part of the library's interface. */
#ifndef EC_NET_NOISE_INTERNAL_H
#define EC_NET_NOISE_INTERNAL_H

#include "net/noise.h"

/* HKDF(ck, ikm, 2 or 3) of spec §4.3 with HMAC-BLAKE2b-512; o3 NULL for
 * two outputs. o1 may alias ck. */
void ec_noise_hkdf(const uint8_t ck[EC_NOISE_HASHLEN], const uint8_t *ikm,
                   size_t ikm_len, uint8_t *o1, uint8_t *o2, uint8_t *o3);
/* InitializeKey(first 32 bytes of k64); n = 0. */
void ec_noise_cipher_set(ec_noise_cipher *cs, const uint8_t *k64);

/* SymmetricState (spec §5.2). */
void ec_noise_mix_hash(ec_noise_symmetric *ss, const uint8_t *d, size_t len);
void ec_noise_mix_key(ec_noise_symmetric *ss, const uint8_t *ikm, size_t len);
void ec_noise_mix_key_and_hash(ec_noise_symmetric *ss, const uint8_t *ikm,
                               size_t len);
/* Writes len (+ TAGLEN once keyed) bytes to out; *n gets that count. */
ec_err ec_noise_encrypt_and_hash(ec_noise_symmetric *ss, const uint8_t *pt,
                                 size_t len, uint8_t *out, size_t *n);
/* ct (len bytes, tag included once keyed) into out; they must not
 * overlap. EC_ERR_SIGNATURE if the tag does not verify. */
ec_err ec_noise_decrypt_and_hash(ec_noise_symmetric *ss, const uint8_t *ct,
                                 size_t len, uint8_t *out);

#endif
