/* Routed transactions: forwarded toward their target without state; the
 * first member on the way spreads them in the neighborhood and tells the
 * coordinator who the members are. */
#include <stdlib.h>
#include <string.h>

#include "node_util.h"

static ec_msg routed(const ec_tx *tx, uint8_t hops, uint8_t route, const ec_id *origin)
{
    ec_msg m;
    size_t len;
    memset(&m, 0, sizeof m);
    m.type = EC_MSG_TX;
    m.u.tx.hops = hops;
    m.u.tx.route = route;
    m.u.tx.origin = *origin;
    ec_tx_encode(tx, m.u.tx.bytes, sizeof m.u.tx.bytes, &len);
    m.u.tx.len = (uint16_t)len;
    return m;
}

static void test_a_non_member_forwards_toward_the_target_and_keeps_nothing(void)
{
    ec_id token = tu_id(0x42, 7), far = tu_id(0x99, 1), origin = tu_id(0x05, 5);
    ec_keypair k1;
    tu_key(&k1, 1);
    ec_tx tx = tu_tx1(&token, &k1, NULL, &k1, 1000);
    solo s;
    solo_open(&s, &far); /* we and our peers sit near `far`, not near the token */
    /* Eight peers near the token: we are not among its 8 nearest. */
    ec_id nearest = token;
    for (int i = 7; i >= 0; i--) {
        nearest = token;
        nearest.b[31] ^= (uint8_t)(0x10 * (i + 1)); /* i = 0 is the nearest */
        CHECK_EQ_INT(ec_node_add_peer(s.node, &nearest, NULL), EC_OK);
    }
    CHECK(!ec_node_responsible(s.node, &token));
    ec_msg m = routed(&tx, 5, 0, &origin);
    send_msg(&s, 1000, &s.peer[0], &m);
    ec_msg out;
    ec_id to;
    CHECK_EQ_INT(drain(&s, EC_MSG_TX, &out, &to), 1);
    CHECK(ec_id_cmp(&to, &nearest) == 0);
    CHECK_EQ_INT(out.u.tx.hops, 4);
    CHECK_EQ_INT(out.u.tx.route, 0);
    CHECK(ec_id_cmp(&out.u.tx.origin, &origin) == 0);
    CHECK_EQ_INT(ec_node_pending(s.node), 0);
    /* Out of hops: dropped. */
    m = routed(&tx, 1, 0, &origin);
    send_msg(&s, 1000, &s.peer[0], &m);
    CHECK_EQ_INT(drain(&s, EC_MSG_TX, NULL, NULL), 0);
    /* A route to a mapping the transaction does not have: malformed. */
    uint64_t bad = ec_node_stats_get(s.node)->dropped_malformed;
    m = routed(&tx, 5, 3, &origin);
    send_msg(&s, 1000, &s.peer[0], &m);
    CHECK_EQ_INT(ec_node_stats_get(s.node)->dropped_malformed, bad + 1);
    solo_close(&s);
}

static void test_the_first_member_spreads_it_and_tells_the_origin(void)
{
    ec_id token = tu_id(0x42, 7), origin = tu_id(0x05, 5), hop = tu_id(0x06, 6);
    ec_keypair k1;
    tu_key(&k1, 1);
    ec_tx tx = tu_tx1(&token, &k1, NULL, &k1, 1000);
    solo s;
    solo_open(&s, &token); /* we are the nearest to the token */
    ec_msg m = routed(&tx, 5, 0, &origin);
    send_msg(&s, 1000, &hop, &m);
    int spread = 0, votes = 0, answers = 0;
    ec_id to;
    uint8_t buf[EC_MSG_MAX];
    size_t len;
    while (ec_node_next_out(s.node, &to, NULL, buf, sizeof buf, &len) == EC_OK) {
        ec_msg o;
        CHECK_EQ_INT(ec_msg_decode(&o, buf, len), EC_OK);
        if (o.type == EC_MSG_TX) {
            spread++;
            CHECK_EQ_INT(o.u.tx.hops, 0);
            CHECK_EQ_INT(o.u.tx.route, EC_MSG_ROUTE_SPREAD);
            CHECK_EQ_INT(o.u.tx.nmembers, 8); /* our view of the neighborhood */
            CHECK(ec_id_cmp(&o.u.tx.origin, &origin) == 0); /* who has the full list */
        } else if (o.type == EC_MSG_PEERS) {
            answers++;
            CHECK(ec_id_cmp(&to, &origin) == 0);
            CHECK(ec_id_cmp(&o.u.peers.target, &token) == 0);
            bool self = false;
            for (int i = 0; i < o.u.peers.n; i++) self |= ec_id_cmp(&o.u.peers.peers[i], &s.self) == 0;
            CHECK(self); /* names its sender: a member */
        } else if (o.type == EC_MSG_VOTE) {
            votes++;
        } else {
            CHECK(o.type == EC_MSG_TX); /* nothing else: no list request */
        }
    }
    CHECK_EQ_INT(spread, 7); /* the 7 co-members */
    CHECK_EQ_INT(answers, 1);
    CHECK_EQ_INT(votes, 7);
    CHECK_EQ_INT(ec_node_pending(s.node), 1);
    solo_close(&s);
}

