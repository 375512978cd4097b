#include "base/rng.h"

static uint64_t splitmix64(uint64_t *x)
{
    uint64_t z = (*x += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

void ec_rng_seed(ec_rng *r, uint64_t seed)
{
    for (int i = 0; i < 4; i++) r->s[i] = splitmix64(&seed);
}

static uint64_t rotl(uint64_t x, int k)
{
    return (x << k) | (x >> (64 - k));
}

uint64_t ec_rng_next(ec_rng *r)
{
    uint64_t *s = r->s;
    uint64_t result = rotl(s[1] * 5, 7) * 9, t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 45);
    return result;
}

uint64_t ec_rng_below(ec_rng *r, uint64_t n)
{
    /* Reject the top partial range so every value is equally likely. */
    uint64_t limit = UINT64_MAX - UINT64_MAX % n;
    uint64_t x;
    do x = ec_rng_next(r);
    while (x >= limit);
    return x % n;
}

double ec_rng_double(ec_rng *r)
{
    return (double)(ec_rng_next(r) >> 11) * 0x1.0p-53;
}

void ec_rng_bytes(ec_rng *r, void *out, uint64_t n)
{
    uint8_t *p = out;
    while (n > 0) {
        uint64_t x = ec_rng_next(r);
        /* Little-endian byte order on every host: same seed, same bytes. */
        for (int i = 0; i < 8 && n > 0; i++, n--) *p++ = (uint8_t)(x >> (8 * i));
    }
}
