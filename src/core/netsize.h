/* Network-size estimate (seed §5.4) and adaptive difficulty (seed §5.2).
 *
 * Estimate: XOR distances from any point to uniformly spread addresses are
 * uniform on [0, 2^256). If d_k is the distance to the k-th nearest of N
 * peers, u_k = d_k / 2^256 is the k-th order statistic of N uniforms, whose
 * median is close to (k - 1/3) / N. So
 *
 *     N_est = (k - 1/3) / u_k
 *
 * is median-unbiased. The seed's "average spacing" formula uses the same
 * sample; d_k alone is the sufficient statistic, so it is at least as
 * accurate (tests/test_netsize.c measures it).
 *
 * Difficulty: n = n0 + floor(log10(N / N0)), clamped to [1, 255]. */
#ifndef EC_CORE_NETSIZE_H
#define EC_CORE_NETSIZE_H

#include <stddef.h>

#include "base/err.h"
#include "crypto/id.h"

#define EC_NETSIZE_N0_BITS 17u      /* n0: difficulty at N0 peers */
#define EC_NETSIZE_N0_PEERS 1000.0  /* N0 */

/* Estimates the network size from `n` peer addresses known around `target`
 * (typically a node's own address and the nearest peers it knows). Uses the
 * k = n nearest (all of them); n >= 2 (else EC_ERR_ARG). Addresses equal to
 * target are ignored. Writes the estimate to *out. */
ec_err ec_netsize_estimate(const ec_id *target, const ec_id *peers, size_t n,
                           double *out);

/* Difficulty bits for an estimated network of `peers` peers. */
unsigned ec_netsize_difficulty(double peers, unsigned n0, double N0);

#endif
