/* What the submitter learns (the driver API's events, node.h): the node a
 * client submitted a transaction to (its coordinator) reports it committed,
 * refused or timed out, by transaction id.
 *
 * The coordinator is no voter, so it asks: from its first re-send after the
 * dispatch on, it sends `get_votes` to one member of each token that has
 * no quorum in its view yet (another at each later re-send). A member
 * answers with its token's quorum bundle (signed votes, checked like any
 * relayed vote) or its own vote; one that committed and forgot the
 * transaction answers with its commit attestation. The coordinator counts
 * them with the same tally as a member (tally.c): every token with a quorum
 * and its net balance is "committed"; a token whose negative votes leave
 * fewer than a quorum of its w voters is "refused"; neither by the
 * transaction's deadline is "timed out". Each is reported once.
 *
 * Events wait in a bounded queue (events_max) until the driver takes them;
 * when it is full they are dropped and counted. */
#include <stdlib.h>
#include <string.h>

#include "core/node_internal.h"

void node_event_push(ec_node *n, const ec_node_event *e)
{
    if (n->ev_len >= n->cfg.events_max) {
        n->stats.dropped_events_full++;
        return;
    }
    if (n->ev_len == n->ev_cap) {
        /* Grown on demand (a node of a 100,000-node simulation has few
         * events waiting; a full ring each would be gigabytes), unrolled
         * so the oldest is first again. */
        size_t cap = n->ev_cap ? 2 * n->ev_cap : 4;
        if (cap > n->cfg.events_max) cap = n->cfg.events_max;
        ec_node_event *grown = malloc(cap * sizeof *grown);
        if (grown == NULL) {
            n->stats.dropped_events_full++;
            return;
        }
        for (size_t i = 0; i < n->ev_len; i++) grown[i] = n->events[(n->ev_head + i) % n->ev_cap];
        free(n->events);
        n->events = grown;
        n->ev_cap = cap;
        n->ev_head = 0;
    }
    n->events[(n->ev_head + n->ev_len) % n->ev_cap] = *e;
    n->ev_len++;
}

ec_err ec_node_next_event(ec_node *n, ec_node_event *out)
{
    if (n->ev_len == 0) return EC_ERR_NOTFOUND;
    *out = n->events[n->ev_head];
    n->ev_head = (n->ev_head + 1) % n->ev_cap;
    n->ev_len--;
    return EC_OK;
}

static void report(ec_node *n, ptx *p, ec_node_event_type type, int mapping)
{
    ec_node_event e;
    memset(&e, 0, sizeof e);
    e.type = type;
    e.tx_id = p->id;
    e.mapping = mapping;
    p->outcome = (uint8_t)type;
    node_event_push(n, &e);
}

void node_outcome_check(ec_node *n, ptx *p, bool held)
{
    if (!p->coordinator || p->outcome || !p->have_tx) return;
    if (node_tally_decided(n, p)) {
        if (held) report(n, p, EC_NODE_EV_COMMITTED, -1); /* else at the hold's end */
        return;
    }
    for (int i = 0; i < p->tx.n_mappings; i++) {
        size_t voters;
        node_nbr(n, p, i, &voters);
        if (voters < n->cfg.quorum) continue;
        tally t = node_tally(n, p, i);
        if ((size_t)t.neg > voters - n->cfg.quorum) {
            report(n, p, EC_NODE_EV_REFUSED, i);
            return;
        }
    }
}

void node_outcome_timeout(ec_node *n, ptx *p)
{
    if (p->coordinator && !p->outcome) report(n, p, EC_NODE_EV_TIMED_OUT, -1);
}

void node_outcome_poll(ec_node *n, ptx *p)
{
    if (!p->coordinator || !p->dispatched || p->outcome || !p->have_tx) return;
    ec_msg q;
    memset(&q, 0, sizeof q);
    q.type = EC_MSG_GET_VOTES;
    q.u.get_votes.tx_id = p->id;
    for (int i = 0; i < p->tx.n_mappings; i++) {
        if (node_tally_quorum(n, p, i)) continue;
        size_t nn;
        const ec_id *near = node_nbr(n, p, i, &nn);
        ec_id copy[NODE_W_MAX];
        memcpy(copy, near, nn * sizeof *copy);
        /* One member, another at each later poll (no randomness drawn). */
        for (size_t k = 0, sent = 0; k < nn && sent < 1; k++) {
            const ec_id *to = &copy[((size_t)p->polls + k) % nn];
            if (ec_id_cmp(to, &n->addr) == 0) continue;
            node_send(n, to, &q);
            sent++;
        }
    }
    p->polls++;
}
