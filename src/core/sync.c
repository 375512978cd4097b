/* Chain sync (docs/CHAIN.md, "Sync"; seed §7.4): a node learns what its
 * neighborhood committed by walking its neighbors' commit chains.
 *
 * A round follows the sync_sources peers nearest to us. For each source:
 *   TIP      ask for its chain's tip (GET_CHAIN from 0), with its key,
 *            which must be its identity's;
 *   HEADERS  the window above our locator for it (done_h+1 .. top, at most
 *            sync_window blocks): the top header's signature, then each
 *            header below by hash (prev links), down to the locator, whose
 *            hash must match (else its chain no longer holds what we took
 *            from it: counted as a fork, the locator dropped);
 *   BODIES   upward, each body checked against its header's root; every id
 *            we do not hold becomes an offer, marked with this source.
 * An offer that sync_agree sources' chains hold is fetched (GET_TX), its
 * signatures and ledger rules checked against our store for the tokens we
 * are responsible for, and adopted: the transaction, the heads, and our
 * own chain, in one store transaction. One whose history we lack waits
 * (gap) until an adoption may have filled it. An offer only one source
 * holds waits up to NODE_SYNC_OFFER_ROUNDS rounds for a second (the other
 * source may be behind, or was refused this round); then it is counted
 * (sync_unconfirmed) and dropped. The locators (done_h, hash) are kept in
 * the store ("sy" + source id); the next round starts sync_interval_ms
 * after one ends.
 *
 * Everything a source can make us keep is bounded: the window (root,
 * count and time per block), the offer table, the fetches in flight, the gaps. */
#include <stdlib.h>
#include <string.h>

#include "core/node_internal.h"
#include "ledger/idhash.h"

#define SYNC_TRIES 8 /* requests a source may leave unanswered in a row (20 % loss each way: 8 in a row once in ~3,500) */

_Static_assert(EC_MSG_HEADER_MAX == EC_BLOCK_HEADER_MAX, "wire and ledger header sizes");
_Static_assert(EC_MSG_BODY_MAX == EC_BLOCK_BODY_MAX, "wire and ledger body sizes");

static void round_start(ec_node *n, uint64_t now)
{
    ec_id near[NODE_SYNC_SOURCES_MAX];
    size_t k = ec_peers_nearest(n->peers, &n->addr, n->cfg.sync_sources, false, near);
    n->sync_nsrc = 0;
    n->sync_round = k > 0;
    for (size_t i = 0; i < k; i++) {
        sync_src *s = &n->sync_src[n->sync_nsrc++];
        node_sync_src_clear(s);
        memset(s, 0, sizeof *s);
        s->id = near[i];
        if (n->cfg.sync_polling) { /* the baseline: no chains, every head, every round */
            s->phase = SRC_RANGE;
            node_sync_ask_range(n, now, s);
            continue;
        }
        node_sync_locator_load(n, s);
        s->phase = SRC_TIP;
        node_sync_ask_chain(n, now, s, 0);
    }
    if (!n->sync_round) n->sync_due = now + n->cfg.sync_interval_ms;
}

ec_err ec_node_sync_start(ec_node *n, uint64_t now)
{
    if (n == NULL) return EC_ERR_ARG;
    if (ec_peers_count(n->peers) == 0) return EC_ERR_ARG;
    n->sync_on = true;
    if (n->sync_offers == NULL)
        n->sync_offers = g_hash_table_new_full(ec_idhash_hash, ec_idhash_equal, NULL, free);
    if (!n->sync_round) round_start(n, now);
    if (n->sync_due > now + n->cfg.sync_interval_ms) n->sync_due = now + n->cfg.sync_interval_ms;
    if (n->sync_due < n->next_due) n->next_due = n->sync_due;
    return EC_OK;
}

/* May the next round start now instead of at the interval's end? At most
 * four times an interval: a peer cannot make us run rounds back to back. */
