/* A very small test harness: each tests/test_*.c is one executable whose
 * cases are plain functions. A failed CHECK marks the case failed, prints
 * file:line and the expression, and the case goes on (so one run shows every
 * broken assertion). Each binary ends with "<suite>: N passed, N failed";
 * scripts/test adds those up. */
#ifndef EC_TEST_H
#define EC_TEST_H

#include <stdio.h>
#include <string.h>

static int test_case_failed_;
static int test_passed_;
static int test_failed_;

#define CHECK(cond)                                                          \
    do {                                                                     \
        if (!(cond)) {                                                       \
            fprintf(stderr, "  %s:%d: CHECK(%s) failed\n", __FILE__,         \
                    __LINE__, #cond);                                        \
            test_case_failed_ = 1;                                           \
        }                                                                    \
    } while (0)

#define CHECK_EQ_INT(a, b)                                                   \
    do {                                                                     \
        long long a_ = (long long)(a), b_ = (long long)(b);                  \
        if (a_ != b_) {                                                      \
            fprintf(stderr, "  %s:%d: %s == %s failed (%lld != %lld)\n",     \
                    __FILE__, __LINE__, #a, #b, a_, b_);                     \
            test_case_failed_ = 1;                                           \
        }                                                                    \
    } while (0)

#define CHECK_MEM(a, b, n) CHECK(memcmp((a), (b), (n)) == 0)

#define RUN(fn)                                                              \
    do {                                                                     \
        test_case_failed_ = 0;                                               \
        fn();                                                                \
        if (test_case_failed_) {                                             \
            test_failed_++;                                                  \
            fprintf(stderr, "FAIL %s\n", #fn);                               \
        } else {                                                             \
            test_passed_++;                                                  \
            printf("ok   %s\n", #fn);                                        \
        }                                                                    \
    } while (0)

/* A case written inline (checks after something main did, such as stopping
 * daemons): CASE_BEGIN(), the checks, CASE_END("name"). */
#define CASE_BEGIN() (test_case_failed_ = 0)
#define CASE_END(name)                                                       \
    do {                                                                     \
        if (test_case_failed_) {                                             \
            test_failed_++;                                                  \
            fprintf(stderr, "FAIL %s\n", (name));                           \
        } else {                                                             \
            test_passed_++;                                                  \
            printf("ok   %s\n", (name));                                     \
        }                                                                    \
    } while (0)

#define TEST_REPORT(suite)                                                   \
    (printf("%s: %d passed, %d failed\n", (suite), test_passed_,             \
            test_failed_),                                                   \
     test_failed_ ? 1 : 0)

#endif
