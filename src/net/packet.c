/* The session layer's datagrams (packet.h). */
#include "net/packet.h"

#include <string.h>

static void put16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
}

static void put32(uint8_t *p, uint32_t v)
{
    for (int i = 0; i < 4; i++) p[i] = (uint8_t)(v >> (8 * i));
}

static void put64(uint8_t *p, uint64_t v)
{
    for (int i = 0; i < 8; i++) p[i] = (uint8_t)(v >> (8 * i));
}

static uint16_t get16(const uint8_t *p)
{
    return (uint16_t)(p[0] | p[1] << 8);
}

static uint32_t get32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
           (uint32_t)p[3] << 24;
}

static uint64_t get64(const uint8_t *p)
{
    return (uint64_t)get32(p) | (uint64_t)get32(p + 4) << 32;
}

static void put_header(uint8_t *p, ec_pkt_type t)
{
    put16(p, EC_PKT_VERSION);
    p[2] = (uint8_t)t;
    p[3] = 0;
}

static bool data_len_ok(size_t ct_len)
{
    return ct_len >= EC_PKT_TAG_LEN &&
           ct_len <= EC_PKT_PLAIN_MAX + EC_PKT_TAG_LEN;
}

size_t ec_pkt_len(const ec_pkt *p)
{
    if (p == NULL) return 0;
    switch (p->type) {
    case EC_PKT_INIT: return EC_PKT_INIT_LEN;
    case EC_PKT_RESP: return EC_PKT_RESP_LEN;
    case EC_PKT_COOKIE: return EC_PKT_COOKIE_PKT_LEN;
    case EC_PKT_DATA:
        return data_len_ok(p->u.data.ct_len) && p->u.data.ct
                   ? EC_PKT_DATA_HEAD + p->u.data.ct_len
                   : 0;
    }
    return 0;
}

void ec_pkt_data_head(uint8_t out[EC_PKT_DATA_HEAD], uint32_t receiver,
                      uint64_t counter)
{
    put_header(out, EC_PKT_DATA);
    put32(out + 4, receiver);
    put64(out + 8, counter);
}

ec_err ec_pkt_encode(const ec_pkt *p, uint8_t *buf, size_t cap, size_t *len)
{
    if (p == NULL || buf == NULL || len == NULL) return EC_ERR_ARG;
    size_t n = ec_pkt_len(p);
    if (n == 0) return EC_ERR_ARG;
    if (cap < n) return EC_ERR_RANGE;
    uint8_t *q = buf + EC_PKT_HEADER_LEN;
    put_header(buf, p->type);
    switch (p->type) {
    case EC_PKT_INIT:
        put32(q, p->u.init.sender);
        memcpy(q + 4, p->u.init.noise, EC_PKT_INIT_NOISE);
        memcpy(buf + EC_PKT_INIT_MAC1, p->u.init.mac1, EC_PKT_MAC_LEN);
        memcpy(buf + EC_PKT_INIT_MAC2, p->u.init.mac2, EC_PKT_MAC_LEN);
        break;
    case EC_PKT_RESP:
        put32(q, p->u.resp.sender);
        put32(q + 4, p->u.resp.receiver);
        memcpy(q + 8, p->u.resp.noise, EC_PKT_RESP_NOISE);
        memcpy(buf + EC_PKT_RESP_MAC1, p->u.resp.mac1, EC_PKT_MAC_LEN);
        memcpy(buf + EC_PKT_RESP_MAC2, p->u.resp.mac2, EC_PKT_MAC_LEN);
        break;
    case EC_PKT_COOKIE:
        put32(q, p->u.cookie.receiver);
        memcpy(q + 4, p->u.cookie.nonce, EC_PKT_NONCE_LEN);
        memcpy(q + 4 + EC_PKT_NONCE_LEN, p->u.cookie.cookie,
               sizeof p->u.cookie.cookie);
        break;
    case EC_PKT_DATA:
        ec_pkt_data_head(buf, p->u.data.receiver, p->u.data.counter);
        /* memmove: the caller may have encrypted into buf already */
        memmove(buf + EC_PKT_DATA_HEAD, p->u.data.ct, p->u.data.ct_len);
        break;
    }
    *len = n;
    return EC_OK;
}

