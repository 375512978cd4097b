/* Group commit (src/core/durable.c): in a batch, the durable writes of many
 * inputs share one store transaction and nothing queued meanwhile leaves
 * before it commits; a failed batch is as if the node had crashed. */
#include <stdlib.h>
#include <string.h>

#include "flaky_store.h"
#include "node_util.h"

static ec_keypair alice, bob;

/* k creates of tokens near us, delivered by peer[0]. */
static void deliver_creates(solo *s, int k, ec_id *ids)
{
    for (int i = 0; i < k; i++) {
        ec_id t = s->self;
        t.b[31] ^= (uint8_t)(0x40 + i);
        ec_tx c = tu_tx1(&t, &alice, NULL, &alice, 1000);
        ids[i] = tx_id_of(&c);
        send_tx(s, 1000, &s->peer[0], &c);
    }
}

static void test_a_batch_holds_messages_until_one_commit(void)
{
    ec_id token = tu_id(0x62, 1), ids[16];
    solo s;
    solo_open(&s, &token);
    ec_node_free(s.node);
    flaky f = {{&fl_vt, &f}, s.store, false, 0};
    s.node = solo_node(&s, NULL, &f.store);
    CHECK_EQ_INT(ec_node_batch_begin(s.node), EC_OK);
    CHECK_EQ_INT(ec_node_batch_begin(s.node), EC_ERR_ARG);
    deliver_creates(&s, 16, ids);
    ec_id to;
    uint8_t buf[EC_MSG_MAX];
    size_t len;
    /* Sixteen +1 votes decided, none out: their records are not durable. */
    CHECK_EQ_INT(ec_node_next_out(s.node, &to, NULL, buf, sizeof buf, &len), EC_ERR_NOTFOUND);
    CHECK_EQ_INT(f.commits, 0);
    CHECK_EQ_INT(ec_node_batch_end(s.node), EC_OK);
    CHECK_EQ_INT(f.commits, 1); /* one store commit for sixteen records */
    ec_store_counts c;
    ec_store_counts_get(s.store, &c);
    CHECK_EQ_INT(c.votes, 16);
    int votes = drain(&s, EC_MSG_VOTE, NULL, NULL);
    CHECK(votes >= 16);
    CHECK_EQ_INT(ec_node_batch_end(s.node), EC_ERR_ARG);
    /* Outside a batch each record is its own commit again. */
    ec_id t = s.self;
    t.b[30] ^= 0x01;
    ec_tx x = tu_tx1(&t, &bob, NULL, &bob, 1000);
    send_tx(&s, 1000, &s.peer[0], &x);
    CHECK_EQ_INT(f.commits, 2);
    CHECK(drain(&s, EC_MSG_VOTE, NULL, NULL) > 0);
    solo_close(&s);
}

static void count_log(void *arg, int level, const char *msg)
{
    if (level == 0 && strstr(msg, "rolled back")) (*(int *)arg)++;
}

static void test_a_failed_batch_is_a_crash_before_it(void)
{
    ec_id token = tu_id(0x62, 2), ids[4];
    solo s;
    solo_open(&s, &token);
    ec_node_free(s.node);
    flaky f = {{&fl_vt, &f}, s.store, false, 0};
    int logged = 0;
    ec_node_config cfg;
    ec_node_config_default(&cfg);
    ec_node_env env = {.addr = s.self, .store = &f.store, .rng = &s.rng, .log = count_log, .log_arg = &logged};
    CHECK_EQ_INT(ec_node_new(&s.node, &cfg, &env), EC_OK);
    for (int i = 0; i < 8; i++) ec_node_add_peer(s.node, &s.peer[i], NULL);
    ec_node_batch_begin(s.node);
    deliver_creates(&s, 4, ids);
    CHECK_EQ_INT(ec_node_pending(s.node), 4);
    f.fail_commit = true;
    CHECK(ec_node_batch_end(s.node) != EC_OK);
    f.fail_commit = false;
    const ec_node_stats *st = ec_node_stats_get(s.node);
    CHECK_EQ_INT(st->batches_failed, 1);
    CHECK_EQ_INT(logged, 1); /* the driver's log hears of it */
    /* Nothing left: no vote, no record, no pending transaction. */
    CHECK_EQ_INT(drain(&s, EC_MSG_VOTE, NULL, NULL), 0);
    ec_store_counts c;
    ec_store_counts_get(s.store, &c);
    CHECK_EQ_INT(c.votes, 0);
    CHECK_EQ_INT(ec_node_pending(s.node), 0);
    const char *why = NULL;
    CHECK_EQ_INT(ec_node_check(s.node, &why), EC_OK);
    /* The network re-sends: the node votes as if it had never seen them. */
    ec_id again[4];
    deliver_creates(&s, 4, again);
    CHECK_EQ_INT(drain(&s, EC_MSG_VOTE, NULL, NULL) >= 4, 1);
    ec_store_counts_get(s.store, &c);
    CHECK_EQ_INT(c.votes, 4);
    solo_close(&s);
}

static void count_commit(void *arg, ec_node *node, uint64_t now, const ec_id *tx_id, const ec_tx *tx)
{
    (void)node;
    (void)now;
    (void)tx_id;
    (void)tx;
    (*(int *)arg)++;
}

static void test_commits_in_a_batch_are_reported_when_durable(void)
{
    ec_id token = tu_id(0x62, 3), ids[1];
    solo s;
    solo_open(&s, &token);
    int commits = 0;
    ec_node_free(s.node);
    ec_node_config cfg;
    ec_node_config_default(&cfg);
    ec_node_env env = {.addr = s.self, .store = s.store, .rng = &s.rng, .on_commit = count_commit,
                       .on_commit_arg = &commits};
    CHECK_EQ_INT(ec_node_new(&s.node, &cfg, &env), EC_OK);
    for (int i = 0; i < 8; i++) ec_node_add_peer(s.node, &s.peer[i], NULL);
    ec_node_batch_begin(s.node);
    deliver_creates(&s, 1, ids);
    ec_msg pos;
    memset(&pos, 0, sizeof pos);
    pos.type = EC_MSG_VOTE;
    pos.u.vote.tx_id = ids[0];
    pos.u.vote.n = 1;
    pos.u.vote.v.version = 1;
    pos.u.vote.v.values[0] = EC_MSG_VOTE_VALID;
    for (int i = 0; i < 4; i++) send_msg(&s, 1001, &s.peer[i], &pos);
    CHECK_EQ_INT(ec_node_stats_get(s.node)->committed, 1);
    ec_head h;
    ec_id t = s.self;
    t.b[31] ^= 0x40;
    CHECK_EQ_INT(ec_store_get_head(s.store, &t, &h), EC_OK); /* visible inside the batch */
    CHECK_EQ_INT(commits, 0); /* not durable yet: the driver is not told */
    CHECK_EQ_INT(ec_node_batch_end(s.node), EC_OK);
    CHECK_EQ_INT(commits, 1);
    CHECK_EQ_INT(ec_store_get_head(s.store, &t, &h), EC_OK);
    CHECK(ec_id_cmp(&h.tx_id, &ids[0]) == 0);
    solo_close(&s);
}

int main(void)
{
    if (ec_crypto_init()) return 1;
    tu_key(&alice, 1);
    tu_key(&bob, 2);
    RUN(test_a_batch_holds_messages_until_one_commit);
    RUN(test_a_failed_batch_is_a_crash_before_it);
    RUN(test_commits_in_a_batch_are_reported_when_durable);
    return TEST_REPORT("batch");
}
