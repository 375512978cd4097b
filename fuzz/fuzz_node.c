/* libFuzzer harness: the node core (src/core/node.h) against an adversary
 * that holds its whole neighborhood, with signatures checked.
 *
 * The input is a series of records [kind u8][sender u8][len u16 LE][bytes].
 * sender < 8 is one of 8 fixed peers near the node's address (each with a
 * fixed Ed25519 key pair); any other value is a far peer derived from the
 * byte and an epoch counter (kind bit 7 starts a new epoch: thousands of
 * distinct senders over an input). kind bits 2-6 move the clock forward
 * (up to about 4 s); kind mod 4 chooses:
 *   0  the bytes as a message from the sender (malformed input survives);
 *      a first byte 0xF0: a near sender's mapping answer with signed
 *      claims, 0xF1: an evidence message of two of its claim sets;
 *      0xF2: GET_PROOF from the sender about one of 256 storage-proof
 *      tokens (or a near token), 1-4 times at once (the rate limit), with
 *      0-10 of the tokens its walk seeks put in the store first (a walk
 *      over random tokens needs about 10,000: too slow per input); 0xF3:
 *      the node challenges a near sender the same way
 *      (ec_node_pos_challenge), which answers nothing (a timeout),
 *      "cannot", the node's own walk (a full peer's answer: it passes),
 *      or that walk with a byte changed, maybe twice;
 *   1  a transaction built from the bytes (1-3 mappings on 8 tokens near
 *      the node's address or a given id; prev zero, a remembered tx id, the
 *      token's head or a given id; owner one of 4 client keys; signed by
 *      1-2 of them), sent as a tx message, maybe with a member list;
 *   2  a signed vote by the sender on a remembered tx id, or a `votes`
 *      bundle of up to 8 near peers' signed votes (some forged: a wrong
 *      key, a corrupted signature);
 *   3  a built transaction given to ec_node_submit (the client path).
 * Remembered tx ids: the last 32 built or seen in the node's output.
 * The identity check accepts exactly each near peer's own key.
 *
 * After every record and tick (a violation is __builtin_trap):
 *   - ec_node_check holds (every table within its limit);
 *   - every outbound message decodes; next_out is OK or NOTFOUND;
 *   - a committed head is never rewritten: every token the node committed
 *     is followed in the store, and when its head changes the new one is
 *     strictly later and not a sibling of the old (another transaction on
 *     the same prev); a head never vanishes; and when the node commits a
 *     second transaction on a (token, prev) it committed before, the store's
 *     head for that token is not the second one. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/life.h"
#include "core/claims.h"
#include "core/node.h"
#include "core/pos.h"
#include "core/vote_sig.h"
#include "crypto/blake3.h"

#define NEAR 8
#define CLIENTS 4
#define TOKENS 8
#define RING 32
#define HEADS_MAX 64
#define COMMITS_MAX 256

static ec_id self_id;
static ec_keypair self_kp, far_kp;
static ec_id near_id[NEAR];
static ec_keypair near_kp[NEAR];
static ec_keypair client_kp[CLIENTS];
static ec_id client_hash[CLIENTS];
static ec_id near_tok[TOKENS];

/* What the harness follows of one input's run. */
typedef struct head_seen {
    ec_id token;
    bool have;      /* a head was seen */
    ec_id tx;       /* the head last seen */
    uint64_t ts;
    ec_id prev;     /* its transaction's prev for this token */
} head_seen;

typedef struct commit_seen {
    ec_id token, prev, tx; /* the first transaction committed on (token, prev) */
} commit_seen;

typedef struct run {
    ec_node *n;
    ec_store *s;
    uint64_t now;
    uint32_t epoch;
    ec_id ring[RING];
    uint8_t ring_n[RING]; /* its mapping count (votes need it) */
    unsigned ring_count, ring_next;
    head_seen heads[HEADS_MAX];
    unsigned nheads;
    commit_seen commits[COMMITS_MAX];
    unsigned ncommits;
} run;

/* A record's bytes, read as a stream that gives zeros past its end. */
typedef struct reader {
    const uint8_t *p;
    size_t n, i;
} reader;

static uint8_t rd_u8(reader *r) { return r->i < r->n ? r->p[r->i++] : 0; }
static uint16_t rd_u16(reader *r)
{
    uint16_t lo = rd_u8(r);
    return (uint16_t)(lo | (uint16_t)rd_u8(r) << 8);
}
static void rd_id(reader *r, ec_id *id)
{
    for (int i = 0; i < EC_ID_LEN; i++) id->b[i] = rd_u8(r);
}

