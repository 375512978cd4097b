/* Handshakes (session.h): INIT and RESP as Noise IK's two messages,
 * mac1/mac2 and COOKIE replies, and the keypairs they leave, as in
 * WireGuard's noise.c and cookie.c. */
#include <sodium.h>
#include <string.h>

#include "net/session_internal.h"

/* ---- MACs and cookies -------------------------------------------------- */

void sess_keyed_mac(uint8_t out[EC_PKT_MAC_LEN], const uint8_t *key,
                    size_t key_len, const uint8_t *b, size_t len)
{
    crypto_generichash(out, EC_PKT_MAC_LEN, b, len, key, key_len);
}

/* BLAKE2b-256(label || pub): the mac1 key ("mac1----") and the COOKIE
 * key ("cookie--") of the party whose static key is pub. */
void sess_derive_key(uint8_t out[32], const char label[8],
                     const uint8_t pub[32])
{
    crypto_generichash_state st;
    crypto_generichash_init(&st, NULL, 0, 32);
    crypto_generichash_update(&st, (const uint8_t *)label, 8);
    crypto_generichash_update(&st, pub, 32);
    crypto_generichash_final(&st, out, 32);
}

static bool mac1_ok(const ec_sess *s, const uint8_t *pkt, size_t off,
                    const uint8_t mac1[EC_PKT_MAC_LEN])
{
    uint8_t want[EC_PKT_MAC_LEN];
    sess_keyed_mac(want, s->mac1_key, sizeof s->mac1_key, pkt, off);
    return crypto_verify_16(want, mac1) == 0;
}

static bool secret_fresh(const ec_sess *s, uint64_t now_ms)
{
    return s->has_secret && now_ms >= s->secret_ms &&
           now_ms - s->secret_ms < SESS_COOKIE_SECRET_MS;
}

/* The cookie of a source endpoint: what only an owner of the address can
 * learn (it comes back there), valid while the secret lives. */
static void cookie_for(const ec_sess *s, const ec_endpoint *from,
                       uint8_t out[EC_PKT_COOKIE_LEN])
{
    uint8_t ep[1 + EC_ENDPOINT_MAX];
    size_t n = from->len <= EC_ENDPOINT_MAX ? from->len : EC_ENDPOINT_MAX;
    ep[0] = (uint8_t)n;
    memcpy(ep + 1, from->b, n);
    sess_keyed_mac(out, s->secret, sizeof s->secret, ep, 1 + n);
}

static bool mac2_ok(const ec_sess *s, uint64_t now_ms, const ec_endpoint *from,
                    const uint8_t *pkt, size_t off,
                    const uint8_t mac2[EC_PKT_MAC_LEN])
{
    uint8_t c[EC_PKT_COOKIE_LEN], want[EC_PKT_MAC_LEN];
    if (!secret_fresh(s, now_ms)) return false;
    cookie_for(s, from, c);
    sess_keyed_mac(want, c, sizeof c, pkt, off);
    return crypto_verify_16(want, mac2) == 0;
}

/* Under load, an INIT or RESP without a valid mac2: answer with the
 * cookie its sender must prove it got, once per endpoint per second (a
 * direct-mapped table: a collision only resets another endpoint's
 * limit). The reply is smaller than what it answers: no amplification. */
