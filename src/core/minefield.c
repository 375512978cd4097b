/* Minefield (seed §8; docs/SECURITY.md "Signed mappings"): every mapping
 * answer carries its answerer's signed claims (serve.c signs them; core/
 * claims.h says what they are). Each answer we get is checked (the key
 * must be the answerer's identity key, the signature its) and compared
 * with what the same answerer claimed before for the same tokens: two of
 * its claims for one token with the same previous head and different
 * heads cannot both be honest (an honest head never moves to a sibling),
 * and convict it (convict.c keeps, acts on and spreads the pair). We keep,
 * per (signer, token), the newest signed set that named it, at most
 * claims_max of them, the oldest out first (counted). An honest node's
 * claims never contradict each other, so keeping more only finds more
 * liars; keeping fewer never convicts an honest node. */
#include <stdlib.h>
#include <string.h>

#include "core/node_internal.h"
#include "crypto/blake3.h"

typedef struct claim_entry {
    ec_id key;            /* BLAKE3(signer || token) */
    ec_id signer;
    uint64_t ts;          /* the claim's time for that token (the newest kept) */
    ec_msg_claims set;    /* the whole signed set: the half of any evidence */
} claim_entry;

static void entry_key(ec_id *k, const ec_id *signer, const ec_id *token)
{
    uint8_t b[2 * EC_ID_LEN];
    memcpy(b, signer->b, EC_ID_LEN);
    memcpy(b + EC_ID_LEN, token->b, EC_ID_LEN);
    ec_blake3_hash(b, sizeof b, k->b);
}

void node_claims_free(ec_node *n)
{
    if (n->claims_order) g_queue_free(n->claims_order);
    if (n->claims) g_hash_table_destroy(n->claims);
    n->claims_order = NULL;
    n->claims = NULL;
}

static void keep(ec_node *n, const ec_id *signer, const ec_msg_claims *c, int i)
{
    ec_id k;
    entry_key(&k, signer, &c->c[i].token);
    claim_entry *e = g_hash_table_lookup(n->claims, &k);
    if (e) {
        if (c->c[i].timestamp_ms >= e->ts) {
            e->ts = c->c[i].timestamp_ms;
            e->set = *c;
        }
        return;
    }
    if (g_hash_table_size(n->claims) >= n->cfg.claims_max) {
        claim_entry *old = g_queue_pop_head(n->claims_order);
        if (old) g_hash_table_remove(n->claims, &old->key); /* frees it */
        n->stats.claims_evicted++;
    }
    e = malloc(sizeof *e);
    if (e == NULL) return;
    e->key = k;
    e->signer = *signer;
    e->ts = c->c[i].timestamp_ms;
    e->set = *c;
    g_hash_table_insert(n->claims, &e->key, e);
    g_queue_push_tail(n->claims_order, e);
    n->stats.claims_kept++;
}

void node_claims_on_mapping(ec_node *n, uint64_t now, const ec_id *from, const ec_msg *m)
{
    const ec_msg_claims *c = &m->u.mapping.claims;
    if (c->n == 0 || n->cfg.claims_max == 0 || n->cfg.ignore_evidence || node_convicted(n, from)) return;
    if (node_identity(n, now, from, from, &c->key) != EC_NODE_ID_YES || ec_claims_verify(c, from) != EC_OK) {
        n->stats.claims_bad++;
        return;
    }
    /* Against what it said before about these tokens. */
    for (int i = 0; i < c->n; i++) {
        ec_id k;
        entry_key(&k, from, &c->c[i].token);
        const claim_entry *e = g_hash_table_lookup(n->claims, &k);
        if (e == NULL || !ec_claims_contradict(&e->set, c, NULL)) continue;
        ec_claims_evidence *ev = malloc(sizeof *ev);
        if (ev == NULL) return;
        ev->signer = *from;
        ev->a = e->set;
        ev->b = *c;
        node_convict_claims(n, now, ev);
        free(ev);
        return;
    }
    for (int i = 0; i < c->n; i++) keep(n, from, c, i);
}

void node_claims_on_block(ec_node *n, uint64_t now, const ec_id *signer, const ec_block_header *hdr,
                          const ec_block_body *body)
{
    if (n->claims == NULL || n->cfg.ignore_evidence || node_convicted(n, signer)) return;
    GHashTableIter it;
    gpointer k, v;
    g_hash_table_iter_init(&it, n->claims);
    while (g_hash_table_iter_next(&it, &k, &v)) {
        const claim_entry *e = v;
        if (ec_id_cmp(&e->signer, signer) != 0) continue;
        for (uint8_t i = 0; i < e->set.n && i < EC_MSG_CLAIMS_MAX; i++) {
            const ec_msg_claim *c = &e->set.c[i];
            if (c->block_height != hdr->height || c->block_index == EC_MSG_CLAIM_NO_INDEX) continue;
            n->stats.claims_checked_block++;
            ec_claim_chain_evidence *ev = malloc(sizeof *ev);
            if (ev == NULL) return;
            bool lie = ec_claim_chain_evidence_make(ev, signer, &e->set, i, hdr, body->ids, body->count);
            if (lie) node_convict_claim_chain(n, now, ev); /* the table may not change under us: */
            free(ev);
            if (lie) return;                                  /* one conviction ends it */
        }
    }
}
