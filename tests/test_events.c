/* The submitter's events (src/core/outcome.c): the node a transaction was
 * submitted to reports it committed, refused or timed out, once; it asks
 * the members with get_votes, and members answer. */
#include <stdlib.h>
#include <string.h>

#include "node_util.h"

static ec_keypair alice, bob;

/* Events of one type popped now; the last one in *last. */
static int events(solo *s, ec_node_event_type type, ec_node_event *last)
{
    ec_node_event e;
    int cnt = 0;
    while (ec_node_next_event(s->node, &e) == EC_OK)
        if (e.type == type) {
            cnt++;
            if (last) *last = e;
        }
    return cnt;
}

static void test_committed_is_reported_once(void)
{
    ec_id token = tu_id(0x61, 1);
    solo s;
    solo_open(&s, &token);
    ec_tx c = tu_tx1(&token, &alice, NULL, &alice, 1000);
    ec_id cid = tx_id_of(&c);
    CHECK_EQ_INT(ec_node_submit(s.node, 1000, &c), EC_OK);
    drain(&s, EC_MSG_VOTE, NULL, NULL);
    CHECK_EQ_INT(events(&s, EC_NODE_EV_COMMITTED, NULL), 0);
    ec_msg pos = vote1(&cid, EC_MSG_VOTE_VALID);
    for (int i = 0; i < 4; i++) send_msg(&s, 1100, &s.peer[i], &pos);
    ec_node_event e;
    CHECK_EQ_INT(events(&s, EC_NODE_EV_COMMITTED, &e), 1);
    CHECK(ec_id_cmp(&e.tx_id, &cid) == 0);
    send_msg(&s, 1200, &s.peer[4], &pos); /* more votes: no second event */
    ec_node_tick(s.node, 70000);           /* nor a timeout later */
    CHECK_EQ_INT(events(&s, EC_NODE_EV_COMMITTED, NULL) + events(&s, EC_NODE_EV_TIMED_OUT, NULL), 0);
    solo_close(&s);
}

static void test_refused_when_a_quorum_is_out_of_reach(void)
{
    ec_id token = tu_id(0x61, 2);
    solo s;
    solo_open(&s, &token);
    ec_tx c = tu_tx1(&token, &alice, NULL, &alice, 1000);
    ec_id cid = tx_id_of(&c);
    ec_node_submit(s.node, 1000, &c);
    drain(&s, EC_MSG_VOTE, NULL, NULL);
    ec_msg neg = vote1(&cid, EC_MSG_VOTE_INVALID);
    /* w = 8, quorum 5: three -1 leave five possible +1, four do not. */
    for (int i = 0; i < 3; i++) send_msg(&s, 1100, &s.peer[i], &neg);
    CHECK_EQ_INT(events(&s, EC_NODE_EV_REFUSED, NULL), 0);
    send_msg(&s, 1100, &s.peer[3], &neg);
    ec_node_event e;
    CHECK_EQ_INT(events(&s, EC_NODE_EV_REFUSED, &e), 1);
    CHECK_EQ_INT(e.mapping, 0);
    solo_close(&s);
}

static void test_timed_out_without_an_outcome(void)
{
    ec_id token = tu_id(0x61, 3);
    solo s;
    solo_open(&s, &token);
    ec_tx c = tu_tx1(&token, &alice, NULL, &alice, 1000);
    ec_node_submit(s.node, 1000, &c);
    /* Nobody answers: get_votes go out at the re-sends, then the deadline. */
    int polls = 0;
    for (uint64_t t = 1000; t <= 1000 + 61000; t += 500) {
        ec_node_tick(s.node, t);
        polls += drain(&s, EC_MSG_GET_VOTES, NULL, NULL);
    }
    CHECK(polls >= 2);
    CHECK_EQ_INT(events(&s, EC_NODE_EV_TIMED_OUT, NULL), 1);
    CHECK_EQ_INT(ec_node_pending(s.node), 0);
    solo_close(&s);
}

static void test_members_answer_get_votes(void)
{
    ec_id token = tu_id(0x61, 4);
    solo s;
    solo_open(&s, &token);
    ec_tx c = tu_tx1(&token, &alice, NULL, &alice, 1000);
    ec_id cid = tx_id_of(&c), far = s.peer[7];
    ec_msg q;
    memset(&q, 0, sizeof q);
    q.type = EC_MSG_GET_VOTES;
    q.u.get_votes.tx_id = cid;
    /* Unknown transaction: nothing to say. */
    send_msg(&s, 900, &far, &q);
    CHECK_EQ_INT(drain(&s, EC_MSG_VOTE, NULL, NULL), 0);
    /* Voted: our vote (no quorum yet, so no bundle). */
    send_tx(&s, 1000, &s.peer[0], &c);
    drain(&s, EC_MSG_VOTE, NULL, NULL);
    send_msg(&s, 1010, &far, &q);
    ec_msg v;
    ec_id to;
    CHECK_EQ_INT(drain(&s, EC_MSG_VOTE, &v, &to), 1);
    CHECK(ec_id_cmp(&to, &far) == 0 && v.u.vote.v.values[0] == EC_MSG_VOTE_VALID);
    /* Committed and forgotten: the commit attestation. */
    ec_msg pos = vote1(&cid, EC_MSG_VOTE_VALID);
    for (int i = 0; i < 4; i++) send_msg(&s, 1100, &s.peer[i], &pos);
    CHECK_EQ_INT(ec_node_stats_get(s.node)->committed, 1);
    ec_node_tick(s.node, 1100 + 61000);
    CHECK_EQ_INT(ec_node_pending(s.node), 0);
    drain(&s, EC_MSG_VOTE, NULL, NULL);
    send_msg(&s, 63000, &far, &q);
    CHECK_EQ_INT(drain(&s, EC_MSG_VOTE, &v, NULL), 1);
    CHECK_EQ_INT(v.u.vote.v.values[0], EC_MSG_VOTE_VALID);
    CHECK(v.u.vote.v.version >= 0x80000000u); /* a decided answer */
    solo_close(&s);
}

static void test_the_event_queue_is_bounded(void)
{
    ec_id token = tu_id(0x61, 5);
    solo s;
    ec_node_config cfg;
    solo_open(&s, &token);
    ec_node_config_default(&cfg);
    cfg.events_max = 2;
    solo_reopen(&s, &cfg);
    for (int k = 0; k < 5; k++) {
        ec_id t = token;
        t.b[31] ^= (uint8_t)(0x10 + k);
        ec_tx c = tu_tx1(&t, &bob, NULL, &bob, 1000);
        ec_node_submit(s.node, 1000, &c);
    }
    ec_node_tick(s.node, 70000); /* all five time out */
    CHECK_EQ_INT(ec_node_stats_get(s.node)->dropped_events_full, 3);
    CHECK_EQ_INT(events(&s, EC_NODE_EV_TIMED_OUT, NULL), 2);
    solo_close(&s);
}

int main(void)
{
    if (ec_crypto_init()) return 1;
    tu_key(&alice, 1);
    tu_key(&bob, 2);
    RUN(test_committed_is_reported_once);
    RUN(test_refused_when_a_quorum_is_out_of_reach);
    RUN(test_timed_out_without_an_outcome);
    RUN(test_members_answer_get_votes);
    RUN(test_the_event_queue_is_bounded);
    return TEST_REPORT("events");
}
