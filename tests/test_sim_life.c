/* The peer lifecycle in a running network (core/life.c, src/sim/
 * sim_life.c; docs/LIFECYCLE.md, "Elections"): 20 nodes holding 20,000
 * preloaded tokens elect their neighbors by storage proofs while
 * transactions commit, re-check them every 20 s and swap one every
 * minute (randomised); 4 lazy nodes keep half of what they are given. No
 * honest node ever connects a lazy one; honest ones are connected (several
 * per node), swapped and re-elected; transactions commit throughout. */
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

int main(void)
{
    RUN(test_elections_admit_storing_peers_only);
    return TEST_REPORT("sim_life");
}
