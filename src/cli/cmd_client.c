/* ec submit | ec get: a client of a running node (net/client.h). */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/commands.h"
#include "core/node.h"
#include "crypto/blake3.h"
#include "crypto/hex.h"
#include "net/client.h"
#include "net/frame.h"
#include "net/qclient.h"

#define EXIT_TIMEOUT 3

static const char submit_help[] =
    "usage: %s TXFILE --node HOST:PORT [--wait [--timeout S]] [--json]\n"
    "\n"
    "Sends the transaction in TXFILE (from 'ec tx create/transfer') to a\n"
    "running node, which coordinates it: finds each token's neighborhood and\n"
    "collects their votes. Without --wait it returns once the node took it.\n"
    "\n"
    "  --node HOST:PORT   the node's UDP address (ec devnet status lists them)\n"
    "  --wait             wait for the outcome: committed, refused, timed out\n"
    "  --timeout S        seconds to wait, 1..3600 (default 30)\n"
    "  --json             one JSON object on stdout\n"
    "  --help             show this help\n"
    "\n"
    "Exit: 0 accepted (with --wait: committed), 1 refused (the reason on\n"
    "stderr) or the node could not be reached, 2 usage, 3 --wait timed out\n"
    "(the transaction may still commit: ask with 'ec get tx').\n";

static const char get_help[] =
    "usage: %s token NAME|ID --node HOST:PORT [--sessionless [--hops N]] [--json]\n"
    "       %s tx ID --node HOST:PORT [--sessionless [--hops N]] [--json]\n"
    "\n"
    "Reads a token's head (the last transaction that moved it and its owner)\n"
    "or a transaction from a running node. A token is NAME (hashed as\n"
    "'ec tx' does) or its 64-hex-digit id. For a token the node asks the\n"
    "token's neighborhood as it knows it (itself included) and answers what\n"
    "a majority says: a node that was down does not answer stale alone. A\n"
    "transaction is read from that node's store.\n"
    "\n"
    "With --sessionless the question is one datagram, no handshake (seed\n"
    "9.3-9.4): a node that does not hold the answer passes it on toward the\n"
    "id (up to --hops times), and whichever node holds it answers this\n"
    "command directly. That answer is one node's word, bound to the\n"
    "question by a ticket (a transaction is checked against its id); the\n"
    "output names the node that gave it. A token's answer carries up to 4\n"
    "of that node's recent mapping claims (its head for the token first),\n"
    "signed once: the signature is checked against the key it names, over\n"
    "the answering node's address, and a bad one is refused (that the key\n"
    "is the address's identity key is not checked here). A node without a\n"
    "key answers unsigned, and the output says so.\n"
    "\n"
    "  --node HOST:PORT   the node's UDP address\n"
    "  --sessionless      ask without a session (see above)\n"
    "  --hops N           forwards allowed, 0..8 (default 4; --sessionless only)\n"
    "  --timeout S        seconds to wait for the answer, 1..600 (default 10)\n"
    "  --json             one JSON object on stdout\n"
    "  --help             show this help\n"
    "\n"
    "Exit: 0 found, 1 not found or the node could not be reached, 2 usage.\n";

static int open_node(const char *prog, const char *node, uint64_t timeout_ms, ec_client **c)
{
    ec_endpoint ep;
    ec_err err = ec_endpoint_parse(&ep, node);
    if (err == EC_ERR_NOTFOUND) return cli_fail(prog, "--node %s: the host name does not resolve", node);
    if (err) return cli_usage(prog, "--node takes HOST:PORT, not '%s'", node);
    char why[256];
    if (ec_client_open(c, &ep, timeout_ms, why, sizeof why) != EC_OK) return cli_fail(prog, "%s", why);
    return 0;
}

static const char *outcome_name(int t)
{
    switch (t) {
    case EC_NODE_EV_COMMITTED: return "committed";
    case EC_NODE_EV_REFUSED: return "refused";
    case EC_NODE_EV_TIMED_OUT: return "timed_out";
    default: return "unknown";
    }
}

