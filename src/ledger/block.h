/* Commit-chain blocks (seed §7.2; docs/CHAIN.md): every node keeps an
 * ordered chain of its own commits, cut into blocks of at most 32
 * transaction ids. A block is a header (signed by the node) and a body
 * (the ids); the block's hash is computed, never sent.
 *
 * Header (147 + 32 * jumps bytes, at most 307):
 *   version u8 = 1 | jumps u8 (bit k: jump[k] present, bits 5-7 zero)
 *   | height u64 (>= 1) | timestamp u64 (ms) | prev 32 (zeros iff height 1)
 *   | jump[k] 32 for each bit set, k ascending | root 32 | count u8 (1..32)
 *   | signature 64
 * Body: count u8 | tx id 32 x count (at most 1,025 bytes: one packet).
 * Integers little-endian.
 *
 * hash = BLAKE3("ec block v1" | the header before its signature); the
 * signature is Ed25519 over the hash. root = the Merkle root of the ids in
 * commit order: leaf BLAKE3(0x00 | id), node BLAKE3(0x01 | left | right),
 * an odd last node carried up unchanged.
 * jump[k] = the hash of the newest block of the same chain whose timestamp
 * is <= this block's timestamp - D[k], D = 1 min, 1 h, 1 day, 1 week,
 * 30 days; absent when there is none. Anyone holding the chain checks it.
 * Timestamps never decrease along a chain. */
#ifndef EC_LEDGER_BLOCK_H
#define EC_LEDGER_BLOCK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/err.h"
#include "crypto/id.h"
#include "crypto/sign.h"

#define EC_BLOCK_VERSION 1
#define EC_BLOCK_TXS_MAX 32
#define EC_BLOCK_JUMPS 5
#define EC_BLOCK_HEADER_MIN 147
#define EC_BLOCK_HEADER_MAX (EC_BLOCK_HEADER_MIN + EC_BLOCK_JUMPS * EC_ID_LEN) /* 307 */
#define EC_BLOCK_BODY_MAX (1 + EC_BLOCK_TXS_MAX * EC_ID_LEN)                  /* 1,025 */

extern const uint64_t ec_block_jump_ms[EC_BLOCK_JUMPS];

typedef struct ec_block_header {
    uint64_t height;
    uint64_t timestamp_ms;
    ec_id prev;
    uint8_t jumps;                 /* bit k: jump[k] present */
    ec_id jump[EC_BLOCK_JUMPS];    /* absent ones are zero */
    ec_id root;
    uint8_t count;
    ec_sig sig;
} ec_block_header;

typedef struct ec_block_body {
    uint8_t count;
    ec_id ids[EC_BLOCK_TXS_MAX];
} ec_block_body;

/* Why a block is refused (verification results, counted by callers). */
typedef enum ec_block_fault {
    EC_BLOCK_OK = 0,
    EC_BLOCK_SIGNATURE, /* the signature does not verify under the node's key */
    EC_BLOCK_ROOT,      /* the body's ids do not make the header's root, or counts differ */
    EC_BLOCK_HEIGHT,    /* not its parent's height + 1 */
    EC_BLOCK_PREV,      /* prev is not its parent's hash */
    EC_BLOCK_TIME,      /* earlier than its parent */
    EC_BLOCK_JUMP,      /* a jump reference that is not the rule's block */
    EC_BLOCK_UNKNOWN,   /* a block the rule needs is not known (yet) */
} ec_block_fault;
const char *ec_block_fault_name(ec_block_fault f);

/* EC_ERR_ARG (a field out of range), EC_ERR_RANGE (cap); *len bytes. */
ec_err ec_block_header_encode(const ec_block_header *h, uint8_t *buf, size_t cap, size_t *len);
/* EC_ERR_TRUNCATED, EC_ERR_TRAILING, EC_ERR_VERSION, EC_ERR_MALFORMED
 * (reserved jump bits, height 0, prev zero iff height 1 broken, count 0
 * or over 32, a present jump that is zero). */
ec_err ec_block_header_decode(ec_block_header *h, const uint8_t *buf, size_t len);
ec_err ec_block_body_encode(const ec_block_body *b, uint8_t *buf, size_t cap, size_t *len);
ec_err ec_block_body_decode(ec_block_body *b, const uint8_t *buf, size_t len);

/* The block's hash (over the header without its signature). */
void ec_block_hash(const ec_block_header *h, ec_id *out);
/* The Merkle root of n ids (n >= 1). */
void ec_block_root(const ec_id *ids, size_t n, ec_id *out);
/* Merkle paths (a claim's position in its block, core/claims.h): the
 * siblings of leaf k of n ids from the leaf up, skipping the levels where
 * its node is an odd last one (carried up as it is): their count, at most
 * EC_BLOCK_PATH_MAX. k < n <= EC_BLOCK_TXS_MAX, else 0. */
#define EC_BLOCK_PATH_MAX 5
size_t ec_block_path(const ec_id *ids, size_t n, size_t k, ec_id path[EC_BLOCK_PATH_MAX]);
/* True if id at position k of n leads by path (len siblings) to root: the
 * path's length must be the one the shape (k, n) gives. */
bool ec_block_path_check(const ec_id *id, size_t k, size_t n, const ec_id *path, size_t len, const ec_id *root);

/* Signs the header (its sig field) with the node's key. */
void ec_block_sign(ec_block_header *h, const ec_keypair *key);

/* A node's chain as far as the caller knows it: the header at `height`,
 * EC_ERR_NOTFOUND if unknown. */
typedef ec_err (*ec_block_lookup_fn)(void *arg, uint64_t height, ec_block_header *out);
/* The jump references of a block at (height, ts) on the chain `look`
 * reads (heights 1..height-1, all known): *jumps and jump[]. EC_OK, or
 * the lookup's error. log2(height) lookups per reference. */
ec_err ec_block_jumps_compute(uint64_t height, uint64_t ts, ec_block_lookup_fn look, void *arg, uint8_t *jumps,
                              ec_id jump[EC_BLOCK_JUMPS]);

/* Checks, each alone: the signature; the body against the header; the
 * link to its parent (height, prev, time); the jump references against
 * the chain `look` reads (EC_BLOCK_UNKNOWN when a needed block is not
 * known: sync fetches it and asks again). */
ec_block_fault ec_block_check_sig(const ec_block_header *h, const ec_pubkey *key);
ec_block_fault ec_block_check_body(const ec_block_header *h, const ec_block_body *b);
ec_block_fault ec_block_check_link(const ec_block_header *h, const ec_block_header *parent);
ec_block_fault ec_block_check_jumps(const ec_block_header *h, ec_block_lookup_fn look, void *arg);

/* Two headers the same key signed at one height with different hashes:
 * the node forked its own chain (equivocation; both are the evidence).
 * The caller has checked both signatures. */
bool ec_block_equivocation(const ec_block_header *a, const ec_block_header *b);

#endif
