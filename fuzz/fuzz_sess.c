/* libFuzzer harness: the session layer (src/net/session.h), two sessions
 * A and B with fixed keys on a link the input drives.
 *
 * The input is a series of records; the low 3 bits of the first byte
 * choose:
 *   0  [len u16][bytes]: the bytes as a datagram to A, from B's endpoint or
 *      (bit 4) another one; bit 3: under load.
 *   1  [sel][n][n x (pos u16, xor u8)]: the genuine datagram in flight at
 *      sel % count, with n bytes changed, to where it was going; bit 3
 *      under load, bit 4 mac1 recomputed after the change (so the change
 *      reaches Noise), bit 5 from another endpoint, bit 6 left in flight
 *      (a duplicate).
 *   2  [ms u16]: the clock moves ms (x 64 with bit 3), both tick.
 *   3  [len u16]: a plaintext of len % 1400 bytes (over 1368: refused),
 *      from A to B, or (bit 3) from B to A.
 *   4  [sel]: the datagram at sel % count is lost.
 *   5  A (or, bit 3, B) forgets the other.
 *   6, 7: both tick.
 * What A and B send goes in flight (at most FLIGHT; more is lost).
 *
 * After every record (a violation is __builtin_trap):
 *   - every counter of both sides' stats only grows;
 *   - neither outbox holds more than its byte bound;
 *   - every datagram from ec_sess_next_out decodes (ec_pkt_decode) and
 *     goes to the other side's endpoint or to the endpoint that sent A
 *     something (a COOKIE);
 *   - a DATA event comes from the other side's key and carries a plaintext
 *     that side sent (accepted by ec_sess_send): its sender byte, sequence
 *     number, length and contents, at most once each (for raw op-0 bytes,
 *     which can replay a seed's genuine datagram, only its form);
 *   - after a tick, the next deadline lies in the future;
 *   - ec_sess_send's result: EC_ERR_RANGE exactly when too long, else OK or
 *     EC_ERR_NOMEM (outbox full).
 *
 * Seeds: fuzz/corpus/sess/ holds valid packets of each type, as records,
 * written by this file built with -DFUZZ_SESS_CORPUS (see the end). */
#include <sodium.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/rng.h"
#include "net/session.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FLIGHT 64
#define SENDS_MAX 1024
#define WALL0 UINT64_C(1700000000000000000)
#define CHECK(c) \
    do { \
        if (!(c)) __builtin_trap(); \
    } while (0)

typedef struct dgram {
    ec_endpoint to, from;
    size_t len;
    uint8_t b[EC_PKT_MTU];
} dgram;

typedef struct side {
    ec_sess *s;
    ec_rng rng;
    ec_sess_config cfg;
    ec_endpoint ep;
    uint32_t sent; /* plaintexts offered */
    uint16_t len[SENDS_MAX];
    uint8_t ok[SENDS_MAX];        /* ec_sess_send said EC_OK */
    uint8_t delivered[SENDS_MAX]; /* seen by the other side */
    ec_sess_stats st;
} side;

static side S[2];
static dgram fl[FLIGHT];
static size_t nfl;
static ec_sess_clock clk;
static ec_endpoint evil;
static uint8_t plain[EC_SESS_PLAIN_MAX];
static bool raw_delivery; /* the datagram came from the input's bytes */

static void rnd(void *arg, uint8_t *buf, size_t len)
{
    ec_rng_bytes(arg, buf, len);
}

static ec_endpoint ep_of(uint8_t a)
{
    ec_endpoint e;
    memset(&e, 0, sizeof e);
    e.len = 6;
    e.b[0] = 10;
    e.b[3] = a;
    e.b[5] = 0x90;
    return e;
}

static bool ep_eq(const ec_endpoint *a, const ec_endpoint *b)
{
    return a->len == b->len && memcmp(a->b, b->b, a->len) == 0;
}

static void setup(void)
{
    memset(S, 0, sizeof S);
    nfl = 0;
    clk.mono_ms = 1000;
    clk.wall_ns = WALL0 + clk.mono_ms * 1000000u;
    evil = ep_of(99);
    for (int i = 0; i < 2; i++) {
        side *d = &S[i];
        ec_sess_config_default(&d->cfg);
        for (int k = 0; k < 32; k++) d->cfg.static_priv[k] = (uint8_t)(i * 77 + k + 1);
        crypto_scalarmult_base(d->cfg.static_pub, d->cfg.static_priv);
        d->cfg.has_record = i == 0; /* B is a client */
        memset(d->cfg.record, 0x40 + i, sizeof d->cfg.record);
        d->cfg.outbox_max_bytes = 4096;
        d->cfg.queue_max = 4;
        d->cfg.sessions_max = 2;
        d->ep = ep_of((uint8_t)(i + 1));
        ec_rng_seed(&d->rng, 7 + (uint64_t)i);
        CHECK(ec_sess_new(&d->s, &d->cfg, rnd, &d->rng) == EC_OK);
    }
}