static bool id_eq(const ec_id *a, const ec_id *b) { return ec_id_cmp(a, b) == 0; }

/* The identity layer: only a near peer's own key is its key; anyone else
 * is unknown (the node then asks for the record: that path runs too). */
static ec_node_id_answer near_identity(void *arg, const ec_id *addr, const ec_pubkey *key)
{
    (void)arg;
    for (int i = 0; i < NEAR; i++)
        if (id_eq(addr, &near_id[i]))
            return memcmp(key->b, near_kp[i].pub.b, EC_PUBKEY_LEN) == 0 ? EC_NODE_ID_YES : EC_NODE_ID_NO;
    return EC_NODE_ID_UNKNOWN;
}

/* A sender's endpoint as a transport would give it: some bytes of its id
 * (its length from the id too, 0..EC_ENDPOINT_MAX). */
static ec_endpoint endpoint_of(const ec_id *id)
{
    ec_endpoint ep;
    memset(&ep, 0, sizeof ep);
    ep.len = (uint8_t)(id->b[31] % (EC_ENDPOINT_MAX + 1));
    memcpy(ep.b, id->b, ep.len);
    return ep;
}

static void sender_id(const run *st, uint8_t s, ec_id *out)
{
    if (s < NEAR) {
        *out = near_id[s];
        return;
    }
    /* Far (or, for bytes 0x80.., a sybil sharing the node's prefix). */
    memset(out->b, (uint8_t)(s ^ 0x5a), EC_ID_LEN);
    out->b[0] = s;
    out->b[1] = (uint8_t)(st->epoch >> 24);
    out->b[2] = (uint8_t)(st->epoch >> 16);
    out->b[3] = (uint8_t)(st->epoch >> 8);
    out->b[4] = (uint8_t)st->epoch;
}

static void ring_add(run *st, const ec_id *id, uint8_t n)
{
    for (unsigned k = 0; k < st->ring_count; k++)
        if (id_eq(&st->ring[k], id)) return;
    st->ring[st->ring_next] = *id;
    st->ring_n[st->ring_next] = n;
    st->ring_next = (st->ring_next + 1) % RING;
    if (st->ring_count < RING) st->ring_count++;
}

/* The k-th newest remembered id (k wraps); false if none. */
static bool ring_pick(const run *st, uint8_t k, ec_id *id, uint8_t *n)
{
    if (st->ring_count == 0) return false;
    unsigned idx = (st->ring_next + RING - 1 - k % st->ring_count) % RING;
    *id = st->ring[idx];
    if (n) *n = st->ring_n[idx];
    return true;
}

/* ---- the committed-head property ---- */

/* The prev that transaction tx_id (from the store) gives token; false if
 * the store lacks it or it does not map the token. */
static bool stored_prev(run *st, const ec_id *tx_id, const ec_id *token, ec_id *prev)
{
    uint8_t buf[EC_TX_MAX_LEN];
    size_t len;
    ec_tx tx;
    if (ec_store_get_tx(st->s, tx_id, buf, sizeof buf, &len) != EC_OK ||
        ec_tx_decode(&tx, buf, len) != EC_OK)
        return false;
    for (int i = 0; i < tx.n_mappings; i++)
        if (id_eq(&tx.mappings[i].token, token)) {
            *prev = tx.mappings[i].prev;
            return true;
        }
    return false;
}

static void check_head(run *st, head_seen *h)
{
    ec_head cur;
    ec_err err = ec_store_get_head(st->s, &h->token, &cur);
    if (err == EC_ERR_NOTFOUND) {
        if (h->have) __builtin_trap(); /* a committed head vanished */
        return;
    }
    if (err != EC_OK) __builtin_trap();
    if (h->have && id_eq(&cur.tx_id, &h->tx)) return;
    ec_id prev;
    /* A head's transaction is stored with it and maps the token. */
    if (!stored_prev(st, &cur.tx_id, &h->token, &prev)) __builtin_trap();
    if (h->have) {
        if (cur.timestamp_ms <= h->ts) __builtin_trap(); /* moved back in time */
        if (id_eq(&prev, &h->prev)) __builtin_trap();    /* a sibling replaced it */
    }
    h->have = true;
    h->tx = cur.tx_id;
    h->ts = cur.timestamp_ms;
    h->prev = prev;
}

static head_seen *follow(run *st, const ec_id *token)
{
    for (unsigned k = 0; k < st->nheads; k++)
        if (id_eq(&st->heads[k].token, token)) return &st->heads[k];
    if (st->nheads == HEADS_MAX) return NULL;
    head_seen *h = &st->heads[st->nheads++];
    memset(h, 0, sizeof *h);
    h->token = *token;
    return h;
}

