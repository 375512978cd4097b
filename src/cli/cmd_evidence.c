/* ec evidence list: the evidence a running node keeps (votes, mapping
 * claims, commit chains), read from its status page (GET /evidence,
 * src/net/daemon_evidence.c). */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/commands.h"
#include "cli/http.h"

#define EVIDENCE_PAGE_MAX ((size_t)64 << 20)

static const char list_help[] =
    "usage: %s --node HOST:PORT [--json]\n"
    "\n"
    "Lists the peers a running node has convicted, as it keeps the evidence\n"
    "in its store (kept across restarts; up to 1,024 of each kind listed):\n"
    "equivocating voters (each signed +1 votes for two transactions spending\n"
    "one head; with the two transactions), peers whose signed mapping claims\n"
    "contradict (two heads on one previous head of a token; with the token)\n"
    "and peers whose commit chain forked (two blocks signed at one height;\n"
    "with the height). PORT is the node's status port (status.listen; 'ec\n"
    "devnet status --json' lists them), not its UDP port. The tables show the\n"
    "first 16 hex digits of each id; --json prints the node's page:\n"
    "{\"evidence\": [{\"voter\", \"tx_a\", \"tx_b\", \"key\", \"bytes\"}, ...],\n"
    "\"count\", \"truncated\", \"claims\": [{\"signer\", \"token\", \"key\",\n"
    "\"bytes\"}, ...], \"claims_count\", \"claims_truncated\", \"chains\":\n"
    "[{\"signer\", \"height\", \"key\", \"bytes\"}, ...], \"chains_count\",\n"
    "\"chains_truncated\"}, where bytes is the whole evidence\n"
    "(docs/SECURITY.md), which anyone can check alone.\n"
    "\n"
    "  --node HOST:PORT   the node's status page address\n"
    "  --json             the node's JSON page on stdout\n"
    "  --help             show this help\n"
    "\n"
    "Exit: 0 listed (an empty list too), 1 the node could not be reached or\n"
    "did not answer with a list, 2 usage.\n";

/* The string value of "key" in the object text [p, end) into out (cut to
 * cap - 1); false if absent. Enough for the node's own page, whose values
 * are hex. */
static bool json_str(const char *p, const char *end, const char *key, char *out, size_t cap)
{
    char k[32];
    snprintf(k, sizeof k, "\"%s\": \"", key);
    const char *at = strstr(p, k);
    if (at == NULL || at >= end) return false;
    at += strlen(k);
    const char *q = strchr(at, '"');
    if (q == NULL || q > end) return false;
    size_t n = (size_t)(q - at) < cap - 1 ? (size_t)(q - at) : cap - 1;
    memcpy(out, at, n);
    out[n] = '\0';
    return true;
}

/* The table from the page: a line per entry. False if the page is not
 * the node's evidence list. */
static bool print_table(const char *page)
{
    const char *list = strstr(page, "\"evidence\": [");
    const char *count = strstr(page, "\"count\": ");
    if (list == NULL || count == NULL) return false;
    long n = strtol(count + 9, NULL, 10);
    const char *cc = strstr(page, "\"claims_count\": "), *hc = strstr(page, "\"chains_count\": ");
    if (n == 0 && (cc == NULL || strtol(cc + 16, NULL, 10) == 0) && (hc == NULL || strtol(hc + 16, NULL, 10) == 0)) {
        printf("no evidence: the node has convicted no peer\n");
        return true;
    }
    if (n == 0) return true;
    printf("%-16s  %-16s  %-16s\n", "voter", "tx_a", "tx_b");
    long shown = 0;
    for (const char *p = strchr(list, '{'); p && p < count; p = strchr(p + 1, '{')) {
        const char *end = strchr(p, '}');
        char voter[17], a[17], b[17];
        if (end == NULL || !json_str(p, end, "voter", voter, sizeof voter) ||
            !json_str(p, end, "tx_a", a, sizeof a) || !json_str(p, end, "tx_b", b, sizeof b))
            return false;
        printf("%-16s  %-16s  %-16s\n", voter, a, b);
        shown++;
        p = end;
    }
    if (shown != n) return false;
    if (strstr(page, "\"truncated\": true")) fprintf(stderr, "(the node keeps more than the %ld listed)\n", n);
    return true;
}

