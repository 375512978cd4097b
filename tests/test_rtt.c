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

/* A member lacking a token's history asks its co-members for the head
 * (get_mapping): their answers to that first question are samples, per
 * peer and node-wide, and so is the fetch of the agreed head. */
static void test_answers_to_a_catchup_are_samples(void)
{
    ec_id token = tu_id(0x42, 7);
    ec_keypair k1, k2;
    tu_key(&k1, 1);
    tu_key(&k2, 2);
    ec_tx h = tu_tx1(&token, &k1, NULL, &k1, 1000);
    ec_id hid = tx_id_of(&h);
    ec_tx t = tu_tx1(&token, &k2, &hid, &k1, 2000);
    solo s;
    solo_open(&s, &token);
    ec_rtt r;
    CHECK(!ec_node_rtt(s.node, NULL, &r));
    CHECK_EQ_INT(ec_node_pto(s.node, &s.peer[1]), 999); /* the initial PTO */
    send_tx(&s, 3000, &s.peer[0], &t); /* we lack the create: vote 0, ask */
    CHECK_EQ_INT(drain(&s, EC_MSG_GET_MAPPING, NULL, NULL), 7);
    for (int i = 1; i <= 3; i++) send_mapping(&s, 3060, &s.peer[i], &token, &hid);
    CHECK(ec_node_rtt(s.node, &s.peer[1], &r));
    CHECK_EQ_INT(r.srtt, 60 * EC_RTT_UNIT);
    CHECK_EQ_INT(r.rttvar, 30 * EC_RTT_UNIT);
    CHECK_EQ_INT(ec_node_pto(s.node, &s.peer[1]), 180); /* 60 + 4 * 30 */
    CHECK(ec_node_rtt(s.node, NULL, &r)); /* three samples of 60 node-wide */
    CHECK_EQ_INT(r.srtt, 60 * EC_RTT_UNIT);
    CHECK(r.rttvar < 30 * EC_RTT_UNIT);
    CHECK(!ec_node_rtt(s.node, &s.peer[4], &r)); /* no sample of its own ... */
    CHECK(ec_node_pto(s.node, &s.peer[4]) < 180);  /* ... so the node's */
    /* The agreed head is fetched from one of them: 40 ms, a sample. */
    ec_id asked;
    CHECK_EQ_INT(drain(&s, EC_MSG_GET_TX, NULL, &asked), 1);
    send_tx(&s, 3100, &asked, &h);
    CHECK_EQ_INT(ec_node_stats_get(s.node)->caught_up, 1);
    CHECK(ec_node_rtt(s.node, &asked, &r));
    CHECK(r.srtt < 60 * EC_RTT_UNIT); /* 7/8 * 60 + 1/8 * 40 */
    CHECK_EQ_INT(r.srtt, (60 * 7 + 40) * EC_RTT_UNIT / 8);
    solo_close(&s);
}

/* Karn's rule in the node: nobody answered the first question, the timer
 * asked again, so the answers that come cannot say which one they answer:
 * no sample. */
static void test_answers_after_a_reask_are_no_samples(void)
{
    ec_id token = tu_id(0x42, 7), ghost = tu_id(0x78, 7);
    ec_keypair k1;
    tu_key(&k1, 1);
    ec_tx t = tu_tx1(&token, &k1, &ghost, &k1, 2000);
    solo s;
    solo_open(&s, &token);
    send_tx(&s, 3000, &s.peer[0], &t);
    CHECK_EQ_INT(drain(&s, EC_MSG_GET_MAPPING, NULL, NULL), 7);
    uint64_t due = ec_node_next_deadline(s.node);
    CHECK_EQ_INT(due, 3999); /* the initial PTO */
    ec_node_tick(s.node, due);
    CHECK_EQ_INT(drain(&s, EC_MSG_GET_MAPPING, NULL, NULL), 7); /* asked again */
    for (int i = 1; i <= 3; i++) send_mapping(&s, due + 30, &s.peer[i], &token, NULL);
    ec_rtt r;
    CHECK(!ec_node_rtt(s.node, &s.peer[1], &r));
    CHECK(!ec_node_rtt(s.node, NULL, &r));
    solo_close(&s);
}

/* A coordinator whose bucket around the token is full (2 per bucket), so
 * it must look the neighborhood up; no route, no witness lookup. */