static bool may_start_early(const ec_node *n, uint64_t now)
{
    return n->sync_on && !n->sync_round && now < n->sync_due && now >= n->sync_ended + n->cfg.sync_interval_ms / 4;
}

static void start_early(ec_node *n, uint64_t now)
{
    n->sync_due = now;
    node_sync_arm(n, now);
}

/* A mapping answer named the answerer's chain tip: if it is one of our
 * sources and its chain has grown past our locator for it, the next round
 * starts now (may_start_early). */
void node_sync_heard_tip(ec_node *n, uint64_t now, const ec_id *from, uint64_t height)
{
    if (height == 0 || !may_start_early(n, now)) return;
    ec_id near[NODE_SYNC_SOURCES_MAX];
    size_t k = ec_peers_nearest(n->peers, &n->addr, n->cfg.sync_sources, false, near);
    bool source = false;
    for (size_t i = 0; i < k; i++) source |= ec_id_cmp(&near[i], from) == 0;
    if (!source) return;
    sync_src s;
    memset(&s, 0, sizeof s);
    s.id = *from;
    node_sync_locator_load(n, &s);
    if (height <= s.done_h) return;
    n->stats.sync_nudged++;
    start_early(n, now);
}

void node_sync_on_elected(ec_node *n, uint64_t now)
{
    if (!may_start_early(n, now)) return;
    n->stats.sync_elected++;
    start_early(n, now);
}

bool ec_node_syncing(const ec_node *n)
{
    return n->sync_round;
}

/* ---- headers and bodies ---- */

/* Headers from one CHAIN answer, heights descending: the window's top by
 * signature, each lower one by the hash its upper neighbor names. */
static void take_headers(ec_node *n, uint64_t now, sync_src *s, unsigned si, const ec_msg *m)
{
    for (unsigned i = 0; i < m->u.chain.n; i++) {
        ec_block_header h;
        if (ec_block_header_decode(&h, m->u.chain.hdr[i], m->u.chain.len[i]) != EC_OK) {
            n->stats.sync_faults++;
            node_sync_src_drop(n, s, EC_SYNC_REPORT_FAULT, "a header that does not decode");
            return;
        }
        if (h.height > s->top) continue; /* above this round's window */
        if (h.height != s->down - 1) break; /* not the one we wait for: ask again below */
        ec_id hash;
        ec_block_hash(&h, &hash);
        if (s->down == s->top + 1) {
            if (ec_block_check_sig(&h, &s->key) != EC_BLOCK_OK) {
                n->stats.sync_faults++;
                node_sync_src_drop(n, s, EC_SYNC_REPORT_FAULT, "a header its key did not sign");
                return;
            }
            s->top_hash = hash;
            s->top_hdr = h;
        } else if (ec_id_cmp(&hash, &s->expect) != 0) {
            /* Signed by it: its chain changed between two of our requests
             * (a node that lost its store signs a new one): suspicion, and
             * walked afresh next time. Not signed by it: a forgery. */
            if (ec_block_check_sig(&h, &s->key) == EC_BLOCK_OK) {
                node_sync_locator_reset(n, s);
                node_sync_src_drop(n, s, 0, "its chain changed while we walked it");
                return;
            }
            n->stats.sync_faults++;
            node_sync_src_drop(n, s, EC_SYNC_REPORT_FAULT, "a header that is not its successor's parent");
            return;
        }
        n->stats.sync_headers++;
        s->roots[h.height - s->done_h - 1] = h.root;
        s->counts[h.height - s->done_h - 1] = h.count;
        s->times[h.height - s->done_h - 1] = h.timestamp_ms;
        if (s->top - h.height < NODE_SYNC_HDRS_KEPT) s->hdrs[s->top - h.height] = h;
        s->expect = h.prev;
        s->down = h.height;
        if (s->down == s->done_h + 1) {
            if (ec_id_cmp(&s->expect, &s->done_hash) != 0) {
                /* Its chain no longer holds the block we stopped at: its
                 * block at that height now, signed, against the one we
                 * kept, is the evidence. */
                node_log(n, 1, "sync: a source's chain no longer holds our locator (height %llu)",
                         (unsigned long long)s->done_h);
                if (s->has_done_hdr && s->done_h > 0) {
                    s->phase = SRC_EVIDENCE;
                    s->tries = 0;
                    node_sync_ask_chain(n, now, s, s->done_h);
                    return;
                }
                node_sync_locator_reset(n, s);
                node_sync_src_finished(n, now, s);
                return;
            }
            s->phase = SRC_BODIES;
            s->body = s->done_h + 1;
            s->tries = 0;
            node_sync_ask_body(n, now, s);
            return;
        }
    }
    (void)si;
    s->tries = 0;
    node_sync_ask_chain(n, now, s, s->down - 1);
}