static void cookie_reply(ec_sess *s, uint64_t now_ms, const ec_endpoint *from,
                         uint32_t to_index, const uint8_t mac1[EC_PKT_MAC_LEN])
{
    uint8_t ep[1 + EC_ENDPOINT_MAX], h[crypto_shorthash_BYTES];
    size_t n = from->len <= EC_ENDPOINT_MAX ? from->len : EC_ENDPOINT_MAX;
    ep[0] = (uint8_t)n;
    memcpy(ep + 1, from->b, n);
    crypto_shorthash(h, ep, 1 + n, s->hash_key);
    uint64_t tag = 0;
    for (int i = 0; i < 8; i++) tag |= (uint64_t)h[i] << (8 * i);
    sess_rl_slot *rl = &s->rl[tag & (SESS_RL_SLOTS - 1)];
    if (rl->at_ms && rl->tag == tag && now_ms + 1 >= rl->at_ms &&
        now_ms + 1 - rl->at_ms < SESS_COOKIE_RATE_MS) {
        s->st.dropped_cookie_limited++;
        return;
    }
    rl->tag = tag;
    rl->at_ms = now_ms + 1; /* 0 means never */
    if (!secret_fresh(s, now_ms)) {
        sess_rand(s, s->secret, sizeof s->secret);
        s->secret_ms = now_ms;
        s->has_secret = true;
    }
    uint8_t c[EC_PKT_COOKIE_LEN];
    cookie_for(s, from, c);
    ec_pkt m;
    memset(&m, 0, sizeof m);
    m.type = EC_PKT_COOKIE;
    m.u.cookie.receiver = to_index;
    sess_rand(s, m.u.cookie.nonce, sizeof m.u.cookie.nonce);
    crypto_aead_xchacha20poly1305_ietf_encrypt(
        m.u.cookie.cookie, NULL, c, sizeof c, mac1, EC_PKT_MAC_LEN, NULL,
        m.u.cookie.nonce, s->cookie_key);
    size_t len;
    ec_pkt_encode(&m, s->pkt, sizeof s->pkt, &len);
    if (sess_out_push(s, from, s->pkt, len)) s->st.cookies_sent++;
    s->st.dropped_cookie_sent++;
}

/* The cheap checks every INIT and RESP passes before any DH: false if it
 * was dropped (counted) or answered with a COOKIE. */
static bool macs_pass(ec_sess *s, uint64_t now_ms, const ec_endpoint *from,
                      bool load, const uint8_t *pkt, size_t mac1_off,
                      const uint8_t *mac1, const uint8_t *mac2,
                      uint32_t sender)
{
    if (!mac1_ok(s, pkt, mac1_off, mac1)) {
        s->st.dropped_mac1++;
        return false;
    }
    if (load && !mac2_ok(s, now_ms, from, pkt, mac1_off + EC_PKT_MAC_LEN,
                         mac2)) {
        cookie_reply(s, now_ms, from, sender, mac1);
        return false;
    }
    return true;
}

void sess_on_cookie(ec_sess *s, const ec_sess_clock *now,
                    const ec_pkt_cookie *m)
{
    sess_peer *p = sess_index_find(s, m->receiver);
    if (p == NULL) {
        s->st.dropped_unknown_index++;
        return;
    }
    uint8_t c[EC_PKT_COOKIE_LEN];
    /* Only an answer to our latest INIT/RESP, and only once. */
    if (!p->sent_mac1_valid ||
        crypto_aead_xchacha20poly1305_ietf_decrypt(
            c, NULL, NULL, m->cookie, sizeof m->cookie, p->sent_mac1,
            EC_PKT_MAC_LEN, m->nonce, p->cookie_key) != 0) {
        s->st.dropped_decrypt++;
        return;
    }
    memcpy(p->cookie, c, sizeof c);
    p->cookie_ms = now->mono_ms;
    p->has_cookie = true;
    p->sent_mac1_valid = false;
    s->st.cookies_received++;
}

/* Encodes an INIT or RESP (macs zero in m) into s->pkt, seals it with
 * mac1 (p's key) and mac2 (p's cookie, while fresh), queues it for `to`. */
static void seal_and_push(ec_sess *s, sess_peer *p, uint64_t now_ms,
                          const ec_pkt *m, size_t mac1_off,
                          const ec_endpoint *to)
{
    size_t len;
    if (ec_pkt_encode(m, s->pkt, sizeof s->pkt, &len) != EC_OK) return;
    uint8_t *mac1 = s->pkt + mac1_off, *mac2 = mac1 + EC_PKT_MAC_LEN;
    sess_keyed_mac(mac1, p->mac1_key, sizeof p->mac1_key, s->pkt, mac1_off);
    memcpy(p->sent_mac1, mac1, EC_PKT_MAC_LEN);
    p->sent_mac1_valid = true;
    if (p->has_cookie && now_ms >= p->cookie_ms &&
        now_ms - p->cookie_ms < SESS_COOKIE_MS)
        sess_keyed_mac(mac2, p->cookie, sizeof p->cookie, s->pkt,
                       mac1_off + EC_PKT_MAC_LEN);
    sess_out_push(s, to, s->pkt, len);
}

