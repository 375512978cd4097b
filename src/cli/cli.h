/* Shared helpers for the `ec` command-line tool.
 *
 * Exit codes: 0 success, 1 the operation failed (message on stderr),
 * 2 usage error (one line on stderr): a bad option or argument, or a bad
 * setting in a scenario file (settings, like options, are the user's
 * choice; a file that cannot be read or a transaction refused is a
 * failure), 130/143 interrupted by SIGINT/SIGTERM (CLI_EXIT_HELP says so in
 * every group's --help). */
#ifndef EC_CLI_CLI_H
#define EC_CLI_CLI_H

#include <getopt.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "base/err.h"
#include "crypto/id.h"

#define CLI_EXIT_OK 0
#define CLI_EXIT_FAIL 1
#define CLI_EXIT_USAGE 2

/* The exit codes, as every group's --help states them. */
#define CLI_EXIT_HELP \
    "Exit status: 0 success; 1 the operation failed (a file missing or\n" \
    "unreadable, a transaction refused, ...); 2 usage error (a bad option or\n" \
    "argument, or a bad setting in a scenario file); 130 or 143 interrupted\n" \
    "by SIGINT or SIGTERM.\n"

/* A subcommand: argv[0] is its own name ("mine"), `prog` its full name
 * ("ec identity mine") for messages. */
typedef int (*cli_cmd_fn)(const char *prog, int argc, char **argv);

typedef struct cli_cmd {
    const char *name;
    cli_cmd_fn fn;
    const char *summary;
} cli_cmd;

/* Runs the subcommand named argv[1] from `cmds` (NULL-terminated), or prints
 * the group's help. Returns the exit code. */
int cli_dispatch(const char *prog, const cli_cmd *cmds, int argc, char **argv);

/* Prints "PROG: MESSAGE (see 'PROG --help')" and returns CLI_EXIT_USAGE. */
int cli_usage(const char *prog, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* Prints "PROG: MESSAGE" and returns CLI_EXIT_FAIL. */
int cli_fail(const char *prog, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Strict unsigned parse of the whole string within [min, max]. */
bool cli_parse_u64(const char *s, uint64_t min, uint64_t max, uint64_t *out);

/* getopt_long wrapper conventions: call before each parse. */
void cli_getopt_reset(void);
/* Turns getopt's '?' / ':' results into a one-line usage error. */
int cli_bad_option(const char *prog, int c, char **argv);
/* The long name of the option whose getopt value is c ("out"), or NULL. */
const char *cli_option_name(const struct option *opts, int c);
/* Refuses an option that takes a value and was given before: getopt keeps
 * the last value silently, which hides a mistake ("--out a ... --out b"
 * wrote only b). seen[256], zeroed by the caller, records the options met;
 * call once per option parsed (options without a value always pass).
 * Returns 0, or CLI_EXIT_USAGE after "option --x given twice". */
int cli_once(const char *prog, const struct option *opts, int c, bool seen[256]);

/* Reads a whole small file (at most max bytes + 1 are read so that oversized
 * files are detected: *len > max means too big). Caller frees *buf. */
ec_err cli_read_file(const char *path, uint8_t **buf, size_t *len, size_t max);
/* Creates `path` (mode) exclusively and writes data; never overwrites
 * (EC_ERR_EXISTS); leaves no partial file on failure. */
ec_err cli_write_new_file(const char *path, const void *data, size_t len,
                          unsigned mode);

/* Prints "  \"key\": \"<hex>\"" for a byte string (JSON helpers). */
void cli_json_hex(FILE *f, const char *key, const uint8_t *b, size_t n,
                  bool last);

/* Formats seconds as "3d 4h", "5h 12m", "2m 03s", "4.2s". */
void cli_format_duration(char *buf, size_t cap, double seconds);

#endif
