/* Who is who (daemon_internal.h): session keys, verified identities, and
 * the key probes that let us reach an address the core names.
 *
 * A peer is admitted once its identity record verifies (off the packet
 * path), meets the admission floor, and its Ed25519 key converts to the
 * X25519 key its session was made with: only then do its core messages
 * reach the node, and only then is it a peer of the node. */
#include <stdlib.h>
#include <string.h>

#include "core/netsize.h"
#include "ledger/idhash.h"
#include "net/daemon_internal.h"
#include "net/frame.h"
#include "net/noise.h"

const char *const ec_daemon_drop_names[DROP_REASONS] = {
    [DROP_PKT_TYPE] = "packet_type",         [DROP_PROBE_UNASKED] = "record_unasked",
    [DROP_PROBE_RATE] = "probe_rate",        [DROP_FRAME] = "frame",
    [DROP_UNVERIFIED] = "unverified",        [DROP_NO_KEY] = "no_key",
    [DROP_WAIT_FULL] = "waiting_full",       [DROP_PEERS_FULL] = "peers_full",
    [DROP_VERIFY_FULL] = "verify_queue_full", [DROP_IDENTITY_BAD] = "identity_bad",
    [DROP_IDENTITY_WEAK] = "identity_weak",  [DROP_IDENTITY_KEY] = "identity_key",
    [DROP_CLIENT] = "client_malformed",      [DROP_RATE_HANDSHAKE] = "rate_handshake",
    [DROP_RATE_REQUEST] = "rate_request",    [DROP_QUERY] = "query_malformed",
    [DROP_QUERY_STORE] = "query_store",      [DROP_ANSWER_UNASKED] = "answer_unasked",
    [DROP_CONVICTED] = "convicted",
};

static void join_ask(ec_daemon *d, const dpeer *p);

static void dpeer_free(void *v)
{
    dpeer *p = v;
    if (p->waiting) g_queue_free_full(p->waiting, (GDestroyNotify)g_bytes_unref);
    if (p->held) g_queue_free_full(p->held, (GDestroyNotify)g_bytes_unref);
    free(p);
}

ec_err dmn_peers_new(ec_daemon *d)
{
    d->by_xkey = g_hash_table_new_full(ec_idhash_hash, ec_idhash_equal, NULL, dpeer_free);
    d->by_addr = g_hash_table_new(ec_idhash_hash, ec_idhash_equal);
    d->pending_addr = g_hash_table_new_full(ec_idhash_hash, ec_idhash_equal, NULL, dpeer_free);
    return d->by_xkey && d->by_addr && d->pending_addr ? EC_OK : EC_ERR_NOMEM;
}

void dmn_peers_free(ec_daemon *d)
{
    if (d->by_addr) g_hash_table_destroy(d->by_addr);
    if (d->by_xkey) g_hash_table_destroy(d->by_xkey);
    if (d->pending_addr) g_hash_table_destroy(d->pending_addr);
    d->by_addr = d->by_xkey = d->pending_addr = NULL;
}

static size_t npeers(const ec_daemon *d)
{
    return g_hash_table_size(d->by_xkey) + g_hash_table_size(d->pending_addr);
}

dpeer *dmn_peer_by_xkey(ec_daemon *d, const uint8_t xkey[32])
{
    return g_hash_table_lookup(d->by_xkey, xkey);
}

#define PEER_IDLE_MS (10 * 60 * 1000) /* silent this long: its entry may be reused */

/* Full table: the peer heard from least recently goes, if it has been
 * silent PEER_IDLE_MS (a live peer is never pushed out; one being
 * verified neither). True if room was made. */
static bool evict_idle(ec_daemon *d)
{
    uint64_t now = dmn_now(d);
    dpeer *old = NULL;
    GHashTableIter it;
    gpointer k, v;
    g_hash_table_iter_init(&it, d->by_xkey);
    while (g_hash_table_iter_next(&it, &k, &v)) {
        dpeer *p = v;
        if (p->verifying || now - p->last_rx_ms < PEER_IDLE_MS) continue;
        if (old == NULL || p->last_rx_ms < old->last_rx_ms) old = p;
    }
    if (old == NULL) return false;
    d->peers_evicted++;
    ec_sess_forget(d->sess, old->xkey);
    if (old->has_addr && g_hash_table_lookup(d->by_addr, &old->addr) == old)
        g_hash_table_remove(d->by_addr, &old->addr);
    g_hash_table_remove(d->by_xkey, old->xkey);
    return true;
}

