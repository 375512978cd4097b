/* The deterministic discrete-event simulator: many nodes of the real core
 * (src/core/node.c) in one process, with a virtual clock, a seeded network
 * (latency, loss, duplication, partitions) and a workload of transactions.
 * One seed and one scenario give byte-identical output. */
#ifndef EC_SIM_SIM_H
#define EC_SIM_SIM_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "base/err.h"
#include "core/node.h"

typedef enum sim_latency_kind {
    SIM_LAT_CONST,     /* a ms */
    SIM_LAT_UNIFORM,   /* a..b ms */
    SIM_LAT_LOGNORMAL, /* median a ms, 99th percentile b ms */
    SIM_LAT_ROUNDS,    /* a ms per round; one round per hop, +1 with probability b */
} sim_latency_kind;

#define SIM_PARTITIONS_MAX 8

typedef struct sim_partition {
    uint64_t start_ms, end_ms;
    double fraction; /* nodes [0, fraction*N) in address order vs the rest */
} sim_partition;

/* A share of the nodes (chosen by the seed) is down from start to end: it
 * receives nothing, sends nothing, runs no timers, and comes back with its
 * store but without its in-flight state (a process restart). */
typedef struct sim_crash {
    uint64_t start_ms, end_ms;
    double fraction;
    bool wipe; /* the nodes restart with an empty store (a node joining afresh) */
} sim_crash;

typedef enum { SIM_LIE_FORGE, SIM_LIE_WITHHOLD, SIM_LIE_EQUIVOCATE, SIM_LIE_MIXED, SIM_LIE_MAPPING } sim_lie;
typedef enum { SIM_BYZ_EQUIVOCATE, SIM_BYZ_WITHHOLD, SIM_BYZ_STRATEGIC, SIM_BYZ_FORGE } sim_byz_behaviour;

typedef struct sim_config {
    uint64_t seed;
    unsigned nodes;
    /* network */
    sim_latency_kind latency;
    double lat_a, lat_b;
    double loss, dup;
    sim_partition partitions[SIM_PARTITIONS_MAX];
    unsigned npartitions;
    sim_crash crashes[SIM_PARTITIONS_MAX];
    unsigned ncrashes;
    /* workload */
    unsigned txs;            /* transactions to submit */
    double rate;             /* per simulated second */
    unsigned tokens_min, tokens_max;
    double new_fraction;     /* share of creates (the rest transfer live tokens) */
    double double_spend;     /* share of transfers submitted as a conflicting pair */
    unsigned clients;        /* client keys that own tokens */
    uint64_t drain_ms;       /* simulated time allowed after the last submission */
    ec_node_config node;
    bool sync;               /* chain sync: every node starts rounds at its start */
    unsigned preload;        /* tokens created before the run, straight into the stores
                                and chains of their w true nearest nodes (ec_node_adopt) */
    /* Lying sync sources (sim_liar.c): this share of the nodes answers
     * chain requests with a forged, withholding or equivocating chain
     * (lie = forge | withhold | equivocate | mixed: each liar one of the
     * three in turn) from lie_from_ms on; withholding leaves out this share
     * of its commits. */
    double liars;
    uint8_t lie;             /* SIM_LIE_* */
    uint64_t lie_from_ms;
    double withhold;
    /* Byzantine voters (sim_byz.c; docs/SECURITY.md): this share of the
     * nodes, placed at random or together (the nodes nearest one target
     * point, where target_share of the created tokens are then put),
     * equivocate (+1 on everything) or withhold their votes. */
    double byzantine;
    uint8_t byz_behaviour;   /* sim_byz_behaviour */
    bool byz_disguise;       /* equivocators sign their second +1 on a head as a decided
                                answer ("I committed it"), which alone is not evidence */
    bool byz_together;
    bool byz_lazy;           /* Byzantine nodes keep only lazy_density of their tokens
                                (sim_pos.c): they lose storage-proof elections */
    double target_share;
    /* Eclipse (sim_eclipse.c; docs/SECURITY.md, "Eclipse"): this share of
     * the nodes answers every peer question with the adversaries nearest
     * its target (they know each other), and `newcomers` honest nodes,
     * unknown to everyone, start at join_at_ms from `bootstrap` random
     * peers and find their neighborhood as the daemon does (a lookup of
     * their own address: up to 32 peers asked, each named one admitted). */
    double eclipse;
    bool eclipse_flood; /* and once one of them hears a newcomer, every adversary
                           contacts it (to take the room in its buckets first) */
    unsigned newcomers, bootstrap;
    bool bootstrap_adversarial; /* the worst case: every bootstrap peer an adversary */
    /* Storage proofs (sim_pos.c): every node challenges a neighbor every
     * pos_interval_ms (0: never); a share `lazy` of the nodes keeps only
     * `lazy_density` of the tokens it is given. */
    uint64_t pos_interval_ms;
    bool pos_nearest;   /* challenge only the nearest neighbor (else any of the w nearest) */
    double lazy, lazy_density;
    /* The lifecycle's attack window (sim_life.c): a share `coord` of the
     * nodes are coordinated adversaries that behave and store as honest
     * ones; every 10 s the summary notes which honest nodes have a
     * majority of them among their connected peers. */
    double coord;
    bool lazy_region;   /* lazy nodes keep every token of their own challenge region
                           (ec_node_pos_region) and lazy_density of the rest */
    uint64_t join_at_ms;
    uint64_t start_ms;       /* the workload's first arrival is after this (0) */
    bool progress;           /* progress line on stderr */
    bool no_wall;            /* zero the wall-clock fields: byte-identical output */
} sim_config;

void sim_config_default(sim_config *c);
/* Reads "key = value" lines (docs/SIMULATION.md lists the keys) over c.
 * On error writes a message to err (one line) and returns EC_ERR_MALFORMED. */
ec_err sim_config_load(sim_config *c, const char *path, char *err, size_t errlen);

/* Runs the scenario; writes the JSON summary to `out` and, when csv is not
 * NULL, one row per simulated second. */
ec_err sim_run(const sim_config *c, FILE *out, FILE *csv);

#endif
