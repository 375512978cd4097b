/* Proof of aligned storage, the asking side (core/pos.h; docs/PROTOCOL.md,
 * "Storage proofs"). ec_node_pos_challenge sends GET_PROOF to a peer about
 * a token and remembers it, at most pos_outstanding_max at once and one per
 * (peer, token). The peer's PROOF is judged against our own store:
 * ec_pos_check_answer (the answer's form, its heads against ours, our own
 * walk on the same chunks) and ec_pos_accept with pos_min_agree. "Cannot"
 * (status 0) and no answer within the request timeout fail the challenge.
 * A PROOF that answers no challenge of ours (unasked, or a second copy) is
 * dropped and counted: nobody makes us walk our store unasked.
 *
 * Each ending goes into the peer's record (passed, failed, timed out, the
 * last one's agreement, verdict and time), kept for at most pos_peers_max
 * peers, the least recently updated out first (counted), and is raised as
 * an EC_NODE_EV_POS_RESULT event. Both tables are allocated at the first
 * challenge: a node that never asks (most of a simulation's) holds none. */
#include <stdlib.h>
#include <string.h>

#include "core/node_internal.h"
#include "core/pos.h"
#include "ledger/idhash.h"

typedef struct pos_key {
    ec_id peer, token;
} pos_key;

typedef struct pos_challenge {
    pos_key k;          /* the table's key */
    uint64_t sent_at;   /* GET_PROOF went out */
    uint64_t due;       /* unanswered by then: timed out */
    uint8_t bits;       /* the chunk width asked for */
    uint8_t plen;       /* the region asked for */
    bool shared;        /* a shared walk (cfg.pos_shared_every) */
} pos_challenge;

typedef struct pos_peer {
    ec_id id;           /* the table's key */
    ec_node_pos_record r;
    GList *link;        /* its place in pos_order */
} pos_peer;

static guint key_hash(gconstpointer a)
{
    const pos_key *k = a;
    guint h = 0;
    for (int i = 0; i < 4; i++) h = h << 8 | (guint)(k->peer.b[i] ^ k->token.b[i]);
    return h;
}

static gboolean key_equal(gconstpointer a, gconstpointer b)
{
    return memcmp(a, b, sizeof(pos_key)) == 0;
}

static void tables(ec_node *n)
{
    if (n->pos_out) return;
    n->pos_out = g_hash_table_new_full(key_hash, key_equal, NULL, free);
    n->pos_peers = g_hash_table_new_full(ec_idhash_hash, ec_idhash_equal, NULL, free);
    n->pos_order = g_queue_new();
}

void node_pos_free(ec_node *n)
{
    if (n->pos_order) g_queue_free(n->pos_order); /* its links; the entries are the table's */
    if (n->pos_peers) g_hash_table_destroy(n->pos_peers);
    if (n->pos_out) g_hash_table_destroy(n->pos_out);
    n->pos_order = NULL;
    n->pos_peers = NULL;
    n->pos_out = NULL;
}

/* The stored tokens in region plen around us, counted at most once a
 * minute (and when the region changes), at most pos_examined_max. */
typedef struct counter {
    ec_id lo;
    unsigned plen;
    uint64_t n, max;
} counter;

static bool count_one(void *arg, const ec_id *t, const ec_head *h)
{
    (void)h;
    counter *c = arg;
    if (!ec_pos_in_region(&c->lo, t, c->plen)) return false;
    return ++c->n < c->max;
}

static uint64_t region_tokens(ec_node *n, uint64_t now, unsigned plen)
{
    if (n->pos_count_set && n->pos_count_plen == plen && now - n->pos_count_at < 60000) return n->pos_count;
    counter c = {{{0}}, plen, 0, n->cfg.pos_examined_max ? n->cfg.pos_examined_max : UINT64_MAX};
    ec_id hi;
    ec_pos_region_bounds(&n->addr, plen, &c.lo, &hi);
    if (ec_store_iterate(n->store, &c.lo, count_one, &c) != EC_OK) return 0;
    n->pos_count = c.n;
    n->pos_count_plen = plen;
    n->pos_count_at = now;
    n->pos_count_set = true;
    return c.n;
}

