/* libFuzzer harness: the node core (src/core/node.h) fed arbitrary message
 * sequences. The input is a series of records [sender u8][len u16 LE][bytes];
 * each record is delivered from one of 8 fixed peers, with the clock moving
 * forward and a tick after each; signatures are not checked, so fuzzed
 * votes, bundles and transactions reach the vote counting. Properties: no crash or sanitizer report,
 * every outbound message decodes, and the outbox stays bounded. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/node.h"

/* Every relayed vote's key is taken as its voter's: the bundle paths run. */
static bool any_identity(void *arg, const ec_id *addr, const ec_pubkey *key)
{
    (void)arg;
    (void)addr;
    (void)key;
    return true;
}

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    if (ec_crypto_init() != EC_OK) __builtin_trap();
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    ec_node_config cfg;
    ec_node_config_default(&cfg);
    cfg.pending_max = 64;
    cfg.outbox_max_bytes = 256 * 200;
    cfg.verify_signatures = false; /* fuzzed votes and transactions get counted */
    ec_store *s;
    ec_rng rng;
    ec_node *n;
    ec_id self = {{0x80}}, peers[8];
    ec_rng_seed(&rng, 1);
    if (ec_store_mem_open(&s) != EC_OK) return 0;
    if (ec_node_new(&n, &cfg, &self, s, &rng) != EC_OK) __builtin_trap();
    ec_keypair kp;
    uint8_t seed[EC_SEED_LEN] = {7};
    ec_sign_keypair(&kp, seed);
    ec_node_set_key(n, &kp);
    ec_node_set_identity_check(n, any_identity, NULL);
    for (int i = 0; i < 8; i++) {
        memset(peers[i].b, 0, sizeof peers[i].b);
        peers[i].b[0] = (uint8_t)(0x80 ^ (1u << i));
        peers[i].b[31] = (uint8_t)i;
        ec_node_add_peer(n, &peers[i]);
    }
    uint64_t now = 1000;
    size_t pos = 0;
    while (size - pos >= 3) {
        uint8_t who = data[pos] & 7;
        size_t len = (size_t)data[pos + 1] | (size_t)data[pos + 2] << 8;
        pos += 3;
        if (len > size - pos) len = size - pos;
        ec_node_recv(n, now, &peers[who], data + pos, len);
        pos += len;
        now += 50 + (uint64_t)(who * 300);
        ec_node_tick(n, now);
        ec_id to;
        uint8_t buf[EC_MSG_MAX];
        size_t olen;
        ec_msg m;
        while (ec_node_next_out(n, &to, buf, sizeof buf, &olen) == EC_OK)
            if (ec_msg_decode(&m, buf, olen) != EC_OK) __builtin_trap();
    }
    ec_node_free(n);
    ec_store_close(s);
    return 0;
}
