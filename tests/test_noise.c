/* Noise handshake and transport tests: the published test vectors for every
 * supported pattern (byte-for-byte), then the refusals: altered messages,
 * wrong keys, low-order points, short buffers, replayed first messages. */
#include "net/noise.h"
#include "test.h"

#include <sodium.h>
#include <stdlib.h>

#include "noise_vectors.h"

#define BUF 512

static const uint8_t PROLOGUE[] = "ec transport test";

/* ---- the test vectors -------------------------------------------------- */

static const uint8_t *opt(const nv_field *f) { return f->set ? f->b : NULL; }

static int pattern_of(const char *name)
{
    for (int p = EC_NOISE_NN; p <= EC_NOISE_IKPSK2; p++)
        if (strcmp(name, ec_noise_protocol_name((ec_noise_pattern)p)) == 0)
            return p;
    return -1;
}

/* Runs one vector; returns the number of messages whose ciphertext matched
 * (handshake and transport), or -1 if a step failed. */
static int run_vector(const nv_vector *v)
{
    int pat = pattern_of(v->name), checked = 0;
    if (pat < 0) return -1;
    const nv_field *f = v->f;
    ec_noise_config ci = {(ec_noise_pattern)pat, true,
                          f[NV_INIT_PROLOGUE].b, f[NV_INIT_PROLOGUE].len,
                          opt(&f[NV_INIT_STATIC]),
                          opt(&f[NV_INIT_REMOTE_STATIC]),
                          opt(&f[NV_INIT_PSK]), opt(&f[NV_INIT_EPHEMERAL])};
    ec_noise_config cr = {(ec_noise_pattern)pat, false,
                          f[NV_RESP_PROLOGUE].b, f[NV_RESP_PROLOGUE].len,
                          opt(&f[NV_RESP_STATIC]),
                          opt(&f[NV_RESP_REMOTE_STATIC]),
                          opt(&f[NV_RESP_PSK]), opt(&f[NV_RESP_EPHEMERAL])};
    ec_noise_handshake hs[2];
    ec_noise_cipher send[2], recv[2];
    uint8_t out[BUF], pt[BUF], hash[2][EC_NOISE_HASHLEN];
    size_t n, pn, i = 0;
    CHECK_EQ_INT(ec_noise_init(&hs[0], &ci), EC_OK);
    CHECK_EQ_INT(ec_noise_init(&hs[1], &cr), EC_OK);
    for (; i < v->n_msgs && ec_noise_status_of(&hs[0]) != EC_NOISE_DONE; i++) {
        int w = (int)(i % 2); /* messages alternate, initiator first */
        CHECK_EQ_INT(ec_noise_status_of(&hs[w]), EC_NOISE_WRITE);
        CHECK_EQ_INT(ec_noise_status_of(&hs[!w]), EC_NOISE_READ);
        if (ec_noise_write_message(&hs[w], v->payload[i].b, v->payload[i].len,
                                   out, sizeof out, &n) ||
            ec_noise_read_message(&hs[!w], out, n, pt, sizeof pt, &pn))
            return -1;
        CHECK_EQ_INT(n, v->ciphertext[i].len);
        CHECK(n == v->ciphertext[i].len &&
              memcmp(out, v->ciphertext[i].b, n) == 0);
        CHECK(pn == v->payload[i].len && memcmp(pt, v->payload[i].b, pn) == 0);
        checked += n == v->ciphertext[i].len &&
                   memcmp(out, v->ciphertext[i].b, n) == 0;
    }
    CHECK_EQ_INT(ec_noise_status_of(&hs[1]), EC_NOISE_DONE);
    if (f[NV_INIT_STATIC].set) { /* the responder learned or knew it */
        uint8_t want[32], got[32];
        crypto_scalarmult_base(want, f[NV_INIT_STATIC].b);
        CHECK_EQ_INT(ec_noise_remote_static(&hs[1], got), EC_OK);
        CHECK_MEM(got, want, 32);
    }
    for (int s = 0; s < 2; s++) {
        CHECK_EQ_INT(ec_noise_split(&hs[s], &send[s], &recv[s], hash[s]), EC_OK);
        CHECK_MEM(hash[s], f[NV_HANDSHAKE_HASH].b, EC_NOISE_HASHLEN);
        CHECK_EQ_INT(ec_noise_status_of(&hs[s]), EC_NOISE_FAILED);
    }
    CHECK_EQ_INT(f[NV_HANDSHAKE_HASH].len, EC_NOISE_HASHLEN);
    for (; i < v->n_msgs; i++) {
        int w = (int)(i % 2);
        uint8_t out_n[BUF];
        size_t nn;
        uint64_t nonce = send[w].n;
        /* The explicit-nonce form must give the same bytes. */
        CHECK_EQ_INT(ec_noise_cipher_encrypt_n(&send[w], nonce, NULL, 0,
                     v->payload[i].b, v->payload[i].len, out_n, sizeof out_n,
                     &nn), EC_OK);
        if (ec_noise_cipher_encrypt(&send[w], NULL, 0, v->payload[i].b,
                                    v->payload[i].len, out, sizeof out, &n) ||
            ec_noise_cipher_decrypt(&recv[!w], NULL, 0, out, n, pt, sizeof pt,
                                    &pn))
            return -1;
        CHECK(nn == n && memcmp(out_n, out, n) == 0);
        CHECK(pn == v->payload[i].len && memcmp(pt, v->payload[i].b, pn) == 0);
        CHECK_EQ_INT(n, v->ciphertext[i].len);
        checked += n == v->ciphertext[i].len &&
                   memcmp(out, v->ciphertext[i].b, n) == 0;
    }
    return checked;
}

