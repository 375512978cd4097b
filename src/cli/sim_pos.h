/* ec sim pos (cmd_sim_pos.c): the proof of aligned storage measured. */
#ifndef EC_CLI_SIM_POS_H
#define EC_CLI_SIM_POS_H

#include <stdbool.h>
#include <stdint.h>

#include "crypto/id.h"
#include "ledger/store.h"

int sim_pos_cmd(const char *prog, int argc, char **argv);

/* sim_pos_store.c: the model's universe and the stores that hold part of
 * it. */
/* The tokens sorted by id: the stores are filled in that order, so that
 * their entries lie in memory in the order a walk visits them (filled in
 * random order, a walk's steps were cache and TLB misses, 5x slower). */
typedef struct token_head {
    ec_id tok, head;
} token_head;

typedef struct universe {
    uint32_t n;
    token_head *th;
} universe;

/* A store and the universe indices it holds, ascending (to draw
 * challenge tokens from, and the array store's entries). */
typedef struct holder {
    ec_store *s;
    uint32_t *idx;
    uint32_t n;
    bool mem; /* the library's memory store, else the array store below */
} holder;

/* A holder's store: the library's memory store (mem) or the array store;
 * tokens put in ascending order, then sealed. */
ec_err holder_open(holder *h, uint32_t cap, bool mem);
ec_err holder_put(holder *h, const universe *u, uint32_t i);
ec_err holder_seal(holder *h, const universe *u);
void holder_close(holder *h);

#endif
