/* The peer lifecycle: elections, invitations, re-checks, trust, ejection
 * and swapping (core/life.h; docs/LIFECYCLE.md). Driven by the node's
 * tick (node_life_tick) and by the ends of its storage-proof challenges
 * (node_life_on_pos); no clock or randomness of its own. */
#include <stdlib.h>
#include <string.h>

#include "core/life.h"
#include "core/node_internal.h"
#include "ledger/idhash.h"

typedef struct life_peer {
    ec_life_record r;  /* r.peer is the table's key; first: nbr.c reads it (node_elected) */
    bool asking;       /* a challenge of the lifecycle's is out */
    uint64_t next_at;  /* PENDING: the next challenge; CONNECTED: the next re-check */
} life_peer;

const char *ec_life_state_name(int state)
{
    static const char *const names[] = {"?", "identified", "pending", "connected", "ejected"};
    return state > 0 && (unsigned)state < sizeof names / sizeof names[0] ? names[state] : "?";
}

/* 0: w, or 2w with life_votes (every candidate that can be judged: the
 * gate counts only elected co-voters; docs/LIFECYCLE.md, "Votes"). */
unsigned node_life_target(const ec_node *n)
{
    if (n->cfg.life_target) return n->cfg.life_target;
    return n->cfg.life_votes ? 2 * n->cfg.w : n->cfg.w;
}
static unsigned candidates(const ec_node *n)
{
    unsigned c = n->cfg.life_candidates ? n->cfg.life_candidates : 2 * n->cfg.w;
    return c > EC_PEERS_NEAREST_MAX ? EC_PEERS_NEAREST_MAX : c;
}

void node_life_free(ec_node *n)
{
    if (n->life) g_hash_table_destroy(n->life);
    n->life = NULL;
}

static void set_state(ec_node *n, uint64_t now, life_peer *p, ec_life_state s)
{
    if (p->r.state == s) return;
    p->r.state = (uint8_t)s;
    p->r.state_since = now;
    p->asking = false;
    ec_node_event e;
    memset(&e, 0, sizeof e);
    e.type = EC_NODE_EV_PEER_STATE;
    e.from = p->r.peer;
    e.mapping = -1;
    e.peer_state = (uint8_t)s;
    node_event_push(n, &e);
}

/* The record of peer, made IDENTIFIED if new and there is room (an
 * IDENTIFIED or EJECTED one makes room: the longest in its state goes,
 * counted; an ejected peer recorded again is ejected again, its
 * conviction being kept apart); NULL if none can be made. */
static life_peer *record(ec_node *n, uint64_t now, const ec_id *peer)
{
    if (n->life == NULL) n->life = g_hash_table_new_full(ec_idhash_hash, ec_idhash_equal, NULL, free);
    life_peer *p = g_hash_table_lookup(n->life, peer);
    if (p) return p;
    if (g_hash_table_size(n->life) >= n->cfg.life_peers_max) {
        life_peer *old = NULL;
        GHashTableIter it;
        gpointer k, v;
        g_hash_table_iter_init(&it, n->life);
        while (g_hash_table_iter_next(&it, &k, &v)) {
            life_peer *q = v;
            bool idle = q->r.state == EC_LIFE_IDENTIFIED || q->r.state == EC_LIFE_EJECTED;
            if (idle && (old == NULL || q->r.state_since < old->r.state_since)) old = q;
        }
        if (old == NULL) return NULL; /* all connected or being elected: kept */
        g_hash_table_remove(n->life, &old->r.peer);
        n->stats.life_evicted++;
    }
    p = calloc(1, sizeof *p);
    if (p == NULL) return NULL;
    p->r.peer = *peer;
    p->r.state = EC_LIFE_IDENTIFIED;
    p->r.phases = EC_LIFE_PHASE_IDENTITY;
    p->r.first_seen = p->r.state_since = now;
    g_hash_table_insert(n->life, &p->r.peer, p);
    return p;
}

static void elect(ec_node *n, uint64_t now, life_peer *p)
{
    p->r.elections++;
    p->r.election_passes = 0;
    p->r.timeouts_in_row = 0;
    p->next_at = now;
    n->stats.life_elections++;
    set_state(n, now, p, EC_LIFE_PENDING);
}

/* Back to IDENTIFIED, not elected again before now + wait. */
static void let_go(ec_node *n, uint64_t now, life_peer *p, uint64_t wait)
{
    p->r.retry_at = now + wait;
    p->r.election_passes = 0;
    p->r.timeouts_in_row = 0;
    p->r.connected_since = 0;
    p->r.phases &= (uint8_t)~EC_LIFE_PHASE_TRUSTED;
    set_state(n, now, p, EC_LIFE_IDENTIFIED);
}

