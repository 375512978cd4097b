/* The session layer's packet codec (src/net/packet.h): sizes, a round trip
 * of each type (re-encoding byte identical), every truncation and every
 * header fault refused with its reason, the handshake payloads, TAI64N. */
#include "net/packet.h"
#include "test.h"

static void fill(uint8_t *b, size_t n, uint8_t seed)
{
    for (size_t i = 0; i < n; i++) b[i] = (uint8_t)(seed + i * 7);
}

/* One packet of each type, with distinct bytes in every field. */
static void samples(ec_pkt p[4], uint8_t *ct, size_t ct_len)
{
    memset(p, 0, 4 * sizeof *p);
    p[0].type = EC_PKT_INIT;
    p[0].u.init.sender = 0x11223344;
    fill(p[0].u.init.noise, sizeof p[0].u.init.noise, 1);
    fill(p[0].u.init.mac1, 16, 2);
    fill(p[0].u.init.mac2, 16, 3);
    p[1].type = EC_PKT_RESP;
    p[1].u.resp.sender = 0xa1b2c3d4;
    p[1].u.resp.receiver = 0x01020304;
    fill(p[1].u.resp.noise, sizeof p[1].u.resp.noise, 4);
    fill(p[1].u.resp.mac1, 16, 5);
    fill(p[1].u.resp.mac2, 16, 6);
    p[2].type = EC_PKT_COOKIE;
    p[2].u.cookie.receiver = 0xdeadbeef;
    fill(p[2].u.cookie.nonce, 24, 7);
    fill(p[2].u.cookie.cookie, 32, 8);
    p[3].type = EC_PKT_DATA;
    p[3].u.data.receiver = 0x55667788;
    p[3].u.data.counter = UINT64_C(0x0102030405060708);
    fill(ct, ct_len, 9);
    p[3].u.data.ct = ct;
    p[3].u.data.ct_len = ct_len;
}

static void test_sizes_match_the_layout(void)
{
    CHECK_EQ_INT(EC_PKT_INIT_PAYLOAD, 144);
    CHECK_EQ_INT(EC_PKT_RESP_PAYLOAD, 132);
    CHECK_EQ_INT(EC_PKT_INIT_NOISE, 32 + 48 + 160);
    CHECK_EQ_INT(EC_PKT_RESP_NOISE, 32 + 148);
    CHECK_EQ_INT(EC_PKT_INIT_LEN, 280);
    CHECK_EQ_INT(EC_PKT_RESP_LEN, 224);
    CHECK_EQ_INT(EC_PKT_COOKIE_PKT_LEN, 64);
    CHECK_EQ_INT(EC_PKT_DATA_MIN, 32);
    CHECK_EQ_INT(EC_PKT_PLAIN_MAX, 1368);
    CHECK_EQ_INT(EC_PKT_INIT_MAC1, 248);
    CHECK_EQ_INT(EC_PKT_RESP_MAC1, 192);
}

static void test_every_type_roundtrips_byte_identical(void)
{
    static uint8_t ct[EC_PKT_PLAIN_MAX + 16];
    static const size_t ct_lens[] = {16, 17, 100, EC_PKT_PLAIN_MAX + 16};
    for (size_t c = 0; c < sizeof ct_lens / sizeof ct_lens[0]; c++) {
        ec_pkt p[4], back;
        samples(p, ct, ct_lens[c]);
        for (int i = 0; i < 4; i++) {
            uint8_t buf[EC_PKT_MTU], buf2[EC_PKT_MTU];
            size_t len, len2;
            CHECK_EQ_INT(ec_pkt_encode(&p[i], buf, sizeof buf, &len), EC_OK);
            CHECK_EQ_INT(len, ec_pkt_len(&p[i]));
            CHECK(len <= EC_PKT_MTU);
            CHECK_EQ_INT(buf[0], 1);
            CHECK_EQ_INT(buf[1], 0);
            CHECK_EQ_INT(buf[2], p[i].type);
            CHECK_EQ_INT(buf[3], 0);
            CHECK_EQ_INT(ec_pkt_decode(buf, len, &back), EC_PKT_OK);
            CHECK_EQ_INT(back.type, p[i].type);
            if (i == 3) {
                CHECK(back.u.data.ct == buf + 16); /* points in, no copy */
                CHECK_EQ_INT(back.u.data.ct_len, ct_lens[c]);
                CHECK_MEM(back.u.data.ct, ct, ct_lens[c]);
                CHECK_EQ_INT(back.u.data.receiver, 0x55667788);
                CHECK(back.u.data.counter == UINT64_C(0x0102030405060708));
            } else {
                size_t n = i == 0   ? sizeof p[i].u.init
                           : i == 1 ? sizeof p[i].u.resp
                                    : sizeof p[i].u.cookie;
                CHECK_MEM(&back.u, &p[i].u, n);
            }
            CHECK_EQ_INT(ec_pkt_encode(&back, buf2, sizeof buf2, &len2), EC_OK);
            CHECK_EQ_INT(len2, len);
            CHECK_MEM(buf, buf2, len);
        }
    }
}

