/* The session layer's state, shared by session.c (tables, outbox,
 * timers' bookkeeping), session_hs.c (handshakes, keypairs, cookies) and
 * session_data.c (send, receive, tick). Not a public header. */
#ifndef EC_NET_SESSION_INTERNAL_H
#define EC_NET_SESSION_INTERNAL_H

#include "net/noise.h"
#include "net/replay.h"
#include "net/session.h"

#define SESS_PROLOGUE "ec/1"
#define SESS_FLOOD_MS 20           /* one INIT per peer per 20 ms (WG: 50/s) */
#define SESS_COOKIE_SECRET_MS 120000 /* the cookie secret's lifetime */
#define SESS_COOKIE_MS 120000      /* a received cookie is used this long */
#define SESS_COOKIE_RATE_MS 1000   /* one COOKIE per source endpoint per s */
#define SESS_JITTER_MS 334         /* INIT retries: + 0..333 ms */
#define SESS_KEEPALIVE_MS 10000    /* WG's KEEPALIVE_TIMEOUT (receive-side rekey) */
#define SESS_WIPE_FACTOR 3         /* keys wiped at 3 x reject_after_ms (WG) */
#define SESS_RL_SLOTS 1024         /* cookie rate limiter, direct-mapped */
#define SESS_INDEX_TRIES 64        /* random draws for a free index */
#define SESS_TOMBS 1024            /* forgotten peers whose INIT timestamp is kept */

/* One keypair: what one completed handshake gives. */
typedef struct sess_keypair {
    ec_noise_cipher send, recv;
    ec_replay replay;
    uint64_t send_counter; /* the next counter to send */
    uint64_t birth_ms;
    uint32_t local, remote; /* receiver indices: ours (in the index map), theirs */
    bool live;
    bool initiator; /* we sent the INIT: only then do we rekey on time */
} sess_keypair;

typedef struct sess_queued {
    struct sess_queued *next;
    size_t len;
    uint8_t b[];
} sess_queued;

typedef struct sess_peer {
    uint8_t pub[32];
    uint64_t hash;                /* keyed hash of pub: its table slot */
    uint8_t mac1_key[32];         /* mac1 of what we send it */
    uint8_t cookie_key[32];       /* its COOKIE replies to us */
    ec_endpoint ep;               /* where its datagrams go (len 0: none) */
    bool ep_heard;                /* ep is an authenticated packet's source */
    uint64_t last_rx_ms;          /* newest authenticated packet (0: none) */
    uint64_t last_active_ms;      /* for reuse of idle sessions (LRU order) */
    /* next: ours as responder, until its first DATA; current: sends;
     * previous: reads what is still in flight. */
    sess_keypair next, cur, prev;
    /* Our handshake attempt: from the first INIT until a keypair comes
     * or rekey_attempt_ms passes. hs/hs_index hold the latest INIT's
     * state (has_hs false: none in flight, e.g. lost a crossing). */
    bool hs_active, has_hs;
    ec_noise_handshake hs;
    uint32_t hs_index;
    uint64_t hs_started_ms, hs_retry_ms, hs_sent_ms;
    bool hs_sent_any;
    /* INITs from it: the newest timestamp, the last consumed. */
    uint8_t tai64n[EC_PKT_TAI64N_LEN];
    bool has_tai64n;
    uint64_t last_init_ms;
    /* Cookies: the mac1 of our last INIT/RESP (a COOKIE must answer it,
     * once), and the cookie it sent us. */
    uint8_t sent_mac1[EC_PKT_MAC_LEN];
    bool sent_mac1_valid;
    uint8_t cookie[EC_PKT_COOKIE_LEN];
    uint64_t cookie_ms;
    bool has_cookie;
    /* Plaintexts waiting for a keypair, oldest first. */
    sess_queued *q_head, *q_tail;
    uint32_t q_len;
    uint64_t deadline; /* its next timer, UINT64_MAX: none */
    struct sess_peer *lru_prev, *lru_next; /* least recently active first */
} sess_peer;

typedef struct sess_index_slot {
    uint32_t index;
    sess_peer *p; /* NULL: empty */
} sess_index_slot;

typedef struct sess_rl_slot {
    uint64_t tag, at_ms; /* at_ms 0: never */
} sess_rl_slot;

