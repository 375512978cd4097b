/* ec tx create | transfer | destroy | inspect: build and sign transactions
 * offline, and read them back. */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli/cli.h"
#include "cli/commands.h"
#include "crypto/blake3.h"
#include "crypto/hex.h"
#include "ledger/tx.h"

/* Token ids named by a string (seed §16: DNS names, identities). */
static const char name_context[] = "ec 2026-11 token name v1";

void cli_token_from_name(ec_id *token, const char *name)
{
    ec_blake3_derive_key(name_context, name, strlen(name), token->b);
}

static uint64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

/* The hex form is read back too: without --out, tx create/transfer/destroy
 * print the transaction as hex, and `> t.hex` must give a file that the
 * other commands accept. A binary transaction starts with its version byte
 * (1), never an ASCII hex digit or a blank, so the two forms never clash. */
static bool hex_text(const uint8_t *b, size_t n, size_t *start, size_t *hexlen)
{
    size_t i = 0;
    while (n > 0 && (b[n - 1] == '\n' || b[n - 1] == '\r' || b[n - 1] == ' ' || b[n - 1] == '\t')) n--;
    while (i < n && (b[i] == ' ' || b[i] == '\t')) i++;
    if (i == n || (n - i) % 2) return false;
    for (size_t j = i; j < n; j++)
        if (!((b[j] >= '0' && b[j] <= '9') || (b[j] >= 'a' && b[j] <= 'f') || (b[j] >= 'A' && b[j] <= 'F')))
            return false;
    *start = i;
    *hexlen = n - i;
    return true;
}

ec_err cli_read_tx(const char *path, uint8_t buf[EC_TX_UDP_MAX], size_t *len)
{
    uint8_t *raw;
    size_t n, start, hexlen;
    ec_err err = cli_read_file(path, &raw, &n, 2 * EC_TX_UDP_MAX + 2); /* hex and a newline */
    if (err) return err;
    if (hex_text(raw, n, &start, &hexlen)) {
        if (hexlen / 2 > EC_TX_UDP_MAX) {
            err = EC_ERR_RANGE;
        } else {
            char hex[2 * EC_TX_UDP_MAX + 1];
            memcpy(hex, raw + start, hexlen);
            hex[hexlen] = '\0';
            *len = hexlen / 2;
            err = ec_hex_decode(buf, *len, hex);
        }
    } else if (n > EC_TX_UDP_MAX) {
        err = EC_ERR_RANGE;
    } else {
        memcpy(buf, raw, n);
        *len = n;
    }
    free(raw);
    return err;
}

const char *cli_tx_read_error(ec_err err)
{
    static char why[96];
    if (err == EC_ERR_NOTFOUND) return "no such file";
    if (err == EC_ERR_RANGE) {
        snprintf(why, sizeof why, "too large: a transaction is at most %d bytes", EC_TX_UDP_MAX);
        return why;
    }
    return strerror(errno);
}

int cli_load_tx(const char *prog, const char *path, ec_tx *tx, ec_id *id)
{
    uint8_t buf[EC_TX_UDP_MAX];
    size_t len;
    ec_err err = cli_read_tx(path, buf, &len);
    if (err == EC_ERR_NOTFOUND) return cli_fail(prog, "transaction file %s does not exist", path);
    if (err) return cli_fail(prog, "cannot read %s: %s", path, cli_tx_read_error(err));
    err = ec_tx_decode(tx, buf, len);
    if (err) return cli_fail(prog, "%s is not a valid transaction: %s", path, ec_err_str(err));
    if (id) ec_tx_id(tx, id);
    return CLI_EXIT_OK;
}

/* Options shared by create/transfer/destroy. */
typedef struct build {
    const char *key, *out;
    uint64_t timestamp_ms;
    ec_id tokens[EC_TX_MAPPINGS_MAX], prevs[EC_TX_MAPPINGS_MAX];
    int n_tokens, n_prevs;
    ec_id to;
    bool have_to;
} build;

static int add_token(const char *prog, build *b, const ec_id *t)
{
    if (b->n_tokens == EC_TX_MAPPINGS_MAX)
        return cli_usage(prog, "at most %d tokens per transaction", EC_TX_MAPPINGS_MAX);
    b->tokens[b->n_tokens++] = *t;
    return 0;
}

/* --to: a 64-hex public key (its BLAKE3 becomes the owner), "hash:HEX" for
 * a key hash, or the path of a key file. */
