#include "crypto/id.h"
#include "test.h"

static ec_id id_with(int byte, uint8_t v)
{
    ec_id a = {{0}};
    a.b[byte] = v;
    return a;
}

static void test_xor_distance_is_symmetric_and_zero_on_self(void)
{
    ec_id a, b, d1, d2;
    for (int i = 0; i < 32; i++) { a.b[i] = (uint8_t)(i * 7 + 1); b.b[i] = (uint8_t)(255 - i); }
    ec_id_xor(&d1, &a, &b);
    ec_id_xor(&d2, &b, &a);
    CHECK(ec_id_cmp(&d1, &d2) == 0);
    ec_id_xor(&d1, &a, &a);
    CHECK(ec_id_is_zero(&d1));
    CHECK(!ec_id_is_zero(&a));
}

static void test_cmp_is_big_endian(void)
{
    ec_id hi = id_with(0, 1), lo = id_with(31, 0xff);
    CHECK(ec_id_cmp(&hi, &lo) > 0);
    CHECK(ec_id_cmp(&lo, &hi) < 0);
    CHECK(ec_id_cmp(&lo, &lo) == 0);
}

static void test_leading_zero_bits(void)
{
    ec_id z = {{0}};
    CHECK_EQ_INT(ec_id_clz(&z), 256);
    ec_id a = id_with(0, 0x80);
    CHECK_EQ_INT(ec_id_clz(&a), 0);
    a = id_with(0, 0x01);
    CHECK_EQ_INT(ec_id_clz(&a), 7);
    a = id_with(5, 0x10);
    CHECK_EQ_INT(ec_id_clz(&a), 43);
    a = id_with(31, 0x01);
    CHECK_EQ_INT(ec_id_clz(&a), 255);
}

static void test_trailing_zero_bits(void)
{
    ec_id z = {{0}};
    CHECK_EQ_INT(ec_id_ctz(&z), 256);
    ec_id a = id_with(31, 0x01);
    CHECK_EQ_INT(ec_id_ctz(&a), 0);
    a = id_with(31, 0x80);
    CHECK_EQ_INT(ec_id_ctz(&a), 7);
    a = id_with(30, 0x04);
    CHECK_EQ_INT(ec_id_ctz(&a), 10);
    a = id_with(0, 0x80);
    CHECK_EQ_INT(ec_id_ctz(&a), 255);
}

static void test_distance_order_and_prefix(void)
{
    ec_id t = id_with(0, 0xf0), near = id_with(0, 0xf1), far = id_with(0, 0x0f);
    CHECK(ec_id_cmp_distance(&t, &near, &far) < 0);
    CHECK(ec_id_cmp_distance(&t, &far, &near) > 0);
    CHECK(ec_id_cmp_distance(&t, &near, &near) == 0);
    CHECK(ec_id_prefix_eq(&t, &near, 7));
    CHECK(!ec_id_prefix_eq(&t, &near, 8));
    CHECK(ec_id_prefix_eq(&t, &far, 0));
    CHECK(!ec_id_prefix_eq(&t, &far, 1));
    CHECK(ec_id_prefix_eq(&t, &t, 256));
    CHECK(ec_id_top64(&t) == 0xf000000000000000ull);
}

static void test_hex_roundtrip_and_rejects(void)
{
    ec_id a, b;
    char hex[65];
    for (int i = 0; i < 32; i++) a.b[i] = (uint8_t)(i * 9);
    ec_id_to_hex(&a, hex);
    CHECK(strlen(hex) == 64);
    CHECK_EQ_INT(ec_id_from_hex(&b, hex), EC_OK);
    CHECK(ec_id_cmp(&a, &b) == 0);
    hex[63] = 'z';
    CHECK_EQ_INT(ec_id_from_hex(&b, hex), EC_ERR_HEX);
    hex[63] = '\0';
    CHECK_EQ_INT(ec_id_from_hex(&b, hex), EC_ERR_HEX);
}

/* a - b mod 2^256, big-endian: a borrow across bytes, a wrap below zero,
 * and (a - b) + b == a on the bytes. */
static void test_sub_wraps_mod_2_256(void)
{
    ec_id a, b, d;
    memset(&a, 0, sizeof a);
    memset(&b, 0, sizeof b);
    a.b[30] = 1; /* 256 */
    b.b[31] = 1; /* 1 */
    ec_id_sub(&a, &b, &d);
    CHECK(d.b[31] == 0xff && d.b[30] == 0 && d.b[0] == 0); /* 255 */
    ec_id_sub(&b, &a, &d); /* 1 - 256 = 2^256 - 255 */
    CHECK(d.b[0] == 0xff && d.b[30] == 0xff && d.b[31] == 0x01);
    ec_id_sub(&a, &a, &d);
    CHECK(ec_id_is_zero(&d));
    /* d + b == a, checked by adding back byte by byte. */
    memset(&a, 0x5a, sizeof a);
    memset(&b, 0xa5, sizeof b);
    ec_id_sub(&a, &b, &d);
    int carry = 0;
    for (int i = EC_ID_LEN - 1; i >= 0; i--) {
        int x = d.b[i] + b.b[i] + carry;
        CHECK_EQ_INT(x & 0xff, a.b[i]);
        carry = x >> 8;
    }
}

int main(void)
{
    RUN(test_xor_distance_is_symmetric_and_zero_on_self);
    RUN(test_cmp_is_big_endian);
    RUN(test_leading_zero_bits);
    RUN(test_trailing_zero_bits);
    RUN(test_distance_order_and_prefix);
    RUN(test_hex_roundtrip_and_rejects);
    RUN(test_sub_wraps_mod_2_256);
    return TEST_REPORT("id");
}