bool node_sync_on_chain(ec_node *n, uint64_t now, const ec_id *from, const ec_msg *m, ec_chain_evidence *fork)
{
    bool found = false;
    int si = node_sync_src_index(n, from);
    sync_src *s = si >= 0 ? &n->sync_src[si] : NULL;
    if (s == NULL || (s->phase != SRC_TIP && s->phase != SRC_HEADERS && s->phase != SRC_EVIDENCE &&
                      s->phase != SRC_RECHECK)) {
        n->stats.dropped_unexpected++;
        return false;
    }
    if (s->phase == SRC_RECHECK) {
        /* Its header at the body's height, again: the same block (the
         * root we hold) and signed means the body was forged; another one
         * it signed, or none, means its chain changed under us. */
        bool same = false, changed = m->u.chain.n == 0;
        for (unsigned i = 0; i < m->u.chain.n; i++) {
            ec_block_header h;
            if (ec_block_header_decode(&h, m->u.chain.hdr[i], m->u.chain.len[i]) != EC_OK || h.height != s->body ||
                ec_block_check_sig(&h, &s->key) != EC_BLOCK_OK)
                continue;
            same = ec_id_cmp(&h.root, &s->roots[s->body - s->done_h - 1]) == 0;
            changed = !same;
        }
        if (changed) {
            node_sync_locator_reset(n, s);
            node_sync_src_drop(n, s, 0, "its chain changed while we walked it");
        } else {
            if (!same) n->stats.dropped_unexpected++;
            n->stats.sync_faults++;
            node_sync_src_drop(n, s, EC_SYNC_REPORT_FAULT, "a body that is not its header's");
        }
        return false;
    }
    if (s->phase == SRC_EVIDENCE) {
        for (unsigned i = 0; i < m->u.chain.n; i++) {
            ec_block_header h;
            if (ec_block_header_decode(&h, m->u.chain.hdr[i], m->u.chain.len[i]) != EC_OK || h.height != s->done_h)
                continue;
            if (ec_block_check_sig(&h, &s->key) == EC_BLOCK_OK && ec_block_equivocation(&s->done_hdr, &h)) {
                node_sync_evidence_keep(n, &s->id, &s->done_hdr, &h);
                /* For node.c to pass on to convict.c (a module above). */
                fork->signer = s->id;
                fork->key = s->key;
                fork->a = s->done_hdr;
                fork->b = h;
                found = true;
            }
            break;
        }
        node_sync_locator_reset(n, s);
        node_sync_src_finished(n, now, s);
        return found;
    }
    if (s->phase == SRC_TIP) {
        ec_node_id_answer a = node_identity(n, now, from, from, &m->u.chain.key);
        if (a == EC_NODE_ID_NO) {
            node_sync_src_drop(n, s, EC_SYNC_REPORT_FAULT, "a key that is not its identity's");
            return false;
        }
        if (a != EC_NODE_ID_YES) return false; /* its record is being fetched: asked again at the timeout */
        s->key = m->u.chain.key;
        uint64_t tip = m->u.chain.tip;
        if (tip < s->done_h) node_sync_locator_reset(n, s); /* shorter than what we took from it */
        /* The window's time span starts at the locator's block (for the
         * missing-commit report; unknown without its header). */
        s->lo_ts = s->done_h == 0 ? 0 : s->has_done_hdr ? s->done_hdr.timestamp_ms : UINT64_MAX;
        if (tip == s->done_h) {
            node_sync_src_finished(n, now, s);
            return false;
        }
        s->top = tip - s->done_h > n->cfg.sync_window ? s->done_h + n->cfg.sync_window : tip;
        size_t w = (size_t)(s->top - s->done_h);
        s->roots = calloc(w, sizeof *s->roots);
        s->counts = calloc(w, 1);
        s->times = calloc(w, sizeof *s->times);
        s->hdrs = calloc(w < NODE_SYNC_HDRS_KEPT ? w : NODE_SYNC_HDRS_KEPT, sizeof *s->hdrs);
        if (s->roots == NULL || s->counts == NULL || s->times == NULL || s->hdrs == NULL) {
            node_sync_src_drop(n, s, 0, "out of memory");
            return false;
        }
        s->down = s->top + 1;
        s->phase = SRC_HEADERS;
    }
    take_headers(n, now, s, (unsigned)si, m);
    return false;
}