static void test_vectors(void)
{
    static nv_file nf;
    char path[4096];
    snprintf(path, sizeof path, "%s/noise_test_vectors.json", data_dir());
    FILE *fp = fopen(path, "rb");
    static char json[1 << 16];
    size_t len = fp ? fread(json, 1, sizeof json, fp) : 0;
    if (fp) fclose(fp);
    if (!fp) fprintf(stderr, "  cannot read %s (set EC_TEST_DATA)\n", path);
    CHECK(fp != NULL && len > 0 && len < sizeof json);
    CHECK_EQ_INT(nv_parse(json, len, &nf), 0);
    CHECK(strstr(nf.source, "cacophony") != NULL);
    int total = 0, seen_ik = 0, seen_ikpsk2 = 0;
    for (size_t k = 0; k < nf.n; k++) {
        int got = run_vector(&nf.v[k]);
        if (got != (int)nf.v[k].n_msgs)
            fprintf(stderr, "  %s: %d of %zu messages match\n", nf.v[k].name,
                    got, nf.v[k].n_msgs);
        CHECK_EQ_INT(got, nf.v[k].n_msgs);
        total += got > 0 ? got : 0;
        seen_ik += pattern_of(nf.v[k].name) == EC_NOISE_IK;
        seen_ikpsk2 += pattern_of(nf.v[k].name) == EC_NOISE_IKPSK2;
    }
    /* Six patterns (NN NK KK IK XX IKpsk2), six messages each. */
    CHECK_EQ_INT(nf.n, 6);
    CHECK_EQ_INT(total, 36);
    CHECK(seen_ik == 1 && seen_ikpsk2 == 1);
    printf("     %d vector messages checked byte for byte\n", total);
}

/* ---- helpers for the negative tests ------------------------------------ */

typedef struct keys {
    uint8_t si[32], sr[32], ei[32], er[32], psk[32];
    uint8_t si_pub[32], sr_pub[32];
} keys;

static void keys_make(keys *k, uint8_t seed)
{
    for (int i = 0; i < 32; i++) {
        k->si[i] = (uint8_t)(seed + i);
        k->sr[i] = (uint8_t)(seed * 3 + i);
        k->ei[i] = (uint8_t)(seed * 5 + i);
        k->er[i] = (uint8_t)(seed * 7 + i);
        k->psk[i] = (uint8_t)(seed * 11 + i);
    }
    crypto_scalarmult_base(k->si_pub, k->si);
    crypto_scalarmult_base(k->sr_pub, k->sr);
}

