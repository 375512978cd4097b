/* ec sim pos: the proof of aligned storage (core/pos.h) measured against
 * the seed's §6 numbers (issue 12; docs/LIFECYCLE.md).
 *
 * One neighborhood: a universe of N tokens, each with a head. A full peer
 * stores all of them and is every challenge's requester; a responder of
 * density ρ stores each token with probability ρ. Every random choice
 * comes from the seeded rng, through a stream of its own per density and
 * purpose, so a density's figures do not depend on which others are
 * listed, and the same options print the same bytes. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/rng.h"
#include "cli/cli.h"
#include "cli/sim_pos.h"
#include "core/pos.h"
#include "ledger/store.h"

#define POS_DENSITIES_MAX 16
#define POS_UNIVERSE_MIN 5000u
#define POS_UNIVERSE_MAX 10000000u
#define POS_TRIALS_MAX 1000000u
#define POS_MIN_AGREE 8          /* ec_pos_accept's rule, as the reference's */
#define POS_ELECTION_R 3         /* challenges an election asks, all to pass */
#define POS_SPLITS 2             /* Sybil splits and copies: k = 2 and k = 4 */
#define POS_K_MAX 4
#define POS_VOID_MAX 100000u     /* challenges in a row the requester cannot judge */
#define POS_BOUND_TAIL 0.025     /* the authors' bound, as a tail probability */

static const unsigned split_k[POS_SPLITS] = {2, 4};

static const char pos_help[] =
    "usage: %s [--seed N] [--universe N] [--densities LIST] [--trials T]\n"
    "          [--store array|mem] [--json] [--progress | --no-progress]\n"
    "\n"
    "Measures the proof of aligned storage (docs/LIFECYCLE.md) in one\n"
    "neighborhood: a universe of N tokens with random ids and heads, a full\n"
    "peer that stores all of them and challenges, and for each density p a\n"
    "responder that stores each token with probability p. Each of T\n"
    "challenges (a random requester id, a random token the responder holds)\n"
    "is answered by the responder's walk and checked against the full\n"
    "store; a challenge the full peer's own walk cannot complete is drawn\n"
    "again (counted as voided). Reports per density: the walk's search\n"
    "distance, the selection rate under five definitions, the agreement\n"
    "distribution and its tail bound, a responder with no storage, one\n"
    "with the ids but not the heads, a store split among k = 2, 4\n"
    "identities (Sybil) and one copied under k identities, beside the\n"
    "seed's §6 figures. The same options print the same bytes.\n"
    "\n"
    "  --seed N          seed of every random choice (default 1)\n"
    "  --universe N      tokens in the neighborhood, 5000..10000000 (default 200000)\n"
    "  --densities LIST  comma-separated densities in (0, 1], at most 16\n"
    "                    (default 0.99,0.9,0.8,0.7,0.6,0.5)\n"
    "  --trials T        challenges per density, 1..1000000 (default 1000)\n"
    "  --store KIND      array: a sorted-array store (default, fast); mem: the\n"
    "                    library's memory store (same output, ~5x slower)\n"
    "  --json            one JSON object instead of the tables\n"
    "  --progress        progress bar on stderr (default when it is a terminal)\n"
    "  --no-progress     no progress bar\n"
    "\n"
    "Exit: 0 measured, 1 a store failed or the full peer could not judge\n"
    "100000 challenges in a row, 2 usage: a bad option.\n";

/* ---- the model ---- */

