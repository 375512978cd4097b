/* Daemons in one test process: each runs ec_daemon_run on its own thread,
 * on loopback, with a tiny identity (8 KiB Argon2id, 0 bits). A test makes
 * a config with dt_config, adjusts it, starts sides with dt_start, talks to
 * them over UDP, then stops them all with dt_stop and reads their counters
 * (never while a loop runs). */
#ifndef EC_TEST_DAEMON_UTIL_H
#define EC_TEST_DAEMON_UTIL_H

#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "core/identity.h"
#include "net/daemon_internal.h"
#include "test.h"

typedef struct dt_side {
    ec_daemon *d;
    ec_store *store;
    ec_keypair kp;
    uint8_t rec[EC_IDENTITY_LEN];
    pthread_t loop;
    ec_endpoint ep;
    ec_id addr;
    bool running;
} dt_side;

static volatile sig_atomic_t dt_stop_flag;

static void dt_on_term(int sig)
{
    (void)sig;
}

/* SIGTERM only interrupts a loop's wait (the loop unblocks it there). */
static inline void dt_signals(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = dt_on_term;
    sigaction(SIGTERM, &sa, NULL);
}

static void *dt_run(void *arg)
{
    ec_daemon_run(((dt_side *)arg)->d, &dt_stop_flag);
    return NULL;
}

/* The side's key from a one-byte seed and an identity record with tiny
 * Argon2id parameters (0 bits: any salt will do); its address too. */
static inline void dt_identity(dt_side *s, uint8_t seed)
{
    uint8_t sd[EC_SEED_LEN] = {seed};
    ec_sign_keypair(&s->kp, sd);
    ec_identity id;
    memset(&id, 0, sizeof id);
    id.params = (ec_pow_params){8, 1, 1};
    id.timestamp = 1;
    ec_identity_sign(&id, &s->kp);
    size_t n;
    ec_identity_encode(&id, s->rec, EC_IDENTITY_LEN, &n);
    ec_identity_verify(&id, NULL, &s->addr);
}

/* Loopback, no status page, tiny identities admitted, w given (quorum a
 * majority, a vote threshold and catch-up agreement of 1). */
static inline void dt_config(ec_daemon_config *cfg, unsigned w)
{
    ec_daemon_config_default(cfg);
    ec_endpoint_parse(&cfg->listen, "127.0.0.1:0");
    cfg->min_bits = 0;
    cfg->n0_bits = 0;
    cfg->min_memory_kib = 8;
    cfg->min_iterations = 1;
    cfg->node.w = w;
    cfg->node.quorum = w / 2 + 1;
    cfg->node.vote_threshold = 1;
    cfg->node.catchup_agree = 1;
    cfg->log_level = 1;
    cfg->status = false;
}

/* Opens the side's memory store unless it has one, makes the daemon with
 * its identity (dt_identity first) and runs its loop. */
static inline bool dt_start(dt_side *s, const ec_daemon_config *cfg)
{
    char why[256];
    if (s->store == NULL && ec_store_mem_open(&s->store) != EC_OK) return false;
    if (ec_daemon_new(&s->d, cfg, s->store, &s->kp, s->rec, why, sizeof why) != EC_OK) {
        fprintf(stderr, "daemon: %s\n", why);
        return false;
    }
    s->ep = *ec_daemon_endpoint(s->d);
    s->running = pthread_create(&s->loop, NULL, dt_run, s) == 0;
    return s->running;
}

/* Stops every running loop (they finish their turn) and waits for them. */
static inline void dt_stop(dt_side **sides, int n)
{
    dt_stop_flag = SIGTERM;
    for (int i = 0; i < n; i++)
        if (sides[i]->running) pthread_kill(sides[i]->loop, SIGTERM);
    for (int i = 0; i < n; i++)
        if (sides[i]->running) {
            pthread_join(sides[i]->loop, NULL);
            sides[i]->running = false;
        }
}

static inline void dt_free(dt_side *s)
{
    if (s->d) ec_daemon_free(s->d);
    if (s->store) ec_store_close(s->store);
    s->d = NULL;
    s->store = NULL;
}

#endif
