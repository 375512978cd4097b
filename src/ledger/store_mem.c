/* In-memory store backend, for the simulator and tests.
 *
 * Heads live in a GLib balanced tree (GTree) ordered by token id, so
 * iteration from any id is O(log n) to start; transactions, sticky vote
 * records and opaque records in GLib hash tables (a prefix scan of the
 * records gathers and sorts the matching keys: O(records)). A write transaction keeps an undo log,
 * replayed backwards on abort. */
#include <glib.h>
#include <stdlib.h>
#include <string.h>

#include "ledger/idhash.h"
#include "ledger/store.h"

typedef struct head_entry {
    ec_id token; /* the tree's key points here */
    ec_head head;
} head_entry;

typedef struct tx_entry {
    ec_id id; /* the hash table's key points here */
    size_t len;
    uint8_t bytes[];
} tx_entry;

/* A sticky vote record: (token, prev) -> tx id. */
typedef struct vote_entry {
    ec_id key[2]; /* token, prev: the hash table's key points here */
    ec_id tx_id;
} vote_entry;

typedef enum { UNDO_TX, UNDO_HEAD, UNDO_VOTE, UNDO_REC } undo_kind;

typedef struct undo {
    undo_kind kind;  /* undo a put_tx (remove id), a put_head or a vote write */
    bool had_head;   /* put_head replaced an existing head / a vote record existed */
    ec_id id;        /* token or tx id */
    ec_id prev;      /* vote: the previous head */
    ec_head old;     /* head: the old head; vote: old.tx_id is the old record */
    GBytes *rkey, *rold; /* record: its key, its old value (NULL: none); the log holds a reference */
} undo;

typedef struct mem {
    ec_store store;
    GTree *heads;
    GHashTable *txs;
    GHashTable *votes; /* vote_entry.key -> vote_entry */
    GHashTable *recs;  /* GBytes key -> GBytes value (owns both) */
    bool in_txn;
    undo *log;
    size_t log_len, log_cap;
} mem;

static gint cmp_id(gconstpointer a, gconstpointer b, gpointer unused)
{
    (void)unused;
    return ec_id_cmp(a, b);
}

static ec_err log_push(mem *m, const undo *u)
{
    if (m->log_len == m->log_cap) {
        size_t cap = m->log_cap ? 2 * m->log_cap : 16;
        undo *n = realloc(m->log, cap * sizeof *n);
        if (n == NULL) return EC_ERR_NOMEM;
        m->log = n;
        m->log_cap = cap;
    }
    m->log[m->log_len++] = *u;
    return EC_OK;
}

static guint vote_hash(gconstpointer a) { return ec_idhash_hash(a) ^ ec_idhash_hash((const ec_id *)a + 1); }

static gboolean vote_equal(gconstpointer a, gconstpointer b)
{
    return memcmp(a, b, 2 * EC_ID_LEN) == 0;
}

/* Sets (or with tx_id NULL removes) a vote record, without logging. */
static ec_err vote_set(mem *m, const ec_id *token, const ec_id *prev, const ec_id *tx_id)
{
    ec_id key[2] = {*token, *prev};
    if (tx_id == NULL) {
        g_hash_table_remove(m->votes, key);
        return EC_OK;
    }
    vote_entry *e = g_hash_table_lookup(m->votes, key);
    if (e) {
        e->tx_id = *tx_id;
        return EC_OK;
    }
    if ((e = malloc(sizeof *e)) == NULL) return EC_ERR_NOMEM;
    e->key[0] = *token;
    e->key[1] = *prev;
    e->tx_id = *tx_id;
    g_hash_table_insert(m->votes, e->key, e);
    return EC_OK;
}

static void vote_restore(mem *m, const undo *u)
{
    vote_set(m, &u->id, &u->prev, u->had_head ? &u->old.tx_id : NULL);
}

static ec_err mem_begin(void *impl)
{
    mem *m = impl;
    if (m->in_txn) return EC_ERR_ARG;
    m->in_txn = true;
    m->log_len = 0;
    return EC_OK;
}

