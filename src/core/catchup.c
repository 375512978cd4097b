/* History catch-up (issue 4: "missing history is fetched"): a member that
 * votes 0 on a mapping because it does not know the previous head (it was
 * down, partitioned, or is new to the neighborhood) asks its co-members
 * for the token's current head (get_mapping). When `catchup_agree` of
 * them, each among the w nearest to the token in this node's view, name
 * the same head, it fetches that transaction (get_tx), checks that its
 * bytes hash to the head's id, that it is signed and that it maps the
 * token, makes it its head for the token, and re-judges its pending votes
 * on the token (the caller: node_revote_token; catch-up calls nothing
 * above it).
 *
 * Agreement, not the first answer: one lying member cannot move a head.
 * "No such token" counts as a head too (the zero id): then nothing is
 * applied, and a transaction naming a previous head nobody has is invalid.
 * The adopted head never replaces a newer one (by timestamp): a committed
 * head is never rolled back. */
#include <stdlib.h>
#include <string.h>

#include "core/node_internal.h"
#include "crypto/blake3.h"

#define CATCHUP_ATTEMPTS 5
#define CATCHUP_DEPTH 16 /* transactions fetched back from an agreed head */

static bool eligible(const ec_node *n, const ec_id *token, const ec_id *who)
{
    ec_id near[NODE_W_MAX];
    size_t nn = node_nearest(n, token, NULL, 0, near);
    for (size_t k = 0; k < nn; k++)
        if (ec_id_cmp(&near[k], who) == 0) return true;
    return false;
}

/* Asks every co-member that has not answered yet. */
static void ask(ec_node *n, uint64_t now, catchup *c)
{
    ec_id near[NODE_W_MAX];
    size_t nn = node_nearest(n, &c->token, NULL, 0, near);
    ec_msg q;
    memset(&q, 0, sizeof q);
    q.type = EC_MSG_GET_MAPPING;
    q.u.get_mapping.token = c->token;
    for (size_t k = 0; k < nn; k++) {
        bool answered = false;
        for (size_t r = 0; r < c->nrep; r++) answered |= ec_id_cmp(&c->rep_from[r], &near[k]) == 0;
        if (!answered) node_send(n, &near[k], &q);
    }
    c->asked_at = now;
    /* Asked of several: the node's PTO, doubled at each re-ask (or the
     * fixed resend_ms). */
    c->timeout = n->cfg.rtt_timers ? node_timeout(n, NULL, c->attempts) : n->cfg.resend_ms;
    c->attempts++;
}

ec_err node_catchup_start(ec_node *n, uint64_t now, const ec_id *token)
{
    if (!n->cfg.catchup) return EC_ERR_ARG;
    if (g_hash_table_lookup(n->catchup, token)) return EC_OK;
    if (g_hash_table_size(n->catchup) >= n->cfg.catchups_max) {
        n->stats.dropped_catchup_full++; /* the re-send timer asks again */
        return EC_ERR_RANGE;
    }
    catchup *c = calloc(1, sizeof *c);
    if (c == NULL) return EC_ERR_NOMEM;
    c->token = *token;
    g_hash_table_insert(n->catchup, &c->token, c);
    n->stats.catchups_started++;
    ask(n, now, c);
    uint64_t due = now + c->timeout;
    if (due < n->next_due) n->next_due = due;
    return EC_OK;
}

/* The reporters of `head`, and one of them (to fetch it from). */
static size_t agreeing(const catchup *c, const ec_id *head, const ec_id **one)
{
    size_t cnt = 0;
    for (size_t r = 0; r < c->nrep; r++)
        if (ec_id_cmp(&c->rep_head[r], head) == 0) {
            cnt++;
            *one = &c->rep_from[r];
        }
    return cnt;
}

/* Done with c (adopted, or nothing to adopt): its token goes to *synced
 * for the caller to re-judge. */
static bool finish(ec_node *n, catchup *c, ec_id *synced)
{
    *synced = c->token;
    g_hash_table_remove(n->catchup, synced); /* frees c */
    return true;
}

