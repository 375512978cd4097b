#include "cli/mine.h"

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli/cli.h"
#include "crypto/hex.h"

#define MINE_THREADS_MAX 256
#define MINE_POLL_NS 100000000L /* main loop wakes every 100 ms */

void mine_salt(uint8_t salt[EC_POW_SALT_LEN], const uint8_t base[8], uint64_t counter)
{
    memcpy(salt, base, 8);
    for (int i = 0; i < 8; i++) salt[8 + i] = (uint8_t)(counter >> (8 * i));
}

typedef struct shared {
    const mine_job *job;
    atomic_uint_fast64_t next;       /* next counter to hand out */
    atomic_uint_fast64_t done;       /* hashes finished in this run */
    atomic_uint_fast64_t busy[MINE_THREADS_MAX]; /* counter in progress, or UINT64_MAX */
    atomic_int quit;
    pthread_mutex_t lock;            /* guards res */
    mine_result *res;
} shared;

static void *worker(void *arg_)
{
    struct { shared *s; unsigned idx; } *arg = arg_;
    shared *s = arg->s;
    const mine_job *job = s->job;
    uint8_t salt[EC_POW_SALT_LEN];
    ec_id pow, addr;

    while (!atomic_load(&s->quit)) {
        /* Mark the counter busy before taking it, so a checkpoint taken in
         * between never skips it: busy <= next at all times. */
        atomic_store(&s->busy[arg->idx], atomic_load(&s->next));
        uint64_t c = atomic_fetch_add(&s->next, 1);
        atomic_store(&s->busy[arg->idx], c);
        mine_salt(salt, job->salt_base, c);
        ec_err err = ec_identity_try(&job->params, &job->pk, salt, job->bits,
                                     &job->prefix, job->prefix_bits, &pow, &addr);
        atomic_fetch_add(&s->done, 1);
        if (err == EC_ERR_POW || err == EC_ERR_PREFIX) {
            atomic_store(&s->busy[arg->idx], UINT64_MAX);
            continue;
        }
        pthread_mutex_lock(&s->lock);
        if (err != EC_OK) {
            if (s->res->err == EC_OK) s->res->err = err;
        } else if (!s->res->found) {
            s->res->found = true;
            memcpy(s->res->salt, salt, sizeof salt);
            s->res->pow = pow;
            s->res->address = addr;
        }
        pthread_mutex_unlock(&s->lock);
        atomic_store(&s->busy[arg->idx], UINT64_MAX);
        atomic_store(&s->quit, 1);
    }
    atomic_store(&s->busy[arg->idx], UINT64_MAX);
    return NULL;
}

