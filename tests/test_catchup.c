/* History catch-up: a member that lacks a token's history learns the head
 * from its co-members (get_mapping), fetches it (get_tx) and re-votes. */
#include <stdlib.h>
#include <string.h>

#include "node_util.h"

static void test_agreed_head_is_fetched_applied_and_the_vote_turns_positive(void)
{
    ec_id token = tu_id(0x42, 7);
    ec_keypair k1, k2;
    tu_key(&k1, 1);
    tu_key(&k2, 2);
    ec_tx h = tu_tx1(&token, &k1, NULL, &k1, 1000);
    ec_id hid = tx_id_of(&h), fake = tu_id(0x99, 9);
    ec_tx t = tu_tx1(&token, &k2, &hid, &k1, 2000);
    solo s;
    solo_open(&s, &token);

    /* The transfer arrives; we never saw the create: vote 0, ask around. */
    send_tx(&s, 3000, &s.peer[0], &t);
    ec_msg v;
    CHECK(drain(&s, EC_MSG_VOTE, &v, NULL) > 0);
    CHECK_EQ_INT(v.u.vote.v.values[0], EC_MSG_VOTE_OUT_OF_ORDER);
    CHECK_EQ_INT(ec_node_stats_get(s.node)->catchups_started, 1);

    /* Two liars and a non-member do not make an agreement. */
    send_mapping(&s, 3010, &s.peer[1], &token, &fake);
    send_mapping(&s, 3010, &s.peer[2], &token, &fake);
    send_mapping(&s, 3010, &s.peer[7], &token, &fake);
    CHECK_EQ_INT(drain(&s, EC_MSG_GET_TX, NULL, NULL), 0);
    /* Three members naming the real head do: it is fetched from one of them. */
    send_mapping(&s, 3020, &s.peer[3], &token, &hid);
    send_mapping(&s, 3020, &s.peer[4], &token, &hid);
    CHECK_EQ_INT(drain(&s, EC_MSG_GET_TX, NULL, NULL), 0);
    send_mapping(&s, 3020, &s.peer[5], &token, &hid);
    ec_msg g;
    ec_id asked;
    CHECK_EQ_INT(drain(&s, EC_MSG_GET_TX, &g, &asked), 1);
    CHECK(ec_id_cmp(&g.u.get_tx.tx_id, &hid) == 0);
    CHECK(ec_id_cmp(&asked, &s.peer[3]) == 0 || ec_id_cmp(&asked, &s.peer[4]) == 0 ||
          ec_id_cmp(&asked, &s.peer[5]) == 0);

    /* The head comes: stored, and the vote goes out again as +1, version 2. */
    send_tx(&s, 3030, &asked, &h);
    ec_head head;
    CHECK_EQ_INT(ec_store_get_head(s.store, &token, &head), EC_OK);
    CHECK(ec_id_cmp(&head.tx_id, &hid) == 0);
    CHECK(ec_store_has_tx(s.store, &hid));
    CHECK_EQ_INT(ec_node_stats_get(s.node)->caught_up, 1);
    CHECK_EQ_INT(drain(&s, EC_MSG_VOTE, &v, NULL), 7); /* to every co-member */
    CHECK_EQ_INT(v.u.vote.v.values[0], EC_MSG_VOTE_VALID);
    CHECK_EQ_INT(v.u.vote.v.version, 2);
    solo_close(&s);
}

static void test_a_head_nobody_has_makes_the_mapping_invalid(void)
{
    ec_id token = tu_id(0x43, 8), ghost = tu_id(0x77, 7);
    ec_keypair k1;
    tu_key(&k1, 1);
    ec_tx t = tu_tx1(&token, &k1, &ghost, &k1, 2000); /* extends a head nobody has */
    solo s;
    solo_open(&s, &token);
    send_tx(&s, 3000, &s.peer[0], &t);
    drain(&s, EC_MSG_VOTE, NULL, NULL);
    for (int i = 1; i <= 3; i++) send_mapping(&s, 3010, &s.peer[i], &token, NULL);
    ec_msg v;
    CHECK_EQ_INT(drain(&s, EC_MSG_VOTE, &v, NULL), 7);
    CHECK_EQ_INT(v.u.vote.v.values[0], EC_MSG_VOTE_INVALID);
    CHECK_EQ_INT(ec_node_stats_get(s.node)->caught_up, 0);
    ec_head head;
    CHECK_EQ_INT(ec_store_get_head(s.store, &token, &head), EC_ERR_NOTFOUND);
    solo_close(&s);
}

