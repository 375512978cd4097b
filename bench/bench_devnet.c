/* Open-loop load on a running devnet (issue 9; docs/PERFORMANCE.md, "The
 * real network").
 *   bench_devnet --dir DIR [--rate R] [--duration D] [--sessions S]
 *                [--drain T] [--near] [--one-ip] [--progress]
 *   bench_devnet --endpoint EP [--endpoint EP ...] [...]  (no CPU, no metrics)
 * S client sessions (each its own UDP socket and ec_sess with a fresh X25519
 * key and no record, bound to node i % nodes, whose key comes from a key
 * probe as in net/client.c) submit R * D pre-signed creates of distinct
 * tokens as SUBMIT frames, transaction k at k / R s whatever came back
 * (open loop). A SUBMIT unacknowledged after 1 s is sent again, one without
 * an outcome after 5 s too; after D s it waits up to T (30) s for outcomes.
 * Each session binds its own loopback address (127.0.0.2, ...): a node
 * rations client requests per source address (200/s); --one-ip: all on
 * 127.0.0.1. One JSON line per run: offered rate, submitted, committed,
 * refused, timed out (no outcome by the end), rejected (SUBMIT answered
 * with an error), commits/s over D, latency (first send to OUTCOME) of
 * commits, CPU seconds of the nodes (pids in node.json), of the machine
 * and of this program, and what grew in the nodes' /metrics (drops by
 * reason, core messages received, commits summed over nodes). */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <sodium.h>

#include "core/identity.h"
#include "ledger/tx.h"
#include "net/daemon_internal.h"
#include "net/frame.h"
#include "net/noise.h"
#include "net/sysclock.h"

#define NODES_MAX 64
#define SESS_MAX 250
#define RESEND_MS 1000
#define REASK_MS 5000
#define FRAME_MAX 320
#define WARM_BIT 0x80000000u /* request ids of the warm-up STATUS calls */
#define METRICS_MAX 160

typedef struct bnode {
    long pid;
    unsigned status_port;
    ec_endpoint ep;
    ec_id addr;
} bnode;

typedef struct bsess {
    ec_udp udp;
    ec_sess *s;
    ec_endpoint node;
    uint8_t xkey[32];
    bool warm;
} bsess;

enum { ST_UNSENT, ST_SENT, ST_ACKED, ST_DONE };
typedef struct btx {
    double first, last, done; /* seconds since t0 */
    uint8_t state, kind;      /* kind: outcome type (1 committed, 2 refused, 3 timed out), 0xff rejected */
    uint16_t len;
    uint8_t resends;
} btx;

typedef struct metric {
    char key[96];
    double v;
} metric;

static double mono(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + t.tv_nsec / 1e9;
}


