/* Protocol messages between nodes (seed §9.2). Byte format: docs/PROTOCOL.md,
 * "Messages". Every message is one type byte and a fixed layout; all fit in
 * EC_MSG_MAX bytes (one UDP payload). The decoder is strict: unknown type,
 * truncated, trailing bytes or out-of-range counts are errors, and a
 * message decodes to exactly one ec_msg (canonical).
 *
 * The wire layer carries transactions as opaque bytes: the ledger decodes
 * them (a lower layer never includes a higher one). */
#ifndef EC_WIRE_MSG_H
#define EC_WIRE_MSG_H

#include <stddef.h>
#include <stdint.h>

#include "base/err.h"
#include "crypto/id.h"
#include "crypto/sign.h"
#include "wire/codec.h"

#define EC_MSG_MAX 1200
#define EC_MSG_TX_MAX 1163        /* largest transaction encoding (ledger) */
#define EC_MSG_VOTE_TOKENS_MAX 6  /* a transaction maps at most 6 tokens */
#define EC_MSG_PEERS_MAX 32
#define EC_MSG_BUNDLE_MAX 8       /* signed votes in one `votes` message (w <= 8) */
#define EC_MSG_ROUTE_WITNESS 6    /* a routed tx's target: its witness address */
#define EC_MSG_ROUTE_SPREAD 7     /* a tx spread in its neighborhood (see route) */
#define EC_ENDPOINT_MAX 18        /* a driver's peer address, opaque to the core
                                     (an IPv6 address and port fit) */
#define EC_MSG_PEER_ENTRY_MAX (EC_ID_LEN + 1 + EC_ENDPOINT_MAX)
#define EC_MSG_IDENTITY_LEN 131   /* an identity record (core/identity.h), opaque here */
/* Commit-chain blocks (ledger/block.h), opaque here: the sizes must match
 * EC_BLOCK_HEADER_MAX / EC_BLOCK_BODY_MAX (checked where both are seen). */
#define EC_MSG_HEADER_MAX 307
#define EC_MSG_BODY_MAX 1025
#define EC_MSG_CHAIN_HEADERS 3    /* headers in one CHAIN answer, at most */
#define EC_MSG_RANGE_MAX 16       /* (token, head) pairs in one RANGE answer */
#define EC_MSG_EVIDENCE_MAX (EC_MSG_MAX - 1) /* an EVIDENCE message's bytes (opaque here) */
#define EC_MSG_PROOF_TOKENS 10    /* (token, head) pairs in a PROOF (EC_POS_CHUNKS) */
#define EC_MSG_TX_HEAD 4          /* a tx message's bytes besides members and tx
                                     (type, hops, route, count; routed: + origin) */

typedef enum ec_msg_type {
    EC_MSG_GET_TX = 1,      /* asks for a transaction by id */
    EC_MSG_TX = 2,          /* a transaction (answer, or routed toward its tokens) */
    EC_MSG_GET_MAPPING = 3, /* asks for a token's current head */
    EC_MSG_MAPPING = 4,     /* a token's current head, or "unknown" */
    EC_MSG_VOTE = 5,        /* a voter's verdict per token on one transaction */
    EC_MSG_FIND_PEERS = 6,  /* asks for the peers nearest to an address */
    EC_MSG_PEERS = 7,       /* the answer: up to 32 peer addresses */
    EC_MSG_VOTES = 8,       /* other voters' signed votes, relayed as one bundle */
    EC_MSG_GET_VOTES = 9,   /* a submitter asks a member for its token's votes */
    EC_MSG_GET_IDENTITY = 10, /* asks for a peer's identity record by address */
    EC_MSG_IDENTITY = 11,   /* an identity record: an answer, or a hello */
    EC_MSG_GET_CHAIN = 12,  /* asks for headers of the receiver's commit chain */
    EC_MSG_CHAIN = 13,      /* the answer: its key, tip height, up to 3 headers */
    EC_MSG_GET_BODY = 14,   /* asks for the body of one of its blocks */
    EC_MSG_BODY = 15,       /* the answer: the body (none: length 0) */
    EC_MSG_GET_RANGE = 16,  /* asks for the heads of tokens >= a token (polling) */
    EC_MSG_RANGE = 17,      /* the answer: up to 16 (token, head) pairs, ascending */
    EC_MSG_EVIDENCE = 18,   /* evidence against a peer (core/evidence.h), spread */
    EC_MSG_GET_PROOF = 19,  /* a storage-proof challenge on a token (core/pos.h) */
    EC_MSG_PROOF = 20,      /* the answer: ten (token, head) pairs of the walk, or "cannot" */
    EC_MSG_INVITE = 21,     /* "I elected you": asks for a counter-election (core/life.h); no body */
    EC_MSG_TYPE_END
} ec_msg_type;

