/* Scenario files: "key = value" lines, '#' comments (docs/SIMULATION.md). */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sim/sim.h"

/* A scenario is a few dozen short lines: anything bigger is the wrong file
 * (or /dev/zero, which would never end), refused before it is parsed. */
#define SCENARIO_FILE_MAX (1u << 20)
#define SCENARIO_LINE_MAX 1024
#define MSG_LEN 256

static char *trim(char *s)
{
    while (*s == ' ' || *s == '\t') s++;
    char *e = s + strlen(s);
    while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\n' || e[-1] == '\r')) *--e = '\0';
    return s;
}

/* A finite number and nothing else: strtod alone takes "nan", "inf" and
 * "5 apples", and a NaN passes every range check (each comparison is false). */
static bool real(const char *v, double *out)
{
    char *end;
    errno = 0;
    double d = strtod(v, &end);
    if (end == v || *end != '\0' || errno == ERANGE || !isfinite(d)) return false;
    *out = d;
    return true;
}

/* An unsigned integer within [lo, hi], digits only: through a double a
 * 64-bit seed lost its low bits and "2.5" nodes became 2. */
static bool uinteger(const char *v, uint64_t lo, uint64_t hi, uint64_t *out)
{
    if (*v < '0' || *v > '9') return false; /* strtoull takes "-1" as 2^64 - 1 */
    char *end;
    errno = 0;
    unsigned long long x = strtoull(v, &end, 10);
    if (errno || *end != '\0' || x < lo || x > hi) return false;
    *out = x;
    return true;
}

/* Splits v at blanks into at most max words; returns how many, or max + 1
 * when more follow (a value with extra words is a mistake, not a comment). */
static int words(char *v, char **w, int max)
{
    int n = 0;
    char *save;
    for (char *tok = strtok_r(v, " \t", &save); tok; tok = strtok_r(NULL, " \t", &save)) {
        if (n == max) return max + 1;
        w[n++] = tok;
    }
    return n;
}

/* Parses words w[0..n) as finite numbers into x; false if any is not one. */
static bool reals(char **w, int n, double *x)
{
    for (int i = 0; i < n; i++)
        if (!real(w[i], &x[i])) return false;
    return true;
}

/* What a key parser made of a line: not its key, applied, or refused (with
 * the reason in msg). */
typedef enum { KEY_OTHER, KEY_SET, KEY_BAD } key_result;

/* Latency values in ms are bounded so that converting them to microseconds
 * cannot overflow. */
#define LATENCY_MAX_MS 1e9

static key_result latency(sim_config *c, char *v, char *msg)
{
    char *w[3];
    double x[2];
    int n = words(v, w, 3);
    if (n >= 2 && n <= 3 && reals(w + 1, n - 1, x) && x[0] <= LATENCY_MAX_MS &&
        (n == 2 || x[1] <= LATENCY_MAX_MS)) {
        if (n == 2 && !strcmp(w[0], "constant") && x[0] >= 0) {
            c->latency = SIM_LAT_CONST; c->lat_a = x[0];
            return KEY_SET;
        }
        if (n == 3 && !strcmp(w[0], "uniform") && x[0] >= 0 && x[0] <= x[1]) {
            c->latency = SIM_LAT_UNIFORM; c->lat_a = x[0]; c->lat_b = x[1];
            return KEY_SET;
        }
        if (n == 3 && !strcmp(w[0], "lognormal") && x[0] > 0 && x[1] > x[0]) {
            c->latency = SIM_LAT_LOGNORMAL; c->lat_a = x[0]; c->lat_b = x[1];
            return KEY_SET;
        }
        if (n == 3 && !strcmp(w[0], "rounds") && x[0] > 0 && x[1] >= 0 && x[1] <= 1) {
            c->latency = SIM_LAT_ROUNDS; c->lat_a = x[0]; c->lat_b = x[1];
            return KEY_SET;
        }
    }
    snprintf(msg, MSG_LEN, "must be 'constant MS', 'uniform MIN MAX', 'lognormal MEDIAN P99' "
             "or 'rounds MS P' (finite numbers up to 1e9 ms, MIN <= MAX, MEDIAN < P99, "
             "0 <= P <= 1)");
    return KEY_BAD;
}

/* partition and crash: "START_S END_S FRACTION", repeatable; a crash may
 * end in "wipe" (its nodes restart with an empty store). */