static int parse_to(const char *prog, const char *s, ec_id *owner)
{
    ec_pubkey pk;
    if (strncmp(s, "hash:", 5) == 0) {
        if (ec_id_from_hex(owner, s + 5)) return cli_usage(prog, "--to hash: needs 64 hex digits");
        return 0;
    }
    if (ec_hex_decode(pk.b, EC_PUBKEY_LEN, s) == EC_OK) {
        ec_sign_keyhash(owner, &pk);
        return 0;
    }
    ec_keypair kp;
    if (cli_load_key(prog, s, &kp)) return CLI_EXIT_USAGE;
    ec_sign_keyhash(owner, &kp.pub);
    ec_sign_wipe(&kp);
    return 0;
}

static int finish(const char *prog, build *b, ec_tx *tx)
{
    ec_keypair kp;
    int rc = cli_load_key(prog, b->key, &kp);
    if (rc) return rc;
    ec_err err = ec_tx_sign(tx, &kp);
    ec_sign_wipe(&kp);
    if (err) return cli_fail(prog, "cannot sign: %s", ec_err_str(err));
    uint8_t buf[EC_TX_MAX_LEN];
    size_t len;
    ec_id id;
    if ((err = ec_tx_encode(tx, buf, sizeof buf, &len))) return cli_fail(prog, "cannot encode: %s", ec_err_str(err));
    ec_blake3_hash(buf, len, id.b);
    char hex[2 * EC_TX_MAX_LEN + 1];
    if (b->out) {
        err = cli_write_new_file(b->out, buf, len, 0644);
        if (err == EC_ERR_EXISTS) return cli_fail(prog, "%s already exists; refusing to overwrite it", b->out);
        if (err) return cli_fail(prog, "cannot write %s: %s", b->out, strerror(errno));
        ec_id_to_hex(&id, hex);
        printf("%s\n", hex); /* the tx id: what the next transfer names as --prev */
    } else {
        ec_hex_encode(hex, buf, len);
        printf("%s\n", hex);
    }
    return CLI_EXIT_OK;
}

enum { OPT_KEY = 1, OPT_NAME, OPT_TOKEN, OPT_RANDOM, OPT_PREV, OPT_TO, OPT_OUT, OPT_TS, OPT_HELP };

static const struct option build_opts[] = {
    {"key", required_argument, NULL, OPT_KEY},
    {"name", required_argument, NULL, OPT_NAME},
    {"token", required_argument, NULL, OPT_TOKEN},
    {"random", no_argument, NULL, OPT_RANDOM},
    {"prev", required_argument, NULL, OPT_PREV},
    {"to", required_argument, NULL, OPT_TO},
    {"out", required_argument, NULL, OPT_OUT},
    {"timestamp-ms", required_argument, NULL, OPT_TS},
    {"help", no_argument, NULL, OPT_HELP},
    {NULL, 0, NULL, 0},
};

/* Parses the shared options; `allowed` is a string of the option ids that
 * this subcommand takes. Returns -1 after printing help, >0 exit code. */
static int parse_build(const char *prog, int argc, char **argv, const char *help,
                       const char *allowed, build *b)
{
    int c;
    ec_id t;
    uint64_t v;
    bool seen[256] = {false};
    memset(b, 0, sizeof *b);
    b->timestamp_ms = now_ms();
    cli_getopt_reset();
    while ((c = getopt_long(argc, argv, ":h", build_opts, NULL)) != -1) {
        if (c == 'h' || c == OPT_HELP) {
            printf(help, prog);
            return -1;
        }
        /* Named from the table: argv[optind - 1] is the option's value when
         * it came as a separate word ("--to b.key"). */
        if (c > 0 && c < OPT_HELP && !strchr(allowed, '0' + c))
            return cli_usage(prog, "option --%s does not apply here", cli_option_name(build_opts, c));
        /* --name, --token and --prev repeat: one per token. */
        int rc = c == OPT_NAME || c == OPT_TOKEN || c == OPT_PREV ? 0 : cli_once(prog, build_opts, c, seen);
        if (rc) return rc;
        switch (c) {
        case OPT_KEY: b->key = optarg; break;
        case OPT_NAME: cli_token_from_name(&t, optarg); rc = add_token(prog, b, &t); break;
        case OPT_TOKEN:
            if (ec_id_from_hex(&t, optarg)) return cli_usage(prog, "--token needs 64 hex digits");
            rc = add_token(prog, b, &t);
            break;
        case OPT_RANDOM: randombytes_buf(t.b, EC_ID_LEN); rc = add_token(prog, b, &t); break;
        case OPT_PREV:
            if (b->n_prevs == EC_TX_MAPPINGS_MAX) return cli_usage(prog, "too many --prev");
            if (ec_id_from_hex(&b->prevs[b->n_prevs++], optarg))
                return cli_usage(prog, "--prev needs a 64-hex transaction id");
            break;
        case OPT_TO: rc = parse_to(prog, optarg, &b->to); b->have_to = true; break;
        case OPT_OUT: b->out = optarg; break;
        case OPT_TS:
            if (!cli_parse_u64(optarg, 0, UINT64_MAX, &v)) return cli_usage(prog, "--timestamp-ms needs a number");
            b->timestamp_ms = v;
            break;
        default: return cli_bad_option(prog, c, argv);
        }
        if (rc) return rc;
    }
    if (optind < argc) return cli_usage(prog, "unexpected argument '%s'", argv[optind]);
    if (b->key == NULL) return cli_usage(prog, "missing --key FILE");
    if (b->n_tokens == 0) return cli_usage(prog, "missing token (--token, --name or --random)");
    return 0;
}

