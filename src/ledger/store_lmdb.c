/* LMDB store backend: the durable default.
 *
 * Four databases in one environment: "heads" (token id -> 72-byte head),
 * "txs" (tx id -> transaction bytes) and "votes" (token id || previous head
 * -> the tx id this node voted +1 for: the sticky vote record), and "recs"
 * (opaque records: the commit chain). LMDB gives the contract of store.h
 * directly: one write transaction at a time, reads inside it see its writes,
 * a returned mdb_txn_commit is durable (fsync'ed), and a killed process needs
 * no recovery. */
#include <errno.h>
#include <lmdb.h>
#include <stdlib.h>
#include <string.h>

#include "ledger/store.h"

#define HEAD_LEN (EC_ID_LEN + 8 + EC_ID_LEN)

typedef struct lm {
    ec_store store;
    MDB_env *env;
    MDB_dbi heads, txs, votes, recs;
    MDB_txn *wtxn; /* open write transaction, or NULL */
} lm;

static ec_err map_err(int rc)
{
    switch (rc) {
    case MDB_SUCCESS: return EC_OK;
    case MDB_NOTFOUND: return EC_ERR_NOTFOUND;
    case MDB_MAP_FULL: return EC_ERR_RANGE;
    case MDB_CORRUPTED: case MDB_PAGE_NOTFOUND: case MDB_INVALID: return EC_ERR_CORRUPT;
    case MDB_VERSION_MISMATCH: return EC_ERR_VERSION;
    case ENOMEM: return EC_ERR_NOMEM;
    default: return EC_ERR_IO;
    }
}

static void head_pack(uint8_t out[HEAD_LEN], const ec_head *h)
{
    memcpy(out, h->tx_id.b, EC_ID_LEN);
    for (int i = 0; i < 8; i++) out[EC_ID_LEN + i] = (uint8_t)(h->timestamp_ms >> (8 * i));
    memcpy(out + EC_ID_LEN + 8, h->owner.b, EC_ID_LEN);
}

static ec_err head_unpack(ec_head *h, const MDB_val *v)
{
    const uint8_t *p = v->mv_data;
    if (v->mv_size != HEAD_LEN) return EC_ERR_CORRUPT;
    memcpy(h->tx_id.b, p, EC_ID_LEN);
    h->timestamp_ms = 0;
    for (int i = 7; i >= 0; i--) h->timestamp_ms = h->timestamp_ms << 8 | p[EC_ID_LEN + i];
    memcpy(h->owner.b, p + EC_ID_LEN + 8, EC_ID_LEN);
    return EC_OK;
}

/* The write transaction if one is open, else a fresh read-only one. */
static int read_txn(lm *l, MDB_txn **txn)
{
    if (l->wtxn) {
        *txn = l->wtxn;
        return MDB_SUCCESS;
    }
    return mdb_txn_begin(l->env, NULL, MDB_RDONLY, txn);
}

static void read_done(lm *l, MDB_txn *txn)
{
    if (txn != l->wtxn) mdb_txn_abort(txn);
}

static ec_err lm_begin(void *impl)
{
    lm *l = impl;
    if (l->wtxn) return EC_ERR_ARG;
    return map_err(mdb_txn_begin(l->env, NULL, 0, &l->wtxn));
}

static ec_err lm_commit(void *impl)
{
    lm *l = impl;
    if (!l->wtxn) return EC_ERR_ARG;
    int rc = mdb_txn_commit(l->wtxn); /* frees the txn even on failure */
    l->wtxn = NULL;
    return map_err(rc);
}

static void lm_abort(void *impl)
{
    lm *l = impl;
    if (l->wtxn) mdb_txn_abort(l->wtxn);
    l->wtxn = NULL;
}

static ec_err lm_get_head(void *impl, const ec_id *token, ec_head *out)
{
    lm *l = impl;
    MDB_txn *txn;
    MDB_val k = {EC_ID_LEN, (void *)token->b}, v;
    int rc = read_txn(l, &txn);
    if (rc) return map_err(rc);
    rc = mdb_get(txn, l->heads, &k, &v);
    ec_err err = rc ? map_err(rc) : head_unpack(out, &v);
    read_done(l, txn);
    return err;
}

