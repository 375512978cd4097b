/* Real vote-equivocation evidence for tests: a voter's +1 under kp on two
 * transfers of one (token, prev), owned by owner_kp and given to client. */
#ifndef EC_TEST_EVIDENCE_UTIL_H
#define EC_TEST_EVIDENCE_UTIL_H

#include <string.h>

#include "core/evidence.h"
#include "core/vote_sig.h"
#include "crypto/blake3.h"
#include "ledger_util.h"

static inline size_t eu_transfer(uint8_t *buf, const ec_id *token, const ec_keypair *owner_kp, const ec_id *prev,
                                 const ec_keypair *client, uint64_t ts, ec_id *id)
{
    ec_tx tx = tu_tx1(token, owner_kp, prev, client, ts);
    size_t len = 0;
    if (ec_tx_encode(&tx, buf, EC_TX_MAX_LEN, &len) != EC_OK) return 0;
    ec_blake3_hash(buf, len, id->b);
    return len;
}

static inline void eu_evidence(ec_vote_evidence *e, const ec_id *voter, const ec_keypair *kp, const ec_id *token,
                               const ec_keypair *owner_kp, const ec_id *prev, const ec_keypair *client)
{
    uint8_t a[EC_TX_MAX_LEN], b[EC_TX_MAX_LEN];
    ec_id ia, ib;
    size_t la = eu_transfer(a, token, owner_kp, prev, client, 1000, &ia);
    size_t lb = eu_transfer(b, token, owner_kp, prev, client, 1001, &ib);
    ec_msg_signed_vote va;
    memset(&va, 0, sizeof va);
    va.voter = *voter;
    va.version = 1;
    va.values[0] = EC_MSG_VOTE_VALID;
    ec_msg_signed_vote vb = va;
    ec_vote_sign(&va, kp, &ia, 1);
    ec_vote_sign(&vb, kp, &ib, 1);
    ec_evidence_make(e, voter, &va, 1, a, la, &vb, 1, b, lb);
}

#endif