static key_result period(sim_config *c, const char *k, char *v, char *msg)
{
    char *w[4];
    double x[3];
    bool part = !strcmp(k, "partition");
    int nw = words(v, w, 4);
    bool wipe = !part && nw == 4 && !strcmp(w[3], "wipe");
    if ((nw != 3 && !wipe) || !reals(w, 3, x) || x[0] < 0 || x[1] <= x[0] || x[1] > 1e9 ||
        x[2] <= 0 || x[2] >= 1) {
        snprintf(msg, MSG_LEN, "must be 'START_S END_S FRACTION'%s with 0 <= START_S < END_S "
                 "<= 1e9 and 0 < FRACTION < 1", part ? "" : " [wipe]");
        return KEY_BAD;
    }
    if ((part ? c->npartitions : c->ncrashes) == SIM_PARTITIONS_MAX) {
        snprintf(msg, MSG_LEN, "at most %d %s lines", SIM_PARTITIONS_MAX, k);
        return KEY_BAD;
    }
    uint64_t from = (uint64_t)(x[0] * 1000), to = (uint64_t)(x[1] * 1000);
    if (part) c->partitions[c->npartitions++] = (sim_partition){from, to, x[2]};
    else c->crashes[c->ncrashes++] = (sim_crash){from, to, x[2], wipe};
    return KEY_SET;
}

static key_result choice(sim_config *c, const char *k, const char *v, char *msg)
{
    const struct { const char *k; bool *v; } flags[] = {
        {"verify_signatures", &c->node.verify_signatures}, {"catchup", &c->node.catchup},
        {"witness", &c->node.witness}, {"route_tx", &c->node.route_tx},
        {"unsafe_quorum", &c->node.unsafe_quorum}, {"volatile_votes", &c->node.volatile_votes},
        {"ignore_evidence", &c->node.ignore_evidence}, {"commit_echo", &c->node.commit_echo},
        {"byzantine_disguise", &c->byz_disguise}, {"eclipse_flood", &c->eclipse_flood},
        {"bootstrap_adversarial", &c->bootstrap_adversarial}, {"pos_nearest", &c->pos_nearest},
        {"pos_region", &c->node.pos_region}, {"lazy_region", &c->lazy_region}, {"life", &c->node.life},
        {"life_votes", &c->node.life_votes}, {"byzantine_lazy", &c->byz_lazy},
        {"rtt_timers", &c->node.rtt_timers}, {"sync", &c->sync}, {"sync_polling", &c->node.sync_polling},
        {"sync_check_single", &c->node.sync_check_single},
    };
    for (size_t i = 0; i < sizeof flags / sizeof flags[0]; i++) {
        if (strcmp(k, flags[i].k)) continue;
        if (!strcmp(v, "true")) *flags[i].v = true;
        else if (!strcmp(v, "false")) *flags[i].v = false;
        else return snprintf(msg, MSG_LEN, "must be true or false"), KEY_BAD;
        return KEY_SET;
    }
    if (!strcmp(k, "byzantine_behaviour")) {
        if (!strcmp(v, "equivocate")) c->byz_behaviour = SIM_BYZ_EQUIVOCATE;
        else if (!strcmp(v, "withhold")) c->byz_behaviour = SIM_BYZ_WITHHOLD;
        else if (!strcmp(v, "strategic")) c->byz_behaviour = SIM_BYZ_STRATEGIC;
        else if (!strcmp(v, "forge")) c->byz_behaviour = SIM_BYZ_FORGE;
        else return snprintf(msg, MSG_LEN, "must be equivocate, withhold, strategic or forge"), KEY_BAD;
        return KEY_SET;
    }
    if (!strcmp(k, "byzantine_placement")) {
        if (!strcmp(v, "random")) c->byz_together = false;
        else if (!strcmp(v, "together")) c->byz_together = true;
        else return snprintf(msg, MSG_LEN, "must be random or together"), KEY_BAD;
        return KEY_SET;
    }
    if (!strcmp(k, "lie")) {
        static const char *const lies[] = {"forge", "withhold", "equivocate", "mixed", "mapping"};
        for (uint8_t i = 0; i < 5; i++)
            if (!strcmp(v, lies[i])) return c->lie = i, KEY_SET;
        return snprintf(msg, MSG_LEN, "must be forge, withhold, equivocate, mixed or mapping"), KEY_BAD;
    }
    if (strcmp(k, "vote_relay")) return KEY_OTHER;
    if (!strcmp(v, "direct")) c->node.vote_relay = EC_VOTE_RELAY_DIRECT;
    else if (!strcmp(v, "bundle")) c->node.vote_relay = EC_VOTE_RELAY_BUNDLE;
    else return snprintf(msg, MSG_LEN, "vote_relay must be direct or bundle"), KEY_BAD;
    return KEY_SET;
}

