/* Noise handshakes (spec §5.3, §7, §9): a table of patterns and one
 * interpreter for their tokens. The primitives are in noise_cipher.c. */
#include "net/noise.h"
#include "net/noise_internal.h"

#include <sodium.h>
#include <string.h>

/* ---- patterns (spec §7, §9): one token string per message ------------- */

enum { T_END = 0, T_E, T_S, T_EE, T_ES, T_SE, T_SS, T_PSK };
#define MAX_MSGS 3
#define MAX_TOKENS 5 /* IK's first and IKpsk2's second message have 4 */

typedef struct pattern_def {
    const char *name;
    bool pre_i, pre_r; /* "-> s" / "<- s" before the "..." */
    bool psk;          /* psk modifier: every e token also does MixKey */
    uint8_t n_msgs;
    uint8_t tok[MAX_MSGS][MAX_TOKENS];
} pattern_def;

static const pattern_def PATTERNS[] = {
    [EC_NOISE_NN] = {"Noise_NN_25519_ChaChaPoly_BLAKE2b", false, false, false,
                     2, {{T_E}, {T_E, T_EE}}},
    [EC_NOISE_NK] = {"Noise_NK_25519_ChaChaPoly_BLAKE2b", false, true, false,
                     2, {{T_E, T_ES}, {T_E, T_EE}}},
    [EC_NOISE_KK] = {"Noise_KK_25519_ChaChaPoly_BLAKE2b", true, true, false,
                     2, {{T_E, T_ES, T_SS}, {T_E, T_EE, T_SE}}},
    [EC_NOISE_IK] = {"Noise_IK_25519_ChaChaPoly_BLAKE2b", false, true, false,
                     2, {{T_E, T_ES, T_S, T_SS}, {T_E, T_EE, T_SE}}},
    [EC_NOISE_XX] = {"Noise_XX_25519_ChaChaPoly_BLAKE2b", false, false, false,
                     3, {{T_E}, {T_E, T_EE, T_S, T_ES}, {T_S, T_SE}}},
    [EC_NOISE_IKPSK2] = {"Noise_IKpsk2_25519_ChaChaPoly_BLAKE2b", false, true,
                         true, 2,
                         {{T_E, T_ES, T_S, T_SS}, {T_E, T_EE, T_SE, T_PSK}}},
};
#define N_PATTERNS (sizeof PATTERNS / sizeof PATTERNS[0])

const char *ec_noise_protocol_name(ec_noise_pattern p)
{
    return (size_t)p < N_PATTERNS ? PATTERNS[p].name : "";
}

/* ---- HandshakeState (spec §5.3) ---------------------------------------- */

static void hs_fail(ec_noise_handshake *hs)
{
    sodium_memzero(hs, sizeof *hs); /* status 0: EC_NOISE_FAILED */
}

static void hs_advance(ec_noise_handshake *hs)
{
    const pattern_def *p = &PATTERNS[hs->pattern];
    hs->msg++;
    if (hs->msg == p->n_msgs)
        hs->status = EC_NOISE_DONE;
    else /* messages alternate, the initiator's first */
        hs->status = ((hs->msg % 2 == 0) == hs->initiator) ? EC_NOISE_WRITE
                                                            : EC_NOISE_READ;
}

/* Bytes of the next message besides the payload: keys, and tags once a
 * key is set. Computed before a write or read touches the state, so a
 * short buffer or message is refused with the handshake intact. */
static size_t overhead(const ec_noise_handshake *hs)
{
    const pattern_def *p = &PATTERNS[hs->pattern];
    bool key = hs->ss.cs.has_key;
    size_t n = 0;
    for (const uint8_t *t = p->tok[hs->msg]; *t != T_END; t++) {
        if (*t == T_E) {
            n += EC_NOISE_DHLEN;
            key = key || p->psk;
        } else if (*t == T_S) {
            n += EC_NOISE_DHLEN + (key ? EC_NOISE_TAGLEN : 0);
        } else {
            key = true; /* every DH token and psk runs MixKey */
        }
    }
    return n + (key ? EC_NOISE_TAGLEN : 0);
}

/* ee, es, se, ss: MixKey(DH(local, remote)); psk: MixKeyAndHash(psk).
 * es is DH(initiator's e, responder's s), se the reverse, so which of our
 * keys takes part depends on the side. */
