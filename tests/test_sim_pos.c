/* Storage proofs in a running network (src/sim/sim_pos.c; docs/
 * LIFECYCLE.md, "In a running network"): 20 nodes holding 20,000
 * preloaded tokens (w = 8: about 8,000 each), every node challenging a
 * neighbor every second while transactions commit; 4 lazy nodes keep half
 * of what they are given. Honest askers' verdicts on honest peers pass
 * (walks of a region every node in it must hold whole, and shared walks
 * reaching the rest); lazy peers never do; a lazy node that keeps exactly
 * its own region, which region walks alone cannot tell from an honest
 * one, is caught by the shared walks often. Lazy askers' verdicts (half
 * a store judging) are counted apart and not asserted. */
#include <stdlib.h>

#include "sim_util.h"
#include "test.h"

typedef struct counts {
    long long asked, hp, hr, hc, ht, lp, lr, lc, lt, by_lazy;
} counts;

static bool run(sim_config *c, counts *k)
{
    char *j = su_run(c);
    CHECK(j != NULL);
    if (j == NULL) return false;
    k->asked = su_field_in(j, "storage_proofs", "asked");
    k->hp = su_field_in(j, "on_honest", "passed"), k->hr = su_field_in(j, "on_honest", "refused");
    k->hc = su_field_in(j, "on_honest", "cannot"), k->ht = su_field_in(j, "on_honest", "timed_out");
    k->lp = su_field_in(j, "on_lazy", "passed"), k->lr = su_field_in(j, "on_lazy", "refused");
    k->lc = su_field_in(j, "on_lazy", "cannot"), k->lt = su_field_in(j, "on_lazy", "timed_out");
    k->by_lazy = su_field_in(j, "by_lazy", "passed") + su_field_in(j, "by_lazy", "refused") +
                 su_field_in(j, "by_lazy", "cannot") + su_field_in(j, "by_lazy", "timed_out");
    printf("  asked %lld; honest: passed %lld refused %lld cannot %lld timed out %lld; lazy: passed %lld refused %lld "
           "cannot %lld timed out %lld; by lazy askers %lld\n",
           k->asked, k->hp, k->hr, k->hc, k->ht, k->lp, k->lr, k->lc, k->lt, k->by_lazy);
    CHECK_EQ_INT(su_field(j, "conflicting_commits"), 0);
    /* Every challenge got one verdict (those still waiting at the end aside). */
    long long all = k->hp + k->hr + k->hc + k->ht + k->lp + k->lr + k->lc + k->lt + k->by_lazy;
    CHECK(all <= k->asked && all >= k->asked - 40);
    free(j);
    return true;
}

static void config(sim_config *c)
{
    sim_config_default(c);
    c->nodes = 20;
    c->txs = 100;
    c->rate = 50;
    c->latency = SIM_LAT_UNIFORM;
    c->lat_a = 20;
    c->lat_b = 80;
    c->new_fraction = 0.3;
    c->preload = 20000;
    c->pos_interval_ms = 1000;
    c->lazy = 0.2;
    c->lazy_density = 0.5;
    c->drain_ms = 5000;
}

static void test_lazy_nodes_never_pass(void)
{
    sim_config c;
    config(&c);
    counts k;
    if (!run(&c, &k)) return;
    CHECK(k.asked > 50);
    CHECK(k.hp * 10 >= (k.hp + k.hr + k.hc + k.ht) * 9); /* at least 90 % (95-100 % measured; the rest timeouts) */
    CHECK_EQ_INT(k.lp, 0);
    CHECK(k.lr + k.lc > 0);
}

/* Lazy nodes that keep their own region whole and nothing else. */
static void test_shared_walks_reach_past_the_region(void)
{
    sim_config c;
    config(&c);
    c.lazy_region = true;
    c.lazy_density = 0;
    counts k;
    if (!run(&c, &k)) return;
    long long judged = k.lp + k.lr + k.lc + k.lt;
    CHECK(judged >= 15); /* about a fifth of the honest askers' ~100 challenges */
    CHECK(k.hp * 10 >= (k.hp + k.hr + k.hc + k.ht) * 9);
    CHECK(k.lp * 10 < judged * 7); /* region walks alone pass them all (docs/LIFECYCLE.md) */
}

int main(void)
{
    RUN(test_lazy_nodes_never_pass);
    RUN(test_shared_walks_reach_past_the_region);
    return TEST_REPORT("sim_pos");
}
