/* BLAKE3 against Debian's b3sum: 1,000 random inputs of 0..100,000 bytes,
 * a long extended output, keyed hashing and key derivation, byte for byte. */
#include "crypto/blake3.h"
#include "test.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

#include "blake3_util.h"

/* ---- b3sum ------------------------------------------------------------- */

typedef struct {
    char path[4096];
    int fd;
} tmpfile_t;

static int tmp_open(tmpfile_t *t)
{
    const char *dir = getenv("TMPDIR");
    snprintf(t->path, sizeof t->path, "%s/ec_test_blake3_XXXXXX",
             dir && *dir ? dir : "/tmp");
    t->fd = mkstemp(t->path);
    return t->fd >= 0 ? 0 : -1;
}

static int tmp_write(tmpfile_t *t, const uint8_t *p, size_t n)
{
    if (ftruncate(t->fd, 0) != 0)
        return -1;
    size_t off = 0;
    while (off < n) {
        ssize_t w = pwrite(t->fd, p + off, n - off, (off_t)off);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return -1;
        off += (size_t)w;
    }
    return 0;
}

static void tmp_close(tmpfile_t *t)
{
    close(t->fd);
    unlink(t->path);
}

/* Runs b3sum with `args` (NULL-terminated, without argv[0]), feeding
 * `in`/`in_len` on stdin, and decodes its hex output into `out`/`out_len`.
 * Returns 0 on success; -1 on spawn failure, nonzero exit, or bad output. */
static int run_b3sum(const char *const *args, const uint8_t *in,
                     size_t in_len, uint8_t *out, size_t out_len)
{
    char *argv[16];
    size_t argc = 0;
    argv[argc++] = (char *)"b3sum";
    for (; *args && argc < 15; args++)
        argv[argc++] = (char *)*args;
    argv[argc] = NULL;

    int pin[2], pout[2];
    if (pipe(pin) != 0)
        return -1;
    if (pipe(pout) != 0) {
        close(pin[0]);
        close(pin[1]);
        return -1;
    }
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_adddup2(&fa, pin[0], 0);
    posix_spawn_file_actions_adddup2(&fa, pout[1], 1);
    posix_spawn_file_actions_addclose(&fa, pin[0]);
    posix_spawn_file_actions_addclose(&fa, pin[1]);
    posix_spawn_file_actions_addclose(&fa, pout[0]);
    posix_spawn_file_actions_addclose(&fa, pout[1]);
    pid_t pid;
    int rc = posix_spawnp(&pid, "b3sum", &fa, NULL, argv, environ);
    posix_spawn_file_actions_destroy(&fa);
    close(pin[0]);
    close(pout[1]);
    if (rc != 0) {
        close(pin[1]);
        close(pout[0]);
        return -1;
    }
    /* Inputs written here are small (a key or a few KiB) or the child reads
     * all of stdin before writing, so writing first cannot deadlock. */
    int ok = 1;
    size_t off = 0;
    while (off < in_len) {
        ssize_t w = write(pin[1], in + off, in_len - off);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0) {
            ok = 0;
            break;
        }
        off += (size_t)w;
    }
    close(pin[1]);
    size_t cap = 2 * out_len + 64, got = 0;
    char *text = malloc(cap);
    ok = ok && text != NULL;
    for (;;) {
        char sink[256];
        char *dst = text && got < cap ? text + got : sink;
        size_t room = text && got < cap ? cap - got : sizeof sink;
        ssize_t r = read(pout[0], dst, room);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            break;
        if (dst == sink)
            ok = 0; /* more output than expected */
        else
            got += (size_t)r;
    }
    close(pout[0]);
    int status;
    while (waitpid(pid, &status, 0) < 0)
        if (errno != EINTR)
            return free(text), -1;
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
        ok = 0;
    /* Expected output: exactly the hex digits and one newline. */
    if (ok && (got != 2 * out_len + 1 || text[2 * out_len] != '\n' ||
               hex_decode(text, 2 * out_len, out, out_len) != 0))
        ok = 0;
    free(text);
    return ok ? 0 : -1;
}

static int b3sum_available(void)
{
    static const char *const args[] = {"--no-names", NULL};
    uint8_t out[32];
    if (run_b3sum(args, (const uint8_t *)"", 0, out, sizeof out) == 0)
        return 1;
    fprintf(stderr, "  b3sum not found or not working: run scripts/setup "
                    "(installs Debian's b3sum)\n");
    return 0;
}

/* Length of the i-th random input: 0 and 100000 first, then a mix that is
 * uniform over 0..100000, small (0..4096) and near chunk boundaries. */
static size_t random_len(uint64_t *seed, int i)
{
    if (i == 0)
        return 0;
    if (i == 1)
        return 100000;
    uint64_t r = splitmix64(seed);
    switch (i % 4) {
    case 0:
        return (size_t)(r % 4097);
    case 1: {
        size_t k = (size_t)(r % 98) * 1024;
        return k + 3 - (size_t)((r >> 32) % 7); /* k-3 .. k+3, no wrap: +3 */
    }
    default:
        return (size_t)(r % 100001);
    }
}

