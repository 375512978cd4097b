/* A claim against its signer's own chain: codec, check, construction
 * (claim_chain.h). */
#include <string.h>

#include "core/claim_chain.h"
#include "core/claims.h"
#include "wire/codec.h"

ec_err ec_claim_chain_evidence_encode(const ec_claim_chain_evidence *e, uint8_t *buf, size_t cap, size_t *len)
{
    if (e == NULL || buf == NULL || e->plen > EC_BLOCK_PATH_MAX) return EC_ERR_ARG;
    uint8_t cb[EC_MSG_CLAIMS_LEN_MAX], hb[EC_BLOCK_HEADER_MAX];
    size_t cl = 0, hl = 0;
    ec_err err = ec_msg_claims_encode(&e->claims, cb, sizeof cb, &cl);
    if (!err) err = ec_block_header_encode(&e->hdr, hb, sizeof hb, &hl);
    if (err) return EC_ERR_ARG;
    ec_wire_writer w;
    ec_wire_writer_init(&w, buf, cap);
    ec_wire_put_u8(&w, EC_CLAIM_CHAIN_EVIDENCE_VERSION);
    ec_wire_put_bytes(&w, e->signer.b, EC_ID_LEN);
    ec_wire_put_u16(&w, (uint16_t)cl);
    ec_wire_put_bytes(&w, cb, cl);
    ec_wire_put_u8(&w, e->which);
    ec_wire_put_u16(&w, (uint16_t)hl);
    ec_wire_put_bytes(&w, hb, hl);
    ec_wire_put_bytes(&w, e->leaf.b, EC_ID_LEN);
    ec_wire_put_u8(&w, e->plen);
    for (unsigned i = 0; i < e->plen; i++) ec_wire_put_bytes(&w, e->path[i].b, EC_ID_LEN);
    if (w.err) return w.err;
    if (len) *len = w.len;
    return EC_OK;
}

ec_err ec_claim_chain_evidence_decode(ec_claim_chain_evidence *e, const uint8_t *buf, size_t len)
{
    if (e == NULL || (buf == NULL && len)) return EC_ERR_ARG;
    memset(e, 0, sizeof *e);
    ec_wire_reader r;
    ec_wire_reader_init(&r, buf, len);
    uint8_t v = ec_wire_get_u8(&r);
    if (r.err) return r.err;
    if (v != EC_CLAIM_CHAIN_EVIDENCE_VERSION) return EC_ERR_VERSION;
    ec_wire_get_bytes(&r, e->signer.b, EC_ID_LEN);
    size_t cl = ec_wire_get_u16(&r);
    if (r.err) return r.err;
    if (cl > EC_MSG_CLAIMS_LEN_MAX) return EC_ERR_MALFORMED;
    if (r.len - r.pos < cl) return EC_ERR_TRUNCATED;
    if (ec_msg_claims_decode(&e->claims, r.buf + r.pos, cl) != EC_OK || e->claims.n == 0) return EC_ERR_MALFORMED;
    r.pos += cl;
    e->which = ec_wire_get_u8(&r);
    size_t hl = ec_wire_get_u16(&r);
    if (r.err) return r.err;
    if (e->which >= e->claims.n || hl > EC_BLOCK_HEADER_MAX) return EC_ERR_MALFORMED;
    if (r.len - r.pos < hl) return EC_ERR_TRUNCATED;
    if (ec_block_header_decode(&e->hdr, r.buf + r.pos, hl) != EC_OK) return EC_ERR_MALFORMED;
    r.pos += hl;
    ec_wire_get_bytes(&r, e->leaf.b, EC_ID_LEN);
    e->plen = ec_wire_get_u8(&r);
    if (r.err) return r.err;
    if (e->plen > EC_BLOCK_PATH_MAX) return EC_ERR_MALFORMED;
    for (unsigned i = 0; i < e->plen; i++) ec_wire_get_bytes(&r, e->path[i].b, EC_ID_LEN);
    return ec_wire_get_end(&r);
}

ec_err ec_claim_chain_evidence_verify(const ec_claim_chain_evidence *e)
{
    if (e == NULL || e->claims.n == 0 || e->which >= e->claims.n || e->plen > EC_BLOCK_PATH_MAX) return EC_ERR_ARG;
    const ec_msg_claim *c = &e->claims.c[e->which];
    if (c->block_height == 0 || c->block_index == EC_MSG_CLAIM_NO_INDEX || e->hdr.height != c->block_height)
        return EC_ERR_MISMATCH;
    if (ec_claims_verify(&e->claims, &e->signer) != EC_OK || ec_block_check_sig(&e->hdr, &e->claims.key) != EC_BLOCK_OK)
        return EC_ERR_SIGNATURE;
    if (c->block_index >= e->hdr.count) return EC_OK; /* a position the block does not have */
    if (ec_id_cmp(&e->leaf, &c->head) == 0) return EC_ERR_MISMATCH; /* the claim is true */
    return ec_block_path_check(&e->leaf, c->block_index, e->hdr.count, e->path, e->plen, &e->hdr.root)
               ? EC_OK
               : EC_ERR_MISMATCH;
}

bool ec_claim_chain_evidence_make(ec_claim_chain_evidence *e, const ec_id *signer, const ec_msg_claims *c,
                                  uint8_t which, const ec_block_header *hdr, const ec_id *ids, size_t n)
{
    memset(e, 0, sizeof *e);
    if (which >= c->n || n != hdr->count) return false;
    const ec_msg_claim *x = &c->c[which];
    if (x->block_height != hdr->height || x->block_index == EC_MSG_CLAIM_NO_INDEX) return false;
    e->signer = *signer;
    e->claims = *c;
    e->which = which;
    e->hdr = *hdr;
    if (x->block_index < n) {
        if (ec_id_cmp(&ids[x->block_index], &x->head) == 0) return false; /* true */
        e->leaf = ids[x->block_index];
        e->plen = (uint8_t)ec_block_path(ids, n, x->block_index, e->path);
    }
    return true;
}
