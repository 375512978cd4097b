/* The protocol core: one node's state machine, sans IO (seed §9-10).
 *
 * The driver (the UDP daemon, the simulator, a test) owns the clock, the
 * network, the disk and the randomness, and hands them in:
 *   ec_node_new(&n, &cfg, &env)                store, rng, key, identity check, hooks
 *   ec_node_recv(n, now, from, from_ep, buf, len)  an inbound message
 *   ec_node_submit(n, now, tx)                 a client's transaction
 *   ec_node_tick(n, now)                       timers, at ec_node_next_deadline
 *   ec_node_next_out(n, &to, &ep, buf, ...)    outbound messages, until EC_ERR_NOTFOUND
 *   ec_node_next_event(n, &ev)                 outcomes and requests for the driver
 *   ec_node_batch_begin / _end                 group commit around many inputs
 * The node never reads a clock, never opens a socket, draws randomness only
 * from env.rng, and keeps its ledger in env.store.
 *
 * Time: every `now` is milliseconds of a monotonic clock (CLOCK_MONOTONIC,
 * or the simulator's virtual one), never going backwards across calls; the
 * node compares it with transaction timestamps (Unix milliseconds) only
 * for the "2 hours ahead" rule, so a daemon passes a monotonic clock offset
 * to Unix time at start.
 *
 * Ownership (LMDB's style): what a function takes by pointer it copies
 * unless said otherwise; nothing it returns points into the node except
 * ec_node_addr and ec_node_stats_get (valid until ec_node_free). The
 * store and the rng are the driver's and must outlive the node. One
 * thread at a time per node; nodes share nothing.
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
#include "core/chain_evidence.h"
#include "core/claim_chain.h"
#include "core/claims.h"
#include "core/evidence.h"
#include "core/peers.h"
#include "core/rtt.h"
#include "crypto/id.h"
#include "ledger/block.h"
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
    unsigned events_max;      /* events waiting for the driver (1024) */
    unsigned endpoints_max;   /* endpoints kept for ids outside the peer table (4096) */
    bool verify_signatures;   /* check transaction signatures (true; the simulator
                                 may turn it off for very large runs) */
    bool unsafe_quorum;       /* allow quorum <= w/2 (false): only to measure what
                                 a minority quorum breaks (docs/CONSENSUS.md) */
    bool volatile_votes;      /* keep sticky vote records in memory, lost on
                                 restart (false): only to show what that breaks */
    bool ignore_evidence;     /* measurement only: equivocation evidence is not acted on
                                 (false; docs/SECURITY.md shows what that costs) */
    unsigned claims_max;      /* signed mapping claims kept to compare later ones with,
                                 per (signer, token) (512; 0: none: Minefield off) */
    uint64_t commit_hold_ms;  /* a member that sees a quorum waits this long before it
                                 commits, so that an equivocator's other +1 (or a
                                 co-member's echo of it) can reach it first; 0: commit
                                 at once (docs/SECURITY.md, "Hold and echo") */
    bool commit_echo;         /* with a hold: on seeing a quorum, send its signed votes
                                 to the other members of our token (false) */
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
    /* Chain sync (docs/CHAIN.md, "Sync"): rounds start at ec_node_sync_start. */
    unsigned sync_sources;    /* neighbors whose chains are followed at once (16 = 2w,
                                 <= 16: docs/CHAIN.md measures 1, 2, 4, 8, 16) */
    unsigned sync_agree;      /* sources whose chains must hold a transaction before
                                 it is adopted (2) */
    uint64_t sync_interval_ms; /* a new round this long after one ends (60000) */
    unsigned sync_window;     /* blocks taken from one source per round (1024) */
    unsigned sync_offers_max; /* transaction ids waiting for agreement (8192) */
    unsigned sync_fetch_max;  /* transactions being fetched at once (32) */
    bool sync_check_single;   /* an id one chain held for 2 rounds is fetched and its
                                 tokens of ours caught up from their neighborhoods
                                 (false: measured in docs/CHAIN.md, +28 % messages
                                 for +2.3 points of a joiner's state) */
    bool sync_polling;        /* the baseline instead of chains: page through each
                                 source's heads (GET_RANGE) and catch up every token
                                 of ours whose head differs (false; only to measure
                                 chain sync against, docs/CHAIN.md) */
    uint64_t block_interval_ms; /* the commit chain's open block is cut this long
                                 after its first commit, or at 32 (300000: the
                                 seed's 5 minutes; docs/CHAIN.md) */
    /* Proof of aligned storage (core/pos.h; docs/PROTOCOL.md, "Storage
     * proofs"): GET_PROOF answered, challenges sent (ec_node_pos_challenge). */
    uint64_t pos_examined_max; /* stored tokens one walk may examine, answering or
                                 checking (200000) */
    unsigned pos_answers_per_s; /* GET_PROOF answered per second, node-wide (20,
                                 burst the same); the rest dropped, counted */
    uint64_t pos_peer_interval_ms; /* and at most one per asker this often (1000;
                                 0: no per-asker limit) */
    unsigned pos_bits;        /* chunk width of our challenges, 4..16 (0: the widest whose
                                 walk stays within an eighth of our store, at most 10) */
    bool pos_region;          /* our challenges walk the largest subtree around us with at
                                 most w nodes, which every node in it holds whole (true;
                                 false: every stored token, the seed's walk; pos.h) */
    unsigned pos_shared_every; /* every k-th challenge walks the whole space over the
                                 tokens both peers should hold, each in its own view,
                                 reaching what the region does not (1: each time
                                 such a token is held; 0: never; docs/LIFECYCLE.md) */
    unsigned pos_outstanding_max; /* challenges of ours waiting for a PROOF (64) */
    unsigned pos_peers_max;   /* peers whose challenge record is kept (1024; the least
                                 recently updated goes) */
    unsigned pos_min_agree;   /* tokens of 10 our own walk must share with an answer
                                 for it to pass (8; 1..10) */
    /* The peer lifecycle (core/life.h; docs/LIFECYCLE.md). */
    bool life;                /* elections, re-checks, swaps (false) */
    unsigned life_target;     /* peers connected or being elected at once (0: w; 2w with life_votes) */
    unsigned life_candidates; /* our nearest peers considered (0: 2w; at most 64) */
    unsigned life_challenges; /* storage proofs an election must pass (3) */
    uint64_t life_gap_ms;     /* between an election's challenges (1100: answerers
                                 take one per asker a second) */
    uint64_t life_recheck_ms; /* a connected peer re-challenged this often (60000) */
    uint64_t life_retry_ms;   /* a peer that lost is not elected again before (300000) */
    uint64_t life_trust_ms;   /* connected this long, with life_challenges re-checks
                                 passed, to be trusted (600000) */
    uint64_t life_swap_ms;    /* mean swap interval, randomised +-50 % (1800000: the
                                 seed's 30 min; 0: no swaps); a swapped peer waits as long */
    unsigned life_swap_count; /* connected peers let go per swap (1) */
    uint64_t life_scan_ms;    /* candidates looked for this often (5000) */
    unsigned life_peers_max;  /* records kept (256) */
    bool life_votes;          /* with life: on a token we answer for (we are among its w
                                 nearest in our view), a voter's vote counts only if we
                                 elected it (CONNECTED); on other tokens the view rule
                                 as before (false; docs/LIFECYCLE.md, "Votes") */
} ec_node_config;

