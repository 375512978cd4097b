/* The signed claims a mapping answer carries (Minefield, seed §8;
 * docs/SECURITY.md "Signed mappings"): up to EC_MSG_CLAIMS_MAX (token, head,
 * prev, commit time, block height) of the answerer, one signature over all
 * of them. The signature itself is core/claims.c's; here only the bytes:
 *   n u8 (0..4) | if n > 0: key 32 | sig 64 | n x (token 32 | head 32 |
 *   prev 32 | timestamp_ms u64 | block_height u64 | block_index u8)
 * Strict: unused claims and (for n = 0) key and signature are zero; heads
 * are not zero; tokens are distinct; block_index is below 32, or 0xff
 * (none), and 0xff when block_height is 0. */
#include <string.h>

#include "wire/msg.h"

static bool zero(const void *p, size_t n)
{
    const uint8_t *b = p;
    for (size_t i = 0; i < n; i++)
        if (b[i]) return false;
    return true;
}

ec_err ec_msg_claims_check(const ec_msg_claims *c)
{
    if (c->n > EC_MSG_CLAIMS_MAX) return EC_ERR_MALFORMED;
    if (c->n == 0 && (!zero(&c->key, sizeof c->key) || !zero(&c->sig, sizeof c->sig))) return EC_ERR_MALFORMED;
    for (int i = 0; i < EC_MSG_CLAIMS_MAX; i++) {
        const ec_msg_claim *x = &c->c[i];
        if (i >= c->n) {
            if (!zero(x, sizeof *x)) return EC_ERR_MALFORMED;
            continue;
        }
        if (ec_id_is_zero(&x->head)) return EC_ERR_MALFORMED;
        if (x->block_index != EC_MSG_CLAIM_NO_INDEX && (x->block_index >= 32 || x->block_height == 0))
            return EC_ERR_MALFORMED;
        for (int j = 0; j < i; j++)
            if (ec_id_cmp(&c->c[j].token, &x->token) == 0) return EC_ERR_MALFORMED;
    }
    return EC_OK;
}

void ec_msg_claims_put(ec_wire_writer *w, const ec_msg_claims *c)
{
    ec_wire_put_u8(w, c->n);
    if (c->n == 0) return;
    ec_wire_put_bytes(w, c->key.b, sizeof c->key.b);
    ec_wire_put_bytes(w, c->sig.b, sizeof c->sig.b);
    for (int i = 0; i < c->n && i < EC_MSG_CLAIMS_MAX; i++) {
        const ec_msg_claim *x = &c->c[i];
        ec_wire_put_bytes(w, x->token.b, EC_ID_LEN);
        ec_wire_put_bytes(w, x->head.b, EC_ID_LEN);
        ec_wire_put_bytes(w, x->prev.b, EC_ID_LEN);
        ec_wire_put_u64(w, x->timestamp_ms);
        ec_wire_put_u64(w, x->block_height);
        ec_wire_put_u8(w, x->block_index);
    }
}

void ec_msg_claims_get(ec_wire_reader *r, ec_msg_claims *c)
{
    memset(c, 0, sizeof *c);
    uint8_t n = ec_wire_get_u8(r);
    if (r->err) return;
    if (n > EC_MSG_CLAIMS_MAX) {
        r->err = EC_ERR_MALFORMED;
        return;
    }
    c->n = n;
    if (n == 0) return;
    ec_wire_get_bytes(r, c->key.b, sizeof c->key.b);
    ec_wire_get_bytes(r, c->sig.b, sizeof c->sig.b);
    for (int i = 0; i < n; i++) {
        ec_msg_claim *x = &c->c[i];
        ec_wire_get_bytes(r, x->token.b, EC_ID_LEN);
        ec_wire_get_bytes(r, x->head.b, EC_ID_LEN);
        ec_wire_get_bytes(r, x->prev.b, EC_ID_LEN);
        x->timestamp_ms = ec_wire_get_u64(r);
        x->block_height = ec_wire_get_u64(r);
        x->block_index = ec_wire_get_u8(r);
    }
}

ec_err ec_msg_claims_encode(const ec_msg_claims *c, uint8_t *buf, size_t cap, size_t *len)
{
    if (c == NULL || buf == NULL) return EC_ERR_ARG;
    ec_err err = ec_msg_claims_check(c);
    if (err) return err;
    ec_wire_writer w;
    ec_wire_writer_init(&w, buf, cap);
    ec_msg_claims_put(&w, c);
    if (w.err) return w.err;
    if (len) *len = w.len;
    return EC_OK;
}

ec_err ec_msg_claims_decode(ec_msg_claims *c, const uint8_t *buf, size_t len)
{
    if (c == NULL || (buf == NULL && len)) return EC_ERR_ARG;
    ec_wire_reader r;
    ec_wire_reader_init(&r, buf, len);
    ec_msg_claims_get(&r, c);
    if (r.err) return r.err;
    ec_err err = ec_wire_get_end(&r);
    if (err) return err;
    return ec_msg_claims_check(c);
}