static void start(ec_noise_handshake *i, ec_noise_handshake *r,
                  const keys *k, ec_noise_pattern p)
{
    ec_noise_config ci = {p, true, PROLOGUE, sizeof PROLOGUE, k->si,
                          k->sr_pub, k->psk, k->ei};
    ec_noise_config cr = {p, false, PROLOGUE, sizeof PROLOGUE, k->sr, NULL,
                          k->psk, k->er};
    CHECK_EQ_INT(ec_noise_init(i, &ci), EC_OK);
    CHECK_EQ_INT(ec_noise_init(r, &cr), EC_OK);
}

static bool all_zero(const void *p, size_t n)
{
    const uint8_t *b = p;
    for (size_t i = 0; i < n; i++)
        if (b[i]) return false;
    return true;
}

/* A failed state: FAILED, every byte wiped, every call refused. */
static void check_dead(ec_noise_handshake *hs)
{
    uint8_t out[BUF], rs[32];
    size_t n;
    ec_noise_cipher a, b;
    CHECK_EQ_INT(ec_noise_status_of(hs), EC_NOISE_FAILED);
    CHECK(all_zero(hs, sizeof *hs));
    CHECK_EQ_INT(ec_noise_write_message(hs, NULL, 0, out, sizeof out, &n),
                 EC_ERR_ARG);
    CHECK_EQ_INT(ec_noise_read_message(hs, out, 100, out, sizeof out, &n),
                 EC_ERR_ARG);
    CHECK_EQ_INT(ec_noise_split(hs, &a, &b, NULL), EC_ERR_ARG);
    CHECK_EQ_INT(ec_noise_remote_static(hs, rs), EC_ERR_ARG);
}

/* Runs a two-message handshake to the end and splits: is = initiator's. */
static ec_err finish(ec_noise_handshake *i, ec_noise_handshake *r,
                     ec_noise_cipher is[2], ec_noise_cipher rs[2])
{
    uint8_t m[BUF], p[BUF];
    size_t n, pn;
    ec_err err;
    if ((err = ec_noise_write_message(i, (const uint8_t *)"hello", 5, m,
                                      sizeof m, &n)) ||
        (err = ec_noise_read_message(r, m, n, p, sizeof p, &pn)) ||
        (err = ec_noise_write_message(r, NULL, 0, m, sizeof m, &n)) ||
        (err = ec_noise_read_message(i, m, n, p, sizeof p, &pn)) ||
        (err = ec_noise_split(i, &is[0], &is[1], NULL)))
        return err;
    return ec_noise_split(r, &rs[0], &rs[1], NULL);
}

/* ---- refusals ---------------------------------------------------------- */

/* Every byte of every handshake message is authenticated in IK and IKpsk2
 * (the last AEAD covers h, which covers all before it): flipping any one
 * bit makes the reader refuse and wipe its state. */
static void test_flipped_bit_in_each_handshake_message(void)
{
    static const ec_noise_pattern pats[] = {EC_NOISE_IK, EC_NOISE_IKPSK2};
    keys k;
    keys_make(&k, 1);
    size_t flips = 0, want = 0;
    for (size_t pi = 0; pi < 2; pi++)
        for (int msg = 0; msg < 2; msg++) {
            size_t len = 0;
            for (size_t j = 0; j == 0 || j < len; j++) {
                ec_noise_handshake hs[2];
                uint8_t m[BUF], p[BUF];
                size_t n, pn;
                start(&hs[0], &hs[1], &k, pats[pi]);
                if (msg == 1) {
                    ec_noise_write_message(&hs[0], NULL, 0, m, BUF, &n);
                    CHECK_EQ_INT(ec_noise_read_message(&hs[1], m, n, p, BUF,
                                                       &pn), EC_OK);
                }
                CHECK_EQ_INT(ec_noise_write_message(&hs[msg],
                             (const uint8_t *)"hello", 5, m, BUF, &n), EC_OK);
                if (j == 0) want += len = n;
                m[j] ^= (uint8_t)(1u << (j % 8));
                ec_err err = ec_noise_read_message(&hs[!msg], m, n, p, BUF,
                                                   &pn);
                CHECK(err == EC_ERR_SIGNATURE || err == EC_ERR_MALFORMED);
                check_dead(&hs[!msg]);
                flips += err != EC_OK;
            }
        }
    CHECK_EQ_INT(want, 2 * (101 + 53)); /* IK: 96 + 5 and 48 + 5 bytes */
    CHECK_EQ_INT(flips, want);
}

