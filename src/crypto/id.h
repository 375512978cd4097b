/* 256-bit identifiers: peer addresses, token ids, transaction ids, hashes.
 *
 * An ec_id is 32 bytes read as a big-endian 256-bit integer: byte 0 holds the
 * most significant bits. XOR distance and ordering follow from that. */
#ifndef EC_CRYPTO_ID_H
#define EC_CRYPTO_ID_H

#include <stdbool.h>
#include <stdint.h>

#include "base/err.h"

#define EC_ID_LEN 32
#define EC_ID_BITS 256
#define EC_ID_HEX_LEN 64 /* without the NUL */

typedef struct ec_id {
    uint8_t b[EC_ID_LEN];
} ec_id;

/* d = a XOR b: the Kademlia distance between a and b. */
void ec_id_xor(ec_id *d, const ec_id *a, const ec_id *b);
/* <0, 0, >0 as a is below, equal to, above b (big-endian integer order). */
int ec_id_cmp(const ec_id *a, const ec_id *b);
bool ec_id_is_zero(const ec_id *a);
/* Number of leading zero bits (from the most significant bit), 0..256.
 * For a distance a^b this is the length of the shared prefix of a and b. */
unsigned ec_id_clz(const ec_id *a);
/* Number of trailing zero bits (from the least significant bit of byte 31),
 * 0..256. Proof of work counts these. */
unsigned ec_id_ctz(const ec_id *a);
/* Compares distances: <0 if a is nearer to target than b, 0 if equal. */
int ec_id_cmp_distance(const ec_id *target, const ec_id *a, const ec_id *b);
/* d = a - b mod 2^256, the ids read as big-endian numbers (how far up
 * from b, wrapping, a is: the storage walk's order, core/pos.h). */
void ec_id_sub(const ec_id *a, const ec_id *b, ec_id *d);
/* True if the first `bits` bits of a and b are equal (bits <= 256). */
bool ec_id_prefix_eq(const ec_id *a, const ec_id *b, unsigned bits);
/* The top 64 bits as an integer: a cheap, order-preserving summary. */
uint64_t ec_id_top64(const ec_id *a);

/* out: EC_ID_HEX_LEN + 1 bytes, lowercase, NUL-terminated. */
void ec_id_to_hex(const ec_id *a, char out[EC_ID_HEX_LEN + 1]);
/* Exactly 64 hex digits, nothing else; EC_ERR_HEX otherwise. */
ec_err ec_id_from_hex(ec_id *a, const char *hex);

#endif