/* Asks a reporter of the agreed head for transaction `id`. */
static void fetch(ec_node *n, uint64_t now, catchup *c, const ec_id *id)
{
    const ec_id *src = NULL;
    size_t cnt = agreeing(c, &c->head, &src);
    size_t pick = cnt ? ec_rng_below(n->rng, cnt) : 0;
    for (size_t r = 0; r < c->nrep; r++)
        if (ec_id_cmp(&c->rep_head[r], &c->head) == 0 && pick-- == 0) src = &c->rep_from[r];
    if (src == NULL) return;
    c->fetching = true;
    c->want = *id;
    c->asked_at = now;
    ec_rtt_req_sent(&c->rq_fetch, src, now);
    ec_msg g;
    memset(&g, 0, sizeof g);
    g.type = EC_MSG_GET_TX;
    g.u.get_tx.tx_id = *id;
    node_send(n, src, &g);
    /* One request to one peer: its PTO, doubled at each re-ask (or the
     * fixed resend_ms). */
    c->timeout = n->cfg.rtt_timers ? node_timeout(n, src, c->attempts ? c->attempts - 1 : 0) : n->cfg.resend_ms;
    if (now + c->timeout < n->next_due) n->next_due = now + c->timeout;
}

/* Makes the agreed head ours if our stored history shows it descends from
 * our head (heads.c); fetches the first transaction missing on the way
 * back (at most CATCHUP_DEPTH of them); gives up on another branch. */
static bool advance(ec_node *n, uint64_t now, catchup *c, ec_id *synced)
{
    uint8_t buf[EC_TX_MAX_LEN];
    size_t len;
    ec_tx tx;
    ec_err err = ec_store_get_tx(n->store, &c->head, buf, sizeof buf, &len);
    if (err == EC_ERR_NOTFOUND) {
        fetch(n, now, c, &c->head);
        return false;
    }
    int k = -1;
    if (!err && ec_tx_decode(&tx, buf, len) == EC_OK)
        for (int i = 0; i < tx.n_mappings; i++)
            if (ec_id_cmp(&tx.mappings[i].token, &c->token) == 0) k = i;
    if (k < 0) { /* they agreed on a transaction that is not the token's: ask again */
        c->nrep = 0;
        return false;
    }
    ec_head mine;
    bool have = ec_store_get_head(n->store, &c->token, &mine) == EC_OK;
    ec_id gap;
    head_rel rel = node_head_relation(n, &c->token, have ? &mine : NULL, &tx.mappings[k].prev,
                                      tx.timestamp_ms, &gap);
    if (rel == HEAD_GAP) {
        if (c->depth++ < CATCHUP_DEPTH) {
            fetch(n, now, c, &gap);
            return false;
        }
        n->stats.catchups_failed++;
        return finish(n, c, synced);
    }
    if (rel == HEAD_FORK) { /* our head is on another branch: never rolled back */
        if (!have || !node_head_includes(n, &c->token, &mine, &c->head, tx.timestamp_ms))
            n->stats.conflicts_seen++; /* else we are ahead of what they report */
        return finish(n, c, synced);
    }
    /* The agreed token's head, and any other token of the transaction whose
     * head here is the one it extends (what a commit would have done). */
    ec_err werr = EC_OK;
    err = node_write_begin(n, n->store);
    for (int i = 0; !err && !werr && i < tx.n_mappings; i++) {
        const ec_mapping *x = &tx.mappings[i];
        ec_head h, nh = {c->head, tx.timestamp_ms, x->owner};
        werr = ec_store_get_head(n->store, &x->token, &h);
        if (werr && werr != EC_ERR_NOTFOUND) break;
        bool had = werr == EC_OK;
        werr = EC_OK;
        bool direct = had ? ec_id_cmp(&h.tx_id, &x->prev) == 0 && h.timestamp_ms < tx.timestamp_ms
                          : ec_id_is_zero(&x->prev);
        if (i != k && !direct) continue;
        if ((werr = ec_store_put_head(n->store, &x->token, &nh)) == EC_OK)
            werr = node_ballot_moved(n->store, &x->token, had ? &h : NULL);
    }
    if (!err) err = node_write_end(n, n->store, werr, NULL);
    if (err) { /* nothing adopted; the re-ask timer tries again */
        c->fetching = false;
        c->nrep = 0;
        return false;
    }
    n->stats.caught_up++;
    return finish(n, c, synced);
}