/* The peer with this session key, made if new (NULL: the table is full). */
static dpeer *peer_for_xkey(ec_daemon *d, const uint8_t xkey[32])
{
    dpeer *p = g_hash_table_lookup(d->by_xkey, xkey);
    if (p) return p;
    if (npeers(d) >= d->cfg.peers_max && !evict_idle(d)) {
        d->drops[DROP_PEERS_FULL]++;
        return NULL;
    }
    p = calloc(1, sizeof *p);
    if (p == NULL) return NULL;
    memcpy(p->xkey, xkey, 32);
    p->has_xkey = true;
    p->last_rx_ms = dmn_now(d); /* new: not idle */
    g_hash_table_insert(d->by_xkey, p->xkey, p);
    return p;
}

static void send_frame(ec_daemon *d, dpeer *p, const uint8_t *frame, size_t len)
{
    ec_sess_clock c;
    dmn_sess_clock(d, &c);
    ec_sess_send(d->sess, &c, p->xkey, p->ep.len ? &p->ep : NULL, frame, len);
}

/* Sends what waited for p's key. */
static void release_waiting(ec_daemon *d, dpeer *p, GQueue *q)
{
    GBytes *b;
    while (q && (b = g_queue_pop_head(q)) != NULL) {
        gsize n;
        const uint8_t *f = g_bytes_get_data(b, &n);
        send_frame(d, p, f, n);
        g_bytes_unref(b);
    }
}

void dmn_probe(ec_daemon *d, const ec_endpoint *ep)
{
    uint64_t now = dmn_now(d);
    size_t oldest = 0;
    for (size_t i = 0; i < d->nprobes; i++) {
        if (ec_endpoint_eq(&d->probes[i].ep, ep) && now - d->probes[i].at_ms < PROBE_TIMEOUT_MS) return;
        if (d->probes[i].at_ms < d->probes[oldest].at_ms) oldest = i;
    }
    size_t slot = d->nprobes < PROBES_MAX ? d->nprobes++ : oldest;
    d->probes[slot] = (probe){*ep, now, false};
    uint8_t pkt[DPKT_PROBE_LEN];
    memset(pkt, 0, sizeof pkt);
    pkt[0] = 1; /* version 1, little-endian */
    pkt[2] = DPKT_PROBE;
    ec_udp_send(d->udp, ep, pkt, sizeof pkt);
}

void dmn_on_probe_pkt(ec_daemon *d, const ec_endpoint *from, const uint8_t *pkt, size_t len)
{
    if (pkt[0] != 1 || pkt[1] != 0 || pkt[3] != 0) {
        d->drops[DROP_PKT_TYPE]++;
        return;
    }
    if (pkt[2] == DPKT_PROBE) {
        if (len != DPKT_PROBE_LEN) {
            d->drops[DROP_PKT_TYPE]++;
            return;
        }
        uint8_t out[DPKT_RECORD_LEN] = {1, 0, DPKT_RECORD, 0};
        memcpy(out + 4, d->record, EC_IDENTITY_LEN);
        ec_udp_send(d->udp, from, out, sizeof out);
        return;
    }
    /* A record: only from an endpoint we probed, once per probe (each one
     * costs the verifier an Argon2id unless cached). */
    uint64_t now = dmn_now(d);
    probe *pr = NULL;
    for (size_t i = 0; i < d->nprobes && pr == NULL; i++)
        if (!d->probes[i].used && ec_endpoint_eq(&d->probes[i].ep, from) && now - d->probes[i].at_ms < PROBE_TIMEOUT_MS)
            pr = &d->probes[i];
    if (pr == NULL || len != DPKT_RECORD_LEN) {
        d->drops[DROP_PROBE_UNASKED]++;
        return;
    }
    pr->used = true;
    ec_identity id;
    uint8_t xkey[32];
    if (ec_identity_decode(&id, pkt + 4, EC_IDENTITY_LEN) != EC_OK ||
        ec_noise_pub_from_ed25519(&id.public_key, xkey) != EC_OK) {
        d->drops[DROP_IDENTITY_BAD]++;
        return;
    }
    if (memcmp(xkey, d->xpub, 32) == 0) return; /* ourselves (a bootstrap list naming us) */
    if (dmn_excluded_key(d, xkey)) {
        d->drops[DROP_CONVICTED]++;
        return;
    }
    dpeer *p = peer_for_xkey(d, xkey);
    if (p == NULL) return;
    p->ep = *from;
    p->probe_rtt_ms = now - pr->at_ms > 0 ? now - pr->at_ms : 1; /* a round trip: the core's timers learn from it */
    if (p->has_addr) ec_node_rtt_observe(d->node, &p->addr, p->probe_rtt_ms);
    if (!p->has_addr && !p->verifying) dmn_verify_record(d, pkt + 4);
}

