/* The daemon's event loop (daemon.h). */
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>

#include "net/daemon_internal.h"
#include "net/frame.h"
#include "core/netsize.h"
#include "net/noise.h"
#include "net/query.h"
#include "net/sysclock.h"

#define LOOP_READS_MAX 8 /* recv batches per turn before the timers run */

uint64_t dmn_now(const ec_daemon *d)
{
    /* The core compares `now` with transaction timestamps (Unix ms) for
     * its "not too far ahead" rule: a monotonic clock offset to Unix time
     * at start (node.h). */
    return d->unix0_ms + (ec_sys_mono_ms() - d->mono0_ms);
}

void dmn_sess_clock(const ec_daemon *d, ec_sess_clock *c)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    c->mono_ms = dmn_now(d);
    c->wall_ns = (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

void dmn_log(ec_daemon *d, int level, const char *fmt, ...)
{
    static const char *const names[] = {"error", "warn", "info", "debug"};
    if (level > d->cfg.log_level) return;
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    struct tm tm;
    gmtime_r(&ts.tv_sec, &tm);
    char when[32];
    strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%S", &tm);
    fprintf(stderr, "%s.%03ldZ level=%s %s\n", when, ts.tv_nsec / 1000000, names[level < 0 ? 0 : level > 3 ? 3 : level],
            msg);
}

static void node_log(void *arg, int level, const char *msg)
{
    dmn_log(arg, level, "src=core msg=\"%s\"", msg);
}

static void on_commit(void *arg, ec_node *n, uint64_t now, const ec_id *tx_id, const ec_tx *tx)
{
    (void)n;
    (void)now;
    (void)tx;
    ec_daemon *d = arg;
    d->commits++;
    char hex[65];
    ec_id_to_hex(tx_id, hex);
    dmn_log(d, 3, "event=commit tx=%s", hex);
}

void ec_daemon_config_default(ec_daemon_config *c)
{
    memset(c, 0, sizeof *c);
    ec_endpoint_parse(&c->listen, "0.0.0.0:7455");
    snprintf(c->status_host, sizeof c->status_host, "127.0.0.1");
    c->status_port = 7456; /* the UDP port + 1; a devnet picks free ones (0) */
    c->status = true;
    c->min_bits = 20; /* a network's floor; the size estimate may demand more */
    c->min_memory_kib = EC_POW_PARAMS_NETWORK.memory_kib;
    c->min_iterations = EC_POW_PARAMS_NETWORK.iterations;
    ec_node_config_default(&c->node);
    /* Against equivocating voters a member holds a quorum 100 ms (more than
     * a one-way delay between most peers) and echoes it to its co-members
     * first (docs/SECURITY.md, "Hold and echo"). */
    c->node.commit_hold_ms = 100;
    c->node.commit_echo = true;
    c->log_level = 2;
    c->peers_max = 4096;
    c->sessions_max = 4096;
    c->verify_queue_max = 256;
    c->verify_cache_max = 8192;
    c->batch_packets = 256;
    c->waiting_max = 16;
    c->n0_bits = EC_NETSIZE_N0_BITS;
    c->handshakes_per_s = 20;
    c->handshake_burst = 40;
    c->requests_per_s = 200;
    c->request_burst = 400;
    c->forward_percent = 100;
    c->sync = true;
}

static ec_err fail(char *why, size_t cap, ec_err err, const char *fmt, ...) __attribute__((format(printf, 4, 5)));
static ec_err fail(char *why, size_t cap, ec_err err, const char *fmt, ...)
{
    if (why && cap) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(why, cap, fmt, ap);
        va_end(ap);
    }
    return err;
}

