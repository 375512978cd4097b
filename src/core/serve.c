/* Answers that keep no state (seed §9.2): the peers nearest to an address
 * or a transaction's member list (find_peers), a transaction by id
 * (get_tx), a token's head (get_mapping). */
#include <string.h>

#include "core/node_internal.h"
#include "core/pos.h"

_Static_assert(EC_MSG_PROOF_TOKENS == EC_POS_CHUNKS, "a PROOF carries one walk");

void node_on_find_peers(ec_node *n, const ec_id *from, const ec_msg *m)
{
    ec_msg r;
    memset(&r, 0, sizeof r);
    r.type = EC_MSG_PEERS;
    r.u.peers.target = m->u.find_peers.target;
    /* Asked for a transaction's members (want = NODE_WANT_MEMBERS): the
     * list we know for it (a member that lost the coordinator's list
     * recovers it this way). Any other want is a lookup step, answered
     * with our nearest even when the target is a transaction we work on:
     * the witness lookup's target is the tx id, and its neighborhood holds
     * the transaction (routed there) without the full list; refusing it
     * left that lookup to time out at every witness in turn. */
    ptx *p = m->u.find_peers.want == NODE_WANT_MEMBERS
                 ? node_ptx_get(n, &m->u.find_peers.target, false, 0)
                 : NULL;
    if (p && !p->have_members) {
        /* One neighborhood's list is no answer to "the members": whoever
         * asks would take it for the whole. */
        n->stats.dropped_unexpected++;
        return;
    }
    if (p && p->nmembers > 0) {
        node_send_members(n, p, from);
        return;
    }
    size_t want = m->u.find_peers.want < NODE_W_MAX ? m->u.find_peers.want : NODE_W_MAX;
    r.u.peers.n = (uint8_t)ec_peers_nearest(n->peers, &m->u.find_peers.target, want, true,
                                            r.u.peers.peers);
    node_book_fill(n, &r);
    node_send(n, from, &r);
}

void node_on_get_tx(ec_node *n, const ec_id *from, const ec_msg *m)
{
    ptx *p = node_ptx_get(n, &m->u.get_tx.tx_id, false, 0);
    if (p && p->have_tx) {
        node_send_tx(n, from, p, false);
        return;
    }
    ec_msg r;
    size_t len;
    memset(&r, 0, sizeof r);
    r.type = EC_MSG_TX;
    if (ec_store_get_tx(n->store, &m->u.get_tx.tx_id, r.u.tx.bytes, sizeof r.u.tx.bytes, &len) == EC_OK) {
        r.u.tx.len = (uint16_t)len;
        node_send(n, from, &r);
    } else {
        n->stats.dropped_unexpected++;
    }
}

/* Our claim for token: its head, that transaction's prev for it, its time
 * and the block of our chain that holds it (0: not yet, or past tip). */
static bool claim_of(ec_node *n, const ec_id *token, uint64_t tip, ec_msg_claim *out)
{
    ec_head h;
    uint8_t buf[EC_TX_MAX_LEN];
    size_t len;
    ec_tx tx;
    if (ec_store_get_head(n->store, token, &h) != EC_OK ||
        ec_store_get_tx(n->store, &h.tx_id, buf, sizeof buf, &len) != EC_OK || ec_tx_decode(&tx, buf, len) != EC_OK)
        return false;
    for (int i = 0; i < tx.n_mappings; i++) {
        if (ec_id_cmp(&tx.mappings[i].token, token) != 0) continue;
        memset(out, 0, sizeof *out);
        out->token = *token;
        out->head = h.tx_id;
        out->prev = tx.mappings[i].prev;
        out->timestamp_ms = h.timestamp_ms;
        out->block_index = EC_MSG_CLAIM_NO_INDEX;
        uint8_t index;
        uint64_t at = node_chain_position_of(n->store, &h.tx_id, &index);
        if (at && at <= tip) {
            out->block_height = at;
            out->block_index = index;
        }
        return true;
    }
    return false;
}

/* Minefield (docs/SECURITY.md "Signed mappings"): the answer's own
 * mapping and up to three of the heads we committed last, signed once.
 * A node without a key (or an answer we cannot claim) sends none. */
static void attach_claims(ec_node *n, ec_msg *r)
{
    ec_msg_claims *c = &r->u.mapping.claims;
    memset(c, 0, sizeof *c);
    if (!n->has_key) return;
    if (r->u.mapping.found) {
        if (!claim_of(n, &r->u.mapping.token, r->u.mapping.chain_height, &c->c[0]) ||
            c->c[0].timestamp_ms != r->u.mapping.timestamp_ms) {
            memset(c, 0, sizeof *c);
            return;
        }
        /* claim_of found the block the answer names (the same record, the same tip). */
        c->n = 1;
    }
    unsigned start = n->nrecent ? (unsigned)ec_rng_below(n->rng, n->nrecent) : 0;
    for (unsigned k = 0; k < n->nrecent && c->n < EC_MSG_CLAIMS_MAX; k++) {
        const ec_id *t = &n->recent[(start + k) % n->nrecent];
        bool dup = ec_id_cmp(t, &r->u.mapping.token) == 0;
        for (int j = 0; j < c->n && !dup; j++) dup = ec_id_cmp(&c->c[j].token, t) == 0;
        if (!dup && claim_of(n, t, r->u.mapping.chain_height, &c->c[c->n])) c->n++;
    }
    for (int i = c->n; i < EC_MSG_CLAIMS_MAX; i++) memset(&c->c[i], 0, sizeof c->c[i]);
    if (c->n) ec_claims_sign(c, &n->key, &n->addr);
}

