/* A store wrapper for tests: forwards to an inner store, counts commits,
 * and fails them on demand (fail_commit). Open one with
 *   flaky f = {{&fl_vt, &f}, inner, false, 0};  and use &f.store. */
#ifndef EC_TEST_FLAKY_STORE_H
#define EC_TEST_FLAKY_STORE_H

#include "ledger/store.h"

typedef struct flaky {
    ec_store store;
    ec_store *inner;
    bool fail_commit;
    unsigned commits; /* store commits that succeeded */
} flaky;

static ec_err fl_begin(void *i) { return ec_store_begin(((flaky *)i)->inner); }
static ec_err fl_commit(void *i)
{
    flaky *f = i;
    if (f->fail_commit) {
        ec_store_abort(f->inner);
        return EC_ERR_IO;
    }
    ec_err err = ec_store_commit(f->inner);
    f->commits += err == EC_OK;
    return err;
}
static void fl_abort(void *i) { ec_store_abort(((flaky *)i)->inner); }
static ec_err fl_get_head(void *i, const ec_id *t, ec_head *o) { return ec_store_get_head(((flaky *)i)->inner, t, o); }
static ec_err fl_put_head(void *i, const ec_id *t, const ec_head *h) { return ec_store_put_head(((flaky *)i)->inner, t, h); }
static ec_err fl_get_tx(void *i, const ec_id *x, uint8_t *b, size_t c, size_t *l) { return ec_store_get_tx(((flaky *)i)->inner, x, b, c, l); }
static ec_err fl_put_tx(void *i, const ec_id *x, const uint8_t *b, size_t l) { return ec_store_put_tx(((flaky *)i)->inner, x, b, l); }
static ec_err fl_get_vote(void *i, const ec_id *t, const ec_id *p, ec_id *x) { return ec_store_get_vote(((flaky *)i)->inner, t, p, x); }
static ec_err fl_put_vote(void *i, const ec_id *t, const ec_id *p, const ec_id *x) { return ec_store_put_vote(((flaky *)i)->inner, t, p, x); }
static ec_err fl_del_vote(void *i, const ec_id *t, const ec_id *p) { return ec_store_del_vote(((flaky *)i)->inner, t, p); }
static ec_err fl_get_rec(void *i, const uint8_t *k, size_t kl, uint8_t *b, size_t c, size_t *l) { return ec_store_get_rec(((flaky *)i)->inner, k, kl, b, c, l); }
static ec_err fl_put_rec(void *i, const uint8_t *k, size_t kl, const uint8_t *v, size_t vl) { return ec_store_put_rec(((flaky *)i)->inner, k, kl, v, vl); }
static ec_err fl_del_rec(void *i, const uint8_t *k, size_t kl) { return ec_store_del_rec(((flaky *)i)->inner, k, kl); }
static ec_err fl_each_rec(void *i, const uint8_t *p, size_t pl, ec_store_rec_fn fn, void *a) { return ec_store_each_rec(((flaky *)i)->inner, p, pl, fn, a); }
static ec_err fl_iterate(void *i, const ec_id *f, ec_store_iter_fn fn, void *a) { return ec_store_iterate(((flaky *)i)->inner, f, fn, a); }
static ec_err fl_iterate_down(void *i, const ec_id *f, ec_store_iter_fn fn, void *a) { return ec_store_iterate_down(((flaky *)i)->inner, f, fn, a); }
static ec_err fl_counts(void *i, ec_store_counts *o) { return ec_store_counts_get(((flaky *)i)->inner, o); }
static void fl_close(void *i) { (void)i; }

static const ec_store_vtable fl_vt = {fl_begin, fl_commit, fl_abort, fl_get_head, fl_put_head,
                                      fl_get_tx, fl_put_tx, fl_get_vote, fl_put_vote, fl_del_vote,
                                      fl_get_rec, fl_put_rec, fl_del_rec, fl_each_rec, fl_iterate, fl_iterate_down, fl_counts, fl_close};

#endif
