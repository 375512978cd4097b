/* Client requests (net/frame.h): submit a transaction and hear its
 * outcome, read a head or a transaction from this node's store, a status
 * check. Anyone with a session may ask (a client's session carries no
 * identity); answers go back on the same session. */
#include <stdlib.h>
#include <string.h>

#include "core/life.h"
#include "net/daemon_internal.h"
#include "net/frame.h"

#define WAIT_MS 120000 /* an outcome still unknown after this is not waited for */

static void put_u32(uint8_t *p, uint32_t v)
{
    for (int i = 0; i < 4; i++) p[i] = (uint8_t)(v >> (8 * i));
}

static void put_u64(uint8_t *p, uint64_t v)
{
    for (int i = 0; i < 8; i++) p[i] = (uint8_t)(v >> (8 * i));
}

static void reply(ec_daemon *d, const uint8_t xkey[32], uint32_t req, uint8_t op, ec_err code,
                  const uint8_t *body, size_t len)
{
    uint8_t f[EC_FRAME_RESP_HEAD + EC_TX_MAX_LEN + 64];
    if (len > sizeof f - EC_FRAME_RESP_HEAD) return;
    f[0] = EC_FRAME_RESP;
    put_u32(f + 1, req);
    f[5] = op;
    f[6] = (uint8_t)(int8_t)code;
    if (len) memcpy(f + EC_FRAME_RESP_HEAD, body, len);
    ec_sess_clock c;
    dmn_sess_clock(d, &c);
    ec_sess_send(d->sess, &c, xkey, NULL, f, EC_FRAME_RESP_HEAD + len);
}

static void wait_outcome(ec_daemon *d, const uint8_t xkey[32], uint32_t req, const ec_id *tx_id)
{
    for (size_t i = 0; i < d->nwaits; i++) /* a re-sent request: waiting already */
        if (d->waits[i].req_id == req && memcmp(d->waits[i].xkey, xkey, 32) == 0 &&
            ec_id_cmp(&d->waits[i].tx_id, tx_id) == 0)
            return;
    if (d->nwaits == CLIENT_WAIT_MAX) {
        /* The oldest waiter loses: it can still read the head. */
        memmove(d->waits, d->waits + 1, (CLIENT_WAIT_MAX - 1) * sizeof d->waits[0]);
        d->nwaits--;
    }
    client_wait *w = &d->waits[d->nwaits++];
    w->tx_id = *tx_id;
    memcpy(w->xkey, xkey, 32);
    w->req_id = req;
    w->at_ms = dmn_now(d);
}

static void send_outcome(ec_daemon *d, const uint8_t xkey[32], uint32_t req, uint8_t type, int mapping,
                         const ec_id *tx_id)
{
    uint8_t body[2 + 32];
    body[0] = type;
    body[1] = (uint8_t)(int8_t)mapping;
    memcpy(body + 2, tx_id->b, 32);
    reply(d, xkey, req, EC_OP_OUTCOME, EC_OK, body, sizeof body);
}

static void on_submit(ec_daemon *d, const uint8_t xkey[32], uint32_t req, const uint8_t *b, size_t n)
{
    ec_tx tx;
    ec_id id = {{0}};
    ec_err err = ec_tx_decode(&tx, b, n);
    if (err == EC_OK) err = ec_tx_id(&tx, &id);
    /* Decided already (a client that missed the outcome asks again). */
    for (size_t i = 0; err == EC_OK && i < d->noutcomes; i++)
        if (ec_id_cmp(&d->outcomes[i].tx_id, &id) == 0) {
            reply(d, xkey, req, EC_OP_SUBMIT, EC_OK, id.b, sizeof id.b);
            send_outcome(d, xkey, req, d->outcomes[i].type, d->outcomes[i].mapping, &id);
            return;
        }
    if (err == EC_OK) err = ec_node_submit(d->node, dmn_now(d), &tx);
    /* Submitted before (a client's retry): its outcome is still to come. */
    if (err == EC_OK || err == EC_ERR_EXISTS) wait_outcome(d, xkey, req, &id);
    char hex[65];
    ec_id_to_hex(&id, hex);
    dmn_log(d, 2, "event=submit tx=%.16s result=%s", hex, ec_err_str(err));
    reply(d, xkey, req, EC_OP_SUBMIT, err == EC_ERR_EXISTS ? EC_OK : err, id.b, sizeof id.b);
}