static void check_heads(run *st)
{
    for (unsigned k = 0; k < st->nheads; k++) check_head(st, &st->heads[k]);
}

static void on_commit(void *arg, ec_node *node, uint64_t now, const ec_id *tx_id, const ec_tx *tx)
{
    run *st = arg;
    (void)node;
    (void)now;
    for (int i = 0; i < tx->n_mappings; i++) {
        const ec_mapping *mp = &tx->mappings[i];
        commit_seen *c = NULL;
        for (unsigned k = 0; k < st->ncommits && !c; k++)
            if (id_eq(&st->commits[k].token, &mp->token) && id_eq(&st->commits[k].prev, &mp->prev))
                c = &st->commits[k];
        if (c && !id_eq(&c->tx, tx_id)) {
            /* A second transaction on the same (token, prev): the store
             * must keep the first's line, never this one. */
            ec_head h;
            if (ec_store_get_head(st->s, &mp->token, &h) == EC_OK && id_eq(&h.tx_id, tx_id))
                __builtin_trap();
        } else if (!c && st->ncommits < COMMITS_MAX) {
            c = &st->commits[st->ncommits++];
            c->token = mp->token;
            c->prev = mp->prev;
            c->tx = *tx_id;
        }
        head_seen *h = follow(st, &mp->token);
        if (h) check_head(st, h);
    }
    ring_add(st, tx_id, tx->n_mappings);
}

/* ---- building inputs ---- */

static void build_tx(run *st, reader *r, ec_tx *tx)
{
    uint8_t b0 = rd_u8(r);
    int nm = 1 + b0 % 3;
    /* About -70 min .. +3.5 h around now: both sides of the 2 h limit. */
    uint64_t ts = st->now + (uint64_t)rd_u16(r) * 256 - 16384 * 256;
    ec_tx_init(tx, ts);
    for (int i = 0; i < nm; i++) {
        ec_id token, prev, owner;
        uint8_t ts_sel = rd_u8(r);
        if ((ts_sel & 0x0f) < 14) token = near_tok[ts_sel & 7];
        else rd_id(r, &token);
        uint8_t ps = rd_u8(r);
        memset(&prev, 0, sizeof prev);
        switch (ps % 5) {
        case 0: break; /* create */
        case 1:
        case 2: ring_pick(st, ps / 5, &prev, NULL); break;
        case 3: {
            ec_head h;
            if (ec_store_get_head(st->s, &token, &h) == EC_OK) prev = h.tx_id;
            break;
        }
        default: rd_id(r, &prev); break;
        }
        uint8_t os = rd_u8(r);
        if ((os & 0x1f) == 0x1f) memset(&owner, 0, sizeof owner); /* destroy */
        else owner = client_hash[os & 3];
        (void)ec_tx_add_mapping(tx, &token, &owner, &prev); /* a token twice: skipped */
    }
    uint8_t sg = rd_u8(r);
    (void)ec_tx_sign(tx, &client_kp[sg & 3]);
    if (sg & 4) (void)ec_tx_sign(tx, &client_kp[(sg >> 3) & 3]); /* the same key: skipped */
}

static void deliver(run *st, const ec_id *from, const ec_msg *m)
{
    uint8_t buf[EC_MSG_MAX];
    size_t len;
    if (ec_msg_encode(m, buf, sizeof buf, &len) != EC_OK) return;
    ec_endpoint ep = endpoint_of(from);
    (void)ec_node_recv(st->n, st->now, from, &ep, buf, len);
}

static void send_tx(run *st, reader *r, const ec_id *from)
{
    ec_tx tx;
    build_tx(st, r, &tx);
    uint8_t f = rd_u8(r);
    ec_msg m;
    size_t len;
    memset(&m, 0, sizeof m);
    m.type = EC_MSG_TX;
    if (ec_tx_encode(&tx, m.u.tx.bytes, sizeof m.u.tx.bytes, &len) != EC_OK) __builtin_trap();
    m.u.tx.len = (uint16_t)len;
    ec_id id;
    if (ec_tx_id(&tx, &id) != EC_OK) __builtin_trap();
    ring_add(st, &id, tx.n_mappings);
    if (f & 1) {
        uint8_t mask = rd_u8(r);
        for (int i = 0; i < NEAR; i++)
            if (mask >> i & 1) m.u.tx.members[m.u.tx.nmembers++] = near_id[i];
        if (f & 2) m.u.tx.members[m.u.tx.nmembers++] = self_id;
    }
    switch (f >> 2 & 3) {
    case 2: /* spread by a neighborhood's first member */
        m.u.tx.route = EC_MSG_ROUTE_SPREAD;
        m.u.tx.origin = *from;
        break;
    case 3: { /* routed toward a token or the witness address */
        uint8_t rt = rd_u8(r);
        m.u.tx.hops = (uint8_t)(1 + (f >> 4));
        m.u.tx.route = rt % (tx.n_mappings + 1) == tx.n_mappings ? EC_MSG_ROUTE_WITNESS
                                                                : (uint8_t)(rt % (tx.n_mappings + 1));
        m.u.tx.origin = *from;
        break;
    }
    default: break; /* plain: hops 0 */
    }
    deliver(st, from, &m);
}

