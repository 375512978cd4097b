/* Chain equivocation evidence: codec and check (chain_evidence.h). */
#include <string.h>

#include "core/chain_evidence.h"
#include "wire/codec.h"

static void put_header(ec_wire_writer *w, const ec_block_header *h)
{
    uint8_t b[EC_BLOCK_HEADER_MAX];
    size_t len = 0;
    ec_err err = ec_block_header_encode(h, b, sizeof b, &len);
    if (err) {
        if (!w->err) w->err = err;
        return;
    }
    ec_wire_put_u16(w, (uint16_t)len);
    ec_wire_put_bytes(w, b, len);
}

static void get_header(ec_wire_reader *r, ec_block_header *h)
{
    size_t len = ec_wire_get_u16(r);
    if (r->err) return;
    if (len > EC_BLOCK_HEADER_MAX) {
        r->err = EC_ERR_MALFORMED;
        return;
    }
    if (r->len - r->pos < len) {
        r->err = EC_ERR_TRUNCATED;
        return;
    }
    if (ec_block_header_decode(h, r->buf + r->pos, len) != EC_OK) {
        r->err = EC_ERR_MALFORMED;
        return;
    }
    r->pos += len;
}

ec_err ec_chain_evidence_encode(const ec_chain_evidence *e, uint8_t *buf, size_t cap, size_t *len)
{
    if (e == NULL || buf == NULL) return EC_ERR_ARG;
    ec_wire_writer w;
    ec_wire_writer_init(&w, buf, cap);
    ec_wire_put_u8(&w, EC_CHAIN_EVIDENCE_VERSION);
    ec_wire_put_bytes(&w, e->signer.b, EC_ID_LEN);
    ec_wire_put_bytes(&w, e->key.b, EC_PUBKEY_LEN);
    put_header(&w, &e->a);
    put_header(&w, &e->b);
    if (w.err) return w.err;
    if (len) *len = w.len;
    return EC_OK;
}

ec_err ec_chain_evidence_decode(ec_chain_evidence *e, const uint8_t *buf, size_t len)
{
    if (e == NULL || (buf == NULL && len)) return EC_ERR_ARG;
    memset(e, 0, sizeof *e);
    ec_wire_reader r;
    ec_wire_reader_init(&r, buf, len);
    uint8_t v = ec_wire_get_u8(&r);
    if (r.err) return r.err;
    if (v != EC_CHAIN_EVIDENCE_VERSION) return EC_ERR_VERSION;
    ec_wire_get_bytes(&r, e->signer.b, EC_ID_LEN);
    ec_wire_get_bytes(&r, e->key.b, EC_PUBKEY_LEN);
    get_header(&r, &e->a);
    get_header(&r, &e->b);
    if (r.err) return r.err;
    return ec_wire_get_end(&r);
}

ec_err ec_chain_evidence_verify(const ec_chain_evidence *e)
{
    if (e == NULL) return EC_ERR_ARG;
    if (!ec_block_equivocation(&e->a, &e->b)) return EC_ERR_MISMATCH;
    if (ec_block_check_sig(&e->a, &e->key) != EC_BLOCK_OK || ec_block_check_sig(&e->b, &e->key) != EC_BLOCK_OK)
        return EC_ERR_SIGNATURE;
    return EC_OK;
}
