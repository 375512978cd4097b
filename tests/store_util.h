/* Opens a fresh store of either backend for tests that run against both. */
#ifndef EC_TEST_STORE_UTIL_H
#define EC_TEST_STORE_UTIL_H

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "ledger/store.h"

typedef enum { TS_MEM, TS_LMDB } ts_kind;
static const char *ts_name[] = {"mem", "lmdb"};
static char ts_dir[512];

static inline ec_store *ts_open(ts_kind k)
{
    ec_store *s = NULL;
    ts_dir[0] = 0; /* set below for LMDB only: tests tell the backends apart by it */
    if (k == TS_MEM) return ec_store_mem_open(&s) == EC_OK ? s : NULL;
    const char *tmp = getenv("TMPDIR");
    snprintf(ts_dir, sizeof ts_dir, "%s/ec-test-store-XXXXXX", tmp ? tmp : "/tmp");
    if (mkdtemp(ts_dir) == NULL) return NULL;
    return ec_store_lmdb_open(&s, ts_dir, 64u << 20) == EC_OK ? s : NULL;
}

static inline void ts_close(ec_store *s, ts_kind k)
{
    ec_store_close(s);
    if (k == TS_LMDB) {
        char cmd[600];
        snprintf(cmd, sizeof cmd, "rm -rf '%s'", ts_dir);
        if (system(cmd) != 0) fprintf(stderr, "cannot remove %s\n", ts_dir);
    }
}

/* The store RUN_BOTH opened for the case running (ts_reopen may replace
 * it; RUN_BOTH closes whichever is current). */
static ec_store *ts_cur;

/* A restart: the LMDB store closed and opened again from its directory
 * (the same one for the memory backend, whose contents would not survive).
 * The store to use from now on; the one passed is closed. */
static inline ec_store *ts_reopen(ec_store *s)
{
    if (ts_dir[0] == 0 || s != ts_cur) return s;
    ec_store_close(s);
    ts_cur = NULL;
    if (ec_store_lmdb_open(&ts_cur, ts_dir, 64u << 20) != EC_OK) ts_cur = NULL;
    return ts_cur;
}

/* Runs fn(store) once per backend; fn's name is printed with the backend. */
#define RUN_BOTH(fn)                                                          \
    do {                                                                      \
        for (int k_ = 0; k_ < 2; k_++) {                                      \
            ts_cur = ts_open((ts_kind)k_);                                    \
            test_case_failed_ = 0;                                            \
            if (ts_cur == NULL) test_case_failed_ = 1;                        \
            else { fn(ts_cur); ts_close(ts_cur, (ts_kind)k_); }               \
            if (test_case_failed_) {                                          \
                test_failed_++;                                               \
                fprintf(stderr, "FAIL %s [%s]\n", #fn, ts_name[k_]);          \
            } else {                                                          \
                test_passed_++;                                               \
                printf("ok   %s [%s]\n", #fn, ts_name[k_]);                   \
            }                                                                 \
        }                                                                     \
    } while (0)

#endif
