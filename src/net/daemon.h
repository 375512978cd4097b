/* The UDP daemon (`ec node`): the sans-IO core (core/node.h) and session
 * layer (net/session.h) driven by real sockets, a real clock and a real
 * disk. One thread runs the event loop (epoll); identity records are
 * verified on a worker thread (net/verifier.h); the status page is served
 * by libmicrohttpd's thread from a snapshot the loop refreshes.
 *
 * Each loop turn: read up to batch_packets datagrams and the verifier's
 * results inside one group commit (ec_node_batch_begin/end: one fsync),
 * run the timers, then hand out what the node queued (released only once
 * the batch is durable), encrypt and send. */
#ifndef EC_NET_DAEMON_H
#define EC_NET_DAEMON_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/err.h"
#include "core/identity.h"
#include "core/node.h"
#include "ledger/store.h"
#include "net/endpoint.h"

#define EC_DAEMON_BOOTSTRAP_MAX 64

typedef struct ec_daemon_config {
    ec_endpoint listen;          /* UDP address (port 0: the kernel picks) */
    char status_host[64];        /* status HTTP: a literal address ("127.0.0.1") */
    uint16_t status_port;        /* 0: the kernel picks; ec_daemon_status_port says */
    bool status;                 /* serve /status and /metrics (true) */
    ec_endpoint bootstrap[EC_DAEMON_BOOTSTRAP_MAX];
    size_t nbootstrap;
    /* Admission: the least an identity must show (issue 9; a devnet sets
     * these low, a network keeps the seed's). */
    unsigned min_bits;           /* the floor (admission.min_bits) */
    unsigned n0_bits;            /* bits the network-size rule asks at 1,000
                                    peers (17; seed §5.2: n0 + floor(log10(N /
                                    1000))); a devnet sets 0 */
    uint32_t min_memory_kib, min_iterations;
    ec_node_config node;
    int log_level;               /* 0 error, 1 warn, 2 info (default), 3 debug */
    size_t peers_max;            /* the daemon's key/identity table (4096) */
    size_t sessions_max;         /* sessions (4096) */
    size_t verify_queue_max;     /* records waiting for the verifier (256) */
    size_t verify_cache_max;     /* verified records remembered (8192) */
    unsigned batch_packets;      /* datagrams per group commit (256) */
    unsigned waiting_max;        /* messages kept per peer whose key we are fetching (16) */
    /* Per source address (net/ratelimit.h): handshakes and probes, and
     * client requests, each a token bucket. */
    uint32_t handshakes_per_s, handshake_burst; /* 20, 40 */
    uint32_t requests_per_s, request_burst;     /* 200, 400 */
    /* Sessionless queries (net/query.h): the chance, in percent, that a
     * question this node cannot answer goes on to a nearer peer (100;
     * none while shedding load). */
    unsigned forward_percent;
    /* Chain sync (docs/CHAIN.md): rounds start once w - 1 peers are
     * admitted (or 3 s passed), then every node.sync_interval_ms (true). */
    bool sync;
} ec_daemon_config;

void ec_daemon_config_default(ec_daemon_config *c);

typedef struct ec_daemon ec_daemon;

/* Opens the socket, the status server and the worker. store and key stay
 * the caller's (they must outlive the daemon); record is our identity.
 * On failure *why (why_cap bytes) says what ("listen 0.0.0.0:7455: Address
 * already in use"). */
ec_err ec_daemon_new(ec_daemon **out, const ec_daemon_config *cfg, ec_store *store, const ec_keypair *key,
                     const uint8_t record[EC_IDENTITY_LEN], char *why, size_t why_cap);
/* Runs until *stop becomes non-zero (a signal handler sets it; SIGTERM and
 * SIGINT are blocked outside the wait, so none is missed), then finishes
 * the batch in flight and returns EC_OK. */
ec_err ec_daemon_run(ec_daemon *d, volatile sig_atomic_t *stop);
void ec_daemon_free(ec_daemon *d);

const ec_endpoint *ec_daemon_endpoint(const ec_daemon *d);
uint16_t ec_daemon_status_port(const ec_daemon *d);
const ec_id *ec_daemon_addr(const ec_daemon *d);
/* A drop counter of the daemon by its /metrics reason ("unverified",
 * "rate_handshake", ...; the session layer's as "session_<reason>"):
 * UINT64_MAX for a name it does not know. Not while ec_daemon_run runs
 * on another thread. */
uint64_t ec_daemon_drops(const ec_daemon *d, const char *reason);

#endif
