/* Invariants of a node's state (TigerBeetle's rule: a limit on everything,
 * checked): every table a remote peer can grow is within its limit. Tests
 * and the fuzz harness call it after every input; debug builds assert it
 * after every call into the node (node.c). */
#include "core/life.h"
#include "core/node_internal.h"

static const char *check_ptx(const ec_node *n, const ptx *p)
{
    size_t limit = p->have_tx ? 2 * (size_t)p->tx.n_mappings * n->cfg.w : (size_t)EC_TX_MAPPINGS_MAX * n->cfg.w;
    if (p->nvotes > limit || p->nvotes > NODE_VOTERS_MAX) return "a transaction holds more votes than 2w per token";
    if (p->nmembers > NODE_MEMBERS_MAX) return "a member list is longer than NODE_MEMBERS_MAX";
    if (p->have_tx && (p->tx.n_mappings < 1 || p->tx.n_mappings > EC_TX_MAPPINGS_MAX))
        return "a pending transaction has a bad mapping count";
    if (p->len > EC_TX_MAX_LEN) return "a pending transaction is longer than EC_TX_MAX_LEN";
    return NULL;
}

ec_err ec_node_check(const ec_node *n, const char **why)
{
    const char *bad = NULL;
    size_t queued = 0;
    for (GList *l = n->outbox->head; l; l = l->next) queued += ((const outmsg *)l->data)->len;
    if (g_hash_table_size(n->pending) > n->cfg.pending_max) bad = "more pending transactions than pending_max";
    else if (queued != n->outbox_bytes) bad = "the outbox byte count is wrong";
    else if (n->outbox_bytes > n->cfg.outbox_max_bytes) bad = "the outbox holds more than outbox_max_bytes";
    else if (g_hash_table_size(n->catchup) > n->cfg.catchups_max) bad = "more catch-ups than catchups_max";
    else if (g_hash_table_size(n->lookups) > (size_t)n->cfg.pending_max * NODE_LOOKUPS_MAX)
        bad = "more lookups than pending transactions can run";
    GHashTableIter it;
    gpointer key, val;
    g_hash_table_iter_init(&it, n->per_peer);
    while (!bad && g_hash_table_iter_next(&it, &key, &val))
        if (GPOINTER_TO_UINT(val) > n->cfg.pending_per_peer_max) bad = "a peer holds more than its share of pending";
    g_hash_table_iter_init(&it, n->pending);
    while (!bad && g_hash_table_iter_next(&it, &key, &val)) bad = check_ptx(n, val);
    if (!bad && n->sync_offers && g_hash_table_size(n->sync_offers) > n->cfg.sync_offers_max)
        bad = "more sync offers than sync_offers_max";
    else if (!bad && n->sync_fetching > n->cfg.sync_fetch_max) bad = "more sync fetches than sync_fetch_max";
    else if (!bad && n->sync_nsrc > n->cfg.sync_sources) bad = "more sync sources than sync_sources";
    for (unsigned i = 0; !bad && i < n->sync_nsrc; i++) {
        const sync_src *s = &n->sync_src[i];
        if (s->phase == SRC_HEADERS || s->phase == SRC_BODIES) {
            if (s->top < s->done_h || s->top - s->done_h > n->cfg.sync_window) bad = "a sync window larger than sync_window";
            else if (s->down < s->done_h + 1 || s->down > s->top + 1) bad = "a sync header cursor outside its window";
            else if (s->phase == SRC_BODIES && (s->body < s->done_h + 1 || s->body > s->top))
                bad = "a sync body cursor outside its window";
        }
    }
    if (!bad && g_hash_table_size(n->claims) > n->cfg.claims_max) bad = "more kept claims than claims_max";
    else if (!bad && g_queue_get_length(n->claims_order) != g_hash_table_size(n->claims))
        bad = "the kept claims' order and table disagree";
    else if (!bad && g_hash_table_size(n->convicted) > NODE_CONVICTED_MAX) bad = "more convicted than NODE_CONVICTED_MAX";
    else if (!bad && n->pos_out && g_hash_table_size(n->pos_out) > n->cfg.pos_outstanding_max)
        bad = "more storage-proof challenges outstanding than pos_outstanding_max";
    else if (!bad && n->pos_peers && g_hash_table_size(n->pos_peers) > n->cfg.pos_peers_max)
        bad = "more storage-proof peer records than pos_peers_max";
    else if (!bad && n->life && g_hash_table_size(n->life) > n->cfg.life_peers_max)
        bad = "more lifecycle records than life_peers_max";
    if (!bad && n->life) {
        ec_life_counts lc;
        ec_node_life_counts(n, &lc);
        unsigned target = node_life_target(n);
        if (lc.connected + lc.pending > target) bad = "more peers connected or being elected than life_target";
        else if (lc.trusted > lc.connected + lc.ejected) bad = "a trusted peer that is not connected";
    }
    else if (!bad && n->pos_peers && g_queue_get_length(n->pos_order) != g_hash_table_size(n->pos_peers))
        bad = "the storage-proof records' order and table disagree";
    else if (!bad && n->pos_bucket > 1000 * (uint64_t)n->cfg.pos_answers_per_s)
        bad = "the storage-proof answer bucket holds more than pos_answers_per_s";
    for (unsigned j = 0; !bad && j < EC_ID_BITS; j++) {
        const ec_id *ids;
        if (ec_peers_bucket(n->peers, j, &ids) > n->cfg.bucket_size) bad = "a peer bucket holds more than bucket_size";
    }
    if (why) *why = bad;
    return bad ? EC_ERR_CORRUPT : EC_OK;
}