/* The second table: contradicting mapping claims (absent on older nodes). */
static bool print_claims(const char *page)
{
    const char *list = strstr(page, "\"claims\": [");
    const char *count = strstr(page, "\"claims_count\": ");
    if (list == NULL || count == NULL) return list == NULL && count == NULL;
    long n = strtol(count + 16, NULL, 10);
    if (n == 0) return true;
    printf("%-16s  %-16s  (mapping claims contradicting each other or their signer's chain)\n", "signer", "token");
    long shown = 0;
    for (const char *p = strchr(list, '{'); p && p < count; p = strchr(p + 1, '{')) {
        const char *end = strchr(p, '}');
        char signer[17], token[17];
        if (end == NULL || !json_str(p, end, "signer", signer, sizeof signer) ||
            !json_str(p, end, "token", token, sizeof token))
            return false;
        printf("%-16s  %-16s\n", signer, token);
        shown++;
        p = end;
    }
    return shown == n;
}

/* The third table: forked commit chains (absent on older nodes). */
static bool print_chains(const char *page)
{
    const char *list = strstr(page, "\"chains\": [");
    const char *count = strstr(page, "\"chains_count\": ");
    if (list == NULL || count == NULL) return list == NULL && count == NULL;
    long n = strtol(count + 16, NULL, 10);
    if (n == 0) return true;
    printf("%-16s  %-16s  (two blocks signed at one height of its commit chain)\n", "signer", "height");
    long shown = 0;
    for (const char *p = strchr(list, '{'); p && p < count; p = strchr(p + 1, '{')) {
        const char *end = strchr(p, '}');
        char signer[17];
        const char *h = end ? strstr(p, "\"height\": ") : NULL;
        if (end == NULL || !json_str(p, end, "signer", signer, sizeof signer) || h == NULL || h >= end)
            return false;
        char *after = NULL;
        unsigned long long height = strtoull(h + 10, &after, 10);
        if (after == h + 10) return false;
        printf("%-16s  %llu\n", signer, height);
        shown++;
        p = end;
    }
    return shown == n;
}

static int evidence_list(const char *prog, int argc, char **argv)
{
    static const struct option opts[] = {
        {"node", required_argument, NULL, 'n'},
        {"json", no_argument, NULL, 'j'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *node = NULL;
    bool json = false, seen[256] = {false};
    int c, rc;
    cli_getopt_reset();
    while ((c = getopt_long(argc, argv, ":n:jh", opts, NULL)) != -1) {
        if ((rc = cli_once(prog, opts, c, seen))) return rc;
        switch (c) {
        case 'n': node = optarg; break;
        case 'j': json = true; break;
        case 'h': printf(list_help, prog); return CLI_EXIT_OK;
        default: return cli_bad_option(prog, c, argv);
        }
    }
    if (optind < argc) return cli_usage(prog, "unexpected argument '%s'", argv[optind]);
    if (node == NULL) return cli_usage(prog, "missing --node HOST:PORT (the node's status port)");
    ec_endpoint ep;
    ec_err err = ec_endpoint_parse(&ep, node);
    if (err == EC_ERR_NOTFOUND) return cli_fail(prog, "--node %s: the host name does not resolve", node);
    if (err) return cli_usage(prog, "--node takes HOST:PORT, not '%s'", node);
    char *page = NULL;
    int code = 0;
    err = cli_http_get(&ep, "/evidence", 5000, EVIDENCE_PAGE_MAX, &code, &page, NULL);
    if (err == EC_ERR_IO)
        return cli_fail(prog, "cannot reach %s: %s (is it the node's status port?)", node, strerror(errno));
    if (err == EC_ERR_ARG) return cli_usage(prog, "--node %s: port 0 is not a status port", node);
    if (err) return cli_fail(prog, "%s: %s", node, err == EC_ERR_MALFORMED ? "not an HTTP answer" : ec_err_str(err));
    if (code != 200) {
        free(page);
        return cli_fail(prog, "%s answered HTTP %d to /evidence (not an ec node's status page, or an older node)",
                        node, code);
    }
    bool ok = true;
    if (json) {
        ok = strstr(page, "\"evidence\": [") != NULL;
        if (ok) fputs(page, stdout);
    } else {
        ok = print_table(page) && print_claims(page) && print_chains(page);
    }
    free(page);
    return ok ? CLI_EXIT_OK : cli_fail(prog, "%s: the answer is not an evidence list", node);
}

int cmd_evidence(const char *prog, int argc, char **argv)
{
    static const cli_cmd cmds[] = {
        {"list", evidence_list, "list the peers a running node convicted, with their evidence"},
        {NULL, NULL, NULL},
    };
    return cli_dispatch(prog, cmds, argc, argv);
}
