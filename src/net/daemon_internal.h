/* The daemon's state, shared by daemon.c (loop), daemon_peers.c (keys,
 * identities, probes), daemon_client.c (client requests) and
 * daemon_status.c and daemon_evidence.c (status page). Not a public
 * header. */
#ifndef EC_NET_DAEMON_INTERNAL_H
#define EC_NET_DAEMON_INTERNAL_H

#include <glib.h>
#include <pthread.h>

#include "core/node.h"
#include "net/daemon.h"
#include "net/session.h"
#include "net/ratelimit.h"
#include "net/udp.h"
#include "net/verifier.h"

/* Packets outside the session layer (types 1-4 are its): a key probe and
 * the identity record that answers it. An unauthenticated first contact:
 * to reach a peer the core names by address, we need its static key,
 * which its record gives (and the record's proof of work binds to the
 * address, so a forged answer only fails verification). The probe is
 * padded to more than the answer: no amplification. */
#define DPKT_PROBE 5
#define DPKT_RECORD 6
#define DPKT_PROBE_LEN 160
#define DPKT_RECORD_LEN (4 + EC_IDENTITY_LEN)
#define PROBES_MAX 256        /* probes awaiting an answer */
#define PROBE_TIMEOUT_MS 2000
#define CLIENT_WAIT_MAX 1024  /* submissions whose outcome a client waits for */
#define JOIN_ASK_MAX 32       /* peers asked for our neighborhood at start */
#define EXCLUDED_MAX 1024     /* session keys of convicted peers remembered (the core keeps 1,024) */

/* Why a datagram or a message was dropped (counted; /metrics label). */
enum {
    DROP_PKT_TYPE,        /* not a packet type we know */
    DROP_PROBE_UNASKED,   /* a record nobody asked for */
    DROP_PROBE_RATE,      /* probes from one source too often */
    DROP_FRAME,           /* an empty or unknown frame */
    DROP_UNVERIFIED,      /* a core message from a peer whose identity is not verified */
    DROP_NO_KEY,          /* a message for an address whose key could not be fetched */
    DROP_WAIT_FULL,       /* messages waiting for a key: queue full */
    DROP_PEERS_FULL,      /* the peer table is full */
    DROP_VERIFY_FULL,     /* the verifier's queue is full */
    DROP_IDENTITY_BAD,    /* a record that fails verification */
    DROP_IDENTITY_WEAK,   /* a record below the admission floor */
    DROP_IDENTITY_KEY,    /* a record whose key is not the session's */
    DROP_CLIENT,          /* a malformed client request */
    DROP_RATE_HANDSHAKE,  /* handshakes or probes from one source too fast */
    DROP_RATE_REQUEST,    /* client requests or queries from one source too fast */
    DROP_QUERY,           /* a malformed QUERY datagram or FORWARD frame */
    DROP_QUERY_STORE,     /* a query the store failed to read for */
    DROP_ANSWER_UNASKED,  /* an ANSWER datagram: this node asks nobody sessionless */
    DROP_CONVICTED,       /* a session, record or message of a peer convicted here */
    DROP_REASONS
};
extern const char *const ec_daemon_drop_names[DROP_REASONS];

/* One peer we know a key or an identity of. */
typedef struct dpeer {
    uint8_t xkey[32];       /* its Noise static key (X25519), when known */
    bool has_xkey;
    bool has_addr;          /* verified identity: addr, edkey, record */
    ec_id addr;
    ec_pubkey edkey;
    uint8_t record[EC_IDENTITY_LEN];
    bool verifying;         /* its record is with the verifier */
    bool client;            /* a session with no record: a client */
    ec_endpoint ep;
    uint64_t last_rx_ms;
    uint64_t probe_rtt_ms;  /* our probe's round trip to it (0: none), a
                               sample for the core at its admission */
    /* Core messages for it, waiting for its key (address known, key not). */
    GQueue *waiting;        /* of GBytes; at most cfg.waiting_max */
    /* Core messages from it while its record is with the verifier: they
     * reach the node once it is admitted (a hello and a first question
     * arrive right behind the handshake). At most cfg.waiting_max. */
    GQueue *held;
} dpeer;

typedef struct probe {
    ec_endpoint ep;
    uint64_t at_ms;
    bool used;
} probe;

typedef struct ec_msg_mapping_ans {
    bool found;
    ec_id tx_id, owner;
    uint64_t timestamp_ms;
} ec_msg_mapping_ans;

