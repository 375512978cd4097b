/* Anti-replay window for transport counters, after WireGuard's
 * drivers/net/wireguard/receive.c counter_validate (RFC 6479's bitmap: a
 * ring of words, no bit shifting of the whole map).
 *
 * The map holds EC_REPLAY_BITS bits, but a slide recycles whole words, so
 * one word's worth is kept as slack and the usable window is
 * EC_REPLAY_WINDOW = 8192 - 64 = 8128: with M the highest counter marked,
 * counters M - 8128 .. M are remembered exactly; anything older is refused.
 * Words are uint64_t everywhere (WireGuard uses unsigned long, so its window
 * is 8160 on 32-bit machines); ours is the same on every machine.
 *
 * Use: ec_replay_check before decrypting (cheap: drops replays and stale
 * counters without spending an AEAD), ec_replay_mark only after the AEAD
 * verified. The counter travels in clear, so marking an unauthenticated one
 * would let anyone slide the window far ahead and make every genuine packet
 * "too old"; WireGuard marks after decryption for the same reason. mark
 * repeats the check, so a check/mark pair stays correct if two packets with
 * one counter are decrypted before either is marked. */
#ifndef EC_NET_REPLAY_H
#define EC_NET_REPLAY_H

#include <stdbool.h>
#include <stdint.h>

#define EC_REPLAY_BITS 8192u
#define EC_REPLAY_WORD 64u
#define EC_REPLAY_WINDOW (EC_REPLAY_BITS - EC_REPLAY_WORD) /* 8128 */
/* Counters from this one on are refused: 2^64 - 2^13 - 1, WireGuard's
 * Reject-After-Messages (paper §6.1, wireguard-go). The kernel writes it
 * U64_MAX - COUNTER_WINDOW_SIZE - 1 (2^64 - 8130), a little higher; either
 * keeps counter + 1 + window from overflowing. The sender must stop and
 * rekey before it gets here. */
#define EC_REPLAY_REJECT_AFTER (UINT64_MAX - (UINT64_C(1) << 13))

typedef struct ec_replay {
    uint64_t top; /* 1 + the highest counter marked; 0: none yet */
    uint64_t bits[EC_REPLAY_BITS / EC_REPLAY_WORD];
} ec_replay;

/* An empty window: every counter below EC_REPLAY_REJECT_AFTER is new. */
void ec_replay_init(ec_replay *w);
/* Whether ec_replay_mark would accept `counter` now; changes nothing. */
bool ec_replay_check(const ec_replay *w, uint64_t counter);
/* Accepts `counter` if it is below the limit, inside the window and not
 * seen before: marks it (sliding the window forward when it is the newest)
 * and returns true. Otherwise returns false and changes nothing. */
bool ec_replay_mark(ec_replay *w, uint64_t counter);

#endif
