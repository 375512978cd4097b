/* The node's own commit chain (ledger/block.h; docs/CHAIN.md). Each
 * commit's transaction id joins the open block, in the store transaction
 * that writes the commit; the open block is cut, signed and written when
 * it holds 32 ids (in that same transaction) or block_interval_ms after
 * its first id (by the timer, a write of its own). So after a crash the
 * chain resumes with no gap and no duplicate: an id is in the store's
 * open block or in exactly one written block exactly when its commit is.
 *
 * Store records (ec_store_*_rec): "co" the open block (opened_at u64 LE,
 * then the ids), "ct" the tip's header, "cb" + height (u64 big-endian) a
 * block (header length u16 LE, header, body). Nothing is cached in memory
 * but the time the open block is due (a hint: the store decides), so a
 * batch that fails leaves nothing to undo here. */
#include <string.h>

#include "core/node_internal.h"
#include "ledger/block.h"

#define REC_MAX (8 + EC_BLOCK_TXS_MAX * EC_ID_LEN)

static void block_key(uint8_t k[10], uint64_t height)
{
    k[0] = 'c';
    k[1] = 'b';
    for (int i = 0; i < 8; i++) k[2 + i] = (uint8_t)(height >> (56 - 8 * i));
}

static ec_err load_open(ec_store *s, uint64_t *opened, ec_id ids[EC_BLOCK_TXS_MAX], unsigned *count)
{
    uint8_t buf[REC_MAX];
    size_t len = 0;
    *count = 0;
    *opened = 0;
    ec_err err = ec_store_get_rec(s, (const uint8_t *)"co", 2, buf, sizeof buf, &len);
    if (err == EC_ERR_NOTFOUND) return EC_OK;
    if (err) return err;
    if (len < 8 || (len - 8) % EC_ID_LEN || (len - 8) / EC_ID_LEN > EC_BLOCK_TXS_MAX) return EC_ERR_CORRUPT;
    for (int i = 7; i >= 0; i--) *opened = *opened << 8 | buf[i];
    *count = (unsigned)((len - 8) / EC_ID_LEN);
    memcpy(ids, buf + 8, *count * EC_ID_LEN);
    return EC_OK;
}

static ec_err save_open(ec_store *s, uint64_t opened, const ec_id *ids, unsigned count)
{
    uint8_t buf[REC_MAX];
    for (int i = 0; i < 8; i++) buf[i] = (uint8_t)(opened >> (8 * i));
    memcpy(buf + 8, ids, count * EC_ID_LEN);
    return ec_store_put_rec(s, (const uint8_t *)"co", 2, buf, 8 + count * EC_ID_LEN);
}

ec_err node_chain_tip(ec_store *s, ec_block_header *tip)
{
    uint8_t buf[EC_BLOCK_HEADER_MAX];
    size_t len = 0;
    ec_err err = ec_store_get_rec(s, (const uint8_t *)"ct", 2, buf, sizeof buf, &len);
    if (err == EC_ERR_RANGE) return EC_ERR_CORRUPT;
    if (err) return err;
    return ec_block_header_decode(tip, buf, len) == EC_OK ? EC_OK : EC_ERR_CORRUPT;
}

ec_err node_chain_block(ec_store *s, uint64_t height, ec_block_header *hdr, ec_block_body *body)
{
    uint8_t key[10], buf[2 + EC_BLOCK_HEADER_MAX + EC_BLOCK_BODY_MAX];
    size_t len = 0;
    block_key(key, height);
    ec_err err = ec_store_get_rec(s, key, sizeof key, buf, sizeof buf, &len);
    if (err == EC_ERR_RANGE) return EC_ERR_CORRUPT;
    if (err) return err;
    size_t hl = len >= 2 ? (size_t)(buf[0] | buf[1] << 8) : 0;
    if (len < 2 || hl > len - 2 || ec_block_header_decode(hdr, buf + 2, hl) != EC_OK) return EC_ERR_CORRUPT;
    if (body && ec_block_body_decode(body, buf + 2 + hl, len - 2 - hl) != EC_OK) return EC_ERR_CORRUPT;
    return EC_OK;
}

uint64_t node_chain_height_of(ec_store *s, const ec_id *tx_id)
{
    uint8_t index;
    return node_chain_position_of(s, tx_id, &index);
}

/* A "ci" record: the block's height (u64), then the id's position in it
 * (u8; records written before it was kept have 8 bytes: position unknown). */
uint64_t node_chain_position_of(ec_store *s, const ec_id *tx_id, uint8_t *index)
{
    uint8_t ik[2 + EC_ID_LEN], iv[9];
    size_t len = 0;
    ik[0] = 'c';
    ik[1] = 'i';
    memcpy(ik + 2, tx_id->b, EC_ID_LEN);
    *index = EC_MSG_CLAIM_NO_INDEX;
    if (ec_store_get_rec(s, ik, sizeof ik, iv, sizeof iv, &len) != EC_OK || (len != 8 && len != 9)) return 0;
    uint64_t h = 0;
    for (int j = 7; j >= 0; j--) h = h << 8 | iv[j];
    if (len == 9 && iv[8] < EC_BLOCK_TXS_MAX) *index = iv[8];
    return h;
}

static ec_err chain_lookup(void *arg, uint64_t height, ec_block_header *out)
{
    return node_chain_block(arg, height, out, NULL);
}

/* The open block's ids become block tip + 1: signed, written, the open
 * record removed. Inside an open write transaction. */
