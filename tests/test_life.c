/* The peer lifecycle (core/life.h, core/life.c) on a small network of
 * real cores passing messages in memory: an election admits a storing
 * peer after three passed storage proofs and invites it, whose
 * counter-election admits us; a challenge lost in an election is asked
 * again, two lose it; a peer storing half loses and waits; a
 * connected peer that stops answering is dropped after two timeouts; a
 * convicted one is ejected at once; the swap scheduler lets the
 * longest-connected go and another candidate is elected; an invitation
 * from a peer that is not among our candidates is ignored; with
 * life_votes only elected peers' votes count; an elected neighbor's chain
 * is synced at once. ec_node_check holds throughout. */
#include <stdlib.h>
#include <string.h>

#include "core/evidence.h"
#include "core/life.h"
#include "core/node.h"
#include "core/vote_sig.h"
#include "crypto/blake3.h"
#include "evidence_util.h"
#include "ledger_util.h"
#include "node_env.h"
#include "test.h"

#define MAXN 12
#define UNIVERSE 6000

typedef struct net {
    unsigned n;
    ec_node *node[MAXN];
    ec_store *s[MAXN];
    ec_rng rng[MAXN];
    ec_id addr[MAXN];
    ec_keypair key[MAXN]; /* signing keys: chains are cut and served */
    bool down[MAXN];
    uint64_t now;
} net;

static ec_id head_of(const ec_id *t)
{
    ec_id h;
    ec_blake3_hash(t->b, EC_ID_LEN, h.b);
    return h;
}

/* The universe (seed 7); a store keeps each token with probability p. */
static void fill(ec_store *s, double p, uint64_t keep_seed)
{
    ec_rng u, k;
    ec_rng_seed(&u, 7);
    ec_rng_seed(&k, keep_seed);
    CHECK_EQ_INT(ec_store_begin(s), EC_OK);
    for (unsigned i = 0; i < UNIVERSE; i++) {
        ec_id t;
        ec_rng_bytes(&u, t.b, EC_ID_LEN);
        if (p < 1 && (double)ec_rng_below(&k, 1000000) / 1e6 >= p) continue;
        ec_head h;
        memset(&h, 0, sizeof h);
        h.tx_id = head_of(&t);
        h.timestamp_ms = 1;
        CHECK_EQ_INT(ec_store_put_head(s, &t, &h), EC_OK);
    }
    CHECK_EQ_INT(ec_store_commit(s), EC_OK);
}

static void life_config(ec_node_config *c)
{
    ec_node_config_default(c);
    c->life = true;
    c->life_swap_ms = 0;
    c->pos_peer_interval_ms = 0;
    c->pos_region = false; /* a few nodes share everything: whole-store walks */
    c->pos_shared_every = 0;
}

/* The identity check: a node of the net, with its own key. */
static ec_node_id_answer ident(void *arg, const ec_id *addr, const ec_pubkey *key)
{
    const net *w = arg;
    for (unsigned i = 0; i < w->n; i++)
        if (ec_id_cmp(addr, &w->addr[i]) == 0)
            return memcmp(key->b, w->key[i].pub.b, sizeof key->b) == 0 ? EC_NODE_ID_YES : EC_NODE_ID_NO;
    return EC_NODE_ID_NO;
}

/* n nodes, all knowing each other; density[i] of the universe stored. */
static void net_open(net *w, unsigned n, const double *density, const ec_node_config *cfg)
{
    memset(w, 0, sizeof *w);
    w->n = n;
    w->now = 1000;
    for (unsigned i = 0; i < n; i++) {
        uint8_t tag = (uint8_t)(i + 1);
        ec_blake3_hash(&tag, 1, w->addr[i].b);
        ec_rng_seed(&w->rng[i], tag);
        CHECK_EQ_INT(ec_store_mem_open(&w->s[i]), EC_OK);
        fill(w->s[i], density ? density[i] : 1, 100 + i);
        tu_key(&w->key[i], (uint8_t)(200 + i));
        ec_node_env env = {.addr = w->addr[i], .store = w->s[i], .rng = &w->rng[i], .key = &w->key[i],
                           .identity = ident, .identity_arg = w};
        CHECK_EQ_INT(ec_node_new(&w->node[i], cfg, &env), EC_OK);
    }
    for (unsigned i = 0; i < n; i++)
        for (unsigned j = 0; j < n; j++)
            if (i != j) ec_node_add_peer(w->node[i], &w->addr[j], NULL);
}

