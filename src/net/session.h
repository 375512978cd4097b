/* The session layer: WireGuard's sessions (its paper §5-6 and timers)
 * over packet.h and a Noise_IK_25519_ChaChaPoly_BLAKE2b handshake, sans
 * IO. The caller (the UDP daemon, a test, the fuzzer) hands in datagrams,
 * the time and randomness, and takes out datagrams and events; this layer
 * owns no socket, reads no clock and draws no randomness of its own.
 *
 * One session per peer, keyed by the peer's static X25519 key. Each holds
 * up to three keypairs (next: ours as responder, until the initiator's
 * first DATA confirms it; current; previous, to read packets still in
 * flight), a queue of plaintexts waiting for a handshake, the peer's
 * endpoint (the source of its newest authenticated packet: roaming), and
 * the newest TAI64N its INITs carried (older or equal: replay).
 *
 * Handshakes start when there is something to send and no usable keypair,
 * or when the initiator of the current keypair sends on it after
 * rekey_after_ms (or after rekey_after_messages), and when it receives on
 * it close to reject_after_ms. An INIT goes out again every
 * rekey_timeout_ms + 0..333 ms until rekey_attempt_ms (then the queue is
 * dropped). A keypair past reject_after_ms or reject_after_messages is
 * neither used nor accepted; its keys are wiped at three times that age.
 *
 * Cheap before expensive: mac1 (keyed by our static public key) is checked
 * before any Diffie-Hellman; under load (the caller's flag) an INIT or RESP
 * must also carry mac2, a MAC keyed by a cookie bound to its source
 * endpoint, or it is answered with a COOKIE (at most one per endpoint per
 * second) and dropped. Every dropped datagram is counted by reason
 * (ec_sess_stats); none is ever answered except by a COOKIE.
 *
 * Memory: the table allocates once per new session (and grows its index
 * map then); the outbox is one ring allocated at creation; queued
 * plaintexts are allocated on the send path. The receive path allocates
 * nothing. One caller at a time: nothing here locks. */
#ifndef EC_NET_SESSION_H
#define EC_NET_SESSION_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/err.h"
#include "net/packet.h"
#include "wire/msg.h" /* ec_endpoint */

#define EC_SESS_PLAIN_MAX EC_PKT_PLAIN_MAX /* 1368: one DATA in 1400 bytes */
#define EC_SESS_KEY_LEN 32
#define EC_SESS_RECORD_LEN EC_PKT_RECORD_LEN

/* Fills buf with len random bytes: the OS CSPRNG in the daemon, a seeded
 * generator in tests. Ephemeral keys, indices, jitter and cookie secrets
 * all come from it. */
typedef void (*ec_sess_rand_fn)(void *arg, uint8_t *buf, size_t len);

typedef struct ec_sess_clock {
    uint64_t mono_ms; /* monotonic: every timer */
    uint64_t wall_ns; /* Unix time in ns: the TAI64N in our INITs */
} ec_sess_clock;

typedef struct ec_sess_config {
    uint8_t static_priv[32], static_pub[32]; /* our X25519 keys */
    bool has_record;                         /* a client has none */
    uint8_t record[EC_SESS_RECORD_LEN];      /* our identity record */
    uint32_t sessions_max;    /* 4096 */
    uint32_t queue_max;       /* plaintexts per peer awaiting a handshake, 16 */
    size_t outbox_max_bytes;  /* datagram bytes queued for the caller, 1 MiB */
    uint64_t rekey_after_ms;   /* 120 s */
    uint64_t reject_after_ms;  /* 180 s */
    uint64_t rekey_attempt_ms; /* 90 s */
    uint64_t rekey_timeout_ms; /* 5 s (+ 0..333 ms jitter) */
    uint64_t rekey_after_messages;  /* 2^60 */
    uint64_t reject_after_messages; /* 2^64 - 2^13 - 1 (the most allowed) */
} ec_sess_config;

void ec_sess_config_default(ec_sess_config *c);

typedef struct ec_sess ec_sess;

/* EC_ERR_ARG: NULL, static_pub not the public key of static_priv, a zero
 * limit, outbox_max_bytes below one datagram (EC_PKT_MTU), rekey_after_ms
 * not below reject_after_ms, a zero rekey_timeout_ms, or message limits
 * out of order or above 2^64 - 2^13 - 1. EC_ERR_NOMEM. */
ec_err ec_sess_new(ec_sess **out, const ec_sess_config *cfg,
                   ec_sess_rand_fn rand, void *rand_arg);
/* Wipes every key. NULL is allowed. */
void ec_sess_free(ec_sess *s);

/* Sends plaintext (len <= EC_SESS_PLAIN_MAX; 0 is allowed but the peer
 * takes it for a keepalive) to the peer with static key `peer` at `ep`.
 * `ep` is used until the peer has sent an authenticated packet (its source
 * wins from then on: roaming); it may be NULL when the session knows an
 * endpoint. Encrypts into the outbox if a usable keypair exists, else
 * queues the plaintext (at most queue_max; the oldest is dropped and
 * counted) and starts a handshake if none is under way.
 *   EC_OK          sent or queued
 *   EC_ERR_RANGE   len > EC_SESS_PLAIN_MAX (counted: dropped_too_big)
 *   EC_ERR_NOMEM   the table is full (dropped_table_full), the outbox is
 *                  full (dropped_outbox_full), or malloc failed
 *   EC_ERR_ARG     NULL arguments, our own key, or no endpoint known */
ec_err ec_sess_send(ec_sess *s, const ec_sess_clock *now,
                    const uint8_t peer[32], const ec_endpoint *ep,
                    const uint8_t *plain, size_t len);

