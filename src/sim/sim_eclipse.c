/* Eclipse (issue 11; docs/SECURITY.md, "Eclipse"): adversaries try to fill
 * a newcomer's peer table.
 *
 * A share `eclipse` of the nodes (chosen by the seed, apart from liars and
 * Byzantine voters) vote and relay honestly but answer every peer question
 * (every PEERS message they send: lookups of a neighborhood, member lists)
 * with the adversaries nearest its target: they know each other and name
 * no honest node. `newcomers` honest nodes are unknown to everyone (no
 * other node's table holds them) and start at join_at_ms with `bootstrap`
 * peers drawn at random from the others (adversaries as often as their
 * share); they then join as ec node does (src/net/daemon_peers.c,
 * join_ask): each peer admitted is asked for the 16 nearest the
 * newcomer's own address, up to 32 asked in all, and every peer an answer
 * names is admitted (the simulator's identities are bound by fiat, so
 * admission is immediate). The peers it asks learn of it (they heard it);
 * the daemon also greets every admitted peer, the simulator does not.
 * After that the core's own traffic (lookups of tokens' neighborhoods,
 * named peers taken in where a bucket has room) goes on as for every node.
 *
 * The summary compares what newcomers and settled nodes believe with the
 * truth: the adversaries' share of their tables and of their view of their
 * own neighborhood (their w nearest), the true share there, how much of
 * the true neighborhood they see, how many are eclipsed (a quorum of
 * adversaries in their view), and what became of the transactions clients
 * submitted to newcomers. */
#include <stdlib.h>
#include <string.h>

#include "core/peers.h"
#include "sim/sim_internal.h"

#define JOIN_ASK_MAX 32 /* as the daemon's */
#define JOIN_WANT 16
#define SETTLE_US 3000000 /* a join takes a few round trips: submissions counted from 3 s after it */

typedef struct join {
    ec_id asked[JOIN_ASK_MAX];
    bool answered[JOIN_ASK_MAX];
    size_t n;
} join;

struct sim_eclipse {
    uint32_t *adv; /* adversaries' node indices */
    size_t nadv;
    uint32_t *newc; /* newcomers' node indices */
    join *joins;    /* per newcomer */
    size_t nnew;
    uint64_t rewritten, answers, admitted, flooded;
    bool *seen; /* per newcomer: the adversaries have flooded it */
};

static bool taken(const sim_node *sn) { return sn->liar || sn->byz || sn->adv || sn->newcomer; }

void sim_eclipse_setup(sim *s)
{
    const sim_config *c = &s->cfg;
    unsigned ka = (unsigned)(c->eclipse * c->nodes + 0.5), kn = c->newcomers;
    if (ka == 0 && kn == 0) return;
    sim_eclipse *E = calloc(1, sizeof *E);
    E->adv = calloc(ka ? ka : 1, sizeof *E->adv);
    E->newc = calloc(kn ? kn : 1, sizeof *E->newc);
    E->joins = calloc(kn ? kn : 1, sizeof *E->joins);
    E->seen = calloc(kn ? kn : 1, sizeof *E->seen);
    ec_rng r;
    ec_rng_seed(&r, c->seed ^ 0x65636c6970ull); /* apart from the network's */
    unsigned free_nodes = 0;
    for (unsigned i = 0; i < c->nodes; i++) free_nodes += !taken(&s->nodes[i]);
    if (ka + kn > free_nodes) ka = kn = 0; /* the scenario check refuses this; never loop forever */
    while (E->nadv < ka) {
        uint32_t i = (uint32_t)ec_rng_below(&r, c->nodes);
        if (taken(&s->nodes[i])) continue;
        E->adv[E->nadv] = i;
        s->nodes[i].adv = (uint32_t)++E->nadv;
    }
    while (E->nnew < kn) {
        uint32_t i = (uint32_t)ec_rng_below(&r, c->nodes);
        if (taken(&s->nodes[i])) continue;
        E->newc[E->nnew] = i;
        s->nodes[i].newcomer = (uint32_t)++E->nnew;
        s->nodes[i].down = true; /* until it joins */
        ev e = {.t_us = c->join_at_ms * 1000, .kind = EV_JOIN, .node = i};
        sim_push(s, &e);
    }
    s->eclipse = E;
}

