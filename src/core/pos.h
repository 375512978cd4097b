/* Proof of aligned storage (seed §6; issue 12; docs/LIFECYCLE.md).
 *
 * A requester R asks a peer P about a token T that P holds. Both derive
 * the challenge from what only that pair and that token's state give:
 *   S = BLAKE3(R's id | T | P's head of T), cut into ten b-bit chunks
 *   (chunk i: bits b*i..b*i+b-1 of S read little-endian, as the reference
 *   node's 256-bit helper does for b = 10). The asker picks b (4..16; the
 *   seed's 10 by default): a walk passes about 10 x 2^b stored tokens, and
 *   it must stay within the tokens both peers hold (docs/LIFECYCLE.md).
 * P walks its stored tokens from T: upward (ids above T, ascending,
 * wrapping past the top to the bottom) for chunks 0-4, then downward (ids
 * below T, descending, wrapping) for chunks 5-9; each search resumes
 * after the previous match, a token whose last b bits equal the chunk
 * is taken, and no token twice. It answers the ten tokens with its heads
 * of them, or says it cannot (fewer than ten within one turn each way).
 *
 * R checks the answer alone (each token's suffix, the walk order, no
 * duplicates, T's head), then against its own store: answer tokens it
 * holds must carry its heads, and it runs the same walk on its own store
 * and counts the tokens both walks picked. A peer that stores little of
 * the neighborhood's tokens cannot make its walk agree with a full
 * store's: it must name tokens that exist with the right suffix in the
 * right order, and every stored token it lacks desynchronises its walk
 * (the authors' bound: agreement is at most the smaller storage density).
 *
 * Pure functions over an ec_store: no clock, no randomness, no I/O. */
#ifndef EC_CORE_POS_H
#define EC_CORE_POS_H

#include <stdbool.h>
#include <stdint.h>

#include "base/err.h"
#include "crypto/id.h"
#include "ledger/store.h"

#define EC_POS_CHUNKS 10
#define EC_POS_UP 5          /* chunks 0..4 walk upward, 5..9 downward */
#define EC_POS_BITS 10      /* the seed's chunk width */
#define EC_POS_BITS_MIN 4
#define EC_POS_BITS_MAX 16

/* The ten b-bit chunks of BLAKE3(requester | token | head) (b in
 * EC_POS_BITS_MIN..MAX, else EC_POS_BITS). */
void ec_pos_chunks(const ec_id *requester, const ec_id *token, const ec_id *head, unsigned bits,
                   uint16_t chunks[EC_POS_CHUNKS]);
/* A token's last b bits (the id read big-endian, as ids are ordered). */
uint16_t ec_pos_suffix(const ec_id *t, unsigned bits);

typedef struct ec_pos_answer {
    uint8_t bits;                /* the chunk width asked for */
    uint8_t plen;                /* the region asked for: ids sharing the top plen bits with token (0: all) */
    ec_id token;                 /* the challenge token */
    ec_id head;                  /* the responder's head of it (the chunks' input) */
    ec_id t[EC_POS_CHUNKS];      /* the walk's tokens, in walk order */
    ec_id h[EC_POS_CHUNKS];      /* the responder's head of each */
} ec_pos_answer;

/* What a walk cost: stored tokens examined, and the span of the id space
 * it covered each way (the distance from the token to the last one taken
 * upward, and downward), as the top 64 bits of a 256-bit distance. */
typedef struct ec_pos_walk_stats {
    uint64_t examined;
    unsigned found; /* tokens taken (10 when complete) */
    uint64_t span_up, span_down;
} ec_pos_walk_stats;

/* Which stored tokens a walk may take (NULL: every one). Both sides of a
 * challenge must use the same rule: the node's is "the tokens both peers
 * should hold" (both among their w nearest), since neighbors' stores
 * differ outside that (docs/LIFECYCLE.md, "In a running network"). */
typedef bool (*ec_pos_filter_fn)(void *arg, const ec_id *token);

