/* A committed head only moves forward (src/core/heads.c), whatever a
 * quorum decides or the neighborhood reports: the two cases the node fuzz
 * harness found (a quorum for a transfer earlier than our head; a quorum
 * for a sibling of an already committed transaction), the same through
 * catch-up, and the honest cases that must still work (catching up across
 * a gap in our history). */
#include <stdlib.h>
#include <string.h>

#include "node_util.h"

static ec_keypair alice, bob, carol;

static ec_id head_of(solo *s, const ec_id *token)
{
    ec_head h;
    memset(&h, 0, sizeof h);
    ec_store_get_head(s->store, token, &h);
    return h.tx_id;
}

static bool same_head(solo *s, const ec_id *token, const ec_id *want)
{
    ec_id h = head_of(s, token);
    return ec_id_cmp(&h, want) == 0;
}

static void test_a_quorum_cannot_move_a_head_back_in_time(void)
{
    ec_id token = tu_id(0x63, 1), x;
    solo s;
    solo_open(&s, &token);
    ec_tx c = tu_tx1(&token, &alice, NULL, &alice, 5000);
    tu_apply(s.store, &c, 5000, &x);
    ec_tx back = tu_tx1(&token, &bob, &x, &alice, 4000); /* extends X, but earlier */
    ec_id bid = tx_id_of(&back);
    send_tx(&s, 6000, &s.peer[0], &back);
    votes_from(&s, 6001, &bid, 5);
    const ec_node_stats *st = ec_node_stats_get(s.node);
    CHECK_EQ_INT(st->committed, 0); /* decided by the network, refused here */
    CHECK(same_head(&s, &token, &x)); /* our head did not move back */
    CHECK_EQ_INT(st->heads_refused, 1);
    solo_close(&s);
}

static void test_a_quorum_cannot_roll_a_head_back_to_a_sibling(void)
{
    ec_id token = tu_id(0x63, 2), x, x2, x3;
    solo s;
    solo_open(&s, &token);
    ec_tx c = tu_tx1(&token, &alice, NULL, &alice, 1000);
    tu_apply(s.store, &c, 1000, &x);
    ec_tx t2 = tu_tx1(&token, &alice, &x, &alice, 2000);
    tu_apply(s.store, &t2, 2000, &x2);
    ec_tx t3 = tu_tx1(&token, &alice, &x2, &alice, 3000);
    tu_apply(s.store, &t3, 3000, &x3);
    ec_tx y = tu_tx1(&token, &carol, &x, &alice, 4000); /* a sibling of X2, later than X3 */
    ec_id yid = tx_id_of(&y);
    send_tx(&s, 5000, &s.peer[0], &y);
    votes_from(&s, 5001, &yid, 5);
    const ec_node_stats *st = ec_node_stats_get(s.node);
    CHECK_EQ_INT(st->committed, 0);
    CHECK(same_head(&s, &token, &x3));
    CHECK_EQ_INT(st->conflicts_seen, 1);
    solo_close(&s);
}

static void reports(solo *s, uint64_t now, const ec_id *token, const ec_id *head)
{
    for (int i = 1; i <= 3; i++) send_mapping(s, now, &s->peer[i], token, head);
}

static void test_catch_up_never_adopts_a_sibling(void)
{
    ec_id token = tu_id(0x63, 3), x, x2, y2;
    solo s;
    solo_open(&s, &token);
    ec_tx c = tu_tx1(&token, &alice, NULL, &alice, 1000);
    tu_apply(s.store, &c, 1000, &x);
    ec_tx t2 = tu_tx1(&token, &bob, &x, &alice, 2000);
    tu_apply(s.store, &t2, 2000, &x2);
    ec_tx s2 = tu_tx1(&token, &carol, &x, &alice, 2500); /* sibling of X2, later */
    y2 = tx_id_of(&s2);
    /* A transfer from Y2 makes us vote 0 and ask; three members name Y2. */
    ec_tx z = tu_tx1(&token, &alice, &y2, &carol, 3000);
    send_tx(&s, 4000, &s.peer[0], &z);
    drain(&s, EC_MSG_GET_MAPPING, NULL, NULL);
    reports(&s, 4010, &token, &y2);
    ec_msg g;
    ec_id to;
    CHECK_EQ_INT(drain(&s, EC_MSG_GET_TX, &g, &to), 1);
    CHECK(ec_id_cmp(&g.u.get_tx.tx_id, &y2) == 0);
    send_tx(&s, 4020, &to, &s2);
    CHECK(same_head(&s, &token, &x2)); /* X2 stays */
    CHECK_EQ_INT(ec_node_stats_get(s.node)->caught_up, 0);
    CHECK_EQ_INT(ec_node_stats_get(s.node)->conflicts_seen, 1);
    solo_close(&s);
}

