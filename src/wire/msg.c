#include "wire/msg.h"

#include <stdbool.h>
#include <string.h>

#include "wire/codec.h"

static const char *const names[EC_MSG_TYPE_END] = {
    [EC_MSG_GET_TX] = "get_tx",           [EC_MSG_TX] = "tx",
    [EC_MSG_GET_MAPPING] = "get_mapping", [EC_MSG_MAPPING] = "mapping",
    [EC_MSG_VOTE] = "vote",               [EC_MSG_FIND_PEERS] = "find_peers",
    [EC_MSG_PEERS] = "peers",             [EC_MSG_VOTES] = "votes",
    [EC_MSG_GET_VOTES] = "get_votes",     [EC_MSG_GET_IDENTITY] = "get_identity",
    [EC_MSG_IDENTITY] = "identity",       [EC_MSG_GET_CHAIN] = "get_chain",
    [EC_MSG_CHAIN] = "chain",             [EC_MSG_GET_BODY] = "get_body",
    [EC_MSG_BODY] = "body",               [EC_MSG_GET_RANGE] = "get_range",
    [EC_MSG_RANGE] = "range",             [EC_MSG_EVIDENCE] = "evidence",
    [EC_MSG_GET_PROOF] = "get_proof",     [EC_MSG_PROOF] = "proof",
    [EC_MSG_INVITE] = "invite",
};

const char *ec_msg_type_name(ec_msg_type t)
{
    return t > 0 && t < EC_MSG_TYPE_END ? names[t] : "unknown";
}

/* Values -1, 0, 1 or 2 (none), at least one not 2; unused ones zero. */
static ec_err check_values(const ec_msg_signed_vote *v, uint8_t n)
{
    bool any = false;
    for (int i = 0; i < EC_MSG_VOTE_TOKENS_MAX; i++) {
        int x = v->values[i];
        if (i >= n) {
            if (x != 0) return EC_ERR_MALFORMED;
            continue;
        }
        if (x < -1 || x > EC_MSG_VOTE_NONE) return EC_ERR_MALFORMED;
        any |= x != EC_MSG_VOTE_NONE;
    }
    return any ? EC_OK : EC_ERR_MALFORMED;
}

static bool has_origin(const ec_msg *m)
{
    return m->u.tx.hops > 0 || m->u.tx.route == EC_MSG_ROUTE_SPREAD;
}