bool node_on_mapping(ec_node *n, uint64_t now, const ec_id *from, const ec_msg *m, ec_id *synced)
{
    catchup *c = g_hash_table_lookup(n->catchup, &m->u.mapping.token);
    if (c == NULL || c->fetching || !eligible(n, &c->token, from)) {
        n->stats.dropped_unexpected++;
        return false;
    }
    ec_id head = m->u.mapping.found ? m->u.mapping.tx_id : (ec_id){{0}};
    size_t r;
    for (r = 0; r < c->nrep; r++)
        if (ec_id_cmp(&c->rep_from[r], from) == 0) break;
    if (r == c->nrep) {
        if (c->nrep == NODE_W_MAX) return false;
        c->nrep++;
        /* A first answer to the first round of questions (Karn's rule:
         * after a re-ask we cannot tell which one it answers). */
        if (c->attempts == 1) node_rtt_sample(n, from, now - c->asked_at);
    }
    c->rep_from[r] = *from;
    c->rep_head[r] = head;
    const ec_id *src = NULL;
    if (agreeing(c, &head, &src) < n->cfg.catchup_agree) return false;
    ec_head mine;
    bool have = ec_store_get_head(n->store, &c->token, &mine) == EC_OK;
    if (ec_id_is_zero(&head) || (have && ec_id_cmp(&mine.tx_id, &head) == 0)) {
        /* Nothing to adopt: we hold their head, or the token is unknown to
         * them as well. */
        return finish(n, c, synced);
    }
    c->head = head;
    c->depth = 0;
    return advance(n, now, c, synced);
}

bool node_catchup_on_tx(ec_node *n, uint64_t now, const ec_id *from, const ec_id *id,
                        const uint8_t *bytes, size_t len, ec_id *synced)
{
    GHashTableIter it;
    gpointer key, val;
    catchup *c = NULL;
    g_hash_table_iter_init(&it, n->catchup);
    while (g_hash_table_iter_next(&it, &key, &val)) {
        catchup *x = val;
        if (x->fetching && ec_id_cmp(&x->want, id) == 0) {
            c = x;
            break;
        }
    }
    if (c == NULL) return false;
    node_rtt_answer(n, &c->rq_fetch, from, now);
    ec_tx tx;
    bool maps = false;
    if (ec_tx_decode(&tx, bytes, len) != EC_OK ||
        (n->cfg.verify_signatures && ec_tx_check_signatures(&tx, NULL) != EC_OK))
        return false; /* the caller counts it as malformed */
    for (int i = 0; i < tx.n_mappings; i++) maps |= ec_id_cmp(&tx.mappings[i].token, &c->token) == 0;
    c->fetching = false;
    if (!maps) {
        c->nrep = 0; /* they agreed on a history that is not the token's: ask again */
        return false;
    }
    /* Kept (bytes only: no head moves) so the walk back can go on. */
    ec_err err = node_write_begin(n, n->store);
    if (!err) err = node_write_end(n, n->store, ec_store_put_tx(n->store, id, bytes, len), NULL);
    if (err) {
        c->nrep = 0;
        return false;
    }
    return advance(n, now, c, synced);
}

uint64_t node_catchup_tick(ec_node *n, uint64_t now)
{
    uint64_t next = UINT64_MAX;
    GHashTableIter it;
    gpointer key, val;
    g_hash_table_iter_init(&it, n->catchup);
    while (g_hash_table_iter_next(&it, &key, &val)) {
        catchup *c = val;
        if (now - c->asked_at >= c->timeout) {
            if (c->attempts >= CATCHUP_ATTEMPTS) {
                n->stats.catchups_failed++;
                g_hash_table_iter_remove(&it);
                continue;
            }
            if (c->fetching) { /* the transaction did not come: ask another reporter */
                ec_id want = c->want;
                fetch(n, now, c, &want);
                c->attempts++;
            } else {
                ask(n, now, c);
            }
        }
        uint64_t t = c->asked_at + c->timeout;
        if (t < next) next = t;
    }
    return next;
}
