/* Reader for tests/data/noise_test_vectors.json (test_noise.c): a small,
 * strict, bounds-checked scanner for its one flat shape,
 *   { "source": str, "format": str,
 *     "vectors": [ { "protocol_name": str, "<side>_<key>": hex, ...,
 *                    "<side>_psks": [hex, ...],
 *                    "messages": [ { "payload": hex, "ciphertext": hex } ]
 *                  }, ... ] }
 * Unknown keys, escapes in values, or a value too long are parse errors, so
 * a changed file cannot be silently half-read. */
#ifndef EC_TEST_NOISE_VECTORS_H
#define EC_TEST_NOISE_VECTORS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "blake3_util.h" /* hex_decode, data_dir */

#define NV_MAX_VECTORS 16
#define NV_MAX_MSGS 8
#define NV_MAX_BYTES 256

typedef struct nv_field {
    uint8_t b[NV_MAX_BYTES];
    size_t len;
    bool set;
} nv_field;

enum {
    NV_INIT_PROLOGUE, NV_INIT_EPHEMERAL, NV_INIT_STATIC, NV_INIT_REMOTE_STATIC,
    NV_INIT_PSK, NV_RESP_PROLOGUE, NV_RESP_EPHEMERAL, NV_RESP_STATIC,
    NV_RESP_REMOTE_STATIC, NV_RESP_PSK, NV_HANDSHAKE_HASH, NV_N_FIELDS
};
static const char *const NV_NAMES[NV_N_FIELDS] = {
    "init_prologue", "init_ephemeral", "init_static", "init_remote_static",
    "init_psks", "resp_prologue", "resp_ephemeral", "resp_static",
    "resp_remote_static", "resp_psks", "handshake_hash"};

typedef struct nv_vector {
    char name[64];
    nv_field f[NV_N_FIELDS];
    nv_field payload[NV_MAX_MSGS], ciphertext[NV_MAX_MSGS];
    size_t n_msgs;
} nv_vector;

typedef struct nv_file {
    char source[512];
    nv_vector v[NV_MAX_VECTORS];
    size_t n;
} nv_file;

typedef struct nv_scan {
    const char *s;
    size_t n, pos;
} nv_scan;

static int nv_char(nv_scan *sc, char c)
{
    while (sc->pos < sc->n && strchr(" \t\r\n", sc->s[sc->pos]) &&
           sc->s[sc->pos] != '\0')
        sc->pos++;
    if (sc->pos >= sc->n || sc->s[sc->pos] != c) return -1;
    sc->pos++;
    return 0;
}

/* A string without escapes; *str and *len point into the buffer. */
static int nv_string(nv_scan *sc, const char **str, size_t *len)
{
    if (nv_char(sc, '"')) return -1;
    size_t start = sc->pos;
    while (sc->pos < sc->n && sc->s[sc->pos] != '"') {
        if ((unsigned char)sc->s[sc->pos] < 0x20 || sc->s[sc->pos] == '\\')
            return -1;
        sc->pos++;
    }
    if (sc->pos >= sc->n) return -1;
    *str = sc->s + start;
    *len = sc->pos - start;
    sc->pos++;
    return 0;
}

static int nv_hex(nv_scan *sc, nv_field *f)
{
    const char *s;
    size_t len;
    if (f->set || nv_string(sc, &s, &len) || len % 2 ||
        len / 2 > NV_MAX_BYTES || hex_decode(s, len, f->b, len / 2))
        return -1;
    f->len = len / 2;
    f->set = true;
    return 0;
}

static int nv_text(nv_scan *sc, char *dst, size_t cap)
{
    const char *s;
    size_t len;
    if (nv_string(sc, &s, &len) || len >= cap) return -1;
    memcpy(dst, s, len);
    dst[len] = '\0';
    return 0;
}

static bool nv_is(const char *k, size_t len, const char *want)
{
    return strlen(want) == len && memcmp(k, want, len) == 0;
}