static ec_err lm_put_head(void *impl, const ec_id *token, const ec_head *head)
{
    lm *l = impl;
    uint8_t buf[HEAD_LEN];
    if (!l->wtxn) return EC_ERR_ARG;
    head_pack(buf, head);
    MDB_val k = {EC_ID_LEN, (void *)token->b}, v = {HEAD_LEN, buf};
    return map_err(mdb_put(l->wtxn, l->heads, &k, &v, 0));
}

static ec_err lm_get_tx(void *impl, const ec_id *tx_id, uint8_t *buf, size_t cap, size_t *len)
{
    lm *l = impl;
    MDB_txn *txn;
    MDB_val k = {EC_ID_LEN, (void *)tx_id->b}, v;
    int rc = read_txn(l, &txn);
    if (rc) return map_err(rc);
    rc = mdb_get(txn, l->txs, &k, &v);
    ec_err err = map_err(rc);
    if (!err) {
        *len = v.mv_size;
        if (cap < v.mv_size) err = EC_ERR_RANGE;
        else memcpy(buf, v.mv_data, v.mv_size);
    }
    read_done(l, txn);
    return err;
}

static ec_err lm_put_tx(void *impl, const ec_id *tx_id, const uint8_t *buf, size_t len)
{
    lm *l = impl;
    if (!l->wtxn) return EC_ERR_ARG;
    MDB_val k = {EC_ID_LEN, (void *)tx_id->b}, v = {len, (void *)buf};
    int rc = mdb_put(l->wtxn, l->txs, &k, &v, MDB_NOOVERWRITE);
    return rc == MDB_KEYEXIST ? EC_OK : map_err(rc); /* ids name content */
}

static void vote_key(uint8_t key[2 * EC_ID_LEN], const ec_id *token, const ec_id *prev)
{
    memcpy(key, token->b, EC_ID_LEN);
    memcpy(key + EC_ID_LEN, prev->b, EC_ID_LEN);
}

static ec_err lm_get_vote(void *impl, const ec_id *token, const ec_id *prev, ec_id *tx_id)
{
    lm *l = impl;
    MDB_txn *txn;
    uint8_t kb[2 * EC_ID_LEN];
    vote_key(kb, token, prev);
    MDB_val k = {sizeof kb, kb}, v;
    int rc = read_txn(l, &txn);
    if (rc) return map_err(rc);
    rc = mdb_get(txn, l->votes, &k, &v);
    ec_err err = map_err(rc);
    if (!err && v.mv_size != EC_ID_LEN) err = EC_ERR_CORRUPT;
    if (!err) memcpy(tx_id->b, v.mv_data, EC_ID_LEN);
    read_done(l, txn);
    return err;
}

static ec_err lm_put_vote(void *impl, const ec_id *token, const ec_id *prev, const ec_id *tx_id)
{
    lm *l = impl;
    uint8_t kb[2 * EC_ID_LEN];
    if (!l->wtxn) return EC_ERR_ARG;
    vote_key(kb, token, prev);
    MDB_val k = {sizeof kb, kb}, v = {EC_ID_LEN, (void *)tx_id->b};
    return map_err(mdb_put(l->wtxn, l->votes, &k, &v, 0));
}

static ec_err lm_del_vote(void *impl, const ec_id *token, const ec_id *prev)
{
    lm *l = impl;
    uint8_t kb[2 * EC_ID_LEN];
    if (!l->wtxn) return EC_ERR_ARG;
    vote_key(kb, token, prev);
    MDB_val k = {sizeof kb, kb};
    int rc = mdb_del(l->wtxn, l->votes, &k, NULL);
    return rc == MDB_NOTFOUND ? EC_OK : map_err(rc);
}

