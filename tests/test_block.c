/* Commit-chain blocks (ledger/block.h): the codecs (round trip, every
 * truncation, each refused field), the Merkle root, and a 300-block chain
 * whose jump references match a brute-force reading of the rule; every
 * verification failure provoked; equivocation. */
#include <stdlib.h>
#include <string.h>

#include "crypto/blake3.h"
#include "ledger/block.h"
#include "test.h"

static ec_id id_of(unsigned a, unsigned b)
{
    ec_id id;
    memset(&id, 0, sizeof id);
    id.b[0] = (uint8_t)a;
    id.b[1] = (uint8_t)b;
    id.b[31] = 1;
    return id;
}

static ec_block_header sample(void)
{
    ec_block_header h;
    memset(&h, 0, sizeof h);
    h.height = 7;
    h.timestamp_ms = 1700000000000ull;
    h.prev = id_of(1, 1);
    h.jumps = 0x05; /* jump[0], jump[2] */
    h.jump[0] = id_of(2, 1);
    h.jump[2] = id_of(2, 3);
    h.root = id_of(3, 1);
    h.count = 32;
    for (size_t i = 0; i < sizeof h.sig.b; i++) h.sig.b[i] = (uint8_t)i;
    return h;
}

static void test_header_round_trip_and_refusals(void)
{
    ec_block_header h = sample(), r;
    uint8_t buf[EC_BLOCK_HEADER_MAX + 1];
    size_t len;
    CHECK(ec_block_header_encode(&h, buf, sizeof buf, &len) == EC_OK);
    CHECK_EQ_INT(len, EC_BLOCK_HEADER_MIN + 2 * EC_ID_LEN);
    CHECK(ec_block_header_decode(&r, buf, len) == EC_OK);
    CHECK(memcmp(&r, &h, sizeof h) == 0);
    for (size_t n = 0; n < len; n++) CHECK(ec_block_header_decode(&r, buf, n) != EC_OK);
    CHECK(ec_block_header_decode(&r, buf, len + 1) == EC_ERR_TRAILING);
    /* All five jumps: the largest header. */
    h.jumps = 0x1f;
    for (int k = 0; k < EC_BLOCK_JUMPS; k++) h.jump[k] = id_of(4, (unsigned)k);
    CHECK(ec_block_header_encode(&h, buf, sizeof buf, &len) == EC_OK && len == EC_BLOCK_HEADER_MAX);
    CHECK(ec_block_header_decode(&r, buf, len) == EC_OK && memcmp(&r, &h, sizeof h) == 0);
    CHECK(ec_block_header_encode(&h, buf, len - 1, &len) == EC_ERR_RANGE);
    /* Each field out of range: refused by the encoder, and the decoder. */
    struct { int field; ec_err want; } cases[] = {{0, EC_ERR_MALFORMED}, {1, EC_ERR_MALFORMED}, {2, EC_ERR_MALFORMED},
                                                  {3, EC_ERR_MALFORMED}, {4, EC_ERR_MALFORMED}, {5, EC_ERR_MALFORMED}};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        ec_block_header b = sample();
        CHECK(ec_block_header_encode(&b, buf, sizeof buf, &len) == EC_OK);
        switch (cases[i].field) {
        case 0: buf[1] = 0x25; break;                              /* a reserved jump bit */
        case 1: memset(buf + 2, 0, 8); break;                      /* height 0 */
        case 2: memset(buf + 18, 0, 32); break;                    /* prev zero at height 7 */
        case 3: buf[2] = 1; memset(buf + 3, 0, 7); break;          /* height 1 with a prev */
        case 4: buf[len - 65] = 33; break;                         /* count 33 */
        case 5: memset(buf + 50, 0, 32); break;                    /* a present jump that is zero */
        }
        CHECK_EQ_INT(ec_block_header_decode(&r, buf, len), cases[i].want);
    }
    buf[0] = 2;
    CHECK_EQ_INT(ec_block_header_decode(&r, buf, len), EC_ERR_VERSION);
    ec_block_header b = sample();
    b.count = 0;
    CHECK(ec_block_header_encode(&b, buf, sizeof buf, &len) == EC_ERR_ARG);
    b = sample();
    b.height = 1;
    CHECK(ec_block_header_encode(&b, buf, sizeof buf, &len) == EC_ERR_ARG);
}