/* The chunk width we ask for (cfg.pos_bits; 0: from what the walk may
 * take): the widest, 4 to 10, whose walk of about 10 x 2^b tokens
 * covers at most half the region's (each way a quarter turn), or, with
 * the whole store walked, an eighth of the store, so it stays where a
 * neighbor's store and ours overlap (docs/LIFECYCLE.md). */
static unsigned pos_bits(ec_node *n, uint64_t now, unsigned plen, bool shared)
{
    if (n->cfg.pos_bits) return n->cfg.pos_bits;
    uint64_t room;
    if (n->cfg.pos_region && !shared) {
        room = region_tokens(n, now, plen) / 2;
    } else {
        ec_store_counts c;
        if (ec_store_counts_get(n->store, &c) != EC_OK) return EC_POS_BITS;
        room = c.tokens / 16;
    }
    unsigned b = EC_POS_BITS_MIN;
    while (b < EC_POS_BITS && 10ull << (b + 1) <= room) b++;
    return b;
}

ec_err node_pos_challenge(ec_node *n, uint64_t now, const ec_id *peer, const ec_id *token)
{
    if (ec_id_cmp(peer, &n->addr) == 0) return EC_ERR_ARG;
    /* A peer and a token in our region: a walk of the region, whose
     * tokens it must hold whatever its view (pos.h). Else (with
     * pos_shared_every) a token both should hold in our view: a shared
     * walk of the whole space over such tokens, each side in its view,
     * which reaches the part of its share outside the region. */
    unsigned plen = node_pos_region(n);
    bool shared = false;
    if (!ec_pos_in_region(&n->addr, peer, plen) || !ec_pos_in_region(&n->addr, token, plen)) {
        if (!n->cfg.pos_shared_every || !node_pos_shared(n, peer, token)) return EC_ERR_PREFIX;
        shared = true;
    }
    tables(n);
    pos_key k;
    k.peer = *peer;
    k.token = *token;
    if (g_hash_table_contains(n->pos_out, &k)) return EC_ERR_EXISTS;
    if (g_hash_table_size(n->pos_out) >= n->cfg.pos_outstanding_max) {
        n->stats.pos_outstanding_full++;
        return EC_ERR_RANGE;
    }
    pos_challenge *c = malloc(sizeof *c);
    if (c == NULL) return EC_ERR_NOMEM;
    c->k = k;
    c->sent_at = now;
    /* The usual request timeout (the peer's PTO, or resend_ms): the
     * answer's walk is a few milliseconds of the peer's time. */
    c->due = now + node_timeout(n, peer, 0);
    if (shared) plen = 0;
    c->bits = (uint8_t)pos_bits(n, now, plen, shared);
    c->plen = (uint8_t)plen;
    c->shared = shared;
    g_hash_table_insert(n->pos_out, &c->k, c);
    ec_msg m;
    memset(&m, 0, sizeof m);
    m.type = EC_MSG_GET_PROOF;
    m.u.get_proof.token = *token;
    m.u.get_proof.bits = c->bits;
    m.u.get_proof.plen = c->plen;
    m.u.get_proof.shared = c->shared;
    node_send(n, peer, &m);
    n->stats.pos_challenges++;
    if (c->due < n->next_due) n->next_due = c->due;
    return EC_OK;
}

/* Picking a token: the skip-th one from a random point on (wrapping once)
 * that is in our region (region walks) or, for a shared walk, one the
 * peer should hold too in our view, outside our region if the peer is in
 * it (its region walks reach the rest): a random one, not the first after
 * a gap in what we hold. A peer outside our region that shares tokens
 * with us only inside it is judged on those. */
typedef struct pick {
    ec_node *n;
    const ec_id *peer;
    unsigned plen;
    bool shared;
    uint64_t skip, seen, max;
    ec_id t;
    bool found;
    bool peer_in; /* the peer is in our region: its region walks cover the region's tokens */
} pick;