static key_result integer_key(sim_config *c, const char *k, const char *v, char *msg)
{
    const struct { const char *k; uint64_t lo, hi; unsigned *u; uint64_t *u64; } keys[] = {
        {"nodes", 2, 10000000, &c->nodes, NULL}, {"seed", 0, UINT64_MAX, NULL, &c->seed},
        {"txs", 1, 1000000000, &c->txs, NULL}, {"tokens_min", 1, 6, &c->tokens_min, NULL},
        {"tokens_max", 1, 6, &c->tokens_max, NULL}, {"clients", 1, 1000000, &c->clients, NULL},
        {"w", 1, 16, &c->node.w, NULL}, {"quorum", 1, 16, &c->node.quorum, NULL},
        {"bucket_size", 1, 4096, &c->node.bucket_size, NULL},
        {"resend_ms", 1, 1000000000, NULL, &c->node.resend_ms},
        {"tx_timeout_ms", 1, 10000000000, NULL, &c->node.tx_timeout_ms},
        {"lookup_timeout_ms", 1, 1000000000, NULL, &c->node.lookup_timeout_ms},
        {"rtt_initial_ms", 1, EC_RTT_MAX_MS, NULL, &c->node.rtt_initial_ms},
        {"rtt_granularity_ms", 1, EC_RTT_MAX_MS, NULL, &c->node.rtt_granularity_ms},
        {"rtt_max_ms", 1, EC_RTT_MAX_MS, NULL, &c->node.rtt_max_ms},
        {"commit_hold_ms", 0, 60000, NULL, &c->node.commit_hold_ms},
        {"block_interval_ms", 1, 1000000000000, NULL, &c->node.block_interval_ms},
        {"sync_interval_ms", 1, 1000000000000, NULL, &c->node.sync_interval_ms},
        {"sync_sources", 1, 16, &c->node.sync_sources, NULL}, {"sync_agree", 1, 16, &c->node.sync_agree, NULL},
        {"sync_window", 1, 1000000, &c->node.sync_window, NULL},
        {"preload", 0, 10000000, &c->preload, NULL},
        {"newcomers", 0, 100000, &c->newcomers, NULL},
        {"bootstrap", 1, 64, &c->bootstrap, NULL},
        {"pos_interval_ms", 0, 86400000, NULL, &c->pos_interval_ms},
        {"pos_bits", 0, 16, &c->node.pos_bits, NULL}, {"pos_shared_every", 0, 1000, &c->node.pos_shared_every, NULL},
        {"life_target", 0, 64, &c->node.life_target, NULL}, {"life_candidates", 0, 64, &c->node.life_candidates, NULL},
        {"life_challenges", 1, 100, &c->node.life_challenges, NULL},
        {"life_gap_ms", 0, 86400000, NULL, &c->node.life_gap_ms},
        {"life_recheck_ms", 1, 86400000, NULL, &c->node.life_recheck_ms},
        {"life_retry_ms", 0, 86400000, NULL, &c->node.life_retry_ms},
        {"life_trust_ms", 0, 86400000, NULL, &c->node.life_trust_ms},
        {"life_swap_ms", 0, 86400000, NULL, &c->node.life_swap_ms},
        {"life_swap_count", 0, 64, &c->node.life_swap_count, NULL},
    };
    uint64_t x;
    if (!strcmp(k, "vote_threshold")) { /* the one signed key */
        bool neg = *v == '-';
        if (!uinteger(v + neg, 0, 16, &x))
            return snprintf(msg, MSG_LEN, "must be an integer in -16..16, not '%.40s'", v), KEY_BAD;
        c->node.vote_threshold = neg ? -(int)x : (int)x;
        return KEY_SET;
    }
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++) {
        if (strcmp(k, keys[i].k)) continue;
        if (!uinteger(v, keys[i].lo, keys[i].hi, &x))
            return snprintf(msg, MSG_LEN, "must be an integer in %" PRIu64 "..%" PRIu64
                            ", not '%.40s'", keys[i].lo, keys[i].hi, v), KEY_BAD;
        if (keys[i].u) *keys[i].u = (unsigned)x;
        else *keys[i].u64 = x;
        return KEY_SET;
    }
    return KEY_OTHER;
}

