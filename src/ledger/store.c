/* Dispatch from the ec_store interface to its backend. */
#include "ledger/store.h"

void ec_store_close(ec_store *s)
{
    if (s) s->vt->close(s->impl); /* frees s too: the backend allocated it */
}

ec_err ec_store_begin(ec_store *s) { return s->vt->begin(s->impl); }
ec_err ec_store_commit(ec_store *s) { return s->vt->commit(s->impl); }
void ec_store_abort(ec_store *s) { s->vt->abort(s->impl); }

ec_err ec_store_get_head(ec_store *s, const ec_id *token, ec_head *out)
{
    return s->vt->get_head(s->impl, token, out);
}

ec_err ec_store_put_head(ec_store *s, const ec_id *token, const ec_head *head)
{
    return s->vt->put_head(s->impl, token, head);
}

ec_err ec_store_get_tx(ec_store *s, const ec_id *tx_id, uint8_t *buf, size_t cap,
                       size_t *len)
{
    return s->vt->get_tx(s->impl, tx_id, buf, cap, len);
}

ec_err ec_store_put_tx(ec_store *s, const ec_id *tx_id, const uint8_t *buf, size_t len)
{
    return s->vt->put_tx(s->impl, tx_id, buf, len);
}

bool ec_store_has_tx(ec_store *s, const ec_id *tx_id)
{
    size_t len;
    ec_err err = s->vt->get_tx(s->impl, tx_id, NULL, 0, &len);
    return err == EC_OK || err == EC_ERR_RANGE;
}

ec_err ec_store_get_vote(ec_store *s, const ec_id *token, const ec_id *prev, ec_id *tx_id)
{
    return s->vt->get_vote(s->impl, token, prev, tx_id);
}

ec_err ec_store_put_vote(ec_store *s, const ec_id *token, const ec_id *prev, const ec_id *tx_id)
{
    return s->vt->put_vote(s->impl, token, prev, tx_id);
}

ec_err ec_store_del_vote(ec_store *s, const ec_id *token, const ec_id *prev)
{
    return s->vt->del_vote(s->impl, token, prev);
}

static bool key_ok(const uint8_t *key, size_t klen)
{
    return key != NULL && klen > 0 && klen <= EC_STORE_KEY_MAX;
}

ec_err ec_store_get_rec(ec_store *s, const uint8_t *key, size_t klen, uint8_t *buf, size_t cap, size_t *len)
{
    if (!key_ok(key, klen)) return EC_ERR_ARG;
    return s->vt->get_rec(s->impl, key, klen, buf, cap, len);
}

ec_err ec_store_put_rec(ec_store *s, const uint8_t *key, size_t klen, const uint8_t *val, size_t vlen)
{
    if (!key_ok(key, klen) || vlen > EC_STORE_VAL_MAX || (vlen && val == NULL)) return EC_ERR_ARG;
    static const uint8_t empty[1] = {0};
    return s->vt->put_rec(s->impl, key, klen, vlen ? val : empty, vlen);
}

ec_err ec_store_del_rec(ec_store *s, const uint8_t *key, size_t klen)
{
    if (!key_ok(key, klen)) return EC_ERR_ARG;
    return s->vt->del_rec(s->impl, key, klen);
}

ec_err ec_store_each_rec(ec_store *s, const uint8_t *prefix, size_t plen, ec_store_rec_fn fn, void *arg)
{
    if (fn == NULL || (plen && prefix == NULL) || plen > EC_STORE_KEY_MAX) return EC_ERR_ARG;
    return s->vt->each_rec(s->impl, prefix, plen, fn, arg);
}

ec_err ec_store_iterate_down(ec_store *s, const ec_id *from, ec_store_iter_fn fn, void *arg)
{
    if (s == NULL || fn == NULL) return EC_ERR_ARG;
    return s->vt->iterate_down(s->impl, from, fn, arg);
}

ec_err ec_store_iterate(ec_store *s, const ec_id *from, ec_store_iter_fn fn, void *arg)
{
    return s->vt->iterate(s->impl, from, fn, arg);
}

ec_err ec_store_counts_get(ec_store *s, ec_store_counts *out)
{
    return s->vt->counts(s->impl, out);
}
