/* Durable writes and group commit (the driver API, node.h).
 *
 * Everything the node must not forget (a sticky vote record, a commit, an
 * adopted head) is written through node_write_begin / node_write_end. By
 * default each is its own store transaction, committed before the call
 * returns, and what depends on it (the vote, the commit's consequences) is
 * queued after. In a batch (ec_node_batch_begin .. ec_node_batch_end) the
 * writes of many inputs share one store transaction, and every message
 * queued during the batch is held in the outbox until the batch commits:
 * still nothing leaves before what it depends on is durable, at the cost
 * of one fsync per batch instead of one per write.
 *
 * A failed batch is as if the node had crashed before it: the store
 * transaction is aborted, the held messages are dropped, and the pending
 * transactions the batch touched are forgotten (the network re-sends what
 * matters; our sticky records on disk are unchanged). */
#include <stdlib.h>
#include <string.h>

#include "core/node_internal.h"

ec_err node_write_begin(ec_node *n, ec_store *s)
{
    if (n->batch && s == n->store) return n->batch_err;
    ec_err err = ec_store_begin(s);
    if (err) n->stats.store_errors++;
    return err;
}

ec_err node_write_end(ec_node *n, ec_store *s, ec_err err, const ec_id *touched)
{
    if (n->batch && s == n->store) {
        /* One failed write fails the whole batch: LMDB has no partial abort. */
        if (err && !n->batch_err) n->batch_err = err;
        if (touched) node_batch_touch(n, touched);
        return n->batch_err;
    }
    if (!err) err = ec_store_commit(s);
    if (err) {
        ec_store_abort(s);
        n->stats.store_errors++;
        node_log(n, 0, "store write failed: %s", ec_err_str(err));
    }
    return err;
}

void node_batch_touch(ec_node *n, const ec_id *tx_id)
{
    if (!n->batch) return;
    for (size_t i = 0; i < n->ntouched; i++)
        if (ec_id_cmp(&n->touched[i], tx_id) == 0) return;
    if (n->ntouched == n->captouched) {
        size_t cap = n->captouched ? 2 * n->captouched : 64;
        ec_id *t = realloc(n->touched, cap * sizeof *t);
        if (t == NULL) {
            n->batch_err = EC_ERR_NOMEM; /* cannot track it: the batch must fail */
            return;
        }
        n->touched = t;
        n->captouched = cap;
    }
    n->touched[n->ntouched++] = *tx_id;
}

ec_err ec_node_batch_begin(ec_node *n)
{
    if (n->batch) return EC_ERR_ARG;
    ec_err err = ec_store_begin(n->store);
    if (err) return err;
    n->batch = true;
    n->batch_err = EC_OK;
    n->ntouched = 0;
    n->held = 0;
    return EC_OK;
}

ec_err ec_node_batch_end(ec_node *n)
{
    if (!n->batch) return EC_ERR_ARG;
    n->batch = false;
    ec_err err = n->batch_err;
    if (!err) err = ec_store_commit(n->store); /* LMDB: the txn is gone either way */
    if (!err) {
        n->held = 0; /* released: next_out hands them out */
        for (size_t i = 0; i < n->ntouched; i++) {
            ptx *p = g_hash_table_lookup(n->pending, &n->touched[i]);
            if (p && p->committed && !p->refused_here && n->on_commit)
                n->on_commit(n->on_commit_arg, n, p->committed_at, &p->id, &p->tx);
        }
        n->ntouched = 0;
        return EC_OK;
    }
    /* Rolled back: drop what was held, forget what the batch touched. */
    ec_store_abort(n->store);
    n->stats.store_errors++;
    n->stats.batches_failed++;
    node_log(n, 0, "batch rolled back (%s): %zu messages dropped, %zu transactions forgotten",
             ec_err_str(err), n->held, n->ntouched);
    for (; n->held > 0; n->held--) {
        outmsg *o = g_queue_pop_tail(n->outbox);
        n->outbox_bytes -= o->len;
        free(o);
    }
    for (size_t i = 0; i < n->ntouched; i++) {
        ptx *p = g_hash_table_lookup(n->pending, &n->touched[i]);
        if (p == NULL) continue;
        node_lookups_forget(n, p);
        g_hash_table_remove(n->pending, &n->touched[i]);
    }
    n->ntouched = 0;
    return err;
}