static void head_reply(ec_daemon *d, const uint8_t xkey[32], uint32_t req, const ec_msg_mapping_ans *a)
{
    uint8_t out[1 + 32 + 8 + 32];
    memset(out, 0, sizeof out);
    if (a && a->found) {
        out[0] = 1;
        memcpy(out + 1, a->tx_id.b, 32);
        put_u64(out + 33, a->timestamp_ms);
        memcpy(out + 41, a->owner.b, 32);
    }
    reply(d, xkey, req, EC_OP_GET_HEAD, EC_OK, out, sizeof out);
}

/* Asks the token's neighborhood as we know it: the w nearest of the
 * admitted peers and ourselves (our store answers for us at once). A
 * node's own store can be behind (it was down, or missed a commit), so
 * a client's read is what a majority of the neighborhood says. */
static bool ask_neighborhood(ec_daemon *d, const uint8_t xkey[32], uint32_t req, const ec_id *token)
{
    if (d->nqueries == HEAD_QUERIES_MAX) return false;
    head_query *q = &d->queries[d->nqueries];
    memset(q, 0, sizeof *q);
    unsigned w = d->cfg.node.w < 16 ? d->cfg.node.w : 16;
    q->asked = dmn_nearest(d, token, w, true, q->asked_addr);
    q->token = *token;
    memcpy(q->xkey, xkey, 32);
    q->req_id = req;
    q->need = q->asked / 2 + 1;
    q->deadline_ms = dmn_now(d) + HEAD_QUERY_MS;
    ec_msg m;
    memset(&m, 0, sizeof m);
    m.type = EC_MSG_GET_MAPPING;
    m.u.get_mapping.token = *token;
    uint8_t buf[EC_MSG_MAX];
    size_t len;
    if (ec_msg_encode(&m, buf, sizeof buf, &len) != EC_OK) return false;
    for (unsigned i = 0; i < q->asked; i++) {
        if (ec_id_cmp(&q->asked_addr[i], &d->addr) != 0) {
            dmn_send_core(d, &q->asked_addr[i], NULL, buf, len);
            continue;
        }
        ec_head h;
        q->answered[i] = true;
        if (ec_store_get_head(d->store, token, &h) == EC_OK)
            q->ans[i] = (ec_msg_mapping_ans){true, h.tx_id, h.owner, h.timestamp_ms};
    }
    d->nqueries++;
    return true;
}

static void on_get_head(ec_daemon *d, const uint8_t xkey[32], uint32_t req, const uint8_t *b, size_t n)
{
    if (n != EC_ID_LEN) {
        reply(d, xkey, req, EC_OP_GET_HEAD, EC_ERR_MALFORMED, NULL, 0);
        return;
    }
    ec_id token;
    memcpy(token.b, b, EC_ID_LEN);
    for (size_t i = 0; i < d->nqueries; i++) /* a re-sent request: being asked */
        if (d->queries[i].req_id == req && memcmp(d->queries[i].xkey, xkey, 32) == 0) return;
    if (ask_neighborhood(d, xkey, req, &token)) return;
    /* Too many queries at once: our own store's answer. */
    ec_head h;
    memset(&h, 0, sizeof h);
    ec_err err = ec_store_get_head(d->store, &token, &h);
    ec_msg_mapping_ans a = {err == EC_OK, h.tx_id, h.owner, h.timestamp_ms};
    if (err != EC_OK && err != EC_ERR_NOTFOUND) reply(d, xkey, req, EC_OP_GET_HEAD, err, NULL, 0);
    else head_reply(d, xkey, req, err == EC_OK ? &a : NULL);
}