ec_err ec_daemon_new(ec_daemon **out, const ec_daemon_config *cfg, ec_store *store, const ec_keypair *key,
                     const uint8_t record[EC_IDENTITY_LEN], char *why, size_t why_cap)
{
    if (out == NULL || cfg == NULL || store == NULL || key == NULL || record == NULL)
        return fail(why, why_cap, EC_ERR_ARG, "missing argument");
    const char *bad = NULL;
    if (ec_node_config_check(&cfg->node, &bad) != EC_OK)
        return fail(why, why_cap, EC_ERR_ARG, "node config: %s", bad ? bad : "invalid");
    if (cfg->batch_packets == 0 || cfg->peers_max == 0 || cfg->sessions_max == 0 || cfg->verify_queue_max == 0 ||
        cfg->verify_cache_max == 0 || cfg->waiting_max == 0)
        return fail(why, why_cap, EC_ERR_ARG, "a limit is 0");
    ec_identity id;
    ec_id addr;
    if (ec_identity_decode(&id, record, EC_IDENTITY_LEN) != EC_OK || ec_identity_verify(&id, NULL, &addr) != EC_OK)
        return fail(why, why_cap, EC_ERR_ARG, "our identity record does not verify");
    if (memcmp(id.public_key.b, key->pub.b, sizeof id.public_key.b) != 0)
        return fail(why, why_cap, EC_ERR_MISMATCH, "the identity record is not the key's");

    ec_daemon *d = calloc(1, sizeof *d);
    if (d == NULL) return fail(why, why_cap, EC_ERR_NOMEM, "out of memory");
    d->cfg = *cfg;
    d->store = store;
    d->key = *key;
    memcpy(d->record, record, EC_IDENTITY_LEN);
    d->addr = addr;
    d->epfd = -1;
    d->mono0_ms = ec_sys_mono_ms();
    d->unix0_ms = ec_sys_unix_ms();
    pthread_mutex_init(&d->snap_mu, NULL);
    uint64_t seed;
    randombytes_buf(&seed, sizeof seed);
    ec_rng_seed(&d->rng, seed);
    ec_err err;
    if ((err = ec_noise_static_from_ed25519(key, d->xpriv, d->xpub)) != EC_OK) {
        ec_daemon_free(d);
        return fail(why, why_cap, err, "key conversion to X25519 failed");
    }
    ec_sess_config sc;
    ec_sess_config_default(&sc);
    memcpy(sc.static_priv, d->xpriv, 32);
    memcpy(sc.static_pub, d->xpub, 32);
    sc.has_record = true;
    memcpy(sc.record, record, EC_IDENTITY_LEN);
    sc.sessions_max = (uint32_t)cfg->sessions_max;
    if ((err = ec_sess_new(&d->sess, &sc, ec_sys_random, NULL) /* ephemerals, indices, cookie secrets */) != EC_OK) {
        ec_daemon_free(d);
        return fail(why, why_cap, err, "session table: %s", ec_err_str(err));
    }
    d->udp = malloc(sizeof *d->udp);
    if (d->udp == NULL) {
        ec_daemon_free(d);
        return fail(why, why_cap, EC_ERR_NOMEM, "out of memory");
    }
    if ((err = ec_udp_open(d->udp, &cfg->listen)) != EC_OK) {
        char ep[EC_ENDPOINT_STR_MAX];
        ec_endpoint_format(&cfg->listen, ep);
        const char *e = strerror(errno);
        free(d->udp);
        d->udp = NULL;
        ec_daemon_free(d);
        return fail(why, why_cap, err, "listen %s: %s", ep, e);
    }
    d->required_bits = cfg->min_bits;
    if ((err = ec_ratelimit_new(&d->rl_hs, 4096, cfg->handshakes_per_s, cfg->handshake_burst)) != EC_OK ||
        (err = ec_ratelimit_new(&d->rl_req, 4096, cfg->requests_per_s, cfg->request_burst)) != EC_OK ||
        (err = ec_verifier_new(&d->ver, cfg->verify_queue_max, cfg->verify_cache_max)) != EC_OK ||
        (err = dmn_peers_new(d)) != EC_OK || (err = dmn_exclude_new(d)) != EC_OK) {
        ec_daemon_free(d);
        return fail(why, why_cap, err, "out of memory");
    }
    ec_node_env env;
    memset(&env, 0, sizeof env);
    env.addr = addr;
    env.store = store;
    env.rng = &d->rng;
    env.key = key;
    env.record = record;
    env.identity = dmn_identity_check;
    env.identity_arg = d;
    env.on_commit = on_commit;
    env.on_commit_arg = d;
    env.log = node_log;
    env.log_arg = d;
    if ((err = ec_node_new(&d->node, &cfg->node, &env)) != EC_OK) {
        ec_daemon_free(d);
        return fail(why, why_cap, err, "node: %s", ec_err_str(err));
    }
    d->epfd = epoll_create1(EPOLL_CLOEXEC);
    struct epoll_event e1 = {.events = EPOLLIN, .data.u32 = 1}, e2 = {.events = EPOLLIN, .data.u32 = 2};
    if (d->epfd < 0 || epoll_ctl(d->epfd, EPOLL_CTL_ADD, d->udp->fd, &e1) != 0 ||
        epoll_ctl(d->epfd, EPOLL_CTL_ADD, ec_verifier_fd(d->ver), &e2) != 0) {
        ec_daemon_free(d);
        return fail(why, why_cap, EC_ERR_IO, "epoll: %s", strerror(errno));
    }
    if (cfg->status && (err = dmn_status_start(d, why, why_cap)) != EC_OK) {
        ec_daemon_free(d);
        return err;
    }
    *out = d;
    return EC_OK;
}