static int8_t vote_value(uint8_t b)
{
    static const int8_t vals[4] = {EC_MSG_VOTE_VALID, EC_MSG_VOTE_INVALID, EC_MSG_VOTE_OUT_OF_ORDER,
                                   EC_MSG_VOTE_NONE};
    return vals[b & 3];
}

static uint32_t vote_version(uint8_t b)
{
    if (b == 0xff) return 0x80000000u; /* the "decided" answer's version */
    if (b == 0xfe) return UINT32_MAX;
    return 1u + b;
}

/* Values for n mappings; at least one is not "none" (else it does not encode). */
static void vote_values(reader *r, int8_t *vals, uint8_t n)
{
    bool any = false;
    for (int i = 0; i < n; i++) {
        vals[i] = vote_value(rd_u8(r));
        any |= vals[i] != EC_MSG_VOTE_NONE;
    }
    if (!any) vals[0] = EC_MSG_VOTE_VALID;
}

static void send_vote(run *st, reader *r, uint8_t sender, const ec_id *from)
{
    uint8_t f = rd_u8(r);
    ec_id tx_id;
    uint8_t n = 1;
    if (!ring_pick(st, rd_u8(r), &tx_id, &n)) rd_id(r, &tx_id);
    if (f & 0x40) n = (uint8_t)(1 + rd_u8(r) % EC_MSG_VOTE_TOKENS_MAX); /* a wrong shape */
    ec_msg m;
    memset(&m, 0, sizeof m);
    if (!(f & 1)) {
        m.type = EC_MSG_VOTE;
        m.u.vote.tx_id = tx_id;
        m.u.vote.n = n;
        m.u.vote.v.voter = *from;
        m.u.vote.v.version = vote_version(rd_u8(r));
        vote_values(r, m.u.vote.v.values, n);
        ec_vote_sign(&m.u.vote.v, sender < NEAR ? &near_kp[sender] : &far_kp, &tx_id, n);
        if (f & 2) m.u.vote.v.sig.b[rd_u8(r) % EC_SIG_LEN] ^= 0x01;
        deliver(st, from, &m);
        return;
    }
    m.type = EC_MSG_VOTES;
    m.u.votes.tx_id = tx_id;
    m.u.votes.n = n;
    unsigned want = 1 + (f >> 1) % EC_MSG_BUNDLE_MAX;
    uint8_t used = 0;
    for (unsigned k = 0; k < want; k++) {
        uint8_t b = rd_u8(r);
        int who = b & 7;
        /* A voter once per bundle (the decoder's rule): the next free one. */
        for (int t = 0; t < NEAR && (used >> who & 1); t++) who = (who + 1) % NEAR;
        used |= (uint8_t)(1u << who);
        ec_msg_signed_vote *v = &m.u.votes.v[m.u.votes.count++];
        v->voter = near_id[who];
        v->version = vote_version(rd_u8(r));
        vote_values(r, v->values, n);
        /* bit 3: signed with another peer's key (a forged identity). */
        ec_vote_sign(v, &near_kp[(b & 8) ? (who + 1) % NEAR : who], &tx_id, n);
        if (b & 0x10) v->sig.b[rd_u8(r) % EC_SIG_LEN] ^= 0x80; /* a corrupted signature */
    }
    deliver(st, from, &m);
}

/* ---- checks ---- */

