/* A node fed messages by hand: for tests of the core's reactions. */
#ifndef EC_TEST_NODE_UTIL_H
#define EC_TEST_NODE_UTIL_H

#include <string.h>

#include "core/node.h"
#include "node_env.h"
#include "crypto/blake3.h"
#include "ledger_util.h"
#include "node_env.h"
#include "test.h"

typedef struct solo {
    ec_store *store;
    ec_rng rng;
    ec_node *node;
    ec_id self, peer[8]; /* peer[7] is the farthest from the token */
} solo;

static inline ec_id tx_id_of(const ec_tx *tx)
{
    uint8_t buf[EC_TX_MAX_LEN];
    size_t len;
    ec_id id;
    ec_tx_encode(tx, buf, sizeof buf, &len);
    ec_blake3_hash(buf, len, id.b);
    return id;
}

static inline void send_msg(solo *s, uint64_t now, const ec_id *from, const ec_msg *m)
{
    uint8_t buf[EC_MSG_MAX];
    size_t len;
    CHECK_EQ_INT(ec_msg_encode(m, buf, sizeof buf, &len), EC_OK);
    ec_node_recv(s->node, now, from, NULL, buf, len);
}

static inline void send_tx(solo *s, uint64_t now, const ec_id *from, const ec_tx *tx)
{
    ec_msg m;
    size_t len;
    memset(&m, 0, sizeof m);
    m.type = EC_MSG_TX;
    ec_tx_encode(tx, m.u.tx.bytes, sizeof m.u.tx.bytes, &len);
    m.u.tx.len = (uint16_t)len;
    send_msg(s, now, from, &m);
}

static inline void send_mapping(solo *s, uint64_t now, const ec_id *from, const ec_id *token,
                         const ec_id *head)
{
    ec_msg m;
    memset(&m, 0, sizeof m);
    m.type = EC_MSG_MAPPING;
    m.u.mapping.token = *token;
    if (head) {
        m.u.mapping.found = 1;
        m.u.mapping.tx_id = *head;
        m.u.mapping.timestamp_ms = 1;
    }
    send_msg(s, now, from, &m);
}

/* Drains the outbox: how many messages of `type`; the last one in *last. */
static inline int drain(solo *s, ec_msg_type type, ec_msg *last, ec_id *last_to)
{
    ec_id to;
    uint8_t buf[EC_MSG_MAX];
    size_t len;
    int cnt = 0;
    while (ec_node_next_out(s->node, &to, NULL, buf, sizeof buf, &len) == EC_OK) {
        ec_msg m;
        CHECK_EQ_INT(ec_msg_decode(&m, buf, len), EC_OK);
        if (m.type != type) continue;
        cnt++;
        if (last) *last = m;
        if (last_to) *last_to = to;
    }
    return cnt;
}

/* The node and 8 peers near `token`: the node and peer[0..6] are the w = 8
 * nearest, peer[7] is farther than all of them. */
static inline void solo_open(solo *s, const ec_id *token)
{
    ec_node_config cfg;
    ec_node_config_default(&cfg);
    ec_rng_seed(&s->rng, 7);
    CHECK_EQ_INT(ec_store_mem_open(&s->store), EC_OK);
    s->self = *token;
    s->self.b[31] ^= 0x01;
    for (int i = 0; i < 8; i++) {
        s->peer[i] = *token;
        s->peer[i].b[30] ^= (uint8_t)(i + 1); /* farther than self, by i */
    }
    s->peer[7].b[0] ^= 0x80; /* far away */
    CHECK_EQ_INT(tn_new(&s->node, &cfg, &s->self, s->store, &s->rng), EC_OK);
    for (int i = 0; i < 8; i++) CHECK_EQ_INT(ec_node_add_peer(s->node, &s->peer[i], NULL), EC_OK);
}

/* Replaces s's node by a new one with cfg (default when NULL) on store
 * (s's own when NULL), knowing the 8 peers: a restart, or other limits. */
static inline ec_node *solo_node(solo *s, const ec_node_config *cfg, ec_store *store)
{
    ec_node_config def;
    ec_node *n = NULL;
    if (cfg == NULL) {
        ec_node_config_default(&def);
        cfg = &def;
    }
    CHECK_EQ_INT(tn_new(&n, cfg, &s->self, store ? store : s->store, &s->rng), EC_OK);
    for (int i = 0; n && i < 8; i++) ec_node_add_peer(n, &s->peer[i], NULL);
    return n;
}

static inline void solo_reopen(solo *s, const ec_node_config *cfg)
{
    ec_node_free(s->node);
    s->node = solo_node(s, cfg, NULL);
}

/* A direct vote of one value on a one-mapping transaction. */
static inline ec_msg vote1(const ec_id *txid, int8_t value)
{
    ec_msg m;
    memset(&m, 0, sizeof m);
    m.type = EC_MSG_VOTE;
    m.u.vote.tx_id = *txid;
    m.u.vote.n = 1;
    m.u.vote.v.version = 1;
    m.u.vote.v.values[0] = value;
    return m;
}

/* +1 on txid from peers[0..k): with ours (k = 4) or without it (k = 5), a
 * quorum of 5. */
static inline void votes_from(solo *s, uint64_t now, const ec_id *txid, int k)
{
    ec_msg m = vote1(txid, EC_MSG_VOTE_VALID);
    for (int i = 0; i < k; i++) send_msg(s, now, &s->peer[i], &m);
}

static inline void solo_close(solo *s)
{
    ec_node_free(s->node);
    ec_store_close(s->store);
}

#endif