void ec_daemon_free(ec_daemon *d)
{
    if (d == NULL) return;
    dmn_status_stop(d);
    ec_node_free(d->node);
    ec_verifier_free(d->ver);
    ec_ratelimit_free(d->rl_hs);
    ec_ratelimit_free(d->rl_req);
    if (d->udp) {
        ec_udp_close(d->udp);
        free(d->udp);
    }
    ec_sess_free(d->sess);
    dmn_peers_free(d);
    dmn_exclude_free(d);
    if (d->epfd >= 0) close(d->epfd);
    pthread_mutex_destroy(&d->snap_mu);
    free(d->snap_status);
    free(d->snap_metrics);
    free(d->snap_evidence);
    sodium_memzero(d->xpriv, sizeof d->xpriv);
    ec_sign_wipe(&d->key);
    free(d);
}

const ec_endpoint *ec_daemon_endpoint(const ec_daemon *d)
{
    return &d->udp->local;
}

uint16_t ec_daemon_status_port(const ec_daemon *d)
{
    return d->status_port;
}

const ec_id *ec_daemon_addr(const ec_daemon *d)
{
    return &d->addr;
}

/* One decrypted frame from a session. */
static void on_frame(ec_daemon *d, const ec_sess_event *ev, const uint8_t *p, size_t len)
{
    dpeer *peer = dmn_peer_by_xkey(d, ev->peer);
    if (peer) peer->last_rx_ms = dmn_now(d);
    if (len == 0) {
        d->drops[DROP_FRAME]++;
        return;
    }
    switch (p[0]) {
    case EC_FRAME_CORE:
        if (peer && !peer->has_addr && peer->verifying) {
            dmn_hold(d, peer, p + 1, len - 1); /* its record is with the verifier */
            return;
        }
        if (peer == NULL || !peer->has_addr) {
            d->drops[DROP_UNVERIFIED]++; /* a client, or an identity refused */
            return;
        }
        if (d->nqueries) dmn_client_peek(d, &peer->addr, p + 1, len - 1);
        if ((d->njoin || d->nrefresh) && dmn_join_answer(d, &peer->addr, p + 1, len - 1)) return;
        ec_node_recv(d->node, dmn_now(d), &peer->addr, &ev->from, p + 1, len - 1);
        return;
    case EC_FRAME_REQ:
        if (!ec_ratelimit_allow(d->rl_req, &ev->from, dmn_now(d))) {
            d->drops[DROP_RATE_REQUEST]++;
            return;
        }
        dmn_on_client(d, ev->peer, p, len);
        return;
    case EC_FRAME_FWD: /* a question forwarded by a peer: admitted peers only */
        if (peer == NULL || !peer->has_addr) {
            d->drops[DROP_UNVERIFIED]++;
            return;
        }
        dmn_on_forward(d, &ev->from, p, len);
        return;
    default:
        d->drops[DROP_FRAME]++;
    }
}

static void on_datagram(ec_daemon *d, const ec_endpoint *from, const uint8_t *pkt, size_t len, uint8_t *plain)
{
    /* What makes us work (a handshake's DH, a probe's answer) is
     * rationed per source address; DATA is not (an unknown index is
     * dropped on a table lookup, a known one costs one AEAD). */
    bool costly = len >= 4 && (pkt[2] == 1 || pkt[2] == 2 || pkt[2] == DPKT_PROBE);
    if (costly && !ec_ratelimit_allow(d->rl_hs, from, dmn_now(d))) {
        d->drops[DROP_RATE_HANDSHAKE]++;
        return;
    }
    if (len >= 4 && (pkt[2] == DPKT_PROBE || pkt[2] == DPKT_RECORD)) {
        dmn_on_probe_pkt(d, from, pkt, len);
        return;
    }
    if (len >= 4 && (pkt[2] == EC_QPKT_QUERY || pkt[2] == EC_QPKT_ANSWER)) {
        dmn_on_query_pkt(d, from, pkt, len);
        return;
    }
    ec_sess_clock c;
    dmn_sess_clock(d, &c);
    ec_sess_event ev;
    /* Under load (set by the last turn): handshakes must show a cookie
     * first (WireGuard's rule), which a spoofed source cannot. */
    ec_sess_recv(d->sess, &c, from, d->load, pkt, len, plain, EC_SESS_PLAIN_MAX, &ev);
    if (ev.kind == EC_SESS_EV_PEER_UP) dmn_on_peer_up(d, &ev);
    else if (ev.kind == EC_SESS_EV_DATA) on_frame(d, &ev, plain, ev.len);
}