static void net_close(net *w)
{
    for (unsigned i = 0; i < w->n; i++) {
        ec_node_free(w->node[i]);
        ec_store_close(w->s[i]);
    }
}

static int index_of(const net *w, const ec_id *a)
{
    for (unsigned i = 0; i < w->n; i++)
        if (ec_id_cmp(&w->addr[i], a) == 0) return (int)i;
    return -1;
}

/* Delivers everything waiting (to nodes that are up) until quiet. */
static void deliver(net *w)
{
    ec_id dest;
    uint8_t buf[EC_MSG_MAX];
    size_t len;
    for (bool any = true; any;) {
        any = false;
        for (unsigned i = 0; i < w->n; i++)
            while (ec_node_next_out(w->node[i], &dest, NULL, buf, sizeof buf, &len) == EC_OK) {
                any = true;
                int j = index_of(w, &dest);
                if (j < 0 || w->down[j] || w->down[i]) continue;
                CHECK_EQ_INT(ec_node_recv(w->node[j], w->now + 5, &w->addr[i], NULL, buf, len), EC_OK);
            }
    }
    for (unsigned i = 0; i < w->n; i++) {
        const char *why = NULL;
        CHECK_EQ_INT(ec_node_check(w->node[i], &why), EC_OK);
        ec_node_event e;
        while (ec_node_next_event(w->node[i], &e) == EC_OK) {}
    }
}

/* Runs the network until `until`, ticking each node at its deadline. */
static void run_until(net *w, uint64_t until)
{
    while (w->now < until) {
        uint64_t next = until;
        for (unsigned i = 0; i < w->n; i++) {
            uint64_t d = ec_node_next_deadline(w->node[i]);
            if (d < next) next = d;
        }
        if (next <= w->now) next = w->now + 1;
        w->now = next;
        for (unsigned i = 0; i < w->n; i++)
            if (!w->down[i]) CHECK_EQ_INT(ec_node_tick(w->node[i], w->now), EC_OK);
        deliver(w);
    }
}

static ec_life_state state_of(const net *w, unsigned i, unsigned j)
{
    ec_life_record r;
    if (ec_node_life_peer(w->node[i], &w->addr[j], &r) != EC_OK) return 0;
    return r.state;
}

/* Two storing nodes: each elects the other (three passes, 1.1 s apart),
 * invites it; both connected within seconds, synchronized, trusted after
 * life_trust_ms with three re-checks passed. */