static void test_unanswered_catchup_is_retried_then_given_up(void)
{
    ec_id token = tu_id(0x44, 9), ghost = tu_id(0x78, 7);
    ec_keypair k1;
    tu_key(&k1, 1);
    ec_tx t = tu_tx1(&token, &k1, &ghost, &k1, 2000);
    solo s;
    solo_open(&s, &token);
    send_tx(&s, 3000, &s.peer[0], &t);
    CHECK_EQ_INT(drain(&s, EC_MSG_GET_MAPPING, NULL, NULL), 7);
    /* Nobody answers: asked again at each timeout (the PTO, doubled each
     * time: 1, 2, 4, 8 s before any round trip is measured), 5 times in
     * all. */
    int asks = 0;
    for (uint64_t now = 3000; now < 3000 + 40000; now += 250) {
        ec_node_tick(s.node, now);
        asks += drain(&s, EC_MSG_GET_MAPPING, NULL, NULL);
    }
    CHECK(asks >= 7 * 4);
    CHECK(ec_node_stats_get(s.node)->catchups_failed >= 1);
    solo_close(&s);
}

static void test_a_stored_but_newer_previous_head_means_behind_not_invalid(void)
{
    ec_id token = tu_id(0x45, 1);
    ec_keypair k1, k2;
    tu_key(&k1, 1);
    tu_key(&k2, 2);
    /* Our head for the token is its create (ts 1000); we also hold a later
     * transfer P of it (ts 3000, stored by a catch-up of another of its
     * tokens) whose own previous head we never saw. */
    ec_tx create = tu_tx1(&token, &k1, NULL, &k1, 1000);
    ec_id cid = tx_id_of(&create), missing = tu_id(0x66, 6);
    ec_tx pt = tu_tx1(&token, &k2, &missing, &k1, 3000);
    ec_id pid = tx_id_of(&pt);
    solo s;
    solo_open(&s, &token);
    uint8_t buf[EC_TX_MAX_LEN];
    size_t len;
    ec_head h = {cid, 1000, tu_owner(&k1)};
    CHECK_EQ_INT(ec_store_begin(s.store), EC_OK);
    ec_tx_encode(&create, buf, sizeof buf, &len);
    ec_store_put_tx(s.store, &cid, buf, len);
    ec_store_put_head(s.store, &token, &h);
    ec_tx_encode(&pt, buf, sizeof buf, &len);
    ec_store_put_tx(s.store, &pid, buf, len);
    CHECK_EQ_INT(ec_store_commit(s.store), EC_OK);
    /* A transfer extending P: we are behind, not looking at a conflict. */
    ec_tx t = tu_tx1(&token, &k1, &pid, &k2, 4000);
    send_tx(&s, 5000, &s.peer[0], &t);
    ec_msg v;
    CHECK(drain(&s, EC_MSG_VOTE, &v, NULL) > 0);
    CHECK_EQ_INT(v.u.vote.v.values[0], EC_MSG_VOTE_OUT_OF_ORDER);
    CHECK_EQ_INT(ec_node_stats_get(s.node)->catchups_started, 1);
    solo_close(&s);
}

/* ---- a small network: 9 nodes that know each other ---- */

#define NET_N 9

typedef struct net {
    ec_store *store[NET_N];
    ec_rng rng[NET_N];
    ec_node *node[NET_N];
    ec_id addr[NET_N];
    bool down[NET_N];
    uint64_t now;
} net;

static void net_open(net *t)
{
    ec_node_config cfg;
    ec_node_config_default(&cfg);
    memset(t, 0, sizeof *t);
    t->now = 1000;
    for (int i = 0; i < NET_N; i++) {
        t->addr[i] = tu_id((uint8_t)(0x10 * (i + 1)), (uint8_t)i);
        ec_rng_seed(&t->rng[i], (uint64_t)i + 1);
        CHECK_EQ_INT(ec_store_mem_open(&t->store[i]), EC_OK);
        CHECK_EQ_INT(tn_new(&t->node[i], &cfg, &t->addr[i], t->store[i], &t->rng[i]), EC_OK);
    }
    for (int i = 0; i < NET_N; i++)
        for (int j = 0; j < NET_N; j++)
            if (i != j) ec_node_add_peer(t->node[i], &t->addr[j], NULL);
}

