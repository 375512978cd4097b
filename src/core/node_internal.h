/* Internal state of ec_node, shared by the modules of src/core (their map is
 * below, before their functions). Not a public header. */
#ifndef EC_CORE_NODE_INTERNAL_H
#define EC_CORE_NODE_INTERNAL_H

#include <glib.h>

#include "core/chain_evidence.h"
#include "core/claim_chain.h"
#include "core/claims.h"
#include "core/node.h"
#include "core/peers.h"
#include "core/pos.h"

#define NODE_W_MAX 16
#define NODE_LOOKUPS_MAX (EC_TX_MAPPINGS_MAX + 1) /* tokens + witness */
#define NODE_MEMBERS_MAX (NODE_LOOKUPS_MAX * NODE_W_MAX)
/* Votes kept per transaction: 2w per token (voters are admitted only if
 * eligible; see node_record_vote), or w per token of the largest
 * transaction before the transaction is known. */
#define NODE_VOTERS_MAX (2 * EC_TX_MAPPINGS_MAX * NODE_W_MAX)
#define NODE_VOTE_UNSET 2
#define NODE_KEEP_COMMITTED_RESENDS 30 /* resend periods a committed tx is kept */
#define NODE_RECENT_MAX 16 /* tokens we committed last: our mapping answers claim their heads */
#define NODE_VERSION_DECIDED EC_MSG_VOTE_VERSION_DECIDED /* a vote answered from the store */
#define NODE_ROUTE_HOPS 16 /* forwarding steps a routed transaction may take */
#define NODE_ID_ASKED 64   /* identity records asked for recently (ident.c) */
#define NODE_LATE_MAX NODE_W_MAX /* timed-out queries a lookup remembers */
/* find_peers with this `want` asks for a transaction's member list (target:
 * the tx id); a lookup asks for w <= NODE_W_MAX and is always answered with
 * the nearest peers. */
#define NODE_WANT_MEMBERS EC_MSG_PEERS_MAX

/* One voter's latest vote on one transaction, as signed. */
typedef struct voter_vote {
    ec_msg_signed_vote v; /* voter, version, a value per mapping, key, signature */
    uint8_t n;            /* the mapping count it was cast for */
} voter_vote;

/* Iterative lookup of the w nodes nearest to a target (one query in flight). */
typedef struct lookup {
    ec_id target;
    ec_id best[NODE_W_MAX + 1]; /* nearest known, self included */
    bool queried[NODE_W_MAX + 1];
    size_t nbest;
    bool in_flight, done;
    ec_id asked;
    uint64_t asked_at, timeout; /* the query in flight: sent at, fails after */
    /* Routed (route_tx): the transaction itself went toward the target; the
     * first member on its way spreads it there and tells us the members. */
    bool routed, fanned;
    uint64_t routed_at;
    bool route_went;      /* a route was sent (its first hop: route_hop) */
    ec_id route_hop;
    /* Peers whose query timed out: a late answer from one is an answer to
     * our query, not the route's (it looks the same). */
    ec_id late[NODE_LATE_MAX];
    uint8_t nlate;
    bool late_full;       /* more timed out than late[] holds */
} lookup;

/* A transaction this node is working on. */
typedef struct ptx {
    ec_id id;
    struct ec_node *node; /* owner, for the per-peer count at free */
    bool has_creator;
    ec_id creator;        /* the peer whose message created it (fair limits) */
    bool have_tx;
    ec_tx tx;
    uint8_t bytes[EC_TX_MAX_LEN];
    size_t len;
    uint64_t created, deadline, next_resend;
    /* Coordinator (the node it was submitted to). */
    bool coordinator, dispatched;
    lookup *lk; /* NODE_LOOKUPS_MAX of them, allocated for coordinators only */
    int nlk, nlk_tokens; /* lookups; the first nlk_tokens are tokens' (then the witness) */
    /* Members of every neighborhood involved, as far as this node knows. */
    ec_id *members; /* grows up to NODE_MEMBERS_MAX */
    size_t nmembers, capmembers;
    bool have_members;    /* the full member list (bundles are aimed by it) */
    bool listed;          /* a full member list named us (else relayers may miss us) */
    bool spread;          /* got it from a neighborhood's first member: the
                             coordinator's full list follows, do not ask */
    bool has_coord;
    ec_id coord;          /* its coordinator, when a spread message named it */
    /* This node's role and vote per mapping. */
    bool member_of[EC_TX_MAPPINGS_MAX];
    int8_t my_vote[EC_TX_MAPPINGS_MAX];
    uint32_t my_version;
    bool voted;
    uint8_t ballot_failed; /* mappings whose +1 could not be made durable (bit each) */
    bool asked_tx;        /* sent get_tx for it (votes came first) */
    bool asked_list;      /* asked a bundle's sender for the member list */
    ec_rtt_req rq_tx;     /* that get_tx and its re-asks (counted for the
                             backoff; no sample: a coordinator that voted
                             also pushes the same plain tx unasked) */
    uint64_t spread_at;   /* we spread it in mapping spread_map's neighborhood */
    uint8_t spread_map;
    uint8_t bundle_sent;  /* mappings whose quorum we relayed (bit per mapping) */
    size_t members_sent;  /* members[0..members_sent) got our first vote */
    unsigned resends;
    voter_vote *votes;    /* eligible voters only, at most NODE_VOTERS_MAX */
    size_t nvotes, capvotes;
    /* Cache of the w nearest per token (nbr.c): n_mappings * w ids. */
    ec_id *nbr;
    uint8_t nnbr[EC_TX_MAPPINGS_MAX];
    bool nbr_valid;       /* false when the member list changed */
    uint64_t nbr_view;    /* n->view_gen it was computed at */
    bool committed;
    uint8_t outcome;      /* coordinator: the ec_node_event_type reported, 0 none */
    uint8_t polls;        /* coordinator: get_votes rounds sent */
    uint64_t committed_at;
    uint64_t hold_until;  /* a quorum seen and held: commit at this time if it still stands (0: none) */
    bool hold_over;       /* ... and that time has come (commit's own retries take over) */
    bool refused_here;    /* decided by a quorum, but invalid or conflicting here: not applied */
    bool has_rival;       /* a transaction on the same (token, prev) our sticky vote chose or
                             lost to: votes for both by one voter are evidence (convict.c) */
    ec_id rival;
    bool behind_counted;  /* heads_behind counted once per transaction */
} ptx;