/* Drops the log's references to record keys and values. */
static void log_release(mem *m)
{
    for (size_t i = 0; i < m->log_len; i++)
        if (m->log[i].kind == UNDO_REC) {
            g_bytes_unref(m->log[i].rkey);
            if (m->log[i].rold) g_bytes_unref(m->log[i].rold);
        }
    m->log_len = 0;
}

static ec_err mem_commit(void *impl)
{
    mem *m = impl;
    if (!m->in_txn) return EC_ERR_ARG;
    m->in_txn = false;
    log_release(m);
    return EC_OK;
}

static void mem_abort(void *impl)
{
    mem *m = impl;
    if (!m->in_txn) return;
    for (size_t i = m->log_len; i-- > 0;) {
        undo *u = &m->log[i];
        if (u->kind == UNDO_TX) {
            g_hash_table_remove(m->txs, &u->id);
        } else if (u->kind == UNDO_VOTE) {
            vote_restore(m, u);
        } else if (u->kind == UNDO_REC) {
            if (u->rold) g_hash_table_replace(m->recs, g_bytes_ref(u->rkey), g_bytes_ref(u->rold));
            else g_hash_table_remove(m->recs, u->rkey);
        } else if (u->had_head) {
            head_entry *e = g_tree_lookup(m->heads, &u->id);
            if (e) e->head = u->old;
        } else {
            g_tree_remove(m->heads, &u->id);
        }
    }
    m->in_txn = false;
    log_release(m);
}

static ec_err mem_get_head(void *impl, const ec_id *token, ec_head *out)
{
    mem *m = impl;
    head_entry *e = g_tree_lookup(m->heads, token);
    if (e == NULL) return EC_ERR_NOTFOUND;
    *out = e->head;
    return EC_OK;
}

static ec_err mem_put_head(void *impl, const ec_id *token, const ec_head *head)
{
    mem *m = impl;
    if (!m->in_txn) return EC_ERR_ARG;
    head_entry *e = g_tree_lookup(m->heads, token);
    undo u = {.kind = UNDO_HEAD, .had_head = e != NULL, .id = *token};
    if (e) u.old = e->head;
    ec_err err = log_push(m, &u);
    if (err) return err;
    if (e) {
        e->head = *head;
        return EC_OK;
    }
    e = malloc(sizeof *e);
    if (e == NULL) {
        m->log_len--;
        return EC_ERR_NOMEM;
    }
    e->token = *token;
    e->head = *head;
    g_tree_insert(m->heads, &e->token, e);
    return EC_OK;
}

static ec_err mem_get_tx(void *impl, const ec_id *tx_id, uint8_t *buf, size_t cap, size_t *len)
{
    mem *m = impl;
    tx_entry *e = g_hash_table_lookup(m->txs, tx_id);
    if (e == NULL) return EC_ERR_NOTFOUND;
    *len = e->len;
    if (cap < e->len) return EC_ERR_RANGE;
    memcpy(buf, e->bytes, e->len);
    return EC_OK;
}

static ec_err mem_put_tx(void *impl, const ec_id *tx_id, const uint8_t *buf, size_t len)
{
    mem *m = impl;
    if (!m->in_txn) return EC_ERR_ARG;
    if (g_hash_table_contains(m->txs, tx_id)) return EC_OK; /* ids name content */
    tx_entry *e = malloc(sizeof *e + len);
    if (e == NULL) return EC_ERR_NOMEM;
    undo u = {.kind = UNDO_TX, .id = *tx_id};
    if (log_push(m, &u) != EC_OK) {
        free(e);
        return EC_ERR_NOMEM;
    }
    e->id = *tx_id;
    e->len = len;
    memcpy(e->bytes, buf, len);
    g_hash_table_insert(m->txs, &e->id, e);
    return EC_OK;
}

static ec_err mem_get_vote(void *impl, const ec_id *token, const ec_id *prev, ec_id *tx_id)
{
    mem *m = impl;
    ec_id key[2] = {*token, *prev};
    vote_entry *e = g_hash_table_lookup(m->votes, key);
    if (e == NULL) return EC_ERR_NOTFOUND;
    *tx_id = e->tx_id;
    return EC_OK;
}

