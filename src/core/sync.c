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
 * Everything a source can make us keep is bounded: the window (roots and
 * counts per block), the offer table, the fetches in flight, the gaps. */
#include <stdlib.h>
#include <string.h>

#include "core/node_internal.h"
#include "crypto/blake3.h"
#include "ledger/idhash.h"
#include "ledger/validate.h"

#define SYNC_TRIES 8 /* requests a source may leave unanswered in a row (20 % loss each way: 8 in a row once in ~3,500) */
#define GAPS_MAX 256

_Static_assert(EC_MSG_HEADER_MAX == EC_BLOCK_HEADER_MAX, "wire and ledger header sizes");
_Static_assert(EC_MSG_BODY_MAX == EC_BLOCK_BODY_MAX, "wire and ledger body sizes");

typedef struct gap {
    ec_id id;
    uint16_t len;
    uint8_t bytes[EC_TX_MAX_LEN];
} gap;

static void locator_key(uint8_t k[2 + EC_ID_LEN], const ec_id *src)
{
    k[0] = 's';
    k[1] = 'y';
    memcpy(k + 2, src->b, EC_ID_LEN);
}

/* The locator: height u64, hash 32, then the header at that height as
 * the source signed it (the evidence should its chain fork there). */
#define LOC_MIN (8 + EC_ID_LEN)
static void locator_load(ec_node *n, sync_src *s)
{
    uint8_t k[2 + EC_ID_LEN], v[LOC_MIN + EC_BLOCK_HEADER_MAX];
    size_t len = 0;
    locator_key(k, &s->id);
    s->done_h = 0;
    memset(&s->done_hash, 0, sizeof s->done_hash);
    s->has_done_hdr = false;
    if (ec_store_get_rec(n->store, k, sizeof k, v, sizeof v, &len) != EC_OK || len < LOC_MIN) return;
    for (int i = 7; i >= 0; i--) s->done_h = s->done_h << 8 | v[i];
    memcpy(s->done_hash.b, v + 8, EC_ID_LEN);
    s->has_done_hdr = len > LOC_MIN && ec_block_header_decode(&s->done_hdr, v + LOC_MIN, len - LOC_MIN) == EC_OK;
}

static void locator_save(ec_node *n, const sync_src *s)
{
    uint8_t k[2 + EC_ID_LEN], v[LOC_MIN + EC_BLOCK_HEADER_MAX];
    size_t hl = 0;
    locator_key(k, &s->id);
    for (int i = 0; i < 8; i++) v[i] = (uint8_t)(s->done_h >> (8 * i));
    memcpy(v + 8, s->done_hash.b, EC_ID_LEN);
    if (s->has_done_hdr && ec_block_header_encode(&s->done_hdr, v + LOC_MIN, EC_BLOCK_HEADER_MAX, &hl) != EC_OK) hl = 0;
    ec_err err = node_write_begin(n, n->store);
    if (!err) err = ec_store_put_rec(n->store, k, sizeof k, v, LOC_MIN + hl);
    node_write_end(n, n->store, err, NULL);
}

static void evidence_key(uint8_t k[2 + EC_ID_LEN + 8], const ec_id *src, uint64_t height)
{
    k[0] = 'e';
    k[1] = 'v';
    memcpy(k + 2, src->b, EC_ID_LEN);
    for (int i = 0; i < 8; i++) k[2 + EC_ID_LEN + i] = (uint8_t)(height >> (56 - 8 * i));
}

/* Two headers one key signed at one height: kept, both, as they came. */
static void evidence_keep(ec_node *n, const ec_id *src, const ec_block_header *a, const ec_block_header *b)
{
    uint8_t k[2 + EC_ID_LEN + 8], v[2 * (2 + EC_BLOCK_HEADER_MAX)];
    size_t la, lb;
    if (ec_block_header_encode(a, v + 2, EC_BLOCK_HEADER_MAX, &la) != EC_OK ||
        ec_block_header_encode(b, v + 4 + la, EC_BLOCK_HEADER_MAX, &lb) != EC_OK)
        return;
    v[0] = (uint8_t)la;
    v[1] = (uint8_t)(la >> 8);
    v[2 + la] = (uint8_t)lb;
    v[3 + la] = (uint8_t)(lb >> 8);
    evidence_key(k, src, a->height);
    ec_err err = node_write_begin(n, n->store);
    if (!err) err = ec_store_put_rec(n->store, k, sizeof k, v, 4 + la + lb);
    if (node_write_end(n, n->store, err, NULL) == EC_OK) n->stats.sync_equivocations++;
    node_log(n, 0, "sync: a source signed two blocks at height %llu (evidence kept)", (unsigned long long)a->height);
}

