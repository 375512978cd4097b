/* Transport throughput (issue 9; docs/PERFORMANCE.md, "The real network"):
 * DATA packets per second one node authenticates, decrypts and hands on,
 * beside a plain UDP loop on the same socket pair.
 *
 *   bench_transport [--seconds T] [--rounds N] [--size B ...]
 *   bench_transport --crypto [--seconds T]
 *
 * --crypto: Ed25519 verifications and signatures per second on one core
 * (a 203-byte message: a one-mapping transaction's signed part), the
 * rate behind the network's CPU bound (a commit costs about 15
 * verifications and 8 signatures across a 16-node devnet).
 *
 * Two threads on loopback, each with its own ec_udp socket. The sender
 * sends as fast as it can, in batches of EC_UDP_BATCH (sendmmsg):
 *   plain  pre-built datagrams of the size an ec DATA of B plaintext bytes
 *          has (B + 32), and the receiver only reads them (ec_udp_recv);
 *   ec     B-byte plaintexts through ec_sess_send (encryption) after a
 *          Noise IK handshake between the two ec_sess instances over the
 *          sockets, and the receiver runs each through ec_sess_recv
 *          (index lookup, replay window, ChaCha20-Poly1305) and counts the
 *          plaintexts it hands on.
 * The receiver waits in poll() when its socket is empty, so its CPU time
 * (CLOCK_THREAD_CPUTIME_ID) is the work it did. Per row: sender and
 * receiver packets/s and CPU use over T s (after 0.5 s of warm-up), rows
 * alternating plain / ec, N rounds. On loopback the sender usually
 * saturates first (the kernel delivers inside its sendmmsg), and an idle
 * receiver reads small batches, so a second table times the receiver
 * alone: a burst queued into its socket buffer, then drained in full
 * batches (burst() below): packets per receiver CPU second, what one core
 * takes. Defaults: 5 s, 2 rounds, sizes 200 (a vote) and 1200. */
#include <getopt.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sodium.h>

#include "crypto/sign.h"
#include "net/session.h"
#include "net/sysclock.h"
#include "net/udp.h"

#define BURST 2048 /* datagrams per burst: fits the 4 MiB receive buffer */

typedef struct side {
    ec_udp *u;
    ec_sess *s;
    uint8_t pub[32];
} side;

typedef struct job {
    side tx, rx;
    bool ec;
    size_t size;
    atomic_bool stop;
    atomic_ullong sent, got;
} job;

static double mono(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + t.tv_nsec / 1e9;
}

static double thread_cpu(pthread_t th)
{
    clockid_t id;
    struct timespec t;
    if (pthread_getcpuclockid(th, &id) != 0 || clock_gettime(id, &t) != 0) return 0;
    return (double)t.tv_sec + t.tv_nsec / 1e9;
}


/* Moves what a session queued to its socket. */
static void drain(side *sd)
{
    uint8_t pkt[EC_UDP_MTU];
    size_t len;
    ec_endpoint to;
    while (ec_sess_next_out(sd->s, &to, pkt, sizeof pkt, &len) == EC_OK) ec_udp_send(sd->u, &to, pkt, len);
    ec_udp_flush(sd->u);
}

static void *sender(void *arg)
{
    job *j = arg;
    uint8_t plain[EC_UDP_MTU];
    randombytes_buf(plain, sizeof plain);
    memset(plain, 0, 4); /* plain mode: a datagram no session would take */
    size_t dlen = j->size + 32;
    while (!atomic_load_explicit(&j->stop, memory_order_relaxed)) {
        if (j->ec) {
            ec_sess_clock c;
            ec_sys_clock(&c);
            for (int i = 0; i < EC_UDP_BATCH; i++) ec_sess_send(j->tx.s, &c, j->rx.pub, NULL, plain, j->size);
            drain(&j->tx);
        } else {
            for (int i = 0; i < EC_UDP_BATCH; i++) ec_udp_send(j->tx.u, &j->rx.u->local, plain, dlen);
            ec_udp_flush(j->tx.u);
        }
        atomic_store_explicit(&j->sent, j->tx.u->stats.tx_packets, memory_order_relaxed);
    }
    return NULL;
}