/* Fills the defaults above (every field; what is not named is off / 0). */
void ec_node_config_default(ec_node_config *c);

/* Checks c: EC_OK, or EC_ERR_ARG with *why (when why is not NULL) set to a
 * static sentence naming the field ("quorum must be a majority of w").
 * ec_node_new refuses a config this refuses. */
ec_err ec_node_config_check(const ec_node_config *c, const char **why);

/* Message counters, by type (index = ec_msg_type). */
typedef struct ec_node_stats {
    uint64_t sent[EC_MSG_TYPE_END];
    uint64_t sent_bytes;
    uint64_t sent_bytes_type[EC_MSG_TYPE_END]; /* by message type */
    uint64_t recv[EC_MSG_TYPE_END];
    uint64_t dropped_malformed;   /* did not decode */
    uint64_t dropped_unexpected;  /* decoded, but nothing to do with it */
    uint64_t dropped_outbox_full; /* the outbox held outbox_max_bytes */
    uint64_t dropped_send_failed; /* a message that did not encode or no memory */
    uint64_t dropped_pending_full;
    uint64_t settled_evicted;     /* settled transactions forgotten early for new ones */
    uint64_t dropped_peer_share;  /* a peer's messages hold its whole share of pending */
    uint64_t submitted;
    uint64_t committed;
    uint64_t timed_out;
    uint64_t conflicts_seen;      /* decided, but on another branch than our head: not applied here */
    uint64_t heads_refused;       /* decided, but invalid on our head: not applied here */
    uint64_t heads_behind;        /* decided, but our history has a gap: waits for a catch-up */
    uint64_t catchups_started;    /* tokens whose history we lacked (voted 0) */
    uint64_t caught_up;           /* heads adopted from the neighborhood */
    uint64_t catchups_failed;     /* no agreement after every attempt */
    uint64_t votes_relayed_bad;   /* relayed votes whose key or signature failed */
    uint64_t votes_ineligible;    /* votes from voters not among any token's w nearest */
    uint64_t votes_dropped_full;  /* votes with no room in the transaction's table */
    uint64_t dropped_catchup_full; /* catch-ups not started: catchups_max running */
    uint64_t peers_evicted;       /* peers dropped after peer_fail_max silences */
    uint64_t dropped_events_full; /* events the driver did not take in time */
    uint64_t batches_failed;      /* group commits the store refused (rolled back) */
    uint64_t identities_unknown;  /* relayed votes whose voter's identity was unknown */
    uint64_t identity_asks_dropped; /* get_identity not sent, or a hello not passed on: the ration */
    uint64_t endpoints_evicted;   /* book entries dropped for newer ones */
    uint64_t store_errors;        /* store reads or writes that failed */
    uint64_t commits_failed;      /* decided, but the store refused the commit (retried) */
    uint64_t blocks_cut;          /* commit-chain blocks this node signed (core/chain.c) */
    uint64_t chain_errors;        /* blocks the store refused to write (retried) */
    /* Chain sync (sync.c). */
    uint64_t sync_rounds;         /* rounds finished */
    uint64_t sync_headers;        /* headers received and verified */
    uint64_t sync_bodies;         /* bodies received and checked against their root */
    uint64_t sync_txs_fetched;    /* transactions fetched */
    uint64_t sync_adopted;        /* of those, adopted (some token of ours moved) */
    uint64_t sync_not_ours;       /* of those, none of their tokens is ours */
    uint64_t sync_history;        /* of those, our tokens were past them: kept as history */
    uint64_t sync_tx_bytes;       /* the fetched transactions' bytes */
    uint64_t sync_invalid;        /* of those, invalid by the ledger rules (a lying source) */
    uint64_t sync_faults;         /* headers or bodies refused (signature, link, root) */
    uint64_t sync_forks;          /* a source whose chain no longer holds our locator */
    uint64_t sync_sources_dropped; /* sources that stopped answering or misbehaved */
    uint64_t sync_unconfirmed;    /* ids one source's chain held and the others' did not */
    uint64_t sync_offers_dropped; /* ids not kept: the offer table was full */
    uint64_t sync_nudged;         /* rounds started early: a source's answer showed a longer chain */
    uint64_t sync_elected;        /* rounds started early: a neighbor was elected (life) */
    uint64_t sync_equivocations;  /* sources that signed two blocks at one height (evidence kept) */
    uint64_t sync_missing;        /* adopted transactions a source's walked window left out
                                     (EC_SYNC_REPORT_MISSING, one per source) */
    uint64_t sync_reports;        /* EC_NODE_EV_SYNC_REPORT events raised */
    uint64_t equivocations;       /* voters convicted here by their two +1 votes on one head */
    uint64_t convicted_full;      /* convictions not kept: the table was full */
    uint64_t evidence_corrupt;    /* stored evidence records skipped: not decoding or not proving
                                     (counted at start and by each ec_node_evidence_each) */
    uint64_t claims_convicted;    /* nodes convicted here by two signed mapping claims that contradict */
    uint64_t chain_convicted;     /* nodes convicted here by two blocks they signed at one height */
    uint64_t claims_checked_block; /* kept claims checked against the block they name (fetched by sync) */
    uint64_t claims_bad;          /* mapping answers whose claims' signature or key failed */
    uint64_t claims_kept;         /* signed claims kept (per signer and token) to compare later ones with */
    uint64_t claims_evicted;      /* kept claims pushed out by newer ones (claims_max) */
    uint64_t evidence_sent;       /* evidence messages sent (spread to the accused's neighborhood
                                     and our co-members) */
    uint64_t evidence_received;   /* convictions on evidence another node sent */
    uint64_t evidence_known;      /* evidence against a voter already convicted here (not spread again) */
    uint64_t evidence_bad;        /* evidence messages that did not decode or prove anything */
    uint64_t evidence_unverified; /* evidence whose key we could not tie to the accused's identity */
    uint64_t evidence_unsent;     /* evidence too large for one message (not spread) */
    uint64_t commit_holds;        /* quorums seen and held before committing (commit_hold_ms) */
    uint64_t holds_broken;        /* held quorums lost before the hold ended (a voter convicted) */
    uint64_t echoes_sent;         /* echo messages: a held quorum's votes to co-members */
    uint64_t sync_gaps_expired;   /* fetched transactions whose history did not come within
                                     10 rounds (dropped) */
    uint64_t sync_local;          /* agreed ids held here already (stored as another token's
                                     history) whose token of ours was behind: adopted from the
                                     store, not fetched */
    uint64_t sync_skipped;        /* ids a source's body marked as near no token of ours */
    uint64_t sync_single_fetched; /* ids one chain held for 2 rounds, fetched to check */
    uint64_t sync_single_catchups; /* of their tokens, ours and behind: caught up (the
                                    token's neighborhood decides, not the one chain) */
    uint64_t sync_ranges;         /* polling: RANGE answers taken */
    uint64_t sync_polled_behind;  /* polling: tokens of ours whose head differed (caught up) */
    /* Proof of aligned storage: answering (serve.c) and asking (prove.c). */
    uint64_t pos_answered;        /* PROOF answers sent (status 1) */
    uint64_t pos_cannot;          /* PROOF "cannot" sent (status 0: token not held, walk short
                                     or past pos_examined_max) */
    uint64_t pos_dropped_rate;    /* GET_PROOF not answered: over pos_answers_per_s */
    uint64_t pos_dropped_peer;    /* GET_PROOF not answered: its asker was answered less than
                                     pos_peer_interval_ms ago */
    uint64_t pos_challenges;      /* GET_PROOF sent (ec_node_pos_challenge) */
    uint64_t pos_passed;          /* answers accepted */
    uint64_t pos_failed;          /* challenges not passed (refused answers, "cannot", timeouts) */
    uint64_t pos_timed_out;       /* of those, unanswered within the request timeout */
    uint64_t pos_outstanding_full; /* challenges refused: pos_outstanding_max waiting */
    uint64_t pos_peers_evicted;   /* peer records dropped for newer ones (pos_peers_max) */
    /* The peer lifecycle (core/life.h). */
    uint64_t life_elections;      /* elections started (PENDING) */
    uint64_t life_elected;        /* won: CONNECTED */
    uint64_t life_lost;           /* lost: a challenge failed */
    uint64_t life_dropped;        /* connected peers dropped (a failed re-check, two timeouts) */
    uint64_t life_trusted;        /* peers that became trusted */
    uint64_t life_ejected;        /* convicted peers ejected */
    uint64_t life_swaps;          /* connected peers let go by the swap scheduler */
    uint64_t life_unjudged;       /* elections or re-checks ended with nothing to challenge the
                                     peer on (no token we both must hold): let go, retried later */
    uint64_t life_invites_sent, life_invites_received;
    uint64_t life_invites_ignored; /* from peers not among our candidates, or elected already */
    uint64_t life_evicted;        /* records dropped for newer ones (life_peers_max) */
} ec_node_stats;

