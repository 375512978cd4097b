/* A limit on everything a remote peer can grow (issue 8, part 3): each
 * test floods one table and checks that it stays within its limit, that
 * the drops are counted, and that honest work still gets through. */
#include <stdlib.h>
#include <string.h>

#include "node_util.h"

static ec_keypair alice, bob;

static void check_ok(const solo *s)
{
    const char *why = NULL;
    CHECK_EQ_INT(ec_node_check(s->node, &why), EC_OK);
    if (why) fprintf(stderr, "  invariant: %s\n", why);
}

/* An id at XOR distance with the top bit set: far from token. */
static ec_id far_sender(const ec_id *token, unsigned i)
{
    ec_id id = *token;
    id.b[0] ^= 0x80;
    id.b[1] = (uint8_t)i;
    id.b[2] = (uint8_t)(i >> 8);
    id.b[3] = (uint8_t)(i >> 16);
    return id;
}

static void test_20000_far_voters_leave_no_trace(void)
{
    ec_id token = tu_id(0x60, 1);
    solo s;
    solo_open(&s, &token);
    ec_tx c = tu_tx1(&token, &alice, NULL, &alice, 1000);
    ec_id cid = tx_id_of(&c);
    send_tx(&s, 1000, &s.peer[0], &c);
    drain(&s, EC_MSG_VOTE, NULL, NULL);
    ec_msg neg = vote1(&cid, EC_MSG_VOTE_INVALID);
    for (unsigned i = 0; i < 20000; i++) {
        ec_id from = far_sender(&token, i);
        send_msg(&s, 1000, &from, &neg);
        drain(&s, EC_MSG_VOTE, NULL, NULL);
    }
    const ec_node_stats *st = ec_node_stats_get(s.node);
    CHECK(st->votes_ineligible >= 20000);
    check_ok(&s);
    /* Their -1s never counted: four honest +1s and ours still commit. */
    ec_msg pos = vote1(&cid, EC_MSG_VOTE_VALID);
    for (int i = 0; i < 4; i++) send_msg(&s, 1001, &s.peer[i], &pos);
    CHECK_EQ_INT(st->committed, 1);
    solo_close(&s);
}

static void test_votes_before_the_transaction_are_capped_then_filtered(void)
{
    ec_id token = tu_id(0x60, 2);
    solo s;
    solo_open(&s, &token);
    ec_tx c = tu_tx1(&token, &alice, NULL, &alice, 1000);
    ec_id cid = tx_id_of(&c);
    ec_msg pos = vote1(&cid, EC_MSG_VOTE_VALID);
    /* Before the transaction nobody's eligibility is known: w per token of
     * the largest transaction (48) at most. */
    for (unsigned i = 0; i < 500; i++) {
        ec_id from = far_sender(&token, i);
        send_msg(&s, 1000, &from, &pos);
    }
    const ec_node_stats *st = ec_node_stats_get(s.node);
    CHECK_EQ_INT(st->votes_dropped_full, 500 - 48);
    check_ok(&s);
    drain(&s, EC_MSG_GET_TX, NULL, NULL);
    /* The transaction comes: the far voters' +1s are dropped, not counted. */
    send_tx(&s, 1001, &s.peer[0], &c);
    CHECK_EQ_INT(st->committed, 0);
    CHECK(st->votes_ineligible >= 48);
    for (int i = 0; i < 4; i++) send_msg(&s, 1002, &s.peer[i], &pos);
    CHECK_EQ_INT(st->committed, 1);
    check_ok(&s);
    solo_close(&s);
}

static void test_catchups_are_capped_and_counted(void)
{
    ec_id token = tu_id(0x60, 3);
    solo s;
    ec_node_config cfg;
    solo_open(&s, &token);
    ec_node_config_default(&cfg);
    cfg.catchups_max = 4;
    cfg.pending_per_peer_max = 64;
    solo_reopen(&s, &cfg);
    /* Ten transfers of ten tokens near us, each naming a head we lack. */
    for (int k = 0; k < 10; k++) {
        ec_id t = token, ghost = tu_id(0x70, (uint8_t)k);
        t.b[31] ^= (uint8_t)(0x10 + k); /* still nearest to us */
        ec_tx x = tu_tx1(&t, &bob, &ghost, &alice, 2000);
        send_tx(&s, 2000, &s.peer[0], &x);
    }
    const ec_node_stats *st = ec_node_stats_get(s.node);
    CHECK_EQ_INT(st->catchups_started, 4);
    CHECK_EQ_INT(st->dropped_catchup_full, 6);
    check_ok(&s);
    solo_close(&s);
}