/* History catch-up for one token (catchup.c): the heads its
 * neighborhood reports, and the transaction being fetched once enough of
 * them agree. */
typedef struct catchup {
    ec_id token;
    uint64_t asked_at, timeout; /* the last question: asked at, re-ask after */
    unsigned attempts;
    size_t nrep;
    ec_id rep_from[NODE_W_MAX];
    ec_id rep_head[NODE_W_MAX]; /* zero: "no such token" */
    bool fetching;
    ec_id head;           /* the head catchup_agree co-members named */
    ec_id want;           /* the transaction being fetched: head, or one on its way back */
    unsigned depth;       /* transactions fetched back from head so far */
    ec_rtt_req rq_fetch;  /* the get_tx for `want` and its re-asks */
} catchup;

typedef struct outmsg {
    ec_id to;
    size_t len;
    uint8_t bytes[];
} outmsg;

/* Chain sync (sync.c): one source whose commit chain we follow. */
#define NODE_SYNC_SOURCES_MAX 16
/* RECHECK: a body did not match its header; the header at that height is
 * asked again to tell a forged body from a chain that changed. */
typedef enum { SRC_OFF, SRC_TIP, SRC_HEADERS, SRC_BODIES, SRC_EVIDENCE, SRC_RECHECK, SRC_RANGE, SRC_DONE } sync_phase;
typedef struct sync_src {
    ec_id id;
    sync_phase phase;
    uint64_t done_h;       /* synced through this height (the locator, stored) */
    ec_id done_hash;       /* its hash (zero at height 0) */
    uint64_t top;          /* this round's window: done_h+1 .. top */
    uint64_t down;         /* lowest header verified so far (top+1: none) */
    ec_id expect;          /* the hash header down-1 must have */
    uint64_t body;         /* next body to ask for */
    ec_id *roots;          /* root per height in the window (roots[h - done_h - 1]) */
    uint8_t *counts;
    uint64_t *times;       /* and timestamp */
    ec_block_header *hdrs; /* the signed headers of the window's top NODE_SYNC_HDRS_KEPT
                              heights (hdrs[top - h]): a claim naming one of those blocks
                              is checked against its body (minefield.c) */
    ec_id top_hash;        /* the window's top block: the locator once done */
    ec_block_header top_hdr;  /* its header (signed): kept with the locator */
    ec_block_header done_hdr; /* the locator's header, when kept (evidence of a fork) */
    bool has_done_hdr;
    ec_pubkey key;         /* its signing key (its identity's) */
    ec_id cursor;          /* polling: the next token to ask about */
    bool paused;           /* polling: waiting for room in the catch-up table */
    uint64_t asked_at;     /* the request in flight: sent at, re-sent after a timeout */
    unsigned tries;
    bool walked;           /* this round's window walked to its top (header and bodies) */
    uint64_t lo_ts, hi_ts; /* its time span: the locator's block (0: none, the chain's
                              start) and the window's top block */
} sync_src;

/* A transaction id some sources' chains hold, not in our store yet. */
typedef enum { OFFER_SEEN, OFFER_FETCHING, OFFER_GAP } offer_state;
#define NODE_POS_ASKERS 64      /* askers whose last storage-proof answer is remembered */
#define NODE_SYNC_HDRS_KEPT 16  /* signed headers kept per walk (the newest blocks) */
#define NODE_SYNC_OFFER_ROUNDS 10 /* rounds an unconfirmed offer waits for a second chain */
#define NODE_SYNC_SINGLE_ROUNDS 2 /* after these, it is fetched and its tokens caught up */
typedef struct sync_offer {
    ec_id id;
    uint64_t src[NODE_SYNC_SOURCES_MAX]; /* sources whose chain holds it (address prefixes);
                                            kept across rounds */
    uint8_t nsrc;
    uint8_t state;
    uint64_t asked_at;
    unsigned tries;
    uint64_t born;         /* the round it was first seen in */
    bool single;           /* fetched on one chain's word, to check with the
                              token's neighborhood (catch-up), not adopted */
    ec_id asked;           /* the source the last fetch went to (reported if invalid) */
    uint64_t block_ts;     /* the earliest timestamp of a block holding it, over its sources */
    bool local;            /* held here already (a token of ours behind it): adopted from
                              the store at the next tick instead of fetched */
} sync_offer;

