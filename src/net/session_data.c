/* Data and timers (session.h): sending, the queue that waits for a
 * handshake, receiving, and the tick, as WireGuard's send.c, receive.c
 * and timers.c. */
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "net/session_internal.h"

static uint64_t age(uint64_t now_ms, uint64_t birth_ms)
{
    return now_ms >= birth_ms ? now_ms - birth_ms : 0;
}

sess_keypair *sess_usable(const ec_sess *s, sess_peer *p, uint64_t now_ms)
{
    sess_keypair *kp = &p->cur;
    if (!kp->live || age(now_ms, kp->birth_ms) >= s->cfg.reject_after_ms ||
        kp->send_counter >= s->cfg.reject_after_messages)
        return NULL;
    return kp;
}

void sess_want_handshake(ec_sess *s, sess_peer *p, const ec_sess_clock *now)
{
    if (p->hs_active || p->ep.len == 0) return;
    p->hs_active = true;
    p->hs_started_ms = now->mono_ms;
    /* No INIT if the peer's own handshake waits for its confirmation (it
     * is one round trip away), nor more than one per rekey_timeout_ms:
     * the retry timer sends it if it is still wanted then. */
    bool confirming = p->next.live &&
                      age(now->mono_ms, p->next.birth_ms) <
                          s->cfg.rekey_timeout_ms;
    bool recent = p->hs_sent_any &&
                  age(now->mono_ms, p->hs_sent_ms) < s->cfg.rekey_timeout_ms;
    if (confirming || recent) {
        p->hs_retry_ms = now->mono_ms + s->cfg.rekey_timeout_ms +
                         sess_jitter(s);
        sess_sched(s, p);
    } else {
        sess_send_init(s, p, now);
    }
}

void sess_attempt_done(ec_sess *s, sess_peer *p)
{
    p->hs_active = false;
    sess_hs_drop(s, p);
    sess_sched(s, p);
}

/* One DATA on kp to p's endpoint; its counter is spent either way. */
static bool send_on(ec_sess *s, sess_peer *p, sess_keypair *kp,
                    const uint8_t *plain, size_t len)
{
    uint64_t c = kp->send_counter;
    size_t n;
    ec_pkt_data_head(s->pkt, kp->remote, c);
    if (ec_noise_cipher_encrypt_n(&kp->send, c, s->pkt, EC_PKT_DATA_HEAD,
                                  plain, len, s->pkt + EC_PKT_DATA_HEAD,
                                  sizeof s->pkt - EC_PKT_DATA_HEAD,
                                  &n) != EC_OK)
        return false;
    kp->send_counter++;
    if (!sess_out_push(s, &p->ep, s->pkt, EC_PKT_DATA_HEAD + n)) return false;
    if (len) s->st.data_out++;
    else s->st.keepalives_sent++;
    return true;
}

/* WG's keep_key_fresh on send: rekey after rekey_after_messages, and on
 * time, but only by the initiator (both would otherwise start at once). */
static void fresh_after_send(ec_sess *s, sess_peer *p, const sess_keypair *kp,
                             const ec_sess_clock *now)
{
    if (kp->send_counter >= s->cfg.rekey_after_messages ||
        (kp->initiator &&
         age(now->mono_ms, kp->birth_ms) >= s->cfg.rekey_after_ms))
        sess_want_handshake(s, p, now);
}

bool sess_flush(ec_sess *s, sess_peer *p, uint64_t now_ms)
{
    sess_keypair *kp = sess_usable(s, p, now_ms);
    bool any = false;
    if (kp == NULL) return false;
    while (p->q_head) {
        sess_queued *q = p->q_head;
        p->q_head = q->next;
        if (p->q_head == NULL) p->q_tail = NULL;
        p->q_len--;
        any |= send_on(s, p, kp, q->b, q->len);
        sodium_memzero(q->b, q->len);
        free(q);
    }
    return any;
}

void sess_keepalive(ec_sess *s, sess_peer *p, uint64_t now_ms)
{
    sess_keypair *kp = sess_usable(s, p, now_ms);
    if (kp) send_on(s, p, kp, NULL, 0);
}

void sess_queue_drop(ec_sess *s, sess_peer *p)
{
    while (p->q_head) {
        sess_queued *q = p->q_head;
        p->q_head = q->next;
        sodium_memzero(q->b, q->len);
        free(q);
        s->st.dropped_queue_failed++;
    }
    p->q_tail = NULL;
    p->q_len = 0;
}

