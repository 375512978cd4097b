/* The member (seed §10; docs/CONSENSUS.md): what a node does for the
 * transactions whose tokens it is among the w nearest to.
 *
 * A member of token t's neighborhood votes once per (token, head): +1 for
 * the first valid transaction it sees on that head, -1 for any other
 * (conflicting, invalid), 0 when it lacks the history to judge (the vote
 * itself is ballot.c's). Votes are sticky: a member never moves its +1 to
 * another transaction on the same head. It sends its vote to the members,
 * takes theirs (the table and counts are tally.c's), re-sends to the
 * silent ones, answers stragglers, and re-votes when a catch-up fills its
 * history. A node commits (commit.c) when, for every token, the votes of
 * eligible voters hold at least `quorum` positives and a net balance of at
 * least `vote_threshold`. With quorum > w/2 and sticky votes two
 * conflicting transactions cannot both reach it.
 *
 * Calls down only (commit, relay's sending side, catch-up start, ballot,
 * tally, outbox); the coordinator and node.c's dispatch call in. */
#include <stdlib.h>
#include <string.h>

#include "core/node_internal.h"
#include "core/vote_sig.h"
#include "ledger/validate.h"

static bool vote_target(ec_node *n, ptx *p, const ec_id *id);
static void spread_answered(ec_node *n, const ec_id *from, uint64_t ms);
static void echo_vote(ec_node *n, ptx *p, const ec_id *to);

void node_on_tx(ec_node *n, uint64_t now, const ec_id *from, const ec_id *txid, const uint8_t *bytes,
                size_t len)
{
    ec_tx tx;
    ec_id id = *txid;
    /* A copy first (the id is the bytes' hash: a copy is the same bytes,
     * checked already): a peer re-sending a transaction costs a lookup,
     * not a signature check. */
    ptx *p = node_ptx_get(n, &id, false, now);
    if (p && p->have_tx) return;
    if (p == NULL && ec_store_has_tx(n->store, &id)) {
        n->stats.dropped_unexpected++; /* already committed and forgotten */
        return;
    }
    if (ec_tx_decode(&tx, bytes, len) != EC_OK ||
        (n->cfg.verify_signatures && ec_tx_check_signatures(&tx, NULL) != EC_OK)) {
        n->stats.dropped_malformed++;
        return;
    }
    if (p == NULL) p = node_ptx_new(n, &id, from, now);
    if (p == NULL) return;
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
        if (b.lost && !p->has_rival) { /* two transactions on one head: watch for one voter in both */
            p->has_rival = true;
            p->rival = b.prior;
            ptx *q = node_ptx_get(n, &b.prior, false, now);
            if (q && !q->has_rival) {
                q->has_rival = true;
                q->rival = p->id;
            }
            if (q) node_convict_rivals(n, now, p, q);
        }
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

/* Our vote, to one voter who did not have it (views of a neighborhood
 * differ at its edge: a node another member does not count may still
 * count on us). */
static void echo_vote(ec_node *n, ptx *p, const ec_id *to)
{
    ec_msg m;
    node_build_vote(n, p, &m);
    if (m.u.vote.n) node_send(n, to, &m);
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
    if (seen != VOTE_SAME && p->has_rival) node_convict_vote(n, now, p, from);
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

void node_votes_added(ec_node *n, uint64_t now, const ec_id *from, ptx *p)
{
    if (!p->have_tx) {
        node_ask_tx_once(n, p, from, now);
        return;
    }
    if (!p->voted) node_try_vote(n, now, p);
    node_try_commit(n, now, p);
    node_bundle_maybe_send(n, now, p);
}