void dmn_verify_record(ec_daemon *d, const uint8_t record[EC_IDENTITY_LEN])
{
    ec_identity id;
    uint8_t xkey[32];
    if (ec_identity_decode(&id, record, EC_IDENTITY_LEN) != EC_OK ||
        ec_noise_pub_from_ed25519(&id.public_key, xkey) != EC_OK) {
        d->drops[DROP_IDENTITY_BAD]++;
        return;
    }
    dpeer *p = peer_for_xkey(d, xkey);
    if (p == NULL || p->has_addr || p->verifying) return;
    memcpy(p->record, record, EC_IDENTITY_LEN);
    if (ec_verifier_submit(d->ver, record) != EC_OK) {
        d->drops[DROP_VERIFY_FULL]++;
        return;
    }
    p->verifying = true;
}

void dmn_on_peer_up(ec_daemon *d, const ec_sess_event *ev)
{
    char ep[EC_ENDPOINT_STR_MAX];
    ec_endpoint_format(&ev->from, ep);
    if (!ev->has_record) {
        dmn_log(d, 3, "event=client_session from=%s", ep);
        return; /* a client: its requests are answered on the session, nothing kept */
    }
    ec_identity id;
    uint8_t xkey[32];
    if (ec_identity_decode(&id, ev->record, EC_IDENTITY_LEN) != EC_OK ||
        ec_noise_pub_from_ed25519(&id.public_key, xkey) != EC_OK || memcmp(xkey, ev->peer, 32) != 0) {
        /* The record is not the key the handshake proved: refused. */
        d->drops[DROP_IDENTITY_KEY]++;
        ec_sess_forget(d->sess, ev->peer);
        return;
    }
    if (dmn_excluded_key(d, ev->peer)) { /* convicted here: no session */
        d->drops[DROP_CONVICTED]++;
        ec_sess_forget(d->sess, ev->peer);
        return;
    }
    dpeer *p = peer_for_xkey(d, ev->peer);
    if (p == NULL) {
        ec_sess_forget(d->sess, ev->peer);
        return;
    }
    p->ep = ev->from;
    p->last_rx_ms = dmn_now(d);
    /* A peer that reached us first: a probe of our own measures the round
     * trip (the responder of a handshake has no sample of it), so the
     * core's timers start from the network's pace, not rtt_initial_ms. */
    if (p->probe_rtt_ms == 0) dmn_probe(d, &ev->from);
    if (p->has_addr) return;
    dmn_log(d, 3, "event=session_up from=%s verifying=1", ep);
    if (!p->verifying) dmn_verify_record(d, ev->record);
}

/* The floor an identity must meet to be a peer. */
static bool strong_enough(const ec_daemon *d, const ec_identity *id)
{
    return id->difficulty_bits >= d->required_bits && id->params.memory_kib >= d->cfg.min_memory_kib &&
           id->params.iterations >= d->cfg.min_iterations;
}

