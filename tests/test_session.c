/* The session layer (src/net/session.h) on an in-memory link
 * (tests/sess_link.h): handshakes and data, key confirmation, rekeys and
 * expiry, replays, floods, tampering with every field of every packet
 * type, cookies under load, simultaneous initiation, the limits, retries
 * and giving up, forgetting, roaming, clients without a record. */
#include "sess_link.h"

static slink L;

static uint64_t t0(void) { return L.clk.mono_ms; }

static void collect_one(lpkt *out, uint8_t type)
{
    link_collect(&L);
    CHECK_EQ_INT(L.nfl, 1);
    CHECK(link_take(&L, out));
    CHECK_EQ_INT(out->b[2], type);
}

/* A -> B handshake with one message, everything delivered. */
static void handshake(int a, int b)
{
    CHECK_EQ_INT(link_send(&L, a, b, 20), EC_OK);
    link_pump(&L);
}

static void test_handshake_then_data_both_ways(void)
{
    link_init(&L, 2);
    CHECK_EQ_INT(link_send(&L, 0, 1, 100), EC_OK);
    lpkt init;
    collect_one(&init, EC_PKT_INIT);
    CHECK_EQ_INT(init.len, EC_PKT_INIT_LEN);
    CHECK_EQ_INT(L.n[0].ups, 0);
    link_deliver(&L, &init);
    CHECK_EQ_INT(L.n[1].ups, 1);
    CHECK(!L.n[1].up.initiator);
    CHECK(L.n[1].up.has_record);
    CHECK_MEM(L.n[1].up.record, L.n[0].cfg.record, EC_SESS_RECORD_LEN);
    CHECK_MEM(L.n[1].up.peer, L.n[0].pub, 32);
    link_pump(&L);
    CHECK_EQ_INT(L.n[0].ups, 1);
    CHECK(L.n[0].up.initiator);
    CHECK_MEM(L.n[0].up.record, L.n[1].cfg.record, EC_SESS_RECORD_LEN);
    CHECK_EQ_INT(L.n[1].got[0], 1);
    CHECK_EQ_INT(L.n[1].last_len, 100);
    for (int i = 0; i < 50; i++) {
        CHECK_EQ_INT(link_send(&L, 0, 1, 5 + (size_t)i * 27), EC_OK);
        CHECK_EQ_INT(link_send(&L, 1, 0, EC_SESS_PLAIN_MAX - (size_t)i), EC_OK);
        link_pump(&L);
    }
    CHECK_EQ_INT(L.n[1].got[0], 51);
    CHECK_EQ_INT(L.n[0].got[1], 50);
    CHECK_EQ_INT(L.n[0].disorder + L.n[1].disorder, 0);
    ec_sess_stats a = link_stats(&L, 0), b = link_stats(&L, 1);
    CHECK_EQ_INT(a.handshakes_initiated, 1);
    CHECK_EQ_INT(b.handshakes_initiated, 0);
    CHECK_EQ_INT(a.handshakes_completed, 1);
    CHECK_EQ_INT(b.handshakes_completed, 1);
    CHECK_EQ_INT(a.data_out, 51);
    CHECK_EQ_INT(b.data_in, 51);
    CHECK_EQ_INT(a.keepalives_sent, 0); /* it had data to confirm with */
    CHECK_EQ_INT(a.sessions, 1);
    CHECK_EQ_INT(a.outbox_bytes, 0);
    link_free(&L);
}

static void test_first_data_waits_for_the_handshake(void)
{
    link_init(&L, 2);
    for (int i = 0; i < 3; i++) CHECK_EQ_INT(link_send(&L, 0, 1, 30), EC_OK);
    lpkt init, resp;
    collect_one(&init, EC_PKT_INIT); /* one INIT, no DATA yet */
    link_deliver(&L, &init);
    CHECK_EQ_INT(L.n[1].got[0], 0);
    collect_one(&resp, EC_PKT_RESP);
    CHECK_EQ_INT(resp.len, EC_PKT_RESP_LEN);
    link_deliver(&L, &resp);
    link_collect(&L);
    CHECK_EQ_INT(L.nfl, 3);
    for (size_t i = 0; i < L.nfl; i++) CHECK_EQ_INT(L.fl[i].b[2], EC_PKT_DATA);
    link_pump(&L);
    CHECK_EQ_INT(L.n[1].got[0], 3);
    CHECK_EQ_INT(L.n[1].disorder, 0);
    link_free(&L);
}

