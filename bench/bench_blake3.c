/* BLAKE3 throughput benchmark (not a test; run by hand).
 *
 * 1. ec_blake3_hash on 32 B, 1 KiB and 1 MiB inputs, each for about
 *    --seconds S (default 1.5): MB/s (10^6 bytes) and hashes/s.
 * 2. A large file (a temporary file of pseudo-random bytes, 1 GiB by
 *    default, or --file PATH), hashed by our code (read in 1 MiB pieces
 *    through the incremental API), by `b3sum --num-threads 1` and by plain
 *    `b3sum` (all threads), with the ratio ours/b3sum and a check that all
 *    three digests agree. The file is read once before timing so every
 *    contender finds it in the page cache.
 *
 * Exit status: 0 when the digests agree, 1 on a mismatch or error, 2 when
 * b3sum is missing (run scripts/setup). */
#include "crypto/blake3.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

#define PIECE (1u << 20)

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static uint64_t splitmix64(uint64_t *s)
{
    uint64_t z = (*s += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

static void fill_random(uint64_t *s, uint8_t *p, size_t n)
{
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        uint64_t r = splitmix64(s);
        for (int b = 0; b < 8; b++)
            p[i + (size_t)b] = (uint8_t)(r >> (8 * b));
    }
    for (; i < n; i++)
        p[i] = (uint8_t)splitmix64(s);
}

static void to_hex(const uint8_t *b, size_t n, char *out)
{
    static const char d[] = "0123456789abcdef";
    for (size_t i = 0; i < n; i++) {
        out[2 * i] = d[b[i] >> 4];
        out[2 * i + 1] = d[b[i] & 15];
    }
    out[2 * n] = '\0';
}

typedef struct {
    size_t size;
    double mb_s, hashes_s;
} small_result;

static small_result bench_size(size_t size, double seconds)
{
    small_result r = {size, 0, 0};
    uint8_t *buf = malloc(size);
    uint8_t out[EC_BLAKE3_OUT_LEN];
    uint64_t seed = 42;
    if (!buf) {
        fprintf(stderr, "bench_blake3: out of memory\n");
        exit(1);
    }
    fill_random(&seed, buf, size);
    /* Batch so the clock is read about every millisecond at most. */
    uint64_t batch = size >= PIECE ? 1 : size >= 1024 ? 256 : 8192, iters = 0;
    double t0 = now_s(), t;
    do {
        for (uint64_t i = 0; i < batch; i++) {
            ec_blake3_hash(buf, size, out);
            buf[0] ^= out[0]; /* chain so no call can be skipped */
        }
        iters += batch;
        t = now_s() - t0;
    } while (t < seconds);
    r.hashes_s = (double)iters / t;
    r.mb_s = r.hashes_s * (double)size / 1e6;
    free(buf);
    return r;
}

/* Hashes a file with the incremental API; returns seconds or -1. */
static double hash_file_ours(const char *path, uint8_t out[32],
                             uint64_t *bytes)
{
    uint8_t *buf = malloc(PIECE);
    int fd = open(path, O_RDONLY);
    if (!buf || fd < 0) {
        free(buf);
        if (fd >= 0)
            close(fd);
        return -1;
    }
    ec_blake3 h;
    double t0 = now_s();
    ec_blake3_init(&h);
    *bytes = 0;
    for (;;) {
        ssize_t n = read(fd, buf, PIECE);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            close(fd);
            free(buf);
            return -1;
        }
        if (n == 0)
            break;
        ec_blake3_update(&h, buf, (size_t)n);
        *bytes += (uint64_t)n;
    }
    ec_blake3_finalize(&h, out, 32);
    double t = now_s() - t0;
    close(fd);
    free(buf);
    return t;
}

/* Runs b3sum with argv (NULL-terminated), captures the first line of stdout
 * (the hex digest with --no-names) into hex[65]. Returns seconds from spawn
 * to exit, -1 if it cannot be run or fails, -2 if it is not installed. */
static double run_b3sum(char *const argv[], char hex[65])
{
    int p[2];
    if (pipe(p) != 0)
        return -1;
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_adddup2(&fa, p[1], 1);
    posix_spawn_file_actions_addclose(&fa, p[0]);
    posix_spawn_file_actions_addclose(&fa, p[1]);
    posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
    pid_t pid;
    double t0 = now_s();
    int rc = posix_spawnp(&pid, argv[0], &fa, NULL, argv, environ);
    posix_spawn_file_actions_destroy(&fa);
    close(p[1]);
    if (rc != 0) {
        close(p[0]);
        return rc == ENOENT ? -2 : -1;
    }
    char text[256];
    size_t got = 0;
    for (;;) {
        ssize_t n = read(p[0], text + got, sizeof text - 1 - got);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        got += (size_t)n;
        if (got == sizeof text - 1)
            break;
    }
    close(p[0]);
    int status;
    while (waitpid(pid, &status, 0) < 0)
        if (errno != EINTR)
            return -1;
    double t = now_s() - t0;
    text[got] = '\0';
    if (!WIFEXITED(status))
        return -1;
    if (WEXITSTATUS(status) == 127)
        return -2;
    if (WEXITSTATUS(status) != 0 || got < 64)
        return -1;
    memcpy(hex, text, 64);
    hex[64] = '\0';
    return t;
}