static ec_err enqueue(ec_sess *s, sess_peer *p, const uint8_t *plain,
                      size_t len)
{
    sess_queued *q = malloc(sizeof *q + len);
    if (q == NULL) return EC_ERR_NOMEM;
    if (p->q_len >= s->cfg.queue_max) { /* the oldest goes, as WG's staged queue */
        sess_queued *old = p->q_head;
        p->q_head = old->next;
        if (p->q_head == NULL) p->q_tail = NULL;
        p->q_len--;
        sodium_memzero(old->b, old->len);
        free(old);
        s->st.dropped_queue_full++;
    }
    q->next = NULL;
    q->len = len;
    if (len) memcpy(q->b, plain, len);
    if (p->q_tail) p->q_tail->next = q;
    else p->q_head = q;
    p->q_tail = q;
    p->q_len++;
    return EC_OK;
}

ec_err ec_sess_send(ec_sess *s, const ec_sess_clock *now,
                    const uint8_t peer[32], const ec_endpoint *ep,
                    const uint8_t *plain, size_t len)
{
    if (s == NULL || now == NULL || peer == NULL || (plain == NULL && len) ||
        (ep && ep->len > EC_ENDPOINT_MAX))
        return EC_ERR_ARG;
    if (len > EC_SESS_PLAIN_MAX) {
        s->st.dropped_too_big++;
        return EC_ERR_RANGE;
    }
    if (sodium_memcmp(peer, s->cfg.static_pub, 32) == 0) return EC_ERR_ARG;
    bool has_ep = ep && ep->len;
    sess_peer *p = sess_peer_find(s, peer);
    ec_err err;
    if (p == NULL) {
        if (!has_ep) return EC_ERR_ARG;
        if ((p = sess_peer_new(s, now, peer, &err)) == NULL) return err;
    }
    /* The caller's endpoint until the peer is heard; then roaming rules. */
    if (has_ep && !p->ep_heard) p->ep = *ep;
    if (p->ep.len == 0) return EC_ERR_ARG;
    sess_touch(s, p, now->mono_ms);
    sess_keypair *kp = sess_usable(s, p, now->mono_ms);
    if (kp == NULL) {
        if ((err = enqueue(s, p, plain, len)) != EC_OK) return err;
        sess_want_handshake(s, p, now);
        return EC_OK;
    }
    sess_flush(s, p, now->mono_ms); /* what waited goes first */
    bool sent = send_on(s, p, kp, plain, len);
    fresh_after_send(s, p, kp, now);
    return sent ? EC_OK : EC_ERR_NOMEM;
}

/* ---- receive ------------------------------------------------------------ */

static sess_keypair *kp_of(sess_peer *p, uint32_t index)
{
    sess_keypair *kps[3] = {&p->cur, &p->prev, &p->next};
    for (int i = 0; i < 3; i++)
        if (kps[i]->live && kps[i]->local == index) return kps[i];
    return NULL;
}

/* WG's keep_key_fresh on receive: the initiator rekeys when what it reads
 * comes on a keypair close to its end (a keepalive and a handshake's
 * retry before reject_after_ms), should it be sending nothing itself. */
static uint64_t recv_rekey_ms(const ec_sess *s)
{
    uint64_t slack = s->cfg.rekey_timeout_ms + SESS_KEEPALIVE_MS;
    uint64_t t = s->cfg.reject_after_ms > slack ? s->cfg.reject_after_ms - slack
                                                : 0;
    return t > s->cfg.rekey_after_ms ? t : s->cfg.rekey_after_ms;
}

