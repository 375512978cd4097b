/* Simulator engine: the event heap, the network model, and the nodes. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "crypto/blake3.h"
#include "ledger/idhash.h"
#include "sim/sim_internal.h"

void sim_config_default(sim_config *c)
{
    memset(c, 0, sizeof *c);
    c->seed = 1;
    c->nodes = 50;
    c->latency = SIM_LAT_CONST;
    c->lat_a = 50;
    c->txs = 200;
    c->rate = 20;
    c->tokens_min = 1;
    c->tokens_max = 1;
    c->new_fraction = 1.0;
    c->clients = 64;
    c->drain_ms = 60000;
    c->lie = SIM_LIE_MIXED;
    c->withhold = 0.25;
    c->lazy_density = 0.5;
    ec_node_config_default(&c->node);
}

static bool ev_less(const ev *a, const ev *b)
{
    return a->t_us < b->t_us || (a->t_us == b->t_us && a->seq < b->seq);
}

void sim_push(sim *s, const ev *e)
{
    if (s->nheap == s->capheap) {
        s->capheap = s->capheap ? 2 * s->capheap : 1024;
        s->heap = realloc(s->heap, s->capheap * sizeof *s->heap);
    }
    size_t i = s->nheap++;
    s->heap[i] = *e;
    s->heap[i].seq = s->seq++;
    while (i > 0 && ev_less(&s->heap[i], &s->heap[(i - 1) / 2])) {
        ev t = s->heap[i];
        s->heap[i] = s->heap[(i - 1) / 2];
        s->heap[(i - 1) / 2] = t;
        i = (i - 1) / 2;
    }
}

static ev pop(sim *s)
{
    ev top = s->heap[0];
    s->heap[0] = s->heap[--s->nheap];
    size_t i = 0;
    for (;;) {
        size_t l = 2 * i + 1, r = l + 1, m = i;
        if (l < s->nheap && ev_less(&s->heap[l], &s->heap[m])) m = l;
        if (r < s->nheap && ev_less(&s->heap[r], &s->heap[m])) m = r;
        if (m == i) break;
        ev t = s->heap[i];
        s->heap[i] = s->heap[m];
        s->heap[m] = t;
        i = m;
    }
    return top;
}

uint32_t sim_node_of(const sim *s, const ec_id *addr)
{
    gpointer v = g_hash_table_lookup(s->index, addr);
    return v ? (uint32_t)(GPOINTER_TO_SIZE(v) - 1) : UINT32_MAX;
}

/* First index in the sorted addresses whose top `bits` bits (0..64) are
 * >= (or, with upper, >) t's: [lower(false), lower(true)) are the nodes
 * sharing those bits with t. */
static size_t lower(const sim *s, const ec_id *t, unsigned bits, bool upper)
{
    uint64_t want = bits ? ec_id_top64(t) >> (64 - bits) : 0;
    size_t lo = 0, hi = s->cfg.nodes;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        uint64_t have = bits ? ec_id_top64(&s->addrs[mid]) >> (64 - bits) : 0;
        if (have < want || (upper && have == want)) lo = mid + 1;
        else hi = mid;
    }
    return lo;
}

size_t sim_true_nearest(const sim *s, const ec_id *target, size_t w, uint32_t *out)
{
    /* The w nearest share the longest prefix with target that w nodes share:
     * they lie in one contiguous range of the sorted addresses. */
    size_t lo = 0, hi = s->cfg.nodes;
    for (unsigned bits = 1; bits <= 64; bits++) {
        size_t l = lower(s, target, bits, false), h = lower(s, target, bits, true);
        if (h - l < w) break;
        lo = l;
        hi = h;
    }
    size_t n = 0;
    for (size_t i = lo; i < hi; i++) {
        if (n == w && ec_id_cmp_distance(target, &s->addrs[i], &s->addrs[out[w - 1]]) >= 0)
            continue;
        size_t k = n < w ? n++ : w - 1;
        while (k > 0 && ec_id_cmp_distance(target, &s->addrs[i], &s->addrs[out[k - 1]]) < 0) {
            out[k] = out[k - 1];
            k--;
        }
        out[k] = (uint32_t)i;
    }
    return n;
}

