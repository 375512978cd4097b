/* The session table (session.h): creation, the peer and index maps, the
 * least-recently-active order, the outbox ring, deadlines, statistics.
 * Handshakes are in session_hs.c, data and timers in session_data.c. */
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "net/session_internal.h"

#define OUT_HDR (2 + 1 + EC_ENDPOINT_MAX) /* len, ep len, ep bytes */
#define PEERS_CAP0 16
#define IDX_CAP0 64
#define IDX_PER_PEER 4 /* handshake + next + current + previous */
#define TIME_MAX_MS (UINT64_C(1) << 40) /* 35 years: sums cannot wrap */
#define OUTBOX_MAX (UINT64_C(1) << 30)

static uint64_t add_sat(uint64_t a, uint64_t b)
{
    return a > UINT64_MAX - b ? UINT64_MAX : a + b;
}

void ec_sess_config_default(ec_sess_config *c)
{
    memset(c, 0, sizeof *c);
    c->sessions_max = 4096;
    c->queue_max = 16;
    c->outbox_max_bytes = 1u << 20;
    c->rekey_after_ms = 120000;
    c->reject_after_ms = 180000;
    c->rekey_attempt_ms = 90000;
    c->rekey_timeout_ms = 5000;
    c->rekey_after_messages = UINT64_C(1) << 60;
    c->reject_after_messages = EC_REPLAY_REJECT_AFTER;
}

static bool config_ok(const ec_sess_config *c)
{
    uint8_t pub[32];
    if (crypto_scalarmult_base(pub, c->static_priv) != 0 ||
        sodium_memcmp(pub, c->static_pub, 32) != 0)
        return false;
    return c->sessions_max >= 1 && c->queue_max >= 1 &&
           c->outbox_max_bytes >= EC_PKT_MTU &&
           c->outbox_max_bytes <= OUTBOX_MAX && c->rekey_timeout_ms >= 1 &&
           c->rekey_timeout_ms <= TIME_MAX_MS && c->rekey_attempt_ms >= 1 &&
           c->rekey_attempt_ms <= TIME_MAX_MS &&
           c->rekey_after_ms < c->reject_after_ms &&
           c->reject_after_ms <= TIME_MAX_MS &&
           c->rekey_after_messages >= 1 &&
           c->rekey_after_messages <= c->reject_after_messages &&
           c->reject_after_messages <= EC_REPLAY_REJECT_AFTER;
}

ec_err ec_sess_new(ec_sess **out, const ec_sess_config *cfg,
                   ec_sess_rand_fn rand, void *rand_arg)
{
    if (sodium_init() < 0) return EC_ERR_CRYPTO;
    if (out == NULL || cfg == NULL || rand == NULL || !config_ok(cfg))
        return EC_ERR_ARG;
    ec_sess *s = calloc(1, sizeof *s);
    if (s == NULL) return EC_ERR_NOMEM;
    s->cfg = *cfg;
    s->rand = rand;
    s->rand_arg = rand_arg;
    /* Every datagram is at least EC_PKT_DATA_MIN bytes, so this many
     * headers is the most the byte bound lets in. */
    s->ring_cap = cfg->outbox_max_bytes +
                  (cfg->outbox_max_bytes / EC_PKT_DATA_MIN + 1) * OUT_HDR;
    s->ring = malloc(s->ring_cap);
    s->peers_cap = PEERS_CAP0;
    s->peers = calloc(s->peers_cap, sizeof *s->peers);
    s->idx_cap = IDX_CAP0;
    s->idx = calloc(s->idx_cap, sizeof *s->idx);
    if (s->ring == NULL || s->peers == NULL || s->idx == NULL) {
        ec_sess_free(s);
        return EC_ERR_NOMEM;
    }
    sess_rand(s, s->hash_key, sizeof s->hash_key);
    sess_derive_key(s->mac1_key, "mac1----", cfg->static_pub);
    sess_derive_key(s->cookie_key, "cookie--", cfg->static_pub);
    s->deadline = UINT64_MAX;
    *out = s;
    return EC_OK;
}