void dmn_client_peek(ec_daemon *d, const ec_id *from, const uint8_t *msg, size_t len)
{
    ec_msg m;
    if (len == 0 || msg[0] != EC_MSG_MAPPING || ec_msg_decode(&m, msg, len) != EC_OK) return;
    for (size_t i = 0; i < d->nqueries; i++) {
        head_query *q = &d->queries[i];
        if (ec_id_cmp(&q->token, &m.u.mapping.token) != 0) continue;
        for (unsigned k = 0; k < q->asked; k++) {
            if (q->answered[k] || ec_id_cmp(&q->asked_addr[k], from) != 0) continue;
            q->answered[k] = true;
            q->ans[k] = (ec_msg_mapping_ans){m.u.mapping.found != 0, m.u.mapping.tx_id, m.u.mapping.owner,
                                             m.u.mapping.timestamp_ms};
        }
    }
}

/* A query a majority answered alike: the answer; else none yet. */
static const ec_msg_mapping_ans *agreed(const head_query *q)
{
    for (unsigned a = 0; a < q->asked; a++) {
        if (!q->answered[a]) continue;
        unsigned same = 0;
        for (unsigned b = 0; b < q->asked; b++)
            same += q->answered[b] && q->ans[b].found == q->ans[a].found &&
                    ec_id_cmp(&q->ans[b].tx_id, &q->ans[a].tx_id) == 0;
        if (same >= q->need) return &q->ans[a];
    }
    return NULL;
}

static void queries_tick(ec_daemon *d)
{
    uint64_t now = dmn_now(d);
    for (size_t i = 0; i < d->nqueries;) {
        head_query *q = &d->queries[i];
        const ec_msg_mapping_ans *a = agreed(q);
        if (a) {
            head_reply(d, q->xkey, q->req_id, a);
        } else if (now >= q->deadline_ms) {
            /* No majority in time: no answer is better than one peer's word. */
            reply(d, q->xkey, q->req_id, EC_OP_GET_HEAD, EC_ERR_MISMATCH, NULL, 0);
        } else {
            i++;
            continue;
        }
        d->queries[i] = d->queries[--d->nqueries];
    }
}

static void on_get_tx(ec_daemon *d, const uint8_t xkey[32], uint32_t req, const uint8_t *b, size_t n)
{
    uint8_t buf[EC_TX_MAX_LEN];
    size_t len = 0;
    if (n != EC_ID_LEN) {
        reply(d, xkey, req, EC_OP_GET_TX, EC_ERR_MALFORMED, NULL, 0);
        return;
    }
    ec_id id;
    memcpy(id.b, b, EC_ID_LEN);
    ec_err err = ec_store_get_tx(d->store, &id, buf, sizeof buf, &len);
    reply(d, xkey, req, EC_OP_GET_TX, err, buf, err == EC_OK ? len : 0);
}

static void on_status(ec_daemon *d, const uint8_t xkey[32], uint32_t req)
{
    uint8_t out[32 + 4 + 8];
    memcpy(out, d->addr.b, 32);
    put_u32(out + 32, (uint32_t)ec_node_pending(d->node));
    put_u64(out + 36, d->commits);
    reply(d, xkey, req, EC_OP_STATUS, EC_OK, out, sizeof out);
}

void dmn_on_client(ec_daemon *d, const uint8_t xkey[32], const uint8_t *p, size_t len)
{
    if (len < EC_FRAME_REQ_HEAD) {
        d->drops[DROP_CLIENT]++;
        return;
    }
    uint32_t req = (uint32_t)p[1] | (uint32_t)p[2] << 8 | (uint32_t)p[3] << 16 | (uint32_t)p[4] << 24;
    const uint8_t *b = p + EC_FRAME_REQ_HEAD;
    size_t n = len - EC_FRAME_REQ_HEAD;
    d->client_requests++;
    switch (p[5]) {
    case EC_OP_SUBMIT: on_submit(d, xkey, req, b, n); break;
    case EC_OP_GET_HEAD: on_get_head(d, xkey, req, b, n); break;
    case EC_OP_GET_TX: on_get_tx(d, xkey, req, b, n); break;
    case EC_OP_STATUS: on_status(d, xkey, req); break;
    default:
        d->drops[DROP_CLIENT]++;
        reply(d, xkey, req, p[5], EC_ERR_MALFORMED, NULL, 0);
    }
}