static void test_responder_data_waits_for_key_confirmation(void)
{
    link_init(&L, 2);
    CHECK_EQ_INT(link_send(&L, 0, 1, 30), EC_OK);
    lpkt init, resp, data;
    collect_one(&init, EC_PKT_INIT);
    link_deliver(&L, &init);
    /* B has keys but no confirmation: its data waits, no INIT of its own. */
    CHECK_EQ_INT(link_send(&L, 1, 0, 40), EC_OK);
    CHECK_EQ_INT(link_send(&L, 1, 0, 41), EC_OK);
    collect_one(&resp, EC_PKT_RESP);
    CHECK_EQ_INT(link_stats(&L, 1).handshakes_initiated, 0);
    link_deliver(&L, &resp);
    collect_one(&data, EC_PKT_DATA);
    link_deliver(&L, &data); /* confirms: B's two go out now */
    link_collect(&L);
    CHECK_EQ_INT(L.nfl, 2);
    link_pump(&L);
    CHECK_EQ_INT(L.n[0].got[1], 2);
    CHECK_EQ_INT(L.n[1].got[0], 1);
    link_free(&L);
    /* Nothing queued at the initiator: an empty DATA confirms instead. */
    link_init(&L, 2);
    CHECK_EQ_INT(ec_sess_send(L.n[0].s, &L.clk, L.n[1].pub, &L.n[1].ep,
                              NULL, 0), EC_OK);
    link_pump(&L);
    CHECK_EQ_INT(link_stats(&L, 1).keepalives, 1);
    CHECK_EQ_INT(link_stats(&L, 1).data_in, 0);
    CHECK_EQ_INT(link_send(&L, 1, 0, 10), EC_OK);
    collect_one(&data, EC_PKT_DATA); /* confirmed: sent at once */
    link_free(&L);
}

/* Both send every 500 ms for 400 s. mode 0: delivered at once; 1: every
 * third step, each batch reversed and every packet twice. */
static void traffic(int mode, uint32_t steps)
{
    static lpkt batch[LINK_FLIGHT];
    for (uint32_t i = 0; i < steps; i++) {
        CHECK_EQ_INT(link_send(&L, 0, 1, 50), EC_OK);
        CHECK_EQ_INT(link_send(&L, 1, 0, 60), EC_OK);
        if (mode == 0) {
            link_advance(&L, 500, true);
            link_pump(&L);
            continue;
        }
        link_advance(&L, 500, false);
        if (i % 3 != 2) continue;
        for (int round = 0; round < 20; round++) {
            link_collect(&L);
            size_t n = 0;
            while (link_take(&L, &batch[n])) n++;
            if (n == 0) break;
            for (size_t k = n; k-- > 0;) {
                link_deliver(&L, &batch[k]);
                link_deliver(&L, &batch[k]);
            }
        }
    }
    link_pump(&L);
}

static void test_rekey_at_120s_loses_nothing(void)
{
    for (int mode = 0; mode < 2; mode++) {
        link_init(&L, 2);
        handshake(0, 1);
        traffic(mode, 800);
        ec_sess_stats a = link_stats(&L, 0), b = link_stats(&L, 1);
        CHECK_EQ_INT(L.n[1].got[0], L.n[0].sent_seq[1]);
        CHECK_EQ_INT(L.n[0].got[1], L.n[1].sent_seq[0]);
        CHECK(L.n[0].got[1] == 800);
        /* Handshakes at about 120, 240 and 360 s, all by the initiator. */
        CHECK_EQ_INT(a.rekeys, 3);
        CHECK_EQ_INT(b.rekeys, 3);
        CHECK_EQ_INT(b.handshakes_initiated, 0);
        CHECK_EQ_INT(a.handshakes_failed, 0);
        CHECK_EQ_INT(a.dropped_expired + b.dropped_expired, 0);
        CHECK_EQ_INT(a.dropped_decrypt + b.dropped_decrypt, 0);
        if (mode == 0) {
            CHECK_EQ_INT(L.n[0].disorder + L.n[1].disorder, 0);
            CHECK_EQ_INT(a.dropped_unknown_index + b.dropped_unknown_index, 0);
            CHECK_EQ_INT(b.keepalives, 3); /* each rekey's confirmation */
        } else {
            CHECK(a.dropped_replay > 0 && b.dropped_replay > 0);
            CHECK(b.dropped_init_replay > 0); /* the duplicated INITs */
        }
        link_free(&L);
    }
}

