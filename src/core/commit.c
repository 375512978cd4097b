/* Commits (docs/CONSENSUS.md, "Commit rule" and "Heads only move
 * forward"): a transaction whose every token has a quorum of eligible
 * positive votes and the net balance (tally.c) is applied here in one
 * store transaction, if our heads allow it: all or nothing on the tokens we
 * are responsible for. Below the relay and the member (they call
 * node_try_commit); calls down only: tally, heads, the ledger's rules,
 * durable writes, the submitter's outcome, and a catch-up when our history
 * has a gap. */
#include <string.h>

#include "core/node_internal.h"
#include "ledger/validate.h"

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
    node_settled_push(n, &p->id);
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
    if (!err) {
        ec_err w = commit_writes(n, p, move);
        if (!w) w = node_chain_append(n, now, &p->id); /* in the same store transaction */
        err = node_write_end(n, n->store, w, &p->id);
    }
    if (err) {
        n->stats.commits_failed++;
        return;
    }
    settle(n, now, p);
    n->stats.committed++;
    p->committed_at = now;
    /* Our mapping answers claim these heads (serve.c, Minefield). */
    for (int i = 0; i < p->tx.n_mappings; i++) {
        if (!move[i]) continue;
        n->recent[n->recent_next] = p->tx.mappings[i].token;
        n->recent_next = (n->recent_next + 1) % NODE_RECENT_MAX;
        if (n->nrecent < NODE_RECENT_MAX) n->nrecent++;
    }
    /* In a batch the driver hears of it once the batch is durable. */
    if (n->on_commit && !n->batch) n->on_commit(n->on_commit_arg, n, now, &p->id, &p->tx);
}

/* The echo (commit_echo): the signed votes of each of our tokens that has
 * a quorum, to every other member of that token (any relay mode). */
static void echo_send(ec_node *n, ptx *p)
{
    for (int i = 0; i < p->tx.n_mappings; i++) {
        ec_msg m;
        if (!p->member_of[i] || node_build_votes(n, p, i, &m) < (int)n->cfg.quorum) continue;
        size_t nn;
        const ec_id *near = node_nbr(n, p, i, &nn);
        ec_id to[NODE_W_MAX];
        memcpy(to, near, nn * sizeof *to);
        for (size_t k = 0; k < nn; k++) {
            if (ec_id_cmp(&to[k], &n->addr) == 0) continue;
            node_send(n, &to[k], &m);
            n->stats.echoes_sent++;
        }
    }
}

/* Commits if every token has a quorum of eligible positive votes; with
 * commit_hold_ms, only once that quorum has stood for the hold
 * (docs/SECURITY.md, "Hold and echo"). When the quorum is first seen it
 * is echoed to our co-members (commit_echo): a member that counted an
 * equivocator's +1 for the rival then holds both of its votes before it
 * commits, convicts it (convict.c), and its tally drops below a quorum.
 * A quorum lost during the hold (a voter convicted) starts over. The
 * coordinator holds too: it reports committed once the members have. */
static bool held(ec_node *n, uint64_t now, ptx *p)
{
    if (p->committed) return true;
    if (!p->have_tx || !node_tally_decided(n, p)) {
        if (p->hold_until) n->stats.holds_broken++;
        p->hold_until = 0;
        p->hold_over = false;
        return false;
    }
    if (n->cfg.commit_hold_ms == 0 || p->hold_over) return true;
    if (p->hold_until == 0) {
        p->hold_until = now + n->cfg.commit_hold_ms;
        n->stats.commit_holds++;
        if (n->cfg.commit_echo) echo_send(n, p);
        if (p->hold_until < n->next_due) n->next_due = p->hold_until;
        return false;
    }
    if (now < p->hold_until) return false;
    p->hold_over = true;
    return true;
}

void node_try_commit(ec_node *n, uint64_t now, ptx *p)
{
    bool ready = held(n, now, p);
    /* As coordinator: the votes may decide it (after the same hold: what
     * it reports, the members have written). */
    node_outcome_check(n, p, ready);
    if (p->committed || !p->have_tx) return;
    bool any_member = false;
    for (int i = 0; i < p->tx.n_mappings; i++) any_member |= p->member_of[i];
    if (!any_member) return; /* witnesses and coordinators keep, not commit */
    if (ready) commit(n, now, p);
}