/* Writes (tx_id) or deletes (NULL) a record, with its undo entry. */
static ec_err vote_write(mem *m, const ec_id *token, const ec_id *prev, const ec_id *tx_id)
{
    if (!m->in_txn) return EC_ERR_ARG;
    undo u = {.kind = UNDO_VOTE, .id = *token, .prev = *prev};
    u.had_head = mem_get_vote(m, token, prev, &u.old.tx_id) == EC_OK;
    if (!u.had_head && tx_id == NULL) return EC_OK;
    ec_err err = log_push(m, &u);
    if (err) return err;
    if ((err = vote_set(m, token, prev, tx_id)) != EC_OK) m->log_len--;
    return err;
}

static ec_err mem_put_vote(void *impl, const ec_id *token, const ec_id *prev, const ec_id *tx_id)
{
    return vote_write(impl, token, prev, tx_id);
}

static ec_err mem_del_vote(void *impl, const ec_id *token, const ec_id *prev)
{
    return vote_write(impl, token, prev, NULL);
}

static ec_err mem_get_rec(void *impl, const uint8_t *key, size_t klen, uint8_t *buf, size_t cap, size_t *len)
{
    mem *m = impl;
    GBytes *k = g_bytes_new_static(key, klen);
    GBytes *v = g_hash_table_lookup(m->recs, k);
    g_bytes_unref(k);
    if (v == NULL) return EC_ERR_NOTFOUND;
    size_t n;
    const void *d = g_bytes_get_data(v, &n);
    *len = n;
    if (cap < n) return EC_ERR_RANGE;
    if (n) memcpy(buf, d, n);
    return EC_OK;
}

/* Writes (val) or deletes (NULL) a record, with its undo entry. */
static ec_err rec_write(mem *m, const uint8_t *key, size_t klen, const uint8_t *val, size_t vlen)
{
    if (!m->in_txn) return EC_ERR_ARG;
    GBytes *k = g_bytes_new(key, klen);
    GBytes *old = g_hash_table_lookup(m->recs, k);
    if (old == NULL && val == NULL) {
        g_bytes_unref(k);
        return EC_OK;
    }
    undo u = {.kind = UNDO_REC, .rkey = g_bytes_ref(k), .rold = old ? g_bytes_ref(old) : NULL};
    if (log_push(m, &u) != EC_OK) {
        g_bytes_unref(k);
        g_bytes_unref(k);
        if (u.rold) g_bytes_unref(u.rold);
        return EC_ERR_NOMEM;
    }
    if (val) g_hash_table_replace(m->recs, k, g_bytes_new(val, vlen));
    else {
        g_hash_table_remove(m->recs, k);
        g_bytes_unref(k);
    }
    return EC_OK;
}

static ec_err mem_put_rec(void *impl, const uint8_t *key, size_t klen, const uint8_t *val, size_t vlen)
{
    return rec_write(impl, key, klen, val, vlen);
}

static ec_err mem_del_rec(void *impl, const uint8_t *key, size_t klen)
{
    return rec_write(impl, key, klen, NULL, 0);
}

/* Byte order, a key before the longer keys it begins (LMDB's order). */
static int key_cmp(const void *a, const void *b)
{
    GBytes *const *x = a, *const *y = b;
    size_t xl, yl;
    const uint8_t *xd = g_bytes_get_data(*x, &xl), *yd = g_bytes_get_data(*y, &yl);
    int c = memcmp(xd, yd, xl < yl ? xl : yl);
    return c ? c : (xl > yl) - (xl < yl);
}

/* The records are hashed: the matching keys are gathered (with a reference
 * each, so that nothing fn does frees them), sorted, then visited. */