static void drain(run *st)
{
    ec_id to;
    ec_endpoint ep;
    uint8_t buf[EC_MSG_MAX];
    size_t len;
    ec_msg m;
    ec_err err;
    while ((err = ec_node_next_out(st->n, &to, &ep, buf, sizeof buf, &len)) == EC_OK) {
        if (ep.len > EC_ENDPOINT_MAX) __builtin_trap();
        if (ec_msg_decode(&m, buf, len) != EC_OK) __builtin_trap();
        /* What the node talks about is what an adversary votes on next. */
        if (m.type == EC_MSG_VOTE) ring_add(st, &m.u.vote.tx_id, m.u.vote.n);
        else if (m.type == EC_MSG_VOTES) ring_add(st, &m.u.votes.tx_id, m.u.votes.n);
    }
    if (err != EC_ERR_NOTFOUND) __builtin_trap(); /* EC_MSG_MAX always suffices */
    /* Events: an outcome names a transaction; every field in range. */
    ec_node_event e;
    while (ec_node_next_event(st->n, &e) == EC_OK) {
        if (e.type == EC_NODE_EV_EVIDENCE) { /* kept, and readable back */
            ec_vote_evidence ev;
            if (ec_node_evidence(st->n, &e.from, &ev) == EC_OK && ec_evidence_verify(&ev, NULL, NULL) != EC_OK)
                __builtin_trap();
            continue;
        }
        if (e.type == EC_NODE_EV_POS_RESULT) { /* a verdict in range; an agreement only with an answer */
            bool judged = e.pos_verdict == EC_NODE_POS_PASSED || e.pos_verdict == EC_NODE_POS_REFUSED;
            if (e.pos_verdict < EC_NODE_POS_PASSED || e.pos_verdict > EC_NODE_POS_ERROR) __builtin_trap();
            if (judged ? e.mapping < 0 || e.mapping > EC_POS_CHUNKS : e.mapping != -1) __builtin_trap();
            if (e.pos_verdict == EC_NODE_POS_PASSED && e.mapping < 8) __builtin_trap();
            ec_node_pos_record rec;
            if (e.pos_verdict != EC_NODE_POS_ERROR &&
                (ec_node_pos_peer(st->n, &e.from, &rec) != EC_OK || rec.passed + rec.failed < 1 ||
                 rec.timed_out > rec.failed))
                __builtin_trap();
            continue;
        }
        if (e.type == EC_NODE_EV_PEER_STATE) { /* a lifecycle state in range, about a peer, not us */
            if (e.peer_state < EC_LIFE_IDENTIFIED || e.peer_state > EC_LIFE_EJECTED || id_eq(&e.from, &self_id))
                __builtin_trap();
            continue;
        }
        if (e.type == EC_NODE_EV_SYNC_REPORT) { /* a source named, with a reason in range */
            if (e.mapping < EC_SYNC_REPORT_FAULT || e.mapping > EC_SYNC_REPORT_MISSING) __builtin_trap();
            continue;
        }
        if (e.type < EC_NODE_EV_COMMITTED || e.type > EC_NODE_EV_VERIFY_IDENTITY ||
            e.mapping < -1 || e.mapping >= EC_TX_MAPPINGS_MAX)
            __builtin_trap();
    }
}

/* Signed claims by near peer `sender` (1-4 on distinct near tokens; heads
 * and prevs from the ring, zero or the record), first on `token`. */
static void build_claims(run *st, reader *r, uint8_t sender, const ec_id *token, ec_msg_claims *c)
{
    memset(c, 0, sizeof *c);
    c->n = (uint8_t)(1 + rd_u8(r) % EC_MSG_CLAIMS_MAX);
    for (int i = 0; i < c->n; i++) {
        ec_msg_claim *x = &c->c[i];
        x->token = i == 0 ? *token : near_tok[(rd_u8(r) + i) & 7];
        for (int j = 0; j < i; j++)
            if (id_eq(&c->c[j].token, &x->token)) x->token.b[30] ^= (uint8_t)(0x40 + i); /* distinct */
        if (!ring_pick(st, rd_u8(r), &x->head, NULL)) rd_id(r, &x->head);
        if (ec_id_is_zero(&x->head)) x->head.b[0] = 1;
        uint8_t ps = rd_u8(r);
        if (ps & 1) ring_pick(st, ps >> 1, &x->prev, NULL);
        x->timestamp_ms = st->now - rd_u16(r);
        x->block_height = rd_u8(r) % 4;
        x->block_index = x->block_height ? (uint8_t)(rd_u8(r) % 33) % 32 : EC_MSG_CLAIM_NO_INDEX;
    }
    ec_claims_sign(c, &near_kp[sender], &near_id[sender]);
}

/* Kind 0 with a first byte of 0xF0: a near peer's mapping answer with
 * signed claims (for a token the node may be catching up: then they are
 * compared); 0xF1: an EVIDENCE message of two of its claim sets (which may
 * or may not contradict). Other bytes go as they are. */