static void test_keypair_past_reject_after_refused(void)
{
    link_init(&L, 2);
    handshake(0, 1);
    uint64_t born = t0();
    link_advance(&L, 179900, true);
    /* Usable until 180 s; past 120 s the initiator also starts a rekey. */
    CHECK_EQ_INT(link_send(&L, 0, 1, 20), EC_OK);
    link_collect(&L);
    CHECK_EQ_INT(L.nfl, 2);
    lpkt data, init;
    link_take(&L, &data);
    link_take(&L, &init);
    CHECK_EQ_INT(data.b[2], EC_PKT_DATA);
    CHECK_EQ_INT(init.b[2], EC_PKT_INIT);
    link_set_time(&L, born + 180100);
    ec_sess_stats before = link_stats(&L, 1), after;
    link_deliver(&L, &data);
    after = link_stats(&L, 1);
    CHECK(strcmp(link_drop_reason(&before, &after), "expired") == 0);
    CHECK_EQ_INT(L.n[1].got[0], 1);
    /* The INIT is lost; A no longer sends on the old keypair: it queues,
     * and its next INIT waits for the retry timer. */
    CHECK_EQ_INT(link_send(&L, 0, 1, 20), EC_OK);
    link_collect(&L);
    CHECK_EQ_INT(L.nfl, 0);
    link_advance(&L, 5400, true);
    CHECK_EQ_INT(L.n[1].got[0], 2);
    CHECK_EQ_INT(link_send(&L, 1, 0, 20), EC_OK);
    link_pump(&L);
    CHECK_EQ_INT(L.n[0].got[1], 1);
    link_free(&L);
}

static void test_data_replay_dropped_reorder_accepted(void)
{
    static lpkt p[3], first;
    link_init(&L, 2);
    handshake(0, 1);
    for (int i = 0; i < 3; i++) CHECK_EQ_INT(link_send(&L, 0, 1, 20), EC_OK);
    link_collect(&L);
    for (int i = 0; i < 3; i++) link_take(&L, &p[i]);
    ec_sess_stats before = link_stats(&L, 1), after;
    link_deliver(&L, &p[2]);
    link_deliver(&L, &p[0]);
    link_deliver(&L, &p[1]);
    CHECK_EQ_INT(L.n[1].got[0], 4);
    after = link_stats(&L, 1);
    CHECK(strcmp(link_drop_reason(&before, &after), "none") == 0);
    link_deliver(&L, &p[1]);
    before = after;
    after = link_stats(&L, 1);
    CHECK(strcmp(link_drop_reason(&before, &after), "replay") == 0);
    CHECK_EQ_INT(L.n[1].got[0], 4);
    /* Older than the window (8128 behind the newest): refused unseen. */
    CHECK_EQ_INT(link_send(&L, 0, 1, 20), EC_OK);
    link_collect(&L);
    link_take(&L, &first);
    for (int i = 0; i < 8200; i++) {
        CHECK_EQ_INT(link_send(&L, 0, 1, 20), EC_OK);
        link_drop_all(&L);
    }
    CHECK_EQ_INT(link_send(&L, 0, 1, 20), EC_OK);
    link_pump(&L);
    before = link_stats(&L, 1);
    link_deliver(&L, &first);
    after = link_stats(&L, 1);
    CHECK(strcmp(link_drop_reason(&before, &after), "replay") == 0);
    link_free(&L);
}