#define OUTCOMES_KEPT 1024 /* recent outcomes, for clients that ask again */
typedef struct outcome_rec {
    ec_id tx_id;
    uint8_t type;
    int8_t mapping;
} outcome_rec;

/* A client's GET_HEAD this node cannot answer from its store: asked of the
 * w nearest peers it knows; answered when a majority of them agree. */
#define HEAD_QUERIES_MAX 64
#define HEAD_QUERY_MS 3000
typedef struct head_query {
    ec_id token;
    uint8_t xkey[32];
    uint32_t req_id;
    uint64_t deadline_ms;
    unsigned asked, need;
    ec_id asked_addr[16];
    bool answered[16];
    ec_msg_mapping_ans ans[16];
} head_query;

typedef struct client_wait {
    ec_id tx_id;
    uint8_t xkey[32];
    uint32_t req_id;
    uint64_t at_ms;
} client_wait;

struct ec_daemon {
    ec_daemon_config cfg;
    ec_store *store;
    ec_keypair key;
    uint8_t record[EC_IDENTITY_LEN];
    ec_id addr;
    uint8_t xpriv[32], xpub[32];
    ec_rng rng;
    ec_node *node;
    ec_sess *sess;
    ec_udp *udp;
    ec_verifier *ver;
    ec_ratelimit *rl_hs, *rl_req;
    bool load;              /* the last turn saw a flood: handshakes need cookies */
    unsigned required_bits; /* admission: max(min_bits, the network-size rule) */
    double netsize;         /* the estimate behind it (0: none yet) */
    uint64_t netsize_at_ms;
    int epfd;
    uint64_t mono0_ms;      /* CLOCK_MONOTONIC at start */
    uint64_t unix0_ms;      /* Unix time at start: now = unix0 + (mono - mono0) */
    /* Peers: by static key and by address (both point to the same dpeer). */
    GHashTable *by_xkey;    /* 32-byte key -> dpeer* (owns) */
    GHashTable *by_addr;    /* ec_id* -> dpeer* */
    GHashTable *pending_addr; /* ec_id* (owned) -> dpeer* without key: the core named it */
    probe probes[PROBES_MAX];
    size_t nprobes;
    client_wait waits[CLIENT_WAIT_MAX];
    size_t nwaits;
    head_query queries[HEAD_QUERIES_MAX];
    size_t nqueries;
    outcome_rec outcomes[OUTCOMES_KEPT];
    size_t noutcomes, outcome_next;
    uint64_t drops[DROP_REASONS];
    uint64_t commits, client_requests, peers_evicted;
    /* Exclusion (daemon_exclude.c): session keys of convicted peers. */
    GHashTable *excluded; /* 32-byte key (owned) -> itself */
    uint64_t peers_excluded, excluded_full;
    /* Sessionless queries (daemon_query.c). */
    uint64_t queries_answered, queries_forwarded, queries_shed, answers_too_large;
    /* Commit latency of our own submissions (ms), for /metrics. */
    uint64_t lat_bucket[12];
    uint64_t lat_sum_ms, lat_count;
    uint64_t last_bootstrap_ms;
    /* Join: the admitted peers asked for the peers nearest to us (each
     * once), Kademlia's self-lookup; their answers are probed. */
    ec_id join_asked[JOIN_ASK_MAX];
    bool join_answered[JOIN_ASK_MAX]; /* one answer each */
    size_t njoin;
    /* Refresh (Kademlia's bucket refresh): now and then two admitted
     * peers are asked for the peers nearest a random target; answers to
     * the last REFRESH_TARGETS targets are probed. */
    ec_id refresh_target[4];
    ec_id refresh_asked[4][2]; /* the peers asked, per target: only they are heard */
    bool refresh_answered[4][2];
    unsigned nrefresh;
    uint64_t refresh_at_ms;
    /* Resync after a start: every stored token we are responsible for is
     * asked of its neighborhood once (the core's catch-up), in store order
     * from resync_cursor. */
    bool resync_done, resync_any;
    bool sync_started;      /* ec_node_sync_start called */
    ec_id resync_cursor;
    uint64_t resync_tokens;
    /* Status page (daemon_status.c). */
    struct MHD_Daemon *http;
    uint16_t status_port;
    pthread_mutex_t snap_mu;
    char *snap_status, *snap_metrics;
    uint64_t snap_at_ms;
    /* /evidence (daemon_evidence.c): rebuilt when the node's conviction
     * count moves (and once at start), not every 250 ms. */
    char *snap_evidence;
    uint64_t snap_ev_mark; /* ec_node_stats.equivocations when it was built */
};