static void test_a_silent_peer_is_dropped_and_its_place_freed(void)
{
    ec_id token = tu_id(0x60, 4);
    solo s;
    ec_node_config cfg;
    solo_open(&s, &token);
    ec_node_config_default(&cfg);
    cfg.bucket_size = 1; /* one place per bucket: a dead peer would hold it forever */
    cfg.route_tx = false;
    ec_node_free(s.node);
    CHECK_EQ_INT(tn_new(&s.node, &cfg, &s.self, s.store, &s.rng), EC_OK);
    ec_id dead = s.peer[7]; /* far bucket */
    CHECK_EQ_INT(ec_node_add_peer(s.node, &dead, NULL), EC_OK);
    ec_id other = dead;
    other.b[31] ^= 0x55; /* same bucket */
    CHECK_EQ_INT(ec_node_add_peer(s.node, &other, NULL), EC_ERR_RANGE);
    /* Lookups toward the dead peer's side time out, three in a row. */
    const ec_node_stats *st = ec_node_stats_get(s.node);
    uint64_t now = 1000;
    for (int k = 0; k < 3; k++) {
        ec_id t = dead;
        t.b[20] ^= (uint8_t)(k + 1);
        ec_tx x = tu_tx1(&t, &alice, NULL, &alice, now);
        CHECK_EQ_INT(ec_node_submit(s.node, now, &x), EC_OK);
        drain(&s, EC_MSG_FIND_PEERS, NULL, NULL);
        now += 600;
        ec_node_tick(s.node, now);
        drain(&s, EC_MSG_FIND_PEERS, NULL, NULL);
        now += 600;
        ec_node_tick(s.node, now);
    }
    CHECK_EQ_INT(st->peers_evicted, 1);
    CHECK_EQ_INT(ec_node_add_peer(s.node, &other, NULL), EC_OK); /* the place is free */
    check_ok(&s);
    solo_close(&s);
}

static void test_a_peer_that_answers_is_never_dropped(void)
{
    ec_id token = tu_id(0x60, 5);
    solo s;
    ec_node_config cfg;
    solo_open(&s, &token);
    ec_node_config_default(&cfg);
    cfg.bucket_size = 1; /* a full bucket: lookups there ask the peer */
    cfg.route_tx = false;
    ec_node_free(s.node);
    CHECK_EQ_INT(tn_new(&s.node, &cfg, &s.self, s.store, &s.rng), EC_OK);
    ec_id live = s.peer[7];
    CHECK_EQ_INT(ec_node_add_peer(s.node, &live, NULL), EC_OK);
    const ec_node_stats *st = ec_node_stats_get(s.node);
    uint64_t now = 1000;
    int asked = 0;
    for (int k = 0; k < 6; k++) {
        ec_id t = live;
        t.b[20] ^= (uint8_t)(k + 1);
        ec_tx x = tu_tx1(&t, &alice, NULL, &alice, now);
        ec_node_submit(s.node, now, &x);
        ec_id to;
        if (drain(&s, EC_MSG_FIND_PEERS, NULL, &to) > 0 && ec_id_cmp(&to, &live) == 0) asked++;
        now += 600;
        ec_node_tick(s.node, now);
        /* It sends something after each round (a round may hold two
         * silences: the token's lookup and the witness's): never 3 in a row. */
        {
            ec_msg g;
            memset(&g, 0, sizeof g);
            g.type = EC_MSG_GET_MAPPING;
            g.u.get_mapping.token = t;
            send_msg(&s, now, &live, &g);
        }
        drain(&s, EC_MSG_FIND_PEERS, NULL, NULL);
    }
    CHECK(asked >= 3); /* it was asked, and did not answer those */
    CHECK_EQ_INT(st->peers_evicted, 0);
    CHECK(ec_node_add_peer(s.node, &live, NULL) == EC_ERR_EXISTS);
    solo_close(&s);
}