static void coord_open(solo *s, bool rtt_timers, bool route_tx)
{
    ec_node_config cfg;
    ec_node_config_default(&cfg);
    cfg.bucket_size = 2;
    cfg.route_tx = route_tx;
    cfg.witness = false;
    cfg.rtt_timers = rtt_timers;
    ec_rng_seed(&s->rng, 7);
    CHECK_EQ_INT(ec_store_mem_open(&s->store), EC_OK);
    ec_id token = tu_id(0x42, 7);
    s->self = tu_id(0xc0, 1); /* far from the token: its bucket 0 */
    for (int i = 0; i < 2; i++) {
        s->peer[i] = token;
        s->peer[i].b[30] ^= (uint8_t)(i + 1); /* peer[0] the nearest */
    }
    CHECK_EQ_INT(tn_new(&s->node, &cfg, &s->self, s->store, &s->rng), EC_OK);
    for (int i = 0; i < 2; i++) CHECK_EQ_INT(ec_node_add_peer(s->node, &s->peer[i], NULL), EC_OK);
}

/* peer[0] answers a lookup query in 50 ms; the next query to it that goes
 * unanswered times out after its PTO (50 + 4 * 25 = 150 ms) and the
 * lookup asks peer[1]; with rtt_timers off, after lookup_timeout_ms. */
static void lookup_times_out(bool rtt_timers)
{
    ec_id token = tu_id(0x42, 7), token2 = tu_id(0x42, 9);
    ec_keypair k1;
    tu_key(&k1, 1);
    ec_tx a = tu_tx1(&token, &k1, NULL, &k1, 1000), b = tu_tx1(&token2, &k1, NULL, &k1, 2000);
    solo s;
    coord_open(&s, rtt_timers, false);
    CHECK_EQ_INT(ec_node_submit(s.node, 1000, &a), EC_OK);
    ec_id to;
    CHECK_EQ_INT(drain(&s, EC_MSG_FIND_PEERS, NULL, &to), 1);
    CHECK(ec_id_cmp(&to, &s.peer[0]) == 0);
    ec_msg ans;
    memset(&ans, 0, sizeof ans);
    ans.type = EC_MSG_PEERS;
    ans.u.peers.target = token;
    ans.u.peers.n = 2;
    ans.u.peers.peers[0] = s.peer[0];
    ans.u.peers.peers[1] = s.peer[1];
    send_msg(&s, 1050, &s.peer[0], &ans);
    CHECK_EQ_INT(drain(&s, EC_MSG_TX, NULL, NULL), 2); /* looked up: dispatched */
    CHECK_EQ_INT(ec_node_pto(s.node, &s.peer[0]), 150);

    CHECK_EQ_INT(ec_node_submit(s.node, 2000, &b), EC_OK);
    CHECK_EQ_INT(drain(&s, EC_MSG_FIND_PEERS, NULL, &to), 1);
    CHECK(ec_id_cmp(&to, &s.peer[0]) == 0);
    uint64_t fail_at = rtt_timers ? 2150 : 2500, due;
    /* Earlier timers may wake the node first (we are one of the few nodes
     * we know near the token, so we voted on tx a and re-send): nothing
     * is asked of anyone before the query's timeout. */
    for (int i = 0; i < 10 && (due = ec_node_next_deadline(s.node)) < fail_at; i++) {
        ec_node_tick(s.node, due);
        CHECK_EQ_INT(drain(&s, EC_MSG_FIND_PEERS, NULL, NULL), 0);
    }
    CHECK_EQ_INT(ec_node_next_deadline(s.node), fail_at);
    ec_node_tick(s.node, fail_at - 1);
    CHECK_EQ_INT(drain(&s, EC_MSG_FIND_PEERS, NULL, NULL), 0);
    ec_node_tick(s.node, fail_at);
    CHECK_EQ_INT(drain(&s, EC_MSG_FIND_PEERS, NULL, &to), 1); /* the next peer */
    CHECK(ec_id_cmp(&to, &s.peer[1]) == 0);
    solo_close(&s);
}

static void test_a_lookup_query_times_out_after_its_peers_pto(void) { lookup_times_out(true); }
static void test_without_rtt_timers_the_lookup_waits_lookup_timeout_ms(void) { lookup_times_out(false); }

/* A query times out (its PTO shorter than this round trip) and its answer
 * comes late, while the routed transaction is still out: the answer names
 * its sender, as the route's answer does, but it is the lookup's. Taken
 * for the route's, the coordinator sent a 1-token transaction to nobody
 * (the neighborhood "had it"): 1 transaction in 3,000 was lost that way
 * at 2,000 nodes with RTT timers. */
