/* The node: creation, the peer set and its round-trip estimates, inbound
 * dispatch (decode, then the module whose message it is; what one module
 * returns another acts on, so no module calls a higher one), and the
 * timers. The file map of src/core is in docs/CONSENSUS.md. */
#include <assert.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/node_internal.h"
#include "crypto/blake3.h"
#include "ledger/idhash.h"
#include "ledger/validate.h"

ec_err ec_node_new(ec_node **out, const ec_node_config *cfg, const ec_node_env *env)
{
    if (out == NULL || cfg == NULL || env == NULL || env->store == NULL || env->rng == NULL)
        return EC_ERR_ARG;
    const ec_id *addr = &env->addr;
    ec_store *store = env->store;
    ec_rng *rng = env->rng;
    if (ec_node_config_check(cfg, NULL) != EC_OK) return EC_ERR_ARG;
    ec_node *n = calloc(1, sizeof *n);
    if (n == NULL) return EC_ERR_NOMEM;
    n->cfg = *cfg;
    n->addr = *addr;
    n->store = store;
    n->vote_store = store;
    n->rng = rng;
    if (cfg->volatile_votes && ec_store_mem_open(&n->vote_store) != EC_OK) {
        free(n);
        return EC_ERR_NOMEM;
    }
    ec_err err = ec_peers_new(&n->peers, addr, cfg->bucket_size);
    if (err) {
        if (n->vote_store != store) ec_store_close(n->vote_store);
        free(n);
        return err;
    }
    n->pending = g_hash_table_new_full(ec_idhash_hash, ec_idhash_equal, NULL, node_ptx_free);
    n->outbox = g_queue_new();
    n->settled = g_queue_new();
    n->lookups = g_hash_table_new_full(ec_idhash_hash, ec_idhash_equal, free, NULL);
    n->per_peer = g_hash_table_new_full(ec_idhash_hash, ec_idhash_equal, free, NULL);
    n->catchup = g_hash_table_new_full(ec_idhash_hash, ec_idhash_equal, NULL, free);
    n->convicted = g_hash_table_new_full(ec_idhash_hash, ec_idhash_equal, free, NULL);
    n->claims = g_hash_table_new_full(ec_idhash_hash, ec_idhash_equal, NULL, free);
    n->claims_order = g_queue_new();
    n->next_due = UINT64_MAX;
    if (env->key) {
        n->key = *env->key;
        n->has_key = true;
    }
    n->sync_due = UINT64_MAX;
    if (cfg->life) n->next_due = 0; /* the lifecycle's first scan at the first tick */
    node_chain_start(n);
    if (n->chain_due < n->next_due) n->next_due = n->chain_due;
    if (env->record) {
        memcpy(n->record, env->record, EC_MSG_IDENTITY_LEN);
        n->has_record = true;
    }
    n->id_check = env->identity;
    n->id_check_arg = env->identity_arg;
    n->on_commit = env->on_commit;
    n->on_commit_arg = env->on_commit_arg;
    n->log = env->log;
    n->log_arg = env->log_arg;
    if (node_book_new(n) != EC_OK) {
        ec_node_free(n);
        return EC_ERR_NOMEM;
    }
    node_convict_load(n); /* whom this store holds evidence against: set aside again */
    *out = n;
    return EC_OK;
}

void ec_node_free(ec_node *n)
{
    if (n == NULL) return;
    g_hash_table_destroy(n->lookups);
    g_hash_table_destroy(n->pending); /* before per_peer: ptx frees count down */
    g_hash_table_destroy(n->per_peer);
    g_hash_table_destroy(n->catchup);
    g_hash_table_destroy(n->convicted);
    node_claims_free(n);
    node_sync_free(n);
    node_pos_free(n);
    node_life_free(n);
    g_queue_free_full(n->outbox, free);
    g_queue_free_full(n->settled, free);
    ec_peers_free(n->peers);
    if (n->vote_store != n->store) ec_store_close(n->vote_store);
    ec_sign_wipe(&n->key);
    if (n->batch) ec_store_abort(n->store);
    node_book_free(n);
    free(n->events);
    free(n->asked);
    free(n->touched);
    free(n);
}