static void test_the_outbox_is_bounded_in_bytes(void)
{
    ec_id token = tu_id(0x60, 6);
    solo s;
    ec_node_config cfg;
    solo_open(&s, &token);
    ec_node_config_default(&cfg);
    cfg.outbox_max_bytes = 4096;
    solo_reopen(&s, &cfg);
    /* Nobody drains the outbox; every find_peers asks for an answer. */
    ec_msg q;
    memset(&q, 0, sizeof q);
    q.type = EC_MSG_FIND_PEERS;
    q.u.find_peers.want = 16;
    for (int i = 0; i < 200; i++) send_msg(&s, 1000, &s.peer[i % 8], &q);
    const ec_node_stats *st = ec_node_stats_get(s.node);
    CHECK(st->dropped_outbox_full > 0);
    check_ok(&s);
    /* A small buffer: the message stays, its size is told. */
    ec_id to;
    uint8_t small[8], big[EC_MSG_MAX];
    size_t len = 0;
    CHECK_EQ_INT(ec_node_next_out(s.node, &to, NULL, small, sizeof small, &len), EC_ERR_RANGE);
    CHECK(len > sizeof small);
    size_t need = len;
    CHECK_EQ_INT(ec_node_next_out(s.node, &to, NULL, big, sizeof big, &len), EC_OK);
    CHECK_EQ_INT(len, need);
    solo_close(&s);
}

static ec_endpoint ep_of(uint8_t v, uint8_t len)
{
    ec_endpoint e;
    memset(&e, 0, sizeof e);
    e.len = len;
    memset(e.b, v, len);
    return e;
}

static void test_endpoints_heard_named_and_bounded(void)
{
    ec_id token = tu_id(0x60, 7);
    solo s;
    ec_node_config cfg;
    solo_open(&s, &token);
    ec_node_config_default(&cfg);
    cfg.endpoints_max = 4;
    cfg.bucket_size = 1;
    ec_node_free(s.node);
    CHECK_EQ_INT(tn_new(&s.node, &cfg, &s.self, s.store, &s.rng), EC_OK);
    /* A message from peer[0] at endpoint A: the answer goes to A. */
    ec_endpoint a = ep_of(0xa1, 6), b = ep_of(0xb2, 18), got;
    ec_msg q;
    memset(&q, 0, sizeof q);
    q.type = EC_MSG_FIND_PEERS;
    q.u.find_peers.target = token;
    q.u.find_peers.want = 8;
    uint8_t buf[EC_MSG_MAX];
    size_t len;
    CHECK_EQ_INT(ec_msg_encode(&q, buf, sizeof buf, &len), EC_OK);
    CHECK_EQ_INT(ec_node_recv(s.node, 1000, &s.peer[0], &a, buf, len), EC_OK);
    ec_id to;
    uint8_t out[EC_MSG_MAX];
    CHECK_EQ_INT(ec_node_next_out(s.node, &to, &got, out, sizeof out, &len), EC_OK);
    CHECK(ec_id_cmp(&to, &s.peer[0]) == 0 && got.len == 6 && memcmp(got.b, a.b, 6) == 0);
    /* Someone names peer[0] at B: hearsay does not replace what was heard. */
    ec_msg p;
    memset(&p, 0, sizeof p);
    p.type = EC_MSG_PEERS;
    p.u.peers.target = tu_id(0x99, 9); /* no lookup, no transaction: a stray list */
    p.u.peers.n = 1;
    p.u.peers.peers[0] = s.peer[0];
    p.u.peers.eps[0] = b;
    send_msg(&s, 1001, &s.peer[1], &p);
    drain(&s, EC_MSG_PEERS, NULL, NULL);
    CHECK_EQ_INT(ec_msg_encode(&q, buf, sizeof buf, &len), EC_OK);
    ec_node_recv(s.node, 1002, &s.peer[0], NULL, buf, len);
    ec_msg ans;
    CHECK_EQ_INT(ec_node_next_out(s.node, &to, &got, out, sizeof out, &len), EC_OK);
    CHECK(got.len == 6 && memcmp(got.b, a.b, 6) == 0);
    /* Its answer names the peers it knows with their endpoints. */
    CHECK_EQ_INT(ec_msg_decode(&ans, out, len), EC_OK);
    bool named = false;
    for (int i = 0; i < ans.u.peers.n; i++)
        named |= ec_id_cmp(&ans.u.peers.peers[i], &s.peer[0]) == 0 && ans.u.peers.eps[i].len == 6;
    CHECK(named);
    /* Ids outside the peer table: a book of endpoints_max, oldest out. */
    for (int i = 0; i < 10; i++) {
        ec_id far = s.peer[7];
        far.b[20] = (uint8_t)i;
        ec_endpoint e = ep_of((uint8_t)i, 4);
        ec_node_add_peer(s.node, &far, &e);
    }
    CHECK(ec_node_stats_get(s.node)->endpoints_evicted >= 5);
    check_ok(&s);
    solo_close(&s);
}

