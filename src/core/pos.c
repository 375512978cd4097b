/* Proof of aligned storage: the challenge, the walk, the checks (pos.h). */
#include <string.h>

#include "core/pos.h"
#include "crypto/blake3.h"

static unsigned width(unsigned bits)
{
    return bits >= EC_POS_BITS_MIN && bits <= EC_POS_BITS_MAX ? bits : EC_POS_BITS;
}

void ec_pos_chunks(const ec_id *requester, const ec_id *token, const ec_id *head, unsigned bits,
                   uint16_t chunks[EC_POS_CHUNKS])
{
    bits = width(bits);
    uint8_t in[3 * EC_ID_LEN], s[EC_ID_LEN];
    memcpy(in, requester->b, EC_ID_LEN);
    memcpy(in + EC_ID_LEN, token->b, EC_ID_LEN);
    memcpy(in + 2 * EC_ID_LEN, head->b, EC_ID_LEN);
    ec_blake3_hash(in, sizeof in, s);
    for (unsigned i = 0; i < EC_POS_CHUNKS; i++) {
        unsigned bit = i * bits, byte = bit / 8; /* at most bit 159 + 3 bytes: within the 32 */
        uint32_t v = (uint32_t)s[byte] | (uint32_t)s[byte + 1] << 8 | (uint32_t)s[byte + 2] << 16;
        chunks[i] = (uint16_t)((v >> (bit % 8)) & ((1u << bits) - 1));
    }
}

uint16_t ec_pos_suffix(const ec_id *t, unsigned bits)
{
    bits = width(bits);
    return (uint16_t)(((unsigned)t->b[EC_ID_LEN - 2] << 8 | t->b[EC_ID_LEN - 1]) & ((1u << bits) - 1));
}


static uint64_t top64(const ec_id *d)
{
    uint64_t v = 0;
    for (int i = 0; i < 8; i++) v = v << 8 | d->b[i];
    return v;
}

bool ec_pos_in_region(const ec_id *token, const ec_id *t, unsigned plen)
{
    return ec_id_prefix_eq(token, t, plen);
}

void ec_pos_region_bounds(const ec_id *token, unsigned plen, ec_id *lo, ec_id *hi)
{
    if (plen > EC_ID_BITS) plen = EC_ID_BITS;
    for (unsigned i = 0; i < EC_ID_LEN; i++) {
        unsigned keep = plen >= 8 * (i + 1) ? 8 : plen > 8 * i ? plen - 8 * i : 0;
        uint8_t mask = (uint8_t)(keep ? 0xff << (8 - keep) : 0);
        lo->b[i] = (uint8_t)(token->b[i] & mask);
        hi->b[i] = (uint8_t)(token->b[i] | (uint8_t)~mask);
    }
}

/* ---- the walk ---- */

typedef struct walk {
    const ec_id *token;
    unsigned bits, plen;
    ec_id lo, hi;        /* the region */
    const uint16_t *chunks;
    ec_pos_filter_fn filter;
    void *farg;
    unsigned next, end;  /* the chunk sought, and one past the last of this direction */
    bool up, wrapped;    /* direction; in the second part of the turn */
    ec_id *out, *heads;
    uint64_t examined, max;
    bool over;           /* max_examined passed */
} walk;

static bool taken(const walk *w, const ec_id *t)
{
    for (unsigned k = 0; k < w->next; k++)
        if (ec_id_cmp(&w->out[k], t) == 0) return true;
    return false;
}

static bool step(void *arg, const ec_id *t, const ec_head *h)
{
    walk *w = arg;
    int c = ec_id_cmp(t, w->token);
    if (c == 0) return !w->wrapped; /* the token itself: skipped, or the turn is complete */
    if (!ec_pos_in_region(w->token, t, w->plen)) return false; /* past the region's end: wrap */
    /* After wrapping, the walk ends where it began. */
    if (w->wrapped && (w->up ? c > 0 : c < 0)) return false;
    if (w->max && w->examined >= w->max) {
        w->over = true;
        return false;
    }
    w->examined++;
    if (ec_pos_suffix(t, w->bits) != w->chunks[w->next] || taken(w, t)) return true;
    if (w->filter && !w->filter(w->farg, t)) return true; /* not one both should hold */
    w->out[w->next] = *t;
    w->heads[w->next] = h->tx_id;
    return ++w->next < w->end;
}

