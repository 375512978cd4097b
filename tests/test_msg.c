#include "test.h"
#include "wire/msg.h"

static ec_id idv(uint8_t v)
{
    ec_id a;
    memset(a.b, v, sizeof a.b);
    return a;
}

/* One message of each type, filled with distinct values. */
static int samples(ec_msg *out)
{
    int n = 0;
    memset(out, 0, 24 * sizeof *out);
    out[n].type = EC_MSG_GET_TX; out[n++].u.get_tx.tx_id = idv(1);
    out[n].type = EC_MSG_TX; out[n].u.tx.hops = 5; out[n].u.tx.len = EC_MSG_TX_MAX;
    out[n].u.tx.route = EC_MSG_ROUTE_WITNESS; out[n].u.tx.origin = idv(0x77);
    memset(out[n++].u.tx.bytes, 0x5a, EC_MSG_TX_MAX);
    out[n].type = EC_MSG_GET_MAPPING; out[n++].u.get_mapping.token = idv(2);
    out[n].type = EC_MSG_MAPPING; out[n].u.mapping.token = idv(3); out[n].u.mapping.found = 1;
    out[n].u.mapping.tx_id = idv(4); out[n].u.mapping.timestamp_ms = 99; out[n].u.mapping.owner = idv(5);
    out[n].u.mapping.chain_height = 12; out[n].u.mapping.chain_hash = idv(14); out[n++].u.mapping.block_height = 11;
    out[n].type = EC_MSG_VOTE; out[n].u.vote.tx_id = idv(6); out[n].u.vote.v.version = 7;
    out[n].u.vote.n = 6;
    for (int i = 0; i < 6; i++) out[n].u.vote.v.values[i] = (int8_t)(i % 4 - 1); /* -1 0 1 2 -1 0 */
    memset(out[n].u.vote.v.key.b, 0x21, EC_PUBKEY_LEN);
    memset(out[n].u.vote.v.sig.b, 0x22, EC_SIG_LEN);
    n++;
    out[n].type = EC_MSG_FIND_PEERS; out[n].u.find_peers.target = idv(8); out[n++].u.find_peers.want = 8;
    out[n].type = EC_MSG_PEERS; out[n].u.peers.target = idv(9); out[n].u.peers.n = EC_MSG_PEERS_MAX;
    for (int i = 0; i < EC_MSG_PEERS_MAX; i++) out[n].u.peers.peers[i] = idv((uint8_t)(100 + i));
    n++;
    /* The largest bundle: 8 voters on a 6-mapping transaction. */
    out[n].type = EC_MSG_VOTES; out[n].u.votes.tx_id = idv(11); out[n].u.votes.n = 6;
    out[n].u.votes.count = EC_MSG_BUNDLE_MAX;
    for (int k = 0; k < EC_MSG_BUNDLE_MAX; k++) {
        ec_msg_signed_vote *v = &out[n].u.votes.v[k];
        v->voter = idv((uint8_t)(200 + k));
        v->version = (uint32_t)k + 1;
        for (int i = 0; i < 6; i++) v->values[i] = (int8_t)((i + k) % 4 - 1);
        memset(v->key.b, 0x30 + k, EC_PUBKEY_LEN);
        memset(v->sig.b, 0x40 + k, EC_SIG_LEN);
    }
    n++;
    out[n].type = EC_MSG_GET_VOTES; out[n++].u.get_votes.tx_id = idv(12);
    out[n].type = EC_MSG_GET_IDENTITY; out[n++].u.get_identity.addr = idv(13);
    out[n].type = EC_MSG_IDENTITY;
    for (int i = 0; i < EC_MSG_IDENTITY_LEN; i++) out[n].u.identity.record[i] = (uint8_t)(i * 7);
    n++;
    out[n].type = EC_MSG_GET_CHAIN; out[n].u.get_chain.height = 77; out[n++].u.get_chain.count = EC_MSG_CHAIN_HEADERS;
    /* The largest CHAIN: three headers of the largest size. */
    out[n].type = EC_MSG_CHAIN; memset(out[n].u.chain.key.b, 0x61, EC_PUBKEY_LEN); out[n].u.chain.tip = 9;
    out[n].u.chain.n = EC_MSG_CHAIN_HEADERS;
    for (int k = 0; k < EC_MSG_CHAIN_HEADERS; k++) {
        out[n].u.chain.len[k] = EC_MSG_HEADER_MAX;
        memset(out[n].u.chain.hdr[k], 0x70 + k, EC_MSG_HEADER_MAX);
    }
    n++;
    out[n].type = EC_MSG_GET_BODY; out[n].u.get_body.height = 5; out[n++].u.get_body.near_bits = 20;
    out[n].type = EC_MSG_BODY; out[n].u.body.height = 6; out[n].u.body.near = 0x80000001u;
    out[n].u.body.len = EC_MSG_BODY_MAX;
    memset(out[n++].u.body.bytes, 0x33, EC_MSG_BODY_MAX);
    out[n].type = EC_MSG_GET_RANGE; out[n].u.get_range.from = idv(15); out[n++].u.get_range.count = EC_MSG_RANGE_MAX;
    out[n].type = EC_MSG_RANGE; out[n].u.range.n = EC_MSG_RANGE_MAX;
    for (int i = 0; i < EC_MSG_RANGE_MAX; i++) {
        out[n].u.range.token[i] = idv((uint8_t)(0x20 + i));
        out[n].u.range.head[i] = idv((uint8_t)(0xa0 + i));
    }
    n++;
    /* The largest evidence a message carries (opaque here). */
    out[n].type = EC_MSG_EVIDENCE; out[n].u.evidence.len = EC_MSG_EVIDENCE_MAX;
    memset(out[n].u.evidence.bytes, 0x5e, EC_MSG_EVIDENCE_MAX);
    n++;
    out[n].type = EC_MSG_GET_PROOF; out[n].u.get_proof.token = idv(16); out[n].u.get_proof.bits = 10;
    out[n].u.get_proof.plen = 9; out[n++].u.get_proof.shared = 1;
    /* A storage proof with its answer (status 1): ten (token, head) pairs. */
    out[n].type = EC_MSG_PROOF; out[n].u.proof.token = idv(17); out[n].u.proof.status = 1;
    out[n].u.proof.head = idv(18);
    for (int i = 0; i < EC_MSG_PROOF_TOKENS; i++) {
        out[n].u.proof.t[i] = idv((uint8_t)(0x40 + i));
        out[n].u.proof.h[i] = idv((uint8_t)(0xc0 + i));
    }
    n++;
    out[n++].type = EC_MSG_INVITE; /* the type byte alone */
    return n;
}