static void test_fields_are_little_endian_at_their_offsets(void)
{
    static uint8_t ct[16];
    ec_pkt p[4];
    uint8_t buf[EC_PKT_MTU];
    size_t len;
    samples(p, ct, sizeof ct);
    ec_pkt_encode(&p[1], buf, sizeof buf, &len);
    CHECK_EQ_INT(buf[4], 0xd4); /* sender */
    CHECK_EQ_INT(buf[7], 0xa1);
    CHECK_EQ_INT(buf[8], 0x04); /* receiver */
    CHECK_MEM(buf + 12, p[1].u.resp.noise, EC_PKT_RESP_NOISE);
    CHECK_MEM(buf + 192, p[1].u.resp.mac1, 16);
    CHECK_MEM(buf + 208, p[1].u.resp.mac2, 16);
    ec_pkt_encode(&p[3], buf, sizeof buf, &len);
    CHECK_EQ_INT(buf[8], 0x08); /* counter, low byte first */
    CHECK_EQ_INT(buf[15], 0x01);
    uint8_t head[16];
    ec_pkt_data_head(head, 0x55667788, UINT64_C(0x0102030405060708));
    CHECK_MEM(head, buf, 16);
}

static void test_every_truncation_and_extension_refused(void)
{
    static uint8_t ct[EC_PKT_PLAIN_MAX + 16];
    ec_pkt p[4], back;
    uint8_t buf[EC_PKT_MTU + 8];
    size_t len;
    int bad = 0;
    samples(p, ct, 40);
    for (int i = 0; i < 4; i++) {
        ec_pkt_encode(&p[i], buf, sizeof buf, &len);
        size_t min_ok = i == 3 ? EC_PKT_DATA_MIN : len;
        for (size_t n = 0; n < min_ok; n++) {
            ec_pkt_fault f = ec_pkt_decode(buf, n, &back);
            bad += f != (n < 4 ? EC_PKT_BAD_SHORT : EC_PKT_BAD_LENGTH);
        }
        if (i < 3) CHECK_EQ_INT(ec_pkt_decode(buf, len + 1, &back), EC_PKT_BAD_LENGTH);
    }
    CHECK_EQ_INT(bad, 0);
    /* DATA: every length from 32 to 1400 decodes, 1401 does not. */
    samples(p, ct, EC_PKT_PLAIN_MAX + 16);
    ec_pkt_encode(&p[3], buf, sizeof buf, &len);
    CHECK_EQ_INT(len, EC_PKT_MTU);
    for (size_t n = EC_PKT_DATA_MIN; n <= EC_PKT_MTU; n++)
        bad += ec_pkt_decode(buf, n, &back) != EC_PKT_OK;
    CHECK_EQ_INT(bad, 0);
    CHECK_EQ_INT(ec_pkt_decode(buf, EC_PKT_MTU + 1, &back), EC_PKT_BAD_LENGTH);
    CHECK_EQ_INT(ec_pkt_decode(NULL, 0, &back), EC_PKT_BAD_SHORT);
}

static void test_header_faults_in_order(void)
{
    static uint8_t ct[16];
    ec_pkt p[4], back;
    uint8_t buf[EC_PKT_MTU];
    size_t len;
    samples(p, ct, sizeof ct);
    ec_pkt_encode(&p[0], buf, sizeof buf, &len);
    static const uint16_t versions[] = {0, 2, 0x0100, 0xffff};
    for (size_t v = 0; v < 4; v++) {
        buf[0] = (uint8_t)versions[v];
        buf[1] = (uint8_t)(versions[v] >> 8);
        CHECK_EQ_INT(ec_pkt_decode(buf, len, &back), EC_PKT_BAD_VERSION);
        buf[2] = 0; /* version is checked first */
        CHECK_EQ_INT(ec_pkt_decode(buf, len, &back), EC_PKT_BAD_VERSION);
        buf[2] = EC_PKT_INIT;
    }
    buf[0] = 1;
    buf[1] = 0;
    static const uint8_t types[] = {0, 5, 6, 0x81, 0xff};
    for (size_t t = 0; t < sizeof types; t++) {
        buf[2] = types[t];
        CHECK_EQ_INT(ec_pkt_decode(buf, len, &back), EC_PKT_BAD_TYPE);
    }
    buf[2] = EC_PKT_INIT;
    for (int r = 1; r < 256; r <<= 1) {
        buf[3] = (uint8_t)r;
        CHECK_EQ_INT(ec_pkt_decode(buf, len, &back), EC_PKT_BAD_RESERVED);
        CHECK_EQ_INT(ec_pkt_decode(buf, len - 1, &back), EC_PKT_BAD_RESERVED);
    }
    buf[3] = 0;
    CHECK_EQ_INT(ec_pkt_decode(buf, len, &back), EC_PKT_OK);
    /* A type byte of another valid type makes the length wrong. */
    buf[2] = EC_PKT_COOKIE;
    CHECK_EQ_INT(ec_pkt_decode(buf, len, &back), EC_PKT_BAD_LENGTH);
}