/* The MAPPING answer for token: head, chain position and signed claims. */
static void mapping_answer(ec_node *n, const ec_id *token, ec_msg *out)
{
    ec_msg r;
    ec_head h;
    memset(&r, 0, sizeof r);
    r.type = EC_MSG_MAPPING;
    r.u.mapping.token = *token;
    ec_block_header tip;
    if (node_chain_tip(n->store, &tip) == EC_OK) {
        r.u.mapping.chain_height = tip.height;
        ec_block_hash(&tip, &r.u.mapping.chain_hash);
    }
    if (ec_store_get_head(n->store, token, &h) == EC_OK) {
        r.u.mapping.found = 1;
        r.u.mapping.tx_id = h.tx_id;
        r.u.mapping.timestamp_ms = h.timestamp_ms;
        r.u.mapping.owner = h.owner;
        uint64_t at = node_chain_height_of(n->store, &h.tx_id);
        if (at <= r.u.mapping.chain_height) r.u.mapping.block_height = at;
    }
    attach_claims(n, &r);
    *out = r;
}

void node_on_get_mapping(ec_node *n, const ec_id *from, const ec_msg *m)
{
    ec_msg r;
    mapping_answer(n, &m->u.get_mapping.token, &r);
    node_send(n, from, &r);
}

ec_err ec_node_mapping_answer(ec_node *n, const ec_id *token, ec_msg *out)
{
    if (n == NULL || token == NULL || out == NULL) return EC_ERR_ARG;
    mapping_answer(n, token, out);
    return EC_OK;
}

/* Headers of our own commit chain, from `height` (0: the tip) down, with
 * our signing key (whose identity the asker checks) and the tip's height.
 * A node without a chain answers tip 0. */
void node_on_get_chain(ec_node *n, const ec_id *from, const ec_msg *m)
{
    ec_msg r;
    ec_block_header h;
    memset(&r, 0, sizeof r);
    r.type = EC_MSG_CHAIN;
    if (!n->has_key) {
        n->stats.dropped_unexpected++;
        return;
    }
    r.u.chain.key = n->key.pub;
    ec_err err = node_chain_tip(n->store, &h);
    if (err == EC_OK) {
        r.u.chain.tip = h.height;
        uint64_t at = m->u.get_chain.height == 0 || m->u.get_chain.height > h.height ? h.height
                                                                                      : m->u.get_chain.height;
        for (unsigned i = 0; i < m->u.get_chain.count && at >= 1; i++, at--) {
            size_t len;
            if (node_chain_block(n->store, at, &h, NULL) != EC_OK ||
                ec_block_header_encode(&h, r.u.chain.hdr[i], EC_MSG_HEADER_MAX, &len) != EC_OK)
                break;
            r.u.chain.len[i] = (uint16_t)len;
            r.u.chain.n++;
        }
    } else if (err != EC_ERR_NOTFOUND) {
        n->stats.store_errors++;
        return;
    }
    node_send(n, from, &r);
}

/* Whether a stored transaction maps a token sharing `bits` leading bits
 * with `who`. */
static bool near_to(ec_node *n, const ec_id *tx_id, const ec_id *who, unsigned bits)
{
    uint8_t buf[EC_TX_MAX_LEN];
    size_t len;
    ec_tx tx;
    if (ec_store_get_tx(n->store, tx_id, buf, sizeof buf, &len) != EC_OK || ec_tx_decode(&tx, buf, len) != EC_OK)
        return true; /* not known here: let the asker decide */
    for (int i = 0; i < tx.n_mappings; i++)
        if (ec_id_prefix_eq(&tx.mappings[i].token, who, bits)) return true;
    return false;
}

/* The body of our block at `height` (length 0: none), and which of its
 * ids map a token near the asker, as it asked. */
void node_on_get_body(ec_node *n, const ec_id *from, const ec_msg *m)
{
    ec_msg r;
    ec_block_header h;
    ec_block_body b;
    memset(&r, 0, sizeof r);
    r.type = EC_MSG_BODY;
    r.u.body.height = m->u.get_body.height;
    size_t len = 0;
    if (node_chain_block(n->store, m->u.get_body.height, &h, &b) == EC_OK &&
        ec_block_body_encode(&b, r.u.body.bytes, sizeof r.u.body.bytes, &len) == EC_OK) {
        r.u.body.len = (uint16_t)len;
        for (unsigned i = 0; i < b.count; i++)
            if (m->u.get_body.near_bits == 0 || near_to(n, &b.ids[i], from, m->u.get_body.near_bits))
                r.u.body.near |= 1u << i;
    }
    node_send(n, from, &r);
}