static void test_wrong_responder_key_or_psk(void)
{
    keys k, other;
    keys_make(&k, 2);
    keys_make(&other, 3);
    ec_noise_handshake i, r;
    ec_noise_cipher a[2], b[2];
    uint8_t m[BUF], p[BUF];
    size_t n, pn;
    /* The initiator believes the responder's key is other.sr_pub. */
    ec_noise_config ci = {EC_NOISE_IK, true, NULL, 0, k.si, other.sr_pub,
                          NULL, k.ei};
    ec_noise_config cr = {EC_NOISE_IK, false, NULL, 0, k.sr, NULL, NULL, k.er};
    CHECK_EQ_INT(ec_noise_init(&i, &ci), EC_OK);
    CHECK_EQ_INT(ec_noise_init(&r, &cr), EC_OK);
    CHECK_EQ_INT(ec_noise_write_message(&i, NULL, 0, m, BUF, &n), EC_OK);
    CHECK_EQ_INT(ec_noise_read_message(&r, m, n, p, BUF, &pn),
                 EC_ERR_SIGNATURE);
    check_dead(&r);
    /* IKpsk2 with different psks: the responder cannot tell (the psk only
     * enters its reply), the initiator refuses the reply. */
    start(&i, &r, &k, EC_NOISE_IKPSK2);
    CHECK_EQ_INT(ec_noise_set_psk(&r, other.psk), EC_OK);
    CHECK_EQ_INT(ec_noise_write_message(&i, NULL, 0, m, BUF, &n), EC_OK);
    CHECK_EQ_INT(ec_noise_read_message(&r, m, n, p, BUF, &pn), EC_OK);
    CHECK_EQ_INT(ec_noise_write_message(&r, NULL, 0, m, BUF, &n), EC_OK);
    CHECK_EQ_INT(ec_noise_read_message(&i, m, n, p, BUF, &pn),
                 EC_ERR_SIGNATURE);
    check_dead(&i);
    start(&i, &r, &k, EC_NOISE_IKPSK2); /* same psk: fine */
    CHECK_EQ_INT(finish(&i, &r, a, b), EC_OK);
}

/* IK's first message can be replayed: a responder cannot tell a copy from
 * the original, and it answers with a fresh ephemeral, so the replay makes
 * a second, different session which the attacker cannot use (it lacks the
 * initiator's keys) and which the initiator never completes. Refusing the
 * copy outright needs a monotonic timestamp in the payload (WireGuard's
 * TAI64N, kept per peer): the UDP layer's job, not this one's. */
static void test_replayed_first_message_makes_a_different_session(void)
{
    keys k;
    keys_make(&k, 4);
    ec_noise_handshake i, r1, r2;
    ec_noise_cipher is[2], r1s[2], r2s[2];
    uint8_t m1[BUF], m2[BUF], m2b[BUF], p[BUF], er2[32];
    size_t n1, n2, n2b, pn;
    start(&i, &r1, &k, EC_NOISE_IK);
    for (int j = 0; j < 32; j++) er2[j] = (uint8_t)(0xa0 + j);
    ec_noise_config cr = {EC_NOISE_IK, false, PROLOGUE, sizeof PROLOGUE, k.sr,
                          NULL, NULL, er2};
    CHECK_EQ_INT(ec_noise_init(&r2, &cr), EC_OK);
    CHECK_EQ_INT(ec_noise_write_message(&i, NULL, 0, m1, BUF, &n1), EC_OK);
    CHECK_EQ_INT(ec_noise_read_message(&r1, m1, n1, p, BUF, &pn), EC_OK);
    CHECK_EQ_INT(ec_noise_read_message(&r2, m1, n1, p, BUF, &pn), EC_OK);
    CHECK_EQ_INT(ec_noise_write_message(&r1, NULL, 0, m2, BUF, &n2), EC_OK);
    CHECK_EQ_INT(ec_noise_write_message(&r2, NULL, 0, m2b, BUF, &n2b), EC_OK);
    CHECK(n2 == n2b && memcmp(m2, m2b, n2) != 0);
    CHECK_EQ_INT(ec_noise_read_message(&i, m2, n2, p, BUF, &pn), EC_OK);
    CHECK_EQ_INT(ec_noise_split(&i, &is[0], &is[1], NULL), EC_OK);
    CHECK_EQ_INT(ec_noise_split(&r1, &r1s[0], &r1s[1], NULL), EC_OK);
    CHECK_EQ_INT(ec_noise_split(&r2, &r2s[0], &r2s[1], NULL), EC_OK);
    CHECK_MEM(is[0].k, r1s[1].k, 32);
    CHECK(memcmp(r2s[0].k, r1s[0].k, 32) != 0);
    CHECK(memcmp(r2s[1].k, is[0].k, 32) != 0);
    /* What the replayed session sends does not decrypt at the initiator. */
    CHECK_EQ_INT(ec_noise_cipher_encrypt(&r2s[0], NULL, 0, p, 4, m2, BUF,
                                         &n2), EC_OK);
    CHECK_EQ_INT(ec_noise_cipher_decrypt(&is[1], NULL, 0, m2, n2, p, BUF,
                                         &pn), EC_ERR_SIGNATURE);
}

