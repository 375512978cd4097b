/* ec ledger apply | get: a local store, used directly (tests, operators). */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "cli/cli.h"
#include "cli/commands.h"
#include "ledger/store.h"
#include "ledger/validate.h"

static int open_db(const char *prog, const char *dir, bool create, ec_store **s)
{
    if (create && mkdir(dir, 0700) != 0 && errno != EEXIST)
        return cli_fail(prog, "cannot create %s: %s", dir, strerror(errno));
    ec_err err = ec_store_lmdb_open(s, dir, 0);
    if (err == EC_ERR_NOTFOUND) return cli_fail(prog, "no store at %s", dir);
    if (err == EC_ERR_PERM)
        return cli_fail(prog, "cannot open store %s: permission denied (the store's folder and "
                        "files must be readable and writable by this user)", dir);
    if (err) return cli_fail(prog, "cannot open store %s: %s", dir, ec_err_str(err));
    return CLI_EXIT_OK;
}

static const char apply_help[] =
    "usage: %s --db DIR [--now-ms MS] TXFILE...\n"
    "\n"
    "Validates each transaction file against the LMDB store in DIR and commits\n"
    "it if valid, one file at a time in the order given. DIR is created if it\n"
    "does not exist (its parent must). A TXFILE holds one transaction as\n"
    "'ec tx ... --out' writes it, or as the hex those commands print without\n"
    "--out. For each file, prints 'FILE: committed <tx id>' on stdout, or on\n"
    "stderr 'FILE: refused: <rule>: <reason>' (with '(mapping N)' or\n"
    "'(signature N)' after the rule when one mapping or signature is at fault)\n"
    "or 'FILE: cannot read: <why>'; the files after it are still applied.\n"
    "\n"
    "  --now-ms MS   the current time, in ms since 1970, for the rule that a\n"
    "                timestamp is at most 2 hours ahead (default: the clock)\n"
    "\n"
    "Exit: 0 every file committed; 1 any refused or unreadable, or the store\n"
    "failed (which stops at that file); 2 usage.\n";