static bool pick_one(void *arg, const ec_id *t, const ec_head *h)
{
    (void)h;
    pick *p = arg;
    if (p->seen++ >= p->max) return false; /* a bound on the search */
    bool in = ec_pos_in_region(&p->n->addr, t, p->plen);
    if (!p->shared && !in) return false; /* past the region's end: wrap */
    if (p->shared && ((in && p->peer_in) || !node_pos_shared(p->n, p->peer, t))) return true;
    p->t = *t;
    p->found = true;
    return p->skip-- > 0;
}

/* One pick (pick_one) from a random point: in the whole space for a
 * shared walk, in our region for a region walk. */
static ec_err pick_token(ec_node *n, pick *p)
{
    ec_id from, lo, hi;
    ec_rng_bytes(n->rng, from.b, EC_ID_LEN);
    ec_pos_region_bounds(&n->addr, p->plen, &lo, &hi);
    if (!p->shared)
        for (unsigned b = 0; b < EC_ID_LEN; b++) from.b[b] = (uint8_t)(lo.b[b] | (from.b[b] & (lo.b[b] ^ hi.b[b])));
    ec_err err = ec_store_iterate(n->store, &from, pick_one, p);
    if (!err && p->skip != UINT64_MAX && p->seen < p->max)
        err = ec_store_iterate(n->store, p->shared ? NULL : &lo, pick_one, p); /* wrapped */
    if (err) n->stats.store_errors++;
    return err;
}

ec_err node_pos_challenge_any(ec_node *n, uint64_t now, const ec_id *peer)
{
    if (ec_id_cmp(peer, &n->addr) == 0) return EC_ERR_ARG;
    unsigned plen = node_pos_region(n), every = n->cfg.pos_shared_every;
    bool in = ec_pos_in_region(&n->addr, peer, plen);
    if (!in && !every) return EC_ERR_PREFIX;
    uint64_t max = n->cfg.pos_examined_max ? n->cfg.pos_examined_max : UINT64_MAX;
    pick p = {n, peer, plen, !in || (every && n->pos_seq % every == every - 1), ec_rng_below(n->rng, 64), 0, max,
              {{0}}, false, in};
    n->pos_seq++;
    ec_err err = pick_token(n, &p);
    if (!err && !p.found && p.shared && in) { /* nothing both hold outside the region: a region walk */
        pick q = {n, peer, plen, false, ec_rng_below(n->rng, 64), 0, max, {{0}}, false, in};
        p = q;
        err = pick_token(n, &p);
    }
    if (err) return err;
    if (!p.found) return EC_ERR_NOTFOUND;
    return node_pos_challenge(n, now, peer, &p.t);
}

/* The peer's record, made (the least recently updated one out when the
 * table is full) and moved to the end of the order; NULL out of memory. */
static pos_peer *record_of(ec_node *n, const ec_id *peer)
{
    pos_peer *p = g_hash_table_lookup(n->pos_peers, peer);
    if (p) {
        g_queue_unlink(n->pos_order, p->link);
        g_queue_push_tail_link(n->pos_order, p->link);
        return p;
    }
    if (g_hash_table_size(n->pos_peers) >= n->cfg.pos_peers_max) {
        pos_peer *old = g_queue_pop_head(n->pos_order);
        if (old) {
            g_hash_table_remove(n->pos_peers, &old->id); /* frees it */
            n->stats.pos_peers_evicted++;
        }
    }
    p = calloc(1, sizeof *p);
    if (p == NULL) return NULL;
    p->id = *peer;
    p->r.last_agree = -1;
    g_queue_push_tail(n->pos_order, p);
    p->link = g_queue_peek_tail_link(n->pos_order);
    g_hash_table_insert(n->pos_peers, &p->id, p);
    return p;
}

/* A challenge ended: the peer's record (unless our own store failed), the
 * counters and the event. agree: -1 when there was no answer to judge. */