static int make_temp_file(char *path, size_t cap, uint64_t size_mib)
{
    const char *dir = getenv("TMPDIR");
    snprintf(path, cap, "%s/ec_bench_blake3_XXXXXX",
             dir && *dir ? dir : "/tmp");
    int fd = mkstemp(path);
    if (fd < 0)
        return -1;
    uint8_t *buf = malloc(PIECE);
    uint64_t seed = 0xB3B3B3B3ull;
    int ok = buf != NULL;
    for (uint64_t i = 0; ok && i < size_mib; i++) {
        fill_random(&seed, buf, PIECE);
        size_t off = 0;
        while (off < PIECE) {
            ssize_t w = write(fd, buf + off, PIECE - off);
            if (w < 0 && errno == EINTR)
                continue;
            if (w <= 0) {
                ok = 0;
                break;
            }
            off += (size_t)w;
        }
    }
    free(buf);
    if (close(fd) != 0)
        ok = 0;
    if (!ok)
        unlink(path);
    return ok ? 0 : -1;
}

/* Reads the whole file once so later timings see it in the page cache. */
static void warm_cache(const char *path)
{
    static uint8_t buf[1 << 16];
    int fd = open(path, O_RDONLY);
    if (fd < 0)
        return;
    while (read(fd, buf, sizeof buf) > 0) {
    }
    close(fd);
}

static void usage(FILE *f)
{
    fprintf(f,
            "usage: bench_blake3 [--file PATH] [--size-mib N] [--seconds S] "
            "[--json] [--help]\n"
            "  Measures ec_blake3_hash throughput on 32 B, 1 KiB and 1 MiB\n"
            "  inputs, then hashes a large file with our code, with\n"
            "  `b3sum --num-threads 1` and with `b3sum` (all threads), and\n"
            "  checks that the digests agree.\n"
            "  --file PATH    hash this file (default: a temporary file of\n"
            "                 pseudo-random bytes, removed afterwards)\n"
            "  --size-mib N   size of the temporary file (default 1024)\n"
            "  --seconds S    time per small-input measurement (default 1.5)\n"
            "  --json         print one JSON object instead of text\n");
}