void node_log(ec_node *n, int level, const char *fmt, ...)
{
    if (n->log == NULL) return;
    char line[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    n->log(n->log_arg, level, line);
}

void node_peer_failed(ec_node *n, const ec_id *peer)
{
    if (!ec_peers_failed(n->peers, peer, n->cfg.peer_fail_max)) return;
    n->stats.peers_evicted++;
    node_view_changed(n);
}

void node_rtt_sample(ec_node *n, const ec_id *peer, uint64_t ms)
{
    ec_peers_rtt_sample(n->peers, peer, ms, n->cfg.rtt_max_ms);
    ec_rtt_sample(&n->rtt, ms, n->cfg.rtt_max_ms);
}

void node_rtt_answer(ec_node *n, ec_rtt_req *q, const ec_id *from, uint64_t now)
{
    uint64_t ms;
    if (ec_rtt_req_answered(q, from, now, &ms)) node_rtt_sample(n, from, ms);
}

ec_err ec_node_rtt_observe(ec_node *n, const ec_id *peer, uint64_t ms)
{
    if (n == NULL || peer == NULL) return EC_ERR_ARG;
    node_rtt_sample(n, peer, ms);
    return EC_OK;
}

uint64_t ec_node_pto(const ec_node *n, const ec_id *peer)
{
    const ec_rtt *r = peer ? ec_peers_rtt(n->peers, peer) : NULL;
    ec_rtt_limits lim = {n->cfg.rtt_initial_ms, n->cfg.rtt_granularity_ms, n->cfg.rtt_max_ms};
    return ec_rtt_pto(r ? r : &n->rtt, &lim);
}

uint64_t node_timeout(const ec_node *n, const ec_id *peer, unsigned retries)
{
    if (!n->cfg.rtt_timers) /* the fixed timers: 1, 2, 4... resend periods */
        return n->cfg.resend_ms << (retries < 6 ? retries : 6);
    return ec_rtt_backoff(ec_node_pto(n, peer), retries, n->cfg.rtt_max_ms);
}

void node_arm(ec_node *n, ptx *p, uint64_t at)
{
    if (at < p->next_resend) p->next_resend = at;
    if (at < n->next_due) n->next_due = at;
}

bool ec_node_rtt(const ec_node *n, const ec_id *peer, ec_rtt *out)
{
    const ec_rtt *r = peer ? ec_peers_rtt(n->peers, peer) : &n->rtt;
    if (!ec_rtt_valid(r)) return false;
    *out = *r;
    return true;
}

/* A peer heard from or named: into the peer table if its bucket has room,
 * and its endpoint into the table or the book. */
ec_err node_learn_peer(ec_node *n, const ec_id *peer, const ec_endpoint *ep, bool heard)
{
    ec_err err = ec_peers_add(n->peers, peer);
    if (err == EC_OK) node_view_changed(n);
    node_book_learn(n, peer, ep, heard);
    return err;
}

ec_err ec_node_add_peer(ec_node *n, const ec_id *peer, const ec_endpoint *ep)
{
    if (ep && ep->len > EC_ENDPOINT_MAX) return EC_ERR_ARG;
    return node_learn_peer(n, peer, ep, true);
}

const ec_id *ec_node_addr(const ec_node *n) { return &n->addr; }
const ec_node_stats *ec_node_stats_get(const ec_node *n) { return &n->stats; }
size_t ec_node_pending(const ec_node *n) { return g_hash_table_size(n->pending); }
const ec_peers *ec_node_peer_table(const ec_node *n) { return n->peers; }

bool ec_node_responsible(const ec_node *n, const ec_id *target)
{
    return ec_peers_responsible(n->peers, target, n->cfg.w);
}

static void invariants(const ec_node *n);
static void dispatch_msg(ec_node *n, uint64_t now, const ec_id *from, const ec_msg *m);

/* ---- inbound ---- */

static void on_peers(ec_node *n, uint64_t now, const ec_id *from, const ec_msg *m)
{
    if (node_coord_on_peers(n, now, from, m)) return; /* an answer to one of our lookups */
    /* Else a member list for a transaction (target = tx id): where each can
     * be reached (hearsay), then the list. (No RTT sample: the coordinator
     * also sends it unasked, so an answer is ambiguous.) */
    for (int i = 0; i < m->u.peers.n; i++) node_book_learn(n, &m->u.peers.peers[i], &m->u.peers.eps[i], false);
    node_on_members(n, now, from, &m->u.peers.target, m->u.peers.peers, m->u.peers.n, true);
}

/* A routed transaction: forward it toward its target, or, as the first
 * member of the target's neighborhood on its way, spread it there (with
 * our view of the neighborhood as its member list), tell its origin who
 * the members are, and take it ourselves. Forwarders keep no state. */
static void on_routed_tx(ec_node *n, uint64_t now, const ec_id *from, const ec_msg *m)
{
    ec_tx tx;
    ec_id id, target;
    if (ec_tx_decode(&tx, m->u.tx.bytes, m->u.tx.len) != EC_OK ||
        (m->u.tx.route != EC_MSG_ROUTE_WITNESS && m->u.tx.route >= tx.n_mappings)) {
        n->stats.dropped_malformed++;
        return;
    }
    ec_blake3_hash(m->u.tx.bytes, m->u.tx.len, id.b);
    target = m->u.tx.route == EC_MSG_ROUTE_WITNESS ? id : tx.mappings[m->u.tx.route].token;
    if (!ec_node_responsible(n, &target)) {
        ec_id next;
        if (m->u.tx.hops > 1 && ec_peers_nearest(n->peers, &target, 1, false, &next) == 1 &&
            ec_id_cmp_distance(&target, &next, &n->addr) < 0) {
            ec_msg f = *m;
            f.u.tx.hops--;
            node_send(n, &next, &f);
        } else {
            n->stats.dropped_unexpected++;
        }
        return;
    }
    ec_id near[NODE_W_MAX];
    size_t nn = ec_peers_nearest(n->peers, &target, n->cfg.w, true, near);
    ec_msg f;
    memset(&f, 0, sizeof f);
    f.type = EC_MSG_TX;
    f.u.tx.route = EC_MSG_ROUTE_SPREAD;
    f.u.tx.origin = m->u.tx.origin;
    f.u.tx.len = m->u.tx.len;
    memcpy(f.u.tx.bytes, m->u.tx.bytes, m->u.tx.len);
    if (EC_MSG_TX_HEAD + EC_ID_LEN + nn * EC_ID_LEN + f.u.tx.len <= EC_MSG_MAX) {
        f.u.tx.nmembers = (uint8_t)nn;
        memcpy(f.u.tx.members, near, nn * sizeof(ec_id));
    }
    for (size_t k = 0; k < nn; k++)
        if (ec_id_cmp(&near[k], &n->addr) != 0 && ec_id_cmp(&near[k], from) != 0 &&
            ec_id_cmp(&near[k], &m->u.tx.origin) != 0)
            node_send(n, &near[k], &f);
    ec_msg r;
    memset(&r, 0, sizeof r);
    r.type = EC_MSG_PEERS;
    r.u.peers.target = target;
    r.u.peers.n = (uint8_t)nn;
    memcpy(r.u.peers.peers, near, nn * sizeof(ec_id));
    node_book_fill(n, &r);
    node_send(n, &m->u.tx.origin, &r);
    node_on_members(n, now, from, &id, near, nn, tx.n_mappings == 1);
    node_on_tx(n, now, from, &id, m->u.tx.bytes, m->u.tx.len);
    /* The co-members we spread it to answer with their votes: round-trip
     * samples for the members, who otherwise ask nobody anything. */
    ptx *p = m->u.tx.route < tx.n_mappings ? node_ptx_get(n, &id, false, now) : NULL;
    if (p && p->spread_at == 0) {
        p->spread_at = now;
        p->spread_map = m->u.tx.route;
    }
}

/* A transaction not routed: from its coordinator (maybe with the member
 * list), spread by a neighborhood's first member, or an answer to get_tx. */
static void on_tx(ec_node *n, uint64_t now, const ec_id *from, const ec_msg *m)
{
    /* The id once, for the catch-up, the member list and the vote. */
    ec_id id;
    ec_blake3_hash(m->u.tx.bytes, m->u.tx.len, id.b);
    ec_id synced;
    /* A transaction chain sync asked for: adopted (or not) there; it goes
     * on to the vote only if a pending transaction waits for its bytes. */
    if (m->u.tx.hops == 0 && node_sync_on_tx(n, now, &id, m->u.tx.bytes, m->u.tx.len) &&
        node_ptx_get(n, &id, false, now) == NULL)
        return;
    if (g_hash_table_size(n->catchup) > 0 &&
        node_catchup_on_tx(n, now, from, &id, m->u.tx.bytes, m->u.tx.len, &synced))
        node_revote_token(n, now, &synced);
    if (m->u.tx.nmembers > 0) {
        ec_tx tx;
        /* One neighborhood's list is the whole list of a 1-token tx. */
        bool spread = m->u.tx.route == EC_MSG_ROUTE_SPREAD;
        bool full = !spread || (ec_tx_decode(&tx, m->u.tx.bytes, m->u.tx.len) == EC_OK && tx.n_mappings == 1);
        node_on_members(n, now, from, &id, m->u.tx.members, m->u.tx.nmembers, full);
        ptx *p = spread ? node_ptx_get(n, &id, false, now) : NULL;
        if (p) {
            p->coord = m->u.tx.origin;
            p->has_coord = true;
        }
    }
    node_on_tx(n, now, from, &id, m->u.tx.bytes, m->u.tx.len);
}

/* Debug builds: every limit holds after every call (node_check.c). */
static void invariants(const ec_node *n)
{
#ifdef EC_NODE_DEBUG
    const char *why = NULL;
    ec_err err = ec_node_check(n, &why);
    assert(err == EC_OK && why == NULL);
    (void)err;
#else
    (void)n;
#endif
}


ec_err ec_node_recv(ec_node *n, uint64_t now, const ec_id *from, const ec_endpoint *from_ep,
                    const uint8_t *buf, size_t len)
{
    ec_msg m;
    if (ec_msg_decode(&m, buf, len) != EC_OK) {
        n->stats.dropped_malformed++;
        return EC_ERR_MALFORMED;
    }
    n->stats.recv[m.type]++;
    node_learn_peer(n, from, from_ep, true); /* whoever talks to us is a candidate peer */
    ec_peers_heard(n->peers, from);
    dispatch_msg(n, now, from, &m);
    invariants(n);
    return EC_OK;
}

static void dispatch_msg(ec_node *n, uint64_t now, const ec_id *from, const ec_msg *m)
{
    ptx *p;
    ec_id synced;
    switch (m->type) {
    case EC_MSG_TX:
        if (m->u.tx.hops > 0) on_routed_tx(n, now, from, m);
        else on_tx(n, now, from, m);
        break;
    case EC_MSG_VOTE: node_on_vote(n, now, from, m); break;
    case EC_MSG_VOTES: /* the relay checks and keeps them; the member goes on */
        if ((p = node_on_votes(n, now, from, m)) != NULL) node_votes_added(n, now, from, p);
        break;
    case EC_MSG_PEERS: on_peers(n, now, from, m); break;
    case EC_MSG_FIND_PEERS: node_on_find_peers(n, from, m); break;
    case EC_MSG_GET_TX: node_on_get_tx(n, from, m); break;
    case EC_MSG_GET_MAPPING: node_on_get_mapping(n, from, m); break;
    case EC_MSG_MAPPING: /* a catch-up's answer: re-vote once it is done */
        /* Claims only from answers to a question of ours (a catch-up of
         * that token): unasked answers cannot push claims out of the table. */
        if (g_hash_table_contains(n->catchup, &m->u.mapping.token)) node_claims_on_mapping(n, now, from, m);
        node_sync_heard_tip(n, now, from, m->u.mapping.chain_height);
        if (node_on_mapping(n, now, from, m, &synced)) node_revote_token(n, now, &synced);
        break;
    case EC_MSG_GET_VOTES: node_answer_votes(n, from, &m->u.get_votes.tx_id); break;
    case EC_MSG_GET_IDENTITY: node_on_get_identity(n, from, m); break;
    case EC_MSG_IDENTITY: node_on_identity(n, now, from, m); break;
    case EC_MSG_GET_CHAIN: node_on_get_chain(n, from, m); break;
    case EC_MSG_GET_BODY: node_on_get_body(n, from, m); break;
    case EC_MSG_CHAIN: { /* a fork sync found is evidence for convict.c */
        ec_chain_evidence fork;
        if (node_sync_on_chain(n, now, from, m, &fork)) node_convict_chain(n, now, &fork);
        break;
    }
    case EC_MSG_BODY: { /* a source's block: the claims it made about it are checked */
        ec_block_header bh;
        ec_block_body bb;
        if (node_sync_on_body(n, now, from, m, &bh, &bb)) node_claims_on_block(n, now, from, &bh, &bb);
        break;
    }
    case EC_MSG_GET_RANGE: node_on_get_range(n, from, m); break;
    case EC_MSG_RANGE: node_sync_on_range(n, now, from, m); break;
    case EC_MSG_EVIDENCE: node_convict_on_evidence(n, now, from, m); break;
    case EC_MSG_GET_PROOF: node_on_get_proof(n, now, from, m); break;
    case EC_MSG_PROOF: node_pos_on_proof(n, now, from, m); break;
    case EC_MSG_INVITE: node_life_on_invite(n, now, from); break;
    default: n->stats.dropped_unexpected++; break;
    }
}

static ec_err tick(ec_node *n, uint64_t now)
{
    /* Nothing to do before the earliest timer. */
    if (now < n->next_due) return EC_OK;
    uint64_t next = node_catchup_tick(n, now);
    uint64_t chain = node_chain_tick(n, now);
    if (chain < next) next = chain;
    uint64_t sync = node_sync_tick(n, now);
    if (sync < next) next = sync;
    uint64_t pos = node_pos_tick(n, now); /* storage-proof challenges unanswered */
    if (pos < next) next = pos;
    uint64_t life = node_life_tick(n, now); /* elections, re-checks, swaps */
    if (life < next) next = life;
    GHashTableIter it;
    gpointer key, val;
    g_hash_table_iter_init(&it, n->pending);
    while (g_hash_table_iter_next(&it, &key, &val)) {
        ptx *p = val;
        if (now >= p->deadline) {
            bool member = false;
            for (int i = 0; p->have_tx && i < p->tx.n_mappings; i++) member |= p->member_of[i];
            if (!p->committed && member) n->stats.timed_out++;
            node_outcome_timeout(n, p);
            node_lookups_forget(n, p);
            g_hash_table_iter_remove(&it);
            continue;
        }
        /* A held quorum (commit_hold_ms) whose hold is over. */
        if (p->hold_until && !p->hold_over && !p->committed && now >= p->hold_until) node_try_commit(n, now, p);
        if (now >= p->next_resend) {
            p->next_resend = p->deadline; /* what is still waiting arms it below */
            if (p->coordinator && !p->dispatched) node_coord_step(n, now, p);
            node_vote_tick(n, now, p);
            /* Nothing left to re-send: sleep until the deadline. */
            bool polling = p->coordinator && p->dispatched && !p->outcome;
            bool waiting = (p->coordinator && !p->dispatched) || (!p->have_tx && p->nvotes > 0) ||
                           (p->voted && !p->committed) || polling;
            if (!waiting) p->next_resend = p->deadline;
            /* Vote re-sends back off: 1, 2, 4, 8... times the node's PTO
             * (rtt_timers) or resend_ms. */
            else if (p->voted && !p->committed) p->next_resend = now + node_timeout(n, NULL, p->resends);
            else if (p->coordinator && !p->dispatched) {
                /* rtt_timers: coordinator_step armed the first query's timeout. */
                if (!n->cfg.rtt_timers) p->next_resend = now + n->cfg.lookup_timeout_ms;
            }
            /* A submitter's polls back off like the vote re-sends. */
            else if (polling) p->next_resend = now + node_timeout(n, NULL, p->polls);
            /* The transaction asked again from a voter: every resend_ms,
             * or backing off from the node's PTO (rtt_timers). */
            else if (!n->cfg.rtt_timers) p->next_resend = now + n->cfg.resend_ms;
            else p->next_resend = now + node_timeout(n, NULL, p->rq_tx.sent ? p->rq_tx.sent - 1u : 0u);
        }
        uint64_t t = p->committed ? p->deadline : (p->next_resend < p->deadline ? p->next_resend : p->deadline);
        if (!p->committed && p->hold_until && !p->hold_over && p->hold_until < t) t = p->hold_until;
        if (t < next) next = t;
    }
    n->next_due = next;
    return EC_OK;
}

ec_err ec_node_sync_token(ec_node *n, uint64_t now, const ec_id *token)
{
    if (n == NULL || token == NULL) return EC_ERR_ARG;
    ec_err err = node_catchup_start(n, now, token);
    invariants(n);
    return err;
}

ec_err ec_node_pos_challenge(ec_node *n, uint64_t now, const ec_id *peer, const ec_id *token)
{
    if (n == NULL || peer == NULL || token == NULL) return EC_ERR_ARG;
    ec_err err = node_pos_challenge(n, now, peer, token);
    invariants(n);
    return err;
}

ec_err ec_node_pos_challenge_any(ec_node *n, uint64_t now, const ec_id *peer)
{
    if (n == NULL || peer == NULL) return EC_ERR_ARG;
    ec_err err = node_pos_challenge_any(n, now, peer);
    invariants(n);
    return err;
}

void node_pos_ended(ec_node *n, uint64_t now, const ec_id *peer, int verdict)
{
    /* A new neighbor: its chain is followed now (seed §7.5: swapped-in
     * neighbors synced through the commit chains). */
    if (node_life_on_pos(n, now, peer, verdict)) node_sync_on_elected(n, now);
}

unsigned ec_node_pos_region(const ec_node *n)
{
    return n ? node_pos_region(n) : 0;
}

ec_err ec_node_submit(ec_node *n, uint64_t now, const ec_tx *tx)
{
    ec_err err = node_coord_submit(n, now, tx);
    invariants(n);
    return err;
}

ec_err ec_node_tick(ec_node *n, uint64_t now)
{
    ec_err err = tick(n, now);
    invariants(n);
    return err;
}

uint64_t ec_node_next_deadline(const ec_node *n)
{
    return n->next_due;
}