typedef struct ec_node ec_node;

/* What the node tells its driver (ec_node_next_event). */
typedef enum ec_node_event_type {
    /* The submitter's outcomes, for transactions submitted to this node: */
    EC_NODE_EV_COMMITTED = 1, /* every token has a quorum of eligible +1 */
    EC_NODE_EV_REFUSED = 2,   /* token `mapping` has too many -1 to reach a quorum */
    EC_NODE_EV_TIMED_OUT = 3, /* neither within tx_timeout_ms */
    /* A peer's identity record (asked for, or a hello): verify it off the
     * packet path (ec_identity_verify: one Argon2id), bind its address to
     * its key if valid, and answer the identity check from then on. */
    EC_NODE_EV_VERIFY_IDENTITY = 4,
    /* Chain sync reports a source (`from`) for `mapping` = an
     * ec_node_sync_report reason; tx_id names the transaction for
     * MISSING and INVALID (docs/CHAIN.md, "What sync reports"). */
    EC_NODE_EV_SYNC_REPORT = 5,
    /* `from` signed +1 votes for two transactions spending one head: the
     * evidence is kept (ec_node_evidence) and its votes no longer count
     * here (docs/SECURITY.md). tx_id: one of the two. */
    EC_NODE_EV_EVIDENCE = 6,
    /* A storage-proof challenge of ours (ec_node_pos_challenge) ended:
     * from = the peer, tx_id = the token, mapping = tokens shared with our
     * own walk (-1: no answer to judge: "cannot", timed out, or our store
     * failed), pos_verdict = an ec_node_pos_verdict. */
    EC_NODE_EV_POS_RESULT = 7,
    /* A peer's lifecycle state changed (core/life.h): from = the peer,
     * peer_state = its new ec_life_state. */
    EC_NODE_EV_PEER_STATE = 8,
} ec_node_event_type;

