/* The daemon in one process: a node (w = 1, so it commits alone) running
 * ec_daemon_run on a thread, talked to over loopback UDP by the client
 * library and by raw datagrams. Each drop reason the daemon adds to the
 * session layer's is provoked and counted; a submission commits and is
 * read back. (The session layer's own drop reasons are test_session's.) */
#include <pthread.h>
#include <signal.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include "core/chain_evidence.h"
#include "core/identity.h"
#include "core/node.h"
#include "core/vote_sig.h"
#include "crypto/blake3.h"
#include "crypto/hex.h"
#include "net/client.h"
#include "net/daemon.h"
#include "net/frame.h"
#include "net/noise.h"
#include "net/session.h"
#include "net/udp.h"
#include "ledger_util.h"
#include "test.h"

static ec_daemon *dmn;
static ec_store *store;
static volatile sig_atomic_t stop_flag;
static pthread_t loop;
static ec_endpoint node_ep;

static void on_term(int sig)
{
    (void)sig;
}

static void *run(void *arg)
{
    (void)arg;
    ec_daemon_run(dmn, &stop_flag);
    return NULL;
}

/* An identity with tiny Argon2id parameters (bits 0: any salt will do). */
static void make_identity_seed(ec_keypair *kp, uint8_t rec[EC_IDENTITY_LEN], uint8_t s0)
{
    uint8_t seed[EC_SEED_LEN] = {s0};
    ec_sign_keypair(kp, seed);
    ec_identity id;
    memset(&id, 0, sizeof id);
    id.params = (ec_pow_params){8, 1, 1};
    id.difficulty_bits = 0;
    id.timestamp = 1;
    ec_identity_sign(&id, kp);
    size_t n;
    ec_identity_encode(&id, rec, EC_IDENTITY_LEN, &n);
}

static void make_identity(ec_keypair *kp, uint8_t rec[EC_IDENTITY_LEN])
{
    make_identity_seed(kp, rec, 7);
}

static void rand_bytes(void *arg, uint8_t *b, size_t n)
{
    (void)arg;
    randombytes_buf(b, n);
}

/* A would-be peer: a session with static key `xpriv` whose handshake
 * carries `rec`, sending one core message (a get_tx) to the node. */
static void peer_hello(const uint8_t xpriv[32], const uint8_t rec[EC_IDENTITY_LEN])
{
    ec_keypair nk;
    uint8_t nrec[EC_IDENTITY_LEN], nx[32];
    make_identity(&nk, nrec); /* the node's key: the same seed as start() */
    ec_noise_pub_from_ed25519(&nk.pub, nx);
    ec_sess_config sc;
    ec_sess_config_default(&sc);
    memcpy(sc.static_priv, xpriv, 32);
    crypto_scalarmult_base(sc.static_pub, sc.static_priv);
    sc.has_record = true;
    memcpy(sc.record, rec, EC_IDENTITY_LEN);
    ec_sess *s = NULL;
    ec_udp *u = calloc(1, sizeof *u);
    ec_endpoint any;
    ec_endpoint_parse(&any, "127.0.0.1:0");
    CHECK(u && ec_udp_open(u, &any) == EC_OK && ec_sess_new(&s, &sc, rand_bytes, NULL) == EC_OK);
    if (s == NULL) {
        free(u);
        return;
    }
    uint8_t msg[1 + 33] = {EC_FRAME_CORE, 6 /* get_tx */};
    ec_sess_clock clk = {1000, 1700000000000000000ull};
    ec_sess_send(s, &clk, nx, &node_ep, msg, sizeof msg);
    uint8_t pkt[EC_UDP_MTU], plain[EC_SESS_PLAIN_MAX];
    size_t len, lens[EC_UDP_BATCH];
    ec_endpoint to, from[EC_UDP_BATCH];
    for (int round = 0; round < 40; round++) { /* ~2 s */
        while (ec_sess_next_out(s, &to, pkt, sizeof pkt, &len) == EC_OK) ec_udp_send(u, &to, pkt, len);
        ec_udp_flush(u);
        usleep(50000);
        unsigned n = ec_udp_recv(u, lens, from);
        for (unsigned i = 0; i < n; i++) {
            ec_sess_event ev;
            clk.mono_ms += 50;
            ec_sess_recv(s, &clk, &from[i], false, u->rbuf[i], lens[i], plain, sizeof plain, &ev);
        }
    }
    ec_sess_free(s);
    ec_udp_close(u);
    free(u);
}