static void ended(ec_node *n, uint64_t now, const pos_key *k, ec_node_pos_verdict v, int agree)
{
    if (v != EC_NODE_POS_ERROR) {
        pos_peer *p = record_of(n, &k->peer);
        if (p) {
            if (v == EC_NODE_POS_PASSED) p->r.passed++;
            else p->r.failed++;
            if (v == EC_NODE_POS_TIMED_OUT) p->r.timed_out++;
            p->r.last_agree = agree;
            p->r.last_verdict = (uint8_t)v;
            p->r.last_at = now;
        }
        if (v == EC_NODE_POS_PASSED) n->stats.pos_passed++;
        else n->stats.pos_failed++;
        if (v == EC_NODE_POS_TIMED_OUT) n->stats.pos_timed_out++;
    }
    node_pos_ended(n, now, &k->peer, (int)v);
    ec_node_event e;
    memset(&e, 0, sizeof e);
    e.type = EC_NODE_EV_POS_RESULT;
    e.from = k->peer;
    e.tx_id = k->token;
    e.mapping = agree;
    e.pos_verdict = (uint8_t)v;
    node_event_push(n, &e);
}

void node_pos_on_proof(ec_node *n, uint64_t now, const ec_id *from, const ec_msg *m)
{
    pos_key k;
    k.peer = *from;
    k.token = m->u.proof.token;
    pos_challenge *c = n->pos_out ? g_hash_table_lookup(n->pos_out, &k) : NULL;
    if (c == NULL) {
        n->stats.dropped_unexpected++; /* unasked, or a copy of one judged already */
        return;
    }
    uint8_t bits = c->bits, plen = c->plen;
    bool shared = c->shared;
    g_hash_table_remove(n->pos_out, &k); /* frees c */
    if (m->u.proof.status == 0) {
        ended(n, now, &k, EC_NODE_POS_CANNOT, -1);
        return;
    }
    ec_pos_answer a;
    a.bits = bits;
    a.plen = plen;
    a.token = m->u.proof.token;
    a.head = m->u.proof.head;
    memcpy(a.t, m->u.proof.t, sizeof a.t);
    memcpy(a.h, m->u.proof.h, sizeof a.h);
    ec_pos_check r;
    /* EC_ERR_RANGE: our own walk passed pos_examined_max; what it found
     * still counts (an answer agreeing with less of it fails the rule). */
    ec_err err = node_pos_check(n, &k.peer, &a, shared, &r);
    if (err != EC_OK && err != EC_ERR_RANGE) {
        n->stats.store_errors++;
        ended(n, now, &k, EC_NODE_POS_ERROR, -1);
        return;
    }
    bool ok = ec_pos_accept(&r, n->cfg.pos_min_agree);
    ended(n, now, &k, ok ? EC_NODE_POS_PASSED : EC_NODE_POS_REFUSED, (int)r.agree);
}

uint64_t node_pos_tick(ec_node *n, uint64_t now)
{
    uint64_t next = UINT64_MAX;
    if (n->pos_out == NULL) return next;
    GHashTableIter it;
    gpointer key, val;
    g_hash_table_iter_init(&it, n->pos_out);
    while (g_hash_table_iter_next(&it, &key, &val)) {
        pos_challenge *c = val;
        if (now < c->due) {
            if (c->due < next) next = c->due;
            continue;
        }
        pos_key k = c->k;
        g_hash_table_iter_remove(&it); /* frees c */
        ended(n, now, &k, EC_NODE_POS_TIMED_OUT, -1);
    }
    return next;
}

ec_err ec_node_pos_peer(const ec_node *n, const ec_id *peer, ec_node_pos_record *out)
{
    if (n == NULL || peer == NULL || out == NULL) return EC_ERR_ARG;
    const pos_peer *p = n->pos_peers ? g_hash_table_lookup(n->pos_peers, peer) : NULL;
    if (p == NULL) return EC_ERR_NOTFOUND;
    *out = p->r;
    return EC_OK;
}
