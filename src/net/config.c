/* `ec node` settings (config.h). */
#include "net/config.h"

#include <errno.h>
#include <ini.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void ec_node_settings_default(ec_node_settings *s)
{
    memset(s, 0, sizeof *s);
    ec_daemon_config_default(&s->d);
    s->mine_bits = 20;
    s->mine_params = EC_POW_PARAMS_NETWORK;
    s->map_size_mb = 1024;
}

static bool num(const char *v, uint64_t min, uint64_t max, uint64_t *out)
{
    if (v == NULL || *v < '0' || *v > '9') return false;
    errno = 0;
    char *end;
    unsigned long long x = strtoull(v, &end, 10);
    if (errno || *end != '\0' || x < min || x > max) return false;
    *out = x;
    return true;
}

static bool boolean(const char *v, bool *out)
{
    if (!strcmp(v, "true") || !strcmp(v, "yes") || !strcmp(v, "1")) *out = true;
    else if (!strcmp(v, "false") || !strcmp(v, "no") || !strcmp(v, "0")) *out = false;
    else return false;
    return true;
}

/* The numeric settings: section, key, range, where. */
typedef enum { U32, U64, SZ, UNS, INT, BOOL } kind;
typedef struct nkey {
    const char *section, *key;
    uint64_t min, max;
    kind k;
    size_t off;
} nkey;
#define S(f) offsetof(ec_node_settings, f)
static const nkey nkeys[] = {
    {"identity", "bits", 0, 64, UNS, S(mine_bits)},
    {"identity", "memory_kib", 8, 1u << 20, U32, S(mine_params.memory_kib)},
    {"identity", "iterations", 1, 64, U32, S(mine_params.iterations)},
    {"admission", "min_bits", 0, 64, UNS, S(d.min_bits)},
    {"admission", "n0_bits", 0, 64, UNS, S(d.n0_bits)},
    {"admission", "min_memory_kib", 8, 1u << 20, U32, S(d.min_memory_kib)},
    {"admission", "min_iterations", 1, 64, U32, S(d.min_iterations)},
    {"consensus", "w", 1, 16, UNS, S(d.node.w)},
    {"consensus", "quorum", 1, 16, UNS, S(d.node.quorum)},
    {"consensus", "vote_threshold", 0, 16, INT, S(d.node.vote_threshold)},
    {"consensus", "bucket_size", 1, 64, UNS, S(d.node.bucket_size)},
    {"consensus", "catchup_agree", 1, 16, UNS, S(d.node.catchup_agree)},
    {"consensus", "tx_timeout_ms", 100, 3600000, U64, S(d.node.tx_timeout_ms)},
    {"consensus", "commit_hold_ms", 0, 60000, U64, S(d.node.commit_hold_ms)},
    {"consensus", "commit_echo", 0, 1, BOOL, S(d.node.commit_echo)},
    {"limits", "pending_max", 1, 1u << 20, UNS, S(d.node.pending_max)},
    {"limits", "pending_per_peer_max", 1, 1u << 20, UNS, S(d.node.pending_per_peer_max)},
    {"limits", "outbox_max_bytes", 4096, 1ull << 32, SZ, S(d.node.outbox_max_bytes)},
    {"limits", "peers_max", 1, 1u << 20, SZ, S(d.peers_max)},
    {"limits", "sessions_max", 1, 1u << 20, SZ, S(d.sessions_max)},
    {"limits", "verify_queue_max", 1, 65536, SZ, S(d.verify_queue_max)},
    {"limits", "verify_cache_max", 1, 1u << 24, SZ, S(d.verify_cache_max)},
    {"limits", "batch_packets", 1, 65536, UNS, S(d.batch_packets)},
    {"limits", "waiting_max", 1, 1024, UNS, S(d.waiting_max)},
    {"limits", "handshakes_per_s", 1, 1u << 20, U32, S(d.handshakes_per_s)},
    {"limits", "handshake_burst", 1, 1u << 20, U32, S(d.handshake_burst)},
    {"limits", "requests_per_s", 1, 1u << 20, U32, S(d.requests_per_s)},
    {"limits", "request_burst", 1, 1u << 20, U32, S(d.request_burst)},
    {"consensus", "block_interval_ms", 1000, 86400000, U64, S(d.node.block_interval_ms)},
    {"sync", "enabled", 0, 1, BOOL, S(d.sync)},
    {"sync", "sources", 1, 16, UNS, S(d.node.sync_sources)},
    {"sync", "agree", 1, 16, UNS, S(d.node.sync_agree)},
    {"sync", "interval_ms", 1000, 86400000, U64, S(d.node.sync_interval_ms)},
    {"sync", "window", 1, 1u << 20, UNS, S(d.node.sync_window)},
    {"sync", "offers_max", 1, 1u << 24, UNS, S(d.node.sync_offers_max)},
    {"sync", "check_single", 0, 1, BOOL, S(d.node.sync_check_single)},
    {"queries", "forward_percent", 0, 100, UNS, S(d.forward_percent)},
    {"lifecycle", "enabled", 0, 1, BOOL, S(d.node.life)},
    {"lifecycle", "target", 0, 64, UNS, S(d.node.life_target)},
    {"lifecycle", "challenges", 1, 100, UNS, S(d.node.life_challenges)},
    {"lifecycle", "recheck_ms", 1000, 86400000, U64, S(d.node.life_recheck_ms)},
    {"lifecycle", "retry_ms", 0, 86400000, U64, S(d.node.life_retry_ms)},
    {"lifecycle", "trust_ms", 0, 86400000, U64, S(d.node.life_trust_ms)},
    {"lifecycle", "swap_ms", 0, 86400000, U64, S(d.node.life_swap_ms)},
    {"lifecycle", "swap_count", 0, 64, UNS, S(d.node.life_swap_count)},
    {"lifecycle", "votes", 0, 1, BOOL, S(d.node.life_votes)},
    {"store", "map_size_mb", 1, 1u << 24, SZ, S(map_size_mb)},
};