static void test_encode_refuses_bad_input(void)
{
    static uint8_t ct[EC_PKT_PLAIN_MAX + 17];
    ec_pkt p[4];
    uint8_t buf[EC_PKT_MTU];
    size_t len;
    samples(p, ct, 15);
    CHECK_EQ_INT(ec_pkt_encode(&p[3], buf, sizeof buf, &len), EC_ERR_ARG);
    p[3].u.data.ct_len = EC_PKT_PLAIN_MAX + 17;
    CHECK_EQ_INT(ec_pkt_encode(&p[3], buf, sizeof buf + 100, &len), EC_ERR_ARG);
    p[3].u.data.ct_len = 16;
    CHECK_EQ_INT(ec_pkt_encode(&p[3], buf, 31, &len), EC_ERR_RANGE);
    CHECK_EQ_INT(ec_pkt_encode(&p[0], buf, 279, &len), EC_ERR_RANGE);
    p[0].type = (ec_pkt_type)9;
    CHECK_EQ_INT(ec_pkt_encode(&p[0], buf, sizeof buf, &len), EC_ERR_ARG);
    CHECK_EQ_INT(ec_pkt_len(&p[0]), 0);
}

static void test_handshake_payloads(void)
{
    ec_pkt_hello h, back;
    uint8_t b[EC_PKT_INIT_PAYLOAD], r[EC_PKT_RESP_PAYLOAD];
    memset(&h, 0, sizeof h);
    fill(h.tai64n, 12, 30);
    h.has_record = true;
    fill(h.record, EC_PKT_RECORD_LEN, 40);
    ec_pkt_init_payload_encode(&h, b);
    CHECK_MEM(b, h.tai64n, 12);
    CHECK_EQ_INT(b[12], 1);
    CHECK_MEM(b + 13, h.record, EC_PKT_RECORD_LEN);
    CHECK_EQ_INT(ec_pkt_init_payload_decode(b, sizeof b, &back), EC_OK);
    CHECK(back.has_record);
    CHECK_MEM(back.record, h.record, EC_PKT_RECORD_LEN);
    CHECK_MEM(back.tai64n, h.tai64n, 12);
    CHECK_EQ_INT(ec_pkt_init_payload_decode(b, sizeof b - 1, &back), EC_ERR_TRUNCATED);
    b[12] = 3; /* an unknown flag */
    CHECK_EQ_INT(ec_pkt_init_payload_decode(b, sizeof b, &back), EC_ERR_MALFORMED);
    /* Without a record: zeros, and anything else is refused. */
    h.has_record = false;
    ec_pkt_resp_payload_encode(&h, r);
    CHECK_EQ_INT(r[0], 0);
    CHECK_EQ_INT(ec_pkt_resp_payload_decode(r, sizeof r, &back), EC_OK);
    CHECK(!back.has_record);
    r[131] = 1;
    CHECK_EQ_INT(ec_pkt_resp_payload_decode(r, sizeof r, &back), EC_ERR_MALFORMED);
    r[0] = 1;
    CHECK_EQ_INT(ec_pkt_resp_payload_decode(r, sizeof r, &back), EC_OK);
    CHECK(back.has_record);
    CHECK_EQ_INT(ec_pkt_resp_payload_decode(r, sizeof r - 1, &back), EC_ERR_TRUNCATED);
    uint8_t longer[EC_PKT_RESP_PAYLOAD + 1] = {0};
    CHECK_EQ_INT(ec_pkt_resp_payload_decode(longer, sizeof longer, &back), EC_ERR_TRAILING);
}

static void test_tai64n(void)
{
    uint8_t t[12], u[12];
    static const uint8_t epoch[12] = {0x40, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0};
    ec_pkt_tai64n(0, t);
    CHECK_MEM(t, epoch, 12);
    ec_pkt_tai64n(UINT64_C(1500000000), t); /* 1.5 s */
    static const uint8_t one_half[12] = {0x40, 0, 0, 0, 0, 0, 0, 1,
                                         0x1d, 0xcd, 0x65, 0x00};
    CHECK_MEM(t, one_half, 12);
    /* memcmp orders them, across a second boundary too. */
    ec_pkt_tai64n(UINT64_C(1700000000999999999), t);
    ec_pkt_tai64n(UINT64_C(1700000001000000000), u);
    CHECK(memcmp(t, u, 12) < 0);
}

int main(void)
{
    RUN(test_sizes_match_the_layout);
    RUN(test_every_type_roundtrips_byte_identical);
    RUN(test_fields_are_little_endian_at_their_offsets);
    RUN(test_every_truncation_and_extension_refused);
    RUN(test_header_faults_in_order);
    RUN(test_encode_refuses_bad_input);
    RUN(test_handshake_payloads);
    RUN(test_tai64n);
    return TEST_REPORT("packet");
}