/* Lowest counter not known to be finished: safe resume point. */
static uint64_t resume_point(shared *s, unsigned n)
{
    uint64_t lo = atomic_load(&s->next);
    for (unsigned i = 0; i < n; i++) {
        uint64_t b = atomic_load(&s->busy[i]);
        if (b < lo) lo = b;
    }
    return lo;
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static void progress(const mine_job *job, uint64_t tried, double rate,
                     double elapsed, bool final)
{
    char eta[32], el[32];
    double expected = ec_identity_expected_tries(job->bits, job->prefix_bits);
    cli_format_duration(eta, sizeof eta, rate > 0 ? expected / rate : INFINITY);
    cli_format_duration(el, sizeof el, elapsed);
    if (job->tty) {
        fprintf(stderr, "\r\033[Kmining: %" PRIu64 " hashes, %.2f H/s, expected %s "
                "per solution, elapsed %s", tried, rate, eta, el);
        if (final) fputc('\n', stderr);
    } else {
        fprintf(stderr, "mining: tried=%" PRIu64 " rate=%.2f/s expected=%s elapsed=%s\n",
                tried, rate, eta, el);
    }
    fflush(stderr);
}

void mine_run(const mine_job *job, volatile sig_atomic_t *stop, mine_result *res)
{
    shared *s = calloc(1, sizeof *s);
    unsigned n = job->threads < 1 ? 1 : job->threads > MINE_THREADS_MAX ? MINE_THREADS_MAX : job->threads;
    memset(res, 0, sizeof *res);
    if (s == NULL) {
        res->err = EC_ERR_NOMEM;
        return;
    }
    struct { shared *s; unsigned idx; } args[MINE_THREADS_MAX];
    pthread_t tids[MINE_THREADS_MAX];
    s->job = job;
    s->res = res;
    atomic_init(&s->next, job->start);
    atomic_init(&s->done, 0);
    atomic_init(&s->quit, 0);
    for (unsigned i = 0; i < MINE_THREADS_MAX; i++) atomic_init(&s->busy[i], UINT64_MAX);
    pthread_mutex_init(&s->lock, NULL);

    unsigned started = 0;
    for (; started < n; started++) {
        args[started].s = s;
        args[started].idx = started;
        if (pthread_create(&tids[started], NULL, worker, &args[started]) != 0) break;
    }
    if (started == 0) res->err = EC_ERR_NOMEM;

    double t0 = now_s(), last_print = t0, last_ckpt = t0;
    /* Rate over the last minute or so: an exponential moving average. */
    double rate = 0, rate_t = t0;
    uint64_t rate_done = 0;
    bool ckpt_warned = false;
    while (started > 0 && !atomic_load(&s->quit)) {
        struct timespec ts = {0, MINE_POLL_NS};
        nanosleep(&ts, NULL);
        if (*stop) {
            res->signal = (int)*stop;
            atomic_store(&s->quit, 1);
            break;
        }
        double t = now_s();
        uint64_t done = atomic_load(&s->done);
        if (t - rate_t >= 1.0) {
            double inst = (double)(done - rate_done) / (t - rate_t);
            rate = rate == 0 ? inst : 0.8 * rate + 0.2 * inst;
            if (done == 0) rate = 0;
            rate_t = t;
            rate_done = done;
        }
        double interval = job->tty ? 0.5 : job->log_secs;
        if (t - last_print >= interval) {
            double r = rate > 0 ? rate : (t > t0 ? (double)done / (t - t0) : 0);
            progress(job, job->start + done, r, job->elapsed_before + (t - t0), false);
            last_print = t;
        }
        if (job->checkpoint && t - last_ckpt >= job->checkpoint_secs) {
            if (mine_checkpoint_write(job->checkpoint, job, resume_point(s, started),
                                      job->elapsed_before + (t - t0)) != EC_OK &&
                !ckpt_warned) {
                fprintf(stderr, "\nwarning: cannot write checkpoint %s: %s\n",
                        job->checkpoint, strerror(errno));
                ckpt_warned = true;
            }
            last_ckpt = t;
        }
    }
    for (unsigned i = 0; i < started; i++) pthread_join(tids[i], NULL);

    double t = now_s();
    res->next = atomic_load(&s->next); /* all workers joined: all taken were tried */
    res->elapsed = job->elapsed_before + (t - t0);
    uint64_t done = atomic_load(&s->done);
    progress(job, job->start + done, t > t0 ? (double)done / (t - t0) : 0, res->elapsed, true);
    pthread_mutex_destroy(&s->lock);
    free(s);
}

static const char ckpt_magic[] = "ec-mine-checkpoint v1";

ec_err mine_record(const mine_job *job, const mine_result *res, const ec_keypair *kp,
                   uint8_t record[EC_IDENTITY_LEN])
{
    ec_identity id;
    memset(&id, 0, sizeof id);
    memcpy(id.salt, res->salt, EC_POW_SALT_LEN);
    id.difficulty_bits = (uint8_t)job->bits;
    id.params = job->params;
    id.timestamp = (uint64_t)time(NULL);
    ec_err err = ec_identity_sign(&id, kp);
    size_t len;
    if (err == EC_OK) err = ec_identity_encode(&id, record, EC_IDENTITY_LEN, &len);
    return err;
}

ec_err mine_checkpoint_write(const char *path, const mine_job *job, uint64_t next,
                             double elapsed)
{
    char pk[65], prefix[65], base[17], tmp[4096];
    ec_hex_encode(pk, job->pk.b, EC_PUBKEY_LEN);
    ec_id_to_hex(&job->prefix, prefix);
    ec_hex_encode(base, job->salt_base, 8);
    if (snprintf(tmp, sizeof tmp, "%s.tmp", path) >= (int)sizeof tmp) return EC_ERR_ARG;
    FILE *f = fopen(tmp, "w");
    if (f == NULL) return EC_ERR_IO;
    fprintf(f, "%s\npublic %s\nbits %u\nmemory_kib %" PRIu32 "\niterations %" PRIu32
            "\nprefix_bits %u\nprefix %s\nsalt_base %s\nnext %" PRIu64 "\nelapsed %.3f\n",
            ckpt_magic, pk, job->bits, job->params.memory_kib, job->params.iterations,
            job->prefix_bits, prefix, base, next, elapsed);
    int ok = fflush(f) == 0 && fsync(fileno(f)) == 0;
    ok = (fclose(f) == 0) && ok;
    /* rename() replaces atomically: a crash leaves the old or the new one. */
    if (!ok || rename(tmp, path) != 0) {
        unlink(tmp);
        return EC_ERR_IO;
    }
    return EC_OK;
}

ec_err mine_checkpoint_read(const char *path, mine_job *job)
{
    uint8_t *buf;
    size_t len;
    ec_err err = cli_read_file(path, &buf, &len, 4096);
    if (err) return err;
    if (len > 4096) {
        free(buf);
        return EC_ERR_CORRUPT;
    }
    buf[len] = '\0'; /* cli_read_file allocates max + 1 */
    char magic[32], pk[65], prefix[65], base[17];
    unsigned bits, prefix_bits;
    uint32_t mem, iters;
    uint64_t next;
    double elapsed;
    int n = sscanf((char *)buf, "%31[^\n]\npublic %64s\nbits %u\nmemory_kib %" SCNu32
                   "\niterations %" SCNu32 "\nprefix_bits %u\nprefix %64s\nsalt_base %16s"
                   "\nnext %" SCNu64 "\nelapsed %lf",
                   magic, pk, &bits, &mem, &iters, &prefix_bits, prefix, base, &next, &elapsed);
    free(buf);
    if (n != 10 || strcmp(magic, ckpt_magic) != 0) return EC_ERR_CORRUPT;
    ec_pubkey cpk;
    ec_id cprefix;
    uint8_t cbase[8];
    if (ec_hex_decode(cpk.b, EC_PUBKEY_LEN, pk) || ec_id_from_hex(&cprefix, prefix) ||
        ec_hex_decode(cbase, 8, base) || !(elapsed >= 0))
        return EC_ERR_CORRUPT;
    if (memcmp(cpk.b, job->pk.b, EC_PUBKEY_LEN) != 0 || bits != job->bits ||
        mem != job->params.memory_kib || iters != job->params.iterations ||
        prefix_bits != job->prefix_bits ||
        !ec_id_prefix_eq(&cprefix, &job->prefix, prefix_bits))
        return EC_ERR_MISMATCH;
    memcpy(job->salt_base, cbase, 8);
    job->start = next;
    job->elapsed_before = elapsed;
    return EC_OK;
}