ec_err ec_node_settings_set(ec_node_settings *s, const char *section, const char *key, const char *value,
                            char *why, size_t why_cap)
{
    for (size_t i = 0; i < sizeof nkeys / sizeof nkeys[0]; i++) {
        const nkey *k = &nkeys[i];
        if (strcmp(k->section, section) || strcmp(k->key, key)) continue;
        uint64_t x;
        if (k->k == BOOL) {
            if (!boolean(value, (bool *)((uint8_t *)s + k->off))) {
                snprintf(why, why_cap, "%s.%s: '%s' is not true or false", section, key, value);
                return EC_ERR_ARG;
            }
            return EC_OK;
        }
        if (!num(value, k->min, k->max, &x)) {
            snprintf(why, why_cap, "%s.%s: '%s' is not a whole number in %llu..%llu", section, key, value,
                     (unsigned long long)k->min, (unsigned long long)k->max);
            return EC_ERR_ARG;
        }
        uint8_t *p = (uint8_t *)s + k->off;
        switch (k->k) {
        case U32: *(uint32_t *)p = (uint32_t)x; break;
        case U64: *(uint64_t *)p = x; break;
        case SZ: *(size_t *)p = (size_t)x; break;
        case UNS: *(unsigned *)p = (unsigned)x; break;
        case INT: *(int *)p = (int)x; break;
        case BOOL: break;
        }
        return EC_OK;
    }
    if (!strcmp(section, "node") && !strcmp(key, "listen")) {
        if (ec_endpoint_parse(&s->d.listen, value) != EC_OK) {
            snprintf(why, why_cap, "node.listen: '%s' is not HOST:PORT", value);
            return EC_ERR_ARG;
        }
        return EC_OK;
    }
    if (!strcmp(section, "node") && !strcmp(key, "bootstrap")) {
        if (s->d.nbootstrap == EC_DAEMON_BOOTSTRAP_MAX) {
            snprintf(why, why_cap, "node.bootstrap: more than %d peers", EC_DAEMON_BOOTSTRAP_MAX);
            return EC_ERR_ARG;
        }
        if (ec_endpoint_parse(&s->d.bootstrap[s->d.nbootstrap], value) != EC_OK) {
            snprintf(why, why_cap, "node.bootstrap: '%s' is not HOST:PORT (or does not resolve)", value);
            return EC_ERR_ARG;
        }
        s->d.nbootstrap++;
        return EC_OK;
    }
    if (!strcmp(section, "node") && !strcmp(key, "log_level")) {
        static const char *const lv[] = {"error", "warn", "info", "debug"};
        for (int i = 0; i < 4; i++)
            if (!strcmp(value, lv[i])) {
                s->d.log_level = i;
                return EC_OK;
            }
        snprintf(why, why_cap, "node.log_level: '%s' is not error, warn, info or debug", value);
        return EC_ERR_ARG;
    }
    if (!strcmp(section, "status") && !strcmp(key, "listen")) {
        ec_endpoint ep;
        if (ec_endpoint_parse(&ep, value) != EC_OK || ep.len != 6) {
            snprintf(why, why_cap, "status.listen: '%s' is not IPV4:PORT", value);
            return EC_ERR_ARG;
        }
        snprintf(s->d.status_host, sizeof s->d.status_host, "%u.%u.%u.%u", ep.b[0], ep.b[1], ep.b[2], ep.b[3]);
        s->d.status_port = (uint16_t)(ep.b[4] << 8 | ep.b[5]);
        return EC_OK;
    }
    if (!strcmp(section, "status") && !strcmp(key, "enabled")) {
        if (!boolean(value, &s->d.status)) {
            snprintf(why, why_cap, "status.enabled: '%s' is not true or false", value);
            return EC_ERR_ARG;
        }
        return EC_OK;
    }
    snprintf(why, why_cap, "unknown setting %s.%s (see docs/NODE.md)", section, key);
    return EC_ERR_ARG;
}