struct ec_node {
    ec_node_config cfg;
    ec_id addr;
    ec_store *store;
    ec_store *vote_store; /* sticky records: store, or a private memory one
                             (volatile_votes, measurement only) */
    ec_rng *rng;
    ec_peers *peers;     /* with a round-trip estimate per peer */
    ec_rtt rtt;          /* node-wide round-trip estimate (every sample) */
    GHashTable *pending; /* ec_id* (ptx.id) -> ptx* */
    GQueue *outbox;      /* outmsg* */
    GQueue *settled;     /* ec_id* (owned) of settled transactions, oldest
                            first: a full pending table reuses the oldest
                            (pending.c); stale ids are skipped */
    size_t outbox_bytes; /* their lengths, summed (bounded by outbox_max_bytes) */
    GHashTable *lookups; /* lookup target -> ptx* of the coordinator running it */
    GHashTable *per_peer; /* peer id -> pending transactions its messages created */
    GHashTable *catchup;  /* token -> catchup* (tokens whose history we lack) */
    GHashTable *convicted; /* ec_id* (owned) of voters whose equivocation we hold: their
                              votes do not count (convict.c; NODE_CONVICTED_MAX) */
    /* Minefield (minefield.c): signed claims kept per (signer, token), at
     * most cfg.claims_max, oldest out first; and the tokens we committed
     * last, whose heads our mapping answers claim (serve.c). */
    GHashTable *claims;    /* BLAKE3(signer || token) -> claim_entry* (owned) */
    GQueue *claims_order;  /* their keys, oldest first (not owned) */
    ec_id recent[NODE_RECENT_MAX];
    unsigned nrecent, recent_next;
    /* Chain sync (sync.c). */
    sync_src sync_src[NODE_SYNC_SOURCES_MAX];
    unsigned sync_nsrc;
    bool sync_on;          /* rounds run (ec_node_sync_start) */
    bool sync_round;       /* a round is in progress */
    uint64_t sync_due;     /* next round, or the next request timeout */
    uint64_t sync_ended;   /* when the last round ended */
    GHashTable *sync_offers; /* ec_id* -> sync_offer* (owns) */
    unsigned sync_fetching;
    void *sync_gaps;       /* fetched transactions whose history we lack (sync.c) */
    unsigned sync_ngaps;
    bool sync_local_due;   /* some offer is marked local: node_sync_adopt_local has work */
    ec_node_stats stats;
    bool has_key;
    ec_keypair key;      /* signs our votes */
    ec_node_identity_fn id_check;
    void *id_check_arg;
    GHashTable *book;     /* id -> endpoint, for ids outside the peer table (book.c) */
    GQueue *book_order;   /* its ids, oldest first (eviction order) */
    bool has_record;
    uint8_t record[EC_MSG_IDENTITY_LEN]; /* our identity record (ident.c) */
    struct id_asked {                    /* a ring of recent get_identity, */
        ec_id addr[NODE_ID_ASKED];       /* allocated at the first one */
        uint64_t at[NODE_ID_ASKED];
        size_t next;
    } *asked;
    uint64_t next_due;   /* earliest timer of any pending tx (a lower bound) */
    uint64_t chain_due;  /* the open block's cut is due (UINT64_MAX: none; a hint) */
    uint64_t view_gen;   /* bumped whenever the peer set changes (nbr.c) */
    ec_node_event *events; /* ring of ev_cap, grown up to events_max (outcome.c) */
    size_t ev_head, ev_len, ev_cap;
    /* Group commit (durable.c). */
    bool batch;           /* a driver's batch is open: one store transaction */
    ec_err batch_err;     /* a write of the batch failed: it will be rolled back */
    size_t held;          /* messages at the outbox's tail held until the batch commits */
    ec_id *touched;       /* pending transactions the batch changed */
    size_t ntouched, captouched;
    ec_node_commit_fn on_commit;
    void *on_commit_arg;
    ec_node_log_fn log;
    void *log_arg;
    /* Proof of aligned storage. Answering (serve.c): a token bucket of
     * pos_answers_per_s answers a second, in thousandths of an answer. */
    uint64_t pos_bucket;   /* up to 1000 * pos_answers_per_s */
    uint64_t pos_bucket_at; /* the `now` it was last filled at */
    bool pos_bucket_set;    /* filled once (it starts full) */
    /* And each peer's share: when each of the last NODE_POS_ASKERS askers
     * was last answered (one answer per pos_peer_interval_ms each), so one
     * peer's flood cannot spend the node-wide budget alone. */
    struct pos_asker { ec_id peer; uint64_t at; bool used; } pos_askers[NODE_POS_ASKERS];
    /* Asking (prove.c): both allocated at the first challenge. */
    /* Stored tokens in our challenge region (prove.c, recounted a minute on). */
    uint64_t pos_count, pos_count_at;
    unsigned pos_count_plen;
    bool pos_count_set;
    uint64_t pos_seq;       /* challenges sent (every pos_shared_every-th a shared walk) */
    GHashTable *pos_out;   /* (peer, token) -> pos_challenge* (owned), at most pos_outstanding_max */
    GHashTable *pos_peers; /* peer id -> pos_peer* (owned), at most pos_peers_max */
    GQueue *pos_order;     /* the pos_peer entries, least recently updated first (not owned) */
    /* The peer lifecycle (life.c; cfg.life): peer id -> life_peer* (owned),
     * at most life_peers_max; the next candidate scan and swap. */
    GHashTable *life;
    uint64_t life_scan_at, life_swap_at;
};