ec_err ec_node_sync_evidence(const ec_node *n, const ec_id *src, uint64_t height, ec_block_header *a,
                             ec_block_header *b)
{
    uint8_t k[2 + EC_ID_LEN + 8], v[2 * (2 + EC_BLOCK_HEADER_MAX)];
    size_t len = 0;
    evidence_key(k, src, height);
    ec_err err = ec_store_get_rec(n->store, k, sizeof k, v, sizeof v, &len);
    if (err) return err == EC_ERR_RANGE ? EC_ERR_CORRUPT : err;
    size_t la = len >= 2 ? (size_t)(v[0] | v[1] << 8) : len;
    if (la + 4 > len) return EC_ERR_CORRUPT;
    size_t lb = (size_t)(v[2 + la] | v[3 + la] << 8);
    if (4 + la + lb != len || ec_block_header_decode(a, v + 2, la) != EC_OK ||
        ec_block_header_decode(b, v + 4 + la, lb) != EC_OK)
        return EC_ERR_CORRUPT;
    return EC_OK;
}

/* The locator forgotten: the source is walked from its start next round. */
static void locator_reset(ec_node *n, sync_src *s)
{
    n->stats.sync_forks++;
    s->done_h = 0;
    memset(&s->done_hash, 0, sizeof s->done_hash);
    s->has_done_hdr = false;
    locator_save(n, s);
}

static void src_clear(sync_src *s)
{
    free(s->roots);
    free(s->counts);
    s->roots = NULL;
    s->counts = NULL;
}

static void src_done(sync_src *s)
{
    src_clear(s);
    s->phase = SRC_DONE;
    s->asked_at = 0;
}

/* A source finished: the next tick may end the round. */
static void src_finished(ec_node *n, uint64_t now, sync_src *s)
{
    src_done(s);
    if (now < n->next_due) n->next_due = now;
}

static void src_drop(ec_node *n, sync_src *s, const char *why)
{
    n->stats.sync_sources_dropped++;
    node_log(n, 1, "sync: source dropped: %s", why);
    src_done(s);
    n->next_due = 0; /* the next tick may end the round */
}

/* The node's timer no later than `at` (the tick notices timeouts and the
 * round's end). */
static void arm(ec_node *n, uint64_t at)
{
    if (at < n->next_due) n->next_due = at;
}

static void ask(ec_node *n, uint64_t now, sync_src *s, const ec_msg *m)
{
    s->asked_at = now;
    node_send(n, &s->id, m);
    arm(n, now + node_timeout(n, &s->id, s->tries));
}

static void ask_chain(ec_node *n, uint64_t now, sync_src *s, uint64_t height)
{
    ec_msg m;
    memset(&m, 0, sizeof m);
    m.type = EC_MSG_GET_CHAIN;
    m.u.get_chain.height = height;
    m.u.get_chain.count = EC_MSG_CHAIN_HEADERS;
    ask(n, now, s, &m);
}

static void ask_range(ec_node *n, uint64_t now, sync_src *s)
{
    ec_msg m;
    memset(&m, 0, sizeof m);
    m.type = EC_MSG_GET_RANGE;
    m.u.get_range.from = s->cursor;
    m.u.get_range.count = EC_MSG_RANGE_MAX;
    s->paused = false;
    ask(n, now, s, &m);
}

/* The shortest shared prefix a token of ours can have with us: every
 * bucket below it holds w peers, each nearer than us to any token that
 * leaves our prefix there (a view only ever misses peers, so this never
 * rules out a token that is truly ours). */
static unsigned near_bits(const ec_node *n)
{
    for (unsigned j = 0; j < EC_ID_BITS; j++) {
        const ec_id *ids;
        if (ec_peers_bucket(n->peers, j, &ids) < n->cfg.w) return j;
    }
    return EC_ID_BITS - 1;
}

