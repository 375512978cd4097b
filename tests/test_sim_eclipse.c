/* Eclipse in the simulator (src/sim/sim_eclipse.c; docs/SECURITY.md,
 * "Eclipse"): adversaries that answer every peer question with
 * adversaries only. A newcomer whose bootstrap peers include honest ones
 * sees its true neighborhood (the adversaries' share of its view is
 * their true share, none eclipsed) even when they flood it; one whose
 * every bootstrap peer is an adversary is eclipsed (a quorum of
 * adversaries in its view, more than the truth). Safety holds in both. */
#include <stdlib.h>
#include <string.h>

#include "sim_util.h"
#include "test.h"

/* A number (fractions too) after "key": inside "section": {. */
static double num_in(const char *json, const char *section, const char *key)
{
    char pat[96];
    snprintf(pat, sizeof pat, "\"%s\": {", section);
    const char *from = json ? strstr(json, pat) : NULL;
    snprintf(pat, sizeof pat, "\"%s\": ", key);
    const char *p = from ? strstr(from, pat) : NULL;
    return p ? strtod(p + strlen(pat), NULL) : -1;
}

static void config(sim_config *c, double share, unsigned bootstrap, bool flood, bool adversarial)
{
    sim_config_default(c);
    c->nodes = 150;
    c->txs = 800;
    c->rate = 100;
    c->latency = SIM_LAT_UNIFORM;
    c->lat_a = 20;
    c->lat_b = 80;
    c->new_fraction = 0.5;
    c->eclipse = share;
    c->eclipse_flood = flood;
    c->newcomers = 12;
    c->bootstrap = bootstrap;
    c->bootstrap_adversarial = adversarial;
    c->join_at_ms = 2000;
    c->drain_ms = 20000;
}

static void test_newcomers_with_an_honest_bootstrap_see_their_neighborhood(void)
{
    sim_config c;
    config(&c, 0.2, 4, true, false);
    char *j = su_run(&c);
    CHECK(j != NULL);
    if (j == NULL) return;
    double view = num_in(j, "newcomers_view", "view_adversaries"), truth = num_in(j, "newcomers_view", "true_adversaries"),
           table = num_in(j, "newcomers_view", "table_adversaries");
    printf("  20 %%, 4 bootstrap peers, flooding: table %.3f, view %.3f, truth %.3f, eclipsed beyond truth %lld\n", table,
           view, truth, su_field_in(j, "newcomers_view", "eclipsed_beyond_truth"));
    CHECK(su_field(j, "join_answers") > 0);
    CHECK_EQ_INT(su_field_in(j, "newcomers_view", "nodes"), 12);
    CHECK(view >= 0 && view <= truth + 0.02);
    CHECK_EQ_INT(su_field_in(j, "newcomers_view", "eclipsed_beyond_truth"), 0);
    CHECK(table > view + 0.1);       /* the flood did fill its tables */
    CHECK(su_field(j, "flood_messages") > 0);
    CHECK_EQ_INT(su_field(j, "conflicting_commits"), 0);
    free(j);
}

static void test_newcomers_bootstrapped_by_adversaries_only_are_eclipsed(void)
{
    sim_config c;
    config(&c, 0.1, 4, false, true);
    char *j = su_run(&c);
    CHECK(j != NULL);
    if (j == NULL) return;
    double view = num_in(j, "newcomers_view", "view_adversaries"), truth = num_in(j, "newcomers_view", "true_adversaries"),
           seen = num_in(j, "newcomers_view", "neighborhood_seen");
    long long beyond = su_field_in(j, "newcomers_view", "eclipsed_beyond_truth");
    printf("  10 %%, every bootstrap peer an adversary: view %.3f, truth %.3f, true neighbors seen %.3f, eclipsed beyond "
           "truth %lld of 12\n",
           view, truth, seen, beyond);
    CHECK(view > truth + 0.1);
    CHECK(beyond >= 1);
    CHECK(seen < 1);
    CHECK_EQ_INT(su_field(j, "conflicting_commits"), 0);
    free(j);
}

int main(void)
{
    RUN(test_newcomers_with_an_honest_bootstrap_see_their_neighborhood);
    RUN(test_newcomers_bootstrapped_by_adversaries_only_are_eclipsed);
    return TEST_REPORT("sim_eclipse");
}
