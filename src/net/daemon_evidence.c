/* GET /evidence: the evidence this node keeps (ec_node_evidence_each,
 * ec_node_claims_evidence_each and ec_node_chain_evidence_each), as JSON:
 *   {"evidence": [{"voter": hex, "tx_a": hex, "tx_b": hex, "key": hex,
 *                  "bytes": hex}, ...], "count": N, "truncated": false,
 *    "claims": [{"signer": hex, "token": hex, "key": hex, "bytes": hex},
 *               ...], "claims_count": M, "claims_truncated": false,
 *    "chains": [{"signer": hex, "height": H, "key": hex, "bytes": hex},
 *               ...], "chains_count": C, "chains_truncated": false}
 * (claims: two signed mapping claims of one token on one previous head,
 * core/claims.h, or a claim its signer's own block contradicts,
 * core/claim_chain.h: the bytes' version byte, 2 or 4, says which; chains: two block headers one key signed at one height
 * of its commit chain, core/chain_evidence.h; height a number).
 * tx_a and tx_b are the two transactions' ids, key the voter's signing key,
 * bytes the whole evidence as core/evidence.h encodes it (anyone can check
 * it alone). At most DMN_EVIDENCE_MAX entries, in voter order ("truncated"
 * says whether more are kept). Built by the loop's thread, like /status,
 * but only when the node's count of convictions has moved: the HTTP
 * thread serves the string and never touches the node. */
#include <glib.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/blake3.h"
#include "crypto/hex.h"
#include "net/daemon_internal.h"

typedef struct page {
    GString *s;
    size_t count;
    bool truncated;
    char hex[2 * EC_EVIDENCE_MAX + 1];
    uint8_t bytes[EC_EVIDENCE_MAX];
} page;
_Static_assert(EC_CLAIMS_EVIDENCE_MAX <= EC_EVIDENCE_MAX && EC_CHAIN_EVIDENCE_MAX <= EC_EVIDENCE_MAX &&
                   EC_CLAIM_CHAIN_EVIDENCE_MAX <= EC_EVIDENCE_MAX,
               "every kind fits the page's buffer");

static bool add_claims(void *arg, const ec_id *signer, const ec_claims_evidence *e);
static bool add_chain(void *arg, const ec_id *signer, const ec_chain_evidence *e);
static bool add_claim_chain(void *arg, const ec_id *signer, const ec_claim_chain_evidence *e);

static void put_hex(page *p, const char *name, const uint8_t *b, size_t n, bool last)
{
    ec_hex_encode(p->hex, b, n);
    g_string_append_printf(p->s, "\"%s\": \"%s\"%s", name, p->hex, last ? "" : ", ");
}

static bool add_one(void *arg, const ec_id *voter, const ec_vote_evidence *e)
{
    page *p = arg;
    if (p->count == DMN_EVIDENCE_MAX) {
        p->truncated = true;
        return false;
    }
    size_t len;
    if (ec_evidence_encode(e, p->bytes, sizeof p->bytes, &len) != EC_OK) return true; /* decoded, so never */
    ec_id tx[2];
    for (int i = 0; i < 2; i++) ec_blake3_hash(e->side[i].tx, e->side[i].len, tx[i].b);
    g_string_append(p->s, p->count ? ",\n    {" : "\n    {");
    put_hex(p, "voter", voter->b, EC_ID_LEN, false);
    put_hex(p, "tx_a", tx[0].b, EC_ID_LEN, false);
    put_hex(p, "tx_b", tx[1].b, EC_ID_LEN, false);
    put_hex(p, "key", e->key.b, EC_PUBKEY_LEN, false);
    put_hex(p, "bytes", p->bytes, len, true);
    g_string_append_c(p->s, '}');
    p->count++;
    return true;
}

