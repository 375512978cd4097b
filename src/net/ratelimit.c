/* Per-source token buckets (ratelimit.h). */
#include "net/ratelimit.h"

#include <stdlib.h>
#include <string.h>

#define WAYS 4

typedef struct rl_entry {
    uint8_t key[16];
    uint8_t klen;        /* 0: free */
    uint64_t milli;      /* tokens x 1000 */
    uint64_t at_ms;      /* last refill (and use) */
} rl_entry;

struct ec_ratelimit {
    rl_entry *t;
    size_t sets;
    uint64_t rate, burst; /* per second; tokens */
    uint64_t seed;
};

ec_err ec_ratelimit_new(ec_ratelimit **out, size_t entries, uint32_t rate_per_s, uint32_t burst)
{
    if (out == NULL || entries == 0 || rate_per_s == 0 || burst == 0) return EC_ERR_ARG;
    ec_ratelimit *r = calloc(1, sizeof *r);
    if (r == NULL) return EC_ERR_NOMEM;
    r->sets = (entries + WAYS - 1) / WAYS;
    r->t = calloc(r->sets * WAYS, sizeof *r->t);
    if (r->t == NULL) {
        free(r);
        return EC_ERR_NOMEM;
    }
    r->rate = rate_per_s;
    r->burst = burst;
    r->seed = (uint64_t)(uintptr_t)r * 0x9E3779B97F4A7C15ull; /* not secret: sets only spread load */
    *out = r;
    return EC_OK;
}

void ec_ratelimit_free(ec_ratelimit *r)
{
    if (r == NULL) return;
    free(r->t);
    free(r);
}

static uint64_t hash(const ec_ratelimit *r, const uint8_t *k, size_t n)
{
    uint64_t h = r->seed ^ 0xcbf29ce484222325ull;
    for (size_t i = 0; i < n; i++) h = (h ^ k[i]) * 0x100000001b3ull;
    return h ^ (h >> 29);
}

bool ec_ratelimit_allow(ec_ratelimit *r, const ec_endpoint *ep, uint64_t now_ms)
{
    /* The address without its port: the last two endpoint bytes. */
    size_t klen = ep->len >= 2 ? (size_t)ep->len - 2 : 0;
    if (klen > 16) klen = 16;
    rl_entry *set = &r->t[(hash(r, ep->b, klen) % r->sets) * WAYS];
    rl_entry *e = NULL, *lru = &set[0];
    for (int i = 0; i < WAYS; i++) {
        if (set[i].klen == klen && klen && memcmp(set[i].key, ep->b, klen) == 0) {
            e = &set[i];
            break;
        }
        if (set[i].at_ms < lru->at_ms || set[i].klen == 0) lru = &set[i];
    }
    if (e == NULL) {
        e = lru;
        memcpy(e->key, ep->b, klen);
        e->klen = (uint8_t)(klen ? klen : 1);
        e->milli = r->burst * 1000;
        e->at_ms = now_ms;
    }
    if (now_ms > e->at_ms) {
        uint64_t add = (now_ms - e->at_ms) * r->rate; /* tokens x 1000 over the elapsed ms */
        e->milli = e->milli + add > r->burst * 1000 ? r->burst * 1000 : e->milli + add;
    }
    e->at_ms = now_ms;
    if (e->milli < 1000) return false;
    e->milli -= 1000;
    return true;
}
