#include "ledger/validate.h"

#include <string.h>

#include "crypto/blake3.h"

static const struct {
    const char *name, *text;
} rules[] = {
    [EC_RULE_OK] = {"ok", "valid"},
    [EC_RULE_MALFORMED] = {"malformed", "transaction is malformed"},
    [EC_RULE_BAD_SIGNATURE] = {"bad_signature", "a signature does not verify"},
    [EC_RULE_UNUSED_SIGNATURE] = {"unused_signature", "a signature authorizes no mapping"},
    [EC_RULE_TIMESTAMP_FUTURE] = {"timestamp_future", "timestamp is more than 2 hours ahead"},
    [EC_RULE_ALREADY_COMMITTED] = {"already_committed", "transaction is already committed"},
    [EC_RULE_TOKEN_EXISTS] = {"token_exists", "token already exists (create of an existing token)"},
    [EC_RULE_MISSING_HISTORY] = {"missing_history",
                                 "previous transaction is unknown here (out of order)"},
    [EC_RULE_STALE_PREV] = {"stale_prev",
                            "previous transaction is not the token's current head (replay or lost conflict)"},
    [EC_RULE_DESTROYED] = {"destroyed", "token was destroyed and can never change again"},
    [EC_RULE_WRONG_KEY] = {"wrong_key", "not signed by the token's current owner"},
    [EC_RULE_TIMESTAMP_ORDER] = {"timestamp_order",
                                 "timestamp is not later than the transaction it extends"},
};

const char *ec_rule_name(ec_rule r)
{
    return (unsigned)r < sizeof rules / sizeof rules[0] ? rules[r].name : "unknown";
}

const char *ec_rule_str(ec_rule r)
{
    return (unsigned)r < sizeof rules / sizeof rules[0] ? rules[r].text : "unknown rule";
}

ec_vote_class ec_rule_vote(ec_rule r)
{
    if (r == EC_RULE_OK) return EC_VOTE_VALID;
    if (r == EC_RULE_MISSING_HISTORY) return EC_VOTE_OUT_OF_ORDER;
    return EC_VOTE_INVALID;
}

static ec_err set(ec_verdict *v, ec_rule r, int index)
{
    v->rule = r;
    v->index = index;
    return EC_OK;
}

/* prev is not the token's head (or the token has none). Out of order
 * (missing_history) when we do not hold prev, or hold it but our head is
 * older than it (it was stored with another token's history while this
 * token's head lagged): we are behind. Stale (a replay, or a conflict
 * already decided) when our head is prev's successor or later, or prev
 * does not map the token at all. */
static ec_err prev_not_head(ec_store *s, const ec_mapping *mp, const ec_head *head, ec_rule *r)
{
    uint8_t buf[EC_TX_MAX_LEN];
    size_t len;
    ec_tx prev;
    ec_err err = ec_store_get_tx(s, &mp->prev, buf, sizeof buf, &len);
    if (err == EC_ERR_NOTFOUND) {
        *r = EC_RULE_MISSING_HISTORY;
        return EC_OK;
    }
    if (err) return err;
    *r = EC_RULE_STALE_PREV;
    if (ec_tx_decode(&prev, buf, len) != EC_OK) return EC_OK;
    bool maps = false;
    for (int k = 0; k < prev.n_mappings; k++) maps |= ec_id_cmp(&prev.mappings[k].token, &mp->token) == 0;
    if (maps && (head == NULL || head->timestamp_ms < prev.timestamp_ms)) *r = EC_RULE_MISSING_HISTORY;
    return EC_OK;
}

/* Rules 5-10 for mapping m; marks the signatures it uses (its owner's, or
 * every one for a create). */
static ec_err mapping_rules(ec_store *s, const ec_tx *tx, int m, const ec_id *key_hash,
                            bool *used, ec_verdict *v)
{
    const ec_mapping *mp = &tx->mappings[m];
    ec_head head;
    ec_err err = ec_store_get_head(s, &mp->token, &head);
    if (err && err != EC_ERR_NOTFOUND) return err;
    bool exists = err == EC_OK;
    if (ec_id_is_zero(&mp->prev)) {
        if (exists) return set(v, EC_RULE_TOKEN_EXISTS, m);
        /* A create may be signed by anyone: every signature counts. */
        for (int i = 0; i < tx->n_sigs; i++) used[i] = true;
        return set(v, EC_RULE_OK, -1);
    }
    if (!exists || ec_id_cmp(&head.tx_id, &mp->prev) != 0) {
        ec_rule r;
        if ((err = prev_not_head(s, mp, exists ? &head : NULL, &r))) return err;
        return set(v, r, m);
    }
    if (ec_id_is_zero(&head.owner)) return set(v, EC_RULE_DESTROYED, m);
    bool signed_by_owner = false;
    for (int i = 0; i < tx->n_sigs; i++) {
        if (ec_id_cmp(&key_hash[i], &head.owner) == 0) {
            used[i] = true;
            signed_by_owner = true;
        }
    }
    if (!signed_by_owner) return set(v, EC_RULE_WRONG_KEY, m);
    if (tx->timestamp_ms <= head.timestamp_ms) return set(v, EC_RULE_TIMESTAMP_ORDER, m);
    return set(v, EC_RULE_OK, -1);
}