static void test_init_replay_and_flood_dropped(void)
{
    lpkt init, init2, init3;
    link_init(&L, 2);
    CHECK_EQ_INT(link_send(&L, 0, 1, 20), EC_OK);
    collect_one(&init, EC_PKT_INIT);
    link_deliver(&L, &init);
    link_pump(&L);
    link_set_time(&L, t0() + 1000);
    ec_sess_stats before = link_stats(&L, 1), after;
    link_deliver(&L, &init); /* the same bytes again */
    after = link_stats(&L, 1);
    CHECK(strcmp(link_drop_reason(&before, &after), "init_replay") == 0);
    link_collect(&L);
    CHECK_EQ_INT(L.nfl, 0); /* not answered */
    CHECK_EQ_INT(L.n[1].ups, 1);
    /* Two genuine INITs (newer timestamps) 5 ms apart: the second floods. */
    ec_sess_forget(L.n[0].s, L.n[1].pub);
    CHECK_EQ_INT(link_send(&L, 0, 1, 20), EC_OK);
    collect_one(&init2, EC_PKT_INIT);
    link_deliver(&L, &init2);
    CHECK_EQ_INT(L.n[1].ups, 2);
    link_drop_all(&L);
    link_set_time(&L, t0() + 5);
    ec_sess_forget(L.n[0].s, L.n[1].pub);
    CHECK_EQ_INT(link_send(&L, 0, 1, 20), EC_OK);
    collect_one(&init3, EC_PKT_INIT);
    before = link_stats(&L, 1);
    link_deliver(&L, &init3);
    after = link_stats(&L, 1);
    CHECK(strcmp(link_drop_reason(&before, &after), "init_flood") == 0);
    link_set_time(&L, t0() + 20); /* 25 ms after init2: let in */
    link_deliver(&L, &init3);
    CHECK_EQ_INT(L.n[1].ups, 3);
    link_pump(&L);
    CHECK_EQ_INT(L.n[1].got[0], 2);
    /* The responder forgets the initiator (its record refused, say): an
     * INIT recorded earlier still cannot open a session. */
    ec_sess_forget(L.n[1].s, L.n[0].pub);
    link_set_time(&L, t0() + 3000);
    before = link_stats(&L, 1);
    link_deliver(&L, &init2);
    after = link_stats(&L, 1);
    CHECK(strcmp(link_drop_reason(&before, &after), "init_replay") == 0);
    CHECK_EQ_INT(L.n[1].ups, 3);
    link_free(&L);
}

/* ---- tampering ----------------------------------------------------------- */

static void remac1(uint8_t *b, size_t mac1_off, const uint8_t pub[32])
{
    uint8_t key[32];
    crypto_generichash_state st;
    crypto_generichash_init(&st, NULL, 0, 32);
    crypto_generichash_update(&st, (const uint8_t *)"mac1----", 8);
    crypto_generichash_update(&st, pub, 32);
    crypto_generichash_final(&st, key, 32);
    crypto_generichash(b + mac1_off, 16, b, mac1_off, key, 32);
}

/* Delivers p with bit `bit` of byte i flipped (re-MACed for `remac_pub`
 * when not NULL) and checks the drop reason against `want`. */
static int flip_check(const lpkt *p, size_t i, uint8_t bit, size_t mac1_off,
                      const uint8_t *remac_pub, const char *want)
{
    static lpkt q;
    q = *p;
    q.b[i] ^= bit;
    if (remac_pub) remac1(q.b, mac1_off, remac_pub);
    int to = link_node_at(&L, &q.dst);
    ec_sess_stats before = link_stats(&L, to), after;
    link_deliver(&L, &q);
    after = link_stats(&L, to);
    const char *got = link_drop_reason(&before, &after);
    if (strcmp(got, want) != 0) {
        fprintf(stderr, "  type %d byte %zu: %s, want %s\n", p->b[2], i, got,
                want);
        return 1;
    }
    return 0;
}

/* The reason for a flipped bit in the 4-byte header. */
static int header_flips(const lpkt *p)
{
    return flip_check(p, 0, 0x01, 0, NULL, "version") +
           flip_check(p, 1, 0x80, 0, NULL, "version") +
           flip_check(p, 2, 0x80, 0, NULL, "type") +
           flip_check(p, 3, 0x10, 0, NULL, "reserved");
}

