/* BLAKE3: hash, keyed hash, derive-key and extendable output, portable C.
 *
 * Why hand-written: Debian 12 ships no BLAKE3 C library (only the b3sum
 * tool), so this is written from the BLAKE3 specification. It is checked
 * against the official test vectors and byte-for-byte against b3sum
 * (tests/test_blake3.c).
 *
 * Portable C11 only: no intrinsics, no unaligned or type-punned loads (words
 * are assembled from bytes with shifts, which compilers turn into plain
 * loads), no global mutable state. The seven rounds are unrolled with the
 * message permutation baked into a schedule table, and whole 1024-byte
 * chunks are compressed straight from the caller's buffer. */
#include "crypto/blake3.h"

#include <string.h>

enum {
    CHUNK_START = 1u << 0,
    CHUNK_END = 1u << 1,
    PARENT = 1u << 2,
    ROOT = 1u << 3,
    KEYED_HASH = 1u << 4,
    DERIVE_KEY_CONTEXT = 1u << 5,
    DERIVE_KEY_MATERIAL = 1u << 6,
};

static const uint32_t IV[8] = {
    0x6A09E667u, 0xBB67AE85u, 0x3C6EF372u, 0xA54FF53Au,
    0x510E527Fu, 0x9B05688Cu, 0x1F83D9ABu, 0x5BE0CD19u,
};

/* Message word order for each round: row r is the permutation
 * (2,6,3,10,7,0,4,13,1,11,12,5,9,14,15,8) applied r times. */
static const uint8_t SCHEDULE[7][16] = {
    {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15},
    {2, 6, 3, 10, 7, 0, 4, 13, 1, 11, 12, 5, 9, 14, 15, 8},
    {3, 4, 10, 12, 13, 2, 7, 14, 6, 5, 9, 0, 11, 15, 8, 1},
    {10, 7, 12, 9, 14, 3, 13, 15, 4, 0, 11, 2, 5, 8, 1, 6},
    {12, 13, 9, 11, 15, 10, 14, 8, 7, 2, 5, 3, 0, 1, 6, 4},
    {9, 14, 11, 5, 8, 12, 15, 1, 13, 3, 0, 10, 2, 6, 4, 7},
    {11, 15, 5, 0, 1, 9, 8, 6, 14, 10, 2, 12, 3, 4, 7, 13},
};

static inline uint32_t load32(const uint8_t *p)
{
    return (uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16) |
           ((uint32_t)p[3] << 24);
}

static inline void store32(uint8_t *p, uint32_t w)
{
    p[0] = (uint8_t)w;
    p[1] = (uint8_t)(w >> 8);
    p[2] = (uint8_t)(w >> 16);
    p[3] = (uint8_t)(w >> 24);
}

static inline uint32_t rotr32(uint32_t w, unsigned c)
{
    return (w >> c) | (w << (32u - c)); /* c is always 7, 8, 12 or 16 */
}

static inline void g(uint32_t *v, int a, int b, int c, int d, uint32_t x,
                     uint32_t y)
{
    v[a] = v[a] + v[b] + x;
    v[d] = rotr32(v[d] ^ v[a], 16);
    v[c] = v[c] + v[d];
    v[b] = rotr32(v[b] ^ v[c], 12);
    v[a] = v[a] + v[b] + y;
    v[d] = rotr32(v[d] ^ v[a], 8);
    v[c] = v[c] + v[d];
    v[b] = rotr32(v[b] ^ v[c], 7);
}

#define ROUND(v, m, r)                                                       \
    do {                                                                     \
        const uint8_t *s_ = SCHEDULE[r];                                     \
        g(v, 0, 4, 8, 12, m[s_[0]], m[s_[1]]);                               \
        g(v, 1, 5, 9, 13, m[s_[2]], m[s_[3]]);                               \
        g(v, 2, 6, 10, 14, m[s_[4]], m[s_[5]]);                              \
        g(v, 3, 7, 11, 15, m[s_[6]], m[s_[7]]);                              \
        g(v, 0, 5, 10, 15, m[s_[8]], m[s_[9]]);                              \
        g(v, 1, 6, 11, 12, m[s_[10]], m[s_[11]]);                            \
        g(v, 2, 7, 8, 13, m[s_[12]], m[s_[13]]);                             \
        g(v, 3, 4, 9, 14, m[s_[14]], m[s_[15]]);                             \
    } while (0)

