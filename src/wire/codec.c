#include "wire/codec.h"

#include <string.h>

void ec_wire_writer_init(ec_wire_writer *w, uint8_t *buf, size_t cap)
{
    w->buf = buf;
    w->cap = buf ? cap : 0;
    w->len = 0;
    w->err = EC_OK;
}

static uint8_t *reserve(ec_wire_writer *w, size_t n)
{
    if (w->err) return NULL;
    if (w->cap - w->len < n) {
        w->err = EC_ERR_RANGE;
        return NULL;
    }
    uint8_t *p = w->buf + w->len;
    w->len += n;
    return p;
}

void ec_wire_put_u8(ec_wire_writer *w, uint8_t v)
{
    uint8_t *p = reserve(w, 1);
    if (p) p[0] = v;
}

void ec_wire_put_u16(ec_wire_writer *w, uint16_t v)
{
    uint8_t *p = reserve(w, 2);
    if (p) p[0] = (uint8_t)v, p[1] = (uint8_t)(v >> 8);
}

void ec_wire_put_u32(ec_wire_writer *w, uint32_t v)
{
    uint8_t *p = reserve(w, 4);
    if (p)
        for (int i = 0; i < 4; i++) p[i] = (uint8_t)(v >> (8 * i));
}

void ec_wire_put_u64(ec_wire_writer *w, uint64_t v)
{
    uint8_t *p = reserve(w, 8);
    if (p)
        for (int i = 0; i < 8; i++) p[i] = (uint8_t)(v >> (8 * i));
}

void ec_wire_put_bytes(ec_wire_writer *w, const void *src, size_t n)
{
    uint8_t *p = reserve(w, n);
    if (p && n) memcpy(p, src, n);
}

void ec_wire_reader_init(ec_wire_reader *r, const uint8_t *buf, size_t len)
{
    r->buf = buf;
    r->len = buf ? len : 0;
    r->pos = 0;
    r->err = EC_OK;
}

static const uint8_t *take(ec_wire_reader *r, size_t n)
{
    if (r->err) return NULL;
    if (r->len - r->pos < n) {
        r->err = EC_ERR_TRUNCATED;
        return NULL;
    }
    const uint8_t *p = r->buf + r->pos;
    r->pos += n;
    return p;
}

uint8_t ec_wire_get_u8(ec_wire_reader *r)
{
    const uint8_t *p = take(r, 1);
    return p ? p[0] : 0;
}

uint16_t ec_wire_get_u16(ec_wire_reader *r)
{
    const uint8_t *p = take(r, 2);
    return p ? (uint16_t)(p[0] | p[1] << 8) : 0;
}

uint32_t ec_wire_get_u32(ec_wire_reader *r)
{
    const uint8_t *p = take(r, 4);
    uint32_t v = 0;
    if (p)
        for (int i = 3; i >= 0; i--) v = v << 8 | p[i];
    return v;
}

uint64_t ec_wire_get_u64(ec_wire_reader *r)
{
    const uint8_t *p = take(r, 8);
    uint64_t v = 0;
    if (p)
        for (int i = 7; i >= 0; i--) v = v << 8 | p[i];
    return v;
}

void ec_wire_get_bytes(ec_wire_reader *r, void *out, size_t n)
{
    const uint8_t *p = take(r, n);
    if (p) {
        if (n) memcpy(out, p, n);
    } else if (n) {
        memset(out, 0, n);
    }
}

ec_err ec_wire_get_end(const ec_wire_reader *r)
{
    if (r->err) return r->err;
    return r->pos == r->len ? EC_OK : EC_ERR_TRAILING;
}