bool node_sync_on_body(ec_node *n, uint64_t now, const ec_id *from, const ec_msg *m, ec_block_header *hdr,
                       ec_block_body *body)
{
    int si = node_sync_src_index(n, from);
    sync_src *s = si >= 0 ? &n->sync_src[si] : NULL;
    if (s == NULL || s->phase != SRC_BODIES || m->u.body.height != s->body) {
        n->stats.dropped_unexpected++;
        return false;
    }
    ec_block_body b;
    ec_block_header h;
    memset(&h, 0, sizeof h);
    h.root = s->roots[s->body - s->done_h - 1];
    h.count = s->counts[s->body - s->done_h - 1];
    if (m->u.body.len == 0) {
        /* It no longer has a block it signed a header for (a node that lost
         * its store and started over): suspicion, not proof; walked from
         * the start next time. */
        node_sync_locator_reset(n, s);
        node_sync_src_drop(n, s, 0, "a block it no longer has");
        return false;
    }
    if (ec_block_body_decode(&b, m->u.body.bytes, m->u.body.len) != EC_OK || ec_block_check_body(&h, &b) != EC_BLOCK_OK) {
        s->phase = SRC_RECHECK; /* forged, or its chain changed: its header there says which */
        s->tries = 0;
        node_sync_ask_chain(n, now, s, s->body);
        return false;
    }
    n->stats.sync_bodies++;
    /* A block whose signed header we kept: for node.c to pass on to
     * minefield.c (claims that name it are checked against it). */
    bool kept = s->top - s->body < NODE_SYNC_HDRS_KEPT && s->hdrs[s->top - s->body].height == s->body;
    if (kept) {
        *hdr = s->hdrs[s->top - s->body];
        *body = b;
    }
    for (unsigned i = 0; i < b.count; i++) {
        if (!(m->u.body.near >> i & 1)) { /* no token of it near us, says the source */
            n->stats.sync_skipped++;
            continue;
        }
        if (!ec_store_has_tx(n->store, &b.ids[i]) || node_sync_behind(n, &b.ids[i])) node_sync_offer(n, now, &b.ids[i], (unsigned)si, s->times[s->body - s->done_h - 1]);
    }
    s->tries = 0;
    if (s->body == s->top) {
        s->walked = true;
        s->hi_ts = s->top_hdr.timestamp_ms;
        s->done_h = s->top;
        s->done_hash = s->top_hash;
        s->done_hdr = s->top_hdr;
        s->has_done_hdr = true;
        node_sync_locator_save(n, s);
        node_sync_src_finished(n, now, s);
        return kept;
    }
    s->body++;
    node_sync_ask_body(n, now, s);
    return kept;
}