static int cmp_dbl(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static bool read_node(const char *dir, int i, bnode *n)
{
    char path[4200], buf[512], ep[64], hex[65];
    snprintf(path, sizeof path, "%s/node-%d/node.json", dir, i);
    FILE *f = fopen(path, "r");
    if (f == NULL) return false;
    size_t len = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[len] = '\0';
    const char *p = strstr(buf, "\"pid\": "), *e = strstr(buf, "\"endpoint\": \""), *s = strstr(buf, "\"status_port\": "),
               *a = strstr(buf, "\"addr\": \"");
    if (!p || !e || !s || !a || sscanf(e + 13, "%63[^\"]", ep) != 1 || sscanf(a + 9, "%64[0-9a-f]", hex) != 1 ||
        ec_id_from_hex(&n->addr, hex) != EC_OK)
        return false;
    n->pid = strtol(p + 7, NULL, 10);
    n->status_port = (unsigned)strtoul(s + 15, NULL, 10);
    return ec_endpoint_parse(&n->ep, ep) == EC_OK;
}

/* CPU seconds so far: the nodes' (utime + stime in /proc/PID/stat) and
 * the machine's, busy and niced (/proc/stat), to see the nodes' share
 * beside what niced background work took. */
static void cpu_now(const bnode *nodes, int n, double out[3])
{
    double tck = (double)sysconf(_SC_CLK_TCK);
    unsigned long long v[8] = {0}, ut, st;
    char path[64], buf[1024];
    out[0] = 0;
    for (int i = 0; i < n; i++) {
        snprintf(path, sizeof path, "/proc/%ld/stat", nodes[i].pid);
        FILE *f = fopen(path, "r");
        size_t len = f ? fread(buf, 1, sizeof buf - 1, f) : 0;
        if (f) fclose(f);
        buf[len] = '\0';
        const char *p = strrchr(buf, ')'); /* the command may hold spaces */
        if (p && sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu", &ut, &st) == 2)
            out[0] += (double)(ut + st) / tck;
    }
    FILE *f = fopen("/proc/stat", "r");
    if (f && fscanf(f, "cpu %llu %llu %llu %llu %llu %llu %llu %llu", &v[0], &v[1], &v[2], &v[3], &v[4], &v[5], &v[6],
                    &v[7]) != 8)
        memset(v, 0, sizeof v);
    if (f) fclose(f);
    out[1] = (double)(v[0] + v[1] + v[2] + v[5] + v[6] + v[7]) / tck;
    out[2] = (double)v[1] / tck;
}

/* Sums the counters we report over every node's /metrics. */
static int metrics_add(metric *m, int nm, unsigned port)
{
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return nm;
    struct timeval tv = {2, 0};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    static char buf[1 << 17];
    const char req[] = "GET /metrics HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n";
    size_t len = 0;
    if (connect(fd, (struct sockaddr *)&sa, sizeof sa) == 0 && write(fd, req, sizeof req - 1) == sizeof req - 1)
        for (ssize_t r; len + 1 < sizeof buf && (r = read(fd, buf + len, sizeof buf - 1 - len)) > 0;) len += (size_t)r;
    close(fd);
    buf[len] = '\0';
    for (char *line = strtok(buf, "\n"); line; line = strtok(NULL, "\n")) {
        char key[96];
        double v;
        if (line[0] == '#' || sscanf(line, "%95s %lf", key, &v) != 2) continue;
        bool rx = strstr(key, "direction=\"rx\"") != NULL;
        if (!(strncmp(key, "ec_drops_total{", 15) == 0 || strcmp(key, "ec_commits_total") == 0 ||
              (rx && (strncmp(key, "ec_messages_total{", 18) == 0 || strncmp(key, "ec_udp_packets_total{", 21) == 0))))
            continue;
        if (strncmp(key, "ec_messages_total{", 18) == 0) snprintf(key, sizeof key, "ec_messages_rx");
        int k = 0;
        while (k < nm && strcmp(m[k].key, key) != 0) k++;
        if (k == nm) {
            if (nm == METRICS_MAX) continue;
            snprintf(m[nm++].key, sizeof m[0].key, "%s", key);
        }
        m[k].v += v;
    }
    return nm;
}

static int metrics_all(metric *m, const bnode *nodes, int n)
{
    int nm = 0;
    memset(m, 0, METRICS_MAX * sizeof *m);
    for (int i = 0; i < n; i++)
        if (nodes[i].status_port) nm = metrics_add(m, nm, nodes[i].status_port);
    return nm;
}

static double metric_get(const metric *m, int nm, const char *key)
{
    int k = 0;
    while (k < nm && strcmp(m[k].key, key) != 0) k++;
    return k < nm ? m[k].v : 0;
}

static void flush(bsess *b)
{
    uint8_t pkt[EC_UDP_MTU];
    size_t len;
    ec_endpoint to;
    while (ec_sess_next_out(b->s, &to, pkt, sizeof pkt, &len) == EC_OK) ec_udp_send(&b->udp, &to, pkt, len);
    ec_udp_flush(&b->udp);
}

/* The node's X25519 key from its identity record (a type-5 probe). */
static bool key_probe(bsess *b)
{
    uint8_t pkt[DPKT_PROBE_LEN] = {1, 0, DPKT_PROBE};
    size_t lens[EC_UDP_BATCH];
    ec_endpoint from[EC_UDP_BATCH];
    for (int tries = 0; tries < 10; tries++) {
        ec_udp_send(&b->udp, &b->node, pkt, sizeof pkt);
        ec_udp_flush(&b->udp);
        struct pollfd p = {.fd = b->udp.fd, .events = POLLIN};
        (void)poll(&p, 1, 500);
        unsigned n = ec_udp_recv(&b->udp, lens, from);
        for (unsigned i = 0; i < n; i++) {
            ec_identity id;
            if (lens[i] != DPKT_RECORD_LEN || b->udp.rbuf[i][2] != DPKT_RECORD) continue;
            return ec_identity_decode(&id, b->udp.rbuf[i] + 4, EC_IDENTITY_LEN) == EC_OK &&
                   ec_identity_check_signature(&id) == EC_OK && ec_noise_pub_from_ed25519(&id.public_key, b->xkey) == EC_OK;
        }
    }
    return false;
}

static void frame_head(uint8_t *f, uint32_t id, uint8_t op)
{
    f[0] = EC_FRAME_REQ;
    for (int i = 0; i < 4; i++) f[1 + i] = (uint8_t)(id >> (8 * i));
    f[5] = op;
}

typedef struct run {
    size_t n;
    int ns;
    bsess **ss;
    btx *tx;
    uint8_t *frames;
    double t0;
    size_t acked, done;
} run;

static void send_tx(run *r, size_t k, double now)
{
    ec_sess_clock c;
    ec_sys_clock(&c);
    bsess *b = r->ss[k % (size_t)r->ns];
    ec_sess_send(b->s, &c, b->xkey, &b->node, r->frames + k * FRAME_MAX, r->tx[k].len);
    if (r->tx[k].state == ST_UNSENT) {
        r->tx[k].first = now;
        r->tx[k].state = ST_SENT;
    } else {
        r->tx[k].resends++;
    }
    r->tx[k].last = now;
}

static void on_answer(run *r, bsess *b, const uint8_t *p, size_t len, double now)
{
    if (len < EC_FRAME_RESP_HEAD || p[0] != EC_FRAME_RESP) return;
    uint32_t id = (uint32_t)p[1] | (uint32_t)p[2] << 8 | (uint32_t)p[3] << 16 | (uint32_t)p[4] << 24;
    if (id & WARM_BIT) {
        b->warm = true;
        return;
    }
    if (id >= r->n || r->tx[id].state == ST_DONE || r->tx[id].state == ST_UNSENT) return;
    btx *t = &r->tx[id];
    if (p[5] == EC_OP_SUBMIT && (int8_t)p[6] == EC_OK) {
        if (t->state == ST_SENT) r->acked++;
        t->state = ST_ACKED;
        return;
    }
    if (p[5] == EC_OP_SUBMIT) t->kind = 0xff; /* refused at the door: pending table full, ... */
    else if (p[5] == EC_OP_OUTCOME && len >= EC_FRAME_RESP_HEAD + 1) t->kind = p[EC_FRAME_RESP_HEAD];
    else return;
    t->state = ST_DONE;
    t->done = now;
    r->done++;
}

/* Reads every datagram waiting on every session. */
static void pump(run *r, int timeout_ms)
{
    struct pollfd pf[SESS_MAX];
    for (int i = 0; i < r->ns; i++) pf[i] = (struct pollfd){.fd = r->ss[i]->udp.fd, .events = POLLIN};
    if (poll(pf, (nfds_t)r->ns, timeout_ms) <= 0) return;
    static uint8_t plain[EC_SESS_PLAIN_MAX];
    size_t lens[EC_UDP_BATCH];
    ec_endpoint from[EC_UDP_BATCH];
    for (int i = 0; i < r->ns; i++) {
        if (!(pf[i].revents & POLLIN)) continue;
        bsess *b = r->ss[i];
        for (unsigned n; (n = ec_udp_recv(&b->udp, lens, from)) > 0;) {
            double now = mono() - r->t0;
            for (unsigned k = 0; k < n; k++) {
                ec_sess_clock c;
                ec_sess_event ev;
                ec_sys_clock(&c);
                ec_sess_recv(b->s, &c, &from[k], false, b->udp.rbuf[k], lens[k], plain, sizeof plain, &ev);
                if (ev.kind == EC_SESS_EV_DATA) on_answer(r, b, plain, ev.len, now);
            }
        }
        flush(b); /* handshake answers, keepalives */
    }
}

/* The transactions, signed before the clock starts. With `near`, each
 * token is one whose w (8) nearest nodes include the node its session is
 * bound to: that node, the coordinator, is a member and commits itself
 * (no outcome poll). */
static bool build_txs(run *r, const bnode *nodes, int nn, bool near)
{
    ec_keypair kp;
    uint8_t seed[32];
    randombytes_buf(seed, sizeof seed);
    ec_sign_keypair(&kp, seed);
    ec_id owner, zero;
    memset(&zero, 0, sizeof zero);
    ec_sign_keyhash(&owner, &kp.pub);
    struct timespec wall;
    clock_gettime(CLOCK_REALTIME, &wall);
    for (size_t k = 0; k < r->n; k++) {
        ec_tx tx;
        ec_id token;
        size_t len;
        for (int closer = nn; closer >= (nn < 8 ? nn : 8);) {
            randombytes_buf(token.b, sizeof token.b);
            const ec_id *mine = &nodes[(k % (size_t)r->ns) % (size_t)nn].addr;
            closer = near ? 0 : -1;
            for (int j = 0; near && j < nn; j++) closer += ec_id_cmp_distance(&token, &nodes[j].addr, mine) < 0;
        }
        ec_tx_init(&tx, (uint64_t)wall.tv_sec * 1000 + (uint64_t)wall.tv_nsec / 1000000);
        uint8_t *f = r->frames + k * FRAME_MAX;
        frame_head(f, (uint32_t)k, EC_OP_SUBMIT);
        if (ec_tx_add_mapping(&tx, &token, &owner, &zero) != EC_OK || ec_tx_sign(&tx, &kp) != EC_OK ||
            ec_tx_encode(&tx, f + EC_FRAME_REQ_HEAD, FRAME_MAX - EC_FRAME_REQ_HEAD, &len) != EC_OK) {
            fprintf(stderr, "cannot build transaction %zu\n", k);
            return false;
        }
        r->tx[k].len = (uint16_t)(EC_FRAME_REQ_HEAD + len);
    }
    ec_sign_wipe(&kp);
    return true;
}

int main(int argc, char **argv)
{
    static const struct option opts[] = {
        {"dir", required_argument, NULL, 'd'},      {"endpoint", required_argument, NULL, 'e'},
        {"rate", required_argument, NULL, 'r'},     {"duration", required_argument, NULL, 't'},
        {"sessions", required_argument, NULL, 's'}, {"drain", required_argument, NULL, 'w'},
        {"one-ip", no_argument, NULL, 'o'},         {"progress", no_argument, NULL, 'p'},
        {"near", no_argument, NULL, 'n'},
        {NULL, 0, NULL, 0},
    };
    const char *dir = NULL;
    double rate = 100, dur = 10, drain = 30;
    int nsess = 16, nn = 0, c;
    bool one_ip = false, progress = isatty(STDERR_FILENO), near = false;
    static bnode nodes[NODES_MAX];
    while ((c = getopt_long(argc, argv, "d:e:r:t:s:w:opn", opts, NULL)) != -1) {
        switch (c) {
        case 'd': dir = optarg; break;
        case 'e':
            if (nn < NODES_MAX && ec_endpoint_parse(&nodes[nn].ep, optarg) == EC_OK) nn++;
            else return fprintf(stderr, "bad endpoint %s\n", optarg), 2;
            break;
        case 'r': rate = atof(optarg); break;
        case 't': dur = atof(optarg); break;
        case 's': nsess = atoi(optarg); break;
        case 'w': drain = atof(optarg); break;
        case 'o': one_ip = true; break;
        case 'p': progress = true; break;
        case 'n': near = true; break;
        default: fprintf(stderr, "usage: see the comment at the top of bench/bench_devnet.c\n"); return 2;
        }
    }
    if (sodium_init() < 0) return 1;
    for (; dir && nn < NODES_MAX && read_node(dir, nn, &nodes[nn]); nn++) {}
    if (nn == 0 || rate <= 0 || dur <= 0 || nsess < 1 || nsess > SESS_MAX || (near && !dir))
        return fprintf(stderr, "need --dir DIR (a running devnet) or --endpoint, rate > 0, 1..%d sessions\n",
                       SESS_MAX), 2;

    run r = {.n = (size_t)ceil(rate * dur), .ns = nsess};
    r.tx = calloc(r.n, sizeof *r.tx);
    r.frames = malloc(r.n * FRAME_MAX);
    r.ss = calloc((size_t)nsess, sizeof *r.ss);
    double *lat = malloc(r.n * sizeof *lat);
    if (!r.tx || !r.frames || !r.ss || !lat || !build_txs(&r, nodes, nn, near)) return 1;

    /* Sessions: probe, then one STATUS each so every handshake is done. */
    for (int i = 0; i < nsess; i++) {
        bsess *b = r.ss[i] = calloc(1, sizeof *b);
        if (b == NULL) return 1;
        b->node = nodes[i % nn].ep;
        char any[32];
        snprintf(any, sizeof any, "127.0.0.%d:0", one_ip ? 1 : 2 + i);
        ec_endpoint bind_ep;
        if (b->node.len != 6 || b->node.b[0] != 127) snprintf(any, sizeof any, b->node.len == 6 ? "0.0.0.0:0" : "[::]:0");
        ec_endpoint_parse(&bind_ep, any);
        ec_sess_config sc;
        ec_sess_config_default(&sc);
        randombytes_buf(sc.static_priv, 32);
        crypto_scalarmult_base(sc.static_pub, sc.static_priv);
        sc.sessions_max = 4;
        if (ec_udp_open(&b->udp, &bind_ep) != EC_OK || ec_sess_new(&b->s, &sc, ec_sys_random, NULL) != EC_OK)
            return fprintf(stderr, "session %d: %s\n", i, strerror(errno)), 1;
        if (!key_probe(b)) return fprintf(stderr, "session %d: node %d does not answer its key probe\n", i, i % nn), 1;
        uint8_t f[EC_FRAME_REQ_HEAD];
        frame_head(f, WARM_BIT | (uint32_t)i, EC_OP_STATUS);
        ec_sess_clock ck;
        ec_sys_clock(&ck);
        ec_sess_send(b->s, &ck, b->xkey, &b->node, f, sizeof f);
        flush(b);
    }
    r.t0 = mono();
    for (int warm = 0; warm < nsess && mono() - r.t0 < 10;) {
        pump(&r, 50);
        warm = 0;
        for (int i = 0; i < nsess; i++) warm += r.ss[i]->warm;
    }
    for (int i = 0; i < nsess; i++)
        if (!r.ss[i]->warm) return fprintf(stderr, "session %d: no handshake with its node in 10 s\n", i), 1;

    static metric m0[METRICS_MAX], m1[METRICS_MAX];
    int nm0 = metrics_all(m0, nodes, nn);
    clock_t me0 = clock();
    double c0[3], cd[3] = {0}, c1[3], t_end;
    cpu_now(nodes, nn, c0);
    r.t0 = mono();
    size_t next = 0, lo = 0;
    double last_scan = 0, last_prog = 0;
    for (;;) {
        double now = mono() - r.t0;
        size_t due = now < dur ? (size_t)(now * rate) + 1 : r.n;
        if (due > r.n) due = r.n;
        for (; next < due; next++) send_tx(&r, next, now);
        if (now >= dur && cd[1] == 0) cpu_now(nodes, nn, cd);
        if (now - last_scan >= 0.05) { /* re-sends */
            last_scan = now;
            while (lo < next && r.tx[lo].state == ST_DONE) lo++;
            for (size_t k = lo; k < next; k++) {
                double wait = r.tx[k].state == ST_SENT ? RESEND_MS / 1e3 : REASK_MS / 1e3;
                if (r.tx[k].state != ST_DONE && now - r.tx[k].last >= wait) send_tx(&r, k, now);
            }
            ec_sess_clock ck;
            ec_sys_clock(&ck);
            for (int i = 0; i < nsess; i++) ec_sess_tick(r.ss[i]->s, &ck);
        }
        for (int i = 0; i < nsess; i++) flush(r.ss[i]);
        if (progress && now - last_prog >= 1) {
            last_prog = now;
            fprintf(stderr, "\r%5.0f s  sent %zu  acked %zu  outcomes %zu  in flight %zu   ", now, next, r.acked,
                    r.done, next - r.done);
        }
        if (now >= dur && (r.done == r.n || now >= dur + drain)) break;
        double wake = now < dur ? (double)(next) / rate - now : 0.05;
        pump(&r, wake <= 0 ? 0 : wake > 0.05 ? 50 : (int)(wake * 1000) + (wake * 1000 < 1));
    }
    t_end = mono() - r.t0;
    cpu_now(nodes, nn, c1);
    double me = (double)(clock() - me0) / CLOCKS_PER_SEC;
    int nm1 = metrics_all(m1, nodes, nn);
    if (progress) fprintf(stderr, "\n");

    size_t committed = 0, refused = 0, node_to = 0, rejected = 0, lost = 0, resends = 0, fast = 0;
    for (size_t k = 0; k < r.n; k++) {
        btx *t = &r.tx[k];
        resends += t->resends;
        if (t->state != ST_DONE) lost++;
        else if (t->kind == 1) fast += (lat[committed++] = (t->done - t->first) * 1000) < 250;
        else if (t->kind == 2) refused++;
        else if (t->kind == 3) node_to++;
        else rejected++;
    }
    qsort(lat, committed, sizeof *lat, cmp_dbl);
#define PCT(q) (committed ? lat[(size_t)((q) * (committed - 1))] : -1.0)
    printf("{\"nodes\": %d, \"sessions\": %d, \"offered_per_s\": %.0f, \"duration_s\": %.0f, \"submitted\": %zu, "
           "\"committed\": %zu, \"refused\": %zu, \"node_timed_out\": %zu, \"rejected\": %zu, \"timed_out\": %zu, "
           "\"resends\": %zu, \"commits_per_s\": %.1f, \"latency_ms\": {\"p50\": %.1f, \"p90\": %.1f, \"p99\": %.1f, "
           "\"max\": %.1f, \"under_250\": %.3f}, \"run_s\": %.1f, \"nodes_cpu_s\": %.2f, \"nodes_cpu_s_first_d\": %.2f, "
           "\"machine_busy_s_first_d\": %.2f, \"machine_niced_s_first_d\": %.2f, \"bench_cpu_s\": %.2f",
           nn, nsess, rate, dur, r.n, committed, refused, node_to, rejected, lost, resends, committed / dur, PCT(0.5),
           PCT(0.9), PCT(0.99), committed ? lat[committed - 1] : -1.0, committed ? (double)fast / committed : 0.0,
           t_end, c1[0] - c0[0], cd[0] - c0[0], cd[1] - c0[1], cd[2] - c0[2], me);
    printf(", \"node_commits\": %.0f, \"core_messages_rx\": %.0f, \"udp_rx\": %.0f, \"drops\": {",
           metric_get(m1, nm1, "ec_commits_total") - metric_get(m0, nm0, "ec_commits_total"),
           metric_get(m1, nm1, "ec_messages_rx") - metric_get(m0, nm0, "ec_messages_rx"),
           metric_get(m1, nm1, "ec_udp_packets_total{direction=\"rx\"}") -
               metric_get(m0, nm0, "ec_udp_packets_total{direction=\"rx\"}"));
    bool first = true;
    for (int k = 0; k < nm1; k++) {
        double d = m1[k].v - metric_get(m0, nm0, m1[k].key);
        char lay[32], why[48];
        if (d <= 0 || sscanf(m1[k].key, "ec_drops_total{layer=\"%31[^\"]\",reason=\"%47[^\"]\"}", lay, why) != 2) continue;
        printf("%s\"%s/%s\": %.0f", first ? "" : ", ", lay, why, d);
        first = false;
    }
    printf("}}\n");
    return 0;
}
