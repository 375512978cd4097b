/* The peer lifecycle (seed §4, §7.5; issue 12; docs/LIFECYCLE.md): which
 * of the peers a node knows it has elected as neighbors, how far each has
 * come, and the scheduler that keeps replacing them.
 *
 * A peer near us (among our life_candidates nearest) is IDENTIFIED (its
 * identity verified: it is in our peer table). An election makes it
 * PENDING: life_challenges storage proofs, life_gap_ms apart, each chosen
 * by ec_node_pos_challenge_any (one unanswered is asked again; two in a
 * row lose). All passed: CONNECTED, and we send it INVITE; a peer invited
 * by a node near it runs the same election on the inviter (the
 * counter-election). One failed: back to IDENTIFIED, not
 * tried again for life_retry_ms. A CONNECTED peer is challenged again
 * every life_recheck_ms: one refused or "cannot" answer, or two timeouts
 * in a row, drop it. It becomes TRUSTED after life_trust_ms connected with
 * life_challenges passes since. A convicted peer is EJECTED: it loses
 * everything and is never elected again. Every life_swap_ms (randomised
 * ±50 %) the longest-connected life_swap_count peers are let go (back to
 * IDENTIFIED, retried after life_swap_ms; one is always kept), so the
 * neighborhood keeps changing and another candidate is elected in their
 * place.
 *
 * The §4 phases per peer: identity verified (every record), synchronized
 * (it passed a storage proof: it holds the neighborhood's state), trusted.
 * Records are kept for at most life_peers_max peers (connected and pending
 * ones are never evicted for a newcomer; identified and ejected ones are,
 * the longest in their state first: convictions are kept in the convicted
 * set, so a peer recorded again is ejected again). */
#ifndef EC_CORE_LIFE_H
#define EC_CORE_LIFE_H

#include <stdint.h>

#include "base/err.h"
#include "crypto/id.h"

typedef enum ec_life_state {
    EC_LIFE_IDENTIFIED = 1,
    EC_LIFE_PENDING = 2,
    EC_LIFE_CONNECTED = 3,
    EC_LIFE_EJECTED = 4,
} ec_life_state;
const char *ec_life_state_name(int state);

#define EC_LIFE_PHASE_IDENTITY 1u     /* its identity record verified */
#define EC_LIFE_PHASE_SYNCHRONIZED 2u /* it passed a storage proof */
#define EC_LIFE_PHASE_TRUSTED 4u      /* life_trust_ms connected, life_challenges passes since */

typedef struct ec_life_record {
    ec_id peer;
    uint8_t state;          /* an ec_life_state */
    uint8_t phases;         /* EC_LIFE_PHASE_* bits */
    uint8_t election_passes; /* of the election running (PENDING) */
    uint8_t timeouts_in_row;
    uint64_t first_seen, state_since, connected_since; /* the node's clock; 0: never */
    uint64_t first_connected; /* its first election won; 0: never */
    uint64_t first_trusted;   /* it first became trusted; 0: never */
    uint64_t retry_at;      /* IDENTIFIED: not elected before */
    uint32_t elections, elections_won, passed, failed, swapped_out, invited;
} ec_life_record;

/* Counts by state (a node's view of its neighborhood). */
typedef struct ec_life_counts {
    uint32_t identified, pending, connected, trusted, ejected;
} ec_life_counts;

struct ec_node;
/* The record of `peer`: EC_OK, EC_ERR_NOTFOUND none kept, EC_ERR_ARG. */
ec_err ec_node_life_peer(const struct ec_node *n, const ec_id *peer, ec_life_record *out);
void ec_node_life_counts(const struct ec_node *n, ec_life_counts *out);
/* Calls fn for each record (no particular order); fn must not change the node. */
typedef void (*ec_life_each_fn)(void *arg, const ec_life_record *r);
void ec_node_life_each(const struct ec_node *n, ec_life_each_fn fn, void *arg);

#endif
