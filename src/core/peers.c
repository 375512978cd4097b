#include "core/peers.h"

#include <stdlib.h>
#include <string.h>

/* What a bucket keeps about each peer, beside its id. */
typedef struct meta {
    uint8_t fails;  /* consecutive unanswered requests */
    bool heard;     /* its endpoint was seen by the transport (not just named) */
} meta;

typedef struct bucket {
    ec_id *ids;
    meta *meta; /* beside ids, same index */
    ec_endpoint *eps; /* where each can be reached (beside ids), allocated at
                         the bucket's first endpoint: the simulator has none */
    ec_rtt *rtt;    /* round-trip estimate per peer (beside ids), allocated at
                       the bucket's first sample: most buckets never get one */
    unsigned n, cap;
} bucket;

struct ec_peers {
    ec_id self;
    unsigned bucket_size;
    size_t count;
    bucket b[EC_ID_BITS];
};

ec_err ec_peers_new(ec_peers **out, const ec_id *self, unsigned bucket_size)
{
    if (out == NULL || self == NULL || bucket_size < 1 || bucket_size > EC_PEERS_BUCKET_SIZE_MAX)
        return EC_ERR_ARG;
    ec_peers *p = calloc(1, sizeof *p);
    if (p == NULL) return EC_ERR_NOMEM;
    p->self = *self;
    p->bucket_size = bucket_size;
    *out = p;
    return EC_OK;
}

void ec_peers_free(ec_peers *p)
{
    if (p == NULL) return;
    for (int j = 0; j < EC_ID_BITS; j++) {
        free(p->b[j].ids);
        free(p->b[j].meta);
        free(p->b[j].eps);
        free(p->b[j].rtt);
    }
    free(p);
}

static unsigned bucket_of(const ec_peers *p, const ec_id *peer)
{
    ec_id d;
    ec_id_xor(&d, &p->self, peer);
    return ec_id_clz(&d); /* 256 only for self */
}

static int find(const bucket *b, const ec_id *peer)
{
    for (unsigned i = 0; i < b->n; i++)
        if (ec_id_cmp(&b->ids[i], peer) == 0) return (int)i;
    return -1;
}

ec_err ec_peers_add(ec_peers *p, const ec_id *peer)
{
    unsigned j = bucket_of(p, peer);
    if (j >= EC_ID_BITS) return EC_ERR_EXISTS;
    bucket *b = &p->b[j];
    if (find(b, peer) >= 0) return EC_ERR_EXISTS;
    if (b->n >= p->bucket_size) return EC_ERR_RANGE;
    if (b->n == b->cap) {
        unsigned cap = b->cap ? 2 * b->cap : 4;
        if (cap > p->bucket_size) cap = p->bucket_size;
        ec_id *ids = realloc(b->ids, cap * sizeof *ids);
        if (ids == NULL) return EC_ERR_NOMEM;
        b->ids = ids;
        meta *mt = realloc(b->meta, cap * sizeof *mt);
        if (mt == NULL) return EC_ERR_NOMEM;
        b->meta = mt;
        if (b->rtt) {
            ec_rtt *rtt = realloc(b->rtt, cap * sizeof *rtt);
            if (rtt == NULL) return EC_ERR_NOMEM;
            b->rtt = rtt;
        }
        if (b->eps) {
            ec_endpoint *eps = realloc(b->eps, cap * sizeof *eps);
            if (eps == NULL) return EC_ERR_NOMEM;
            b->eps = eps;
        }
        b->cap = cap;
    }
    if (b->eps) memset(&b->eps[b->n], 0, sizeof b->eps[b->n]);
    memset(&b->meta[b->n], 0, sizeof b->meta[b->n]);
    if (b->rtt) b->rtt[b->n] = (ec_rtt){0, 0}; /* a newcomer has no estimate */
    b->ids[b->n++] = *peer;
    p->count++;
    return EC_OK;
}

