/* Per-source token buckets (net/ratelimit.h). */
#include <string.h>

#include "net/endpoint.h"
#include "net/ratelimit.h"
#include "test.h"

static ec_endpoint ep(const char *s)
{
    ec_endpoint e;
    ec_endpoint_parse(&e, s);
    return e;
}

static void test_burst_then_rate(void)
{
    ec_ratelimit *r;
    CHECK(ec_ratelimit_new(&r, 64, 10, 5) == EC_OK);
    ec_endpoint a = ep("10.0.0.1:1000");
    int ok = 0;
    for (int i = 0; i < 20; i++) ok += ec_ratelimit_allow(r, &a, 1000);
    CHECK_EQ_INT(ok, 5); /* the burst, then nothing at the same instant */
    CHECK(!ec_ratelimit_allow(r, &a, 1099)); /* 0.99 tokens after 99 ms at 10/s */
    CHECK(ec_ratelimit_allow(r, &a, 1100));  /* 1 token after 100 ms */
    /* Refill never exceeds the burst. */
    ok = 0;
    for (int i = 0; i < 20; i++) ok += ec_ratelimit_allow(r, &a, 1000000);
    CHECK_EQ_INT(ok, 5);
    ec_ratelimit_free(r);
}

static void test_port_is_not_a_new_source(void)
{
    ec_ratelimit *r;
    CHECK(ec_ratelimit_new(&r, 64, 1, 3) == EC_OK);
    int ok = 0;
    char s[32];
    for (int port = 1; port <= 10; port++) {
        snprintf(s, sizeof s, "10.0.0.2:%d", port);
        ec_endpoint e = ep(s);
        ok += ec_ratelimit_allow(r, &e, 5000);
    }
    CHECK_EQ_INT(ok, 3);
    /* Another address has its own bucket; IPv6 too. */
    ec_endpoint b = ep("10.0.0.3:1"), c = ep("[2001:db8::1]:7");
    CHECK(ec_ratelimit_allow(r, &b, 5000));
    CHECK(ec_ratelimit_allow(r, &c, 5000));
    ec_ratelimit_free(r);
}

static void test_many_sources_bounded(void)
{
    /* 100,000 sources through 64 entries: every new one gets its burst
     * (the table forgets, it never grows), and a hot source keeps its
     * entry while others churn less recently. */
    ec_ratelimit *r;
    CHECK(ec_ratelimit_new(&r, 64, 1, 2) == EC_OK);
    int ok = 0;
    char s[32];
    for (int i = 0; i < 100000; i++) {
        snprintf(s, sizeof s, "10.%d.%d.%d:9", (i >> 16) & 255, (i >> 8) & 255, i & 255);
        ec_endpoint e = ep(s);
        ok += ec_ratelimit_allow(r, &e, 1000 + (uint64_t)i);
    }
    CHECK_EQ_INT(ok, 100000);
    ec_ratelimit_free(r);
    ec_ratelimit *z = NULL;
    CHECK(ec_ratelimit_new(&z, 0, 1, 1) == EC_ERR_ARG);
    CHECK(ec_ratelimit_new(&z, 8, 0, 1) == EC_ERR_ARG);
}

int main(void)
{
    RUN(test_burst_then_rate);
    RUN(test_port_is_not_a_new_source);
    RUN(test_many_sources_bounded);
    return TEST_REPORT("ratelimit");
}