static void *receiver(void *arg)
{
    job *j = arg;
    static _Thread_local uint8_t plain[EC_SESS_PLAIN_MAX];
    size_t lens[EC_UDP_BATCH];
    ec_endpoint from[EC_UDP_BATCH];
    unsigned long long got = 0;
    while (!atomic_load_explicit(&j->stop, memory_order_relaxed)) {
        unsigned n = ec_udp_recv(j->rx.u, lens, from);
        if (n == 0) {
            struct pollfd p = {.fd = j->rx.u->fd, .events = POLLIN};
            (void)poll(&p, 1, 10);
            continue;
        }
        if (!j->ec) {
            for (unsigned i = 0; i < n; i++) got += j->rx.u->rbuf[i][0] == 0;
        } else {
            ec_sess_clock c;
            ec_sys_clock(&c);
            for (unsigned i = 0; i < n; i++) {
                ec_sess_event ev;
                ec_sess_recv(j->rx.s, &c, &from[i], false, j->rx.u->rbuf[i], lens[i], plain, sizeof plain, &ev);
                got += ev.kind == EC_SESS_EV_DATA;
            }
            if ((got & 0xfff) < n) { /* now and then: keepalives out, timers */
                ec_sess_tick(j->rx.s, &c);
                drain(&j->rx);
            }
        }
        atomic_store_explicit(&j->got, got, memory_order_relaxed);
    }
    return NULL;
}

static bool side_open(side *sd)
{
    ec_endpoint lo;
    ec_endpoint_parse(&lo, "127.0.0.1:0");
    sd->u = malloc(sizeof *sd->u);
    if (sd->u == NULL || ec_udp_open(sd->u, &lo) != EC_OK) return false;
    ec_sess_config sc;
    ec_sess_config_default(&sc);
    randombytes_buf(sc.static_priv, 32);
    crypto_scalarmult_base(sc.static_pub, sc.static_priv);
    memcpy(sd->pub, sc.static_pub, 32);
    sc.sessions_max = 4;
    return ec_sess_new(&sd->s, &sc, ec_sys_random, NULL) == EC_OK;
}

static void side_close(side *sd)
{
    ec_sess_free(sd->s);
    if (sd->u) ec_udp_close(sd->u);
    free(sd->u);
}

/* Delivers what is waiting on sd's socket to its session; true when a
 * DATA came through. */
static bool deliver(side *sd)
{
    size_t lens[EC_UDP_BATCH];
    ec_endpoint from[EC_UDP_BATCH];
    uint8_t plain[EC_SESS_PLAIN_MAX];
    bool data = false;
    struct pollfd p = {.fd = sd->u->fd, .events = POLLIN};
    (void)poll(&p, 1, 20);
    unsigned n = ec_udp_recv(sd->u, lens, from);
    for (unsigned i = 0; i < n; i++) {
        ec_sess_clock c;
        ec_sess_event ev;
        ec_sys_clock(&c);
        ec_sess_recv(sd->s, &c, &from[i], false, sd->u->rbuf[i], lens[i], plain, sizeof plain, &ev);
        data |= ev.kind == EC_SESS_EV_DATA;
    }
    drain(sd);
    return data;
}

/* INIT, RESP, then the first DATA (which confirms the responder's keys). */
static bool handshake(job *j)
{
    uint8_t hello[8] = {0};
    ec_sess_clock c;
    ec_sys_clock(&c);
    if (ec_sess_send(j->tx.s, &c, j->rx.pub, &j->rx.u->local, hello, sizeof hello) != EC_OK) return false;
    drain(&j->tx);
    for (int i = 0; i < 100; i++) {
        if (deliver(&j->rx)) return true;
        deliver(&j->tx);
    }
    return false;
}

