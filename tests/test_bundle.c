/* Signed votes and vote bundles (vote_relay = bundle). */
#include <stdlib.h>
#include <string.h>

#include "core/vote_sig.h"
#include "node_util.h"

static void test_vote_signature_covers_every_field(void)
{
    ec_keypair kp;
    tu_key(&kp, 9);
    ec_id tx = tu_id(1, 2);
    ec_msg_signed_vote v;
    memset(&v, 0, sizeof v);
    v.voter = tu_id(3, 4);
    v.version = 7;
    v.values[0] = 1;
    v.values[1] = EC_MSG_VOTE_NONE;
    ec_vote_sign(&v, &kp, &tx, 2);
    CHECK(memcmp(v.key.b, kp.pub.b, EC_PUBKEY_LEN) == 0);
    CHECK_EQ_INT(ec_vote_verify(&v, &tx, 2), EC_OK);
    ec_msg_signed_vote w = v;
    w.voter.b[5] ^= 1;
    CHECK_EQ_INT(ec_vote_verify(&w, &tx, 2), EC_ERR_SIGNATURE);
    w = v;
    w.version++;
    CHECK_EQ_INT(ec_vote_verify(&w, &tx, 2), EC_ERR_SIGNATURE);
    w = v;
    w.values[0] = -1;
    CHECK_EQ_INT(ec_vote_verify(&w, &tx, 2), EC_ERR_SIGNATURE);
    w = v;
    w.sig.b[10] ^= 1;
    CHECK_EQ_INT(ec_vote_verify(&w, &tx, 2), EC_ERR_SIGNATURE);
    CHECK_EQ_INT(ec_vote_verify(&v, &tx, 1), EC_ERR_SIGNATURE); /* n is signed */
    ec_id other = tu_id(1, 3);
    CHECK_EQ_INT(ec_vote_verify(&v, &other, 2), EC_ERR_SIGNATURE);
    ec_keypair kp2;
    tu_key(&kp2, 10);
    w = v;
    w.key = kp2.pub;
    CHECK_EQ_INT(ec_vote_verify(&w, &tx, 2), EC_ERR_SIGNATURE);
}

/* ---- one node of token t1's neighborhood, on a transaction of t1 and t2 ---- */

#define NC 7 /* co-members of t1 */
#define ND 8 /* t2's neighborhood */

typedef struct duo {
    solo s;
    ec_id t1, t2, c[NC], d[ND], stranger, coord;
    ec_keypair kc[NC], kd[ND], kstranger, kself;
    ec_tx tx;
    ec_id txid;
    bool unknown; /* the driver has not verified d[0]'s identity yet */
} duo;

static ec_node_id_answer duo_identity(void *arg, const ec_id *addr, const ec_pubkey *key)
{
    const duo *u = arg;
    if (u->unknown && ec_id_cmp(addr, &u->d[0]) == 0) return EC_NODE_ID_UNKNOWN;
    const ec_keypair *k = NULL;
    for (int i = 0; i < NC; i++)
        if (ec_id_cmp(addr, &u->c[i]) == 0) k = &u->kc[i];
    for (int i = 0; i < ND; i++)
        if (ec_id_cmp(addr, &u->d[i]) == 0) k = &u->kd[i];
    if (ec_id_cmp(addr, &u->stranger) == 0) k = &u->kstranger;
    return k && memcmp(k->pub.b, key->b, EC_PUBKEY_LEN) == 0 ? EC_NODE_ID_YES : EC_NODE_ID_NO;
}

