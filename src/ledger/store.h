/* The ledger store: token heads and transaction bytes, behind one interface
 * with two backends (store_lmdb.c, the durable default; store_mem.c, for the
 * simulator).
 *
 * Model (LMDB's): one write transaction at a time. ec_store_begin opens it;
 * reads made while it is open see its uncommitted writes; ec_store_commit
 * makes all of them durable at once (when it returns EC_OK they survive a
 * crash) and ec_store_abort drops all of them. Reads with no write
 * transaction open see the last commit.
 *
 * Ownership: the caller opens a store (ec_store_lmdb_open / ec_store_mem_open)
 * and closes it with ec_store_close, which frees everything. Buffers passed
 * in are copied; nothing returned points into the store. */
#ifndef EC_LEDGER_STORE_H
#define EC_LEDGER_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/err.h"
#include "crypto/id.h"

/* What a token's last committed change recorded. */
typedef struct ec_head {
    ec_id tx_id;           /* the transaction that last changed the token */
    uint64_t timestamp_ms; /* its timestamp */
    ec_id owner;           /* who may sign the next change; zero = destroyed */
} ec_head;

typedef struct ec_store_counts {
    uint64_t tokens;       /* tokens with a head (destroyed ones included) */
    uint64_t transactions; /* transactions stored */
    uint64_t votes;        /* sticky vote records */
} ec_store_counts;

/* Called for each token in ascending id order; return false to stop. */
typedef bool (*ec_store_iter_fn)(void *arg, const ec_id *token, const ec_head *head);
/* Called for each record (ec_store_each_rec) in ascending key order (bytes
 * compared as unsigned, a key before the longer keys it begins); key and
 * val are valid during the call only. Return false to stop. */
typedef bool (*ec_store_rec_fn)(void *arg, const uint8_t *key, size_t klen, const uint8_t *val,
                                size_t vlen);

typedef struct ec_store_vtable {
    ec_err (*begin)(void *impl);
    ec_err (*commit)(void *impl);
    void (*abort)(void *impl);
    ec_err (*get_head)(void *impl, const ec_id *token, ec_head *out);
    ec_err (*put_head)(void *impl, const ec_id *token, const ec_head *head);
    ec_err (*get_tx)(void *impl, const ec_id *tx_id, uint8_t *buf, size_t cap, size_t *len);
    ec_err (*put_tx)(void *impl, const ec_id *tx_id, const uint8_t *buf, size_t len);
    ec_err (*get_vote)(void *impl, const ec_id *token, const ec_id *prev, ec_id *tx_id);
    ec_err (*put_vote)(void *impl, const ec_id *token, const ec_id *prev, const ec_id *tx_id);
    ec_err (*del_vote)(void *impl, const ec_id *token, const ec_id *prev);
    ec_err (*get_rec)(void *impl, const uint8_t *key, size_t klen, uint8_t *buf, size_t cap, size_t *len);
    ec_err (*put_rec)(void *impl, const uint8_t *key, size_t klen, const uint8_t *val, size_t vlen);
    ec_err (*del_rec)(void *impl, const uint8_t *key, size_t klen);
    ec_err (*each_rec)(void *impl, const uint8_t *prefix, size_t plen, ec_store_rec_fn fn, void *arg);
    ec_err (*iterate)(void *impl, const ec_id *from, ec_store_iter_fn fn, void *arg);
    ec_err (*iterate_down)(void *impl, const ec_id *from, ec_store_iter_fn fn, void *arg);
    ec_err (*counts)(void *impl, ec_store_counts *out);
    void (*close)(void *impl);
} ec_store_vtable;

typedef struct ec_store {
    const ec_store_vtable *vt;
    void *impl;
} ec_store;

/* Opens (creating if needed) an LMDB store in directory `dir`, which must
 * exist. map_size_bytes 0 = default (EC_STORE_LMDB_MAP_DEFAULT). */
#define EC_STORE_LMDB_MAP_DEFAULT ((size_t)16 << 30)
ec_err ec_store_lmdb_open(ec_store **out, const char *dir, size_t map_size_bytes);
/* Opens an empty in-memory store. */
ec_err ec_store_mem_open(ec_store **out);
void ec_store_close(ec_store *s);

