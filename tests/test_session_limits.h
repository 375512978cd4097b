/* Part of tests/test_session.c (included there: one test executable per
 * module): the bounds (queue, table, outbox, message counters), handshake
 * retries and giving up, forgetting, roaming, a client without a record,
 * buffer sizes and configuration checks. */

static void test_queue_max_drops_the_oldest(void)
{
    ec_sess_config c;
    link_init(&L, 0);
    ec_sess_config_default(&c);
    c.queue_max = 4;
    link_add(&L, &c);
    link_add(&L, NULL);
    for (int i = 0; i < 6; i++) CHECK_EQ_INT(link_send(&L, 0, 1, 20), EC_OK);
    CHECK_EQ_INT(link_stats(&L, 0).dropped_queue_full, 2);
    link_pump(&L);
    CHECK_EQ_INT(L.n[1].got[0], 4);
    CHECK_EQ_INT(L.n[1].next_seq[0], 6); /* the newest four: 2..5 */
    link_free(&L);
}

static void test_sessions_max_refuses_then_reuses_idle(void)
{
    ec_sess_config c;
    link_init(&L, 0);
    ec_sess_config_default(&c);
    c.sessions_max = 2;
    link_add(&L, &c);
    for (int i = 0; i < 3; i++) link_add(&L, NULL);
    handshake(0, 1);
    handshake(0, 2);
    CHECK_EQ_INT(link_send(&L, 0, 3, 20), EC_ERR_NOMEM);
    CHECK_EQ_INT(link_stats(&L, 0).dropped_table_full, 1);
    /* A new peer's INIT is refused too (after its DH: the key is in it). */
    CHECK_EQ_INT(link_send(&L, 3, 0, 20), EC_OK);
    link_pump(&L);
    CHECK_EQ_INT(link_stats(&L, 0).dropped_table_full, 2);
    CHECK_EQ_INT(link_stats(&L, 0).sessions, 2);
    /* Idle for reject_after_ms: the least recently active one goes. */
    link_advance(&L, 181000, true);
    CHECK_EQ_INT(link_stats(&L, 3).handshakes_failed, 1);
    CHECK_EQ_INT(link_send(&L, 0, 3, 20), EC_OK);
    link_pump(&L);
    CHECK_EQ_INT(L.n[3].got[0], 1);
    CHECK_EQ_INT(link_stats(&L, 0).sessions, 2);
    CHECK_EQ_INT(link_send(&L, 0, 2, 20), EC_OK); /* kept */
    link_pump(&L);
    CHECK_EQ_INT(L.n[2].got[0], 2);
    link_free(&L);
}

static void test_outbox_max_bytes_enforced(void)
{
    ec_sess_config c;
    link_init(&L, 0);
    ec_sess_config_default(&c);
    c.outbox_max_bytes = 2000;
    link_add(&L, &c);
    link_add(&L, NULL);
    handshake(0, 1);
    int ok = 0;
    ec_err err = EC_OK;
    while ((err = link_send(&L, 0, 1, 100)) == EC_OK) ok++;
    CHECK_EQ_INT(err, EC_ERR_NOMEM);
    CHECK_EQ_INT(ok, 2000 / 132); /* 16 + 100 + 16 bytes each */
    ec_sess_stats st = link_stats(&L, 0);
    CHECK_EQ_INT(st.dropped_outbox_full, 1);
    CHECK(st.outbox_bytes <= 2000);
    CHECK_EQ_INT(st.outbox_bytes, (uint64_t)ok * 132);
    /* A datagram that leaves makes room for one more. */
    uint8_t b[EC_PKT_MTU];
    size_t len;
    ec_endpoint to;
    CHECK_EQ_INT(ec_sess_next_out(L.n[0].s, &to, b, sizeof b, &len), EC_OK);
    CHECK_EQ_INT(link_send(&L, 0, 1, 100), EC_OK);
    link_free(&L);
}