void dmn_on_verified(ec_daemon *d, const ec_verify_result *r)
{
    uint8_t xkey[32];
    if (ec_noise_pub_from_ed25519(&r->id.public_key, xkey) != EC_OK) {
        d->drops[DROP_IDENTITY_BAD]++;
        return;
    }
    dpeer *p = g_hash_table_lookup(d->by_xkey, xkey);
    if (p == NULL) return; /* forgotten meanwhile */
    p->verifying = false;
    int why = r->err != EC_OK ? DROP_IDENTITY_BAD : !strong_enough(d, &r->id) ? DROP_IDENTITY_WEAK : -1;
    if (why >= 0) {
        d->drops[why]++;
        char ep[EC_ENDPOINT_STR_MAX];
        ec_endpoint_format(&p->ep, ep);
        dmn_log(d, 1, "event=identity_refused from=%s reason=%s", ep, ec_daemon_drop_names[why]);
        ec_sess_forget(d->sess, xkey);
        g_hash_table_remove(d->by_xkey, xkey);
        return;
    }
    if (dmn_excluded_addr(d, &r->address)) { /* its record: refused while the core holds it convicted */
        d->drops[DROP_CONVICTED]++;
        dmn_exclude_peer(d, p, "identity_of_convicted");
        return;
    }
    p->has_addr = true;
    p->addr = r->address;
    p->edkey = r->id.public_key;
    memcpy(p->record, r->record, EC_IDENTITY_LEN);
    if (ec_id_cmp(&p->addr, &d->addr) == 0) return;
    dpeer *old = g_hash_table_lookup(d->by_addr, &p->addr);
    if (old && old != p) {
        /* Same address, another key: cannot be (the address is the key's
         * proof of work); keep the one we had. */
        d->drops[DROP_IDENTITY_KEY]++;
        return;
    }
    g_hash_table_insert(d->by_addr, &p->addr, p);
    if (p->ep.len) ec_node_add_peer(d->node, &p->addr, &p->ep);
    if (p->probe_rtt_ms) ec_node_rtt_observe(d->node, &p->addr, p->probe_rtt_ms);
    /* What it said while we verified it. */
    GBytes *b;
    while (p->held && (b = g_queue_pop_head(p->held)) != NULL) {
        gsize n;
        const uint8_t *m = g_bytes_get_data(b, &n);
        if (!(d->njoin && dmn_join_answer(d, &p->addr, m, n)))
            ec_node_recv(d->node, dmn_now(d), &p->addr, p->ep.len ? &p->ep : NULL, m, n);
        g_bytes_unref(b);
    }
    char hex[65], ep[EC_ENDPOINT_STR_MAX];
    ec_id_to_hex(&p->addr, hex);
    ec_endpoint_format(&p->ep, ep);
    dmn_log(d, 2, "event=peer_admitted addr=%.16s endpoint=%s bits=%u", hex, ep, (unsigned)r->id.difficulty_bits);
    /* A hello: a peer we found by probing learns of us (our session's
     * record), and its core learns our record for relayed votes. */
    ec_node_hello(d->node, &p->addr);
    join_ask(d, p);
    /* Messages the core queued for this address before we had its key. */
    dpeer *w = g_hash_table_lookup(d->pending_addr, &p->addr);
    if (w) {
        if (p->ep.len == 0) p->ep = w->ep;
        release_waiting(d, p, w->waiting);
        g_hash_table_remove(d->pending_addr, &p->addr);
    }
}

/* Asks a newly admitted peer for the peers nearest to our address, while
 * we have asked fewer than JOIN_ASK_MAX: a node that starts from one
 * bootstrap peer finds its neighborhood (and they learn of it from our
 * hellos), as a Kademlia node joins by looking itself up. */
static void join_ask(ec_daemon *d, const dpeer *p)
{
    if (d->njoin == JOIN_ASK_MAX) return;
    d->join_asked[d->njoin++] = p->addr;
    ec_msg m;
    memset(&m, 0, sizeof m);
    m.type = EC_MSG_FIND_PEERS;
    m.u.find_peers.target = d->addr;
    m.u.find_peers.want = 16; /* a bucket's worth (the most an answer holds) */
    uint8_t buf[EC_MSG_MAX];
    size_t len;
    if (ec_msg_encode(&m, buf, sizeof buf, &len) == EC_OK) dmn_send_core(d, &p->addr, NULL, buf, len);
}

