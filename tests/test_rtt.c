/* Timers that follow the network (issue 8): the RTT estimator against RFC
 * 6298's formulas, its floor and cap, Karn's rule, the per-peer estimates
 * in the peer set, and the node's samples from answered requests. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/peers.h"
#include "core/rtt.h"
#include "node_util.h"

static const ec_rtt_limits lim = {333, 25, 60000};

static double ms_of(uint32_t units) { return (double)units / EC_RTT_UNIT; }

static void test_no_sample_gives_the_initial_pto(void)
{
    ec_rtt r = {0, 0};
    CHECK(!ec_rtt_valid(&r));
    /* srtt = 333, rttvar = 166.5: 333 + 4 * 166.5 = 999 ms */
    CHECK_EQ_INT(ec_rtt_pto(&r, &lim), 999);
    CHECK_EQ_INT(ec_rtt_pto(NULL, &lim), 999);
    ec_rtt_limits small = {10, 1, 60000};
    CHECK_EQ_INT(ec_rtt_pto(NULL, &small), 30);
}

static void test_first_sample_sets_srtt_and_half_of_it_as_variation(void)
{
    ec_rtt r = {0, 0};
    ec_rtt_sample(&r, 100, lim.max_ms);
    CHECK(ec_rtt_valid(&r));
    CHECK_EQ_INT(r.srtt, 100 * EC_RTT_UNIT);
    CHECK_EQ_INT(r.rttvar, 50 * EC_RTT_UNIT);
    CHECK_EQ_INT(ec_rtt_pto(&r, &lim), 300); /* 100 + 4 * 50 */
}

/* A sequence of samples against RFC 6298 (2.2)-(2.3) in doubles. */
static void test_samples_follow_the_rfc6298_formulas(void)
{
    const uint64_t samples[] = {200, 300, 400, 200, 300, 300, 400, 200, 1200, 300,
                                300, 200, 300, 400, 300, 300, 200, 300, 300, 250};
    ec_rtt r = {0, 0};
    double srtt = 0, rttvar = 0;
    for (size_t i = 0; i < sizeof samples / sizeof samples[0]; i++) {
        double x = (double)samples[i];
        if (i == 0) {
            srtt = x;
            rttvar = x / 2;
        } else {
            rttvar = 0.75 * rttvar + 0.25 * fabs(srtt - x);
            srtt = 0.875 * srtt + 0.125 * x;
        }
        ec_rtt_sample(&r, samples[i], lim.max_ms);
        /* Fixed point in 1/64 ms: within a tenth of a millisecond. */
        CHECK(fabs(ms_of(r.srtt) - srtt) < 0.1);
        CHECK(fabs(ms_of(r.rttvar) - rttvar) < 0.1);
        double pto = srtt + (4 * rttvar > 25 ? 4 * rttvar : 25);
        uint64_t got = ec_rtt_pto(&r, &lim);
        CHECK((double)got >= pto - 0.5 && (double)got <= pto + 1.5);
    }
    /* The round model of net-2000 (200-400 ms round trips) gives a PTO of
     * about 1.7 srtt, well under the old fixed 1 s re-send. */
    CHECK(ec_rtt_pto(&r, &lim) > 350 && ec_rtt_pto(&r, &lim) < 700);
}

static void test_the_granularity_floors_a_steady_network(void)
{
    ec_rtt r = {0, 0};
    for (int i = 0; i < 200; i++) ec_rtt_sample(&r, 100, lim.max_ms);
    CHECK(r.rttvar < EC_RTT_UNIT); /* the variation has decayed to ~0 */
    CHECK_EQ_INT(ec_rtt_pto(&r, &lim), 125); /* 100 + granularity, not 100 */
    ec_rtt_limits fine = {333, 1, 60000};
    CHECK_EQ_INT(ec_rtt_pto(&r, &fine), 101);
    /* A 0 ms sample still makes an estimate (srtt 0 means "none"). */
    ec_rtt z = {0, 0};
    ec_rtt_sample(&z, 0, lim.max_ms);
    CHECK(ec_rtt_valid(&z));
    CHECK_EQ_INT(ec_rtt_pto(&z, &lim), 26); /* 1/64 ms + 25, rounded up */
}

