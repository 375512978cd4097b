/* Vote equivocation, caught where it happens (docs/SECURITY.md): a member
 * whose sticky vote went to one of two transactions spending the same
 * (token, prev) holds both (p->rival); a voter whose signed +1 it has for
 * both is an equivocator. The pair is checked like anyone else would
 * (ec_evidence_verify, and the key must be the voter's identity key),
 * kept in the store ("eq" + voter), raised as an EC_NODE_EV_EVIDENCE
 * event, and from then on the voter's votes do not count here (tally.c).
 * An honest member never signs such a pair (its +1 is sticky and
 * durable), so no honest voter is ever set aside. The same goes for a node
 * whose signed mapping claims contradict (claims.h; minefield.c finds
 * them): "mf" + the node; and for one whose commit chain forked
 * (chain_evidence.h; sync finds them): "ch" + the node. Verified evidence
 * is spread once (spread()). */
#include <stdlib.h>
#include <string.h>

#include "core/claims.h"
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

/* Into the convicted set (its votes stop counting: tally.c). EC_ERR_EXISTS
 * if it is there, EC_ERR_RANGE if the set is full (counted), EC_ERR_NOMEM. */
static ec_err set_aside(ec_node *n, const ec_id *who)
{
    if (node_convicted(n, who)) return EC_ERR_EXISTS;
    if (g_hash_table_size(n->convicted) >= NODE_CONVICTED_MAX) {
        n->stats.convicted_full++;
        return EC_ERR_RANGE;
    }
    ec_id *k = malloc(sizeof *k);
    if (k == NULL) return EC_ERR_NOMEM;
    *k = *who;
    g_hash_table_add(n->convicted, k);
    return EC_OK;
}

/* Sends the encoded evidence ev on (spreading, docs/SECURITY.md
 * "Spreading and exclusion"): to the accused's w nearest that we know (its
 * neighborhood, where its identity is vouched for) and, when p is given,
 * to our co-members of p's tokens (tallying right now). Never to us, the
 * accused or `from`. */
static void spread(ec_node *n, const ec_id *accused, const uint8_t *ev, size_t evlen, const ptx *p,
                   const ec_id *from)
{
    if (evlen > EC_MSG_EVIDENCE_MAX) {
        n->stats.evidence_unsent++; /* two large transactions: more than one datagram */
        return;
    }
    ec_msg *m = malloc(sizeof *m);
    if (m == NULL) return;
    memset(m, 0, sizeof *m);
    m->type = EC_MSG_EVIDENCE;
    memcpy(m->u.evidence.bytes, ev, evlen);
    m->u.evidence.len = (uint16_t)evlen;
    ec_id to[NODE_W_MAX + 1 + EC_TX_MAPPINGS_MAX * NODE_W_MAX];
    /* w + 1: the accused itself is one of its nearest when we know it. */
    size_t nto = ec_peers_nearest(n->peers, accused, n->cfg.w + 1, false, to);
    for (int i = 0; p && p->have_tx && i < p->tx.n_mappings; i++) {
        if (!p->member_of[i]) continue;
        size_t nn;
        const ec_id *near = node_nbr(n, (ptx *)p, i, &nn);
        for (size_t k = 0; k < nn && nto < sizeof to / sizeof to[0]; k++) to[nto++] = near[k];
    }
    for (size_t k = 0; k < nto; k++) {
        bool skip = ec_id_cmp(&to[k], &n->addr) == 0 || ec_id_cmp(&to[k], accused) == 0 ||
                    (from && ec_id_cmp(&to[k], from) == 0);
        for (size_t j = 0; j < k && !skip; j++) skip = ec_id_cmp(&to[j], &to[k]) == 0;
        if (skip) continue;
        node_send(n, &to[k], m);
        n->stats.evidence_sent++;
    }
    free(m);
}

/* Acts on verified evidence against `who` (encoded ev: vote equivocation,
 * kept as "eq" + who, or contradicting mapping claims, "mf" + who): kept in
 * the store, its votes set aside (tally.c), an event for the driver, and
 * spread. It stays in our peer table: taking it out would move the
 * neighborhoods it is in for us and not for members that have not heard
 * yet, and two members that count different w nearest lose the quorums'
 * overlap the hold and echo rely on (measured: docs/SECURITY.md). False if
 * the table of convicted voters is full (counted). */
