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

static inline void solo_close(solo *s)
{
    ec_node_free(s->node);
    ec_store_close(s->store);
}

#endif
