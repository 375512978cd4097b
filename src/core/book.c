/* Where peers can be reached: the driver API's "a peer is an id plus an
 * opaque endpoint the driver understands" (node.h). The core never reads
 * an endpoint; it keeps them so that `peers` answers can name them and so
 * that every outbound message can say where it goes.
 *
 * Two sources, two trusts: an endpoint *heard* (the transport saw a
 * message from that id there: ec_node_recv's endpoint) and one *named*
 * (hearsay: an entry of a `peers` answer). A named endpoint never replaces
 * a heard one. Peers in the peer table keep theirs there (peers.c, pinned
 * as long as the peer is); everyone else's sit in this bounded book
 * (endpoints_max, oldest first out), so a flood of names can churn the book
 * but never the peer table's. */
#include <stdlib.h>
#include <string.h>

#include "core/node_internal.h"
#include "ledger/idhash.h"

typedef struct book_entry {
    ec_id id; /* the hash table's key points here */
    ec_endpoint ep;
    bool heard;
} book_entry;

ec_err node_book_new(ec_node *n)
{
    n->book = g_hash_table_new_full(ec_idhash_hash, ec_idhash_equal, NULL, free);
    n->book_order = g_queue_new();
    return n->book && n->book_order ? EC_OK : EC_ERR_NOMEM;
}

void node_book_free(ec_node *n)
{
    if (n->book_order) g_queue_free_full(n->book_order, free);
    if (n->book) g_hash_table_destroy(n->book);
}

static void book_put(ec_node *n, const ec_id *id, const ec_endpoint *ep, bool heard)
{
    book_entry *e = g_hash_table_lookup(n->book, id);
    if (e) {
        if (heard || !e->heard) {
            e->ep = *ep;
            e->heard |= heard;
        }
        return;
    }
    if (g_hash_table_size(n->book) >= n->cfg.endpoints_max) {
        ec_id *old = g_queue_pop_head(n->book_order);
        if (old) {
            g_hash_table_remove(n->book, old);
            free(old);
            n->stats.endpoints_evicted++;
        }
    }
    e = malloc(sizeof *e);
    ec_id *key = malloc(sizeof *key);
    if (e == NULL || key == NULL) {
        free(e);
        free(key);
        return;
    }
    e->id = *id;
    e->ep = *ep;
    e->heard = heard;
    *key = *id;
    g_hash_table_insert(n->book, &e->id, e);
    g_queue_push_tail(n->book_order, key);
}

void node_book_learn(ec_node *n, const ec_id *id, const ec_endpoint *ep, bool heard)
{
    if (ep == NULL || ep->len == 0 || ep->len > EC_ENDPOINT_MAX || ec_id_cmp(id, &n->addr) == 0) return;
    if (ec_peers_has(n->peers, id)) {
        ec_peers_set_endpoint(n->peers, id, ep, heard);
        return;
    }
    book_put(n, id, ep, heard);
}

bool node_book_get(const ec_node *n, const ec_id *id, ec_endpoint *out)
{
    if (ec_peers_endpoint(n->peers, id, out) && out->len > 0) return true;
    const book_entry *e = g_hash_table_lookup(n->book, id);
    if (e) {
        *out = e->ep;
        return true;
    }
    memset(out, 0, sizeof *out);
    return false;
}

void node_book_fill(const ec_node *n, ec_msg *m)
{
    for (int i = 0; i < m->u.peers.n; i++) node_book_get(n, &m->u.peers.peers[i], &m->u.peers.eps[i]);
    /* Entries with endpoints may not all fit one payload: keep what fits. */
    size_t size = 1 + EC_ID_LEN + 1;
    for (int i = 0; i < m->u.peers.n; i++) {
        size_t add = EC_ID_LEN + 1 + m->u.peers.eps[i].len;
        if (size + add > EC_MSG_MAX) {
            m->u.peers.n = (uint8_t)i;
            break;
        }
        size += add;
    }
}

size_t node_peers_fit(const ec_node *n, const ec_id *ids, size_t cnt)
{
    size_t size = 1 + EC_ID_LEN + 1, k;
    for (k = 0; k < cnt && k < EC_MSG_PEERS_MAX; k++) {
        ec_endpoint ep;
        node_book_get(n, &ids[k], &ep);
        if (size + EC_ID_LEN + 1 + ep.len > EC_MSG_MAX) break;
        size += EC_ID_LEN + 1 + ep.len;
    }
    return k;
}
