/* Exclusion in the daemon (issue 11; docs/SECURITY.md, "Exclusion"): a
 * peer the node convicted gets no session, no admission and no messages.
 *
 * One daemon A (w = 1) on loopback and would-be peers made here with a
 * session of their own (tiny identities, 0 bits):
 *  - P, convicted in A's store before A starts (evidence "eq" + P, as a
 *    node that convicted it before a restart keeps it): its record is
 *    refused at verification, it is never admitted, and its next
 *    handshake ends at once (its session key remembered);
 *  - Q, honest, is admitted (the control: the refusal is P's alone);
 *  - R is admitted, then sends evidence against itself (two +1 votes it
 *    signed for two transfers of one head): A convicts it and drops its
 *    session and its peer entry. */
#include <pthread.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/evidence.h"
#include "core/vote_sig.h"
#include "crypto/blake3.h"
#include "net/frame.h"
#include "net/noise.h"
#include "net/session.h"
#include "net/udp.h"
#include "daemon_util.h"
#include "ledger_util.h"
#include "test.h"

static void rand_bytes(void *arg, uint8_t *b, size_t n)
{
    (void)arg;
    randombytes_buf(b, n);
}

/* Evidence that `who` (key kp) signed +1 for two transfers of one head. */
static size_t make_evidence(const ec_keypair *kp, const ec_id *who, uint8_t *out, size_t cap)
{
    ec_keypair owner, client;
    tu_key(&owner, 41);
    tu_key(&client, 42);
    ec_id token = {{9, 9}}, prev = {{8, 8}}, ids[2];
    uint8_t txb[2][EC_TX_MAX_LEN];
    size_t lens[2], len = 0;
    ec_msg_signed_vote v[2];
    for (int i = 0; i < 2; i++) {
        ec_tx tx = tu_tx1(&token, &owner, &prev, &client, 1000 + (uint64_t)i);
        CHECK(ec_tx_encode(&tx, txb[i], EC_TX_MAX_LEN, &lens[i]) == EC_OK);
        ec_blake3_hash(txb[i], lens[i], ids[i].b);
        memset(&v[i], 0, sizeof v[i]);
        v[i].voter = *who;
        v[i].version = 1;
        v[i].values[0] = EC_MSG_VOTE_VALID;
        ec_vote_sign(&v[i], kp, &ids[i], 1);
    }
    ec_vote_evidence *e = malloc(sizeof *e);
    if (e == NULL) return 0;
    ec_evidence_make(e, who, &v[0], 1, txb[0], lens[0], &v[1], 1, txb[1], lens[1]);
    CHECK(ec_evidence_encode(e, out, cap, &len) == EC_OK);
    CHECK(ec_evidence_verify(e, NULL, NULL) == EC_OK);
    free(e);
    return len;
}

/* A would-be peer of `node` with side s's identity: a session, core
 * frames sent (msgs), and ~rounds x 50 ms of traffic. True if a session
 * came up (its handshake was answered and not closed at once: the
 * responder's first transport message arrived). */
typedef struct fake {
    ec_sess *sess;
    ec_udp *u;
    ec_sess_clock clk;
    uint8_t nx[32];
    ec_endpoint node;
    unsigned data_in; /* transport messages from the node */
} fake;

static bool fake_open(fake *f, const dt_side *s, const dt_side *node)
{
    memset(f, 0, sizeof *f);
    ec_noise_pub_from_ed25519(&node->kp.pub, f->nx);
    f->node = node->ep;
    ec_sess_config sc;
    ec_sess_config_default(&sc);
    ec_noise_static_from_ed25519(&s->kp, sc.static_priv, sc.static_pub);
    sc.has_record = true;
    memcpy(sc.record, s->rec, EC_IDENTITY_LEN);
    f->u = calloc(1, sizeof *f->u);
    ec_endpoint any;
    ec_endpoint_parse(&any, "127.0.0.1:0");
    /* A later wall clock each time: the responder refuses a handshake
     * whose timestamp is not newer than the key's last one (replay). */
    static uint64_t opened;
    f->clk = (ec_sess_clock){1000, 1700000000000000000ull + ++opened * 1000000000ull};
    return f->u && ec_udp_open(f->u, &any) == EC_OK && ec_sess_new(&f->sess, &sc, rand_bytes, NULL) == EC_OK;
}

static void fake_send(fake *f, const uint8_t *msg, size_t len)
{
    uint8_t frame[1 + EC_MSG_MAX] = {EC_FRAME_CORE};
    memcpy(frame + 1, msg, len);
    ec_sess_send(f->sess, &f->clk, f->nx, &f->node, frame, len + 1);
}

static void fake_run(fake *f, int rounds)
{
    uint8_t pkt[EC_UDP_MTU], plain[EC_SESS_PLAIN_MAX];
    size_t len, lens[EC_UDP_BATCH];
    ec_endpoint to, from[EC_UDP_BATCH];
    for (int r = 0; r < rounds; r++) {
        while (ec_sess_next_out(f->sess, &to, pkt, sizeof pkt, &len) == EC_OK) ec_udp_send(f->u, &to, pkt, len);
        ec_udp_flush(f->u);
        usleep(50000);
        f->clk.mono_ms += 50;
        unsigned n = ec_udp_recv(f->u, lens, from);
        for (unsigned i = 0; i < n; i++) {
            ec_sess_event ev;
            memset(&ev, 0, sizeof ev);
            ec_sess_recv(f->sess, &f->clk, &from[i], false, f->u->rbuf[i], lens[i], plain, sizeof plain, &ev);
            if (ev.kind == EC_SESS_EV_DATA) f->data_in++;
        }
    }
}