typedef enum {
    EC_SESS_EV_NONE = 0, /* consumed (handshake step, keepalive, cookie) or
                            dropped (counted) */
    EC_SESS_EV_DATA,     /* a plaintext from peer */
    EC_SESS_EV_PEER_UP,  /* a handshake with peer completed: again at each
                            rekey, with the record of that handshake */
} ec_sess_ev_kind;

typedef struct ec_sess_event {
    ec_sess_ev_kind kind;
    uint8_t peer[32];   /* the peer's static key (DATA, PEER_UP) */
    ec_endpoint from;   /* where the datagram came from */
    bool has_record;    /* PEER_UP: the record its handshake carried */
    uint8_t record[EC_SESS_RECORD_LEN];
    bool initiator;     /* PEER_UP: we initiated */
    size_t len;         /* DATA: plaintext length, in the caller's buffer */
} ec_sess_event;

/* One inbound datagram from `from`. A DATA's plaintext goes to
 * plain[0..cap). EC_OK whether it was used or dropped (drops are counted,
 * ev->kind NONE). EC_ERR_ARG for NULL arguments; EC_ERR_RANGE when a valid
 * DATA's plaintext would not fit in cap (nothing changed: retry with
 * EC_SESS_PLAIN_MAX bytes). The datagram is not kept. */
ec_err ec_sess_recv(ec_sess *s, const ec_sess_clock *now,
                    const ec_endpoint *from, bool under_load,
                    const uint8_t *pkt, size_t len, uint8_t *plain, size_t cap,
                    ec_sess_event *ev);

/* Pops the next datagram (at most EC_PKT_MTU bytes) for *to: EC_OK,
 * EC_ERR_NOTFOUND when the outbox is empty, EC_ERR_RANGE when cap is
 * smaller than the datagram (*len says how big; it stays queued). */
ec_err ec_sess_next_out(ec_sess *s, ec_endpoint *to, uint8_t *buf, size_t cap,
                        size_t *len);

/* Runs the timers due at now: handshake retries and give-ups, keypair
 * wipes. Always EC_OK (EC_ERR_ARG for NULL). */
ec_err ec_sess_tick(ec_sess *s, const ec_sess_clock *now);
/* When ec_sess_tick should next run (mono ms); UINT64_MAX when nothing is
 * pending. Changes after every call that changes a session. */
uint64_t ec_sess_next_deadline(const ec_sess *s);

typedef struct ec_sess_stats {
    /* Datagrams (or, for the last four, plaintexts) dropped, by reason. */
    uint64_t dropped_short;        /* under 4 bytes */
    uint64_t dropped_version;      /* version not 1 */
    uint64_t dropped_type;         /* unknown type */
    uint64_t dropped_reserved;     /* reserved byte not zero */
    uint64_t dropped_length;       /* not its type's size */
    uint64_t dropped_mac1;         /* INIT/RESP with a wrong mac1 */
    uint64_t dropped_cookie_sent;  /* under load without mac2: a COOKIE went back */
    uint64_t dropped_cookie_limited; /* the same, the COOKIE rate-limited */
    uint64_t dropped_decrypt;      /* a tag that fails (any type), or a
                                      COOKIE for no mac1 of ours */
    uint64_t dropped_payload;      /* authenticated handshake payload that
                                      breaks its format */
    uint64_t dropped_replay;       /* DATA counter seen or too old */
    uint64_t dropped_init_replay;  /* INIT timestamp not newer */
    uint64_t dropped_init_flood;   /* INIT within 20 ms of the last */
    uint64_t dropped_unknown_index; /* no live session has the index */
    uint64_t dropped_expired;      /* keypair past its time or messages */
    uint64_t dropped_table_full;   /* a new peer, sessions_max reached */
    uint64_t dropped_queue_full;   /* plaintext pushed out of a full queue */
    uint64_t dropped_queue_failed; /* queued plaintext dropped: handshake
                                      gave up, or the peer was forgotten */
    uint64_t dropped_outbox_full;  /* datagram that did not fit the outbox */
    uint64_t dropped_too_big;      /* plaintext over EC_SESS_PLAIN_MAX */
    /* Events. */
    uint64_t handshakes_initiated; /* INITs sent, retries included */
    uint64_t handshakes_completed; /* as initiator or responder */
    uint64_t handshakes_failed;    /* gave up after rekey_attempt_ms */
    uint64_t rekeys;               /* completed handshakes that replaced a keypair */
    uint64_t cookies_sent, cookies_received;
    uint64_t data_in, data_out;    /* DATA with a payload */
    uint64_t keepalives;           /* empty DATA received */
    uint64_t keepalives_sent;
    /* Gauges (may go down). */
    uint32_t sessions;
    uint64_t outbox_bytes;         /* <= outbox_max_bytes */
} ec_sess_stats;

void ec_sess_get_stats(const ec_sess *s, ec_sess_stats *out);

/* For a status page: fn once per session (it must not call into s), with
 * its endpoint (len 0: none), whether it has a keypair to send on, the age
 * of its current keypair (0 when none) and when it last received an
 * authenticated packet (mono ms, 0: never), least recently active
 * first. */
void ec_sess_foreach(const ec_sess *s, uint64_t now_ms,
                     void (*fn)(void *arg, const uint8_t peer[32],
                                const ec_endpoint *ep, bool up,
                                uint64_t key_age_ms, uint64_t last_rx_ms),
                     void *arg);

/* Forgets a peer (the driver refused its identity): its session, queue
 * and indices go, its keys are wiped. Packets under its indices are then
 * unknown; a new INIT from it starts afresh. */
void ec_sess_forget(ec_sess *s, const uint8_t peer[32]);

#endif
