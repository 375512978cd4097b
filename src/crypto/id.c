#include "crypto/id.h"

#include <string.h>

#include "crypto/hex.h"

void ec_id_xor(ec_id *d, const ec_id *a, const ec_id *b)
{
    for (int i = 0; i < EC_ID_LEN; i++) d->b[i] = a->b[i] ^ b->b[i];
}

int ec_id_cmp(const ec_id *a, const ec_id *b)
{
    return memcmp(a->b, b->b, EC_ID_LEN);
}

bool ec_id_is_zero(const ec_id *a)
{
    uint8_t acc = 0;
    for (int i = 0; i < EC_ID_LEN; i++) acc |= a->b[i];
    return acc == 0;
}

static unsigned byte_clz(uint8_t x)
{
    unsigned n = 0;
    for (uint8_t m = 0x80; m && !(x & m); m >>= 1) n++;
    return n;
}

static unsigned byte_ctz(uint8_t x)
{
    unsigned n = 0;
    for (uint8_t m = 0x01; m && !(x & m); m <<= 1) n++;
    return n;
}

unsigned ec_id_clz(const ec_id *a)
{
    for (int i = 0; i < EC_ID_LEN; i++)
        if (a->b[i]) return (unsigned)i * 8 + byte_clz(a->b[i]);
    return EC_ID_BITS;
}

unsigned ec_id_ctz(const ec_id *a)
{
    for (int i = EC_ID_LEN - 1; i >= 0; i--)
        if (a->b[i]) return (unsigned)(EC_ID_LEN - 1 - i) * 8 + byte_ctz(a->b[i]);
    return EC_ID_BITS;
}

int ec_id_cmp_distance(const ec_id *target, const ec_id *a, const ec_id *b)
{
    for (int i = 0; i < EC_ID_LEN; i++) {
        uint8_t da = a->b[i] ^ target->b[i], db = b->b[i] ^ target->b[i];
        if (da != db) return da < db ? -1 : 1;
    }
    return 0;
}

bool ec_id_prefix_eq(const ec_id *a, const ec_id *b, unsigned bits)
{
    if (bits > EC_ID_BITS) bits = EC_ID_BITS;
    unsigned full = bits / 8, rest = bits % 8;
    if (memcmp(a->b, b->b, full) != 0) return false;
    if (rest == 0) return true;
    uint8_t mask = (uint8_t)(0xff << (8 - rest));
    return ((a->b[full] ^ b->b[full]) & mask) == 0;
}

uint64_t ec_id_top64(const ec_id *a)
{
    uint64_t v = 0;
    for (int i = 0; i < 8; i++) v = v << 8 | a->b[i];
    return v;
}

void ec_id_to_hex(const ec_id *a, char out[EC_ID_HEX_LEN + 1])
{
    ec_hex_encode(out, a->b, EC_ID_LEN);
}

ec_err ec_id_from_hex(ec_id *a, const char *hex)
{
    return ec_hex_decode(a->b, EC_ID_LEN, hex);
}

void ec_id_sub(const ec_id *a, const ec_id *b, ec_id *d)
{
    int borrow = 0;
    for (int i = EC_ID_LEN - 1; i >= 0; i--) {
        int x = (int)a->b[i] - (int)b->b[i] - borrow;
        borrow = x < 0;
        d->b[i] = (uint8_t)(x + (borrow ? 256 : 0));
    }
}