static void peer_release(sess_peer *p)
{
    while (p->q_head) {
        sess_queued *q = p->q_head;
        p->q_head = q->next;
        sodium_memzero(q->b, q->len);
        free(q);
    }
    sodium_memzero(p, sizeof *p);
    free(p);
}

void ec_sess_free(ec_sess *s)
{
    if (s == NULL) return;
    for (sess_peer *p = s->lru_head, *nx; p; p = nx) {
        nx = p->lru_next;
        peer_release(p);
    }
    free(s->peers);
    free(s->idx);
    if (s->ring) sodium_memzero(s->ring, s->ring_cap);
    free(s->ring);
    sodium_memzero(s, sizeof *s);
    free(s);
}

void sess_rand(ec_sess *s, void *buf, size_t len)
{
    s->rand(s->rand_arg, buf, len);
}

uint64_t sess_jitter(ec_sess *s)
{
    uint8_t b[2];
    sess_rand(s, b, sizeof b);
    return (uint64_t)(b[0] | b[1] << 8) % SESS_JITTER_MS;
}

/* ---- peers by static key ----------------------------------------------
 * Open addressing with linear probing, at most half full. The slot comes
 * from SipHash under a random key: static keys are the peers' choice, and
 * an attacker who could aim them at one slot would make every lookup
 * walk. */

static uint64_t pub_hash(const ec_sess *s, const uint8_t pub[32])
{
    uint8_t h[crypto_shorthash_BYTES];
    crypto_shorthash(h, pub, 32, s->hash_key);
    uint64_t v = 0;
    for (int i = 0; i < 8; i++) v |= (uint64_t)h[i] << (8 * i);
    return v;
}

static size_t peer_slot(const ec_sess *s, const sess_peer *p)
{
    size_t m = s->peers_cap - 1, i = p->hash & m;
    while (s->peers[i] != p) i = (i + 1) & m;
    return i;
}

sess_peer *sess_peer_find(const ec_sess *s, const uint8_t pub[32])
{
    uint64_t h = pub_hash(s, pub);
    size_t m = s->peers_cap - 1;
    for (size_t i = h & m;; i = (i + 1) & m) {
        sess_peer *p = s->peers[i];
        if (p == NULL) return NULL;
        if (p->hash == h && memcmp(p->pub, pub, 32) == 0) return p;
    }
}

static void peer_put(sess_peer **t, size_t cap, sess_peer *p)
{
    size_t i = p->hash & (cap - 1);
    while (t[i]) i = (i + 1) & (cap - 1);
    t[i] = p;
}

/* Backward-shift deletion: no tombstones, so lookups stay short. */
static void peer_del(ec_sess *s, sess_peer *p)
{
    size_t m = s->peers_cap - 1, i = peer_slot(s, p), j = i;
    s->peers[i] = NULL;
    for (;;) {
        j = (j + 1) & m;
        sess_peer *q = s->peers[j];
        if (q == NULL) break;
        size_t k = q->hash & m; /* q's home: it may move back to i unless
                                   its home lies cyclically in (i, j] */
        if ((j > i && (k <= i || k > j)) || (j < i && k <= i && k > j)) {
            s->peers[i] = q;
            s->peers[j] = NULL;
            i = j;
        }
    }
}

/* ---- receiver indices ------------------------------------------------- */

static size_t idx_home(uint32_t index, size_t cap)
{
    return (size_t)(((uint64_t)index * UINT64_C(0x9E3779B97F4A7C15)) >> 32) &
           (cap - 1);
}

sess_peer *sess_index_find(const ec_sess *s, uint32_t index)
{
    size_t m = s->idx_cap - 1;
    for (size_t i = idx_home(index, s->idx_cap);; i = (i + 1) & m) {
        if (s->idx[i].p == NULL) return NULL;
        if (s->idx[i].index == index) return s->idx[i].p;
    }
}

static void idx_put(sess_index_slot *t, size_t cap, uint32_t index,
                    sess_peer *p)
{
    size_t i = idx_home(index, cap);
    while (t[i].p) i = (i + 1) & (cap - 1);
    t[i].index = index;
    t[i].p = p;
}