int cmd_submit(const char *prog, int argc, char **argv)
{
    static const struct option opts[] = {
        {"node", required_argument, NULL, 'n'}, {"wait", no_argument, NULL, 'w'},
        {"timeout", required_argument, NULL, 't'}, {"json", no_argument, NULL, 'j'},
        {"help", no_argument, NULL, 'h'}, {NULL, 0, NULL, 0},
    };
    const char *node = NULL;
    bool wait = false, json = false, have_timeout = false;
    uint64_t timeout = 30;
    bool seen[256] = {false};
    int c, rc;
    cli_getopt_reset();
    while ((c = getopt_long(argc, argv, ":n:wt:jh", opts, NULL)) != -1) {
        if ((rc = cli_once(prog, opts, c, seen))) return rc;
        switch (c) {
        case 'n': node = optarg; break;
        case 'w': wait = true; break;
        case 't':
            if (!cli_parse_u64(optarg, 1, 3600, &timeout)) return cli_usage(prog, "--timeout must be 1..3600");
            have_timeout = true;
            break;
        case 'j': json = true; break;
        case 'h': printf(submit_help, prog); return CLI_EXIT_OK;
        default: return cli_bad_option(prog, c, argv);
        }
    }
    if (optind >= argc) return cli_usage(prog, "missing TXFILE");
    if (optind + 1 < argc) return cli_usage(prog, "unexpected argument '%s'", argv[optind + 1]);
    if (node == NULL) return cli_usage(prog, "missing --node HOST:PORT");
    if (have_timeout && !wait) return cli_usage(prog, "--timeout applies to --wait");
    const char *file = argv[optind];
    uint8_t tx[EC_TX_UDP_MAX];
    size_t len;
    ec_err err = cli_read_tx(file, tx, &len);
    if (err) return cli_fail(prog, "%s: %s", file, cli_tx_read_error(err));
    ec_client *cl;
    if ((rc = open_node(prog, node, 5000, &cl))) return rc;
    uint32_t req;
    int code = 0;
    uint8_t resp[64];
    size_t rlen = 0;
    err = ec_client_call(cl, EC_OP_SUBMIT, tx, len, &req, &code, resp, sizeof resp, &rlen, 5000);
    if (err) {
        ec_client_close(cl);
        return cli_fail(prog, "%s did not answer within 5 s", node);
    }
    char hex[65] = "";
    if (rlen == 32) ec_hex_encode(hex, resp, 32);
    if (code != EC_OK) {
        ec_client_close(cl);
        if (json) printf("{\"tx\": \"%s\", \"result\": \"refused\", \"reason\": \"%s\"}\n", hex, ec_err_str(code));
        return cli_fail(prog, "%s refused the transaction: %s", node, ec_err_str(code));
    }
    if (!wait) {
        ec_client_close(cl);
        if (json) printf("{\"tx\": \"%s\", \"result\": \"accepted\"}\n", hex);
        else printf("%s accepted by %s\n", hex, node);
        return CLI_EXIT_OK;
    }
    uint8_t out[64];
    size_t olen = 0;
    /* The node keeps recent outcomes: if ours is lost, the re-sent
     * submission brings it again. */
    err = ec_client_wait(cl, req, EC_OP_OUTCOME, &code, out, sizeof out, &olen, timeout * 1000);
    if (err) err = ec_client_call(cl, EC_OP_SUBMIT, tx, len, &req, &code, resp, sizeof resp, &rlen, 2000) ||
                   ec_client_wait(cl, req, EC_OP_OUTCOME, &code, out, sizeof out, &olen, 2000);
    ec_client_close(cl);
    if (err || olen < 2) {
        if (json) printf("{\"tx\": \"%s\", \"result\": \"wait_timed_out\"}\n", hex);
        fprintf(stderr, "%s: no outcome within %" PRIu64 " s; it may still commit ('ec get tx %s --node %s')\n",
                prog, timeout, hex, node);
        return EXIT_TIMEOUT;
    }
    int type = out[0], mapping = (int8_t)out[1];
    if (json) printf("{\"tx\": \"%s\", \"result\": \"%s\", \"mapping\": %d}\n", hex, outcome_name(type), mapping);
    else printf("%s %s\n", hex, outcome_name(type));
    if (type == EC_NODE_EV_COMMITTED) return CLI_EXIT_OK;
    if (type == EC_NODE_EV_TIMED_OUT) {
        fprintf(stderr, "%s: the network did not decide within the node's timeout\n", prog);
        return EXIT_TIMEOUT;
    }
    fprintf(stderr, "%s: refused: mapping %d has too many negative votes (invalid or conflicting)\n", prog, mapping);
    return CLI_EXIT_FAIL;
}