static const char create_help[] =
    "usage: %s --key FILE (--name STRING | --token HEX | --random)... [--to OWNER]\n"
    "          [--out FILE] [--timestamp-ms MS]\n"
    "\n"
    "Creates up to 6 new tokens owned by --to (default: the signing key) and\n"
    "signs the transaction with FILE's key. Token ids: --token gives one,\n"
    "--name derives one from a string (BLAKE3 derive-key), --random draws one.\n"
    "With --out, writes the transaction there and prints its id (what a later\n"
    "--prev names); without, prints the transaction as hex, a form that\n"
    "'ec tx inspect' and 'ec ledger apply' read like a file written by --out\n"
    "(its id: 'ec tx inspect').\n"
    "\n"
    "  --to OWNER   64-hex public key, hash:<64-hex key hash>, or a key file\n"
    "  --timestamp-ms MS   transaction time (default: now)\n";

static int tx_create(const char *prog, int argc, char **argv)
{
    build b;
    int rc = parse_build(prog, argc, argv, create_help, "1234678", &b);
    if (rc) return rc < 0 ? CLI_EXIT_OK : rc;
    if (!b.have_to) {
        ec_keypair kp;
        if ((rc = cli_load_key(prog, b.key, &kp))) return rc;
        ec_sign_keyhash(&b.to, &kp.pub);
        ec_sign_wipe(&kp);
    }
    ec_tx tx;
    ec_id zero = {{0}};
    ec_tx_init(&tx, b.timestamp_ms);
    for (int i = 0; i < b.n_tokens; i++)
        if (ec_tx_add_mapping(&tx, &b.tokens[i], &b.to, &zero) == EC_ERR_EXISTS)
            return cli_usage(prog, "the same token is given twice");
    return finish(prog, &b, &tx);
}

static const char transfer_help[] =
    "usage: %s --key FILE (--token ID | --name STRING) --prev TXID\n"
    "          [(--token ID | --name STRING) --prev TXID]... --to OWNER\n"
    "          [--out FILE] [--timestamp-ms MS]\n"
    "\n"
    "Transfers up to 6 tokens to a new owner. Each token pairs with the --prev\n"
    "in the same position: the id of the transaction that last changed it.\n"
    "FILE must be the key of the current owner. With --out, writes the\n"
    "transaction there and prints its id; without, prints it as hex (read by\n"
    "'ec tx inspect' and 'ec ledger apply' like a file).\n"
    "\n"
    "  --to OWNER   64-hex public key, hash:<64-hex key hash>, or a key file\n";

static const char destroy_help[] =
    "usage: %s --key FILE (--token ID | --name STRING) --prev TXID\n"
    "          [(--token ID | --name STRING) --prev TXID]... [--out FILE]\n"
    "          [--timestamp-ms MS]\n"
    "\n"
    "Destroys tokens: their owner becomes all zeros and they never change\n"
    "again. FILE must be the key of the current owner. With --out, writes the\n"
    "transaction there and prints its id; without, prints it as hex (read by\n"
    "'ec tx inspect' and 'ec ledger apply' like a file).\n";

static int transfer_or_destroy(const char *prog, int argc, char **argv, bool destroy)
{
    build b;
    int rc = parse_build(prog, argc, argv, destroy ? destroy_help : transfer_help,
                         destroy ? "123578" : "1235678", &b);
    if (rc) return rc < 0 ? CLI_EXIT_OK : rc;
    if (b.n_prevs != b.n_tokens)
        return cli_usage(prog, "give one --prev for each --token (%d tokens, %d prevs)",
                         b.n_tokens, b.n_prevs);
    if (!destroy && !b.have_to) return cli_usage(prog, "missing --to OWNER");
    ec_id zero = {{0}};
    ec_tx tx;
    ec_tx_init(&tx, b.timestamp_ms);
    for (int i = 0; i < b.n_tokens; i++) {
        if (ec_id_is_zero(&b.prevs[i])) return cli_usage(prog, "--prev must not be all zeros");
        if (ec_tx_add_mapping(&tx, &b.tokens[i], destroy ? &zero : &b.to, &b.prevs[i]) ==
            EC_ERR_EXISTS)
            return cli_usage(prog, "the same token is given twice");
    }
    return finish(prog, &b, &tx);
}

