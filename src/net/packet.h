/* The session layer's datagrams (docs/TRANSPORT.md, "Sessions"): encoding
 * and decoding only, no crypto. WireGuard's four messages (protocol page,
 * "Protocol & Cryptography") with a version header and BLAKE2b:
 *
 *   every packet   version u16 = 1 | type u8 | reserved u8 = 0
 *   1 INIT   280   header | sender u32 | ephemeral 32 | static 32+16
 *                  | payload 144+16 | mac1 16 | mac2 16
 *   2 RESP   224   header | sender u32 | receiver u32 | ephemeral 32
 *                  | payload 132+16 | mac1 16 | mac2 16
 *   3 COOKIE  64   header | receiver u32 | nonce 24 | cookie 16+16
 *   4 DATA 32..1400  header | receiver u32 | counter u64 | ciphertext
 *
 * Integers little-endian. INIT's ephemeral, static and payload, and RESP's
 * ephemeral and payload, are the Noise IK messages 1 and 2 byte for byte.
 * Decoders take (buf, len), never read past len, and refuse any length but
 * the type's exact one; a DATA decode points into buf (nothing is copied
 * or allocated). */
#ifndef EC_NET_PACKET_H
#define EC_NET_PACKET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/err.h"

#define EC_PKT_VERSION 1
#define EC_PKT_MTU 1400 /* no datagram is longer */
#define EC_PKT_HEADER_LEN 4
#define EC_PKT_TAG_LEN 16
#define EC_PKT_MAC_LEN 16
#define EC_PKT_KEY_LEN 32
#define EC_PKT_RECORD_LEN 131 /* an identity record (core/identity.h) */
#define EC_PKT_TAI64N_LEN 12
#define EC_PKT_NONCE_LEN 24   /* XChaCha20-Poly1305 */
#define EC_PKT_COOKIE_LEN 16

/* Handshake payloads, in clear (before Noise encrypts them). */
#define EC_PKT_INIT_PAYLOAD (EC_PKT_TAI64N_LEN + 1 + EC_PKT_RECORD_LEN) /* 144 */
#define EC_PKT_RESP_PAYLOAD (1 + EC_PKT_RECORD_LEN)                     /* 132 */
#define EC_PKT_FLAG_RECORD 0x01

/* The Noise messages inside INIT and RESP. */
#define EC_PKT_INIT_NOISE (EC_PKT_KEY_LEN + EC_PKT_KEY_LEN + EC_PKT_TAG_LEN + \
                           EC_PKT_INIT_PAYLOAD + EC_PKT_TAG_LEN) /* 240 */
#define EC_PKT_RESP_NOISE (EC_PKT_KEY_LEN + EC_PKT_RESP_PAYLOAD + \
                           EC_PKT_TAG_LEN) /* 180 */

#define EC_PKT_INIT_LEN (EC_PKT_HEADER_LEN + 4 + EC_PKT_INIT_NOISE + 2 * EC_PKT_MAC_LEN)
#define EC_PKT_RESP_LEN (EC_PKT_HEADER_LEN + 8 + EC_PKT_RESP_NOISE + 2 * EC_PKT_MAC_LEN)
#define EC_PKT_COOKIE_PKT_LEN (EC_PKT_HEADER_LEN + 4 + EC_PKT_NONCE_LEN + \
                               EC_PKT_COOKIE_LEN + EC_PKT_TAG_LEN)
#define EC_PKT_DATA_HEAD 16 /* header, receiver, counter: the AEAD's AD */
#define EC_PKT_DATA_MIN (EC_PKT_DATA_HEAD + EC_PKT_TAG_LEN)
#define EC_PKT_PLAIN_MAX (EC_PKT_MTU - EC_PKT_DATA_MIN) /* 1368 */

/* mac1 covers the bytes before it, mac2 the bytes before it (mac1 too). */
#define EC_PKT_INIT_MAC1 (EC_PKT_INIT_LEN - 2 * EC_PKT_MAC_LEN) /* 248 */
#define EC_PKT_INIT_MAC2 (EC_PKT_INIT_LEN - EC_PKT_MAC_LEN)     /* 264 */
#define EC_PKT_RESP_MAC1 (EC_PKT_RESP_LEN - 2 * EC_PKT_MAC_LEN) /* 192 */
#define EC_PKT_RESP_MAC2 (EC_PKT_RESP_LEN - EC_PKT_MAC_LEN)     /* 208 */

