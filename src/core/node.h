/* The protocol core: one node's state machine, sans IO (seed §9-10).
 *
 * The caller owns the clock, the network and the randomness:
 *   ec_node_recv(node, now, from, buf, len)  an inbound message
 *   ec_node_submit(node, now, tx)            a client's transaction
 *   ec_node_tick(node, now)                  timers (at ec_node_next_deadline)
 *   ec_node_next_out(node, &to, buf, ...)    drain outbound messages
 * The node never reads a clock, never opens a socket, draws randomness only
 * from the ec_rng in its config, and keeps its ledger in the ec_store it is
 * given. The UDP daemon and the simulator drive this same code.
 *
 * Protocol (docs/CONSENSUS.md): the node a transaction is submitted to
 * looks up each token's neighborhood and the witness neighborhood (tx id),
 * sends them the transaction and the member list; members validate their
 * tokens and vote to all members; each member commits when every token has
 * a quorum of eligible positive votes. */
#ifndef EC_CORE_NODE_H
#define EC_CORE_NODE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/err.h"
#include "base/rng.h"
#include "core/rtt.h"
#include "crypto/id.h"
#include "ledger/store.h"
#include "ledger/tx.h"
#include "wire/msg.h"

/* How a member's vote reaches the other tokens' neighborhoods. */
typedef enum ec_vote_relay {
    EC_VOTE_RELAY_DIRECT = 0, /* every member votes to every member of every token */
    EC_VOTE_RELAY_BUNDLE = 1, /* to its own neighborhood; a token's signed votes
                                 then go to the others as one bundle per member */
} ec_vote_relay;

typedef struct ec_node_config {
    unsigned w;               /* neighborhood width (8) */
    int vote_threshold;       /* net positive balance needed per token (+2) */
    unsigned quorum;          /* positive eligible votes needed per token (w/2 + 1) */
    unsigned bucket_size;     /* peers per XOR bucket (16) */
    bool witness;             /* also send to the tx id's neighborhood (true) */
    uint64_t resend_ms;       /* re-send votes to members not heard from (1000), with
                                 rtt_timers off; committed transactions are kept
                                 30 of these either way */
    uint64_t lookup_timeout_ms; /* a lookup query unanswered this long has failed
                                 (500), with rtt_timers off */
    bool route_tx;            /* route the transaction toward each neighborhood, whose
                                 first member spreads it there (true); else look up first */
    uint64_t tx_timeout_ms;   /* drop a pending transaction after this (60000) */
    unsigned pending_max;     /* transactions in flight at once (4096) */
    unsigned pending_per_peer_max; /* of those, started by one peer's messages (512) */
    size_t outbox_max_bytes;  /* queued outbound bytes (8 MiB) */
    ec_vote_relay vote_relay; /* (EC_VOTE_RELAY_BUNDLE) */
    bool catchup;             /* fetch missing history (true; off only to measure it) */
    unsigned catchup_agree;   /* co-members that must name the same head before a
                                 member missing a token's history adopts it (3) */
    unsigned catchups_max;    /* tokens being caught up at once (256) */
    unsigned peer_fail_max;   /* unanswered requests in a row that drop a peer (3) */
    bool verify_signatures;   /* check transaction signatures (true; the simulator
                                 may turn it off for very large runs) */
    bool unsafe_quorum;       /* allow quorum <= w/2 (false): only to measure what
                                 a minority quorum breaks (docs/CONSENSUS.md) */
    bool volatile_votes;      /* keep sticky vote records in memory, lost on
                                 restart (false): only to show what that breaks */
    /* Timers that follow the network (core/rtt.h: RFC 6298's estimator,
     * RFC 9002's probe timeout PTO = srtt + max(4 rttvar, granularity)).
     * Samples: lookup queries answered by the peer asked, catch-up
     * questions (first round) and fetches, and a co-member's first vote
     * after we spread a transaction to it (within [srtt/4, 2 srtt]);
     * never an answer to a request sent twice (Karn). Each peer in the
     * peer set has its own estimate, the node one over all samples
     * (docs/CONSENSUS.md, "Timers"). */
    bool rtt_timers;          /* timers from the estimates (true): a lookup query
                                 times out after its peer's PTO; vote re-sends
                                 (a PTO after our vote, or after our bundles),
                                 transaction re-asks and catch-up re-asks after
                                 the node's PTO, doubled at each retry up to
                                 rtt_max_ms; false: the fixed resend_ms and
                                 lookup_timeout_ms (kept to measure against) */
    uint64_t rtt_initial_ms;  /* RTT assumed before any sample (333: a first
                                 PTO of 999 ms, RFC 9002's initial RTT) */
    uint64_t rtt_granularity_ms; /* floor of the PTO's variation term (25: a
                                 steady network's rttvar decays to 0) */
    uint64_t rtt_max_ms;      /* cap on samples, PTOs and backed-off timers
                                 (60000: RFC 6298's floor for a maximum) */
} ec_node_config;

/* Fills the defaults above. */
void ec_node_config_default(ec_node_config *c);