static int tx_transfer(const char *prog, int argc, char **argv)
{
    return transfer_or_destroy(prog, argc, argv, false);
}

static int tx_destroy(const char *prog, int argc, char **argv)
{
    return transfer_or_destroy(prog, argc, argv, true);
}

static const char inspect_help[] =
    "usage: %s FILE [--json]\n"
    "\n"
    "Shows a transaction: id, timestamp, mappings (token_id, owner_key_hash,\n"
    "previous_tx_id, kind) and signatures, and whether every signature verifies.\n"
    "FILE holds the transaction as --out writes it or as the hex printed\n"
    "without --out.\n";

static int tx_inspect(const char *prog, int argc, char **argv)
{
    static const struct option opts[] = {
        {"json", no_argument, NULL, 'j'}, {"help", no_argument, NULL, 'h'}, {NULL, 0, NULL, 0}};
    bool json = false;
    int c;
    cli_getopt_reset();
    while ((c = getopt_long(argc, argv, ":jh", opts, NULL)) != -1) {
        if (c == 'j') json = true;
        else if (c == 'h') { printf(inspect_help, prog); return CLI_EXIT_OK; }
        else return cli_bad_option(prog, c, argv);
    }
    if (optind >= argc) return cli_usage(prog, "missing transaction FILE");
    if (optind + 1 < argc) return cli_usage(prog, "unexpected argument '%s'", argv[optind + 1]);
    ec_tx tx;
    ec_id id;
    int rc = cli_load_tx(prog, argv[optind], &tx, &id);
    if (rc) return rc;
    bool sigs_ok = ec_tx_check_signatures(&tx, NULL) == EC_OK;
    char h1[65], h2[65], h3[65];
    ec_id_to_hex(&id, h1);
    if (json) printf("{\n  \"id\": \"%s\",\n  \"timestamp\": %" PRIu64 ",\n  \"mappings\": [\n", h1, tx.timestamp_ms);
    else printf("id         %s\ntimestamp  %" PRIu64 " ms\n", h1, tx.timestamp_ms);
    for (int i = 0; i < tx.n_mappings; i++) {
        const ec_mapping *m = &tx.mappings[i];
        const char *kind = ec_id_is_zero(&m->prev) ? "create" : ec_id_is_zero(&m->owner) ? "destroy" : "update";
        ec_id_to_hex(&m->token, h1);
        ec_id_to_hex(&m->owner, h2);
        ec_id_to_hex(&m->prev, h3);
        if (json)
            printf("    {\"token_id\": \"%s\", \"owner_key_hash\": \"%s\", \"previous_tx_id\": \"%s\", "
                   "\"kind\": \"%s\"}%s\n", h1, h2, h3, kind, i + 1 < tx.n_mappings ? "," : "");
        else
            printf("mapping %d  %s\n  token    %s\n  owner    %s\n  previous %s\n", i, kind, h1, h2, h3);
    }
    if (json) printf("  ],\n  \"signatures\": [\n");
    for (int i = 0; i < tx.n_sigs; i++) {
        ec_id kh;
        ec_sign_keyhash(&kh, &tx.sigs[i].key);
        ec_hex_encode(h1, tx.sigs[i].key.b, EC_PUBKEY_LEN);
        ec_id_to_hex(&kh, h2);
        if (json) printf("    {\"public_key\": \"%s\", \"key_hash\": \"%s\"}%s\n", h1, h2, i + 1 < tx.n_sigs ? "," : "");
        else printf("signer %d   %s (key hash %s)\n", i, h1, h2);
    }
    if (json) printf("  ],\n  \"signatures_valid\": %s\n}\n", sigs_ok ? "true" : "false");
    else printf("signatures %s\n", sigs_ok ? "valid" : "INVALID");
    return CLI_EXIT_OK;
}

int cmd_tx(const char *prog, int argc, char **argv)
{
    static const cli_cmd cmds[] = {
        {"create", tx_create, "create new tokens"},
        {"transfer", tx_transfer, "transfer tokens to a new owner"},
        {"destroy", tx_destroy, "destroy tokens"},
        {"inspect", tx_inspect, "show a transaction file"},
        {NULL, NULL, NULL},
    };
    return cli_dispatch(prog, cmds, argc, argv);
}