/* ---- Module map, lowest first: a module calls only those above it in this
 * list, and node.c's helpers (log, timers, RTT) (what a lower one finds, it
 * returns; node.c's dispatch passes it on). tests/check_layers.py reads
 * this map and fails the suite when a call goes up.
 *
 *   state      pending.c nbr.c tally.c heads.c book.c (+ peers.c rtt.c)
 *   durable    durable.c ballot.c chain.c
 *   messages   outbox.c serve.c outcome.c ident.c
 *   roles      prove.c < life.c < catchup.c < sync_src.c < sync_offer.c < sync.c < commit.c < convict.c < minefield.c < relay.c < member.c < coordinator.c
 *   dispatch   node.c (creation, peers, RTT glue, inbound, timers)
 */

/* node.c: logging, peers, round-trip estimates and timers. */
/* A line for the driver's log (printf format), when it gave a hook. */
void node_log(ec_node *n, int level, const char *fmt, ...);
/* A round trip of `ms` to peer: its estimate and the node's learn it. */
void node_rtt_sample(ec_node *n, const ec_id *peer, uint64_t ms);
/* An answer from `from` to request q: a sample if q went once, to it. */
void node_rtt_answer(ec_node *n, ec_rtt_req *q, const ec_id *from, uint64_t now);
/* Timers (rtt_timers: from the estimates, else fixed). A request to peer
 * (NULL: to several, or to none in particular) re-sent `retries` times
 * already: how long to wait for its answer. */
uint64_t node_timeout(const ec_node *n, const ec_id *peer, unsigned retries);
/* Brings p's next timer forward to `at` (and the node's earliest). */
void node_arm(ec_node *n, ptx *p, uint64_t at);
/* A request to peer went unanswered (it is dropped after peer_fail_max). */
void node_peer_failed(ec_node *n, const ec_id *peer);
/* A peer heard from (heard) or named: into the peer table if its bucket
 * has room, its endpoint into the table or the book. */
ec_err node_learn_peer(ec_node *n, const ec_id *peer, const ec_endpoint *ep, bool heard);

/* ---- state ---------------------------------------------------------- */

/* pending.c. Finds p; with create, makes it (creator: the peer whose
 * message asks for it, NULL for a local submission), within pending_max
 * and the creator's share pending_per_peer_max. */
ptx *node_ptx_get(ec_node *n, const ec_id *id, bool create, uint64_t now);
ptx *node_ptx_new(ec_node *n, const ec_id *id, const ec_id *creator, uint64_t now);
/* Adds id to p's member list unless it is there or the list is full. */
void node_add_member(ptx *p, const ec_id *id);
void node_ptx_free(void *p);
/* Drops p's lookups from the target index (dispatched or dropped). */
void node_lookups_forget(ec_node *n, const ptx *p);
/* p was settled (committed or refused here): kept to answer stragglers,
 * but its place goes to a new transaction when the table is full. */
void node_settled_push(ec_node *n, const ec_id *id);

/* nbr.c: neighborhoods. */
/* The w nearest to target among peers, self and `extra` (may be NULL). */
size_t node_nearest(const ec_node *n, const ec_id *target, const ec_id *extra, size_t nextra,
                    ec_id *out);
/* The peer set changed: every cached neighborhood is stale. */
void node_view_changed(ec_node *n);
/* Mapping i's neighborhood (members included), nearest first; NULL and
 * *cnt = 0 without the transaction. Valid until the view or list changes. */
const ec_id *node_nbr(ec_node *n, ptx *p, int i, size_t *cnt);
/* Is id among the w nearest to mapping i's token (members included)? */
bool node_eligible(ec_node *n, ptx *p, int i, const ec_id *id);
/* Would id be among them if we knew it (a voter we have not heard of)? */
bool node_admits(ec_node *n, ptx *p, int i, const ec_id *id);
/* Eligible (or admissible: would_be) for one of p's tokens. */
bool node_token_member(ec_node *n, ptx *p, const ec_id *id, bool would_be);
/* cfg.life_votes: is mapping i's count gated (a token we are among the w
 * nearest of)? Then only our vote and those of peers we elected count:
 * node_elected (us, or CONNECTED in life.c's records). */
bool node_votes_gated(ec_node *n, ptx *p, int i);
bool node_elected(const ec_node *n, const ec_id *peer);
/* Storage proofs (pos.h): the region of our challenges (its prefix
 * length: the largest subtree around us with at most w nodes in our
 * view; 0 without cfg.pos_region), our answer to a peer's challenge in
 * region plen, and our check of its answer to ours (only_shared: both
 * walks keep to the tokens we and `peer` both should hold, our view). */