/* How a storage-proof challenge ended (EC_NODE_EV_POS_RESULT). */
typedef enum ec_node_pos_verdict {
    EC_NODE_POS_PASSED = 1,    /* ec_pos_accept: well formed, no contradiction, pos_min_agree shared */
    EC_NODE_POS_REFUSED = 2,   /* an answer that failed the rule */
    EC_NODE_POS_CANNOT = 3,    /* the peer answered that it cannot (status 0) */
    EC_NODE_POS_TIMED_OUT = 4, /* no answer within the request timeout */
    EC_NODE_POS_ERROR = 5,     /* our store failed checking it: the peer is not judged */
} ec_node_pos_verdict;

/* Why chain sync reported a source (EC_NODE_EV_SYNC_REPORT). FAULT,
 * EQUIVOCATION and INVALID are proof against the source; FORK, STALLED
 * and MISSING are suspicion (a lossy network, a source that is behind). */
typedef enum ec_node_sync_report {
    EC_SYNC_REPORT_FAULT = 1,        /* a header or body failing its check, or a key not its identity's */
    EC_SYNC_REPORT_FORK = 2,         /* its chain no longer holds the block we stopped at */
    EC_SYNC_REPORT_EQUIVOCATION = 3, /* two blocks it signed at one height (evidence kept) */
    EC_SYNC_REPORT_STALLED = 4,      /* stopped answering */
    EC_SYNC_REPORT_INVALID = 5,      /* a transaction its chain holds breaks the ledger rules */
    EC_SYNC_REPORT_MISSING = 6,      /* a transaction other chains hold, of a token it is among
                                        the w nearest of (in our view), that its chain left
                                        out over a window that covers the commit */
} ec_node_sync_report;
const char *ec_node_sync_report_name(int what);

