/* The simulator's JSON summary. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include "crypto/blake3.h"
#include "sim/sim_internal.h"
#include "wire/msg.h"

/* Byzantine nodes some live honest node has convicted. */
static uint64_t byz_convicted(const sim *s)
{
    uint64_t k = 0;
    for (unsigned j = 0; j < s->cfg.nodes; j++) {
        if (!s->nodes[j].byz) continue;
        bool any = false;
        for (unsigned i = 0; i < s->cfg.nodes && !any; i++)
            any = s->nodes[i].node && !s->nodes[i].byz && ec_node_convicted(s->nodes[i].node, &s->addrs[j]);
        k += any;
    }
    return k;
}

/* P(X >= k) for X ~ Binomial(n, p). */
static double binom_tail(unsigned n, double p, int k)
{
    double sum = 0, c = 1; /* C(n, i) */
    for (unsigned i = 0; i <= n; i++) {
        if ((int)i >= k) sum += c * pow(p, i) * pow(1 - p, n - i);
        c = c * (n - i) / (i + 1);
    }
    return k <= 0 ? 1.0 : sum;
}

/* Byzantine voters: the double spends both of whose sides some honest
 * node committed, beside the analytic chance that a random neighborhood
 * holds the 2q - w Byzantine members that make it possible. */
static void byz_summary(const sim *s, FILE *out)
{
    const sim_config *c = &s->cfg;
    uint64_t pairs = 0, both = 0, one = 0, none = 0, both_resp = 0;
    for (size_t i = 0; i < s->ntxs; i++) {
        const sim_tx *t = &s->txs[i];
        if (t->conflict_of <= (int)i) continue;
        const sim_tx *u = &s->txs[t->conflict_of];
        pairs++;
        both_resp += t->nhonest_resp && u->nhonest_resp;
        if (t->nhonest && u->nhonest) both++;
        else if (t->nhonest || u->nhonest) one++;
        else none++;
    }
    /* Transactions every honest responsible node committed (a Byzantine
     * one's commits prove nothing; a lazy one may not be able to). */
    uint64_t by_honest = 0;
    for (size_t i = 0; i < s->ntxs; i++) {
        const sim_tx *t = &s->txs[i];
        uint32_t hr = 0;
        for (uint32_t r = 0; r < t->nresp; r++) hr += s->nodes[t->responsible[r]].byz == 0;
        by_honest += hr > 0 && t->nhonest_resp >= hr;
    }
    size_t k = sim_byz_count(s);
    double f = (double)k / c->nodes;
    int need = 2 * (int)c->node.quorum - (int)c->node.w;
    fprintf(out, "  \"byzantine\": {\"nodes\": %zu, \"fraction\": %.4f, \"behaviour\": \"%s\", \"placement\": \"%s\", "
            "\"votes_rewritten\": %llu, \"commits_ignored\": %llu, \"double_spend_pairs\": %llu, "
            "\"pairs_both_committed\": %llu, \"pairs_both_by_responsible\": %llu, \"pairs_one_committed\": %llu, "
            "\"pairs_none_committed\": %llu, \"committed_by_honest_responsible\": %llu, "
            "\"analytic_neighborhoods_unsafe\": %.4f},\n",
            k, f, c->byz_behaviour == SIM_BYZ_WITHHOLD    ? "withhold"
            : c->byz_behaviour == SIM_BYZ_STRATEGIC ? "strategic"
            : c->byz_behaviour == SIM_BYZ_FORGE     ? "forge"
                                                    : "equivocate",
            c->byz_together ? "together" : "random", (unsigned long long)s->byz_votes_rewritten,
            (unsigned long long)s->byz_commits_ignored, (unsigned long long)pairs, (unsigned long long)both,
            (unsigned long long)both_resp, (unsigned long long)one, (unsigned long long)none, (unsigned long long)by_honest, binom_tail(c->node.w, f, need));
}

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return (x > y) - (x < y);
}

static double pct(const uint64_t *v, size_t n, double p)
{
    if (n == 0) return 0;
    size_t i = (size_t)(p * (double)(n - 1) + 0.5);
    return (double)v[i];
}