/* X (created, in the store), then T2 (X2) and T3 (X3) this node missed. */
static void gap_chain(solo *s, const ec_id *token, ec_id *x, ec_tx *t2, ec_id *x2, ec_tx *t3, ec_id *x3)
{
    ec_tx c = tu_tx1(token, &alice, NULL, &alice, 1000);
    tu_apply(s->store, &c, 1000, x);
    *t2 = tu_tx1(token, &bob, x, &alice, 2000);
    *x2 = tx_id_of(t2);
    *t3 = tu_tx1(token, &carol, x2, &bob, 3000);
    *x3 = tx_id_of(t3);
}

static void test_catch_up_fetches_back_across_a_gap(void)
{
    ec_id token = tu_id(0x63, 4), x, x2, x3;
    solo s;
    solo_open(&s, &token);
    ec_tx t2, t3;
    gap_chain(&s, &token, &x, &t2, &x2, &t3, &x3);
    ec_tx z = tu_tx1(&token, &alice, &x3, &carol, 4000);
    ec_id zid = tx_id_of(&z);
    send_tx(&s, 5000, &s.peer[0], &z); /* we missed X2 and X3: vote 0 */
    drain(&s, EC_MSG_GET_MAPPING, NULL, NULL);
    reports(&s, 5010, &token, &x3);
    ec_msg g;
    ec_id to;
    CHECK_EQ_INT(drain(&s, EC_MSG_GET_TX, &g, &to), 1);
    CHECK(ec_id_cmp(&g.u.get_tx.tx_id, &x3) == 0);
    send_tx(&s, 5020, &to, &t3);
    /* X3 alone does not show it descends from X: the node fetches X2. */
    CHECK(same_head(&s, &token, &x));
    CHECK_EQ_INT(drain(&s, EC_MSG_GET_TX, &g, &to), 1);
    CHECK(ec_id_cmp(&g.u.get_tx.tx_id, &x2) == 0);
    send_tx(&s, 5030, &to, &t2);
    CHECK(same_head(&s, &token, &x3));
    CHECK_EQ_INT(ec_node_stats_get(s.node)->caught_up, 1);
    ec_msg v;
    CHECK(drain(&s, EC_MSG_VOTE, &v, NULL) > 0); /* and Z's vote turns +1 */
    CHECK(ec_id_cmp(&v.u.vote.tx_id, &zid) == 0 && v.u.vote.v.values[0] == EC_MSG_VOTE_VALID);
    solo_close(&s);
}

static void test_a_decided_transaction_past_a_gap_waits_for_the_catch_up(void)
{
    ec_id token = tu_id(0x63, 5), x, x2, x3;
    solo s;
    solo_open(&s, &token);
    ec_tx t2, t3;
    gap_chain(&s, &token, &x, &t2, &x2, &t3, &x3);
    send_tx(&s, 4000, &s.peer[0], &t3);
    votes_from(&s, 4001, &x3, 5);
    const ec_node_stats *st = ec_node_stats_get(s.node);
    CHECK_EQ_INT(st->committed, 0); /* not across the gap: it waits */
    CHECK(same_head(&s, &token, &x));
    CHECK_EQ_INT(st->heads_behind, 1);
    CHECK(st->catchups_started >= 1);
    /* The catch-up brings X2 (X3 the node has): the head moves, then the
     * decided transaction commits on it. */
    drain(&s, EC_MSG_GET_MAPPING, NULL, NULL);
    reports(&s, 4010, &token, &x3);
    ec_msg g;
    ec_id to;
    CHECK_EQ_INT(drain(&s, EC_MSG_GET_TX, &g, &to), 1);
    if (ec_id_cmp(&g.u.get_tx.tx_id, &x3) == 0) {
        send_tx(&s, 4020, &to, &t3);
        CHECK_EQ_INT(drain(&s, EC_MSG_GET_TX, &g, &to), 1);
    }
    CHECK(ec_id_cmp(&g.u.get_tx.tx_id, &x2) == 0);
    send_tx(&s, 4030, &to, &t2);
    CHECK(same_head(&s, &token, &x3));
    ec_node_tick(s.node, 6000);
    CHECK_EQ_INT(st->committed, 1);
    CHECK_EQ_INT(st->heads_behind, 1); /* counted once */
    solo_close(&s);
}