typedef struct load_ctx {
    ec_node_settings *s;
    const char *path;
    char *why;
    size_t cap;
    bool failed;
    char msg[256];
} load_ctx;

/* inih (Debian's build) gives no line number to the handler; a handler
 * that returns 0 makes ini_parse_file return the line of the first error,
 * which names the line with the message kept from the first failure. */
static int on_line(void *user, const char *section, const char *name, const char *value)
{
    load_ctx *c = user;
    if (c->failed) return 1; /* one message: the first bad line's */
    if (ec_node_settings_set(c->s, section, name, value, c->msg, sizeof c->msg) != EC_OK) {
        c->failed = true;
        return 0;
    }
    return 1;
}

ec_err ec_node_settings_load(ec_node_settings *s, const char *path, char *why, size_t why_cap)
{
    FILE *f = fopen(path, "r");
    if (f == NULL) {
        snprintf(why, why_cap, "%s: %s", path, strerror(errno));
        return errno == ENOENT ? EC_ERR_NOTFOUND : EC_ERR_IO;
    }
    load_ctx c = {s, path, why, why_cap, false, ""};
    int r = ini_parse_file(f, on_line, &c);
    fclose(f);
    if (c.failed && r > 0) {
        snprintf(why, why_cap, "%s:%d: %s", path, r, c.msg);
        return EC_ERR_ARG;
    }
    if (r != 0) {
        snprintf(why, why_cap, "%s:%d: not an INI line (section [name], key = value, or ; comment)", path, r);
        return EC_ERR_ARG;
    }
    return EC_OK;
}

void ec_node_settings_write(const ec_node_settings *s, FILE *f)
{
    static const char *const lv[] = {"error", "warn", "info", "debug"};
    char ep[EC_ENDPOINT_STR_MAX];
    ec_endpoint_format(&s->d.listen, ep);
    fprintf(f, "[node]\nlisten = %s\nlog_level = %s\n", ep, lv[s->d.log_level & 3]);
    for (size_t i = 0; i < s->d.nbootstrap; i++) {
        ec_endpoint_format(&s->d.bootstrap[i], ep);
        fprintf(f, "bootstrap = %s\n", ep);
    }
    fprintf(f, "\n[status]\nenabled = %s\nlisten = %s:%u\n", s->d.status ? "true" : "false", s->d.status_host,
            (unsigned)s->d.status_port);
    const char *sec = "";
    for (size_t i = 0; i < sizeof nkeys / sizeof nkeys[0]; i++) {
        const nkey *k = &nkeys[i];
        if (strcmp(sec, k->section)) fprintf(f, "\n[%s]\n", sec = k->section);
        const uint8_t *p = (const uint8_t *)s + k->off;
        if (k->k == BOOL) {
            fprintf(f, "%s = %s\n", k->key, *(const bool *)p ? "true" : "false");
            continue;
        }
        unsigned long long x = k->k == U32   ? *(const uint32_t *)p
                               : k->k == U64 ? *(const uint64_t *)p
                               : k->k == SZ  ? *(const size_t *)p
                               : k->k == UNS ? *(const unsigned *)p
                                             : (unsigned long long)*(const int *)p;
        fprintf(f, "%s = %llu\n", k->key, x);
    }
}