bool sess_index_new(ec_sess *s, sess_peer *p, uint32_t *out)
{
    if ((s->nidx + 1) * 2 > s->idx_cap) return false; /* cannot happen:
                                                          grown per peer */
    for (int t = 0; t < SESS_INDEX_TRIES; t++) {
        uint8_t b[4];
        sess_rand(s, b, sizeof b);
        uint32_t v = (uint32_t)b[0] | (uint32_t)b[1] << 8 |
                     (uint32_t)b[2] << 16 | (uint32_t)b[3] << 24;
        if (sess_index_find(s, v)) continue;
        idx_put(s->idx, s->idx_cap, v, p);
        s->nidx++;
        *out = v;
        return true;
    }
    return false;
}

void sess_index_del(ec_sess *s, uint32_t index)
{
    size_t m = s->idx_cap - 1, i = idx_home(index, s->idx_cap), j;
    while (s->idx[i].p && s->idx[i].index != index) i = (i + 1) & m;
    if (s->idx[i].p == NULL) return;
    s->idx[i].p = NULL;
    s->nidx--;
    for (j = i;;) {
        j = (j + 1) & m;
        if (s->idx[j].p == NULL) break;
        size_t k = idx_home(s->idx[j].index, s->idx_cap);
        if ((j > i && (k <= i || k > j)) || (j < i && k <= i && k > j)) {
            s->idx[i] = s->idx[j];
            s->idx[j].p = NULL;
            i = j;
        }
    }
}

/* Room for one more peer and its indices, allocated now so that nothing
 * after it (on the receive path) needs to. */
static ec_err grow(ec_sess *s)
{
    size_t want = s->peers_cap;
    while ((size_t)(s->npeers + 1) * 2 > want) want *= 2;
    if (want != s->peers_cap) {
        sess_peer **t = calloc(want, sizeof *t);
        if (t == NULL) return EC_ERR_NOMEM;
        for (size_t i = 0; i < s->peers_cap; i++)
            if (s->peers[i]) peer_put(t, want, s->peers[i]);
        free(s->peers);
        s->peers = t;
        s->peers_cap = want;
    }
    want = s->idx_cap;
    while ((size_t)(s->npeers + 1) * IDX_PER_PEER * 2 > want) want *= 2;
    if (want != s->idx_cap) {
        sess_index_slot *t = calloc(want, sizeof *t);
        if (t == NULL) return EC_ERR_NOMEM;
        for (size_t i = 0; i < s->idx_cap; i++)
            if (s->idx[i].p) idx_put(t, want, s->idx[i].index, s->idx[i].p);
        free(s->idx);
        s->idx = t;
        s->idx_cap = want;
    }
    return EC_OK;
}

/* ---- least recently active first --------------------------------------- */

static void lru_unlink(ec_sess *s, sess_peer *p)
{
    if (p->lru_prev) p->lru_prev->lru_next = p->lru_next;
    else s->lru_head = p->lru_next;
    if (p->lru_next) p->lru_next->lru_prev = p->lru_prev;
    else s->lru_tail = p->lru_prev;
    p->lru_prev = p->lru_next = NULL;
}

static void lru_append(ec_sess *s, sess_peer *p)
{
    p->lru_prev = s->lru_tail;
    p->lru_next = NULL;
    if (s->lru_tail) s->lru_tail->lru_next = p;
    else s->lru_head = p;
    s->lru_tail = p;
}

void sess_heard(ec_sess *s, sess_peer *p, const ec_endpoint *from,
                uint64_t now_ms)
{
    p->ep = *from;
    p->ep_heard = true;
    p->last_rx_ms = now_ms;
    sess_touch(s, p, now_ms);
}

void sess_touch(ec_sess *s, sess_peer *p, uint64_t now_ms)
{
    if (now_ms > p->last_active_ms) p->last_active_ms = now_ms;
    if (s->lru_tail != p) {
        lru_unlink(s, p);
        lru_append(s, p);
    }
}

/* The head of the order, if it has been idle since reject_after_ms: no
 * keypair of it can still be used, nothing waits on it. */
static sess_peer *idle_peer(const ec_sess *s, uint64_t now_ms)
{
    sess_peer *p = s->lru_head;
    if (p == NULL || p->hs_active || p->q_len ||
        now_ms - p->last_active_ms < s->cfg.reject_after_ms ||
        now_ms < p->last_active_ms)
        return NULL;
    return p;
}