static void test_a_late_lookup_answer_is_not_taken_for_the_routes(void)
{
    ec_id token = tu_id(0x42, 7);
    ec_keypair k1;
    tu_key(&k1, 1);
    ec_tx a = tu_tx1(&token, &k1, NULL, &k1, 1000);
    solo s;
    coord_open(&s, true, true);
    CHECK_EQ_INT(ec_node_submit(s.node, 1000, &a), EC_OK);
    ec_id to;
    uint8_t buf[EC_MSG_MAX];
    size_t len;
    int routed = 0, asked = 0;
    while (ec_node_next_out(s.node, &to, NULL, buf, sizeof buf, &len) == EC_OK) {
        ec_msg o;
        CHECK_EQ_INT(ec_msg_decode(&o, buf, len), EC_OK);
        routed += o.type == EC_MSG_TX && o.u.tx.hops > 0;
        asked += o.type == EC_MSG_FIND_PEERS;
        CHECK(ec_id_cmp(&to, &s.peer[0]) == 0);
    }
    CHECK_EQ_INT(routed, 1);
    CHECK_EQ_INT(asked, 1);
    /* No answer within the initial PTO: peer[1] is asked. */
    ec_node_tick(s.node, 1999);
    CHECK_EQ_INT(drain(&s, EC_MSG_FIND_PEERS, NULL, &to), 1);
    CHECK(ec_id_cmp(&to, &s.peer[1]) == 0);
    /* peer[0]'s answer, late: a member (it names itself). */
    ec_msg ans;
    memset(&ans, 0, sizeof ans);
    ans.type = EC_MSG_PEERS;
    ans.u.peers.target = token;
    ans.u.peers.n = 2;
    ans.u.peers.peers[0] = s.peer[0];
    ans.u.peers.peers[1] = s.peer[1];
    send_msg(&s, 2050, &s.peer[0], &ans);
    /* The lookup is done and the members get the transaction. */
    CHECK_EQ_INT(drain(&s, EC_MSG_TX, NULL, NULL), 2);
    solo_close(&s);
}

static ec_msg routed_tx(const ec_tx *tx, const ec_id *origin)
{
    ec_msg m;
    size_t len;
    memset(&m, 0, sizeof m);
    m.type = EC_MSG_TX;
    m.u.tx.hops = 5;
    m.u.tx.origin = *origin;
    ec_tx_encode(tx, m.u.tx.bytes, sizeof m.u.tx.bytes, &len);
    m.u.tx.len = (uint16_t)len;
    return m;
}

static ec_msg vote_on(const ec_tx *tx)
{
    ec_msg m;
    memset(&m, 0, sizeof m);
    m.type = EC_MSG_VOTE;
    m.u.vote.tx_id = tx_id_of(tx);
    m.u.vote.n = 1;
    m.u.vote.v.version = 1;
    m.u.vote.v.values[0] = EC_MSG_VOTE_VALID;
    return m;
}

/* Ticks at each deadline until `until`; the times our vote was re-sent
 * (a vote of a new version) go to at[]. */
static int resend_times(solo *s, uint64_t until, uint64_t *at, int max)
{
    int n = 0;
    uint32_t version = 1;
    for (int i = 0; i < 64; i++) {
        uint64_t due = ec_node_next_deadline(s->node);
        if (due > until) break;
        ec_node_tick(s->node, due);
        ec_msg v;
        if (drain(s, EC_MSG_VOTE, &v, NULL) > 0 && v.u.vote.v.version > version && n < max) {
            version = v.u.vote.v.version;
            at[n++] = due;
        }
    }
    return n;
}

/* A member that spread a transaction gets its co-members' votes back: 100
 * ms round trips. On the next transaction, which does not reach a quorum,
 * it re-sends its vote after the node's PTO, then 2, 4... PTOs, capped at
 * rtt_max_ms; with rtt_timers off, after 1, 2, 4... resend_ms. */
