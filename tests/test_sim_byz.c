/* Byzantine voters in the simulator (src/sim/sim_byz.c; docs/SECURITY.md):
 * equivocators make both sides of double spends commit at honest nodes,
 * which the safety checker sees; withholders stop commits; without them
 * the same runs are clean. */
#include <stdlib.h>
#include <string.h>

#include "crypto/sign.h"
#include "sim/sim.h"
#include "sim_util.h"
#include "test.h"

/* 60 nodes, 800 one-token transactions, every transfer a conflicting pair. */
static void base(sim_config *c, double byz, sim_byz_behaviour how)
{
    sim_config_default(c);
    c->nodes = 60;
    c->txs = 800;
    c->rate = 50;
    c->latency = SIM_LAT_UNIFORM;
    c->lat_a = 20;
    c->lat_b = 80;
    c->new_fraction = 0.3;
    c->double_spend = 1.0;
    c->byzantine = byz;
    c->byz_behaviour = (uint8_t)how;
    c->drain_ms = 30000;
}

static void test_equivocators_make_double_spends_commit_and_are_counted(void)
{
    sim_config c;
    base(&c, 0.25, SIM_BYZ_EQUIVOCATE);
    char *bad = su_run(&c);
    base(&c, 0, SIM_BYZ_EQUIVOCATE);
    char *good = su_run(&c);
    CHECK(bad != NULL && good != NULL);
    long long both = su_field(bad, "pairs_both_committed"), pairs = su_field(bad, "double_spend_pairs");
    printf("  25 %% equivocators: %lld of %lld double spends committed on both sides (%lld conflicting commits)\n",
           both, pairs, su_field(bad, "conflicting_commits"));
    CHECK(pairs > 200);
    CHECK(su_field(bad, "votes_rewritten") > 0);
    CHECK(both > 0);
    CHECK(su_field(bad, "conflicting_commits") > 0);
    /* The same network without them: every double spend resolved one way. */
    CHECK_EQ_INT(su_field(good, "conflicting_commits"), 0);
    CHECK(strstr(good, "\"byzantine\"") == NULL);
    free(bad);
    free(good);
}

static void test_withholders_stop_commits_without_breaking_safety(void)
{
    sim_config c;
    base(&c, 0.4, SIM_BYZ_WITHHOLD);
    c.double_spend = 0;
    char *bad = su_run(&c);
    base(&c, 0, SIM_BYZ_WITHHOLD);
    c.double_spend = 0;
    char *good = su_run(&c);
    CHECK(bad != NULL && good != NULL);
    printf("  40 %% withholders: %lld of %lld committed by every member (%lld without them)\n",
           su_field(bad, "committed"), su_field(bad, "submitted"), su_field(good, "committed"));
    CHECK(su_field(bad, "committed") < su_field(good, "committed"));
    CHECK_EQ_INT(su_field(bad, "conflicting_commits"), 0);
    CHECK(su_field(bad, "votes_rewritten") > 0);
    free(bad);
    free(good);
}

int main(void)
{
    if (ec_crypto_init()) return 1;
    RUN(test_equivocators_make_double_spends_commit_and_are_counted);
    RUN(test_withholders_stop_commits_without_breaking_safety);
    return TEST_REPORT("sim_byz");
}