/* Where a peer can be reached, in the driver's terms (an IP address and
 * port, say): the core stores and forwards it, never reads it. len 0 =
 * unknown. */
typedef struct ec_endpoint {
    uint8_t len;
    uint8_t b[EC_ENDPOINT_MAX];
} ec_endpoint;

/* Vote values per token (seed §10.2). */
#define EC_MSG_VOTE_VALID 1
#define EC_MSG_VOTE_INVALID (-1)
#define EC_MSG_VOTE_OUT_OF_ORDER 0
#define EC_MSG_VOTE_NONE 2 /* the voter is not responsible for this mapping */
/* A vote version at or above this is a decided answer: a member that
 * committed the transaction attests it to a straggler (+1 on its tokens). */
#define EC_MSG_VOTE_VERSION_DECIDED 0x80000000u

/* One voter's signed verdict on a transaction: a value per mapping of the
 * transaction, in its canonical (sorted) order. The signature (by `key`)
 * covers the domain "ec vote v1", the tx id, the voter's address, the
 * version and the values (src/core/vote_sig.c). */
typedef struct ec_msg_signed_vote {
    ec_id voter; /* on the wire only in bundles; a direct vote's is its sender */
    uint32_t version; /* the receiver keeps the highest per (voter, tx) */
    int8_t values[EC_MSG_VOTE_TOKENS_MAX];
    ec_pubkey key;
    ec_sig sig;
} ec_msg_signed_vote;

/* A mapping answer's signed claims (Minefield; wire/msg_claims.c for the
 * bytes, core/claims.c for the signature): what the answerer says it holds
 * for up to 4 tokens, the asked one first when it has it. */
#define EC_MSG_CLAIMS_MAX 4
typedef struct ec_msg_claim {
    ec_id token, head, prev;  /* prev: the head's transaction's previous head for token */
    uint64_t timestamp_ms;    /* the head's transaction's time */
    uint64_t block_height;    /* the block of the answerer's chain that holds it (0: not yet) */
    uint8_t block_index;      /* its position in that block (0..31), EC_MSG_CLAIM_NO_INDEX when
                                 there is no block yet or the answerer does not know it */
} ec_msg_claim;
#define EC_MSG_CLAIM_NO_INDEX 0xff
typedef struct ec_msg_claims {
    uint8_t n;                /* 0: unsigned (key and sig zero) */
    ec_pubkey key;            /* the answerer's signing key (its identity's) */
    ec_sig sig;               /* over "ec claims v1", the answerer's address, its key and the claims */
    ec_msg_claim c[EC_MSG_CLAIMS_MAX];
} ec_msg_claims;
#define EC_MSG_CLAIMS_LEN_MAX (1 + EC_PUBKEY_LEN + EC_SIG_LEN + EC_MSG_CLAIMS_MAX * (3 * EC_ID_LEN + 17))