static ec_err on_data(ec_sess *s, const ec_sess_clock *now,
                      const ec_endpoint *from, const uint8_t *pkt,
                      const ec_pkt_data *m, uint8_t *plain, size_t cap,
                      ec_sess_event *ev)
{
    sess_peer *p = sess_index_find(s, m->receiver);
    sess_keypair *kp = p ? kp_of(p, m->receiver) : NULL;
    if (kp == NULL) {
        s->st.dropped_unknown_index++;
        return EC_OK;
    }
    size_t want = m->ct_len - EC_PKT_TAG_LEN, n;
    if (want > cap) return EC_ERR_RANGE;
    uint64_t now_ms = now->mono_ms;
    if (age(now_ms, kp->birth_ms) >= s->cfg.reject_after_ms ||
        m->counter >= s->cfg.reject_after_messages) {
        s->st.dropped_expired++;
        return EC_OK;
    }
    if (!ec_replay_check(&kp->replay, m->counter)) {
        s->st.dropped_replay++;
        return EC_OK;
    }
    uint8_t none[1];
    if (ec_noise_cipher_decrypt_n(&kp->recv, m->counter, pkt,
                                  EC_PKT_DATA_HEAD, m->ct, m->ct_len,
                                  plain ? plain : none, cap, &n) != EC_OK) {
        s->st.dropped_decrypt++;
        return EC_OK;
    }
    if (!ec_replay_mark(&kp->replay, m->counter)) { /* only after the tag */
        s->st.dropped_replay++;
        return EC_OK;
    }
    sess_heard(s, p, from, now_ms);
    bool initiated_cur = kp == &p->cur && kp->initiator;
    uint64_t kp_age = age(now_ms, kp->birth_ms);
    if (kp == &p->next) {
        /* The initiator has the keys: ours may send now (kp moves). */
        sess_confirm(s, p);
        sess_attempt_done(s, p);
        sess_flush(s, p, now_ms);
    } else if (initiated_cur && kp_age >= recv_rekey_ms(s)) {
        sess_want_handshake(s, p, now);
    }
    if (n == 0) {
        s->st.keepalives++;
        return EC_OK;
    }
    s->st.data_in++;
    ev->kind = EC_SESS_EV_DATA;
    memcpy(ev->peer, p->pub, 32);
    ev->len = n;
    return EC_OK;
}

ec_err ec_sess_recv(ec_sess *s, const ec_sess_clock *now,
                    const ec_endpoint *from, bool under_load,
                    const uint8_t *pkt, size_t len, uint8_t *plain, size_t cap,
                    ec_sess_event *ev)
{
    if (s == NULL || now == NULL || from == NULL || ev == NULL ||
        (pkt == NULL && len) || (plain == NULL && cap) ||
        from->len > EC_ENDPOINT_MAX)
        return EC_ERR_ARG;
    memset(ev, 0, sizeof *ev);
    ev->from = *from;
    ec_pkt m;
    switch (ec_pkt_decode(pkt, len, &m)) {
    case EC_PKT_OK: break;
    case EC_PKT_BAD_SHORT: s->st.dropped_short++; return EC_OK;
    case EC_PKT_BAD_VERSION: s->st.dropped_version++; return EC_OK;
    case EC_PKT_BAD_TYPE: s->st.dropped_type++; return EC_OK;
    case EC_PKT_BAD_RESERVED: s->st.dropped_reserved++; return EC_OK;
    case EC_PKT_BAD_LENGTH: s->st.dropped_length++; return EC_OK;
    }
    switch (m.type) {
    case EC_PKT_INIT:
        sess_on_init(s, now, from, under_load, pkt, &m.u.init, ev);
        break;
    case EC_PKT_RESP:
        sess_on_resp(s, now, from, under_load, pkt, &m.u.resp, ev);
        break;
    case EC_PKT_COOKIE: sess_on_cookie(s, now, &m.u.cookie); break;
    case EC_PKT_DATA:
        return on_data(s, now, from, pkt, &m.u.data, plain, cap, ev);
    }
    return EC_OK;
}

/* ---- timers ------------------------------------------------------------- */

static void tick_peer(ec_sess *s, sess_peer *p, const ec_sess_clock *now)
{
    uint64_t now_ms = now->mono_ms;
    if (p->hs_active) {
        if (age(now_ms, p->hs_started_ms) >= s->cfg.rekey_attempt_ms) {
            /* WG gives up after REKEY_ATTEMPT_TIME and drops what waited. */
            s->st.handshakes_failed++;
            sess_queue_drop(s, p);
            p->hs_active = false;
            sess_hs_drop(s, p);
        } else if (now_ms >= p->hs_retry_ms) {
            sess_send_init(s, p, now);
        }
    }
    uint64_t wipe = s->cfg.reject_after_ms * SESS_WIPE_FACTOR;
    sess_keypair *kps[3] = {&p->next, &p->cur, &p->prev};
    for (int i = 0; i < 3; i++)
        if (kps[i]->live && age(now_ms, kps[i]->birth_ms) >= wipe)
            sess_kp_drop(s, kps[i]);
    sess_peer_deadline(s, p);
}

ec_err ec_sess_tick(ec_sess *s, const ec_sess_clock *now)
{
    if (s == NULL || now == NULL) return EC_ERR_ARG;
    if (now->mono_ms < s->deadline) return EC_OK;
    for (sess_peer *p = s->lru_head; p; p = p->lru_next)
        if (p->deadline <= now->mono_ms) tick_peer(s, p, now);
    sess_rescan(s);
    return EC_OK;
}