static bool convict(ec_node *n, const ec_id *who, char tag, const uint8_t *ev, size_t evlen, const ec_id *tx_id,
                    const ptx *p, const ec_id *from)
{
    if (set_aside(n, who) != EC_OK) return false;
    if (tag == 'q') n->stats.equivocations++;
    else if (tag == 'f' || tag == 'k') n->stats.claims_convicted++;
    else n->stats.chain_convicted++;
    if (from) n->stats.evidence_received++;
    uint8_t key[2 + EC_ID_LEN];
    evidence_key(key, who);
    /* "eq" + who for votes, "mf" for claims, "ch" for a chain, "mc" for a
     * claim against its chain. */
    static const char *const prefix[] = {['q'] = "eq", ['f'] = "mf", ['c'] = "ch", ['k'] = "mc"};
    key[0] = (uint8_t)prefix[(unsigned char)tag][0];
    key[1] = (uint8_t)prefix[(unsigned char)tag][1];
    ec_err err = node_write_begin(n, n->store);
    if (!err) err = ec_store_put_rec(n->store, key, sizeof key, ev, evlen);
    if (node_write_end(n, n->store, err, NULL) != EC_OK) n->stats.store_errors++;
    ec_node_event ev_out;
    memset(&ev_out, 0, sizeof ev_out);
    ev_out.type = EC_NODE_EV_EVIDENCE;
    ev_out.from = *who;
    if (tx_id) ev_out.tx_id = *tx_id;
    ev_out.mapping = -1;
    node_event_push(n, &ev_out);
    node_log(n, 1, "%s%s (its votes set aside)", from ? "evidence received: " : "",
             tag == 'q'   ? "a voter signed +1 for two transactions on one head"
             : tag == 'f' ? "a node signed two heads on one previous head for a token"
             : tag == 'k' ? "a node claimed a head its own signed block does not hold"
                          : "a node signed two blocks at one height of its commit chain");
    spread(n, who, ev, evlen, p, from);
    return true;
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
    uint8_t *buf = malloc(EC_EVIDENCE_MAX);
    size_t len;
    if (e == NULL || buf == NULL) goto out;
    ec_evidence_make(e, voter, &a->v, a->n, p->bytes, p->len, &b->v, b->n, q->bytes, q->len);
    /* What any checker would ask: the pair proves it, under the voter's key. */
    if (ec_evidence_verify(e, NULL, NULL) == EC_OK &&
        node_identity(n, now, voter, voter, &e->key) == EC_NODE_ID_YES &&
        ec_evidence_encode(e, buf, EC_EVIDENCE_MAX, &len) == EC_OK)
        convict(n, voter, 'q', buf, len, &p->id, p, NULL);
out:
    free(buf);
    free(e);
}

void node_convict_claims(ec_node *n, uint64_t now, const ec_claims_evidence *e)
{
    if (n->cfg.ignore_evidence || node_convicted(n, &e->signer) || ec_id_cmp(&e->signer, &n->addr) == 0) return;
    uint8_t buf[EC_CLAIMS_EVIDENCE_MAX];
    size_t len;
    if (ec_claims_evidence_verify(e, NULL) == EC_OK &&
        node_identity(n, now, &e->signer, &e->signer, &e->a.key) == EC_NODE_ID_YES &&
        ec_claims_evidence_encode(e, buf, sizeof buf, &len) == EC_OK)
        convict(n, &e->signer, 'f', buf, len, NULL, NULL, NULL);
}

void node_convict_chain(ec_node *n, uint64_t now, const ec_chain_evidence *e)
{
    if (n->cfg.ignore_evidence || node_convicted(n, &e->signer) || ec_id_cmp(&e->signer, &n->addr) == 0) return;
    uint8_t buf[EC_CHAIN_EVIDENCE_MAX];
    size_t len;
    if (ec_chain_evidence_verify(e) == EC_OK &&
        node_identity(n, now, &e->signer, &e->signer, &e->key) == EC_NODE_ID_YES &&
        ec_chain_evidence_encode(e, buf, sizeof buf, &len) == EC_OK)
        convict(n, &e->signer, 'c', buf, len, NULL, NULL, NULL);
}

void node_convict_claim_chain(ec_node *n, uint64_t now, const ec_claim_chain_evidence *e)
{
    if (n->cfg.ignore_evidence || node_convicted(n, &e->signer) || ec_id_cmp(&e->signer, &n->addr) == 0) return;
    uint8_t buf[EC_CLAIM_CHAIN_EVIDENCE_MAX];
    size_t len;
    if (ec_claim_chain_evidence_verify(e) == EC_OK &&
        node_identity(n, now, &e->signer, &e->signer, &e->claims.key) == EC_NODE_ID_YES &&
        ec_claim_chain_evidence_encode(e, buf, sizeof buf, &len) == EC_OK)
        convict(n, &e->signer, 'k', buf, len, NULL, NULL, NULL);
}

