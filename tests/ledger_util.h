/* Helpers shared by the ledger tests: deterministic keys, ids, and
 * one-call transaction builders. */
#ifndef EC_TEST_LEDGER_UTIL_H
#define EC_TEST_LEDGER_UTIL_H

#include <stdio.h>
#include <stdlib.h>

#include "ledger/store.h"
#include "ledger/tx.h"
#include "ledger/validate.h"

static inline void tu_key(ec_keypair *kp, uint8_t v)
{
    uint8_t seed[32];
    for (int i = 0; i < 32; i++) seed[i] = (uint8_t)(v * 31 + i);
    ec_sign_keypair(kp, seed);
}

static inline ec_id tu_id(uint8_t a, uint8_t b)
{
    ec_id id = {{0}};
    id.b[0] = a;
    id.b[31] = b;
    return id;
}

static inline ec_id tu_owner(const ec_keypair *kp)
{
    ec_id h;
    ec_sign_keyhash(&h, &kp->pub);
    return h;
}

/* One mapping token -> owner_kp (NULL: destroy), extending prev (NULL:
 * create), signed by signer. */
static inline ec_tx tu_tx1(const ec_id *token, const ec_keypair *owner_kp, const ec_id *prev,
                           const ec_keypair *signer, uint64_t ts)
{
    ec_tx tx;
    ec_id zero = {{0}}, owner = owner_kp ? tu_owner(owner_kp) : zero;
    ec_tx_init(&tx, ts);
    ec_tx_add_mapping(&tx, token, &owner, prev ? prev : &zero);
    ec_tx_sign(&tx, signer);
    return tx;
}

/* Applies in its own write transaction; returns the rule. */
static inline ec_rule tu_apply(ec_store *s, const ec_tx *tx, uint64_t now, ec_id *id)
{
    uint8_t buf[EC_TX_MAX_LEN];
    size_t len;
    ec_verdict v = {EC_RULE_MALFORMED, -1};
    if (ec_tx_encode(tx, buf, sizeof buf, &len) != EC_OK) return EC_RULE_MALFORMED;
    if (ec_ledger_apply(s, buf, len, now, &v, id) != EC_OK) {
        fprintf(stderr, "  store error\n");
        return (ec_rule)-1;
    }
    return v.rule;
}

#endif