static bool digest_head(void *arg, const ec_id *token, const ec_head *h)
{
    ec_blake3_update(arg, token->b, EC_ID_LEN);
    ec_blake3_update(arg, h->tx_id.b, EC_ID_LEN);
    ec_blake3_update(arg, h->owner.b, EC_ID_LEN);
    uint8_t ts[8];
    for (int i = 0; i < 8; i++) ts[i] = (uint8_t)(h->timestamp_ms >> (8 * i));
    ec_blake3_update(arg, ts, 8);
    return true;
}

static const char *lat_name[] = {"constant", "uniform", "lognormal", "rounds"};

/* The state the network holds: for every live token, its w true nearest
 * nodes, and how many of those (up at the end) hold its latest head. */
static void state_held(sim *s, uint64_t *pairs, uint64_t *held, uint64_t *tokens_full)
{
    *pairs = *held = *tokens_full = 0;
    for (size_t k = 0; k < s->nlive; k++) {
        uint32_t near[16];
        size_t n = sim_true_nearest(s, &s->live[k].token, s->cfg.node.w, near);
        uint64_t h = 0, p = 0;
        for (size_t j = 0; j < n; j++) {
            if (s->nodes[near[j]].down) continue;
            ec_head hd;
            p++;
            h += ec_store_get_head(s->nodes[near[j]].store, &s->live[k].token, &hd) == EC_OK &&
                 ec_id_cmp(&hd.tx_id, &s->live[k].head) == 0;
        }
        *pairs += p;
        *held += h;
        *tokens_full += h == p;
    }
}