/* Checks c: EC_OK, or EC_ERR_ARG with *why (when why is not NULL) set to a
 * static sentence naming the field ("quorum must be a majority of w").
 * ec_node_new refuses a config this refuses. */
ec_err ec_node_config_check(const ec_node_config *c, const char **why);

/* Message counters, by type (index = ec_msg_type). */
typedef struct ec_node_stats {
    uint64_t sent[EC_MSG_TYPE_END];
    uint64_t sent_bytes;
    uint64_t recv[EC_MSG_TYPE_END];
    uint64_t dropped_malformed;   /* did not decode */
    uint64_t dropped_unexpected;  /* decoded, but nothing to do with it */
    uint64_t dropped_outbox_full; /* the outbox held outbox_max_bytes */
    uint64_t dropped_send_failed; /* a message that did not encode or no memory */
    uint64_t dropped_pending_full;
    uint64_t dropped_peer_share;  /* a peer's messages hold its whole share of pending */
    uint64_t submitted;
    uint64_t committed;
    uint64_t timed_out;
    uint64_t conflicts_seen;      /* a decided tx conflicts with our committed head */
    uint64_t catchups_started;    /* tokens whose history we lacked (voted 0) */
    uint64_t caught_up;           /* heads adopted from the neighborhood */
    uint64_t catchups_failed;     /* no agreement after every attempt */
    uint64_t votes_relayed_bad;   /* relayed votes whose key or signature failed */
    uint64_t votes_ineligible;    /* votes from voters not among any token's w nearest */
    uint64_t votes_dropped_full;  /* votes with no room in the transaction's table */
    uint64_t dropped_catchup_full; /* catch-ups not started: catchups_max running */
    uint64_t peers_evicted;       /* peers dropped after peer_fail_max silences */
    uint64_t store_errors;        /* store reads or writes that failed */
    uint64_t commits_failed;      /* decided, but the store refused the commit (retried) */
} ec_node_stats;

typedef struct ec_node ec_node;

/* Called when this node commits a transaction (optional). */
typedef void (*ec_node_commit_fn)(void *arg, ec_node *node, uint64_t now, const ec_id *tx_id,
                                  const ec_tx *tx);

/* The node keeps pointers to store and rng (not owned); addr is its address. */
ec_err ec_node_new(ec_node **out, const ec_node_config *cfg, const ec_id *addr,
                   ec_store *store, ec_rng *rng);
void ec_node_free(ec_node *n);
void ec_node_on_commit(ec_node *n, ec_node_commit_fn fn, void *arg);

/* Is `key` the signing key of the node at `addr`? The driver answers from
 * the identity records it verified (the simulator from its own table).
 * Without it, relayed votes are not counted. */
typedef bool (*ec_node_identity_fn)(void *arg, const ec_id *addr, const ec_pubkey *key);

/* The key this node signs its votes with (copied; without one votes go out
 * unsigned and others cannot relay them). */
void ec_node_set_key(ec_node *n, const ec_keypair *key);
void ec_node_set_identity_check(ec_node *n, ec_node_identity_fn fn, void *arg);

/* Adds a known peer (bootstrap; the simulator fills tables this way). */
ec_err ec_node_add_peer(ec_node *n, const ec_id *peer);

ec_err ec_node_recv(ec_node *n, uint64_t now, const ec_id *from, const uint8_t *buf,
                    size_t len);
ec_err ec_node_submit(ec_node *n, uint64_t now, const ec_tx *tx);
ec_err ec_node_tick(ec_node *n, uint64_t now);
/* When ec_node_tick should next run; UINT64_MAX if nothing is pending. */
uint64_t ec_node_next_deadline(const ec_node *n);
/* Pops the next outbound message into buf: EC_OK (*to, buf and *len set),
 * EC_ERR_NOTFOUND when the outbox is empty, EC_ERR_RANGE when cap is too
 * small (the message stays queued; *len is its size; EC_MSG_MAX always
 * suffices). */
ec_err ec_node_next_out(ec_node *n, ec_id *to, uint8_t *buf, size_t cap, size_t *len);

/* The probe timeout the node uses for a request to `peer`: its PTO from
 * the peer's estimate, else from the node-wide one, else from
 * rtt_initial_ms. NULL peer: the node-wide PTO (the timers aimed at no one
 * peer). With rtt_timers off the node does not use it. */
uint64_t ec_node_pto(const ec_node *n, const ec_id *peer);
/* The estimate for `peer` (NULL: node-wide) in *out; false if no sample. */
bool ec_node_rtt(const ec_node *n, const ec_id *peer, ec_rtt *out);

const ec_id *ec_node_addr(const ec_node *n);
const ec_node_stats *ec_node_stats_get(const ec_node *n);
/* Is this node responsible for target (among the w nearest in its view)? */
bool ec_node_responsible(const ec_node *n, const ec_id *target);
size_t ec_node_pending(const ec_node *n);
/* Checks every limit of the node's state (pending, outbox bytes, votes
 * and members per transaction, catch-ups, lookups, peer buckets): EC_OK,
 * or EC_ERR_CORRUPT with *why (when not NULL) naming the broken one. */
ec_err ec_node_check(const ec_node *n, const char **why);

#endif