typedef struct ec_msg {
    ec_msg_type type;
    union {
        struct { ec_id tx_id; } get_tx;
        struct {
            uint8_t hops;  /* forwarding steps left when routed; 0 = do not forward */
            uint8_t route; /* routed: toward mapping `route`'s token, or
                              EC_MSG_ROUTE_WITNESS: toward the tx id; not
                              routed: 0, or EC_MSG_ROUTE_SPREAD: spread by a
                              neighborhood's first member, the members are
                              that neighborhood only */
            ec_id origin;  /* routed or spread: its coordinator (who to tell the
                              neighborhood; who has the full member list) */
            uint8_t nmembers; /* the member list, when it fits beside the transaction */
            ec_id members[EC_MSG_PEERS_MAX];
            uint16_t len;
            uint8_t bytes[EC_MSG_TX_MAX];
        } tx;
        struct { ec_id token; } get_mapping;
        struct {
            ec_id token;
            uint8_t found; /* 0: unknown token, the rest is zero */
            ec_id tx_id;
            uint64_t timestamp_ms;
            ec_id owner;
            /* The answerer's commit chain (docs/CHAIN.md): its tip (height 0:
             * none yet) and the block that holds tx_id (0: not in a block
             * yet, or not known): every answer names a chain to sync from. */
            uint64_t chain_height;
            ec_id chain_hash;
            uint64_t block_height;
            /* Signed claims (Minefield): when found and signed, claims.c[0]
             * is this answer (token, tx_id, timestamp_ms); else no claim
             * names `token`. */
            ec_msg_claims claims;
        } mapping;
        struct {
            ec_id tx_id;
            uint8_t n; /* the transaction's mappings (values used) */
            ec_msg_signed_vote v;
        } vote;
        struct {
            ec_id tx_id;
            uint8_t n;
            uint8_t count;
            ec_msg_signed_vote v[EC_MSG_BUNDLE_MAX];
        } votes;
        struct { ec_id target; uint8_t want; } find_peers;
        struct { ec_id tx_id; } get_votes;
        struct { ec_id addr; } get_identity;
        struct { uint8_t record[EC_MSG_IDENTITY_LEN]; } identity;
        struct {
            uint64_t height; /* the newest header wanted (0: from the tip) */
            uint8_t count;   /* headers wanted, going down: 1..EC_MSG_CHAIN_HEADERS */
        } get_chain;
        struct {
            ec_pubkey key;   /* the answerer's signing key (its identity's) */
            uint64_t tip;    /* its chain's height (0: no chain yet) */
            uint8_t n;       /* headers that follow, heights descending */
            uint16_t len[EC_MSG_CHAIN_HEADERS];
            uint8_t hdr[EC_MSG_CHAIN_HEADERS][EC_MSG_HEADER_MAX];
        } chain;
        struct {
            uint64_t height;
            uint8_t near_bits; /* mark the ids with a token sharing this many
                                  leading bits with the asker (0: none asked) */
        } get_body;
        struct { ec_id from; uint8_t count; } get_range;
        struct {
            uint8_t n;
            ec_id token[EC_MSG_RANGE_MAX];
            ec_id head[EC_MSG_RANGE_MAX];
        } range;
        struct {
            uint64_t height;
            uint32_t near;   /* bit i: id i has a token near the asker (a hint, not
                                signed: it only lets the asker skip fetches) */
            uint16_t len;    /* 0: no such block */
            uint8_t bytes[EC_MSG_BODY_MAX];
        } body;
        struct {
            uint16_t len;    /* 1..EC_MSG_EVIDENCE_MAX: the encoded evidence */
            uint8_t bytes[EC_MSG_EVIDENCE_MAX];
        } evidence;
        /* bits: the chunk width, 4..16; plen: the region's prefix length;
         * shared: 1 if the walk takes only tokens both should hold (core/pos.h) */
        struct { ec_id token; uint8_t bits, plen, shared; } get_proof;
        struct {
            ec_id token;
            uint8_t status;  /* 1: an answer; 0: cannot (the rest is zero) */
            ec_id head;      /* the answerer's head of token (the challenge's input) */
            ec_id t[EC_MSG_PROOF_TOKENS]; /* the walk's tokens, in walk order */
            ec_id h[EC_MSG_PROOF_TOKENS]; /* the answerer's head of each */
        } proof;
        struct {
            ec_id target;
            uint8_t n;
            ec_id peers[EC_MSG_PEERS_MAX];
            ec_endpoint eps[EC_MSG_PEERS_MAX]; /* where each can be reached (len 0: not known) */
        } peers;
    } u;
} ec_msg;

/* EC_ERR_MALFORMED for a message that breaks a rule below, EC_ERR_RANGE if
 * cap is too small. */
ec_err ec_msg_encode(const ec_msg *m, uint8_t *buf, size_t cap, size_t *len);
/* EC_ERR_TRUNCATED, EC_ERR_TRAILING, EC_ERR_VERSION (unknown type),
 * EC_ERR_MALFORMED (counts out of range, a tx message whose member list and
 * transaction together exceed EC_MSG_MAX, vote value not -1/0/1/2, a vote
 * with no value other than 2, a voter twice in one bundle, mapping
 * "unknown" with non-zero fields, a proof status other than 0 or 1, a
 * proof "cannot" with non-zero fields), EC_ERR_RANGE (longer than EC_MSG_MAX). */
ec_err ec_msg_decode(ec_msg *m, const uint8_t *buf, size_t len);
const char *ec_msg_type_name(ec_msg_type t);

/* Signed claims alone (the bytes a mapping answer ends with; Minefield
 * evidence carries two of them): strict, as above. */
ec_err ec_msg_claims_check(const ec_msg_claims *c);
ec_err ec_msg_claims_encode(const ec_msg_claims *c, uint8_t *buf, size_t cap, size_t *len);
ec_err ec_msg_claims_decode(ec_msg_claims *c, const uint8_t *buf, size_t len);
void ec_msg_claims_put(ec_wire_writer *w, const ec_msg_claims *c);
void ec_msg_claims_get(ec_wire_reader *r, ec_msg_claims *c);

#endif