static void test_election_and_invitation(void)
{
    ec_node_config c;
    life_config(&c);
    c.life_trust_ms = 180000;
    net w;
    net_open(&w, 2, NULL, &c);
    run_until(&w, 10000);
    CHECK_EQ_INT(state_of(&w, 0, 1), EC_LIFE_CONNECTED);
    CHECK_EQ_INT(state_of(&w, 1, 0), EC_LIFE_CONNECTED);
    ec_life_record r;
    CHECK_EQ_INT(ec_node_life_peer(w.node[0], &w.addr[1], &r), EC_OK);
    CHECK_EQ_INT(r.elections, 1);
    CHECK_EQ_INT(r.elections_won, 1);
    CHECK_EQ_INT(r.passed, 3);
    CHECK(r.phases & EC_LIFE_PHASE_IDENTITY);
    CHECK(r.phases & EC_LIFE_PHASE_SYNCHRONIZED);
    CHECK(!(r.phases & EC_LIFE_PHASE_TRUSTED));
    const ec_node_stats *a = ec_node_stats_get(w.node[0]), *b = ec_node_stats_get(w.node[1]);
    CHECK_EQ_INT(a->life_elected, 1);
    CHECK_EQ_INT(b->life_elected, 1);
    CHECK(a->life_invites_sent == 1 && b->life_invites_sent == 1);
    /* One of them was invited while electing: its invitation was ignored
     * (already electing), or taken as the counter-election. */
    CHECK(a->life_invites_received == 1 && b->life_invites_received == 1);
    /* Trust: 180 s connected and three re-checks (one a minute) passed. */
    run_until(&w, 200000);
    CHECK_EQ_INT(ec_node_life_peer(w.node[0], &w.addr[1], &r), EC_OK);
    CHECK(r.phases & EC_LIFE_PHASE_TRUSTED);
    CHECK_EQ_INT(r.state, EC_LIFE_CONNECTED);
    ec_life_counts k;
    ec_node_life_counts(w.node[0], &k);
    CHECK(k.connected == 1 && k.trusted == 1 && k.pending == 0);
    net_close(&w);
}

/* A peer holding half the tokens loses its election and is not tried
 * again before life_retry_ms; then it is, and loses again. */
static void test_half_storage_loses(void)
{
    ec_node_config c;
    life_config(&c);
    c.life_retry_ms = 60000;
    const double d[2] = {1, 0.5};
    net w;
    net_open(&w, 2, d, &c);
    run_until(&w, 10000);
    CHECK_EQ_INT(state_of(&w, 0, 1), EC_LIFE_IDENTIFIED);
    ec_life_record r;
    CHECK_EQ_INT(ec_node_life_peer(w.node[0], &w.addr[1], &r), EC_OK);
    CHECK_EQ_INT(r.elections, 1);
    CHECK_EQ_INT(r.elections_won, 0);
    CHECK_EQ_INT(r.failed, 1);
    CHECK(r.retry_at >= 60000);
    CHECK_EQ_INT(ec_node_stats_get(w.node[0])->life_lost, 1);
    run_until(&w, 50000);
    CHECK_EQ_INT(ec_node_life_peer(w.node[0], &w.addr[1], &r), EC_OK);
    CHECK_EQ_INT(r.elections, 1); /* waiting */
    run_until(&w, 80000);
    CHECK_EQ_INT(ec_node_life_peer(w.node[0], &w.addr[1], &r), EC_OK);
    CHECK_EQ_INT(r.elections, 2);
    CHECK_EQ_INT(r.elections_won, 0);
    net_close(&w);
}

/* A challenge lost during an election is asked again: B silent for the
 * first challenge only is still elected (one failure on its record); B
 * silent throughout loses after two. */
static void test_one_lost_challenge_is_asked_again(void)
{
    ec_node_config c;
    life_config(&c);
    net w;
    net_open(&w, 2, NULL, &c);
    w.down[1] = true;
    ec_life_record r;
    for (uint64_t t = 1100; t < 30000; t += 100) {
        run_until(&w, t);
        if (ec_node_life_peer(w.node[0], &w.addr[1], &r) == EC_OK && r.failed >= 1) break;
    }
    CHECK_EQ_INT(r.failed, 1);
    CHECK_EQ_INT(r.state, EC_LIFE_PENDING); /* not lost */
    w.down[1] = false;
    run_until(&w, w.now + 20000);
    CHECK_EQ_INT(ec_node_life_peer(w.node[0], &w.addr[1], &r), EC_OK);
    CHECK_EQ_INT(r.state, EC_LIFE_CONNECTED);
    CHECK_EQ_INT(r.elections, 1);
    CHECK_EQ_INT(r.failed, 1);
    CHECK_EQ_INT(r.passed, 3);
    net_close(&w);
    /* Silent throughout: two timeouts in a row lose the election. */
    net_open(&w, 2, NULL, &c);
    w.down[1] = true;
    run_until(&w, 30000);
    CHECK_EQ_INT(ec_node_life_peer(w.node[0], &w.addr[1], &r), EC_OK);
    CHECK_EQ_INT(r.state, EC_LIFE_IDENTIFIED);
    CHECK_EQ_INT(r.elections, 1);
    CHECK_EQ_INT(r.failed, 2);
    CHECK_EQ_INT(ec_node_stats_get(w.node[0])->life_lost, 1);
    net_close(&w);
}

