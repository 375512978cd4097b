/* Chain sync driven by the simulator (docs/CHAIN.md): a small join
 * reaches the whole state only with sync, and lying sources are reported
 * by what they did while the joiners still complete from honest ones. */
#include <stdlib.h>
#include <string.h>

#include "crypto/sign.h"
#include "sim/sim.h"
#include "sim_util.h"
#include "test.h"

/* The join scenario, small: 50 nodes, 2,000 one-token transactions at
 * 100/s, 10 % of the nodes wiped at 5 s and back at 30 s (they must learn
 * their state afresh), blocks every 2 s, rounds every 10 s. */
static void join_config(sim_config *c, bool sync)
{
    sim_config_default(c);
    c->nodes = 50;
    c->txs = 2000;
    c->rate = 100;
    c->latency = SIM_LAT_UNIFORM;
    c->lat_a = 20;
    c->lat_b = 80;
    c->new_fraction = 0.5;
    c->crashes[0] = (sim_crash){5000, 30000, 0.1, true};
    c->ncrashes = 1;
    c->sync = sync;
    c->node.block_interval_ms = 2000;
    c->node.sync_interval_ms = 10000;
}

static void test_a_small_join_completes_with_sync_and_not_without(void)
{
    sim_config c;
    join_config(&c, true);
    char *on = su_run(&c);
    join_config(&c, false);
    char *off = su_run(&c);
    CHECK(on != NULL && off != NULL);
    long long pairs = su_field_in(on, "state", "pairs"), held = su_field_in(on, "state", "held");
    printf("  with sync: %lld of %lld (token, member) pairs held, joiners %lld of %lld; without: %lld of %lld\n",
           held, pairs, su_field_in(on, "joiners", "held"), su_field_in(on, "joiners", "pairs"), su_field_in(off, "state", "held"),
           su_field_in(off, "state", "pairs"));
    CHECK(pairs > 5000);
    CHECK_EQ_INT(held, pairs);
    CHECK_EQ_INT(su_field_in(on, "joiners", "held"), su_field_in(on, "joiners", "pairs"));
    CHECK(su_field_in(on, "joiners", "pairs") > 0);
    CHECK_EQ_INT(su_field_in(on, "held", "not_held_by_all"), 0);
    /* Every chain it walked verified: no fault, no fork, nothing invalid,
     * and every node's own chain was written without an error. */
    CHECK(su_field_in(on, "sync", "blocks_fetched") > 0);
    CHECK_EQ_INT(su_field_in(on, "sync", "faults"), 0);
    CHECK_EQ_INT(su_field_in(on, "sync", "forks"), 0);
    CHECK_EQ_INT(su_field_in(on, "sync", "invalid"), 0);
    CHECK_EQ_INT(su_field_in(on, "chain", "errors"), 0);
    CHECK_EQ_INT(su_field_in(on, NULL, "conflicting_commits"), 0);
    /* Wiped nodes sign a new chain with the same key: sync resets its
     * locator on the shorter chain, never convicts (docs/SECURITY.md, "A
     * lost store"); claims are checked against the blocks fetched. */
    CHECK_EQ_INT(su_field_in(on, "convictions", "of_honest"), 0);
    /* Without sync the wiped nodes stay behind: what the test guards. */
    CHECK(su_field_in(off, "state", "held") < su_field_in(off, "state", "pairs"));
    CHECK(su_field_in(off, "held", "not_held_by_all") > 100);
    free(on);
    free(off);
}

static void test_lying_sources_are_reported_and_joiners_still_complete(void)
{
    sim_config c;
    join_config(&c, true);
    c.nodes = 60;
    c.txs = 1500;
    c.tokens_max = 2;
    c.liars = 0.2; /* 12: four forgers, four withholders, four equivocators */
    c.lie = SIM_LIE_MIXED;
    c.lie_from_ms = 20000;
    c.withhold = 0.25;
    char *out = su_run(&c);
    CHECK(out != NULL);
    const char *on = out ? strstr(out, "\"reports_on_liars\": {") : NULL;
    CHECK(on != NULL);
    long long forged = su_field_in(on, "forge", "fault"), withheld = su_field_in(on, "withhold", "missing"),
              equivocated = su_field_in(on, "equivocate", "equivocation");
    printf("  reports: forgers %lld faults, withholders %lld missing, equivocators %lld equivocations\n", forged,
           withheld, equivocated);
    CHECK(forged > 0);
    CHECK(withheld > 0);
    CHECK(equivocated > 0);
    /* No proof is ever raised against an honest node. */
    const char *hon = out ? strstr(out, "\"reports_on_honest\": {") : NULL;
    CHECK(hon != NULL);
    CHECK_EQ_INT(su_field_in(hon, NULL, "fault"), 0);
    CHECK_EQ_INT(su_field_in(hon, NULL, "equivocation"), 0);
    CHECK_EQ_INT(su_field_in(hon, NULL, "invalid"), 0);
    /* Nothing a liar served was adopted, and the joiners still reached
     * their whole state from the honest sources. */
    CHECK_EQ_INT(su_field_in(out, "sync", "invalid"), 0);
    CHECK(su_field_in(out, "joiners", "pairs") > 0);
    CHECK_EQ_INT(su_field_in(out, "joiners", "held"), su_field_in(out, "joiners", "pairs"));
    CHECK_EQ_INT(su_field_in(out, "state", "held"), su_field_in(out, "state", "pairs"));
    CHECK_EQ_INT(su_field_in(out, NULL, "conflicting_commits"), 0);
    /* The forked chains convict their signers (evidence kind 3), and
     * nobody else. */
    long long liars_convicted = su_field_in(out, "convictions", "of_liars");
    printf("  convictions of liars %lld, of honest nodes %lld, chain forks convicted %lld\n", liars_convicted,
           su_field_in(out, "convictions", "of_honest"), su_field_in(out, "evidence", "chain_convicted"));
    CHECK(liars_convicted > 0);
    CHECK(su_field_in(out, "evidence", "chain_convicted") > 0);
    CHECK_EQ_INT(su_field_in(out, "convictions", "of_honest"), 0);
    free(out);
}

int main(void)
{
    if (ec_crypto_init()) return 1;
    RUN(test_a_small_join_completes_with_sync_and_not_without);
    RUN(test_lying_sources_are_reported_and_joiners_still_complete);
    return TEST_REPORT("sim_sync");
}