/* The 16-word state after the seven rounds, before the feed-forward. */
static inline void compress_core(uint32_t v[16], const uint32_t cv[8],
                                 const uint8_t block[EC_BLAKE3_BLOCK_LEN],
                                 uint32_t block_len, uint64_t counter,
                                 uint32_t flags)
{
    uint32_t m[16];
    for (int i = 0; i < 16; i++)
        m[i] = load32(block + 4 * i);
    for (int i = 0; i < 8; i++)
        v[i] = cv[i];
    v[8] = IV[0];
    v[9] = IV[1];
    v[10] = IV[2];
    v[11] = IV[3];
    v[12] = (uint32_t)counter;
    v[13] = (uint32_t)(counter >> 32);
    v[14] = block_len;
    v[15] = flags;
    ROUND(v, m, 0);
    ROUND(v, m, 1);
    ROUND(v, m, 2);
    ROUND(v, m, 3);
    ROUND(v, m, 4);
    ROUND(v, m, 5);
    ROUND(v, m, 6);
}

/* Chaining-value update: cv <- first 8 words of the compression output. */
static void compress_in_place(uint32_t cv[8],
                              const uint8_t block[EC_BLAKE3_BLOCK_LEN],
                              uint32_t block_len, uint64_t counter,
                              uint32_t flags)
{
    uint32_t v[16];
    compress_core(v, cv, block, block_len, counter, flags);
    for (int i = 0; i < 8; i++)
        cv[i] = v[i] ^ v[i + 8];
}

/* Full 64-byte compression output, serialized little-endian. */
static void compress_xof(const uint32_t cv[8],
                         const uint8_t block[EC_BLAKE3_BLOCK_LEN],
                         uint32_t block_len, uint64_t counter, uint32_t flags,
                         uint8_t out[EC_BLAKE3_BLOCK_LEN])
{
    uint32_t v[16];
    compress_core(v, cv, block, block_len, counter, flags);
    for (int i = 0; i < 8; i++) {
        store32(out + 4 * i, v[i] ^ v[i + 8]);
        store32(out + 4 * (i + 8), v[i + 8] ^ cv[i]);
    }
}

static void words_from_bytes(uint32_t w[8], const uint8_t b[32])
{
    for (int i = 0; i < 8; i++)
        w[i] = load32(b + 4 * i);
}

static void bytes_from_words(uint8_t b[32], const uint32_t w[8])
{
    for (int i = 0; i < 8; i++)
        store32(b + 4 * i, w[i]);
}

/* ---- Chunk state -------------------------------------------------------
 * chunk.flags holds the mode flags (0, KEYED_HASH, DERIVE_KEY_*). The last
 * block of a chunk is always kept in buf so it can get CHUNK_END (and
 * perhaps ROOT) at finalization. */

static void chunk_reset(ec_blake3_chunk *c, const uint32_t key[8],
                        uint64_t counter, uint8_t flags)
{
    memcpy(c->cv, key, sizeof c->cv);
    c->chunk_counter = counter;
    memset(c->buf, 0, sizeof c->buf);
    c->buf_len = 0;
    c->blocks_compressed = 0;
    c->flags = flags;
}

static size_t chunk_len(const ec_blake3_chunk *c)
{
    return (size_t)c->blocks_compressed * EC_BLAKE3_BLOCK_LEN + c->buf_len;
}

static uint32_t chunk_start_flag(const ec_blake3_chunk *c)
{
    return c->blocks_compressed == 0 ? CHUNK_START : 0;
}

/* Absorb at most the rest of the current chunk (caller bounds len). */
static void chunk_update(ec_blake3_chunk *c, const uint8_t *in, size_t len)
{
    if (c->buf_len > 0) {
        size_t take = EC_BLAKE3_BLOCK_LEN - (size_t)c->buf_len;
        if (take > len)
            take = len;
        memcpy(c->buf + c->buf_len, in, take);
        c->buf_len = (uint8_t)(c->buf_len + take);
        in += take;
        len -= take;
        if (len == 0)
            return;
        /* buf is full and more input follows: it is not the last block. */
        compress_in_place(c->cv, c->buf, EC_BLAKE3_BLOCK_LEN, c->chunk_counter,
                          c->flags | chunk_start_flag(c));
        c->blocks_compressed++;
        c->buf_len = 0;
    }
    /* Whole blocks straight from the input, keeping at least one byte back. */
    while (len > EC_BLAKE3_BLOCK_LEN) {
        compress_in_place(c->cv, in, EC_BLAKE3_BLOCK_LEN, c->chunk_counter,
                          c->flags | chunk_start_flag(c));
        c->blocks_compressed++;
        in += EC_BLAKE3_BLOCK_LEN;
        len -= EC_BLAKE3_BLOCK_LEN;
    }
    memcpy(c->buf, in, len);
    c->buf_len = (uint8_t)len;
}