static int ledger_apply(const char *prog, int argc, char **argv)
{
    static const struct option opts[] = {
        {"db", required_argument, NULL, 'd'}, {"now-ms", required_argument, NULL, 'n'},
        {"help", no_argument, NULL, 'h'}, {NULL, 0, NULL, 0}};
    const char *db = NULL;
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    uint64_t now = (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
    bool seen[256] = {false};
    int c, rc;
    cli_getopt_reset();
    while ((c = getopt_long(argc, argv, ":d:n:h", opts, NULL)) != -1) {
        if ((rc = cli_once(prog, opts, c, seen))) return rc;
        switch (c) {
        case 'd': db = optarg; break;
        case 'n':
            if (!cli_parse_u64(optarg, 0, UINT64_MAX, &now)) return cli_usage(prog, "--now-ms needs a number");
            break;
        case 'h': printf(apply_help, prog); return CLI_EXIT_OK;
        default: return cli_bad_option(prog, c, argv);
        }
    }
    if (db == NULL) return cli_usage(prog, "missing --db DIR");
    if (optind >= argc) return cli_usage(prog, "missing TXFILE");
    ec_store *s;
    if ((rc = open_db(prog, db, true, &s))) return rc;
    int refused = 0;
    for (int i = optind; i < argc; i++) {
        uint8_t buf[EC_TX_UDP_MAX];
        size_t len;
        ec_err err = cli_read_tx(argv[i], buf, &len);
        if (err) {
            fprintf(stderr, "%s: cannot read: %s\n", argv[i], cli_tx_read_error(err));
            refused++;
            continue;
        }
        ec_verdict v;
        ec_id id;
        char hex[65];
        err = ec_ledger_apply(s, buf, len, now, &v, &id);
        if (err) {
            ec_store_close(s);
            return cli_fail(prog, "store error on %s: %s", argv[i], ec_err_str(err));
        }
        if (v.rule == EC_RULE_OK) {
            ec_id_to_hex(&id, hex);
            printf("%s: committed %s\n", argv[i], hex);
        } else {
            refused++;
            if (v.index >= 0)
                fprintf(stderr, "%s: refused: %s (%s %d): %s\n", argv[i], ec_rule_name(v.rule),
                        v.rule == EC_RULE_BAD_SIGNATURE || v.rule == EC_RULE_UNUSED_SIGNATURE
                            ? "signature" : "mapping",
                        v.index, ec_rule_str(v.rule));
            else
                fprintf(stderr, "%s: refused: %s: %s\n", argv[i], ec_rule_name(v.rule),
                        ec_rule_str(v.rule));
        }
    }
    ec_store_close(s);
    return refused ? CLI_EXIT_FAIL : CLI_EXIT_OK;
}

static const char get_help[] =
    "usage: %s --db DIR (TOKEN | --name STRING) [--json]\n"
    "\n"
    "Shows a token's current head: the transaction that last changed it, its\n"
    "timestamp, and the key hash of the owner (all zeros: destroyed).\n"
    "Exit 1 if the token is unknown.\n";

static int ledger_get(const char *prog, int argc, char **argv)
{
    static const struct option opts[] = {
        {"db", required_argument, NULL, 'd'}, {"name", required_argument, NULL, 'n'},
        {"json", no_argument, NULL, 'j'}, {"help", no_argument, NULL, 'h'}, {NULL, 0, NULL, 0}};
    const char *db = NULL, *name = NULL;
    bool json = false, seen[256] = {false};
    int c, rc;
    cli_getopt_reset();
    while ((c = getopt_long(argc, argv, ":d:n:jh", opts, NULL)) != -1) {
        if ((rc = cli_once(prog, opts, c, seen))) return rc;
        switch (c) {
        case 'd': db = optarg; break;
        case 'n': name = optarg; break;
        case 'j': json = true; break;
        case 'h': printf(get_help, prog); return CLI_EXIT_OK;
        default: return cli_bad_option(prog, c, argv);
        }
    }
    if (db == NULL) return cli_usage(prog, "missing --db DIR");
    ec_id token;
    if (name) {
        if (optind < argc) return cli_usage(prog, "give TOKEN or --name, not both");
        cli_token_from_name(&token, name);
    } else {
        if (optind >= argc) return cli_usage(prog, "missing TOKEN");
        if (optind + 1 < argc) return cli_usage(prog, "unexpected argument '%s'", argv[optind + 1]);
        if (ec_id_from_hex(&token, argv[optind])) return cli_usage(prog, "TOKEN needs 64 hex digits");
    }
    ec_store *s;
    if ((rc = open_db(prog, db, false, &s))) return rc;
    ec_head h;
    ec_err err = ec_store_get_head(s, &token, &h);
    ec_store_close(s);
    char t[65], x[65], o[65];
    ec_id_to_hex(&token, t);
    if (err == EC_ERR_NOTFOUND) return cli_fail(prog, "token %s is unknown", t);
    if (err) return cli_fail(prog, "store error: %s", ec_err_str(err));
    ec_id_to_hex(&h.tx_id, x);
    ec_id_to_hex(&h.owner, o);
    bool destroyed = ec_id_is_zero(&h.owner);
    if (json)
        printf("{\n  \"token_id\": \"%s\",\n  \"tx_id\": \"%s\",\n  \"timestamp\": %" PRIu64
               ",\n  \"owner_key_hash\": \"%s\",\n  \"destroyed\": %s\n}\n",
               t, x, h.timestamp_ms, o, destroyed ? "true" : "false");
    else
        printf("token      %s\ntx_id      %s\ntimestamp  %" PRIu64 " ms\nowner      %s%s\n", t, x,
               h.timestamp_ms, o, destroyed ? " (destroyed)" : "");
    return CLI_EXIT_OK;
}

int cmd_ledger(const char *prog, int argc, char **argv)
{
    static const cli_cmd cmds[] = {
        {"apply", ledger_apply, "validate and commit transactions to a local store"},
        {"get", ledger_get, "show a token's current head"},
        {NULL, NULL, NULL},
    };
    return cli_dispatch(prog, cmds, argc, argv);
}
