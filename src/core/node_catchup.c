/* History catch-up (issue 4: "missing history is fetched"): a member that
 * votes 0 on a mapping because it does not know the previous head (it was
 * down, partitioned, or is new to the neighborhood) asks its co-members
 * for the token's current head (get_mapping). When `catchup_agree` of
 * them, each among the w nearest to the token in this node's view, name
 * the same head, it fetches that transaction (get_tx), checks that its
 * bytes hash to the head's id, that it is signed and that it maps the
 * token, makes it its head for the token, and re-judges its pending votes
 * on the token (node_revote_token).
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

void node_catchup_start(ec_node *n, uint64_t now, const ec_id *token)
{
    if (!n->cfg.catchup || g_hash_table_lookup(n->catchup, token)) return;
    if (g_hash_table_size(n->catchup) >= n->cfg.catchups_max) {
        n->stats.dropped_catchup_full++; /* the re-send timer asks again */
        return;
    }
    catchup *c = calloc(1, sizeof *c);
    if (c == NULL) return;
    c->token = *token;
    g_hash_table_insert(n->catchup, &c->token, c);
    n->stats.catchups_started++;
    ask(n, now, c);
    uint64_t due = now + c->timeout;
    if (due < n->next_due) n->next_due = due;
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

static void finish(ec_node *n, uint64_t now, catchup *c)
{
    ec_id token = c->token;
    g_hash_table_remove(n->catchup, &token); /* frees c */
    node_revote_token(n, now, &token);
}

void node_on_mapping(ec_node *n, uint64_t now, const ec_id *from, const ec_msg *m)
{
    catchup *c = g_hash_table_lookup(n->catchup, &m->u.mapping.token);
    if (c == NULL || c->fetching || !eligible(n, &c->token, from)) {
        n->stats.dropped_unexpected++;
        return;
    }
    ec_id head = m->u.mapping.found ? m->u.mapping.tx_id : (ec_id){{0}};
    size_t r;
    for (r = 0; r < c->nrep; r++)
        if (ec_id_cmp(&c->rep_from[r], from) == 0) break;
    if (r == c->nrep) {
        if (c->nrep == NODE_W_MAX) return;
        c->nrep++;
        /* A first answer to the first round of questions (Karn's rule:
         * after a re-ask we cannot tell which one it answers). */
        if (c->attempts == 1) node_rtt_sample(n, from, now - c->asked_at);
    }
    c->rep_from[r] = *from;
    c->rep_head[r] = head;
    const ec_id *src = NULL;
    if (agreeing(c, &head, &src) < n->cfg.catchup_agree) return;
    ec_head mine;
    bool have = ec_store_get_head(n->store, &c->token, &mine) == EC_OK;
    if (ec_id_is_zero(&head) || (have && ec_id_cmp(&mine.tx_id, &head) == 0) ||
        ec_store_has_tx(n->store, &head)) {
        /* Nothing to fetch: we hold their head (or a newer one), or the
         * token is unknown to them as well. */
        finish(n, now, c);
        return;
    }
    c->fetching = true;
    c->want = head;
    ec_msg g;
    g.type = EC_MSG_GET_TX;
    g.u.get_tx.tx_id = head;
    ec_rtt_req_sent(&c->rq_fetch, src, now);
    node_send(n, src, &g);
    /* The fetch is one request to one peer: its PTO (the re-ask timer
     * still counts from the last question). */
    if (n->cfg.rtt_timers) {
        c->asked_at = now;
        c->timeout = node_timeout(n, src, c->attempts - 1);
        if (now + c->timeout < n->next_due) n->next_due = now + c->timeout;
    }
}

void node_catchup_on_tx(ec_node *n, uint64_t now, const ec_id *from, const ec_id *id,
                        const uint8_t *bytes, size_t len)
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
    if (c == NULL) return;
    node_rtt_answer(n, &c->rq_fetch, from, now);
    ec_tx tx;
    bool maps = false;
    if (ec_tx_decode(&tx, bytes, len) != EC_OK ||
        (n->cfg.verify_signatures && ec_tx_check_signatures(&tx, NULL) != EC_OK))
        return; /* the caller counts it as malformed */
    for (int i = 0; i < tx.n_mappings; i++) maps |= ec_id_cmp(&tx.mappings[i].token, &c->token) == 0;
    if (!maps) {
        c->fetching = false; /* they agreed on a transaction that is not the token's */
        c->nrep = 0;
        return;
    }
    ec_err err = ec_store_begin(n->store);
    if (!err) err = ec_store_put_tx(n->store, id, bytes, len);
    /* The agreed token's head, and any other token of the transaction whose
     * head here is the one it extends (what a commit would have done). */
    for (int i = 0; !err && i < tx.n_mappings; i++) {
        const ec_mapping *x = &tx.mappings[i];
        ec_head mine, nh = {*id, tx.timestamp_ms, x->owner};
        err = ec_store_get_head(n->store, &x->token, &mine);
        if (err && err != EC_ERR_NOTFOUND) break;
        bool have = err == EC_OK;
        err = EC_OK;
        bool agreed = ec_id_cmp(&x->token, &c->token) == 0;
        bool extends = have ? ec_id_cmp(&mine.tx_id, &x->prev) == 0 : ec_id_is_zero(&x->prev);
        if (!(agreed ? !have || mine.timestamp_ms < tx.timestamp_ms : extends)) continue;
        if ((err = ec_store_put_head(n->store, &x->token, &nh)) == EC_OK)
            err = node_ballot_moved(n->store, &x->token, have ? &mine : NULL);
    }
    if (!err) err = ec_store_commit(n->store);
    if (err) {
        /* Nothing adopted; the re-ask timer tries again. */
        ec_store_abort(n->store);
        n->stats.store_errors++;
        c->fetching = false;
        c->nrep = 0;
        return;
    }
    n->stats.caught_up++;
    finish(n, now, c);
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
                const ec_id *src = NULL;
                size_t cnt = agreeing(c, &c->want, &src);
                size_t pick = ec_rng_below(n->rng, cnt);
                for (size_t r = 0; r < c->nrep; r++)
                    if (ec_id_cmp(&c->rep_head[r], &c->want) == 0 && pick-- == 0) src = &c->rep_from[r];
                ec_msg g;
                g.type = EC_MSG_GET_TX;
                g.u.get_tx.tx_id = c->want;
                ec_rtt_req_sent(&c->rq_fetch, src, now);
                node_send(n, src, &g);
                c->asked_at = now;
                c->timeout = n->cfg.rtt_timers ? node_timeout(n, src, c->attempts) : n->cfg.resend_ms;
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