static void test_every_type_roundtrips_within_one_udp_payload(void)
{
    ec_msg m[24], back;
    uint8_t buf[EC_MSG_MAX], buf2[EC_MSG_MAX];
    size_t len, len2;
    int n = samples(m);
    CHECK_EQ_INT(n, EC_MSG_TYPE_END - 1);
    for (int i = 0; i < n; i++) {
        CHECK_EQ_INT(ec_msg_encode(&m[i], buf, sizeof buf, &len), EC_OK);
        CHECK(len <= EC_MSG_MAX);
        CHECK_EQ_INT(ec_msg_decode(&back, buf, len), EC_OK);
        CHECK_EQ_INT(back.type, m[i].type);
        CHECK(memcmp(&back, &m[i], sizeof back) == 0); /* every field, and zeros elsewhere */
        CHECK_EQ_INT(ec_msg_encode(&back, buf2, sizeof buf2, &len2), EC_OK);
        CHECK(len == len2 && memcmp(buf, buf2, len) == 0);
        CHECK(strcmp(ec_msg_type_name(m[i].type), "unknown") != 0);
        /* Every truncation is refused. */
        for (size_t k = 0; k < len; k++) {
            ec_err e = ec_msg_decode(&back, buf, k);
            /* A TX message cut after its first tx byte is a shorter valid TX;
             * a BODY cut inside its body, a shorter body. */
            if (m[i].type == EC_MSG_TX && k >= 5 + 32) CHECK_EQ_INT(e, EC_OK);
            else if (m[i].type == EC_MSG_BODY && k >= 14) CHECK_EQ_INT(e, EC_OK);
            else if (m[i].type == EC_MSG_BODY && k == 13) CHECK_EQ_INT(e, EC_ERR_MALFORMED); /* marks, no body */
            /* Evidence is the rest of the message (core decodes it): cut
             * to its type alone it is empty, refused. */
            else if (m[i].type == EC_MSG_EVIDENCE) CHECK_EQ_INT(e, k >= 2 ? EC_OK : k == 1 ? EC_ERR_MALFORMED : EC_ERR_TRUNCATED);
            else CHECK(e == EC_ERR_TRUNCATED);
        }
        if (m[i].type != EC_MSG_TX && m[i].type != EC_MSG_BODY && m[i].type != EC_MSG_EVIDENCE) {
            buf[len] = 0;
            CHECK_EQ_INT(ec_msg_decode(&back, buf, len + 1 <= EC_MSG_MAX ? len + 1 : len), EC_ERR_TRAILING);
        }
    }
}

