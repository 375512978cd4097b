/* ec key new | show */
#include <errno.h>
#include <getopt.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/commands.h"
#include "crypto/hex.h"
#include "crypto/keyfile.h"

static const char new_help[] =
    "usage: %s [--out FILE]\n"
    "\n"
    "Creates a new Ed25519 key from the operating system's randomness.\n"
    "With --out, writes it to FILE with mode 0600 (an existing FILE is never\n"
    "overwritten) and prints the public key; without it, prints the key file\n"
    "to stdout.\n"
    "\n"
    "  --out FILE   write the secret key file here\n"
    "  --help       show this help\n";

static int key_new(const char *prog, int argc, char **argv)
{
    static const struct option opts[] = {
        {"out", required_argument, NULL, 'o'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *out = NULL;
    bool seen[256] = {false};
    int c;
    cli_getopt_reset();
    while ((c = getopt_long(argc, argv, ":o:h", opts, NULL)) != -1) {
        if (cli_once(prog, opts, c, seen)) return CLI_EXIT_USAGE;
        switch (c) {
        case 'o': out = optarg; break;
        case 'h': printf(new_help, prog); return CLI_EXIT_OK;
        default: return cli_bad_option(prog, c, argv);
        }
    }
    if (optind < argc) return cli_usage(prog, "unexpected argument '%s'", argv[optind]);

    uint8_t seed[EC_SEED_LEN];
    ec_keypair kp;
    randombytes_buf(seed, sizeof seed);
    ec_err err = ec_sign_keypair(&kp, seed);
    sodium_memzero(seed, sizeof seed);
    if (err) return cli_fail(prog, "cannot derive key: %s", ec_err_str(err));

    int rc = CLI_EXIT_OK;
    if (out == NULL) {
        char buf[EC_KEYFILE_LEN + 1];
        ec_keyfile_format(buf, sizeof buf, &kp);
        fputs(buf, stdout);
        sodium_memzero(buf, sizeof buf);
    } else if ((err = ec_keyfile_write(out, &kp)) != EC_OK) {
        rc = err == EC_ERR_EXISTS
                 ? cli_fail(prog, "%s already exists; refusing to overwrite a key", out)
                 : cli_fail(prog, "cannot write %s: %s", out, strerror(errno));
    } else {
        char hex[2 * EC_PUBKEY_LEN + 1];
        ec_hex_encode(hex, kp.pub.b, EC_PUBKEY_LEN);
        printf("%s\n", hex);
    }
    ec_sign_wipe(&kp);
    return rc;
}

/* Loads a key file, printing the reason on failure. */
int cli_load_key(const char *prog, const char *path, ec_keypair *kp)
{
    ec_err err = ec_keyfile_read(kp, path);
    switch (err) {
    case EC_OK: return CLI_EXIT_OK;
    case EC_ERR_NOTFOUND: return cli_fail(prog, "key file %s does not exist", path);
    case EC_ERR_IO: return cli_fail(prog, "cannot read key file %s: %s", path, strerror(errno));
    case EC_ERR_TRUNCATED: return cli_fail(prog, "key file %s is truncated", path);
    case EC_ERR_VERSION:
        return cli_fail(prog, "key file %s has an unsupported version", path);
    default:
        return cli_fail(prog, "key file %s is corrupt (%s)", path, ec_err_str(err));
    }
}

static const char show_help[] =
    "usage: %s FILE [--json]\n"
    "\n"
    "Shows the public key of a key file and its key hash (BLAKE3 of the\n"
    "public key: what a token mapping records as the owner).\n"
    "\n"
    "  --json   print a JSON object {public_key, key_hash}\n"
    "  --help   show this help\n";

static int key_show(const char *prog, int argc, char **argv)
{
    static const struct option opts[] = {
        {"json", no_argument, NULL, 'j'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    bool json = false;
    int c;
    cli_getopt_reset();
    while ((c = getopt_long(argc, argv, ":jh", opts, NULL)) != -1) {
        switch (c) {
        case 'j': json = true; break;
        case 'h': printf(show_help, prog); return CLI_EXIT_OK;
        default: return cli_bad_option(prog, c, argv);
        }
    }
    if (optind >= argc) return cli_usage(prog, "missing key FILE");
    if (optind + 1 < argc) return cli_usage(prog, "unexpected argument '%s'", argv[optind + 1]);

    ec_keypair kp;
    int rc = cli_load_key(prog, argv[optind], &kp);
    if (rc) return rc;
    ec_id kh;
    ec_sign_keyhash(&kh, &kp.pub);
    if (json) {
        printf("{\n");
        cli_json_hex(stdout, "public_key", kp.pub.b, EC_PUBKEY_LEN, false);
        cli_json_hex(stdout, "key_hash", kh.b, EC_ID_LEN, true);
        printf("}\n");
    } else {
        char pub[65], hash[65];
        ec_hex_encode(pub, kp.pub.b, EC_PUBKEY_LEN);
        ec_id_to_hex(&kh, hash);
        printf("public_key %s\nkey_hash   %s\n", pub, hash);
    }
    ec_sign_wipe(&kp);
    return CLI_EXIT_OK;
}

int cmd_key(const char *prog, int argc, char **argv)
{
    static const cli_cmd cmds[] = {
        {"new", key_new, "create a new key"},
        {"show", key_show, "show a key file's public key and key hash"},
        {NULL, NULL, NULL},
    };
    return cli_dispatch(prog, cmds, argc, argv);
}