static ec_err dh_token(ec_noise_handshake *hs, uint8_t tok)
{
    if (tok == T_PSK) {
        if (!hs->has_psk) return EC_ERR_ARG;
        ec_noise_mix_key_and_hash(&hs->ss, hs->psk, EC_NOISE_PSKLEN);
        return EC_OK;
    }
    bool ini = hs->initiator;
    bool loc_e = tok == T_EE || (tok == T_ES && ini) || (tok == T_SE && !ini);
    bool rem_e = tok == T_EE || (tok == T_ES && !ini) || (tok == T_SE && ini);
    if (!(loc_e ? hs->has_e : hs->has_s) || !(rem_e ? hs->has_re : hs->has_rs))
        return EC_ERR_ARG;
    uint8_t shared[EC_NOISE_DHLEN];
    /* crypto_scalarmult fails when the result is all zero: the peer's
     * key has low order and the "shared secret" would be public. Spec
     * §12.1 allows signalling an error here instead of using zeros; a
     * genuine peer never sends such a key, so refusing costs nothing. */
    int rc = crypto_scalarmult(shared, loc_e ? hs->e_priv : hs->s_priv,
                               rem_e ? hs->re : hs->rs);
    if (rc == 0) ec_noise_mix_key(&hs->ss, shared, sizeof shared);
    sodium_memzero(shared, sizeof shared);
    return rc == 0 ? EC_OK : EC_ERR_MALFORMED;
}

/* The psk may be set late (ec_noise_set_psk); a message that needs it is
 * refused up front, with the state intact, if it has not come. */
static bool psk_missing(const ec_noise_handshake *hs)
{
    const uint8_t *t = PATTERNS[hs->pattern].tok[hs->msg];
    for (; *t != T_END; t++)
        if (*t == T_PSK) return !hs->has_psk;
    return false;
}

static bool sends_s(const pattern_def *p, bool ini)
{
    for (unsigned m = ini ? 0 : 1; m < p->n_msgs; m += 2)
        for (const uint8_t *t = p->tok[m]; *t != T_END; t++)
            if (*t == T_S) return true;
    return false;
}

ec_err ec_noise_init(ec_noise_handshake *hs, const ec_noise_config *cfg)
{
    if (!hs || !cfg || (size_t)cfg->pattern >= N_PATTERNS ||
        (!cfg->prologue && cfg->prologue_len))
        return EC_ERR_ARG;
    const pattern_def *p = &PATTERNS[cfg->pattern];
    bool ini = cfg->initiator;
    bool need_s = (ini ? p->pre_i : p->pre_r) || sends_s(p, ini);
    bool need_rs = ini ? p->pre_r : p->pre_i;
    if (!cfg->e_priv || (need_s && !cfg->s_priv) || (need_rs && !cfg->rs))
        return EC_ERR_ARG;
    sodium_memzero(hs, sizeof *hs);
    hs->pattern = (uint8_t)cfg->pattern;
    hs->initiator = ini;
    /* GENERATE_KEYPAIR, done early: the private key is the caller's. */
    memcpy(hs->e_priv, cfg->e_priv, EC_NOISE_DHLEN);
    hs->has_e = crypto_scalarmult_base(hs->e_pub, hs->e_priv) == 0;
    if (need_s) {
        memcpy(hs->s_priv, cfg->s_priv, EC_NOISE_DHLEN);
        hs->has_s = crypto_scalarmult_base(hs->s_pub, hs->s_priv) == 0;
    }
    if (!hs->has_e || (need_s && !hs->has_s)) {
        hs_fail(hs);
        return EC_ERR_CRYPTO;
    }
    if (need_rs) {
        memcpy(hs->rs, cfg->rs, EC_NOISE_DHLEN);
        hs->has_rs = true;
    }
    if (p->psk && cfg->psk) {
        memcpy(hs->psk, cfg->psk, EC_NOISE_PSKLEN);
        hs->has_psk = true;
    }
    /* InitializeSymmetric: h = name zero-padded (every name here is at
     * most HASHLEN bytes), ck = h, no key. */
    size_t name_len = strlen(p->name);
    memcpy(hs->ss.h, p->name, name_len);
    memcpy(hs->ss.ck, hs->ss.h, EC_NOISE_HASHLEN);
    ec_noise_mix_hash(&hs->ss, cfg->prologue, cfg->prologue_len);
    /* Pre-message keys, the initiator's first (spec §7.1). */
    if (p->pre_i)
        ec_noise_mix_hash(&hs->ss, ini ? hs->s_pub : hs->rs, EC_NOISE_DHLEN);
    if (p->pre_r)
        ec_noise_mix_hash(&hs->ss, ini ? hs->rs : hs->s_pub, EC_NOISE_DHLEN);
    hs->status = ini ? EC_NOISE_WRITE : EC_NOISE_READ;
    return EC_OK;
}

