/* The peer lifecycle in the simulator (core/life.h; issue 12; docs/
 * LIFECYCLE.md, "Elections"): with the node setting `life` on, every node
 * elects its neighbors by storage proofs, re-checks and swaps them; the
 * summary says whom the honest nodes connected (honest peers and lazy
 * ones), how elections ended, how long a peer took from first seen to
 * connected, and what the lifecycle cost in messages. */
#include <string.h>

#include "core/life.h"
#include "sim/sim_internal.h"

#define SAMPLE_US 10000000ull

/* An honest node: none of the simulator's adversaries or skimpers. */
static bool honest(const sim_node *sn)
{
    return !sn->coord && !sn->lazy && !sn->liar && !sn->byz && !sn->adv;
}

void sim_life_setup(sim *s)
{
    const sim_config *c = &s->cfg;
    if (!c->node.life) return;
    unsigned k = (unsigned)(c->coord * c->nodes + 0.5);
    ec_rng r;
    ec_rng_seed(&r, c->seed ^ 0x636f6f72ull); /* apart from the network's */
    for (unsigned n = 0; n < k && n < c->nodes;) {
        uint32_t i = (uint32_t)ec_rng_below(&r, c->nodes);
        sim_node *sn = &s->nodes[i];
        if (sn->coord || sn->lazy || sn->liar || sn->byz || sn->adv) continue;
        sn->coord = true;
        n++;
    }
    ev e = {.t_us = SAMPLE_US, .kind = EV_LIFE};
    sim_push(s, &e);
}

typedef struct sample {
    const sim *s;
    unsigned connected, live, coord; /* live: connected and up (a crashed peer stays connected until dropped) */
} sample;

static void count(void *arg, const ec_life_record *r)
{
    sample *a = arg;
    if (r->state != EC_LIFE_CONNECTED) return;
    a->connected++;
    uint32_t who = sim_node_of(a->s, &r->peer);
    a->coord += who != UINT32_MAX && a->s->nodes[who].coord;
    a->live += who != UINT32_MAX && !a->s->nodes[who].down;
}

/* A token at honest node i's own address: its w true nearest are the
 * eligible voters (i among them). The votes i counts there: all of them,
 * or with life_votes its own and its connected peers'. Do the coordinated
 * ones among them make a quorum alone (an attacker's commit), and do the
 * honest ones (the network's)? */
static void quorum_sample(sim *s, uint32_t i, sim_node *sn)
{
    uint32_t near[EC_PEERS_NEAREST_MAX]; /* w <= 16 */
    size_t nn = sim_true_nearest(s, &s->addrs[i], s->cfg.node.w, near);
    unsigned coord = 0, nhonest = 0;
    for (size_t k = 0; k < nn; k++) {
        const sim_node *v = &s->nodes[near[k]];
        bool counts = near[k] == i || !s->cfg.node.life_votes;
        ec_life_record r;
        if (!counts && ec_node_life_peer(sn->node, &s->addrs[near[k]], &r) == EC_OK)
            counts = r.state == EC_LIFE_CONNECTED;
        if (!counts || v->down) continue;
        if (v->coord) coord++;
        else if (honest(v)) nhonest++;
    }
    bool q = coord >= s->cfg.node.quorum;
    s->last_coord_q += q;
    s->last_honest_q += nhonest >= s->cfg.node.quorum;
    if (q) {
        if (!sn->qmaj) sn->qmaj_since_us = s->now_us;
        sn->qmaj_ever = true;
        uint64_t run = s->now_us - sn->qmaj_since_us + SAMPLE_US;
        if (run > s->q_longest_us) s->q_longest_us = run;
    }
    sn->qmaj = q;
}

/* Each honest node (up): do coordinated peers hold more than half of its
 * connected ones? Runs of that, in 10 s steps. */
void sim_life_sample(sim *s)
{
    ev e = {.t_us = s->now_us + SAMPLE_US, .kind = EV_LIFE};
    sim_push(s, &e);
    s->last_sampled = s->last_any = s->last_four = s->last_coord_q = s->last_honest_q = 0;
    for (uint32_t i = 0; i < s->cfg.nodes; i++) {
        sim_node *sn = &s->nodes[i];
        if (sn->node == NULL || sn->down || !honest(sn)) continue;
        sample a = {s, 0, 0, 0};
        ec_node_life_each(sn->node, count, &a);
        s->obs_us += SAMPLE_US;
        s->conn_samples++;
        s->conn_any += a.connected >= 1;
        s->conn_four += a.connected >= 4;
        s->last_sampled++;
        s->last_any += a.live >= 1;
        s->last_four += a.live >= 4;
        bool maj = a.connected > 0 && 2 * a.coord > a.connected;
        if (maj) {
            s->maj_us += SAMPLE_US;
            if (!sn->maj) sn->maj_since_us = s->now_us;
            sn->maj_ever = true;
            uint64_t run = s->now_us - sn->maj_since_us + SAMPLE_US;
            if (run > s->maj_longest_us) s->maj_longest_us = run;
        }
        sn->maj = maj;
        quorum_sample(s, i, sn);
    }
    /* this sample's counts, added to the run's */
    s->live_any += s->last_any;
    s->live_four += s->last_four;
    s->q_coord += s->last_coord_q;
    s->q_honest += s->last_honest_q;
}

typedef struct life_acc {
    const sim *s;
    uint64_t end_ms;
    /* [honest peer, lazy peer] */
    uint64_t connected[2], ever_won[2], records[2], ejected[2];
    uint64_t to_connect_ms[2], connects[2], to_trust_ms[2], trusts[2];
    uint64_t trusted;
} life_acc;