static uint64_t latency_us(sim *s)
{
    const sim_config *c = &s->cfg;
    double ms = c->lat_a;
    switch (c->latency) {
    case SIM_LAT_CONST: break;
    case SIM_LAT_UNIFORM: ms = c->lat_a + (c->lat_b - c->lat_a) * ec_rng_double(&s->rng); break;
    case SIM_LAT_LOGNORMAL: {
        /* median a, 99th percentile b: sigma = ln(b/a) / 2.326 */
        double u1 = ec_rng_double(&s->rng), u2 = ec_rng_double(&s->rng);
        double z = sqrt(-2 * log(u1 > 0 ? u1 : 1e-300)) * cos(2 * M_PI * u2);
        ms = c->lat_a * exp(z * log(c->lat_b / c->lat_a) / 2.326);
        break;
    }
    case SIM_LAT_ROUNDS: ms = c->lat_a * (1 + (ec_rng_double(&s->rng) < c->lat_b)); break;
    }
    return (uint64_t)(ms * 1000);
}

static bool partitioned(const sim *s, uint32_t a, uint32_t b)
{
    uint64_t now_ms = s->now_us / 1000;
    for (unsigned i = 0; i < s->cfg.npartitions; i++) {
        const sim_partition *p = &s->cfg.partitions[i];
        if (now_ms < p->start_ms || now_ms >= p->end_ms) continue;
        uint32_t cut = (uint32_t)(p->fraction * s->cfg.nodes);
        if ((a < cut) != (b < cut)) return true;
    }
    return false;
}

static void schedule_tick(sim *s, uint32_t i)
{
    sim_node *sn = &s->nodes[i];
    uint64_t d = ec_node_next_deadline(sn->node);
    if (d == UINT64_MAX) return;
    uint64_t t = d * 1000 > s->now_us ? d * 1000 : s->now_us + 1000;
    if (t >= sn->tick_at_us) return;
    sn->tick_at_us = t;
    ev e = {.t_us = t, .kind = EV_TICK, .node = i};
    sim_push(s, &e);
}

void sim_send(sim *s, uint32_t from, uint32_t to, const uint8_t *buf, size_t len)
{
    int copies = 1 + (s->cfg.dup > 0 && ec_rng_double(&s->rng) < s->cfg.dup);
    for (int c = 0; c < copies; c++) {
        if (s->cfg.loss > 0 && ec_rng_double(&s->rng) < s->cfg.loss) {
            s->lost++;
            continue;
        }
        ev e = {.t_us = s->now_us + latency_us(s), .kind = EV_DELIVER, .node = to, .from = from,
                .len = (uint32_t)len};
        e.data = malloc(len);
        memcpy(e.data, buf, len);
        sim_push(s, &e);
    }
}

bool sim_msg_replace(const ec_msg *m, uint8_t *buf, size_t *len)
{
    size_t out;
    uint8_t tmp[EC_MSG_MAX];
    if (ec_msg_encode(m, tmp, sizeof tmp, &out) != EC_OK) return false;
    memcpy(buf, tmp, out);
    *len = out;
    return true;
}

