/* libFuzzer harness: what the daemon reads from the network above the
 * session layer (src/net/daemon_*.c): client request frames, key-probe
 * datagrams (PROBE / RECORD), and the core messages it looks into before
 * the node does (MAPPING answers to client reads, PEERS answers to its
 * join and refresh questions).
 *
 * One daemon is made once (a node on a memory store, UDP on 127.0.0.1:0,
 * no status page) and never runs its loop: the harness calls the handlers
 * directly, as the loop would after a datagram decrypted. The input is a
 * series of records [kind u8][len u8][bytes]; kind % 4:
 *   0  the bytes as a client frame from one of 4 client keys (kind bit 2-3)
 *   1  the bytes as a datagram of type 5/6/7/8 or a FORWARD frame (the
 *      first byte picks which), from one of 4 endpoints (kind bits 2-3);
 *      whatever a question made the daemon send is at most 3x its bytes
 *   2  the bytes as a core message peeked at by the client reads
 *      (dmn_client_peek) and the join answers (dmn_join_answer)
 *   3  the daemon's upkeep: peers, clients and status (dmn_*_tick)
 * After every record (a violation is __builtin_trap): every table within
 * its bound (client waits, head queries, probes, peers, held and waiting
 * queues), and the session layer's outbox within its bytes. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/identity.h"
#include "net/daemon_internal.h"
#include "net/frame.h"
#include "net/query.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(c) \
    do { \
        if (!(c)) __builtin_trap(); \
    } while (0)

static ec_daemon *dmn;
static ec_store *store;

static void setup(void)
{
    if (ec_crypto_init() != EC_OK) abort();
    ec_keypair kp;
    uint8_t seed[EC_SEED_LEN] = {3};
    ec_sign_keypair(&kp, seed);
    ec_identity id;
    memset(&id, 0, sizeof id);
    id.params = (ec_pow_params){8, 1, 1};
    id.timestamp = 1;
    ec_identity_sign(&id, &kp);
    uint8_t rec[EC_IDENTITY_LEN];
    size_t n;
    ec_identity_encode(&id, rec, sizeof rec, &n);
    ec_daemon_config cfg;
    ec_daemon_config_default(&cfg);
    ec_endpoint_parse(&cfg.listen, "127.0.0.1:0");
    cfg.status = false;
    cfg.log_level = -1; /* quiet */
    cfg.min_bits = 0;
    cfg.n0_bits = 0;
    cfg.min_memory_kib = 8;
    cfg.min_iterations = 1;
    cfg.node.w = 4;
    cfg.node.quorum = 3;
    cfg.node.catchup_agree = 2;
    cfg.peers_max = 64;
    cfg.waiting_max = 4;
    char why[256];
    if (ec_store_mem_open(&store) != EC_OK || ec_daemon_new(&dmn, &cfg, store, &kp, rec, why, sizeof why) != EC_OK)
        abort();
}

static void check(const ec_daemon *d)
{
    CHECK(d->nwaits <= CLIENT_WAIT_MAX);
    CHECK(d->nqueries <= HEAD_QUERIES_MAX);
    CHECK(d->nprobes <= PROBES_MAX);
    CHECK(d->noutcomes <= OUTCOMES_KEPT);
    CHECK(d->njoin <= JOIN_ASK_MAX);
    CHECK(g_hash_table_size(d->by_xkey) + g_hash_table_size(d->pending_addr) <= d->cfg.peers_max);
    GHashTableIter it;
    gpointer k, v;
    g_hash_table_iter_init(&it, d->by_xkey);
    while (g_hash_table_iter_next(&it, &k, &v)) {
        const dpeer *p = v;
        CHECK(p->held == NULL || g_queue_get_length(p->held) <= d->cfg.waiting_max);
    }
    g_hash_table_iter_init(&it, d->pending_addr);
    while (g_hash_table_iter_next(&it, &k, &v)) {
        const dpeer *p = v;
        CHECK(p->waiting == NULL || g_queue_get_length(p->waiting) <= d->cfg.waiting_max);
    }
    ec_sess_stats ss;
    ec_sess_get_stats(d->sess, &ss);
    CHECK(ss.outbox_bytes <= 1u << 20);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (dmn == NULL) setup();
    size_t at = 0;
    while (at + 2 <= size) {
        uint8_t kind = data[at], len = data[at + 1];
        at += 2;
        if (len > size - at) len = (uint8_t)(size - at);
        const uint8_t *b = data + at;
        at += len;
        unsigned who = (kind >> 2) & 3;
        switch (kind & 3) {
        case 0: {
            uint8_t xkey[32] = {(uint8_t)(0xc0 + who)};
            uint8_t f[256];
            f[0] = EC_FRAME_REQ; /* what on_frame hands over */
            memcpy(f + 1, b, len);
            dmn_on_client(dmn, xkey, f, (size_t)len + 1);
            break;
        }
        case 1: {
            ec_endpoint from;
            char ep[32];
            snprintf(ep, sizeof ep, "127.0.0.%u:%u", 2 + who, 4000 + who);
            ec_endpoint_parse(&from, ep);
            /* b[0] % 4: a PROBE, a RECORD, a QUERY or ANSWER (bit 2),
             * or a FORWARD frame from a peer at `from`. */
            static const uint8_t types[4] = {5, 6, 7, 0};
            uint8_t sel = len ? b[0] : 0;
            uint8_t type = sel % 4 == 2 && (sel & 4) ? 8 : types[sel % 4];
            uint8_t pkt[4 + 256] = {1, 0, type, 0};
            size_t n = len ? (size_t)len - 1 : 0;
            if (len) memcpy(pkt + 4, b + 1, n);
            unsigned before = dmn->udp->nsend;
            size_t asked;
            if (type == 0) { /* [3][endpoint len][endpoint][QUERY] */
                uint8_t f[1 + 256];
                f[0] = EC_FRAME_FWD;
                memcpy(f + 1, b + 1, n);
                asked = n + 1;
                dmn_on_forward(dmn, &from, f, asked);
            } else if (type >= 7) {
                asked = n + 4;
                dmn_on_query_pkt(dmn, &from, pkt, asked);
            } else {
                /* A probe we sent first for a third of the records, so
                 * that a RECORD can be taken. */
                if (len && b[0] % 3 == 0) dmn_probe(dmn, &from);
                dmn_on_probe_pkt(dmn, &from, pkt, n + 4 > 160 && pkt[2] == 5 ? 160 : n + 4);
                break;
            }
            /* Anti-amplification: nothing sent for a question is over 3x it. */
            for (unsigned i = before; i < dmn->udp->nsend; i++) CHECK(dmn->udp->slen[i] <= 3 * asked);
            break;
        }
        case 2: {
            ec_id from;
            memset(&from, 0x11 * (int)(who + 1), sizeof from);
            dmn_client_peek(dmn, &from, b, len);
            dmn_join_answer(dmn, &from, b, len);
            break;
        }
        default:
            dmn_peers_tick(dmn);
            dmn_clients_tick(dmn);
            break;
        }
        check(dmn);
    }
    /* What was queued for the socket is dropped, not sent: the harness
     * must not grow the outbox across inputs. */
    uint8_t pkt[EC_UDP_MTU];
    size_t n;
    ec_endpoint to;
    while (ec_sess_next_out(dmn->sess, &to, pkt, sizeof pkt, &n) == EC_OK) {
    }
    dmn->udp->nsend = 0;
    return 0;
}
