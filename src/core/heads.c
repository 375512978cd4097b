/* A committed head is never rewritten (docs/CONSENSUS.md, "Heads only move
 * forward"): whatever a quorum decided or the neighborhood reports, this
 * node moves a token's head only to a transaction it can show descends
 * from the head it has. Found by the node fuzz harness with a dishonest
 * majority of voters: a quorum for a transfer with an earlier timestamp
 * moved a head back in time, and a quorum for a sibling of an already
 * committed transaction rolled a head back to another branch.
 *
 * The relation of a transaction t (mapping `mp` of token, timestamp ts) to
 * our head h, walking back from t's previous head through transactions in
 * the store, each mapping the token with a strictly earlier timestamp:
 *   EXTENDS  h is on the way (or there is no h: nothing to rewrite);
 *   GAP      a transaction on the way is not in the store (*gap names it):
 *            we are behind and cannot tell yet;
 *   FORK     the walk passes h's time, reaches a create, or breaks a rule
 *            of the chain without meeting h: t is on another branch. */
#include "core/node_internal.h"

#define HEADS_WALK_MAX 64 /* steps back before giving up (as a gap) */

head_rel node_head_relation(ec_node *n, const ec_id *token, const ec_head *h, const ec_id *prev,
                            uint64_t ts, ec_id *gap)
{
    if (h == NULL) return HEAD_EXTENDS;
    if (ts <= h->timestamp_ms) return HEAD_FORK; /* never back in time */
    ec_id cur = *prev;
    uint64_t after = ts;
    for (int step = 0; step < HEADS_WALK_MAX; step++) {
        if (ec_id_cmp(&cur, &h->tx_id) == 0) return HEAD_EXTENDS;
        if (ec_id_is_zero(&cur)) return HEAD_FORK; /* back to a create without meeting h */
        uint8_t buf[EC_TX_MAX_LEN];
        size_t len;
        ec_tx tx;
        ec_err err = ec_store_get_tx(n->store, &cur, buf, sizeof buf, &len);
        if (err == EC_ERR_NOTFOUND) {
            if (gap) *gap = cur;
            return HEAD_GAP;
        }
        if (err || ec_tx_decode(&tx, buf, len) != EC_OK || tx.timestamp_ms >= after ||
            tx.timestamp_ms <= h->timestamp_ms)
            return HEAD_FORK;
        int k;
        for (k = 0; k < tx.n_mappings; k++)
            if (ec_id_cmp(&tx.mappings[k].token, token) == 0) break;
        if (k == tx.n_mappings) return HEAD_FORK; /* the chain leaves the token */
        after = tx.timestamp_ms;
        cur = tx.mappings[k].prev;
    }
    if (gap) *gap = cur;
    return HEAD_GAP;
}

bool node_head_includes(ec_node *n, const ec_id *token, const ec_head *h, const ec_id *tx_id,
                        uint64_t ts)
{
    ec_id cur = h->tx_id;
    for (int step = 0; step < HEADS_WALK_MAX; step++) {
        if (ec_id_cmp(&cur, tx_id) == 0) return true;
        if (ec_id_is_zero(&cur)) return false;
        uint8_t buf[EC_TX_MAX_LEN];
        size_t len;
        ec_tx tx;
        if (ec_store_get_tx(n->store, &cur, buf, sizeof buf, &len) != EC_OK ||
            ec_tx_decode(&tx, buf, len) != EC_OK || tx.timestamp_ms <= ts)
            return false; /* unknown, or already older than tx_id: passed it */
        int k;
        for (k = 0; k < tx.n_mappings; k++)
            if (ec_id_cmp(&tx.mappings[k].token, token) == 0) break;
        if (k == tx.n_mappings) return false;
        cur = tx.mappings[k].prev;
    }
    return false;
}