static key_result real_key(sim_config *c, const char *k, const char *v, char *msg)
{
    double drain_s, lie_from_s, join_at_s, start_s;
    const struct { const char *k; double lo, hi; double *d; } keys[] = {
        {"rate", 1e-6, 1e9, &c->rate}, {"new_fraction", 0, 1, &c->new_fraction},
        {"double_spend", 0, 1, &c->double_spend}, {"loss", 0, 0.99, &c->loss},
        {"dup", 0, 1, &c->dup}, {"drain_s", 0, 1e6, &drain_s},
        {"byzantine", 0, 0.9, &c->byzantine}, {"target_share", 0, 1, &c->target_share},
        {"liars", 0, 0.9, &c->liars}, {"lie_from_s", 0, 1e6, &lie_from_s}, {"withhold", 0, 1, &c->withhold},
        {"eclipse", 0, 0.9, &c->eclipse}, {"join_at_s", 0, 1e6, &join_at_s},
        {"start_s", 0, 1e6, &start_s},
        {"lazy", 0, 0.9, &c->lazy}, {"lazy_density", 0, 1, &c->lazy_density}, {"coord", 0, 0.9, &c->coord},
    };
    double d;
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++) {
        if (strcmp(k, keys[i].k)) continue;
        if (!real(v, &d) || d < keys[i].lo || d > keys[i].hi)
            return snprintf(msg, MSG_LEN, "must be a finite number in %g..%g, not '%.40s'",
                            keys[i].lo, keys[i].hi, v), KEY_BAD;
        *keys[i].d = d;
        if (keys[i].d == &drain_s) c->drain_ms = (uint64_t)(d * 1000);
        if (keys[i].d == &lie_from_s) c->lie_from_ms = (uint64_t)(d * 1000);
        if (keys[i].d == &join_at_s) c->join_at_ms = (uint64_t)(d * 1000);
        if (keys[i].d == &start_s) c->start_ms = (uint64_t)(d * 1000);
        return KEY_SET;
    }
    return KEY_OTHER;
}

/* Applies one key; false with a message in msg (MSG_LEN bytes) if refused. */
static bool apply(sim_config *c, const char *k, char *v, char *msg)
{
    key_result r;
    if (!strcmp(k, "latency")) r = latency(c, v, msg);
    else if (!strcmp(k, "partition") || !strcmp(k, "crash")) r = period(c, k, v, msg);
    else if ((r = choice(c, k, v, msg)) == KEY_OTHER &&
             (r = integer_key(c, k, v, msg)) == KEY_OTHER &&
             (r = real_key(c, k, v, msg)) == KEY_OTHER)
        snprintf(msg, MSG_LEN, "unknown key");
    return r == KEY_SET;
}

static ec_err open_errno(int e)
{
    return e == ENOENT ? EC_ERR_NOTFOUND : e == EACCES || e == EPERM ? EC_ERR_PERM : EC_ERR_IO;
}

/* Reads the whole file into *text (NUL-terminated; caller frees). Only a
 * regular file of at most SCENARIO_FILE_MAX bytes: a directory, /dev/null
 * or a FIFO is not a scenario, and must not run the defaults or block. */
static ec_err read_text(const char *path, char **text, size_t *len, char *err, size_t errlen)
{
    int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC); /* a FIFO must not block the open */
    struct stat st;
    if (fd < 0 || fstat(fd, &st) != 0) {
        int e = errno;
        if (fd >= 0) close(fd);
        snprintf(err, errlen, "cannot open %s: %s", path, strerror(e));
        return open_errno(e);
    }
    ec_err rc = EC_ERR_MALFORMED;
    char *b = NULL;
    size_t n = 0;
    if (!S_ISREG(st.st_mode)) {
        snprintf(err, errlen, "cannot use %s as a scenario: %s", path,
                 S_ISDIR(st.st_mode) ? "it is a directory" : "not a regular file");
    } else if (st.st_size > (off_t)SCENARIO_FILE_MAX) {
        snprintf(err, errlen, "%s is too large for a scenario (%lld bytes; at most %u)", path,
                 (long long)st.st_size, SCENARIO_FILE_MAX);
    } else if ((b = malloc(SCENARIO_FILE_MAX + 2)) == NULL) {
        snprintf(err, errlen, "out of memory");
        rc = EC_ERR_NOMEM;
    } else {
        /* Read one byte past the limit: the file may have grown since fstat. */
        ssize_t r = 0;
        while (n <= SCENARIO_FILE_MAX &&
               ((r = read(fd, b + n, SCENARIO_FILE_MAX + 1 - n)) > 0 || (r < 0 && errno == EINTR)))
            if (r > 0) n += (size_t)r;
        if (r < 0) {
            snprintf(err, errlen, "cannot read %s: %s", path, strerror(errno));
            rc = EC_ERR_IO;
        } else if (n > SCENARIO_FILE_MAX) {
            snprintf(err, errlen, "%s is too large for a scenario (over %u bytes)", path,
                     SCENARIO_FILE_MAX);
        } else {
            rc = EC_OK;
        }
    }
    close(fd);
    if (rc != EC_OK) {
        free(b);
        return rc;
    }
    b[n] = '\0';
    *text = b;
    *len = n;
    return EC_OK;
}