/* A connected peer that goes silent: the first re-check times out (kept),
 * the second drops it. */
static void test_silent_peer_is_dropped(void)
{
    ec_node_config c;
    life_config(&c);
    net w;
    net_open(&w, 2, NULL, &c);
    run_until(&w, 10000);
    CHECK_EQ_INT(state_of(&w, 0, 1), EC_LIFE_CONNECTED);
    w.down[1] = true;
    run_until(&w, 75000); /* the first re-check (at ~64 s) timed out */
    CHECK_EQ_INT(state_of(&w, 0, 1), EC_LIFE_CONNECTED);
    run_until(&w, 140000);
    CHECK_EQ_INT(state_of(&w, 0, 1), EC_LIFE_IDENTIFIED);
    CHECK_EQ_INT(ec_node_stats_get(w.node[0])->life_dropped, 1);
    net_close(&w);
}

/* Node 0 holds evidence against node 1 (kept "eq" + its address, as a
 * node that convicted it before a restart does): node 1 is ejected at
 * the first scan, with every phase lost, and never elected, while the
 * honest node 2 is connected. (Received evidence takes the same path: the
 * tick checks every record against the convicted set.) */
static void test_convicted_peer_is_ejected(void)
{
    ec_node_config c;
    life_config(&c);
    c.life_retry_ms = 1000;
    const double d[3] = {1, 1, 1};
    net w;
    net_open(&w, 3, d, &c);
    ec_keypair kp, owner, client;
    tu_key(&kp, 40);
    tu_key(&owner, 41);
    tu_key(&client, 42);
    ec_id token = {{9, 9}}, prev = {{8, 8}};
    ec_vote_evidence *e = malloc(sizeof *e);
    CHECK(e != NULL);
    if (e == NULL) return;
    eu_evidence(e, &w.addr[1], &kp, &token, &owner, &prev, &client);
    uint8_t key[2 + EC_ID_LEN] = {'e', 'q'}, buf[EC_EVIDENCE_MAX];
    memcpy(key + 2, w.addr[1].b, EC_ID_LEN);
    size_t len = 0;
    CHECK_EQ_INT(ec_evidence_encode(e, buf, sizeof buf, &len), EC_OK);
    free(e);
    CHECK_EQ_INT(ec_store_begin(w.s[0]), EC_OK);
    CHECK_EQ_INT(ec_store_put_rec(w.s[0], key, sizeof key, buf, len), EC_OK);
    CHECK_EQ_INT(ec_store_commit(w.s[0]), EC_OK);
    ec_node_free(w.node[0]); /* opened again on that store */
    CHECK_EQ_INT(tn_new(&w.node[0], &c, &w.addr[0], w.s[0], &w.rng[0]), EC_OK);
    ec_node_add_peer(w.node[0], &w.addr[1], NULL);
    ec_node_add_peer(w.node[0], &w.addr[2], NULL);
    CHECK(ec_node_convicted(w.node[0], &w.addr[1]));
    run_until(&w, 120000);
    ec_life_record r;
    CHECK_EQ_INT(ec_node_life_peer(w.node[0], &w.addr[1], &r), EC_OK);
    CHECK_EQ_INT(r.state, EC_LIFE_EJECTED);
    CHECK_EQ_INT(r.phases, 0);
    CHECK_EQ_INT(r.elections, 0);
    CHECK_EQ_INT(ec_node_stats_get(w.node[0])->life_ejected, 1);
    CHECK_EQ_INT(state_of(&w, 0, 2), EC_LIFE_CONNECTED); /* the honest one */
    /* Node 1's invitation (it elected node 0) is ignored. */
    CHECK(ec_node_stats_get(w.node[0])->life_invites_ignored >= 1);
    net_close(&w);
}