static ec_err lm_get_rec(void *impl, const uint8_t *key, size_t klen, uint8_t *buf, size_t cap, size_t *len)
{
    lm *l = impl;
    MDB_txn *txn;
    MDB_val k = {klen, (void *)key}, v;
    int rc = read_txn(l, &txn);
    if (rc) return map_err(rc);
    ec_err err = map_err(mdb_get(txn, l->recs, &k, &v));
    if (!err) {
        *len = v.mv_size;
        if (cap < v.mv_size) err = EC_ERR_RANGE;
        else if (v.mv_size) memcpy(buf, v.mv_data, v.mv_size);
    }
    read_done(l, txn);
    return err;
}

static ec_err lm_put_rec(void *impl, const uint8_t *key, size_t klen, const uint8_t *val, size_t vlen)
{
    lm *l = impl;
    if (!l->wtxn) return EC_ERR_ARG;
    MDB_val k = {klen, (void *)key}, v = {vlen, (void *)val};
    return map_err(mdb_put(l->wtxn, l->recs, &k, &v, 0));
}

static ec_err lm_del_rec(void *impl, const uint8_t *key, size_t klen)
{
    lm *l = impl;
    if (!l->wtxn) return EC_ERR_ARG;
    MDB_val k = {klen, (void *)key};
    int rc = mdb_del(l->wtxn, l->recs, &k, NULL);
    return rc == MDB_NOTFOUND ? EC_OK : map_err(rc);
}

/* A read cursor on the records (the write transaction's when one is open,
 * so its writes are seen), from the first key >= prefix while keys begin
 * with it. LMDB's default order is memcmp with the shorter key first on a
 * tie: byte order. An empty prefix starts at the first record (LMDB
 * refuses an empty key). */
static ec_err lm_each_rec(void *impl, const uint8_t *prefix, size_t plen, ec_store_rec_fn fn, void *arg)
{
    lm *l = impl;
    MDB_txn *txn;
    MDB_cursor *cur;
    MDB_val k = {plen, (void *)prefix}, v;
    int rc = read_txn(l, &txn);
    if (rc) return map_err(rc);
    if ((rc = mdb_cursor_open(txn, l->recs, &cur)) != 0) {
        read_done(l, txn);
        return map_err(rc);
    }
    for (rc = mdb_cursor_get(cur, &k, &v, plen ? MDB_SET_RANGE : MDB_FIRST); rc == 0;
         rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
        if (plen && (k.mv_size < plen || memcmp(k.mv_data, prefix, plen) != 0)) break; /* past the prefix */
        if (!fn(arg, k.mv_data, k.mv_size, v.mv_data, v.mv_size)) break;
    }
    ec_err err = rc && rc != MDB_NOTFOUND ? map_err(rc) : EC_OK;
    mdb_cursor_close(cur);
    read_done(l, txn);
    return err;
}

/* Heads from `from` on (NULL: from the first, or the last going down),
 * ascending or (down) descending. */
static ec_err lm_walk(lm *l, const ec_id *from, bool down, ec_store_iter_fn fn, void *arg)
{
    MDB_txn *txn;
    MDB_cursor *cur;
    MDB_val k = {0, NULL}, v;
    int rc = read_txn(l, &txn);
    if (rc) return map_err(rc);
    if ((rc = mdb_cursor_open(txn, l->heads, &cur)) != 0) {
        read_done(l, txn);
        return map_err(rc);
    }
    /* Keys are 32 bytes compared with memcmp: LMDB's order is id order.
     * Up: the first key >= from. Down: from itself, else the one before
     * the first key > from (the last when none is). */
    if (from == NULL) {
        rc = mdb_cursor_get(cur, &k, &v, down ? MDB_LAST : MDB_FIRST);
    } else {
        k = (MDB_val){EC_ID_LEN, (void *)from->b};
        rc = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE);
        if (down && rc == MDB_NOTFOUND) rc = mdb_cursor_get(cur, &k, &v, MDB_LAST);
        else if (down && rc == 0 && (k.mv_size != EC_ID_LEN || memcmp(k.mv_data, from->b, EC_ID_LEN) != 0))
            rc = mdb_cursor_get(cur, &k, &v, MDB_PREV);
    }
    ec_err err = EC_OK;
    for (; rc == 0; rc = mdb_cursor_get(cur, &k, &v, down ? MDB_PREV : MDB_NEXT)) {
        ec_id token;
        ec_head h;
        if (k.mv_size != EC_ID_LEN || head_unpack(&h, &v)) {
            err = EC_ERR_CORRUPT;
            break;
        }
        memcpy(token.b, k.mv_data, EC_ID_LEN);
        if (!fn(arg, &token, &h)) break;
    }
    if (!err && rc && rc != MDB_NOTFOUND) err = map_err(rc);
    mdb_cursor_close(cur);
    read_done(l, txn);
    return err;
}