/* The region of a walk: the ids whose top plen bits are token's (a
 * subtree of the id space; plen 0: all of it). Upward the walk goes from
 * the token to the region's top and wraps to its bottom; downward the
 * other way. Two peers in one subtree that holds at most w nodes both
 * hold every token in it whatever else they know: a node nearer such a
 * token than one of them is in the subtree too (XOR distance), so fewer
 * than w are. The asker picks that region (docs/LIFECYCLE.md). */
bool ec_pos_in_region(const ec_id *token, const ec_id *t, unsigned plen);
/* The region's lowest and highest ids (plen above 256: 256). */
void ec_pos_region_bounds(const ec_id *token, unsigned plen, ec_id *lo, ec_id *hi);

/* The walk over store s from token with chunks within the region plen:
 * out (10 tokens and their heads) on EC_OK; EC_ERR_NOTFOUND if fewer than
 * ten match within one turn each way; EC_ERR_RANGE if more than max_examined stored tokens
 * would be examined (0: no limit); the store's error. stats may be NULL. */
ec_err ec_pos_walk(ec_store *s, const ec_id *token, unsigned bits, unsigned plen, const uint16_t chunks[EC_POS_CHUNKS],
                   ec_pos_filter_fn filter, void *farg, ec_id out[EC_POS_CHUNKS], ec_id heads[EC_POS_CHUNKS],
                   uint64_t max_examined, ec_pos_walk_stats *stats);

/* The responder's side: its answer to requester about token in region
 * plen (the head it holds, the chunks, the walk). EC_ERR_NOTFOUND if it does not hold
 * the token or its walk falls short; otherwise as ec_pos_walk. */
ec_err ec_pos_answer_make(ec_store *s, const ec_id *requester, const ec_id *token, unsigned bits, unsigned plen,
                          ec_pos_filter_fn filter, void *farg, uint64_t max_examined, ec_pos_answer *out,
                          ec_pos_walk_stats *stats);

/* Why an answer is refused on its face (ec_pos_check_form). */
typedef enum ec_pos_fault {
    EC_POS_OK = 0,
    EC_POS_SUFFIX,    /* a token whose last b bits are not its chunk */
    EC_POS_ORDER,     /* not in walk order (upward ascending from the token, downward descending, each wrapping once) */
    EC_POS_DUPLICATE, /* a token twice, or the challenge token itself */
    EC_POS_REGION,    /* a token outside the region asked for */
} ec_pos_fault;
const char *ec_pos_fault_name(ec_pos_fault f);

/* The answer checked alone, with the chunks the requester derives from
 * (requester, a->token, a->head, a->bits), within region a->plen. */
ec_pos_fault ec_pos_check_form(const ec_id *requester, const ec_pos_answer *a);

/* The answer checked against the requester's own store s. */
typedef struct ec_pos_check {
    ec_pos_fault form;
    bool head_known;     /* s holds a->token */
    bool head_differs;   /* ... with another head than the answer's */
    unsigned held;       /* answer tokens s holds */
    unsigned contradicted; /* of those, with another head than the answer's */
    bool own_complete;   /* s's own walk found ten */
    unsigned agree;      /* answer tokens s's own walk picked too (any position) */
    ec_pos_walk_stats own;
} ec_pos_check;

/* Our own walk runs in region a->plen. EC_OK (r filled) or the store's error (EC_ERR_RANGE: the own walk ran
 * past max_examined; r->own_complete false then). */
ec_err ec_pos_check_answer(ec_store *s, const ec_id *requester, const ec_pos_answer *a, ec_pos_filter_fn filter,
                           void *farg, uint64_t max_examined, ec_pos_check *r);

/* The acceptance rule for one answer: well formed, about a token we hold
 * with the head we hold (else the responder could choose the head, and
 * so the chunks), nothing it says contradicts our store, and at least
 * min_agree of its tokens are the ones our own walk picks (the
 * reference: 8 of 10). */
bool ec_pos_accept(const ec_pos_check *r, unsigned min_agree);

#endif