/* The token's id from NAME or 64 hex digits. */
static void token_id(ec_id *token, const char *what)
{
    if (strlen(what) != 64 || ec_id_from_hex(token, what) != EC_OK) cli_token_from_name(token, what);
}

/* A sessionless MAPPING answer's claims: JSON members (after the others),
 * or text lines. */
static void print_claims_json(const ec_ask_result *sig)
{
    printf(", \"signed\": %s, \"claims\": [", sig->signed_ok ? "true" : "false");
    for (int i = 0; i < sig->claims.n && i < EC_MSG_CLAIMS_MAX; i++) {
        const ec_msg_claim *c = &sig->claims.c[i];
        char t[65], h[65], p[65];
        ec_id_to_hex(&c->token, t);
        ec_id_to_hex(&c->head, h);
        ec_id_to_hex(&c->prev, p);
        printf("%s{\"token\": \"%s\", \"head\": \"%s\", \"prev\": \"%s\", \"timestamp_ms\": %" PRIu64
               ", \"block_height\": %" PRIu64 "}",
               i ? ", " : "", t, h, p, c->timestamp_ms, c->block_height);
    }
    printf("]");
}

static void print_claims_text(FILE *f, const ec_ask_result *sig, const char *by)
{
    if (!sig->signed_ok) {
        fprintf(f, "  unsigned (the node has no signing key)\n");
        return;
    }
    fprintf(f, "  claims %d, signed by %.16s, verified\n", sig->claims.n, by);
    for (int i = 0; i < sig->claims.n && i < EC_MSG_CLAIMS_MAX; i++) {
        char t[65], h[65];
        ec_id_to_hex(&sig->claims.c[i].token, t);
        ec_id_to_hex(&sig->claims.c[i].head, h);
        fprintf(f, "    token %.16s head %.16s block %" PRIu64 "\n", t, h, sig->claims.c[i].block_height);
    }
}

/* A head (tx id 32, timestamp u64 LE, owner 32), or none; who said so if
 * it was one node's sessionless answer, and its signed claims (sig). */
static int print_head(const char *prog, const ec_id *token, const uint8_t *h, const ec_id *answerer,
                      const ec_ask_result *sig, bool json)
{
    char thex[65], tx[65], owner[65], by[65] = "";
    ec_id_to_hex(token, thex);
    if (answerer) ec_id_to_hex(answerer, by);
    if (h == NULL) {
        if (json) {
            printf("{\"token\": \"%s\", \"found\": false%s%s%s", thex, answerer ? ", \"answerer\": \"" : "", by,
                   answerer ? "\"" : "");
            if (sig) print_claims_json(sig);
            printf("}\n");
        } else {
            fprintf(stderr, "%s: token %s: no such token%s%s%s\n", prog, thex, answerer ? " (says " : "",
                    answerer ? by : "", answerer ? ")" : "");
            if (sig) print_claims_text(stderr, sig, by);
        }
        return CLI_EXIT_FAIL;
    }
    ec_hex_encode(tx, h, 32);
    ec_hex_encode(owner, h + 40, 32);
    uint64_t ts = 0;
    for (int i = 7; i >= 0; i--) ts = ts << 8 | h[32 + i];
    bool destroyed = true;
    for (int i = 0; i < 32; i++) destroyed &= h[40 + i] == 0;
    if (json) {
        printf("{\"token\": \"%s\", \"found\": true, \"tx\": \"%s\", \"timestamp_ms\": %" PRIu64
               ", \"owner\": \"%s\", \"destroyed\": %s%s%s%s",
               thex, tx, ts, owner, destroyed ? "true" : "false", answerer ? ", \"answerer\": \"" : "", by,
               answerer ? "\"" : "");
        if (sig) print_claims_json(sig);
        printf("}\n");
    } else {
        printf("token %s\n  head  %s\n  time  %" PRIu64 " ms\n  owner %s\n", thex, tx, ts,
               destroyed ? "(destroyed)" : owner);
        if (answerer) printf("  said by %s (one node, sessionless)\n", by);
        if (sig) print_claims_text(stdout, sig, by);
    }
    return CLI_EXIT_OK;
}