/* ---- keypairs ------------------------------------------------------------ */

void sess_kp_drop(ec_sess *s, sess_keypair *kp)
{
    if (kp->live) sess_index_del(s, kp->local);
    sodium_memzero(kp, sizeof *kp);
}

/* *dst = *src, the index going with it (it maps to the same peer). */
static void kp_move(sess_keypair *dst, sess_keypair *src)
{
    *dst = *src;
    sodium_memzero(src, sizeof *src);
}

void sess_hs_drop(ec_sess *s, sess_peer *p)
{
    if (p->has_hs) sess_index_del(s, p->hs_index);
    ec_noise_handshake_clear(&p->hs);
    p->has_hs = false;
}

/* Initiator (WG's wg_noise_handshake_begin_session): the new keypair is
 * current at once; the old current, or an unconfirmed next, stays as
 * previous to read what is in flight. */
static void install_initiated(ec_sess *s, sess_peer *p, sess_keypair *kp)
{
    sess_kp_drop(s, &p->prev);
    if (p->next.live) {
        kp_move(&p->prev, &p->next);
        sess_kp_drop(s, &p->cur);
    } else {
        kp_move(&p->prev, &p->cur);
    }
    kp_move(&p->cur, kp);
}

void sess_confirm(ec_sess *s, sess_peer *p)
{
    sess_kp_drop(s, &p->prev);
    kp_move(&p->prev, &p->cur);
    kp_move(&p->cur, &p->next);
}

static void noise_config(const ec_sess *s, ec_noise_config *nc, bool ini,
                         const uint8_t *rs, const uint8_t *e)
{
    memset(nc, 0, sizeof *nc);
    nc->pattern = EC_NOISE_IK;
    nc->initiator = ini;
    nc->prologue = (const uint8_t *)SESS_PROLOGUE;
    nc->prologue_len = sizeof SESS_PROLOGUE - 1;
    nc->s_priv = s->cfg.static_priv;
    nc->rs = rs;
    nc->e_priv = e;
}

static void our_hello(const ec_sess *s, ec_pkt_hello *h)
{
    memset(h, 0, sizeof *h);
    h->has_record = s->cfg.has_record;
    if (h->has_record) memcpy(h->record, s->cfg.record, EC_PKT_RECORD_LEN);
}

static void peer_up(ec_sess_event *ev, const sess_peer *p,
                    const ec_pkt_hello *h, bool initiator)
{
    ev->kind = EC_SESS_EV_PEER_UP;
    memcpy(ev->peer, p->pub, 32);
    ev->has_record = h->has_record;
    memcpy(ev->record, h->record, EC_PKT_RECORD_LEN);
    ev->initiator = initiator;
}

/* ---- initiator ------------------------------------------------------------ */

void sess_send_init(ec_sess *s, sess_peer *p, const ec_sess_clock *now)
{
    uint8_t e[32], pl[EC_PKT_INIT_PAYLOAD];
    ec_noise_config nc;
    ec_pkt_hello h;
    ec_pkt m;
    size_t n;
    sess_hs_drop(s, p); /* a retry is a new handshake: new e, index, time */
    p->hs_sent_ms = now->mono_ms;
    p->hs_sent_any = true;
    p->hs_retry_ms = now->mono_ms + s->cfg.rekey_timeout_ms + sess_jitter(s);
    sess_rand(s, e, sizeof e);
    noise_config(s, &nc, true, p->pub, e);
    our_hello(s, &h);
    ec_pkt_tai64n(now->wall_ns, h.tai64n);
    ec_pkt_init_payload_encode(&h, pl);
    memset(&m, 0, sizeof m);
    m.type = EC_PKT_INIT;
    if (!sess_index_new(s, p, &p->hs_index)) goto out;
    m.u.init.sender = p->hs_index;
    if (ec_noise_init(&p->hs, &nc) != EC_OK ||
        ec_noise_write_message(&p->hs, pl, sizeof pl, m.u.init.noise,
                               sizeof m.u.init.noise, &n) != EC_OK) {
        sess_index_del(s, p->hs_index);
        ec_noise_handshake_clear(&p->hs);
        goto out;
    }
    p->has_hs = true;
    seal_and_push(s, p, now->mono_ms, &m, EC_PKT_INIT_MAC1, &p->ep);
    s->st.handshakes_initiated++;
out:
    sodium_memzero(e, sizeof e);
    sess_sched(s, p);
}