ec_pkt_fault ec_pkt_decode(const uint8_t *buf, size_t len, ec_pkt *out)
{
    if (buf == NULL || len < EC_PKT_HEADER_LEN) return EC_PKT_BAD_SHORT;
    if (get16(buf) != EC_PKT_VERSION) return EC_PKT_BAD_VERSION;
    uint8_t t = buf[2];
    if (t < EC_PKT_INIT || t > EC_PKT_DATA) return EC_PKT_BAD_TYPE;
    if (buf[3] != 0) return EC_PKT_BAD_RESERVED;
    const uint8_t *q = buf + EC_PKT_HEADER_LEN;
    out->type = (ec_pkt_type)t;
    switch (out->type) {
    case EC_PKT_INIT:
        if (len != EC_PKT_INIT_LEN) return EC_PKT_BAD_LENGTH;
        out->u.init.sender = get32(q);
        memcpy(out->u.init.noise, q + 4, EC_PKT_INIT_NOISE);
        memcpy(out->u.init.mac1, buf + EC_PKT_INIT_MAC1, EC_PKT_MAC_LEN);
        memcpy(out->u.init.mac2, buf + EC_PKT_INIT_MAC2, EC_PKT_MAC_LEN);
        break;
    case EC_PKT_RESP:
        if (len != EC_PKT_RESP_LEN) return EC_PKT_BAD_LENGTH;
        out->u.resp.sender = get32(q);
        out->u.resp.receiver = get32(q + 4);
        memcpy(out->u.resp.noise, q + 8, EC_PKT_RESP_NOISE);
        memcpy(out->u.resp.mac1, buf + EC_PKT_RESP_MAC1, EC_PKT_MAC_LEN);
        memcpy(out->u.resp.mac2, buf + EC_PKT_RESP_MAC2, EC_PKT_MAC_LEN);
        break;
    case EC_PKT_COOKIE:
        if (len != EC_PKT_COOKIE_PKT_LEN) return EC_PKT_BAD_LENGTH;
        out->u.cookie.receiver = get32(q);
        memcpy(out->u.cookie.nonce, q + 4, EC_PKT_NONCE_LEN);
        memcpy(out->u.cookie.cookie, q + 4 + EC_PKT_NONCE_LEN,
               sizeof out->u.cookie.cookie);
        break;
    case EC_PKT_DATA:
        if (len < EC_PKT_DATA_MIN || len > EC_PKT_MTU) return EC_PKT_BAD_LENGTH;
        out->u.data.receiver = get32(q);
        out->u.data.counter = get64(q + 4);
        out->u.data.ct = buf + EC_PKT_DATA_HEAD;
        out->u.data.ct_len = len - EC_PKT_DATA_HEAD;
        break;
    }
    return EC_PKT_OK;
}

/* ---- handshake payloads ------------------------------------------------ */

static void put_record(const ec_pkt_hello *h, uint8_t *out)
{
    out[0] = h->has_record ? EC_PKT_FLAG_RECORD : 0;
    if (h->has_record)
        memcpy(out + 1, h->record, EC_PKT_RECORD_LEN);
    else
        memset(out + 1, 0, EC_PKT_RECORD_LEN);
}

static ec_err get_record(const uint8_t *in, ec_pkt_hello *out)
{
    if (in[0] & ~EC_PKT_FLAG_RECORD) return EC_ERR_MALFORMED;
    out->has_record = in[0] & EC_PKT_FLAG_RECORD;
    memcpy(out->record, in + 1, EC_PKT_RECORD_LEN);
    if (!out->has_record)
        for (size_t i = 0; i < EC_PKT_RECORD_LEN; i++)
            if (out->record[i]) return EC_ERR_MALFORMED;
    return EC_OK;
}

void ec_pkt_init_payload_encode(const ec_pkt_hello *h,
                                uint8_t out[EC_PKT_INIT_PAYLOAD])
{
    memcpy(out, h->tai64n, EC_PKT_TAI64N_LEN);
    put_record(h, out + EC_PKT_TAI64N_LEN);
}

ec_err ec_pkt_init_payload_decode(const uint8_t *buf, size_t len,
                                  ec_pkt_hello *out)
{
    if (buf == NULL || out == NULL) return EC_ERR_ARG;
    if (len < EC_PKT_INIT_PAYLOAD) return EC_ERR_TRUNCATED;
    if (len > EC_PKT_INIT_PAYLOAD) return EC_ERR_TRAILING;
    memcpy(out->tai64n, buf, EC_PKT_TAI64N_LEN);
    return get_record(buf + EC_PKT_TAI64N_LEN, out);
}

void ec_pkt_resp_payload_encode(const ec_pkt_hello *h,
                                uint8_t out[EC_PKT_RESP_PAYLOAD])
{
    put_record(h, out);
}

ec_err ec_pkt_resp_payload_decode(const uint8_t *buf, size_t len,
                                  ec_pkt_hello *out)
{
    if (buf == NULL || out == NULL) return EC_ERR_ARG;
    if (len < EC_PKT_RESP_PAYLOAD) return EC_ERR_TRUNCATED;
    if (len > EC_PKT_RESP_PAYLOAD) return EC_ERR_TRAILING;
    memset(out->tai64n, 0, EC_PKT_TAI64N_LEN);
    return get_record(buf, out);
}

void ec_pkt_tai64n(uint64_t unix_ns, uint8_t out[EC_PKT_TAI64N_LEN])
{
    uint64_t sec = (UINT64_C(1) << 62) + unix_ns / 1000000000u;
    uint32_t ns = (uint32_t)(unix_ns % 1000000000u);
    for (int i = 0; i < 8; i++) out[i] = (uint8_t)(sec >> (56 - 8 * i));
    for (int i = 0; i < 4; i++) out[8 + i] = (uint8_t)(ns >> (24 - 8 * i));
}
