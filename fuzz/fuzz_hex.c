/* libFuzzer harness: hex decoding (src/crypto/hex.h, src/crypto/id.h).
 *
 * The input, made into a NUL-terminated string s (in an exactly sized
 * buffer), is decoded with ec_hex_decode(out, strlen(s) / 2, s), with a
 * wrong out_len, and with ec_id_from_hex. Properties:
 *  - decoding succeeds iff s has exactly 2*out_len characters, all hex digits
 *    (checked against an independent reference);
 *  - on EC_OK, re-encoding (lowercase) equals s lowercased;
 *  - on error the result is EC_ERR_HEX and `out` is left untouched. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/hex.h"
#include "crypto/id.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int is_hex(char c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

static char lower(char c)
{
    return (c >= 'A' && c <= 'Z') ? (char)(c - 'A' + 'a') : c;
}

static int expect_ok(const char *s, size_t slen, size_t out_len)
{
    if (slen != 2 * out_len) return 0;
    for (size_t i = 0; i < slen; i++)
        if (!is_hex(s[i])) return 0;
    return 1;
}

static int equals_lowered(const char *enc, const char *s, size_t slen)
{
    for (size_t i = 0; i < slen; i++)
        if (enc[i] != lower(s[i])) return 0;
    return enc[slen] == '\0';
}

/* One ec_hex_decode call into an exactly sized buffer, fully checked. */
static void check_decode(const char *s, size_t slen, size_t out_len)
{
    uint8_t *out = malloc(out_len ? out_len : 1);
    char *enc = malloc(2 * out_len + 1);
    if (out == NULL || enc == NULL) goto done;
    memset(out, 0x5a, out_len);
    ec_err err = ec_hex_decode(out, out_len, s);
    if ((err == EC_OK) != expect_ok(s, slen, out_len)) __builtin_trap();
    if (err == EC_OK) {
        ec_hex_encode(enc, out, out_len);
        if (!equals_lowered(enc, s, slen)) __builtin_trap();
    } else {
        if (err != EC_ERR_HEX) __builtin_trap();
        for (size_t i = 0; i < out_len; i++)
            if (out[i] != 0x5a) __builtin_trap();
    }
done:
    free(out);
    free(enc);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *s = malloc(size + 1);
    if (s == NULL) return 0;
    if (size) memcpy(s, data, size);
    s[size] = '\0';
    size_t slen = strlen(s); /* shorter than size if the input holds a NUL */

    check_decode(s, slen, slen / 2);
    check_decode(s, slen, slen / 2 + 1); /* always a wrong length */
    if (slen >= 2) check_decode(s, slen, slen / 2 - 1);

    ec_id id, before;
    memset(&id, 0x5a, sizeof id);
    before = id;
    ec_err err = ec_id_from_hex(&id, s);
    if ((err == EC_OK) != expect_ok(s, slen, EC_ID_LEN)) __builtin_trap();
    if (err == EC_OK) {
        char enc[EC_ID_HEX_LEN + 1];
        ec_id_to_hex(&id, enc);
        if (!equals_lowered(enc, s, slen)) __builtin_trap();
    } else if (err != EC_ERR_HEX || memcmp(&id, &before, sizeof id) != 0) {
        __builtin_trap();
    }
    free(s);
    return 0;
}