/* The node requires 1 bit; a peer whose identity shows 0 is refused
 * (identity_weak), and one whose record is another key's is refused at
 * the handshake (identity_key): neither reaches the core. */
static void test_admission_refusals(void)
{
    ec_keypair weak;
    uint8_t wrec[EC_IDENTITY_LEN], wx[32], wxpub[32];
    make_identity_seed(&weak, wrec, 42);
    ec_noise_static_from_ed25519(&weak, wx, wxpub);
    peer_hello(wx, wrec);
    /* An impostor: its own static key, someone else's (valid) record. */
    uint8_t ix[32];
    randombytes_buf(ix, sizeof ix);
    peer_hello(ix, wrec);
}

/* Evidence the store holds before the node starts (as a node that
 * convicted this voter before a restart keeps it): its +1 on two
 * transfers of one head, "eq" + voter. The encoding and the voter's hex. */
static uint8_t ev_bytes[EC_EVIDENCE_MAX];
static size_t ev_len;
static ec_id ev_voter;
static uint8_t ch_bytes[EC_CHAIN_EVIDENCE_MAX];
static size_t ch_len;

static void keep_evidence(ec_store *s)
{
    ec_keypair vk, owner, client;
    tu_key(&vk, 40);
    tu_key(&owner, 41);
    tu_key(&client, 42);
    memset(&ev_voter, 0x5e, sizeof ev_voter);
    ec_id token = {{9, 9}}, prev = {{8, 8}}, ids[2];
    uint8_t txb[2][EC_TX_MAX_LEN];
    size_t lens[2];
    ec_msg_signed_vote v[2];
    for (int i = 0; i < 2; i++) {
        ec_tx tx = tu_tx1(&token, &owner, &prev, &client, 1000 + (uint64_t)i);
        CHECK(ec_tx_encode(&tx, txb[i], EC_TX_MAX_LEN, &lens[i]) == EC_OK);
        ec_blake3_hash(txb[i], lens[i], ids[i].b);
        memset(&v[i], 0, sizeof v[i]);
        v[i].voter = ev_voter;
        v[i].version = 1;
        v[i].values[0] = EC_MSG_VOTE_VALID;
        ec_vote_sign(&v[i], &vk, &ids[i], 1);
    }
    ec_vote_evidence *e = malloc(sizeof *e);
    if (e == NULL) return;
    ec_evidence_make(e, &ev_voter, &v[0], 1, txb[0], lens[0], &v[1], 1, txb[1], lens[1]);
    CHECK(ec_evidence_encode(e, ev_bytes, sizeof ev_bytes, &ev_len) == EC_OK);
    free(e);
    uint8_t key[2 + EC_ID_LEN] = {'e', 'q'};
    memcpy(key + 2, ev_voter.b, EC_ID_LEN);
    CHECK(ec_store_begin(s) == EC_OK && ec_store_put_rec(s, key, sizeof key, ev_bytes, ev_len) == EC_OK &&
          ec_store_commit(s) == EC_OK);
    /* And a forked commit chain ("ch" + signer): two headers at height 7. */
    ec_chain_evidence ch;
    memset(&ch, 0, sizeof ch);
    memset(&ch.signer, 0x6c, sizeof ch.signer);
    ch.key = vk.pub;
    for (int i = 0; i < 2; i++) {
        ec_block_header *h = i ? &ch.b : &ch.a;
        h->height = 7;
        h->timestamp_ms = 5000;
        memset(&h->prev, 0x11, sizeof h->prev);
        memset(&h->root, 0xa0 + i, sizeof h->root);
        h->count = 1;
        ec_block_sign(h, &vk);
    }
    CHECK(ec_chain_evidence_verify(&ch) == EC_OK);
    CHECK(ec_chain_evidence_encode(&ch, ch_bytes, sizeof ch_bytes, &ch_len) == EC_OK);
    key[0] = 'c';
    key[1] = 'h';
    memcpy(key + 2, ch.signer.b, EC_ID_LEN);
    CHECK(ec_store_begin(s) == EC_OK && ec_store_put_rec(s, key, sizeof key, ch_bytes, ch_len) == EC_OK &&
          ec_store_commit(s) == EC_OK);
}