static void test_retries_every_5s_and_gives_up_at_90s(void)
{
    link_init(&L, 2);
    uint64_t start = t0(), times[40];
    uint32_t senders[40];
    int n = 0;
    for (int i = 0; i < 3; i++) CHECK_EQ_INT(link_send(&L, 0, 1, 20), EC_OK);
    for (int guard = 0; guard < 100 && n < 40; guard++) {
        link_collect(&L);
        lpkt p;
        while (link_take(&L, &p)) {
            CHECK_EQ_INT(p.b[2], EC_PKT_INIT);
            times[n] = t0();
            memcpy(&senders[n], p.b + 4, 4);
            n++;
        }
        uint64_t d = ec_sess_next_deadline(L.n[0].s);
        if (d == UINT64_MAX) break;
        link_set_time(&L, d);
        ec_sess_tick(L.n[0].s, &L.clk);
    }
    CHECK(n >= 17 && n <= 18);
    int bad = 0;
    for (int i = 1; i < n; i++) {
        uint64_t gap = times[i] - times[i - 1];
        bad += gap < 5000 || gap > 5333;
        bad += senders[i] == senders[i - 1]; /* each a new handshake */
    }
    CHECK_EQ_INT(bad, 0);
    CHECK(times[n - 1] < start + 90000);
    CHECK_EQ_INT(t0(), start + 90000); /* gave up exactly then */
    ec_sess_stats st = link_stats(&L, 0);
    CHECK_EQ_INT(st.handshakes_failed, 1);
    CHECK_EQ_INT(st.handshakes_initiated, (uint64_t)n);
    CHECK_EQ_INT(st.dropped_queue_failed, 3);
    CHECK(ec_sess_next_deadline(L.n[0].s) == UINT64_MAX);
    /* Sending again starts a new attempt, which can succeed; its INIT
     * waits for rekey_timeout_ms after the last one. */
    CHECK_EQ_INT(link_send(&L, 0, 1, 20), EC_OK);
    link_collect(&L);
    CHECK_EQ_INT(L.nfl, 0);
    link_advance(&L, 5400, true);
    CHECK_EQ_INT(L.n[1].got[0], 1);
    CHECK_EQ_INT(L.n[1].next_seq[0], 4);
    link_free(&L);
}

static void test_forget_drops_session_queue_and_indices(void)
{
    link_init(&L, 2);
    handshake(0, 1);
    CHECK_EQ_INT(link_stats(&L, 1).sessions, 1);
    ec_sess_forget(L.n[1].s, L.n[0].pub);
    ec_sess_forget(L.n[1].s, L.n[1].pub); /* unknown: nothing happens */
    CHECK_EQ_INT(link_stats(&L, 1).sessions, 0);
    CHECK_EQ_INT(link_send(&L, 0, 1, 20), EC_OK); /* A still has keys */
    link_pump(&L);
    CHECK_EQ_INT(link_stats(&L, 1).dropped_unknown_index, 1);
    CHECK_EQ_INT(L.n[1].got[0], 1);
    /* B starts afresh; A answers as responder. */
    CHECK_EQ_INT(link_send(&L, 1, 0, 20), EC_OK);
    link_pump(&L);
    CHECK_EQ_INT(L.n[0].got[1], 1);
    CHECK_EQ_INT(link_send(&L, 0, 1, 20), EC_OK);
    link_pump(&L);
    CHECK_EQ_INT(L.n[1].got[0], 2);
    /* A queue goes with its session. */
    link_add(&L, NULL);
    CHECK_EQ_INT(link_send(&L, 0, 2, 20), EC_OK);
    CHECK_EQ_INT(link_send(&L, 0, 2, 20), EC_OK);
    ec_sess_forget(L.n[0].s, L.n[2].pub);
    CHECK_EQ_INT(link_stats(&L, 0).dropped_queue_failed, 2);
    link_pump(&L); /* its INIT still flies: C answers, A has no index */
    CHECK_EQ_INT(link_stats(&L, 0).dropped_unknown_index, 1);
    link_free(&L);
}