/* Moves a node's outbox onto the network. */
static void flush(sim *s, uint32_t i)
{
    ec_id to;
    uint8_t buf[EC_MSG_MAX];
    size_t len;
    while (ec_node_next_out(s->nodes[i].node, &to, NULL, buf, sizeof buf, &len) == EC_OK) {
        uint32_t j = sim_node_of(s, &to);
        if (j == UINT32_MAX) continue;
        sim_liar_rewrite(s, i, buf, &len);
        sim_eclipse_rewrite(s, i, buf, &len);
        if (sim_byz_rewrite(s, i, j, buf, &len)) sim_send(s, i, j, buf, len);
    }
    /* What the submitter learns: the first outcome per transaction. */
    ec_node_event ev;
    while (ec_node_next_event(s->nodes[i].node, &ev) == EC_OK) {
        if (ev.type == EC_NODE_EV_SYNC_REPORT) {
            sim_liar_report(s, i, &ev);
            continue;
        }
        if (ev.type == EC_NODE_EV_POS_RESULT) {
            sim_pos_result(s, i, &ev);
            continue;
        }
        if (ev.type == EC_NODE_EV_PEER_STATE) continue; /* counted by the node (sim_life.c) */
        if (ev.type == EC_NODE_EV_EVIDENCE) {
            uint32_t who = sim_node_of(s, &ev.from);
            if (who != UINT32_MAX) {
                sim_byz_convicted(s, i, who);
                sim_liar_convicted(s, i, who);
            }
            if (who != UINT32_MAX && s->nodes[who].byz) s->convictions_byz++;
            else if (who != UINT32_MAX && s->nodes[who].liar) s->convictions_liar++;
            else s->convictions_honest++; /* must stay 0 */
            continue;
        }
        size_t k = GPOINTER_TO_SIZE(g_hash_table_lookup(s->tx_by_id, &ev.tx_id));
        if (k == 0 || s->txs[k - 1].outcome) continue;
        s->txs[k - 1].outcome = (uint8_t)ev.type;
        s->txs[k - 1].outcome_us = s->now_us;
    }
    /* A restarted node's first finished sync round: how long it took. */
    sim_node *sn = &s->nodes[i];
    if (sn->restarted_us && ec_node_stats_get(sn->node)->sync_rounds > 0) {
        if (s->ncatchup == s->capcatchup) {
            s->capcatchup = s->capcatchup ? 2 * s->capcatchup : 64;
            s->catchup_us = realloc(s->catchup_us, s->capcatchup * sizeof *s->catchup_us);
        }
        s->catchup_us[s->ncatchup++] = s->now_us - sn->restarted_us;
        sn->restarted_us = 0;
    }
    schedule_tick(s, i);
}

void sim_after_node(sim *s, uint32_t i) { flush(s, i); }

static void on_commit(void *arg, ec_node *node, uint64_t now, const ec_id *tx_id, const ec_tx *tx)
{
    sim *s = arg;
    (void)now;
    sim_workload_on_commit(s, sim_node_of(s, ec_node_addr(node)), tx_id, tx);
}

static void fill_peers(sim *s, uint32_t i);

/* The identity layer's answer, from the simulator's own table: Argon2id
 * identities are skipped, so an address is bound to its key by fiat. */
static ec_node_id_answer identity_ok(void *arg, const ec_id *addr, const ec_pubkey *key)
{
    const sim *s = arg;
    uint32_t i = sim_node_of(s, addr);
    return i != UINT32_MAX && memcmp(s->keys[i].b, key->b, EC_PUBKEY_LEN) == 0 ? EC_NODE_ID_YES
                                                                              : EC_NODE_ID_NO;
}

static ec_err start_node(sim *s, uint32_t i, uint64_t now_ms)
{
    sim_node *sn = &s->nodes[i];
    ec_keypair kp;
    ec_sign_keypair(&kp, s->key_seeds[i]);
    s->keys[i] = kp.pub;
    ec_node_env env = {.addr = s->addrs[i], .store = sn->store, .rng = &sn->rng, .key = &kp,
                       .identity = identity_ok, .identity_arg = s, .on_commit = on_commit,
                       .on_commit_arg = s};
    ec_err err = ec_node_new(&sn->node, &s->cfg.node, &env);
    ec_sign_wipe(&kp);
    if (err) return err;
    sn->tick_at_us = UINT64_MAX;
    fill_peers(s, i);
    if (s->cfg.sync) ec_node_sync_start(sn->node, now_ms);
    flush(s, i); /* and its first tick, when the node asks for one (the lifecycle's first scan) */
    return EC_OK;
}