static void test_flipped_bit_in_each_field_dropped_with_its_reason(void)
{
    lpkt init, resp, cookie, data;
    int bad = 0;
    const uint8_t *a_pub, *b_pub;
    link_init(&L, 2);
    a_pub = L.n[0].pub;
    b_pub = L.n[1].pub;
    /* INIT: mac1 covers everything before it; past mac1 (re-MACed), Noise
     * refuses any change. mac2 is not looked at unless under load. */
    CHECK_EQ_INT(link_send(&L, 0, 1, 20), EC_OK);
    collect_one(&init, EC_PKT_INIT);
    bad += header_flips(&init);
    for (size_t i = 4; i < EC_PKT_INIT_MAC2; i++)
        bad += flip_check(&init, i, (uint8_t)(1u << (i % 8)), 0, NULL, "mac1");
    for (size_t i = 8; i < EC_PKT_INIT_MAC1; i++)
        bad += flip_check(&init, i, (uint8_t)(1u << (i % 8)),
                          EC_PKT_INIT_MAC1, b_pub, "decrypt");
    L.n[1].load = true;
    bad += flip_check(&init, EC_PKT_INIT_MAC2, 1, 0, NULL, "cookie_sent");
    L.n[1].load = false;
    link_drop_all(&L);
    CHECK_EQ_INT(L.n[1].ups, 0);
    link_deliver(&L, &init);
    CHECK_EQ_INT(L.n[1].ups, 1);
    bad += flip_check(&init, EC_PKT_INIT_MAC2 + 3, 4, 0, NULL, "init_replay");
    /* RESP: the same, plus its receiver index. */
    collect_one(&resp, EC_PKT_RESP);
    bad += header_flips(&resp);
    for (size_t i = 4; i < EC_PKT_RESP_MAC2; i++)
        bad += flip_check(&resp, i, (uint8_t)(1u << (i % 8)), 0, NULL, "mac1");
    for (size_t i = 8; i < 12; i++)
        bad += flip_check(&resp, i, (uint8_t)(1u << (i % 8)),
                          EC_PKT_RESP_MAC1, a_pub, "unknown_index");
    for (size_t i = 12; i < EC_PKT_RESP_MAC1; i++)
        bad += flip_check(&resp, i, (uint8_t)(1u << (i % 8)),
                          EC_PKT_RESP_MAC1, a_pub, "decrypt");
    /* The forgeries left the handshake intact: the real RESP completes it. */
    CHECK_EQ_INT(L.n[0].ups, 0);
    bad += flip_check(&resp, EC_PKT_RESP_MAC2, 0x20, 0, NULL, "none");
    CHECK_EQ_INT(L.n[0].ups, 1);
    bad += flip_check(&resp, EC_PKT_RESP_MAC2, 0x20, 0, NULL, "unknown_index");
    /* DATA: the header is the AEAD's AD, so the counter is covered too. */
    collect_one(&data, EC_PKT_DATA);
    bad += header_flips(&data);
    for (size_t i = 4; i < 8; i++)
        bad += flip_check(&data, i, (uint8_t)(1u << (i % 8)), 0, NULL,
                          "unknown_index");
    for (size_t i = 8; i < data.len; i++)
        bad += flip_check(&data, i, (uint8_t)(1u << (i % 8)), 0, NULL,
                          "decrypt");
    bad += flip_check(&data, 0, 0, 0, NULL, "none");
    CHECK_EQ_INT(L.n[1].got[0], 1);
    link_free(&L);
    /* COOKIE: B under load answers A's INIT with one. */
    link_init(&L, 2);
    L.n[1].load = true;
    CHECK_EQ_INT(link_send(&L, 0, 1, 20), EC_OK);
    collect_one(&init, EC_PKT_INIT);
    link_deliver(&L, &init);
    collect_one(&cookie, EC_PKT_COOKIE);
    CHECK_EQ_INT(cookie.len, EC_PKT_COOKIE_PKT_LEN);
    bad += header_flips(&cookie);
    for (size_t i = 4; i < 8; i++)
        bad += flip_check(&cookie, i, (uint8_t)(1u << (i % 8)), 0, NULL,
                          "unknown_index");
    for (size_t i = 8; i < cookie.len; i++)
        bad += flip_check(&cookie, i, (uint8_t)(1u << (i % 8)), 0, NULL,
                          "decrypt");
    bad += flip_check(&cookie, 0, 0, 0, NULL, "none");
    CHECK_EQ_INT(link_stats(&L, 0).cookies_received, 1);
    bad += flip_check(&cookie, 0, 0, 0, NULL, "decrypt"); /* once only */
    CHECK_EQ_INT(bad, 0);
    link_free(&L);
}