unsigned node_pos_region(const ec_node *n);
bool node_pos_shared(ec_node *n, const ec_id *peer, const ec_id *token);
ec_err node_pos_answer(ec_node *n, const ec_id *peer, const ec_id *token, unsigned bits, unsigned plen,
                       bool only_shared, ec_pos_answer *out);
ec_err node_pos_check(ec_node *n, const ec_id *peer, const ec_pos_answer *answer, bool only_shared, ec_pos_check *r);

/* minefield.c: a mapping answer's signed claims, compared with what the
 * same signer claimed before (claims.h); a contradiction convicts it. */
void node_claims_on_mapping(ec_node *n, uint64_t now, const ec_id *from, const ec_msg *m);
void node_claims_free(ec_node *n);
/* A block of `signer`'s chain that sync fetched and checked (its signed
 * header, its body): the claims kept from signer that name it must name
 * its ids at their positions, or the claim and the block convict it. */
void node_claims_on_block(ec_node *n, uint64_t now, const ec_id *signer, const ec_block_header *hdr,
                          const ec_block_body *body);

/* convict.c: vote equivocation (docs/SECURITY.md). rivals: p and q spend
 * one head (our sticky vote chose one): check every voter of both; vote:
 * check one newly recorded vote of p against p's rival. convicted: its
 * votes do not count. */
#define NODE_CONVICTED_MAX 1024
void node_convict_rivals(ec_node *n, uint64_t now, ptx *p, ptx *q);
void node_convict_vote(ec_node *n, uint64_t now, ptx *p, const ec_id *voter);
/* An EVIDENCE message: verified alone (signatures, and the key is the
 * accused's identity key); acted on and spread once, like our own. */
void node_convict_on_evidence(ec_node *n, uint64_t now, const ec_id *from, const ec_msg *m);
/* Contradicting mapping claims found here (minefield.c): checked, acted on
 * and spread like an equivocation. */
void node_convict_claims(ec_node *n, uint64_t now, const ec_claims_evidence *e);
/* A fork of a source's commit chain found by sync (two headers its key
 * signed at one height): the same. */
void node_convict_chain(ec_node *n, uint64_t now, const ec_chain_evidence *e);
/* A claim its signer's own block contradicts (minefield.c finds it when
 * sync fetches the block): the same. */
void node_convict_claim_chain(ec_node *n, uint64_t now, const ec_claim_chain_evidence *e);
bool node_convicted(const ec_node *n, const ec_id *voter); /* in tally.c (state) */
/* At creation: the convicted set refilled from the stored "eq", "mf" and "ch" records
 * (each decoded and verified again, NODE_CONVICTED_MAX at most: the rest
 * counted in convicted_full; one that fails counted in evidence_corrupt). */
void node_convict_load(ec_node *n);

/* tally.c: a transaction's votes and their counts (knows nothing of
 * messages). */
typedef struct tally {
    int pos, neg;
} tally;
/* Mapping i's eligible votes cast for p's shape (n mappings). */
tally node_tally(ec_node *n, ptx *p, int i);
/* Mapping i has a quorum of positive votes. */
bool node_tally_quorum(ec_node *n, ptx *p, int i);
/* Every token has its quorum and net balance: p may commit. */
bool node_tally_decided(ec_node *n, ptx *p);
/* What record_vote saw: a voter new on this tx, a newer version of a known
 * voter's vote (a re-send), nothing new, or a new voter with no room (the
 * table holds w per token, counted in votes_dropped_full). */
typedef enum { VOTE_NEW, VOTE_NEWER, VOTE_SAME, VOTE_FULL } vote_seen;
/* Is `voter` one whose vote p may keep: eligible (or admissible) for one
 * of p's tokens, or anyone while p's transaction is unknown. */
bool node_vote_admissible(ec_node *n, ptx *p, const ec_id *voter);
/* The transaction just came: drops votes of voters not admissible. */
void node_votes_prune(ec_node *n, ptx *p);
vote_seen node_record_vote(ptx *p, const ec_msg_signed_vote *v, uint8_t n);

/* heads.c: may a token's head move from h (NULL: none) to a transaction
 * extending `prev` at time ts? */
typedef enum { HEAD_EXTENDS, HEAD_GAP, HEAD_FORK } head_rel;
head_rel node_head_relation(ec_node *n, const ec_id *token, const ec_head *h, const ec_id *prev,
                            uint64_t ts, ec_id *gap);
/* Is transaction tx_id (timestamp ts) on token's history at or below our
 * head h (already applied: a late quorum for something we built on)? */
bool node_head_includes(ec_node *n, const ec_id *token, const ec_head *h, const ec_id *tx_id,
                        uint64_t ts);

/* book.c: endpoints. */
ec_err node_book_new(ec_node *n);
void node_book_free(ec_node *n);
/* id can be reached at ep: heard (the transport saw it) or named (hearsay). */
void node_book_learn(ec_node *n, const ec_id *id, const ec_endpoint *ep, bool heard);
/* Its endpoint (len 0 and false when not known). */
bool node_book_get(const ec_node *n, const ec_id *id, ec_endpoint *out);
/* Fills a peers message's endpoints, keeping the entries that fit. */
void node_book_fill(const ec_node *n, ec_msg *m);
/* How many of ids (from the first) fit one peers message with endpoints. */
size_t node_peers_fit(const ec_node *n, const ec_id *ids, size_t cnt);