void sess_on_resp(ec_sess *s, const ec_sess_clock *now,
                  const ec_endpoint *from, bool load, const uint8_t *pkt,
                  const ec_pkt_resp *m, ec_sess_event *ev)
{
    if (!macs_pass(s, now->mono_ms, from, load, pkt, EC_PKT_RESP_MAC1,
                   m->mac1, m->mac2, m->sender))
        return;
    sess_peer *p = sess_index_find(s, m->receiver);
    if (p == NULL || !p->has_hs || p->hs_index != m->receiver) {
        s->st.dropped_unknown_index++;
        return;
    }
    /* On a copy: a forged RESP must not end the handshake it names. */
    ec_noise_handshake hs = p->hs;
    uint8_t pl[EC_PKT_RESP_PAYLOAD];
    ec_pkt_hello h;
    size_t n;
    sess_keypair kp;
    memset(&kp, 0, sizeof kp);
    if (ec_noise_read_message(&hs, m->noise, sizeof m->noise, pl, sizeof pl,
                              &n) != EC_OK) {
        s->st.dropped_decrypt++;
        goto out;
    }
    if (ec_pkt_resp_payload_decode(pl, n, &h) != EC_OK) {
        s->st.dropped_payload++;
        goto out;
    }
    if (ec_noise_split(&hs, &kp.send, &kp.recv, NULL) != EC_OK) goto out;
    ec_replay_init(&kp.replay);
    kp.birth_ms = now->mono_ms;
    kp.local = p->hs_index; /* the index passes to the keypair */
    kp.remote = m->sender;
    kp.live = kp.initiator = true;
    bool rekey = p->cur.live;
    ec_noise_handshake_clear(&p->hs);
    p->has_hs = false;
    install_initiated(s, p, &kp);
    sess_heard(s, p, from, now->mono_ms);
    s->st.handshakes_completed++;
    if (rekey) s->st.rekeys++;
    sess_attempt_done(s, p);
    /* Key confirmation: the responder may send only once it has read a
     * DATA under the new keys, so one goes at once, empty if need be. */
    if (!sess_flush(s, p, now->mono_ms)) sess_keepalive(s, p, now->mono_ms);
    peer_up(ev, p, &h, true);
out:
    ec_noise_handshake_clear(&hs);
    sodium_memzero(&kp, sizeof kp);
    sodium_memzero(pl, sizeof pl);
}

/* ---- responder ------------------------------------------------------------ */

/* The checks on an authenticated INIT from a known peer (WG's
 * consume_initiation): its timestamp must be newer than any before (else
 * it is a replay, perhaps of a genuine INIT), and one per 20 ms. */
static bool init_fresh(ec_sess *s, const sess_peer *p, uint64_t now_ms,
                       const uint8_t tai[EC_PKT_TAI64N_LEN])
{
    if (p->has_tai64n && memcmp(tai, p->tai64n, EC_PKT_TAI64N_LEN) <= 0) {
        s->st.dropped_init_replay++;
        return false;
    }
    if (p->has_tai64n && now_ms < p->last_init_ms + SESS_FLOOD_MS &&
        now_ms >= p->last_init_ms) {
        s->st.dropped_init_flood++;
        return false;
    }
    return true;
}