/* Short buffers and over-long or short messages are refused before the
 * state moves, so the same handshake then completes. */
static void test_size_limits(void)
{
    keys k;
    keys_make(&k, 5);
    ec_noise_handshake i, r;
    ec_noise_cipher is[2], rs[2];
    static uint8_t big[EC_NOISE_MAX_MSG + 1], m[BUF], p[BUF];
    size_t n, pn, need;
    start(&i, &r, &k, EC_NOISE_IK);
    CHECK_EQ_INT(ec_noise_message_len(&i, 5, &need), EC_OK);
    CHECK_EQ_INT(need, 101);
    CHECK_EQ_INT(ec_noise_write_message(&i, big, EC_NOISE_MAX_MSG - 96 + 1, big,
                                        sizeof big, &n), EC_ERR_RANGE);
    CHECK_EQ_INT(ec_noise_write_message(&i, p, 5, m, need - 1, &n),
                 EC_ERR_RANGE);
    CHECK_EQ_INT(ec_noise_read_message(&i, m, 10, p, BUF, &pn), EC_ERR_ARG);
    CHECK_EQ_INT(ec_noise_status_of(&i), EC_NOISE_WRITE);
    CHECK_EQ_INT(ec_noise_write_message(&i, p, 5, m, need, &n), EC_OK);
    CHECK_EQ_INT(ec_noise_read_message(&r, m, n, p, 4, &pn), EC_ERR_RANGE);
    CHECK_EQ_INT(ec_noise_read_message(&r, m, 95, p, BUF, &pn),
                 EC_ERR_TRUNCATED);
    CHECK_EQ_INT(ec_noise_read_message(&r, big, sizeof big, p, BUF, &pn),
                 EC_ERR_RANGE);
    CHECK_EQ_INT(ec_noise_status_of(&r), EC_NOISE_READ);
    CHECK_EQ_INT(ec_noise_read_message(&r, m, n, p, 5, &pn), EC_OK);
    CHECK_EQ_INT(pn, 5);
    CHECK_EQ_INT(ec_noise_write_message(&r, NULL, 0, m, BUF, &n), EC_OK);
    CHECK_EQ_INT(ec_noise_read_message(&i, m, n, NULL, 0, &pn), EC_OK);
    CHECK_EQ_INT(ec_noise_split(&i, &is[0], &is[1], NULL), EC_OK);
    CHECK_EQ_INT(ec_noise_split(&r, &rs[0], &rs[1], NULL), EC_OK);
    /* Transport: tag room, the 65535-byte limit, short ciphertexts. */
    CHECK_EQ_INT(ec_noise_cipher_encrypt(&is[0], NULL, 0, p, 8, m, 23, &n),
                 EC_ERR_RANGE);
    CHECK_EQ_INT(ec_noise_cipher_encrypt(&is[0], NULL, 0, big,
                 EC_NOISE_MAX_MSG - 15, big, sizeof big, &n), EC_ERR_RANGE);
    CHECK_EQ_INT(is[0].n, 0);
    CHECK_EQ_INT(ec_noise_cipher_encrypt(&is[0], NULL, 0, p, 8, m, 24, &n),
                 EC_OK);
    CHECK_EQ_INT(ec_noise_cipher_decrypt(&rs[1], NULL, 0, m, n, p, 7, &pn),
                 EC_ERR_RANGE);
    CHECK_EQ_INT(ec_noise_cipher_decrypt(&rs[1], NULL, 0, m, 15, p, BUF, &pn),
                 EC_ERR_TRUNCATED);
    CHECK_EQ_INT(ec_noise_cipher_decrypt(&rs[1], NULL, 0, m, n, p, 8, &pn),
                 EC_OK);
}