/* A sender and a receiver socket (and, for ec, a session between them). */
static bool job_open(job *j, size_t size, bool ec)
{
    memset(j, 0, sizeof *j);
    j->ec = ec;
    j->size = size;
    if (!side_open(&j->tx) || !side_open(&j->rx) || (ec && !handshake(j))) {
        fprintf(stderr, "bench_transport: cannot set up the %s pair\n", ec ? "ec" : "plain");
        return false;
    }
    return true;
}

static int one(size_t size, bool ec, double secs)
{
    job j;
    if (!job_open(&j, size, ec)) return 1;
    atomic_init(&j.stop, false);
    atomic_init(&j.sent, 0);
    atomic_init(&j.got, 0);
    pthread_t ts, tr;
    pthread_create(&tr, NULL, receiver, &j);
    pthread_create(&ts, NULL, sender, &j);
    struct timespec warm = {0, 500000000};
    nanosleep(&warm, NULL);
    double t0 = mono(), cs0 = thread_cpu(ts), cr0 = thread_cpu(tr);
    unsigned long long s0 = atomic_load(&j.sent), g0 = atomic_load(&j.got);
    struct timespec run = {(time_t)secs, (long)((secs - (double)(time_t)secs) * 1e9)};
    nanosleep(&run, NULL);
    double dt = mono() - t0, cs = thread_cpu(ts) - cs0, cr = thread_cpu(tr) - cr0;
    unsigned long long s = atomic_load(&j.sent) - s0, g = atomic_load(&j.got) - g0;
    atomic_store(&j.stop, true);
    pthread_join(ts, NULL);
    pthread_join(tr, NULL);
    ec_sess_stats st;
    ec_sess_get_stats(j.rx.s, &st);
    printf("| %zu | %s | %.0f | %.0f | %.0f %% | %.0f %% | %.0f | %.2f | %s |\n", size, ec ? "ec session" : "plain UDP",
           s / dt, g / dt, 100 * cs / dt, 100 * cr / dt, cr > 0 ? g / cr : 0, s ? (double)g / (double)s : 0,
           ec ? (st.dropped_replay || st.dropped_decrypt ? "drops in session" : "") : "");
    fflush(stdout);
    side_close(&j.tx);
    side_close(&j.rx);
    return 0;
}

/* The receiver alone: the sender queues a burst into the receiver's socket
 * buffer (loopback delivers it within sendmmsg), then the receiver drains
 * it in full batches; only the drain is timed (thread CPU). */
static int burst(size_t size, bool ec, double secs)
{
    job j;
    if (!job_open(&j, size, ec)) return 1;
    uint8_t plain[EC_UDP_MTU];
    randombytes_buf(plain, sizeof plain);
    memset(plain, 0, 4);
    static uint8_t out[EC_SESS_PLAIN_MAX];
    size_t lens[EC_UDP_BATCH];
    ec_endpoint from[EC_UDP_BATCH];
    unsigned long long sent = 0, got = 0;
    double busy = 0, t0 = mono();
    while (busy < secs && mono() - t0 < 10 * secs) {
        ec_sess_clock c;
        ec_sys_clock(&c);
        for (int b = 0; b < BURST / EC_UDP_BATCH; b++) {
            if (ec) {
                for (int i = 0; i < EC_UDP_BATCH; i++) ec_sess_send(j.tx.s, &c, j.rx.pub, NULL, plain, size);
                drain(&j.tx);
            } else {
                for (int i = 0; i < EC_UDP_BATCH; i++) ec_udp_send(j.tx.u, &j.rx.u->local, plain, size + 32);
                ec_udp_flush(j.tx.u);
            }
        }
        sent += BURST;
        double c0 = thread_cpu(pthread_self());
        for (unsigned n; (n = ec_udp_recv(j.rx.u, lens, from)) > 0;) {
            if (!ec) {
                for (unsigned i = 0; i < n; i++) got += j.rx.u->rbuf[i][0] == 0;
                continue;
            }
            ec_sys_clock(&c);
            for (unsigned i = 0; i < n; i++) {
                ec_sess_event ev;
                ec_sess_recv(j.rx.s, &c, &from[i], false, j.rx.u->rbuf[i], lens[i], out, sizeof out, &ev);
                got += ev.kind == EC_SESS_EV_DATA;
            }
        }
        busy += thread_cpu(pthread_self()) - c0;
    }
    printf("| %zu | %s | %.0f | %.3f | %.2f |\n", size, ec ? "ec session" : "plain UDP", busy > 0 ? got / busy : 0,
           busy > 0 ? 1e6 * busy / (double)got : 0, sent ? (double)got / (double)sent : 0);
    fflush(stdout);
    side_close(&j.tx);
    side_close(&j.rx);
    return 0;
}