static ec_node_id_answer never_known(void *arg, const ec_id *addr, const ec_pubkey *key)
{
    (void)arg;
    (void)addr;
    (void)key;
    return EC_NODE_ID_UNKNOWN;
}

static void test_identity_questions_are_rationed(void)
{
    /* Voters named in bundles cost a forger nothing: 160 unknown ones get
     * at most 64 get_identity per re-send period. */
    ec_id token = tu_id(0x60, 8);
    solo s;
    solo_open(&s, &token);
    ec_node_free(s.node);
    ec_node_config cfg;
    ec_node_config_default(&cfg);
    ec_node_env env = {.addr = s.self, .store = s.store, .rng = &s.rng, .identity = never_known};
    CHECK_EQ_INT(ec_node_new(&s.node, &cfg, &env), EC_OK);
    for (int i = 0; i < 8; i++) ec_node_add_peer(s.node, &s.peer[i], NULL);
    ec_tx c = tu_tx1(&token, &alice, NULL, &alice, 1000);
    ec_id cid = tx_id_of(&c);
    send_tx(&s, 1000, &s.peer[0], &c);
    drain(&s, EC_MSG_VOTE, NULL, NULL);
    int asked = 0;
    for (int b = 0; b < 20; b++) {
        ec_msg m;
        memset(&m, 0, sizeof m);
        m.type = EC_MSG_VOTES;
        m.u.votes.tx_id = cid;
        m.u.votes.n = 1;
        for (int k = 0; k < 8; k++) {
            ec_msg_signed_vote *v = &m.u.votes.v[m.u.votes.count++];
            v->voter = token; /* differs in the last byte only: nearer than every peer */
            v->voter.b[31] ^= (uint8_t)(2 + 8 * b + k);
            v->version = 1;
            v->values[0] = EC_MSG_VOTE_VALID;
        }
        send_msg(&s, 1001, &s.peer[1], &m);
        asked += drain(&s, EC_MSG_GET_IDENTITY, NULL, NULL);
    }
    const ec_node_stats *st = ec_node_stats_get(s.node);
    CHECK(st->identities_unknown >= 160);
    CHECK_EQ_INT(asked, 64);
    CHECK_EQ_INT(st->identity_asks_dropped, st->identities_unknown - 64);
    CHECK_EQ_INT(st->committed, 0); /* nothing unknown counted */
    check_ok(&s);
    solo_close(&s);
}

static void test_hellos_are_rationed(void)
{
    /* Each identity record handed to the driver costs it an Argon2id:
     * unasked ones (hellos), from many senders or one sender again and
     * again, pass at most 64 per re-send period. */
    ec_id token = tu_id(0x60, 9);
    solo s;
    solo_open(&s, &token);
    ec_msg h;
    memset(&h, 0, sizeof h);
    h.type = EC_MSG_IDENTITY;
    memset(h.u.identity.record, 0x42, sizeof h.u.identity.record);
    for (int i = 0; i < 200; i++) {
        ec_id from = far_sender(&token, (unsigned)i);
        send_msg(&s, 1000, &from, &h);
    }
    for (int i = 0; i < 50; i++) send_msg(&s, 1000, &s.peer[7], &h);
    int events = 0;
    ec_node_event e;
    while (ec_node_next_event(s.node, &e) == EC_OK) events += e.type == EC_NODE_EV_VERIFY_IDENTITY;
    CHECK_EQ_INT(events, 64);
    CHECK_EQ_INT(ec_node_stats_get(s.node)->identity_asks_dropped, 250 - 64);
    /* A period later, some pass again. */
    send_msg(&s, 1000 + 1000, &s.peer[7], &h);
    CHECK_EQ_INT(ec_node_next_event(s.node, &e), EC_OK);
    check_ok(&s);
    solo_close(&s);
}