/* An EVIDENCE message: the first byte says which kind. Decoded first;
 * evidence against a voter convicted here already (the gossip's echoes)
 * or against us is "known" before any signature is checked; the rest
 * must prove itself. */
typedef enum { EV_BAD, EV_KNOWN, EV_PROVES } ev_verdict;

static ev_verdict received(const ec_node *n, const ec_msg *m, ec_id *who, ec_pubkey *key, char *tag)
{
    const uint8_t *b = m->u.evidence.bytes;
    size_t len = m->u.evidence.len;
    ev_verdict v = EV_BAD;
    if (b[0] == EC_CLAIMS_EVIDENCE_VERSION) {
        ec_claims_evidence *e = malloc(sizeof *e);
        if (e && ec_claims_evidence_decode(e, b, len) == EC_OK) {
            *who = e->signer;
            *key = e->a.key;
            *tag = 'f';
            if (node_convicted(n, who) || ec_id_cmp(who, &n->addr) == 0) v = EV_KNOWN;
            else if (ec_claims_evidence_verify(e, NULL) == EC_OK) v = EV_PROVES;
        }
        free(e);
        return v;
    }
    if (b[0] == EC_CLAIM_CHAIN_EVIDENCE_VERSION) {
        ec_claim_chain_evidence *e = malloc(sizeof *e);
        if (e && ec_claim_chain_evidence_decode(e, b, len) == EC_OK) {
            *who = e->signer;
            *key = e->claims.key;
            *tag = 'k';
            if (node_convicted(n, who) || ec_id_cmp(who, &n->addr) == 0) v = EV_KNOWN;
            else if (ec_claim_chain_evidence_verify(e) == EC_OK) v = EV_PROVES;
        }
        free(e);
        return v;
    }
    if (b[0] == EC_CHAIN_EVIDENCE_VERSION) {
        ec_chain_evidence *e = malloc(sizeof *e);
        if (e && ec_chain_evidence_decode(e, b, len) == EC_OK) {
            *who = e->signer;
            *key = e->key;
            *tag = 'c';
            if (node_convicted(n, who) || ec_id_cmp(who, &n->addr) == 0) v = EV_KNOWN;
            else if (ec_chain_evidence_verify(e) == EC_OK) v = EV_PROVES;
        }
        free(e);
        return v;
    }
    ec_vote_evidence *e = malloc(sizeof *e);
    if (e && ec_evidence_decode(e, b, len) == EC_OK) {
        *who = e->voter;
        *key = e->key;
        *tag = 'q';
        if (node_convicted(n, who) || ec_id_cmp(who, &n->addr) == 0) v = EV_KNOWN;
        else if (ec_evidence_verify(e, NULL, NULL) == EC_OK) v = EV_PROVES;
    }
    free(e);
    return v;
}