static void send_signed(run *st, reader *r, uint8_t sender, uint8_t what)
{
    if (sender >= NEAR) return;
    ec_id token = near_tok[rd_u8(r) & 7];
    if (rd_u8(r) & 1) (void)ec_node_sync_token(st->n, st->now, &token);
    ec_msg m;
    memset(&m, 0, sizeof m);
    uint8_t buf[EC_MSG_MAX];
    size_t len;
    if (what == 0xF0) {
        m.type = EC_MSG_MAPPING;
        m.u.mapping.token = token;
        m.u.mapping.found = 1;
        build_claims(st, r, sender, &token, &m.u.mapping.claims);
        m.u.mapping.tx_id = m.u.mapping.claims.c[0].head;
        m.u.mapping.timestamp_ms = m.u.mapping.claims.c[0].timestamp_ms;
    } else {
        ec_claims_evidence e;
        e.signer = near_id[sender];
        build_claims(st, r, sender, &token, &e.a);
        build_claims(st, r, sender, &token, &e.b);
        m.type = EC_MSG_EVIDENCE;
        if (ec_claims_evidence_encode(&e, m.u.evidence.bytes, sizeof m.u.evidence.bytes, &len) != EC_OK) return;
        m.u.evidence.len = (uint16_t)len;
    }
    if (ec_msg_encode(&m, buf, sizeof buf, &len) != EC_OK) return;
    ec_endpoint ep = endpoint_of(&near_id[sender]);
    (void)ec_node_recv(st->n, st->now, &near_id[sender], &ep, buf, len);
}

/* ---- storage proofs ---- */

/* The i-th storage-proof token (uniform ids, splitmix64), held by the
 * node with a head of its bytes reversed (no transaction behind it). */
static void pos_token(unsigned i, ec_id *t)
{
    uint64_t x = 0x9e3779b97f4a7c15ull * (i + 1);
    for (int w = 0; w < 4; w++) {
        uint64_t z = (x += 0x9e3779b97f4a7c15ull);
        z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
        z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
        z ^= z >> 31;
        for (int b = 0; b < 8; b++) t->b[8 * w + b] = (uint8_t)(z >> (8 * b));
    }
}

/* Stores token with its made-up head unless the store holds it. */
static void pos_put(run *st, const ec_id *t)
{
    ec_head h;
    if (ec_store_get_head(st->s, t, &h) == EC_OK) return;
    memset(&h, 0, sizeof h);
    for (int b = 0; b < EC_ID_LEN; b++) h.tx_id.b[b] = t->b[EC_ID_LEN - 1 - b];
    h.timestamp_ms = 1;
    if (ec_store_put_head(st->s, t, &h) != EC_OK) __builtin_trap();
}

/* A walk would need about 10,000 random stored tokens (a 10-bit suffix
 * each of ten times): too slow to load per input. Instead, `count` of the
 * ten tokens that the walk from token for `requester` looks for are put in
 * place (chunk k's suffix, k+1 steps of 2^184 above the token for the
 * upward five, below for the downward five); with all ten it completes,
 * unless other stored tokens come first. Nothing when token is not held. */
static void pos_plant(run *st, const ec_id *token, const ec_id *requester, unsigned count)
{
    ec_head h;
    if (ec_store_get_head(st->s, token, &h) != EC_OK) return;
    uint16_t c[EC_POS_CHUNKS];
    ec_pos_chunks(requester, token, &h.tx_id, EC_POS_BITS, c); /* the node asks with 10 (cfg.pos_bits) */
    if (ec_store_begin(st->s) != EC_OK) __builtin_trap();
    for (unsigned k = 0; k < count && k < EC_POS_CHUNKS; k++) {
        bool up = k < EC_POS_UP;
        unsigned carry = up ? k + 1 : k - EC_POS_UP + 1; /* added at byte 8, or taken away */
        ec_id t = *token;
        for (int b = 8; b >= 0 && carry; b--) {
            int v = up ? t.b[b] + (int)carry : t.b[b] - (int)carry;
            t.b[b] = (uint8_t)v;
            carry = up ? (unsigned)(v >> 8) : (v < 0 ? 1u : 0u);
        }
        t.b[EC_ID_LEN - 2] = (uint8_t)((t.b[EC_ID_LEN - 2] & 0xfc) | (c[k] >> 8));
        t.b[EC_ID_LEN - 1] = (uint8_t)c[k];
        pos_put(st, &t);
    }
    if (ec_store_commit(st->s) != EC_OK) __builtin_trap();
}