/* The rules both directions enforce. */
static ec_err check(const ec_msg *m)
{
    switch (m->type) {
    case EC_MSG_TX:
        /* Not routed: route 0 and no origin, or "spread" with its origin. */
        if (m->u.tx.hops == 0 && m->u.tx.route != EC_MSG_ROUTE_SPREAD &&
            (m->u.tx.route != 0 || !ec_id_is_zero(&m->u.tx.origin)))
            return EC_ERR_MALFORMED;
        if (m->u.tx.hops > 0 && m->u.tx.route > EC_MSG_ROUTE_WITNESS) return EC_ERR_MALFORMED;
        return m->u.tx.len >= 1 && m->u.tx.len <= EC_MSG_TX_MAX &&
                       m->u.tx.nmembers <= EC_MSG_PEERS_MAX &&
                       EC_MSG_TX_HEAD + (has_origin(m) ? EC_ID_LEN : 0) +
                               (size_t)m->u.tx.nmembers * EC_ID_LEN + m->u.tx.len <= EC_MSG_MAX
                   ? EC_OK : EC_ERR_MALFORMED;
    case EC_MSG_MAPPING:
        if (m->u.mapping.found > 1) return EC_ERR_MALFORMED;
        if (m->u.mapping.chain_height == 0 && !ec_id_is_zero(&m->u.mapping.chain_hash)) return EC_ERR_MALFORMED;
        if (m->u.mapping.block_height > m->u.mapping.chain_height) return EC_ERR_MALFORMED;
        if (!m->u.mapping.found && (!ec_id_is_zero(&m->u.mapping.tx_id) ||
                                    !ec_id_is_zero(&m->u.mapping.owner) ||
                                    m->u.mapping.timestamp_ms != 0 || m->u.mapping.block_height != 0))
            return EC_ERR_MALFORMED;
        {
            const ec_msg_claims *c = &m->u.mapping.claims;
            ec_err err = ec_msg_claims_check(c);
            if (err) return err;
            for (int i = 0; i < c->n; i++) {
                bool same = ec_id_cmp(&c->c[i].token, &m->u.mapping.token) == 0;
                if (same && (i > 0 || !m->u.mapping.found)) return EC_ERR_MALFORMED;
                if (i == 0 && m->u.mapping.found &&
                    (!same || ec_id_cmp(&c->c[0].head, &m->u.mapping.tx_id) != 0 ||
                     c->c[0].timestamp_ms != m->u.mapping.timestamp_ms))
                    return EC_ERR_MALFORMED;
            }
        }
        return EC_OK;
    case EC_MSG_VOTE:
        if (m->u.vote.n < 1 || m->u.vote.n > EC_MSG_VOTE_TOKENS_MAX) return EC_ERR_MALFORMED;
        return check_values(&m->u.vote.v, m->u.vote.n);
    case EC_MSG_VOTES:
        if (m->u.votes.n < 1 || m->u.votes.n > EC_MSG_VOTE_TOKENS_MAX || m->u.votes.count < 1 ||
            m->u.votes.count > EC_MSG_BUNDLE_MAX)
            return EC_ERR_MALFORMED;
        for (int i = 0; i < m->u.votes.count; i++) {
            if (check_values(&m->u.votes.v[i], m->u.votes.n)) return EC_ERR_MALFORMED;
            for (int k = 0; k < i; k++)
                if (ec_id_cmp(&m->u.votes.v[k].voter, &m->u.votes.v[i].voter) == 0)
                    return EC_ERR_MALFORMED;
        }
        return EC_OK;
    case EC_MSG_FIND_PEERS:
        return m->u.find_peers.want >= 1 && m->u.find_peers.want <= EC_MSG_PEERS_MAX
                   ? EC_OK : EC_ERR_MALFORMED;
    case EC_MSG_PEERS: {
        if (m->u.peers.n > EC_MSG_PEERS_MAX) return EC_ERR_MALFORMED;
        size_t size = 1 + EC_ID_LEN + 1;
        for (int i = 0; i < m->u.peers.n; i++) {
            const ec_endpoint *e = &m->u.peers.eps[i];
            if (e->len > EC_ENDPOINT_MAX) return EC_ERR_MALFORMED;
            for (int k = e->len; k < EC_ENDPOINT_MAX; k++)
                if (e->b[k]) return EC_ERR_MALFORMED; /* canonical: unused bytes zero */
            size += EC_ID_LEN + 1 + e->len;
        }
        return size <= EC_MSG_MAX ? EC_OK : EC_ERR_MALFORMED;
    }
    case EC_MSG_GET_CHAIN:
        return m->u.get_chain.count >= 1 && m->u.get_chain.count <= EC_MSG_CHAIN_HEADERS ? EC_OK
                                                                                        : EC_ERR_MALFORMED;
    case EC_MSG_CHAIN:
        if (m->u.chain.n > EC_MSG_CHAIN_HEADERS || (m->u.chain.tip == 0 && m->u.chain.n > 0)) return EC_ERR_MALFORMED;
        for (int i = 0; i < EC_MSG_CHAIN_HEADERS; i++) {
            if (i >= m->u.chain.n) {
                if (m->u.chain.len[i]) return EC_ERR_MALFORMED;
                continue;
            }
            if (m->u.chain.len[i] < 1 || m->u.chain.len[i] > EC_MSG_HEADER_MAX) return EC_ERR_MALFORMED;
        }
        return EC_OK;
    case EC_MSG_BODY:
        return m->u.body.len <= EC_MSG_BODY_MAX && (m->u.body.len > 0 || m->u.body.near == 0) ? EC_OK
                                                                                               : EC_ERR_MALFORMED;

    case EC_MSG_EVIDENCE:
        return m->u.evidence.len >= 1 && m->u.evidence.len <= EC_MSG_EVIDENCE_MAX ? EC_OK : EC_ERR_MALFORMED;
    case EC_MSG_GET_RANGE:
        return m->u.get_range.count >= 1 && m->u.get_range.count <= EC_MSG_RANGE_MAX ? EC_OK : EC_ERR_MALFORMED;
    case EC_MSG_RANGE:
        if (m->u.range.n > EC_MSG_RANGE_MAX) return EC_ERR_MALFORMED;
        for (int i = 0; i < EC_MSG_RANGE_MAX; i++) {
            if (i >= m->u.range.n) {
                if (!ec_id_is_zero(&m->u.range.token[i]) || !ec_id_is_zero(&m->u.range.head[i])) return EC_ERR_MALFORMED;
                continue;
            }
            /* Ascending and distinct: one encoding, and a cursor that moves. */
            if (i > 0 && ec_id_cmp(&m->u.range.token[i - 1], &m->u.range.token[i]) >= 0) return EC_ERR_MALFORMED;
        }
        return EC_OK;
    case EC_MSG_PROOF:
        if (m->u.proof.status > 1) return EC_ERR_MALFORMED;
        if (m->u.proof.status == 0) { /* "cannot": one encoding, the rest zero */
            if (!ec_id_is_zero(&m->u.proof.head)) return EC_ERR_MALFORMED;
            for (int i = 0; i < EC_MSG_PROOF_TOKENS; i++)
                if (!ec_id_is_zero(&m->u.proof.t[i]) || !ec_id_is_zero(&m->u.proof.h[i])) return EC_ERR_MALFORMED;
        }
        return EC_OK;
    case EC_MSG_GET_PROOF:
        return m->u.get_proof.bits >= 4 && m->u.get_proof.bits <= 16 && m->u.get_proof.shared <= 1 ? EC_OK
                                                                                                  : EC_ERR_MALFORMED;
    case EC_MSG_GET_BODY:
    case EC_MSG_GET_TX:
    case EC_MSG_GET_MAPPING:
    case EC_MSG_GET_VOTES:
    case EC_MSG_GET_IDENTITY:
    case EC_MSG_IDENTITY:
    case EC_MSG_INVITE:
        return EC_OK;
    default:
        return EC_ERR_VERSION;
    }
}