void node_convict_on_evidence(ec_node *n, uint64_t now, const ec_id *from, const ec_msg *m)
{
    if (n->cfg.ignore_evidence) return;
    ec_id who;
    ec_pubkey key;
    char tag;
    ev_verdict v = received(n, m, &who, &key, &tag);
    if (v == EV_BAD) {
        n->stats.evidence_bad++;
    } else if (v == EV_KNOWN) {
        n->stats.evidence_known++; /* spread once per node: the gossip ends here */
    } else {
        /* The key must be the accused's identity key: unknown (the driver
         * fetches the record) or no, and it is not acted on now. */
        ec_node_id_answer id = node_identity(n, now, from, &who, &key);
        if (id == EC_NODE_ID_YES) convict(n, &who, tag, m->u.evidence.bytes, m->u.evidence.len, NULL, NULL, from);
        else n->stats.evidence_unverified++;
    }
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

/* ---- Stored evidence: listing, and the convicted set refilled at start
 * (the set lives in memory; the "eq" records are what survives). */

/* An "eq" record's voter and evidence, decoded; false if it is not one
 * (a key of another length, bytes that do not decode, a voter that is
 * not the key's). */
static bool evidence_rec(const uint8_t *key, size_t klen, const uint8_t *val, size_t vlen, ec_id *voter,
                         ec_vote_evidence *e)
{
    if (klen != 2 + EC_ID_LEN || ec_evidence_decode(e, val, vlen) != EC_OK) return false;
    memcpy(voter->b, key + 2, EC_ID_LEN);
    return ec_id_cmp(voter, &e->voter) == 0;
}

typedef struct each_ctx {
    ec_node *n; /* for the count of records skipped */
    ec_vote_evidence *e;
    bool (*fn)(void *arg, const ec_id *voter, const ec_vote_evidence *e);
    void *arg;
} each_ctx;

static bool each_one(void *arg, const uint8_t *key, size_t klen, const uint8_t *val, size_t vlen)
{
    each_ctx *c = arg;
    ec_id voter;
    if (!evidence_rec(key, klen, val, vlen, &voter, c->e)) {
        c->n->stats.evidence_corrupt++;
        return true;
    }
    return c->fn(c->arg, &voter, c->e);
}

ec_err ec_node_evidence_each(const ec_node *n, bool (*fn)(void *arg, const ec_id *voter, const ec_vote_evidence *e),
                             void *arg)
{
    if (n == NULL || fn == NULL) return EC_ERR_ARG;
    /* The count of skipped records is a statistic, not the node's state:
     * kept through the const the reader was given. */
    each_ctx c = {(ec_node *)n, malloc(sizeof(ec_vote_evidence)), fn, arg};
    if (c.e == NULL) return EC_ERR_NOMEM;
    ec_err err = ec_store_each_rec(n->store, (const uint8_t *)"eq", 2, each_one, &c);
    free(c.e);
    return err;
}

static bool load_one(void *arg, const uint8_t *key, size_t klen, const uint8_t *val, size_t vlen)
{
    each_ctx *c = arg;
    ec_node *n = c->n;
    ec_id voter;
    /* Checked again as when it was kept (the identity aside: the voter's
     * record may be unknown yet); a record that fails is skipped. */
    if (!evidence_rec(key, klen, val, vlen, &voter, c->e) || ec_evidence_verify(c->e, NULL, NULL) != EC_OK) {
        n->stats.evidence_corrupt++;
        return true;
    }
    return set_aside(n, &voter) != EC_ERR_NOMEM;
}

/* An "mf" record (contradicting mapping claims, minefield.c): checked
 * again and its signer set aside. */
static bool load_claims(void *arg, const uint8_t *key, size_t klen, const uint8_t *val, size_t vlen)
{
    ec_node *n = arg;
    ec_claims_evidence *e = malloc(sizeof *e);
    if (e == NULL) return false;
    ec_id who;
    bool ok = klen == 2 + EC_ID_LEN && ec_claims_evidence_decode(e, val, vlen) == EC_OK &&
              ec_claims_evidence_verify(e, NULL) == EC_OK;
    if (ok) memcpy(who.b, key + 2, EC_ID_LEN);
    ok = ok && ec_id_cmp(&who, &e->signer) == 0;
    free(e);
    if (!ok) {
        n->stats.evidence_corrupt++;
        return true;
    }
    return set_aside(n, &who) != EC_ERR_NOMEM;
}

/* A "ch" record (a forked commit chain): checked again, its signer set
 * aside. */
static bool load_chain(void *arg, const uint8_t *key, size_t klen, const uint8_t *val, size_t vlen)
{
    ec_node *n = arg;
    ec_chain_evidence e;
    bool ok = klen == 2 + EC_ID_LEN && ec_chain_evidence_decode(&e, val, vlen) == EC_OK &&
              ec_chain_evidence_verify(&e) == EC_OK && memcmp(key + 2, e.signer.b, EC_ID_LEN) == 0;
    if (!ok) {
        n->stats.evidence_corrupt++;
        return true;
    }
    return set_aside(n, &e.signer) != EC_ERR_NOMEM;
}

/* An "mc" record (a claim against its own chain): checked again. */
static bool load_claim_chain(void *arg, const uint8_t *key, size_t klen, const uint8_t *val, size_t vlen)
{
    ec_node *n = arg;
    ec_claim_chain_evidence *e = malloc(sizeof *e);
    if (e == NULL) return false;
    bool ok = klen == 2 + EC_ID_LEN && ec_claim_chain_evidence_decode(e, val, vlen) == EC_OK &&
              ec_claim_chain_evidence_verify(e) == EC_OK && memcmp(key + 2, e->signer.b, EC_ID_LEN) == 0;
    ec_id who = {{0}};
    if (ok) memcpy(who.b, key + 2, EC_ID_LEN); /* the signer's (checked equal above) */
    free(e);
    if (!ok) {
        n->stats.evidence_corrupt++;
        return true;
    }
    return set_aside(n, &who) != EC_ERR_NOMEM;
}

void node_convict_load(ec_node *n)
{
    each_ctx c = {n, malloc(sizeof(ec_vote_evidence)), NULL, NULL};
    if (c.e == NULL) return;
    if (ec_store_each_rec(n->store, (const uint8_t *)"eq", 2, load_one, &c) != EC_OK) n->stats.store_errors++;
    free(c.e);
    if (ec_store_each_rec(n->store, (const uint8_t *)"mf", 2, load_claims, n) != EC_OK) n->stats.store_errors++;
    if (ec_store_each_rec(n->store, (const uint8_t *)"ch", 2, load_chain, n) != EC_OK) n->stats.store_errors++;
    if (ec_store_each_rec(n->store, (const uint8_t *)"mc", 2, load_claim_chain, n) != EC_OK) n->stats.store_errors++;
    if (g_hash_table_size(n->convicted) > 0)
        node_log(n, 2, "%u convicted voters loaded from the store", g_hash_table_size(n->convicted));
}

typedef struct claims_ctx {
    ec_node *n;
    ec_claims_evidence *e;
    bool (*fn)(void *arg, const ec_id *signer, const ec_claims_evidence *e);
    void *arg;
} claims_ctx;

static bool claims_one(void *arg, const uint8_t *key, size_t klen, const uint8_t *val, size_t vlen)
{
    claims_ctx *c = arg;
    if (klen != 2 + EC_ID_LEN || ec_claims_evidence_decode(c->e, val, vlen) != EC_OK ||
        memcmp(key + 2, c->e->signer.b, EC_ID_LEN) != 0) {
        c->n->stats.evidence_corrupt++;
        return true;
    }
    return c->fn(c->arg, &c->e->signer, c->e);
}

ec_err ec_node_claims_evidence_each(const ec_node *n,
                                    bool (*fn)(void *arg, const ec_id *signer, const ec_claims_evidence *e), void *arg)
{
    if (n == NULL || fn == NULL) return EC_ERR_ARG;
    claims_ctx c = {(ec_node *)n, malloc(sizeof(ec_claims_evidence)), fn, arg}; /* a count through the const */
    if (c.e == NULL) return EC_ERR_NOMEM;
    ec_err err = ec_store_each_rec(n->store, (const uint8_t *)"mf", 2, claims_one, &c);
    free(c.e);
    return err;
}

typedef struct chain_ctx {
    ec_node *n;
    bool (*fn)(void *arg, const ec_id *signer, const ec_chain_evidence *e);
    void *arg;
} chain_ctx;

static bool chain_one(void *arg, const uint8_t *key, size_t klen, const uint8_t *val, size_t vlen)
{
    chain_ctx *c = arg;
    ec_chain_evidence e;
    if (klen != 2 + EC_ID_LEN || ec_chain_evidence_decode(&e, val, vlen) != EC_OK ||
        memcmp(key + 2, e.signer.b, EC_ID_LEN) != 0) {
        c->n->stats.evidence_corrupt++;
        return true;
    }
    return c->fn(c->arg, &e.signer, &e);
}

ec_err ec_node_chain_evidence_each(const ec_node *n,
                                   bool (*fn)(void *arg, const ec_id *signer, const ec_chain_evidence *e), void *arg)
{
    if (n == NULL || fn == NULL) return EC_ERR_ARG;
    chain_ctx c = {(ec_node *)n, fn, arg}; /* a count through the const */
    return ec_store_each_rec(n->store, (const uint8_t *)"ch", 2, chain_one, &c);
}

typedef struct claim_chain_ctx {
    ec_node *n;
    ec_claim_chain_evidence *e;
    bool (*fn)(void *arg, const ec_id *signer, const ec_claim_chain_evidence *e);
    void *arg;
} claim_chain_ctx;

static bool claim_chain_one(void *arg, const uint8_t *key, size_t klen, const uint8_t *val, size_t vlen)
{
    claim_chain_ctx *c = arg;
    if (klen != 2 + EC_ID_LEN || ec_claim_chain_evidence_decode(c->e, val, vlen) != EC_OK ||
        memcmp(key + 2, c->e->signer.b, EC_ID_LEN) != 0) {
        c->n->stats.evidence_corrupt++;
        return true;
    }
    return c->fn(c->arg, &c->e->signer, c->e);
}

ec_err ec_node_claim_chain_evidence_each(const ec_node *n,
                                         bool (*fn)(void *arg, const ec_id *signer, const ec_claim_chain_evidence *e),
                                         void *arg)
{
    if (n == NULL || fn == NULL) return EC_ERR_ARG;
    claim_chain_ctx c = {(ec_node *)n, malloc(sizeof(ec_claim_chain_evidence)), fn, arg}; /* a count through the const */
    if (c.e == NULL) return EC_ERR_NOMEM;
    ec_err err = ec_store_each_rec(n->store, (const uint8_t *)"mc", 2, claim_chain_one, &c);
    free(c.e);
    return err;
}