void sim_stats_add(ec_node_stats *acc, const ec_node_stats *st)
{
    for (int t = 0; t < EC_MSG_TYPE_END; t++) acc->sent[t] += st->sent[t], acc->sent_bytes_type[t] += st->sent_bytes_type[t];
    acc->sent_bytes += st->sent_bytes;
    acc->dropped_malformed += st->dropped_malformed;
    acc->timed_out += st->timed_out;
    acc->catchups_started += st->catchups_started;
    acc->caught_up += st->caught_up;
    acc->catchups_failed += st->catchups_failed;
    acc->votes_relayed_bad += st->votes_relayed_bad;
    acc->dropped_unexpected += st->dropped_unexpected;
    acc->dropped_outbox_full += st->dropped_outbox_full;
    acc->dropped_send_failed += st->dropped_send_failed;
    acc->dropped_pending_full += st->dropped_pending_full;
    acc->dropped_peer_share += st->dropped_peer_share;
    acc->votes_ineligible += st->votes_ineligible;
    acc->votes_dropped_full += st->votes_dropped_full;
    acc->store_errors += st->store_errors;
    acc->commits_failed += st->commits_failed;
    acc->dropped_catchup_full += st->dropped_catchup_full;
    acc->peers_evicted += st->peers_evicted;
    acc->heads_refused += st->heads_refused;
    acc->heads_behind += st->heads_behind;
    acc->conflicts_seen += st->conflicts_seen;
    acc->identities_unknown += st->identities_unknown;
    acc->dropped_events_full += st->dropped_events_full;
    acc->blocks_cut += st->blocks_cut;
    acc->chain_errors += st->chain_errors;
    acc->sync_rounds += st->sync_rounds;
    acc->sync_headers += st->sync_headers;
    acc->sync_bodies += st->sync_bodies;
    acc->sync_txs_fetched += st->sync_txs_fetched;
    acc->sync_adopted += st->sync_adopted;
    acc->sync_not_ours += st->sync_not_ours;
    acc->sync_invalid += st->sync_invalid;
    acc->sync_faults += st->sync_faults;
    acc->sync_forks += st->sync_forks;
    acc->sync_sources_dropped += st->sync_sources_dropped;
    acc->sync_unconfirmed += st->sync_unconfirmed;
    acc->sync_offers_dropped += st->sync_offers_dropped;
    acc->sync_nudged += st->sync_nudged;
    acc->sync_elected += st->sync_elected;
    acc->sync_equivocations += st->sync_equivocations;
    acc->sync_missing += st->sync_missing;
    acc->sync_reports += st->sync_reports;
    acc->sync_ranges += st->sync_ranges;
    acc->sync_single_fetched += st->sync_single_fetched;
    acc->sync_skipped += st->sync_skipped;
    acc->sync_local += st->sync_local;
    acc->equivocations += st->equivocations;
    acc->commit_holds += st->commit_holds;
    acc->evidence_sent += st->evidence_sent;
    acc->evidence_received += st->evidence_received;
    acc->evidence_known += st->evidence_known;
    acc->evidence_bad += st->evidence_bad;
    acc->evidence_unverified += st->evidence_unverified;
    acc->evidence_unsent += st->evidence_unsent;
    acc->claims_kept += st->claims_kept;
    acc->claims_bad += st->claims_bad;
    acc->claims_convicted += st->claims_convicted;
    acc->chain_convicted += st->chain_convicted;
    acc->claims_checked_block += st->claims_checked_block;
    acc->pos_answered += st->pos_answered;
    acc->pos_cannot += st->pos_cannot;
    acc->pos_dropped_rate += st->pos_dropped_rate;
    acc->pos_dropped_peer += st->pos_dropped_peer;
    acc->pos_challenges += st->pos_challenges;
    acc->pos_passed += st->pos_passed;
    acc->pos_failed += st->pos_failed;
    acc->pos_timed_out += st->pos_timed_out;
    acc->life_elections += st->life_elections;
    acc->life_elected += st->life_elected;
    acc->life_lost += st->life_lost;
    acc->life_dropped += st->life_dropped;
    acc->life_trusted += st->life_trusted;
    acc->life_ejected += st->life_ejected;
    acc->life_swaps += st->life_swaps;
    acc->life_unjudged += st->life_unjudged;
    acc->life_invites_sent += st->life_invites_sent;
    acc->life_invites_received += st->life_invites_received;
    acc->life_invites_ignored += st->life_invites_ignored;
    acc->life_evicted += st->life_evicted;
    acc->claims_evicted += st->claims_evicted;
    acc->holds_broken += st->holds_broken;
    acc->echoes_sent += st->echoes_sent;
    acc->sync_history += st->sync_history;
    acc->sync_tx_bytes += st->sync_tx_bytes;
    acc->sync_gaps_expired += st->sync_gaps_expired;
    acc->sync_single_catchups += st->sync_single_catchups;
    acc->sync_polled_behind += st->sync_polled_behind;
}