static void teardown(void)
{
    for (int i = 0; i < 2; i++) ec_sess_free(S[i].s);
}

static void fill(uint8_t *b, int from, uint32_t seq, size_t len)
{
    b[0] = (uint8_t)from;
    for (int k = 0; k < 4; k++) b[1 + k] = (uint8_t)(seq >> (8 * k));
    for (size_t k = 5; k < len; k++) b[k] = (uint8_t)(seq * 31 + k);
}

static void on_event(int to, const ec_sess_event *ev)
{
    if (ev->kind != EC_SESS_EV_DATA) return;
    int from = 1 - to;
    side *d = &S[from];
    CHECK(memcmp(ev->peer, d->cfg.static_pub, 32) == 0);
    CHECK(ev->len >= 5);
    CHECK(plain[0] == from);
    uint32_t seq = (uint32_t)plain[1] | (uint32_t)plain[2] << 8 |
                   (uint32_t)plain[3] << 16 | (uint32_t)plain[4] << 24;
    static uint8_t want[EC_SESS_PLAIN_MAX];
    fill(want, from, seq, ev->len);
    CHECK(memcmp(want, plain, ev->len) == 0);
    /* Raw input bytes can hold a genuine datagram of B's from another run
     * (a seed): the keys, seeds and clock are the same, so B's keypairs
     * are too, and it decrypts. It is B's plaintext, but not one this run
     * sent: only its form is checked. A real peer's ephemerals come from
     * a CSPRNG, which no recording can predict. */
    if (raw_delivery) return;
    CHECK(seq < d->sent && d->ok[seq] && !d->delivered[seq]);
    CHECK(ev->len == d->len[seq]);
    d->delivered[seq] = 1;
}

static void recv_at(int to, const ec_endpoint *from, bool load,
                    const uint8_t *b, size_t len)
{
    ec_sess_event ev;
    CHECK(ec_sess_recv(S[to].s, &clk, from, load, b, len, plain,
                       sizeof plain, &ev) == EC_OK);
    on_event(to, &ev);
}

/* Drains both outboxes into flight, checking each datagram. */
static void collect(void)
{
    static dgram g;
    for (int i = 0; i < 2; i++) {
        ec_sess_stats st;
        ec_sess_get_stats(S[i].s, &st);
        CHECK(st.outbox_bytes <= S[i].cfg.outbox_max_bytes);
        while (ec_sess_next_out(S[i].s, &g.to, g.b, sizeof g.b, &g.len) == EC_OK) {
            ec_pkt p;
            CHECK(g.len <= EC_PKT_MTU);
            CHECK(ec_pkt_decode(g.b, g.len, &p) == EC_PKT_OK);
            CHECK(ep_eq(&g.to, &S[1 - i].ep) || ep_eq(&g.to, &evil));
            g.from = S[i].ep;
            if (nfl < FLIGHT && ep_eq(&g.to, &S[1 - i].ep)) fl[nfl++] = g;
        }
    }
}

static void check_stats(void)
{
    for (int i = 0; i < 2; i++) {
        ec_sess_stats st;
        ec_sess_get_stats(S[i].s, &st);
        const uint64_t *a = (const uint64_t *)(const void *)&S[i].st;
        const uint64_t *b = (const uint64_t *)(const void *)&st;
        for (size_t k = 0; k < offsetof(ec_sess_stats, sessions) / 8; k++)
            CHECK(b[k] >= a[k]);
        CHECK(st.sessions <= 1);
        S[i].st = st;
    }
}

static void tick_both(void)
{
    for (int i = 0; i < 2; i++) {
        CHECK(ec_sess_tick(S[i].s, &clk) == EC_OK);
        CHECK(ec_sess_next_deadline(S[i].s) > clk.mono_ms);
    }
}

