/* Pending transactions, votes and commits (seed §10; docs/CONSENSUS.md).
 *
 * A member of token t's neighborhood votes once per (token, head): +1 for
 * the first valid transaction it sees on that head, -1 for any other
 * (conflicting, invalid), 0 when it lacks the history to judge. Votes are
 * sticky: a member never moves its +1 to another transaction on the same
 * head. A node commits when, for every token, the votes of eligible voters
 * (the w nearest to the token in its view) hold at least `quorum` positives
 * and a net balance of at least `vote_threshold`. With quorum > w/2 and
 * sticky votes two conflicting transactions cannot both reach it. */
#include <stdlib.h>
#include <string.h>

#include "core/node_internal.h"
#include "core/vote_sig.h"
#include "ledger/validate.h"

static bool vote_target(ec_node *n, ptx *p, const ec_id *id);
static void spread_answered(ec_node *n, const ec_id *from, uint64_t ms);
static void echo_vote(ec_node *n, ptx *p, const ec_id *to);

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

ptx *node_ptx_new(ec_node *n, const ec_id *id, const ec_id *creator, uint64_t now)
{
    if (g_hash_table_size(n->pending) >= n->cfg.pending_max) {
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

void node_ask_members(ec_node *n, const ptx *p, const ec_id *to)
{
    ec_msg q;
    q.type = EC_MSG_FIND_PEERS;
    q.u.find_peers.target = p->id;
    q.u.find_peers.want = NODE_WANT_MEMBERS;
    node_send(n, to, &q); /* node_send drops one to ourselves */
}

void node_on_tx(ec_node *n, uint64_t now, const ec_id *from, const ec_id *txid, const uint8_t *bytes,
                size_t len)
{
    ec_tx tx;
    ec_id id = *txid;
    if (ec_tx_decode(&tx, bytes, len) != EC_OK ||
        (n->cfg.verify_signatures && ec_tx_check_signatures(&tx, NULL) != EC_OK)) {
        n->stats.dropped_malformed++;
        return;
    }
    ptx *p = node_ptx_get(n, &id, false, now);
    if (p == NULL && ec_store_has_tx(n->store, &id)) {
        n->stats.dropped_unexpected++; /* already committed and forgotten */
        return;
    }
    if (p == NULL) p = node_ptx_new(n, &id, from, now);
    if (p == NULL || p->have_tx) return;
    p->tx = tx;
    memcpy(p->bytes, bytes, len);
    p->len = len;
    p->have_tx = true;
    node_votes_prune(n, p);
    /* The coordinator sends the member list just before the transaction;
     * a transaction with no list and no votes yet comes from the
     * coordinator, and its list was lost: ask it again at once (a member
     * without the list cannot reach the other neighborhoods). */
    bool member = false;
    for (int i = 0; i < tx.n_mappings; i++) member |= ec_node_responsible(n, &tx.mappings[i].token);
    if (!p->have_members && !p->spread && p->nvotes == 0 && member) node_ask_members(n, p, from);
    node_try_vote(n, now, p);
}

/* A member the list does not name (the coordinator's view of our
 * neighborhood missed us): the others' bundles are aimed by that list, so
 * ask for them at once instead of at the first re-send. */
static void unlisted_poke(ec_node *n, ptx *p)
{
    if (p->voted && p->have_members && !p->listed && !p->committed &&
        n->cfg.vote_relay == EC_VOTE_RELAY_BUNDLE)
        node_bundle_poke(n, p);
}

void node_on_members(ec_node *n, uint64_t now, const ec_id *from, const ec_id *tx_id,
                     const ec_id *ids, size_t cnt, bool full)
{
    ptx *p = node_ptx_get(n, tx_id, false, now);
    if (p == NULL) {
        if (ec_store_has_tx(n->store, tx_id)) return;
        p = node_ptx_new(n, tx_id, from, now);
        if (p == NULL) return;
    }
    size_t before = p->nmembers;
    for (size_t i = 0; i < cnt; i++) {
        node_add_member(p, &ids[i]);
        p->listed |= full && ec_id_cmp(&ids[i], &n->addr) == 0;
    }
    p->have_members |= full;
    p->spread |= !full;
    if (p->voted) {
        /* We voted before the list came: the members it adds get our vote. */
        for (size_t k = before; k < p->nmembers; k++)
            if (vote_target(n, p, &p->members[k])) echo_vote(n, p, &p->members[k]);
        p->members_sent = p->nmembers;
        unlisted_poke(n, p);
        if (full) node_bundle_maybe_send(n, now, p); /* a quorum may be waiting for it */
    }
    node_try_vote(n, now, p);
}

/* Votes on the mappings we are a member of whose vote is still open:
 * all of them (first), those out of order on `token` (after a catch-up:
 * synced), or those whose +1 the store could not keep (a retry). Returns
 * whether a vote changed. */
static bool cast(ec_node *n, uint64_t now, ptx *p, const ec_id *token, bool synced)
{
    bool changed = false;
    for (int i = 0; i < p->tx.n_mappings; i++) {
        if (!p->member_of[i]) continue;
        bool retry = p->ballot_failed & (1u << i);
        if (p->voted && !retry &&
            (token == NULL || p->my_vote[i] != EC_MSG_VOTE_OUT_OF_ORDER ||
             ec_id_cmp(&p->tx.mappings[i].token, token) != 0))
            continue;
        ballot b = node_ballot(n, now, p, i, synced);
        if (b.value != p->my_vote[i]) node_batch_touch(n, &p->id);
        changed |= b.value != p->my_vote[i];
        p->my_vote[i] = b.value;
        if (b.store_failed) p->ballot_failed |= (uint8_t)(1u << i);
        else p->ballot_failed &= (uint8_t)~(1u << i);
        if (b.rule == EC_RULE_MISSING_HISTORY && b.value == EC_MSG_VOTE_OUT_OF_ORDER)
            node_catchup_start(n, now, &p->tx.mappings[i].token);
    }
    return changed;
}

/* Who gets our vote: every token's members (direct relay), or only the
 * members of our own tokens (bundle relay: the others get it in bundles). */
static bool vote_target(ec_node *n, ptx *p, const ec_id *id)
{
    if (n->cfg.vote_relay == EC_VOTE_RELAY_DIRECT) return node_token_member(n, p, id, false);
    for (int i = 0; i < p->tx.n_mappings; i++)
        if (p->member_of[i] && node_eligible(n, p, i, id)) return true;
    return false;
}

void node_build_vote(ec_node *n, const ptx *p, ec_msg *m)
{
    memset(m, 0, sizeof *m);
    m->type = EC_MSG_VOTE;
    m->u.vote.tx_id = p->id;
    /* Signed already: our own record of this version (see refresh_self). */
    for (size_t k = 0; k < p->nvotes; k++) {
        const voter_vote *e = &p->votes[k];
        if (e->v.version == p->my_version && ec_id_cmp(&e->v.voter, &n->addr) == 0) {
            m->u.vote.n = e->n;
            m->u.vote.v = e->v;
            return;
        }
    }
    bool any = false;
    for (int i = 0; i < p->tx.n_mappings; i++) {
        m->u.vote.v.values[i] = p->member_of[i] ? p->my_vote[i] : EC_MSG_VOTE_NONE;
        any |= p->member_of[i];
    }
    if (!any) return;
    m->u.vote.n = (uint8_t)p->tx.n_mappings;
    m->u.vote.v.voter = n->addr;
    m->u.vote.v.version = p->my_version;
    if (n->has_key) ec_vote_sign(&m->u.vote.v, &n->key, &p->id, m->u.vote.n);
}

/* Signs our vote at its current version once and keeps it with the others. */
static void refresh_self(ec_node *n, ptx *p)
{
    ec_msg self;
    node_build_vote(n, p, &self);
    if (self.u.vote.n) node_record_vote(p, &self.u.vote.v, self.u.vote.n);
}

static void send_vote(ec_node *n, ptx *p, bool only_silent)
{
    ec_msg m;
    node_build_vote(n, p, &m);
    if (m.u.vote.n == 0) return;
    for (size_t k = 0; k < p->nmembers; k++) {
        if (only_silent) {
            bool heard = false;
            for (size_t v = 0; v < p->nvotes; v++) heard |= ec_id_cmp(&p->votes[v].v.voter, &p->members[k]) == 0;
            if (heard) continue;
        }
        if (!vote_target(n, p, &p->members[k])) continue;
        node_send(n, &p->members[k], &m);
    }
}

bool node_vote_admissible(ec_node *n, ptx *p, const ec_id *voter)
{
    return !p->have_tx || ec_id_cmp(voter, &n->addr) == 0 || node_token_member(n, p, voter, true);
}

void node_votes_prune(ec_node *n, ptx *p)
{
    size_t k = 0;
    for (size_t v = 0; v < p->nvotes; v++) {
        if (node_vote_admissible(n, p, &p->votes[v].v.voter)) p->votes[k++] = p->votes[v];
        else n->stats.votes_ineligible++;
    }
    size_t limit = 2 * (size_t)p->tx.n_mappings * n->cfg.w;
    if (k > limit) {
        n->stats.votes_dropped_full += k - limit;
        k = limit;
    }
    p->nvotes = k;
}

vote_seen node_record_vote(ptx *p, const ec_msg_signed_vote *v, uint8_t nv)
{
    for (size_t k = 0; k < p->nvotes; k++) {
        voter_vote *e = &p->votes[k];
        if (ec_id_cmp(&e->v.voter, &v->voter) != 0) continue;
        if (v->version <= e->v.version) return VOTE_SAME; /* keep only the newest */
        e->v = *v;
        e->n = nv;
        return VOTE_NEWER;
    }
    /* Room for w voters per token, twice over: views differ at the edge,
     * and a nearer voter that arrives pushes one out of the w nearest
     * (whose vote we then keep until the room is needed). Before the
     * transaction is known: w per token of the largest transaction (the
     * votes often come first, from every token's members). */
    ec_node *n = p->node;
    size_t limit = p->have_tx ? 2 * (size_t)p->tx.n_mappings * n->cfg.w : (size_t)EC_TX_MAPPINGS_MAX * n->cfg.w;
    if (p->nvotes >= limit && p->have_tx) {
        /* Make room: a vote whose voter is no longer eligible for any token. */
        for (size_t k = 0; k < p->nvotes; k++)
            if (!node_token_member(n, p, &p->votes[k].v.voter, false)) {
                p->votes[k] = p->votes[--p->nvotes];
                break;
            }
    }
    if (p->nvotes >= limit) {
        n->stats.votes_dropped_full++;
        return VOTE_FULL;
    }
    if (p->nvotes == p->capvotes) {
        size_t cap = p->capvotes ? 2 * p->capvotes : 8;
        if (cap > NODE_VOTERS_MAX) cap = NODE_VOTERS_MAX;
        voter_vote *grown = realloc(p->votes, cap * sizeof *grown);
        if (grown == NULL) return VOTE_FULL;
        p->votes = grown;
        p->capvotes = cap;
    }
    voter_vote *e = &p->votes[p->nvotes++];
    e->v = *v;
    e->n = nv;
    return VOTE_NEW;
}

/* Our vote, to one voter who did not have it (views of a neighborhood
 * differ at its edge: a node another member does not count may still
 * count on us). */
static void echo_vote(ec_node *n, ptx *p, const ec_id *to)
{
    ec_msg m;
    node_build_vote(n, p, &m);
    if (m.u.vote.n) node_send(n, to, &m);
}

/* What commit_writes did with each token's head. */
typedef struct commit_result {
    unsigned conflicts, refused;
    int behind[EC_TX_MAPPINGS_MAX]; /* mappings past a gap in our history */
    int nbehind;
} commit_result;

/* May a decided transaction be applied here, and which heads move (move[i])?
 * A head moves only forward (heads.c): to a direct successor the ledger's
 * rules accept on our head, or to a transaction our stored history shows
 * descends from it (or it is the head already: adopted by a catch-up). On
 * the tokens we are responsible for it is all or nothing, as the ledger
 * does: one of them on another branch (conflicting) or invalid on our
 * head, and the transaction is refused here; one past a gap, and it waits
 * for a catch-up. */
static ec_err commit_check(ec_node *n, uint64_t now, const ptx *p, commit_result *r, bool *move)
{
    for (int i = 0; i < p->tx.n_mappings; i++) {
        const ec_mapping *mp = &p->tx.mappings[i];
        ec_head h;
        move[i] = false;
        ec_err err = ec_store_get_head(n->store, &mp->token, &h);
        if (err && err != EC_ERR_NOTFOUND) return err;
        bool have = err == EC_OK;
        if (have && ec_id_cmp(&h.tx_id, &p->id) == 0) continue;
        /* Our head already descends from it (we caught up past it). */
        if (have && node_head_includes(n, &mp->token, &h, &p->id, p->tx.timestamp_ms)) continue;
        bool direct = have ? ec_id_cmp(&h.tx_id, &mp->prev) == 0 : ec_id_is_zero(&mp->prev);
        head_rel rel;
        ec_id gap;
        if (direct) {
            ec_verdict v;
            if ((err = ec_validate_mapping(n->store, &p->tx, i, now, &v)) != EC_OK) return err;
            rel = v.rule == EC_RULE_OK ? HEAD_EXTENDS : HEAD_FORK;
        } else {
            rel = node_head_relation(n, &mp->token, have ? &h : NULL, &mp->prev, p->tx.timestamp_ms, &gap);
        }
        move[i] = rel == HEAD_EXTENDS;
        /* A token we are not responsible for we do not follow: its head
         * here moves when it can, and never holds the transaction up. */
        if (!p->member_of[i] || rel == HEAD_EXTENDS) continue;
        if (rel == HEAD_GAP) r->behind[r->nbehind++] = i;
        else if (direct) r->refused++;
        else r->conflicts++;
    }
    return EC_OK;
}

/* The writes of a transaction commit_check accepted: its bytes and every
 * token's new head (the sticky record of the head it replaces goes). */
static ec_err commit_writes(ec_node *n, const ptx *p, const bool *move)
{
    ec_err err = ec_store_put_tx(n->store, &p->id, p->bytes, p->len);
    for (int i = 0; !err && i < p->tx.n_mappings; i++) {
        const ec_mapping *mp = &p->tx.mappings[i];
        ec_head h;
        if (!move[i]) continue;
        err = ec_store_get_head(n->store, &mp->token, &h);
        if (err && err != EC_ERR_NOTFOUND) break;
        bool have = err == EC_OK;
        err = EC_OK;
        if (have && ec_id_cmp(&h.tx_id, &p->id) == 0) continue;
        ec_head nh = {p->id, p->tx.timestamp_ms, mp->owner};
        if ((err = ec_store_put_head(n->store, &mp->token, &nh)) == EC_OK)
            err = node_ballot_moved(n->store, &mp->token, have ? &h : NULL);
    }
    return err;
}

/* Done with p: kept a little longer to answer stragglers, then forgotten. */
static void settle(ec_node *n, uint64_t now, ptx *p)
{
    p->committed = true;
    uint64_t keep = now + NODE_KEEP_COMMITTED_RESENDS * n->cfg.resend_ms;
    if (keep < p->deadline) p->deadline = keep;
    if (p->deadline < n->next_due) n->next_due = p->deadline;
}

/* Applies a decided transaction in one store transaction. A store failure
 * means no commit: counted, and tried again at the next re-send; so does a
 * gap in our history (after the catch-up it starts). */
static void commit(ec_node *n, uint64_t now, ptx *p)
{
    commit_result r;
    bool move[EC_TX_MAPPINGS_MAX];
    memset(&r, 0, sizeof r);
    ec_err err = commit_check(n, now, p, &r, move);
    if (!err && (r.conflicts || r.refused)) {
        node_log(n, 1, "decided transaction refused here: %u token(s) on another branch, %u invalid on our head",
                 r.conflicts, r.refused);
        n->stats.conflicts_seen += r.conflicts;
        n->stats.heads_refused += r.refused;
        p->refused_here = true;
        settle(n, now, p); /* never applied, never reported as our commit */
        return;
    }
    if (!err && r.nbehind) {
        if (!p->behind_counted) n->stats.heads_behind += (uint64_t)r.nbehind;
        p->behind_counted = true;
        for (int k = 0; k < r.nbehind; k++) node_catchup_start(n, now, &p->tx.mappings[r.behind[k]].token);
        return;
    }
    if (!err) err = node_write_begin(n, n->store);
    if (!err) err = node_write_end(n, n->store, commit_writes(n, p, move), &p->id);
    if (err) {
        n->stats.commits_failed++;
        return;
    }
    settle(n, now, p);
    n->stats.committed++;
    p->committed_at = now;
    /* In a batch the driver hears of it once the batch is durable. */
    if (n->on_commit && !n->batch) n->on_commit(n->on_commit_arg, n, now, &p->id, &p->tx);
}

/* Commits if every token has a quorum of eligible positive votes. */
void node_try_commit(ec_node *n, uint64_t now, ptx *p)
{
    node_outcome_check(n, p); /* as coordinator: the votes may decide it */
    if (p->committed || !p->have_tx) return;
    bool any_member = false;
    for (int i = 0; i < p->tx.n_mappings; i++) any_member |= p->member_of[i];
    if (!any_member) return; /* witnesses and coordinators keep, not commit */
    if (node_tally_decided(n, p)) commit(n, now, p);
}

void node_try_vote(ec_node *n, uint64_t now, ptx *p)
{
    if (!p->have_tx || p->voted || p->committed) return;
    /* Without a member list (lost, or not sent yet) we still know our own
     * neighborhoods; the list, when it comes, adds the others. */
    bool member = false;
    for (int i = 0; i < p->tx.n_mappings; i++) {
        p->member_of[i] = node_eligible(n, p, i, &n->addr);
        member |= p->member_of[i];
        if (!p->member_of[i]) continue;
        /* Our own view of our neighborhood joins the coordinator's list:
         * a member it missed still gets our vote. */
        size_t nn;
        const ec_id *near = node_nbr(n, p, i, &nn);
        ec_id copy[NODE_W_MAX];
        memcpy(copy, near, nn * sizeof *copy); /* adding members refreshes the cache */
        for (size_t k = 0; k < nn; k++) node_add_member(p, &copy[k]);
    }
    if (!member) return;
    cast(n, now, p, NULL, false);
    p->voted = true;
    /* The first re-send a PTO after our vote: the members' votes answer
     * ours within about a round trip (they got the transaction when we
     * did, from the same spread or dispatch). */
    if (n->cfg.rtt_timers) {
        p->next_resend = now + node_timeout(n, NULL, 0);
        if (p->next_resend < n->next_due) n->next_due = p->next_resend;
    }
    p->my_version = 1;
    refresh_self(n, p);
    send_vote(n, p, false);
    p->members_sent = p->nmembers;
    node_try_commit(n, now, p);
    node_bundle_maybe_send(n, now, p);
    unlisted_poke(n, p);
}

/* A straggler still voting on a transaction we committed and forgot:
 * it gets +1 for the tokens we are responsible for, which is what our
 * commit stands for. Without it a member that lost messages could wait
 * forever for votes that the others no longer send. */
static void answer_decided(ec_node *n, const ec_id *to, const ec_id *tx_id)
{
    uint8_t buf[EC_TX_MAX_LEN];
    size_t len;
    ec_tx tx;
    if (ec_store_get_tx(n->store, tx_id, buf, sizeof buf, &len) != EC_OK ||
        ec_tx_decode(&tx, buf, len) != EC_OK)
        return;
    ec_msg m;
    memset(&m, 0, sizeof m);
    m.type = EC_MSG_VOTE;
    m.u.vote.tx_id = *tx_id;
    m.u.vote.n = (uint8_t)tx.n_mappings;
    m.u.vote.v.voter = n->addr;
    /* Newer than any version we cast while deciding, so it replaces a 0. */
    m.u.vote.v.version = NODE_VERSION_DECIDED;
    bool any = false;
    for (int i = 0; i < tx.n_mappings; i++) {
        bool mine = ec_node_responsible(n, &tx.mappings[i].token);
        m.u.vote.v.values[i] = mine ? EC_MSG_VOTE_VALID : EC_MSG_VOTE_NONE;
        any |= mine;
    }
    if (!any) return;
    if (n->has_key) ec_vote_sign(&m.u.vote.v, &n->key, tx_id, m.u.vote.n);
    node_send(n, to, &m);
}

void node_answer_votes(ec_node *n, const ec_id *from, const ec_id *tx_id)
{
    ptx *p = node_ptx_get(n, tx_id, false, 0);
    if (p && p->voted && p->have_tx) {
        if (!node_bundle_reply(n, p, from)) echo_vote(n, p, from);
        return;
    }
    if (p == NULL && ec_store_has_tx(n->store, tx_id)) {
        answer_decided(n, from, tx_id);
        return;
    }
    n->stats.dropped_unexpected++; /* not voted (yet): the next poll asks again */
}

void node_on_vote(ec_node *n, uint64_t now, const ec_id *from, const ec_msg *m)
{
    ptx *p = node_ptx_get(n, &m->u.vote.tx_id, false, now);
    if (p == NULL) {
        if (ec_store_has_tx(n->store, &m->u.vote.tx_id)) {
            answer_decided(n, from, &m->u.vote.tx_id);
            return;
        }
        p = node_ptx_new(n, &m->u.vote.tx_id, from, now);
        if (p == NULL) return;
    }
    /* Eligibility before anything is stored: a sender that is none of the
     * tokens' w nearest (nor would be) leaves no trace. */
    if (!node_vote_admissible(n, p, from)) {
        n->stats.votes_ineligible++;
        /* Views differ at a neighborhood's edge: it counts on our vote
         * though we do not count its. One answer per vote it sends. */
        if (p->voted && !p->committed) {
            if (!node_bundle_reply(n, p, from)) echo_vote(n, p, from);
        }
        return;
    }
    ec_msg_signed_vote v = m->u.vote.v;
    v.voter = *from; /* a direct vote is its sender's */
    vote_seen seen = node_record_vote(p, &v, m->u.vote.n);
    if (seen == VOTE_FULL) return;
    node_add_member(p, from);
    if (seen == VOTE_NEW && v.version == 1 && p->spread_at && p->have_tx &&
        p->spread_map < p->tx.n_mappings && now >= p->spread_at &&
        node_eligible(n, p, p->spread_map, from))
        spread_answered(n, from, now - p->spread_at);
    /* A voter that has not got our vote gets it now: one that was not on
     * our list, or one that re-sends (a higher version: it re-sends only to
     * the members it has not heard from, so ours was lost). An echo carries
     * no new version, so echoes are never answered: no ping-pong. A voter
     * of another token, with bundle relay, asks for our token's quorum. */
    if (p->voted && p->have_tx && seen != VOTE_SAME) {
        bool sent_before = false;
        for (size_t k = 0; k < p->nmembers && !sent_before; k++)
            sent_before = ec_id_cmp(&p->members[k], from) == 0 && p->members_sent > k;
        if (!vote_target(n, p, from)) {
            if (!node_bundle_reply(n, p, from)) echo_vote(n, p, from);
        } else if (seen == VOTE_NEWER || !sent_before || v.version > 1) {
            echo_vote(n, p, from);
        }
    }
    if (!p->have_tx) {
        node_ask_tx_once(n, p, from, now); /* votes for a transaction we have not seen */
        return;
    }
    if (!p->voted) node_try_vote(n, now, p);
    node_try_commit(n, now, p);
    node_bundle_maybe_send(n, now, p);
}

/* A co-member's first vote after we spread the transaction to it is its
 * answer to the spread (it votes on receipt): a round-trip sample, and the
 * only kind most members get. The spread went once (Karn), yet the vote
 * can answer something else: a co-member whose copy was lost gets the
 * transaction another way, two round trips or more later (votes, then
 * get_tx) or after a partition heals; one that had it first from
 * elsewhere (the coordinator's dispatch) voted before ours came, and its
 * vote can arrive at once (7 in 38,000 at 2,000 nodes arrived within 50
 * ms, where round trips take 200-400: a first sample of 0 made a node's
 * PTO 26 ms and its lookups give up in one round). So only a sample
 * within [srtt/4, 2 srtt] counts (rtt_initial_ms before any sample). */
static void spread_answered(ec_node *n, const ec_id *from, uint64_t ms)
{
    uint64_t ref = n->rtt.srtt ? n->rtt.srtt : n->cfg.rtt_initial_ms * EC_RTT_UNIT;
    uint64_t x = ms * EC_RTT_UNIT;
    if (4 * x >= ref && x <= 2 * ref) node_rtt_sample(n, from, ms);
}

void node_ask_tx_once(ec_node *n, ptx *p, const ec_id *from, uint64_t now)
{
    if (p->asked_tx) return; /* later, the re-send timer asks another voter */
    p->asked_tx = true;
    ec_msg g;
    g.type = EC_MSG_GET_TX;
    g.u.get_tx.tx_id = p->id;
    ec_rtt_req_sent(&p->rq_tx, from, now);
    node_send(n, from, &g);
    /* Not answered within that voter's PTO: the re-send timer asks another. */
    if (n->cfg.rtt_timers) node_arm(n, p, now + ec_node_pto(n, from));
}

void node_vote_tick(ec_node *n, uint64_t now, ptx *p)
{
    node_outcome_poll(n, p); /* a coordinator's question to the members */
    if (p->committed) return;
    if (!p->have_tx && p->nvotes > 0) {
        ec_msg g;
        g.type = EC_MSG_GET_TX;
        g.u.get_tx.tx_id = p->id;
        const ec_id *to = &p->votes[ec_rng_below(n->rng, p->nvotes)].v.voter;
        ec_rtt_req_sent(&p->rq_tx, to, now); /* counted: the next ask backs off */
        node_send(n, to, &g);
        return;
    }
    /* Re-send our vote to members we have not heard from: they may have
     * lost ours, or never got the transaction. */
    if (p->voted) {
        p->resends++;
        /* A +1 the store could not keep: try again (abstaining meanwhile). */
        if (p->ballot_failed) cast(n, now, p, NULL, false);
        /* A commit the store refused: try again. */
        node_try_commit(n, now, p);
        if (p->committed) return;
        /* A new version with the same values: receivers that already
         * decided answer it with their own vote (see node_on_vote). */
        p->my_version++;
        refresh_self(n, p);
        send_vote(n, p, true);
        if (n->cfg.vote_relay == EC_VOTE_RELAY_BUNDLE) node_bundle_poke(n, p);
        /* Still missing history (an earlier catch-up failed): try again. */
        for (int i = 0; i < p->tx.n_mappings; i++)
            if (p->member_of[i] && p->my_vote[i] == EC_MSG_VOTE_OUT_OF_ORDER)
                node_catchup_start(n, now, &p->tx.mappings[i].token);
        /* The coordinator's member list never came: ask the coordinator
         * if a spread message named it, else a voter for its list, at
         * every re-send (they back off) until one can answer with it. */
        if (!p->have_members && (p->has_coord || p->nvotes > 1))
            node_ask_members(n, p, p->has_coord ? &p->coord : &p->votes[ec_rng_below(n->rng, p->nvotes)].v.voter);
    }
}

void node_revote_token(ec_node *n, uint64_t now, const ec_id *token)
{
    GHashTableIter it;
    gpointer key, val;
    g_hash_table_iter_init(&it, n->pending);
    while (g_hash_table_iter_next(&it, &key, &val)) {
        ptx *p = val;
        if (!p->have_tx || !p->voted || p->committed) continue;
        if (!cast(n, now, p, token, true)) continue;
        /* A new version: receivers keep it over our 0. */
        p->my_version++;
        refresh_self(n, p);
        send_vote(n, p, false);
        node_try_commit(n, now, p);
        node_bundle_maybe_send(n, now, p);
    }
}