static ec_err mem_each_rec(void *impl, const uint8_t *prefix, size_t plen, ec_store_rec_fn fn, void *arg)
{
    mem *m = impl;
    GPtrArray *keys = g_ptr_array_new_with_free_func((GDestroyNotify)g_bytes_unref);
    GHashTableIter it;
    gpointer k, v;
    g_hash_table_iter_init(&it, m->recs);
    while (g_hash_table_iter_next(&it, &k, &v)) {
        size_t kl;
        const uint8_t *kd = g_bytes_get_data(k, &kl);
        if (kl >= plen && (plen == 0 || memcmp(kd, prefix, plen) == 0)) g_ptr_array_add(keys, g_bytes_ref(k));
    }
    if (keys->len > 1) qsort(keys->pdata, keys->len, sizeof(gpointer), key_cmp);
    for (guint i = 0; i < keys->len; i++) {
        GBytes *val = g_hash_table_lookup(m->recs, keys->pdata[i]);
        if (val == NULL) continue; /* gone meanwhile */
        g_bytes_ref(val);
        size_t kl, vl;
        const uint8_t *kd = g_bytes_get_data(keys->pdata[i], &kl), *vd = g_bytes_get_data(val, &vl);
        bool more = fn(arg, kd, kl, vd, vl);
        g_bytes_unref(val);
        if (!more) break;
    }
    g_ptr_array_free(keys, TRUE);
    return EC_OK;
}

static ec_err mem_iterate(void *impl, const ec_id *from, ec_store_iter_fn fn, void *arg)
{
    mem *m = impl;
    GTreeNode *n = from ? g_tree_lower_bound(m->heads, from) : g_tree_node_first(m->heads);
    for (; n; n = g_tree_node_next(n)) {
        head_entry *e = g_tree_node_value(n);
        if (!fn(arg, &e->token, &e->head)) break;
    }
    return EC_OK;
}

static ec_err mem_iterate_down(void *impl, const ec_id *from, ec_store_iter_fn fn, void *arg)
{
    mem *m = impl;
    GTreeNode *n;
    if (from == NULL) {
        n = g_tree_node_last(m->heads);
    } else {
        /* The last id <= from: before the first one > from (or the last). */
        n = g_tree_upper_bound(m->heads, from);
        n = n ? g_tree_node_previous(n) : g_tree_node_last(m->heads);
    }
    for (; n; n = g_tree_node_previous(n)) {
        head_entry *e = g_tree_node_value(n);
        if (!fn(arg, &e->token, &e->head)) break;
    }
    return EC_OK;
}

static ec_err mem_counts(void *impl, ec_store_counts *out)
{
    mem *m = impl;
    out->tokens = (uint64_t)g_tree_nnodes(m->heads);
    out->transactions = g_hash_table_size(m->txs);
    out->votes = g_hash_table_size(m->votes);
    return EC_OK;
}

static void mem_close(void *impl)
{
    mem *m = impl;
    mem_abort(m);
    g_tree_destroy(m->heads);
    g_hash_table_destroy(m->txs);
    g_hash_table_destroy(m->votes);
    g_hash_table_destroy(m->recs);
    free(m->log);
    free(m);
}

static const ec_store_vtable mem_vt = {
    mem_begin, mem_commit, mem_abort, mem_get_head, mem_put_head,
    mem_get_tx, mem_put_tx, mem_get_vote, mem_put_vote, mem_del_vote,
    mem_get_rec, mem_put_rec, mem_del_rec, mem_each_rec, mem_iterate, mem_iterate_down, mem_counts, mem_close,
};

ec_err ec_store_mem_open(ec_store **out)
{
    mem *m = calloc(1, sizeof *m);
    if (m == NULL) return EC_ERR_NOMEM;
    m->heads = g_tree_new_full(cmp_id, NULL, NULL, free);
    m->txs = g_hash_table_new_full(ec_idhash_hash, ec_idhash_equal, NULL, free);
    m->votes = g_hash_table_new_full(vote_hash, vote_equal, NULL, free);
    m->recs = g_hash_table_new_full(g_bytes_hash, g_bytes_equal, (GDestroyNotify)g_bytes_unref,
                                    (GDestroyNotify)g_bytes_unref);
    m->store.vt = &mem_vt;
    m->store.impl = m;
    *out = &m->store;
    return EC_OK;
}