/* EC_ERR_ARG if a write transaction is already open. */
ec_err ec_store_begin(ec_store *s);
ec_err ec_store_commit(ec_store *s);
void ec_store_abort(ec_store *s);
/* EC_ERR_NOTFOUND if the token has no head. */
ec_err ec_store_get_head(ec_store *s, const ec_id *token, ec_head *out);
/* Writes need an open write transaction (EC_ERR_ARG otherwise). */
ec_err ec_store_put_head(ec_store *s, const ec_id *token, const ec_head *head);
/* EC_ERR_NOTFOUND if unknown, EC_ERR_RANGE if cap is too small (*len is
 * then the size needed). */
ec_err ec_store_get_tx(ec_store *s, const ec_id *tx_id, uint8_t *buf, size_t cap,
                       size_t *len);
ec_err ec_store_put_tx(ec_store *s, const ec_id *tx_id, const uint8_t *buf, size_t len);
bool ec_store_has_tx(ec_store *s, const ec_id *tx_id);
/* Sticky votes (docs/CONSENSUS.md, "Restarts"): the one transaction this
 * node voted +1 for on a token's head `prev` (zero for a create). A node
 * writes the record, and commits it, before its vote leaves; it deletes
 * the record once the token's head has moved past `prev`.
 * get: EC_ERR_NOTFOUND if there is none. put overwrites (the caller checks
 * first); del of an absent record is EC_OK. Writes need an open write
 * transaction (EC_ERR_ARG otherwise). */
ec_err ec_store_get_vote(ec_store *s, const ec_id *token, const ec_id *prev, ec_id *tx_id);
ec_err ec_store_put_vote(ec_store *s, const ec_id *token, const ec_id *prev, const ec_id *tx_id);
ec_err ec_store_del_vote(ec_store *s, const ec_id *token, const ec_id *prev);
/* Opaque records under byte keys (1..EC_STORE_KEY_MAX bytes; values up to
 * EC_STORE_VAL_MAX): the commit chain's blocks and state (core/chain.c),
 * written in the same transactions as the commits they record.
 * get: EC_ERR_NOTFOUND, EC_ERR_RANGE if cap is too small (*len is then the
 * size needed). put overwrites; del of an absent record is EC_OK. Writes
 * need an open write transaction (EC_ERR_ARG otherwise), as do bad sizes. */
#define EC_STORE_KEY_MAX 64
#define EC_STORE_VAL_MAX 65536
ec_err ec_store_get_rec(ec_store *s, const uint8_t *key, size_t klen, uint8_t *buf, size_t cap, size_t *len);
ec_err ec_store_put_rec(ec_store *s, const uint8_t *key, size_t klen, const uint8_t *val, size_t vlen);
ec_err ec_store_del_rec(ec_store *s, const uint8_t *key, size_t klen);
/* Calls fn for every record whose key begins with prefix[0..plen) (plen
 * 0: every record), in key order, until fn returns false; only records
 * (not heads, transactions or votes). Inside a write transaction it sees
 * its writes. fn must not write to the store. EC_OK (also when fn
 * stopped it or nothing matched), EC_ERR_ARG (a NULL fn, a NULL prefix
 * with plen > 0, plen > EC_STORE_KEY_MAX), EC_ERR_CORRUPT, or the
 * backend's error. */
ec_err ec_store_each_rec(ec_store *s, const uint8_t *prefix, size_t plen, ec_store_rec_fn fn, void *arg);
/* Tokens with id >= from (all if from is NULL), ascending. */
ec_err ec_store_iterate(ec_store *s, const ec_id *from, ec_store_iter_fn fn, void *arg);
/* Tokens with id <= from (all if from is NULL), descending (the proof of
 * storage walks both ways: core/pos.h). */
ec_err ec_store_iterate_down(ec_store *s, const ec_id *from, ec_store_iter_fn fn, void *arg);
ec_err ec_store_counts_get(ec_store *s, ec_store_counts *out);

#endif
