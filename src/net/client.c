/* The blocking client (client.h). */
#include "net/client.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sodium.h>

#include "core/identity.h"
#include "net/daemon_internal.h"
#include "net/frame.h"
#include "net/noise.h"
#include "net/sysclock.h"

#define RESEND_MS 500
#define INBOX_MAX 16 /* answers that came before they were waited for */

struct ec_client {
    ec_udp udp;
    ec_sess *sess;
    ec_endpoint node;
    uint8_t node_xkey[32];
    ec_pubkey node_key;
    uint32_t next_req;
    uint8_t plain[EC_SESS_PLAIN_MAX];
    /* One read can bring several answers (a submission's acknowledgment
     * and its outcome 20 ms later): those not asked for yet wait here. */
    struct {
        uint8_t f[EC_FRAME_RESP_HEAD + 64];
        size_t len;
    } inbox[INBOX_MAX];
    unsigned ninbox;
};

/* Takes an answer (req, op) from the inbox: true if one was there. */
static bool inbox_take(ec_client *c, uint32_t req, uint8_t op, int *code, uint8_t *resp, size_t cap, size_t *rlen)
{
    for (unsigned i = 0; i < c->ninbox; i++) {
        const uint8_t *p = c->inbox[i].f;
        uint32_t id = (uint32_t)p[1] | (uint32_t)p[2] << 8 | (uint32_t)p[3] << 16 | (uint32_t)p[4] << 24;
        if (id != req || p[5] != op) continue;
        *code = (int8_t)p[6];
        size_t n = c->inbox[i].len - EC_FRAME_RESP_HEAD;
        if (n > cap) n = cap;
        if (resp) memcpy(resp, p + EC_FRAME_RESP_HEAD, n);
        if (rlen) *rlen = n;
        c->inbox[i] = c->inbox[--c->ninbox];
        return true;
    }
    return false;
}

static void flush(ec_client *c)
{
    uint8_t pkt[EC_UDP_MTU];
    size_t len;
    ec_endpoint to;
    while (ec_sess_next_out(c->sess, &to, pkt, sizeof pkt, &len) == EC_OK) ec_udp_send(&c->udp, &to, pkt, len);
    ec_udp_flush(&c->udp);
}

static void wait_readable(const ec_client *c, uint64_t ms)
{
    struct pollfd p = {.fd = c->udp.fd, .events = POLLIN};
    (void)poll(&p, 1, ms > 1000 ? 1000 : (int)ms);
}

static ec_err probe_node(ec_client *c, uint64_t timeout_ms, char *why, size_t cap)
{
    uint64_t end = ec_sys_mono_ms() + timeout_ms, next = 0;
    uint8_t pkt[DPKT_PROBE_LEN];
    memset(pkt, 0, sizeof pkt);
    pkt[0] = 1;
    pkt[2] = DPKT_PROBE;
    size_t lens[EC_UDP_BATCH];
    ec_endpoint from[EC_UDP_BATCH];
    char ep[EC_ENDPOINT_STR_MAX];
    ec_endpoint_format(&c->node, ep);
    for (uint64_t now = ec_sys_mono_ms(); now < end; now = ec_sys_mono_ms()) {
        if (now >= next) {
            ec_udp_send(&c->udp, &c->node, pkt, sizeof pkt);
            ec_udp_flush(&c->udp);
            next = now + RESEND_MS;
        }
        wait_readable(c, next - now);
        unsigned n = ec_udp_recv(&c->udp, lens, from);
        for (unsigned i = 0; i < n; i++) {
            const uint8_t *r = c->udp.rbuf[i];
            if (lens[i] != DPKT_RECORD_LEN || r[2] != DPKT_RECORD || !ec_endpoint_eq(&from[i], &c->node)) continue;
            ec_identity id;
            if (ec_identity_decode(&id, r + 4, EC_IDENTITY_LEN) != EC_OK) {
                snprintf(why, cap, "%s answered with a malformed identity record", ep);
                return EC_ERR_MALFORMED;
            }
            if (ec_identity_check_signature(&id) != EC_OK) {
                snprintf(why, cap, "%s answered with an identity record whose signature fails", ep);
                return EC_ERR_SIGNATURE;
            }
            if (ec_noise_pub_from_ed25519(&id.public_key, c->node_xkey) != EC_OK) {
                snprintf(why, cap, "%s: its key does not convert to X25519", ep);
                return EC_ERR_MALFORMED;
            }
            c->node_key = id.public_key;
            return EC_OK;
        }
    }
    snprintf(why, cap, "no answer from %s within %.1f s (is a node running there?)", ep, timeout_ms / 1000.0);
    return EC_ERR_NOTFOUND;
}

ec_err ec_client_open(ec_client **out, const ec_endpoint *node, uint64_t timeout_ms, char *why, size_t why_cap)
{
    ec_client *c = calloc(1, sizeof *c);
    if (c == NULL) return EC_ERR_NOMEM;
    c->node = *node;
    ec_endpoint any;
    ec_endpoint_parse(&any, node->len == 18 ? "[::]:0" : "0.0.0.0:0");
    if (ec_udp_open(&c->udp, &any) != EC_OK) {
        snprintf(why, why_cap, "cannot open a UDP socket: %s", strerror(errno));
        free(c);
        return EC_ERR_IO;
    }
    ec_sess_config sc;
    ec_sess_config_default(&sc);
    randombytes_buf(sc.static_priv, 32); /* a fresh client key: no identity */
    crypto_scalarmult_base(sc.static_pub, sc.static_priv);
    sc.has_record = false;
    sc.sessions_max = 4;
    ec_err err = ec_sess_new(&c->sess, &sc, ec_sys_random, NULL);
    sodium_memzero(&sc, sizeof sc);
    if (err == EC_OK) err = probe_node(c, timeout_ms, why, why_cap);
    else snprintf(why, why_cap, "session: %s", ec_err_str(err));
    if (err != EC_OK) {
        ec_client_close(c);
        return err;
    }
    randombytes_buf(&c->next_req, sizeof c->next_req);
    *out = c;
    return EC_OK;
}

