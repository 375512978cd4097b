/* Chain sync, one source at a time (sync.c is the round): the locator
 * kept per source (height, hash and the signed header there), the
 * evidence a fork leaves, the requests (GET_CHAIN, GET_BODY with the
 * relevance bits, GET_RANGE) and the source's end (done, or dropped). */
#include <stdlib.h>
#include <string.h>

#include "core/node_internal.h"

static void locator_key(uint8_t k[2 + EC_ID_LEN], const ec_id *src)
{
    k[0] = 's';
    k[1] = 'y';
    memcpy(k + 2, src->b, EC_ID_LEN);
}

/* The locator: height u64, hash 32, then the header at that height as
 * the source signed it (the evidence should its chain fork there). */
#define LOC_MIN (8 + EC_ID_LEN)
void node_sync_locator_load(ec_node *n, sync_src *s)
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

void node_sync_locator_save(ec_node *n, const sync_src *s)
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
void node_sync_evidence_keep(ec_node *n, const ec_id *src, const ec_block_header *a, const ec_block_header *b)
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
    node_sync_report(n, src, EC_SYNC_REPORT_EQUIVOCATION, NULL);
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
void node_sync_locator_reset(ec_node *n, sync_src *s)
{
    n->stats.sync_forks++;
    node_sync_report(n, &s->id, EC_SYNC_REPORT_FORK, NULL);
    s->done_h = 0;
    memset(&s->done_hash, 0, sizeof s->done_hash);
    s->has_done_hdr = false;
    node_sync_locator_save(n, s);
}

void node_sync_src_clear(sync_src *s)
{
    free(s->roots);
    free(s->counts);
    free(s->times);
    free(s->hdrs);
    s->hdrs = NULL;
    s->roots = NULL;
    s->counts = NULL;
    s->times = NULL;
}

static void src_done(sync_src *s)
{
    node_sync_src_clear(s);
    s->phase = SRC_DONE;
    s->asked_at = 0;
}

/* A source finished: the next tick may end the round. */
void node_sync_src_finished(ec_node *n, uint64_t now, sync_src *s)
{
    src_done(s);
    if (now < n->next_due) n->next_due = now;
}

const char *ec_node_sync_report_name(int what)
{
    static const char *const names[] = {"?", "fault", "fork", "equivocation", "stalled", "invalid", "missing"};
    return what >= 1 && what <= EC_SYNC_REPORT_MISSING ? names[what] : "?";
}

void node_sync_report(ec_node *n, const ec_id *src, int what, const ec_id *tx_id)
{
    ec_node_event e;
    memset(&e, 0, sizeof e);
    e.type = EC_NODE_EV_SYNC_REPORT;
    e.from = *src;
    e.mapping = what;
    if (tx_id) e.tx_id = *tx_id;
    n->stats.sync_reports++;
    node_event_push(n, &e);
}

void node_sync_src_drop(ec_node *n, sync_src *s, int what, const char *why)
{
    n->stats.sync_sources_dropped++;
    if (what) node_sync_report(n, &s->id, what, NULL);
    node_log(n, 1, "sync: source dropped: %s", why);
    src_done(s);
    n->next_due = 0; /* the next tick may end the round */
}

/* The node's timer no later than `at` (the tick notices timeouts and the
 * round's end). */
void node_sync_arm(ec_node *n, uint64_t at)
{
    if (at < n->next_due) n->next_due = at;
}

static void ask(ec_node *n, uint64_t now, sync_src *s, const ec_msg *m)
{
    s->asked_at = now;
    node_send(n, &s->id, m);
    node_sync_arm(n, now + node_timeout(n, &s->id, s->tries));
}

void node_sync_ask_chain(ec_node *n, uint64_t now, sync_src *s, uint64_t height)
{
    ec_msg m;
    memset(&m, 0, sizeof m);
    m.type = EC_MSG_GET_CHAIN;
    m.u.get_chain.height = height;
    m.u.get_chain.count = EC_MSG_CHAIN_HEADERS;
    ask(n, now, s, &m);
}

void node_sync_ask_range(ec_node *n, uint64_t now, sync_src *s)
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

void node_sync_ask_body(ec_node *n, uint64_t now, sync_src *s)
{
    ec_msg m;
    memset(&m, 0, sizeof m);
    m.type = EC_MSG_GET_BODY;
    m.u.get_body.height = s->body;
    m.u.get_body.near_bits = (uint8_t)near_bits(n);
    ask(n, now, s, &m);
}

int node_sync_src_index(const ec_node *n, const ec_id *from)
{
    for (unsigned i = 0; i < n->sync_nsrc; i++)
        if (ec_id_cmp(&n->sync_src[i].id, from) == 0) return (int)i;
    return -1;
}