static void ask_body(ec_node *n, uint64_t now, sync_src *s)
{
    ec_msg m;
    memset(&m, 0, sizeof m);
    m.type = EC_MSG_GET_BODY;
    m.u.get_body.height = s->body;
    m.u.get_body.near_bits = (uint8_t)near_bits(n);
    ask(n, now, s, &m);
}

static int src_index(const ec_node *n, const ec_id *from)
{
    for (unsigned i = 0; i < n->sync_nsrc; i++)
        if (ec_id_cmp(&n->sync_src[i].id, from) == 0) return (int)i;
    return -1;
}

static void round_start(ec_node *n, uint64_t now)
{
    ec_id near[NODE_SYNC_SOURCES_MAX];
    size_t k = ec_peers_nearest(n->peers, &n->addr, n->cfg.sync_sources, false, near);
    n->sync_nsrc = 0;
    n->sync_round = k > 0;
    for (size_t i = 0; i < k; i++) {
        sync_src *s = &n->sync_src[n->sync_nsrc++];
        src_clear(s);
        memset(s, 0, sizeof *s);
        s->id = near[i];
        if (n->cfg.sync_polling) { /* the baseline: no chains, every head, every round */
            s->phase = SRC_RANGE;
            ask_range(n, now, s);
            continue;
        }
        locator_load(n, s);
        s->phase = SRC_TIP;
        ask_chain(n, now, s, 0);
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

/* A mapping answer named the answerer's chain tip: if it is one of our
 * sources and its chain has grown past our locator for it, the next round
 * starts now instead of at the interval's end (at most four times an
 * interval: a peer cannot make us run rounds back to back). */
void node_sync_heard_tip(ec_node *n, uint64_t now, const ec_id *from, uint64_t height)
{
    if (!n->sync_on || n->sync_round || height == 0 || now >= n->sync_due) return;
    if (now < n->sync_ended + n->cfg.sync_interval_ms / 4) return;
    ec_id near[NODE_SYNC_SOURCES_MAX];
    size_t k = ec_peers_nearest(n->peers, &n->addr, n->cfg.sync_sources, false, near);
    bool source = false;
    for (size_t i = 0; i < k; i++) source |= ec_id_cmp(&near[i], from) == 0;
    if (!source) return;
    sync_src s;
    memset(&s, 0, sizeof s);
    s.id = *from;
    locator_load(n, &s);
    if (height <= s.done_h) return;
    n->stats.sync_nudged++;
    n->sync_due = now;
    arm(n, now);
}

bool ec_node_syncing(const ec_node *n)
{
    return n->sync_round;
}

/* ---- offers: ids some chains hold, fetched once enough agree ---- */

static uint64_t prefix(const ec_id *id)
{
    uint64_t p = 0;
    for (int i = 0; i < 8; i++) p = p << 8 | id->b[i];
    return p;
}

/* The current round's index of a source that holds o (the tries-th of
 * those in the round), or -1 if none of them is in this round. */
static int holder(const ec_node *n, const sync_offer *o, unsigned nth)
{
    int found[NODE_SYNC_SOURCES_MAX];
    unsigned k = 0;
    for (unsigned i = 0; i < n->sync_nsrc; i++)
        for (unsigned j = 0; j < o->nsrc; j++)
            if (prefix(&n->sync_src[i].id) == o->src[j]) found[k++] = (int)i;
    return k ? found[nth % k] : -1;
}

static void fetch(ec_node *n, uint64_t now, sync_offer *o)
{
    int pick = holder(n, o, o->tries); /* a different one at each try */
    if (pick < 0) return;
    ec_msg m;
    memset(&m, 0, sizeof m);
    m.type = EC_MSG_GET_TX;
    m.u.get_tx.tx_id = o->id;
    if (o->state != OFFER_FETCHING) n->sync_fetching++;
    o->state = OFFER_FETCHING;
    o->asked_at = now;
    node_send(n, &n->sync_src[pick].id, &m);
    arm(n, now + node_timeout(n, NULL, o->tries));
}

static bool agreed(const ec_node *n, const sync_offer *o)
{
    return o->nsrc >= n->cfg.sync_agree;
}

static void offer(ec_node *n, uint64_t now, const ec_id *id, unsigned src)
{
    sync_offer *o = g_hash_table_lookup(n->sync_offers, id);
    if (o == NULL) {
        if (g_hash_table_size(n->sync_offers) >= n->cfg.sync_offers_max) {
            n->stats.sync_offers_dropped++;
            return;
        }
        if ((o = calloc(1, sizeof *o)) == NULL) return;
        o->id = *id;
        o->state = OFFER_SEEN;
        o->born = n->stats.sync_rounds;
        g_hash_table_insert(n->sync_offers, &o->id, o);
    }
    uint64_t p = prefix(&n->sync_src[src].id);
    bool have = false;
    for (unsigned j = 0; j < o->nsrc; j++) have |= o->src[j] == p;
    if (!have && o->nsrc < NODE_SYNC_SOURCES_MAX) o->src[o->nsrc++] = p;
    if (o->state == OFFER_SEEN && agreed(n, o) && n->sync_fetching < n->cfg.sync_fetch_max) fetch(n, now, o);
}

/* ---- adoption ---- */

typedef enum { ADOPT_OK, ADOPT_NOT_OURS, ADOPT_GAP, ADOPT_INVALID, ADOPT_STORE } adopt_result;

static adopt_result adopt(ec_node *n, uint64_t now, const ec_id *id, const uint8_t *bytes, size_t len)
{
    ec_tx tx;
    if (ec_tx_decode(&tx, bytes, len) != EC_OK) return ADOPT_INVALID;
    bool ours[EC_TX_MAPPINGS_MAX], any = false, move[EC_TX_MAPPINGS_MAX];
    for (int i = 0; i < tx.n_mappings; i++) any |= ours[i] = ec_node_responsible(n, &tx.mappings[i].token);
    if (!any) return ADOPT_NOT_OURS;
    int bad;
    if (n->cfg.verify_signatures && ec_tx_check_signatures(&tx, &bad) != EC_OK) return ADOPT_INVALID;
    bool moves = false;
    for (int i = 0; i < tx.n_mappings; i++) {
        move[i] = false;
        if (!ours[i]) continue;
        ec_verdict v;
        if (ec_validate_mapping(n->store, &tx, i, now, &v) != EC_OK) return ADOPT_STORE;
        switch (v.rule) {
        case EC_RULE_OK: move[i] = moves = true; break;
        case EC_RULE_MISSING_HISTORY: return ADOPT_GAP;
        case EC_RULE_STALE_PREV: case EC_RULE_TOKEN_EXISTS: break; /* our head is past it already */
        default: return ADOPT_INVALID;
        }
    }
    if (!moves) return ADOPT_NOT_OURS;
    ec_err err = node_write_begin(n, n->store);
    if (!err) err = ec_store_put_tx(n->store, id, bytes, len);
    for (int i = 0; !err && i < tx.n_mappings; i++) {
        if (!move[i]) continue;
        ec_head old, nh = {*id, tx.timestamp_ms, tx.mappings[i].owner};
        ec_err g = ec_store_get_head(n->store, &tx.mappings[i].token, &old);
        if (g && g != EC_ERR_NOTFOUND) err = g;
        if (!err) err = ec_store_put_head(n->store, &tx.mappings[i].token, &nh);
        if (!err) err = node_ballot_moved(n->store, &tx.mappings[i].token, g == EC_OK ? &old : NULL);
    }
    if (!err) err = node_chain_append(n, now, id);
    if (node_write_end(n, n->store, err, NULL) != EC_OK) return ADOPT_STORE;
    /* The driver hears of it as of a commit: this node now holds it. (In a
     * batch, node_write_end only recorded it; a failed batch undoes it, so
     * the callback waits for none: adoptions in a batch are not reported.) */
    if (n->on_commit && !n->batch) n->on_commit(n->on_commit_arg, n, now, id, &tx);
    return ADOPT_OK;
}

ec_err ec_node_adopt(ec_node *n, uint64_t now, const uint8_t *tx, size_t len)
{
    if (n == NULL || tx == NULL || len == 0 || len > EC_TX_MAX_LEN) return EC_ERR_ARG;
    ec_id id;
    ec_blake3_hash(tx, len, id.b);
    switch (adopt(n, now, &id, tx, len)) {
    case ADOPT_OK: return EC_OK;
    case ADOPT_NOT_OURS: return EC_ERR_NOTFOUND;
    case ADOPT_GAP: return EC_ERR_MISMATCH;
    case ADOPT_INVALID: return EC_ERR_MALFORMED;
    default: return EC_ERR_IO;
    }
}

static void offer_forget(ec_node *n, sync_offer *o)
{
    if (o->state == OFFER_FETCHING && n->sync_fetching) n->sync_fetching--;
    g_hash_table_remove(n->sync_offers, &o->id);
}

/* Gaps (history we lacked) tried again after an adoption, until none moves. */
static gap *gaps_of(ec_node *n, unsigned *count);

/* One chain's word: the transaction's tokens that are ours and whose head
 * here is not it are caught up from their neighborhoods (catchup_agree
 * co-members must name a head), which a lying chain cannot sway. */
static void check_single(ec_node *n, uint64_t now, const ec_id *id, const uint8_t *bytes, size_t len)
{
    ec_tx tx;
    n->stats.sync_single_fetched++;
    if (ec_tx_decode(&tx, bytes, len) != EC_OK) return;
    for (int i = 0; i < tx.n_mappings; i++) {
        const ec_id *t = &tx.mappings[i].token;
        ec_head h;
        if (!ec_node_responsible(n, t)) continue;
        if (ec_store_get_head(n->store, t, &h) == EC_OK && ec_id_cmp(&h.tx_id, id) == 0) continue;
        if (node_catchup_start(n, now, t) == EC_OK) n->stats.sync_single_catchups++;
    }
}

bool node_sync_on_tx(ec_node *n, uint64_t now, const ec_id *id, const uint8_t *bytes, size_t len)
{
    if (n->sync_offers == NULL) return false;
    sync_offer *o = g_hash_table_lookup(n->sync_offers, id);
    if (o == NULL || o->state != OFFER_FETCHING) return false;
    if (o->single) {
        check_single(n, now, id, bytes, len);
        offer_forget(n, o);
        return true;
    }
    n->stats.sync_txs_fetched++;
    adopt_result r = adopt(n, now, id, bytes, len);
    if (r == ADOPT_STORE) return true; /* kept: asked again at its timeout */
    if (r == ADOPT_GAP) {
        unsigned ng;
        gap *g = gaps_of(n, &ng);
        if (g && ng < GAPS_MAX) {
            g[ng].id = *id;
            g[ng].len = (uint16_t)len;
            memcpy(g[ng].bytes, bytes, len);
            n->sync_ngaps++;
            if (n->sync_fetching) n->sync_fetching--;
            o->state = OFFER_GAP;
        } else {
            offer_forget(n, o); /* no room: a later round offers it again */
        }
        return true;
    }
    if (r == ADOPT_OK) n->stats.sync_adopted++;
    else if (r == ADOPT_NOT_OURS) n->stats.sync_not_ours++;
    else n->stats.sync_invalid++;
    offer_forget(n, o);
    /* An adoption may be the history a gap waited for. */
    for (bool progress = r == ADOPT_OK; progress;) {
        progress = false;
        unsigned ng;
        gap *g = gaps_of(n, &ng);
        for (unsigned i = 0; i < ng;) {
            adopt_result a = adopt(n, now, &g[i].id, g[i].bytes, g[i].len);
            if (a == ADOPT_GAP || a == ADOPT_STORE) {
                i++;
                continue;
            }
            if (a == ADOPT_OK) n->stats.sync_adopted++, progress = true;
            else if (a == ADOPT_NOT_OURS) n->stats.sync_not_ours++;
            else n->stats.sync_invalid++;
            sync_offer *go = g_hash_table_lookup(n->sync_offers, &g[i].id);
            if (go) offer_forget(n, go);
            g[i] = g[--ng];
            n->sync_ngaps = ng;
        }
    }
    return true;
}

static gap *gaps_of(ec_node *n, unsigned *count)
{
    if (n->sync_gaps == NULL) n->sync_gaps = calloc(GAPS_MAX, sizeof(gap));
    *count = n->sync_gaps ? n->sync_ngaps : GAPS_MAX;
    return (gap *)n->sync_gaps;
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
            src_drop(n, s, "a header that does not decode");
            return;
        }
        if (h.height > s->top) continue; /* above this round's window */
        if (h.height != s->down - 1) break; /* not the one we wait for: ask again below */
        ec_id hash;
        ec_block_hash(&h, &hash);
        if (s->down == s->top + 1) {
            if (ec_block_check_sig(&h, &s->key) != EC_BLOCK_OK) {
                n->stats.sync_faults++;
                src_drop(n, s, "a header its key did not sign");
                return;
            }
            s->top_hash = hash;
            s->top_hdr = h;
        } else if (ec_id_cmp(&hash, &s->expect) != 0) {
            n->stats.sync_faults++;
            src_drop(n, s, "a header that is not its successor's parent");
            return;
        }
        n->stats.sync_headers++;
        s->roots[h.height - s->done_h - 1] = h.root;
        s->counts[h.height - s->done_h - 1] = h.count;
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
                    ask_chain(n, now, s, s->done_h);
                    return;
                }
                locator_reset(n, s);
                src_finished(n, now, s);
                return;
            }
            s->phase = SRC_BODIES;
            s->body = s->done_h + 1;
            s->tries = 0;
            ask_body(n, now, s);
            return;
        }
    }
    (void)si;
    s->tries = 0;
    ask_chain(n, now, s, s->down - 1);
}

