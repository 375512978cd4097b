#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli/cli.h"
#include "crypto/hex.h"

int cli_dispatch(const char *prog, const cli_cmd *cmds, int argc, char **argv)
{
    if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
        strcmp(argv[1], "help") == 0) {
        FILE *f = argc < 2 ? stderr : stdout;
        fprintf(f, "usage: %s <command> [options]\n\ncommands:\n", prog);
        for (const cli_cmd *c = cmds; c->name; c++)
            fprintf(f, "  %-10s %s\n", c->name, c->summary);
        fprintf(f, "\nRun '%s <command> --help' for a command's options.\n\n%s", prog,
                CLI_EXIT_HELP);
        return argc < 2 ? CLI_EXIT_USAGE : CLI_EXIT_OK;
    }
    for (const cli_cmd *c = cmds; c->name; c++) {
        if (strcmp(argv[1], c->name) == 0) {
            char sub[128];
            snprintf(sub, sizeof sub, "%s %s", prog, c->name);
            return c->fn(sub, argc - 1, argv + 1);
        }
    }
    return cli_usage(prog, "unknown command '%s'", argv[1]);
}

int cli_usage(const char *prog, const char *fmt, ...)
{
    va_list ap;
    fprintf(stderr, "%s: ", prog);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fprintf(stderr, " (see '%s --help')\n", prog);
    return CLI_EXIT_USAGE;
}

int cli_fail(const char *prog, const char *fmt, ...)
{
    va_list ap;
    fprintf(stderr, "%s: ", prog);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    return CLI_EXIT_FAIL;
}

bool cli_parse_u64(const char *s, uint64_t min, uint64_t max, uint64_t *out)
{
    if (s == NULL || *s < '0' || *s > '9') return false;
    errno = 0;
    char *end;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno || *end != '\0' || v < min || v > max) return false;
    *out = v;
    return true;
}

void cli_getopt_reset(void)
{
    optind = 0; /* glibc: 0 re-initializes getopt completely */
    opterr = 0;
}

/* glibc leaves argv[optind - 1] at a long option's own word ("--out" or
 * "--json=x"); after a short option it may be a neighbour, so those are
 * named by optopt. */
int cli_bad_option(const char *prog, int c, char **argv)
{
    const char *arg = argv[optind - 1];
    bool is_long = strncmp(arg, "--", 2) == 0 && (c == ':' || optopt == 0 || strchr(arg, '='));
    int len = is_long ? (int)strcspn(arg, "=") : 0;
    if (!is_long && optopt > ' ' && optopt < 127)
        return cli_usage(prog, c == ':' ? "option -%c needs a value" : "unknown option -%c",
                         optopt);
    if (!is_long) return cli_usage(prog, "unknown option %s", arg);
    if (c == ':') return cli_usage(prog, "option %.*s needs a value", len, arg);
    if (optopt != 0) return cli_usage(prog, "option %.*s takes no value", len, arg);
    return cli_usage(prog, "unknown option %.*s", len, arg);
}

const char *cli_option_name(const struct option *opts, int c)
{
    for (const struct option *o = opts; o->name; o++)
        if (o->flag == NULL && o->val == c) return o->name;
    return NULL;
}

int cli_once(const char *prog, const struct option *opts, int c, bool seen[256])
{
    const struct option *o = opts;
    while (o->name && (o->flag != NULL || o->val != c)) o++;
    if (o->name == NULL || o->has_arg == no_argument || c < 0 || c > 255) return 0;
    if (seen[c]) return cli_usage(prog, "option --%s given twice", o->name);
    seen[c] = true;
    return 0;
}

ec_err cli_read_file(const char *path, uint8_t **buf, size_t *len, size_t max)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return errno == ENOENT ? EC_ERR_NOTFOUND : EC_ERR_IO;
    uint8_t *b = malloc(max + 1);
    if (b == NULL) {
        close(fd);
        return EC_ERR_NOMEM;
    }
    size_t n = 0;
    while (n < max + 1) {
        ssize_t r = read(fd, b + n, max + 1 - n);
        if (r < 0 && errno == EINTR) continue;
        if (r < 0) {
            int saved = errno;
            free(b);
            close(fd);
            errno = saved;
            return EC_ERR_IO;
        }
        if (r == 0) break;
        n += (size_t)r;
    }
    close(fd);
    *buf = b;
    *len = n;
    return EC_OK;
}

ec_err cli_write_new_file(const char *path, const void *data, size_t len,
                          unsigned mode)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, (mode_t)mode);
    if (fd < 0) return errno == EEXIST ? EC_ERR_EXISTS : EC_ERR_IO;
    const uint8_t *p = data;
    size_t off = 0;
    int ok = 1;
    while (off < len) {
        ssize_t n = write(fd, p + off, len - off);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) { ok = 0; break; }
        off += (size_t)n;
    }
    ok = ok && fsync(fd) == 0;
    int saved = errno;
    ok = (close(fd) == 0) && ok;
    if (!ok) {
        unlink(path);
        errno = saved;
        return EC_ERR_IO;
    }
    return EC_OK;
}

void cli_json_hex(FILE *f, const char *key, const uint8_t *b, size_t n, bool last)
{
    char *hex = malloc(2 * n + 1);
    if (hex == NULL) return;
    ec_hex_encode(hex, b, n);
    fprintf(f, "  \"%s\": \"%s\"%s\n", key, hex, last ? "" : ",");
    free(hex);
}

void cli_format_duration(char *buf, size_t cap, double s)
{
    if (!(s < 1e15)) {
        snprintf(buf, cap, "forever");
    } else if (s < 60) {
        snprintf(buf, cap, "%.1fs", s);
    } else if (s < 3600) {
        snprintf(buf, cap, "%dm %02ds", (int)(s / 60), (int)s % 60);
    } else if (s < 86400) {
        snprintf(buf, cap, "%dh %02dm", (int)(s / 3600), (int)(s / 60) % 60);
    } else {
        snprintf(buf, cap, "%lldd %02dh", (long long)(s / 86400),
                 (int)fmod(s / 3600, 24.0));
    }
}
