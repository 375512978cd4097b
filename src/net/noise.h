/* The Noise Protocol Framework (revision 34, noiseprotocol.org/noise.html),
 * sans IO: Noise_IK_25519_ChaChaPoly_BLAKE2b and its WireGuard variant
 * Noise_IKpsk2_25519_ChaChaPoly_BLAKE2b, plus NN, NK, KK and XX from the same
 * small pattern interpreter (the published test vectors cover all six).
 *
 *   DH     X25519 (libsodium crypto_scalarmult), DHLEN 32
 *   CIPHER ChaCha20-Poly1305 IETF; nonce = 4 zero bytes || n (u64 LE)
 *   HASH   BLAKE2b-512 (crypto_generichash_blake2b), HASHLEN 64, BLOCKLEN 128
 *
 * The library draws no randomness: each side's ephemeral private key comes
 * in through ec_noise_config (the daemon fills it from the OS CSPRNG), so a
 * handshake is a deterministic function of its inputs. All state lives in
 * fixed-size structs: nothing is allocated. Every object holding keys is
 * wiped (sodium_memzero) by its _clear function, by ec_noise_split, and on
 * any failed read.
 *
 * Errors (no new codes):
 *   EC_ERR_ARG        NULL argument, a key the pattern needs is missing, or
 *                     the call does not fit the handshake's state (writing
 *                     when it is the peer's turn, using a failed state)
 *   EC_ERR_RANGE      output buffer too small, message over 65535 bytes, or
 *                     the nonce space is spent
 *   EC_ERR_TRUNCATED  a received message is shorter than its pattern needs
 *   EC_ERR_SIGNATURE  AEAD authentication failed (wrong key, altered bytes):
 *                     a MAC that does not verify, the nearest existing code
 *   EC_ERR_MALFORMED  a DH result is all zero (the peer's public key has low
 *                     order), or an Ed25519 key does not convert
 * Refusals found before a read or write touches the state (a NULL
 * argument, the wrong turn, a buffer too small, a message too long or too
 * short, a psk not yet set) leave the handshake as it was: the caller may
 * retry, or drop a junk datagram and wait for the real one. A failure after
 * that (authentication, low-order key) leaves the handshake FAILED and
 * wiped: its hash and chaining key have already moved.
 */
#ifndef EC_NET_NOISE_H
#define EC_NET_NOISE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/err.h"
#include "crypto/sign.h"

#define EC_NOISE_DHLEN 32
#define EC_NOISE_HASHLEN 64
#define EC_NOISE_BLOCKLEN 128
#define EC_NOISE_KEYLEN 32
#define EC_NOISE_TAGLEN 16
#define EC_NOISE_PSKLEN 32
#define EC_NOISE_MAX_MSG 65535 /* spec §3: any Noise message, tag included */
#define EC_NOISE_MAX_NAME 64   /* "Noise_IKpsk2_25519_ChaChaPoly_BLAKE2b" */

/* The supported handshake patterns (spec §7.5, §9.4). */
typedef enum ec_noise_pattern {
    EC_NOISE_NN,
    EC_NOISE_NK,
    EC_NOISE_KK,
    EC_NOISE_IK,
    EC_NOISE_XX,
    EC_NOISE_IKPSK2,
} ec_noise_pattern;

/* A CipherState (spec §5.1): a key and the next nonce. */
typedef struct ec_noise_cipher {
    uint8_t k[EC_NOISE_KEYLEN];
    uint64_t n;
    bool has_key;
} ec_noise_cipher;

/* A SymmetricState (spec §5.2). */
typedef struct ec_noise_symmetric {
    ec_noise_cipher cs;
    uint8_t ck[EC_NOISE_HASHLEN]; /* chaining key */
    uint8_t h[EC_NOISE_HASHLEN];  /* handshake hash */
} ec_noise_symmetric;

/* Where a handshake stands; what the caller should do next. */
typedef enum ec_noise_status {
    EC_NOISE_FAILED = 0, /* cleared, or a message failed: start over */
    EC_NOISE_WRITE,      /* our turn: ec_noise_write_message */
    EC_NOISE_READ,       /* their turn: ec_noise_read_message */
    EC_NOISE_DONE,       /* ec_noise_split */
} ec_noise_status;

/* A HandshakeState (spec §5.3). Fill with ec_noise_init only. */
typedef struct ec_noise_handshake {
    ec_noise_symmetric ss;
    uint8_t s_priv[EC_NOISE_DHLEN], s_pub[EC_NOISE_DHLEN];
    uint8_t e_priv[EC_NOISE_DHLEN], e_pub[EC_NOISE_DHLEN];
    uint8_t rs[EC_NOISE_DHLEN], re[EC_NOISE_DHLEN];
    uint8_t psk[EC_NOISE_PSKLEN];
    bool has_s, has_e, has_rs, has_re, has_psk, initiator;
    uint8_t pattern; /* ec_noise_pattern */
    uint8_t msg;     /* index of the next handshake message */
    uint8_t status;  /* ec_noise_status */
} ec_noise_handshake;

/* What a handshake starts from. Pointers may be NULL where the pattern does
 * not use the key; every key is 32 bytes. The caller keeps nothing alive:
 * ec_noise_init copies what it needs. */