/* Everything needed to produce a node's output: its final compression
 * inputs, with ROOT left off until the output is read as the root. */
typedef struct {
    uint32_t cv[8];
    uint8_t block[EC_BLAKE3_BLOCK_LEN];
    uint32_t block_len;
    uint64_t counter;
    uint32_t flags;
} output_t;

static output_t chunk_output(const ec_blake3_chunk *c)
{
    output_t o;
    memcpy(o.cv, c->cv, sizeof o.cv);
    memcpy(o.block, c->buf, sizeof o.block);
    memset(o.block + c->buf_len, 0, EC_BLAKE3_BLOCK_LEN - (size_t)c->buf_len);
    o.block_len = c->buf_len;
    o.counter = c->chunk_counter;
    o.flags = (uint32_t)c->flags | chunk_start_flag(c) | CHUNK_END;
    return o;
}

static output_t parent_output(const uint8_t left[32], const uint8_t right[32],
                              const uint32_t key[8], uint32_t flags)
{
    output_t o;
    memcpy(o.cv, key, sizeof o.cv);
    memcpy(o.block, left, 32);
    memcpy(o.block + 32, right, 32);
    o.block_len = EC_BLAKE3_BLOCK_LEN;
    o.counter = 0;
    o.flags = flags | PARENT;
    return o;
}

static void output_cv(const output_t *o, uint8_t out[32])
{
    uint32_t cv[8];
    memcpy(cv, o->cv, sizeof cv);
    compress_in_place(cv, o->block, o->block_len, o->counter, o->flags);
    bytes_from_words(out, cv);
}

static void output_root_bytes(const output_t *o, uint64_t seek, uint8_t *out,
                              size_t out_len)
{
    uint64_t block_counter = seek / EC_BLAKE3_BLOCK_LEN;
    size_t offset = (size_t)(seek % EC_BLAKE3_BLOCK_LEN);
    uint8_t buf[EC_BLAKE3_BLOCK_LEN];
    while (out_len > 0) {
        compress_xof(o->cv, o->block, o->block_len, block_counter,
                     o->flags | ROOT, buf);
        size_t take = EC_BLAKE3_BLOCK_LEN - offset;
        if (take > out_len)
            take = out_len;
        memcpy(out, buf + offset, take);
        out += take;
        out_len -= take;
        offset = 0;
        block_counter++;
    }
}

/* ---- Hasher ------------------------------------------------------------ */

static void hasher_init(ec_blake3 *h, const uint32_t key[8], uint8_t flags)
{
    memcpy(h->key, key, sizeof h->key);
    chunk_reset(&h->chunk, key, 0, flags);
    h->cv_stack_len = 0;
}

/* Push the CV of a completed chunk (not the last one: more input follows),
 * merging complete subtrees first. After the merge the stack holds one entry
 * per 1-bit of total_chunks. */
static void push_chunk_cv(ec_blake3 *h, uint8_t cv[32], uint64_t total_chunks)
{
    while ((total_chunks & 1) == 0) {
        h->cv_stack_len--;
        output_t p = parent_output(h->cv_stack + 32 * (size_t)h->cv_stack_len,
                                   cv, h->key, h->chunk.flags);
        output_cv(&p, cv);
        total_chunks >>= 1;
    }
    memcpy(h->cv_stack + 32 * (size_t)h->cv_stack_len, cv, 32);
    h->cv_stack_len++;
}

void ec_blake3_init(ec_blake3 *h)
{
    hasher_init(h, IV, 0);
}

void ec_blake3_init_keyed(ec_blake3 *h, const uint8_t key[EC_BLAKE3_KEY_LEN])
{
    uint32_t k[8];
    words_from_bytes(k, key);
    hasher_init(h, k, KEYED_HASH);
}