struct ec_sess {
    ec_sess_config cfg;
    ec_sess_rand_fn rand;
    void *rand_arg;
    uint8_t mac1_key[32];   /* mac1 of what we receive */
    uint8_t cookie_key[32]; /* our COOKIE replies */
    uint8_t secret[32];     /* cookie secret */
    uint64_t secret_ms;
    bool has_secret;
    uint8_t hash_key[16];   /* SipHash: peer table, rate limiter */
    /* Peers by static key: open addressing, linear probing. */
    sess_peer **peers;
    size_t peers_cap;
    uint32_t npeers;
    /* Receiver index -> peer (up to 4 per peer). */
    sess_index_slot *idx;
    size_t idx_cap, nidx;
    sess_peer *lru_head, *lru_tail;
    /* Outbox: a byte ring of [len u16][ep len u8][ep 18][datagram]. */
    uint8_t *ring;
    size_t ring_cap, ring_start, ring_used, ring_count;
    uint64_t out_bytes; /* datagram bytes queued */
    sess_rl_slot rl[SESS_RL_SLOTS];
    /* The newest INIT timestamp of peers forgotten or reused (a ring):
     * a peer that comes back starts from it, so an INIT recorded before
     * cannot open a session a second time. */
    struct sess_tomb {
        uint8_t pub[32];
        uint8_t tai64n[EC_PKT_TAI64N_LEN];
        bool used;
    } tombs[SESS_TOMBS];
    size_t tomb_next;
    uint64_t deadline; /* min of the peers' deadlines */
    ec_sess_stats st;
    uint8_t pkt[EC_PKT_MTU]; /* the datagram being built */
};

/* session.c */
sess_peer *sess_peer_find(const ec_sess *s, const uint8_t pub[32]);
/* A new session (reusing an idle one when the table is full); NULL and
 * counted when the table is full, NULL on malloc failure. */
sess_peer *sess_peer_new(ec_sess *s, const ec_sess_clock *now,
                         const uint8_t pub[32], ec_err *err);
void sess_peer_free(ec_sess *s, sess_peer *p);
void sess_touch(ec_sess *s, sess_peer *p, uint64_t now_ms);
sess_peer *sess_index_find(const ec_sess *s, uint32_t index);
/* A fresh random index mapped to p; false if none was found. */
bool sess_index_new(ec_sess *s, sess_peer *p, uint32_t *out);
void sess_index_del(ec_sess *s, uint32_t index);
/* Queues a datagram for `to`: false (counted) if the outbox is full. */
bool sess_out_push(ec_sess *s, const ec_endpoint *to, const uint8_t *b,
                   size_t len);
/* Recomputes p's deadline and the table's; sess_peer_deadline only p's
 * (a tick does one sess_rescan after all of them). */
void sess_sched(ec_sess *s, sess_peer *p);
void sess_peer_deadline(const ec_sess *s, sess_peer *p);
void sess_rescan(ec_sess *s);
/* An authenticated packet from p came from `from`: roaming. */
void sess_heard(ec_sess *s, sess_peer *p, const ec_endpoint *from,
                uint64_t now_ms);
void sess_rand(ec_sess *s, void *buf, size_t len);
uint64_t sess_jitter(ec_sess *s);

/* session_hs.c */
void sess_keyed_mac(uint8_t out[EC_PKT_MAC_LEN], const uint8_t *key,
                    size_t key_len, const uint8_t *b, size_t len);
void sess_derive_key(uint8_t out[32], const char label[8],
                     const uint8_t pub[32]);
void sess_kp_drop(ec_sess *s, sess_keypair *kp);
void sess_hs_drop(ec_sess *s, sess_peer *p);
/* Sends a new INIT now (retries included). */
void sess_send_init(ec_sess *s, sess_peer *p, const ec_sess_clock *now);
void sess_on_init(ec_sess *s, const ec_sess_clock *now,
                  const ec_endpoint *from, bool load, const uint8_t *pkt,
                  const ec_pkt_init *m, ec_sess_event *ev);
void sess_on_resp(ec_sess *s, const ec_sess_clock *now,
                  const ec_endpoint *from, bool load, const uint8_t *pkt,
                  const ec_pkt_resp *m, ec_sess_event *ev);
void sess_on_cookie(ec_sess *s, const ec_sess_clock *now,
                    const ec_pkt_cookie *m);
/* The responder's keypair p->next is confirmed: it becomes current. */
void sess_confirm(ec_sess *s, sess_peer *p);

/* session_data.c */
/* A keypair to send on (current, young enough, counter left), or NULL. */
sess_keypair *sess_usable(const ec_sess *s, sess_peer *p, uint64_t now_ms);
/* Starts a handshake attempt unless one is under way. */
void sess_want_handshake(ec_sess *s, sess_peer *p, const ec_sess_clock *now);
/* A handshake attempt succeeded: stop retrying. */
void sess_attempt_done(ec_sess *s, sess_peer *p);
/* Sends the queue on the current keypair; true if anything was sent. */
bool sess_flush(ec_sess *s, sess_peer *p, uint64_t now_ms);
/* Sends an empty DATA. */
void sess_keepalive(ec_sess *s, sess_peer *p, uint64_t now_ms);
void sess_queue_drop(ec_sess *s, sess_peer *p);

#endif