static void test_malformed_messages_are_refused(void)
{
    ec_msg m[24], back;
    uint8_t buf[EC_MSG_MAX + 1];
    size_t len;
    samples(m);
    buf[0] = 0;
    CHECK_EQ_INT(ec_msg_decode(&back, buf, 1), EC_ERR_VERSION);
    buf[0] = EC_MSG_TYPE_END;
    CHECK_EQ_INT(ec_msg_decode(&back, buf, 1), EC_ERR_VERSION);
    memset(buf, EC_MSG_TX, sizeof buf);
    CHECK_EQ_INT(ec_msg_decode(&back, buf, EC_MSG_MAX + 1), EC_ERR_RANGE);
    /* Vote: bad value, only "none" values, zero count. */
    ec_msg_encode(&m[4], buf, sizeof buf, &len);
    size_t first = 1 + 32 + 1 + 4; /* type, tx id, n, version */
    buf[first] = 3;
    CHECK_EQ_INT(ec_msg_decode(&back, buf, len), EC_ERR_MALFORMED);
    memset(buf + first, EC_MSG_VOTE_NONE, 6);
    CHECK_EQ_INT(ec_msg_decode(&back, buf, len), EC_ERR_MALFORMED);
    ec_msg_encode(&m[4], buf, sizeof buf, &len);
    buf[33] = 0;
    CHECK_EQ_INT(ec_msg_decode(&back, buf, len), EC_ERR_MALFORMED);
    /* Bundle: a voter twice, 9 entries, a bad value in the last entry. */
    ec_msg b = m[7];
    b.u.votes.v[7].voter = b.u.votes.v[2].voter;
    CHECK_EQ_INT(ec_msg_encode(&b, buf, sizeof buf, &len), EC_ERR_MALFORMED);
    ec_msg_encode(&m[7], buf, sizeof buf, &len);
    memcpy(buf + 35 + 7 * 138, buf + 35 + 2 * 138, 32); /* entries of 32+4+6+32+64 bytes */
    CHECK_EQ_INT(ec_msg_decode(&back, buf, len), EC_ERR_MALFORMED);
    ec_msg_encode(&m[7], buf, sizeof buf, &len);
    buf[34] = EC_MSG_BUNDLE_MAX + 1;
    CHECK_EQ_INT(ec_msg_decode(&back, buf, len), EC_ERR_MALFORMED);
    ec_msg_encode(&m[7], buf, sizeof buf, &len);
    buf[35 + 7 * 138 + 36 + 5] = 0x80;
    CHECK_EQ_INT(ec_msg_decode(&back, buf, len), EC_ERR_MALFORMED);
    /* Chain: count 0 or 4 asked; 4 headers; a header of length 0 or 308;
     * headers with tip 0. Body: longer than a body can be. */
    ec_msg g = m[11];
    g.u.get_chain.count = 0;
    CHECK_EQ_INT(ec_msg_encode(&g, buf, sizeof buf, &len), EC_ERR_MALFORMED);
    ec_msg_encode(&m[11], buf, sizeof buf, &len);
    buf[9] = EC_MSG_CHAIN_HEADERS + 1;
    CHECK_EQ_INT(ec_msg_decode(&back, buf, len), EC_ERR_MALFORMED);
    ec_msg_encode(&m[12], buf, sizeof buf, &len);
    buf[41] = EC_MSG_CHAIN_HEADERS + 1;
    CHECK_EQ_INT(ec_msg_decode(&back, buf, len), EC_ERR_MALFORMED);
    ec_msg_encode(&m[12], buf, sizeof buf, &len);
    buf[42] = 0;
    buf[43] = 0;
    CHECK_EQ_INT(ec_msg_decode(&back, buf, len), EC_ERR_MALFORMED);
    ec_msg_encode(&m[12], buf, sizeof buf, &len);
    buf[42] = (uint8_t)(EC_MSG_HEADER_MAX + 1);
    buf[43] = (uint8_t)((EC_MSG_HEADER_MAX + 1) >> 8);
    CHECK_EQ_INT(ec_msg_decode(&back, buf, len), EC_ERR_MALFORMED);
    g = m[12];
    g.u.chain.tip = 0;
    CHECK_EQ_INT(ec_msg_encode(&g, buf, sizeof buf, &len), EC_ERR_MALFORMED);
    ec_msg_encode(&m[14], buf, sizeof buf, &len);
    buf[len] = 1;
    CHECK_EQ_INT(ec_msg_decode(&back, buf, len + 1), EC_ERR_MALFORMED);
    g = m[14]; /* no body, but ids marked */
    g.u.body.len = 0;
    CHECK_EQ_INT(ec_msg_encode(&g, buf, sizeof buf, &len), EC_ERR_MALFORMED);
    /* Range: tokens out of order or twice; more than 16; count 0. */
    g = m[16];
    g.u.range.token[5] = g.u.range.token[4];
    CHECK_EQ_INT(ec_msg_encode(&g, buf, sizeof buf, &len), EC_ERR_MALFORMED);
    ec_msg_encode(&m[16], buf, sizeof buf, &len);
    buf[1] = EC_MSG_RANGE_MAX + 1;
    CHECK_EQ_INT(ec_msg_decode(&back, buf, len), EC_ERR_MALFORMED);
    g = m[15];
    g.u.get_range.count = 0;
    CHECK_EQ_INT(ec_msg_encode(&g, buf, sizeof buf, &len), EC_ERR_MALFORMED);
    /* Mapping: a block above the chain's tip; a chain hash without a chain. */
    g = m[3];
    g.u.mapping.block_height = 13;
    CHECK_EQ_INT(ec_msg_encode(&g, buf, sizeof buf, &len), EC_ERR_MALFORMED);
    g = m[3];
    g.u.mapping.chain_height = 0;
    g.u.mapping.block_height = 0;
    CHECK_EQ_INT(ec_msg_encode(&g, buf, sizeof buf, &len), EC_ERR_MALFORMED);
    /* Mapping: "unknown" with a head attached; found = 2. */
    ec_msg_encode(&m[3], buf, sizeof buf, &len);
    buf[33] = 0;
    CHECK_EQ_INT(ec_msg_decode(&back, buf, len), EC_ERR_MALFORMED);
    buf[33] = 2;
    CHECK_EQ_INT(ec_msg_decode(&back, buf, len), EC_ERR_MALFORMED);
    /* Peers: more than 32; find_peers want 0. */
    ec_msg_encode(&m[6], buf, sizeof buf, &len);
    buf[33] = EC_MSG_PEERS_MAX + 1;
    CHECK_EQ_INT(ec_msg_decode(&back, buf, len), EC_ERR_MALFORMED);
    ec_msg_encode(&m[5], buf, sizeof buf, &len);
    buf[33] = 0;
    CHECK_EQ_INT(ec_msg_decode(&back, buf, len), EC_ERR_MALFORMED);
    /* TX with no transaction bytes. */
    buf[0] = EC_MSG_TX;
    buf[1] = 3;
    CHECK_EQ_INT(ec_msg_decode(&back, buf, 2), EC_ERR_TRUNCATED);
    /* The encoder refuses what the decoder would. */
    m[4].u.vote.v.values[0] = 5;
    CHECK_EQ_INT(ec_msg_encode(&m[4], buf, sizeof buf, &len), EC_ERR_MALFORMED);
    m[0].type = (ec_msg_type)77;
    CHECK_EQ_INT(ec_msg_encode(&m[0], buf, sizeof buf, &len), EC_ERR_MALFORMED);
    CHECK_EQ_INT(ec_msg_encode(&m[1], buf, 100, &len), EC_ERR_RANGE);
}