/* ---- polling (the baseline) ---- */

/* id + 1, false when it wraps (the last id was the largest). */
static bool id_next(ec_id *id)
{
    for (int i = EC_ID_LEN - 1; i >= 0; i--)
        if (++id->b[i] != 0) return true;
    return false;
}

/* A page of a source's heads: every token of ours whose head differs
 * from ours is caught up (the catch-up's own agreement rule); a full
 * catch-up table pauses the source at that token. */
void node_sync_on_range(ec_node *n, uint64_t now, const ec_id *from, const ec_msg *m)
{
    int si = node_sync_src_index(n, from);
    sync_src *s = si >= 0 ? &n->sync_src[si] : NULL;
    if (s == NULL || s->phase != SRC_RANGE || s->paused) {
        n->stats.dropped_unexpected++;
        return;
    }
    if (m->u.range.n > 0 && ec_id_cmp(&m->u.range.token[0], &s->cursor) < 0) {
        n->stats.dropped_unexpected++; /* an answer to a question asked again: stale */
        return;
    }
    n->stats.sync_ranges++;
    s->tries = 0;
    for (unsigned i = 0; i < m->u.range.n; i++) {
        const ec_id *t = &m->u.range.token[i];
        if (!ec_node_responsible(n, t)) continue;
        ec_head h;
        ec_err e = ec_store_get_head(n->store, t, &h);
        if (e == EC_OK && ec_id_cmp(&h.tx_id, &m->u.range.head[i]) == 0) continue;
        if (node_catchup_start(n, now, t) == EC_ERR_RANGE) {
            s->cursor = *t; /* full: this token again once there is room */
            s->paused = true;
            node_sync_arm(n, now + node_timeout(n, NULL, 0));
            return;
        }
        n->stats.sync_polled_behind++;
    }
    if (m->u.range.n < EC_MSG_RANGE_MAX) {
        node_sync_src_finished(n, now, s);
        return;
    }
    s->cursor = m->u.range.token[m->u.range.n - 1];
    if (!id_next(&s->cursor)) {
        node_sync_src_finished(n, now, s);
        return;
    }
    node_sync_ask_range(n, now, s);
}

/* ---- timers ---- */

static void round_end(ec_node *n, uint64_t now)
{
    /* Offers one chain holds wait a few rounds for a second; then they are
     * counted (a commit one source has and the others do not) and dropped.
     * Fetches end with the round; gaps wait up to NODE_SYNC_OFFER_ROUNDS
     * rounds for their history (a catch-up may bring it between rounds;
     * the locators have moved past them, so no later round offers them). */
    GHashTableIter it;
    gpointer k, v;
    g_hash_table_iter_init(&it, n->sync_offers);
    while (g_hash_table_iter_next(&it, &k, &v)) {
        sync_offer *o = v;
        if (o->state != OFFER_SEEN || node_sync_agreed(n, o)) {
            g_hash_table_iter_remove(&it);
        } else if (n->stats.sync_rounds + 1 - o->born >= NODE_SYNC_OFFER_ROUNDS) {
            n->stats.sync_unconfirmed++;
            g_hash_table_iter_remove(&it);
        }
    }
    n->sync_fetching = 0;
    node_sync_gaps_age(n, now);
    for (unsigned i = 0; i < n->sync_nsrc; i++) node_sync_src_clear(&n->sync_src[i]);
    n->sync_round = false;
    n->sync_ended = now;
    n->stats.sync_rounds++;
    n->sync_due = now + n->cfg.sync_interval_ms;
}