static void remac1(uint8_t *b, size_t len, const uint8_t pub[32])
{
    size_t off = len == EC_PKT_INIT_LEN ? EC_PKT_INIT_MAC1
                 : len == EC_PKT_RESP_LEN ? EC_PKT_RESP_MAC1 : 0;
    if (off == 0) return;
    uint8_t key[32];
    crypto_generichash_state st;
    crypto_generichash_init(&st, NULL, 0, 32);
    crypto_generichash_update(&st, (const uint8_t *)"mac1----", 8);
    crypto_generichash_update(&st, pub, 32);
    crypto_generichash_final(&st, key, 32);
    crypto_generichash(b + off, 16, b, off, key, 32);
}

static void send_from(int from, size_t len)
{
    side *d = &S[from];
    if (d->sent >= SENDS_MAX) return;
    static uint8_t b[EC_PKT_MTU];
    if (len < 5) len = 5;
    uint32_t seq = d->sent++;
    fill(b, from, seq, len);
    ec_err err = ec_sess_send(d->s, &clk, S[1 - from].cfg.static_pub,
                              &S[1 - from].ep, b, len);
    if (len > EC_SESS_PLAIN_MAX) CHECK(err == EC_ERR_RANGE);
    else CHECK(err == EC_OK || err == EC_ERR_NOMEM);
    d->len[seq] = (uint16_t)len;
    d->ok[seq] = err == EC_OK;
}

/* Runs the record at data[*pi], moving *pi past it. */
static void step(const uint8_t *data, size_t size, size_t *pi)
{
    static dgram g;
    size_t i = *pi;
    uint8_t op = data[i++];
    size_t left = size - i;
    switch (op & 7) {
    case 0: {
        size_t len = left >= 2 ? (size_t)(data[i] | data[i + 1] << 8) : 0;
        i += left >= 2 ? 2 : left;
        if (len > size - i) len = size - i;
        raw_delivery = true;
        recv_at(0, (op & 0x10) ? &evil : &S[1].ep, op & 0x08, data + i, len);
        raw_delivery = false;
        i += len;
        break;
    }
    case 1: {
        if (left < 2) {
            i = size;
            break;
        }
        size_t sel = data[i], nmut = data[i + 1] & 15;
        i += 2;
        if (nfl == 0) {
            i = i + 3 * nmut < size ? i + 3 * nmut : size;
            break;
        }
        sel %= nfl;
        g = fl[sel];
        for (size_t m = 0; m < nmut && i + 3 <= size; m++, i += 3) {
            size_t pos = (size_t)(data[i] | data[i + 1] << 8) % g.len;
            g.b[pos] ^= data[i + 2];
        }
        if (!(op & 0x40)) {
            memmove(&fl[sel], &fl[sel + 1], (nfl - sel - 1) * sizeof fl[0]);
            nfl--;
        }
        int to = ep_eq(&g.to, &S[0].ep) ? 0 : 1;
        if (op & 0x10) remac1(g.b, g.len, S[to].cfg.static_pub);
        recv_at(to, (op & 0x20) ? &evil : &g.from, op & 0x08, g.b, g.len);
        break;
    }
    case 2: {
        uint64_t ms = left >= 2 ? (uint64_t)(data[i] | data[i + 1] << 8) : 1;
        i += left >= 2 ? 2 : left;
        if (op & 0x08) ms *= 64;
        clk.mono_ms += ms;
        clk.wall_ns = WALL0 + clk.mono_ms * 1000000u;
        tick_both();
        break;
    }
    case 3: {
        size_t len = left >= 2 ? (size_t)(data[i] | data[i + 1] << 8) % 1400 : 5;
        i += left >= 2 ? 2 : left;
        send_from((op & 0x08) ? 1 : 0, len);
        break;
    }
    case 4:
        if (left >= 1 && nfl) {
            size_t sel = data[i] % nfl;
            memmove(&fl[sel], &fl[sel + 1], (nfl - sel - 1) * sizeof fl[0]);
            nfl--;
        }
        i += left >= 1;
        break;
    case 5: {
        int who = (op & 0x08) ? 1 : 0;
        ec_sess_forget(S[who].s, S[1 - who].cfg.static_pub);
        break;
    }
    default: tick_both(); break;
    }
    collect();
    check_stats();
    *pi = i;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    setup();
    size_t i = 0;
    while (i < size) step(data, size, &i);
    teardown();
    return 0;
}

#ifdef FUZZ_SESS_CORPUS
/* The seeds, written by this file built as a program:
 *   cc -DFUZZ_SESS_CORPUS -Isrc fuzz/fuzz_sess.c build/libec.a \
 *      $(pkg-config --libs libsodium libargon2 glib-2.0) -llmdb -lm
 *   ./a.out fuzz/corpus/sess
 * Each seed replays a flow record by record, through the harness's own
 * step(); datagrams for A are written as raw op-0 records (A's state then
 * matches: same keys, seeds, clock), so each type appears as bytes. */