void sim_report(sim *s, FILE *out, double wall_s)
{
    const sim_config *c = &s->cfg;
    uint64_t *lat = malloc((s->ntxs + 1) * sizeof *lat), *first = malloc((s->ntxs + 1) * sizeof *first);
    size_t nl = 0, partial = 0, by_k_n[EC_TX_MAPPINGS_MAX + 1] = {0};
    /* Held: a transaction some node committed is in the store of every
     * responsible node that is up at the end, whichever way it got there
     * (its own tally, a catch-up, chain sync). `partial` counts commit
     * events instead (docs/SIMULATION.md). */
    size_t any_committed = 0, partial_held = 0;
    for (size_t i = 0; i < s->ntxs; i++) {
        const sim_tx *t = &s->txs[i];
        if (t->ncommitted == 0) continue;
        any_committed++;
        for (uint32_t r = 0; r < t->nresp; r++) {
            uint32_t nd = t->responsible[r];
            if (!s->nodes[nd].down && !ec_store_has_tx(s->nodes[nd].store, &t->id)) {
                partial_held++;
                break;
            }
        }
    }
    for (size_t i = 0; i < s->ntxs; i++) {
        const sim_tx *t = &s->txs[i];
        if (t->done) {
            lat[nl] = t->last_us - t->submit_us;
            first[nl++] = t->first_us - t->submit_us;
            by_k_n[t->tx.n_mappings]++;
        } else if (t->ncommitted > 0) {
            partial++;
        }
    }
    qsort(lat, nl, sizeof *lat, cmp_u64);
    qsort(first, nl, sizeof *first, cmp_u64);
    /* The submitter's view: outcomes its node reported, and when. */
    uint64_t *told = malloc((s->ntxs + 1) * sizeof *told);
    size_t ntold = 0, outcomes[4] = {0};
    for (size_t i = 0; i < s->ntxs; i++) {
        const sim_tx *t = &s->txs[i];
        outcomes[t->outcome < 4 ? t->outcome : 0]++;
        if (t->outcome == EC_NODE_EV_COMMITTED) told[ntold++] = t->outcome_us - t->submit_us;
    }
    qsort(told, ntold, sizeof *told, cmp_u64);
    /* The node-wide round-trip estimates the nodes ended with, and the PTO
     * their timers use (rtt_timers). */
    uint64_t *srtt = malloc((c->nodes + 1) * sizeof *srtt), *pto = malloc((c->nodes + 1) * sizeof *pto);
    size_t nr = 0;
    for (unsigned i = 0; i < c->nodes; i++) {
        ec_rtt r;
        if (s->nodes[i].node == NULL || !ec_node_rtt(s->nodes[i].node, NULL, &r)) continue;
        srtt[nr] = r.srtt / EC_RTT_UNIT;
        pto[nr++] = ec_node_pto(s->nodes[i].node, NULL);
    }
    qsort(srtt, nr, sizeof *srtt, cmp_u64);
    qsort(pto, nr, sizeof *pto, cmp_u64);

    ec_node_stats acc = s->retired;
    for (unsigned i = 0; i < c->nodes; i++)
        if (s->nodes[i].node) sim_stats_add(&acc, ec_node_stats_get(s->nodes[i].node));
    const uint64_t *sent = acc.sent;
    uint64_t bytes = acc.sent_bytes, total = 0, malformed = acc.dropped_malformed,
             timed_out = acc.timed_out;
    for (int t = 1; t < EC_MSG_TYPE_END; t++) total += sent[t];

    ec_blake3 h;
    ec_blake3_init(&h);
    for (unsigned i = 0; i < c->nodes; i++) {
        ec_blake3_update(&h, s->addrs[i].b, EC_ID_LEN);
        ec_store_iterate(s->nodes[i].store, NULL, digest_head, &h);
    }
    uint8_t dg[32];
    char dhex[65];
    ec_blake3_finalize(&h, dg, 32);
    for (int i = 0; i < 32; i++) snprintf(dhex + 2 * i, 3, "%02x", dg[i]);

    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    if (c->no_wall) {
        wall_s = 0;
        ru.ru_maxrss = 0;
    }
    double per = nl ? (double)total / (double)nl : 0;
    fprintf(out, "{\n  \"seed\": %llu,\n  \"nodes\": %u,\n", (unsigned long long)c->seed, c->nodes);
    fprintf(out, "  \"network\": {\"latency\": \"%s\", \"a_ms\": %g, \"b\": %g, \"loss\": %g, "
            "\"dup\": %g, \"partitions\": %u},\n", lat_name[c->latency], c->lat_a, c->lat_b,
            c->loss, c->dup, c->npartitions);
    fprintf(out, "  \"consensus\": {\"w\": %u, \"quorum\": %u, \"vote_threshold\": %d, "
            "\"bucket_size\": %u, \"witness\": %s, \"catchup\": %s, \"vote_relay\": \"%s\", \"route_tx\": %s, "
            "\"unsafe_quorum\": %s, \"volatile_votes\": %s, \"rtt_timers\": %s},\n",
            c->node.w, c->node.quorum, c->node.vote_threshold, c->node.bucket_size,
            c->node.witness ? "true" : "false", c->node.catchup ? "true" : "false",
            c->node.vote_relay == EC_VOTE_RELAY_BUNDLE ? "bundle" : "direct",
            c->node.route_tx ? "true" : "false", c->node.unsafe_quorum ? "true" : "false",
            c->node.volatile_votes ? "true" : "false", c->node.rtt_timers ? "true" : "false");
    fprintf(out, "  \"signatures\": \"%s\",\n  \"identities\": \"random addresses, Argon2id skipped\",\n",
            c->node.verify_signatures ? "verified" : "skipped");
    fprintf(out, "  \"submitted\": %llu,\n  \"double_spend_pairs\": %llu,\n  \"committed\": %zu,\n"
            "  \"partially_committed\": %zu,\n  \"conflicting_commits\": %llu,\n  \"timed_out\": %llu,\n",
            (unsigned long long)s->submitted, (unsigned long long)s->double_spends, nl, partial,
            (unsigned long long)s->conflicting_commits, (unsigned long long)timed_out);
    fprintf(out, "  \"catchups\": {\"started\": %llu, \"caught_up\": %llu, \"failed\": %llu},\n",
            (unsigned long long)acc.catchups_started, (unsigned long long)acc.caught_up,
            (unsigned long long)acc.catchups_failed);
    fprintf(out, "  \"relayed_votes_refused\": %llu,\n", (unsigned long long)acc.votes_relayed_bad);
    fprintf(out, "  \"committed_by_tokens\": [");
    for (int k = 1; k <= EC_TX_MAPPINGS_MAX; k++) fprintf(out, "%zu%s", by_k_n[k], k < EC_TX_MAPPINGS_MAX ? ", " : "],\n");
    fprintf(out, "  \"latency\": {\"p50\": %.3f, \"p95\": %.3f, \"p99\": %.3f, \"first_p50\": %.3f, "
            "\"first_p95\": %.3f},\n", pct(lat, nl, .5) / 1e6, pct(lat, nl, .95) / 1e6,
            pct(lat, nl, .99) / 1e6, pct(first, nl, .5) / 1e6, pct(first, nl, .95) / 1e6);
    if (c->latency == SIM_LAT_ROUNDS)
        fprintf(out, "  \"latency_rounds\": {\"p50\": %.2f, \"p95\": %.2f, \"p99\": %.2f, "
                "\"first_p50\": %.2f, \"first_p95\": %.2f},\n",
                pct(lat, nl, .5) / 1e3 / c->lat_a, pct(lat, nl, .95) / 1e3 / c->lat_a,
                pct(lat, nl, .99) / 1e3 / c->lat_a, pct(first, nl, .5) / 1e3 / c->lat_a,
                pct(first, nl, .95) / 1e3 / c->lat_a);
    fprintf(out, "  \"submitter\": {\"committed\": %zu, \"refused\": %zu, \"timed_out\": %zu, "
            "\"no_outcome\": %zu, \"p50\": %.3f, \"p95\": %.3f},\n",
            outcomes[EC_NODE_EV_COMMITTED], outcomes[EC_NODE_EV_REFUSED], outcomes[EC_NODE_EV_TIMED_OUT],
            outcomes[0], pct(told, ntold, .5) / 1e6, pct(told, ntold, .95) / 1e6);
    fprintf(out, "  \"rtt\": {\"nodes\": %zu, \"srtt_ms_p50\": %.0f, \"pto_ms_p5\": %.0f, "
            "\"pto_ms_p50\": %.0f, \"pto_ms_p95\": %.0f},\n", nr, pct(srtt, nr, .5), pct(pto, nr, .05),
            pct(pto, nr, .5), pct(pto, nr, .95));
    fprintf(out, "  \"messages\": %llu,\n  \"messages_per_commit\": %.1f,\n  \"bytes_per_commit\": %.0f,\n",
            (unsigned long long)total, per, nl ? (double)bytes / (double)nl : 0);
    fprintf(out, "  \"messages_by_type\": {");
    for (int t = 1; t < EC_MSG_TYPE_END; t++)
        fprintf(out, "\"%s\": %llu%s", ec_msg_type_name((ec_msg_type)t), (unsigned long long)sent[t],
                t + 1 < EC_MSG_TYPE_END ? ", " : "},\n");
    fprintf(out, "  \"delivered\": %llu,\n  \"lost\": %llu,\n  \"dropped_by_partition\": %llu,\n"
            "  \"dropped_node_down\": %llu,\n  \"crashes\": %llu,\n  \"dropped_malformed\": %llu,\n",
            (unsigned long long)s->delivered, (unsigned long long)s->lost,
            (unsigned long long)s->dropped_partition, (unsigned long long)s->dropped_down,
            (unsigned long long)s->crashes, (unsigned long long)malformed);
    fprintf(out, "  \"node_drops\": {\"unexpected\": %llu, \"outbox_full\": %llu, \"send_failed\": %llu, "
            "\"pending_full\": %llu, \"peer_share\": %llu, \"votes_ineligible\": %llu, "
            "\"votes_table_full\": %llu, \"votes_relayed_bad\": %llu, \"store_errors\": %llu, "
            "\"commits_failed\": %llu, \"catchup_full\": %llu, \"peers_evicted\": %llu, "
            "\"events_full\": %llu, \"identities_unknown\": %llu},\n",
            (unsigned long long)acc.dropped_unexpected, (unsigned long long)acc.dropped_outbox_full,
            (unsigned long long)acc.dropped_send_failed, (unsigned long long)acc.dropped_pending_full,
            (unsigned long long)acc.dropped_peer_share, (unsigned long long)acc.votes_ineligible,
            (unsigned long long)acc.votes_dropped_full, (unsigned long long)acc.votes_relayed_bad,
            (unsigned long long)acc.store_errors, (unsigned long long)acc.commits_failed,
            (unsigned long long)acc.dropped_catchup_full, (unsigned long long)acc.peers_evicted,
            (unsigned long long)acc.dropped_events_full, (unsigned long long)acc.identities_unknown);
    uint64_t pairs, held, full;
    state_held(s, &pairs, &held, &full);
    fprintf(out, "  \"held\": {\"committed_somewhere\": %zu, \"not_held_by_all\": %zu},\n", any_committed, partial_held);
    fprintf(out, "  \"state\": {\"tokens\": %zu, \"tokens_complete\": %llu, \"pairs\": %llu, \"held\": %llu, "
            "\"complete\": %.4f},\n", s->nlive, (unsigned long long)full, (unsigned long long)pairs,
            (unsigned long long)held, pairs ? (double)held / (double)pairs : 1.0);
    if (c->preload) fprintf(out, "  \"preload\": {\"tokens\": %u, \"stored\": %llu},\n", c->preload,
                            (unsigned long long)s->preloaded);
    fprintf(out, "  \"chain\": {\"blocks\": %llu, \"errors\": %llu},\n", (unsigned long long)acc.blocks_cut,
            (unsigned long long)acc.chain_errors);
    if (c->sync) {
        qsort(s->catchup_us, s->ncatchup, sizeof *s->catchup_us, cmp_u64);
        /* The joiners alone (nodes restarted with an empty store): what
         * their sync asked for since, and what their stores hold. */
        ec_node_stats js;
        memset(&js, 0, sizeof js);
        uint64_t jn = 0, jpairs = 0, jheld = 0;
        for (unsigned i = 0; i < c->nodes; i++)
            if (s->nodes[i].joined && s->nodes[i].node) {
                sim_stats_add(&js, ec_node_stats_get(s->nodes[i].node));
                jn++;
            }
        for (size_t k = 0; jn && k < s->nlive; k++) {
            uint32_t near[16];
            size_t n = sim_true_nearest(s, &s->live[k].token, c->node.w, near);
            for (size_t j = 0; j < n; j++) {
                if (!s->nodes[near[j]].joined || s->nodes[near[j]].down) continue;
                ec_head hd;
                jpairs++;
                jheld += ec_store_get_head(s->nodes[near[j]].store, &s->live[k].token, &hd) == EC_OK &&
                         ec_id_cmp(&hd.tx_id, &s->live[k].head) == 0;
            }
        }
        if (jn) {
            uint64_t asked = js.sent[EC_MSG_GET_CHAIN] + js.sent[EC_MSG_GET_BODY] + js.sent[EC_MSG_GET_TX] +
                             js.sent[EC_MSG_GET_RANGE] + js.sent[EC_MSG_GET_MAPPING];
            fprintf(out, "  \"joiners\": {\"nodes\": %llu, \"requests\": %llu, \"get_chain\": %llu, \"get_body\": %llu, "
                    "\"get_tx\": %llu, \"get_range\": %llu, \"get_mapping\": %llu, \"blocks\": %llu, \"adopted\": %llu, "
                    "\"not_ours\": %llu, \"pairs\": %llu, \"held\": %llu, \"complete\": %.4f},\n",
                    (unsigned long long)jn, (unsigned long long)asked, (unsigned long long)js.sent[EC_MSG_GET_CHAIN],
                    (unsigned long long)js.sent[EC_MSG_GET_BODY], (unsigned long long)js.sent[EC_MSG_GET_TX],
                    (unsigned long long)js.sent[EC_MSG_GET_RANGE], (unsigned long long)js.sent[EC_MSG_GET_MAPPING],
                    (unsigned long long)js.sync_bodies, (unsigned long long)js.sync_adopted,
                    (unsigned long long)js.sync_not_ours, (unsigned long long)jpairs, (unsigned long long)jheld,
                    jpairs ? (double)jheld / (double)jpairs : 1.0);
        }
        fprintf(out, "  \"first_round_after_restart_s\": {\"nodes\": %zu, \"p50\": %.1f, \"max\": %.1f},\n",
                s->ncatchup, pct(s->catchup_us, s->ncatchup, .5) / 1e6,
                s->ncatchup ? s->catchup_us[s->ncatchup - 1] / 1e6 : 0.0);
        uint64_t sm = sent[EC_MSG_GET_CHAIN] + sent[EC_MSG_CHAIN] + sent[EC_MSG_GET_BODY] + sent[EC_MSG_BODY];
        const uint64_t *sb = acc.sent_bytes_type;
        /* What sync cost (chain walking, or polling in the baseline), and
         * what it reached: `messages`, `bytes`, `seconds` (the slowest
         * restarted node's first finished round, simulated) and `complete`
         * (the rejoined nodes' pairs held, else every node's). A fetch is a
         * GET_TX (fixed size) and a TX answer (the transaction plus the
         * message's fixed fields). */
        uint64_t msgs, bytes;
        if (c->node.sync_polling) {
            msgs = sent[EC_MSG_GET_RANGE] + sent[EC_MSG_RANGE] + sent[EC_MSG_GET_MAPPING] + sent[EC_MSG_MAPPING];
            bytes = sb[EC_MSG_GET_RANGE] + sb[EC_MSG_RANGE] + sb[EC_MSG_GET_MAPPING] + sb[EC_MSG_MAPPING];
        } else {
            ec_msg txm;
            memset(&txm, 0, sizeof txm);
            txm.type = EC_MSG_TX;
            uint8_t tb[EC_MSG_MAX];
            size_t tx_fixed = 0;
            if (ec_msg_encode(&txm, tb, sizeof tb, &tx_fixed) != EC_OK) tx_fixed = 0;
            uint64_t get_tx = sent[EC_MSG_GET_TX] ? sb[EC_MSG_GET_TX] / sent[EC_MSG_GET_TX] : 0;
            msgs = sm + 2 * acc.sync_txs_fetched;
            bytes = sb[EC_MSG_GET_CHAIN] + sb[EC_MSG_CHAIN] + sb[EC_MSG_GET_BODY] + sb[EC_MSG_BODY] +
                    acc.sync_txs_fetched * (get_tx + tx_fixed) + acc.sync_tx_bytes;
        }
        double seconds = s->ncatchup ? s->catchup_us[s->ncatchup - 1] / 1e6 : 0.0;
        double complete = jpairs ? (double)jheld / (double)jpairs : pairs ? (double)held / (double)pairs : 1.0;
        if (c->node.sync_polling)
            fprintf(out, "  \"sync_polling\": {\"messages\": %llu, \"bytes\": %llu, \"blocks_fetched\": 0, "
                    "\"seconds\": %.1f, \"complete\": %.4f, \"range_messages\": %llu, \"ranges\": %llu, "
                    "\"tokens_behind\": %llu, \"catchup_messages\": %llu},\n",
                    (unsigned long long)msgs, (unsigned long long)bytes, seconds, complete,
                    (unsigned long long)(sent[EC_MSG_GET_RANGE] + sent[EC_MSG_RANGE]), (unsigned long long)acc.sync_ranges,
                    (unsigned long long)acc.sync_polled_behind,
                    (unsigned long long)(sent[EC_MSG_GET_MAPPING] + sent[EC_MSG_MAPPING]));
        fprintf(out, "  \"sync\": {\"messages\": %llu, \"bytes\": %llu, \"seconds\": %.1f, \"complete\": %.4f, "
                "\"chain_messages\": %llu, \"txs_fetched\": %llu, \"chain_and_fetch_messages\": %llu, "
                "\"rounds\": %llu, \"headers\": %llu, \"blocks_fetched\": %llu, \"adopted\": %llu, "
                "\"not_ours\": %llu, \"invalid\": %llu, \"faults\": %llu, \"forks\": %llu, "
                "\"sources_dropped\": %llu, \"unconfirmed\": %llu, \"offers_dropped\": %llu, "
                "\"nudged\": %llu, \"elected\": %llu, \"single_fetched\": %llu, \"single_catchups\": %llu, \"skipped\": %llu, \"wiped_nodes\": %llu, "
                "\"equivocations\": %llu, \"missing\": %llu, \"reports\": %llu, \"local\": %llu, \"gaps_expired\": %llu, \"history\": %llu},\n",
                (unsigned long long)msgs, (unsigned long long)bytes, seconds, complete,
                (unsigned long long)sm, (unsigned long long)acc.sync_txs_fetched,
                (unsigned long long)(sm + 2 * acc.sync_txs_fetched), (unsigned long long)acc.sync_rounds,
                (unsigned long long)acc.sync_headers, (unsigned long long)acc.sync_bodies,
                (unsigned long long)acc.sync_adopted, (unsigned long long)acc.sync_not_ours,
                (unsigned long long)acc.sync_invalid, (unsigned long long)acc.sync_faults,
                (unsigned long long)acc.sync_forks, (unsigned long long)acc.sync_sources_dropped,
                (unsigned long long)acc.sync_unconfirmed, (unsigned long long)acc.sync_offers_dropped,
                (unsigned long long)acc.sync_nudged, (unsigned long long)acc.sync_elected,
                (unsigned long long)acc.sync_single_fetched,
                (unsigned long long)acc.sync_single_catchups, (unsigned long long)acc.sync_skipped,
                (unsigned long long)s->wiped, (unsigned long long)acc.sync_equivocations,
                (unsigned long long)acc.sync_missing, (unsigned long long)acc.sync_reports,
                (unsigned long long)acc.sync_local, (unsigned long long)acc.sync_gaps_expired,
                (unsigned long long)acc.sync_history);
    }
    sim_liar_summary(s, out);
    sim_eclipse_summary(s, out);
    sim_pos_summary(s, &acc, out);
    sim_life_summary(s, &acc, out);
    if (s->byz) {
        byz_summary(s, out);
        sim_byz_timing(s, out);
    }
    if (s->cfg.node.commit_hold_ms)
        fprintf(out, "  \"commit_hold\": {\"ms\": %llu, \"echo\": %s, \"held\": %llu, \"broken\": %llu, \"echoes\": %llu},\n",
                (unsigned long long)s->cfg.node.commit_hold_ms, s->cfg.node.commit_echo ? "true" : "false",
                (unsigned long long)acc.commit_holds, (unsigned long long)acc.holds_broken,
                (unsigned long long)acc.echoes_sent);
    fprintf(out, "  \"evidence\": {\"sent\": %llu, \"received\": %llu, \"known\": %llu, \"bad\": %llu, "
            "\"unverified\": %llu, \"unsent\": %llu, \"claims_kept\": %llu, \"claims_bad\": %llu, "
            "\"claims_convicted\": %llu, \"claims_evicted\": %llu, \"chain_convicted\": %llu, \"claims_checked_against_blocks\": %llu},\n",
            (unsigned long long)acc.evidence_sent, (unsigned long long)acc.evidence_received,
            (unsigned long long)acc.evidence_known, (unsigned long long)acc.evidence_bad,
            (unsigned long long)acc.evidence_unverified, (unsigned long long)acc.evidence_unsent,
            (unsigned long long)acc.claims_kept, (unsigned long long)acc.claims_bad,
            (unsigned long long)acc.claims_convicted, (unsigned long long)acc.claims_evicted,
            (unsigned long long)acc.chain_convicted, (unsigned long long)acc.claims_checked_block);
    fprintf(out, "  \"convictions\": {\"of_byzantine\": %llu, \"of_liars\": %llu, \"of_honest\": %llu, \"byzantine_convicted_somewhere\": %llu},\n",
            (unsigned long long)s->convictions_byz, (unsigned long long)s->convictions_liar, (unsigned long long)s->convictions_honest,
            (unsigned long long)byz_convicted(s));
    fprintf(out, "  \"heads_kept\": {\"conflicting\": %llu, \"invalid\": %llu, \"behind\": %llu},\n",
            (unsigned long long)acc.conflicts_seen, (unsigned long long)acc.heads_refused,
            (unsigned long long)acc.heads_behind);
    fprintf(out, "  \"simulated_seconds\": %.3f,\n  \"events\": %llu,\n  \"events_per_second\": %.0f,\n"
            "  \"wall_seconds\": %.3f,\n  \"peak_rss_mb\": %.1f,\n  \"digest\": \"%s\"\n}\n",
            s->now_us / 1e6, (unsigned long long)s->events, wall_s > 0 ? (double)s->events / wall_s : 0,
            wall_s, ru.ru_maxrss / 1024.0, dhex);
    free(lat);
    free(first);
    free(told);
    free(srtt);
    free(pto);
}