ec_err ec_peers_remove(ec_peers *p, const ec_id *peer)
{
    unsigned j = bucket_of(p, peer);
    if (j >= EC_ID_BITS) return EC_ERR_NOTFOUND;
    bucket *b = &p->b[j];
    int i = find(b, peer);
    if (i < 0) return EC_ERR_NOTFOUND;
    b->ids[i] = b->ids[--b->n];
    b->meta[i] = b->meta[b->n];
    if (b->rtt) b->rtt[i] = b->rtt[b->n];
    if (b->eps) b->eps[i] = b->eps[b->n];
    p->count--;
    return EC_OK;
}

void ec_peers_heard(ec_peers *p, const ec_id *peer)
{
    unsigned j = bucket_of(p, peer);
    int i = j < EC_ID_BITS ? find(&p->b[j], peer) : -1;
    if (i >= 0) p->b[j].meta[i].fails = 0;
}

void ec_peers_set_endpoint(ec_peers *p, const ec_id *peer, const ec_endpoint *ep, bool heard)
{
    unsigned j = bucket_of(p, peer);
    int i = j < EC_ID_BITS ? find(&p->b[j], peer) : -1;
    if (i < 0 || ep == NULL || ep->len > EC_ENDPOINT_MAX) return;
    bucket *b = &p->b[j];
    meta *m = &b->meta[i];
    if (!heard && m->heard) return;
    if (b->eps == NULL) {
        if (ep->len == 0 || (b->eps = calloc(b->cap, sizeof *b->eps)) == NULL) return;
    }
    b->eps[i] = *ep;
    m->heard |= heard;
}

bool ec_peers_endpoint(const ec_peers *p, const ec_id *peer, ec_endpoint *out)
{
    unsigned j = bucket_of(p, peer);
    int i = j < EC_ID_BITS ? find(&p->b[j], peer) : -1;
    if (i < 0) return false;
    if (p->b[j].eps) *out = p->b[j].eps[i];
    else memset(out, 0, sizeof *out);
    return true;
}

bool ec_peers_failed(ec_peers *p, const ec_id *peer, unsigned max_fails)
{
    unsigned j = bucket_of(p, peer);
    int i = j < EC_ID_BITS ? find(&p->b[j], peer) : -1;
    if (i < 0) return false;
    if (p->b[j].meta[i].fails < UINT8_MAX) p->b[j].meta[i].fails++;
    if (p->b[j].meta[i].fails < max_fails) return false;
    ec_peers_remove(p, peer);
    return true;
}

void ec_peers_rtt_sample(ec_peers *p, const ec_id *peer, uint64_t ms, uint64_t max_ms)
{
    unsigned j = bucket_of(p, peer);
    int i = j < EC_ID_BITS ? find(&p->b[j], peer) : -1;
    if (i < 0) return; /* not in the set: only the node-wide estimate learns */
    bucket *b = &p->b[j];
    if (b->rtt == NULL && (b->rtt = calloc(b->cap, sizeof *b->rtt)) == NULL) return;
    ec_rtt_sample(&b->rtt[i], ms, max_ms);
}

const ec_rtt *ec_peers_rtt(const ec_peers *p, const ec_id *peer)
{
    unsigned j = bucket_of(p, peer);
    int i = j < EC_ID_BITS ? find(&p->b[j], peer) : -1;
    if (i < 0 || p->b[j].rtt == NULL || !ec_rtt_valid(&p->b[j].rtt[i])) return NULL;
    return &p->b[j].rtt[i];
}

bool ec_peers_has(const ec_peers *p, const ec_id *peer)
{
    unsigned j = bucket_of(p, peer);
    return j < EC_ID_BITS && find(&p->b[j], peer) >= 0;
}

size_t ec_peers_count(const ec_peers *p) { return p->count; }
const ec_id *ec_peers_self(const ec_peers *p) { return &p->self; }

bool ec_peers_complete(const ec_peers *p, const ec_id *target)
{
    if (ec_id_cmp(target, &p->self) == 0) return true;
    return p->b[bucket_of(p, target)].n < p->bucket_size;
}

size_t ec_peers_bucket(const ec_peers *p, unsigned j, const ec_id **peers)
{
    if (j >= EC_ID_BITS) return 0;
    *peers = p->b[j].ids;
    return p->b[j].n;
}