/* Crash schedule: each period takes down a seeded random share of nodes. */
static void schedule_crashes(sim *s)
{
    for (unsigned c = 0; c < s->cfg.ncrashes; c++) {
        const sim_crash *k = &s->cfg.crashes[c];
        uint32_t count = (uint32_t)(k->fraction * s->cfg.nodes);
        for (uint32_t j = 0; j < count; j++) {
            uint32_t i = (uint32_t)ec_rng_below(&s->rng, s->cfg.nodes);
            ev e = {.t_us = k->start_ms * 1000, .kind = EV_CRASH, .node = i};
            sim_push(s, &e);
            e.t_us = k->end_ms * 1000;
            e.kind = EV_RESTART;
            e.from = k->wipe; /* a restart's `from`: wipe the store first */
            sim_push(s, &e);
        }
    }
}

static void fill_peers(sim *s, uint32_t i)
{
    /* Ideal XOR buckets: bucket j holds up to bucket_size random nodes among
     * those sharing exactly j bits with node i (two ranges of the sorted list). */
    if (sim_eclipse_bootstrap(s, i)) return; /* a newcomer finds its peers itself */
    const ec_id *self = &s->addrs[i];
    unsigned k = s->cfg.node.bucket_size;
    for (unsigned j = 0; j < 64; j++) {
        size_t lo = lower(s, self, j, false), hi = lower(s, self, j, true);
        size_t lo2 = lower(s, self, j + 1, false), hi2 = lower(s, self, j + 1, true);
        size_t cand = (hi - lo) - (hi2 - lo2);
        if (hi - lo <= 1) break;
        /* All of a small bucket; k distinct random ones of a large one. */
        size_t added = 0;
        for (size_t tries = 0; added < k && added < cand && tries < 8 * (size_t)k + cand; tries++) {
            size_t r = cand <= k ? tries : ec_rng_below(&s->rng, cand);
            if (r >= cand) break;
            size_t idx = lo + r < lo2 ? lo + r : hi2 + (r - (lo2 - lo));
            if (s->nodes[idx].newcomer) continue; /* nobody knows a newcomer */
            added += ec_node_add_peer(s->nodes[i].node, &s->addrs[idx], NULL) == EC_OK;
        }
    }
}

