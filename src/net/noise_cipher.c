/* Noise's primitives (spec §4) and its CipherState and SymmetricState
 * objects (spec §5.1, §5.2); the handshake is in noise.c. */
#include "net/noise.h"
#include "net/noise_internal.h"

#include <sodium.h>
#include <string.h>

/* ---- HASH, HMAC, HKDF (spec §4.3) -------------------------------------- */

/* libsodium's keyed BLAKE2b (crypto_generichash with a key) is BLAKE2b's
 * own MAC mode, not HMAC: Noise defines HMAC-HASH per RFC 2104 over any
 * HASH, and the test vectors are computed that way, so HMAC is built here
 * from unkeyed BLAKE2b-512 with BLOCKLEN 128. Noise keys HMAC only with
 * HASHLEN-byte keys (ck, HKDF's temp_key), so the key is zero-padded. */
static void hmac(uint8_t out[EC_NOISE_HASHLEN],
                 const uint8_t key[EC_NOISE_HASHLEN], const uint8_t *a,
                 size_t a_len, const uint8_t *b, size_t b_len)
{
    uint8_t pad[EC_NOISE_BLOCKLEN], inner[EC_NOISE_HASHLEN];
    crypto_generichash_blake2b_state st;
    memset(pad, 0x36, sizeof pad);
    for (size_t i = 0; i < EC_NOISE_HASHLEN; i++) pad[i] ^= key[i];
    crypto_generichash_blake2b_init(&st, NULL, 0, EC_NOISE_HASHLEN);
    crypto_generichash_blake2b_update(&st, pad, sizeof pad);
    if (a_len) crypto_generichash_blake2b_update(&st, a, a_len);
    if (b_len) crypto_generichash_blake2b_update(&st, b, b_len);
    crypto_generichash_blake2b_final(&st, inner, sizeof inner);
    memset(pad, 0x5c, sizeof pad);
    for (size_t i = 0; i < EC_NOISE_HASHLEN; i++) pad[i] ^= key[i];
    crypto_generichash_blake2b_init(&st, NULL, 0, EC_NOISE_HASHLEN);
    crypto_generichash_blake2b_update(&st, pad, sizeof pad);
    crypto_generichash_blake2b_update(&st, inner, sizeof inner);
    crypto_generichash_blake2b_final(&st, out, EC_NOISE_HASHLEN);
    sodium_memzero(pad, sizeof pad);
    sodium_memzero(inner, sizeof inner);
    sodium_memzero(&st, sizeof st);
}

/* HKDF(ck, ikm, 2 or 3): o3 NULL for two outputs. o1 may alias ck (MixKey
 * overwrites the chaining key): ck is read only to make temp_key. */
void ec_noise_hkdf(const uint8_t ck[EC_NOISE_HASHLEN], const uint8_t *ikm,
                   size_t ikm_len, uint8_t *o1, uint8_t *o2, uint8_t *o3)
{
    static const uint8_t one = 1, two = 2, three = 3;
    uint8_t tk[EC_NOISE_HASHLEN];
    hmac(tk, ck, ikm, ikm_len, NULL, 0);
    hmac(o1, tk, &one, 1, NULL, 0);
    hmac(o2, tk, o1, EC_NOISE_HASHLEN, &two, 1);
    if (o3) hmac(o3, tk, o2, EC_NOISE_HASHLEN, &three, 1);
    sodium_memzero(tk, sizeof tk);
}

/* ---- CipherState (spec §5.1) ------------------------------------------- */

void ec_noise_cipher_set(ec_noise_cipher *cs, const uint8_t *k64)
{
    memcpy(cs->k, k64, EC_NOISE_KEYLEN); /* HASHLEN 64: truncate to 32 */
    cs->n = 0;
    cs->has_key = true;
}

static void aead_nonce(uint8_t out[12], uint64_t n)
{
    memset(out, 0, 4);
    for (int i = 0; i < 8; i++) out[4 + i] = (uint8_t)(n >> (8 * i));
}

