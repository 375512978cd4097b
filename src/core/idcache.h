/* Verified-identity cache.
 *
 * Verifying an identity costs one full Argon2id (0.1-0.7 s at network
 * parameters), so a node verifies each distinct identity record at most once
 * while it is cached, and remembers failures too (a peer replaying a bogus
 * record costs one lookup, not one Argon2id). The cache is bounded: a fixed
 * number of entries chosen at creation, 8-way set-associative with LRU
 * replacement inside each set, so lookups and inserts are O(1).
 *
 * The key is BLAKE3 of the full encoded record (signature included), so two
 * records that differ in any byte are different entries.
 * Not thread-safe: one cache per node, used from the node's thread. */
#ifndef EC_CORE_IDCACHE_H
#define EC_CORE_IDCACHE_H

#include <stddef.h>
#include <stdint.h>

#include "base/err.h"
#include "core/identity.h"

#define EC_IDCACHE_WAYS 8

typedef struct ec_idcache ec_idcache;

typedef struct ec_idcache_stats {
    uint64_t hits;       /* answered from the cache */
    uint64_t misses;     /* verified with Argon2id (one each) */
    uint64_t evictions;  /* entries replaced to make room */
    size_t size;         /* entries held now */
    size_t capacity;     /* entries it can hold */
} ec_idcache_stats;

/* Allocates a cache holding at least `capacity` entries (rounded up to a
 * power-of-two number of 8-entry sets; capacity 1..2^24). Free with
 * ec_idcache_free. */
ec_err ec_idcache_new(ec_idcache **out, size_t capacity);
void ec_idcache_free(ec_idcache *c);

/* Verifies `id` (ec_identity_verify) unless this exact record is cached, and
 * returns the same result either way; on EC_OK writes the address. */
ec_err ec_idcache_verify(ec_idcache *c, const ec_identity *id, ec_id *address);

void ec_idcache_stats_get(const ec_idcache *c, ec_idcache_stats *out);

#endif