/* A peer's low-order point makes the DH all zero: refused. */
static void test_low_order_points(void)
{
    static const uint8_t zero[32], one[32] = {1};
    const uint8_t *bad[2] = {zero, one};
    keys k;
    keys_make(&k, 6);
    for (int b = 0; b < 2; b++) {
        ec_noise_handshake i, r;
        uint8_t m[BUF], p[BUF];
        size_t n, pn;
        start(&i, &r, &k, EC_NOISE_IK);
        CHECK_EQ_INT(ec_noise_write_message(&i, NULL, 0, m, BUF, &n), EC_OK);
        memcpy(m, bad[b], 32); /* the initiator's e */
        CHECK_EQ_INT(ec_noise_read_message(&r, m, n, p, BUF, &pn),
                     EC_ERR_MALFORMED);
        check_dead(&r);
        ec_noise_config ci = {EC_NOISE_IK, true, NULL, 0, k.si, bad[b], NULL,
                              k.ei};
        CHECK_EQ_INT(ec_noise_init(&i, &ci), EC_OK);
        CHECK_EQ_INT(ec_noise_write_message(&i, NULL, 0, m, BUF, &n),
                     EC_ERR_MALFORMED);
        check_dead(&i);
    }
    ec_pubkey pk = {{0}};
    uint8_t x[32];
    CHECK_EQ_INT(ec_noise_pub_from_ed25519(&pk, x), EC_ERR_MALFORMED);
}

static void test_arguments_and_late_psk(void)
{
    keys k;
    keys_make(&k, 7);
    ec_noise_handshake i, r;
    ec_noise_cipher is[2], rs[2];
    uint8_t m[BUF], p[BUF], rpub[32];
    size_t n, pn;
    ec_noise_config c = {EC_NOISE_IK, true, NULL, 0, k.si, NULL, NULL, k.ei};
    CHECK_EQ_INT(ec_noise_init(&i, &c), EC_ERR_ARG); /* no rs */
    c.rs = k.sr_pub;
    c.s_priv = NULL;
    CHECK_EQ_INT(ec_noise_init(&i, &c), EC_ERR_ARG); /* no s */
    c.s_priv = k.si;
    c.e_priv = NULL;
    CHECK_EQ_INT(ec_noise_init(&i, &c), EC_ERR_ARG); /* no e */
    c.e_priv = k.ei;
    c.pattern = (ec_noise_pattern)99;
    CHECK_EQ_INT(ec_noise_init(&i, &c), EC_ERR_ARG);
    /* IKpsk2: the responder picks the psk after learning who calls. */
    c.pattern = EC_NOISE_IKPSK2;
    c.psk = k.psk;
    ec_noise_config cr = {EC_NOISE_IKPSK2, false, NULL, 0, k.sr, NULL, NULL,
                          k.er};
    CHECK_EQ_INT(ec_noise_init(&i, &c), EC_OK);
    CHECK_EQ_INT(ec_noise_init(&r, &cr), EC_OK);
    CHECK_EQ_INT(ec_noise_write_message(&r, NULL, 0, m, BUF, &n), EC_ERR_ARG);
    CHECK_EQ_INT(ec_noise_remote_static(&r, rpub), EC_ERR_ARG);
    CHECK_EQ_INT(ec_noise_write_message(&i, NULL, 0, m, BUF, &n), EC_OK);
    CHECK_EQ_INT(ec_noise_read_message(&r, m, n, p, BUF, &pn), EC_OK);
    CHECK_EQ_INT(ec_noise_remote_static(&r, rpub), EC_OK);
    CHECK_MEM(rpub, k.si_pub, 32);
    CHECK_EQ_INT(ec_noise_write_message(&r, NULL, 0, m, BUF, &n), EC_ERR_ARG);
    CHECK_EQ_INT(ec_noise_status_of(&r), EC_NOISE_WRITE);
    CHECK_EQ_INT(ec_noise_set_psk(&r, k.psk), EC_OK);
    CHECK_EQ_INT(ec_noise_write_message(&r, NULL, 0, m, BUF, &n), EC_OK);
    CHECK_EQ_INT(ec_noise_read_message(&i, m, n, p, BUF, &pn), EC_OK);
    CHECK_EQ_INT(ec_noise_split(&i, &is[0], &is[0], NULL), EC_ERR_ARG);
    CHECK_EQ_INT(ec_noise_split(&i, &is[0], &is[1], NULL), EC_OK);
    CHECK_EQ_INT(ec_noise_split(&r, &rs[0], &rs[1], NULL), EC_OK);
    CHECK_MEM(is[0].k, rs[1].k, 32);
    CHECK_MEM(is[1].k, rs[0].k, 32);
    CHECK(memcmp(is[0].k, is[1].k, 32) != 0);
}