/* GET path from the status page into buf (the whole response): the HTTP
 * status code, or -1. */
static int http_get(const char *path, char *buf, size_t cap)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0) return -1;
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons(ec_daemon_status_port(dmn))};
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    char req[128];
    int rl = snprintf(req, sizeof req, "GET %s HTTP/1.0\r\n\r\n", path);
    size_t len = 0;
    if (connect(fd, (struct sockaddr *)&sa, sizeof sa) == 0 && write(fd, req, (size_t)rl) == rl)
        for (ssize_t n; len + 1 < cap && (n = read(fd, buf + len, cap - 1 - len)) > 0;) len += (size_t)n;
    close(fd);
    buf[len] = 0;
    int code = -1;
    return sscanf(buf, "HTTP/1.%*d %d", &code) == 1 ? code : -1;
}

/* The evidence kept before the start: the voter is set aside again, and
 * /evidence lists it with its transactions and the encoding. */
static void test_evidence_page_lists_kept_evidence(void)
{
    static char buf[1 << 16];
    char hex[2 * EC_EVIDENCE_MAX + 1];
    usleep(300000); /* a refresh of the pages (every 250 ms; the first at start) */
    CHECK_EQ_INT(http_get("/evidence", buf, sizeof buf), 200);
    CHECK(strstr(buf, "Content-Type: application/json") != NULL);
    const char *body = strstr(buf, "\r\n\r\n");
    CHECK(body != NULL);
    if (body == NULL) return;
    printf("  /evidence: %zu bytes\n", strlen(body + 4));
    CHECK(strncmp(body + 4, "{\n  \"evidence\": [\n    {\"voter\": \"", 33) == 0);
    ec_id_to_hex(&ev_voter, hex);
    CHECK(strstr(body, hex) != NULL);
    ec_hex_encode(hex, ev_bytes, ev_len);
    char *bytes = strstr(body, "\"bytes\": \"");
    CHECK(bytes && strncmp(bytes + 10, hex, 2 * ev_len) == 0 && bytes[10 + 2 * ev_len] == '"');
    CHECK(strstr(body, "\"tx_a\": \"") && strstr(body, "\"tx_b\": \"") && strstr(body, "\"key\": \""));
    CHECK(strstr(body, "\"count\": 1,") != NULL);
    CHECK(strstr(body, "\"truncated\": false") != NULL);
    /* No claims evidence; the forked chain under "chains", with its height. */
    CHECK(strstr(body, "\"claims\": [],\n  \"claims_count\": 0,") != NULL);
    char sig[2 * EC_ID_LEN + 1], want[2 * EC_ID_LEN + 64];
    memset(sig, '6', 2 * EC_ID_LEN);
    for (int i = 1; i < 2 * EC_ID_LEN; i += 2) sig[i] = 'c';
    sig[2 * EC_ID_LEN] = 0;
    snprintf(want, sizeof want, "\"chains\": [\n    {\"signer\": \"%s\", \"height\": 7, \"key\": \"", sig);
    CHECK(strstr(body, want) != NULL);
    ec_hex_encode(hex, ch_bytes, ch_len);
    bytes = strstr(body, "\"chains\": [");
    bytes = bytes ? strstr(bytes, "\"bytes\": \"") : NULL;
    CHECK(bytes && strncmp(bytes + 10, hex, 2 * ch_len) == 0 && bytes[10 + 2 * ch_len] == '"');
    CHECK(strstr(body, "],\n  \"chains_count\": 1,\n  \"chains_truncated\": false\n}") != NULL);
    CHECK_EQ_INT(http_get("/status", buf, sizeof buf), 200);
    CHECK(strstr(buf, "\"claims_convicted\": 0, \"chain_convicted\": 0,") != NULL);
    CHECK_EQ_INT(http_get("/metrics", buf, sizeof buf), 200);
    CHECK(strstr(buf, "\nec_claims_convicted_total 0\n") != NULL);
    CHECK(strstr(buf, "# TYPE ec_chain_convicted_total counter\nec_chain_convicted_total 0\n") != NULL);
    CHECK_EQ_INT(http_get("/nothing", buf, sizeof buf), 404);
    CHECK(strstr(buf, "/evidence") != NULL);
}