bool node_life_on_pos(ec_node *n, uint64_t now, const ec_id *peer, int verdict)
{
    life_peer *p = n->life ? g_hash_table_lookup(n->life, peer) : NULL;
    if (p == NULL || !p->asking || verdict == EC_NODE_POS_ERROR) {
        if (p && verdict == EC_NODE_POS_ERROR) p->asking = false; /* our store: asked again later */
        return false;
    }
    p->asking = false;
    bool passed = verdict == EC_NODE_POS_PASSED;
    if (passed) {
        p->r.passed++;
        p->r.phases |= EC_LIFE_PHASE_SYNCHRONIZED;
    } else {
        p->r.failed++;
    }
    if (p->r.state == EC_LIFE_PENDING) {
        /* One unanswered challenge is asked again (a lost packet is not a
         * lost election); a second in a row loses it. */
        if (verdict == EC_NODE_POS_TIMED_OUT && p->r.timeouts_in_row++ == 0) {
            p->next_at = now + n->cfg.life_gap_ms;
            if (p->next_at < n->next_due) n->next_due = p->next_at;
            return false;
        }
        if (!passed) {
            n->stats.life_lost++;
            let_go(n, now, p, n->cfg.life_retry_ms);
            return false;
        }
        p->r.timeouts_in_row = 0;
        if (++p->r.election_passes < n->cfg.life_challenges) {
            p->next_at = now + n->cfg.life_gap_ms;
            if (p->next_at < n->next_due) n->next_due = p->next_at;
            return false;
        }
        if (p->r.elections_won++ == 0) p->r.first_connected = now;
        p->r.connected_since = now;
        p->r.timeouts_in_row = 0;
        p->r.election_passes = 0;
        p->next_at = now + n->cfg.life_recheck_ms;
        if (p->next_at < n->next_due) n->next_due = p->next_at;
        n->stats.life_elected++;
        set_state(n, now, p, EC_LIFE_CONNECTED);
        ec_msg m;
        memset(&m, 0, sizeof m);
        m.type = EC_MSG_INVITE;
        node_send(n, peer, &m);
        n->stats.life_invites_sent++;
        return true;
    }
    if (p->r.state != EC_LIFE_CONNECTED) return false;
    p->next_at = now + n->cfg.life_recheck_ms;
    if (p->next_at < n->next_due) n->next_due = p->next_at;
    if (passed) {
        p->r.timeouts_in_row = 0;
        p->r.election_passes++; /* passes since connected, toward trust */
        return false;
    }
    if (verdict == EC_NODE_POS_TIMED_OUT && ++p->r.timeouts_in_row < 2) return false;
    n->stats.life_dropped++;
    let_go(n, now, p, n->cfg.life_retry_ms);
    return false;
}

void node_life_on_invite(ec_node *n, uint64_t now, const ec_id *from)
{
    if (!n->cfg.life) {
        n->stats.dropped_unexpected++;
        return;
    }
    n->stats.life_invites_received++;
    /* Only a peer among our candidates: anyone else's invitation would
     * make us challenge whoever asks. */
    ec_id near[EC_PEERS_NEAREST_MAX];
    size_t cnt = ec_peers_nearest(n->peers, &n->addr, candidates(n), false, near);
    bool near_us = false;
    for (size_t i = 0; i < cnt && !near_us; i++) near_us = ec_id_cmp(&near[i], from) == 0;
    ec_life_counts c;
    ec_node_life_counts(n, &c);
    life_peer *p = near_us ? record(n, now, from) : NULL;
    if (p == NULL || p->r.state != EC_LIFE_IDENTIFIED || node_convicted(n, from) ||
        c.connected + c.pending >= node_life_target(n)) {
        /* not near, no room, already elected or electing, ejected, or our
         * neighborhood is full */
        n->stats.life_invites_ignored++;
        return;
    }
    p->r.invited++;
    p->r.retry_at = 0; /* a counter-election now, whatever the wait */
    elect(n, now, p);
    if (now < n->next_due) n->next_due = now;
}

/* The randomised swap interval: life_swap_ms x [0.5, 1.5). */
static uint64_t swap_wait(ec_node *n)
{
    uint64_t m = n->cfg.life_swap_ms;
    return m / 2 + ec_rng_below(n->rng, m ? m : 1);
}

/* Lets go of the longest-connected life_swap_count peers (at least one
 * kept connected). */
static void swap(ec_node *n, uint64_t now, unsigned connected)
{
    for (unsigned k = 0; k < n->cfg.life_swap_count && k + 1 < connected; k++) {
        life_peer *old = NULL;
        GHashTableIter it;
        gpointer key, v;
        g_hash_table_iter_init(&it, n->life);
        while (g_hash_table_iter_next(&it, &key, &v)) {
            life_peer *q = v;
            if (q->r.state == EC_LIFE_CONNECTED && (old == NULL || q->r.connected_since < old->r.connected_since)) old = q;
        }
        if (old == NULL) return;
        old->r.swapped_out++;
        n->stats.life_swaps++;
        let_go(n, now, old, n->cfg.life_swap_ms);
    }
}

