/* The peer lifecycle in a running network (core/life.c, src/sim/
 * sim_life.c; docs/LIFECYCLE.md, "Elections" and "Votes"): 20 nodes
 * holding 20,000 preloaded tokens elect their neighbors by storage proofs
 * while transactions commit, re-check them every 20 s and swap one every
 * minute (randomised); 4 lazy nodes keep half of what they are given. No
 * honest node ever connects a lazy one; honest ones are connected (several
 * per node), swapped and re-elected; transactions commit throughout. With
 * votes gated by the lifecycle (life_votes): quorums stay live while swaps
 * replace their members, and equivocators that store nothing, never
 * elected, cannot make a double spend commit on both sides at the
 * responsible nodes, as they do when every neighbor's vote counts. */
#include <stdlib.h>

#include "sim_util.h"
#include "test.h"

static void test_elections_admit_storing_peers_only(void)
{
    sim_config c;
    sim_config_default(&c);
    c.nodes = 20;
    c.txs = 100;
    c.rate = 1;
    c.latency = SIM_LAT_UNIFORM;
    c.lat_a = 20;
    c.lat_b = 80;
    c.new_fraction = 0.3;
    c.preload = 20000;
    c.lazy = 0.2;
    c.lazy_density = 0.5;
    c.node.life = true;
    c.node.life_swap_ms = 60000;
    c.node.life_trust_ms = 60000;
    c.node.life_recheck_ms = 20000;
    c.drain_ms = 60000;
    char *j = su_run(&c);
    CHECK(j != NULL);
    if (j == NULL) return;
    long long honest = su_field_in(j, "lifecycle", "honest_nodes");
    long long conn_h = su_field_in(j, "lifecycle", "connected_honest"), conn_l = su_field_in(j, "lifecycle", "connected_lazy");
    long long won_l = su_field_in(j, "lifecycle", "ever_won_lazy"), rec_l = su_field_in(j, "lifecycle", "records_lazy");
    long long swaps = su_field_in(j, "lifecycle", "swaps"), elected = su_field_in(j, "lifecycle", "elected");
    long long trusted = su_field_in(j, "lifecycle", "trusted");
    long long committed = su_field(j, "committed");
    printf("  honest nodes %lld: connected honest %lld, lazy %lld (won ever %lld of %lld records); elected %lld, "
           "swaps %lld, trusted %lld; committed %lld of 100\n",
           honest, conn_h, conn_l, won_l, rec_l, elected, swaps, trusted, committed);
    CHECK_EQ_INT(honest, 16);
    CHECK(rec_l > 0);      /* lazy peers were candidates ... */
    CHECK_EQ_INT(won_l, 0); /* ... and never won */
    CHECK_EQ_INT(conn_l, 0);
    CHECK(conn_h >= 2 * honest);
    CHECK(swaps >= honest);  /* about one a minute each over ~2.5 minutes */
    CHECK(elected > conn_h); /* swapped peers were replaced by new elections */
    CHECK(trusted > 0);
    CHECK(committed >= 95);
    CHECK_EQ_INT(su_field(j, "conflicting_commits"), 0);
    free(j);
}

/* 20 nodes, 20,000 preloaded tokens, the lifecycle on; the workload
 * starts at 20 s, after the first elections. Signatures are not checked
 * (four fifths of the time otherwise; tests/test_sim_byz.c checks them
 * with equivocators). */
static void gated(sim_config *c)
{
    sim_config_default(c);
    c->nodes = 20;
    c->latency = SIM_LAT_UNIFORM;
    c->lat_a = 20;
    c->lat_b = 80;
    c->new_fraction = 0.3;
    c->preload = 20000;
    c->node.verify_signatures = false;
    c->node.life = true;
    c->node.life_votes = true;
    c->node.life_target = 16;
    c->node.life_recheck_ms = 20000;
    c->start_ms = 20000;
    c->drain_ms = 30000;
}

/* Swaps every 15 s (randomised) let a connected member go and it waits as
 * long before it can be elected again: on a token its neighbors answer
 * for, its vote does not count meanwhile. Every transaction still
 * commits at every responsible node. */
static void test_gated_quorums_stay_live_while_swapping(void)
{
    sim_config c;
    gated(&c);
    c.txs = 60;
    c.rate = 1;
    c.node.life_swap_ms = 15000;
    char *j = su_run(&c);
    CHECK(j != NULL);
    if (j == NULL) return;
    long long swaps = su_field_in(j, "lifecycle", "swaps"), committed = su_field(j, "committed");
    long long hq = su_field_in(j, "lifecycle", "honest_quorum_permille");
    printf("  votes gated, swaps every 15 s: %lld swaps, %lld of 60 committed at every responsible node, "
           "%lld at the submitter; an honest quorum among the counted votes in %lld permille of samples\n",
           swaps, committed, su_field_in(j, "submitter", "committed"), hq);
    CHECK(swaps >= 4 * 20); /* about one per node every 15 s over ~2 minutes */
    CHECK(committed >= 58);
    CHECK(hq >= 950); /* sampled every 10 s from the start: elections take ~3 s */
    CHECK_EQ_INT(su_field_in(j, "submitter", "committed"), 60);
    CHECK_EQ_INT(su_field(j, "conflicting_commits"), 0);
    free(j);
}

/* A quarter of the nodes equivocate (+1 on both sides of every double
 * spend) and store nothing; evidence is ignored, so only the lifecycle
 * stands in their way. Every neighbor's vote counting, double spends
 * commit on both sides at responsible nodes; gated, none does. */
static void test_unelected_equivocators_cannot_double_spend(void)
{
    sim_config c;
    gated(&c);
    c.txs = 200;
    c.rate = 20;
    c.double_spend = 1.0;
    c.byzantine = 0.25;
    c.byz_behaviour = SIM_BYZ_EQUIVOCATE;
    c.byz_lazy = true;
    c.lazy_density = 0;
    c.node.ignore_evidence = true;
    char *g = su_run(&c);
    c.node.life_votes = false;
    char *open = su_run(&c);
    CHECK(g != NULL && open != NULL);
    if (g == NULL || open == NULL) return;
    long long pairs = su_field(g, "double_spend_pairs");
    long long both_open = su_field(open, "pairs_both_by_responsible"), both_g = su_field(g, "pairs_both_by_responsible");
    printf("  %lld double spends, 5 of 20 nodes unelected equivocators: both sides committed at responsible nodes "
           "%lld times with every vote counted, %lld with votes gated (%lld of 200 committed at the submitter)\n",
           pairs, both_open, both_g, su_field_in(g, "submitter", "committed"));
    CHECK(pairs > 40);
    CHECK(su_field_in(g, "lifecycle", "ever_won_lazy") == 0); /* never elected */
    CHECK(both_open > 0);
    CHECK_EQ_INT(both_g, 0);
    CHECK_EQ_INT(su_field(g, "conflicting_commits"), 0);
    CHECK(su_field_in(g, "submitter", "committed") > 70); /* live: one side of most pairs */
    free(g);
    free(open);
}

int main(void)
{
    RUN(test_elections_admit_storing_peers_only);
    RUN(test_gated_quorums_stay_live_while_swapping);
    RUN(test_unelected_equivocators_cannot_double_spend);
    return TEST_REPORT("sim_life");
}