void dmn_evidence_refresh(ec_daemon *d)
{
    page *p = malloc(sizeof *p);
    if (p == NULL) return; /* tried again at the next refresh */
    p->s = g_string_new("{\n  \"evidence\": [");
    p->count = 0;
    p->truncated = false;
    ec_err err = ec_node_evidence_each(d->node, add_one, p);
    if (err != EC_OK) dmn_log(d, 1, "event=evidence_page msg=\"the store could not list evidence: %s\"",
                              ec_err_str(err));
    g_string_append_printf(p->s, "%s],\n  \"count\": %zu,\n  \"truncated\": %s,\n  \"claims\": [", p->count ? "\n  " : "",
                           p->count, p->truncated ? "true" : "false");
    p->count = 0;
    p->truncated = false;
    err = ec_node_claims_evidence_each(d->node, add_claims, p);
    if (err == EC_OK) err = ec_node_claim_chain_evidence_each(d->node, add_claim_chain, p);
    if (err != EC_OK) dmn_log(d, 1, "event=evidence_page msg=\"the store could not list claims evidence: %s\"",
                              ec_err_str(err));
    g_string_append_printf(p->s, "%s],\n  \"claims_count\": %zu,\n  \"claims_truncated\": %s,\n  \"chains\": [",
                           p->count ? "\n  " : "", p->count, p->truncated ? "true" : "false");
    p->count = 0;
    p->truncated = false;
    err = ec_node_chain_evidence_each(d->node, add_chain, p);
    if (err != EC_OK) dmn_log(d, 1, "event=evidence_page msg=\"the store could not list chain evidence: %s\"",
                              ec_err_str(err));
    g_string_append_printf(p->s, "%s],\n  \"chains_count\": %zu,\n  \"chains_truncated\": %s\n}\n",
                           p->count ? "\n  " : "", p->count, p->truncated ? "true" : "false");
    char *body = g_string_free(p->s, FALSE);
    free(p);
    char *copy = strdup(body); /* the page is free()d, GLib's g_free()d */
    g_free(body);
    if (copy == NULL) return;
    pthread_mutex_lock(&d->snap_mu);
    free(d->snap_evidence);
    d->snap_evidence = copy;
    pthread_mutex_unlock(&d->snap_mu);
    const ec_node_stats *ns = ec_node_stats_get(d->node);
    d->snap_ev_mark = ns->equivocations + ns->claims_convicted + ns->chain_convicted;
}

static bool add_claims(void *arg, const ec_id *signer, const ec_claims_evidence *e)
{
    page *p = arg;
    if (p->count == DMN_EVIDENCE_MAX) {
        p->truncated = true;
        return false;
    }
    size_t len;
    ec_id token;
    if (ec_claims_evidence_encode(e, p->bytes, sizeof p->bytes, &len) != EC_OK) return true; /* decoded, so never */
    if (!ec_claims_contradict(&e->a, &e->b, &token)) memset(&token, 0, sizeof token);
    g_string_append(p->s, p->count ? ",\n    {" : "\n    {");
    put_hex(p, "signer", signer->b, EC_ID_LEN, false);
    put_hex(p, "token", token.b, EC_ID_LEN, false);
    put_hex(p, "key", e->a.key.b, EC_PUBKEY_LEN, false);
    put_hex(p, "bytes", p->bytes, len, true);
    g_string_append_c(p->s, '}');
    p->count++;
    return true;
}

static bool add_chain(void *arg, const ec_id *signer, const ec_chain_evidence *e)
{
    page *p = arg;
    if (p->count == DMN_EVIDENCE_MAX) {
        p->truncated = true;
        return false;
    }
    size_t len;
    if (ec_chain_evidence_encode(e, p->bytes, sizeof p->bytes, &len) != EC_OK) return true; /* decoded, so never */
    g_string_append(p->s, p->count ? ",\n    {" : "\n    {");
    put_hex(p, "signer", signer->b, EC_ID_LEN, false);
    g_string_append_printf(p->s, "\"height\": %llu, ", (unsigned long long)e->a.height);
    put_hex(p, "key", e->key.b, EC_PUBKEY_LEN, false);
    put_hex(p, "bytes", p->bytes, len, true);
    g_string_append_c(p->s, '}');
    p->count++;
    return true;
}

/* A claim its signer's own block contradicts (kind 4): listed with the
 * claims (the bytes' first byte, 4, tells the kinds apart). */
static bool add_claim_chain(void *arg, const ec_id *signer, const ec_claim_chain_evidence *e)
{
    page *p = arg;
    if (p->count == DMN_EVIDENCE_MAX) {
        p->truncated = true;
        return false;
    }
    size_t len;
    if (ec_claim_chain_evidence_encode(e, p->bytes, sizeof p->bytes, &len) != EC_OK) return true; /* decoded, so never */
    g_string_append(p->s, p->count ? ",\n    {" : "\n    {");
    put_hex(p, "signer", signer->b, EC_ID_LEN, false);
    put_hex(p, "token", e->claims.c[e->which].token.b, EC_ID_LEN, false);
    put_hex(p, "key", e->claims.key.b, EC_PUBKEY_LEN, false);
    put_hex(p, "bytes", p->bytes, len, true);
    g_string_append_c(p->s, '}');
    p->count++;
    return true;
}