static void test_body_and_root(void)
{
    ec_block_body b, r;
    memset(&b, 0, sizeof b);
    b.count = EC_BLOCK_TXS_MAX;
    for (unsigned i = 0; i < b.count; i++) b.ids[i] = id_of(9, i);
    uint8_t buf[EC_BLOCK_BODY_MAX + 1];
    size_t len;
    CHECK(ec_block_body_encode(&b, buf, sizeof buf, &len) == EC_OK && len == EC_BLOCK_BODY_MAX);
    CHECK(ec_block_body_decode(&r, buf, len) == EC_OK && memcmp(&r, &b, sizeof b) == 0);
    for (size_t n = 0; n < len; n++) CHECK(ec_block_body_decode(&r, buf, n) != EC_OK);
    CHECK(ec_block_body_decode(&r, buf, len + 1) == EC_ERR_TRAILING);
    buf[0] = 0;
    CHECK(ec_block_body_decode(&r, buf, 1) == EC_ERR_MALFORMED);
    /* The root: one id is its leaf hash; order and every id matter. */
    uint8_t leaf[33] = {0};
    memcpy(leaf + 1, b.ids[0].b, 32);
    ec_id want, root, root2;
    ec_blake3_hash(leaf, sizeof leaf, want.b);
    ec_block_root(b.ids, 1, &root);
    CHECK(ec_id_cmp(&root, &want) == 0);
    for (size_t n = 1; n <= EC_BLOCK_TXS_MAX; n++) {
        ec_block_root(b.ids, n, &root);
        ec_id save = b.ids[n - 1];
        b.ids[n - 1].b[5] ^= 1;
        ec_block_root(b.ids, n, &root2);
        CHECK(ec_id_cmp(&root, &root2) != 0);
        b.ids[n - 1] = save;
    }
    ec_id two[2] = {b.ids[0], b.ids[1]}, swapped[2] = {b.ids[1], b.ids[0]};
    ec_block_root(two, 2, &root);
    ec_block_root(swapped, 2, &root2);
    CHECK(ec_id_cmp(&root, &root2) != 0);
}

#define CHAIN 300
static ec_block_header chain[CHAIN + 1];
static bool hole[CHAIN + 1];

static ec_err look(void *arg, uint64_t height, ec_block_header *out)
{
    (void)arg;
    if (height == 0 || height > CHAIN || hole[height]) return EC_ERR_NOTFOUND;
    *out = chain[height];
    return EC_OK;
}

static void test_chain_jumps_and_faults(void)
{
    ec_keypair key, other;
    uint8_t seed[EC_SEED_LEN] = {1}, seed2[EC_SEED_LEN] = {2};
    ec_sign_keypair(&key, seed);
    ec_sign_keypair(&other, seed2);
    /* 300 blocks, gaps from 10 s to ~6 days (a few repeat timestamps). */
    uint64_t ts = 1700000000000ull;
    for (uint64_t h = 1; h <= CHAIN; h++) {
        ec_block_header *b = &chain[h];
        memset(b, 0, sizeof *b);
        b->height = h;
        ts += (h % 7 == 0) ? 0 : (h % 37 == 0) ? 6 * 86400000ull : (h % 11 == 0) ? 2 * 3600000ull : 10000ull * (h % 5);
        b->timestamp_ms = ts;
        if (h > 1) ec_block_hash(&chain[h - 1], &b->prev);
        CHECK(ec_block_jumps_compute(h, ts, look, NULL, &b->jumps, b->jump) == EC_OK);
        ec_id ids[3] = {id_of((unsigned)h, 0), id_of((unsigned)h, 1), id_of((unsigned)h, 2)};
        b->count = 3;
        ec_block_root(ids, 3, &b->root);
        ec_block_sign(b, &key);
    }
    /* Every reference against a linear reading of the rule. */
    unsigned bad = 0, present = 0;
    for (uint64_t h = 1; h <= CHAIN; h++)
        for (int k = 0; k < EC_BLOCK_JUMPS; k++) {
            uint64_t want = 0;
            for (uint64_t g = 1; g < h; g++)
                if (chain[h].timestamp_ms >= ec_block_jump_ms[k] &&
                    chain[g].timestamp_ms <= chain[h].timestamp_ms - ec_block_jump_ms[k])
                    want = g;
            ec_id wh = {{0}};
            if (want) ec_block_hash(&chain[want], &wh);
            bad += ((chain[h].jumps >> k & 1) != (want != 0)) || ec_id_cmp(&wh, &chain[h].jump[k]) != 0;
            present += want != 0;
        }
    CHECK_EQ_INT(bad, 0);
    CHECK(present > 500); /* the rule was exercised at every scale */
    CHECK(chain[CHAIN].jumps == 0x1f);
    /* The whole chain verifies. */
    unsigned faults = 0;
    for (uint64_t h = 1; h <= CHAIN; h++) {
        faults += ec_block_check_sig(&chain[h], &key.pub) != EC_BLOCK_OK;
        faults += h > 1 && ec_block_check_link(&chain[h], &chain[h - 1]) != EC_BLOCK_OK;
        faults += ec_block_check_jumps(&chain[h], look, NULL) != EC_BLOCK_OK;
    }
    CHECK_EQ_INT(faults, 0);
    /* Each fault, alone. */
    ec_block_header t = chain[200];
    CHECK_EQ_INT(ec_block_check_sig(&t, &other.pub), EC_BLOCK_SIGNATURE);
    t.sig.b[3] ^= 1;
    CHECK_EQ_INT(ec_block_check_sig(&t, &key.pub), EC_BLOCK_SIGNATURE);
    t = chain[200];
    t.count = 4; /* anything signed changes: the signature no longer holds */
    CHECK_EQ_INT(ec_block_check_sig(&t, &key.pub), EC_BLOCK_SIGNATURE);
    ec_block_body body = {3, {id_of(200, 0), id_of(200, 1), id_of(200, 2)}};
    CHECK_EQ_INT(ec_block_check_body(&chain[200], &body), EC_BLOCK_OK);
    body.ids[1].b[9] ^= 1; /* an id left out and another put in */
    CHECK_EQ_INT(ec_block_check_body(&chain[200], &body), EC_BLOCK_ROOT);
    body.count = 2;
    CHECK_EQ_INT(ec_block_check_body(&chain[200], &body), EC_BLOCK_ROOT);
    CHECK_EQ_INT(ec_block_check_link(&chain[200], &chain[198]), EC_BLOCK_HEIGHT);
    t = chain[200];
    t.prev.b[0] ^= 1;
    CHECK_EQ_INT(ec_block_check_link(&t, &chain[199]), EC_BLOCK_PREV);
    t = chain[200];
    t.timestamp_ms = chain[199].timestamp_ms - 1;
    CHECK_EQ_INT(ec_block_check_link(&t, &chain[199]), EC_BLOCK_TIME);
    t = chain[CHAIN];
    t.jump[1].b[0] ^= 1;
    CHECK_EQ_INT(ec_block_check_jumps(&t, look, NULL), EC_BLOCK_JUMP);
    t = chain[CHAIN];
    t.jumps &= 0x0f; /* the 30-day reference left out */
    memset(&t.jump[4], 0, sizeof t.jump[4]);
    CHECK_EQ_INT(ec_block_check_jumps(&t, look, NULL), EC_BLOCK_JUMP);
    hole[150] = true; /* a block the search needs is not known */
    CHECK_EQ_INT(ec_block_check_jumps(&chain[CHAIN], look, NULL), EC_BLOCK_UNKNOWN);
    hole[150] = false;
    /* Equivocation: a second block 200, signed too. */
    ec_block_header fork = chain[200];
    fork.root.b[0] ^= 1;
    ec_block_sign(&fork, &key);
    CHECK_EQ_INT(ec_block_check_sig(&fork, &key.pub), EC_BLOCK_OK);
    CHECK(ec_block_equivocation(&chain[200], &fork));
    CHECK(!ec_block_equivocation(&chain[200], &chain[200]));
    CHECK(!ec_block_equivocation(&chain[200], &chain[201]));
    CHECK(strcmp(ec_block_fault_name(EC_BLOCK_JUMP), "jump") == 0);
    ec_sign_wipe(&key);
    ec_sign_wipe(&other);
}