static void test_bad_headers_and_lengths_counted(void)
{
    lpkt init;
    uint8_t b[EC_PKT_MTU + 1];
    link_init(&L, 2);
    CHECK_EQ_INT(link_send(&L, 0, 1, 20), EC_OK);
    collect_one(&init, EC_PKT_INIT);
    ec_endpoint src = L.n[0].ep;
    ec_sess_stats before, after;
    int bad = 0;
    for (size_t n = 0; n <= EC_PKT_MTU; n++) {
        static const uint8_t types[] = {EC_PKT_INIT, EC_PKT_RESP,
                                        EC_PKT_COOKIE, EC_PKT_DATA};
        for (size_t t = 0; t < 4; t++) {
            memset(b, 0, sizeof b);
            memcpy(b, init.b, n < init.len ? n : init.len);
            if (n > 2) b[2] = types[t];
            bool ok = (t == 0 && n == EC_PKT_INIT_LEN) ||
                      (t == 1 && n == EC_PKT_RESP_LEN) ||
                      (t == 2 && n == EC_PKT_COOKIE_PKT_LEN) ||
                      (t == 3 && n >= EC_PKT_DATA_MIN);
            if (ok) continue;
            before = link_stats(&L, 1);
            link_recv(&L, 1, &src, b, n);
            after = link_stats(&L, 1);
            bad += strcmp(link_drop_reason(&before, &after),
                          n < 4 ? "short" : "length") != 0;
        }
    }
    CHECK_EQ_INT(bad, 0);
    memcpy(b, init.b, init.len);
    b[1] = 1; /* version 0x0101 */
    before = link_stats(&L, 1);
    link_recv(&L, 1, &src, b, init.len);
    after = link_stats(&L, 1);
    CHECK(strcmp(link_drop_reason(&before, &after), "version") == 0);
    b[1] = 0;
    b[3] = 0xff;
    link_recv(&L, 1, &src, b, init.len);
    before = after;
    after = link_stats(&L, 1);
    CHECK(strcmp(link_drop_reason(&before, &after), "reserved") == 0);
    b[3] = 0;
    for (int t = 5; t < 256; t += 50) {
        b[2] = (uint8_t)t;
        link_recv(&L, 1, &src, b, init.len);
    }
    before = after;
    after = link_stats(&L, 1);
    CHECK_EQ_INT(after.dropped_type - before.dropped_type, 6);
    CHECK_EQ_INT(L.n[1].ups, 0);
    link_free(&L);
}

static void test_unknown_index_dropped(void)
{
    lpkt resp;
    link_init(&L, 2);
    handshake(0, 1);
    ec_pkt m;
    uint8_t b[EC_PKT_MTU], ct[16] = {0};
    size_t len;
    memset(&m, 0, sizeof m);
    m.type = EC_PKT_DATA;
    m.u.data.receiver = 0x12345678;
    m.u.data.ct = ct;
    m.u.data.ct_len = sizeof ct;
    ec_pkt_encode(&m, b, sizeof b, &len);
    ec_sess_stats before = link_stats(&L, 1), after;
    link_recv(&L, 1, &L.n[0].ep, b, len);
    m.type = EC_PKT_COOKIE;
    m.u.cookie.receiver = 0x12345678;
    ec_pkt_encode(&m, b, sizeof b, &len);
    link_recv(&L, 1, &L.n[0].ep, b, len);
    after = link_stats(&L, 1);
    CHECK_EQ_INT(after.dropped_unknown_index - before.dropped_unknown_index, 2);
    link_free(&L);
    /* A RESP whose handshake is over: its index now names a keypair. */
    link_init(&L, 2);
    CHECK_EQ_INT(link_send(&L, 0, 1, 20), EC_OK);
    link_pump(&L);
    link_set_time(&L, t0() + 1000); /* a newer timestamp */
    ec_sess_forget(L.n[0].s, L.n[1].pub);
    CHECK_EQ_INT(link_send(&L, 0, 1, 20), EC_OK);
    collect_one(&resp, EC_PKT_INIT);
    link_deliver(&L, &resp);
    collect_one(&resp, EC_PKT_RESP);
    link_deliver(&L, &resp);
    before = link_stats(&L, 0);
    link_deliver(&L, &resp);
    after = link_stats(&L, 0);
    CHECK(strcmp(link_drop_reason(&before, &after), "unknown_index") == 0);
    link_pump(&L);
    CHECK_EQ_INT(L.n[1].got[0], 2);
    link_free(&L);
}

