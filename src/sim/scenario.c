/* Scenario files: "key = value" lines, '#' comments (docs/SIMULATION.md). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/sim.h"

static char *trim(char *s)
{
    while (*s == ' ' || *s == '\t') s++;
    char *e = s + strlen(s);
    while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\n' || e[-1] == '\r')) *--e = '\0';
    return s;
}

static bool num(const char *v, double lo, double hi, double *out)
{
    char *end;
    double d = strtod(v, &end);
    if (end == v || *trim(end) != '\0' || d < lo || d > hi) return false;
    *out = d;
    return true;
}

/* Applies one key; returns an error message or NULL. */
static const char *apply(sim_config *c, const char *k, char *v)
{
    double d, a, b;
    if (!strcmp(k, "latency")) {
        char kind[16];
        int n = sscanf(v, "%15s %lf %lf", kind, &a, &b);
        if (n >= 2 && !strcmp(kind, "constant")) { c->latency = SIM_LAT_CONST; c->lat_a = a; }
        else if (n == 3 && !strcmp(kind, "uniform") && a <= b) { c->latency = SIM_LAT_UNIFORM; c->lat_a = a; c->lat_b = b; }
        else if (n == 3 && !strcmp(kind, "lognormal") && a > 0 && b > a) { c->latency = SIM_LAT_LOGNORMAL; c->lat_a = a; c->lat_b = b; }
        else if (n == 3 && !strcmp(kind, "rounds") && a > 0 && b >= 0 && b <= 1) { c->latency = SIM_LAT_ROUNDS; c->lat_a = a; c->lat_b = b; }
        else return "latency must be 'constant MS', 'uniform MIN MAX', 'lognormal MEDIAN P99' or 'rounds MS P'";
        return c->lat_a >= 0 ? NULL : "latency must not be negative";
    }
    if (!strcmp(k, "partition")) {
        double f;
        if (sscanf(v, "%lf %lf %lf", &a, &b, &f) != 3 || a < 0 || b <= a || f <= 0 || f >= 1)
            return "partition must be 'START_S END_S FRACTION' with 0 < FRACTION < 1";
        if (c->npartitions == SIM_PARTITIONS_MAX) return "too many partitions";
        c->partitions[c->npartitions++] = (sim_partition){(uint64_t)(a * 1000), (uint64_t)(b * 1000), f};
        return NULL;
    }
    if (!strcmp(k, "crash")) {
        double f;
        if (sscanf(v, "%lf %lf %lf", &a, &b, &f) != 3 || a < 0 || b <= a || f <= 0 || f >= 1)
            return "crash must be 'START_S END_S FRACTION' with 0 < FRACTION < 1";
        if (c->ncrashes == SIM_PARTITIONS_MAX) return "too many crash periods";
        c->crashes[c->ncrashes++] = (sim_crash){(uint64_t)(a * 1000), (uint64_t)(b * 1000), f};
        return NULL;
    }
    const struct { const char *k; bool *v; } flags[] = {
        {"verify_signatures", &c->node.verify_signatures}, {"catchup", &c->node.catchup},
        {"witness", &c->node.witness}, {"route_tx", &c->node.route_tx},
    };
    for (size_t i = 0; i < sizeof flags / sizeof flags[0]; i++) {
        if (strcmp(k, flags[i].k)) continue;
        if (!strcmp(v, "true")) *flags[i].v = true;
        else if (!strcmp(v, "false")) *flags[i].v = false;
        else return "must be true or false";
        return NULL;
    }
    if (!strcmp(k, "vote_relay")) {
        if (!strcmp(v, "direct")) c->node.vote_relay = EC_VOTE_RELAY_DIRECT;
        else if (!strcmp(v, "bundle")) c->node.vote_relay = EC_VOTE_RELAY_BUNDLE;
        else return "vote_relay must be direct or bundle";
        return NULL;
    }
    static const struct { const char *k; double lo, hi; } keys[] = {
        {"nodes", 2, 10000000}, {"seed", 0, 1e18}, {"txs", 1, 1e9}, {"rate", 1e-6, 1e9},
        {"tokens_min", 1, 6}, {"tokens_max", 1, 6}, {"new_fraction", 0, 1}, {"double_spend", 0, 1},
        {"clients", 1, 1e6}, {"drain_s", 0, 1e6}, {"loss", 0, 0.99}, {"dup", 0, 1},
        {"w", 1, 16}, {"quorum", 1, 16}, {"vote_threshold", -16, 16}, {"bucket_size", 1, 4096},
        {"resend_ms", 1, 1e9}, {"tx_timeout_ms", 1, 1e10}, {"lookup_timeout_ms", 1, 1e9},
    };
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++) {
        if (strcmp(k, keys[i].k)) continue;
        if (!num(v, keys[i].lo, keys[i].hi, &d)) return "value out of range";
        switch (i) {
        case 0: c->nodes = (unsigned)d; break;
        case 1: c->seed = (uint64_t)d; break;
        case 2: c->txs = (unsigned)d; break;
        case 3: c->rate = d; break;
        case 4: c->tokens_min = (unsigned)d; break;
        case 5: c->tokens_max = (unsigned)d; break;
        case 6: c->new_fraction = d; break;
        case 7: c->double_spend = d; break;
        case 8: c->clients = (unsigned)d; break;
        case 9: c->drain_ms = (uint64_t)(d * 1000); break;
        case 10: c->loss = d; break;
        case 11: c->dup = d; break;
        case 12: c->node.w = (unsigned)d; break;
        case 13: c->node.quorum = (unsigned)d; break;
        case 14: c->node.vote_threshold = (int)d; break;
        case 15: c->node.bucket_size = (unsigned)d; break;
        case 16: c->node.resend_ms = (uint64_t)d; break;
        case 17: c->node.tx_timeout_ms = (uint64_t)d; break;
        case 18: c->node.lookup_timeout_ms = (uint64_t)d; break;
        }
        return NULL;
    }
    return "unknown key";
}

ec_err sim_config_load(sim_config *c, const char *path, char *err, size_t errlen)
{
    FILE *f = fopen(path, "r");
    if (f == NULL) {
        snprintf(err, errlen, "cannot open %s", path);
        return EC_ERR_NOTFOUND;
    }
    char line[512];
    int lineno = 0;
    ec_err rc = EC_OK;
    while (fgets(line, sizeof line, f)) {
        lineno++;
        char *hash = strchr(line, '#');
        if (hash) *hash = '\0';
        char *s = trim(line);
        if (*s == '\0') continue;
        char *eq = strchr(s, '=');
        if (eq == NULL) {
            snprintf(err, errlen, "%s:%d: expected 'key = value'", path, lineno);
            rc = EC_ERR_MALFORMED;
            break;
        }
        *eq = '\0';
        char *k = trim(s), *v = trim(eq + 1);
        const char *msg = apply(c, k, v);
        if (msg) {
            snprintf(err, errlen, "%s:%d: %s: %s", path, lineno, k, msg);
            rc = EC_ERR_MALFORMED;
            break;
        }
    }
    fclose(f);
    if (rc == EC_OK && c->node.quorum > c->node.w) {
        snprintf(err, errlen, "%s: quorum must not exceed w", path);
        rc = EC_ERR_MALFORMED;
    }
    return rc;
}