/* Everything the node and the sessions queued, out to the socket. */
static void flush_out(ec_daemon *d)
{
    uint8_t buf[EC_MSG_MAX];
    ec_id to;
    ec_endpoint ep;
    size_t len;
    while (ec_node_next_out(d->node, &to, &ep, buf, sizeof buf, &len) == EC_OK)
        dmn_send_core(d, &to, &ep, buf, len);
    ec_node_event ev;
    while (ec_node_next_event(d->node, &ev) == EC_OK) dmn_on_event(d, &ev);
    uint8_t pkt[EC_UDP_MTU];
    while (ec_sess_next_out(d->sess, &ep, pkt, sizeof pkt, &len) == EC_OK) ec_udp_send(d->udp, &ep, pkt, len);
    ec_udp_flush(d->udp);
}

static uint64_t next_wake(ec_daemon *d)
{
    uint64_t t = ec_node_next_deadline(d->node);
    uint64_t s = ec_sess_next_deadline(d->sess);
    if (s < t) t = s;
    uint64_t now = dmn_now(d);
    /* Status refresh and peer upkeep (probes, bootstrap) every 250 ms. */
    if (now + 250 < t) t = now + 250;
    return t;
}

static void turn(ec_daemon *d, uint8_t *plain)
{
    size_t lens[EC_UDP_BATCH];
    ec_endpoint from[EC_UDP_BATCH];
    bool open = ec_node_batch_begin(d->node) == EC_OK;
    unsigned taken = 0;
    for (int r = 0; r < LOOP_READS_MAX && taken < d->cfg.batch_packets; r++) {
        unsigned n = ec_udp_recv(d->udp, lens, from);
        for (unsigned i = 0; i < n; i++) on_datagram(d, &from[i], d->udp->rbuf[i], lens[i], plain);
        taken += n;
        if (n < EC_UDP_BATCH) break;
    }
    ec_verify_result vr;
    while (ec_verifier_result(d->ver, &vr)) dmn_on_verified(d, &vr);
    /* Load: the read budget ran out (more is waiting), or records pile up
     * at the verifier. */
    d->load = taken >= d->cfg.batch_packets || 2 * ec_verifier_backlog(d->ver) >= d->cfg.verify_queue_max;
    uint64_t now = dmn_now(d);
    if (ec_node_next_deadline(d->node) <= now) ec_node_tick(d->node, now);
    ec_sess_clock c;
    dmn_sess_clock(d, &c);
    if (ec_sess_next_deadline(d->sess) <= c.mono_ms) ec_sess_tick(d->sess, &c);
    if (open && ec_node_batch_end(d->node) != EC_OK) dmn_log(d, 0, "event=batch_failed msg=\"store refused a group commit\"");
    dmn_peers_tick(d);
    dmn_clients_tick(d);
    flush_out(d);
    if (now >= d->snap_at_ms + 250) dmn_status_refresh(d);
}

ec_err ec_daemon_run(ec_daemon *d, volatile sig_atomic_t *stop)
{
    sigset_t block, wait_mask;
    sigemptyset(&block);
    sigaddset(&block, SIGTERM);
    sigaddset(&block, SIGINT);
    pthread_sigmask(SIG_BLOCK, &block, &wait_mask);
    sigdelset(&wait_mask, SIGTERM);
    sigdelset(&wait_mask, SIGINT);
    uint8_t *plain = malloc(EC_SESS_PLAIN_MAX);
    if (plain == NULL) return EC_ERR_NOMEM;
    char ep[EC_ENDPOINT_STR_MAX], hex[65];
    ec_endpoint_format(&d->udp->local, ep);
    ec_id_to_hex(&d->addr, hex);
    dmn_log(d, 2, "event=start addr=%s listen=%s status=http://%s:%u/status", hex, ep, d->cfg.status_host,
            (unsigned)d->status_port);
    for (size_t i = 0; i < d->cfg.nbootstrap; i++) dmn_probe(d, &d->cfg.bootstrap[i]);
    d->last_bootstrap_ms = dmn_now(d);
    flush_out(d);
    dmn_status_refresh(d);
    while (!*stop) {
        uint64_t now = dmn_now(d), wake = next_wake(d);
        int timeout = wake <= now ? 0 : (int)(wake - now);
        struct epoll_event evs[4];
        /* Signals reach us only here: none is lost between the check of
         * *stop and the wait. */
        int n = epoll_pwait(d->epfd, evs, 4, timeout, &wait_mask);
        if (n < 0 && errno != EINTR) {
            dmn_log(d, 0, "event=epoll_failed err=\"%s\"", strerror(errno));
            break;
        }
        if (*stop) break;
        turn(d, plain);
    }
    /* Stop: what the last turn queued goes out; no batch is open here. */
    flush_out(d);
    dmn_log(d, 2, "event=stop signal=%d commits=%llu", (int)*stop, (unsigned long long)d->commits);
    free(plain);
    pthread_sigmask(SIG_UNBLOCK, &block, NULL);
    return EC_OK;
}
