/* RTT estimator and probe timeout (rtt.h: RFC 6298, RFC 9002). */
#include <stddef.h>

#include "core/rtt.h"

void ec_rtt_sample(ec_rtt *r, uint64_t ms, uint64_t max_ms)
{
    if (max_ms > EC_RTT_MAX_MS) max_ms = EC_RTT_MAX_MS;
    if (ms > max_ms) ms = max_ms; /* one bogus sample cannot push srtt past the cap */
    /* A 0 ms sample (answered within the same millisecond) counts as one
     * unit, so that srtt = 0 keeps meaning "no sample". */
    uint32_t x = ms ? (uint32_t)(ms * EC_RTT_UNIT) : 1;
    if (r->srtt == 0) { /* RFC 6298 (2.2) */
        r->srtt = x;
        r->rttvar = x / 2;
        return;
    }
    /* (2.3): the variation against the old srtt first. */
    uint32_t d = r->srtt > x ? r->srtt - x : x - r->srtt;
    r->rttvar = r->rttvar - r->rttvar / 4 + d / 4;
    r->srtt = r->srtt - r->srtt / 8 + x / 8;
    if (r->srtt == 0) r->srtt = 1;
}

bool ec_rtt_valid(const ec_rtt *r) { return r != NULL && r->srtt != 0; }

uint64_t ec_rtt_pto(const ec_rtt *r, const ec_rtt_limits *lim)
{
    uint64_t srtt, rttvar;
    if (ec_rtt_valid(r)) {
        srtt = r->srtt;
        rttvar = r->rttvar;
    } else { /* RFC 9002 §6.2.2: the initial RTT, and half of it as variation */
        srtt = lim->initial_ms * EC_RTT_UNIT;
        rttvar = srtt / 2;
    }
    uint64_t var = 4 * rttvar, floor = lim->granularity_ms * EC_RTT_UNIT;
    uint64_t pto = (srtt + (var > floor ? var : floor) + EC_RTT_UNIT - 1) / EC_RTT_UNIT;
    return pto < lim->max_ms ? pto : lim->max_ms;
}

uint64_t ec_rtt_backoff(uint64_t pto, unsigned times, uint64_t max_ms)
{
    for (unsigned i = 0; i < times && pto < max_ms; i++) pto *= 2;
    return pto < max_ms ? pto : max_ms;
}

void ec_rtt_req_sent(ec_rtt_req *q, const ec_id *to, uint64_t now)
{
    if (q->sent == 0) q->at = now;
    if (q->sent < UINT8_MAX) q->sent++;
    q->to = *to;
}

bool ec_rtt_req_answered(ec_rtt_req *q, const ec_id *from, uint64_t now, uint64_t *ms)
{
    if (q->sent == 0 || ec_id_cmp(from, &q->to) != 0) return false;
    bool once = q->sent == 1 && now >= q->at;
    if (once) *ms = now - q->at;
    q->sent = 0;
    return once;
}