/* One CSV row: totals at the end of simulated second `sec`. */
static void csv_row(sim *s, FILE *csv, uint64_t sec)
{
    uint64_t msgs = 0, done = 0;
    ec_node_stats acc = s->retired;
    for (unsigned i = 0; i < s->cfg.nodes; i++)
        if (s->nodes[i].node) sim_stats_add(&acc, ec_node_stats_get(s->nodes[i].node));
    for (int t = 1; t < EC_MSG_TYPE_END; t++) msgs += acc.sent[t];
    for (size_t i = 0; i < s->ntxs; i++) done += s->txs[i].done;
    fprintf(csv, "%llu,%llu,%llu,%llu,%llu,%llu", (unsigned long long)sec,
            (unsigned long long)s->submitted, (unsigned long long)done, (unsigned long long)msgs,
            (unsigned long long)s->delivered, (unsigned long long)s->lost);
    if (s->cfg.node.life) /* the latest lifecycle sample (every 10 s): honest nodes up, and of them
                           * those with >= 1, >= 4 connected peers up, with a coordinated, an honest quorum */
        fprintf(csv, ",%u,%u,%u,%u,%u", s->last_sampled, s->last_any, s->last_four, s->last_coord_q,
                s->last_honest_q);
    fputc('\n', csv);
}