static ec_err lm_iterate(void *impl, const ec_id *from, ec_store_iter_fn fn, void *arg)
{
    return lm_walk(impl, from, false, fn, arg);
}

static ec_err lm_iterate_down(void *impl, const ec_id *from, ec_store_iter_fn fn, void *arg)
{
    return lm_walk(impl, from, true, fn, arg);
}

static ec_err lm_counts(void *impl, ec_store_counts *out)
{
    lm *l = impl;
    MDB_txn *txn;
    MDB_stat st;
    int rc = read_txn(l, &txn);
    if (rc) return map_err(rc);
    if ((rc = mdb_stat(txn, l->heads, &st)) == 0) {
        out->tokens = st.ms_entries;
        if ((rc = mdb_stat(txn, l->txs, &st)) == 0) out->transactions = st.ms_entries;
        if (rc == 0 && (rc = mdb_stat(txn, l->votes, &st)) == 0) out->votes = st.ms_entries;
    }
    read_done(l, txn);
    return map_err(rc);
}

static void lm_close(void *impl)
{
    lm *l = impl;
    lm_abort(l);
    mdb_env_close(l->env);
    free(l);
}

static const ec_store_vtable lm_vt = {
    lm_begin, lm_commit, lm_abort, lm_get_head, lm_put_head,
    lm_get_tx, lm_put_tx, lm_get_vote, lm_put_vote, lm_del_vote,
    lm_get_rec, lm_put_rec, lm_del_rec, lm_each_rec, lm_iterate, lm_iterate_down, lm_counts, lm_close,
};

ec_err ec_store_lmdb_open(ec_store **out, const char *dir, size_t map_size_bytes)
{
    lm *l = calloc(1, sizeof *l);
    MDB_txn *txn = NULL;
    int rc;
    if (l == NULL) return EC_ERR_NOMEM;
    if ((rc = mdb_env_create(&l->env)) != 0) {
        free(l);
        return map_err(rc);
    }
    size_t map = map_size_bytes ? map_size_bytes : EC_STORE_LMDB_MAP_DEFAULT;
    if ((rc = mdb_env_set_maxdbs(l->env, 4)) == 0 &&
        (rc = mdb_env_set_mapsize(l->env, map)) == 0 &&
        (rc = mdb_env_open(l->env, dir, MDB_NOTLS, 0600)) == 0 &&
        (rc = mdb_txn_begin(l->env, NULL, 0, &txn)) == 0) {
        if ((rc = mdb_dbi_open(txn, "heads", MDB_CREATE, &l->heads)) == 0 &&
            (rc = mdb_dbi_open(txn, "txs", MDB_CREATE, &l->txs)) == 0 &&
            (rc = mdb_dbi_open(txn, "votes", MDB_CREATE, &l->votes)) == 0 &&
            (rc = mdb_dbi_open(txn, "recs", MDB_CREATE, &l->recs)) == 0) {
            rc = mdb_txn_commit(txn);
        } else {
            mdb_txn_abort(txn);
        }
    }
    if (rc != 0) {
        mdb_env_close(l->env);
        free(l);
        /* The callers tell a missing store and a forbidden one apart from a
         * failing disk: name those two precisely. */
        if (rc == ENOENT) return EC_ERR_NOTFOUND;
        return rc == EACCES || rc == EPERM ? EC_ERR_PERM : map_err(rc);
    }
    l->store.vt = &lm_vt;
    l->store.impl = l;
    *out = &l->store;
    return EC_OK;
}
