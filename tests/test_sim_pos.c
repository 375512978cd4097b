/* Storage proofs in a running network (src/sim/sim_pos.c; docs/
 * LIFECYCLE.md, "In a running network"): 20 nodes holding 20,000
 * preloaded tokens (w = 8: about 8,000 each), every node challenging a
 * neighbor every second while transactions commit; 4 lazy nodes keep half
 * of what they are given. A lazy node never passes; honest ones mostly do
 * now that walks take only the tokens both peers should hold (with the
 * seed's walk over the whole store they passed about a third of the
 * time: neighbors do not hold the same tokens). */
#include <stdlib.h>

#include "sim_util.h"
#include "test.h"

static void test_lazy_nodes_never_pass(void)
{
    sim_config c;
    sim_config_default(&c);
    c.nodes = 20;
    c.txs = 100;
    c.rate = 50;
    c.latency = SIM_LAT_UNIFORM;
    c.lat_a = 20;
    c.lat_b = 80;
    c.new_fraction = 0.3;
    c.preload = 20000;
    c.pos_interval_ms = 1000;
    c.lazy = 0.2;
    c.lazy_density = 0.5;
    c.drain_ms = 5000;
    char *j = su_run(&c);
    CHECK(j != NULL);
    if (j == NULL) return;
    long long asked = su_field_in(j, "storage_proofs", "asked");
    long long hp = su_field_in(j, "on_honest", "passed"), hr = su_field_in(j, "on_honest", "refused"),
              hc = su_field_in(j, "on_honest", "cannot"), ht = su_field_in(j, "on_honest", "timed_out");
    long long lp = su_field_in(j, "on_lazy", "passed"), lr = su_field_in(j, "on_lazy", "refused"),
              lc = su_field_in(j, "on_lazy", "cannot"), lt = su_field_in(j, "on_lazy", "timed_out");
    printf("  asked %lld; honest: passed %lld refused %lld cannot %lld timed out %lld; lazy: passed %lld refused %lld "
           "cannot %lld timed out %lld\n",
           asked, hp, hr, hc, ht, lp, lr, lc, lt);
    CHECK(asked > 50);
    CHECK(hp * 10 >= (hp + hr + hc + ht) * 6); /* at least 60 % */
    CHECK_EQ_INT(lp, 0);
    CHECK(lr + lc > 0);
    /* Every challenge got one verdict (those still waiting at the end aside). */
    CHECK(hp + hr + hc + ht + lp + lr + lc + lt <= asked);
    CHECK(hp + hr + hc + ht + lp + lr + lc + lt >= asked - 40);
    CHECK_EQ_INT(su_field(j, "conflicting_commits"), 0);
    free(j);
}

int main(void)
{
    RUN(test_lazy_nodes_never_pass);
    return TEST_REPORT("sim_pos");
}