/* check: give the node the identity check; record: its identity record. */
static void duo_open_env(duo *u, bool check, const uint8_t *record)
{
    memset(u, 0, sizeof *u);
    u->t1 = tu_id(0x42, 7);
    u->t2 = tu_id(0xc2, 7);
    ec_node_config cfg;
    ec_node_config_default(&cfg);
    CHECK_EQ_INT(cfg.vote_relay, EC_VOTE_RELAY_BUNDLE);
    ec_rng_seed(&u->s.rng, 3);
    CHECK_EQ_INT(ec_store_mem_open(&u->s.store), EC_OK);
    u->s.self = u->t1;
    u->s.self.b[31] ^= 1; /* nearest to t1 */
    tu_key(&u->kself, 50);
    ec_node_env env = {.addr = u->s.self, .store = u->s.store, .rng = &u->s.rng, .key = &u->kself,
                       .record = record, .identity = check ? duo_identity : NULL, .identity_arg = u};
    CHECK_EQ_INT(ec_node_new(&u->s.node, &cfg, &env), EC_OK);
    for (int i = 0; i < NC; i++) {
        u->c[i] = u->t1;
        u->c[i].b[30] ^= (uint8_t)(i + 1);
        tu_key(&u->kc[i], (uint8_t)(60 + i));
        ec_node_add_peer(u->s.node, &u->c[i], NULL);
    }
    for (int i = 0; i < ND; i++) {
        u->d[i] = u->t2;
        u->d[i].b[30] ^= (uint8_t)(i + 1); /* d[0] nearest to t2 */
        tu_key(&u->kd[i], (uint8_t)(80 + i));
        ec_node_add_peer(u->s.node, &u->d[i], NULL);
    }
    u->stranger = u->t2;
    u->stranger.b[20] ^= 0x55; /* far from both tokens: never eligible */
    tu_key(&u->kstranger, 99);
    ec_node_add_peer(u->s.node, &u->stranger, NULL);
    u->coord = tu_id(0x07, 1);
    /* Both tokens created by one transaction: mapping 0 is t1, 1 is t2. */
    ec_keypair owner;
    tu_key(&owner, 1);
    ec_id oh = tu_owner(&owner), zero = {{0}};
    ec_tx_init(&u->tx, 1000);
    ec_tx_add_mapping(&u->tx, &u->t1, &oh, &zero);
    ec_tx_add_mapping(&u->tx, &u->t2, &oh, &zero);
    ec_tx_sign(&u->tx, &owner);
    u->txid = tx_id_of(&u->tx);
}

static void duo_open(duo *u) { duo_open_env(u, true, NULL); }

/* A signed vote on the duo's transaction. */
static ec_msg_signed_vote duo_vote(const duo *u, const ec_id *voter, const ec_keypair *kp,
                                   int8_t v1, int8_t v2)
{
    ec_msg_signed_vote v;
    memset(&v, 0, sizeof v);
    v.voter = *voter;
    v.version = 1;
    v.values[0] = v1;
    v.values[1] = v2;
    ec_vote_sign(&v, kp, &u->txid, 2);
    return v;
}

/* The coordinator's message: the transaction with the member list of both
 * tokens (naming us, or not). */
static void duo_dispatch(duo *u, bool name_us)
{
    ec_msg m;
    size_t len;
    memset(&m, 0, sizeof m);
    m.type = EC_MSG_TX;
    for (int i = 0; i < NC; i++) m.u.tx.members[m.u.tx.nmembers++] = u->c[i];
    for (int i = 0; i < ND; i++) m.u.tx.members[m.u.tx.nmembers++] = u->d[i];
    if (name_us) m.u.tx.members[m.u.tx.nmembers++] = u->s.self;
    ec_tx_encode(&u->tx, m.u.tx.bytes, sizeof m.u.tx.bytes, &len);
    m.u.tx.len = (uint16_t)len;
    send_msg(&u->s, 1000, &u->coord, &m);
}

static bool committed(duo *u)
{
    ec_head h;
    return ec_store_get_head(u->s.store, &u->t1, &h) == EC_OK && ec_id_cmp(&h.tx_id, &u->txid) == 0 &&
           ec_store_get_head(u->s.store, &u->t2, &h) == EC_OK && ec_id_cmp(&h.tx_id, &u->txid) == 0;
}