static void test_samples_ptos_and_backoff_are_capped(void)
{
    ec_rtt r = {0, 0};
    ec_rtt_limits capped = {333, 25, 5000};
    ec_rtt_sample(&r, 10000000, capped.max_ms); /* a bogus 10,000 s sample */
    CHECK_EQ_INT(r.srtt, 5000 * EC_RTT_UNIT);
    CHECK_EQ_INT(ec_rtt_pto(&r, &capped), 5000);
    /* The fixed point cannot overflow at the largest cap. */
    ec_rtt big = {0, 0};
    for (int i = 0; i < 50; i++) ec_rtt_sample(&big, i % 2 ? 0 : UINT64_MAX, UINT64_MAX);
    CHECK(ms_of(big.srtt) <= EC_RTT_MAX_MS);
    ec_rtt_limits top = {333, 25, EC_RTT_MAX_MS};
    CHECK(ec_rtt_pto(&big, &top) <= EC_RTT_MAX_MS);
    CHECK_EQ_INT(ec_rtt_backoff(500, 0, 60000), 500);
    CHECK_EQ_INT(ec_rtt_backoff(500, 3, 60000), 4000);
    CHECK_EQ_INT(ec_rtt_backoff(500, 10, 60000), 60000);
    CHECK_EQ_INT(ec_rtt_backoff(500, 200, 60000), 60000);
    CHECK_EQ_INT(ec_rtt_backoff(999, 1, 1500), 1500);
}

static void test_karns_rule_takes_no_sample_from_a_resent_request(void)
{
    ec_id a = tu_id(1, 1), b = tu_id(2, 2);
    ec_rtt_req q;
    memset(&q, 0, sizeof q);
    uint64_t ms = 0;
    /* Sent once, answered by whom it went to: a sample. */
    ec_rtt_req_sent(&q, &a, 1000);
    CHECK(!ec_rtt_req_answered(&q, &b, 1030, &ms)); /* someone else: not its answer */
    CHECK(ec_rtt_req_answered(&q, &a, 1040, &ms));
    CHECK_EQ_INT(ms, 40);
    CHECK(!ec_rtt_req_answered(&q, &a, 1050, &ms)); /* closed: a duplicate is nothing */
    /* Sent twice (to the same peer): the answer is ambiguous. */
    ec_rtt_req_sent(&q, &a, 2000);
    ec_rtt_req_sent(&q, &a, 3000);
    ms = 0;
    CHECK(!ec_rtt_req_answered(&q, &a, 3010, &ms));
    CHECK_EQ_INT(ms, 0);
    /* Re-sent to another peer: neither answer gives a sample. */
    ec_rtt_req_sent(&q, &a, 4000);
    ec_rtt_req_sent(&q, &b, 5000);
    CHECK(!ec_rtt_req_answered(&q, &a, 5010, &ms));
    CHECK(!ec_rtt_req_answered(&q, &b, 5020, &ms));
    /* And the next request starts clean. */
    ec_rtt_req_sent(&q, &b, 6000);
    CHECK(ec_rtt_req_answered(&q, &b, 6070, &ms));
    CHECK_EQ_INT(ms, 70);
}

/* The peer set keeps one estimate per peer, beside its id, through
 * removals (the last peer moves into the freed place) and growth. */