void ec_client_close(ec_client *c)
{
    if (c == NULL) return;
    ec_sess_free(c->sess);
    ec_udp_close(&c->udp);
    free(c);
}

const ec_pubkey *ec_client_node_key(const ec_client *c)
{
    return &c->node_key;
}

/* Pumps the socket until an answer (req, op) comes or `end`; re-sends
 * `frame` (when given) every RESEND_MS. */
static ec_err pump(ec_client *c, uint32_t req, uint8_t op, const uint8_t *frame, size_t flen, int *code,
                   uint8_t *resp, size_t cap, size_t *rlen, uint64_t end)
{
    uint64_t next = 0;
    size_t lens[EC_UDP_BATCH];
    ec_endpoint from[EC_UDP_BATCH];
    if (inbox_take(c, req, op, code, resp, cap, rlen)) return EC_OK;
    for (uint64_t now = ec_sys_mono_ms(); now < end; now = ec_sys_mono_ms()) {
        ec_sess_clock clk;
        ec_sys_clock(&clk);
        if (frame && now >= next) {
            ec_sess_send(c->sess, &clk, c->node_xkey, &c->node, frame, flen);
            next = now + RESEND_MS;
        }
        ec_sess_tick(c->sess, &clk);
        flush(c);
        uint64_t wake = frame ? next : end;
        wait_readable(c, wake > now ? wake - now : 1);
        unsigned n = ec_udp_recv(&c->udp, lens, from);
        bool found = false;
        for (unsigned i = 0; i < n; i++) {
            ec_sess_event ev;
            ec_sys_clock(&clk);
            ec_sess_recv(c->sess, &clk, &from[i], false, c->udp.rbuf[i], lens[i], c->plain, sizeof c->plain, &ev);
            if (ev.kind != EC_SESS_EV_DATA || memcmp(ev.peer, c->node_xkey, 32) != 0) continue;
            const uint8_t *p = c->plain;
            if (ev.len < EC_FRAME_RESP_HEAD || p[0] != EC_FRAME_RESP) continue;
            /* Kept (short answers only: outcomes, acknowledgments), then
             * taken if it is the one waited for. */
            if (ev.len <= sizeof c->inbox[0].f) {
                if (c->ninbox == INBOX_MAX) c->inbox[0] = c->inbox[--c->ninbox];
                memcpy(c->inbox[c->ninbox].f, p, ev.len);
                c->inbox[c->ninbox++].len = ev.len;
                continue;
            }
            uint32_t id = (uint32_t)p[1] | (uint32_t)p[2] << 8 | (uint32_t)p[3] << 16 | (uint32_t)p[4] << 24;
            if (found || id != req || p[5] != op) continue;
            *code = (int8_t)p[6];
            size_t n_body = ev.len - EC_FRAME_RESP_HEAD;
            if (n_body > cap) n_body = cap;
            if (resp) memcpy(resp, p + EC_FRAME_RESP_HEAD, n_body);
            if (rlen) *rlen = n_body;
            found = true; /* the rest of the batch still goes to the inbox */
        }
        if (found || inbox_take(c, req, op, code, resp, cap, rlen)) {
            flush(c);
            return EC_OK;
        }
    }
    return EC_ERR_NOTFOUND;
}

ec_err ec_client_call(ec_client *c, uint8_t op, const uint8_t *body, size_t len, uint32_t *req, int *code,
                      uint8_t *resp, size_t cap, size_t *rlen, uint64_t timeout_ms)
{
    uint8_t f[EC_SESS_PLAIN_MAX];
    if (len > sizeof f - EC_FRAME_REQ_HEAD) return EC_ERR_RANGE;
    uint32_t id = c->next_req++;
    f[0] = EC_FRAME_REQ;
    for (int i = 0; i < 4; i++) f[1 + i] = (uint8_t)(id >> (8 * i));
    f[5] = op;
    if (len) memcpy(f + EC_FRAME_REQ_HEAD, body, len);
    if (req) *req = id;
    return pump(c, id, op, f, EC_FRAME_REQ_HEAD + len, code, resp, cap, rlen, ec_sys_mono_ms() + timeout_ms);
}

ec_err ec_client_send_frame(ec_client *c, const uint8_t *frame, size_t len)
{
    ec_sess_clock clk;
    ec_sys_clock(&clk);
    ec_err err = ec_sess_send(c->sess, &clk, c->node_xkey, &c->node, frame, len);
    flush(c);
    return err;
}

ec_err ec_client_wait(ec_client *c, uint32_t req, uint8_t op, int *code, uint8_t *resp, size_t cap, size_t *rlen,
                      uint64_t timeout_ms)
{
    return pump(c, req, op, NULL, 0, code, resp, cap, rlen, ec_sys_mono_ms() + timeout_ms);
}