static void test_bundles_carry_a_quorum_across_neighborhoods(void)
{
    duo u;
    duo_open(&u);
    /* The coordinator's message: the member list of both tokens, then T. */
    ec_msg m;
    size_t len;
    duo_dispatch(&u, true);

    /* Our vote goes to our own neighborhood only: 7 votes, all to t1's. */
    ec_id to;
    uint8_t buf[EC_MSG_MAX];
    int votes = 0, to_t1 = 0;
    while (ec_node_next_out(u.s.node, &to, NULL, buf, sizeof buf, &len) == EC_OK) {
        ec_msg o;
        CHECK_EQ_INT(ec_msg_decode(&o, buf, len), EC_OK);
        if (o.type != EC_MSG_VOTE) continue;
        votes++;
        for (int i = 0; i < NC; i++) to_t1 += ec_id_cmp(&to, &u.c[i]) == 0;
        CHECK_EQ_INT(o.u.vote.v.values[0], EC_MSG_VOTE_VALID);
        CHECK_EQ_INT(o.u.vote.v.values[1], EC_MSG_VOTE_NONE);
        o.u.vote.v.voter = u.s.self;
        CHECK_EQ_INT(ec_vote_verify(&o.u.vote.v, &u.txid, 2), EC_OK);
    }
    CHECK_EQ_INT(votes, NC);
    CHECK_EQ_INT(to_t1, NC);

    /* Four co-members vote +1: with ours, t1 has its quorum of 5, and we
     * relay those five signed votes to two members of t2's neighborhood. */
    for (int i = 0; i < 4; i++) {
        memset(&m, 0, sizeof m);
        m.type = EC_MSG_VOTE;
        m.u.vote.tx_id = u.txid;
        m.u.vote.n = 2;
        m.u.vote.v = duo_vote(&u, &u.c[i], &u.kc[i], EC_MSG_VOTE_VALID, EC_MSG_VOTE_NONE);
        send_msg(&u.s, 1010, &u.c[i], &m);
    }
    int bundles = 0;
    while (ec_node_next_out(u.s.node, &to, NULL, buf, sizeof buf, &len) == EC_OK) {
        ec_msg o;
        CHECK_EQ_INT(ec_msg_decode(&o, buf, len), EC_OK);
        if (o.type != EC_MSG_VOTES) continue;
        bundles++;
        CHECK(ec_id_cmp(&to, &u.d[0]) == 0 || ec_id_cmp(&to, &u.d[1]) == 0);
        CHECK_EQ_INT(o.u.votes.count, 5);
        for (int k = 0; k < o.u.votes.count; k++) {
            CHECK_EQ_INT(ec_vote_verify(&o.u.votes.v[k], &u.txid, 2), EC_OK);
            CHECK_EQ_INT(o.u.votes.v[k].values[0], EC_MSG_VOTE_VALID);
        }
    }
    CHECK_EQ_INT(bundles, 2);
    CHECK(!committed(&u)); /* t2 has no votes here yet */

    /* t2's bundle: three good votes, one forged signature, one signed by a
     * key that is not the voter's, and a good vote from a non-member. */
    memset(&m, 0, sizeof m);
    m.type = EC_MSG_VOTES;
    m.u.votes.tx_id = u.txid;
    m.u.votes.n = 2;
    for (int i = 0; i < 3; i++)
        m.u.votes.v[m.u.votes.count++] = duo_vote(&u, &u.d[i], &u.kd[i], EC_MSG_VOTE_NONE, EC_MSG_VOTE_VALID);
    ec_msg_signed_vote bad = duo_vote(&u, &u.d[3], &u.kd[3], EC_MSG_VOTE_NONE, EC_MSG_VOTE_VALID);
    bad.sig.b[0] ^= 1;
    m.u.votes.v[m.u.votes.count++] = bad;
    m.u.votes.v[m.u.votes.count++] = duo_vote(&u, &u.d[4], &u.kd[5], EC_MSG_VOTE_NONE, EC_MSG_VOTE_VALID);
    m.u.votes.v[m.u.votes.count++] = duo_vote(&u, &u.stranger, &u.kstranger, EC_MSG_VOTE_NONE, EC_MSG_VOTE_VALID);
    send_msg(&u.s, 1020, &u.d[0], &m);
    CHECK_EQ_INT(ec_node_stats_get(u.s.node)->votes_relayed_bad, 2);
    CHECK(!committed(&u)); /* 3 eligible positives for t2; the stranger does not count */

    /* Two more good ones from another relayer: t2 has 5, T commits. */
    memset(&m, 0, sizeof m);
    m.type = EC_MSG_VOTES;
    m.u.votes.tx_id = u.txid;
    m.u.votes.n = 2;
    m.u.votes.count = 2;
    m.u.votes.v[0] = duo_vote(&u, &u.d[3], &u.kd[3], EC_MSG_VOTE_NONE, EC_MSG_VOTE_VALID);
    m.u.votes.v[1] = duo_vote(&u, &u.d[4], &u.kd[4], EC_MSG_VOTE_NONE, EC_MSG_VOTE_VALID);
    send_msg(&u.s, 1030, &u.d[1], &m);
    CHECK(committed(&u));
    CHECK_EQ_INT(ec_node_stats_get(u.s.node)->committed, 1);
    solo_close(&u.s);
}