/* Kind 0 with a first byte 0xF2 / 0xF3 (see the top). */
static void send_pos(run *st, reader *r, uint8_t sender, const ec_id *from, uint8_t what)
{
    ec_id token;
    uint8_t sel = rd_u8(r), idx = rd_u8(r), plant = rd_u8(r);
    unsigned count = plant & 0x80 ? (plant & 0x0f) % (EC_POS_CHUNKS + 1) : EC_POS_CHUNKS;
    if (sel & 1) {
        token = near_tok[(sel >> 1) & 7]; /* held if committed: its real head */
    } else {
        pos_token(idx, &token);
        if (ec_store_begin(st->s) != EC_OK) __builtin_trap();
        pos_put(st, &token);
        if (ec_store_commit(st->s) != EC_OK) __builtin_trap();
    }
    ec_msg m;
    memset(&m, 0, sizeof m);
    if (what == 0xF2) {
        pos_plant(st, &token, from, count);
        m.type = EC_MSG_GET_PROOF;
        m.u.get_proof.token = token;
        m.u.get_proof.bits = EC_POS_BITS;
        for (unsigned k = 0, times = 1 + (sel >> 4) % 4; k < times; k++) deliver(st, from, &m);
        return;
    }
    if (sender >= NEAR) return;
    pos_plant(st, &token, &self_id, count);
    (void)ec_node_pos_challenge(st->n, st->now, from, &token);
    uint8_t how = rd_u8(r);
    if ((how & 3) == 0) return; /* no answer: it times out */
    m.type = EC_MSG_PROOF;
    m.u.proof.token = token;
    if ((how & 3) >= 2) {
        ec_pos_answer a;
        /* A full peer's answer: the node's own walk, bound to the node. */
        if (ec_pos_answer_make(st->s, &self_id, &token, EC_POS_BITS, 0, NULL, NULL, 0, &a, NULL) == EC_OK) {
            m.u.proof.status = 1;
            m.u.proof.head = a.head;
            memcpy(m.u.proof.t, a.t, sizeof m.u.proof.t);
            memcpy(m.u.proof.h, a.h, sizeof m.u.proof.h);
            if ((how & 3) == 3) { /* a byte changed */
                _Static_assert(offsetof(ec_msg, u.proof.t) == offsetof(ec_msg, u.proof.head) + EC_ID_LEN &&
                                   offsetof(ec_msg, u.proof.h) ==
                                       offsetof(ec_msg, u.proof.t) + EC_MSG_PROOF_TOKENS * EC_ID_LEN,
                               "head, t and h are one run of ids");
                uint8_t *b = (uint8_t *)&m.u.proof.head;
                size_t span = (size_t)(1 + 2 * EC_MSG_PROOF_TOKENS) * EC_ID_LEN;
                uint16_t at = rd_u16(r);
                b[at % span] ^= (uint8_t)(rd_u8(r) | 1);
            }
        }
    }
    deliver(st, from, &m);
    if (how & 4) deliver(st, from, &m); /* a copy: unasked now */
}