/* PROOF (docs/PROTOCOL.md): token 32 | status u8 | if 1: head 32 and ten
 * (token 32, head 32): 706 bytes with an answer, 34 without. */
static void test_proof_layouts_and_refusals(void)
{
    ec_msg m, back;
    uint8_t buf[EC_MSG_MAX + 1];
    size_t len;
    /* GET_PROOF: type, token, width, region, shared: 36 bytes. */
    memset(&m, 0, sizeof m);
    m.type = EC_MSG_GET_PROOF;
    m.u.get_proof.token = idv(3);
    m.u.get_proof.bits = 3; /* the chunk width: 4..16 */
    CHECK_EQ_INT(ec_msg_encode(&m, buf, sizeof buf, &len), EC_ERR_MALFORMED);
    m.u.get_proof.bits = 17;
    CHECK_EQ_INT(ec_msg_encode(&m, buf, sizeof buf, &len), EC_ERR_MALFORMED);
    m.u.get_proof.bits = 16;
    m.u.get_proof.shared = 2; /* 0 or 1 */
    CHECK_EQ_INT(ec_msg_encode(&m, buf, sizeof buf, &len), EC_ERR_MALFORMED);
    m.u.get_proof.shared = 1;
    m.u.get_proof.plen = 255;
    CHECK_EQ_INT(ec_msg_encode(&m, buf, sizeof buf, &len), EC_OK);
    CHECK_EQ_INT(len, 1 + 32 + 1 + 1 + 1);
    buf[35] = 2; /* shared 2 on the wire: refused */
    CHECK_EQ_INT(ec_msg_decode(&back, buf, len), EC_ERR_MALFORMED);
    buf[35] = 1;
    CHECK_EQ_INT(ec_msg_decode(&back, buf, len), EC_OK);
    CHECK_EQ_INT(back.u.get_proof.plen, 255);
    CHECK_EQ_INT(back.u.get_proof.shared, 1);
    buf[33] = 0; /* a width of 0 on the wire: refused */
    CHECK_EQ_INT(ec_msg_decode(&back, buf, len), EC_ERR_MALFORMED);
    buf[33] = 4;
    CHECK_EQ_INT(ec_msg_decode(&back, buf, len), EC_OK);
    CHECK_EQ_INT(back.u.get_proof.bits, 4);
    CHECK_EQ_INT(buf[0], 19);
    CHECK(strcmp(ec_msg_type_name(EC_MSG_GET_PROOF), "get_proof") == 0);
    CHECK(strcmp(ec_msg_type_name(EC_MSG_PROOF), "proof") == 0);
    /* INVITE: the type byte alone; a byte more is refused. */
    memset(&m, 0, sizeof m);
    m.type = EC_MSG_INVITE;
    CHECK_EQ_INT(ec_msg_encode(&m, buf, sizeof buf, &len), EC_OK);
    CHECK_EQ_INT(len, 1);
    CHECK_EQ_INT(buf[0], 21);
    buf[1] = 0;
    CHECK_EQ_INT(ec_msg_decode(&back, buf, 2), EC_ERR_TRAILING);
    CHECK_EQ_INT(ec_msg_decode(&back, buf, 1), EC_OK);
    CHECK(strcmp(ec_msg_type_name(EC_MSG_INVITE), "invite") == 0);
    /* "Cannot" (status 0): 34 bytes, round trip, every truncation and a
     * trailing byte refused. */
    memset(&m, 0, sizeof m);
    m.type = EC_MSG_PROOF;
    m.u.proof.token = idv(4);
    CHECK_EQ_INT(ec_msg_encode(&m, buf, sizeof buf, &len), EC_OK);
    CHECK_EQ_INT(len, 1 + 32 + 1);
    CHECK_EQ_INT(buf[0], 20);
    CHECK_EQ_INT(ec_msg_decode(&back, buf, len), EC_OK);
    CHECK(memcmp(&back, &m, sizeof m) == 0);
    for (size_t k = 0; k < len; k++) CHECK_EQ_INT(ec_msg_decode(&back, buf, k), EC_ERR_TRUNCATED);
    buf[len] = 0;
    CHECK_EQ_INT(ec_msg_decode(&back, buf, len + 1), EC_ERR_TRAILING);
    /* A status other than 0 or 1, on the wire and from the encoder. */
    for (unsigned st = 2; st < 256; st += 51) {
        buf[33] = (uint8_t)st;
        CHECK_EQ_INT(ec_msg_decode(&back, buf, len), EC_ERR_MALFORMED);
    }
    m.u.proof.status = 2;
    CHECK_EQ_INT(ec_msg_encode(&m, buf, sizeof buf, &len), EC_ERR_MALFORMED);
    /* "Cannot" with a head or a token attached: refused (one encoding);
     * status 0 followed by an answer's bytes: trailing. */
    m.u.proof.status = 0;
    m.u.proof.head = idv(5);
    CHECK_EQ_INT(ec_msg_encode(&m, buf, sizeof buf, &len), EC_ERR_MALFORMED);
    m.u.proof.head = idv(0);
    m.u.proof.h[9] = idv(6);
    CHECK_EQ_INT(ec_msg_encode(&m, buf, sizeof buf, &len), EC_ERR_MALFORMED);
    m.u.proof.h[9] = idv(0);
    m.u.proof.t[0] = idv(7);
    CHECK_EQ_INT(ec_msg_encode(&m, buf, sizeof buf, &len), EC_ERR_MALFORMED);
    m.u.proof.t[0] = idv(0);
    m.u.proof.status = 1;
    CHECK_EQ_INT(ec_msg_encode(&m, buf, sizeof buf, &len), EC_OK); /* zero ids are ids */
    CHECK_EQ_INT(len, 1 + 32 + 1 + 32 + 10 * 64);
    buf[33] = 0;
    CHECK_EQ_INT(ec_msg_decode(&back, buf, len), EC_ERR_TRAILING);
    /* Status 1 cut anywhere past the status byte: truncated, never a
     * shorter valid message; one byte more: trailing. */
    m.u.proof.head = idv(8);
    for (int i = 0; i < EC_MSG_PROOF_TOKENS; i++) m.u.proof.t[i] = idv((uint8_t)(0x10 + i));
    CHECK_EQ_INT(ec_msg_encode(&m, buf, sizeof buf, &len), EC_OK);
    for (size_t k = 0; k < len; k++) CHECK_EQ_INT(ec_msg_decode(&back, buf, k), EC_ERR_TRUNCATED);
    buf[len] = 0xff;
    CHECK_EQ_INT(ec_msg_decode(&back, buf, len + 1), EC_ERR_TRAILING);
    CHECK_EQ_INT(ec_msg_decode(&back, buf, len), EC_OK);
    CHECK(memcmp(&back, &m, sizeof m) == 0);
    /* GET_PROOF with a byte more. */
    buf[0] = EC_MSG_GET_PROOF;
    buf[33] = 10;
    buf[34] = 7;
    buf[35] = 0;
    CHECK_EQ_INT(ec_msg_decode(&back, buf, 37), EC_ERR_TRAILING);
    CHECK_EQ_INT(ec_msg_decode(&back, buf, 36), EC_OK);
    CHECK_EQ_INT(back.u.get_proof.plen, 7);
    CHECK_EQ_INT(ec_msg_decode(&back, buf, 35), EC_ERR_TRUNCATED);
}