void sim_eclipse_free(sim *s)
{
    sim_eclipse *E = s->eclipse;
    if (E == NULL) return;
    free(E->adv);
    free(E->newc);
    free(E->joins);
    free(E->seen);
    free(E);
    s->eclipse = NULL;
}

/* ---- the adversaries' answers ---- */

/* The n adversaries nearest target, nearest first: how many. */
static size_t adv_nearest(const sim *s, const ec_id *target, size_t n, ec_id *out)
{
    const sim_eclipse *E = s->eclipse;
    size_t k = 0;
    for (size_t a = 0; a < E->nadv; a++) {
        const ec_id *id = &s->addrs[E->adv[a]];
        if (k == n && ec_id_cmp_distance(target, id, &out[k - 1]) >= 0) continue;
        size_t j = k < n ? k++ : n - 1;
        while (j > 0 && ec_id_cmp_distance(target, id, &out[j - 1]) < 0) {
            out[j] = out[j - 1];
            j--;
        }
        out[j] = *id;
    }
    return k;
}

void sim_eclipse_rewrite(sim *s, uint32_t i, uint8_t *buf, size_t *len)
{
    if (s->eclipse == NULL || !s->nodes[i].adv || buf[0] != EC_MSG_PEERS) return;
    ec_msg *m = malloc(sizeof *m);
    if (m == NULL) return;
    if (ec_msg_decode(m, buf, *len) == EC_OK && m->type == EC_MSG_PEERS && m->u.peers.n > 0) {
        size_t n = adv_nearest(s, &m->u.peers.target, m->u.peers.n, m->u.peers.peers);
        m->u.peers.n = (uint8_t)n;
        memset(m->u.peers.eps, 0, sizeof m->u.peers.eps);
        if (sim_msg_replace(m, buf, len)) s->eclipse->rewritten++;
    }
    free(m);
}

/* ---- a newcomer's join ---- */

static void join_ask(sim *s, uint32_t i, uint32_t j)
{
    join *J = &s->eclipse->joins[s->nodes[i].newcomer - 1];
    if (J->n == JOIN_ASK_MAX) return;
    J->asked[J->n++] = s->addrs[j];
    ec_msg m;
    memset(&m, 0, sizeof m);
    m.type = EC_MSG_FIND_PEERS;
    m.u.find_peers.target = s->addrs[i];
    m.u.find_peers.want = JOIN_WANT;
    uint8_t buf[EC_MSG_MAX];
    size_t len;
    if (ec_msg_encode(&m, buf, sizeof buf, &len) == EC_OK) sim_send(s, i, j, buf, len);
}

bool sim_eclipse_bootstrap(sim *s, uint32_t i)
{
    if (s->eclipse == NULL || !s->nodes[i].newcomer) return false;
    unsigned want = s->cfg.bootstrap ? s->cfg.bootstrap : 4;
    uint32_t *picked = calloc(want, sizeof *picked);
    unsigned got = 0;
    const sim_eclipse *E = s->eclipse;
    bool adv_only = s->cfg.bootstrap_adversarial && E->nadv > 0;
    for (unsigned tries = 0; got < want && tries < 64 * want; tries++) {
        uint32_t j = adv_only ? E->adv[ec_rng_below(&s->rng, E->nadv)] : (uint32_t)ec_rng_below(&s->rng, s->cfg.nodes);
        bool dup = j == i || s->nodes[j].newcomer;
        for (unsigned k = 0; k < got && !dup; k++) dup = picked[k] == j;
        if (dup) continue;
        picked[got++] = j;
        ec_node_add_peer(s->nodes[i].node, &s->addrs[j], NULL);
        join_ask(s, i, j);
    }
    free(picked);
    return true;
}

