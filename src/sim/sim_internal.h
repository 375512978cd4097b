/* Internal state of the simulator, shared by its files. */
#ifndef EC_SIM_INTERNAL_H
#define EC_SIM_INTERNAL_H

#include <glib.h>

#include "base/rng.h"
#include "crypto/sign.h"
#include "ledger/store.h"
#include "sim/sim.h"
#include <stdio.h>

typedef enum { EV_DELIVER, EV_TICK, EV_SUBMIT, EV_CRASH, EV_RESTART, EV_JOIN, EV_POS, EV_LIFE } ev_kind;

typedef struct ev {
    uint64_t t_us;
    uint64_t seq;   /* tie-break: insertion order, so runs are deterministic */
    ev_kind kind;
    uint32_t node, from;
    uint32_t len;
    uint8_t *data;  /* message bytes (deliver) or tx index (submit) */
    uint64_t tx;
} ev;

typedef struct sim_node {
    ec_node *node;
    ec_store *store;
    ec_rng rng;
    uint64_t tick_at_us; /* scheduled tick, UINT64_MAX if none */
    bool down;           /* crashed: receives, sends and ticks nothing */
    uint64_t restarted_us; /* restarted at (0: never, or its first sync round measured) */
    bool joined;           /* restarted with an empty store: a joiner (its counters apart) */
    uint32_t liar;         /* a lying sync source: its index in sim.liars + 1 (0: honest) */
    uint32_t byz;          /* a Byzantine voter: its index in sim.byz + 1 (0: honest) */
    uint32_t adv;          /* an eclipsing adversary: its index + 1 (sim_eclipse.c) */
    uint32_t newcomer;     /* a newcomer: its index + 1 (unknown to all, joins at join_at_ms) */
    bool lazy;             /* keeps only lazy_density of the tokens (sim_pos.c) */
    bool coord;            /* a coordinated adversary, honest in behaviour (sim_life.c) */
    bool maj, maj_ever;    /* coordinated peers hold a majority of its connected ones (now, ever) */
    bool qmaj, qmaj_ever;  /* ... a quorum of the votes it counts on a token at its address (now, ever) */
    uint64_t qmaj_since_us;
    uint64_t maj_since_us; /* since when (maj) */
} sim_node;

typedef struct sim_liars sim_liars;
typedef struct sim_byz sim_byz;
typedef struct sim_eclipse sim_eclipse;
#define SIM_REPORT_KINDS 6 /* EC_SYNC_REPORT_FAULT .. _MISSING */

/* A transaction of the workload, and what became of it. */
typedef struct sim_tx {
    ec_tx tx;
    ec_id id;
    uint64_t submit_us;
    uint32_t at_node;
    uint32_t responsible[EC_TX_MAPPINGS_MAX * 16]; /* true members of every token */
    uint32_t nresp;
    uint32_t ncommitted;   /* responsible nodes that committed it */
    uint64_t first_us, last_us;
    int conflict_of;       /* index of its double-spend twin, -1 if none */
    uint32_t owner_client; /* client that owns its tokens afterwards */
    bool done;             /* committed by every responsible node */
    bool live;             /* a majority committed: its tokens may be spent again */
    uint8_t outcome;       /* what its submitter's node reported (ec_node_event_type) */
    uint32_t nhonest;      /* honest nodes (responsible or not) that committed it */
    uint32_t nhonest_resp; /* of them, responsible ones */
    uint64_t outcome_us;
} sim_tx;

typedef struct sim {
    sim_config cfg;
    ec_rng rng;          /* network and workload randomness */
    sim_node *nodes;
    ec_id *addrs;        /* sorted */
    uint8_t (*key_seeds)[EC_SEED_LEN]; /* node i signs its votes with this key */
    ec_pubkey *keys;     /* and this is its public half (the identity check) */
    GHashTable *index;   /* ec_id* -> node index + 1 */
    ev *heap;
    size_t nheap, capheap;
    uint64_t seq, now_us, events;
    sim_tx *txs;
    size_t ntxs, captxs;
    GHashTable *tx_by_id;    /* ec_id* -> sim_tx index + 1 */
    GHashTable *decided;     /* BLAKE3(token||prev) -> committed tx id (safety checker) */
    GHashTable *live_by_token; /* ec_id* -> live index + 1 */
    uint64_t submitted, double_spends;
    uint64_t conflicting_commits;
    ec_keypair *clients;
    /* live tokens for transfers: token, head tx id, owner client, busy */
    struct live { ec_id token, head; uint32_t owner; bool busy; } *live;
    size_t nlive, caplive;
    uint64_t delivered, lost, dropped_partition, dropped_down, crashes, wiped;
    /* With sync: restart to the end of the node's first sync round (us). */
    uint64_t preloaded;  /* (token, node) pairs the preload wrote */
    uint64_t *catchup_us;
    size_t ncatchup, capcatchup;
    ec_node_stats retired; /* counters of node instances that crashed */
    /* Lying sync sources (sim_liar.c) and the reports raised about nodes. */
    sim_liars *liars;
    sim_byz *byz;
    sim_eclipse *eclipse;
#define SIM_POS_VERDICTS 6 /* ec_node_pos_verdict 1..5 */
    uint64_t maj_us, obs_us, maj_longest_us; /* sim_life.c: node-time with a coordinated majority, observed, longest run */
    uint64_t conn_samples, conn_any, conn_four; /* sim_life.c: honest node samples; with >= 1, >= 4 connected */
    uint64_t live_any, live_four; /* sim_life.c: samples with >= 1, >= 4 connected peers that are up */
    uint64_t q_coord, q_honest, q_longest_us; /* sim_life.c: samples where coordinated / honest counted voters make a quorum */
    unsigned last_sampled, last_any, last_four, last_coord_q, last_honest_q; /* the latest sample's nodes (for --csv; any, four: live) */
    uint64_t pos_asked, pos_verdicts[3][SIM_POS_VERDICTS]; /* [honest asker on honest, on lazy, lazy asker][verdict] */
    uint64_t byz_votes_rewritten, byz_commits_ignored;
    uint64_t convictions_byz, convictions_honest, convictions_liar; /* EC_NODE_EV_EVIDENCE events, by whom they accuse */
    uint64_t liar_answers, mapping_lies;
    uint64_t reports_liar[3][SIM_REPORT_KINDS + 1], reports_honest[SIM_REPORT_KINDS + 1]; /* [mode][what] */
    uint64_t reports_honest_wiped[SIM_REPORT_KINDS + 1], reports_honest_held;
} sim;