ec_err sim_run(const sim_config *c, FILE *out, FILE *csv)
{
    sim s;
    memset(&s, 0, sizeof s);
    s.cfg = *c;
    ec_rng_seed(&s.rng, c->seed);
    struct timespec w0, w1;
    clock_gettime(CLOCK_MONOTONIC, &w0);

    /* Addresses: random, sorted; identities' Argon2id is skipped. */
    s.addrs = malloc(c->nodes * sizeof *s.addrs);
    for (unsigned i = 0; i < c->nodes; i++) ec_rng_bytes(&s.rng, s.addrs[i].b, EC_ID_LEN);
    qsort(s.addrs, c->nodes, sizeof *s.addrs, (int (*)(const void *, const void *))ec_id_cmp);
    s.key_seeds = malloc(c->nodes * sizeof *s.key_seeds);
    s.keys = calloc(c->nodes, sizeof *s.keys);
    for (unsigned i = 0; i < c->nodes; i++) ec_rng_bytes(&s.rng, s.key_seeds[i], EC_SEED_LEN);
    s.index = g_hash_table_new(ec_idhash_hash, ec_idhash_equal);
    s.nodes = calloc(c->nodes, sizeof *s.nodes);
    for (unsigned i = 0; i < c->nodes; i++) {
        sim_node *sn = &s.nodes[i];
        g_hash_table_insert(s.index, &s.addrs[i], GSIZE_TO_POINTER((size_t)i + 1));
        ec_rng_seed(&sn->rng, c->seed ^ (0x9e3779b97f4a7c15ull * (i + 1)));
        if (ec_store_mem_open(&sn->store) != EC_OK) return EC_ERR_NOMEM;
    }
    sim_liars_setup(&s);
    sim_byz_setup(&s);
    sim_eclipse_setup(&s);
    sim_pos_setup(&s);
    sim_life_setup(&s);
    for (unsigned i = 0; i < c->nodes; i++)
        if (!s.nodes[i].newcomer && start_node(&s, i, 0) != EC_OK) return EC_ERR_NOMEM;
    schedule_crashes(&s);
    s.tx_by_id = g_hash_table_new_full(ec_idhash_hash, ec_idhash_equal, free, NULL);
    s.decided = g_hash_table_new_full(ec_idhash_hash, ec_idhash_equal, free, free);
    sim_workload_schedule(&s);
    sim_workload_preload(&s);

    uint64_t end_us = UINT64_MAX, last_progress = 0, next_row_us = 1000000;
    if (csv)
        fprintf(csv, "second,submitted,committed,messages,delivered,lost%s\n",
                c->node.life ? ",sampled,connected_1,connected_4,coord_quorum,honest_quorum" : "");
    while (s.nheap > 0) {
        ev e = pop(&s);
        if (e.t_us > end_us) {
            free(e.data);
            continue;
        }
        while (csv && e.t_us >= next_row_us) {
            csv_row(&s, csv, next_row_us / 1000000);
            next_row_us += 1000000;
        }
        s.now_us = e.t_us;
        s.events++;
        uint64_t now_ms = s.now_us / 1000;
        switch (e.kind) {
        case EV_DELIVER:
            if (s.nodes[e.node].down) {
                s.dropped_down++;
            } else if (partitioned(&s, e.from, e.node)) {
                s.dropped_partition++;
            } else {
                s.delivered++;
                if (!sim_liar_answer(&s, e.node, e.from, e.data, e.len) &&
                    !sim_eclipse_answer(&s, e.node, e.from, e.data, e.len)) {
                    ec_node_recv(s.nodes[e.node].node, now_ms, &s.addrs[e.from], NULL, e.data, e.len);
                    flush(&s, e.node);
                }
            }
            free(e.data);
            break;
        case EV_CRASH:
            if (s.nodes[e.node].down) break;
            s.nodes[e.node].down = true;
            s.crashes++;
            sim_stats_add(&s.retired, ec_node_stats_get(s.nodes[e.node].node));
            ec_node_free(s.nodes[e.node].node);
            s.nodes[e.node].node = NULL;
            break;
        case EV_RESTART:
            if (!s.nodes[e.node].down || (s.nodes[e.node].newcomer && now_ms < c->join_at_ms)) break;
            s.nodes[e.node].down = false;
            if (e.from) { /* wipe: a node joining afresh at the same address */
                ec_store_close(s.nodes[e.node].store);
                if (ec_store_mem_open(&s.nodes[e.node].store) != EC_OK) return EC_ERR_NOMEM;
                sim_pos_wrap(&s, e.node); /* a lazy node stays lazy */
                s.wiped++;
                s.nodes[e.node].joined = true;
            }
            if (start_node(&s, e.node, now_ms) != EC_OK) return EC_ERR_NOMEM;
            if (c->sync) s.nodes[e.node].restarted_us = s.now_us ? s.now_us : 1;
            break;
        case EV_POS:
            sim_pos_challenge(&s, e.node, now_ms);
            break;
        case EV_LIFE:
            sim_life_sample(&s);
            break;
        case EV_JOIN: /* a newcomer: its bootstrap peers and join questions (fill_peers) */
            s.nodes[e.node].down = false;
            if (start_node(&s, e.node, now_ms) != EC_OK) return EC_ERR_NOMEM;
            break;
        case EV_TICK:
            if (s.nodes[e.node].down || s.nodes[e.node].tick_at_us != e.t_us) break;
            s.nodes[e.node].tick_at_us = UINT64_MAX;
            ec_node_tick(s.nodes[e.node].node, now_ms);
            flush(&s, e.node);
            break;
        case EV_SUBMIT:
            sim_workload_submit(&s, &e);
            if (e.tx + 1 == c->txs) end_us = s.now_us + c->drain_ms * 1000;
            break;
        }
        if (c->progress && s.events - last_progress >= 200000) {
            last_progress = s.events;
            fprintf(stderr, "\rsim: t=%.1fs events=%llu txs=%zu", s.now_us / 1e6,
                    (unsigned long long)s.events, s.ntxs);
        }
    }
    if (c->progress) fputc('\n', stderr);
    clock_gettime(CLOCK_MONOTONIC, &w1);
    sim_report(&s, out, (double)(w1.tv_sec - w0.tv_sec) + (w1.tv_nsec - w0.tv_nsec) / 1e9);

    for (unsigned i = 0; i < c->nodes; i++) {
        if (s.nodes[i].node) ec_node_free(s.nodes[i].node);
        ec_store_close(s.nodes[i].store);
    }
    for (size_t i = 0; i < s.nheap; i++) free(s.heap[i].data);
    sim_liars_free(&s);
    sim_byz_free(&s);
    sim_eclipse_free(&s);
    free(s.heap);
    free(s.nodes);
    free(s.addrs);
    free(s.key_seeds);
    free(s.keys);
    free(s.txs);
    free(s.catchup_us);
    free(s.live);
    free(s.clients);
    g_hash_table_destroy(s.index);
    g_hash_table_destroy(s.tx_by_id);
    g_hash_table_destroy(s.decided);
    if (s.live_by_token) g_hash_table_destroy(s.live_by_token);
    return EC_OK;
}