/* Every leaf of every block size: its path leads to ec_block_root's root
 * (an odd last node carried up has no sibling at that level), and any
 * change (another id, position, size, a sibling flipped, one missing or
 * one too many) does not. */
static void test_merkle_paths(void)
{
    ec_id ids[EC_BLOCK_TXS_MAX];
    for (unsigned i = 0; i < EC_BLOCK_TXS_MAX; i++) {
        uint8_t b = (uint8_t)i;
        ec_blake3_hash(&b, 1, ids[i].b);
    }
    unsigned checked = 0;
    for (size_t n = 1; n <= EC_BLOCK_TXS_MAX; n++) {
        ec_id root;
        ec_block_root(ids, n, &root);
        for (size_t k = 0; k < n; k++) {
            ec_id path[EC_BLOCK_PATH_MAX + 1];
            size_t len = ec_block_path(ids, n, k, path);
            CHECK(len <= EC_BLOCK_PATH_MAX);
            CHECK(n == 1 ? len == 0 : len >= 1);
            CHECK(ec_block_path_check(&ids[k], k, n, path, len, &root));
            CHECK(!ec_block_path_check(&ids[(k + 1) % EC_BLOCK_TXS_MAX], k, n, path, len, &root));
            if (n > 1) CHECK(!ec_block_path_check(&ids[k], (k + 1) % n, n, path, len, &root));
            if (len) {
                CHECK(!ec_block_path_check(&ids[k], k, n, path, len - 1, &root));
                path[len] = path[0];
                CHECK(!ec_block_path_check(&ids[k], k, n, path, len + 1, &root));
                path[len - 1].b[5] ^= 1;
                CHECK(!ec_block_path_check(&ids[k], k, n, path, len, &root));
            }
            checked++;
        }
    }
    /* Out of range: no path, no check. */
    ec_id path[EC_BLOCK_PATH_MAX], root;
    ec_block_root(ids, 4, &root);
    CHECK_EQ_INT(ec_block_path(ids, 4, 4, path), 0);
    CHECK_EQ_INT(ec_block_path(ids, 0, 0, path), 0);
    CHECK_EQ_INT(ec_block_path(ids, EC_BLOCK_TXS_MAX + 1, 0, path), 0);
    CHECK(!ec_block_path_check(&ids[0], 4, 4, path, 2, &root));
    printf("  %u (size, position) paths checked\n", checked);
}

int main(void)
{
    if (ec_crypto_init() != EC_OK) return 1;
    RUN(test_header_round_trip_and_refusals);
    RUN(test_body_and_root);
    RUN(test_chain_jumps_and_faults);
    RUN(test_merkle_paths);
    return TEST_REPORT("block");
}