uint64_t node_sync_tick(ec_node *n, uint64_t now)
{
    if (!n->sync_on) return UINT64_MAX;
    if (!n->sync_round) {
        if (now >= n->sync_due) round_start(n, now);
        if (!n->sync_round) return n->sync_due;
    }
    node_sync_adopt_local(n, now);
    uint64_t next = UINT64_MAX;
    bool busy = false;
    for (unsigned i = 0; i < n->sync_nsrc; i++) {
        sync_src *s = &n->sync_src[i];
        if (s->phase == SRC_DONE || s->phase == SRC_OFF) continue;
        busy = true;
        if (s->paused) { /* polling: go on once catch-ups have room */
            if (g_hash_table_size(n->catchup) < n->cfg.catchups_max) node_sync_ask_range(n, now, s);
            else {
                uint64_t due = now + node_timeout(n, NULL, 0);
                if (due < next) next = due;
                continue;
            }
        }
        uint64_t due = s->asked_at + node_timeout(n, &s->id, s->tries);
        if (now >= due) {
            if (++s->tries >= SYNC_TRIES) {
                node_sync_src_drop(n, s, EC_SYNC_REPORT_STALLED, "no answer");
                continue;
            }
            if (s->phase == SRC_TIP) node_sync_ask_chain(n, now, s, 0);
            else if (s->phase == SRC_HEADERS) node_sync_ask_chain(n, now, s, s->down - 1);
            else if (s->phase == SRC_EVIDENCE) node_sync_ask_chain(n, now, s, s->done_h);
            else if (s->phase == SRC_RECHECK) node_sync_ask_chain(n, now, s, s->body);
            else if (s->phase == SRC_RANGE) node_sync_ask_range(n, now, s);
            else node_sync_ask_body(n, now, s);
            due = now + node_timeout(n, &s->id, s->tries);
        }
        if (due < next) next = due;
    }
    bool sources_busy = busy; /* a source still walking: its chain may confirm an offer yet */
    /* Fetches: re-asked at their timeout (another source), dropped after
     * SYNC_TRIES; agreed offers waiting for a slot get one. */
    GHashTableIter it;
    gpointer k, v;
    g_hash_table_iter_init(&it, n->sync_offers);
    while (g_hash_table_iter_next(&it, &k, &v)) {
        sync_offer *o = v;
        if (o->state == OFFER_FETCHING) {
            busy = true;
            uint64_t due = o->asked_at + node_timeout(n, NULL, o->tries);
            if (now >= due) {
                if (++o->tries >= SYNC_TRIES) {
                    n->sync_fetching--;
                    g_hash_table_iter_remove(&it);
                    continue;
                }
                node_sync_fetch(n, now, o);
                due = now + node_timeout(n, NULL, o->tries);
            }
            if (due < next) next = due;
        } else if (o->state == OFFER_SEEN && node_sync_agreed(n, o) && n->sync_fetching < n->cfg.sync_fetch_max &&
                   node_sync_holder(n, o, 0) >= 0) {
            busy = true;
            node_sync_fetch(n, now, o);
            uint64_t due = now + node_timeout(n, NULL, 0);
            if (due < next) next = due;
        } else if (n->cfg.sync_check_single && o->state == OFFER_SEEN && !node_sync_agreed(n, o) && !sources_busy &&
                   n->stats.sync_rounds >= o->born + NODE_SYNC_SINGLE_ROUNDS &&
                   n->sync_fetching < n->cfg.sync_fetch_max && node_sync_holder(n, o, 0) >= 0) {
            /* One chain's word for two rounds: fetched, and its tokens
             * that are ours checked with their neighborhoods. */
            busy = true;
            o->single = true;
            node_sync_fetch(n, now, o);
            uint64_t due = now + node_timeout(n, NULL, 0);
            if (due < next) next = due;
        }
    }
    if (!busy) {
        round_end(n, now);
        return n->sync_due;
    }
    return next;
}

void node_sync_free(ec_node *n)
{
    for (unsigned i = 0; i < NODE_SYNC_SOURCES_MAX; i++) node_sync_src_clear(&n->sync_src[i]);
    if (n->sync_offers) g_hash_table_destroy(n->sync_offers);
    free(n->sync_gaps);
}