/* An answer to one of our refresh questions, from a peer we asked, once:
 * nobody else can make us probe the endpoints it names. */
static bool refresh_answer(ec_daemon *d, const ec_id *t, const ec_id *from)
{
    for (unsigned i = 0; i < d->nrefresh && i < 4; i++) {
        if (ec_id_cmp(&d->refresh_target[i], t) != 0) continue;
        for (int k = 0; k < 2; k++)
            if (!d->refresh_answered[i][k] && ec_id_cmp(&d->refresh_asked[i][k], from) == 0) {
                d->refresh_answered[i][k] = true;
                return true;
            }
    }
    return false;
}

bool dmn_join_answer(ec_daemon *d, const ec_id *from, const uint8_t *msg, size_t len)
{
    ec_msg m;
    if (len == 0 || msg[0] != EC_MSG_PEERS || ec_msg_decode(&m, msg, len) != EC_OK) return false;
    bool asked = false;
    if (ec_id_cmp(&m.u.peers.target, &d->addr) == 0)
        for (size_t i = 0; i < d->njoin && !asked; i++)
            if (!d->join_answered[i] && ec_id_cmp(&d->join_asked[i], from) == 0)
                asked = d->join_answered[i] = true;
    if (!asked) asked = refresh_answer(d, &m.u.peers.target, from);
    if (!asked) return false;
    for (int i = 0; i < m.u.peers.n; i++) {
        const ec_id *id = &m.u.peers.peers[i];
        if (ec_id_cmp(id, &d->addr) == 0 || m.u.peers.eps[i].len == 0) continue;
        if (g_hash_table_lookup(d->by_addr, id)) continue;
        dmn_probe(d, &m.u.peers.eps[i]);
    }
    return true;
}

static void nearest_add(ec_id *near, unsigned *n, const ec_id *target, const ec_id *id, unsigned w)
{
    unsigned pos = *n;
    while (pos > 0 && ec_id_cmp_distance(target, id, &near[pos - 1]) < 0) pos--;
    if (pos >= w) return;
    unsigned last = *n < w ? *n : w - 1;
    memmove(&near[pos + 1], &near[pos], (last - pos) * sizeof near[0]);
    near[pos] = *id;
    if (*n < w) (*n)++;
}

unsigned dmn_nearest(ec_daemon *d, const ec_id *target, unsigned w, bool self, ec_id out[16])
{
    unsigned n = 0;
    if (w > 16) w = 16;
    GHashTableIter it;
    gpointer k, v;
    g_hash_table_iter_init(&it, d->by_addr);
    while (g_hash_table_iter_next(&it, &k, &v)) nearest_add(out, &n, target, &((const dpeer *)v)->addr, w);
    if (self) nearest_add(out, &n, target, &d->addr, w);
    return n;
}

void dmn_hold(ec_daemon *d, dpeer *p, const uint8_t *msg, size_t len)
{
    if (p->held == NULL && (p->held = g_queue_new()) == NULL) return;
    if (g_queue_get_length(p->held) >= d->cfg.waiting_max) {
        d->drops[DROP_WAIT_FULL]++;
        g_bytes_unref(g_queue_pop_head(p->held));
    }
    g_queue_push_tail(p->held, g_bytes_new(msg, len));
}

/* Every 5 s in the first minute, then every 60 s: two admitted peers (at
 * random) are asked for the peers nearest a target, our own address every
 * other time, else a random one; views fill in as a Kademlia table's do
 * (peers that joined after us, the far buckets). */
