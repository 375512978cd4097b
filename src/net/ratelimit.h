/* Token buckets per source address (issue 9, "Admission"): what any one
 * address can make the node do. A fixed table (4-way sets of hashed
 * addresses; the least recently used entry of a set is reused), so a
 * flood of sources costs memory once: like WireGuard's ratelimiter, a
 * source whose entry was reused starts again with a full bucket. The key
 * is the address without the port (a port is free to change). */
#ifndef EC_NET_RATELIMIT_H
#define EC_NET_RATELIMIT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/err.h"
#include "wire/msg.h"

typedef struct ec_ratelimit ec_ratelimit;

/* rate_per_s tokens a second, at most burst; entries >= 4 (rounded up). */
ec_err ec_ratelimit_new(ec_ratelimit **out, size_t entries, uint32_t rate_per_s, uint32_t burst);
void ec_ratelimit_free(ec_ratelimit *r);
/* Takes one token for the source of ep at now_ms: true if it had one. */
bool ec_ratelimit_allow(ec_ratelimit *r, const ec_endpoint *ep, uint64_t now_ms);

#endif