static ec_endpoint seen_ep;
static bool seen_up;
static uint64_t seen_age, seen_rx;

static void on_session(void *arg, const uint8_t peer[32], const ec_endpoint *ep,
                       bool up, uint64_t key_age_ms, uint64_t last_rx_ms)
{
    (void)peer;
    ++*(int *)arg;
    seen_ep = *ep;
    seen_up = up;
    seen_age = key_age_ms;
    seen_rx = last_rx_ms;
}

static bool b_sees_a_at(const ec_endpoint *ep)
{
    int n = 0;
    ec_sess_foreach(L.n[1].s, t0(), on_session, &n);
    return n == 1 && seen_ep.len == ep->len &&
           memcmp(seen_ep.b, ep->b, ep->len) == 0;
}

static void test_roaming_follows_authenticated_packets_only(void)
{
    lpkt data, init;
    link_init(&L, 2);
    CHECK_EQ_INT(link_send(&L, 0, 1, 20), EC_OK);
    collect_one(&init, EC_PKT_INIT);
    link_deliver(&L, &init);
    link_pump(&L);
    ec_endpoint home = L.n[0].ep, away = link_ep(0, 2), evil = link_ep(9, 9);
    CHECK(b_sees_a_at(&home));
    CHECK(seen_up);
    CHECK_EQ_INT(seen_rx, t0());
    link_set_time(&L, t0() + 1000);
    CHECK_EQ_INT(seen_age, 0);
    /* A moves: its next DATA comes from elsewhere, B follows. */
    L.n[0].ep = away;
    CHECK_EQ_INT(link_send(&L, 0, 1, 20), EC_OK);
    collect_one(&data, EC_PKT_DATA);
    CHECK(data.src.b[5] == 2);
    link_deliver(&L, &data);
    CHECK(b_sees_a_at(&away));
    CHECK_EQ_INT(seen_age, 1000);
    CHECK_EQ_INT(link_send(&L, 1, 0, 20), EC_OK);
    link_collect(&L);
    CHECK_EQ_INT(L.fl[0].dst.b[5], 2);
    link_pump(&L);
    CHECK_EQ_INT(L.n[0].got[1], 1);
    /* From elsewhere, but not authentic: B stays. */
    data.src = evil;
    link_deliver(&L, &data); /* a replay */
    CHECK_EQ_INT(link_send(&L, 0, 1, 20), EC_OK);
    collect_one(&data, EC_PKT_DATA);
    data.src = evil;
    data.b[20] ^= 1;
    link_deliver(&L, &data); /* tampered */
    init.src = evil;
    link_deliver(&L, &init); /* an old INIT */
    CHECK(b_sees_a_at(&away));
    ec_sess_stats st = link_stats(&L, 1);
    CHECK_EQ_INT(st.dropped_replay, 1);
    CHECK_EQ_INT(st.dropped_decrypt, 1);
    CHECK_EQ_INT(st.dropped_init_replay, 1);
    /* The caller's endpoint does not override a heard one. */
    ec_endpoint stale = link_ep(7, 7);
    CHECK_EQ_INT(ec_sess_send(L.n[1].s, &L.clk, L.n[0].pub, &stale,
                              (const uint8_t *)"\1\1\0\0\0", 5), EC_OK);
    link_collect(&L);
    CHECK_EQ_INT(L.fl[0].dst.b[5], 2);
    link_free(&L);
}

static void test_client_without_record_completes(void)
{
    ec_sess_config c;
    link_init(&L, 0);
    link_add(&L, NULL);
    ec_sess_config_default(&c);
    link_add(&L, &c); /* has_record false */
    handshake(1, 0);
    CHECK_EQ_INT(L.n[0].ups, 1);
    CHECK(!L.n[0].up.has_record);
    CHECK(!L.n[0].up.initiator);
    CHECK_EQ_INT(L.n[1].ups, 1);
    CHECK(L.n[1].up.has_record);
    CHECK_MEM(L.n[1].up.record, L.n[0].cfg.record, EC_SESS_RECORD_LEN);
    CHECK_EQ_INT(L.n[0].got[1], 1);
    CHECK_EQ_INT(link_send(&L, 0, 1, 20), EC_OK);
    link_pump(&L);
    CHECK_EQ_INT(L.n[1].got[0], 1);
    link_free(&L);
}