/* out: len + TAGLEN bytes; out == pt is allowed (libsodium works in place). */
static void aead_enc(const uint8_t k[EC_NOISE_KEYLEN], uint64_t n,
                     const uint8_t *ad, size_t ad_len, const uint8_t *pt,
                     size_t len, uint8_t *out)
{
    uint8_t npub[12];
    aead_nonce(npub, n);
    crypto_aead_chacha20poly1305_ietf_encrypt(out, NULL, pt, len, ad, ad_len,
                                              NULL, npub, k);
}

/* ct_len >= TAGLEN; out gets ct_len - TAGLEN bytes. */
static ec_err aead_dec(const uint8_t k[EC_NOISE_KEYLEN], uint64_t n,
                       const uint8_t *ad, size_t ad_len, const uint8_t *ct,
                       size_t ct_len, uint8_t *out)
{
    uint8_t npub[12];
    aead_nonce(npub, n);
    return crypto_aead_chacha20poly1305_ietf_decrypt(
               out, NULL, NULL, ct, ct_len, ad, ad_len, npub, k) == 0
               ? EC_OK
               : EC_ERR_SIGNATURE;
}

ec_err ec_noise_cipher_encrypt_n(const ec_noise_cipher *cs, uint64_t nonce,
                                 const uint8_t *ad, size_t ad_len,
                                 const uint8_t *pt, size_t pt_len,
                                 uint8_t *out, size_t out_cap, size_t *out_len)
{
    if (!cs || !cs->has_key || (!ad && ad_len) || (!pt && pt_len) || !out ||
        !out_len)
        return EC_ERR_ARG;
    if (nonce == UINT64_MAX || pt_len > EC_NOISE_MAX_MSG - EC_NOISE_TAGLEN ||
        out_cap < pt_len + EC_NOISE_TAGLEN)
        return EC_ERR_RANGE;
    aead_enc(cs->k, nonce, ad, ad_len, pt, pt_len, out);
    *out_len = pt_len + EC_NOISE_TAGLEN;
    return EC_OK;
}

ec_err ec_noise_cipher_decrypt_n(const ec_noise_cipher *cs, uint64_t nonce,
                                 const uint8_t *ad, size_t ad_len,
                                 const uint8_t *ct, size_t ct_len,
                                 uint8_t *out, size_t out_cap, size_t *out_len)
{
    if (!cs || !cs->has_key || (!ad && ad_len) || !ct || !out || !out_len)
        return EC_ERR_ARG;
    if (ct_len < EC_NOISE_TAGLEN) return EC_ERR_TRUNCATED;
    if (nonce == UINT64_MAX || ct_len > EC_NOISE_MAX_MSG ||
        out_cap < ct_len - EC_NOISE_TAGLEN)
        return EC_ERR_RANGE;
    ec_err err = aead_dec(cs->k, nonce, ad, ad_len, ct, ct_len, out);
    if (err == EC_OK) *out_len = ct_len - EC_NOISE_TAGLEN;
    return err;
}

ec_err ec_noise_cipher_encrypt(ec_noise_cipher *cs, const uint8_t *ad,
                               size_t ad_len, const uint8_t *pt, size_t pt_len,
                               uint8_t *out, size_t out_cap, size_t *out_len)
{
    if (!cs) return EC_ERR_ARG;
    ec_err err = ec_noise_cipher_encrypt_n(cs, cs->n, ad, ad_len, pt, pt_len,
                                           out, out_cap, out_len);
    if (err == EC_OK) cs->n++; /* n == 2^64 - 1 was refused above */
    return err;
}

ec_err ec_noise_cipher_decrypt(ec_noise_cipher *cs, const uint8_t *ad,
                               size_t ad_len, const uint8_t *ct, size_t ct_len,
                               uint8_t *out, size_t out_cap, size_t *out_len)
{
    if (!cs) return EC_ERR_ARG;
    ec_err err = ec_noise_cipher_decrypt_n(cs, cs->n, ad, ad_len, ct, ct_len,
                                           out, out_cap, out_len);
    if (err == EC_OK) cs->n++;
    return err;
}