static void test_without_an_identity_check_relayed_votes_do_not_count(void)
{
    duo u;
    duo_open_env(&u, false, NULL);
    ec_msg m;
    memset(&m, 0, sizeof m);
    m.type = EC_MSG_VOTES;
    m.u.votes.tx_id = u.txid;
    m.u.votes.n = 2;
    for (int i = 0; i < 5; i++)
        m.u.votes.v[m.u.votes.count++] = duo_vote(&u, &u.d[i], &u.kd[i], EC_MSG_VOTE_NONE, EC_MSG_VOTE_VALID);
    send_msg(&u.s, 1000, &u.d[0], &m);
    CHECK_EQ_INT(ec_node_stats_get(u.s.node)->votes_relayed_bad, 5);
    CHECK_EQ_INT(drain(&u.s, EC_MSG_GET_TX, NULL, NULL), 0); /* nothing counted: nothing to fetch */
    solo_close(&u.s);
}

static void test_an_unknown_identity_is_fetched_and_handed_to_the_driver(void)
{
    duo u;
    uint8_t mine[EC_MSG_IDENTITY_LEN];
    memset(mine, 0x5c, sizeof mine);
    duo_open_env(&u, true, mine);
    u.unknown = true;
    ec_msg m;
    memset(&m, 0, sizeof m);
    m.type = EC_MSG_VOTES;
    m.u.votes.tx_id = u.txid;
    m.u.votes.n = 2;
    for (int i = 0; i < 5; i++)
        m.u.votes.v[m.u.votes.count++] = duo_vote(&u, &u.d[i], &u.kd[i], EC_MSG_VOTE_NONE, EC_MSG_VOTE_VALID);
    send_msg(&u.s, 1000, &u.d[1], &m);
    const ec_node_stats *st = ec_node_stats_get(u.s.node);
    CHECK_EQ_INT(st->identities_unknown, 1);
    CHECK_EQ_INT(st->votes_relayed_bad, 1); /* not counted: not known to be d[0]'s key */
    /* The node asks d[0] itself for its record, once. */
    ec_msg q;
    ec_id to;
    CHECK_EQ_INT(drain(&u.s, EC_MSG_GET_IDENTITY, &q, &to), 1);
    CHECK(ec_id_cmp(&to, &u.d[0]) == 0 && ec_id_cmp(&q.u.get_identity.addr, &u.d[0]) == 0);
    send_msg(&u.s, 1001, &u.d[1], &m);
    CHECK_EQ_INT(drain(&u.s, EC_MSG_GET_IDENTITY, NULL, NULL), 0); /* asked recently */
    /* Its answer goes to the driver, untouched, to verify off the packet path. */
    ec_msg r;
    memset(&r, 0, sizeof r);
    r.type = EC_MSG_IDENTITY;
    for (int i = 0; i < EC_MSG_IDENTITY_LEN; i++) r.u.identity.record[i] = (uint8_t)(i + 3);
    send_msg(&u.s, 1002, &u.d[0], &r);
    ec_node_event e;
    bool seen = false;
    while (ec_node_next_event(u.s.node, &e) == EC_OK)
        if (e.type == EC_NODE_EV_VERIFY_IDENTITY) {
            seen = true;
            CHECK(ec_id_cmp(&e.from, &u.d[0]) == 0);
            CHECK_MEM(e.record, r.u.identity.record, EC_MSG_IDENTITY_LEN);
        }
    CHECK(seen);
    /* Verified: d[0]'s vote counts at its next relay. */
    u.unknown = false;
    uint64_t bad = st->votes_relayed_bad;
    memset(&m.u.votes.v[1], 0, sizeof m.u.votes.v[1]);
    m.u.votes.count = 1;
    send_msg(&u.s, 2000, &u.d[2], &m);
    CHECK_EQ_INT(st->votes_relayed_bad, bad);
    /* A node answers get_identity with its own record only. */
    q.u.get_identity.addr = u.s.self;
    send_msg(&u.s, 2001, &u.d[3], &q);
    CHECK_EQ_INT(drain(&u.s, EC_MSG_IDENTITY, &r, &to), 1);
    CHECK(ec_id_cmp(&to, &u.d[3]) == 0);
    CHECK_MEM(r.u.identity.record, mine, EC_MSG_IDENTITY_LEN);
    q.u.get_identity.addr = u.d[4];
    send_msg(&u.s, 2002, &u.d[3], &q);
    CHECK_EQ_INT(drain(&u.s, EC_MSG_IDENTITY, NULL, NULL), 0);
    CHECK_EQ_INT(ec_node_hello(u.s.node, &u.d[5]), EC_OK);
    CHECK_EQ_INT(drain(&u.s, EC_MSG_IDENTITY, NULL, NULL), 1);
    solo_close(&u.s);
}

