/* Sessionless public queries (net/query.h; seed §9.3, §9.4): a QUERY
 * datagram from anyone, or a FORWARD frame from an admitted peer carrying
 * one with the asker's observed address. Answered from the store; a
 * question this node cannot answer goes on, with probability
 * forward_percent and while hops are left, to the admitted peer nearest
 * the id if it is nearer than we are (so a question only ever moves
 * closer: no loops). Whoever answers sends the ANSWER to the asker's
 * address, never more than 3x the bytes of the datagram that brought the
 * question (a forwarder copies the padding, so the rule holds at every
 * hop and nobody can make a node send more than 3x what it sent).
 * A MAPPING question is answered with the core's signed MAPPING message
 * (ec_node_mapping_answer), found or not; it is forwarded, like HEAD,
 * when this node does not hold the token.
 *
 * FORWARD frame: [3][endpoint length u8 (6 or 18)][endpoint][the QUERY
 * datagram, hops already decremented]. */
#include <string.h>

#include "net/daemon_internal.h"
#include "net/frame.h"
#include "net/query.h"

static void put_u64(uint8_t *p, uint64_t v)
{
    for (int i = 0; i < 8; i++) p[i] = (uint8_t)(v >> (8 * i));
}

/* The question to the nearest admitted peer nearer the id than we are:
 * true if it went (the asker then hears from someone else, or nothing). */
static bool forward(ec_daemon *d, const ec_endpoint *asker, const ec_query *q, const uint8_t *qpkt)
{
    if (q->hops == 0) return false;
    if (d->load) { /* shedding: answer what we hold, pass nothing on */
        d->queries_shed++;
        return false;
    }
    if (d->cfg.forward_percent < 100 && ec_rng_below(&d->rng, 100) >= d->cfg.forward_percent) return false;
    ec_id near[16];
    if (dmn_nearest(d, &q->id, 1, false, near) != 1 || ec_id_cmp_distance(&q->id, &near[0], &d->addr) >= 0)
        return false;
    dpeer *p = g_hash_table_lookup(d->by_addr, &near[0]);
    if (p == NULL || !p->has_xkey) return false;
    uint8_t f[2 + EC_ENDPOINT_MAX + EC_PKT_MTU];
    size_t n = 2 + asker->len + q->len;
    if (asker->len > EC_ENDPOINT_MAX || n > EC_SESS_PLAIN_MAX) return false; /* no room for the address */
    f[0] = EC_FRAME_FWD;
    f[1] = (uint8_t)asker->len;
    memcpy(f + 2, asker->b, asker->len);
    memcpy(f + 2 + asker->len, qpkt, q->len);
    f[2 + asker->len + 21] = (uint8_t)(q->hops - 1);
    ec_sess_clock c;
    dmn_sess_clock(d, &c);
    if (ec_sess_send(d->sess, &c, p->xkey, p->ep.len ? &p->ep : NULL, f, n) != EC_OK) return false;
    d->queries_forwarded++;
    return true;
}

/* Answers q to `asker` from the store, within budget bytes, unless the
 * question goes on. */
static void serve(ec_daemon *d, const ec_endpoint *asker, size_t budget, const ec_query *q, const uint8_t *qpkt)
{
    uint8_t body[EC_TX_MAX_LEN];
    size_t blen = 0;
    ec_err err;
    bool too_large = false;
    if (q->op != EC_QOP_TX) { /* HEAD, MAPPING: is the token ours? */
        ec_head h;
        err = ec_store_get_head(d->store, &q->id, &h);
        if (err == EC_OK && q->op == EC_QOP_HEAD) {
            memcpy(body, h.tx_id.b, EC_ID_LEN);
            put_u64(body + EC_ID_LEN, h.timestamp_ms);
            memcpy(body + EC_ID_LEN + 8, h.owner.b, EC_ID_LEN);
            blen = EC_ANSWER_HEAD_BODY;
        }
    } else {
        err = ec_store_get_tx(d->store, &q->id, body, sizeof body, &blen);
    }
    if (err != EC_OK && err != EC_ERR_NOTFOUND) {
        d->drops[DROP_QUERY_STORE]++;
        return;
    }
    if (err == EC_ERR_NOTFOUND && forward(d, asker, q, qpkt)) return;
    if (q->op == EC_QOP_MAPPING) {
        /* Signed, found or not. A question too short for the smallest
         * answer costs no signature. */
        if (EC_ANSWER_HEAD + EC_ANSWER_MAPPING_MIN > budget) {
            too_large = true;
        } else {
            ec_msg m;
            if (ec_node_mapping_answer(d->node, &q->id, &m) != EC_OK ||
                ec_msg_encode(&m, body, sizeof body, &blen) != EC_OK) {
                d->drops[DROP_QUERY_STORE]++;
                return;
            }
            err = m.u.mapping.found ? EC_OK : EC_ERR_NOTFOUND;
            too_large = EC_ANSWER_HEAD + blen > budget;
        }
    }
    ec_answer a;
    memcpy(a.ticket, q->ticket, EC_QUERY_TICKET_LEN);
    a.op = q->op;
    a.answerer = d->addr;
    a.status = err == EC_OK ? EC_QST_FOUND : EC_QST_NOTFOUND;
    a.body = body;
    a.body_len = blen;
    if (too_large || (a.status == EC_QST_FOUND && EC_ANSWER_HEAD + blen > budget)) {
        a.status = EC_QST_TOO_LARGE; /* what we would send exceeds 3x the question */
        a.body_len = 0;
        d->answers_too_large++;
    }
    uint8_t pkt[EC_PKT_MTU];
    size_t len;
    if (ec_answer_encode(&a, pkt, sizeof pkt, &len) != EC_OK || len > budget) return;
    ec_udp_send(d->udp, asker, pkt, len);
    d->queries_answered++;
}

void dmn_on_query_pkt(ec_daemon *d, const ec_endpoint *from, const uint8_t *pkt, size_t len)
{
    if (pkt[2] == EC_QPKT_ANSWER) { /* we ask nobody sessionless: no ticket of ours can be in it */
        d->drops[DROP_ANSWER_UNASKED]++;
        return;
    }
    if (!ec_ratelimit_allow(d->rl_req, from, dmn_now(d))) {
        d->drops[DROP_RATE_REQUEST]++;
        return;
    }
    ec_query q;
    if (ec_query_decode(&q, pkt, len) != EC_OK) {
        d->drops[DROP_QUERY]++;
        return;
    }
    serve(d, from, EC_QUERY_AMPLIFY * len, &q, pkt);
}

void dmn_on_forward(ec_daemon *d, const ec_endpoint *from, const uint8_t *f, size_t len)
{
    if (!ec_ratelimit_allow(d->rl_req, from, dmn_now(d))) {
        d->drops[DROP_RATE_REQUEST]++;
        return;
    }
    ec_endpoint asker;
    ec_query q;
    if (len < 2 || (f[1] != 6 && f[1] != 18) || len < 2 + (size_t)f[1] ||
        ec_query_decode(&q, f + 2 + f[1], len - 2 - f[1]) != EC_OK) {
        d->drops[DROP_QUERY]++;
        return;
    }
    memset(&asker, 0, sizeof asker);
    asker.len = f[1];
    memcpy(asker.b, f + 2, f[1]);
    /* The budget is 3x this frame, which holds the whole question: what
     * the asker paid, the forwarder paid again. */
    serve(d, &asker, EC_QUERY_AMPLIFY * len, &q, f + 2 + f[1]);
}
