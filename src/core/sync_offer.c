/* Chain sync's offers (sync.c is the round): the ids sources' chains
 * hold, fetched once sync_agree of them agree, adopted by the ledger rules
 * for our tokens (transaction, heads, our own chain in one store
 * transaction), gaps tried again after each adoption, single-chain ids
 * checked through catch-up (sync_check_single); and ec_node_adopt, the
 * same adoption for a driver's bulk import. */
#include <stdlib.h>
#include <string.h>

#include "core/node_internal.h"
#include "crypto/blake3.h"
#include "ledger/validate.h"

#define GAPS_MAX 256

typedef struct gap {
    ec_id id;
    uint64_t born; /* the round it was parked in */
    uint16_t len;
    uint8_t bytes[EC_TX_MAX_LEN];
} gap;


/* ---- offers: ids some chains hold, fetched once enough agree ---- */

static uint64_t prefix(const ec_id *id)
{
    uint64_t p = 0;
    for (int i = 0; i < 8; i++) p = p << 8 | id->b[i];
    return p;
}

/* The current round's index of a source that holds o (the tries-th of
 * those in the round), or -1 if none of them is in this round. */
int node_sync_holder(const ec_node *n, const sync_offer *o, unsigned nth)
{
    int found[NODE_SYNC_SOURCES_MAX];
    unsigned k = 0;
    for (unsigned i = 0; i < n->sync_nsrc; i++)
        for (unsigned j = 0; j < o->nsrc; j++)
            if (prefix(&n->sync_src[i].id) == o->src[j]) found[k++] = (int)i;
    return k ? found[nth % k] : -1;
}

void node_sync_fetch(ec_node *n, uint64_t now, sync_offer *o)
{
    if (ec_store_has_tx(n->store, &o->id)) { /* behind on one of its tokens: no need to fetch it */
        if (o->state != OFFER_FETCHING) n->sync_fetching++;
        o->state = OFFER_FETCHING;
        o->local = true;
        o->asked_at = now;
        n->sync_local_due = true;
        node_sync_arm(n, now);
        return;
    }
    int pick = node_sync_holder(n, o, o->tries); /* a different one at each try */
    if (pick < 0) return;
    ec_msg m;
    memset(&m, 0, sizeof m);
    m.type = EC_MSG_GET_TX;
    m.u.get_tx.tx_id = o->id;
    if (o->state != OFFER_FETCHING) n->sync_fetching++;
    o->state = OFFER_FETCHING;
    o->asked_at = now;
    o->asked = n->sync_src[pick].id;
    node_send(n, &n->sync_src[pick].id, &m);
    node_sync_arm(n, now + node_timeout(n, NULL, o->tries));
}

static bool on_tx(ec_node *n, uint64_t now, const ec_id *id, const uint8_t *bytes, size_t len, bool local);

bool node_sync_behind(ec_node *n, const ec_id *id)
{
    uint8_t buf[EC_TX_MAX_LEN];
    size_t len;
    ec_tx tx;
    if (ec_store_get_tx(n->store, id, buf, sizeof buf, &len) != EC_OK || ec_tx_decode(&tx, buf, len) != EC_OK)
        return false;
    /* Behind: no head, or one older than the transaction (adopt's rule for
     * "past it", turned around). */
    for (int i = 0; i < tx.n_mappings; i++) {
        ec_head h;
        if (!ec_node_responsible(n, &tx.mappings[i].token)) continue;
        if (ec_store_get_head(n->store, &tx.mappings[i].token, &h) != EC_OK ||
            (ec_id_cmp(&h.tx_id, id) != 0 && h.timestamp_ms < tx.timestamp_ms))
            return true;
    }
    return false;
}