void ec_blake3_init_derive_key(ec_blake3 *h, const char *context)
{
    uint8_t ctx_key[EC_BLAKE3_KEY_LEN];
    uint32_t k[8];
    hasher_init(h, IV, DERIVE_KEY_CONTEXT);
    ec_blake3_update(h, context, strlen(context));
    ec_blake3_finalize(h, ctx_key, sizeof ctx_key);
    words_from_bytes(k, ctx_key);
    hasher_init(h, k, DERIVE_KEY_MATERIAL);
}

void ec_blake3_update(ec_blake3 *h, const void *in, size_t len)
{
    const uint8_t *p = in;
    uint8_t cv[32];
    while (len > 0) {
        /* A full chunk is finished only once we know more input follows. */
        if (chunk_len(&h->chunk) == EC_BLAKE3_CHUNK_LEN) {
            output_t o = chunk_output(&h->chunk);
            uint64_t total = h->chunk.chunk_counter + 1;
            output_cv(&o, cv);
            push_chunk_cv(h, cv, total);
            chunk_reset(&h->chunk, h->key, total, h->chunk.flags);
        }
        /* Fast path: whole chunks (not the last) directly from the input. */
        while (chunk_len(&h->chunk) == 0 && len > EC_BLAKE3_CHUNK_LEN) {
            ec_blake3_chunk *c = &h->chunk;
            uint32_t w[8];
            memcpy(w, h->key, sizeof w);
            for (int b = 0; b < EC_BLAKE3_CHUNK_LEN / EC_BLAKE3_BLOCK_LEN; b++) {
                uint32_t f = c->flags;
                if (b == 0)
                    f |= CHUNK_START;
                if (b == EC_BLAKE3_CHUNK_LEN / EC_BLAKE3_BLOCK_LEN - 1)
                    f |= CHUNK_END;
                compress_in_place(w, p + (size_t)b * EC_BLAKE3_BLOCK_LEN,
                                  EC_BLAKE3_BLOCK_LEN, c->chunk_counter, f);
            }
            bytes_from_words(cv, w);
            push_chunk_cv(h, cv, c->chunk_counter + 1);
            c->chunk_counter++;
            p += EC_BLAKE3_CHUNK_LEN;
            len -= EC_BLAKE3_CHUNK_LEN;
        }
        size_t take = EC_BLAKE3_CHUNK_LEN - chunk_len(&h->chunk);
        if (take > len)
            take = len;
        chunk_update(&h->chunk, p, take);
        p += take;
        len -= take;
    }
}

void ec_blake3_finalize_seek(const ec_blake3 *h, uint64_t seek, uint8_t *out,
                             size_t out_len)
{
    output_t o = chunk_output(&h->chunk);
    uint8_t cv[32];
    /* Fold the stack into the current chunk, right to left. */
    for (size_t i = h->cv_stack_len; i > 0; i--) {
        output_cv(&o, cv);
        o = parent_output(h->cv_stack + 32 * (i - 1), cv, h->key,
                          h->chunk.flags);
    }
    output_root_bytes(&o, seek, out, out_len);
}

void ec_blake3_finalize(const ec_blake3 *h, uint8_t *out, size_t out_len)
{
    ec_blake3_finalize_seek(h, 0, out, out_len);
}

void ec_blake3_hash(const void *in, size_t len, uint8_t out[EC_BLAKE3_OUT_LEN])
{
    ec_blake3 h;
    ec_blake3_init(&h);
    ec_blake3_update(&h, in, len);
    ec_blake3_finalize(&h, out, EC_BLAKE3_OUT_LEN);
}

void ec_blake3_keyed(const uint8_t key[EC_BLAKE3_KEY_LEN], const void *in,
                     size_t len, uint8_t out[EC_BLAKE3_OUT_LEN])
{
    ec_blake3 h;
    ec_blake3_init_keyed(&h, key);
    ec_blake3_update(&h, in, len);
    ec_blake3_finalize(&h, out, EC_BLAKE3_OUT_LEN);
}

void ec_blake3_derive_key(const char *context, const void *key_material,
                          size_t len, uint8_t out[EC_BLAKE3_OUT_LEN])
{
    ec_blake3 h;
    ec_blake3_init_derive_key(&h, context);
    ec_blake3_update(&h, key_material, len);
    ec_blake3_finalize(&h, out, EC_BLAKE3_OUT_LEN);
}
