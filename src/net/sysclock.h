/* The operating system's clocks and randomness, as the drivers of the
 * sans-IO layers (the daemon, the client, the benchmarks) hand them in.
 * Nothing below src/net/daemon*.c and client.c calls these: the core and
 * the session layer only take what they are given. */
#ifndef EC_NET_SYSCLOCK_H
#define EC_NET_SYSCLOCK_H

#include <stddef.h>
#include <stdint.h>

#include "net/session.h"

/* CLOCK_MONOTONIC in ms. */
uint64_t ec_sys_mono_ms(void);
/* CLOCK_REALTIME (Unix time) in ms. */
uint64_t ec_sys_unix_ms(void);
/* A session clock: monotonic ms, and Unix ns for the TAI64N stamps. */
void ec_sys_clock(ec_sess_clock *c);
/* An ec_sess_rand_fn over the OS CSPRNG (libsodium's randombytes). */
void ec_sys_random(void *arg, uint8_t *buf, size_t len);

#endif