typedef struct ec_noise_config {
    ec_noise_pattern pattern;
    bool initiator;
    const uint8_t *prologue; /* bound into the hash; both sides must agree */
    size_t prologue_len;
    const uint8_t *s_priv; /* our static X25519 private key */
    const uint8_t *rs;     /* the peer's static public key, when known first */
    const uint8_t *psk;    /* IKpsk2; may come later with ec_noise_set_psk */
    const uint8_t *e_priv; /* our ephemeral private key: 32 fresh random
                              bytes from the caller, never reused */
} ec_noise_config;

/* The protocol name of `p` ("Noise_IK_25519_ChaChaPoly_BLAKE2b"). */
const char *ec_noise_protocol_name(ec_noise_pattern p);

/* Initialize (spec §5.3): hash the protocol name, the prologue and the
 * pre-message keys. EC_ERR_ARG if a key the pattern needs is missing. */
ec_err ec_noise_init(ec_noise_handshake *hs, const ec_noise_config *cfg);
/* Sets the pre-shared key; allowed until the psk token is processed, so an
 * IKpsk2 responder can pick the key by the initiator's static key. */
ec_err ec_noise_set_psk(ec_noise_handshake *hs,
                        const uint8_t psk[EC_NOISE_PSKLEN]);
ec_noise_status ec_noise_status_of(const ec_noise_handshake *hs);

/* Bytes the next message will take with a payload of `payload_len` (write)
 * or its payload's size in a message of `msg_len` bytes (read); EC_ERR_ARG
 * if it is not that side's turn, EC_ERR_TRUNCATED / EC_ERR_RANGE as a read
 * or write would fail. */
ec_err ec_noise_message_len(const ec_noise_handshake *hs, size_t payload_len,
                            size_t *msg_len);
ec_err ec_noise_payload_len(const ec_noise_handshake *hs, size_t msg_len,
                            size_t *payload_len);

/* WriteMessage / ReadMessage (spec §5.3). out and payload must not overlap
 * (the write encrypts the payload into out). */
ec_err ec_noise_write_message(ec_noise_handshake *hs, const uint8_t *payload,
                              size_t payload_len, uint8_t *out, size_t out_cap,
                              size_t *out_len);
ec_err ec_noise_read_message(ec_noise_handshake *hs, const uint8_t *msg,
                             size_t msg_len, uint8_t *payload,
                             size_t payload_cap, size_t *payload_len);

/* The peer's static public key once it is known (pre-message or received):
 * an IK responder reads it after message 1 to look the peer up before it
 * answers. EC_ERR_ARG if not known. */
ec_err ec_noise_remote_static(const ec_noise_handshake *hs,
                              uint8_t out[EC_NOISE_DHLEN]);

/* Split (spec §5.2) once DONE: the initiator sends with c1, the responder
 * with c2. `hash` (may be NULL) receives the handshake hash, for channel
 * binding. Wipes hs. */
ec_err ec_noise_split(ec_noise_handshake *hs, ec_noise_cipher *send,
                      ec_noise_cipher *recv, uint8_t hash[EC_NOISE_HASHLEN]);
void ec_noise_handshake_clear(ec_noise_handshake *hs);

/* Transport encryption with the cipher's own counter (n, then n + 1).
 * out gets ct || 16-byte tag; out may equal pt exactly (in place). A cipher
 * without a key is refused (EC_ERR_ARG) rather than passing plaintext. */
ec_err ec_noise_cipher_encrypt(ec_noise_cipher *cs, const uint8_t *ad,
                               size_t ad_len, const uint8_t *pt, size_t pt_len,
                               uint8_t *out, size_t out_cap, size_t *out_len);
/* On failure the counter does not move (spec §5.1) and out holds nothing
 * usable (libsodium zeroes it). */
ec_err ec_noise_cipher_decrypt(ec_noise_cipher *cs, const uint8_t *ad,
                               size_t ad_len, const uint8_t *ct, size_t ct_len,
                               uint8_t *out, size_t out_cap, size_t *out_len);
/* The same with an explicit nonce, for datagrams that carry their counter
 * (spec §11.4, WireGuard style; check it with ec_replay first). cs->n is
 * neither read nor changed. Nonce 2^64 - 1 is reserved (spec §5.1). */
ec_err ec_noise_cipher_encrypt_n(const ec_noise_cipher *cs, uint64_t nonce,
                                 const uint8_t *ad, size_t ad_len,
                                 const uint8_t *pt, size_t pt_len,
                                 uint8_t *out, size_t out_cap,
                                 size_t *out_len);
ec_err ec_noise_cipher_decrypt_n(const ec_noise_cipher *cs, uint64_t nonce,
                                 const uint8_t *ad, size_t ad_len,
                                 const uint8_t *ct, size_t ct_len,
                                 uint8_t *out, size_t out_cap,
                                 size_t *out_len);
/* Rekey (spec §4.2, §11.3): k = first 32 bytes of ENCRYPT(k, 2^64 - 1, "",
 * 32 zero bytes). The counter is left alone. */
ec_err ec_noise_cipher_rekey(ec_noise_cipher *cs);
void ec_noise_cipher_clear(ec_noise_cipher *cs);

/* The node's X25519 static key from its Ed25519 identity key pair, and a
 * peer's X25519 public key from its Ed25519 public key (see noise.c). */
ec_err ec_noise_static_from_ed25519(const ec_keypair *kp,
                                    uint8_t priv[EC_NOISE_DHLEN],
                                    uint8_t pub[EC_NOISE_DHLEN]);
ec_err ec_noise_pub_from_ed25519(const ec_pubkey *pk,
                                 uint8_t pub[EC_NOISE_DHLEN]);

#endif
