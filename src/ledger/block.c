/* Commit-chain blocks (block.h). */
#include "ledger/block.h"

#include <string.h>

#include "crypto/blake3.h"
#include "wire/codec.h"

const uint64_t ec_block_jump_ms[EC_BLOCK_JUMPS] = {
    60ull * 1000, 3600ull * 1000, 86400ull * 1000, 7 * 86400ull * 1000, 30 * 86400ull * 1000,
};

const char *ec_block_fault_name(ec_block_fault f)
{
    static const char *const names[] = {"ok", "signature", "root", "height", "prev", "time", "jump", "unknown"};
    return (unsigned)f < sizeof names / sizeof names[0] ? names[f] : "?";
}

static bool is_zero(const ec_id *id)
{
    uint8_t acc = 0;
    for (size_t i = 0; i < EC_ID_LEN; i++) acc |= id->b[i];
    return acc == 0;
}

/* The rules a decoded header must meet; the encoder refuses the same. */
static bool fields_ok(const ec_block_header *h)
{
    if (h->height == 0 || (h->jumps >> EC_BLOCK_JUMPS) != 0) return false;
    if ((h->height == 1) != is_zero(&h->prev)) return false;
    if (h->count == 0 || h->count > EC_BLOCK_TXS_MAX) return false;
    for (int k = 0; k < EC_BLOCK_JUMPS; k++)
        if ((h->jumps >> k & 1) && is_zero(&h->jump[k])) return false;
    return true;
}

/* The signed part: everything before the signature. */
static void put_unsigned(ec_wire_writer *w, const ec_block_header *h)
{
    ec_wire_put_u8(w, EC_BLOCK_VERSION);
    ec_wire_put_u8(w, h->jumps);
    ec_wire_put_u64(w, h->height);
    ec_wire_put_u64(w, h->timestamp_ms);
    ec_wire_put_bytes(w, h->prev.b, EC_ID_LEN);
    for (int k = 0; k < EC_BLOCK_JUMPS; k++)
        if (h->jumps >> k & 1) ec_wire_put_bytes(w, h->jump[k].b, EC_ID_LEN);
    ec_wire_put_bytes(w, h->root.b, EC_ID_LEN);
    ec_wire_put_u8(w, h->count);
}

ec_err ec_block_header_encode(const ec_block_header *h, uint8_t *buf, size_t cap, size_t *len)
{
    if (!fields_ok(h)) return EC_ERR_ARG;
    ec_wire_writer w;
    ec_wire_writer_init(&w, buf, cap);
    put_unsigned(&w, h);
    ec_wire_put_bytes(&w, h->sig.b, sizeof h->sig.b);
    if (w.err) return w.err;
    *len = w.len;
    return EC_OK;
}

ec_err ec_block_header_decode(ec_block_header *h, const uint8_t *buf, size_t len)
{
    ec_wire_reader r;
    ec_wire_reader_init(&r, buf, len);
    memset(h, 0, sizeof *h);
    uint8_t version = ec_wire_get_u8(&r);
    if (r.err) return r.err;
    if (version != EC_BLOCK_VERSION) return EC_ERR_VERSION;
    h->jumps = ec_wire_get_u8(&r);
    h->height = ec_wire_get_u64(&r);
    h->timestamp_ms = ec_wire_get_u64(&r);
    ec_wire_get_bytes(&r, h->prev.b, EC_ID_LEN);
    if (r.err == EC_OK && (h->jumps >> EC_BLOCK_JUMPS) != 0) return EC_ERR_MALFORMED;
    for (int k = 0; k < EC_BLOCK_JUMPS; k++)
        if (h->jumps >> k & 1) ec_wire_get_bytes(&r, h->jump[k].b, EC_ID_LEN);
    ec_wire_get_bytes(&r, h->root.b, EC_ID_LEN);
    h->count = ec_wire_get_u8(&r);
    ec_wire_get_bytes(&r, h->sig.b, sizeof h->sig.b);
    ec_err err = ec_wire_get_end(&r);
    if (err) return err;
    return fields_ok(h) ? EC_OK : EC_ERR_MALFORMED;
}

ec_err ec_block_body_encode(const ec_block_body *b, uint8_t *buf, size_t cap, size_t *len)
{
    if (b->count == 0 || b->count > EC_BLOCK_TXS_MAX) return EC_ERR_ARG;
    ec_wire_writer w;
    ec_wire_writer_init(&w, buf, cap);
    ec_wire_put_u8(&w, b->count);
    for (unsigned i = 0; i < b->count; i++) ec_wire_put_bytes(&w, b->ids[i].b, EC_ID_LEN);
    if (w.err) return w.err;
    *len = w.len;
    return EC_OK;
}