/* Five nodes, a target of two: node 0 connects two, and every swap (10 s
 * mean) lets the longest-connected go and elects a waiting candidate, so
 * over two minutes more than two distinct peers have been connected and
 * at least one is connected at every moment after the first election. */
static void test_swapping_rotates_neighbors(void)
{
    ec_node_config c;
    life_config(&c);
    c.life_target = 2;
    c.life_swap_ms = 10000;
    c.life_retry_ms = 1000;
    const double d[5] = {1, 1, 1, 1, 1};
    net w;
    net_open(&w, 5, d, &c);
    run_until(&w, 8000);
    bool ever[5] = {false};
    unsigned min_connected = 99;
    for (uint64_t t = 8000; t < 128000; t += 500) {
        run_until(&w, t);
        ec_life_counts k;
        ec_node_life_counts(w.node[0], &k);
        CHECK(k.connected + k.pending <= 2);
        if (k.connected < min_connected) min_connected = k.connected;
        for (unsigned j = 1; j < 5; j++) ever[j] |= state_of(&w, 0, j) == EC_LIFE_CONNECTED;
    }
    unsigned distinct = 0;
    for (unsigned j = 1; j < 5; j++) distinct += ever[j];
    const ec_node_stats *st = ec_node_stats_get(w.node[0]);
    printf("  swaps %llu, elections %llu, distinct connected %u, fewest connected at once %u\n",
           (unsigned long long)st->life_swaps, (unsigned long long)st->life_elections, distinct, min_connected);
    CHECK(st->life_swaps >= 5);
    CHECK(distinct >= 3);
    CHECK(min_connected >= 1);
    net_close(&w);
}

/* An INVITE from a stranger (not among our candidates) is ignored. */
static void test_stranger_invitation_is_ignored(void)
{
    ec_node_config c;
    life_config(&c);
    net w;
    net_open(&w, 1, NULL, &c);
    /* 20 peers sharing 16 bits with us; the stranger none. */
    for (unsigned i = 0; i < 20; i++) {
        ec_id p = w.addr[0];
        p.b[2] ^= (uint8_t)(i + 1);
        CHECK_EQ_INT(ec_node_add_peer(w.node[0], &p, NULL), EC_OK);
    }
    ec_id stranger = w.addr[0];
    stranger.b[0] ^= 0x80;
    uint8_t inv = EC_MSG_INVITE;
    CHECK_EQ_INT(ec_node_recv(w.node[0], 2000, &stranger, NULL, &inv, 1), EC_OK);
    CHECK_EQ_INT(ec_node_stats_get(w.node[0])->life_invites_ignored, 1);
    ec_life_record r;
    CHECK_EQ_INT(ec_node_life_peer(w.node[0], &stranger, &r), EC_ERR_NOTFOUND);
    net_close(&w);
}

/* cfg.life_votes: four nodes, w = 4, quorum 3 (all four are every
 * token's neighborhood). A create submitted to node 0 after the elections
 * gets +1 from all four. Does node 0 commit it? (d2: what nodes 2 and 3
 * store: at 0.5 they lose every election.) */