static void start(void)
{
    ec_keypair kp;
    uint8_t rec[EC_IDENTITY_LEN];
    make_identity(&kp, rec);
    ec_daemon_config cfg;
    ec_daemon_config_default(&cfg);
    ec_endpoint_parse(&cfg.listen, "127.0.0.1:0");
    cfg.min_bits = 1; /* our own identity shows 0: peers must show more */
    cfg.n0_bits = 0;
    cfg.min_memory_kib = 8;
    cfg.min_iterations = 1;
    cfg.node.w = 1;
    cfg.node.quorum = 1;
    cfg.node.vote_threshold = 1;
    cfg.node.catchup_agree = 1;
    cfg.log_level = 1;
    cfg.status_port = 0; /* a free port: tests run side by side */
    cfg.handshakes_per_s = 5; /* a small bucket: the flood test empties it */
    cfg.handshake_burst = 10;
    char why[256];
    CHECK(ec_store_mem_open(&store) == EC_OK);
    keep_evidence(store);
    ec_err err = ec_daemon_new(&dmn, &cfg, store, &kp, rec, why, sizeof why);
    if (err) fprintf(stderr, "daemon: %s\n", why);
    CHECK(err == EC_OK);
    if (err) return;
    node_ep = *ec_daemon_endpoint(dmn);
    CHECK(pthread_create(&loop, NULL, run, NULL) == 0);
}

static void stop(void)
{
    stop_flag = SIGTERM;
    pthread_kill(loop, SIGTERM); /* the wait returns at once */
    pthread_join(loop, NULL);
}

static void test_submit_commits_and_reads_back(void)
{
    ec_client *c = NULL;
    char why[256];
    CHECK(ec_client_open(&c, &node_ep, 5000, why, sizeof why) == EC_OK);
    if (c == NULL) return;
    ec_keypair owner;
    uint8_t seed[EC_SEED_LEN] = {9};
    ec_sign_keypair(&owner, seed);
    ec_tx tx;
    ec_tx_init(&tx, 1700000000000ull);
    ec_id token = {{1, 2, 3}}, who;
    ec_sign_keyhash(&who, &owner.pub);
    ec_id none = {{0}}; /* a create: no previous head */
    ec_tx_add_mapping(&tx, &token, &who, &none);
    ec_tx_sign(&tx, &owner);
    uint8_t buf[EC_TX_MAX_LEN];
    size_t len;
    CHECK(ec_tx_encode(&tx, buf, sizeof buf, &len) == EC_OK);
    uint32_t req;
    int code = -99;
    uint8_t resp[128];
    size_t rlen = 0;
    CHECK(ec_client_call(c, EC_OP_SUBMIT, buf, len, &req, &code, resp, sizeof resp, &rlen, 5000) == EC_OK);
    CHECK_EQ_INT(code, EC_OK);
    CHECK(ec_client_wait(c, req, EC_OP_OUTCOME, &code, resp, sizeof resp, &rlen, 10000) == EC_OK);
    CHECK_EQ_INT(resp[0], EC_NODE_EV_COMMITTED);
    /* Read back: this node is the whole neighborhood. */
    CHECK(ec_client_call(c, EC_OP_GET_HEAD, token.b, 32, NULL, &code, resp, sizeof resp, &rlen, 5000) == EC_OK);
    CHECK_EQ_INT(code, EC_OK);
    CHECK(rlen >= 73 && resp[0] == 1);
    CHECK(memcmp(resp + 41, who.b, 32) == 0);
    /* A second submission of the same transaction: its outcome again. */
    CHECK(ec_client_call(c, EC_OP_SUBMIT, buf, len, &req, &code, resp, sizeof resp, &rlen, 5000) == EC_OK);
    CHECK(ec_client_wait(c, req, EC_OP_OUTCOME, &code, resp, sizeof resp, &rlen, 5000) == EC_OK);
    CHECK_EQ_INT(resp[0], EC_NODE_EV_COMMITTED);
    /* A client's core message (it has no identity): dropped, counted. */
    uint8_t core[3] = {EC_FRAME_CORE, 1, 0};
    CHECK(ec_client_send_frame(c, core, sizeof core) == EC_OK);
    /* An unknown request kind and a malformed request: counted. */
    uint8_t junk[2] = {0x7f, 0};
    CHECK(ec_client_send_frame(c, junk, sizeof junk) == EC_OK);
    uint8_t shortreq[3] = {EC_FRAME_REQ, 0, 0};
    CHECK(ec_client_send_frame(c, shortreq, sizeof shortreq) == EC_OK);
    /* A status round trip orders them: the node read those first. */
    CHECK(ec_client_call(c, EC_OP_STATUS, NULL, 0, NULL, &code, resp, sizeof resp, &rlen, 5000) == EC_OK);
    ec_client_close(c);
}