typedef struct range_ctx {
    ec_msg *r;
    uint8_t want;
} range_ctx;

static bool range_take(void *arg, const ec_id *token, const ec_head *h)
{
    range_ctx *c = arg;
    ec_msg *r = c->r;
    r->u.range.token[r->u.range.n] = *token;
    r->u.range.head[r->u.range.n] = h->tx_id;
    return ++r->u.range.n < c->want;
}

/* The heads of the tokens >= from in our store, ascending (polling sync,
 * the baseline chain sync is measured against). */
void node_on_get_range(ec_node *n, const ec_id *from, const ec_msg *m)
{
    ec_msg r;
    memset(&r, 0, sizeof r);
    r.type = EC_MSG_RANGE;
    range_ctx c = {&r, m->u.get_range.count};
    if (ec_store_iterate(n->store, &m->u.get_range.from, range_take, &c) != EC_OK) {
        n->stats.store_errors++;
        return;
    }
    node_send(n, from, &r);
}

/* Proof of aligned storage (core/pos.h; docs/PROTOCOL.md, "Storage
 * proofs"): a walk examines up to pos_examined_max stored tokens (about
 * 10,000 for a full answer), so answers are rationed node-wide by a token
 * bucket of pos_answers_per_s a second, burst the same, kept in
 * thousandths of an answer so that every millisecond refills exactly. It
 * starts full; `now` is the node's clock (never read here). */
static bool pos_take(ec_node *n, uint64_t now)
{
    uint64_t rate = n->cfg.pos_answers_per_s, cap = 1000 * rate;
    if (!n->pos_bucket_set) {
        n->pos_bucket = cap;
        n->pos_bucket_at = now;
        n->pos_bucket_set = true;
    } else if (now > n->pos_bucket_at) {
        uint64_t dt = now - n->pos_bucket_at;
        uint64_t add = dt >= 1000 ? cap : dt * rate;
        n->pos_bucket = cap - n->pos_bucket <= add ? cap : n->pos_bucket + add;
        n->pos_bucket_at = now;
    }
    if (n->pos_bucket < 1000) return false;
    n->pos_bucket -= 1000;
    return true;
}

/* Our walk from the token for `from` (the chunks are bound to the asker),
 * or "cannot": the token not held here, fewer than ten matches within a
 * turn each way, or more than pos_examined_max tokens to examine. */
/* The asker's share: false if it was answered less than
 * pos_peer_interval_ms ago; else its time is now (its slot, or the one
 * answered longest ago). */
static bool asker_take(ec_node *n, uint64_t now, const ec_id *from)
{
    if (n->cfg.pos_peer_interval_ms == 0) return true;
    struct pos_asker *slot = NULL, *oldest = &n->pos_askers[0];
    for (unsigned i = 0; i < NODE_POS_ASKERS && slot == NULL; i++) {
        struct pos_asker *a = &n->pos_askers[i];
        if (a->used && ec_id_cmp(&a->peer, from) == 0) slot = a;
        else if (!a->used || (oldest->used && a->at < oldest->at)) oldest = a;
    }
    if (slot && now - slot->at < n->cfg.pos_peer_interval_ms) return false;
    if (slot == NULL) slot = oldest;
    *slot = (struct pos_asker){*from, now, true};
    return true;
}

void node_on_get_proof(ec_node *n, uint64_t now, const ec_id *from, const ec_msg *m)
{
    if (!asker_take(n, now, from)) {
        n->stats.pos_dropped_peer++;
        return;
    }
    if (!pos_take(n, now)) {
        n->stats.pos_dropped_rate++;
        return;
    }
    ec_pos_answer a;
    ec_msg r;
    memset(&r, 0, sizeof r);
    r.type = EC_MSG_PROOF;
    r.u.proof.token = m->u.get_proof.token;
    /* A width whose walk (about 10 x 2^bits stored tokens) could not end
     * within pos_examined_max is answered "cannot" without walking: an
     * asker cannot make us examine our cap's worth of tokens for nothing. */
    /* A region that holds the token but not both of us is answered
     * "cannot" too: it is not one we must hold whole. */
    const ec_id *t = &m->u.get_proof.token;
    unsigned plen = m->u.get_proof.plen;
    ec_err err = 10ull << m->u.get_proof.bits > n->cfg.pos_examined_max || !ec_pos_in_region(t, &n->addr, plen) ||
                         !ec_pos_in_region(t, from, plen)
                     ? EC_ERR_RANGE
                     : node_pos_answer(n, from, t, m->u.get_proof.bits, plen, m->u.get_proof.shared, &a);
    if (err == EC_OK) {
        r.u.proof.status = 1;
        r.u.proof.head = a.head;
        memcpy(r.u.proof.t, a.t, sizeof r.u.proof.t);
        memcpy(r.u.proof.h, a.h, sizeof r.u.proof.h);
        n->stats.pos_answered++;
    } else if (err == EC_ERR_NOTFOUND || err == EC_ERR_RANGE) {
        n->stats.pos_cannot++;
    } else {
        n->stats.store_errors++;
        return;
    }
    node_send(n, from, &r);
}
