#include "test.h"
#include "wire/codec.h"

static void test_roundtrip_little_endian(void)
{
    uint8_t buf[13];
    ec_wire_writer w;
    ec_wire_writer_init(&w, buf, sizeof buf);
    ec_wire_put_u8(&w, 0xab);
    ec_wire_put_u32(&w, 0x01020304u);
    ec_wire_put_u64(&w, 0x1122334455667788ull);
    CHECK_EQ_INT(w.err, EC_OK);
    CHECK_EQ_INT(w.len, 13);
    CHECK(buf[1] == 0x04 && buf[4] == 0x01 && buf[5] == 0x88 && buf[12] == 0x11);
    ec_wire_reader r;
    ec_wire_reader_init(&r, buf, sizeof buf);
    CHECK(ec_wire_get_u8(&r) == 0xab);
    CHECK(ec_wire_get_u32(&r) == 0x01020304u);
    CHECK(ec_wire_get_u64(&r) == 0x1122334455667788ull);
    CHECK_EQ_INT(ec_wire_get_end(&r), EC_OK);
}

static void test_writer_never_overflows(void)
{
    uint8_t buf[6] = {0};
    ec_wire_writer w;
    ec_wire_writer_init(&w, buf, 5);
    ec_wire_put_u32(&w, 0xffffffffu);
    ec_wire_put_u32(&w, 0xffffffffu); /* does not fit */
    ec_wire_put_u8(&w, 0xee);         /* sticky: ignored */
    CHECK_EQ_INT(w.err, EC_ERR_RANGE);
    CHECK_EQ_INT(w.len, 4);
    CHECK(buf[4] == 0 && buf[5] == 0);
}

static void test_reader_truncated_and_trailing(void)
{
    uint8_t buf[3] = {1, 2, 3}, out[4] = {9, 9, 9, 9};
    ec_wire_reader r;
    ec_wire_reader_init(&r, buf, 3);
    CHECK(ec_wire_get_u32(&r) == 0);
    CHECK_EQ_INT(ec_wire_get_end(&r), EC_ERR_TRUNCATED);
    ec_wire_reader_init(&r, buf, 3);
    ec_wire_get_bytes(&r, out, 4);
    CHECK(out[0] == 0 && out[3] == 0); /* zeroed, not partially copied */
    CHECK_EQ_INT(r.err, EC_ERR_TRUNCATED);
    ec_wire_reader_init(&r, buf, 3);
    ec_wire_get_u8(&r);
    CHECK_EQ_INT(ec_wire_get_end(&r), EC_ERR_TRAILING);
    ec_wire_reader_init(&r, NULL, 100); /* NULL buffer reads as empty */
    ec_wire_get_u8(&r);
    CHECK_EQ_INT(ec_wire_get_end(&r), EC_ERR_TRUNCATED);
}

int main(void)
{
    RUN(test_roundtrip_little_endian);
    RUN(test_writer_never_overflows);
    RUN(test_reader_truncated_and_trailing);
    return TEST_REPORT("codec");
}