/* One direction: from the token to the end of the region, then from
 * its other end back to the token. */
static ec_err direction(ec_store *s, walk *w)
{
    w->wrapped = false;
    ec_err err = w->up ? ec_store_iterate(s, w->token, step, w) : ec_store_iterate_down(s, w->token, step, w);
    if (err || w->next == w->end || w->over) return err;
    w->wrapped = true;
    return w->up ? ec_store_iterate(s, &w->lo, step, w) : ec_store_iterate_down(s, &w->hi, step, w);
}

ec_err ec_pos_walk(ec_store *s, const ec_id *token, unsigned bits, unsigned plen, const uint16_t chunks[EC_POS_CHUNKS],
                   ec_pos_filter_fn filter, void *farg, ec_id out[EC_POS_CHUNKS], ec_id heads[EC_POS_CHUNKS],
                   uint64_t max_examined, ec_pos_walk_stats *stats)
{
    if (s == NULL || token == NULL || chunks == NULL || out == NULL || heads == NULL) return EC_ERR_ARG;
    if (plen > EC_ID_BITS) return EC_ERR_ARG;
    walk w = {token, width(bits), plen, {{0}}, {{0}}, chunks, filter, farg, 0, EC_POS_UP, true, false, out, heads, 0,
              max_examined, false};
    ec_pos_region_bounds(token, plen, &w.lo, &w.hi);
    ec_err err = direction(s, &w);
    if (!err && !w.over && w.next == EC_POS_UP) {
        w.up = false;
        w.end = EC_POS_CHUNKS;
        err = direction(s, &w);
    }
    if (stats) {
        ec_id d;
        stats->examined = w.examined;
        stats->found = w.next;
        stats->span_up = stats->span_down = 0;
        if (w.next >= 1) {
            ec_id_sub(&out[w.next < EC_POS_UP ? w.next - 1 : EC_POS_UP - 1], token, &d);
            stats->span_up = top64(&d);
        }
        if (w.next > EC_POS_UP) {
            ec_id_sub(token, &out[w.next - 1], &d);
            stats->span_down = top64(&d);
        }
    }
    if (err) return err;
    if (w.over) return EC_ERR_RANGE;
    return w.next == EC_POS_CHUNKS ? EC_OK : EC_ERR_NOTFOUND;
}

ec_err ec_pos_answer_make(ec_store *s, const ec_id *requester, const ec_id *token, unsigned bits, unsigned plen,
                          ec_pos_filter_fn filter, void *farg, uint64_t max_examined, ec_pos_answer *out,
                          ec_pos_walk_stats *stats)
{
    if (s == NULL || requester == NULL || token == NULL || out == NULL || plen > EC_ID_BITS) return EC_ERR_ARG;
    memset(out, 0, sizeof *out);
    ec_head h;
    ec_err err = ec_store_get_head(s, token, &h);
    if (err) return err;
    out->bits = (uint8_t)width(bits);
    out->plen = (uint8_t)plen;
    out->token = *token;
    out->head = h.tx_id;
    uint16_t chunks[EC_POS_CHUNKS];
    ec_pos_chunks(requester, token, &h.tx_id, out->bits, chunks);
    return ec_pos_walk(s, token, out->bits, plen, chunks, filter, farg, out->t, out->h, max_examined, stats);
}

/* ---- the checks ---- */

const char *ec_pos_fault_name(ec_pos_fault f)
{
    static const char *const names[] = {"ok", "suffix", "order", "duplicate", "region"};
    return (unsigned)f < sizeof names / sizeof names[0] ? names[f] : "?";
}