static bool future(const ec_tx *tx, uint64_t now_ms)
{
    return tx->timestamp_ms > now_ms && tx->timestamp_ms - now_ms > EC_TX_FUTURE_MAX_MS;
}

static ec_verdict *unused(const ec_tx *tx, const bool *used, ec_verdict *v)
{
    for (int i = 0; i < tx->n_sigs; i++)
        if (!used[i]) return set(v, EC_RULE_UNUSED_SIGNATURE, i), v;
    return set(v, EC_RULE_OK, -1), v;
}

ec_err ec_validate_mapping(ec_store *s, const ec_tx *tx, int m, uint64_t now_ms, ec_verdict *v)
{
    ec_id key_hash[EC_TX_SIGS_MAX];
    bool used[EC_TX_SIGS_MAX] = {false};
    if (m < 0 || m >= tx->n_mappings) return EC_ERR_ARG;
    if (future(tx, now_ms)) return set(v, EC_RULE_TIMESTAMP_FUTURE, -1);
    for (int i = 0; i < tx->n_sigs; i++) ec_sign_keyhash(&key_hash[i], &tx->sigs[i].key);
    ec_err err = mapping_rules(s, tx, m, key_hash, used, v);
    if (err || v->rule != EC_RULE_OK || tx->n_mappings > 1) return err;
    unused(tx, used, v);
    return EC_OK;
}

/* The rules, for a transaction whose id the caller has computed. */
static ec_err validate(ec_store *s, const ec_tx *tx, const ec_id *id, uint64_t now_ms,
                       ec_verdict *v)
{
    ec_id key_hash[EC_TX_SIGS_MAX];
    bool used[EC_TX_SIGS_MAX] = {false};
    int bad = -1;

    /* Stateless checks first: cheapest, and they need no store. */
    if (ec_tx_check_signatures(tx, &bad) != EC_OK) return set(v, EC_RULE_BAD_SIGNATURE, bad);
    if (future(tx, now_ms)) return set(v, EC_RULE_TIMESTAMP_FUTURE, -1);
    if (ec_store_has_tx(s, id)) return set(v, EC_RULE_ALREADY_COMMITTED, -1);
    for (int i = 0; i < tx->n_sigs; i++) ec_sign_keyhash(&key_hash[i], &tx->sigs[i].key);
    for (int m = 0; m < tx->n_mappings; m++) {
        ec_err err = mapping_rules(s, tx, m, key_hash, used, v);
        if (err || v->rule != EC_RULE_OK) return err;
    }
    unused(tx, used, v);
    return EC_OK;
}

ec_err ec_validate_tx(ec_store *s, const ec_tx *tx, uint64_t now_ms, ec_verdict *v)
{
    ec_id id;
    if (ec_tx_id(tx, &id) != EC_OK) return set(v, EC_RULE_MALFORMED, -1);
    return validate(s, tx, &id, now_ms, v);
}

ec_err ec_ledger_apply_in_txn(ec_store *s, const ec_tx *tx, uint64_t now_ms,
                              ec_verdict *v, ec_id *id_out)
{
    uint8_t buf[EC_TX_MAX_LEN];
    size_t len;
    ec_id id;
    /* Encode once: the same bytes give the id the rules need and what is stored. */
    if (ec_tx_encode(tx, buf, sizeof buf, &len) != EC_OK) return set(v, EC_RULE_MALFORMED, -1);
    ec_blake3_hash(buf, len, id.b);
    ec_err err = validate(s, tx, &id, now_ms, v);
    if (err || v->rule != EC_RULE_OK) return err;
    if (id_out) *id_out = id;
    if ((err = ec_store_put_tx(s, &id, buf, len))) return err;
    for (int m = 0; m < tx->n_mappings; m++) {
        ec_head h = {id, tx->timestamp_ms, tx->mappings[m].owner};
        if ((err = ec_store_put_head(s, &tx->mappings[m].token, &h))) return err;
    }
    return EC_OK;
}

ec_err ec_ledger_apply(ec_store *s, const uint8_t *buf, size_t len, uint64_t now_ms,
                       ec_verdict *v, ec_id *id)
{
    ec_tx tx;
    if (ec_tx_decode(&tx, buf, len) != EC_OK) return set(v, EC_RULE_MALFORMED, -1);
    if (id) ec_tx_id(&tx, id);
    ec_err err = ec_store_begin(s);
    if (err) return err;
    err = ec_ledger_apply_in_txn(s, &tx, now_ms, v, NULL);
    if (err || v->rule != EC_RULE_OK) {
        ec_store_abort(s);
        return err;
    }
    return ec_store_commit(s);
}