static void check(run *st)
{
    const char *why = NULL;
    if (ec_node_check(st->n, &why) != EC_OK || why != NULL) __builtin_trap();
    drain(st);
    check_heads(st);
}

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void keypair(ec_keypair *kp, uint8_t tag, uint8_t i)
{
    uint8_t seed[EC_SEED_LEN];
    memset(seed, tag, sizeof seed);
    seed[0] = i;
    if (ec_sign_keypair(kp, seed) != EC_OK) __builtin_trap();
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    if (ec_crypto_init() != EC_OK) __builtin_trap();
    memset(&self_id, 0, sizeof self_id);
    self_id.b[0] = 0x80;
    keypair(&self_kp, 0x07, 0);
    keypair(&far_kp, 0x0f, 0);
    for (int i = 0; i < NEAR; i++) {
        /* Bucket i of the node's (one per bucket: bucket_size 4 holds them). */
        memset(&near_id[i], 0, sizeof near_id[i]);
        near_id[i].b[0] = (uint8_t)(0x80 ^ (0x80u >> i));
        near_id[i].b[31] = (uint8_t)i;
        keypair(&near_kp[i], 0x11, (uint8_t)i);
    }
    for (int i = 0; i < CLIENTS; i++) {
        keypair(&client_kp[i], 0x22, (uint8_t)i);
        ec_sign_keyhash(&client_hash[i], &client_kp[i].pub);
    }
    for (int i = 0; i < TOKENS; i++) {
        /* Near the node's address: the node and 7 near peers are its w nearest. */
        memset(&near_tok[i], 0, sizeof near_tok[i]);
        near_tok[i].b[0] = 0x80;
        near_tok[i].b[2] = (uint8_t)(0x10 * (i + 1));
        near_tok[i].b[31] = (uint8_t)(0x40 + i);
    }
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static run st; /* large: not on the stack */
    memset(&st, 0, sizeof st);
    ec_node_config cfg;
    ec_node_config_default(&cfg); /* verify_signatures stays true */
    cfg.pending_max = 64;
    cfg.pending_per_peer_max = 16;
    cfg.catchups_max = 8;
    cfg.outbox_max_bytes = 64 * 1024;
    cfg.bucket_size = 4;
    cfg.block_interval_ms = 2000; /* commits make blocks the chain answers serve */
    cfg.sync_sources = 4;
    cfg.sync_window = 16;
    cfg.pos_bits = EC_POS_BITS; /* what pos_plant plants for */
    cfg.pos_shared_every = 0;   /* and the whole store walked, as the harness walks it */
    cfg.pos_region = false;
    cfg.sync_offers_max = 64;
    cfg.sync_fetch_max = 8;
    cfg.life = true; /* elections, re-checks and swaps on the fuzzer's clock */
    cfg.life_gap_ms = 100;
    cfg.life_scan_ms = 500;
    cfg.life_recheck_ms = 2000;
    cfg.life_retry_ms = 1000;
    cfg.life_trust_ms = 4000;
    cfg.life_swap_ms = 3000;
    cfg.life_peers_max = 16;
    cfg.life_votes = size % 2 == 1; /* odd-length inputs: only elected peers' votes count */
    ec_rng rng;
    ec_rng_seed(&rng, 1);
    if (ec_store_mem_open(&st.s) != EC_OK) return 0;
    uint8_t record[EC_MSG_IDENTITY_LEN];
    memset(record, 0x33, sizeof record); /* opaque to the node: any bytes do */
    ec_node_env env = {.addr = self_id, .store = st.s, .rng = &rng, .key = &self_kp, .record = record,
                       .identity = near_identity, .on_commit = on_commit, .on_commit_arg = &st};
    if (ec_node_new(&st.n, &cfg, &env) != EC_OK) __builtin_trap();
    for (int i = 0; i < NEAR; i++) {
        ec_endpoint ep = endpoint_of(&near_id[i]);
        if (ec_node_add_peer(st.n, &near_id[i], &ep) != EC_OK) __builtin_trap();
    }
    st.now = 1700000000000ull; /* a Unix time in ms: timestamps are checked against it */
    /* Chain sync runs: its questions go to 4 near peers, whose answers
     * (kind 0 records) it checks. */
    if (ec_node_sync_start(st.n, st.now) != EC_OK) __builtin_trap();
    size_t pos = 0;
    while (size - pos >= 4) {
        uint8_t kind = data[pos], sender = data[pos + 1];
        size_t len = (size_t)data[pos + 2] | (size_t)data[pos + 3] << 8;
        pos += 4;
        if (len > size - pos) len = size - pos;
        reader r = {data + pos, len, 0};
        pos += len;
        if (kind & 0x80) st.epoch++;
        st.now += 1 + (uint64_t)(kind >> 2 & 31) * 128;
        ec_id from;
        sender_id(&st, sender, &from);
        switch (kind & 3) {
        case 0: {
            if (r.n > 0 && (r.p[0] == 0xF0 || r.p[0] == 0xF1)) {
                uint8_t what = rd_u8(&r);
                send_signed(&st, &r, sender, what);
                break;
            }
            if (r.n > 0 && (r.p[0] == 0xF2 || r.p[0] == 0xF3)) {
                uint8_t what = rd_u8(&r);
                send_pos(&st, &r, sender, &from, what);
                break;
            }
            ec_endpoint ep = endpoint_of(&from);
            (void)ec_node_recv(st.n, st.now, &from, &ep, r.p, r.n);
            break;
        }
        case 1: send_tx(&st, &r, &from); break;
        case 2: send_vote(&st, &r, sender, &from); break;
        default: {
            ec_tx tx;
            ec_id id;
            build_tx(&st, &r, &tx);
            if (ec_tx_id(&tx, &id) != EC_OK) __builtin_trap();
            ring_add(&st, &id, tx.n_mappings);
            (void)ec_node_submit(st.n, st.now, &tx);
            break;
        }
        }
        check(&st);
        (void)ec_node_tick(st.n, st.now);
        check(&st);
    }
    ec_node_free(st.n);
    ec_store_close(st.s);
    return 0;
}