static void test_random_inputs_match_b3sum(void)
{
    enum { COUNT = 1000, MAX_LEN = 100000, XOF_LEN = 131 };
    if (!b3sum_available()) {
        CHECK(!"b3sum missing: run scripts/setup");
        return;
    }
    static uint8_t in[MAX_LEN + 8];
    static const char *const args_plain[] = {"--no-names", NULL};
    static const char *const args_xof[] = {"--no-names", "--length", "131",
                                           NULL};
    uint64_t seed = 0x5EED0003;
    int mismatches = 0, failures = 0, compared = 0, saw0 = 0, saw_max = 0;
    for (int i = 0; i < COUNT; i++) {
        size_t len = random_len(&seed, i);
        if (len > MAX_LEN)
            len = MAX_LEN;
        saw0 |= len == 0;
        saw_max |= len == MAX_LEN;
        fill_random(&seed, in, len);
        int xof = i % 10 == 3;
        size_t n = xof ? XOF_LEN : EC_BLAKE3_OUT_LEN;
        uint8_t ours[XOF_LEN], theirs[XOF_LEN];
        ec_blake3 h;
        ec_blake3_init(&h);
        ec_blake3_update(&h, in, len);
        ec_blake3_finalize(&h, ours, n);
        if (!xof) {
            uint8_t oneshot[32];
            ec_blake3_hash(in, len, oneshot);
            CHECK_MEM(oneshot, ours, 32);
        }
        if (run_b3sum(xof ? args_xof : args_plain, in, len, theirs, n) != 0) {
            if (failures++ < 5)
                fprintf(stderr, "  b3sum failed on input %d (len %zu)\n", i,
                        len);
            continue;
        }
        compared++;
        if (memcmp(ours, theirs, n) != 0 && mismatches++ < 5)
            fprintf(stderr, "  input %d (len %zu%s) differs from b3sum\n", i,
                    len, xof ? ", 131-byte XOF" : "");
    }
    CHECK_EQ_INT(failures, 0);
    CHECK_EQ_INT(mismatches, 0);
    CHECK_EQ_INT(compared, COUNT);
    CHECK(saw0 && saw_max);
}

static void test_long_xof_matches_b3sum(void)
{
    static const size_t lens[] = {0, 1, 1024, 5000, 70000};
    static const char *const args[] = {"--no-names", "--length", "10000",
                                       NULL};
    if (!b3sum_available()) {
        CHECK(!"b3sum missing: run scripts/setup");
        return;
    }
    static uint8_t in[70000], ours[10000], theirs[10000];
    uint64_t seed = 0x5EED0004;
    for (size_t i = 0; i < sizeof lens / sizeof lens[0]; i++) {
        fill_random(&seed, in, lens[i]);
        ec_blake3 h;
        ec_blake3_init(&h);
        ec_blake3_update(&h, in, lens[i]);
        ec_blake3_finalize(&h, ours, sizeof ours);
        CHECK(run_b3sum(args, in, lens[i], theirs, sizeof theirs) == 0);
        CHECK_MEM(ours, theirs, sizeof ours);
    }
}

static void test_keyed_inputs_match_b3sum(void)
{
    enum { COUNT = 40, MAX_LEN = 100000 };
    if (!b3sum_available()) {
        CHECK(!"b3sum missing: run scripts/setup");
        return;
    }
    tmpfile_t t;
    CHECK(tmp_open(&t) == 0);
    if (t.fd < 0)
        return;
    static uint8_t in[MAX_LEN + 8];
    const char *const args[] = {"--no-names", "--keyed", t.path, NULL};
    uint64_t seed = 0x5EED0005;
    for (int i = 0; i < COUNT; i++) {
        uint8_t key[32], ours[32], theirs[32];
        size_t len = random_len(&seed, i);
        fill_random(&seed, key, sizeof key);
        fill_random(&seed, in, len);
        ec_blake3_keyed(key, in, len, ours);
        CHECK(tmp_write(&t, in, len) == 0);
        /* --keyed reads the 32-byte key from stdin; the input is the file. */
        int rc = run_b3sum(args, key, sizeof key, theirs, sizeof theirs);
        CHECK(rc == 0);
        if (rc == 0 && memcmp(ours, theirs, 32) != 0)
            fprintf(stderr, "  keyed input %d (len %zu) differs\n", i, len);
        CHECK_MEM(ours, theirs, 32);
    }
    tmp_close(&t);
}

static void test_derive_key_inputs_match_b3sum(void)
{
    enum { COUNT = 40, MAX_LEN = 100000 };
    if (!b3sum_available()) {
        CHECK(!"b3sum missing: run scripts/setup");
        return;
    }
    static uint8_t in[MAX_LEN + 8];
    uint64_t seed = 0x5EED0006;
    for (int i = 0; i < COUNT; i++) {
        char ctx[2100];
        /* Contexts from empty to longer than a chunk, printable ASCII. */
        size_t clen = i < 3 ? (size_t[]){0, 1, 2000}[i]
                            : (size_t)(splitmix64(&seed) % 80);
        for (size_t j = 0; j < clen; j++)
            ctx[j] = (char)(' ' + splitmix64(&seed) % 95);
        ctx[clen] = '\0';
        if (ctx[0] == '-')
            ctx[0] = 'x'; /* not an option to b3sum's argument parser */
        size_t len = random_len(&seed, i);
        fill_random(&seed, in, len);
        uint8_t ours[32], theirs[32];
        ec_blake3_derive_key(ctx, in, len, ours);
        const char *const args[] = {"--no-names", "--derive-key", ctx, NULL};
        int rc = run_b3sum(args, in, len, theirs, sizeof theirs);
        CHECK(rc == 0);
        if (rc == 0 && memcmp(ours, theirs, 32) != 0)
            fprintf(stderr, "  derive-key input %d (ctx len %zu) differs\n", i,
                    clen);
        CHECK_MEM(ours, theirs, 32);
    }
}

int main(void)
{
    /* A b3sum that exits early must not kill us while we feed its stdin. */
    signal(SIGPIPE, SIG_IGN);
    RUN(test_random_inputs_match_b3sum);
    RUN(test_long_xof_matches_b3sum);
    RUN(test_keyed_inputs_match_b3sum);
    RUN(test_derive_key_inputs_match_b3sum);
    return TEST_REPORT("blake3-b3sum");
}