sess_peer *sess_peer_new(ec_sess *s, const ec_sess_clock *now,
                         const uint8_t pub[32], ec_err *err)
{
    if (s->npeers >= s->cfg.sessions_max) {
        sess_peer *old = idle_peer(s, now->mono_ms);
        if (old == NULL) {
            s->st.dropped_table_full++;
            *err = EC_ERR_NOMEM;
            return NULL;
        }
        sess_peer_free(s, old);
    }
    sess_peer *p = calloc(1, sizeof *p);
    if (p == NULL || grow(s) != EC_OK) {
        free(p);
        *err = EC_ERR_NOMEM;
        return NULL;
    }
    memcpy(p->pub, pub, 32);
    p->hash = pub_hash(s, pub);
    /* A peer seen before keeps its newest INIT timestamp (newest entry
     * first: a peer forgotten twice has two). */
    for (size_t k = 0; k < SESS_TOMBS; k++) {
        const struct sess_tomb *t = &s->tombs[(s->tomb_next + SESS_TOMBS - 1 - k) % SESS_TOMBS];
        if (t->used && memcmp(t->pub, pub, 32) == 0) {
            memcpy(p->tai64n, t->tai64n, EC_PKT_TAI64N_LEN);
            p->has_tai64n = true;
            break;
        }
    }
    sess_derive_key(p->mac1_key, "mac1----", pub);
    sess_derive_key(p->cookie_key, "cookie--", pub);
    p->deadline = UINT64_MAX;
    p->last_active_ms = now->mono_ms;
    peer_put(s->peers, s->peers_cap, p);
    s->npeers++;
    lru_append(s, p);
    *err = EC_OK;
    return p;
}

void sess_rescan(ec_sess *s)
{
    s->deadline = UINT64_MAX;
    for (const sess_peer *p = s->lru_head; p; p = p->lru_next)
        if (p->deadline < s->deadline) s->deadline = p->deadline;
}

void sess_peer_free(ec_sess *s, sess_peer *p)
{
    if (p->has_tai64n) {
        struct sess_tomb *t = &s->tombs[s->tomb_next];
        s->tomb_next = (s->tomb_next + 1) % SESS_TOMBS;
        memcpy(t->pub, p->pub, 32);
        memcpy(t->tai64n, p->tai64n, EC_PKT_TAI64N_LEN);
        t->used = true;
    }
    sess_queue_drop(s, p);
    sess_hs_drop(s, p);
    sess_kp_drop(s, &p->next);
    sess_kp_drop(s, &p->cur);
    sess_kp_drop(s, &p->prev);
    peer_del(s, p);
    lru_unlink(s, p);
    s->npeers--;
    bool was_min = p->deadline == s->deadline;
    peer_release(p);
    if (was_min) sess_rescan(s);
}

void ec_sess_forget(ec_sess *s, const uint8_t peer[32])
{
    if (s == NULL || peer == NULL) return;
    sess_peer *p = sess_peer_find(s, peer);
    if (p) sess_peer_free(s, p);
}

/* ---- deadlines ---------------------------------------------------------
 * The table's deadline is the least of its peers'. It goes down with any
 * one of them; when the peer that held it moves later, the peers are
 * scanned again (once per handshake or keypair event, not per packet). */

void sess_peer_deadline(const ec_sess *s, sess_peer *p)
{
    uint64_t d = UINT64_MAX;
    if (p->hs_active) {
        d = p->hs_retry_ms;
        uint64_t end = add_sat(p->hs_started_ms, s->cfg.rekey_attempt_ms);
        if (end < d) d = end;
    }
    const sess_keypair *kps[3] = {&p->next, &p->cur, &p->prev};
    uint64_t wipe = s->cfg.reject_after_ms * SESS_WIPE_FACTOR;
    for (int i = 0; i < 3; i++)
        if (kps[i]->live && add_sat(kps[i]->birth_ms, wipe) < d)
            d = add_sat(kps[i]->birth_ms, wipe);
    p->deadline = d;
}

