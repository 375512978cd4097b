/* The identity-verification worker (verifier.h). */
#include "net/verifier.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "core/idcache.h"

struct ec_verifier {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    pthread_t thread;
    bool stop;
    int efd;
    /* Two rings: records in, results out, each of cap entries. */
    uint8_t (*in)[EC_IDENTITY_LEN];
    size_t in_head, in_len;
    ec_verify_result *out;
    size_t out_head, out_len;
    size_t cap;
    ec_idcache *cache; /* the worker's only */
    ec_verifier_stats st;
};

static void *worker(void *arg)
{
    ec_verifier *v = arg;
    pthread_mutex_lock(&v->mu);
    for (;;) {
        while (!v->stop && (v->in_len == 0 || v->out_len == v->cap)) pthread_cond_wait(&v->cv, &v->mu);
        if (v->stop) break;
        uint8_t rec[EC_IDENTITY_LEN];
        memcpy(rec, v->in[v->in_head], sizeof rec);
        v->in_head = (v->in_head + 1) % v->cap;
        v->in_len--;
        pthread_mutex_unlock(&v->mu);

        ec_verify_result r;
        memset(&r, 0, sizeof r);
        memcpy(r.record, rec, sizeof rec);
        r.err = ec_identity_decode(&r.id, rec, sizeof rec);
        if (r.err == EC_OK) r.err = ec_idcache_verify(v->cache, &r.id, &r.address);

        pthread_mutex_lock(&v->mu);
        ec_idcache_stats cs;
        ec_idcache_stats_get(v->cache, &cs);
        v->st.cache_hits = cs.hits;
        v->st.cache_misses = cs.misses;
        if (r.err == EC_OK) v->st.verified_ok++;
        else v->st.verified_bad++;
        v->out[(v->out_head + v->out_len) % v->cap] = r;
        v->out_len++;
        uint64_t one = 1;
        ssize_t w = write(v->efd, &one, sizeof one); /* wakes the loop */
        (void)w;
    }
    pthread_mutex_unlock(&v->mu);
    return NULL;
}

ec_err ec_verifier_new(ec_verifier **out, size_t queue_max, size_t cache_max)
{
    if (out == NULL || queue_max == 0 || cache_max == 0) return EC_ERR_ARG;
    ec_verifier *v = calloc(1, sizeof *v);
    if (v == NULL) return EC_ERR_NOMEM;
    v->cap = queue_max;
    v->in = calloc(queue_max, sizeof *v->in);
    v->out = calloc(queue_max, sizeof *v->out);
    v->efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    if (v->in == NULL || v->out == NULL || v->efd < 0 || ec_idcache_new(&v->cache, cache_max) != EC_OK) {
        if (v->efd >= 0) close(v->efd);
        ec_idcache_free(v->cache);
        free(v->in);
        free(v->out);
        free(v);
        return EC_ERR_NOMEM;
    }
    pthread_mutex_init(&v->mu, NULL);
    pthread_cond_init(&v->cv, NULL);
    if (pthread_create(&v->thread, NULL, worker, v) != 0) {
        close(v->efd);
        ec_idcache_free(v->cache);
        free(v->in);
        free(v->out);
        free(v);
        return EC_ERR_NOMEM;
    }
    *out = v;
    return EC_OK;
}

void ec_verifier_free(ec_verifier *v)
{
    if (v == NULL) return;
    pthread_mutex_lock(&v->mu);
    v->stop = true;
    pthread_cond_broadcast(&v->cv);
    pthread_mutex_unlock(&v->mu);
    pthread_join(v->thread, NULL); /* an Argon2id in progress finishes first */
    pthread_mutex_destroy(&v->mu);
    pthread_cond_destroy(&v->cv);
    close(v->efd);
    ec_idcache_free(v->cache);
    free(v->in);
    free(v->out);
    free(v);
}

int ec_verifier_fd(const ec_verifier *v)
{
    return v->efd;
}

ec_err ec_verifier_submit(ec_verifier *v, const uint8_t record[EC_IDENTITY_LEN])
{
    pthread_mutex_lock(&v->mu);
    if (v->in_len == v->cap) {
        v->st.refused_full++;
        pthread_mutex_unlock(&v->mu);
        return EC_ERR_RANGE;
    }
    memcpy(v->in[(v->in_head + v->in_len) % v->cap], record, EC_IDENTITY_LEN);
    v->in_len++;
    v->st.submitted++;
    pthread_cond_signal(&v->cv);
    pthread_mutex_unlock(&v->mu);
    return EC_OK;
}

bool ec_verifier_result(ec_verifier *v, ec_verify_result *out)
{
    uint64_t cnt;
    ssize_t r = read(v->efd, &cnt, sizeof cnt); /* clears the wakeup; results are counted below */
    (void)r;
    pthread_mutex_lock(&v->mu);
    bool have = v->out_len > 0;
    if (have) {
        *out = v->out[v->out_head];
        v->out_head = (v->out_head + 1) % v->cap;
        v->out_len--;
        pthread_cond_signal(&v->cv); /* room for the worker's next result */
        if (v->out_len > 0) {
            uint64_t one = 1;
            ssize_t w = write(v->efd, &one, sizeof one); /* more wait: stay readable */
            (void)w;
        }
    }
    pthread_mutex_unlock(&v->mu);
    return have;
}

size_t ec_verifier_backlog(ec_verifier *v)
{
    pthread_mutex_lock(&v->mu);
    size_t n = v->in_len;
    pthread_mutex_unlock(&v->mu);
    return n;
}

void ec_verifier_stats_get(ec_verifier *v, ec_verifier_stats *out)
{
    pthread_mutex_lock(&v->mu);
    *out = v->st;
    pthread_mutex_unlock(&v->mu);
}
