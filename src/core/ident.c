/* Peers' identities, as the node needs them (the driver API, node.h).
 *
 * A relayed vote counts only if its key is its voter's. The driver knows
 * which keys belong to which addresses (it verified their identity records:
 * one Argon2id each, far too slow for the packet path), and answers the
 * node's question at once: yes, no, or unknown. On "unknown" the vote is
 * not counted and the node asks the voter for its identity record
 * (`get_identity`), at most once per resend_ms per voter and NODE_ID_ASKED
 * times per resend_ms in all (a ring of recent questions). The record that comes back (`identity`, which a node
 * may also send unasked as a hello) is handed to the driver as an event to
 * verify off the packet path; the driver's later answers then say yes or
 * no, and the voter's next re-send counts. */
#include <stdlib.h>
#include <string.h>

#include "core/node_internal.h"

/* The ring of recent identity exchanges (questions we sent, hellos we
 * passed on): at most NODE_ID_ASKED per resend_ms in all, since ids named
 * in forged bundles, and hellos, cost a sender nothing. */
typedef enum { RING_RECENT, RING_TAKEN, RING_FULL } ring_result;

static bool ring_recent(const ec_node *n, uint64_t now, const ec_id *id)
{
    const struct id_asked *ring = n->asked;
    for (size_t i = 0; ring && i < NODE_ID_ASKED; i++)
        if (ec_id_cmp(&ring->addr[i], id) == 0 && now - ring->at[i] < n->cfg.resend_ms) return true;
    return false;
}

static ring_result ring_take(ec_node *n, uint64_t now, const ec_id *id)
{
    if (ring_recent(n, now, id)) return RING_RECENT;
    if (n->asked == NULL && (n->asked = calloc(1, sizeof *n->asked)) == NULL) return RING_FULL;
    struct id_asked *ring = n->asked;
    size_t slot = ring->next % NODE_ID_ASKED;
    if (ring->at[slot] != 0 && now - ring->at[slot] < n->cfg.resend_ms) return RING_FULL;
    ring->next++;
    ring->addr[slot] = *id;
    ring->at[slot] = now;
    return RING_TAKEN;
}

/* A record from id was passed on: a second one needs a new ration. */
static void ring_consume(ec_node *n, const ec_id *id)
{
    struct id_asked *ring = n->asked;
    for (size_t i = 0; ring && i < NODE_ID_ASKED; i++)
        if (ec_id_cmp(&ring->addr[i], id) == 0) memset(&ring->addr[i], 0, sizeof ring->addr[i]);
}

ec_node_id_answer node_identity(ec_node *n, uint64_t now, const ec_id *relayer, const ec_id *voter,
                                const ec_pubkey *key)
{
    (void)relayer;
    if (n->id_check == NULL) return EC_NODE_ID_NO;
    ec_node_id_answer a = n->id_check(n->id_check_arg, voter, key);
    if (a != EC_NODE_ID_UNKNOWN) return a == EC_NODE_ID_YES ? EC_NODE_ID_YES : EC_NODE_ID_NO;
    n->stats.identities_unknown++;
    ring_result r = ring_take(n, now, voter);
    if (r == RING_FULL) n->stats.identity_asks_dropped++;
    if (r != RING_TAKEN) return a; /* asked recently, or rationed */
    ec_msg q;
    memset(&q, 0, sizeof q);
    q.type = EC_MSG_GET_IDENTITY;
    q.u.get_identity.addr = *voter;
    node_send(n, voter, &q);
    return a;
}

void node_on_get_identity(ec_node *n, const ec_id *from, const ec_msg *m)
{
    if (!n->has_record || ec_id_cmp(&m->u.get_identity.addr, &n->addr) != 0) {
        n->stats.dropped_unexpected++; /* we keep only our own */
        return;
    }
    ec_msg r;
    memset(&r, 0, sizeof r);
    r.type = EC_MSG_IDENTITY;
    memcpy(r.u.identity.record, n->record, EC_MSG_IDENTITY_LEN);
    node_send(n, from, &r);
}

void node_on_identity(ec_node *n, uint64_t now, const ec_id *from, const ec_msg *m)
{
    /* An answer to our question goes to the driver; an unasked one (a
     * hello) only within the ring's ration: each costs the driver an
     * Argon2id, so a flood of hellos must not become a flood of those. */
    if (!ring_recent(n, now, from) && ring_take(n, now, from) != RING_TAKEN) {
        n->stats.identity_asks_dropped++;
        return;
    }
    ring_consume(n, from);
    ec_node_event e;
    memset(&e, 0, sizeof e);
    e.type = EC_NODE_EV_VERIFY_IDENTITY;
    e.mapping = -1;
    e.from = *from;
    memcpy(e.record, m->u.identity.record, EC_MSG_IDENTITY_LEN);
    node_event_push(n, &e);
}

ec_err ec_node_hello(ec_node *n, const ec_id *to)
{
    if (!n->has_record) return EC_ERR_ARG;
    ec_msg r;
    memset(&r, 0, sizeof r);
    r.type = EC_MSG_IDENTITY;
    memcpy(r.u.identity.record, n->record, EC_MSG_IDENTITY_LEN);
    node_send(n, to, &r);
    return EC_OK;
}
