#include "ledger/tx.h"

#include <string.h>

#include "crypto/blake3.h"
#include "wire/codec.h"

/* Domain separation for transaction signatures (see docs/PROTOCOL.md). */
static const char sig_domain[] = "ec tx v1";
#define SIG_DOMAIN_LEN (sizeof sig_domain - 1)
#define SIGNED_MAX (SIG_DOMAIN_LEN + EC_TX_HEADER_LEN + EC_TX_MAPPINGS_MAX * EC_TX_MAPPING_LEN)

void ec_tx_init(ec_tx *tx, uint64_t timestamp_ms)
{
    memset(tx, 0, sizeof *tx);
    tx->timestamp_ms = timestamp_ms;
}

ec_err ec_tx_add_mapping(ec_tx *tx, const ec_id *token, const ec_id *owner,
                         const ec_id *prev)
{
    if (tx->n_sigs) return EC_ERR_ARG;
    if (tx->n_mappings >= EC_TX_MAPPINGS_MAX) return EC_ERR_RANGE;
    int at = tx->n_mappings;
    while (at > 0 && ec_id_cmp(&tx->mappings[at - 1].token, token) > 0) at--;
    if (at > 0 && ec_id_cmp(&tx->mappings[at - 1].token, token) == 0) return EC_ERR_EXISTS;
    memmove(&tx->mappings[at + 1], &tx->mappings[at],
            (size_t)(tx->n_mappings - at) * sizeof tx->mappings[0]);
    tx->mappings[at] = (ec_mapping){*token, *owner, *prev};
    tx->n_mappings++;
    return EC_OK;
}

static void encode_body(const ec_tx *tx, ec_wire_writer *w)
{
    ec_wire_put_u8(w, EC_TX_VERSION);
    ec_wire_put_u64(w, tx->timestamp_ms);
    ec_wire_put_u8(w, tx->n_mappings);
    for (int i = 0; i < tx->n_mappings; i++) {
        ec_wire_put_bytes(w, tx->mappings[i].token.b, EC_ID_LEN);
        ec_wire_put_bytes(w, tx->mappings[i].owner.b, EC_ID_LEN);
        ec_wire_put_bytes(w, tx->mappings[i].prev.b, EC_ID_LEN);
    }
}

static size_t signed_message(const ec_tx *tx, uint8_t msg[SIGNED_MAX])
{
    ec_wire_writer w;
    ec_wire_writer_init(&w, msg, SIGNED_MAX);
    ec_wire_put_bytes(&w, sig_domain, SIG_DOMAIN_LEN);
    encode_body(tx, &w);
    return w.len;
}

/* The canonical-form rules shared by encoder and decoder. */
static ec_err check_canonical(const ec_tx *tx)
{
    if (tx->n_mappings < 1 || tx->n_mappings > EC_TX_MAPPINGS_MAX) return EC_ERR_MALFORMED;
    if (tx->n_sigs < 1 || tx->n_sigs > EC_TX_SIGS_MAX) return EC_ERR_MALFORMED;
    for (int i = 1; i < tx->n_mappings; i++)
        if (ec_id_cmp(&tx->mappings[i - 1].token, &tx->mappings[i].token) >= 0)
            return EC_ERR_MALFORMED;
    for (int i = 1; i < tx->n_sigs; i++)
        if (memcmp(tx->sigs[i - 1].key.b, tx->sigs[i].key.b, EC_PUBKEY_LEN) >= 0)
            return EC_ERR_MALFORMED;
    return EC_OK;
}

