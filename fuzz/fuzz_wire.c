/* libFuzzer harness: the wire reader and writer (src/wire/codec.h).
 *
 * Input layout: byte 0 = n, the program length (capped at what is left);
 * bytes 1..n = the program; the rest = the buffer the program reads, copied
 * into an exactly sized heap block so ASan catches any read past len.
 * Each program byte b is one call: b & 3 selects get_u8 / get_u32 / get_u64 /
 * get_bytes(b >> 2), where b >> 2 == 62 takes the count from the next program
 * byte c as 17 * c (0..4335: past any buffer under -max_len=4096) and
 * b >> 2 == 63 as (bytes left) + (int8_t)c, to probe the end exactly. The
 * `out` block of get_bytes is exactly n bytes too.
 *
 * A reference model (pos, failed) predicts every result: the values read
 * (little-endian), zeros / a zeroed `out` once a read ran past the end, the
 * reader's err field, and ec_wire_get_end: an error iff a read ran past the
 * end (EC_ERR_TRUNCATED) or bytes remain (EC_ERR_TRAILING).
 * The same calls are mirrored as puts on a writer whose capacity is the
 * buffer length: it must fail at the same call (EC_ERR_RANGE) and its bytes
 * must equal the bytes the reader consumed. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "wire/codec.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static uint64_t le(const uint8_t *p, size_t n)
{
    uint64_t v = 0;
    for (size_t i = n; i-- > 0;) v = v << 8 | p[i];
    return v;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0) return 0;
    size_t plen = data[0];
    if (plen > size - 1) plen = size - 1;
    const uint8_t *prog = data + 1;
    size_t len = size - 1 - plen;

    uint8_t *buf = malloc(len ? len : 1);
    uint8_t *wbuf = malloc(len ? len : 1);
    if (buf == NULL || wbuf == NULL) goto done;
    if (len) memcpy(buf, prog + plen, len);

    ec_wire_reader r;
    ec_wire_writer w;
    ec_wire_reader_init(&r, buf, len);
    ec_wire_writer_init(&w, wbuf, len);
    size_t pos = 0;
    int failed = 0;

    for (size_t pc = 0; pc < plen; pc++) {
        uint8_t op = prog[pc];
        size_t n;
        uint64_t got = 0;
        uint8_t *out = NULL;
        switch (op & 3) {
        case 0: n = 1; break;
        case 1: n = 4; break;
        case 2: n = 8; break;
        default:
            n = op >> 2;
            if (n >= 62) {
                int c = pc + 1 < plen ? prog[++pc] : 0;
                if (n == 62) {
                    n = 17u * (unsigned)c;
                } else {
                    long m = (long)(len - pos) + (int8_t)c;
                    n = m > 0 ? (size_t)m : 0;
                }
            }
            break;
        }

        int fits = !failed && len - pos >= n;
        switch (op & 3) {
        case 0: got = ec_wire_get_u8(&r); ec_wire_put_u8(&w, (uint8_t)got); break;
        case 1: got = ec_wire_get_u32(&r); ec_wire_put_u32(&w, (uint32_t)got); break;
        case 2: got = ec_wire_get_u64(&r); ec_wire_put_u64(&w, got); break;
        default:
            out = malloc(n ? n : 1);
            if (out == NULL) goto done;
            memset(out, 0xee, n);
            ec_wire_get_bytes(&r, out, n);
            ec_wire_put_bytes(&w, out, n);
            break;
        }

        if (fits) {
            if ((op & 3) != 3) {
                if (got != le(buf + pos, n)) __builtin_trap();
            } else if (n && memcmp(out, buf + pos, n) != 0) {
                __builtin_trap();
            }
            pos += n;
        } else {
            failed = 1;
            if (got != 0) __builtin_trap();
            for (size_t i = 0; out && i < n; i++)
                if (out[i] != 0) __builtin_trap();
        }
        free(out);

        if (r.err != (failed ? EC_ERR_TRUNCATED : EC_OK)) __builtin_trap();
        if (!failed && r.pos != pos) __builtin_trap();
        if (r.pos > len) __builtin_trap();
        if (w.err != (failed ? EC_ERR_RANGE : EC_OK)) __builtin_trap();
        if (w.len > len) __builtin_trap();
    }

    ec_err end = ec_wire_get_end(&r);
    ec_err want = failed ? EC_ERR_TRUNCATED : pos == len ? EC_OK : EC_ERR_TRAILING;
    if (end != want) __builtin_trap();
    if (!failed && (w.len != pos || (pos && memcmp(wbuf, buf, pos) != 0)))
        __builtin_trap();

done:
    free(buf);
    free(wbuf);
    return 0;
}
