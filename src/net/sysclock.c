/* The OS's clocks and randomness for the drivers (sysclock.h). */
#include "net/sysclock.h"

#include <sodium.h>
#include <time.h>

static uint64_t ms_of(clockid_t id)
{
    struct timespec ts;
    clock_gettime(id, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

uint64_t ec_sys_mono_ms(void)
{
    return ms_of(CLOCK_MONOTONIC);
}

uint64_t ec_sys_unix_ms(void)
{
    return ms_of(CLOCK_REALTIME);
}

void ec_sys_clock(ec_sess_clock *c)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    c->mono_ms = ec_sys_mono_ms();
    c->wall_ns = (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

void ec_sys_random(void *arg, uint8_t *buf, size_t len)
{
    (void)arg;
    randombytes_buf(buf, len);
}