static void test_tx_carries_the_member_list_when_it_fits(void)
{
    ec_msg m, back;
    uint8_t buf[EC_MSG_MAX];
    size_t len;
    memset(&m, 0, sizeof m);
    m.type = EC_MSG_TX;
    m.u.tx.nmembers = 20;
    for (int i = 0; i < 20; i++) m.u.tx.members[i] = idv((uint8_t)(40 + i));
    m.u.tx.len = 400;
    memset(m.u.tx.bytes, 0x33, 400);
    CHECK_EQ_INT(ec_msg_encode(&m, buf, sizeof buf, &len), EC_OK);
    CHECK_EQ_INT(len, 4 + 20 * 32 + 400);
    CHECK_EQ_INT(ec_msg_decode(&back, buf, len), EC_OK);
    CHECK_EQ_INT(back.u.tx.nmembers, 20);
    CHECK(memcmp(back.u.tx.members, m.u.tx.members, 20 * sizeof(ec_id)) == 0);
    CHECK_EQ_INT(back.u.tx.len, 400);
    CHECK(memcmp(back.u.tx.bytes, m.u.tx.bytes, 400) == 0);
    /* A list that names more members than there are bytes. */
    CHECK_EQ_INT(ec_msg_decode(&back, buf, 4 + 19 * 32 + 10), EC_ERR_TRUNCATED);
    /* A list that leaves no byte for the transaction. */
    CHECK_EQ_INT(ec_msg_decode(&back, buf, 4 + 20 * 32), EC_ERR_TRUNCATED);
    /* More than 32 members. */
    buf[3] = EC_MSG_PEERS_MAX + 1;
    CHECK_EQ_INT(ec_msg_decode(&back, buf, len), EC_ERR_MALFORMED);
    /* Routing fields only on a routed transaction; a known route target. */
    ec_msg r = m;
    r.u.tx.route = 1;
    CHECK_EQ_INT(ec_msg_encode(&r, buf, sizeof buf, &len), EC_ERR_MALFORMED);
    r.u.tx.route = EC_MSG_ROUTE_SPREAD; /* not routed: only "spread" */
    CHECK_EQ_INT(ec_msg_encode(&r, buf, sizeof buf, &len), EC_OK);
    r.u.tx.route = 1;
    r.u.tx.hops = 3;
    CHECK_EQ_INT(ec_msg_encode(&r, buf, sizeof buf, &len), EC_OK);
    CHECK_EQ_INT(len, 4 + 32 + 20 * 32 + 400);
    CHECK_EQ_INT(ec_msg_decode(&back, buf, len), EC_OK);
    CHECK_EQ_INT(back.u.tx.route, 1);
    buf[2] = EC_MSG_ROUTE_WITNESS + 1;
    CHECK_EQ_INT(ec_msg_decode(&back, buf, len), EC_ERR_MALFORMED);
    /* List and transaction together over one UDP payload: refused. */
    m.u.tx.nmembers = 32;
    m.u.tx.len = EC_MSG_MAX - EC_MSG_TX_HEAD - 32 * 32 + 1;
    CHECK_EQ_INT(ec_msg_encode(&m, buf, sizeof buf, &len), EC_ERR_MALFORMED);
    m.u.tx.len--;
    CHECK_EQ_INT(ec_msg_encode(&m, buf, sizeof buf, &len), EC_OK);
    CHECK_EQ_INT(len, EC_MSG_MAX);
}