ec_err ec_noise_set_psk(ec_noise_handshake *hs,
                        const uint8_t psk[EC_NOISE_PSKLEN])
{
    if (!hs || !psk || !PATTERNS[hs->pattern].psk ||
        hs->status == EC_NOISE_FAILED || hs->status == EC_NOISE_DONE)
        return EC_ERR_ARG;
    memcpy(hs->psk, psk, EC_NOISE_PSKLEN);
    hs->has_psk = true;
    return EC_OK;
}

ec_noise_status ec_noise_status_of(const ec_noise_handshake *hs)
{
    return hs ? (ec_noise_status)hs->status : EC_NOISE_FAILED;
}

ec_err ec_noise_message_len(const ec_noise_handshake *hs, size_t payload_len,
                            size_t *msg_len)
{
    if (!hs || !msg_len || hs->status != EC_NOISE_WRITE) return EC_ERR_ARG;
    size_t over = overhead(hs);
    if (payload_len > EC_NOISE_MAX_MSG - over) return EC_ERR_RANGE;
    *msg_len = over + payload_len;
    return EC_OK;
}

ec_err ec_noise_payload_len(const ec_noise_handshake *hs, size_t msg_len,
                            size_t *payload_len)
{
    if (!hs || !payload_len || hs->status != EC_NOISE_READ) return EC_ERR_ARG;
    if (msg_len > EC_NOISE_MAX_MSG) return EC_ERR_RANGE;
    size_t over = overhead(hs);
    if (msg_len < over) return EC_ERR_TRUNCATED;
    *payload_len = msg_len - over;
    return EC_OK;
}

ec_err ec_noise_write_message(ec_noise_handshake *hs, const uint8_t *payload,
                              size_t payload_len, uint8_t *out, size_t out_cap,
                              size_t *out_len)
{
    size_t need, off = 0, n;
    if (!out || !out_len || (!payload && payload_len)) return EC_ERR_ARG;
    ec_err err = ec_noise_message_len(hs, payload_len, &need);
    if (err) return err;
    if (out_cap < need) return EC_ERR_RANGE;
    if (psk_missing(hs)) return EC_ERR_ARG;
    const pattern_def *p = &PATTERNS[hs->pattern];
    for (const uint8_t *t = p->tok[hs->msg]; *t != T_END && !err; t++) {
        if (*t == T_E) {
            memcpy(out + off, hs->e_pub, EC_NOISE_DHLEN);
            off += EC_NOISE_DHLEN;
            ec_noise_mix_hash(&hs->ss, hs->e_pub, EC_NOISE_DHLEN);
            if (p->psk) ec_noise_mix_key(&hs->ss, hs->e_pub, EC_NOISE_DHLEN);
        } else if (*t == T_S) {
            err = ec_noise_encrypt_and_hash(&hs->ss, hs->s_pub,
                                            EC_NOISE_DHLEN, out + off, &n);
            off += n;
        } else {
            err = dh_token(hs, *t);
        }
    }
    if (!err)
        err = ec_noise_encrypt_and_hash(&hs->ss, payload, payload_len,
                                        out + off, &n);
    if (err) {
        hs_fail(hs);
        return err;
    }
    *out_len = off + n;
    hs_advance(hs);
    return EC_OK;
}