static void vote_resends(bool rtt_timers)
{
    ec_id token = tu_id(0x42, 7), token2 = tu_id(0x42, 5), hop = tu_id(0x06, 6), origin = tu_id(0x05, 5);
    ec_keypair k1;
    tu_key(&k1, 1);
    ec_tx a = tu_tx1(&token, &k1, NULL, &k1, 1000), b = tu_tx1(&token2, &k1, NULL, &k1, 5000);
    solo s;
    ec_node_config cfg;
    ec_node_config_default(&cfg);
    cfg.rtt_timers = rtt_timers;
    cfg.rtt_max_ms = 1000;
    ec_rng_seed(&s.rng, 7);
    CHECK_EQ_INT(ec_store_mem_open(&s.store), EC_OK);
    s.self = token;
    s.self.b[31] ^= 0x01;
    for (int i = 0; i < 8; i++) {
        s.peer[i] = token;
        s.peer[i].b[30] ^= (uint8_t)(i + 1);
    }
    CHECK_EQ_INT(tn_new(&s.node, &cfg, &s.self, s.store, &s.rng), EC_OK);
    for (int i = 0; i < 7; i++) CHECK_EQ_INT(ec_node_add_peer(s.node, &s.peer[i], NULL), EC_OK);
    ec_msg m = routed_tx(&a, &origin);
    send_msg(&s, 1000, &hop, &m); /* we are its first member: we spread it */
    CHECK_EQ_INT(drain(&s, EC_MSG_TX, NULL, NULL), 7);
    ec_msg v = vote_on(&a);
    for (int i = 0; i < 7; i++) send_msg(&s, 1100, &s.peer[i], &v); /* committed */
    ec_rtt r;
    CHECK(ec_node_rtt(s.node, NULL, &r)); /* seven samples of 100 ms */
    CHECK_EQ_INT(r.srtt, 100 * EC_RTT_UNIT);
    uint64_t pto = ec_node_pto(s.node, NULL);
    CHECK(pto > 100 && pto < 300);
    drain(&s, EC_MSG_VOTE, NULL, NULL);

    /* Transaction b: two co-members vote, no quorum; the rest are silent. */
    m = routed_tx(&b, &origin);
    send_msg(&s, 5000, &hop, &m);
    v = vote_on(&b);
    send_msg(&s, 5100, &s.peer[0], &v);
    send_msg(&s, 5100, &s.peer[1], &v);
    drain(&s, EC_MSG_VOTE, NULL, NULL);
    uint64_t pto_b = ec_node_pto(s.node, NULL); /* two more samples */
    uint64_t at[5];
    CHECK_EQ_INT(resend_times(&s, 21000, at, 5), rtt_timers ? 5 : 4);
    if (rtt_timers) { /* 100 + 4 * rttvar, which has decayed */
        CHECK_EQ_INT(at[0], 5000 + pto);
        for (int i = 1; i < 5; i++) {
            uint64_t gap = pto_b << i;
            CHECK_EQ_INT(at[i], at[i - 1] + (gap < 1000 ? gap : 1000)); /* rtt_max_ms */
        }
        CHECK(at[4] - at[3] == 1000);
    } else {
        CHECK_EQ_INT(at[0], 6000);
        CHECK_EQ_INT(at[1], 8000);
        CHECK_EQ_INT(at[2], 12000);
        CHECK_EQ_INT(at[3], 20000);
    }
    solo_close(&s);
}

static void test_vote_resends_follow_the_nodes_pto(void) { vote_resends(true); }
static void test_without_rtt_timers_votes_are_resent_each_resend_ms(void) { vote_resends(false); }

/* The co-members' votes answer our spread, but one that had the
 * transaction first from elsewhere voted before our spread came and its
 * vote can arrive at once; one whose copy was lost votes rounds later.
 * Neither counts: only votes within [srtt/4, 2 srtt] of the spread
 * (rtt_initial_ms before any sample). */
static void test_spread_answers_far_from_the_estimate_are_no_samples(void)
{
    ec_id token = tu_id(0x42, 7), hop = tu_id(0x06, 6), origin = tu_id(0x05, 5);
    ec_keypair k1;
    tu_key(&k1, 1);
    ec_tx a = tu_tx1(&token, &k1, NULL, &k1, 1000);
    solo s;
    solo_open(&s, &token);
    ec_msg m = routed_tx(&a, &origin);
    send_msg(&s, 1000, &hop, &m);
    ec_msg v = vote_on(&a);
    ec_rtt r;
    send_msg(&s, 1002, &s.peer[0], &v); /* 2 ms: it voted before our spread came */
    CHECK(!ec_node_rtt(s.node, NULL, &r));
    send_msg(&s, 1900, &s.peer[1], &v); /* 900 ms: over twice the initial 333 */
    CHECK(!ec_node_rtt(s.node, NULL, &r));
    send_msg(&s, 1300, &s.peer[2], &v); /* a round trip: counts */
    CHECK(ec_node_rtt(s.node, NULL, &r));
    CHECK_EQ_INT(r.srtt, 300 * EC_RTT_UNIT);
    CHECK(ec_node_rtt(s.node, &s.peer[2], &r)); /* and for that peer */
    send_msg(&s, 1000 + 601, &s.peer[3], &v); /* over 2 srtt now */
    CHECK(ec_node_rtt(s.node, NULL, &r));
    CHECK_EQ_INT(r.srtt, 300 * EC_RTT_UNIT);
    CHECK(!ec_node_rtt(s.node, &s.peer[3], &r));
    solo_close(&s);
}