/* Line number (from 1) of byte offset off. */
static int line_of(const char *text, size_t off)
{
    int line = 1;
    for (size_t i = 0; i < off; i++) line += text[i] == '\n';
    return line;
}

/* Parses the lines of text over c; *settings counts the keys applied. */
static ec_err parse(sim_config *c, const char *path, char *text, size_t len, int *settings,
                    char *err, size_t errlen)
{
    char msg[MSG_LEN];
    int lineno = 0;
    for (char *p = text, *end = text + len; p < end;) {
        lineno++;
        char *nl = memchr(p, '\n', (size_t)(end - p));
        size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);
        if (n > SCENARIO_LINE_MAX) {
            snprintf(err, errlen, "%s:%d: line longer than %d characters", path, lineno,
                     SCENARIO_LINE_MAX);
            return EC_ERR_MALFORMED;
        }
        p[n] = '\0';
        char *hash = strchr(p, '#');
        if (hash) *hash = '\0';
        char *s = trim(p);
        p += n + 1;
        if (*s == '\0') continue;
        char *eq = strchr(s, '=');
        if (eq == NULL) {
            snprintf(err, errlen, "%s:%d: expected 'key = value'", path, lineno);
            return EC_ERR_MALFORMED;
        }
        *eq = '\0';
        char *k = trim(s), *v = trim(eq + 1);
        msg[0] = '\0';
        if (!apply(c, k, v, msg)) {
            snprintf(err, errlen, "%s:%d: %s: %s", path, lineno, k, msg);
            return EC_ERR_MALFORMED;
        }
        ++*settings;
    }
    return EC_OK;
}

/* Rules between keys, checked once the whole file is read. */
static ec_err check(const sim_config *c, const char *path, char *err, size_t errlen)
{
    const char *why = NULL;
    if (c->node.quorum > c->node.w)
        snprintf(err, errlen, "%s: quorum (%u) must not exceed w (%u)", path, c->node.quorum, c->node.w);
    else if (ec_node_config_check(&c->node, &why) != EC_OK)
        snprintf(err, errlen, "%s: %s (w = %u, quorum = %u)", path, why, c->node.w, c->node.quorum);
    else if (c->tokens_min > c->tokens_max)
        snprintf(err, errlen, "%s: tokens_min (%u) must not exceed tokens_max (%u)", path,
                 c->tokens_min, c->tokens_max);
    else
        return EC_OK;
    return EC_ERR_MALFORMED;
}

ec_err sim_config_load(sim_config *c, const char *path, char *err, size_t errlen)
{
    char *text;
    size_t len;
    ec_err rc = read_text(path, &text, &len, err, errlen);
    if (rc) return rc;
    int settings = 0;
    const char *nul = memchr(text, '\0', len);
    if (nul) {
        snprintf(err, errlen, "%s:%d: NUL byte: not a text file", path, line_of(text, (size_t)(nul - text)));
        rc = EC_ERR_MALFORMED;
    } else if ((rc = parse(c, path, text, len, &settings, err, errlen)) == EC_OK && settings == 0) {
        /* An empty file ran the defaults and exited 0: almost always a wrong path. */
        snprintf(err, errlen, "%s: no settings (an empty scenario; keys in docs/SIMULATION.md)", path);
        rc = EC_ERR_MALFORMED;
    }
    free(text);
    return rc ? rc : check(c, path, err, errlen);
}
