/* A small seeded PRNG (xoshiro256**, seeded through splitmix64).
 *
 * The protocol core draws randomness only from an ec_rng it is given, so a
 * seed reproduces a run exactly (the simulator's determinism rests on it).
 * Not for keys or salts: those come from the OS (libsodium). */
#ifndef EC_BASE_RNG_H
#define EC_BASE_RNG_H

#include <stdint.h>

typedef struct ec_rng {
    uint64_t s[4];
} ec_rng;

void ec_rng_seed(ec_rng *r, uint64_t seed);
uint64_t ec_rng_next(ec_rng *r);
/* Uniform in [0, n) without modulo bias; n > 0. */
uint64_t ec_rng_below(ec_rng *r, uint64_t n);
/* Uniform in [0, 1). */
double ec_rng_double(ec_rng *r);
/* Fills n bytes. */
void ec_rng_bytes(ec_rng *r, void *out, uint64_t n);

#endif
