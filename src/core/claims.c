/* Signed mapping claims and their evidence (claims.h). Hand-written: the
 * format is ours; the signature is libsodium's Ed25519 (crypto/sign.c). */
#include "core/claims.h"

#include <string.h>

#include "wire/codec.h"

#define CLAIMS_DOMAIN "ec claims v1"
#define CLAIMS_DOMAIN_LEN 12
#define CLAIMS_SIGNED_MAX (CLAIMS_DOMAIN_LEN + EC_ID_LEN + EC_PUBKEY_LEN + 1 + EC_MSG_CLAIMS_MAX * (3 * EC_ID_LEN + 17))

static size_t signed_bytes(uint8_t *buf, const ec_msg_claims *c, const ec_id *signer)
{
    ec_wire_writer w;
    ec_wire_writer_init(&w, buf, CLAIMS_SIGNED_MAX);
    ec_wire_put_bytes(&w, CLAIMS_DOMAIN, CLAIMS_DOMAIN_LEN);
    ec_wire_put_bytes(&w, signer->b, EC_ID_LEN);
    ec_wire_put_bytes(&w, c->key.b, EC_PUBKEY_LEN);
    ec_wire_put_u8(&w, c->n);
    for (int i = 0; i < c->n && i < EC_MSG_CLAIMS_MAX; i++) {
        ec_wire_put_bytes(&w, c->c[i].token.b, EC_ID_LEN);
        ec_wire_put_bytes(&w, c->c[i].head.b, EC_ID_LEN);
        ec_wire_put_bytes(&w, c->c[i].prev.b, EC_ID_LEN);
        ec_wire_put_u64(&w, c->c[i].timestamp_ms);
        ec_wire_put_u64(&w, c->c[i].block_height);
        ec_wire_put_u8(&w, c->c[i].block_index);
    }
    return w.len;
}

void ec_claims_sign(ec_msg_claims *c, const ec_keypair *kp, const ec_id *signer)
{
    uint8_t buf[CLAIMS_SIGNED_MAX];
    c->key = kp->pub;
    size_t len = signed_bytes(buf, c, signer);
    ec_sign_create(&c->sig, kp, buf, len);
}

ec_err ec_claims_verify(const ec_msg_claims *c, const ec_id *signer)
{
    if (c == NULL || signer == NULL || c->n == 0 || c->n > EC_MSG_CLAIMS_MAX) return EC_ERR_ARG;
    uint8_t buf[CLAIMS_SIGNED_MAX];
    size_t len = signed_bytes(buf, c, signer);
    return ec_sign_verify(&c->sig, &c->key, buf, len) == EC_OK ? EC_OK : EC_ERR_SIGNATURE;
}

bool ec_claims_contradict(const ec_msg_claims *a, const ec_msg_claims *b, ec_id *token)
{
    for (int i = 0; i < a->n && i < EC_MSG_CLAIMS_MAX; i++)
        for (int j = 0; j < b->n && j < EC_MSG_CLAIMS_MAX; j++) {
            const ec_msg_claim *x = &a->c[i], *y = &b->c[j];
            if (ec_id_cmp(&x->token, &y->token) != 0 || ec_id_cmp(&x->prev, &y->prev) != 0 ||
                ec_id_cmp(&x->head, &y->head) == 0)
                continue;
            if (token) *token = x->token;
            return true;
        }
    return false;
}

static void put_claims(ec_wire_writer *w, const ec_msg_claims *c)
{
    uint8_t buf[EC_MSG_CLAIMS_LEN_MAX];
    size_t len = 0;
    if (ec_msg_claims_encode(c, buf, sizeof buf, &len) != EC_OK) {
        w->err = EC_ERR_MALFORMED;
        return;
    }
    ec_wire_put_u16(w, (uint16_t)len);
    ec_wire_put_bytes(w, buf, len);
}

static void get_claims(ec_wire_reader *r, ec_msg_claims *c)
{
    uint16_t len = ec_wire_get_u16(r);
    if (r->err) return;
    if (len > EC_MSG_CLAIMS_LEN_MAX || len > r->len - r->pos) {
        r->err = len > EC_MSG_CLAIMS_LEN_MAX ? EC_ERR_MALFORMED : EC_ERR_TRUNCATED;
        return;
    }
    ec_err err = ec_msg_claims_decode(c, r->buf + r->pos, len);
    if (err) {
        r->err = err;
        return;
    }
    r->pos += len;
}

ec_err ec_claims_evidence_encode(const ec_claims_evidence *e, uint8_t *buf, size_t cap, size_t *len)
{
    if (e == NULL || buf == NULL) return EC_ERR_ARG;
    ec_wire_writer w;
    ec_wire_writer_init(&w, buf, cap);
    ec_wire_put_u8(&w, EC_CLAIMS_EVIDENCE_VERSION);
    ec_wire_put_bytes(&w, e->signer.b, EC_ID_LEN);
    put_claims(&w, &e->a);
    put_claims(&w, &e->b);
    if (w.err) return w.err;
    if (len) *len = w.len;
    return EC_OK;
}

ec_err ec_claims_evidence_decode(ec_claims_evidence *e, const uint8_t *buf, size_t len)
{
    if (e == NULL || (buf == NULL && len)) return EC_ERR_ARG;
    memset(e, 0, sizeof *e);
    ec_wire_reader r;
    ec_wire_reader_init(&r, buf, len);
    uint8_t v = ec_wire_get_u8(&r);
    if (r.err) return r.err;
    if (v != EC_CLAIMS_EVIDENCE_VERSION) return EC_ERR_VERSION;
    ec_wire_get_bytes(&r, e->signer.b, EC_ID_LEN);
    get_claims(&r, &e->a);
    get_claims(&r, &e->b);
    if (r.err) return r.err;
    ec_err err = ec_wire_get_end(&r);
    if (err) return err;
    /* An unsigned side proves nothing and has no place here. */
    return e->a.n == 0 || e->b.n == 0 ? EC_ERR_MALFORMED : EC_OK;
}

ec_err ec_claims_evidence_verify(const ec_claims_evidence *e, ec_id *token)
{
    if (e == NULL) return EC_ERR_ARG;
    if (memcmp(e->a.key.b, e->b.key.b, EC_PUBKEY_LEN) != 0) return EC_ERR_MISMATCH;
    if (!ec_claims_contradict(&e->a, &e->b, token)) return EC_ERR_MISMATCH;
    if (ec_claims_verify(&e->a, &e->signer) != EC_OK || ec_claims_verify(&e->b, &e->signer) != EC_OK)
        return EC_ERR_SIGNATURE;
    return EC_OK;
}