static void test_config_is_checked_with_a_named_reason(void)
{
    ec_node_config c;
    const char *why = NULL;
    ec_node_config_default(&c);
    CHECK_EQ_INT(ec_node_config_check(&c, &why), EC_OK);
    CHECK(why == NULL);
    c.quorum = 4; /* of w = 8: not a majority */
    CHECK_EQ_INT(ec_node_config_check(&c, &why), EC_ERR_ARG);
    CHECK(why && strstr(why, "majority"));
    c.unsafe_quorum = true;
    CHECK_EQ_INT(ec_node_config_check(&c, NULL), EC_OK);
    ec_node_config_default(&c);
    c.pending_max = 0;
    CHECK_EQ_INT(ec_node_config_check(&c, &why), EC_ERR_ARG);
    CHECK(why && strstr(why, "pending_max"));
    ec_node_config_default(&c);
    c.outbox_max_bytes = 10;
    CHECK_EQ_INT(ec_node_config_check(&c, &why), EC_ERR_ARG);
    CHECK(why && strstr(why, "outbox_max_bytes"));
    ec_node *n = NULL;
    ec_store *st;
    ec_rng r;
    ec_id self = tu_id(1, 1);
    ec_rng_seed(&r, 1);
    ec_store_mem_open(&st);
    CHECK_EQ_INT(tn_new(&n, &c, &self, st, &r), EC_ERR_ARG);
    CHECK(n == NULL);
    ec_store_close(st);
}

/* A full pending table takes a new transaction in the place of the
 * oldest settled one (its commit is in the store), never in the place of
 * one still being decided: three commits, then a fourth transaction is
 * taken (one settled entry reused); with three undecided ones, a new one
 * is dropped. */
static void test_full_table_reuses_settled_entries(void)
{
    ec_id token = tu_id(0x61, 1);
    solo s;
    solo_open(&s, &token);
    ec_node_config cfg;
    ec_node_config_default(&cfg);
    cfg.pending_max = 3;
    solo_reopen(&s, &cfg);
    ec_id tok[7];
    for (int k = 0; k < 7; k++) {
        tok[k] = token;
        tok[k].b[31] ^= (uint8_t)(0x10 * (k + 1)); /* same neighborhood, other tokens */
    }
    for (int k = 0; k < 3; k++) {
        ec_tx c = tu_tx1(&tok[k], &alice, NULL, &alice, 1000);
        ec_id cid = tx_id_of(&c);
        send_tx(&s, 1000, &s.peer[0], &c);
        votes_from(&s, 1000, &cid, 4);
        drain(&s, EC_MSG_VOTE, NULL, NULL);
    }
    const ec_node_stats *st = ec_node_stats_get(s.node);
    CHECK_EQ_INT(st->committed, 3);
    CHECK_EQ_INT(ec_node_pending(s.node), 3);
    ec_tx d = tu_tx1(&tok[3], &alice, NULL, &alice, 1001);
    ec_id did = tx_id_of(&d);
    send_tx(&s, 1001, &s.peer[0], &d);
    CHECK_EQ_INT(st->settled_evicted, 1);
    CHECK_EQ_INT(st->dropped_pending_full, 0);
    CHECK_EQ_INT(ec_node_pending(s.node), 3);
    votes_from(&s, 1001, &did, 4); /* and it commits */
    CHECK_EQ_INT(st->committed, 4);
    /* The table now: two settled, one just settled; three undecided
     * transactions take their places, a fourth finds none. */
    for (int k = 4; k < 7; k++) {
        ec_tx u = tu_tx1(&tok[k], &alice, NULL, &alice, 1002);
        send_tx(&s, 1002, &s.peer[0], &u);
    }
    CHECK_EQ_INT(st->settled_evicted, 4);
    CHECK_EQ_INT(st->dropped_pending_full, 0);
    ec_id tok8 = token;
    tok8.b[31] ^= 0x80;
    ec_tx v = tu_tx1(&tok8, &alice, NULL, &alice, 1003);
    send_tx(&s, 1003, &s.peer[0], &v);
    CHECK_EQ_INT(st->dropped_pending_full, 1);
    CHECK_EQ_INT(ec_node_pending(s.node), 3);
    check_ok(&s);
    solo_close(&s);
}

int main(void)
{
    if (ec_crypto_init()) return 1;
    tu_key(&alice, 1);
    tu_key(&bob, 2);
    RUN(test_20000_far_voters_leave_no_trace);
    RUN(test_votes_before_the_transaction_are_capped_then_filtered);
    RUN(test_catchups_are_capped_and_counted);
    RUN(test_a_silent_peer_is_dropped_and_its_place_freed);
    RUN(test_a_peer_that_answers_is_never_dropped);
    RUN(test_the_outbox_is_bounded_in_bytes);
    RUN(test_endpoints_heard_named_and_bounded);
    RUN(test_identity_questions_are_rationed);
    RUN(test_hellos_are_rationed);
    RUN(test_config_is_checked_with_a_named_reason);
    RUN(test_full_table_reuses_settled_entries);
    return TEST_REPORT("limits");
}