uint64_t node_life_tick(ec_node *n, uint64_t now)
{
    if (!n->cfg.life) return UINT64_MAX;
    if (n->life_swap_at == 0 && n->cfg.life_swap_ms) n->life_swap_at = now + swap_wait(n);
    /* Candidates: our nearest, recorded; elections while fewer than the
     * target are connected or being elected. */
    if (now >= n->life_scan_at) {
        n->life_scan_at = now + n->cfg.life_scan_ms;
        ec_id near[EC_PEERS_NEAREST_MAX];
        size_t cnt = ec_peers_nearest(n->peers, &n->addr, candidates(n), false, near);
        for (size_t i = 0; i < cnt; i++) record(n, now, &near[i]);
    }
    if (n->life == NULL) return n->life_scan_at;
    ec_life_counts c;
    ec_node_life_counts(n, &c);
    unsigned busy = c.connected + c.pending;
    if (n->cfg.life_swap_ms && now >= n->life_swap_at) {
        n->life_swap_at = now + swap_wait(n);
        /* One stays: a neighborhood of one is not emptied by its swaps. */
        if (c.connected >= 2) swap(n, now, c.connected);
    }
    uint64_t next = n->life_scan_at < n->life_swap_at || !n->cfg.life_swap_ms ? n->life_scan_at : n->life_swap_at;
    GHashTableIter it;
    gpointer key, v;
    g_hash_table_iter_init(&it, n->life);
    while (g_hash_table_iter_next(&it, &key, &v)) {
        life_peer *p = v;
        if (p->r.state != EC_LIFE_EJECTED && node_convicted(n, &p->r.peer)) {
            /* Convicted: everything lost at once, never elected again. */
            p->r.phases = 0;
            p->r.connected_since = 0;
            n->stats.life_ejected++;
            set_state(n, now, p, EC_LIFE_EJECTED);
            continue;
        }
        switch (p->r.state) {
        case EC_LIFE_IDENTIFIED:
            if (busy < node_life_target(n) && now >= p->r.retry_at) {
                elect(n, now, p);
                busy++;
            } else {
                continue;
            }
            /* fall through: the first challenge now */
        case EC_LIFE_PENDING:
        case EC_LIFE_CONNECTED:
            if (p->r.state == EC_LIFE_CONNECTED && !(p->r.phases & EC_LIFE_PHASE_TRUSTED) &&
                now - p->r.connected_since >= n->cfg.life_trust_ms && p->r.election_passes >= n->cfg.life_challenges) {
                p->r.phases |= EC_LIFE_PHASE_TRUSTED;
                if (p->r.first_trusted == 0) p->r.first_trusted = now;
                n->stats.life_trusted++;
            }
            if (p->asking) continue; /* the challenge's own timeout ends it */
            if (now >= p->next_at) {
                ec_err err = node_pos_challenge_any(n, now, &p->r.peer);
                if (err == EC_OK) {
                    p->asking = true;
                    continue;
                }
                if (err == EC_ERR_RANGE || err == EC_ERR_EXISTS || err == EC_ERR_NOMEM) {
                    p->next_at = now + n->cfg.life_gap_ms; /* our side is busy: later */
                } else { /* nothing to challenge it on: it cannot be judged */
                    n->stats.life_unjudged++; /* neither lost nor dropped: counted apart */
                    let_go(n, now, p, n->cfg.life_retry_ms);
                    continue;
                }
            }
            if (p->next_at < next) next = p->next_at;
            break;
        default:
            break;
        }
    }
    return next;
}

ec_err ec_node_life_peer(const ec_node *n, const ec_id *peer, ec_life_record *out)
{
    if (n == NULL || peer == NULL || out == NULL) return EC_ERR_ARG;
    const life_peer *p = n->life ? g_hash_table_lookup(n->life, peer) : NULL;
    if (p == NULL) return EC_ERR_NOTFOUND;
    *out = p->r;
    return EC_OK;
}

void ec_node_life_counts(const ec_node *n, ec_life_counts *out)
{
    memset(out, 0, sizeof *out);
    if (n == NULL || n->life == NULL) return;
    GHashTableIter it;
    gpointer k, v;
    g_hash_table_iter_init(&it, n->life);
    while (g_hash_table_iter_next(&it, &k, &v)) {
        const life_peer *p = v;
        switch (p->r.state) {
        case EC_LIFE_IDENTIFIED: out->identified++; break;
        case EC_LIFE_PENDING: out->pending++; break;
        case EC_LIFE_CONNECTED: out->connected++; break;
        case EC_LIFE_EJECTED: out->ejected++; break;
        default: break;
        }
        if (p->r.phases & EC_LIFE_PHASE_TRUSTED) out->trusted++;
    }
}

void ec_node_life_each(const ec_node *n, ec_life_each_fn fn, void *arg)
{
    if (n == NULL || n->life == NULL || fn == NULL) return;
    GHashTableIter it;
    gpointer k, v;
    g_hash_table_iter_init(&it, n->life);
    while (g_hash_table_iter_next(&it, &k, &v)) fn(arg, &((const life_peer *)v)->r);
}