static ec_err cut(ec_node *n, uint64_t now, const ec_id *ids, unsigned count)
{
    ec_block_header tip, h;
    memset(&h, 0, sizeof h);
    ec_err err = node_chain_tip(n->store, &tip);
    if (err && err != EC_ERR_NOTFOUND) return err;
    bool first = err == EC_ERR_NOTFOUND;
    h.height = first ? 1 : tip.height + 1;
    h.timestamp_ms = !first && tip.timestamp_ms > now ? tip.timestamp_ms : now;
    if (!first) ec_block_hash(&tip, &h.prev);
    if ((err = ec_block_jumps_compute(h.height, h.timestamp_ms, chain_lookup, n->store, &h.jumps, h.jump)) != EC_OK)
        return err == EC_ERR_NOTFOUND ? EC_ERR_CORRUPT : err; /* a gap in our own chain */
    h.count = (uint8_t)count;
    ec_block_root(ids, count, &h.root);
    ec_block_sign(&h, &n->key);
    ec_block_body b;
    memset(&b, 0, sizeof b);
    b.count = (uint8_t)count;
    memcpy(b.ids, ids, count * EC_ID_LEN);
    uint8_t key[10], buf[2 + EC_BLOCK_HEADER_MAX + EC_BLOCK_BODY_MAX];
    size_t hl, bl;
    if ((err = ec_block_header_encode(&h, buf + 2, EC_BLOCK_HEADER_MAX, &hl)) != EC_OK ||
        (err = ec_block_body_encode(&b, buf + 2 + hl, EC_BLOCK_BODY_MAX, &bl)) != EC_OK)
        return err;
    buf[0] = (uint8_t)hl;
    buf[1] = (uint8_t)(hl >> 8);
    /* Where each id is: mapping answers name the block (node_chain_height_of). */
    for (unsigned i = 0; i < count && !err; i++) {
        uint8_t ik[2 + EC_ID_LEN], iv[9];
        ik[0] = 'c';
        ik[1] = 'i';
        memcpy(ik + 2, ids[i].b, EC_ID_LEN);
        for (int j = 0; j < 8; j++) iv[j] = (uint8_t)(h.height >> (8 * j));
        iv[8] = (uint8_t)i; /* its position: claims name it (docs/SECURITY.md) */
        err = ec_store_put_rec(n->store, ik, sizeof ik, iv, sizeof iv);
    }
    if (err) return err;
    block_key(key, h.height);
    if ((err = ec_store_put_rec(n->store, key, sizeof key, buf, 2 + hl + bl)) == EC_OK &&
        (err = ec_store_put_rec(n->store, (const uint8_t *)"ct", 2, buf + 2, hl)) == EC_OK)
        err = ec_store_del_rec(n->store, (const uint8_t *)"co", 2);
    if (err == EC_OK) {
        n->stats.blocks_cut++;
        n->chain_due = UINT64_MAX;
    }
    return err;
}

ec_err node_chain_append(ec_node *n, uint64_t now, const ec_id *tx_id)
{
    if (!n->has_key) return EC_OK; /* no key, no chain (a node that signs nothing) */
    ec_id ids[EC_BLOCK_TXS_MAX];
    unsigned count;
    uint64_t opened;
    ec_err err = load_open(n->store, &opened, ids, &count);
    if (err) return err;
    for (unsigned i = 0; i < count; i++)
        if (ec_id_cmp(&ids[i], tx_id) == 0) return EC_OK; /* once per chain */
    if (node_chain_height_of(n->store, tx_id) != 0) return EC_OK;
    if (count == 0) opened = now;
    ids[count++] = *tx_id;
    if (count == EC_BLOCK_TXS_MAX) return cut(n, now, ids, count);
    if ((err = save_open(n->store, opened, ids, count)) != EC_OK) return err;
    uint64_t due = opened + n->cfg.block_interval_ms;
    if (due < n->chain_due) n->chain_due = due;
    if (due < n->next_due) n->next_due = due;
    return EC_OK;
}

uint64_t node_chain_tick(ec_node *n, uint64_t now)
{
    if (now < n->chain_due) return n->chain_due;
    ec_id ids[EC_BLOCK_TXS_MAX];
    unsigned count;
    uint64_t opened;
    n->chain_due = UINT64_MAX;
    ec_err err = load_open(n->store, &opened, ids, &count);
    if (err == EC_OK && count == 0) return UINT64_MAX;
    if (err == EC_OK && now < opened + n->cfg.block_interval_ms) {
        n->chain_due = opened + n->cfg.block_interval_ms; /* a stale hint: not yet */
        return n->chain_due;
    }
    if (err == EC_OK) err = node_write_begin(n, n->store);
    if (err == EC_OK) err = node_write_end(n, n->store, cut(n, now, ids, count), NULL);
    if (err) {
        n->stats.chain_errors++;
        node_log(n, 0, "commit chain: cutting a block failed: %s", ec_err_str(err));
        n->chain_due = now + n->cfg.resend_ms; /* try again */
    }
    return n->chain_due;
}

void node_chain_start(ec_node *n)
{
    ec_id ids[EC_BLOCK_TXS_MAX];
    unsigned count;
    uint64_t opened;
    n->chain_due = UINT64_MAX;
    /* A restart: an open block in the store is due when it was. */
    if (n->has_key && load_open(n->store, &opened, ids, &count) == EC_OK && count > 0)
        n->chain_due = opened + n->cfg.block_interval_ms;
}

ec_err ec_node_chain_tip(const ec_node *n, ec_block_header *tip)
{
    return node_chain_tip(n->store, tip);
}

ec_err ec_node_chain_block(const ec_node *n, uint64_t height, ec_block_header *hdr, ec_block_body *body)
{
    return node_chain_block(n->store, height, hdr, body);
}