/* --crypto: one thread, the same key and message over and over. */
static int crypto_rates(double secs)
{
    ec_keypair kp;
    uint8_t seed[32], msg[203];
    randombytes_buf(seed, sizeof seed);
    randombytes_buf(msg, sizeof msg);
    ec_sign_keypair(&kp, seed);
    ec_sig sig;
    ec_sign_create(&sig, &kp, msg, sizeof msg);
    unsigned long nv = 0, ns = 0;
    double t0 = mono(), tv, ts;
    for (; (tv = mono() - t0) < secs; nv += 100)
        for (int i = 0; i < 100; i++) nv -= crypto_sign_verify_detached(sig.b, msg, sizeof msg, kp.pub.b) != 0;
    for (t0 = mono(); (ts = mono() - t0) < secs; ns += 100)
        for (int i = 0; i < 100; i++) crypto_sign_detached(sig.b, NULL, msg, sizeof msg, kp.sk);
    printf("{\"ed25519_verify_per_s\": %.0f, \"ed25519_sign_per_s\": %.0f, \"message_bytes\": %zu, \"threads\": 1}\n",
           nv / tv, ns / ts, sizeof msg);
    return 0;
}

int main(int argc, char **argv)
{
    static const struct option opts[] = {
        {"seconds", required_argument, NULL, 't'},
        {"rounds", required_argument, NULL, 'r'},
        {"size", required_argument, NULL, 's'},
        {"crypto", no_argument, NULL, 'c'},
        {NULL, 0, NULL, 0},
    };
    double secs = 5;
    int rounds = 2, c;
    bool crypto = false;
    size_t sizes[8] = {200, 1200}, ns = 0;
    while ((c = getopt_long(argc, argv, "t:r:s:c", opts, NULL)) != -1) {
        switch (c) {
        case 't': secs = atof(optarg); break;
        case 'r': rounds = atoi(optarg); break;
        case 's':
            if (ns < 8 && (sizes[ns] = strtoul(optarg, NULL, 10)) > 0 && sizes[ns] <= EC_SESS_PLAIN_MAX) ns++;
            else return fprintf(stderr, "--size: 1..%d\n", EC_SESS_PLAIN_MAX), 2;
            break;
        case 'c': crypto = true; break;
        default:
            fprintf(stderr, "usage: %s [--seconds T] [--rounds N] [--size B ...] | --crypto [--seconds T]\n", argv[0]);
            return 2;
        }
    }
    if (ns == 0) ns = 2;
    if (sodium_init() < 0) return 1;
    if (crypto) return crypto_rates(secs);
    printf("| plaintext B | receiver | sent pps | received pps | sender CPU | receiver CPU | received per "
           "receiver CPU s | received / sent | |\n|---:|---|---:|---:|---:|---:|---:|---:|---|\n");
    for (int r = 0; r < rounds; r++)
        for (size_t i = 0; i < ns; i++)
            for (int m = 0; m < 2; m++)
                if (one(sizes[i], (m + r) % 2 == 1, secs) != 0) return 1;
    printf("\nThe receiver alone (bursts of %d, drain timed):\n\n| plaintext B | receiver | received per "
           "receiver CPU s | us per packet | received / sent |\n|---:|---|---:|---:|---:|\n", BURST);
    for (int r = 0; r < rounds; r++)
        for (size_t i = 0; i < ns; i++)
            for (int m = 0; m < 2; m++)
                if (burst(sizes[i], (m + r) % 2 == 1, secs) != 0) return 1;
    return 0;
}