void sess_sched(ec_sess *s, sess_peer *p)
{
    uint64_t old = p->deadline;
    sess_peer_deadline(s, p);
    uint64_t d = p->deadline;
    if (d < s->deadline) s->deadline = d;
    else if (old == s->deadline && d > old) sess_rescan(s);
}

uint64_t ec_sess_next_deadline(const ec_sess *s)
{
    return s ? s->deadline : UINT64_MAX;
}

/* ---- outbox: a ring of bytes ------------------------------------------ */

static void ring_write(ec_sess *s, size_t off, const uint8_t *b, size_t n)
{
    off %= s->ring_cap;
    size_t first = n < s->ring_cap - off ? n : s->ring_cap - off;
    memcpy(s->ring + off, b, first);
    memcpy(s->ring, b + first, n - first);
}

static void ring_read(const ec_sess *s, size_t off, uint8_t *b, size_t n)
{
    off %= s->ring_cap;
    size_t first = n < s->ring_cap - off ? n : s->ring_cap - off;
    memcpy(b, s->ring + off, first);
    memcpy(b + first, s->ring, n - first);
}

bool sess_out_push(ec_sess *s, const ec_endpoint *to, const uint8_t *b,
                   size_t len)
{
    uint8_t hdr[OUT_HDR] = {0};
    if (s->out_bytes + len > s->cfg.outbox_max_bytes ||
        s->ring_used + OUT_HDR + len > s->ring_cap || len > EC_PKT_MTU ||
        to->len > EC_ENDPOINT_MAX) {
        s->st.dropped_outbox_full++;
        return false;
    }
    hdr[0] = (uint8_t)len;
    hdr[1] = (uint8_t)(len >> 8);
    hdr[2] = to->len;
    memcpy(hdr + 3, to->b, to->len);
    size_t end = s->ring_start + s->ring_used;
    ring_write(s, end, hdr, OUT_HDR);
    ring_write(s, end + OUT_HDR, b, len);
    s->ring_used += OUT_HDR + len;
    s->ring_count++;
    s->out_bytes += len;
    return true;
}

ec_err ec_sess_next_out(ec_sess *s, ec_endpoint *to, uint8_t *buf, size_t cap,
                        size_t *len)
{
    if (s == NULL || to == NULL || len == NULL || (buf == NULL && cap))
        return EC_ERR_ARG;
    if (s->ring_count == 0) return EC_ERR_NOTFOUND;
    uint8_t hdr[OUT_HDR];
    ring_read(s, s->ring_start, hdr, OUT_HDR);
    size_t n = (size_t)hdr[0] | (size_t)hdr[1] << 8;
    *len = n;
    if (n > cap) return EC_ERR_RANGE; /* kept: the caller retries with room */
    memset(to, 0, sizeof *to);
    to->len = hdr[2];
    memcpy(to->b, hdr + 3, to->len);
    ring_read(s, s->ring_start + OUT_HDR, buf, n);
    s->ring_start = (s->ring_start + OUT_HDR + n) % s->ring_cap;
    s->ring_used -= OUT_HDR + n;
    s->ring_count--;
    s->out_bytes -= n;
    if (s->ring_count == 0) s->ring_start = 0;
    return EC_OK;
}

/* ---- reports ------------------------------------------------------------ */

void ec_sess_get_stats(const ec_sess *s, ec_sess_stats *out)
{
    if (s == NULL || out == NULL) return;
    *out = s->st;
    out->sessions = s->npeers;
    out->outbox_bytes = s->out_bytes;
}

void ec_sess_foreach(const ec_sess *s, uint64_t now_ms,
                     void (*fn)(void *arg, const uint8_t peer[32],
                                const ec_endpoint *ep, bool up,
                                uint64_t key_age_ms, uint64_t last_rx_ms),
                     void *arg)
{
    if (s == NULL || fn == NULL) return;
    for (sess_peer *p = s->lru_head; p; p = p->lru_next) {
        const sess_keypair *kp = sess_usable(s, p, now_ms);
        uint64_t age = p->cur.live && now_ms > p->cur.birth_ms
                           ? now_ms - p->cur.birth_ms
                           : 0;
        fn(arg, p->pub, &p->ep, kp != NULL, age, p->last_rx_ms);
    }
}