ec_err ec_block_body_decode(ec_block_body *b, const uint8_t *buf, size_t len)
{
    ec_wire_reader r;
    ec_wire_reader_init(&r, buf, len);
    memset(b, 0, sizeof *b);
    b->count = ec_wire_get_u8(&r);
    if (r.err) return r.err;
    if (b->count == 0 || b->count > EC_BLOCK_TXS_MAX) return EC_ERR_MALFORMED;
    for (unsigned i = 0; i < b->count; i++) ec_wire_get_bytes(&r, b->ids[i].b, EC_ID_LEN);
    return ec_wire_get_end(&r);
}

void ec_block_hash(const ec_block_header *h, ec_id *out)
{
    static const char dom[] = "ec block v1";
    uint8_t buf[sizeof dom - 1 + EC_BLOCK_HEADER_MAX];
    memcpy(buf, dom, sizeof dom - 1);
    ec_wire_writer w;
    ec_wire_writer_init(&w, buf + sizeof dom - 1, EC_BLOCK_HEADER_MAX);
    put_unsigned(&w, h);
    ec_blake3_hash(buf, sizeof dom - 1 + w.len, out->b);
}

void ec_block_root(const ec_id *ids, size_t n, ec_id *out)
{
    ec_id level[EC_BLOCK_TXS_MAX];
    if (n > EC_BLOCK_TXS_MAX) n = EC_BLOCK_TXS_MAX;
    uint8_t in[1 + 2 * EC_ID_LEN];
    for (size_t i = 0; i < n; i++) { /* leaves: domain 0 */
        in[0] = 0;
        memcpy(in + 1, ids[i].b, EC_ID_LEN);
        ec_blake3_hash(in, 1 + EC_ID_LEN, level[i].b);
    }
    while (n > 1) { /* pairs: domain 1; an odd last one goes up as it is */
        size_t m = 0;
        for (size_t i = 0; i + 1 < n; i += 2) {
            in[0] = 1;
            memcpy(in + 1, level[i].b, EC_ID_LEN);
            memcpy(in + 1 + EC_ID_LEN, level[i + 1].b, EC_ID_LEN);
            ec_blake3_hash(in, sizeof in, level[m++].b);
        }
        if (n & 1) level[m++] = level[n - 1];
        n = m;
    }
    if (n == 1) *out = level[0];
    else memset(out, 0, sizeof *out);
}

static void leaf_hash(const ec_id *id, ec_id *out)
{
    uint8_t in[1 + EC_ID_LEN];
    in[0] = 0;
    memcpy(in + 1, id->b, EC_ID_LEN);
    ec_blake3_hash(in, sizeof in, out->b);
}

static void node_hash(const ec_id *l, const ec_id *r, ec_id *out)
{
    uint8_t in[1 + 2 * EC_ID_LEN];
    in[0] = 1;
    memcpy(in + 1, l->b, EC_ID_LEN);
    memcpy(in + 1 + EC_ID_LEN, r->b, EC_ID_LEN);
    ec_blake3_hash(in, sizeof in, out->b);
}

size_t ec_block_path(const ec_id *ids, size_t n, size_t k, ec_id path[EC_BLOCK_PATH_MAX])
{
    if (ids == NULL || path == NULL || n == 0 || n > EC_BLOCK_TXS_MAX || k >= n) return 0;
    ec_id level[EC_BLOCK_TXS_MAX];
    for (size_t i = 0; i < n; i++) leaf_hash(&ids[i], &level[i]);
    size_t len = 0;
    while (n > 1) {
        if (!(k == n - 1 && (n & 1))) path[len++] = level[k ^ 1]; /* else: carried up, no sibling */
        size_t m = 0;
        for (size_t i = 0; i + 1 < n; i += 2) node_hash(&level[i], &level[i + 1], &level[m++]);
        if (n & 1) level[m++] = level[n - 1];
        n = m;
        k /= 2;
    }
    return len;
}

bool ec_block_path_check(const ec_id *id, size_t k, size_t n, const ec_id *path, size_t len, const ec_id *root)
{
    if (id == NULL || root == NULL || (len && path == NULL) || n == 0 || n > EC_BLOCK_TXS_MAX || k >= n) return false;
    ec_id cur;
    leaf_hash(id, &cur);
    size_t used = 0;
    while (n > 1) {
        if (!(k == n - 1 && (n & 1))) {
            if (used == len) return false;
            if (k & 1) node_hash(&path[used], &cur, &cur);
            else node_hash(&cur, &path[used], &cur);
            used++;
        }
        n = (n + 1) / 2;
        k /= 2;
    }
    return used == len && ec_id_cmp(&cur, root) == 0;
}

