/* Sessionless queries and answers, and the asker's tickets (query.h). */
#include "net/query.h"

#include <sodium.h>
#include <string.h>

#include "crypto/blake3.h"
#include "ledger/tx.h"
#include "net/packet.h"

static bool header_ok(const uint8_t *buf, uint8_t type, ec_err *err)
{
    if ((uint16_t)(buf[0] | buf[1] << 8) != EC_PKT_VERSION || buf[2] != type) {
        *err = EC_ERR_VERSION;
        return false;
    }
    if (buf[3] != 0) {
        *err = EC_ERR_MALFORMED;
        return false;
    }
    return true;
}

static void put_header(uint8_t *p, uint8_t type)
{
    p[0] = (uint8_t)EC_PKT_VERSION;
    p[1] = (uint8_t)(EC_PKT_VERSION >> 8);
    p[2] = type;
    p[3] = 0;
}

static bool op_ok(uint8_t op)
{
    return op == EC_QOP_HEAD || op == EC_QOP_TX || op == EC_QOP_MAPPING;
}

ec_err ec_query_encode(const ec_query *q, uint8_t *buf, size_t cap)
{
    if (!op_ok(q->op) || q->hops > EC_QUERY_HOPS_MAX || q->len < EC_QUERY_MIN || q->len > EC_PKT_MTU ||
        q->len > cap)
        return EC_ERR_ARG;
    memset(buf, 0, q->len);
    put_header(buf, EC_QPKT_QUERY);
    memcpy(buf + 4, q->ticket, EC_QUERY_TICKET_LEN);
    buf[20] = q->op;
    buf[21] = q->hops;
    memcpy(buf + 22, q->id.b, EC_ID_LEN);
    return EC_OK;
}

ec_err ec_query_decode(ec_query *q, const uint8_t *buf, size_t len)
{
    ec_err err = EC_OK;
    if (len < EC_QUERY_MIN) return EC_ERR_TRUNCATED;
    if (len > EC_PKT_MTU) return EC_ERR_RANGE;
    if (!header_ok(buf, EC_QPKT_QUERY, &err)) return err;
    if (!op_ok(buf[20]) || buf[21] > EC_QUERY_HOPS_MAX) return EC_ERR_MALFORMED;
    for (size_t i = EC_QUERY_MIN; i < len; i++)
        if (buf[i] != 0) return EC_ERR_MALFORMED; /* padding is zeros: one encoding per question */
    memcpy(q->ticket, buf + 4, EC_QUERY_TICKET_LEN);
    q->op = buf[20];
    q->hops = buf[21];
    memcpy(q->id.b, buf + 22, EC_ID_LEN);
    q->len = len;
    return EC_OK;
}

/* A MAPPING answer's body: exactly one MAPPING message (ec_msg_decode is
 * strict: one encoding per message) whose found flag is the status's. */
static bool mapping_body_ok(uint8_t status, const uint8_t *body, size_t body_len, ec_msg *m)
{
    if (body == NULL || body_len < EC_ANSWER_MAPPING_MIN || body_len > EC_ANSWER_MAPPING_MAX ||
        body[0] != EC_MSG_MAPPING)
        return false;
    if (ec_msg_decode(m, body, body_len) != EC_OK || m->type != EC_MSG_MAPPING) return false;
    return m->u.mapping.found == (status == EC_QST_FOUND);
}

static bool body_ok(uint8_t op, uint8_t status, const uint8_t *body, size_t body_len)
{
    if (!op_ok(op) || status > EC_QST_TOO_LARGE) return false;
    if (op == EC_QOP_MAPPING && status != EC_QST_TOO_LARGE) {
        ec_msg m;
        return mapping_body_ok(status, body, body_len, &m);
    }
    if (status != EC_QST_FOUND) return body_len == 0;
    if (op == EC_QOP_HEAD) return body_len == EC_ANSWER_HEAD_BODY;
    return body_len > 0 && body_len <= EC_TX_MAX_LEN;
}

ec_err ec_answer_encode(const ec_answer *a, uint8_t *buf, size_t cap, size_t *len)
{
    if ((a->body_len && a->body == NULL) || !body_ok(a->op, a->status, a->body, a->body_len)) return EC_ERR_ARG;
    size_t n = EC_ANSWER_HEAD + a->body_len;
    if (n > cap) return EC_ERR_RANGE;
    put_header(buf, EC_QPKT_ANSWER);
    memcpy(buf + 4, a->ticket, EC_QUERY_TICKET_LEN);
    buf[20] = a->op;
    memcpy(buf + 21, a->answerer.b, EC_ID_LEN);
    buf[53] = a->status;
    if (a->body_len) memcpy(buf + EC_ANSWER_HEAD, a->body, a->body_len);
    *len = n;
    return EC_OK;
}