void node_sync_on_chain(ec_node *n, uint64_t now, const ec_id *from, const ec_msg *m)
{
    int si = src_index(n, from);
    sync_src *s = si >= 0 ? &n->sync_src[si] : NULL;
    if (s == NULL || (s->phase != SRC_TIP && s->phase != SRC_HEADERS && s->phase != SRC_EVIDENCE)) {
        n->stats.dropped_unexpected++;
        return;
    }
    if (s->phase == SRC_EVIDENCE) {
        for (unsigned i = 0; i < m->u.chain.n; i++) {
            ec_block_header h;
            if (ec_block_header_decode(&h, m->u.chain.hdr[i], m->u.chain.len[i]) != EC_OK || h.height != s->done_h)
                continue;
            if (ec_block_check_sig(&h, &s->key) == EC_BLOCK_OK && ec_block_equivocation(&s->done_hdr, &h))
                evidence_keep(n, &s->id, &s->done_hdr, &h);
            break;
        }
        locator_reset(n, s);
        src_finished(n, now, s);
        return;
    }
    if (s->phase == SRC_TIP) {
        ec_node_id_answer a = node_identity(n, now, from, from, &m->u.chain.key);
        if (a == EC_NODE_ID_NO) {
            src_drop(n, s, "a key that is not its identity's");
            return;
        }
        if (a != EC_NODE_ID_YES) return; /* its record is being fetched: asked again at the timeout */
        s->key = m->u.chain.key;
        uint64_t tip = m->u.chain.tip;
        if (tip < s->done_h) locator_reset(n, s); /* shorter than what we took from it */
        if (tip == s->done_h) {
            src_finished(n, now, s);
            return;
        }
        s->top = tip - s->done_h > n->cfg.sync_window ? s->done_h + n->cfg.sync_window : tip;
        size_t w = (size_t)(s->top - s->done_h);
        s->roots = calloc(w, sizeof *s->roots);
        s->counts = calloc(w, 1);
        if (s->roots == NULL || s->counts == NULL) {
            src_drop(n, s, "out of memory");
            return;
        }
        s->down = s->top + 1;
        s->phase = SRC_HEADERS;
    }
    take_headers(n, now, s, (unsigned)si, m);
}

