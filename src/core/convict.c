/* Vote equivocation, caught where it happens (docs/SECURITY.md): a member
 * whose sticky vote went to one of two transactions spending the same
 * (token, prev) holds both (p->rival); a voter whose signed +1 it has for
 * both is an equivocator. The pair is checked like anyone else would
 * (ec_evidence_verify, and the key must be the voter's identity key),
 * kept in the store ("eq" + voter), raised as an EC_NODE_EV_EVIDENCE
 * event, and from then on the voter's votes do not count here (tally.c).
 * An honest member never signs such a pair (its +1 is sticky and
 * durable), so no honest voter is ever set aside. Spreading the evidence
 * and the neighborhood's exclusion vote are not built yet. */
#include <stdlib.h>
#include <string.h>

#include "core/node_internal.h"

bool ec_node_convicted(const ec_node *n, const ec_id *voter)
{
    return n != NULL && voter != NULL && node_convicted(n, voter);
}

static void evidence_key(uint8_t k[2 + EC_ID_LEN], const ec_id *voter)
{
    k[0] = 'e';
    k[1] = 'q';
    memcpy(k + 2, voter->b, EC_ID_LEN);
}

ec_err ec_node_evidence(const ec_node *n, const ec_id *voter, ec_vote_evidence *out)
{
    if (n == NULL || voter == NULL || out == NULL) return EC_ERR_ARG;
    uint8_t k[2 + EC_ID_LEN], v[EC_EVIDENCE_MAX];
    size_t len = 0;
    evidence_key(k, voter);
    ec_err err = ec_store_get_rec(n->store, k, sizeof k, v, sizeof v, &len);
    if (err) return err == EC_ERR_RANGE ? EC_ERR_CORRUPT : err;
    return ec_evidence_decode(out, v, len) == EC_OK ? EC_OK : EC_ERR_CORRUPT;
}

static const voter_vote *vote_of(const ptx *p, const ec_id *voter)
{
    for (size_t k = 0; k < p->nvotes; k++)
        if (ec_id_cmp(&p->votes[k].v.voter, voter) == 0) return &p->votes[k];
    return NULL;
}

/* The voter's votes in p and q, if both exist and prove equivocation. */
static void check(ec_node *n, uint64_t now, ptx *p, ptx *q, const ec_id *voter)
{
    if (node_convicted(n, voter) || ec_id_cmp(voter, &n->addr) == 0) return;
    const voter_vote *a = vote_of(p, voter), *b = vote_of(q, voter);
    if (a == NULL || b == NULL || a->n != p->tx.n_mappings || b->n != q->tx.n_mappings) return;
    bool plus_a = false, plus_b = false;
    for (int i = 0; i < a->n; i++) plus_a |= a->v.values[i] == EC_MSG_VOTE_VALID;
    for (int i = 0; i < b->n; i++) plus_b |= b->v.values[i] == EC_MSG_VOTE_VALID;
    if (!plus_a || !plus_b || memcmp(a->v.key.b, b->v.key.b, EC_PUBKEY_LEN) != 0) return;
    ec_vote_evidence *e = malloc(sizeof *e);
    if (e == NULL) return;
    ec_evidence_make(e, voter, &a->v, a->n, p->bytes, p->len, &b->v, b->n, q->bytes, q->len);
    /* What any checker would ask: the pair proves it, under the voter's key. */
    if (ec_evidence_verify(e, NULL, NULL) != EC_OK ||
        node_identity(n, now, voter, voter, &e->key) != EC_NODE_ID_YES) {
        free(e);
        return;
    }
    if (g_hash_table_size(n->convicted) >= NODE_CONVICTED_MAX) {
        n->stats.convicted_full++;
        free(e);
        return;
    }
    ec_id *k = malloc(sizeof *k);
    if (k == NULL) {
        free(e);
        return;
    }
    *k = *voter;
    g_hash_table_add(n->convicted, k);
    n->stats.equivocations++;
    uint8_t key[2 + EC_ID_LEN], buf[EC_EVIDENCE_MAX];
    size_t len;
    evidence_key(key, voter);
    if (ec_evidence_encode(e, buf, sizeof buf, &len) == EC_OK) {
        ec_err err = node_write_begin(n, n->store);
        if (!err) err = ec_store_put_rec(n->store, key, sizeof key, buf, len);
        if (node_write_end(n, n->store, err, NULL) != EC_OK) n->stats.store_errors++;
    }
    free(e);
    ec_node_event ev;
    memset(&ev, 0, sizeof ev);
    ev.type = EC_NODE_EV_EVIDENCE;
    ev.from = *voter;
    ev.tx_id = p->id;
    ev.mapping = -1;
    node_event_push(n, &ev);
    node_log(n, 1, "a voter signed +1 for two transactions on one head (evidence kept, its votes set aside)");
}

void node_convict_rivals(ec_node *n, uint64_t now, ptx *p, ptx *q)
{
    if (n->cfg.ignore_evidence || !p->have_tx || !q->have_tx) return;
    for (size_t k = 0; k < p->nvotes; k++) check(n, now, p, q, &p->votes[k].v.voter);
}

void node_convict_vote(ec_node *n, uint64_t now, ptx *p, const ec_id *voter)
{
    if (n->cfg.ignore_evidence || !p->have_tx || !p->has_rival) return;
    ptx *q = node_ptx_get(n, &p->rival, false, now);
    if (q && q->have_tx) check(n, now, p, q, voter);
}
