/* Round-trip time estimation for the core's timers (issue 8), sans IO: a
 * sample is the difference of two `now` values the caller passed in, in
 * milliseconds of a monotonic clock. The rules are TCP's (RFC 6298) with
 * QUIC's probe timeout (RFC 9002 §6.2):
 *
 *   first sample R:   srtt = R, rttvar = R/2
 *   each later R:     rttvar = 3/4 rttvar + 1/4 |srtt - R|   (old srtt)
 *                     srtt   = 7/8 srtt   + 1/8 R
 *   PTO = srtt + max(4 rttvar, granularity), at most max; doubled at each
 *   expiry without an answer (ec_rtt_backoff), at most max.
 *
 * Before any sample, srtt is the initial RTT and rttvar half of it (RFC
 * 9002 §6.2.2): with the default 333 ms the first PTO is 999 ms, the
 * fixed 1 s re-send the timers had before. Karn's rule (RFC 6298 §3): no
 * sample from the answer to a request that was sent more than once, since
 * it cannot say which copy it answers (ec_rtt_req). Deviation: RFC 6298's
 * 1 s minimum RTO is not applied (it is there for delayed ACKs; our peers
 * answer at once); the granularity is the only floor, as in QUIC.
 *
 * Values are kept in 1/EC_RTT_UNIT ms in 32 bits (8 bytes per peer): with
 * samples capped at EC_RTT_MAX_MS they cannot overflow. */
#ifndef EC_CORE_RTT_H
#define EC_CORE_RTT_H

#include <stdbool.h>
#include <stdint.h>

#include "crypto/id.h"

#define EC_RTT_UNIT 64u          /* fixed point: 1/64 ms */
#define EC_RTT_MAX_MS 3600000u   /* largest rtt_max_ms a config may set (1 h) */

/* One estimate; all zero: no sample yet. */
typedef struct ec_rtt {
    uint32_t srtt;   /* smoothed RTT, 1/EC_RTT_UNIT ms (0: no sample) */
    uint32_t rttvar; /* RTT variation, 1/EC_RTT_UNIT ms */
} ec_rtt;

/* The limits a PTO is computed with (from ec_node_config). */
typedef struct ec_rtt_limits {
    uint64_t initial_ms;     /* RTT assumed before the first sample */
    uint64_t granularity_ms; /* floor of the variation term */
    uint64_t max_ms;         /* cap on samples, PTOs and backed-off timers */
} ec_rtt_limits;

/* Feeds one sample of `ms` (capped at max_ms). */
void ec_rtt_sample(ec_rtt *r, uint64_t ms, uint64_t max_ms);
bool ec_rtt_valid(const ec_rtt *r);
/* srtt + max(4 rttvar, granularity) in ms (rounded up), at most max_ms;
 * r NULL or without a sample: from the initial RTT. */
uint64_t ec_rtt_pto(const ec_rtt *r, const ec_rtt_limits *lim);
/* pto doubled `times` times, at most max_ms. */
uint64_t ec_rtt_backoff(uint64_t pto, unsigned times, uint64_t max_ms);

/* Karn's rule for one request: who it went to, when first, how often. */
typedef struct ec_rtt_req {
    ec_id to;
    uint64_t at;  /* when it was first sent */
    uint8_t sent; /* copies sent (saturating); 0: none outstanding */
} ec_rtt_req;

/* A copy of the request went to `to` at now (a re-send, to the same peer
 * or another, makes the next answer ambiguous). */
void ec_rtt_req_sent(ec_rtt_req *q, const ec_id *to, uint64_t now);
/* An answer from `from` came at now: true with *ms set when it answers a
 * request sent once, to `from`. The request is closed either way when
 * `from` is whom it went to. */
bool ec_rtt_req_answered(ec_rtt_req *q, const ec_id *from, uint64_t now, uint64_t *ms);

#endif