static void put_id(ec_wire_writer *w, const ec_id *id) { ec_wire_put_bytes(w, id->b, EC_ID_LEN); }
static void get_id(ec_wire_reader *r, ec_id *id) { ec_wire_get_bytes(r, id->b, EC_ID_LEN); }

/* version u32, values[n] i8, key, signature (and the voter first in bundles). */
static void put_signed(ec_wire_writer *w, const ec_msg_signed_vote *v, uint8_t n, bool voter)
{
    if (voter) put_id(w, &v->voter);
    ec_wire_put_u32(w, v->version);
    for (int i = 0; i < n; i++) ec_wire_put_u8(w, (uint8_t)v->values[i]);
    ec_wire_put_bytes(w, v->key.b, EC_PUBKEY_LEN);
    ec_wire_put_bytes(w, v->sig.b, EC_SIG_LEN);
}

static void get_signed(ec_wire_reader *r, ec_msg_signed_vote *v, uint8_t n, bool voter)
{
    if (voter) get_id(r, &v->voter);
    v->version = ec_wire_get_u32(r);
    for (int i = 0; i < n; i++) v->values[i] = (int8_t)ec_wire_get_u8(r);
    ec_wire_get_bytes(r, v->key.b, EC_PUBKEY_LEN);
    ec_wire_get_bytes(r, v->sig.b, EC_SIG_LEN);
}