static void test_transport_nonces_rekey_clear(void)
{
    keys k;
    keys_make(&k, 8);
    ec_noise_handshake i, r;
    ec_noise_cipher is[2], rs[2], none = {{0}, 0, false};
    uint8_t m[4][64], p[64], ad[3] = {1, 2, 3};
    size_t n[4], pn;
    start(&i, &r, &k, EC_NOISE_IK);
    CHECK_EQ_INT(finish(&i, &r, is, rs), EC_OK);
    for (int j = 0; j < 4; j++) {
        memset(p, j, 16);
        CHECK_EQ_INT(ec_noise_cipher_encrypt(&is[0], ad, 3, p, 16, m[j], 64,
                                             &n[j]), EC_OK);
    }
    /* Datagrams arrive out of order: decrypt by the counter they carry. */
    for (int j = 3; j >= 0; j--) {
        CHECK_EQ_INT(ec_noise_cipher_decrypt_n(&rs[1], (uint64_t)j, ad, 3,
                     m[j], n[j], p, 64, &pn), EC_OK);
        CHECK(pn == 16 && p[0] == j && p[15] == j);
    }
    CHECK_EQ_INT(ec_noise_cipher_decrypt_n(&rs[1], 1, ad, 3, m[0], n[0], p,
                                           64, &pn), EC_ERR_SIGNATURE);
    CHECK_EQ_INT(ec_noise_cipher_decrypt_n(&rs[1], 0, ad, 2, m[0], n[0], p,
                                           64, &pn), EC_ERR_SIGNATURE);
    CHECK_EQ_INT(ec_noise_cipher_decrypt_n(&rs[1], UINT64_MAX, ad, 3, m[0],
                                           n[0], p, 64, &pn), EC_ERR_RANGE);
    /* A failed sequential decrypt leaves the counter where it was. */
    m[0][5] ^= 1;
    CHECK_EQ_INT(ec_noise_cipher_decrypt(&rs[1], ad, 3, m[0], n[0], p, 64,
                                         &pn), EC_ERR_SIGNATURE);
    CHECK_EQ_INT(rs[1].n, 0);
    m[0][5] ^= 1;
    CHECK_EQ_INT(ec_noise_cipher_decrypt(&rs[1], ad, 3, m[0], n[0], p, 64,
                                         &pn), EC_OK);
    CHECK_EQ_INT(rs[1].n, 1);
    /* In place; the last usable nonce is 2^64 - 2. */
    is[0].n = UINT64_MAX - 1;
    memset(m[0], 7, 16);
    CHECK_EQ_INT(ec_noise_cipher_encrypt(&is[0], NULL, 0, m[0], 16, m[0], 64,
                                         &n[0]), EC_OK);
    CHECK_EQ_INT(ec_noise_cipher_encrypt(&is[0], NULL, 0, p, 16, m[1], 64,
                                         &n[1]), EC_ERR_RANGE);
    CHECK_EQ_INT(ec_noise_cipher_decrypt_n(&rs[1], UINT64_MAX - 1, NULL, 0,
                                           m[0], n[0], p, 64, &pn), EC_OK);
    CHECK(pn == 16 && p[0] == 7 && p[15] == 7);
    /* Rekey on both sides keeps them talking; on one side it does not. */
    CHECK_EQ_INT(ec_noise_cipher_rekey(&rs[0]), EC_OK);
    CHECK_EQ_INT(ec_noise_cipher_encrypt(&rs[0], NULL, 0, p, 4, m[2], 64,
                                         &n[2]), EC_OK);
    CHECK_EQ_INT(ec_noise_cipher_decrypt(&is[1], NULL, 0, m[2], n[2], p, 64,
                                         &pn), EC_ERR_SIGNATURE);
    CHECK_EQ_INT(ec_noise_cipher_rekey(&is[1]), EC_OK);
    CHECK_EQ_INT(ec_noise_cipher_decrypt(&is[1], NULL, 0, m[2], n[2], p, 64,
                                         &pn), EC_OK);
    CHECK_EQ_INT(ec_noise_cipher_encrypt(&none, NULL, 0, p, 4, m[3], 64,
                                         &n[3]), EC_ERR_ARG);
    CHECK_EQ_INT(ec_noise_cipher_rekey(&none), EC_ERR_ARG);
    ec_noise_cipher_clear(&is[0]);
    CHECK(all_zero(&is[0], sizeof is[0]));
    CHECK_EQ_INT(ec_noise_cipher_encrypt(&is[0], NULL, 0, p, 4, m[3], 64,
                                         &n[3]), EC_ERR_ARG);
}

