/* The status page: GET /status (JSON) and GET /metrics (Prometheus text,
 * version 0.0.4) on a localhost address, served by libmicrohttpd's own
 * thread from two strings the event loop rebuilds every 250 ms (the loop
 * never waits on the HTTP thread; a scrape sees state at most 250 ms old);
 * GET /evidence the same way from daemon_evidence.c's string.
 * Metric names: `ec_` prefix, `_total` counters, base units (seconds,
 * bytes), drop reasons as a `reason` label; no peer ids as label values
 * (unbounded cardinality). */
#include <arpa/inet.h>
#include <microhttpd.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/life.h"
#include "net/daemon_internal.h"

/* A growing string (the pages are a few KiB). */
typedef struct sbuf {
    char *p;
    size_t len, cap;
} sbuf;

static void sb_printf(sbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void sb_printf(sbuf *b, const char *fmt, ...)
{
    for (;;) {
        va_list ap;
        va_start(ap, fmt);
        size_t room = b->cap - b->len;
        int n = b->p ? vsnprintf(b->p + b->len, room, fmt, ap) : -1;
        va_end(ap);
        if (n >= 0 && (size_t)n < room) {
            b->len += (size_t)n;
            return;
        }
        size_t cap = b->cap ? 2 * b->cap : 4096;
        while (n >= 0 && cap - b->len <= (size_t)n) cap *= 2;
        char *g = realloc(b->p, cap);
        if (g == NULL) return; /* the page is cut short; nothing breaks */
        b->p = g;
        b->cap = cap;
    }
}

#define SESS_DROP(f) {#f, offsetof(ec_sess_stats, dropped_##f)}
static const struct {
    const char *name;
    size_t off;
} sess_drops[] = {
    SESS_DROP(short),      SESS_DROP(version),       SESS_DROP(type),          SESS_DROP(reserved),
    SESS_DROP(length),     SESS_DROP(mac1),          SESS_DROP(cookie_sent),   SESS_DROP(cookie_limited),
    SESS_DROP(decrypt),    SESS_DROP(payload),       SESS_DROP(replay),        SESS_DROP(init_replay),
    SESS_DROP(init_flood), SESS_DROP(unknown_index), SESS_DROP(expired),       SESS_DROP(table_full),
    SESS_DROP(queue_full), SESS_DROP(queue_failed),  SESS_DROP(outbox_full),   SESS_DROP(too_big),
};

#define NODE_DROP(name, f) {name, offsetof(ec_node_stats, f)}
static const struct {
    const char *name;
    size_t off;
} node_drops[] = {
    NODE_DROP("malformed", dropped_malformed),       NODE_DROP("unexpected", dropped_unexpected),
    NODE_DROP("outbox_full", dropped_outbox_full),   NODE_DROP("send_failed", dropped_send_failed),
    NODE_DROP("pending_full", dropped_pending_full), NODE_DROP("peer_share", dropped_peer_share),
    NODE_DROP("catchup_full", dropped_catchup_full), NODE_DROP("events_full", dropped_events_full),
    NODE_DROP("votes_ineligible", votes_ineligible), NODE_DROP("votes_full", votes_dropped_full),
    NODE_DROP("votes_relayed_bad", votes_relayed_bad), NODE_DROP("identity_asks", identity_asks_dropped),
};

static uint64_t field(const void *base, size_t off)
{
    uint64_t v;
    memcpy(&v, (const uint8_t *)base + off, sizeof v);
    return v;
}

static void build_metrics(ec_daemon *d, sbuf *b, const ec_sess_stats *ss, const ec_node_stats *ns,
                          const ec_store_counts *sc)
{
    const ec_udp_stats *u = &d->udp->stats;
    sb_printf(b, "# HELP ec_udp_packets_total UDP datagrams.\n# TYPE ec_udp_packets_total counter\n");
    sb_printf(b, "ec_udp_packets_total{direction=\"rx\"} %llu\nec_udp_packets_total{direction=\"tx\"} %llu\n",
              (unsigned long long)u->rx_packets, (unsigned long long)u->tx_packets);
    sb_printf(b, "# HELP ec_udp_bytes_total UDP payload bytes.\n# TYPE ec_udp_bytes_total counter\n");
    sb_printf(b, "ec_udp_bytes_total{direction=\"rx\"} %llu\nec_udp_bytes_total{direction=\"tx\"} %llu\n",
              (unsigned long long)u->rx_bytes, (unsigned long long)u->tx_bytes);
    sb_printf(b, "# HELP ec_drops_total Packets, frames and messages dropped, by layer and reason.\n"
                 "# TYPE ec_drops_total counter\n");
    sb_printf(b, "ec_drops_total{layer=\"udp\",reason=\"truncated\"} %llu\n", (unsigned long long)u->rx_truncated);
    sb_printf(b, "ec_drops_total{layer=\"udp\",reason=\"send_full\"} %llu\n", (unsigned long long)u->tx_dropped);
    sb_printf(b, "ec_drops_total{layer=\"udp\",reason=\"send_error\"} %llu\n", (unsigned long long)u->tx_errors);
    for (size_t i = 0; i < sizeof sess_drops / sizeof sess_drops[0]; i++)
        sb_printf(b, "ec_drops_total{layer=\"session\",reason=\"%s\"} %llu\n", sess_drops[i].name,
                  (unsigned long long)field(ss, sess_drops[i].off));
    for (int i = 0; i < DROP_REASONS; i++)
        sb_printf(b, "ec_drops_total{layer=\"daemon\",reason=\"%s\"} %llu\n", ec_daemon_drop_names[i],
                  (unsigned long long)d->drops[i]);
    for (size_t i = 0; i < sizeof node_drops / sizeof node_drops[0]; i++)
        sb_printf(b, "ec_drops_total{layer=\"core\",reason=\"%s\"} %llu\n", node_drops[i].name,
                  (unsigned long long)field(ns, node_drops[i].off));
    sb_printf(b, "# HELP ec_handshakes_total Noise handshakes.\n# TYPE ec_handshakes_total counter\n");
    sb_printf(b, "ec_handshakes_total{result=\"initiated\"} %llu\nec_handshakes_total{result=\"completed\"} %llu\n"
                 "ec_handshakes_total{result=\"failed\"} %llu\n",
              (unsigned long long)ss->handshakes_initiated, (unsigned long long)ss->handshakes_completed,
              (unsigned long long)ss->handshakes_failed);
    sb_printf(b, "# HELP ec_messages_total Core messages.\n# TYPE ec_messages_total counter\n");
    for (int t = 1; t < EC_MSG_TYPE_END; t++)
        sb_printf(b, "ec_messages_total{direction=\"tx\",type=\"%d\"} %llu\n"
                     "ec_messages_total{direction=\"rx\",type=\"%d\"} %llu\n",
                  t, (unsigned long long)ns->sent[t], t, (unsigned long long)ns->recv[t]);
    sb_printf(b, "# HELP ec_commits_total Transactions this node committed.\n# TYPE ec_commits_total counter\n"
                 "ec_commits_total %llu\n", (unsigned long long)ns->committed);
    sb_printf(b, "# HELP ec_submitted_total Transactions clients submitted here.\n# TYPE ec_submitted_total counter\n"
                 "ec_submitted_total %llu\n", (unsigned long long)ns->submitted);
    sb_printf(b, "# HELP ec_timed_out_total Transactions that timed out here.\n# TYPE ec_timed_out_total counter\n"
                 "ec_timed_out_total %llu\n", (unsigned long long)ns->timed_out);
    sb_printf(b, "# HELP ec_peers Admitted peers (verified identity).\n# TYPE ec_peers gauge\nec_peers %u\n",
              g_hash_table_size(d->by_addr));
    sb_printf(b, "# HELP ec_network_size_estimate Peers in the network, estimated from the admitted ones (seed 5.4).\n"
                 "# TYPE ec_network_size_estimate gauge\nec_network_size_estimate %.1f\n", d->netsize);
    sb_printf(b, "# HELP ec_admission_difficulty_bits Proof-of-work bits an identity must show to be admitted.\n"
                 "# TYPE ec_admission_difficulty_bits gauge\nec_admission_difficulty_bits %u\n", d->required_bits);
    sb_printf(b, "# HELP ec_peers_evicted_total Peers dropped from a full table after 10 min of silence.\n"
                 "# TYPE ec_peers_evicted_total counter\nec_peers_evicted_total %llu\n",
              (unsigned long long)d->peers_evicted);
    sb_printf(b, "# HELP ec_peers_excluded_total Peers whose session was closed or refused because this node "
                 "convicted them (their sessions, records and messages are refused; ec_drops_total{reason=\"convicted\"}).\n"
                 "# TYPE ec_peers_excluded_total counter\nec_peers_excluded_total %llu\n",
              (unsigned long long)d->peers_excluded);
    sb_printf(b, "# HELP ec_storage_proofs_total Storage-proof challenges this node sent and their ends, and "
                 "challenges it answered or could not.\n# TYPE ec_storage_proofs_total counter\n"
                 "ec_storage_proofs_total{result=\"sent\"} %llu\nec_storage_proofs_total{result=\"passed\"} %llu\n"
                 "ec_storage_proofs_total{result=\"failed\"} %llu\nec_storage_proofs_total{result=\"timed_out\"} %llu\n"
                 "ec_storage_proofs_total{result=\"answered\"} %llu\nec_storage_proofs_total{result=\"cannot\"} %llu\n",
              (unsigned long long)ns->pos_challenges, (unsigned long long)ns->pos_passed,
              (unsigned long long)ns->pos_failed, (unsigned long long)ns->pos_timed_out,
              (unsigned long long)ns->pos_answered, (unsigned long long)ns->pos_cannot);
    {
        ec_life_counts lc;
        ec_node_life_counts(d->node, &lc);
        sb_printf(b, "# HELP ec_life_peers Peers by lifecycle state (trusted: connected peers trusted).\n"
                     "# TYPE ec_life_peers gauge\n"
                     "ec_life_peers{state=\"identified\"} %u\nec_life_peers{state=\"pending\"} %u\n"
                     "ec_life_peers{state=\"connected\"} %u\nec_life_peers{state=\"trusted\"} %u\n"
                     "ec_life_peers{state=\"ejected\"} %u\n",
                  (unsigned)lc.identified, (unsigned)lc.pending, (unsigned)lc.connected, (unsigned)lc.trusted,
                  (unsigned)lc.ejected);
        sb_printf(b, "# HELP ec_life_total Lifecycle events: elections started, won, lost, connected peers "
                     "dropped, swapped out, ejected, unjudged.\n# TYPE ec_life_total counter\n"
                     "ec_life_total{event=\"elections\"} %llu\nec_life_total{event=\"elected\"} %llu\n"
                     "ec_life_total{event=\"lost\"} %llu\nec_life_total{event=\"dropped\"} %llu\n"
                     "ec_life_total{event=\"swaps\"} %llu\nec_life_total{event=\"ejected\"} %llu\n"
                     "ec_life_total{event=\"unjudged\"} %llu\n",
                  (unsigned long long)ns->life_elections, (unsigned long long)ns->life_elected,
                  (unsigned long long)ns->life_lost, (unsigned long long)ns->life_dropped,
                  (unsigned long long)ns->life_swaps, (unsigned long long)ns->life_ejected,
                  (unsigned long long)ns->life_unjudged);
    }
    sb_printf(b, "# HELP ec_queries_total Sessionless queries: answered here, forwarded to a nearer peer, "
                 "not forwarded while shedding load, answered too large for their 3x budget.\n"
                 "# TYPE ec_queries_total counter\n"
                 "ec_queries_total{result=\"answered\"} %llu\nec_queries_total{result=\"forwarded\"} %llu\n"
                 "ec_queries_total{result=\"shed\"} %llu\nec_queries_total{result=\"too_large\"} %llu\n",
              (unsigned long long)d->queries_answered, (unsigned long long)d->queries_forwarded,
              (unsigned long long)d->queries_shed, (unsigned long long)d->answers_too_large);
    {
        ec_block_header tip;
        uint64_t height = ec_node_chain_tip(d->node, &tip) == EC_OK ? tip.height : 0;
        sb_printf(b, "# HELP ec_chain_height Blocks in this node's own commit chain.\n# TYPE ec_chain_height gauge\n"
                     "ec_chain_height %llu\n", (unsigned long long)height);
        sb_printf(b, "# HELP ec_syncing Whether a chain sync round is in progress.\n# TYPE ec_syncing gauge\n"
                     "ec_syncing %d\n", ec_node_syncing(d->node) ? 1 : 0);
        const struct { const char *what; uint64_t v; } sy[] = {
            {"rounds", ns->sync_rounds}, {"headers", ns->sync_headers}, {"blocks", ns->sync_bodies},
            {"fetched", ns->sync_txs_fetched}, {"adopted", ns->sync_adopted}, {"not_ours", ns->sync_not_ours},
            {"invalid", ns->sync_invalid}, {"faults", ns->sync_faults}, {"forks", ns->sync_forks},
            {"sources_dropped", ns->sync_sources_dropped}, {"unconfirmed", ns->sync_unconfirmed},
            {"nudged", ns->sync_nudged}, {"elected", ns->sync_elected}, {"equivocations", ns->sync_equivocations},
            {"skipped", ns->sync_skipped}, {"single_fetched", ns->sync_single_fetched}, {"single_catchups", ns->sync_single_catchups},
            {"missing", ns->sync_missing}, {"reports", ns->sync_reports}, {"local", ns->sync_local}, {"gaps_expired", ns->sync_gaps_expired}, {"history", ns->sync_history},
        };
        sb_printf(b, "# HELP ec_sync_total Chain sync: rounds, headers and blocks checked, transactions fetched "
                     "and what became of them, refusals.\n# TYPE ec_sync_total counter\n");
        for (size_t i = 0; i < sizeof sy / sizeof sy[0]; i++)
            sb_printf(b, "ec_sync_total{what=\"%s\"} %llu\n", sy[i].what, (unsigned long long)sy[i].v);
    }
    sb_printf(b, "# HELP ec_equivocations_total Voters convicted here by two signed +1 votes on one head "
                 "(evidence kept).\n# TYPE ec_equivocations_total counter\nec_equivocations_total %llu\n",
              (unsigned long long)ns->equivocations);
    sb_printf(b, "# HELP ec_claims_convicted_total Nodes convicted here by two signed mapping claims that "
                 "contradict (evidence kept).\n# TYPE ec_claims_convicted_total counter\n"
                 "ec_claims_convicted_total %llu\n", (unsigned long long)ns->claims_convicted);
    sb_printf(b, "# HELP ec_chain_convicted_total Nodes convicted here by two blocks they signed at one height "
                 "of their commit chain (evidence kept).\n# TYPE ec_chain_convicted_total counter\n"
                 "ec_chain_convicted_total %llu\n", (unsigned long long)ns->chain_convicted);
    sb_printf(b, "# HELP ec_sessions Sessions.\n# TYPE ec_sessions gauge\nec_sessions %u\n", ss->sessions);
    sb_printf(b, "# HELP ec_pending Transactions in flight.\n# TYPE ec_pending gauge\nec_pending %zu\n",
              ec_node_pending(d->node));
    sb_printf(b, "# HELP ec_store_tokens Tokens with a head here.\n# TYPE ec_store_tokens gauge\nec_store_tokens %llu\n",
              (unsigned long long)sc->tokens);
    sb_printf(b, "# HELP ec_store_transactions Transactions stored here.\n# TYPE ec_store_transactions gauge\n"
                 "ec_store_transactions %llu\n", (unsigned long long)sc->transactions);
    static const char *const le[12] = {"0.005", "0.01", "0.025", "0.05", "0.1", "0.25",
                                       "0.5",   "1",    "2.5",   "5",    "10",  "+Inf"};
    sb_printf(b, "# HELP ec_commit_latency_seconds Submission to outcome, for clients waiting here.\n"
                 "# TYPE ec_commit_latency_seconds histogram\n");
    for (int i = 0; i < 12; i++)
        sb_printf(b, "ec_commit_latency_seconds_bucket{le=\"%s\"} %llu\n", le[i], (unsigned long long)d->lat_bucket[i]);
    sb_printf(b, "ec_commit_latency_seconds_sum %.3f\nec_commit_latency_seconds_count %llu\n", d->lat_sum_ms / 1000.0,
              (unsigned long long)d->lat_count);
}

static void build_status(ec_daemon *d, sbuf *b, const ec_sess_stats *ss, const ec_node_stats *ns,
                         const ec_store_counts *sc)
{
    char hex[65], ep[EC_ENDPOINT_STR_MAX];
    ec_id_to_hex(&d->addr, hex);
    ec_endpoint_format(&d->udp->local, ep);
    sb_printf(b, "{\n  \"addr\": \"%s\",\n  \"endpoint\": \"%s\",\n  \"uptime_s\": %.1f,\n", hex, ep,
              (dmn_now(d) - d->unix0_ms) / 1000.0);
    sb_printf(b, "  \"peers_admitted\": %u,\n  \"network_size_estimate\": %.1f,\n  \"admission_bits\": %u,\n",
              g_hash_table_size(d->by_addr), d->netsize, d->required_bits);
    sb_printf(b, "  \"sessions\": %u,\n  \"pending\": %zu,\n  \"committed\": %llu,\n  \"submitted\": %llu,\n",
              ss->sessions, ec_node_pending(d->node), (unsigned long long)ns->committed,
              (unsigned long long)ns->submitted);
    sb_printf(b, "  \"catchup\": {\"resynced\": %llu, \"started\": %llu, \"caught_up\": %llu, \"failed\": %llu},\n",
              (unsigned long long)d->resync_tokens, (unsigned long long)ns->catchups_started,
              (unsigned long long)ns->caught_up, (unsigned long long)ns->catchups_failed);
    ec_block_header tip;
    uint64_t height = ec_node_chain_tip(d->node, &tip) == EC_OK ? tip.height : 0;
    sb_printf(b, "  \"chain\": {\"height\": %llu, \"blocks_cut\": %llu},\n", (unsigned long long)height,
              (unsigned long long)ns->blocks_cut);
    sb_printf(b, "  \"sync\": {\"enabled\": %s, \"syncing\": %s, \"rounds\": %llu, \"headers\": %llu, "
                 "\"blocks\": %llu, \"fetched\": %llu, \"adopted\": %llu, \"not_ours\": %llu, \"invalid\": %llu, "
                 "\"faults\": %llu, \"forks\": %llu, \"sources_dropped\": %llu, \"unconfirmed\": %llu, "
                 "\"reports\": %llu, \"missing\": %llu},\n",
              d->sync_started ? "true" : "false", ec_node_syncing(d->node) ? "true" : "false",
              (unsigned long long)ns->sync_rounds, (unsigned long long)ns->sync_headers,
              (unsigned long long)ns->sync_bodies, (unsigned long long)ns->sync_txs_fetched,
              (unsigned long long)ns->sync_adopted, (unsigned long long)ns->sync_not_ours,
              (unsigned long long)ns->sync_invalid, (unsigned long long)ns->sync_faults,
              (unsigned long long)ns->sync_forks, (unsigned long long)ns->sync_sources_dropped,
              (unsigned long long)ns->sync_unconfirmed, (unsigned long long)ns->sync_reports,
              (unsigned long long)ns->sync_missing);
    sb_printf(b, "  \"evidence\": {\"equivocators_convicted\": %llu, \"claims_convicted\": %llu, "
                 "\"chain_convicted\": %llu, \"not_kept_full\": %llu, \"corrupt\": %llu},\n",
              (unsigned long long)ns->equivocations, (unsigned long long)ns->claims_convicted,
              (unsigned long long)ns->chain_convicted, (unsigned long long)ns->convicted_full,
              (unsigned long long)ns->evidence_corrupt);
    sb_printf(b, "  \"queries\": {\"answered\": %llu, \"forwarded\": %llu, \"shed\": %llu, \"too_large\": %llu},\n",
              (unsigned long long)d->queries_answered, (unsigned long long)d->queries_forwarded,
              (unsigned long long)d->queries_shed, (unsigned long long)d->answers_too_large);
    sb_printf(b, "  \"storage_proofs\": {\"region_bits\": %u, \"challenges\": %llu, \"passed\": %llu, \"failed\": %llu, "
                 "\"timed_out\": %llu, \"answered\": %llu, \"cannot\": %llu, \"dropped_rate\": %llu, "
                 "\"dropped_peer\": %llu},\n",
              ec_node_pos_region(d->node), (unsigned long long)ns->pos_challenges, (unsigned long long)ns->pos_passed,
              (unsigned long long)ns->pos_failed, (unsigned long long)ns->pos_timed_out,
              (unsigned long long)ns->pos_answered, (unsigned long long)ns->pos_cannot,
              (unsigned long long)ns->pos_dropped_rate, (unsigned long long)ns->pos_dropped_peer);
    ec_life_counts lc;
    ec_node_life_counts(d->node, &lc);
    sb_printf(b, "  \"lifecycle\": {\"enabled\": %s, \"identified\": %u, \"pending\": %u, \"connected\": %u, "
                 "\"trusted\": %u, \"ejected\": %u, \"elections\": %llu, \"elected\": %llu, \"lost\": %llu, "
                 "\"dropped\": %llu, \"swaps\": %llu, \"unjudged\": %llu},\n",
              d->cfg.node.life ? "true" : "false", (unsigned)lc.identified, (unsigned)lc.pending,
              (unsigned)lc.connected, (unsigned)lc.trusted, (unsigned)lc.ejected,
              (unsigned long long)ns->life_elections, (unsigned long long)ns->life_elected,
              (unsigned long long)ns->life_lost, (unsigned long long)ns->life_dropped,
              (unsigned long long)ns->life_swaps, (unsigned long long)ns->life_unjudged);
    sb_printf(b, "  \"store\": {\"tokens\": %llu, \"transactions\": %llu, \"votes\": %llu},\n",
              (unsigned long long)sc->tokens, (unsigned long long)sc->transactions, (unsigned long long)sc->votes);
    /* Our own neighborhood: the w - 1 admitted peers nearest to us. */
    ec_id near[16];
    unsigned nn = dmn_nearest(d, &d->addr, d->cfg.node.w > 1 ? d->cfg.node.w - 1 : 1, false, near);
    sb_printf(b, "  \"neighborhood\": [");
    for (unsigned i = 0; i < nn; i++) {
        ec_id_to_hex(&near[i], hex);
        sb_printf(b, "%s\"%s\"", i ? ", " : "", hex);
    }
    sb_printf(b, "],\n");
    /* Every admitted peer. */
    sb_printf(b, "  \"peers\": [");
    GHashTableIter it;
    gpointer k, v;
    bool first = true;
    g_hash_table_iter_init(&it, d->by_addr);
    while (g_hash_table_iter_next(&it, &k, &v)) {
        const dpeer *p = v;
        ec_id_to_hex(&p->addr, hex);
        ec_endpoint_format(&p->ep, ep);
        /* Its lifecycle here (core/life.h): state, phases, storage proofs. */
        ec_life_record lr;
        bool has = ec_node_life_peer(d->node, &p->addr, &lr) == EC_OK;
        sb_printf(b, "%s\n    {\"addr\": \"%s\", \"endpoint\": \"%s\", \"last_rx_ms_ago\": %llu, \"state\": \"%s\", "
                     "\"synchronized\": %s, \"trusted\": %s, \"proofs_passed\": %u, \"proofs_failed\": %u}",
                  first ? "" : ",", hex, ep, p->last_rx_ms ? (unsigned long long)(dmn_now(d) - p->last_rx_ms) : 0ull,
                  has ? ec_life_state_name(lr.state) : "identified",
                  has && (lr.phases & EC_LIFE_PHASE_SYNCHRONIZED) ? "true" : "false",
                  has && (lr.phases & EC_LIFE_PHASE_TRUSTED) ? "true" : "false", has ? lr.passed : 0u,
                  has ? lr.failed : 0u);
        first = false;
    }
    sb_printf(b, "%s],\n  \"drops\": {", first ? "" : "\n  ");
    first = true;
    for (int i = 0; i < DROP_REASONS; i++) {
        sb_printf(b, "%s\"%s\": %llu", first ? "" : ", ", ec_daemon_drop_names[i], (unsigned long long)d->drops[i]);
        first = false;
    }
    for (size_t i = 0; i < sizeof sess_drops / sizeof sess_drops[0]; i++)
        sb_printf(b, ", \"session_%s\": %llu", sess_drops[i].name, (unsigned long long)field(ss, sess_drops[i].off));
    for (size_t i = 0; i < sizeof node_drops / sizeof node_drops[0]; i++)
        sb_printf(b, ", \"core_%s\": %llu", node_drops[i].name, (unsigned long long)field(ns, node_drops[i].off));
    sb_printf(b, "},\n  \"handshakes\": {\"initiated\": %llu, \"completed\": %llu, \"failed\": %llu}\n}\n",
              (unsigned long long)ss->handshakes_initiated, (unsigned long long)ss->handshakes_completed,
              (unsigned long long)ss->handshakes_failed);
}

uint64_t ec_daemon_drops(const ec_daemon *d, const char *reason)
{
    for (int i = 0; i < DROP_REASONS; i++)
        if (strcmp(reason, ec_daemon_drop_names[i]) == 0) return d->drops[i];
    ec_sess_stats ss;
    ec_sess_get_stats(d->sess, &ss);
    for (size_t i = 0; i < sizeof sess_drops / sizeof sess_drops[0]; i++)
        if (strncmp(reason, "session_", 8) == 0 && strcmp(reason + 8, sess_drops[i].name) == 0)
            return field(&ss, sess_drops[i].off);
    return UINT64_MAX;
}

void dmn_status_refresh(ec_daemon *d)
{
    ec_sess_stats ss;
    ec_sess_get_stats(d->sess, &ss);
    const ec_node_stats *ns = ec_node_stats_get(d->node);
    ec_store_counts sc;
    memset(&sc, 0, sizeof sc);
    ec_store_counts_get(d->store, &sc);
    sbuf st = {0}, me = {0};
    build_status(d, &st, &ss, ns, &sc);
    build_metrics(d, &me, &ss, ns, &sc);
    if (d->snap_evidence == NULL || ns->equivocations + ns->claims_convicted + ns->chain_convicted != d->snap_ev_mark)
        dmn_evidence_refresh(d);
    pthread_mutex_lock(&d->snap_mu);
    free(d->snap_status);
    free(d->snap_metrics);
    d->snap_status = st.p;
    d->snap_metrics = me.p;
    pthread_mutex_unlock(&d->snap_mu);
    d->snap_at_ms = dmn_now(d);
}

static enum MHD_Result answer(void *cls, struct MHD_Connection *c, const char *url, const char *method,
                              const char *version, const char *upload, size_t *upload_len, void **con_cls)
{
    (void)version;
    (void)upload;
    (void)upload_len;
    (void)con_cls;
    ec_daemon *d = cls;
    const char *type = "application/json";
    char *body = NULL;
    unsigned code = MHD_HTTP_OK;
    if (strcmp(method, "GET") != 0) {
        code = MHD_HTTP_METHOD_NOT_ALLOWED;
        body = strdup("only GET\n");
        type = "text/plain";
    } else {
        pthread_mutex_lock(&d->snap_mu);
        if (strcmp(url, "/status") == 0 && d->snap_status) body = strdup(d->snap_status);
        else if (strcmp(url, "/metrics") == 0 && d->snap_metrics) {
            body = strdup(d->snap_metrics);
            type = "text/plain; version=0.0.4";
        } else if (strcmp(url, "/evidence") == 0 && d->snap_evidence)
            body = strdup(d->snap_evidence);
        pthread_mutex_unlock(&d->snap_mu);
        if (body == NULL) {
            code = MHD_HTTP_NOT_FOUND;
            body = strdup("not found: try /status, /metrics or /evidence\n");
            type = "text/plain";
        }
    }
    if (body == NULL) return MHD_NO;
    struct MHD_Response *r = MHD_create_response_from_buffer(strlen(body), body, MHD_RESPMEM_MUST_FREE);
    if (r == NULL) {
        free(body);
        return MHD_NO;
    }
    MHD_add_response_header(r, "Content-Type", type);
    enum MHD_Result ret = MHD_queue_response(c, code, r);
    MHD_destroy_response(r);
    return ret;
}

ec_err dmn_status_start(ec_daemon *d, char *why, size_t why_cap)
{
    struct sockaddr_in sa;
    memset(&sa, 0, sizeof sa);
    sa.sin_family = AF_INET;
    sa.sin_port = htons(d->cfg.status_port);
    if (inet_pton(AF_INET, d->cfg.status_host, &sa.sin_addr) != 1) {
        snprintf(why, why_cap, "status address '%s' is not an IPv4 address", d->cfg.status_host);
        return EC_ERR_ARG;
    }
    d->http = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_ERROR_LOG, 0, NULL, NULL, answer, d,
                               MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&sa, MHD_OPTION_CONNECTION_LIMIT, 16u,
                               MHD_OPTION_CONNECTION_TIMEOUT, 5u, MHD_OPTION_END);
    if (d->http == NULL) {
        snprintf(why, why_cap, "status %s:%u: cannot listen", d->cfg.status_host, (unsigned)d->cfg.status_port);
        return EC_ERR_IO;
    }
    const union MHD_DaemonInfo *info = MHD_get_daemon_info(d->http, MHD_DAEMON_INFO_BIND_PORT);
    d->status_port = info ? info->port : d->cfg.status_port;
    return EC_OK;
}

void dmn_status_stop(ec_daemon *d)
{
    if (d->http) MHD_stop_daemon(d->http);
    d->http = NULL;
}
