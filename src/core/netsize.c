#include "core/netsize.h"

#include <math.h>

/* Distance as a fraction of the address space, from its top 64 bits: the
 * estimate needs a few significant digits, and 64 bits keep ~40 of them even
 * for a billion peers. */
static double fraction(const ec_id *a, const ec_id *b)
{
    ec_id d;
    ec_id_xor(&d, a, b);
    return ldexp((double)ec_id_top64(&d), -64);
}

ec_err ec_netsize_estimate(const ec_id *target, const ec_id *peers, size_t n,
                           double *out)
{
    if (target == NULL || peers == NULL || out == NULL) return EC_ERR_ARG;
    size_t k = 0;
    double dk = 0.0;
    for (size_t i = 0; i < n; i++) {
        double u = fraction(target, &peers[i]);
        if (u == 0.0 && ec_id_cmp(target, &peers[i]) == 0) continue;
        k++;
        if (u > dk) dk = u;
    }
    if (k < 2) return EC_ERR_ARG;
    /* dk == 0 needs 2^64 peers in the sample's neighborhood; cap instead of
     * dividing by zero. */
    if (dk <= 0.0) dk = ldexp(1.0, -64);
    *out = ((double)k - 1.0 / 3.0) / dk;
    return EC_OK;
}

unsigned ec_netsize_difficulty(double peers, unsigned n0, double N0)
{
    if (!(peers > 0.0) || !(N0 > 0.0)) return n0 ? n0 : 1;
    /* floor(log10(peers / N0)) by repeated scaling: exact at powers of ten,
     * where a floating-point log10 could land just below an integer. */
    long n = (long)n0;
    double r = peers / N0;
    while (r >= 10.0 && n < 255) { r /= 10.0; n++; }
    while (r < 1.0 && n > 1) { r *= 10.0; n--; }
    if (n < 1) n = 1;
    if (n > 255) n = 255;
    return (unsigned)n;
}