/* sim_workload.c: the preload (before the run) */
void sim_workload_preload(sim *s);

/* sim.c */
void sim_push(sim *s, const ev *e);
uint32_t sim_node_of(const sim *s, const ec_id *addr);
size_t sim_true_nearest(const sim *s, const ec_id *target, size_t w, uint32_t *out);
/* Moves node i's outbox onto the network and schedules its next tick. */
void sim_after_node(sim *s, uint32_t i);
/* One message from node `from` to node `to` onto the network (loss, dup, latency). */
void sim_send(sim *s, uint32_t from, uint32_t to, const uint8_t *buf, size_t len);
/* sim_liar.c: lying sync sources. answer: true if the liar answered the
 * message in its core's place; report: an honest node's sync report. */
void sim_liars_setup(sim *s);
void sim_liars_free(sim *s);
bool sim_liar_answer(sim *s, uint32_t to, uint32_t from, const uint8_t *data, size_t len);
void sim_liar_report(sim *s, uint32_t reporter, const ec_node_event *ev);
void sim_liar_summary(const sim *s, FILE *out);
/* lie = mapping: node i's outgoing mapping answer, its head (and its first
 * claim) made up and signed again; false if it is not one. Convictions of
 * mapping liars: sim_liar_convicted. */
bool sim_liar_rewrite(sim *s, uint32_t i, uint8_t *buf, size_t *len);
void sim_liar_convicted(sim *s, uint32_t by, uint32_t who);
/* sim_byz.c: Byzantine voters. rewrite: node i's outgoing message as its
 * behaviour makes it (false: not sent); target: where they sit together
 * (NULL: placed at random, or none). */
void sim_byz_setup(sim *s);
void sim_byz_free(sim *s);
bool sim_byz_rewrite(sim *s, uint32_t i, uint32_t j, uint8_t *buf, size_t *len);
/* A rewritten message m in place of buf[0..*len) (buf holds EC_MSG_MAX);
 * false, buf untouched, if m does not encode. */
bool sim_msg_replace(const ec_msg *m, uint8_t *buf, size_t *len);
const ec_id *sim_byz_target(const sim *s);
size_t sim_byz_count(const sim *s);
/* Honest node `by` convicted node `who` (an EC_NODE_EV_EVIDENCE event). */
void sim_byz_convicted(sim *s, uint32_t by, uint32_t who);
/* The "exclusion" summary line: from each liar's first lie to its first
 * conviction and to conviction by 2/3 of its neighborhood. */
void sim_byz_timing(const sim *s, FILE *out);
/* sim_eclipse.c: eclipsing adversaries and newcomers. rewrite: node i's
 * outgoing PEERS as an adversary makes it; bootstrap: a newcomer's first
 * peers and join questions in place of the oracle's table (false: not a
 * newcomer); answer: a newcomer's join answer (true: consumed). */
void sim_eclipse_setup(sim *s);
void sim_eclipse_free(sim *s);
void sim_eclipse_rewrite(sim *s, uint32_t i, uint8_t *buf, size_t *len);
bool sim_eclipse_bootstrap(sim *s, uint32_t i);
bool sim_eclipse_answer(sim *s, uint32_t to, uint32_t from, const uint8_t *data, size_t len);
void sim_eclipse_summary(const sim *s, FILE *out);
/* sim_pos.c: storage proofs in the running network, and lazy stores.
 * wrap: node i's store replaced by its lazy view (if it is lazy). */
void sim_pos_setup(sim *s);
void sim_pos_wrap(sim *s, uint32_t i);
void sim_pos_challenge(sim *s, uint32_t i, uint64_t now_ms);
void sim_pos_result(sim *s, uint32_t by, const ec_node_event *ev);
void sim_pos_summary(const sim *s, const ec_node_stats *acc, FILE *out);
/* sim_life.c: coordinated adversaries chosen and the first sample
 * scheduled (setup); a sample every 10 s (EV_LIFE); the lifecycle's
 * summary line (cfg.node.life). */
void sim_life_setup(sim *s);
void sim_life_sample(sim *s);
void sim_life_summary(const sim *s, const ec_node_stats *acc, FILE *out);
/* sim_workload.c */
void sim_workload_schedule(sim *s);
void sim_workload_submit(sim *s, const ev *e);
void sim_workload_on_commit(sim *s, uint32_t node, const ec_id *tx_id, const ec_tx *tx);
/* sim_report.c */
void sim_report(sim *s, FILE *out, double wall_s);
/* Adds a node's counters to acc. */
void sim_stats_add(ec_node_stats *acc, const ec_node_stats *st);

#endif
