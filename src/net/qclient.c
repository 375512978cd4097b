/* The asking side of sessionless queries (qclient.h). */
#include "net/qclient.h"

#include <poll.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "core/claims.h"
#include "crypto/blake3.h"
#include "net/sysclock.h"
#include "net/udp.h"

void ec_asker_init(ec_asker *a, uint8_t op, const ec_id *id, uint8_t hops, uint64_t ticket_ms, uint64_t now_ms,
                   const uint8_t fresh[32])
{
    memset(a, 0, sizeof *a);
    ec_ticket_init(&a->ticket, ticket_ms, now_ms, fresh);
    a->op = op;
    a->id = *id;
    a->hops = hops > EC_QUERY_HOPS_MAX ? EC_QUERY_HOPS_MAX : hops;
    /* Pay for the largest answer the op can have: the node refuses to
     * send more than 3x the question to an address it cannot check. */
    a->qlen = ec_query_pad_for(op == EC_QOP_TX        ? EC_TX_MAX_LEN
                               : op == EC_QOP_MAPPING ? EC_ANSWER_MAPPING_MAX
                                                      : EC_ANSWER_HEAD_BODY);
}

bool ec_asker_due(const ec_asker *a, uint64_t now_ms)
{
    return ec_ticket_due(&a->ticket, now_ms);
}

ec_err ec_asker_question(const ec_asker *a, uint8_t *buf, size_t cap, size_t *len)
{
    ec_query q;
    memset(&q, 0, sizeof q);
    ec_ticket_make(&a->ticket, a->op, &a->id, q.ticket);
    q.op = a->op;
    q.hops = a->hops;
    q.id = a->id;
    q.len = a->qlen;
    ec_err err = ec_query_encode(&q, buf, cap);
    if (err == EC_OK) *len = q.len;
    return err;
}

ec_err ec_asker_on_datagram(ec_asker *a, const uint8_t *pkt, size_t len, ec_ask_result *out)
{
    ec_answer ans;
    if (ec_answer_decode(&ans, pkt, len) != EC_OK) {
        a->refused++;
        return EC_ERR_MALFORMED;
    }
    bool ok = ans.op == a->op && ec_ticket_check(&a->ticket, a->op, &a->id, ans.ticket);
    if (ok && ans.status == EC_QST_FOUND && a->op == EC_QOP_TX) {
        ec_id h; /* a transaction is its id's preimage: anything else is not it */
        ec_blake3_hash(ans.body, ans.body_len, h.b);
        ok = ec_id_cmp(&h, &a->id) == 0;
    }
    ec_msg m; /* MAPPING: for our token, and its claims the answerer's */
    memset(&m, 0, sizeof m);
    if (ok && a->op == EC_QOP_MAPPING && ans.status != EC_QST_TOO_LARGE) {
        ok = ec_answer_mapping(&ans, &a->id, &m) == EC_OK &&
             (m.u.mapping.claims.n == 0 || ec_claims_verify(&m.u.mapping.claims, &ans.answerer) == EC_OK);
    }
    if (!ok) {
        a->refused++;
        return EC_ERR_MISMATCH;
    }
    out->status = ans.status;
    out->answerer = ans.answerer;
    memcpy(out->body, ans.body ? ans.body : out->body, ans.body_len);
    out->body_len = ans.body_len;
    out->claims = m.u.mapping.claims; /* zero unless a MAPPING answer */
    out->signed_ok = m.u.mapping.claims.n > 0;
    out->refused = a->refused;
    return EC_OK;
}

ec_err ec_ask(const ec_endpoint *node, uint8_t op, const ec_id *id, uint8_t hops, uint64_t timeout_ms,
              ec_ask_result *out)
{
    ec_udp *u = malloc(sizeof *u); /* large (batch buffers): not on the stack */
    if (u == NULL) return EC_ERR_NOMEM;
    ec_endpoint any;
    ec_endpoint_parse(&any, node->len == 18 ? "[::]:0" : "0.0.0.0:0");
    if (ec_udp_open(u, &any) != EC_OK) {
        free(u);
        return EC_ERR_IO;
    }
    uint8_t fresh[32];
    randombytes_buf(fresh, sizeof fresh);
    ec_asker a;
    uint64_t now = ec_sys_mono_ms(), end = now + timeout_ms, next = now;
    ec_asker_init(&a, op, id, hops, EC_ASK_TICKET_MS, now, fresh);
    ec_err result = EC_ERR_NOTFOUND;
    memset(out, 0, sizeof *out);
    while ((now = ec_sys_mono_ms()) < end) {
        if (ec_asker_due(&a, now)) {
            randombytes_buf(fresh, sizeof fresh);
            ec_ticket_rotate(&a.ticket, now, fresh);
        }
        if (now >= next) {
            uint8_t q[EC_PKT_MTU];
            size_t qlen;
            if (ec_asker_question(&a, q, sizeof q, &qlen) == EC_OK) ec_udp_send(u, node, q, qlen);
            ec_udp_flush(u);
            next = now + EC_ASK_RESEND_MS;
        }
        uint64_t wait = (next < end ? next : end) - now;
        struct pollfd p = {.fd = u->fd, .events = POLLIN};
        (void)poll(&p, 1, (int)(wait > 1000 ? 1000 : wait));
        size_t lens[EC_UDP_BATCH];
        ec_endpoint from[EC_UDP_BATCH];
        unsigned n = ec_udp_recv(u, lens, from);
        for (unsigned i = 0; i < n && result != EC_OK; i++)
            if (ec_asker_on_datagram(&a, u->rbuf[i], lens[i], out) == EC_OK) result = EC_OK;
        if (result == EC_OK) break;
    }
    out->refused = a.refused;
    ec_ticket_wipe(&a.ticket);
    sodium_memzero(fresh, sizeof fresh);
    ec_udp_close(u);
    free(u);
    return result;
}