ec_err ec_msg_encode(const ec_msg *m, uint8_t *buf, size_t cap, size_t *len)
{
    ec_err err = check(m);
    if (err) return err == EC_ERR_VERSION ? EC_ERR_MALFORMED : err;
    ec_wire_writer w;
    ec_wire_writer_init(&w, buf, cap);
    ec_wire_put_u8(&w, (uint8_t)m->type);
    switch (m->type) {
    case EC_MSG_GET_TX: put_id(&w, &m->u.get_tx.tx_id); break;
    case EC_MSG_TX:
        ec_wire_put_u8(&w, m->u.tx.hops);
        ec_wire_put_u8(&w, m->u.tx.route);
        if (has_origin(m)) put_id(&w, &m->u.tx.origin);
        ec_wire_put_u8(&w, m->u.tx.nmembers);
        for (int i = 0; i < m->u.tx.nmembers; i++) put_id(&w, &m->u.tx.members[i]);
        ec_wire_put_bytes(&w, m->u.tx.bytes, m->u.tx.len); /* length = rest of message */
        break;
    case EC_MSG_GET_MAPPING: put_id(&w, &m->u.get_mapping.token); break;
    case EC_MSG_MAPPING:
        put_id(&w, &m->u.mapping.token);
        ec_wire_put_u8(&w, m->u.mapping.found);
        put_id(&w, &m->u.mapping.tx_id);
        ec_wire_put_u64(&w, m->u.mapping.timestamp_ms);
        put_id(&w, &m->u.mapping.owner);
        ec_wire_put_u64(&w, m->u.mapping.chain_height);
        put_id(&w, &m->u.mapping.chain_hash);
        ec_wire_put_u64(&w, m->u.mapping.block_height);
        ec_msg_claims_put(&w, &m->u.mapping.claims);
        break;
    case EC_MSG_VOTE:
        put_id(&w, &m->u.vote.tx_id);
        ec_wire_put_u8(&w, m->u.vote.n);
        put_signed(&w, &m->u.vote.v, m->u.vote.n, false);
        break;
    case EC_MSG_VOTES:
        put_id(&w, &m->u.votes.tx_id);
        ec_wire_put_u8(&w, m->u.votes.n);
        ec_wire_put_u8(&w, m->u.votes.count);
        for (int i = 0; i < m->u.votes.count; i++) put_signed(&w, &m->u.votes.v[i], m->u.votes.n, true);
        break;
    case EC_MSG_FIND_PEERS:
        put_id(&w, &m->u.find_peers.target);
        ec_wire_put_u8(&w, m->u.find_peers.want);
        break;
    case EC_MSG_PEERS:
        put_id(&w, &m->u.peers.target);
        ec_wire_put_u8(&w, m->u.peers.n);
        for (int i = 0; i < m->u.peers.n; i++) {
            put_id(&w, &m->u.peers.peers[i]);
            ec_wire_put_u8(&w, m->u.peers.eps[i].len);
            ec_wire_put_bytes(&w, m->u.peers.eps[i].b, m->u.peers.eps[i].len);
        }
        break;
    case EC_MSG_GET_VOTES: put_id(&w, &m->u.get_votes.tx_id); break;
    case EC_MSG_GET_IDENTITY: put_id(&w, &m->u.get_identity.addr); break;
    case EC_MSG_IDENTITY: ec_wire_put_bytes(&w, m->u.identity.record, EC_MSG_IDENTITY_LEN); break;
    case EC_MSG_GET_CHAIN:
        ec_wire_put_u64(&w, m->u.get_chain.height);
        ec_wire_put_u8(&w, m->u.get_chain.count);
        break;
    case EC_MSG_CHAIN:
        ec_wire_put_bytes(&w, m->u.chain.key.b, sizeof m->u.chain.key.b);
        ec_wire_put_u64(&w, m->u.chain.tip);
        ec_wire_put_u8(&w, m->u.chain.n);
        for (int i = 0; i < m->u.chain.n; i++) {
            ec_wire_put_u8(&w, (uint8_t)m->u.chain.len[i]);
            ec_wire_put_u8(&w, (uint8_t)(m->u.chain.len[i] >> 8));
            ec_wire_put_bytes(&w, m->u.chain.hdr[i], m->u.chain.len[i]);
        }
        break;
    case EC_MSG_GET_BODY:
        ec_wire_put_u64(&w, m->u.get_body.height);
        ec_wire_put_u8(&w, m->u.get_body.near_bits);
        break;
    case EC_MSG_GET_RANGE:
        put_id(&w, &m->u.get_range.from);
        ec_wire_put_u8(&w, m->u.get_range.count);
        break;
    case EC_MSG_RANGE:
        ec_wire_put_u8(&w, m->u.range.n);
        for (int i = 0; i < m->u.range.n; i++) {
            put_id(&w, &m->u.range.token[i]);
            put_id(&w, &m->u.range.head[i]);
        }
        break;
    case EC_MSG_BODY:
        ec_wire_put_u64(&w, m->u.body.height);
        ec_wire_put_u32(&w, m->u.body.near);
        ec_wire_put_bytes(&w, m->u.body.bytes, m->u.body.len); /* length = rest of message */
        break;
    case EC_MSG_EVIDENCE:
        ec_wire_put_bytes(&w, m->u.evidence.bytes, m->u.evidence.len); /* length = rest of message */
        break;
    case EC_MSG_GET_PROOF:
        put_id(&w, &m->u.get_proof.token);
        ec_wire_put_u8(&w, m->u.get_proof.bits);
        ec_wire_put_u8(&w, m->u.get_proof.plen);
        ec_wire_put_u8(&w, m->u.get_proof.shared);
        break;
    case EC_MSG_PROOF:
        put_id(&w, &m->u.proof.token);
        ec_wire_put_u8(&w, m->u.proof.status);
        if (m->u.proof.status == 1) {
            put_id(&w, &m->u.proof.head);
            for (int i = 0; i < EC_MSG_PROOF_TOKENS; i++) {
                put_id(&w, &m->u.proof.t[i]);
                put_id(&w, &m->u.proof.h[i]);
            }
        }
        break;
    case EC_MSG_INVITE: break; /* the type byte alone */
    default: return EC_ERR_MALFORMED;
    }
    if (w.err) return w.err;
    if (len) *len = w.len;
    return EC_OK;
}

