/* The peer set (seed §3.2): dense near the node's own address, with global
 * coverage. Peers are kept in XOR buckets by shared-prefix length with the
 * node's address (bucket j: peers that share exactly j leading bits with
 * it), at most `bucket_size` per bucket. Bucket j covers 2^-(j+1) of the
 * address space, so a bounded bucket means density doubles at every step
 * toward the node's own address.
 *
 * "The w peers nearest to a" is exact within the set and costs a scan of a
 * few buckets: bucket clz(self ^ a) first, then all deeper buckets, then the
 * shallower ones one by one (each group strictly farther than the last). */
#ifndef EC_CORE_PEERS_H
#define EC_CORE_PEERS_H

#include <stdbool.h>
#include <stddef.h>

#include "base/err.h"
#include "core/rtt.h"
#include "crypto/id.h"
#include "wire/msg.h"

#define EC_PEERS_BUCKET_SIZE_MAX 4096
#define EC_PEERS_NEAREST_MAX 64

typedef struct ec_peers ec_peers;

/* bucket_size 1..EC_PEERS_BUCKET_SIZE_MAX. Free with ec_peers_free. */
ec_err ec_peers_new(ec_peers **out, const ec_id *self, unsigned bucket_size);
void ec_peers_free(ec_peers *p);

/* EC_OK added; EC_ERR_EXISTS already there (or self); EC_ERR_RANGE its
 * bucket is full (not added: the caller decides whom to evict). */
ec_err ec_peers_add(ec_peers *p, const ec_id *peer);
/* EC_OK removed, EC_ERR_NOTFOUND not there. */
ec_err ec_peers_remove(ec_peers *p, const ec_id *peer);
bool ec_peers_has(const ec_peers *p, const ec_id *peer);
/* Liveness (a bucket never evicts a live peer for a newcomer, so only
 * silence frees a place): `peer` answered or sent us something. */
void ec_peers_heard(ec_peers *p, const ec_id *peer);
/* A request to `peer` went unanswered; after max_fails in a row (none
 * heard in between) it is removed: returns true then. */
bool ec_peers_failed(ec_peers *p, const ec_id *peer, unsigned max_fails);
/* A peer's endpoint (opaque; the driver's): set it (heard: seen by the
 * transport, which a merely named one never replaces), or read it (false
 * if the peer is not in the set; len 0 if its endpoint is not known). */
void ec_peers_set_endpoint(ec_peers *p, const ec_id *peer, const ec_endpoint *ep, bool heard);
bool ec_peers_endpoint(const ec_peers *p, const ec_id *peer, ec_endpoint *out);
/* A round-trip sample of `ms` to `peer` (capped at max_ms); ignored when
 * the peer is not in the set, so the estimates are bounded like the set. */
void ec_peers_rtt_sample(ec_peers *p, const ec_id *peer, uint64_t ms, uint64_t max_ms);
/* The peer's estimate, or NULL (not in the set, or no sample yet). A peer
 * removed and added again starts without one. */
const ec_rtt *ec_peers_rtt(const ec_peers *p, const ec_id *peer);
size_t ec_peers_count(const ec_peers *p);
/* Peers of bucket j (shared prefix length j with self): count, and a pointer
 * valid until the next add or remove. */
size_t ec_peers_bucket(const ec_peers *p, unsigned j, const ec_id **peers);
const ec_id *ec_peers_self(const ec_peers *p);

/* Writes the min(w, count) peers nearest to target, nearest first; with
 * include_self the node's own address competes too. w <= EC_PEERS_NEAREST_MAX.
 * Returns how many were written. */
size_t ec_peers_nearest(const ec_peers *p, const ec_id *target, size_t w, bool include_self,
                        ec_id *out);
/* True if the bucket covering target is not full: every peer this set has
 * heard of there is in it, so its nearest to target need no lookup. */
bool ec_peers_complete(const ec_peers *p, const ec_id *target);
/* True if self is among the w nearest to target in its own view. */
bool ec_peers_responsible(const ec_peers *p, const ec_id *target, size_t w);
/* True if `peer` (in the set or not) would be among the w nearest to target
 * of the set plus self: the vote-eligibility test. */
bool ec_peers_eligible(const ec_peers *p, const ec_id *target, size_t w, const ec_id *peer);
/* The largest subtree of the id space around self holding at most w nodes
 * of this set, self included, as a prefix length: one bit longer than the
 * prefix self shares with its w-th nearest peer; 0 (the whole space) with
 * fewer than w peers. w <= EC_PEERS_NEAREST_MAX. */
unsigned ec_peers_region(const ec_peers *p, size_t w);

#endif