ec_err ec_answer_decode(ec_answer *a, const uint8_t *buf, size_t len)
{
    ec_err err = EC_OK;
    if (len < EC_ANSWER_HEAD) return EC_ERR_TRUNCATED;
    if (len > EC_PKT_MTU) return EC_ERR_RANGE;
    if (!header_ok(buf, EC_QPKT_ANSWER, &err)) return err;
    if (!body_ok(buf[20], buf[53], buf + EC_ANSWER_HEAD, len - EC_ANSWER_HEAD)) return EC_ERR_MALFORMED;
    memcpy(a->ticket, buf + 4, EC_QUERY_TICKET_LEN);
    a->op = buf[20];
    memcpy(a->answerer.b, buf + 21, EC_ID_LEN);
    a->status = buf[53];
    a->body_len = len - EC_ANSWER_HEAD;
    a->body = a->body_len ? buf + EC_ANSWER_HEAD : NULL;
    return EC_OK;
}

ec_err ec_answer_mapping(const ec_answer *a, const ec_id *token, ec_msg *m)
{
    if (a == NULL || token == NULL || m == NULL || a->op != EC_QOP_MAPPING || a->status == EC_QST_TOO_LARGE ||
        a->body_len == 0)
        return EC_ERR_ARG;
    if (!mapping_body_ok(a->status, a->body, a->body_len, m) || ec_id_cmp(&m->u.mapping.token, token) != 0)
        return EC_ERR_MALFORMED;
    return EC_OK;
}

size_t ec_query_pad_for(size_t body_len)
{
    size_t need = (EC_ANSWER_HEAD + body_len + EC_QUERY_AMPLIFY - 1) / EC_QUERY_AMPLIFY;
    return need < EC_QUERY_MIN ? EC_QUERY_MIN : need;
}

/* ---- tickets ---- */

void ec_ticket_init(ec_ticket *t, uint64_t period_ms, uint64_t now_ms, const uint8_t fresh[32])
{
    memcpy(t->cur, fresh, 32);
    memcpy(t->prev, fresh, 32);
    t->rotated_ms = now_ms;
    t->period_ms = period_ms;
}

bool ec_ticket_due(const ec_ticket *t, uint64_t now_ms)
{
    return now_ms - t->rotated_ms >= t->period_ms;
}

void ec_ticket_rotate(ec_ticket *t, uint64_t now_ms, const uint8_t fresh[32])
{
    memcpy(t->prev, t->cur, 32);
    memcpy(t->cur, fresh, 32);
    t->rotated_ms = now_ms;
}

static void mac(const uint8_t key[32], uint8_t op, const ec_id *id, uint8_t out[EC_QUERY_TICKET_LEN])
{
    static const char dom[] = "ec ticket v1";
    uint8_t in[sizeof dom - 1 + 1 + EC_ID_LEN];
    memcpy(in, dom, sizeof dom - 1);
    in[sizeof dom - 1] = op;
    memcpy(in + sizeof dom, id->b, EC_ID_LEN);
    uint8_t full[32];
    ec_blake3_keyed(key, in, sizeof in, full);
    memcpy(out, full, EC_QUERY_TICKET_LEN);
}

void ec_ticket_make(const ec_ticket *t, uint8_t op, const ec_id *id, uint8_t out[EC_QUERY_TICKET_LEN])
{
    mac(t->cur, op, id, out);
}

bool ec_ticket_check(const ec_ticket *t, uint8_t op, const ec_id *id, const uint8_t tk[EC_QUERY_TICKET_LEN])
{
    uint8_t a[EC_QUERY_TICKET_LEN], b[EC_QUERY_TICKET_LEN];
    mac(t->cur, op, id, a);
    mac(t->prev, op, id, b);
    /* Both compared, always: the time does not say which secret matched. */
    int ra = sodium_memcmp(a, tk, EC_QUERY_TICKET_LEN);
    int rb = sodium_memcmp(b, tk, EC_QUERY_TICKET_LEN);
    return (ra == 0) | (rb == 0);
}

void ec_ticket_wipe(ec_ticket *t)
{
    sodium_memzero(t, sizeof *t);
}