static bool commits_at_0(double d2, bool gate)
{
    ec_node_config c;
    life_config(&c);
    c.w = 4;
    c.quorum = 3;
    c.life_votes = gate;
    const double d[4] = {1, 1, d2, d2};
    net w;
    net_open(&w, 4, d, &c);
    run_until(&w, 15000);
    CHECK_EQ_INT(state_of(&w, 0, 1), EC_LIFE_CONNECTED);
    CHECK_EQ_INT(state_of(&w, 0, 2), d2 < 1 ? EC_LIFE_IDENTIFIED : EC_LIFE_CONNECTED);
    ec_keypair owner;
    tu_key(&owner, 50);
    ec_id token = tu_id(77, 1), id;
    ec_tx tx = tu_tx1(&token, &owner, NULL, &owner, w.now);
    CHECK_EQ_INT(ec_tx_id(&tx, &id), EC_OK);
    CHECK_EQ_INT(ec_node_submit(w.node[0], w.now, &tx), EC_OK);
    run_until(&w, w.now + 20000);
    bool ok = ec_store_has_tx(w.s[0], &id);
    /* The unelected voted all the same: their votes reached node 0. */
    CHECK(ec_node_stats_get(w.node[2])->sent[EC_MSG_VOTE] > 0);
    net_close(&w);
    return ok;
}

/* Node 0 counts only its own vote and those of peers it elected: with
 * two of its three peers unelected (storing half) it does not commit,
 * though all four voted +1; without life_votes, or with all four storing
 * (all elected), it does. */
static void test_votes_count_only_from_elected_peers(void)
{
    CHECK(!commits_at_0(0.5, true));
    CHECK(commits_at_0(0.5, false));
    CHECK(commits_at_0(1, true));
}

/* A neighbor elected: the next chain-sync round starts at once (its chain
 * followed) instead of at the interval's end. */
static void test_elected_neighbor_is_synced_at_once(void)
{
    ec_node_config c;
    life_config(&c);
    c.life_gap_ms = 3000;       /* elected about 6 s after the first tick */
    c.sync_interval_ms = 20000; /* an early round is allowed 5 s after the last */
    net w;
    net_open(&w, 2, NULL, &c);
    for (unsigned i = 0; i < 2; i++) CHECK_EQ_INT(ec_node_sync_start(w.node[i], w.now), EC_OK);
    run_until(&w, 5000);
    const ec_node_stats *st = ec_node_stats_get(w.node[0]);
    uint64_t rounds = st->sync_rounds;
    CHECK_EQ_INT(rounds, 1); /* the first, at the start */
    CHECK(state_of(&w, 0, 1) != EC_LIFE_CONNECTED);
    run_until(&w, 12000);
    CHECK_EQ_INT(state_of(&w, 0, 1), EC_LIFE_CONNECTED);
    CHECK_EQ_INT(st->sync_elected, 1);
    CHECK_EQ_INT(st->sync_rounds, 2); /* the next by the interval would be at 21 s */
    net_close(&w);
}

/* life_target 0 means w, and 2w with life_votes (every judgeable co-voter
 * elected): nine storing nodes, w = 4: node 0 connects 4, or all 8. */
static unsigned connected_at_0(bool gate)
{
    ec_node_config c;
    life_config(&c);
    c.w = 4;
    c.quorum = 3;
    c.life_votes = gate;
    net w;
    net_open(&w, 9, NULL, &c);
    run_until(&w, 15000);
    ec_life_counts k;
    ec_node_life_counts(w.node[0], &k);
    net_close(&w);
    return k.connected;
}

static void test_gate_elects_every_candidate(void)
{
    CHECK_EQ_INT(connected_at_0(false), 4);
    CHECK_EQ_INT(connected_at_0(true), 8);
}

int main(void)
{
    RUN(test_election_and_invitation);
    RUN(test_half_storage_loses);
    RUN(test_one_lost_challenge_is_asked_again);
    RUN(test_silent_peer_is_dropped);
    RUN(test_convicted_peer_is_ejected);
    RUN(test_swapping_rotates_neighbors);
    RUN(test_stranger_invitation_is_ignored);
    RUN(test_votes_count_only_from_elected_peers);
    RUN(test_elected_neighbor_is_synced_at_once);
    RUN(test_gate_elects_every_candidate);
    return TEST_REPORT("life");
}