void node_sync_adopt_local(ec_node *n, uint64_t now)
{
    if (!n->sync_local_due) return; /* no scan of the offer table on every tick */
    n->sync_local_due = false;
    ec_id ids[64];
    unsigned k = 0;
    GHashTableIter it;
    gpointer key, v;
    g_hash_table_iter_init(&it, n->sync_offers);
    while (k < 64 && g_hash_table_iter_next(&it, &key, &v)) {
        sync_offer *o = v;
        if (o->state == OFFER_FETCHING && o->local) ids[k++] = o->id;
    }
    for (unsigned i = 0; i < k; i++) {
        uint8_t buf[EC_TX_MAX_LEN];
        size_t len;
        if (ec_store_get_tx(n->store, &ids[i], buf, sizeof buf, &len) != EC_OK) {
            sync_offer *o = g_hash_table_lookup(n->sync_offers, &ids[i]);
            if (o) o->local = false, o->tries++; /* gone: fetched at its timeout instead */
            continue;
        }
        n->stats.sync_local++;
        on_tx(n, now, &ids[i], buf, len, true);
    }
    /* More than 64 waiting, or one the store failed to take: next tick. */
    for (unsigned i = 0; i < k && !n->sync_local_due; i++) {
        sync_offer *o = g_hash_table_lookup(n->sync_offers, &ids[i]);
        n->sync_local_due = o && o->state == OFFER_FETCHING && o->local;
    }
    if (k == 64) n->sync_local_due = true;
}

bool node_sync_agreed(const ec_node *n, const sync_offer *o)
{
    return o->nsrc >= n->cfg.sync_agree;
}

void node_sync_offer(ec_node *n, uint64_t now, const ec_id *id, unsigned src, uint64_t block_ts)
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
        o->block_ts = block_ts;
        g_hash_table_insert(n->sync_offers, &o->id, o);
    }
    if (block_ts < o->block_ts) o->block_ts = block_ts;
    uint64_t p = prefix(&n->sync_src[src].id);
    bool have = false;
    for (unsigned j = 0; j < o->nsrc; j++) have |= o->src[j] == p;
    if (!have && o->nsrc < NODE_SYNC_SOURCES_MAX) o->src[o->nsrc++] = p;
    if (o->state == OFFER_SEEN && node_sync_agreed(n, o) && n->sync_fetching < n->cfg.sync_fetch_max) node_sync_fetch(n, now, o);
}

/* ---- adoption ---- */

/* HISTORY: no token of ours moves (each is at it or past it), and its
 * bytes are kept as history (the token's past, which a catch-up walk or a
 * later gap may need). */
typedef enum { ADOPT_OK, ADOPT_NOT_OURS, ADOPT_GAP, ADOPT_INVALID, ADOPT_STORE, ADOPT_HISTORY } adopt_result;

