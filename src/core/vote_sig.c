#include "core/vote_sig.h"

#include <string.h>

#include "wire/codec.h"

#define VOTE_DOMAIN "ec vote v1"
#define VOTE_SIGNED_MAX (10 + 32 + 32 + 4 + 1 + EC_MSG_VOTE_TOKENS_MAX)

static size_t signed_bytes(uint8_t *buf, const ec_msg_signed_vote *v, const ec_id *tx_id, uint8_t n)
{
    ec_wire_writer w;
    ec_wire_writer_init(&w, buf, VOTE_SIGNED_MAX);
    ec_wire_put_bytes(&w, VOTE_DOMAIN, 10);
    ec_wire_put_bytes(&w, tx_id->b, EC_ID_LEN);
    ec_wire_put_bytes(&w, v->voter.b, EC_ID_LEN);
    ec_wire_put_u32(&w, v->version);
    ec_wire_put_u8(&w, n);
    for (int i = 0; i < n && i < EC_MSG_VOTE_TOKENS_MAX; i++) ec_wire_put_u8(&w, (uint8_t)v->values[i]);
    return w.len;
}

void ec_vote_sign(ec_msg_signed_vote *v, const ec_keypair *kp, const ec_id *tx_id, uint8_t n)
{
    uint8_t buf[VOTE_SIGNED_MAX];
    size_t len = signed_bytes(buf, v, tx_id, n);
    v->key = kp->pub;
    ec_sign_create(&v->sig, kp, buf, len);
}

ec_err ec_vote_verify(const ec_msg_signed_vote *v, const ec_id *tx_id, uint8_t n)
{
    uint8_t buf[VOTE_SIGNED_MAX];
    size_t len = signed_bytes(buf, v, tx_id, n);
    return ec_sign_verify(&v->sig, &v->key, buf, len) == EC_OK ? EC_OK : EC_ERR_SIGNATURE;
}