static void test_a_member_the_list_misses_asks_the_other_tokens_at_once(void)
{
    duo u;
    duo_open(&u);
    /* The coordinator's list names t1's other members and t2's, not us. */
    size_t len;
    duo_dispatch(&u, false);
    /* Our vote goes to t1's members as usual, and to two of t2's: their
     * bundle-relayers aim by the list, so they would not think of us. */
    ec_id to;
    uint8_t buf[EC_MSG_MAX];
    int to_t1 = 0, to_t2 = 0;
    while (ec_node_next_out(u.s.node, &to, NULL, buf, sizeof buf, &len) == EC_OK) {
        ec_msg o;
        CHECK_EQ_INT(ec_msg_decode(&o, buf, len), EC_OK);
        if (o.type != EC_MSG_VOTE) continue;
        for (int i = 0; i < NC; i++) to_t1 += ec_id_cmp(&to, &u.c[i]) == 0;
        for (int i = 0; i < ND; i++) to_t2 += ec_id_cmp(&to, &u.d[i]) == 0;
    }
    CHECK_EQ_INT(to_t1, NC);
    CHECK_EQ_INT(to_t2, 2);
    solo_close(&u.s);
}

/* A member that got the transaction spread in its neighborhood waits for
 * the coordinator's full list (its bundles are aimed by it). A bundle from
 * another token's member shows the list went out (relayers aim by it): ours
 * was lost or is late, so it asks that member for it at once, once. */
static void test_a_bundle_before_the_list_asks_its_sender_for_the_list(void)
{
    duo u;
    duo_open(&u);
    ec_msg m;
    size_t len;
    memset(&m, 0, sizeof m);
    m.type = EC_MSG_TX;
    m.u.tx.route = EC_MSG_ROUTE_SPREAD;
    m.u.tx.origin = u.coord;
    for (int i = 0; i < NC; i++) m.u.tx.members[m.u.tx.nmembers++] = u.c[i];
    m.u.tx.members[m.u.tx.nmembers++] = u.s.self;
    ec_tx_encode(&u.tx, m.u.tx.bytes, sizeof m.u.tx.bytes, &len);
    m.u.tx.len = (uint16_t)len;
    send_msg(&u.s, 1000, &u.c[0], &m);
    CHECK(drain(&u.s, EC_MSG_VOTE, NULL, NULL) > 0);
    CHECK_EQ_INT(drain(&u.s, EC_MSG_FIND_PEERS, NULL, NULL), 0); /* spread: wait for the list */
    for (int r = 0; r < 2; r++) {
        memset(&m, 0, sizeof m);
        m.type = EC_MSG_VOTES;
        m.u.votes.tx_id = u.txid;
        m.u.votes.n = 2;
        for (int i = 0; i < 5; i++)
            m.u.votes.v[m.u.votes.count++] = duo_vote(&u, &u.d[i], &u.kd[i], EC_MSG_VOTE_NONE, EC_MSG_VOTE_VALID);
        send_msg(&u.s, 1100, &u.d[r], &m);
        ec_msg q;
        ec_id to;
        CHECK_EQ_INT(drain(&u.s, EC_MSG_FIND_PEERS, &q, &to), r == 0 ? 1 : 0);
        if (r == 0) {
            CHECK(ec_id_cmp(&to, &u.d[0]) == 0);
            CHECK(ec_id_cmp(&q.u.find_peers.target, &u.txid) == 0);
            CHECK_EQ_INT(q.u.find_peers.want, EC_MSG_PEERS_MAX); /* the members, not a lookup */
        }
    }
    solo_close(&u.s);
}

int main(void)
{
    RUN(test_vote_signature_covers_every_field);
    RUN(test_bundles_carry_a_quorum_across_neighborhoods);
    RUN(test_without_an_identity_check_relayed_votes_do_not_count);
    RUN(test_a_member_the_list_misses_asks_the_other_tokens_at_once);
    RUN(test_an_unknown_identity_is_fetched_and_handed_to_the_driver);
    RUN(test_a_bundle_before_the_list_asks_its_sender_for_the_list);
    return TEST_REPORT("bundle");
}