ec_err ec_noise_cipher_rekey(ec_noise_cipher *cs)
{
    uint8_t buf[EC_NOISE_KEYLEN + EC_NOISE_TAGLEN] = {0};
    if (!cs || !cs->has_key) return EC_ERR_ARG;
    aead_enc(cs->k, UINT64_MAX, NULL, 0, buf, EC_NOISE_KEYLEN, buf);
    memcpy(cs->k, buf, EC_NOISE_KEYLEN);
    sodium_memzero(buf, sizeof buf);
    return EC_OK;
}

void ec_noise_cipher_clear(ec_noise_cipher *cs)
{
    if (cs) sodium_memzero(cs, sizeof *cs);
}

/* ---- SymmetricState (spec §5.2) ---------------------------------------- */

void ec_noise_mix_hash(ec_noise_symmetric *ss, const uint8_t *d, size_t len)
{
    crypto_generichash_blake2b_state st;
    crypto_generichash_blake2b_init(&st, NULL, 0, EC_NOISE_HASHLEN);
    crypto_generichash_blake2b_update(&st, ss->h, EC_NOISE_HASHLEN);
    if (len) crypto_generichash_blake2b_update(&st, d, len);
    crypto_generichash_blake2b_final(&st, ss->h, EC_NOISE_HASHLEN);
}

void ec_noise_mix_key(ec_noise_symmetric *ss, const uint8_t *ikm, size_t len)
{
    uint8_t k[EC_NOISE_HASHLEN];
    ec_noise_hkdf(ss->ck, ikm, len, ss->ck, k, NULL);
    ec_noise_cipher_set(&ss->cs, k);
    sodium_memzero(k, sizeof k);
}

void ec_noise_mix_key_and_hash(ec_noise_symmetric *ss, const uint8_t *ikm,
                               size_t len)
{
    uint8_t h[EC_NOISE_HASHLEN], k[EC_NOISE_HASHLEN];
    ec_noise_hkdf(ss->ck, ikm, len, ss->ck, h, k);
    ec_noise_mix_hash(ss, h, sizeof h);
    ec_noise_cipher_set(&ss->cs, k);
    sodium_memzero(h, sizeof h);
    sodium_memzero(k, sizeof k);
}

/* Writes len (+ TAGLEN once keyed) bytes to out; *n gets that count. */
ec_err ec_noise_encrypt_and_hash(ec_noise_symmetric *ss, const uint8_t *pt,
                                 size_t len, uint8_t *out, size_t *n)
{
    *n = len;
    if (ss->cs.has_key) {
        if (ss->cs.n == UINT64_MAX) return EC_ERR_RANGE;
        aead_enc(ss->cs.k, ss->cs.n++, ss->h, EC_NOISE_HASHLEN, pt, len, out);
        *n += EC_NOISE_TAGLEN;
    } else if (len) {
        memmove(out, pt, len);
    }
    ec_noise_mix_hash(ss, out, *n);
    return EC_OK;
}

/* ct and out must not overlap: h is mixed with ct after it is decrypted. */
ec_err ec_noise_decrypt_and_hash(ec_noise_symmetric *ss, const uint8_t *ct,
                                 size_t len, uint8_t *out)
{
    if (ss->cs.has_key) {
        if (ss->cs.n == UINT64_MAX) return EC_ERR_RANGE;
        ec_err err = aead_dec(ss->cs.k, ss->cs.n, ss->h, EC_NOISE_HASHLEN, ct,
                              len, out);
        if (err) return err;
        ss->cs.n++;
    } else if (len) {
        memcpy(out, ct, len);
    }
    ec_noise_mix_hash(ss, ct, len);
    return EC_OK;
}
