/* The pending table: the transactions this node is working on (as
 * coordinator, member, witness or relayer), keyed by id, bounded by
 * pending_max and by each creating peer's share (pending_per_peer_max,
 * drops counted). A ptx leaves the table at its deadline (node.c's tick) or
 * when a failed batch forgets it (durable.c); node_lookups_forget drops the
 * coordinator's lookups from their index first. Nothing here sends. */
#include <stdlib.h>
#include <string.h>

#include "core/node_internal.h"

void node_ptx_free(void *v)
{
    ptx *p = v;
    if (p->has_creator) {
        guint held = GPOINTER_TO_UINT(g_hash_table_lookup(p->node->per_peer, &p->creator));
        if (held <= 1) g_hash_table_remove(p->node->per_peer, &p->creator);
        else {
            ec_id *k = malloc(sizeof *k);
            if (k) {
                *k = p->creator;
                g_hash_table_replace(p->node->per_peer, k, GUINT_TO_POINTER(held - 1));
            }
        }
    }
    free(p->votes);
    free(p->nbr);
    free(p->members);
    free(p->lk);
    free(p);
}

ptx *node_ptx_get(ec_node *n, const ec_id *id, bool create, uint64_t now)
{
    ptx *p = g_hash_table_lookup(n->pending, id);
    if (p || !create) return p;
    return node_ptx_new(n, id, NULL, now);
}

void node_settled_push(ec_node *n, const ec_id *id)
{
    ec_id *k = malloc(sizeof *k);
    if (k == NULL) return;
    *k = *id;
    g_queue_push_tail(n->settled, k);
    /* Ids of transactions forgotten at their deadline stay until popped;
     * the queue never holds more than twice the table. */
    while (g_queue_get_length(n->settled) > 2 * (size_t)n->cfg.pending_max) free(g_queue_pop_head(n->settled));
}

/* A full table: the oldest settled transaction goes (its commit is in the
 * store, and get_votes from a straggler is answered from there). Settled
 * entries are what a busy node's table fills with: each stays
 * NODE_KEEP_COMMITTED_RESENDS re-send periods, and counting them against
 * pending_max capped a node at pending_max / 30 s new transactions. */
static bool evict_settled(ec_node *n)
{
    ec_id *k;
    while ((k = g_queue_pop_head(n->settled)) != NULL) {
        ec_id id = *k;
        free(k);
        ptx *p = g_hash_table_lookup(n->pending, &id);
        if (p == NULL || !p->committed) continue; /* forgotten already */
        /* One the open batch committed stays: the driver hears of it at
         * the batch's end (durable.c looks it up). */
        bool touched = false;
        for (size_t i = 0; n->batch && i < n->ntouched && !touched; i++) touched = ec_id_cmp(&n->touched[i], &id) == 0;
        if (touched) continue;
        node_lookups_forget(n, p);
        g_hash_table_remove(n->pending, &id);
        n->stats.settled_evicted++;
        return true;
    }
    return false;
}

ptx *node_ptx_new(ec_node *n, const ec_id *id, const ec_id *creator, uint64_t now)
{
    if (g_hash_table_size(n->pending) >= n->cfg.pending_max && !evict_settled(n)) {
        n->stats.dropped_pending_full++;
        return NULL;
    }
    guint held = creator ? GPOINTER_TO_UINT(g_hash_table_lookup(n->per_peer, creator)) : 0;
    if (creator && held >= n->cfg.pending_per_peer_max) {
        n->stats.dropped_peer_share++;
        return NULL;
    }
    ptx *p = calloc(1, sizeof *p);
    if (p == NULL) return NULL;
    p->id = *id;
    p->node = n;
    p->created = now;
    p->deadline = now + n->cfg.tx_timeout_ms;
    p->next_resend = now + node_timeout(n, creator, 0);
    for (int i = 0; i < EC_TX_MAPPINGS_MAX; i++) p->my_vote[i] = NODE_VOTE_UNSET;
    if (creator) {
        ec_id *k = malloc(sizeof *k);
        if (k == NULL) {
            free(p);
            return NULL;
        }
        *k = *creator;
        g_hash_table_replace(n->per_peer, k, GUINT_TO_POINTER(held + 1));
        p->has_creator = true;
        p->creator = *creator;
    }
    g_hash_table_insert(n->pending, &p->id, p);
    if (p->next_resend < n->next_due) n->next_due = p->next_resend;
    return p;
}

void node_add_member(ptx *p, const ec_id *id)
{
    for (size_t k = 0; k < p->nmembers; k++)
        if (ec_id_cmp(&p->members[k], id) == 0) return;
    if (p->nmembers == NODE_MEMBERS_MAX) return;
    if (p->nmembers == p->capmembers) {
        size_t cap = p->capmembers ? 2 * p->capmembers : 16;
        if (cap > NODE_MEMBERS_MAX) cap = NODE_MEMBERS_MAX;
        ec_id *m = realloc(p->members, cap * sizeof *m);
        if (m == NULL) return;
        p->members = m;
        p->capmembers = cap;
    }
    p->members[p->nmembers++] = *id;
    p->nbr_valid = false;
}

void node_lookups_forget(ec_node *n, const ptx *p)
{
    for (int l = 0; l < p->nlk; l++)
        if (g_hash_table_lookup(n->lookups, &p->lk[l].target) == p)
            g_hash_table_remove(n->lookups, &p->lk[l].target);
}