static adopt_result adopt(ec_node *n, uint64_t now, const ec_id *id, const uint8_t *bytes, size_t len, bool signed_ok)
{
    ec_tx tx;
    if (ec_tx_decode(&tx, bytes, len) != EC_OK) return ADOPT_INVALID;
    bool ours[EC_TX_MAPPINGS_MAX], any = false, move[EC_TX_MAPPINGS_MAX];
    for (int i = 0; i < tx.n_mappings; i++) any |= ours[i] = ec_node_responsible(n, &tx.mappings[i].token);
    if (!any) return ADOPT_NOT_OURS;
    int bad;
    if (n->cfg.verify_signatures && !signed_ok && ec_tx_check_signatures(&tx, &bad) != EC_OK) return ADOPT_INVALID;
    bool moves = false, past = false;
    for (int i = 0; i < tx.n_mappings; i++) {
        move[i] = false;
        if (!ours[i]) continue;
        /* This token is at it already, or past it (a token's transactions
         * are strictly later than their predecessors: a head as late as
         * this transaction is a successor, or the winner of a conflict;
         * either way nothing here moves it, whether or not we hold the
         * history between). A catch-up moves heads on its own. */
        ec_head at;
        if (ec_store_get_head(n->store, &tx.mappings[i].token, &at) == EC_OK &&
            (ec_id_cmp(&at.tx_id, id) == 0 || at.timestamp_ms >= tx.timestamp_ms)) {
            past = true;
            continue;
        }
        ec_verdict v;
        if (ec_validate_mapping(n->store, &tx, i, now, &v) != EC_OK) return ADOPT_STORE;
        switch (v.rule) {
        case EC_RULE_OK: move[i] = moves = true; break;
        case EC_RULE_MISSING_HISTORY: return ADOPT_GAP;
        case EC_RULE_STALE_PREV: case EC_RULE_TOKEN_EXISTS: break; /* our head is past it already */
        default: return ADOPT_INVALID;
        }
    }
    if (!moves) {
        /* Sources agreed it committed and our tokens are past it: its bytes
         * are kept as their history (no head moves, not in our chain). */
        if (!past || ec_store_has_tx(n->store, id)) return ADOPT_NOT_OURS;
        ec_err err = node_write_begin(n, n->store);
        if (!err) err = ec_store_put_tx(n->store, id, bytes, len);
        return node_write_end(n, n->store, err, NULL) == EC_OK ? ADOPT_HISTORY : ADOPT_STORE;
    }
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

ec_err ec_node_adopt(ec_node *n, uint64_t now, const uint8_t *tx, size_t len, unsigned flags)
{
    if (n == NULL || tx == NULL || len == 0 || len > EC_TX_MAX_LEN || (flags & ~EC_ADOPT_SIGNED)) return EC_ERR_ARG;
    ec_id id;
    ec_blake3_hash(tx, len, id.b);
    switch (adopt(n, now, &id, tx, len, flags & EC_ADOPT_SIGNED)) {
    case ADOPT_OK: return EC_OK;
    case ADOPT_NOT_OURS: case ADOPT_HISTORY: return EC_ERR_NOTFOUND;
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

/* A transaction other chains agreed on and we adopted: a source of this
 * round that walked a window around it (the window's first block cut a
 * block interval before the earliest block holding it in the offering
 * chains, its top a block interval after), is among the w nearest of one
 * of its tokens that are ours, and did not offer it, left it out of its
 * chain: reported. Only suspicion: an honest member can miss a commit on
 * a lossy network (docs/CHAIN.md, "A lying source"). */
static void report_missing(ec_node *n, const sync_offer *o, const uint8_t *bytes, size_t len)
{
    ec_tx tx;
    if (ec_tx_decode(&tx, bytes, len) != EC_OK) return;
    for (unsigned i = 0; i < n->sync_nsrc; i++) {
        const sync_src *s = &n->sync_src[i];
        uint64_t margin = n->cfg.block_interval_ms;
        if (!s->walked || s->lo_ts == UINT64_MAX || s->lo_ts + margin >= o->block_ts || s->hi_ts < o->block_ts + margin)
            continue;
        bool offered = false;
        for (unsigned j = 0; j < o->nsrc; j++) offered |= prefix(&s->id) == o->src[j];
        if (offered) continue;
        bool member = false;
        for (int m = 0; m < tx.n_mappings && !member; m++) {
            if (!ec_node_responsible(n, &tx.mappings[m].token)) continue;
            ec_id near[NODE_W_MAX];
            size_t k = node_nearest(n, &tx.mappings[m].token, NULL, 0, near);
            for (size_t j = 0; j < k; j++) member |= ec_id_cmp(&near[j], &s->id) == 0;
        }
        if (!member) continue;
        n->stats.sync_missing++;
        node_sync_report(n, &s->id, EC_SYNC_REPORT_MISSING, &o->id);
    }
}

/* Gaps tried again until none moves (after an adoption, and at a round's
 * end: a catch-up may have brought their history meanwhile). */
/* What became of a fetched transaction, counted (not GAP or STORE: those wait). */
static void count_result(ec_node *n, adopt_result r)
{
    if (r == ADOPT_OK) n->stats.sync_adopted++;
    else if (r == ADOPT_NOT_OURS) n->stats.sync_not_ours++;
    else if (r == ADOPT_HISTORY) n->stats.sync_history++;
    else n->stats.sync_invalid++;
}

static void gaps_retry(ec_node *n, uint64_t now)
{
    for (bool progress = true; progress;) {
        progress = false;
        unsigned ng;
        gap *g = gaps_of(n, &ng);
        for (unsigned i = 0; i < ng;) {
            adopt_result a = adopt(n, now, &g[i].id, g[i].bytes, g[i].len, false);
            if (a == ADOPT_GAP || a == ADOPT_STORE) {
                i++;
                continue;
            }
            sync_offer *go = g_hash_table_lookup(n->sync_offers, &g[i].id);
            count_result(n, a);
            if (a == ADOPT_OK) {
                progress = true;
                if (go) report_missing(n, go, g[i].bytes, g[i].len);
            }
            if (go) offer_forget(n, go);
            g[i] = g[--ng];
            n->sync_ngaps = ng;
        }
    }
}

void node_sync_gaps_age(ec_node *n, uint64_t now)
{
    gaps_retry(n, now);
    unsigned ng;
    gap *g = gaps_of(n, &ng);
    for (unsigned i = 0; i < ng;) {
        if (n->stats.sync_rounds + 1 - g[i].born >= NODE_SYNC_OFFER_ROUNDS) {
            n->stats.sync_gaps_expired++;
            g[i] = g[--ng];
            n->sync_ngaps = ng;
        } else {
            i++;
        }
    }
}

static bool on_tx(ec_node *n, uint64_t now, const ec_id *id, const uint8_t *bytes, size_t len, bool local)
{
    if (n->sync_offers == NULL) return false;
    sync_offer *o = g_hash_table_lookup(n->sync_offers, id);
    if (o == NULL || o->state != OFFER_FETCHING) return false;
    if (o->single) {
        check_single(n, now, id, bytes, len);
        offer_forget(n, o);
        return true;
    }
    if (!local) n->stats.sync_txs_fetched++, n->stats.sync_tx_bytes += len;
    adopt_result r = adopt(n, now, id, bytes, len, false);
    if (r == ADOPT_STORE) return true; /* kept: asked again at its timeout */
    if (r == ADOPT_GAP) {
        unsigned ng;
        gap *g = gaps_of(n, &ng);
        if (g && ng < GAPS_MAX) {
            g[ng].id = *id;
            g[ng].born = n->stats.sync_rounds;
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
    count_result(n, r);
    if (r == ADOPT_OK) {
        report_missing(n, o, bytes, len);
    } else if (r == ADOPT_INVALID) {
        /* Chains that hold a transaction breaking the rules: the source
         * that served it is reported and leaves the round. */
        int si = node_sync_src_index(n, &o->asked);
        if (si >= 0 && n->sync_src[si].phase != SRC_DONE && n->sync_src[si].phase != SRC_OFF)
            node_sync_src_drop(n, &n->sync_src[si], 0, "a transaction that breaks the rules");
        node_sync_report(n, &o->asked, EC_SYNC_REPORT_INVALID, id);
    }
    offer_forget(n, o);
    /* An adoption may be the history a gap waited for. */
    if (r == ADOPT_OK) gaps_retry(n, now);
    return true;
}

bool node_sync_on_tx(ec_node *n, uint64_t now, const ec_id *id, const uint8_t *bytes, size_t len)
{
    return on_tx(n, now, id, bytes, len, false);
}

static gap *gaps_of(ec_node *n, unsigned *count)
{
    if (n->sync_gaps == NULL) n->sync_gaps = calloc(GAPS_MAX, sizeof(gap));
    *count = n->sync_gaps ? n->sync_ngaps : GAPS_MAX;
    return (gap *)n->sync_gaps;
}