void ec_block_sign(ec_block_header *h, const ec_keypair *key)
{
    ec_id hash;
    ec_block_hash(h, &hash);
    ec_sign_create(&h->sig, key, hash.b, EC_ID_LEN);
}

/* The newest block at height < below whose timestamp is <= limit, by
 * binary search (timestamps never decrease along a chain): its height in
 * *found (0: none). */
static ec_err newest_at_or_before(uint64_t below, uint64_t limit, ec_block_lookup_fn look, void *arg,
                                  uint64_t *found, ec_block_header *hdr)
{
    uint64_t lo = 1, hi = below; /* search [lo, hi) */
    *found = 0;
    while (lo < hi) {
        uint64_t mid = lo + (hi - lo) / 2;
        ec_block_header m;
        ec_err err = look(arg, mid, &m);
        if (err) return err;
        if (m.timestamp_ms <= limit) {
            *found = mid;
            *hdr = m;
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    return EC_OK;
}

ec_err ec_block_jumps_compute(uint64_t height, uint64_t ts, ec_block_lookup_fn look, void *arg, uint8_t *jumps,
                              ec_id jump[EC_BLOCK_JUMPS])
{
    *jumps = 0;
    memset(jump, 0, EC_BLOCK_JUMPS * sizeof jump[0]);
    for (int k = 0; k < EC_BLOCK_JUMPS; k++) {
        if (ts < ec_block_jump_ms[k]) continue;
        uint64_t h;
        ec_block_header hdr;
        ec_err err = newest_at_or_before(height, ts - ec_block_jump_ms[k], look, arg, &h, &hdr);
        if (err) return err;
        if (h == 0) continue;
        ec_block_hash(&hdr, &jump[k]);
        *jumps |= (uint8_t)(1u << k);
    }
    return EC_OK;
}

ec_block_fault ec_block_check_sig(const ec_block_header *h, const ec_pubkey *key)
{
    ec_id hash;
    ec_block_hash(h, &hash);
    return ec_sign_verify(&h->sig, key, hash.b, EC_ID_LEN) == EC_OK ? EC_BLOCK_OK : EC_BLOCK_SIGNATURE;
}

ec_block_fault ec_block_check_body(const ec_block_header *h, const ec_block_body *b)
{
    if (b->count != h->count || b->count == 0 || b->count > EC_BLOCK_TXS_MAX) return EC_BLOCK_ROOT;
    ec_id root;
    ec_block_root(b->ids, b->count, &root);
    return ec_id_cmp(&root, &h->root) == 0 ? EC_BLOCK_OK : EC_BLOCK_ROOT;
}

ec_block_fault ec_block_check_link(const ec_block_header *h, const ec_block_header *parent)
{
    if (h->height != parent->height + 1) return EC_BLOCK_HEIGHT;
    ec_id ph;
    ec_block_hash(parent, &ph);
    if (ec_id_cmp(&ph, &h->prev) != 0) return EC_BLOCK_PREV;
    if (h->timestamp_ms < parent->timestamp_ms) return EC_BLOCK_TIME;
    return EC_BLOCK_OK;
}

ec_block_fault ec_block_check_jumps(const ec_block_header *h, ec_block_lookup_fn look, void *arg)
{
    uint8_t jumps;
    ec_id jump[EC_BLOCK_JUMPS];
    ec_err err = ec_block_jumps_compute(h->height, h->timestamp_ms, look, arg, &jumps, jump);
    if (err == EC_ERR_NOTFOUND) return EC_BLOCK_UNKNOWN;
    if (err) return EC_BLOCK_UNKNOWN;
    if (jumps != h->jumps) return EC_BLOCK_JUMP;
    for (int k = 0; k < EC_BLOCK_JUMPS; k++)
        if (ec_id_cmp(&jump[k], &h->jump[k]) != 0) return EC_BLOCK_JUMP;
    return EC_BLOCK_OK;
}

bool ec_block_equivocation(const ec_block_header *a, const ec_block_header *b)
{
    if (a->height != b->height) return false;
    ec_id ha, hb;
    ec_block_hash(a, &ha);
    ec_block_hash(b, &hb);
    return ec_id_cmp(&ha, &hb) != 0;
}