/* ---- durable -------------------------------------------------------- */

/* durable.c: every durable write goes through these. begin: opens a store
 * transaction (in a batch: nothing, the batch's is open). end(err): commits
 * it unless err (else aborts, counted); in a batch records err for the
 * whole batch and marks the transaction `touched` (may be NULL). Returns
 * the write's result (in a batch: the batch's so far). */
ec_err node_write_begin(ec_node *n, ec_store *s);
ec_err node_write_end(ec_node *n, ec_store *s, ec_err err, const ec_id *touched);
/* Marks a pending transaction as changed by the open batch (if any). */
void node_batch_touch(ec_node *n, const ec_id *tx_id);

/* chain.c: the node's own commit chain (docs/CHAIN.md). append: tx_id
 * joins the open block (cut at 32), inside the open write transaction of
 * its commit. tick: cuts a block due by time (its own write); returns
 * when the next is due. start: at creation, the open block's due time.
 * tip / block: read the store (EC_ERR_NOTFOUND, EC_ERR_CORRUPT). */
ec_err node_chain_append(ec_node *n, uint64_t now, const ec_id *tx_id);
uint64_t node_chain_tick(ec_node *n, uint64_t now);
void node_chain_start(ec_node *n);
ec_err node_chain_tip(ec_store *s, ec_block_header *tip);
ec_err node_chain_block(ec_store *s, uint64_t height, ec_block_header *hdr, ec_block_body *body);
/* The height of our block that holds tx_id (0: none, or still open). */
uint64_t node_chain_height_of(ec_store *s, const ec_id *tx_id);
/* The same, and the id's position in that block (EC_MSG_CLAIM_NO_INDEX if
 * unknown). */
uint64_t node_chain_position_of(ec_store *s, const ec_id *tx_id, uint8_t *index);

/* sync_src.c: one source of a sync round. The locator (load, save, and
 * reset: a fork, counted), equivocation evidence kept, the requests, the
 * source's end (finished: the next tick may end the round; dropped:
 * counted), and the node's timer brought forward (arm). */
void node_sync_locator_load(ec_node *n, sync_src *s);
void node_sync_locator_save(ec_node *n, const sync_src *s);
void node_sync_locator_reset(ec_node *n, sync_src *s);
void node_sync_evidence_keep(ec_node *n, const ec_id *src, const ec_block_header *a, const ec_block_header *b);
void node_sync_src_clear(sync_src *s);
void node_sync_src_finished(ec_node *n, uint64_t now, sync_src *s);
/* what: the report raised with it (0: none, e.g. out of memory). */
void node_sync_src_drop(ec_node *n, sync_src *s, int what, const char *why);
/* An EC_NODE_EV_SYNC_REPORT event about src (tx_id may be NULL). */
void node_sync_report(ec_node *n, const ec_id *src, int what, const ec_id *tx_id);
void node_sync_arm(ec_node *n, uint64_t at);
void node_sync_ask_chain(ec_node *n, uint64_t now, sync_src *s, uint64_t height);
void node_sync_ask_range(ec_node *n, uint64_t now, sync_src *s);
void node_sync_ask_body(ec_node *n, uint64_t now, sync_src *s);
int node_sync_src_index(const ec_node *n, const ec_id *from); /* -1: not a source */

/* sync_offer.c: ids sources' chains hold. holder: the round's index of
 * the nth source holding o (-1: none in this round); fetch asks one for
 * it; agreed: sync_agree sources hold it; offer: source src's body holds
 * id. node_sync_on_tx (below) takes the fetched transaction. */
int node_sync_holder(const ec_node *n, const sync_offer *o, unsigned nth);
void node_sync_fetch(ec_node *n, uint64_t now, sync_offer *o);
bool node_sync_agreed(const ec_node *n, const sync_offer *o);
/* We hold transaction id, but a token of ours in it is behind it (stored as
 * another token's history by a catch-up): it is to be adopted again. */
bool node_sync_behind(ec_node *n, const ec_id *id);
/* At a round's end: the gaps tried again, those older than
 * NODE_SYNC_OFFER_ROUNDS rounds dropped (counted). */
void node_sync_gaps_age(ec_node *n, uint64_t now);
/* Adopts the agreed offers held here (node_sync_fetch marked them local). */
void node_sync_adopt_local(ec_node *n, uint64_t now);
void node_sync_offer(ec_node *n, uint64_t now, const ec_id *id, unsigned src, uint64_t block_ts);

/* sync.c: chain sync (docs/CHAIN.md, "Sync"). The answers it asked for
 * (on_chain, on_body; on_tx: true if the transaction was sync's, and
 * consumed); the timer (returns when next due); free at the end. */
/* on_chain: true (and *fork filled) when the answer shows the source
 * signed two headers at our locator's height: node.c passes it on to
 * convict.c. */
bool node_sync_on_chain(ec_node *n, uint64_t now, const ec_id *from, const ec_msg *m, ec_chain_evidence *fork);
/* on_body: true (and *hdr, *body filled) when the body checked is one of
 * the newest blocks whose signed header the walk kept. */