static void test_under_load_cookie_then_mac2_completes(void)
{
    lpkt init, cookie;
    link_init(&L, 2);
    L.n[1].load = true;
    CHECK_EQ_INT(link_send(&L, 0, 1, 20), EC_OK);
    collect_one(&init, EC_PKT_INIT);
    for (int i = 0; i < 16; i++) CHECK_EQ_INT(init.b[EC_PKT_INIT_MAC2 + i], 0);
    ec_sess_stats before = link_stats(&L, 1), after;
    link_deliver(&L, &init);
    after = link_stats(&L, 1);
    CHECK(strcmp(link_drop_reason(&before, &after), "cookie_sent") == 0);
    CHECK_EQ_INT(after.cookies_sent, 1);
    CHECK_EQ_INT(L.n[1].ups, 0); /* no DH was spent */
    link_deliver(&L, &init); /* the same source within a second */
    before = after;
    after = link_stats(&L, 1);
    CHECK(strcmp(link_drop_reason(&before, &after), "cookie_limited") == 0);
    collect_one(&cookie, EC_PKT_COOKIE);
    link_deliver(&L, &cookie);
    CHECK_EQ_INT(link_stats(&L, 0).cookies_received, 1);
    /* The retry carries mac2 and gets through the loaded responder. */
    link_advance(&L, 5400, false);
    collect_one(&init, EC_PKT_INIT);
    int nz = 0;
    for (int i = 0; i < 16; i++) nz += init.b[EC_PKT_INIT_MAC2 + i] != 0;
    CHECK(nz > 0);
    link_deliver(&L, &init);
    CHECK_EQ_INT(L.n[1].ups, 1);
    link_pump(&L);
    CHECK_EQ_INT(L.n[1].got[0], 1);
    link_free(&L);
    /* A loaded initiator wants mac2 on the RESP: B gets a cookie too. */
    link_init(&L, 2);
    L.n[0].load = true;
    CHECK_EQ_INT(link_send(&L, 0, 1, 20), EC_OK);
    link_pump(&L);
    CHECK_EQ_INT(link_stats(&L, 0).dropped_cookie_sent, 1);
    CHECK_EQ_INT(link_stats(&L, 1).cookies_received, 1);
    link_advance(&L, 5400, true); /* retry; B's new RESP has mac2 */
    CHECK_EQ_INT(L.n[0].ups, 1);
    CHECK_EQ_INT(L.n[1].got[0], 1);
    link_free(&L);
}

/* Both send first: the INITs cross. mode as in traffic(). */
static void test_simultaneous_initiation_converges(void)
{
    for (int mode = 0; mode < 2; mode++) {
        link_init(&L, 2);
        CHECK_EQ_INT(link_send(&L, 0, 1, 20), EC_OK);
        CHECK_EQ_INT(link_send(&L, 1, 0, 20), EC_OK);
        link_collect(&L);
        CHECK_EQ_INT(L.nfl, 2); /* both INITs in flight */
        link_pump(&L);
        CHECK_EQ_INT(L.n[1].got[0], 1);
        CHECK_EQ_INT(L.n[0].got[1], 1);
        ec_sess_stats a = link_stats(&L, 0), b = link_stats(&L, 1);
        /* One handshake won; the other's RESP found no index. */
        CHECK_EQ_INT(a.dropped_unknown_index + b.dropped_unknown_index, 1);
        traffic(mode, 800);
        a = link_stats(&L, 0);
        b = link_stats(&L, 1);
        CHECK_EQ_INT(L.n[1].got[0], L.n[0].sent_seq[1]);
        CHECK_EQ_INT(L.n[0].got[1], L.n[1].sent_seq[0]);
        if (mode == 0) {
            CHECK_EQ_INT(L.n[0].disorder + L.n[1].disorder, 0);
            CHECK_EQ_INT(a.dropped_unknown_index + b.dropped_unknown_index, 1);
            /* From then on one side rekeys, the other answers. */
            CHECK_EQ_INT(a.handshakes_initiated + b.handshakes_initiated, 5);
        }
        CHECK_EQ_INT(a.dropped_decrypt + b.dropped_decrypt, 0);
        CHECK_EQ_INT(a.handshakes_failed + b.handshakes_failed, 0);
        link_free(&L);
    }
}

#include "test_session_limits.h"

int main(void)
{
    RUN(test_handshake_then_data_both_ways);
    RUN(test_first_data_waits_for_the_handshake);
    RUN(test_responder_data_waits_for_key_confirmation);
    RUN(test_rekey_at_120s_loses_nothing);
    RUN(test_keypair_past_reject_after_refused);
    RUN(test_data_replay_dropped_reorder_accepted);
    RUN(test_init_replay_and_flood_dropped);
    RUN(test_flipped_bit_in_each_field_dropped_with_its_reason);
    RUN(test_bad_headers_and_lengths_counted);
    RUN(test_unknown_index_dropped);
    RUN(test_under_load_cookie_then_mac2_completes);
    RUN(test_simultaneous_initiation_converges);
    run_limit_tests();
    return TEST_REPORT("session");
}
