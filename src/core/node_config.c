/* The node's configuration: defaults, and the checks ec_node_new applies
 * (node.h documents every field). */
#include <string.h>

#include "core/node_internal.h"
#include "core/pos.h"

void ec_node_config_default(ec_node_config *c)
{
    memset(c, 0, sizeof *c); /* every field not named below is off / zero */
    c->w = 8;
    c->vote_threshold = 2;
    c->quorum = 5;
    c->bucket_size = 16;
    c->witness = true;
    c->resend_ms = 1000;
    c->block_interval_ms = 300000;
    c->sync_sources = 16;
    c->sync_agree = 2;
    c->sync_interval_ms = 60000;
    c->sync_window = 1024;
    c->sync_offers_max = 8192;
    c->sync_fetch_max = 32;
    c->lookup_timeout_ms = 500;
    c->route_tx = true;
    c->tx_timeout_ms = 60000;
    c->pending_max = 4096;
    c->pending_per_peer_max = 512;
    c->outbox_max_bytes = (size_t)8 << 20;
    c->vote_relay = EC_VOTE_RELAY_BUNDLE;
    c->catchup = true;
    c->catchup_agree = 3;
    c->catchups_max = 256;
    c->peer_fail_max = 3;
    c->events_max = 1024;
    c->endpoints_max = 4096;
    c->claims_max = 512;
    c->verify_signatures = true;
    c->unsafe_quorum = false;
    c->volatile_votes = false;
    c->rtt_timers = true;
    c->rtt_initial_ms = 333;
    c->rtt_granularity_ms = 25;
    c->rtt_max_ms = 60000;
    c->pos_examined_max = 200000;
    c->pos_answers_per_s = 20;
    c->pos_peer_interval_ms = 1000;
    c->pos_bits = 0;
    c->pos_region = true;
    c->pos_shared_every = 1;
    c->pos_outstanding_max = 64;
    c->pos_peers_max = 1024;
    c->pos_min_agree = 8;
    c->life = false;
    c->life_target = 0;
    c->life_candidates = 0;
    c->life_challenges = 3;
    c->life_gap_ms = 1100;
    c->life_recheck_ms = 60000;
    c->life_retry_ms = 300000;
    c->life_trust_ms = 600000;
    c->life_swap_ms = 1800000;
    c->life_swap_count = 1;
    c->life_scan_ms = 5000;
    c->life_peers_max = 256;
    c->life_votes = false;
}

ec_err ec_node_config_check(const ec_node_config *c, const char **why)
{
    const char *bad = NULL;
    if (c->w < 1 || c->w > NODE_W_MAX) bad = "w must be 1..16";
    else if (c->quorum < 1 || c->quorum > c->w) bad = "quorum must be 1..w";
    else if (2 * c->quorum <= c->w && !c->unsafe_quorum)
        bad = "quorum must be a majority of w (more than w/2)";
    else if (c->vote_relay == EC_VOTE_RELAY_BUNDLE && c->quorum > EC_MSG_BUNDLE_MAX)
        bad = "quorum is larger than a vote bundle holds";
    else if (c->vote_relay != EC_VOTE_RELAY_BUNDLE && c->vote_relay != EC_VOTE_RELAY_DIRECT)
        bad = "vote_relay must be direct or bundle";
    else if (c->bucket_size < 1) bad = "bucket_size must not be 0";
    else if (c->resend_ms < 1) bad = "resend_ms must not be 0";
    else if (c->block_interval_ms < 1) bad = "block_interval_ms must not be 0";
    else if (c->sync_sources < 1 || c->sync_sources > 16) bad = "sync_sources must be 1..16";
    else if (c->sync_agree < 1 || c->sync_agree > c->sync_sources) bad = "sync_agree must be 1..sync_sources";
    else if (c->sync_interval_ms < 1) bad = "sync_interval_ms must not be 0";
    else if (c->sync_window < 1) bad = "sync_window must not be 0";
    else if (c->sync_offers_max < 1 || c->sync_fetch_max < 1) bad = "sync_offers_max and sync_fetch_max must not be 0";
    else if (c->lookup_timeout_ms < 1) bad = "lookup_timeout_ms must not be 0";
    else if (c->tx_timeout_ms < 1) bad = "tx_timeout_ms must not be 0";
    else if (c->commit_hold_ms >= c->tx_timeout_ms) bad = "commit_hold_ms must be shorter than tx_timeout_ms";
    else if (c->pending_max < 1) bad = "pending_max must not be 0";
    else if (c->pending_per_peer_max < 1) bad = "pending_per_peer_max must not be 0";
    else if (c->outbox_max_bytes < EC_MSG_MAX) bad = "outbox_max_bytes must hold one message";
    else if (c->catchup_agree < 1 || c->catchup_agree > c->w) bad = "catchup_agree must be 1..w";
    else if (c->catchups_max < 1) bad = "catchups_max must not be 0";
    else if (c->peer_fail_max < 1) bad = "peer_fail_max must not be 0";
    else if (c->events_max < 1) bad = "events_max must not be 0";
    else if (c->endpoints_max < 1) bad = "endpoints_max must not be 0";
    else if (c->rtt_max_ms < 1 || c->rtt_max_ms > EC_RTT_MAX_MS)
        bad = "rtt_max_ms must be 1..3600000";
    else if (c->rtt_initial_ms < 1 || c->rtt_initial_ms > c->rtt_max_ms)
        bad = "rtt_initial_ms must be 1..rtt_max_ms";
    else if (c->rtt_granularity_ms < 1 || c->rtt_granularity_ms > c->rtt_max_ms)
        bad = "rtt_granularity_ms must be 1..rtt_max_ms";
    else if (c->pos_examined_max < 1) bad = "pos_examined_max must not be 0";
    else if (c->pos_bits != 0 && (c->pos_bits < 4 || c->pos_bits > 16))
        bad = "pos_bits must be 0 (from the store's size) or 4..16";
    else if (c->pos_answers_per_s < 1 || c->pos_answers_per_s > 1000000)
        bad = "pos_answers_per_s must be 1..1000000";
    else if (c->pos_outstanding_max < 1) bad = "pos_outstanding_max must not be 0";
    else if (c->pos_peers_max < 1) bad = "pos_peers_max must not be 0";
    else if (c->pos_min_agree < 1 || c->pos_min_agree > EC_POS_CHUNKS) bad = "pos_min_agree must be 1..10";
    else if (c->life_challenges < 1 || c->life_challenges > 100) bad = "life_challenges must be 1..100";
    else if (c->life_candidates > 64) bad = "life_candidates must be at most 64";
    else if (c->life_scan_ms < 1) bad = "life_scan_ms must not be 0";
    else if (c->life_peers_max < 1) bad = "life_peers_max must not be 0";
    else if (c->life_votes && !c->life) bad = "life_votes needs life (elections)";
    if (why) *why = bad;
    return bad ? EC_ERR_ARG : EC_OK;
}
