/* Bounds-checked little-endian encoding and decoding.
 *
 * Every protocol format is written and read through these two cursors. A
 * writer never writes past `cap`; a reader never reads past `len`. Both are
 * sticky: after the first error every further call is a no-op, so a decoder
 * reads all its fields and checks once at the end (ec_wire_get_end). */
#ifndef EC_WIRE_CODEC_H
#define EC_WIRE_CODEC_H

#include <stddef.h>
#include <stdint.h>

#include "base/err.h"

typedef struct ec_wire_writer {
    uint8_t *buf;
    size_t cap;
    size_t len;
    ec_err err; /* EC_ERR_RANGE once a put did not fit */
} ec_wire_writer;

typedef struct ec_wire_reader {
    const uint8_t *buf;
    size_t len;
    size_t pos;
    ec_err err; /* EC_ERR_TRUNCATED once a get ran past len */
} ec_wire_reader;

void ec_wire_writer_init(ec_wire_writer *w, uint8_t *buf, size_t cap);
void ec_wire_put_u8(ec_wire_writer *w, uint8_t v);
void ec_wire_put_u16(ec_wire_writer *w, uint16_t v);
void ec_wire_put_u32(ec_wire_writer *w, uint32_t v);
void ec_wire_put_u64(ec_wire_writer *w, uint64_t v);
void ec_wire_put_bytes(ec_wire_writer *w, const void *p, size_t n);

void ec_wire_reader_init(ec_wire_reader *r, const uint8_t *buf, size_t len);
/* On error these return 0 / leave `out` zeroed and set r->err. */
uint8_t ec_wire_get_u8(ec_wire_reader *r);
uint16_t ec_wire_get_u16(ec_wire_reader *r);
uint32_t ec_wire_get_u32(ec_wire_reader *r);
uint64_t ec_wire_get_u64(ec_wire_reader *r);
void ec_wire_get_bytes(ec_wire_reader *r, void *out, size_t n);
/* The reader's error if any, else EC_ERR_TRAILING if bytes are left, else
 * EC_OK: a strict decoder ends with `return ec_wire_get_end(&r);`. */
ec_err ec_wire_get_end(const ec_wire_reader *r);

#endif