static void test_peers_carry_endpoints_within_one_payload(void)
{
    ec_msg m, back;
    uint8_t buf[EC_MSG_MAX];
    size_t len;
    memset(&m, 0, sizeof m);
    m.type = EC_MSG_PEERS;
    m.u.peers.target = idv(1);
    /* An IPv6 endpoint (18 bytes) per entry: 22 fit in one payload. */
    int fit = (EC_MSG_MAX - (1 + EC_ID_LEN + 1)) / EC_MSG_PEER_ENTRY_MAX;
    CHECK_EQ_INT(fit, 22);
    m.u.peers.n = (uint8_t)fit;
    for (int i = 0; i < fit; i++) {
        m.u.peers.peers[i] = idv((uint8_t)(10 + i));
        m.u.peers.eps[i].len = i % 3 == 0 ? 0 : (i % 3 == 1 ? 6 : EC_ENDPOINT_MAX);
        for (int k = 0; k < m.u.peers.eps[i].len; k++) m.u.peers.eps[i].b[k] = (uint8_t)(i + k + 1);
    }
    CHECK_EQ_INT(ec_msg_encode(&m, buf, sizeof buf, &len), EC_OK);
    CHECK_EQ_INT(ec_msg_decode(&back, buf, len), EC_OK);
    CHECK(memcmp(&back, &m, sizeof m) == 0);
    /* One more full entry does not fit: refused, not cut. */
    m.u.peers.n = (uint8_t)(fit + 1);
    m.u.peers.peers[fit] = idv(99);
    m.u.peers.eps[fit].len = EC_ENDPOINT_MAX;
    for (int i = 0; i <= fit; i++) m.u.peers.eps[i].len = EC_ENDPOINT_MAX;
    CHECK(ec_msg_encode(&m, buf, sizeof buf, &len) != EC_OK);
    /* An endpoint longer than EC_ENDPOINT_MAX on the wire is malformed. */
    m.u.peers.n = 1;
    m.u.peers.eps[0].len = 4;
    memset(m.u.peers.eps[0].b, 0, sizeof m.u.peers.eps[0].b);
    CHECK_EQ_INT(ec_msg_encode(&m, buf, sizeof buf, &len), EC_OK);
    buf[1 + EC_ID_LEN + 1 + EC_ID_LEN] = EC_ENDPOINT_MAX + 1; /* the entry's length byte */
    CHECK_EQ_INT(ec_msg_decode(&back, buf, len), EC_ERR_MALFORMED);
    /* Bytes past an endpoint's length must be zero (one encoding only). */
    m.u.peers.eps[0].b[10] = 1;
    CHECK(ec_msg_encode(&m, buf, sizeof buf, &len) != EC_OK);
}

int main(void)
{
    RUN(test_tx_carries_the_member_list_when_it_fits);
    RUN(test_every_type_roundtrips_within_one_udp_payload);
    RUN(test_malformed_messages_are_refused);
    RUN(test_peers_carry_endpoints_within_one_payload);
    RUN(test_proof_layouts_and_refusals);
    return TEST_REPORT("msg");
}