typedef struct ec_node_event {
    ec_node_event_type type;
    ec_id tx_id;              /* committed / refused / timed out */
    int mapping;              /* refused: the token's mapping index; else -1 */
    ec_id from;               /* verify_identity: who sent the record */
    uint8_t record[EC_MSG_IDENTITY_LEN]; /* verify_identity: the record's bytes */
    uint8_t pos_verdict;      /* pos_result: an ec_node_pos_verdict; else 0 */
    uint8_t peer_state;       /* peer_state: an ec_life_state; else 0 */
} ec_node_event;

/* Called when this node commits a transaction (optional). */
typedef void (*ec_node_commit_fn)(void *arg, ec_node *node, uint64_t now, const ec_id *tx_id,
                                  const ec_tx *tx);

/* Is `key` the signing key of the node at `addr`? The driver answers at
 * once from the identity records it verified (the simulator from its own
 * table): yes, no, or unknown, and never blocks. On unknown the node asks
 * that peer for its record and hands it over as an EC_NODE_EV_VERIFY_IDENTITY
 * event. Without a check, relayed votes are not counted. */
typedef enum ec_node_id_answer {
    EC_NODE_ID_NO = 0,
    EC_NODE_ID_YES = 1,
    EC_NODE_ID_UNKNOWN = 2,
} ec_node_id_answer;
typedef ec_node_id_answer (*ec_node_identity_fn)(void *arg, const ec_id *addr, const ec_pubkey *key);

/* A line for the driver's log: level 0 error, 1 warning, 2 info; msg is
 * valid during the call only. */
typedef void (*ec_node_log_fn)(void *arg, int level, const char *msg);

/* Everything a node is given at creation. Only addr, store and rng are
 * required; the rest may be zero / NULL. */
typedef struct ec_node_env {
    ec_id addr;                  /* this node's address (its identity's) */
    ec_store *store;             /* its ledger and sticky votes (not owned) */
    ec_rng *rng;                 /* its only randomness (not owned) */
    const ec_keypair *key;       /* signs its votes (copied); NULL: votes go out
                                    unsigned and others cannot relay them */
    const uint8_t *record;       /* its identity record, EC_MSG_IDENTITY_LEN bytes
                                    (copied): answered to get_identity, sent as hello */
    ec_node_identity_fn identity; /* the identity check; NULL: relayed votes never count */
    void *identity_arg;
    ec_node_commit_fn on_commit; /* called after each durable commit of this node */
    void *on_commit_arg;
    ec_node_log_fn log;          /* notable events (store errors, refused heads, ...) */
    void *log_arg;
} ec_node_env;