static void test_a_refused_transaction_is_applied_nowhere(void)
{
    /* Two tokens, one of them on another branch here: nothing of the
     * transaction is applied (the ledger's all or nothing), and the driver
     * is not told of a commit. */
    ec_id token = tu_id(0x63, 6), other = tu_id(0x63, 7), x, x2, o;
    solo s;
    solo_open(&s, &token);
    ec_tx c = tu_tx1(&token, &alice, NULL, &alice, 1000);
    tu_apply(s.store, &c, 1000, &x);
    ec_tx t2 = tu_tx1(&token, &bob, &x, &alice, 2000);
    tu_apply(s.store, &t2, 2000, &x2);
    ec_tx co = tu_tx1(&other, &alice, NULL, &alice, 1000);
    tu_apply(s.store, &co, 1000, &o);
    ec_tx two;
    ec_id bob_o = tu_owner(&bob);
    ec_tx_init(&two, 3000);
    ec_tx_add_mapping(&two, &token, &bob_o, &x); /* a sibling of X2 */
    ec_tx_add_mapping(&two, &other, &bob_o, &o); /* fine on its own */
    ec_tx_sign(&two, &alice);
    ec_id tid = tx_id_of(&two);
    send_tx(&s, 4000, &s.peer[0], &two);
    for (int i = 0; i < 5; i++) {
        ec_msg m;
        memset(&m, 0, sizeof m);
        m.type = EC_MSG_VOTE;
        m.u.vote.tx_id = tid;
        m.u.vote.n = 2;
        m.u.vote.v.version = 1;
        m.u.vote.v.values[0] = EC_MSG_VOTE_VALID;
        m.u.vote.v.values[1] = EC_MSG_VOTE_VALID;
        send_msg(&s, 4001, &s.peer[i], &m);
    }
    const ec_node_stats *st = ec_node_stats_get(s.node);
    CHECK_EQ_INT(st->committed, 0);
    CHECK_EQ_INT(st->conflicts_seen, 1);
    CHECK(same_head(&s, &token, &x2));
    CHECK(same_head(&s, &other, &o)); /* the other token did not move either */
    CHECK(!ec_store_has_tx(s.store, &tid));
    solo_close(&s);
}

static void test_a_late_quorum_for_an_ancestor_commits_without_moving_the_head(void)
{
    /* We voted on P, then caught up past it (our head is Q, P's child):
     * P's quorum, arriving late, is already in our history: a commit, not
     * a conflict, and the head stays Q. (Found by the figures: honest
     * runs counted such commits as conflicts and left them partial.) */
    ec_id token = tu_id(0x63, 8), x, pid, qid;
    solo s;
    solo_open(&s, &token);
    ec_tx c = tu_tx1(&token, &alice, NULL, &alice, 1000);
    tu_apply(s.store, &c, 1000, &x);
    ec_tx p = tu_tx1(&token, &bob, &x, &alice, 2000);
    pid = tx_id_of(&p);
    send_tx(&s, 2500, &s.peer[0], &p);
    ec_tx q = tu_tx1(&token, &carol, &pid, &bob, 3000);
    CHECK_EQ_INT(tu_apply(s.store, &p, 3000, NULL), EC_RULE_OK); /* as a catch-up would */
    CHECK_EQ_INT(tu_apply(s.store, &q, 3000, &qid), EC_RULE_OK);
    votes_from(&s, 3500, &pid, 4);
    const ec_node_stats *st = ec_node_stats_get(s.node);
    CHECK_EQ_INT(st->committed, 1);
    CHECK_EQ_INT(st->conflicts_seen, 0);
    CHECK(same_head(&s, &token, &qid));
    solo_close(&s);
}

int main(void)
{
    if (ec_crypto_init()) return 1;
    tu_key(&alice, 1);
    tu_key(&bob, 2);
    tu_key(&carol, 3);
    RUN(test_a_quorum_cannot_move_a_head_back_in_time);
    RUN(test_a_quorum_cannot_roll_a_head_back_to_a_sibling);
    RUN(test_catch_up_never_adopts_a_sibling);
    RUN(test_catch_up_fetches_back_across_a_gap);
    RUN(test_a_decided_transaction_past_a_gap_waits_for_the_catch_up);
    RUN(test_a_refused_transaction_is_applied_nowhere);
    RUN(test_a_late_quorum_for_an_ancestor_commits_without_moving_the_head);
    return TEST_REPORT("heads");
}
