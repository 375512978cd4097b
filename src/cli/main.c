/* ec: one command-line tool for the ec protocol. */
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/commands.h"
#include "crypto/sign.h"

static int cmd_version(const char *prog, int argc, char **argv)
{
    (void)argv;
    if (argc > 1 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
        printf("usage: %s\nPrints the version of ec.\n", prog);
        return CLI_EXIT_OK;
    }
    if (argc > 1) return cli_usage(prog, "unexpected argument '%s'", argv[1]);
    printf("ec 0.1.0\n");
    return CLI_EXIT_OK;
}

static const cli_cmd top[] = {
    {"key", cmd_key, "create and inspect Ed25519 key files"},
    {"identity", cmd_identity, "mine, verify and show proof-of-work identities"},
    {"tx", cmd_tx, "build, sign and inspect transactions offline"},
    {"ledger", cmd_ledger, "apply transactions to a local store and query it"},
    {"sim", cmd_sim, "run the deterministic network simulator"},
    {"node", cmd_node, "run a node: encrypted UDP, LMDB store, status page"},
    {"devnet", cmd_devnet, "start, inspect and stop a network of nodes on this machine"},
    {"submit", cmd_submit, "send a transaction to a running node (--wait: its outcome)"},
    {"get", cmd_get, "read a token's head or a transaction from a running node"},
    {"evidence", cmd_evidence, "list the equivocating voters a running node convicted"},
    {"version", cmd_version, "print the version (also: ec --version)"},
    {NULL, NULL, NULL},
};

int main(int argc, char **argv)
{
    if (ec_crypto_init() != EC_OK) {
        fprintf(stderr, "ec: libsodium failed to initialize\n");
        return CLI_EXIT_FAIL;
    }
    /* --version is what users try first; it is the version command. */
    if (argc > 1 && strcmp(argv[1], "--version") == 0)
        return cmd_version("ec --version", argc - 1, argv + 1);
    return cli_dispatch("ec", top, argc, argv);
}
