/* libFuzzer harness: the commit chain's block codecs (ledger/block.h).
 * The first byte picks the decoder (even: header, odd: body), the rest is
 * its input. A decoder returns EC_OK or a negative error and never reads
 * past the input; on EC_OK the structure re-encodes to exactly the input
 * (one encoding per block), a header's hash is stable, and a body's root
 * check against a header made from it passes. */
#include <stdint.h>
#include <string.h>

#include "ledger/block.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(c) \
    do { \
        if (!(c)) __builtin_trap(); \
    } while (0)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0) return 0;
    const uint8_t *in = data + 1;
    size_t n = size - 1;
    uint8_t out[EC_BLOCK_BODY_MAX + EC_BLOCK_HEADER_MAX];
    size_t len = 0;
    if ((data[0] & 1) == 0) {
        ec_block_header h;
        ec_err e = ec_block_header_decode(&h, in, n);
        CHECK(e <= 0);
        if (e != EC_OK) return 0;
        CHECK(ec_block_header_encode(&h, out, sizeof out, &len) == EC_OK);
        CHECK(len == n && memcmp(out, in, n) == 0);
        ec_id a, b;
        ec_block_hash(&h, &a);
        ec_block_hash(&h, &b);
        CHECK(ec_id_cmp(&a, &b) == 0);
        CHECK(!ec_block_equivocation(&h, &h));
    } else {
        ec_block_body b;
        ec_err e = ec_block_body_decode(&b, in, n);
        CHECK(e <= 0);
        if (e != EC_OK) return 0;
        CHECK(ec_block_body_encode(&b, out, sizeof out, &len) == EC_OK);
        CHECK(len == n && memcmp(out, in, n) == 0);
        ec_block_header h;
        memset(&h, 0, sizeof h);
        h.count = b.count;
        ec_block_root(b.ids, b.count, &h.root);
        CHECK(ec_block_check_body(&h, &b) == EC_BLOCK_OK);
    }
    return 0;
}