/* Creates a node: EC_OK (*out set; free with ec_node_free), EC_ERR_ARG for
 * a NULL argument or a config ec_node_config_check refuses, EC_ERR_NOMEM. */
ec_err ec_node_new(ec_node **out, const ec_node_config *cfg, const ec_node_env *env);
/* Frees everything the node holds (not the store or the rng); an open
 * batch is aborted. NULL is fine. */
void ec_node_free(ec_node *n);

/* Sends this node's identity record to `to` (a hello): EC_OK, or
 * EC_ERR_ARG when env.record was not given. */
ec_err ec_node_hello(ec_node *n, const ec_id *to);

/* Asks token's neighborhood for its head and adopts it when catchup_agree
 * members name one our stored history leads to (the catch-up a member runs
 * when it finds a gap; docs/CONSENSUS.md). A driver calls it for the
 * tokens it holds after a restart: what committed while it was down.
 * EC_OK started (or already running), EC_ERR_RANGE catchups_max are
 * running (counted; call again later), EC_ERR_ARG catch-up is off. */
ec_err ec_node_sync_token(ec_node *n, uint64_t now, const ec_id *token);

/* Adds a known peer and where it can be reached (ep may be NULL: not
 * known); bootstrap, and the simulator fills tables this way. EC_OK added,
 * EC_ERR_EXISTS already known (its endpoint updated), EC_ERR_RANGE its
 * bucket is full (the endpoint is still kept, in the bounded book),
 * EC_ERR_ARG an endpoint longer than EC_ENDPOINT_MAX. */
ec_err ec_node_add_peer(ec_node *n, const ec_id *peer, const ec_endpoint *ep);

/* An inbound message from `from` (authenticated by the driver's transport),
 * which arrived from endpoint from_ep (may be NULL). EC_OK, or
 * EC_ERR_MALFORMED for bytes that do not decode (counted, nothing else
 * happens). buf is not kept. */
ec_err ec_node_recv(ec_node *n, uint64_t now, const ec_id *from, const ec_endpoint *from_ep,
                    const uint8_t *buf, size_t len);
/* A client's transaction, coordinated by this node: EC_OK (its outcome
 * comes later as an event), EC_ERR_MALFORMED (does not encode),
 * EC_ERR_SIGNATURE (a signature fails), EC_ERR_RANGE (the pending table is
 * full: try later), EC_ERR_EXISTS (already submitted here), EC_ERR_NOMEM. */
ec_err ec_node_submit(ec_node *n, uint64_t now, const ec_tx *tx);
/* Runs the timers due at `now` (re-sends, lookups, catch-ups, deadlines).
 * Always EC_OK; call it at ec_node_next_deadline (earlier is harmless). */
ec_err ec_node_tick(ec_node *n, uint64_t now);
/* When ec_node_tick should next run (ms, the same clock as `now`);
 * UINT64_MAX if nothing is pending. Changes after every call. */
uint64_t ec_node_next_deadline(const ec_node *n);
/* Pops the next outbound message into buf: EC_OK (*to, *to_ep when not
 * NULL, buf and *len set; to_ep->len is 0 when the node knows no endpoint
 * for `to`), EC_ERR_NOTFOUND when the outbox is empty (or holds only
 * messages of an open batch), EC_ERR_RANGE when cap is too small (the
 * message stays queued; *len is its size; EC_MSG_MAX always suffices). */
ec_err ec_node_next_out(ec_node *n, ec_id *to, ec_endpoint *to_ep, uint8_t *buf, size_t cap,
                        size_t *len);

/* Group commit. Between ec_node_batch_begin and ec_node_batch_end every
 * durable write of the node (sticky vote records, commits, adopted heads)
 * goes into one store transaction, and the messages queued meanwhile stay
 * in the outbox (ec_node_next_out does not hand them out) until the batch
 * is committed: nothing leaves before what it depends on is durable, with
 * one fsync per batch. begin: EC_ERR_ARG if a batch is open, or the
 * store's error. end: EC_OK (committed, held messages released, commit
 * callbacks of the batch called), EC_ERR_ARG if no batch is open, or the
 * store's error: then the batch was rolled back, its held messages dropped
 * and the pending transactions it touched forgotten (as after a restart). */
ec_err ec_node_batch_begin(ec_node *n);
/* The node's own commit chain (docs/CHAIN.md), as its store holds it:
 * the newest block's header, or block `height` (body may be NULL).
 * EC_ERR_NOTFOUND (none yet / no such height), EC_ERR_CORRUPT, or the
 * store's error. */