/* 100 key probes from one source in a burst: the bucket (10, 5/s) lets
 * about 10 through; the rest are counted as rate_handshake. */
static void send_probes(int n)
{
    int fd = socket(AF_INET, SOCK_DGRAM, 0);
    struct sockaddr_storage ss;
    socklen_t sl;
    ec_endpoint_to_sockaddr(&node_ep, &ss, &sl);
    uint8_t p[160] = {1, 0, 5, 0};
    for (int i = 0; i < n; i++) sendto(fd, p, sizeof p, 0, (struct sockaddr *)&ss, sl);
    /* A record nobody asked for (type 6), and a datagram of an unknown type. */
    uint8_t r[135] = {1, 0, 6, 0};
    sendto(fd, r, sizeof r, 0, (struct sockaddr *)&ss, sl);
    uint8_t t[64] = {1, 0, 9, 0};
    sendto(fd, t, sizeof t, 0, (struct sockaddr *)&ss, sl);
    close(fd);
}

int main(void)
{
    if (ec_crypto_init() != EC_OK) return 1;
    /* A handler that does nothing: SIGTERM only interrupts the loop's wait
     * (the loop unblocks it there alone). */
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_term;
    sigaction(SIGTERM, &sa, NULL);
    start();
    if (dmn == NULL) return TEST_REPORT("daemon");
    RUN(test_evidence_page_lists_kept_evidence);
    RUN(test_submit_commits_and_reads_back);
    RUN(test_admission_refusals);
    send_probes(100);
    usleep(300000);
    stop();
    /* Counted by reason (read after the loop stopped). */
    CASE_BEGIN();
    uint64_t unver = ec_daemon_drops(dmn, "unverified"), frame = ec_daemon_drops(dmn, "frame"),
             client = ec_daemon_drops(dmn, "client_malformed"), rate = ec_daemon_drops(dmn, "rate_handshake"),
             unasked = ec_daemon_drops(dmn, "record_unasked"), type = ec_daemon_drops(dmn, "session_type"),
             weak = ec_daemon_drops(dmn, "identity_weak"), impostor = ec_daemon_drops(dmn, "identity_key");
    printf("  drops: unverified %llu, frame %llu, client_malformed %llu, rate_handshake %llu, record_unasked %llu, "
           "session_type %llu\n",
           (unsigned long long)unver, (unsigned long long)frame, (unsigned long long)client,
           (unsigned long long)rate, (unsigned long long)unasked, (unsigned long long)type);
    CHECK_EQ_INT(unver, 1);
    CHECK_EQ_INT(frame, 1);
    CHECK_EQ_INT(client, 1);
    CHECK(rate >= 80 && rate <= 95); /* 100 - burst 10 (+ a few refilled) */
    CHECK_EQ_INT(unasked, 1);
    CHECK_EQ_INT(type, 1);
    printf("  identity_weak %llu, identity_key %llu\n", (unsigned long long)weak, (unsigned long long)impostor);
    CHECK(weak >= 1);     /* once per handshake (the INIT is retried) */
    CHECK(impostor >= 1);
    /* Neither reached the core: the only core frame counted is the client's. */
    CHECK(ec_daemon_drops(dmn, "no_such_reason") == UINT64_MAX);
    CASE_END("drops_counted_by_reason");
    ec_daemon_free(dmn);
    ec_store_close(store);
    return TEST_REPORT("daemon");
}