static void latency(ec_daemon *d, uint64_t ms)
{
    static const uint64_t le[12] = {5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000, UINT64_MAX};
    for (int i = 0; i < 12; i++)
        if (ms <= le[i]) d->lat_bucket[i]++;
    d->lat_sum_ms += ms;
    d->lat_count++;
}

void dmn_on_event(ec_daemon *d, const ec_node_event *ev)
{
    if (ev->type == EC_NODE_EV_VERIFY_IDENTITY) {
        dmn_verify_record(d, ev->record);
        return;
    }
    char hex[65];
    ec_id_to_hex(&ev->tx_id, hex);
    if (ev->type == EC_NODE_EV_EVIDENCE) { /* counted in /metrics (ec_*_convicted_total, ec_peers_excluded_total) */
        char who[65];
        ec_id_to_hex(&ev->from, who);
        dmn_log(d, 1, "event=evidence accused=%.16s tx=%.16s (signed statements that cannot both be honest; "
                      "its votes set aside, its sessions refused)", who, hex);
        dmn_exclude_addr(d, &ev->from);
        return;
    }
    if (ev->type == EC_NODE_EV_POS_RESULT) { /* a storage proof we asked for (issue 12): logged, not an outcome */
        char peer[65];
        ec_id_to_hex(&ev->from, peer);
        dmn_log(d, 3, "event=storage_proof peer=%.16s token=%.16s verdict=%u agree=%d", peer, hex,
                (unsigned)ev->pos_verdict, ev->mapping);
        return;
    }
    if (ev->type == EC_NODE_EV_PEER_STATE) { /* counted in /metrics (ec_life_*) */
        char peer[65];
        ec_id_to_hex(&ev->from, peer);
        dmn_log(d, 2, "event=peer_state peer=%.16s state=%s", peer, ec_life_state_name(ev->peer_state));
        return;
    }
    if (ev->type == EC_NODE_EV_SYNC_REPORT) { /* counted in /metrics (ec_sync_total{what="reports"}) */
        char src[65];
        ec_id_to_hex(&ev->from, src);
        dmn_log(d, 1, "event=sync_report source=%.16s what=%s tx=%.16s", src, ec_node_sync_report_name(ev->mapping),
                ev->mapping == EC_SYNC_REPORT_MISSING || ev->mapping == EC_SYNC_REPORT_INVALID ? hex : "-");
        return;
    }
    static const char *const names[] = {"", "committed", "refused", "timed_out"};
    dmn_log(d, 2, "event=outcome tx=%.16s outcome=%s", hex, ev->type <= 3 ? names[ev->type] : "?");
    for (size_t i = 0; i < d->nwaits;) {
        client_wait *w = &d->waits[i];
        if (ec_id_cmp(&w->tx_id, &ev->tx_id) != 0) {
            i++;
            continue;
        }
        if (ev->type == EC_NODE_EV_COMMITTED) latency(d, dmn_now(d) - w->at_ms);
        send_outcome(d, w->xkey, w->req_id, (uint8_t)ev->type, ev->mapping, &ev->tx_id);
        d->waits[i] = d->waits[--d->nwaits];
    }
    /* Remembered for a client that asks again (its answer was lost). */
    outcome_rec *o = &d->outcomes[d->outcome_next];
    d->outcome_next = (d->outcome_next + 1) % OUTCOMES_KEPT;
    if (d->noutcomes < OUTCOMES_KEPT) d->noutcomes++;
    o->tx_id = ev->tx_id;
    o->type = (uint8_t)ev->type;
    o->mapping = (int8_t)ev->mapping;
}

void dmn_clients_tick(ec_daemon *d)
{
    queries_tick(d);
    uint64_t now = dmn_now(d);
    for (size_t i = 0; i < d->nwaits;) {
        if (now - d->waits[i].at_ms > WAIT_MS) d->waits[i] = d->waits[--d->nwaits];
        else i++;
    }
}