bool node_sync_on_body(ec_node *n, uint64_t now, const ec_id *from, const ec_msg *m, ec_block_header *hdr,
                       ec_block_body *body);
void node_sync_on_range(ec_node *n, uint64_t now, const ec_id *from, const ec_msg *m);
bool node_sync_on_tx(ec_node *n, uint64_t now, const ec_id *id, const uint8_t *bytes, size_t len);
void node_sync_heard_tip(ec_node *n, uint64_t now, const ec_id *from, uint64_t height);
/* A neighbor was elected (life.c): the next round starts now, its chain
 * followed at once, within the same rate limit as a heard tip. */
void node_sync_on_elected(ec_node *n, uint64_t now);
uint64_t node_sync_tick(ec_node *n, uint64_t now);
void node_sync_free(ec_node *n);

/* ballot.c: this node's own vote on mapping i of p: the ledger's verdict
 * after the durable sticky record. */
typedef struct ballot {
    int8_t value;      /* EC_MSG_VOTE_VALID / _INVALID / _OUT_OF_ORDER */
    int rule;          /* the ec_rule behind it */
    bool store_failed; /* the store failed: abstaining (0), try again later */
    bool lost;         /* -1: our sticky +1 went to `prior` on the same head */
    ec_id prior;
} ballot;
ballot node_ballot(ec_node *n, uint64_t now, const ptx *p, int i, bool synced);
/* A token's head moved on from `old` (NULL: it had none): its sticky
 * record is no longer needed. Inside the caller's store transaction. */
ec_err node_ballot_moved(ec_store *s, const ec_id *token, const ec_head *old);
/* Our current signed vote on p (n = 0 in *out if we are no member). */
void node_build_vote(ec_node *n, const ptx *p, ec_msg *out);

/* ---- messages ------------------------------------------------------- */

/* outbox.c: queues m for `to` (encoded once; dropped and counted when the
 * outbox is full or `to` is us). */
void node_send(ec_node *n, const ec_id *to, const ec_msg *m);
/* A votes message of the signed votes on mapping i we can relay: a quorum
 * of positive ones and every negative one, of eligible voters; returns how
 * many are positive. */
int node_build_votes(ec_node *n, ptx *p, int i, ec_msg *m);
/* Sends p's transaction; with_members: and its member list, if both fit in
 * one message (returns whether the list went along). */
bool node_send_tx(ec_node *n, const ec_id *to, const ptx *p, bool with_members);
/* Do p's member list and transaction fit one tx message? */
bool node_members_fit(const ptx *p);
/* p's member list to one member, in peers messages (with endpoints). */
void node_send_members(ec_node *n, const ptx *p, const ec_id *to);
/* Asks `to` for p's full member list (find_peers with the tx id). */
void node_ask_members(ec_node *n, const ptx *p, const ec_id *to);

/* serve.c: stateless answers. */
void node_on_find_peers(ec_node *n, const ec_id *from, const ec_msg *m);
void node_on_get_tx(ec_node *n, const ec_id *from, const ec_msg *m);
void node_on_get_mapping(ec_node *n, const ec_id *from, const ec_msg *m);
void node_on_get_chain(ec_node *n, const ec_id *from, const ec_msg *m);
void node_on_get_body(ec_node *n, const ec_id *from, const ec_msg *m);
void node_on_get_range(ec_node *n, const ec_id *from, const ec_msg *m);
/* A storage-proof challenge (core/pos.h): our walk's answer, or "cannot";
 * over the node-wide rate (pos_answers_per_s at `now`): dropped, counted. */
void node_on_get_proof(ec_node *n, uint64_t now, const ec_id *from, const ec_msg *m);

/* ident.c: whether a relayed vote's key is its voter's (asks for the
 * record when the driver does not know). */
ec_node_id_answer node_identity(ec_node *n, uint64_t now, const ec_id *relayer, const ec_id *voter,
                                const ec_pubkey *key);
void node_on_get_identity(ec_node *n, const ec_id *from, const ec_msg *m);
void node_on_identity(ec_node *n, uint64_t now, const ec_id *from, const ec_msg *m);

/* outcome.c: the submitter's events. */
void node_event_push(ec_node *n, const ec_node_event *e);
/* Reports committed / refused when p's votes (as coordinator) decide it;
 * committed only once `held` (the quorum stood for commit_hold_ms). */
void node_outcome_check(ec_node *n, ptx *p, bool held);
/* p reached its deadline without an outcome. */
void node_outcome_timeout(ec_node *n, ptx *p);
/* Asks two members of each token without a quorum for their votes. */
void node_outcome_poll(ec_node *n, ptx *p);

/* ---- roles ---------------------------------------------------------- */

/* prove.c: storage-proof challenges of ours (core/pos.h). challenge:
 * sends GET_PROOF and remembers it (ec_node_pos_challenge's errors);
 * on_proof: a PROOF judged against our store if it answers one (else
 * dropped, counted); tick: times out the unanswered, returns the earliest
 * time it needs a tick again; free: at ec_node_free. */
ec_err node_pos_challenge(ec_node *n, uint64_t now, const ec_id *peer, const ec_id *token);
ec_err node_pos_challenge_any(ec_node *n, uint64_t now, const ec_id *peer);
void node_pos_on_proof(ec_node *n, uint64_t now, const ec_id *from, const ec_msg *m);
uint64_t node_pos_tick(ec_node *n, uint64_t now);
void node_pos_free(ec_node *n);