/* Calls item(sc, ctx, i) for each element of a JSON array. */
static int nv_array(nv_scan *sc, int (*item)(nv_scan *, void *, size_t),
                    void *ctx)
{
    if (nv_char(sc, '[')) return -1;
    if (nv_char(sc, ']') == 0) return 0;
    for (size_t i = 0;; i++) {
        if (item(sc, ctx, i)) return -1;
        if (nv_char(sc, ',') == 0) continue;
        return nv_char(sc, ']');
    }
}

/* Calls member(sc, ctx, key, len) for each member of a JSON object. */
static int nv_object(nv_scan *sc,
                     int (*member)(nv_scan *, void *, const char *, size_t),
                     void *ctx)
{
    if (nv_char(sc, '{')) return -1;
    for (;;) {
        const char *k;
        size_t klen;
        if (nv_string(sc, &k, &klen) || nv_char(sc, ':') ||
            member(sc, ctx, k, klen))
            return -1;
        if (nv_char(sc, ',') == 0) continue;
        return nv_char(sc, '}');
    }
}

static int nv_psk(nv_scan *sc, void *f, size_t i)
{
    return i == 0 ? nv_hex(sc, f) : -1; /* one psk is all psk2 needs */
}

static int nv_msg_member(nv_scan *sc, void *ctx, const char *k, size_t len)
{
    nv_vector *v = ctx;
    if (nv_is(k, len, "payload")) return nv_hex(sc, &v->payload[v->n_msgs]);
    if (nv_is(k, len, "ciphertext"))
        return nv_hex(sc, &v->ciphertext[v->n_msgs]);
    return -1;
}

static int nv_msg(nv_scan *sc, void *ctx, size_t i)
{
    nv_vector *v = ctx;
    if (i >= NV_MAX_MSGS || nv_object(sc, nv_msg_member, v) ||
        !v->payload[i].set || !v->ciphertext[i].set)
        return -1;
    v->n_msgs++;
    return 0;
}

static int nv_vec_member(nv_scan *sc, void *ctx, const char *k, size_t len)
{
    nv_vector *v = ctx;
    if (nv_is(k, len, "protocol_name"))
        return nv_text(sc, v->name, sizeof v->name);
    if (nv_is(k, len, "messages")) return nv_array(sc, nv_msg, v);
    for (int i = 0; i < NV_N_FIELDS; i++)
        if (nv_is(k, len, NV_NAMES[i]))
            return i == NV_INIT_PSK || i == NV_RESP_PSK
                       ? nv_array(sc, nv_psk, &v->f[i])
                       : nv_hex(sc, &v->f[i]);
    return -1;
}

static int nv_vector_item(nv_scan *sc, void *ctx, size_t i)
{
    nv_file *nf = ctx;
    if (i >= NV_MAX_VECTORS) return -1;
    memset(&nf->v[i], 0, sizeof nf->v[i]);
    if (nv_object(sc, nv_vec_member, &nf->v[i]) || !nf->v[i].name[0])
        return -1;
    nf->n++;
    return 0;
}

static int nv_file_member(nv_scan *sc, void *ctx, const char *k, size_t len)
{
    nv_file *nf = ctx;
    char skip[512];
    if (nv_is(k, len, "source")) return nv_text(sc, nf->source, 512);
    if (nv_is(k, len, "format")) return nv_text(sc, skip, sizeof skip);
    if (nv_is(k, len, "vectors")) return nv_array(sc, nv_vector_item, nf);
    return -1;
}

/* 0 on success; the whole input must be one object. */
static int nv_parse(const char *s, size_t n, nv_file *nf)
{
    nv_scan sc = {s, n, 0};
    nf->n = 0;
    nf->source[0] = '\0';
    if (nv_object(&sc, nv_file_member, nf)) return -1;
    while (sc.pos < sc.n && strchr(" \t\r\n", sc.s[sc.pos]) && sc.s[sc.pos])
        sc.pos++;
    return sc.pos == sc.n && nf->source[0] ? 0 : -1;
}

#endif