void node_sync_on_body(ec_node *n, uint64_t now, const ec_id *from, const ec_msg *m)
{
    int si = src_index(n, from);
    sync_src *s = si >= 0 ? &n->sync_src[si] : NULL;
    if (s == NULL || s->phase != SRC_BODIES || m->u.body.height != s->body) {
        n->stats.dropped_unexpected++;
        return;
    }
    ec_block_body b;
    ec_block_header h;
    memset(&h, 0, sizeof h);
    h.root = s->roots[s->body - s->done_h - 1];
    h.count = s->counts[s->body - s->done_h - 1];
    if (m->u.body.len == 0 || ec_block_body_decode(&b, m->u.body.bytes, m->u.body.len) != EC_OK ||
        ec_block_check_body(&h, &b) != EC_BLOCK_OK) {
        n->stats.sync_faults++;
        src_drop(n, s, "a body that is not its header's");
        return;
    }
    n->stats.sync_bodies++;
    for (unsigned i = 0; i < b.count; i++) {
        if (!(m->u.body.near >> i & 1)) { /* no token of it near us, says the source */
            n->stats.sync_skipped++;
            continue;
        }
        if (!ec_store_has_tx(n->store, &b.ids[i])) offer(n, now, &b.ids[i], (unsigned)si);
    }
    s->tries = 0;
    if (s->body == s->top) {
        s->done_h = s->top;
        s->done_hash = s->top_hash;
        s->done_hdr = s->top_hdr;
        s->has_done_hdr = true;
        locator_save(n, s);
        src_finished(n, now, s);
        return;
    }
    s->body++;
    ask_body(n, now, s);
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
    int si = src_index(n, from);
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
            arm(n, now + node_timeout(n, NULL, 0));
            return;
        }
        n->stats.sync_polled_behind++;
    }
    if (m->u.range.n < EC_MSG_RANGE_MAX) {
        src_finished(n, now, s);
        return;
    }
    s->cursor = m->u.range.token[m->u.range.n - 1];
    if (!id_next(&s->cursor)) {
        src_finished(n, now, s);
        return;
    }
    ask_range(n, now, s);
}

