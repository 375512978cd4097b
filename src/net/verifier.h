/* Identity verification off the packet path (issue 9, "Admission").
 *
 * Verifying an identity record costs one Argon2id (64 MiB, 0.1-0.7 s at
 * network parameters): never on the event loop. The loop submits records
 * to a bounded queue; one worker thread verifies them through a
 * verified-identity cache (core/idcache.h: a record seen before costs a
 * lookup, failures included) and posts results; an eventfd wakes the loop.
 * A full queue refuses the record (counted): the peer asks again later. */
#ifndef EC_NET_VERIFIER_H
#define EC_NET_VERIFIER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/err.h"
#include "core/identity.h"

typedef struct ec_verifier ec_verifier;

typedef struct ec_verify_result {
    uint8_t record[EC_IDENTITY_LEN];
    ec_err err;          /* EC_OK, or why the record is refused */
    ec_identity id;      /* decoded (when err is not a decoding error) */
    ec_id address;       /* EC_OK: the address its proof of work gives */
} ec_verify_result;

typedef struct ec_verifier_stats {
    uint64_t submitted, refused_full, verified_ok, verified_bad;
    uint64_t cache_hits, cache_misses;
} ec_verifier_stats;

/* Starts the worker: queue of queue_max records, a cache of cache_max. */
ec_err ec_verifier_new(ec_verifier **out, size_t queue_max, size_t cache_max);
/* Stops and joins the worker, frees everything (pending work is dropped). */
void ec_verifier_free(ec_verifier *v);
/* Readable when results wait (poll/epoll it; ec_verifier_result clears it). */
int ec_verifier_fd(const ec_verifier *v);
/* Queues one record: EC_OK, EC_ERR_RANGE when the queue is full. */
ec_err ec_verifier_submit(ec_verifier *v, const uint8_t record[EC_IDENTITY_LEN]);
/* Takes one result: true, or false when none waits. */
bool ec_verifier_result(ec_verifier *v, ec_verify_result *out);
void ec_verifier_stats_get(ec_verifier *v, ec_verifier_stats *out);
/* Records waiting for the worker (a load signal for the loop). */
size_t ec_verifier_backlog(ec_verifier *v);

#endif