static uint64_t mix(uint64_t a, uint64_t b)
{
    uint64_t z = a + 0x9e3779b97f4a7c15ull * (b + 1);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

/* The stream of one purpose at one density. */
static void stream(ec_rng *r, uint64_t seed, double rho, uint64_t purpose)
{
    uint64_t bits;
    memcpy(&bits, &rho, sizeof bits);
    ec_rng_seed(r, mix(mix(seed, purpose), bits));
}

enum { STREAM_UNIVERSE = 1, STREAM_STORE = 2, STREAM_TRIALS = 3 };

/* ---- one challenge ---- */

typedef struct run {
    const universe *u;
    bool mem; /* --store mem */
    holder full;
    uint64_t voided; /* challenges drawn again: the requester's own walk fell short */
} run;

typedef struct verdict {
    bool answered, accepted;
    unsigned agree;
    ec_pos_walk_stats walk; /* the responder's, when answered */
} verdict;

/* A challenge from req to h on a random token h holds, checked against
 * the full store. A challenge the requester cannot judge (its own walk
 * falls short) is drawn again. full (optional) gets the full peer's
 * answer and walk, a (optional) the responder's answer. */
static ec_err challenge(run *R, const holder *h, const ec_id *req, ec_rng *rng, verdict *v, ec_pos_answer *full,
                        ec_pos_walk_stats *full_walk, ec_pos_answer *a)
{
    memset(v, 0, sizeof *v);
    if (h->n == 0) return EC_OK; /* nothing to be challenged on */
    ec_pos_answer fa, ra;
    ec_pos_walk_stats fw;
    if (full == NULL) full = &fa;
    if (full_walk == NULL) full_walk = &fw;
    if (a == NULL) a = &ra;
    for (unsigned tries = 0; tries < POS_VOID_MAX; tries++) {
        const ec_id *tok = &R->u->th[h->idx[ec_rng_below(rng, h->n)]].tok;
        /* The requester walks its own store first (it knows the head: it
         * is a full peer), and challenges only where it can judge. */
        ec_err e = ec_pos_answer_make(R->full.s, req, tok, EC_POS_BITS, 0, NULL, NULL, 0, full, full_walk);
        if (e == EC_ERR_NOTFOUND) {
            R->voided++;
            continue;
        }
        if (e) return e;
        memset(&v->walk, 0, sizeof v->walk);
        e = ec_pos_answer_make(h->s, req, tok, EC_POS_BITS, 0, NULL, NULL, 0, a, &v->walk);
        if (e == EC_ERR_NOTFOUND) return EC_OK; /* the responder's walk fell short */
        if (e) return e;
        ec_pos_check c;
        e = ec_pos_check_answer(R->full.s, req, a, NULL, NULL, 0, &c);
        if (e) return e;
        v->answered = true;
        v->agree = c.agree;
        v->accepted = ec_pos_accept(&c, POS_MIN_AGREE);
        return EC_OK;
    }
    return EC_ERR_NOTFOUND;
}


/* The answer of a responder with no storage that knows the challenge (the
 * requester, the token and its head): ten random ids with the chunks'
 * suffixes, in walk order, with random heads. */
static void fabricate(const ec_id *req, const ec_pos_answer *truth, ec_rng *rng, ec_pos_answer *out)
{
    uint16_t chunks[EC_POS_CHUNKS];
    ec_pos_chunks(req, &truth->token, &truth->head, EC_POS_BITS, chunks);
    memset(out, 0, sizeof *out);
    out->bits = EC_POS_BITS;
    out->token = truth->token;
    out->head = truth->head;
    ec_id dist[EC_POS_CHUNKS];
    for (unsigned i = 0; i < EC_POS_CHUNKS; i++) {
        ec_rng_bytes(rng, out->t[i].b, EC_ID_LEN);
        ec_rng_bytes(rng, out->h[i].b, EC_ID_LEN);
        if (i < EC_POS_UP) ec_id_sub(&out->t[i], &out->token, &dist[i]);
        else ec_id_sub(&out->token, &out->t[i], &dist[i]);
    }
    /* Walk order: each half by its distance from the token; the suffixes
     * go on after sorting (they move a distance by less than 2^10, which
     * reorders two random ids with probability about 2^-245). */
    for (unsigned half = 0; half < 2; half++) {
        unsigned lo = half ? EC_POS_UP : 0, hi = half ? EC_POS_CHUNKS : EC_POS_UP;
        for (unsigned i = lo + 1; i < hi; i++)
            for (unsigned j = i; j > lo && ec_id_cmp(&dist[j - 1], &dist[j]) > 0; j--) {
                ec_id td = dist[j], tt = out->t[j];
                dist[j] = dist[j - 1];
                out->t[j] = out->t[j - 1];
                dist[j - 1] = td;
                out->t[j - 1] = tt;
            }
    }
    for (unsigned i = 0; i < EC_POS_CHUNKS; i++) {
        out->t[i].b[EC_ID_LEN - 2] = (uint8_t)((out->t[i].b[EC_ID_LEN - 2] & ~3u) | (chunks[i] >> 8));
        out->t[i].b[EC_ID_LEN - 1] = (uint8_t)(chunks[i] & 0xff);
    }
}

/* ---- what is measured ---- */

typedef struct spread {
    double mean, p50, p95;
} spread;

typedef struct split_result {
    uint32_t stored_min, stored_max; /* tokens each identity holds */
    uint64_t accepted;               /* identity-challenges accepted, of k·T */
    uint64_t any, all;               /* trials with at least one / all k accepted */
} split_result;

typedef struct dens_result {
    double rho;
    uint32_t stored;
    uint64_t voided, answered;
    spread examined, passed;     /* the responder's walk, answered challenges */
    uint64_t same_ten, agree_sum, ge8, accepted, elected;
    uint64_t hist[EC_POS_CHUNKS + 1];
    uint64_t fab_accepted, fab_hist[EC_POS_CHUNKS + 1];
    uint64_t ids_accepted, ids_agree_sum, ids_contradicted_sum;
    split_result sybil[POS_SPLITS], copies[POS_SPLITS];
} dens_result;

static int cmp_token(const void *a, const void *b)
{
    return ec_id_cmp(&((const token_head *)a)->tok, &((const token_head *)b)->tok);
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Mean and nearest-rank percentiles; sorts v. */
static spread spread_of(double *v, size_t n)
{
    spread s = {0, 0, 0};
    if (n == 0) return s;
    qsort(v, n, sizeof *v, cmp_double);
    double sum = 0;
    for (size_t i = 0; i < n; i++) sum += v[i];
    s.mean = sum / (double)n;
    s.p50 = v[(size_t)ceil(0.50 * (double)n) - 1];
    s.p95 = v[(size_t)ceil(0.95 * (double)n) - 1];
    return s;
}

/* Universe tokens a walk passed: its span, a fraction of 2^256, times N. */
static double passed_tokens(const ec_pos_walk_stats *w, uint32_t n)
{
    return ((double)w->span_up + (double)w->span_down) * 0x1.0p-64 * (double)n;
}

typedef struct progress {
    bool on;
    uint64_t done, total;
    int shown; /* percent last drawn */
} progress;

static void progress_draw(progress *p, double rho, unsigned di, unsigned nd)
{
    if (!p->on) return;
    int pct = p->total ? (int)(100 * p->done / p->total) : 100;
    if (pct == p->shown) return;
    p->shown = pct;
    char bar[31];
    int full = pct * 30 / 100;
    for (int i = 0; i < 30; i++) bar[i] = i < full ? '#' : '.';
    bar[30] = 0;
    fprintf(stderr, "\rsim pos: density %g (%u of %u) [%s] %3d%%", rho, di + 1, nd, bar, pct);
    fflush(stderr);
}

/* Every measurement at one density. */
static ec_err measure(run *R, uint64_t seed, double rho, uint32_t trials, dens_result *d, double *ex, double *pa,
                      double *full_ex, double *full_pa, size_t *full_n, progress *pg, unsigned di, unsigned nd)
{
    const universe *u = R->u;
    memset(d, 0, sizeof *d);
    d->rho = rho;
    /* The responder's store, and its tokens split among k identities. */
    holder resp, syb[POS_SPLITS][POS_K_MAX];
    memset(syb, 0, sizeof syb);
    ec_err e = holder_open(&resp, u->n, R->mem);
    for (unsigned s = 0; !e && s < POS_SPLITS; s++)
        for (unsigned k = 0; !e && k < split_k[s]; k++) e = holder_open(&syb[s][k], u->n, R->mem);
    ec_rng rs;
    stream(&rs, seed, rho, STREAM_STORE);
    for (uint32_t i = 0; !e && i < u->n; i++) {
        if (!(ec_rng_double(&rs) < rho)) continue;
        unsigned who = (unsigned)ec_rng_below(&rs, POS_K_MAX); /* k = 4: who; k = 2: who % 2 */
        e = holder_put(&resp, u, i);
        for (unsigned s = 0; !e && s < POS_SPLITS; s++) {
            holder *h = &syb[s][who % split_k[s]];
            e = holder_put(h, u, i);
        }
    }
    if (!e) e = holder_seal(&resp, u);
    for (unsigned s = 0; !e && s < POS_SPLITS; s++)
        for (unsigned k = 0; !e && k < split_k[s]; k++) e = holder_seal(&syb[s][k], u);
    d->stored = resp.n;
    if (!e && resp.n == 0) e = EC_ERR_RANGE; /* nothing to challenge it on */
    for (unsigned s = 0; s < POS_SPLITS; s++) {
        d->sybil[s].stored_min = UINT32_MAX;
        for (unsigned k = 0; k < split_k[s]; k++) {
            if (syb[s][k].n < d->sybil[s].stored_min) d->sybil[s].stored_min = syb[s][k].n;
            if (syb[s][k].n > d->sybil[s].stored_max) d->sybil[s].stored_max = syb[s][k].n;
        }
    }

    ec_rng rt;
    stream(&rt, seed, rho, STREAM_TRIALS);
    uint64_t voided0 = R->voided;
    size_t nex = 0;
    for (uint32_t t = 0; !e && t < trials; t++) {
        ec_id req;
        ec_rng_bytes(&rt, req.b, EC_ID_LEN);
        ec_pos_answer F, A, X;
        ec_pos_walk_stats fw;
        verdict v, w;
        /* a, b: the responder answers; the full peer's answer beside it. */
        e = challenge(R, &resp, &req, &rt, &v, &F, &fw, &A);
        if (e) break;
        full_ex[*full_n] = (double)fw.examined;
        full_pa[*full_n] = passed_tokens(&fw, u->n);
        (*full_n)++;
        d->hist[v.agree]++;
        if (v.answered) {
            d->answered++;
            ex[nex] = (double)v.walk.examined;
            pa[nex] = passed_tokens(&v.walk, u->n);
            nex++;
            d->same_ten += memcmp(A.t, F.t, sizeof A.t) == 0;
            d->agree_sum += v.agree;
            d->ge8 += v.agree >= POS_MIN_AGREE;
            d->accepted += v.accepted;
        }
        /* d1: a responder with no storage; the ids without the heads. */
        ec_pos_check c;
        fabricate(&req, &F, &rt, &X);
        if ((e = ec_pos_check_answer(R->full.s, &req, &X, NULL, NULL, 0, &c))) break;
        d->fab_hist[c.agree]++;
        d->fab_accepted += ec_pos_accept(&c, POS_MIN_AGREE);
        X = F;
        for (unsigned i = 0; i < EC_POS_CHUNKS; i++) ec_rng_bytes(&rt, X.h[i].b, EC_ID_LEN);
        if ((e = ec_pos_check_answer(R->full.s, &req, &X, NULL, NULL, 0, &c))) break;
        d->ids_accepted += ec_pos_accept(&c, POS_MIN_AGREE);
        d->ids_agree_sum += c.agree;
        d->ids_contradicted_sum += c.contradicted;
        /* v: an election, r challenges from this requester, all to pass. */
        bool elected = v.accepted;
        for (unsigned r = 1; r < POS_ELECTION_R; r++) {
            if ((e = challenge(R, &resp, &req, &rt, &w, NULL, NULL, NULL))) break;
            elected = elected && w.accepted;
        }
        if (e) break;
        d->elected += elected;
        /* d3: the same store under k identities: the first is the
         * responder above, the others are challenged on tokens of their own. */
        unsigned copy_acc = v.accepted;
        for (unsigned k = 1; k < POS_K_MAX; k++) {
            if ((e = challenge(R, &resp, &req, &rt, &w, NULL, NULL, NULL))) break;
            copy_acc += w.accepted;
            for (unsigned s = 0; s < POS_SPLITS; s++)
                if (k + 1 == split_k[s]) {
                    d->copies[s].accepted += copy_acc;
                    d->copies[s].any += copy_acc > 0;
                    d->copies[s].all += copy_acc == split_k[s];
                }
        }
        if (e) break;
        /* d2: the store split among k identities, each challenged. */
        for (unsigned s = 0; !e && s < POS_SPLITS; s++) {
            unsigned acc = 0;
            for (unsigned k = 0; k < split_k[s]; k++) {
                if ((e = challenge(R, &syb[s][k], &req, &rt, &w, NULL, NULL, NULL))) break;
                acc += w.accepted;
            }
            d->sybil[s].accepted += acc;
            d->sybil[s].any += acc > 0;
            d->sybil[s].all += acc == split_k[s];
        }
        pg->done++;
        progress_draw(pg, rho, di, nd);
    }
    d->voided = R->voided - voided0;
    d->examined = spread_of(ex, nex);
    d->passed = spread_of(pa, nex);
    holder_close(&resp);
    for (unsigned s = 0; s < POS_SPLITS; s++)
        for (unsigned k = 0; k < split_k[s]; k++) holder_close(&syb[s][k]);
    return e;
}

/* ---- the seed's figures, for comparison ---- */

/* α(N) of the seed's §6.3.1 table, at the nearest of its sizes (log scale). */
static double seed_alpha(uint32_t n)
{
    static const double sizes[] = {1e5, 2e5, 1e6, 1e7}, alpha[] = {0.85, 0.92, 0.98, 1.02};
    unsigned best = 0;
    for (unsigned i = 1; i < 4; i++)
        if (fabs(log((double)n / sizes[i])) < fabs(log((double)n / sizes[best]))) best = i;
    return alpha[best];
}

static bool near(double a, double b)
{
    return fabs(a - b) < 1e-9;
}

/* The seed's quoted E[D] "steps" (200K tokens only), or 0. */
static double seed_quoted_steps(uint32_t n, double rho)
{
    if (n != 200000) return 0;
    if (near(rho, 0.99)) return 8833;
    if (near(rho, 0.8)) return 14606;
    if (near(rho, 0.5)) return 14220;
    return 0;
}

/* The seed's claimed selection rate (§6.3.3), or NULL. */
static const char *seed_claim(double rho)
{
    if (near(rho, 0.99)) return "> 0.97";
    if (near(rho, 0.8)) return "0.60-0.70";
    if (near(rho, 0.5)) return "0.25-0.30";
    return NULL;
}

/* P(X >= m), X ~ Binomial(n, p). */
static double binom_tail(unsigned n, unsigned m, double p)
{
    double s = 0;
    for (unsigned k = m; k <= n; k++)
        s += exp(lgamma(n + 1.0) - lgamma(k + 1.0) - lgamma(n - k + 1.0)) * pow(p, k) * pow(1 - p, n - k);
    return s;
}

/* P(agree >= t) from a histogram of n challenges. */
static double tail(const uint64_t *hist, unsigned t, uint64_t n)
{
    uint64_t s = 0;
    for (unsigned k = t; k <= EC_POS_CHUNKS; k++) s += hist[k];
    return n ? (double)s / (double)n : 0;
}

/* The smallest t with P(agree >= t) <= POS_BOUND_TAIL (11: none). */
static unsigned bound_t(const uint64_t *hist, uint64_t n)
{
    for (unsigned t = 0; t <= EC_POS_CHUNKS; t++)
        if (tail(hist, t, n) <= POS_BOUND_TAIL) return t;
    return EC_POS_CHUNKS + 1;
}

/* ---- output ---- */

static double ratio(uint64_t a, uint64_t b)
{
    return b ? (double)a / (double)b : 0;
}

static void json_spread(FILE *f, const char *key, const spread *s, const char *end)
{
    fprintf(f, "\"%s\": {\"mean\": %.1f, \"p50\": %.1f, \"p95\": %.1f}%s", key, s->mean, s->p50, s->p95, end);
}

static void json_hist(FILE *f, const char *key, const uint64_t *h, const char *end)
{
    fprintf(f, "\"%s\": [", key);
    for (unsigned k = 0; k <= EC_POS_CHUNKS; k++) fprintf(f, "%s%llu", k ? ", " : "", (unsigned long long)h[k]);
    fprintf(f, "]%s", end);
}

static void print_json(FILE *f, uint64_t seed, uint32_t n, uint32_t trials, const dens_result *d, unsigned nd,
                       const spread *full_ex, const spread *full_pa, uint64_t voided)
{
    fprintf(f, "{\n  \"seed\": %llu,\n  \"universe\": %u,\n  \"trials\": %u,\n", (unsigned long long)seed, n, trials);
    fprintf(f, "  \"min_agree\": %d,\n  \"election_r\": %d,\n  \"voided\": %llu,\n", POS_MIN_AGREE, POS_ELECTION_R,
            (unsigned long long)voided);
    fprintf(f, "  \"full_peer\": {");
    json_spread(f, "examined", full_ex, ", ");
    json_spread(f, "tokens_passed", full_pa, "},\n");
    fprintf(f, "  \"seed_alpha\": %.2f,\n  \"densities\": [\n", seed_alpha(n));
    for (unsigned i = 0; i < nd; i++) {
        const dens_result *r = &d[i];
        double T = trials;
        fprintf(f, "    {\"density\": %g, \"stored\": %u, \"voided\": %llu, \"answered\": %.6f,\n", r->rho, r->stored,
                (unsigned long long)r->voided, r->answered / T);
        fprintf(f, "     \"search\": {");
        json_spread(f, "examined", &r->examined, ", ");
        json_spread(f, "tokens_passed", &r->passed, ", ");
        fprintf(f, "\"seed_formula\": %.1f, ", 1024.0 / r->rho * seed_alpha(n));
        double q = seed_quoted_steps(n, r->rho);
        if (q > 0) fprintf(f, "\"seed_quoted\": %.0f},\n", q);
        else fprintf(f, "\"seed_quoted\": null},\n");
        const char *claim = seed_claim(r->rho);
        fprintf(f,
                "     \"selection\": {\"same_ten\": %.6f, \"model_rho10\": %.6f, \"shared_mean\": %.6f, "
                "\"shared_ge8\": %.6f, \"accepted\": %.6f, \"elected\": %.6f, \"model_accepted_r\": %.6f, "
                "\"seed_claim\": %s%s%s},\n",
                r->same_ten / T, pow(r->rho, EC_POS_CHUNKS), r->agree_sum / (10 * T), r->ge8 / T, r->accepted / T,
                r->elected / T, pow(r->accepted / T, POS_ELECTION_R), claim ? "\"" : "", claim ? claim : "null",
                claim ? "\"" : "");
        fprintf(f, "     ");
        json_hist(f, "agree_hist", r->hist, ",\n");
        fprintf(f, "     \"bound\": {\"p_agree_ge8\": %.6f, \"binomial_ge8\": %.6f, \"t_2_5\": %u},\n",
                tail(r->hist, POS_MIN_AGREE, trials), binom_tail(EC_POS_CHUNKS, POS_MIN_AGREE, r->rho),
                bound_t(r->hist, trials));
        fprintf(f, "     \"fabricated\": {\"accepted\": %.6f, ", r->fab_accepted / T);
        json_hist(f, "agree_hist", r->fab_hist, "},\n");
        fprintf(f,
                "     \"ids_without_heads\": {\"accepted\": %.6f, \"agree_mean\": %.3f, \"contradicted_mean\": %.3f},\n",
                r->ids_accepted / T, r->ids_agree_sum / T, r->ids_contradicted_sum / T);
        fprintf(f, "     \"sybil\": [");
        for (unsigned s = 0; s < POS_SPLITS; s++) {
            const split_result *y = &r->sybil[s];
            fprintf(f,
                    "%s{\"k\": %u, \"stored_min\": %u, \"stored_max\": %u, \"each\": %.6f, \"expected_accepted\": "
                    "%.6f, \"any\": %.6f, \"all\": %.6f, \"single\": %.6f}",
                    s ? ", " : "", split_k[s], y->stored_min, y->stored_max, ratio(y->accepted, split_k[s] * trials),
                    y->accepted / T, y->any / T, y->all / T, r->accepted / T);
        }
        fprintf(f, "],\n     \"copies\": [");
        for (unsigned s = 0; s < POS_SPLITS; s++) {
            const split_result *y = &r->copies[s];
            fprintf(f, "%s{\"k\": %u, \"each\": %.6f, \"expected_accepted\": %.6f, \"any\": %.6f, \"all\": %.6f}",
                    s ? ", " : "", split_k[s], ratio(y->accepted, split_k[s] * trials), y->accepted / T, y->any / T,
                    y->all / T);
        }
        fprintf(f, "]}%s\n", i + 1 < nd ? "," : "");
    }
    fprintf(f, "  ]\n}\n");
}

static void print_text(FILE *f, uint64_t seed, uint32_t n, uint32_t trials, const dens_result *d, unsigned nd,
                       const spread *full_ex, const spread *full_pa, uint64_t voided)
{
    double T = trials;
    fprintf(f, "ec sim pos: seed %llu, universe %u tokens, %u challenges per density; requester and checker: a full\n",
            (unsigned long long)seed, n, trials);
    fprintf(f, "peer; accept: %d of 10 agree, nothing contradicted; election: %d challenges all accepted.\n",
            POS_MIN_AGREE, POS_ELECTION_R);
    fprintf(f, "Challenges voided (the full peer's own walk fell short, drawn again): %llu.\n\n",
            (unsigned long long)voided);

    fprintf(f, "a. Search distance (6.3.2): the responder's walk, answered challenges\n");
    fprintf(f, "%-8s %8s | %24s | %24s | %10s %8s\n", "density", "stored", "tokens examined", "universe tokens passed",
            "seed", "seed");
    fprintf(f, "%-8s %8s | %8s %7s %7s | %8s %7s %7s | %10s %8s\n", "", "", "mean", "p50", "p95", "mean", "p50", "p95",
            "1024/p*a", "quoted");
    fprintf(f, "%-8s %8u | %8.0f %7.0f %7.0f | %8.0f %7.0f %7.0f | %10s %8s\n", "full", n, full_ex->mean, full_ex->p50,
            full_ex->p95, full_pa->mean, full_pa->p50, full_pa->p95, "", "");
    for (unsigned i = 0; i < nd; i++) {
        const dens_result *r = &d[i];
        char q[16] = "";
        if (seed_quoted_steps(n, r->rho) > 0) snprintf(q, sizeof q, "%.0f", seed_quoted_steps(n, r->rho));
        fprintf(f, "%-8g %8u | %8.0f %7.0f %7.0f | %8.0f %7.0f %7.0f | %10.0f %8s\n", r->rho, r->stored,
                r->examined.mean, r->examined.p50, r->examined.p95, r->passed.mean, r->passed.p50, r->passed.p95,
                1024.0 / r->rho * seed_alpha(n), q);
    }
    fprintf(f, "(a = alpha(N) = %.2f from the seed's 6.3.1 table.)\n\n", seed_alpha(n));

    fprintf(f, "b. Selection rate (6.3.3) and c. partial storage (6.5.2): share of challenges\n");
    fprintf(f, "%-8s %8s | %8s %8s | %8s %8s %8s %8s %8s | %10s\n", "density", "answered", "(i)same", "p^10",
            "(ii)frac", "(iii)>=8", "(iv)acc", "(v)elect", "(iv)^3", "seed claim");
    for (unsigned i = 0; i < nd; i++) {
        const dens_result *r = &d[i];
        const char *claim = seed_claim(r->rho);
        fprintf(f, "%-8g %8.4f | %8.4f %8.4f | %8.4f %8.4f %8.4f %8.4f %8.4f | %10s\n", r->rho, r->answered / T,
                r->same_ten / T, pow(r->rho, EC_POS_CHUNKS), r->agree_sum / (10 * T), r->ge8 / T, r->accepted / T,
                r->elected / T, pow(r->accepted / T, POS_ELECTION_R), claim ? claim : "");
    }
    fprintf(f, "((i) the same ten tokens as the full peer, in order; (ii) mean share of the ten the full peer's\n"
               "walk picks too; (iii) >= %d of 10 shared; (iv) ec_pos_accept; (v) %d challenges all accepted.\n"
               "The seed's 6.5.2 E[completeness] = p^10 is (i).)\n\n",
            POS_MIN_AGREE, POS_ELECTION_R);

    fprintf(f, "d. Attackers: accepted share\n");
    fprintf(f, "%-8s | %10s %10s | %8s | %28s | %28s | %17s\n", "density", "no storage", "ids only", "single",
            "Sybil split k=2: each any sum", "Sybil split k=4: each any sum", "copies k=4: each");
    for (unsigned i = 0; i < nd; i++) {
        const dens_result *r = &d[i];
        fprintf(f, "%-8g | %10.4f %10.4f | %8.4f |", r->rho, r->fab_accepted / T, r->ids_accepted / T,
                r->accepted / T);
        for (unsigned s = 0; s < POS_SPLITS; s++) {
            const split_result *y = &r->sybil[s];
            fprintf(f, " %13.4f %7.4f %7.4f |", ratio(y->accepted, split_k[s] * trials), y->any / T,
                    y->accepted / T);
        }
        fprintf(f, " %17.4f\n", ratio(r->copies[1].accepted, split_k[1] * trials));
    }
    uint64_t fab[EC_POS_CHUNKS + 1] = {0};
    for (unsigned i = 0; i < nd; i++)
        for (unsigned k = 0; k <= EC_POS_CHUNKS; k++) fab[k] += d[i].fab_hist[k];
    fprintf(f, "(no storage: ten random ids with the right suffixes in walk order and random heads; its\n"
               "agreement with the full walk:");
    for (unsigned k = 0; k <= EC_POS_CHUNKS; k++)
        if (fab[k]) fprintf(f, " %u of 10 in %llu challenges;", k, (unsigned long long)fab[k]);
    fprintf(f, "\nids only: the full walk's very ids with random heads (every head contradicted).\n"
               "Sybil: the density's tokens split among k identities, each challenged: each = mean\n"
               "acceptance, any = at least one accepted, sum = expected number accepted (the seed's\n"
               "collective sum); single = one identity holding them all. Copies: the same store under\n"
               "k identities, each challenged on a token of its own.)\n\n");

    fprintf(f, "e. Agreement with the full peer's walk (unanswered = 0): distribution and tail bound\n");
    fprintf(f, "%-8s | %-50s | %9s %9s | %6s\n", "density", "challenges with agree = 0 1 2 ... 10", "P(>=8)",
            "Bin(10,p)", "t 2.5%");
    for (unsigned i = 0; i < nd; i++) {
        const dens_result *r = &d[i];
        char h[128];
        size_t o = 0;
        for (unsigned k = 0; k <= EC_POS_CHUNKS && o < sizeof h; k++)
            o += (size_t)snprintf(h + o, sizeof h - o, "%s%llu", k ? " " : "", (unsigned long long)r->hist[k]);
        unsigned t = bound_t(r->hist, trials);
        char ts[8];
        if (t > EC_POS_CHUNKS) snprintf(ts, sizeof ts, "none");
        else snprintf(ts, sizeof ts, "%u", t);
        fprintf(f, "%-8g | %-50s | %9.4f %9.4f | %6s\n", r->rho, h, tail(r->hist, POS_MIN_AGREE, trials),
                binom_tail(EC_POS_CHUNKS, POS_MIN_AGREE, r->rho), ts);
    }
    fprintf(f, "(t 2.5%%: the smallest t with P(agree >= t) <= 2.5 %%; Bin(10,p): each token shared independently\n"
               "with probability p.)\n");
}

/* ---- the command ---- */

static bool parse_densities(const char *s, double *out, unsigned *n)
{
    *n = 0;
    const char *p = s;
    for (;;) {
        if (*n == POS_DENSITIES_MAX) return false;
        char *end;
        if (*p == 0 || *p == ',' || *p == ' ' || *p == '+' || *p == '-') return false;
        double v = strtod(p, &end);
        if (end == p || !isfinite(v) || !(v > 0 && v <= 1)) return false;
        out[(*n)++] = v;
        if (*end == 0) return true;
        if (*end != ',') return false;
        p = end + 1;
    }
}

int sim_pos_cmd(const char *prog, int argc, char **argv)
{
    static const struct option opts[] = {
        {"seed", required_argument, NULL, 's'},  {"universe", required_argument, NULL, 'u'},
        {"densities", required_argument, NULL, 'd'}, {"trials", required_argument, NULL, 't'},
        {"json", no_argument, NULL, 'j'},        {"progress", no_argument, NULL, 'p'},
        {"no-progress", no_argument, NULL, 'P'}, {"store", required_argument, NULL, 'S'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0}};
    uint64_t seed = 1, universe_n = 200000, trials = 1000;
    double dens[POS_DENSITIES_MAX] = {0.99, 0.9, 0.8, 0.7, 0.6, 0.5};
    unsigned nd = 6;
    bool json = false, mem = false, progress_on = isatty(STDERR_FILENO);
    bool seen[256] = {false};
    int ch;
    cli_getopt_reset();
    while ((ch = getopt_long(argc, argv, ":s:u:d:t:jpPS:h", opts, NULL)) != -1) {
        int rc = cli_once(prog, opts, ch, seen);
        if (rc) return rc;
        switch (ch) {
        case 's':
            if (!cli_parse_u64(optarg, 0, UINT64_MAX, &seed)) return cli_usage(prog, "--seed needs a number");
            break;
        case 'u':
            if (!cli_parse_u64(optarg, POS_UNIVERSE_MIN, POS_UNIVERSE_MAX, &universe_n))
                return cli_usage(prog, "--universe must be %u..%u", POS_UNIVERSE_MIN, POS_UNIVERSE_MAX);
            break;
        case 'd':
            if (!parse_densities(optarg, dens, &nd))
                return cli_usage(prog, "--densities must be 1 to %d comma-separated numbers in (0, 1]",
                                 POS_DENSITIES_MAX);
            break;
        case 't':
            if (!cli_parse_u64(optarg, 1, POS_TRIALS_MAX, &trials))
                return cli_usage(prog, "--trials must be 1..%u", POS_TRIALS_MAX);
            break;
        case 'S':
            if (strcmp(optarg, "mem") == 0) mem = true;
            else if (strcmp(optarg, "array") == 0) mem = false;
            else return cli_usage(prog, "--store must be array or mem");
            break;
        case 'j': json = true; break;
        case 'p': progress_on = true; break;
        case 'P': progress_on = false; break;
        case 'h': printf(pos_help, prog); return CLI_EXIT_OK;
        default: return cli_bad_option(prog, ch, argv);
        }
    }
    if (optind < argc) return cli_usage(prog, "unexpected argument '%s'", argv[optind]);

    universe u = {(uint32_t)universe_n, calloc(universe_n, sizeof(token_head))};
    dens_result *res = calloc(nd, sizeof *res);
    double *ex = calloc(trials, sizeof *ex), *pa = calloc(trials, sizeof *pa);
    double *fex = calloc((size_t)trials * nd, sizeof *fex), *fpa = calloc((size_t)trials * nd, sizeof *fpa);
    run R = {.u = &u, .mem = mem};
    progress pg = {progress_on, 0, (uint64_t)trials * nd, -1};
    size_t fn = 0;
    unsigned di = 0;
    int rc = CLI_EXIT_OK;
    ec_err e = EC_OK;
    if (!u.th || !res || !ex || !pa || !fex || !fpa) {
        rc = cli_fail(prog, "out of memory");
        goto out;
    }
    ec_rng ru;
    stream(&ru, seed, 0, STREAM_UNIVERSE);
    for (uint32_t i = 0; i < u.n; i++) {
        ec_rng_bytes(&ru, u.th[i].tok.b, EC_ID_LEN);
        ec_rng_bytes(&ru, u.th[i].head.b, EC_ID_LEN);
    }
    qsort(u.th, u.n, sizeof *u.th, cmp_token);
    e = holder_open(&R.full, u.n, R.mem);
    for (uint32_t i = 0; !e && i < u.n; i++) e = holder_put(&R.full, &u, i);
    if (!e) e = holder_seal(&R.full, &u);
    for (; !e && di < nd; di++)
        e = measure(&R, seed, dens[di], (uint32_t)trials, &res[di], ex, pa, fex, fpa, &fn, &pg, di, nd);
    if (pg.on) fputc('\n', stderr);
    if (e == EC_ERR_NOTFOUND)
        rc = cli_fail(prog, "the full peer could not judge %u challenges in a row (universe too small)",
                      POS_VOID_MAX);
    else if (e == EC_ERR_RANGE && di > 0)
        rc = cli_fail(prog, "density %g leaves the responder no token of %u", dens[di - 1], u.n);
    else if (e)
        rc = cli_fail(prog, "measurement failed: %s", ec_err_str(e));
    else {
        spread full_ex = spread_of(fex, fn), full_pa = spread_of(fpa, fn);
        if (json) print_json(stdout, seed, u.n, (uint32_t)trials, res, nd, &full_ex, &full_pa, R.voided);
        else print_text(stdout, seed, u.n, (uint32_t)trials, res, nd, &full_ex, &full_pa, R.voided);
    }
out:
    holder_close(&R.full);
    free(u.th);
    free(res);
    free(ex);
    free(pa);
    free(fex);
    free(fpa);
    return rc;
}
