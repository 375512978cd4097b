/* The outbox: outbound messages, encoded once when queued, bounded in bytes
 * (outbox_max_bytes, drops counted), held while a batch is open (durable.c),
 * handed to the driver by ec_node_next_out with the endpoint of their
 * destination (book.c). */
#include <stdlib.h>
#include <string.h>

#include "core/node_internal.h"

void node_send(ec_node *n, const ec_id *to, const ec_msg *m)
{
    uint8_t buf[EC_MSG_MAX];
    size_t len;
    if (ec_id_cmp(to, &n->addr) == 0) return;
    if (ec_msg_encode(m, buf, sizeof buf, &len) != EC_OK) {
        n->stats.dropped_send_failed++;
        return;
    }
    if (n->outbox_bytes + len > n->cfg.outbox_max_bytes) {
        n->stats.dropped_outbox_full++;
        return;
    }
    outmsg *o = malloc(sizeof *o + len);
    if (o == NULL) {
        n->stats.dropped_send_failed++;
        return;
    }
    o->to = *to;
    o->len = len;
    memcpy(o->bytes, buf, len);
    g_queue_push_tail(n->outbox, o);
    n->outbox_bytes += len;
    if (n->batch) n->held++; /* leaves when the batch is durable */
    n->stats.sent[m->type]++;
    n->stats.sent_bytes += len;
    n->stats.sent_bytes_type[m->type] += len;
}

bool node_members_fit(const ptx *p)
{
    return p->nmembers <= EC_MSG_PEERS_MAX &&
           EC_MSG_TX_HEAD + p->nmembers * EC_ID_LEN + p->len <= EC_MSG_MAX;
}

bool node_send_tx(ec_node *n, const ec_id *to, const ptx *p, bool with_members)
{
    ec_msg m;
    memset(&m, 0, sizeof m);
    m.type = EC_MSG_TX;
    if (with_members && node_members_fit(p)) {
        m.u.tx.nmembers = (uint8_t)p->nmembers;
        memcpy(m.u.tx.members, p->members, p->nmembers * sizeof(ec_id));
    }
    m.u.tx.len = (uint16_t)p->len;
    memcpy(m.u.tx.bytes, p->bytes, p->len);
    node_send(n, to, &m);
    return m.u.tx.nmembers > 0;
}

ec_err ec_node_next_out(ec_node *n, ec_id *to, ec_endpoint *to_ep, uint8_t *buf, size_t cap,
                        size_t *len)
{
    if (g_queue_get_length(n->outbox) <= n->held) return EC_ERR_NOTFOUND; /* only held ones */
    outmsg *o = g_queue_peek_head(n->outbox);
    *len = o->len;
    if (o->len > cap) return EC_ERR_RANGE; /* kept: the caller retries with room */
    g_queue_pop_head(n->outbox);
    *to = o->to;
    if (to_ep) node_book_get(n, &o->to, to_ep);
    memcpy(buf, o->bytes, o->len);
    n->outbox_bytes -= o->len;
    free(o);
    return EC_OK;
}

/* p's member list to one member, in `peers` messages of as many entries
 * (with their endpoints) as fit. */
void node_send_members(ec_node *n, const ptx *p, const ec_id *to)
{
    ec_msg m;
    memset(&m, 0, sizeof m);
    m.type = EC_MSG_PEERS;
    m.u.peers.target = p->id;
    for (size_t off = 0, cnt; off < p->nmembers; off += cnt) {
        cnt = node_peers_fit(n, &p->members[off], p->nmembers - off);
        m.u.peers.n = (uint8_t)cnt;
        memcpy(m.u.peers.peers, &p->members[off], cnt * sizeof(ec_id));
        node_book_fill(n, &m);
        node_send(n, to, &m);
    }
}

void node_ask_members(ec_node *n, const ptx *p, const ec_id *to)
{
    ec_msg q;
    q.type = EC_MSG_FIND_PEERS;
    q.u.find_peers.target = p->id;
    q.u.find_peers.want = NODE_WANT_MEMBERS;
    node_send(n, to, &q); /* node_send drops one to ourselves */
}

/* The signed votes on mapping i we can relay (eligible voters, a signature
 * we trust: ours, a voter's own direct vote, or one we verified). Returns
 * how many are positive. */
int node_build_votes(ec_node *n, ptx *p, int i, ec_msg *m)
{
    memset(m, 0, sizeof *m);
    m->type = EC_MSG_VOTES;
    m->u.votes.tx_id = p->id;
    m->u.votes.n = (uint8_t)p->tx.n_mappings;
    int pos = 0;
    /* A quorum of positive votes is what the receiver needs (more would
     * only cost it signature checks), and every negative one, which the
     * net balance counts: at most 8 in all. */
    for (int pass = 0; pass < 2; pass++)
        for (size_t k = 0; k < p->nvotes && m->u.votes.count < EC_MSG_BUNDLE_MAX; k++) {
            const voter_vote *e = &p->votes[k];
            int x = e->v.values[i];
            bool want = pass == 0 ? x == EC_MSG_VOTE_VALID && pos < (int)n->cfg.quorum
                                  : x == EC_MSG_VOTE_INVALID;
            if (!want || e->n != p->tx.n_mappings || !node_eligible(n, p, i, &e->v.voter)) continue;
            m->u.votes.v[m->u.votes.count++] = e->v;
            pos += x == EC_MSG_VOTE_VALID;
        }
    return pos;
}