static void fake_close(fake *f)
{
    if (f->sess) ec_sess_free(f->sess);
    if (f->u) {
        ec_udp_close(f->u);
        free(f->u);
    }
}

/* A get_tx message (asks the node something: it answers). */
static const uint8_t get_tx[33] = {6};

static void test_exclusion(void)
{
    dt_side a = {0}, p = {0}, q = {0}, r = {0};
    dt_identity(&a, 1);
    dt_identity(&p, 2);
    dt_identity(&q, 3);
    dt_identity(&r, 4);
    /* P convicted in A's store before it starts. */
    uint8_t ev[EC_EVIDENCE_MAX];
    size_t evlen = make_evidence(&p.kp, &p.addr, ev, sizeof ev);
    uint8_t key[2 + EC_ID_LEN] = {'e', 'q'};
    memcpy(key + 2, p.addr.b, EC_ID_LEN);
    CHECK(ec_store_mem_open(&a.store) == EC_OK);
    CHECK(ec_store_begin(a.store) == EC_OK && ec_store_put_rec(a.store, key, sizeof key, ev, evlen) == EC_OK &&
          ec_store_commit(a.store) == EC_OK);
    ec_daemon_config cfg;
    dt_config(&cfg, 1);
    if (!dt_start(&a, &cfg)) return;

    fake fp, fq, fr;
    CHECK(fake_open(&fp, &p, &a) && fake_open(&fq, &q, &a) && fake_open(&fr, &r, &a));
    fake_send(&fp, get_tx, sizeof get_tx);
    fake_send(&fq, get_tx, sizeof get_tx);
    fake_send(&fr, get_tx, sizeof get_tx);
    for (int i = 0; i < 20; i++) { /* ~1 s each, side by side */
        fake_run(&fp, 1);
        fake_run(&fq, 1);
        fake_run(&fr, 1);
    }
    /* R now sends evidence against itself (it is admitted: its key is
     * its identity's, so the node acts on it). */
    ec_msg *m = calloc(1, sizeof *m);
    uint8_t buf[EC_MSG_MAX];
    size_t len = 0;
    m->type = EC_MSG_EVIDENCE;
    m->u.evidence.len = (uint16_t)make_evidence(&r.kp, &r.addr, m->u.evidence.bytes, EC_MSG_EVIDENCE_MAX);
    CHECK(ec_msg_encode(m, buf, sizeof buf, &len) == EC_OK);
    free(m);
    fake_send(&fr, buf, len);
    for (int i = 0; i < 10; i++) fake_run(&fr, 1);
    unsigned r_in = fr.data_in;
    /* After its conviction: what R sends is not answered. */
    fake_send(&fr, get_tx, sizeof get_tx);
    for (int i = 0; i < 20; i++) fake_run(&fr, 1);
    /* P's second try: a new session, ended at its handshake. */
    fake_close(&fp);
    CHECK(fake_open(&fp, &p, &a));
    fake_send(&fp, get_tx, sizeof get_tx);
    for (int i = 0; i < 10; i++) fake_run(&fp, 1);

    dt_side *all[] = {&a};
    dt_stop(all, 1);
    ec_daemon *d = a.d;
    uint64_t convicted = ec_daemon_drops(d, "convicted");
    printf("  drops convicted %llu, excluded %llu, admitted %u, P answered %u, Q answered %u, R answered %u then %u\n",
           (unsigned long long)convicted, (unsigned long long)d->peers_excluded, g_hash_table_size(d->by_addr),
           fp.data_in, fq.data_in, r_in, fr.data_in);
    CHECK(g_hash_table_lookup(d->by_addr, &p.addr) == NULL); /* never admitted */
    CHECK(g_hash_table_lookup(d->by_addr, &q.addr) != NULL); /* the control */
    CHECK(g_hash_table_lookup(d->by_addr, &r.addr) == NULL); /* admitted, then excluded */
    CHECK(ec_node_convicted(d->node, &r.addr));
    CHECK(ec_node_convicted(d->node, &p.addr));
    CHECK(!ec_node_convicted(d->node, &q.addr));
    CHECK(d->peers_excluded >= 2); /* P at verification, R on its conviction */
    CHECK(convicted >= 2);         /* P's record, P's second handshake */
    CHECK(fq.data_in >= 1);        /* Q was answered */
    CHECK(r_in >= 1);              /* R was answered before */
    CHECK_EQ_INT(fp.data_in, 0);   /* P never was */
    fake_close(&fp);
    fake_close(&fq);
    fake_close(&fr);
    dt_free(&a);
}

int main(void)
{
    if (ec_crypto_init() != EC_OK) return 1;
    dt_signals();
    RUN(test_exclusion);
    return TEST_REPORT("exclude");
}
