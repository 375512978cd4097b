#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "crypto/keyfile.h"
#include "test.h"

static char dir[256];

static void path_in(char *out, size_t cap, const char *name)
{
    snprintf(out, cap, "%s/%s", dir, name);
}

static void make_key(ec_keypair *kp, uint8_t v)
{
    uint8_t seed[32];
    for (int i = 0; i < 32; i++) seed[i] = (uint8_t)(v * 3 + i);
    ec_sign_keypair(kp, seed);
}

static void write_raw(const char *path, const char *data, size_t len)
{
    FILE *f = fopen(path, "wb");
    if (f == NULL) return;
    fwrite(data, 1, len, f);
    fclose(f);
}

static void test_write_then_read_roundtrip_mode_0600(void)
{
    char p[512];
    ec_keypair kp, back;
    struct stat st;
    path_in(p, sizeof p, "k1");
    make_key(&kp, 1);
    CHECK_EQ_INT(ec_keyfile_write(p, &kp), EC_OK);
    CHECK(stat(p, &st) == 0 && (st.st_mode & 0777) == 0600);
    CHECK(st.st_size == EC_KEYFILE_LEN);
    CHECK_EQ_INT(ec_keyfile_read(&back, p), EC_OK);
    CHECK_MEM(back.seed, kp.seed, 32);
    CHECK_MEM(back.pub.b, kp.pub.b, 32);
}

static void test_existing_file_is_never_overwritten(void)
{
    char p[512];
    ec_keypair a, b, back;
    path_in(p, sizeof p, "k2");
    make_key(&a, 2);
    make_key(&b, 3);
    CHECK_EQ_INT(ec_keyfile_write(p, &a), EC_OK);
    CHECK_EQ_INT(ec_keyfile_write(p, &b), EC_ERR_EXISTS);
    CHECK_EQ_INT(ec_keyfile_read(&back, p), EC_OK);
    CHECK_MEM(back.pub.b, a.pub.b, 32);
}

static void test_missing_file_is_notfound(void)
{
    char p[512];
    ec_keypair kp;
    path_in(p, sizeof p, "does-not-exist");
    CHECK_EQ_INT(ec_keyfile_read(&kp, p), EC_ERR_NOTFOUND);
}

static void test_every_truncation_is_reported(void)
{
    char buf[EC_KEYFILE_LEN + 1];
    ec_keypair kp, back;
    make_key(&kp, 4);
    CHECK_EQ_INT(ec_keyfile_format(buf, sizeof buf, &kp), EC_OK);
    for (size_t n = 0; n < EC_KEYFILE_LEN; n++) {
        ec_err err = ec_keyfile_parse(&back, buf, n);
        CHECK(err == EC_ERR_TRUNCATED);
        if (err != EC_ERR_TRUNCATED) fprintf(stderr, "  at length %zu: %d\n", n, err);
    }
    CHECK_EQ_INT(ec_keyfile_parse(&back, buf, EC_KEYFILE_LEN), EC_OK);
}

static void test_corruption_is_detected(void)
{
    char buf[EC_KEYFILE_LEN + 2], p[512];
    ec_keypair kp, back;
    make_key(&kp, 5);
    ec_keyfile_format(buf, sizeof buf, &kp);
    /* A flipped hex digit in the seed: public key no longer matches. */
    buf[20] = buf[20] == '0' ? '1' : '0';
    CHECK_EQ_INT(ec_keyfile_parse(&back, buf, EC_KEYFILE_LEN), EC_ERR_CORRUPT);
    ec_keyfile_format(buf, sizeof buf, &kp);
    buf[100] = 'x'; /* not hex */
    CHECK_EQ_INT(ec_keyfile_parse(&back, buf, EC_KEYFILE_LEN), EC_ERR_CORRUPT);
    ec_keyfile_format(buf, sizeof buf, &kp);
    buf[EC_KEYFILE_LEN] = '\n'; /* one byte too many */
    CHECK_EQ_INT(ec_keyfile_parse(&back, buf, EC_KEYFILE_LEN + 1), EC_ERR_TRAILING);
    path_in(p, sizeof p, "k-long");
    write_raw(p, buf, EC_KEYFILE_LEN + 1);
    CHECK_EQ_INT(ec_keyfile_read(&back, p), EC_ERR_TRAILING);
    CHECK_EQ_INT(ec_keyfile_parse(&back, "ec-key v2\nseed", 14), EC_ERR_VERSION);
    CHECK_EQ_INT(ec_keyfile_parse(&back, "-----BEGIN PRIVATE KEY-----", 27), EC_ERR_CORRUPT);
    path_in(p, sizeof p, "k-trunc");
    ec_keyfile_format(buf, sizeof buf, &kp);
    write_raw(p, buf, 80);
    CHECK_EQ_INT(ec_keyfile_read(&back, p), EC_ERR_TRUNCATED);
}

int main(void)
{
    if (ec_crypto_init()) return 1;
    const char *tmp = getenv("TMPDIR");
    snprintf(dir, sizeof dir, "%s/ec-test-keyfile-XXXXXX", tmp ? tmp : "/tmp");
    if (mkdtemp(dir) == NULL) return 1;
    RUN(test_write_then_read_roundtrip_mode_0600);
    RUN(test_existing_file_is_never_overwritten);
    RUN(test_missing_file_is_notfound);
    RUN(test_every_truncation_is_reported);
    RUN(test_corruption_is_detected);
    char cmd[512];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd) != 0) fprintf(stderr, "cannot remove %s\n", dir);
    return TEST_REPORT("keyfile");
}