static void net_close(net *t)
{
    for (int i = 0; i < NET_N; i++) {
        ec_node_free(t->node[i]);
        ec_store_close(t->store[i]);
    }
}

/* Runs ms of time: every message is delivered at once (to up nodes),
 * timers every 50 ms. */
static void net_run(net *t, uint64_t ms)
{
    for (uint64_t end = t->now + ms; t->now < end; t->now += 50) {
        bool moved = true;
        while (moved) {
            moved = false;
            for (int i = 0; i < NET_N; i++) {
                ec_id to;
                uint8_t buf[EC_MSG_MAX];
                size_t len;
                while (!t->down[i] && ec_node_next_out(t->node[i], &to, NULL, buf, sizeof buf, &len) == EC_OK) {
                    moved = true;
                    for (int j = 0; j < NET_N; j++)
                        if (!t->down[j] && ec_id_cmp(&t->addr[j], &to) == 0)
                            ec_node_recv(t->node[j], t->now, &t->addr[i], NULL, buf, len);
                }
            }
        }
        for (int i = 0; i < NET_N; i++)
            if (!t->down[i]) ec_node_tick(t->node[i], t->now);
    }
}

static bool head_is(net *t, int i, const ec_id *token, const ec_id *tx)
{
    ec_head h;
    return ec_store_get_head(t->store[i], token, &h) == EC_OK && ec_id_cmp(&h.tx_id, tx) == 0;
}

static void test_a_member_that_missed_history_catches_up_and_completes_the_quorum(void)
{
    net t;
    net_open(&t);
    ec_id token = tu_id(0x15, 1);
    int members[NET_N], nm = 0, outsider = -1;
    for (int i = 0; i < NET_N; i++) {
        if (ec_node_responsible(t.node[i], &token)) members[nm++] = i;
        else outsider = i;
    }
    CHECK_EQ_INT(nm, 8);
    ec_keypair k1, k2;
    tu_key(&k1, 1);
    tu_key(&k2, 2);

    /* The create commits while member X is down (7 of 8 vote). */
    int x = members[0];
    t.down[x] = true;
    ec_tx a = tu_tx1(&token, &k1, NULL, &k1, t.now);
    ec_id aid = tx_id_of(&a);
    CHECK_EQ_INT(ec_node_submit(t.node[outsider], t.now, &a), EC_OK);
    net_run(&t, 3000);
    for (int m = 1; m < nm; m++) CHECK(head_is(&t, members[m], &token, &aid));
    CHECK(!ec_store_has_tx(t.store[x], &aid));

    /* X is back, three others are down: the transfer has 4 up-to-date
     * members, one short of the quorum of 5, unless X catches up. */
    t.down[x] = false;
    for (int m = 1; m <= 3; m++) t.down[members[m]] = true;
    ec_tx b = tu_tx1(&token, &k2, &aid, &k1, t.now);
    ec_id bid = tx_id_of(&b);
    CHECK_EQ_INT(ec_node_submit(t.node[outsider], t.now, &b), EC_OK);
    net_run(&t, 8000);
    CHECK_EQ_INT(ec_node_stats_get(t.node[x])->caught_up, 1);
    CHECK(ec_store_has_tx(t.store[x], &aid));
    CHECK(head_is(&t, x, &token, &bid));
    for (int m = 4; m < nm; m++) CHECK(head_is(&t, members[m], &token, &bid));
    CHECK_EQ_INT(ec_node_stats_get(t.node[x])->conflicts_seen, 0);
    net_close(&t);
}

int main(void)
{
    RUN(test_agreed_head_is_fetched_applied_and_the_vote_turns_positive);
    RUN(test_a_head_nobody_has_makes_the_mapping_invalid);
    RUN(test_unanswered_catchup_is_retried_then_given_up);
    RUN(test_a_stored_but_newer_previous_head_means_behind_not_invalid);
    RUN(test_a_member_that_missed_history_catches_up_and_completes_the_quorum);
    return TEST_REPORT("catchup");
}
