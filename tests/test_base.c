#include "base/err.h"
#include "crypto/hex.h"
#include "test.h"

static void test_every_error_has_a_distinct_message(void)
{
    const char *seen[32];
    int n = 0;
    for (int e = 0; e >= EC_ERR_PERM; e--) {
        const char *s = ec_err_str((ec_err)e);
        CHECK(s != NULL && strcmp(s, "unknown error") != 0);
        for (int i = 0; i < n; i++) CHECK(strcmp(seen[i], s) != 0);
        if (n < 32) seen[n++] = s;
    }
    CHECK(strcmp(ec_err_str((ec_err)-999), "unknown error") == 0);
}

static void test_hex_roundtrip(void)
{
    uint8_t in[5] = {0x00, 0x01, 0xab, 0xcd, 0xff}, out[5];
    char hex[11];
    ec_hex_encode(hex, in, 5);
    CHECK(strcmp(hex, "0001abcdff") == 0);
    CHECK_EQ_INT(ec_hex_decode(out, 5, hex), EC_OK);
    CHECK_MEM(in, out, 5);
    CHECK_EQ_INT(ec_hex_decode(out, 5, "0001ABCDFF"), EC_OK);
    CHECK_MEM(in, out, 5);
}

static void test_hex_rejects_bad_input(void)
{
    uint8_t out[2] = {7, 7};
    CHECK_EQ_INT(ec_hex_decode(out, 2, "abc"), EC_ERR_HEX);     /* odd/short */
    CHECK_EQ_INT(ec_hex_decode(out, 2, "abcdef"), EC_ERR_HEX);  /* long */
    CHECK_EQ_INT(ec_hex_decode(out, 2, "abcg"), EC_ERR_HEX);    /* non-hex */
    CHECK_EQ_INT(ec_hex_decode(out, 2, " bcd"), EC_ERR_HEX);    /* space */
    CHECK_EQ_INT(ec_hex_decode(out, 2, "0x12"), EC_ERR_HEX);    /* prefix */
    CHECK_EQ_INT(ec_hex_decode(out, 2, ""), EC_ERR_HEX);
    CHECK_EQ_INT(ec_hex_decode(out, 2, NULL), EC_ERR_HEX);
    CHECK(out[0] == 7 && out[1] == 7); /* untouched on error */
}

int main(void)
{
    RUN(test_every_error_has_a_distinct_message);
    RUN(test_hex_roundtrip);
    RUN(test_hex_rejects_bad_input);
    return TEST_REPORT("base");
}