typedef enum ec_pkt_type {
    EC_PKT_INIT = 1,
    EC_PKT_RESP = 2,
    EC_PKT_COOKIE = 3,
    EC_PKT_DATA = 4,
} ec_pkt_type;

typedef struct ec_pkt_init {
    uint32_t sender;
    uint8_t noise[EC_PKT_INIT_NOISE]; /* ephemeral | static | payload */
    uint8_t mac1[EC_PKT_MAC_LEN], mac2[EC_PKT_MAC_LEN];
} ec_pkt_init;

typedef struct ec_pkt_resp {
    uint32_t sender, receiver;
    uint8_t noise[EC_PKT_RESP_NOISE]; /* ephemeral | payload */
    uint8_t mac1[EC_PKT_MAC_LEN], mac2[EC_PKT_MAC_LEN];
} ec_pkt_resp;

typedef struct ec_pkt_cookie {
    uint32_t receiver;
    uint8_t nonce[EC_PKT_NONCE_LEN];
    uint8_t cookie[EC_PKT_COOKIE_LEN + EC_PKT_TAG_LEN]; /* encrypted */
} ec_pkt_cookie;

typedef struct ec_pkt_data {
    uint32_t receiver;
    uint64_t counter;
    const uint8_t *ct; /* ciphertext and tag; decode: into the buffer */
    size_t ct_len;     /* EC_PKT_TAG_LEN .. EC_PKT_PLAIN_MAX + tag */
} ec_pkt_data;

typedef struct ec_pkt {
    ec_pkt_type type;
    union {
        ec_pkt_init init;
        ec_pkt_resp resp;
        ec_pkt_cookie cookie;
        ec_pkt_data data;
    } u;
} ec_pkt;

/* Why a datagram does not decode, in the order the checks run (each is
 * one of the session layer's drop counters). */
typedef enum ec_pkt_fault {
    EC_PKT_OK = 0,
    EC_PKT_BAD_SHORT,    /* shorter than the 4-byte header */
    EC_PKT_BAD_VERSION,  /* version is not EC_PKT_VERSION */
    EC_PKT_BAD_TYPE,     /* not one of the four types */
    EC_PKT_BAD_RESERVED, /* reserved byte not zero */
    EC_PKT_BAD_LENGTH,   /* not the type's exact length (DATA: 32..1400) */
} ec_pkt_fault;

/* Decodes one datagram. On EC_PKT_OK *out holds it (a DATA's ct points
 * into buf); otherwise *out is unspecified. */
ec_pkt_fault ec_pkt_decode(const uint8_t *buf, size_t len, ec_pkt *out);
/* Encodes p into buf: EC_OK with *len set, EC_ERR_ARG for an unknown type
 * or a DATA whose ct_len is out of range, EC_ERR_RANGE if cap is short. */
ec_err ec_pkt_encode(const ec_pkt *p, uint8_t *buf, size_t cap, size_t *len);
/* The encoded length of p (0 for an unknown type or a bad DATA). */
size_t ec_pkt_len(const ec_pkt *p);
/* The 16 bytes that start a DATA packet (its AD). */
void ec_pkt_data_head(uint8_t out[EC_PKT_DATA_HEAD], uint32_t receiver,
                      uint64_t counter);

/* The clear payloads of the handshake. A payload without a record carries
 * 131 zero bytes in its place; decoding refuses flag bits other than bit 0
 * and a non-zero record without the flag (EC_ERR_MALFORMED): a genuine
 * peer never sends them, so they can only be noise. */
typedef struct ec_pkt_hello {
    uint8_t tai64n[EC_PKT_TAI64N_LEN]; /* INIT only */
    bool has_record;
    uint8_t record[EC_PKT_RECORD_LEN];
} ec_pkt_hello;

void ec_pkt_init_payload_encode(const ec_pkt_hello *h,
                                uint8_t out[EC_PKT_INIT_PAYLOAD]);
ec_err ec_pkt_init_payload_decode(const uint8_t *buf, size_t len,
                                  ec_pkt_hello *out);
void ec_pkt_resp_payload_encode(const ec_pkt_hello *h,
                                uint8_t out[EC_PKT_RESP_PAYLOAD]);
ec_err ec_pkt_resp_payload_decode(const uint8_t *buf, size_t len,
                                  ec_pkt_hello *out);

/* TAI64N of a Unix time in ns: 2^62 + seconds (8 bytes big-endian), then
 * nanoseconds (4 bytes big-endian). Big-endian so that memcmp orders them. */
void ec_pkt_tai64n(uint64_t unix_ns, uint8_t out[EC_PKT_TAI64N_LEN]);

#endif
