/* Hexadecimal encoding for identifiers, keys and digests. */
#ifndef EC_CRYPTO_HEX_H
#define EC_CRYPTO_HEX_H

#include <stddef.h>
#include <stdint.h>

#include "base/err.h"

/* Writes 2*len lowercase hex digits and a NUL to `out` (2*len+1 bytes). */
void ec_hex_encode(char *out, const uint8_t *in, size_t len);

/* Decodes exactly `out_len` bytes from the NUL-terminated string `hex`, which
 * must hold exactly 2*out_len hex digits (either case) and nothing else.
 * Returns EC_ERR_HEX on a wrong length or a non-hex character; `out` is then
 * left untouched. */
ec_err ec_hex_decode(uint8_t *out, size_t out_len, const char *hex);

#endif