static ec_msg find_peers(const ec_id *target, uint8_t want)
{
    ec_msg m;
    memset(&m, 0, sizeof m);
    m.type = EC_MSG_FIND_PEERS;
    m.u.find_peers.target = *target;
    m.u.find_peers.want = want;
    return m;
}

/* The witness lookup's target is the tx id, and the witnesses hold the
 * transaction (the route spread it there) without the full member list.
 * A lookup step (want = w) is answered with the nearest peers all the
 * same; only a request for the members (want = 32) waits for the full
 * list. (It was refused: the witness lookup then timed out at every
 * witness in turn, 1 % of transactions waited 4-5 s at 2,000 nodes.) */
static void test_a_witness_holding_the_transaction_answers_lookups(void)
{
    ec_id token = tu_id(0x42, 7), other = tu_id(0x99, 1), origin = tu_id(0x05, 5);
    ec_keypair k1;
    tu_key(&k1, 1);
    ec_tx tx;
    ec_id owner = tu_owner(&k1), zero = {{0}};
    ec_tx_init(&tx, 1000);
    ec_tx_add_mapping(&tx, &token, &owner, &zero);
    ec_tx_add_mapping(&tx, &other, &owner, &zero);
    ec_tx_sign(&tx, &k1);
    ec_id id = tx_id_of(&tx);
    solo s;
    solo_open(&s, &id); /* we sit at the tx id: a witness */
    ec_msg m;
    size_t len;
    memset(&m, 0, sizeof m);
    m.type = EC_MSG_TX;
    m.u.tx.route = EC_MSG_ROUTE_SPREAD;
    m.u.tx.origin = origin;
    m.u.tx.nmembers = 2;
    m.u.tx.members[0] = s.self;
    m.u.tx.members[1] = s.peer[0];
    ec_tx_encode(&tx, m.u.tx.bytes, sizeof m.u.tx.bytes, &len);
    m.u.tx.len = (uint16_t)len;
    send_msg(&s, 1000, &s.peer[0], &m);
    CHECK_EQ_INT(ec_node_pending(s.node), 1);
    drain(&s, EC_MSG_PEERS, NULL, NULL);
    /* A lookup step for the tx id: our 8 nearest to it. */
    ec_msg q = find_peers(&id, 8), out;
    send_msg(&s, 1100, &s.peer[2], &q);
    ec_id to;
    CHECK_EQ_INT(drain(&s, EC_MSG_PEERS, &out, &to), 1);
    CHECK(ec_id_cmp(&to, &s.peer[2]) == 0);
    CHECK(ec_id_cmp(&out.u.peers.target, &id) == 0);
    CHECK_EQ_INT(out.u.peers.n, 8);
    /* A request for the members: one neighborhood's list is no answer. */
    q = find_peers(&id, 32);
    send_msg(&s, 1200, &s.peer[2], &q);
    CHECK_EQ_INT(drain(&s, EC_MSG_PEERS, NULL, NULL), 0);
    solo_close(&s);
}

int main(void)
{
    RUN(test_a_non_member_forwards_toward_the_target_and_keeps_nothing);
    RUN(test_the_first_member_spreads_it_and_tells_the_origin);
    RUN(test_a_witness_holding_the_transaction_answers_lookups);
    return TEST_REPORT("route");
}