ec_err ec_msg_decode(ec_msg *m, const uint8_t *buf, size_t len)
{
    memset(m, 0, sizeof *m);
    if (len > EC_MSG_MAX) return EC_ERR_RANGE;
    ec_wire_reader r;
    ec_wire_reader_init(&r, buf, len);
    uint8_t type = ec_wire_get_u8(&r);
    if (r.err) return r.err;
    m->type = (ec_msg_type)type;
    switch (m->type) {
    case EC_MSG_GET_TX: get_id(&r, &m->u.get_tx.tx_id); break;
    case EC_MSG_TX: {
        m->u.tx.hops = ec_wire_get_u8(&r);
        m->u.tx.route = ec_wire_get_u8(&r);
        if (has_origin(m)) get_id(&r, &m->u.tx.origin);
        m->u.tx.nmembers = ec_wire_get_u8(&r);
        if (r.err) return r.err;
        if (m->u.tx.nmembers > EC_MSG_PEERS_MAX) return EC_ERR_MALFORMED;
        for (int i = 0; i < m->u.tx.nmembers; i++) get_id(&r, &m->u.tx.members[i]);
        if (r.err) return r.err;
        size_t n = r.len - r.pos;
        if (n < 1) return EC_ERR_TRUNCATED;
        if (n > EC_MSG_TX_MAX) return EC_ERR_MALFORMED;
        m->u.tx.len = (uint16_t)n;
        ec_wire_get_bytes(&r, m->u.tx.bytes, n);
        break;
    }
    case EC_MSG_GET_MAPPING: get_id(&r, &m->u.get_mapping.token); break;
    case EC_MSG_MAPPING:
        get_id(&r, &m->u.mapping.token);
        m->u.mapping.found = ec_wire_get_u8(&r);
        get_id(&r, &m->u.mapping.tx_id);
        m->u.mapping.timestamp_ms = ec_wire_get_u64(&r);
        get_id(&r, &m->u.mapping.owner);
        m->u.mapping.chain_height = ec_wire_get_u64(&r);
        get_id(&r, &m->u.mapping.chain_hash);
        m->u.mapping.block_height = ec_wire_get_u64(&r);
        ec_msg_claims_get(&r, &m->u.mapping.claims);
        break;
    case EC_MSG_VOTE: {
        get_id(&r, &m->u.vote.tx_id);
        /* A local count: the stores below must not make the compiler reload it. */
        uint8_t n = ec_wire_get_u8(&r);
        if (r.err) return r.err;
        if (n < 1 || n > EC_MSG_VOTE_TOKENS_MAX) return EC_ERR_MALFORMED;
        m->u.vote.n = n;
        get_signed(&r, &m->u.vote.v, n, false);
        break;
    }
    case EC_MSG_VOTES: {
        get_id(&r, &m->u.votes.tx_id);
        uint8_t n = ec_wire_get_u8(&r), count = ec_wire_get_u8(&r);
        if (r.err) return r.err;
        if (n < 1 || n > EC_MSG_VOTE_TOKENS_MAX || count < 1 || count > EC_MSG_BUNDLE_MAX)
            return EC_ERR_MALFORMED;
        m->u.votes.n = n;
        m->u.votes.count = count;
        for (unsigned i = 0; i < count; i++) get_signed(&r, &m->u.votes.v[i], n, true);
        break;
    }
    case EC_MSG_FIND_PEERS:
        get_id(&r, &m->u.find_peers.target);
        m->u.find_peers.want = ec_wire_get_u8(&r);
        break;
    case EC_MSG_PEERS:
        get_id(&r, &m->u.peers.target);
    {
        uint8_t n = ec_wire_get_u8(&r);
        if (r.err) return r.err;
        if (n > EC_MSG_PEERS_MAX) return EC_ERR_MALFORMED;
        m->u.peers.n = n;
        for (unsigned i = 0; i < n; i++) {
            get_id(&r, &m->u.peers.peers[i]);
            uint8_t el = ec_wire_get_u8(&r);
            if (r.err) return r.err;
            if (el > EC_ENDPOINT_MAX) return EC_ERR_MALFORMED;
            m->u.peers.eps[i].len = el;
            ec_wire_get_bytes(&r, m->u.peers.eps[i].b, el);
        }
        break;
    }
    case EC_MSG_GET_VOTES: get_id(&r, &m->u.get_votes.tx_id); break;
    case EC_MSG_GET_IDENTITY: get_id(&r, &m->u.get_identity.addr); break;
    case EC_MSG_IDENTITY: ec_wire_get_bytes(&r, m->u.identity.record, EC_MSG_IDENTITY_LEN); break;
    case EC_MSG_GET_CHAIN:
        m->u.get_chain.height = ec_wire_get_u64(&r);
        m->u.get_chain.count = ec_wire_get_u8(&r);
        break;
    case EC_MSG_CHAIN: {
        ec_wire_get_bytes(&r, m->u.chain.key.b, sizeof m->u.chain.key.b);
        m->u.chain.tip = ec_wire_get_u64(&r);
        uint8_t n = ec_wire_get_u8(&r);
        if (r.err) return r.err;
        if (n > EC_MSG_CHAIN_HEADERS) return EC_ERR_MALFORMED;
        m->u.chain.n = n;
        for (unsigned i = 0; i < n; i++) {
            uint16_t hl = ec_wire_get_u8(&r);
            hl = (uint16_t)(hl | ec_wire_get_u8(&r) << 8);
            if (r.err) return r.err;
            if (hl < 1 || hl > EC_MSG_HEADER_MAX) return EC_ERR_MALFORMED;
            m->u.chain.len[i] = hl;
            ec_wire_get_bytes(&r, m->u.chain.hdr[i], hl);
        }
        break;
    }
    case EC_MSG_GET_BODY:
        m->u.get_body.height = ec_wire_get_u64(&r);
        m->u.get_body.near_bits = ec_wire_get_u8(&r);
        break;
    case EC_MSG_GET_RANGE:
        get_id(&r, &m->u.get_range.from);
        m->u.get_range.count = ec_wire_get_u8(&r);
        break;
    case EC_MSG_RANGE: {
        uint8_t n = ec_wire_get_u8(&r);
        if (r.err) return r.err;
        if (n > EC_MSG_RANGE_MAX) return EC_ERR_MALFORMED;
        m->u.range.n = n;
        for (unsigned i = 0; i < n; i++) {
            get_id(&r, &m->u.range.token[i]);
            get_id(&r, &m->u.range.head[i]);
        }
        break;
    }
    case EC_MSG_BODY: {
        m->u.body.height = ec_wire_get_u64(&r);
        m->u.body.near = ec_wire_get_u32(&r);
        if (r.err) return r.err;
        size_t n = r.len - r.pos;
        if (n > EC_MSG_BODY_MAX) return EC_ERR_MALFORMED;
        m->u.body.len = (uint16_t)n;
        ec_wire_get_bytes(&r, m->u.body.bytes, n);
        break;
    }
    case EC_MSG_EVIDENCE: {
        size_t n = r.len - r.pos;
        if (n > EC_MSG_EVIDENCE_MAX) return EC_ERR_MALFORMED;
        m->u.evidence.len = (uint16_t)n;
        ec_wire_get_bytes(&r, m->u.evidence.bytes, n);
        break;
    }
    case EC_MSG_GET_PROOF:
        get_id(&r, &m->u.get_proof.token);
        m->u.get_proof.bits = ec_wire_get_u8(&r);
        m->u.get_proof.plen = ec_wire_get_u8(&r);
        m->u.get_proof.shared = ec_wire_get_u8(&r);
        break;
    case EC_MSG_INVITE: break;
    case EC_MSG_PROOF: {
        get_id(&r, &m->u.proof.token);
        uint8_t status = ec_wire_get_u8(&r);
        if (r.err) return r.err;
        if (status > 1) return EC_ERR_MALFORMED;
        m->u.proof.status = status;
        if (status == 1) {
            get_id(&r, &m->u.proof.head);
            for (int i = 0; i < EC_MSG_PROOF_TOKENS; i++) {
                get_id(&r, &m->u.proof.t[i]);
                get_id(&r, &m->u.proof.h[i]);
            }
        }
        break;
    }
    default: return EC_ERR_VERSION;
    }
    ec_err err = ec_wire_get_end(&r);
    if (err) return err;
    return check(m);
}
