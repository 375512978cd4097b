/* Vote equivocation evidence: codec and verification (evidence.h). */
#include <string.h>

#include "core/evidence.h"
#include "core/vote_sig.h"
#include "crypto/blake3.h"
#include "wire/codec.h"

void ec_evidence_make(ec_vote_evidence *e, const ec_id *voter, const ec_msg_signed_vote *va, uint8_t na,
                      const uint8_t *txa, size_t lena, const ec_msg_signed_vote *vb, uint8_t nb,
                      const uint8_t *txb, size_t lenb)
{
    memset(e, 0, sizeof *e);
    e->voter = *voter;
    e->key = va->key;
    const ec_msg_signed_vote *v[2] = {va, vb};
    const uint8_t *tx[2] = {txa, txb};
    size_t len[2] = {lena, lenb};
    uint8_t n[2] = {na, nb};
    for (int s = 0; s < 2; s++) {
        e->side[s].len = (uint16_t)(len[s] <= EC_TX_MAX_LEN ? len[s] : 0);
        memcpy(e->side[s].tx, tx[s], e->side[s].len);
        e->side[s].n = n[s];
        e->side[s].version = v[s]->version;
        memcpy(e->side[s].values, v[s]->values, sizeof e->side[s].values);
        e->side[s].sig = v[s]->sig;
    }
}

ec_err ec_evidence_encode(const ec_vote_evidence *e, uint8_t *buf, size_t cap, size_t *len)
{
    ec_wire_writer w;
    ec_wire_writer_init(&w, buf, cap);
    ec_wire_put_u8(&w, EC_EVIDENCE_VERSION);
    ec_wire_put_bytes(&w, e->voter.b, EC_ID_LEN);
    ec_wire_put_bytes(&w, e->key.b, EC_PUBKEY_LEN);
    for (int s = 0; s < 2; s++) {
        if (e->side[s].len == 0 || e->side[s].len > EC_TX_MAX_LEN || e->side[s].n == 0 ||
            e->side[s].n > EC_MSG_VOTE_TOKENS_MAX)
            return EC_ERR_ARG;
        ec_wire_put_u8(&w, (uint8_t)e->side[s].len);
        ec_wire_put_u8(&w, (uint8_t)(e->side[s].len >> 8));
        ec_wire_put_bytes(&w, e->side[s].tx, e->side[s].len);
        ec_wire_put_u8(&w, e->side[s].n);
        ec_wire_put_u32(&w, e->side[s].version);
        for (uint8_t i = 0; i < e->side[s].n; i++) ec_wire_put_u8(&w, (uint8_t)e->side[s].values[i]);
        ec_wire_put_bytes(&w, e->side[s].sig.b, EC_SIG_LEN);
    }
    if (w.err) return w.err;
    *len = w.len;
    return EC_OK;
}

ec_err ec_evidence_decode(ec_vote_evidence *e, const uint8_t *buf, size_t len)
{
    ec_wire_reader r;
    memset(e, 0, sizeof *e);
    ec_wire_reader_init(&r, buf, len);
    uint8_t version = ec_wire_get_u8(&r);
    if (r.err) return r.err;
    if (version != EC_EVIDENCE_VERSION) return EC_ERR_VERSION;
    ec_wire_get_bytes(&r, e->voter.b, EC_ID_LEN);
    ec_wire_get_bytes(&r, e->key.b, EC_PUBKEY_LEN);
    for (int s = 0; s < 2; s++) {
        uint16_t tl = ec_wire_get_u8(&r);
        tl = (uint16_t)(tl | ec_wire_get_u8(&r) << 8);
        if (r.err) return r.err;
        if (tl == 0 || tl > EC_TX_MAX_LEN) return EC_ERR_MALFORMED; /* never trust a length */
        e->side[s].len = tl;
        ec_wire_get_bytes(&r, e->side[s].tx, tl);
        e->side[s].n = ec_wire_get_u8(&r);
        if (r.err) return r.err;
        if (e->side[s].n == 0 || e->side[s].n > EC_MSG_VOTE_TOKENS_MAX) return EC_ERR_MALFORMED;
        e->side[s].version = ec_wire_get_u32(&r);
        for (uint8_t i = 0; i < e->side[s].n; i++) e->side[s].values[i] = (int8_t)ec_wire_get_u8(&r);
        ec_wire_get_bytes(&r, e->side[s].sig.b, EC_SIG_LEN);
    }
    return ec_wire_get_end(&r);
}

ec_err ec_evidence_verify(const ec_vote_evidence *e, ec_id *token, ec_id *prev)
{
    ec_tx tx[2];
    ec_id id[2];
    for (int s = 0; s < 2; s++) {
        if (e->side[s].len == 0 || e->side[s].len > EC_TX_MAX_LEN ||
            ec_tx_decode(&tx[s], e->side[s].tx, e->side[s].len) != EC_OK)
            return EC_ERR_MALFORMED;
        if (e->side[s].n != tx[s].n_mappings) return EC_ERR_MISMATCH; /* not cast for this transaction */
        ec_blake3_hash(e->side[s].tx, e->side[s].len, id[s].b);
    }
    if (ec_id_cmp(&id[0], &id[1]) == 0) return EC_ERR_MISMATCH;
    /* A member that voted +1 for the loser and later committed the winner
     * attests the winner to stragglers with a decided answer: a deciding
     * vote beside a decided answer is what an honest member signs. Two of
     * one kind are not. */
    if ((e->side[0].version >= EC_MSG_VOTE_VERSION_DECIDED) != (e->side[1].version >= EC_MSG_VOTE_VERSION_DECIDED))
        return EC_ERR_MISMATCH;
    /* A (token, prev) both spend, with +1 on it in both votes. */
    int ia = -1, ib = -1;
    for (int i = 0; i < tx[0].n_mappings && ia < 0; i++)
        for (int j = 0; j < tx[1].n_mappings; j++)
            if (ec_id_cmp(&tx[0].mappings[i].token, &tx[1].mappings[j].token) == 0 &&
                ec_id_cmp(&tx[0].mappings[i].prev, &tx[1].mappings[j].prev) == 0 &&
                e->side[0].values[i] == EC_MSG_VOTE_VALID && e->side[1].values[j] == EC_MSG_VOTE_VALID) {
                ia = i;
                ib = j;
                break;
            }
    if (ia < 0) return EC_ERR_MISMATCH;
    for (int s = 0; s < 2; s++) {
        ec_msg_signed_vote v;
        memset(&v, 0, sizeof v);
        v.voter = e->voter;
        v.version = e->side[s].version;
        memcpy(v.values, e->side[s].values, sizeof v.values);
        v.key = e->key;
        v.sig = e->side[s].sig;
        if (ec_vote_verify(&v, &id[s], e->side[s].n) != EC_OK) return EC_ERR_SIGNATURE;
    }
    if (token) *token = tx[0].mappings[ia].token;
    if (prev) *prev = tx[0].mappings[ia].prev;
    (void)ib;
    return EC_OK;
}