static void refresh(ec_daemon *d, uint64_t now)
{
    size_t n = g_hash_table_size(d->by_addr);
    if (n == 0 || now < d->refresh_at_ms) return;
    d->refresh_at_ms = now + (now - d->unix0_ms < 60000 ? 5000 : 60000);
    ec_id target = d->addr;
    if (d->nrefresh % 2) ec_rng_bytes(&d->rng, target.b, sizeof target.b);
    unsigned slot = d->nrefresh % 4;
    d->refresh_target[slot] = target;
    memset(d->refresh_asked[slot], 0, sizeof d->refresh_asked[slot]);
    d->refresh_answered[slot][0] = d->refresh_answered[slot][1] = true; /* until asked */
    d->nrefresh++;
    ec_msg m;
    memset(&m, 0, sizeof m);
    m.type = EC_MSG_FIND_PEERS;
    m.u.find_peers.target = target;
    m.u.find_peers.want = 16; /* a bucket's worth (the most an answer holds) */
    uint8_t buf[EC_MSG_MAX];
    size_t len;
    if (ec_msg_encode(&m, buf, sizeof buf, &len) != EC_OK) return;
    for (int k = 0; k < 2; k++) {
        size_t pick = (size_t)ec_rng_below(&d->rng, n), i = 0;
        GHashTableIter it;
        gpointer key, v;
        g_hash_table_iter_init(&it, d->by_addr);
        while (g_hash_table_iter_next(&it, &key, &v))
            if (i++ == pick) {
                d->refresh_asked[slot][k] = ((dpeer *)v)->addr;
                d->refresh_answered[slot][k] = false;
                dmn_send_core(d, &((dpeer *)v)->addr, NULL, buf, len);
            }
    }
}

ec_node_id_answer dmn_identity_check(void *arg, const ec_id *addr, const ec_pubkey *key)
{
    ec_daemon *d = arg;
    const dpeer *p = g_hash_table_lookup(d->by_addr, addr);
    if (p == NULL || !p->has_addr) return EC_NODE_ID_UNKNOWN;
    return memcmp(p->edkey.b, key->b, sizeof key->b) == 0 ? EC_NODE_ID_YES : EC_NODE_ID_NO;
}

void dmn_send_core(ec_daemon *d, const ec_id *to, const ec_endpoint *ep, const uint8_t *msg, size_t len)
{
    uint8_t frame[1 + EC_MSG_MAX];
    frame[0] = EC_FRAME_CORE;
    memcpy(frame + 1, msg, len);
    if (dmn_excluded_addr(d, to)) { /* the core still names it; we send it nothing */
        d->drops[DROP_CONVICTED]++;
        return;
    }
    dpeer *p = g_hash_table_lookup(d->by_addr, to);
    if (p && p->has_xkey) {
        if (ep && ep->len && p->ep.len == 0) p->ep = *ep;
        send_frame(d, p, frame, len + 1);
        return;
    }
    /* An address whose key we lack: keep the message, ask the endpoint. */
    if (ep == NULL || ep->len == 0) {
        d->drops[DROP_NO_KEY]++;
        return;
    }
    dpeer *w = g_hash_table_lookup(d->pending_addr, to);
    if (w == NULL) {
        if (npeers(d) >= d->cfg.peers_max) {
            d->drops[DROP_PEERS_FULL]++;
            return;
        }
        w = calloc(1, sizeof *w);
        if (w == NULL) return;
        w->addr = *to;
        w->waiting = g_queue_new();
        g_hash_table_insert(d->pending_addr, &w->addr, w);
    }
    w->ep = *ep;
    w->last_rx_ms = dmn_now(d); /* when it was asked for (expiry) */
    if (g_queue_get_length(w->waiting) >= d->cfg.waiting_max) {
        d->drops[DROP_WAIT_FULL]++;
        g_bytes_unref(g_queue_pop_head(w->waiting)); /* the newest is the one the core wants now */
    }
    g_queue_push_tail(w->waiting, g_bytes_new(frame, len + 1));
    dmn_probe(d, ep);
}

/* The difficulty the network's size asks (seed §5.2, §5.4), every 5 s
 * from the admitted peers' addresses around ours; never below the floor. */
