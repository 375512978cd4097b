#include "crypto/hex.h"

#include <string.h>

void ec_hex_encode(char *out, const uint8_t *in, size_t len)
{
    static const char digits[] = "0123456789abcdef";
    for (size_t i = 0; i < len; i++) {
        out[2 * i] = digits[in[i] >> 4];
        out[2 * i + 1] = digits[in[i] & 0x0f];
    }
    out[2 * len] = '\0';
}

static int hex_value(char c)
{
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

ec_err ec_hex_decode(uint8_t *out, size_t out_len, const char *hex)
{
    if (hex == NULL || strlen(hex) != 2 * out_len) return EC_ERR_HEX;
    for (size_t i = 0; i < 2 * out_len; i++)
        if (hex_value(hex[i]) < 0) return EC_ERR_HEX;
    for (size_t i = 0; i < out_len; i++)
        out[i] = (uint8_t)(hex_value(hex[2 * i]) << 4 | hex_value(hex[2 * i + 1]));
    return EC_OK;
}