/* life.c: the peer lifecycle (core/life.h). on_pos: a challenge of ours
 * ended (node.c passes it on from prove.c); on_invite: an INVITE came;
 * tick: candidates, elections, re-checks, trust, ejection, swaps, and the
 * earliest time it needs a tick again; free: at ec_node_free. */
bool node_life_on_pos(ec_node *n, uint64_t now, const ec_id *peer, int verdict); /* true: it was elected */
void node_life_on_invite(ec_node *n, uint64_t now, const ec_id *from);
uint64_t node_life_tick(ec_node *n, uint64_t now);
void node_life_free(ec_node *n);
/* Peers connected or being elected at once (cfg.life_target; 0: w, 2w with life_votes). */
unsigned node_life_target(const ec_node *n);
/* node.c: a storage-proof challenge of ours ended (prove.c calls it; it
 * hands the verdict to the lifecycle). */
void node_pos_ended(ec_node *n, uint64_t now, const ec_id *peer, int verdict);

/* catchup.c: history catch-up. The two inputs return true when a token's
 * catch-up is over (its head adopted, or nothing to adopt): *synced is the
 * token, whose out-of-order votes the caller re-judges (node_revote_token). */
/* EC_OK started (or running), EC_ERR_RANGE catchups_max running (counted),
 * EC_ERR_ARG catch-up off, EC_ERR_NOMEM. */
ec_err node_catchup_start(ec_node *n, uint64_t now, const ec_id *token);
bool node_on_mapping(ec_node *n, uint64_t now, const ec_id *from, const ec_msg *m, ec_id *synced);
/* A transaction a catch-up is waiting for: verified and applied (the tx
 * message then goes on to node_on_tx as usual). */
bool node_catchup_on_tx(ec_node *n, uint64_t now, const ec_id *from, const ec_id *id,
                        const uint8_t *bytes, size_t len, ec_id *synced);
/* Re-asks or gives up; returns the earliest time it needs a tick again. */
uint64_t node_catchup_tick(ec_node *n, uint64_t now);

/* commit.c: commits p if every token has a quorum of eligible positive
 * votes and our heads allow it (a gap starts a catch-up). */
void node_try_commit(ec_node *n, uint64_t now, ptx *p);

/* relay.c (vote_relay = bundle) */
/* Relays the signed votes of each of our tokens that reached a quorum to
 * two members of every other token's neighborhood, once per token. */
void node_bundle_maybe_send(ec_node *n, uint64_t now, ptx *p);
/* Sends `to` the bundles of our tokens that have a quorum; false if none. */
bool node_bundle_reply(ec_node *n, ptx *p, const ec_id *to);
/* A votes message: checks and keeps the relayed votes; returns p when it
 * added one (the member goes on: node_votes_added), else NULL. */
ptx *node_on_votes(ec_node *n, uint64_t now, const ec_id *from, const ec_msg *m);
/* Re-send time: our vote to two silent members of each other token that
 * lacks a quorum here (they answer with their bundle). */
void node_bundle_poke(ec_node *n, ptx *p);

/* member.c */
/* A transaction's bytes, whose BLAKE3 id the caller computed. */
void node_on_tx(ec_node *n, uint64_t now, const ec_id *from, const ec_id *txid, const uint8_t *bytes,
                size_t len);
/* Members for a transaction; full: the whole list (the coordinator's), not
 * just one neighborhood's as a member spreading it sends. */
void node_on_members(ec_node *n, uint64_t now, const ec_id *from, const ec_id *tx_id,
                     const ec_id *ids, size_t cnt, bool full);
void node_on_vote(ec_node *n, uint64_t now, const ec_id *from, const ec_msg *m);
/* Votes from `from` were added to p (relay.c): ask for the transaction,
 * vote, commit, relay. */
void node_votes_added(ec_node *n, uint64_t now, const ec_id *from, ptx *p);
/* get_votes: our token's quorum bundle, else our vote, else (committed and
 * forgotten) our commit attestation. */
void node_answer_votes(ec_node *n, const ec_id *from, const ec_id *tx_id);
void node_try_vote(ec_node *n, uint64_t now, ptx *p);
void node_vote_tick(ec_node *n, uint64_t now, ptx *p);
/* Asks `from` for p's transaction, the first time only. */
void node_ask_tx_once(ec_node *n, ptx *p, const ec_id *from, uint64_t now);
/* Re-judges the out-of-order (0) votes on `token` of every pending
 * transaction after a catch-up; synced: our head is now the neighborhood's,
 * so a previous head still unknown makes the mapping invalid. */
void node_revote_token(ec_node *n, uint64_t now, const ec_id *token);

/* coordinator.c: lookups, routing, dispatch. */
ec_err node_coord_submit(ec_node *n, uint64_t now, const ec_tx *tx);
/* Times out queries, sends the next ones, dispatches when all are done. */
void node_coord_step(ec_node *n, uint64_t now, ptx *p);
/* A peers message that answers one of our lookups (true: consumed). */
bool node_coord_on_peers(ec_node *n, uint64_t now, const ec_id *from, const ec_msg *m);

#endif