/* Answers that cross: the query to A times out and B is asked; A's late
 * answer names N, much nearer the target; then B, farther than N, answers
 * with nobody new. B's answer names nobody nearer than B, the old stop
 * rule, but N was never asked: the lookup must go on to N, not dispatch
 * to a neighborhood nobody confirmed (a WAN transaction never committed). */
static void test_a_far_answer_after_a_late_one_does_not_end_the_lookup(void)
{
    ec_id token = tu_id(0x42, 7), near = token, a_id = token, b_id = token;
    a_id.b[25] ^= 1;
    b_id.b[24] ^= 1; /* farther than A */
    near.b[31] ^= 2; /* nearer than both */
    ec_keypair k1;
    tu_key(&k1, 1);
    ec_tx tx = tu_tx1(&token, &k1, NULL, &k1, 1000);
    solo s;
    ec_node_config cfg;
    ec_node_config_default(&cfg);
    cfg.bucket_size = 2;
    cfg.route_tx = false;
    cfg.witness = false;
    ec_rng_seed(&s.rng, 7);
    CHECK_EQ_INT(ec_store_mem_open(&s.store), EC_OK);
    s.self = tu_id(0xc0, 1);
    CHECK_EQ_INT(tn_new(&s.node, &cfg, &s.self, s.store, &s.rng), EC_OK);
    CHECK_EQ_INT(ec_node_add_peer(s.node, &a_id, NULL), EC_OK);
    CHECK_EQ_INT(ec_node_add_peer(s.node, &b_id, NULL), EC_OK);
    CHECK_EQ_INT(ec_node_submit(s.node, 1000, &tx), EC_OK);
    ec_id to;
    CHECK_EQ_INT(drain(&s, EC_MSG_FIND_PEERS, NULL, &to), 1);
    CHECK(ec_id_cmp(&to, &a_id) == 0);
    ec_node_tick(s.node, 1999); /* A's initial PTO: B is asked */
    CHECK_EQ_INT(drain(&s, EC_MSG_FIND_PEERS, NULL, &to), 1);
    CHECK(ec_id_cmp(&to, &b_id) == 0);
    ec_msg ans;
    memset(&ans, 0, sizeof ans);
    ans.type = EC_MSG_PEERS;
    ans.u.peers.target = token;
    ans.u.peers.n = 1;
    ans.u.peers.peers[0] = near;
    send_msg(&s, 2100, &a_id, &ans); /* late, and it names N */
    CHECK_EQ_INT(drain(&s, EC_MSG_FIND_PEERS, NULL, NULL), 0); /* B is still asked */
    ans.u.peers.peers[0] = a_id;
    send_msg(&s, 2200, &b_id, &ans); /* B: nobody new (nor itself) */
    CHECK_EQ_INT(drain(&s, EC_MSG_FIND_PEERS, NULL, &to), 1); /* N is asked */
    CHECK(ec_id_cmp(&to, &near) == 0);
    CHECK_EQ_INT(drain(&s, EC_MSG_TX, NULL, NULL), 0); /* not dispatched yet */
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
    RUN(test_answers_to_a_catchup_are_samples);
    RUN(test_answers_after_a_reask_are_no_samples);
    RUN(test_a_lookup_query_times_out_after_its_peers_pto);
    RUN(test_without_rtt_timers_the_lookup_waits_lookup_timeout_ms);
    RUN(test_a_late_lookup_answer_is_not_taken_for_the_routes);
    RUN(test_a_far_answer_after_a_late_one_does_not_end_the_lookup);
    RUN(test_vote_resends_follow_the_nodes_pto);
    RUN(test_without_rtt_timers_votes_are_resent_each_resend_ms);
    RUN(test_spread_answers_far_from_the_estimate_are_no_samples);
    return TEST_REPORT("rtt");
}