ec_err ec_noise_read_message(ec_noise_handshake *hs, const uint8_t *msg,
                             size_t msg_len, uint8_t *payload,
                             size_t payload_cap, size_t *payload_len)
{
    size_t plen, off = 0;
    if (!msg || !payload_len || (!payload && payload_cap)) return EC_ERR_ARG;
    ec_err err = ec_noise_payload_len(hs, msg_len, &plen);
    if (err) return err;
    if (payload_cap < plen) return EC_ERR_RANGE;
    if (psk_missing(hs)) return EC_ERR_ARG;
    const pattern_def *p = &PATTERNS[hs->pattern];
    for (const uint8_t *t = p->tok[hs->msg]; *t != T_END && !err; t++) {
        if (*t == T_E) {
            memcpy(hs->re, msg + off, EC_NOISE_DHLEN);
            hs->has_re = true;
            off += EC_NOISE_DHLEN;
            ec_noise_mix_hash(&hs->ss, hs->re, EC_NOISE_DHLEN);
            if (p->psk) ec_noise_mix_key(&hs->ss, hs->re, EC_NOISE_DHLEN);
        } else if (*t == T_S) {
            size_t n = EC_NOISE_DHLEN +
                       (hs->ss.cs.has_key ? EC_NOISE_TAGLEN : 0);
            err = ec_noise_decrypt_and_hash(&hs->ss, msg + off, n, hs->rs);
            hs->has_rs = err == EC_OK;
            off += n;
        } else {
            err = dh_token(hs, *t);
        }
    }
    /* payload may be NULL when plen is 0 (no payload and no key, e.g. NN's
     * first message read with no buffer): nothing is written then. */
    uint8_t none[1];
    if (!err)
        err = ec_noise_decrypt_and_hash(&hs->ss, msg + off, msg_len - off,
                                        payload ? payload : none);
    if (err) {
        hs_fail(hs);
        return err;
    }
    *payload_len = plen;
    hs_advance(hs);
    return EC_OK;
}

ec_err ec_noise_remote_static(const ec_noise_handshake *hs,
                              uint8_t out[EC_NOISE_DHLEN])
{
    if (!hs || !out || !hs->has_rs || hs->status == EC_NOISE_FAILED)
        return EC_ERR_ARG;
    memcpy(out, hs->rs, EC_NOISE_DHLEN);
    return EC_OK;
}

ec_err ec_noise_split(ec_noise_handshake *hs, ec_noise_cipher *send,
                      ec_noise_cipher *recv, uint8_t hash[EC_NOISE_HASHLEN])
{
    uint8_t k1[EC_NOISE_HASHLEN], k2[EC_NOISE_HASHLEN];
    if (!hs || !send || !recv || send == recv || hs->status != EC_NOISE_DONE)
        return EC_ERR_ARG;
    ec_noise_hkdf(hs->ss.ck, NULL, 0, k1, k2, NULL);
    /* c1 carries initiator -> responder, c2 the other way. */
    ec_noise_cipher_set(send, hs->initiator ? k1 : k2);
    ec_noise_cipher_set(recv, hs->initiator ? k2 : k1);
    if (hash) memcpy(hash, hs->ss.h, EC_NOISE_HASHLEN);
    sodium_memzero(k1, sizeof k1);
    sodium_memzero(k2, sizeof k2);
    hs_fail(hs); /* finished: nothing of it may be reused */
    return EC_OK;
}

void ec_noise_handshake_clear(ec_noise_handshake *hs)
{
    if (hs) hs_fail(hs);
}

/* ---- static keys from the node's Ed25519 identity ---------------------- */

/* The node has one long-term key, Ed25519 (src/crypto/sign.h), and peers
 * already know its public half from the identity record; converting it
 * spares a second key to publish and bind to the identity. The X25519
 * private key is the clamped SHA-512(seed) scalar Ed25519 signs with, and
 * the public key is the birational map of the Edwards point to Montgomery
 * form (u = (1 + y) / (1 - y)), so the two agree. This is the use
 * libsodium provides the conversion for (one key pair for signatures and
 * key exchange); its docs ask users to read the FAQ's caveats first, and
 * separate keys remain the conservative choice if the identity format ever
 * allows a second key. The _pk_ conversion refuses points of small order. */
ec_err ec_noise_static_from_ed25519(const ec_keypair *kp,
                                    uint8_t priv[EC_NOISE_DHLEN],
                                    uint8_t pub[EC_NOISE_DHLEN])
{
    if (!kp || !priv || !pub) return EC_ERR_ARG;
    if (crypto_sign_ed25519_sk_to_curve25519(priv, kp->sk) != 0 ||
        crypto_sign_ed25519_pk_to_curve25519(pub, kp->pub.b) != 0) {
        sodium_memzero(priv, EC_NOISE_DHLEN);
        return EC_ERR_MALFORMED;
    }
    return EC_OK;
}

ec_err ec_noise_pub_from_ed25519(const ec_pubkey *pk,
                                 uint8_t pub[EC_NOISE_DHLEN])
{
    if (!pk || !pub) return EC_ERR_ARG;
    return crypto_sign_ed25519_pk_to_curve25519(pub, pk->b) == 0
               ? EC_OK
               : EC_ERR_MALFORMED;
}