void sess_on_init(ec_sess *s, const ec_sess_clock *now,
                  const ec_endpoint *from, bool load, const uint8_t *pkt,
                  const ec_pkt_init *m, ec_sess_event *ev)
{
    if (!macs_pass(s, now->mono_ms, from, load, pkt, EC_PKT_INIT_MAC1,
                   m->mac1, m->mac2, m->sender))
        return;
    uint8_t e[32], rs[32], pl[EC_PKT_INIT_PAYLOAD], rpl[EC_PKT_RESP_PAYLOAD];
    ec_noise_handshake hs;
    ec_noise_config nc;
    ec_pkt_hello h, ours;
    sess_keypair kp;
    ec_pkt r;
    size_t n;
    ec_err err;
    memset(&kp, 0, sizeof kp);
    sess_rand(s, e, sizeof e);
    noise_config(s, &nc, false, NULL, e);
    if (ec_noise_init(&hs, &nc) != EC_OK) goto out;
    if (ec_noise_read_message(&hs, m->noise, sizeof m->noise, pl, sizeof pl,
                              &n) != EC_OK) {
        s->st.dropped_decrypt++;
        goto out;
    }
    if (ec_pkt_init_payload_decode(pl, n, &h) != EC_OK ||
        ec_noise_remote_static(&hs, rs) != EC_OK) {
        s->st.dropped_payload++;
        goto out;
    }
    sess_peer *p = sess_peer_find(s, rs);
    bool made = false;
    if (p == NULL) { /* new here, or forgotten: a tombstone gives it its last timestamp */
        if ((p = sess_peer_new(s, now, rs, &err)) == NULL) goto out;
        made = true;
    }
    if (!init_fresh(s, p, now->mono_ms, h.tai64n)) {
        if (made) sess_peer_free(s, p);
        goto out;
    }
    memcpy(p->tai64n, h.tai64n, EC_PKT_TAI64N_LEN);
    p->has_tai64n = true;
    p->last_init_ms = now->mono_ms;
    sess_heard(s, p, from, now->mono_ms);
    /* Both sides initiated at once: the handshake of the lower static key
     * wins. The other side drops its own (its RESP will find no index) and
     * waits for this one's confirmation, so both end on one keypair
     * instead of each sending on its own and reading on the other's. */
    if (p->has_hs && memcmp(s->cfg.static_pub, rs, 32) > 0) {
        sess_hs_drop(s, p);
        p->hs_retry_ms = now->mono_ms + s->cfg.rekey_timeout_ms +
                         sess_jitter(s);
    }
    sess_kp_drop(s, &p->next); /* as WG: an unconfirmed next and the */
    sess_kp_drop(s, &p->prev); /* previous go, room for the new one */
    if (!sess_index_new(s, p, &kp.local)) {
        s->st.dropped_table_full++;
        goto sched;
    }
    our_hello(s, &ours);
    ec_pkt_resp_payload_encode(&ours, rpl);
    memset(&r, 0, sizeof r);
    r.type = EC_PKT_RESP;
    r.u.resp.sender = kp.local;
    r.u.resp.receiver = m->sender;
    if (ec_noise_write_message(&hs, rpl, sizeof rpl, r.u.resp.noise,
                               sizeof r.u.resp.noise, &n) != EC_OK ||
        ec_noise_split(&hs, &kp.send, &kp.recv, NULL) != EC_OK) {
        sess_index_del(s, kp.local);
        goto sched;
    }
    ec_replay_init(&kp.replay);
    kp.birth_ms = now->mono_ms;
    kp.remote = m->sender;
    kp.live = true;
    bool rekey = p->cur.live;
    kp_move(&p->next, &kp);
    seal_and_push(s, p, now->mono_ms, &r, EC_PKT_RESP_MAC1, from);
    s->st.handshakes_completed++;
    if (rekey) s->st.rekeys++;
    peer_up(ev, p, &h, false);
sched:
    sess_sched(s, p);
out:
    ec_noise_handshake_clear(&hs);
    sodium_memzero(&kp, sizeof kp);
    sodium_memzero(e, sizeof e);
    sodium_memzero(pl, sizeof pl);
}