static uint8_t out[16384];
static size_t nout;

static void emit(const uint8_t *rec, size_t n)
{
    size_t i = 0;
    memcpy(out + nout, rec, n);
    nout += n;
    step(rec, n, &i);
}

static void op2(uint8_t op, uint16_t v)
{
    uint8_t r[3] = {op, (uint8_t)v, (uint8_t)(v >> 8)};
    emit(r, 3);
}

/* The first datagram in flight of `type` for side `to`; -1 if none. */
static int find(int to, uint8_t type)
{
    for (size_t k = 0; k < nfl; k++)
        if (ep_eq(&fl[k].to, &S[to].ep) && fl[k].b[2] == type) return (int)k;
    return -1;
}

/* Delivers a genuine datagram of `type` (flags: op bits) to B. */
static void to_b(uint8_t type, uint8_t flags)
{
    int k = find(1, type);
    CHECK(k >= 0);
    uint8_t r[3] = {(uint8_t)(1 | flags), (uint8_t)k, 0};
    emit(r, 3);
}

/* Writes a datagram of `type` for A as raw bytes (op 0). */
static void raw_to_a(uint8_t type, uint8_t flags)
{
    static uint8_t r[3 + EC_PKT_MTU];
    int k = find(0, type);
    CHECK(k >= 0);
    dgram d = fl[k];
    r[0] = flags;
    r[1] = (uint8_t)d.len;
    r[2] = (uint8_t)(d.len >> 8);
    memcpy(r + 3, d.b, d.len);
    emit(r, 3 + d.len);
    uint8_t drop[2] = {4, (uint8_t)k}; /* op 0 leaves it in flight */
    emit(drop, 2);
}

static void save(const char *dir, const char *name)
{
    char path[512];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "wb");
    CHECK(f != NULL);
    CHECK(fwrite(out, 1, nout, f) == nout);
    fclose(f);
    nout = 0;
    teardown();
    setup();
}

int main(int argc, char **argv)
{
    const char *dir = argc > 1 ? argv[1] : "fuzz/corpus/sess";
    setup();
    /* INIT and DATA: B (a client) initiates; A answers. */
    op2(3 | 8, 40);
    raw_to_a(EC_PKT_INIT, 0);
    to_b(EC_PKT_RESP, 0);
    raw_to_a(EC_PKT_DATA, 0);
    op2(3, 100);
    to_b(EC_PKT_DATA, 0);
    save(dir, "init_data");
    /* RESP: A initiates; B's answer and then data both ways. */
    op2(3, 1368);
    to_b(EC_PKT_INIT, 0);
    raw_to_a(EC_PKT_RESP, 0);
    to_b(EC_PKT_DATA, 0);
    op2(3 | 8, 7);
    raw_to_a(EC_PKT_DATA, 0);
    save(dir, "resp_data");
    /* COOKIE: B is loaded; A's retry carries mac2. */
    op2(3, 20);
    to_b(EC_PKT_INIT, 8);
    raw_to_a(EC_PKT_COOKIE, 0);
    op2(2, 5400);
    to_b(EC_PKT_INIT, 8);
    raw_to_a(EC_PKT_RESP, 0);
    to_b(EC_PKT_DATA, 0);
    save(dir, "cookie");
    /* A loaded A answers B's INIT with a COOKIE of its own. */
    op2(3 | 8, 30);
    raw_to_a(EC_PKT_INIT, 8);
    to_b(EC_PKT_COOKIE, 0);
    op2(2, 5400);
    raw_to_a(EC_PKT_INIT, 8);
    to_b(EC_PKT_RESP, 0);
    save(dir, "cookie_a");
    /* A rekey at 120 s with traffic both ways. */
    op2(3, 20);
    to_b(EC_PKT_INIT, 0);
    raw_to_a(EC_PKT_RESP, 0);
    to_b(EC_PKT_DATA, 0);
    op2(2 | 8, 121000 / 64);
    op2(3 | 8, 50);
    raw_to_a(EC_PKT_DATA, 0);
    op2(3, 50);
    to_b(EC_PKT_DATA, 0);
    to_b(EC_PKT_INIT, 0);
    raw_to_a(EC_PKT_RESP, 0);
    to_b(EC_PKT_DATA, 0);
    op2(3 | 8, 60);
    raw_to_a(EC_PKT_DATA, 0);
    save(dir, "rekey");
    teardown();
    return 0;
}
#endif