int main(int argc, char **argv)
{
    const char *file = NULL;
    uint64_t size_mib = 1024;
    double seconds = 1.5;
    int json = 0;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            usage(stdout);
            return 0;
        } else if (strcmp(argv[i], "--json") == 0) {
            json = 1;
        } else if (strcmp(argv[i], "--file") == 0 && i + 1 < argc) {
            file = argv[++i];
        } else if (strcmp(argv[i], "--size-mib") == 0 && i + 1 < argc) {
            char *end;
            unsigned long long v = strtoull(argv[++i], &end, 10);
            if (*end || v == 0 || v > (1ull << 22)) {
                fprintf(stderr, "bench_blake3: bad --size-mib\n");
                return 1;
            }
            size_mib = v;
        } else if (strcmp(argv[i], "--seconds") == 0 && i + 1 < argc) {
            char *end;
            seconds = strtod(argv[++i], &end);
            if (*end || !(seconds > 0 && seconds < 3600)) {
                fprintf(stderr, "bench_blake3: bad --seconds\n");
                return 1;
            }
        } else {
            usage(stderr);
            return 1;
        }
    }
    signal(SIGPIPE, SIG_IGN);

    static const size_t sizes[] = {32, 1024, PIECE};
    small_result sr[3];
    for (int i = 0; i < 3; i++)
        sr[i] = bench_size(sizes[i], seconds);

    char tmp_path[4096], path[4096];
    int is_temp = file == NULL;
    if (is_temp) {
        if (make_temp_file(tmp_path, sizeof tmp_path, size_mib) != 0) {
            fprintf(stderr, "bench_blake3: cannot create a %" PRIu64
                            " MiB temporary file\n", size_mib);
            return 1;
        }
        snprintf(path, sizeof path, "%s", tmp_path);
    } else {
        snprintf(path, sizeof path, "%s", file);
    }
    warm_cache(path);

    uint8_t digest[32];
    char ours_hex[65], b1_hex[65] = "", bn_hex[65] = "";
    uint64_t bytes = 0;
    double t_ours = hash_file_ours(path, digest, &bytes);
    char *argv1[] = {"b3sum", "--num-threads", "1", "--no-names", path, NULL};
    char *argvn[] = {"b3sum", "--no-names", path, NULL};
    double t_b1 = t_ours >= 0 ? run_b3sum(argv1, b1_hex) : -1;
    double t_bn = t_ours >= 0 ? run_b3sum(argvn, bn_hex) : -1;
    if (is_temp)
        unlink(path);
    if (t_ours < 0) {
        fprintf(stderr, "bench_blake3: cannot read %s\n", path);
        return 1;
    }
    to_hex(digest, 32, ours_hex);
    int have_b3sum = t_b1 != -2 && t_bn != -2;
    int match = t_b1 >= 0 && t_bn >= 0 && strcmp(ours_hex, b1_hex) == 0 &&
                strcmp(ours_hex, bn_hex) == 0;
    double mb = (double)bytes / 1e6;
    long cpus = sysconf(_SC_NPROCESSORS_ONLN);

    if (json) {
        printf("{\n  \"small_inputs\": [\n");
        for (int i = 0; i < 3; i++)
            printf("    {\"bytes\": %zu, \"mb_per_s\": %.1f, "
                   "\"hashes_per_s\": %.0f}%s\n",
                   sr[i].size, sr[i].mb_s, sr[i].hashes_s, i < 2 ? "," : "");
        printf("  ],\n  \"file\": {\n    \"bytes\": %" PRIu64
               ",\n    \"temporary\": %s,\n    \"cpus\": %ld,\n"
               "    \"ours_s\": %.3f,\n    \"ours_mb_per_s\": %.1f,\n",
               bytes, is_temp ? "true" : "false", cpus, t_ours, mb / t_ours);
        if (t_b1 >= 0)
            printf("    \"b3sum_1_thread_s\": %.3f,\n"
                   "    \"b3sum_1_thread_mb_per_s\": %.1f,\n"
                   "    \"ratio_ours_vs_b3sum_1_thread\": %.3f,\n",
                   t_b1, mb / t_b1, t_b1 / t_ours);
        if (t_bn >= 0)
            printf("    \"b3sum_all_threads_s\": %.3f,\n"
                   "    \"b3sum_all_threads_mb_per_s\": %.1f,\n"
                   "    \"ratio_ours_vs_b3sum_all_threads\": %.3f,\n",
                   t_bn, mb / t_bn, t_bn / t_ours);
        printf("    \"digest\": \"%s\",\n    \"b3sum_available\": %s,\n"
               "    \"digests_match\": %s\n  }\n}\n",
               ours_hex, have_b3sum ? "true" : "false",
               match ? "true" : "false");
    } else {
        printf("ec_blake3_hash, portable C, one thread (%.1f s each)\n",
               seconds);
        printf("  %-10s %12s %14s\n", "input", "MB/s", "hashes/s");
        for (int i = 0; i < 3; i++) {
            char label[16];
            snprintf(label, sizeof label, "%s",
                     i == 0 ? "32 B" : i == 1 ? "1 KiB" : "1 MiB");
            printf("  %-10s %12.1f %14.0f\n", label, sr[i].mb_s,
                   sr[i].hashes_s);
        }
        printf("\nfile: %.1f MiB%s, page cache warm, %ld CPUs\n",
               (double)bytes / (1024.0 * 1024.0),
               is_temp ? " (temporary, pseudo-random)" : "", cpus);
        printf("  %-28s %9s %10s %14s\n", "hasher", "seconds", "MB/s",
               "ours/this");
        printf("  %-28s %9.3f %10.1f %14s\n", "ours (1 MiB reads, 1 thread)",
               t_ours, mb / t_ours, "1.00");
        if (t_b1 >= 0)
            printf("  %-28s %9.3f %10.1f %14.2f\n", "b3sum --num-threads 1",
                   t_b1, mb / t_b1, t_b1 / t_ours);
        if (t_bn >= 0)
            printf("  %-28s %9.3f %10.1f %14.2f\n", "b3sum (all threads)", t_bn,
                   mb / t_bn, t_bn / t_ours);
        printf("  (ours/this = our throughput divided by that row's; b3sum "
               "times include process start)\n");
        printf("\ndigest: %s\n", ours_hex);
        if (!have_b3sum)
            printf("b3sum not found: run scripts/setup; digest not "
                   "verified\n");
        else if (match)
            printf("verified: ours == b3sum --num-threads 1 == b3sum\n");
        else
            printf("MISMATCH: b3sum -1: %s, b3sum: %s\n",
                   b1_hex[0] ? b1_hex : "(failed)",
                   bn_hex[0] ? bn_hex : "(failed)");
    }
    if (!have_b3sum)
        return 2;
    return match ? 0 : 1;
}