static void test_each_peer_keeps_its_own_estimate(void)
{
    ec_id self = tu_id(0x80, 0), peer[6];
    ec_peers *p;
    CHECK_EQ_INT(ec_peers_new(&p, &self, 16), EC_OK);
    for (int i = 0; i < 6; i++) {
        peer[i] = tu_id(0x01, (uint8_t)(i + 1)); /* all in bucket 0 */
        CHECK_EQ_INT(ec_peers_add(p, &peer[i]), EC_OK);
    }
    for (int i = 0; i < 6; i++) ec_peers_rtt_sample(p, &peer[i], 10 * (uint64_t)(i + 1), 60000);
    for (int i = 0; i < 6; i++) {
        const ec_rtt *r = ec_peers_rtt(p, &peer[i]);
        CHECK(r != NULL);
        if (r) CHECK_EQ_INT(r->srtt, 10 * (i + 1) * EC_RTT_UNIT);
    }
    /* peer[5] is last: removing peer[1] moves it, with its estimate. */
    CHECK_EQ_INT(ec_peers_remove(p, &peer[1]), EC_OK);
    CHECK(ec_peers_rtt(p, &peer[1]) == NULL);
    const ec_rtt *r5 = ec_peers_rtt(p, &peer[5]);
    CHECK(r5 != NULL && r5->srtt == 60 * EC_RTT_UNIT);
    /* Back in the set: no estimate (a new address may be a new path). */
    CHECK_EQ_INT(ec_peers_add(p, &peer[1]), EC_OK);
    CHECK(ec_peers_rtt(p, &peer[1]) == NULL);
    /* Growth past the bucket's first allocation keeps them. */
    for (int i = 0; i < 8; i++) {
        ec_id x = tu_id(0x02, (uint8_t)(i + 1));
        CHECK_EQ_INT(ec_peers_add(p, &x), EC_OK);
    }
    for (int i = 0; i < 6; i++)
        if (i != 1) CHECK(ec_peers_rtt(p, &peer[i]) && ec_peers_rtt(p, &peer[i])->srtt == 10 * (i + 1) * EC_RTT_UNIT);
    /* Not in the set: nothing kept. */
    ec_id stranger = tu_id(0x03, 3);
    ec_peers_rtt_sample(p, &stranger, 5, 60000);
    CHECK(ec_peers_rtt(p, &stranger) == NULL);
    ec_peers_free(p);
}

static void test_config_checks_the_rtt_fields(void)
{
    ec_node_config c;
    const char *why = NULL;
    ec_node_config_default(&c);
    CHECK(c.rtt_timers);
    CHECK_EQ_INT(ec_node_config_check(&c, &why), EC_OK);
    c.rtt_initial_ms = 0;
    CHECK_EQ_INT(ec_node_config_check(&c, &why), EC_ERR_ARG);
    CHECK(why && strstr(why, "rtt_initial_ms"));
    ec_node_config_default(&c);
    c.rtt_granularity_ms = 0;
    CHECK_EQ_INT(ec_node_config_check(&c, &why), EC_ERR_ARG);
    CHECK(why && strstr(why, "rtt_granularity_ms"));
    ec_node_config_default(&c);
    c.rtt_max_ms = EC_RTT_MAX_MS + 1;
    CHECK_EQ_INT(ec_node_config_check(&c, &why), EC_ERR_ARG);
    CHECK(why && strstr(why, "rtt_max_ms"));
    ec_node_config_default(&c);
    c.rtt_initial_ms = c.rtt_max_ms + 1;
    CHECK_EQ_INT(ec_node_config_check(&c, &why), EC_ERR_ARG);
    CHECK(why && strstr(why, "rtt_initial_ms"));
}

static ec_msg vote_for(const ec_id *txid)
{
    ec_msg m;
    memset(&m, 0, sizeof m);
    m.type = EC_MSG_VOTE;
    m.u.vote.tx_id = *txid;
    m.u.vote.n = 1;
    m.u.vote.v.version = 1;
    m.u.vote.v.values[0] = EC_MSG_VOTE_VALID;
    return m;
}

/* A vote before the transaction: the member asks the voter (get_tx); the
 * voter's answer 40 ms later is a sample for it and for the node. */