/* eclipse_flood: a newcomer spoke to an adversary, so they all know it
 * now: each sends it a question (it hears them all, and takes each into
 * its table where a bucket has room: a bucket never drops a live peer). */
static void flood(sim *s, uint32_t newcomer)
{
    sim_eclipse *E = s->eclipse;
    ec_msg m;
    memset(&m, 0, sizeof m);
    m.type = EC_MSG_FIND_PEERS;
    m.u.find_peers.target = s->addrs[newcomer];
    m.u.find_peers.want = 1;
    uint8_t buf[EC_MSG_MAX];
    size_t len;
    if (ec_msg_encode(&m, buf, sizeof buf, &len) != EC_OK) return;
    for (size_t a = 0; a < E->nadv; a++) {
        if (s->nodes[E->adv[a]].down) continue;
        sim_send(s, E->adv[a], newcomer, buf, len);
        E->flooded++;
    }
}

bool sim_eclipse_answer(sim *s, uint32_t to, uint32_t from, const uint8_t *data, size_t len)
{
    if (s->eclipse && s->cfg.eclipse_flood && s->nodes[to].adv && s->nodes[from].newcomer &&
        !s->eclipse->seen[s->nodes[from].newcomer - 1]) {
        s->eclipse->seen[s->nodes[from].newcomer - 1] = true;
        flood(s, from);
    }
    if (s->eclipse == NULL || !s->nodes[to].newcomer || len == 0 || data[0] != EC_MSG_PEERS) return false;
    join *J = &s->eclipse->joins[s->nodes[to].newcomer - 1];
    size_t k = 0;
    while (k < J->n && (J->answered[k] || ec_id_cmp(&J->asked[k], &s->addrs[from]) != 0)) k++;
    if (k == J->n) return false; /* not an answer to our join: the core's */
    ec_msg *m = malloc(sizeof *m);
    if (m == NULL) return false;
    bool ours = ec_msg_decode(m, data, len) == EC_OK && ec_id_cmp(&m->u.peers.target, &s->addrs[to]) == 0;
    if (ours) {
        J->answered[k] = true;
        s->eclipse->answers++;
        for (int p = 0; p < m->u.peers.n; p++) {
            uint32_t j = sim_node_of(s, &m->u.peers.peers[p]);
            if (j == UINT32_MAX || j == to) continue;
            if (ec_node_add_peer(s->nodes[to].node, &s->addrs[j], NULL) != EC_OK) continue; /* known, or full */
            s->eclipse->admitted++;
            join_ask(s, to, j);
        }
    }
    free(m);
    return ours;
}

/* ---- the summary ---- */

typedef struct view_stats {
    size_t nodes, eclipsed, beyond; /* a quorum of adversaries in its view; and not in truth */
    double table, view, truth, seen; /* sums of shares */
} view_stats;

static void measure(const sim *s, uint32_t i, view_stats *v)
{
    const ec_peers *p = ec_node_peer_table(s->nodes[i].node);
    size_t w = s->cfg.node.w, total = 0, adv = 0;
    for (unsigned j = 0; j < EC_ID_BITS; j++) {
        const ec_id *ids;
        size_t n = ec_peers_bucket(p, j, &ids);
        for (size_t k = 0; k < n; k++) {
            total++;
            uint32_t x = sim_node_of(s, &ids[k]);
            adv += x != UINT32_MAX && s->nodes[x].adv;
        }
    }
    ec_id view[64];
    uint32_t truth[65];
    size_t nv = ec_peers_nearest(p, &s->addrs[i], w, false, view);
    size_t nt = sim_true_nearest(s, &s->addrs[i], w + 1, truth); /* itself among them */
    size_t vadv = 0, tadv = 0, tn = 0, seen = 0;
    for (size_t k = 0; k < nv; k++) {
        uint32_t x = sim_node_of(s, &view[k]);
        vadv += x != UINT32_MAX && s->nodes[x].adv;
    }
    for (size_t k = 0; k < nt && tn < w; k++) {
        if (truth[k] == i) continue;
        tn++;
        tadv += s->nodes[truth[k]].adv != 0;
        for (size_t q = 0; q < nv; q++) seen += ec_id_cmp(&view[q], &s->addrs[truth[k]]) == 0;
    }
    v->nodes++;
    v->table += total ? (double)adv / total : 0;
    v->view += nv ? (double)vadv / nv : 0;
    v->truth += tn ? (double)tadv / tn : 0;
    v->seen += tn ? (double)seen / tn : 0;
    v->eclipsed += vadv >= s->cfg.node.quorum;
    v->beyond += vadv >= s->cfg.node.quorum && tadv < s->cfg.node.quorum;
}