/* daemon.c */
uint64_t dmn_now(const ec_daemon *d);                /* monotonic ms */
void dmn_log(ec_daemon *d, int level, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
void dmn_sess_clock(const ec_daemon *d, ec_sess_clock *c);

/* daemon_peers.c */
ec_err dmn_peers_new(ec_daemon *d);
void dmn_peers_free(ec_daemon *d);
/* A core message for `to` (endpoint ep from the core, may be empty). */
void dmn_send_core(ec_daemon *d, const ec_id *to, const ec_endpoint *ep, const uint8_t *msg, size_t len);
/* A raw datagram of type 5/6. */
void dmn_on_probe_pkt(ec_daemon *d, const ec_endpoint *from, const uint8_t *pkt, size_t len);
void dmn_probe(ec_daemon *d, const ec_endpoint *ep);
/* A session came up (its record, if any, goes to the verifier). */
void dmn_on_peer_up(ec_daemon *d, const ec_sess_event *ev);
/* The peer behind a session key (NULL if unknown). */
dpeer *dmn_peer_by_xkey(ec_daemon *d, const uint8_t xkey[32]);
/* The verifier's results: admit or refuse. */
void dmn_on_verified(ec_daemon *d, const ec_verify_result *r);
/* The w (<= 16) admitted peers nearest to target, nearest first, with
 * ourselves among them if self: their count. */
unsigned dmn_nearest(ec_daemon *d, const ec_id *target, unsigned w, bool self, ec_id out[16]);
/* A core message from a peer being verified: kept for its admission. */
void dmn_hold(ec_daemon *d, dpeer *p, const uint8_t *msg, size_t len);
/* A PEERS message answering our join question (consumed: true). */
bool dmn_join_answer(ec_daemon *d, const ec_id *from, const uint8_t *msg, size_t len);
/* The core's identity check and identity events. */
ec_node_id_answer dmn_identity_check(void *arg, const ec_id *addr, const ec_pubkey *key);
void dmn_verify_record(ec_daemon *d, const uint8_t record[EC_IDENTITY_LEN]);
void dmn_peers_tick(ec_daemon *d);

/* daemon_exclude.c: convicted peers refused (the core convicts). */
ec_err dmn_exclude_new(ec_daemon *d);
void dmn_exclude_free(ec_daemon *d);
bool dmn_excluded_key(const ec_daemon *d, const uint8_t xkey[32]);
bool dmn_excluded_addr(const ec_daemon *d, const ec_id *addr);
/* Closes p's session, forgets it (p is freed) and remembers its key. */
void dmn_exclude_peer(ec_daemon *d, dpeer *p, const char *why);
/* The core convicted addr: its peer (if any) excluded. */
void dmn_exclude_addr(ec_daemon *d, const ec_id *addr);

/* daemon_client.c */
void dmn_on_client(ec_daemon *d, const uint8_t xkey[32], const uint8_t *p, size_t len);
void dmn_on_event(ec_daemon *d, const ec_node_event *ev);
void dmn_clients_tick(ec_daemon *d);
/* A core message from an admitted peer, before the node sees it: a
 * MAPPING may answer a client's head query. */
void dmn_client_peek(ec_daemon *d, const ec_id *from, const uint8_t *msg, size_t len);

/* daemon_query.c: a QUERY or ANSWER datagram (types 7, 8) from anyone;
 * a FORWARD frame from an admitted peer (from: its endpoint). */
void dmn_on_query_pkt(ec_daemon *d, const ec_endpoint *from, const uint8_t *pkt, size_t len);
void dmn_on_forward(ec_daemon *d, const ec_endpoint *from, const uint8_t *f, size_t len);

/* daemon_status.c */
ec_err dmn_status_start(ec_daemon *d, char *why, size_t why_cap);
void dmn_status_stop(ec_daemon *d);
void dmn_status_refresh(ec_daemon *d);

/* daemon_evidence.c: the /evidence page (JSON) from the node's stored
 * evidence, at most DMN_EVIDENCE_MAX entries, into d->snap_evidence (the
 * loop's thread only). */
#define DMN_EVIDENCE_MAX 1024
void dmn_evidence_refresh(ec_daemon *d);

#endif
