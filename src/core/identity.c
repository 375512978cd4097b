#include "core/identity.h"

#include <math.h>
#include <string.h>

#include "wire/codec.h"

/* Domain separation: an identity signature can never be replayed as the
 * signature of any other message type, which all use other prefixes. */
static const char sig_domain[] = "ec identity v1";

static void encode_unsigned(const ec_identity *id, ec_wire_writer *w)
{
    ec_wire_put_u8(w, id->version);
    ec_wire_put_bytes(w, id->public_key.b, EC_PUBKEY_LEN);
    ec_wire_put_bytes(w, id->salt, EC_POW_SALT_LEN);
    ec_wire_put_u8(w, id->difficulty_bits);
    ec_wire_put_u32(w, id->params.memory_kib);
    ec_wire_put_u32(w, id->params.iterations);
    ec_wire_put_u8(w, (uint8_t)id->params.parallelism);
    ec_wire_put_u64(w, id->timestamp);
}

/* The signed message: domain string followed by the unsigned encoding. */
static size_t signed_message(const ec_identity *id,
                             uint8_t msg[sizeof sig_domain - 1 + EC_IDENTITY_SIGNED_LEN])
{
    ec_wire_writer w;
    ec_wire_writer_init(&w, msg, sizeof sig_domain - 1 + EC_IDENTITY_SIGNED_LEN);
    ec_wire_put_bytes(&w, sig_domain, sizeof sig_domain - 1);
    encode_unsigned(id, &w);
    return w.len;
}

ec_err ec_identity_encode(const ec_identity *id, uint8_t *buf, size_t cap,
                          size_t *len_out)
{
    if (id == NULL) return EC_ERR_ARG;
    if (id->version != EC_IDENTITY_VERSION) return EC_ERR_VERSION;
    if (ec_pow_params_check(&id->params)) return EC_ERR_MALFORMED;
    ec_wire_writer w;
    ec_wire_writer_init(&w, buf, cap);
    encode_unsigned(id, &w);
    ec_wire_put_bytes(&w, id->signature.b, EC_SIG_LEN);
    if (w.err) return w.err;
    if (len_out) *len_out = w.len;
    return EC_OK;
}

ec_err ec_identity_decode(ec_identity *id, const uint8_t *buf, size_t len)
{
    if (id == NULL) return EC_ERR_ARG;
    memset(id, 0, sizeof *id);
    ec_wire_reader r;
    ec_wire_reader_init(&r, buf, len);
    id->version = ec_wire_get_u8(&r);
    if (r.err) return r.err;
    if (id->version != EC_IDENTITY_VERSION) return EC_ERR_VERSION;
    ec_wire_get_bytes(&r, id->public_key.b, EC_PUBKEY_LEN);
    ec_wire_get_bytes(&r, id->salt, EC_POW_SALT_LEN);
    id->difficulty_bits = ec_wire_get_u8(&r);
    id->params.memory_kib = ec_wire_get_u32(&r);
    id->params.iterations = ec_wire_get_u32(&r);
    id->params.parallelism = ec_wire_get_u8(&r);
    id->timestamp = ec_wire_get_u64(&r);
    ec_wire_get_bytes(&r, id->signature.b, EC_SIG_LEN);
    ec_err err = ec_wire_get_end(&r);
    if (err) return err;
    if (ec_pow_params_check(&id->params)) return EC_ERR_MALFORMED;
    return EC_OK;
}

ec_err ec_identity_sign(ec_identity *id, const ec_keypair *kp)
{
    uint8_t msg[sizeof sig_domain - 1 + EC_IDENTITY_SIGNED_LEN];
    if (id == NULL || kp == NULL) return EC_ERR_ARG;
    id->version = EC_IDENTITY_VERSION;
    id->public_key = kp->pub;
    size_t n = signed_message(id, msg);
    ec_sign_create(&id->signature, kp, msg, n);
    return EC_OK;
}

ec_err ec_identity_check_signature(const ec_identity *id)
{
    uint8_t msg[sizeof sig_domain - 1 + EC_IDENTITY_SIGNED_LEN];
    if (id == NULL) return EC_ERR_ARG;
    size_t n = signed_message(id, msg);
    return ec_sign_verify(&id->signature, &id->public_key, msg, n);
}

ec_err ec_identity_try(const ec_pow_params *params, const ec_pubkey *pk,
                       const uint8_t salt[EC_POW_SALT_LEN], unsigned bits,
                       const ec_id *prefix, unsigned prefix_bits, ec_id *pow,
                       ec_id *address)
{
    ec_err err = ec_pow_hash(params, pk, salt, pow);
    if (err) return err;
    ec_pow_address(address, pow);
    if (ec_id_ctz(pow) < bits) return EC_ERR_POW;
    if (prefix_bits > 0 && (prefix == NULL || !ec_id_prefix_eq(address, prefix, prefix_bits)))
        return EC_ERR_PREFIX;
    return EC_OK;
}

ec_err ec_identity_verify(const ec_identity *id, ec_id *pow, ec_id *address)
{
    ec_id p, a;
    if (id == NULL) return EC_ERR_ARG;
    if (id->version != EC_IDENTITY_VERSION) return EC_ERR_VERSION;
    ec_err err = ec_pow_params_check(&id->params);
    if (err) return err;
    /* The signature costs microseconds, Argon2id up to a second: check it first. */
    if ((err = ec_identity_check_signature(id))) return err;
    err = ec_identity_try(&id->params, &id->public_key, id->salt,
                          id->difficulty_bits, NULL, 0, &p, &a);
    if (err) return err;
    if (pow) *pow = p;
    if (address) *address = a;
    return EC_OK;
}

double ec_identity_expected_tries(unsigned bits, unsigned prefix_bits)
{
    return ldexp(1.0, (int)(bits + prefix_bits));
}