ec_err ec_tx_sign(ec_tx *tx, const ec_keypair *kp)
{
    uint8_t msg[SIGNED_MAX];
    if (tx->n_mappings < 1) return EC_ERR_ARG;
    if (tx->n_sigs >= EC_TX_SIGS_MAX) return EC_ERR_RANGE;
    int at = tx->n_sigs;
    while (at > 0 && memcmp(tx->sigs[at - 1].key.b, kp->pub.b, EC_PUBKEY_LEN) > 0) at--;
    if (at > 0 && memcmp(tx->sigs[at - 1].key.b, kp->pub.b, EC_PUBKEY_LEN) == 0)
        return EC_ERR_EXISTS;
    memmove(&tx->sigs[at + 1], &tx->sigs[at], (size_t)(tx->n_sigs - at) * sizeof tx->sigs[0]);
    tx->sigs[at].key = kp->pub;
    ec_sign_create(&tx->sigs[at].sig, kp, msg, signed_message(tx, msg));
    tx->n_sigs++;
    return EC_OK;
}

ec_err ec_tx_encode(const ec_tx *tx, uint8_t *buf, size_t cap, size_t *len)
{
    ec_err err = check_canonical(tx);
    if (err) return err;
    ec_wire_writer w;
    ec_wire_writer_init(&w, buf, cap);
    encode_body(tx, &w);
    ec_wire_put_u8(&w, tx->n_sigs);
    for (int i = 0; i < tx->n_sigs; i++) {
        ec_wire_put_bytes(&w, tx->sigs[i].key.b, EC_PUBKEY_LEN);
        ec_wire_put_bytes(&w, tx->sigs[i].sig.b, EC_SIG_LEN);
    }
    if (w.err) return w.err;
    if (len) *len = w.len;
    return EC_OK;
}

ec_err ec_tx_decode(ec_tx *tx, const uint8_t *buf, size_t len)
{
    memset(tx, 0, sizeof *tx);
    if (len > EC_TX_UDP_MAX) return EC_ERR_RANGE;
    ec_wire_reader r;
    ec_wire_reader_init(&r, buf, len);
    uint8_t version = ec_wire_get_u8(&r);
    if (r.err) return r.err;
    if (version != EC_TX_VERSION) return EC_ERR_VERSION;
    tx->timestamp_ms = ec_wire_get_u64(&r);
    uint8_t n = ec_wire_get_u8(&r);
    if (r.err) return r.err;
    if (n < 1 || n > EC_TX_MAPPINGS_MAX) return EC_ERR_MALFORMED;
    tx->n_mappings = n;
    for (int i = 0; i < n; i++) {
        ec_wire_get_bytes(&r, tx->mappings[i].token.b, EC_ID_LEN);
        ec_wire_get_bytes(&r, tx->mappings[i].owner.b, EC_ID_LEN);
        ec_wire_get_bytes(&r, tx->mappings[i].prev.b, EC_ID_LEN);
    }
    n = ec_wire_get_u8(&r);
    if (r.err) return r.err;
    if (n < 1 || n > EC_TX_SIGS_MAX) return EC_ERR_MALFORMED;
    tx->n_sigs = n;
    for (int i = 0; i < n; i++) {
        ec_wire_get_bytes(&r, tx->sigs[i].key.b, EC_PUBKEY_LEN);
        ec_wire_get_bytes(&r, tx->sigs[i].sig.b, EC_SIG_LEN);
    }
    ec_err err = ec_wire_get_end(&r);
    if (err) return err;
    return check_canonical(tx);
}

ec_err ec_tx_id(const ec_tx *tx, ec_id *id)
{
    uint8_t buf[EC_TX_MAX_LEN];
    size_t len;
    ec_err err = ec_tx_encode(tx, buf, sizeof buf, &len);
    if (err) return err;
    ec_blake3_hash(buf, len, id->b);
    return EC_OK;
}

ec_err ec_tx_check_signatures(const ec_tx *tx, int *bad)
{
    uint8_t msg[SIGNED_MAX];
    size_t n = signed_message(tx, msg);
    for (int i = 0; i < tx->n_sigs; i++) {
        if (ec_sign_verify(&tx->sigs[i].sig, &tx->sigs[i].key, msg, n) != EC_OK) {
            if (bad) *bad = i;
            return EC_ERR_SIGNATURE;
        }
    }
    return EC_OK;
}
