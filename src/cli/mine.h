/* Multi-threaded identity mining with progress and checkpoints.
 *
 * Salts are salt_base (8 random bytes) followed by a little-endian 64-bit
 * counter; workers take counters in order from a shared atomic, so "every
 * counter below N was tried" is a complete description of the work done and
 * a checkpoint is one number. */
#ifndef EC_CLI_MINE_H
#define EC_CLI_MINE_H

#include <signal.h>
#include <stdbool.h>
#include <stdint.h>

#include "core/identity.h"

typedef struct mine_job {
    ec_pow_params params;
    ec_pubkey pk;
    unsigned bits;
    ec_id prefix;
    unsigned prefix_bits;
    uint8_t salt_base[8];
    uint64_t start;          /* first counter to try */
    double elapsed_before;   /* seconds spent in earlier runs */
    unsigned threads;
    const char *checkpoint;  /* path, written every checkpoint_secs */
    double checkpoint_secs;
    bool tty;                /* progress line (\r) instead of log lines */
    double log_secs;         /* interval of plain log lines */
} mine_job;

typedef struct mine_result {
    bool found;
    uint8_t salt[EC_POW_SALT_LEN];
    ec_id pow;
    ec_id address;
    uint64_t next;      /* every counter below this was tried */
    double elapsed;     /* total seconds, earlier runs included */
    int signal;         /* signal that stopped the run, 0 if none */
    ec_err err;         /* Argon2id failure, if any */
} mine_result;

/* Runs until a solution is found, `*stop` becomes nonzero (the signal
 * number), or Argon2id fails. Writes checkpoints along the way. */
void mine_run(const mine_job *job, volatile sig_atomic_t *stop, mine_result *res);

/* The identity record of a solution (found): res's salt, the job's bits
 * and parameters, created now, signed by kp (whose public key the job
 * mined for). */
ec_err mine_record(const mine_job *job, const mine_result *res, const ec_keypair *kp,
                   uint8_t record[EC_IDENTITY_LEN]);

/* Salt for a counter. */
void mine_salt(uint8_t salt[EC_POW_SALT_LEN], const uint8_t base[8], uint64_t counter);

/* Checkpoint file: what job it belongs to, and how far it got. */
ec_err mine_checkpoint_write(const char *path, const mine_job *job, uint64_t next,
                             double elapsed);
/* Reads a checkpoint into job->salt_base/start/elapsed_before if it matches
 * job's key, parameters, bits and prefix (else EC_ERR_MISMATCH). */
ec_err mine_checkpoint_read(const char *path, mine_job *job);

#endif