static void put_view(FILE *out, const char *name, const view_stats *v)
{
    double n = v->nodes ? (double)v->nodes : 1;
    fprintf(out, "\"%s\": {\"nodes\": %zu, \"table_adversaries\": %.3f, \"view_adversaries\": %.3f, "
            "\"true_adversaries\": %.3f, \"neighborhood_seen\": %.3f, \"eclipsed\": %zu, \"eclipsed_beyond_truth\": %zu}",
            name, v->nodes, v->table / n, v->view / n, v->truth / n, v->seen / n, v->eclipsed, v->beyond);
}

void sim_eclipse_summary(const sim *s, FILE *fp)
{
    const sim_eclipse *E = s->eclipse;
    if (E == NULL) return;
    view_stats nv = {0}, sv = {0};
    for (size_t k = 0; k < E->nnew; k++)
        if (s->nodes[E->newc[k]].node) measure(s, E->newc[k], &nv);
    /* Settled honest nodes, for comparison (the first 200 in address order). */
    for (unsigned i = 0; i < s->cfg.nodes && sv.nodes < 200; i++)
        if (s->nodes[i].node && !taken(&s->nodes[i])) measure(s, i, &sv);
    /* Transactions submitted from SETTLE_US after the join, at newcomers [0] and at the
     * other honest nodes [1]: the submitter's outcome, and whether a
     * majority of their true members committed them (live). */
    uint64_t sub[2] = {0}, out[2][4] = {{0}}, live[2] = {0};
    for (size_t t = 0; t < s->ntxs; t++) {
        const sim_tx *x = &s->txs[t];
        const sim_node *at = &s->nodes[x->at_node];
        if (x->submit_us < s->cfg.join_at_ms * 1000 + SETTLE_US || at->adv || at->liar || at->byz) continue;
        int k = at->newcomer ? 0 : 1;
        sub[k]++;
        out[k][x->outcome < 4 ? x->outcome : 0]++;
        live[k] += x->live;
    }
    fprintf(fp, "  \"eclipse\": {\"adversaries\": %zu, \"newcomers\": %zu, \"bootstrap\": %u, \"answers_rewritten\": %llu, "
            "\"join_answers\": %llu, \"join_admitted\": %llu, \"flood_messages\": %llu, ",
            E->nadv, E->nnew, s->cfg.bootstrap ? s->cfg.bootstrap : 4, (unsigned long long)E->rewritten,
            (unsigned long long)E->answers, (unsigned long long)E->admitted, (unsigned long long)E->flooded);
    put_view(fp, "newcomers_view", &nv);
    fputs(", ", fp);
    put_view(fp, "settled_view", &sv);
    static const char *const who[2] = {"newcomers", "settled"};
    for (int k = 0; k < 2; k++)
        fprintf(fp, ", \"%s_submissions\": {\"n\": %llu, \"committed\": %llu, \"refused\": %llu, \"timed_out\": %llu, "
                "\"no_outcome\": %llu, \"live\": %llu}", who[k], (unsigned long long)sub[k],
                (unsigned long long)out[k][EC_NODE_EV_COMMITTED], (unsigned long long)out[k][EC_NODE_EV_REFUSED],
                (unsigned long long)out[k][EC_NODE_EV_TIMED_OUT], (unsigned long long)out[k][0],
                (unsigned long long)live[k]);
    fputs("},\n", fp);
}
