/* ec sim pos's stores (sim_pos.h): the universe's tokens held by a peer,
 * in the library's memory store or in a read-only array store. */
#include <stdlib.h>
#include <string.h>

#include "cli/sim_pos.h"

/* The array store: a read-only ec_store over a holder's sorted indices
 * into the universe (get_head by binary search, iteration by index). The
 * walk is a pure function of the ordered set of (token, head), so it
 * answers what ec_store_mem_open's GTree store answers, byte for byte
 * (--store mem runs that one; tests/test_cli_sim.sh compares the two),
 * some 5 times faster: a GTree walk's steps are cache misses. */
typedef struct arr {
    ec_store store;
    const universe *u;
    const uint32_t *idx;
    uint32_t n;
} arr;

static void arr_head(const arr *a, uint32_t k, ec_head *out)
{
    const token_head *th = &a->u->th[a->idx[k]];
    out->tx_id = th->head;
    out->timestamp_ms = 1;
    out->owner = th->tok;
}

/* The first position whose token is >= t (n: none). */
static uint32_t arr_lower(const arr *a, const ec_id *t)
{
    uint32_t lo = 0, hi = a->n;
    while (lo < hi) {
        uint32_t m = lo + (hi - lo) / 2;
        if (ec_id_cmp(&a->u->th[a->idx[m]].tok, t) < 0) lo = m + 1;
        else hi = m;
    }
    return lo;
}

static ec_err arr_refuse(void *impl)
{
    (void)impl;
    return EC_ERR_ARG;
}
static void arr_abort(void *impl) { (void)impl; }
static ec_err arr_get_head(void *impl, const ec_id *token, ec_head *out)
{
    arr *a = impl;
    uint32_t k = arr_lower(a, token);
    if (k == a->n || ec_id_cmp(&a->u->th[a->idx[k]].tok, token) != 0) return EC_ERR_NOTFOUND;
    arr_head(a, k, out);
    return EC_OK;
}
static ec_err arr_put_head(void *impl, const ec_id *token, const ec_head *head)
{
    (void)token, (void)head;
    return arr_refuse(impl);
}
static ec_err arr_get_tx(void *impl, const ec_id *tx_id, uint8_t *buf, size_t cap, size_t *len)
{
    (void)impl, (void)tx_id, (void)buf, (void)cap, (void)len;
    return EC_ERR_NOTFOUND;
}
static ec_err arr_put_tx(void *impl, const ec_id *tx_id, const uint8_t *buf, size_t len)
{
    (void)tx_id, (void)buf, (void)len;
    return arr_refuse(impl);
}
static ec_err arr_get_vote(void *impl, const ec_id *token, const ec_id *prev, ec_id *tx_id)
{
    (void)impl, (void)token, (void)prev, (void)tx_id;
    return EC_ERR_NOTFOUND;
}
static ec_err arr_put_vote(void *impl, const ec_id *token, const ec_id *prev, const ec_id *tx_id)
{
    (void)token, (void)prev, (void)tx_id;
    return arr_refuse(impl);
}
static ec_err arr_del_vote(void *impl, const ec_id *token, const ec_id *prev)
{
    (void)token, (void)prev;
    return arr_refuse(impl);
}
static ec_err arr_get_rec(void *impl, const uint8_t *key, size_t klen, uint8_t *buf, size_t cap, size_t *len)
{
    (void)impl, (void)key, (void)klen, (void)buf, (void)cap, (void)len;
    return EC_ERR_NOTFOUND;
}
static ec_err arr_put_rec(void *impl, const uint8_t *key, size_t klen, const uint8_t *val, size_t vlen)
{
    (void)key, (void)klen, (void)val, (void)vlen;
    return arr_refuse(impl);
}
static ec_err arr_del_rec(void *impl, const uint8_t *key, size_t klen)
{
    (void)key, (void)klen;
    return arr_refuse(impl);
}
static ec_err arr_each_rec(void *impl, const uint8_t *prefix, size_t plen, ec_store_rec_fn fn, void *arg)
{
    (void)impl, (void)prefix, (void)plen, (void)fn, (void)arg;
    return EC_OK;
}
static ec_err arr_iterate(void *impl, const ec_id *from, ec_store_iter_fn fn, void *arg)
{
    arr *a = impl;
    ec_head h;
    for (uint32_t k = from ? arr_lower(a, from) : 0; k < a->n; k++) {
        arr_head(a, k, &h);
        if (!fn(arg, &a->u->th[a->idx[k]].tok, &h)) break;
    }
    return EC_OK;
}
static ec_err arr_iterate_down(void *impl, const ec_id *from, ec_store_iter_fn fn, void *arg)
{
    arr *a = impl;
    ec_head h;
    uint32_t k = a->n; /* one past the last id <= from */
    if (from) {
        k = arr_lower(a, from);
        if (k < a->n && ec_id_cmp(&a->u->th[a->idx[k]].tok, from) == 0) k++;
    }
    while (k-- > 0) {
        arr_head(a, k, &h);
        if (!fn(arg, &a->u->th[a->idx[k]].tok, &h)) break;
    }
    return EC_OK;
}
static ec_err arr_counts(void *impl, ec_store_counts *out)
{
    arr *a = impl;
    memset(out, 0, sizeof *out);
    out->tokens = a->n;
    return EC_OK;
}
static void arr_close(void *impl) { free(impl); }

static const ec_store_vtable arr_vt = {
    arr_refuse, arr_refuse, arr_abort, arr_get_head, arr_put_head, arr_get_tx, arr_put_tx, arr_get_vote,
    arr_put_vote, arr_del_vote, arr_get_rec, arr_put_rec, arr_del_rec, arr_each_rec, arr_iterate,
    arr_iterate_down, arr_counts, arr_close,
};

ec_err holder_open(holder *h, uint32_t cap, bool mem)
{
    memset(h, 0, sizeof *h);
    h->mem = mem;
    h->idx = malloc((cap ? cap : 1) * sizeof *h->idx);
    if (h->idx == NULL) return EC_ERR_NOMEM;
    if (!mem) return EC_OK;
    ec_err e = ec_store_mem_open(&h->s);
    if (!e) e = ec_store_begin(h->s);
    return e;
}

/* Adds universe token i; tokens come in ascending order. */
ec_err holder_put(holder *h, const universe *u, uint32_t i)
{
    h->idx[h->n++] = i;
    if (!h->mem) return EC_OK;
    ec_head hd = {.tx_id = u->th[i].head, .timestamp_ms = 1, .owner = u->th[i].tok};
    return ec_store_put_head(h->s, &u->th[i].tok, &hd);
}

/* The store, once every token is in. */
ec_err holder_seal(holder *h, const universe *u)
{
    if (h->mem) return ec_store_commit(h->s);
    arr *a = calloc(1, sizeof *a);
    if (a == NULL) return EC_ERR_NOMEM;
    a->store.vt = &arr_vt;
    a->store.impl = a;
    a->u = u;
    a->idx = h->idx;
    a->n = h->n;
    h->s = &a->store;
    return EC_OK;
}

void holder_close(holder *h)
{
    if (h->s) ec_store_close(h->s);
    free(h->idx);
    memset(h, 0, sizeof *h);
}