static void test_message_limits_rekey_and_refuse(void)
{
    ec_sess_config c;
    link_init(&L, 0);
    ec_sess_config_default(&c);
    c.rekey_after_messages = 5;
    c.reject_after_messages = 8;
    c.has_record = true;
    link_add(&L, &c);
    c.rekey_after_messages = c.reject_after_messages = 4; /* B refuses
                                                              counters from 4 on */
    link_add(&L, &c);
    handshake(0, 1); /* counter 0 */
    link_set_time(&L, t0() + 6000); /* INITs at most one per 5 s */
    for (int i = 0; i < 7; i++) CHECK_EQ_INT(link_send(&L, 0, 1, 20), EC_OK);
    link_collect(&L);
    /* Counters 1..7 as DATA, and an INIT once counter 5 was spent. */
    int data = 0, inits = 0;
    for (size_t i = 0; i < L.nfl; i++) {
        data += L.fl[i].b[2] == EC_PKT_DATA;
        inits += L.fl[i].b[2] == EC_PKT_INIT;
    }
    CHECK_EQ_INT(data, 7);
    CHECK_EQ_INT(inits, 1);
    lpkt p;
    ec_sess_stats before = link_stats(&L, 1), after;
    while (link_take(&L, &p))
        if (p.b[2] == EC_PKT_DATA) link_deliver(&L, &p);
    after = link_stats(&L, 1);
    CHECK_EQ_INT(after.dropped_expired - before.dropped_expired, 4); /* 4..7 */
    CHECK_EQ_INT(L.n[1].got[0], 4);
    /* Counter 8 is never used: the next one waits for a new keypair. */
    CHECK_EQ_INT(link_send(&L, 0, 1, 20), EC_OK);
    link_collect(&L);
    CHECK_EQ_INT(L.nfl, 0);
    link_advance(&L, 5400, true);
    CHECK_EQ_INT(L.n[1].got[0], 5);
    CHECK_EQ_INT(link_stats(&L, 0).rekeys, 1);
    link_free(&L);
}

static void test_buffers_and_arguments(void)
{
    uint8_t big[EC_SESS_PLAIN_MAX + 1] = {0}, b[EC_PKT_MTU];
    size_t len = 0;
    ec_endpoint to;
    link_init(&L, 2);
    CHECK_EQ_INT(ec_sess_send(L.n[0].s, &L.clk, L.n[1].pub, &L.n[1].ep, big,
                              sizeof big), EC_ERR_RANGE);
    CHECK_EQ_INT(link_stats(&L, 0).dropped_too_big, 1);
    CHECK_EQ_INT(ec_sess_send(L.n[0].s, &L.clk, L.n[0].pub, &L.n[1].ep, big,
                              1), EC_ERR_ARG); /* ourselves */
    CHECK_EQ_INT(ec_sess_send(L.n[0].s, &L.clk, L.n[1].pub, NULL, big, 1),
                 EC_ERR_ARG); /* no endpoint known */
    CHECK_EQ_INT(ec_sess_next_out(L.n[0].s, &to, b, sizeof b, &len),
                 EC_ERR_NOTFOUND);
    CHECK_EQ_INT(link_stats(&L, 0).sessions, 0);
    CHECK_EQ_INT(link_send(&L, 0, 1, EC_SESS_PLAIN_MAX), EC_OK);
    CHECK_EQ_INT(ec_sess_next_out(L.n[0].s, &to, b, 100, &len), EC_ERR_RANGE);
    CHECK_EQ_INT(len, EC_PKT_INIT_LEN); /* kept */
    link_pump(&L);
    CHECK_EQ_INT(L.n[1].got[0], 1);
    CHECK_EQ_INT(link_send(&L, 0, 1, EC_SESS_PLAIN_MAX), EC_OK);
    lpkt p;
    collect_one(&p, EC_PKT_DATA);
    CHECK_EQ_INT(p.len, EC_PKT_MTU);
    ec_sess_event ev;
    CHECK_EQ_INT(ec_sess_recv(L.n[1].s, &L.clk, &p.src, false, p.b, p.len, big,
                              100, &ev), EC_ERR_RANGE);
    CHECK_EQ_INT(ec_sess_recv(L.n[1].s, &L.clk, &p.src, false, p.b, p.len, big,
                              sizeof big, &ev), EC_OK);
    CHECK_EQ_INT(ev.kind, EC_SESS_EV_DATA);
    CHECK_EQ_INT(ev.len, EC_SESS_PLAIN_MAX);
    CHECK_EQ_INT(ec_sess_recv(L.n[1].s, &L.clk, &p.src, false, NULL, 5, big,
                              sizeof big, &ev), EC_ERR_ARG);
    CHECK_EQ_INT(ec_sess_recv(L.n[1].s, &L.clk, &p.src, false, NULL, 0, NULL,
                              0, &ev), EC_OK);
    CHECK_EQ_INT(link_stats(&L, 1).dropped_short, 1);
    link_free(&L);
}