ec_pos_fault ec_pos_check_form(const ec_id *requester, const ec_pos_answer *a)
{
    uint16_t chunks[EC_POS_CHUNKS];
    ec_pos_chunks(requester, &a->token, &a->head, a->bits, chunks);
    ec_id prev = {{0}};
    for (unsigned i = 0; i < EC_POS_CHUNKS; i++) {
        if (!ec_pos_in_region(&a->token, &a->t[i], a->plen)) return EC_POS_REGION;
        if (ec_pos_suffix(&a->t[i], a->bits) != chunks[i]) return EC_POS_SUFFIX;
        if (ec_id_cmp(&a->t[i], &a->token) == 0) return EC_POS_DUPLICATE;
        for (unsigned k = 0; k < i; k++)
            if (ec_id_cmp(&a->t[k], &a->t[i]) == 0) return EC_POS_DUPLICATE;
        /* Walk order: the distance from the token (upward: t - token;
         * downward: token - t, both mod 2^256) grows along each half.
         * Within a region it orders as mod the region's size would: a
         * wrapped token's distance is above 2^256 - size, an unwrapped
         * one's below size. */
        ec_id d;
        if (i < EC_POS_UP) ec_id_sub(&a->t[i], &a->token, &d);
        else ec_id_sub(&a->token, &a->t[i], &d);
        if (i != 0 && i != EC_POS_UP && ec_id_cmp(&d, &prev) <= 0) return EC_POS_ORDER;
        prev = d;
    }
    return EC_POS_OK;
}

ec_err ec_pos_check_answer(ec_store *s, const ec_id *requester, const ec_pos_answer *a, ec_pos_filter_fn filter,
                           void *farg, uint64_t max_examined, ec_pos_check *r)
{
    if (s == NULL || requester == NULL || a == NULL || r == NULL) return EC_ERR_ARG;
    memset(r, 0, sizeof *r);
    r->form = ec_pos_check_form(requester, a);
    ec_head h;
    ec_err err = ec_store_get_head(s, &a->token, &h);
    if (err && err != EC_ERR_NOTFOUND) return err;
    r->head_known = err == EC_OK;
    r->head_differs = r->head_known && ec_id_cmp(&h.tx_id, &a->head) != 0;
    for (unsigned i = 0; i < EC_POS_CHUNKS; i++) {
        err = ec_store_get_head(s, &a->t[i], &h);
        if (err == EC_ERR_NOTFOUND) continue;
        if (err) return err;
        r->held++;
        r->contradicted += ec_id_cmp(&h.tx_id, &a->h[i]) != 0;
    }
    /* Our own walk on the same chunks (the answer's head: if ours differs,
     * head_differs says so and the rule refuses anyway). */
    uint16_t chunks[EC_POS_CHUNKS];
    ec_id own[EC_POS_CHUNKS], heads[EC_POS_CHUNKS];
    ec_pos_chunks(requester, &a->token, &a->head, a->bits, chunks);
    err = ec_pos_walk(s, &a->token, a->bits, a->plen, chunks, filter, farg, own, heads, max_examined, &r->own);
    if (err && err != EC_ERR_NOTFOUND && err != EC_ERR_RANGE) return err;
    r->own_complete = err == EC_OK;
    /* Tokens both walks picked (a partial own walk counts what it found). */
    unsigned found = r->own.found;
    for (unsigned i = 0; i < EC_POS_CHUNKS; i++)
        for (unsigned k = 0; k < found; k++)
            if (ec_id_cmp(&a->t[i], &own[k]) == 0) {
                r->agree++;
                break;
            }
    return err == EC_ERR_RANGE ? EC_ERR_RANGE : EC_OK;
}

bool ec_pos_accept(const ec_pos_check *r, unsigned min_agree)
{
    /* The challenge token must be ours: its head is the chunks' input, and
     * a head we cannot check would let the responder pick its chunks. */
    return r->form == EC_POS_OK && r->head_known && !r->head_differs && r->contradicted == 0 && r->agree >= min_agree;
}