static void netsize_update(ec_daemon *d, uint64_t now)
{
    if (now - d->netsize_at_ms < 5000) return;
    d->netsize_at_ms = now;
    size_t n = g_hash_table_size(d->by_addr), k = 0;
    if (n < 2) return;
    ec_id *ids = malloc(n * sizeof *ids);
    if (ids == NULL) return;
    GHashTableIter it;
    gpointer key, v;
    g_hash_table_iter_init(&it, d->by_addr);
    while (g_hash_table_iter_next(&it, &key, &v)) ids[k++] = ((const dpeer *)v)->addr;
    double est;
    if (ec_netsize_estimate(&d->addr, ids, k, &est) == EC_OK) {
        d->netsize = est;
        unsigned rule = ec_netsize_difficulty(est, d->cfg.n0_bits, EC_NETSIZE_N0_PEERS);
        d->required_bits = rule > d->cfg.min_bits ? rule : d->cfg.min_bits;
    }
    free(ids);
}

#define RESYNC_STEP 64 /* tokens looked at per tick */

typedef struct resync_ctx {
    ec_daemon *d;
    ec_id ids[RESYNC_STEP];
    size_t n;
} resync_ctx;

static bool resync_collect(void *arg, const ec_id *token, const ec_head *h)
{
    (void)h;
    resync_ctx *c = arg;
    if (c->d->resync_any && ec_id_cmp(token, &c->d->resync_cursor) == 0) return true; /* done last time */
    c->ids[c->n++] = *token;
    return c->n < RESYNC_STEP;
}

/* After a start, what committed while we were down: each stored token we
 * are responsible for goes to the core's catch-up (its neighborhood's
 * head, adopted when catchup_agree members name one our history leads
 * to), a step at a time, once w - 1 peers are admitted (or 3 s passed). */
static void resync(ec_daemon *d, uint64_t now)
{
    size_t need = d->cfg.node.w > 1 ? d->cfg.node.w - 1 : 1, have = g_hash_table_size(d->by_addr);
    if (have == 0 || (have < need && now - d->unix0_ms < 3000)) return;
    if (d->cfg.sync && !d->sync_started && ec_node_sync_start(d->node, now) == EC_OK) {
        d->sync_started = true;
        dmn_log(d, 2, "event=sync_start peers=%zu", have);
    }
    if (d->resync_done) return;
    resync_ctx c = {d, {{{0}}}, 0};
    if (ec_store_iterate(d->store, d->resync_any ? &d->resync_cursor : NULL, resync_collect, &c) != EC_OK) return;
    for (size_t i = 0; i < c.n; i++) {
        if (ec_node_responsible(d->node, &c.ids[i])) {
            if (ec_node_sync_token(d->node, now, &c.ids[i]) == EC_ERR_RANGE) return; /* full: next tick */
            d->resync_tokens++;
        }
        d->resync_cursor = c.ids[i];
        d->resync_any = true;
    }
    if (c.n < RESYNC_STEP) {
        d->resync_done = true;
        if (d->resync_tokens) dmn_log(d, 2, "event=resync tokens=%llu", (unsigned long long)d->resync_tokens);
    }
}

void dmn_peers_tick(ec_daemon *d)
{
    uint64_t now = dmn_now(d);
    netsize_update(d, now);
    resync(d, now);
    refresh(d, now);
    /* Addresses whose key never came: what waited is dropped (the core
     * re-sends on its timers, and probes again). */
    GHashTableIter it;
    gpointer k, v;
    g_hash_table_iter_init(&it, d->pending_addr);
    while (g_hash_table_iter_next(&it, &k, &v)) {
        dpeer *w = v;
        if (now - w->last_rx_ms > 4 * PROBE_TIMEOUT_MS) {
            d->drops[DROP_NO_KEY] += g_queue_get_length(w->waiting);
            g_hash_table_iter_remove(&it);
        }
    }
    /* Bootstrap again while no peer is admitted. */
    if (d->cfg.nbootstrap && g_hash_table_size(d->by_addr) == 0 && now - d->last_bootstrap_ms > 3000) {
        for (size_t i = 0; i < d->cfg.nbootstrap; i++) dmn_probe(d, &d->cfg.bootstrap[i]);
        d->last_bootstrap_ms = now;
    }
}