static void test_config_checked(void)
{
    ec_sess_config c;
    ec_sess *s = NULL;
    ec_rng r;
    ec_rng_seed(&r, 1);
    ec_sess_config_default(&c);
    link_keys(0, c.static_priv, c.static_pub);
    CHECK_EQ_INT(ec_sess_new(&s, &c, link_rand, &r), EC_OK);
    ec_sess_free(s);
    ec_sess_free(NULL);
    CHECK_EQ_INT(ec_sess_new(&s, &c, NULL, &r), EC_ERR_ARG);
    c.static_pub[0] ^= 1;
    CHECK_EQ_INT(ec_sess_new(&s, &c, link_rand, &r), EC_ERR_ARG);
    c.static_pub[0] ^= 1;
    c.rekey_after_ms = c.reject_after_ms;
    CHECK_EQ_INT(ec_sess_new(&s, &c, link_rand, &r), EC_ERR_ARG);
    ec_sess_config_default(&c);
    link_keys(0, c.static_priv, c.static_pub);
    c.sessions_max = 0;
    CHECK_EQ_INT(ec_sess_new(&s, &c, link_rand, &r), EC_ERR_ARG);
    c.sessions_max = 1;
    c.outbox_max_bytes = EC_PKT_MTU - 1;
    CHECK_EQ_INT(ec_sess_new(&s, &c, link_rand, &r), EC_ERR_ARG);
    c.outbox_max_bytes = EC_PKT_MTU;
    c.reject_after_messages = UINT64_MAX;
    CHECK_EQ_INT(ec_sess_new(&s, &c, link_rand, &r), EC_ERR_ARG);
    ec_sess_config_default(&c);
    CHECK(c.rekey_after_ms == 120000 && c.reject_after_ms == 180000 &&
          c.rekey_attempt_ms == 90000 && c.rekey_timeout_ms == 5000 &&
          c.sessions_max == 4096 && c.queue_max == 16 &&
          c.outbox_max_bytes == 1048576 &&
          c.rekey_after_messages == (UINT64_C(1) << 60) &&
          c.reject_after_messages == UINT64_MAX - 8192);
}

static void run_limit_tests(void)
{
    RUN(test_queue_max_drops_the_oldest);
    RUN(test_sessions_max_refuses_then_reuses_idle);
    RUN(test_outbox_max_bytes_enforced);
    RUN(test_retries_every_5s_and_gives_up_at_90s);
    RUN(test_forget_drops_session_queue_and_indices);
    RUN(test_roaming_follows_authenticated_packets_only);
    RUN(test_client_without_record_completes);
    RUN(test_message_limits_rekey_and_refuse);
    RUN(test_buffers_and_arguments);
    RUN(test_config_checked);
}