static void test_an_answered_get_tx_is_a_sample(void)
{
    ec_id token = tu_id(0x42, 7);
    ec_keypair k1;
    tu_key(&k1, 1);
    ec_tx tx = tu_tx1(&token, &k1, NULL, &k1, 1000);
    ec_id id = tx_id_of(&tx);
    solo s;
    solo_open(&s, &token);
    ec_rtt r;
    CHECK(!ec_node_rtt(s.node, NULL, &r));
    CHECK_EQ_INT(ec_node_pto(s.node, &s.peer[0]), 999); /* the initial PTO */
    ec_msg v = vote_for(&id);
    send_msg(&s, 1000, &s.peer[0], &v);
    ec_id to;
    CHECK_EQ_INT(drain(&s, EC_MSG_GET_TX, NULL, &to), 1);
    CHECK(ec_id_cmp(&to, &s.peer[0]) == 0);
    send_tx(&s, 1040, &s.peer[0], &tx);
    CHECK(ec_node_rtt(s.node, &s.peer[0], &r));
    CHECK_EQ_INT(r.srtt, 40 * EC_RTT_UNIT);
    CHECK(ec_node_rtt(s.node, NULL, &r)); /* the node-wide estimate too */
    CHECK_EQ_INT(r.srtt, 40 * EC_RTT_UNIT);
    CHECK_EQ_INT(ec_node_pto(s.node, &s.peer[0]), 120); /* 40 + 4 * 20 */
    CHECK(!ec_node_rtt(s.node, &s.peer[1], &r)); /* no sample of its own ... */
    CHECK_EQ_INT(ec_node_pto(s.node, &s.peer[1]), 120); /* ... so the node's */
    solo_close(&s);
}

/* Karn's rule in the node: the get_tx went twice (the re-send timer asked
 * again), so the transaction that comes is no sample. */
static void test_a_transaction_asked_for_twice_is_no_sample(void)
{
    ec_id token = tu_id(0x42, 7);
    ec_keypair k1;
    tu_key(&k1, 1);
    ec_tx tx = tu_tx1(&token, &k1, NULL, &k1, 1000);
    ec_id id = tx_id_of(&tx);
    solo s;
    solo_open(&s, &token);
    ec_msg v = vote_for(&id);
    send_msg(&s, 1000, &s.peer[1], &v);
    CHECK_EQ_INT(drain(&s, EC_MSG_GET_TX, NULL, NULL), 1);
    uint64_t t = ec_node_next_deadline(s.node);
    CHECK(t > 1000 && t < 5000);
    ec_node_tick(s.node, t);
    ec_id to;
    CHECK_EQ_INT(drain(&s, EC_MSG_GET_TX, NULL, &to), 1); /* asked again */
    CHECK(ec_id_cmp(&to, &s.peer[1]) == 0);
    send_tx(&s, t + 30, &s.peer[1], &tx);
    ec_rtt r;
    CHECK(!ec_node_rtt(s.node, &s.peer[1], &r));
    CHECK(!ec_node_rtt(s.node, NULL, &r));
    solo_close(&s);
}

int main(void)
{
    RUN(test_no_sample_gives_the_initial_pto);
    RUN(test_first_sample_sets_srtt_and_half_of_it_as_variation);
    RUN(test_samples_follow_the_rfc6298_formulas);
    RUN(test_the_granularity_floors_a_steady_network);
    RUN(test_samples_ptos_and_backoff_are_capped);
    RUN(test_karns_rule_takes_no_sample_from_a_resent_request);
    RUN(test_each_peer_keeps_its_own_estimate);
    RUN(test_config_checks_the_rtt_fields);
    RUN(test_an_answered_get_tx_is_a_sample);
    RUN(test_a_transaction_asked_for_twice_is_no_sample);
    return TEST_REPORT("rtt");
}