static void one(void *arg, const ec_life_record *r)
{
    life_acc *a = arg;
    uint32_t who = sim_node_of(a->s, &r->peer);
    if (who == UINT32_MAX) return;
    int k = a->s->nodes[who].lazy ? 1 : 0;
    a->records[k]++;
    a->connected[k] += r->state == EC_LIFE_CONNECTED;
    a->ejected[k] += r->state == EC_LIFE_EJECTED;
    a->ever_won[k] += r->elections_won > 0;
    a->trusted += (r->phases & EC_LIFE_PHASE_TRUSTED) != 0;
    if (r->first_trusted && r->first_trusted >= r->first_seen) { /* first seen to first trusted */
        a->to_trust_ms[k] += r->first_trusted - r->first_seen;
        a->trusts[k]++;
    }
    if (r->first_connected && r->first_connected >= r->first_seen) { /* first seen to first elected */
        a->to_connect_ms[k] += r->first_connected - r->first_seen;
        a->connects[k]++;
    }
}

void sim_life_summary(const sim *s, const ec_node_stats *acc, FILE *out)
{
    if (!s->cfg.node.life) return;
    life_acc a;
    memset(&a, 0, sizeof a);
    a.s = s;
    uint64_t nhonest = 0;
    for (uint32_t i = 0; i < s->cfg.nodes; i++) {
        const sim_node *sn = &s->nodes[i];
        if (sn->node == NULL || sn->down || !honest(sn)) continue;
        nhonest++;
        ec_node_life_each(sn->node, one, &a);
    }
    double minutes = (double)s->now_us / 60e6;
    unsigned coord = 0, ever = 0, qever = 0;
    for (uint32_t i = 0; i < s->cfg.nodes; i++) {
        coord += s->nodes[i].coord;
        ever += s->nodes[i].maj_ever;
        qever += s->nodes[i].qmaj_ever;
    }
    uint64_t msgs = acc->sent[EC_MSG_GET_PROOF] + acc->sent[EC_MSG_PROOF] + acc->sent[EC_MSG_INVITE];
    fprintf(out,
            "  \"lifecycle\": {\"elections\": %llu, \"elected\": %llu, \"lost\": %llu, \"dropped\": %llu, "
            "\"swaps\": %llu, \"ejected\": %llu, \"unjudged\": %llu, \"invites\": %llu, \"invites_ignored\": %llu, "
            "\"honest_nodes\": %llu, \"connected_honest\": %llu, \"connected_lazy\": %llu, "
            "\"ever_won_honest\": %llu, \"ever_won_lazy\": %llu, \"records_honest\": %llu, \"records_lazy\": %llu, "
            "\"trusted\": %llu, \"ms_to_connected_honest\": %llu, \"ms_to_connected_lazy\": %llu, "
            "\"ms_to_trusted_honest\": %llu, \"ms_to_trusted_lazy\": %llu, "
            "\"messages_per_node_minute\": %.1f, \"coord_nodes\": %u, \"coord_majority_permille\": %llu, "
            "\"coord_majority_nodes\": %u, \"coord_majority_longest_s\": %llu, \"connected_any_permille\": %llu, "
            "\"connected_4_permille\": %llu, \"coord_quorum_permille\": %llu, \"coord_quorum_nodes\": %u, "
            "\"coord_quorum_longest_s\": %llu, \"honest_quorum_permille\": %llu, \"connected_live_any_permille\": %llu, "
            "\"connected_live_4_permille\": %llu},\n",
            (unsigned long long)acc->life_elections, (unsigned long long)acc->life_elected,
            (unsigned long long)acc->life_lost, (unsigned long long)acc->life_dropped,
            (unsigned long long)acc->life_swaps, (unsigned long long)acc->life_ejected,
            (unsigned long long)acc->life_unjudged, (unsigned long long)acc->life_invites_sent,
            (unsigned long long)acc->life_invites_ignored, (unsigned long long)nhonest,
            (unsigned long long)a.connected[0], (unsigned long long)a.connected[1],
            (unsigned long long)a.ever_won[0], (unsigned long long)a.ever_won[1], (unsigned long long)a.records[0],
            (unsigned long long)a.records[1], (unsigned long long)a.trusted,
            (unsigned long long)(a.connects[0] ? a.to_connect_ms[0] / a.connects[0] : 0),
            (unsigned long long)(a.connects[1] ? a.to_connect_ms[1] / a.connects[1] : 0),
            (unsigned long long)(a.trusts[0] ? a.to_trust_ms[0] / a.trusts[0] : 0),
            (unsigned long long)(a.trusts[1] ? a.to_trust_ms[1] / a.trusts[1] : 0),
            minutes > 0 && s->cfg.nodes ? (double)msgs / (double)s->cfg.nodes / minutes : 0.0, coord,
            (unsigned long long)(s->obs_us ? s->maj_us * 1000 / s->obs_us : 0), ever,
            (unsigned long long)(s->maj_longest_us / 1000000),
            (unsigned long long)(s->conn_samples ? s->conn_any * 1000 / s->conn_samples : 0),
            (unsigned long long)(s->conn_samples ? s->conn_four * 1000 / s->conn_samples : 0),
            (unsigned long long)(s->conn_samples ? s->q_coord * 1000 / s->conn_samples : 0), qever,
            (unsigned long long)(s->q_longest_us / 1000000),
            (unsigned long long)(s->conn_samples ? s->q_honest * 1000 / s->conn_samples : 0),
            (unsigned long long)(s->conn_samples ? s->live_any * 1000 / s->conn_samples : 0),
            (unsigned long long)(s->conn_samples ? s->live_four * 1000 / s->conn_samples : 0));
}