static int print_tx(const char *prog, const char *what, const uint8_t *r, size_t n, const ec_id *answerer,
                    bool json)
{
    char by[65] = "";
    if (answerer) ec_id_to_hex(answerer, by);
    if (r == NULL) {
        if (json) printf("{\"tx\": \"%s\", \"found\": false}\n", what);
        else fprintf(stderr, "%s: transaction %s: not at %s\n", prog, what, answerer ? "the node that answered" : "this node");
        return CLI_EXIT_FAIL;
    }
    char *hex = malloc(2 * n + 1);
    if (hex == NULL) return cli_fail(prog, "out of memory");
    ec_hex_encode(hex, r, n);
    if (json) printf("{\"tx\": \"%s\", \"found\": true, \"bytes\": \"%s\"%s%s%s}\n", what, hex,
                     answerer ? ", \"answerer\": \"" : "", by, answerer ? "\"" : "");
    else printf("%s\n", hex);
    free(hex);
    return CLI_EXIT_OK;
}

static int get_token(const char *prog, ec_client *cl, const char *what, uint64_t timeout, bool json)
{
    ec_id token;
    token_id(&token, what);
    int code;
    uint8_t r[80];
    size_t n = 0;
    if (ec_client_call(cl, EC_OP_GET_HEAD, token.b, 32, NULL, &code, r, sizeof r, &n, timeout * 1000) != EC_OK)
        return cli_fail(prog, "no answer within %" PRIu64 " s", timeout);
    if (code == EC_ERR_MISMATCH)
        return cli_fail(prog, "the token's neighborhood did not agree on its head (or did not answer) in time");
    if (code != EC_OK) return cli_fail(prog, "the node failed: %s", ec_err_str(code));
    return print_head(prog, &token, n < 73 || r[0] == 0 ? NULL : r + 1, NULL, NULL, json);
}

static int get_tx(const char *prog, ec_client *cl, const char *what, uint64_t timeout, bool json)
{
    ec_id id;
    if (ec_id_from_hex(&id, what) != EC_OK) return cli_usage(prog, "a transaction id is 64 hex digits");
    int code;
    uint8_t r[EC_TX_MAX_LEN];
    size_t n = 0;
    if (ec_client_call(cl, EC_OP_GET_TX, id.b, 32, NULL, &code, r, sizeof r, &n, timeout * 1000) != EC_OK)
        return cli_fail(prog, "no answer within %" PRIu64 " s", timeout);
    if (code == EC_ERR_NOTFOUND) return print_tx(prog, what, NULL, 0, NULL, json);
    if (code != EC_OK) return cli_fail(prog, "the node failed: %s", ec_err_str(code));
    return print_tx(prog, what, r, n, NULL, json);
}

/* A sessionless MAPPING answer (its body checked by the asker): the head
 * it names, and its claims. */
static int print_mapping(const char *prog, const ec_id *token, const ec_ask_result *r, bool json)
{
    ec_msg *m = malloc(sizeof *m);
    if (m == NULL) return cli_fail(prog, "out of memory");
    if (ec_msg_decode(m, r->body, r->body_len) != EC_OK || m->type != EC_MSG_MAPPING) {
        free(m);
        return cli_fail(prog, "the answer is not a mapping"); /* the asker took only mappings */
    }
    uint8_t h[EC_ANSWER_HEAD_BODY];
    memcpy(h, m->u.mapping.tx_id.b, EC_ID_LEN);
    for (int i = 0; i < 8; i++) h[EC_ID_LEN + i] = (uint8_t)(m->u.mapping.timestamp_ms >> (8 * i));
    memcpy(h + EC_ID_LEN + 8, m->u.mapping.owner.b, EC_ID_LEN);
    bool found = m->u.mapping.found;
    free(m);
    return print_head(prog, token, found ? h : NULL, &r->answerer, r, json);
}