ec_err ec_node_chain_tip(const ec_node *n, ec_block_header *tip);
/* Starts chain sync (docs/CHAIN.md, "Sync"): a round now, then one every
 * sync_interval_ms. The driver calls it once its peers are known (after a
 * start or a join). EC_ERR_ARG if no peer is known yet. */
ec_err ec_node_sync_start(ec_node *n, uint64_t now);
/* A transaction the driver knows committed (a bulk import: a simulator's
 * preloaded state, a restore), written as chain sync adopts one: its
 * signatures and the ledger rules checked for the tokens this node is
 * responsible for, then the transaction, the heads it moves and the
 * node's own chain in one store transaction. EC_OK, EC_ERR_NOTFOUND (no
 * token of it is this node's, or its heads are past it already),
 * EC_ERR_MISMATCH (the history it extends is missing here),
 * EC_ERR_MALFORMED (invalid), or the store's error; EC_ERR_ARG for an
 * unknown flag. Flags: EC_ADOPT_SIGNED says the driver has checked the
 * transaction's signatures already (once, for all the nodes it imports it
 * into: a simulator's preload checks one Ed25519 verification per token
 * instead of w); the ledger rules are checked either way. */
#define EC_ADOPT_SIGNED 1u
ec_err ec_node_adopt(ec_node *n, uint64_t now, const uint8_t *tx, size_t len, unsigned flags);
/* Whether a sync round is in progress. */
bool ec_node_syncing(const ec_node *n);
/* Evidence sync kept (docs/CHAIN.md): two headers `src` signed at
 * `height` with different hashes (its fork, the accountability issue's
 * to use). EC_OK, EC_ERR_NOTFOUND, EC_ERR_CORRUPT. */
/* Vote equivocation (docs/SECURITY.md): whether `voter`'s votes are set
 * aside here, and the evidence kept against it (EC_OK, EC_ERR_NOTFOUND,
 * EC_ERR_CORRUPT). */
bool ec_node_convicted(const ec_node *n, const ec_id *voter);
ec_err ec_node_evidence(const ec_node *n, const ec_id *voter, ec_vote_evidence *out);
/* Every piece of vote evidence kept here (the "eq" records of the
 * store: those convicted here or received, kept across restarts), in voter
 * id order: fn(arg, voter, e) for each until it returns false; voter and
 * e are valid during the call only, and fn must not call into the node.
 * A record that does not decode is skipped and counted (evidence_corrupt);
 * signatures are not checked again (ec_evidence_verify does, for anyone:
 * the records a node loads at start are). EC_OK (none is fine), EC_ERR_ARG (NULL n or fn), EC_ERR_NOMEM, or the
 * store's error. */
ec_err ec_node_evidence_each(const ec_node *n, bool (*fn)(void *arg, const ec_id *voter, const ec_vote_evidence *e),
                             void *arg);
/* The same for the evidence of contradicting mapping claims (the "mf"
 * records; core/claims.h), in signer id order. */
ec_err ec_node_claims_evidence_each(const ec_node *n,
                                    bool (*fn)(void *arg, const ec_id *signer, const ec_claims_evidence *e), void *arg);
/* And for claims their signer's own block contradicts (the "mc" records;
 * core/claim_chain.h). */
ec_err ec_node_claim_chain_evidence_each(const ec_node *n,
                                         bool (*fn)(void *arg, const ec_id *signer, const ec_claim_chain_evidence *e),
                                         void *arg);
/* And for forked commit chains (the "ch" records; core/chain_evidence.h). */
ec_err ec_node_chain_evidence_each(const ec_node *n,
                                   bool (*fn)(void *arg, const ec_id *signer, const ec_chain_evidence *e), void *arg);
ec_err ec_node_sync_evidence(const ec_node *n, const ec_id *src, uint64_t height, ec_block_header *a,
                             ec_block_header *b);
ec_err ec_node_chain_block(const ec_node *n, uint64_t height, ec_block_header *hdr, ec_block_body *body);
ec_err ec_node_batch_end(ec_node *n);

/* Pops the oldest event: EC_OK, or EC_ERR_NOTFOUND when there is none.
 * Events wait in a queue of events_max; when it is full, new ones are
 * dropped and counted (dropped_events_full). */
ec_err ec_node_next_event(ec_node *n, ec_node_event *out);