/* Candidates of one distance group, sorted by distance to target. */
typedef struct group {
    ec_id ids[EC_PEERS_NEAREST_MAX + 1];
    size_t n;
} group;

/* Keeps the `cap` nearest of everything offered (insertion into a sorted
 * array: groups are small, and only the first w matter). */
static void offer(group *g, size_t cap, const ec_id *target, const ec_id *id)
{
    size_t i = g->n;
    if (i == cap && ec_id_cmp_distance(target, id, &g->ids[cap - 1]) >= 0) return;
    if (i == cap) i--;
    else g->n++;
    while (i > 0 && ec_id_cmp_distance(target, id, &g->ids[i - 1]) < 0) {
        g->ids[i] = g->ids[i - 1];
        i--;
    }
    g->ids[i] = *id;
}

size_t ec_peers_nearest(const ec_peers *p, const ec_id *target, size_t w, bool include_self,
                        ec_id *out)
{
    if (w > EC_PEERS_NEAREST_MAX) w = EC_PEERS_NEAREST_MAX;
    if (w == 0) return 0;
    unsigned i = bucket_of(p, target);
    size_t n = 0;
    group g;

    /* Group 1: bucket i, sharing more than i bits with target. */
    g.n = 0;
    if (i < EC_ID_BITS)
        for (unsigned k = 0; k < p->b[i].n; k++) offer(&g, w, target, &p->b[i].ids[k]);
    for (size_t k = 0; k < g.n && n < w; k++) out[n++] = g.ids[k];
    /* Group 2: buckets deeper than i (and self), sharing exactly i bits. */
    if (n < w) {
        g.n = 0;
        for (unsigned j = i + 1; j < EC_ID_BITS; j++)
            for (unsigned k = 0; k < p->b[j].n; k++) offer(&g, w - n, target, &p->b[j].ids[k]);
        if (include_self) offer(&g, w - n, target, &p->self);
        for (size_t k = 0; k < g.n && n < w; k++) out[n++] = g.ids[k];
    }
    /* Then buckets i-1 down to 0, each sharing exactly j bits. */
    for (unsigned j = i < EC_ID_BITS ? i : EC_ID_BITS; j-- > 0 && n < w;) {
        g.n = 0;
        for (unsigned k = 0; k < p->b[j].n; k++) offer(&g, w - n, target, &p->b[j].ids[k]);
        for (size_t k = 0; k < g.n && n < w; k++) out[n++] = g.ids[k];
    }
    return n;
}

bool ec_peers_responsible(const ec_peers *p, const ec_id *target, size_t w)
{
    ec_id near[EC_PEERS_NEAREST_MAX];
    size_t n = ec_peers_nearest(p, target, w, true, near);
    for (size_t k = 0; k < n; k++)
        if (ec_id_cmp(&near[k], &p->self) == 0) return true;
    return false;
}

bool ec_peers_eligible(const ec_peers *p, const ec_id *target, size_t w, const ec_id *peer)
{
    ec_id near[EC_PEERS_NEAREST_MAX];
    size_t n = ec_peers_nearest(p, target, w, true, near);
    if (n < w) return true; /* fewer than w known: everyone nearby counts */
    for (size_t k = 0; k < n; k++)
        if (ec_id_cmp(&near[k], peer) == 0) return true;
    /* Not in the set, or not in the w: eligible only if nearer than the w-th. */
    return !ec_peers_has(p, peer) && ec_id_cmp_distance(target, peer, &near[n - 1]) < 0;
}

unsigned ec_peers_region(const ec_peers *p, size_t w)
{
    ec_id near[EC_PEERS_NEAREST_MAX], d;
    if (w == 0 || w > EC_PEERS_NEAREST_MAX) return 0;
    const ec_id *self = ec_peers_self(p);
    if (ec_peers_nearest(p, self, w, false, near) < w) return 0;
    ec_id_xor(&d, self, &near[w - 1]);
    return ec_id_clz(&d) + 1;
}