/* The node's Ed25519 identity gives its X25519 static key, and a peer
 * gets the same public key from the Ed25519 public key alone. */
static void test_static_key_from_ed25519(void)
{
    uint8_t seed[32], xi[32], xi_pub[32], xr[32], xr_pub[32], chk[32];
    ec_keypair ki, kr;
    ec_noise_handshake i, r;
    ec_noise_cipher is[2], rs[2];
    for (int j = 0; j < 32; j++) seed[j] = (uint8_t)(40 + j);
    CHECK_EQ_INT(ec_sign_keypair(&ki, seed), EC_OK);
    seed[0] ^= 0xff;
    CHECK_EQ_INT(ec_sign_keypair(&kr, seed), EC_OK);
    CHECK_EQ_INT(ec_noise_static_from_ed25519(&ki, xi, xi_pub), EC_OK);
    CHECK_EQ_INT(ec_noise_static_from_ed25519(&kr, xr, xr_pub), EC_OK);
    crypto_scalarmult_base(chk, xi);
    CHECK_MEM(chk, xi_pub, 32);
    CHECK_EQ_INT(ec_noise_pub_from_ed25519(&kr.pub, chk), EC_OK);
    CHECK_MEM(chk, xr_pub, 32);
    keys k;
    keys_make(&k, 9);
    ec_noise_config ci = {EC_NOISE_IK, true, NULL, 0, xi, chk, NULL, k.ei};
    ec_noise_config cr = {EC_NOISE_IK, false, NULL, 0, xr, NULL, NULL, k.er};
    CHECK_EQ_INT(ec_noise_init(&i, &ci), EC_OK);
    CHECK_EQ_INT(ec_noise_init(&r, &cr), EC_OK);
    CHECK_EQ_INT(finish(&i, &r, is, rs), EC_OK);
    CHECK_MEM(is[0].k, rs[1].k, 32);
    ec_sign_wipe(&ki);
    ec_sign_wipe(&kr);
}

int main(void)
{
    if (sodium_init() < 0) return 1;
    RUN(test_vectors);
    RUN(test_flipped_bit_in_each_handshake_message);
    RUN(test_wrong_responder_key_or_psk);
    RUN(test_replayed_first_message_makes_a_different_session);
    RUN(test_size_limits);
    RUN(test_low_order_points);
    RUN(test_arguments_and_late_psk);
    RUN(test_transport_nonces_rekey_clear);
    RUN(test_static_key_from_ed25519);
    return TEST_REPORT("noise");
}