/* The probe timeout the node uses for a request to `peer`: its PTO from
 * the peer's estimate, else from the node-wide one, else from
 * rtt_initial_ms. NULL peer: the node-wide PTO (the timers aimed at no one
 * peer). With rtt_timers off the node does not use it. */
uint64_t ec_node_pto(const ec_node *n, const ec_id *peer);
/* A round trip to `peer` of `ms` the driver measured itself (its
 * transport's probe or handshake): a sample for the peer's estimate and
 * the node's, as the node's own are. Without any, timers start from
 * rtt_initial_ms (a first PTO near a second). EC_ERR_ARG for NULL. */
ec_err ec_node_rtt_observe(ec_node *n, const ec_id *peer, uint64_t ms);
/* The estimate for `peer` (NULL: node-wide) in *out; false if no sample. */
bool ec_node_rtt(const ec_node *n, const ec_id *peer, ec_rtt *out);

const ec_id *ec_node_addr(const ec_node *n);
/* The node's counters (every drop has one); valid until ec_node_free. */
const ec_node_stats *ec_node_stats_get(const ec_node *n);
/* Is this node responsible for target (among the w nearest in its view)? */
bool ec_node_responsible(const ec_node *n, const ec_id *target);
/* The MAPPING message this node answers a GET_MAPPING of token with: its
 * head (found or not), its chain's tip and the block holding the head,
 * and up to 4 claims signed once (the head and heads it committed last;
 * none without a key): for a driver that answers mapping questions
 * outside the core (the daemon's sessionless queries). Uses the node's
 * rng (which recent heads). EC_ERR_ARG on NULL. */
ec_err ec_node_mapping_answer(ec_node *n, const ec_id *token, ec_msg *out);
/* The node's peer table, read-only (valid until the node's next call). */
const ec_peers *ec_node_peer_table(const ec_node *n);
size_t ec_node_pending(const ec_node *n);
/* Checks every limit of the node's state (pending, outbox bytes, votes
 * and members per transaction, catch-ups, lookups, peer buckets): EC_OK,
 * or EC_ERR_CORRUPT with *why (when not NULL) naming the broken one. */
ec_err ec_node_check(const ec_node *n, const char **why);

/* Proof of aligned storage (core/pos.h; docs/PROTOCOL.md, "Storage
 * proofs"). Challenges `peer` on `token`: sends GET_PROOF and waits for its
 * PROOF until the request timeout (its PTO); the result comes as an
 * EC_NODE_EV_POS_RESULT event and goes into the peer's record. EC_OK sent,
 * EC_ERR_EXISTS one on (peer, token) is outstanding already, EC_ERR_RANGE
 * pos_outstanding_max are outstanding (counted), EC_ERR_PREFIX the peer or
 * the token is outside our region (ec_node_pos_region), EC_ERR_ARG NULL or
 * peer is this node, EC_ERR_NOMEM. */
ec_err ec_node_pos_challenge(ec_node *n, uint64_t now, const ec_id *peer, const ec_id *token);
/* The region our challenges walk, as a prefix length around our address:
 * the largest subtree holding at most w nodes in our view, which each of
 * them must hold whole (core/pos.h); 0, the whole space, without
 * cfg.pos_region or with fewer than w peers known. Peers and tokens we
 * challenge must share that prefix with us. */
unsigned ec_node_pos_region(const ec_node *n);
/* Challenges `peer` on a token we pick with our randomness: in our region
 * if the peer is (a region walk), except every pos_shared_every-th time,
 * then one both should hold outside the region (a shared walk); for a peer
 * outside our region, any token both should hold (a shared walk). As
 * ec_node_pos_challenge, and EC_ERR_NOTFOUND no such token held, EC_ERR_PREFIX a peer outside the region with shared walks
 * off. */
ec_err ec_node_pos_challenge_any(ec_node *n, uint64_t now, const ec_id *peer);
/* What this node's challenges found of one peer (failed counts every
 * challenge not passed; timed_out, those of them unanswered). */
typedef struct ec_node_pos_record {
    uint32_t passed, failed, timed_out;
    int last_agree;     /* of the last challenge judged; -1: none to judge (cannot, timeout) */
    uint8_t last_verdict; /* an ec_node_pos_verdict */
    uint64_t last_at;   /* when (the node's clock) */
} ec_node_pos_record;
/* EC_OK (*out filled), EC_ERR_NOTFOUND no record kept, EC_ERR_ARG NULL. */
ec_err ec_node_pos_peer(const ec_node *n, const ec_id *peer, ec_node_pos_record *out);

#endif