/* One datagram, no session (net/qclient.h). */
static int get_sessionless(const char *prog, const char *node, bool tok, const char *what, unsigned hops,
                           uint64_t timeout, bool json)
{
    ec_id id;
    if (tok) token_id(&id, what);
    else if (ec_id_from_hex(&id, what) != EC_OK) return cli_usage(prog, "a transaction id is 64 hex digits");
    ec_endpoint ep;
    ec_err err = ec_endpoint_parse(&ep, node);
    if (err == EC_ERR_NOTFOUND) return cli_fail(prog, "--node %s: the host name does not resolve", node);
    if (err) return cli_usage(prog, "--node takes HOST:PORT, not '%s'", node);
    ec_ask_result *r = malloc(sizeof *r);
    if (r == NULL) return cli_fail(prog, "out of memory");
    /* A token: the signed mapping (its claims checked by the asker). */
    err = ec_ask(&ep, tok ? EC_QOP_MAPPING : EC_QOP_TX, &id, (uint8_t)hops, timeout * 1000, r);
    int rc;
    if (err == EC_ERR_NOTFOUND) rc = cli_fail(prog, "no answer within %" PRIu64 " s (%" PRIu64 " refused)", timeout, r->refused);
    else if (err != EC_OK) rc = cli_fail(prog, "cannot ask: %s", ec_err_str(err));
    else if (r->status == EC_QST_TOO_LARGE) rc = cli_fail(prog, "the answer is larger than the node may send without a session; ask without --sessionless");
    else if (tok) rc = print_mapping(prog, &id, r, json);
    else rc = print_tx(prog, what, r->status == EC_QST_FOUND ? r->body : NULL, r->body_len, &r->answerer, json);
    free(r);
    return rc;
}

int cmd_get(const char *prog, int argc, char **argv)
{
    static const struct option opts[] = {
        {"node", required_argument, NULL, 'n'}, {"timeout", required_argument, NULL, 't'},
        {"sessionless", no_argument, NULL, 's'}, {"hops", required_argument, NULL, 'o'},
        {"json", no_argument, NULL, 'j'}, {"help", no_argument, NULL, 'h'}, {NULL, 0, NULL, 0},
    };
    const char *node = NULL;
    bool json = false, sessionless = false, have_hops = false;
    uint64_t timeout = 10, hops = 4;
    bool seen[256] = {false};
    int c, rc;
    cli_getopt_reset();
    while ((c = getopt_long(argc, argv, ":n:t:so:jh", opts, NULL)) != -1) {
        if ((rc = cli_once(prog, opts, c, seen))) return rc;
        switch (c) {
        case 'n': node = optarg; break;
        case 's': sessionless = true; break;
        case 'o':
            if (!cli_parse_u64(optarg, 0, EC_QUERY_HOPS_MAX, &hops)) return cli_usage(prog, "--hops must be 0..8");
            have_hops = true;
            break;
        case 't':
            if (!cli_parse_u64(optarg, 1, 600, &timeout)) return cli_usage(prog, "--timeout must be 1..600");
            break;
        case 'j': json = true; break;
        case 'h': printf(get_help, prog, prog); return CLI_EXIT_OK;
        default: return cli_bad_option(prog, c, argv);
        }
    }
    if (argc - optind != 2) return cli_usage(prog, "usage: token NAME|ID or tx ID");
    const char *kind = argv[optind], *what = argv[optind + 1];
    if (strcmp(kind, "token") && strcmp(kind, "tx")) return cli_usage(prog, "'%s': say token or tx", kind);
    if (node == NULL) return cli_usage(prog, "missing --node HOST:PORT");
    if (have_hops && !sessionless) return cli_usage(prog, "--hops applies to --sessionless");
    if (sessionless) return get_sessionless(prog, node, !strcmp(kind, "token"), what, (unsigned)hops, timeout, json);
    ec_client *cl;
    if ((rc = open_node(prog, node, 5000, &cl))) return rc;
    rc = !strcmp(kind, "token") ? get_token(prog, cl, what, timeout, json) : get_tx(prog, cl, what, timeout, json);
    ec_client_close(cl);
    return rc;
}