/* ---- timers ---- */

static void round_end(ec_node *n, uint64_t now)
{
    /* Offers one chain holds wait a few rounds for a second; then they are
     * counted (a commit one source has and the others do not) and dropped.
     * Fetches and gaps end with the round (a later round offers them again). */
    GHashTableIter it;
    gpointer k, v;
    g_hash_table_iter_init(&it, n->sync_offers);
    while (g_hash_table_iter_next(&it, &k, &v)) {
        sync_offer *o = v;
        if (o->state != OFFER_SEEN || agreed(n, o)) {
            g_hash_table_iter_remove(&it);
        } else if (n->stats.sync_rounds + 1 - o->born >= NODE_SYNC_OFFER_ROUNDS) {
            n->stats.sync_unconfirmed++;
            g_hash_table_iter_remove(&it);
        }
    }
    n->sync_fetching = 0;
    n->sync_ngaps = 0;
    for (unsigned i = 0; i < n->sync_nsrc; i++) src_clear(&n->sync_src[i]);
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
    uint64_t next = UINT64_MAX;
    bool busy = false;
    for (unsigned i = 0; i < n->sync_nsrc; i++) {
        sync_src *s = &n->sync_src[i];
        if (s->phase == SRC_DONE || s->phase == SRC_OFF) continue;
        busy = true;
        if (s->paused) { /* polling: go on once catch-ups have room */
            if (g_hash_table_size(n->catchup) < n->cfg.catchups_max) ask_range(n, now, s);
            else {
                uint64_t due = now + node_timeout(n, NULL, 0);
                if (due < next) next = due;
                continue;
            }
        }
        uint64_t due = s->asked_at + node_timeout(n, &s->id, s->tries);
        if (now >= due) {
            if (++s->tries >= SYNC_TRIES) {
                src_drop(n, s, "no answer");
                continue;
            }
            if (s->phase == SRC_TIP) ask_chain(n, now, s, 0);
            else if (s->phase == SRC_HEADERS) ask_chain(n, now, s, s->down - 1);
            else if (s->phase == SRC_EVIDENCE) ask_chain(n, now, s, s->done_h);
            else if (s->phase == SRC_RANGE) ask_range(n, now, s);
            else ask_body(n, now, s);
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
                fetch(n, now, o);
                due = now + node_timeout(n, NULL, o->tries);
            }
            if (due < next) next = due;
        } else if (o->state == OFFER_SEEN && agreed(n, o) && n->sync_fetching < n->cfg.sync_fetch_max &&
                   holder(n, o, 0) >= 0) {
            busy = true;
            fetch(n, now, o);
            uint64_t due = now + node_timeout(n, NULL, 0);
            if (due < next) next = due;
        } else if (n->cfg.sync_check_single && o->state == OFFER_SEEN && !agreed(n, o) && !sources_busy &&
                   n->stats.sync_rounds >= o->born + NODE_SYNC_SINGLE_ROUNDS &&
                   n->sync_fetching < n->cfg.sync_fetch_max && holder(n, o, 0) >= 0) {
            /* One chain's word for two rounds: fetched, and its tokens
             * that are ours checked with their neighborhoods. */
            busy = true;
            o->single = true;
            fetch(n, now, o);
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
    for (unsigned i = 0; i < NODE_SYNC_SOURCES_MAX; i++) src_clear(&n->sync_src[i]);
    if (n->sync_offers) g_hash_table_destroy(n->sync_offers);
    free(n->sync_gaps);
}
