#include "net/replay.h"

#include <string.h>

#define N_WORDS (EC_REPLAY_BITS / EC_REPLAY_WORD) /* 128, a power of two */
#define WORD_SHIFT 6                              /* log2(EC_REPLAY_WORD) */

void ec_replay_init(ec_replay *w)
{
    memset(w, 0, sizeof *w);
}

/* As in WireGuard, bit c + 1 stands for counter c, so top == 0 can mean
 * "nothing yet" while counter 0 stays usable. Window rule: refuse c + 1 more
 * than EC_REPLAY_WINDOW below top. c + 1 <= EC_REPLAY_REJECT_AFTER, so the
 * sum below cannot wrap. */
static bool in_window(const ec_replay *w, uint64_t counter)
{
    return counter < EC_REPLAY_REJECT_AFTER &&
           counter + 1 + EC_REPLAY_WINDOW >= w->top;
}

bool ec_replay_check(const ec_replay *w, uint64_t counter)
{
    if (!w || !in_window(w, counter)) return false;
    uint64_t c = counter + 1;
    if (c > w->top) return true; /* bits above top are always clear */
    uint64_t word = w->bits[(c >> WORD_SHIFT) & (N_WORDS - 1)];
    return !((word >> (c & (EC_REPLAY_WORD - 1))) & 1);
}

bool ec_replay_mark(ec_replay *w, uint64_t counter)
{
    if (!w || !in_window(w, counter)) return false;
    uint64_t c = counter + 1;
    uint64_t index = c >> WORD_SHIFT;
    if (c > w->top) {
        /* Slide: clear the words between the old top's and the new one's
         * (all of them on a jump of a whole map or more). They held
         * counters that have just fallen out of the window. */
        uint64_t cur = w->top >> WORD_SHIFT;
        uint64_t n = index - cur < N_WORDS ? index - cur : N_WORDS;
        for (uint64_t i = 1; i <= n; i++)
            w->bits[(cur + i) & (N_WORDS - 1)] = 0;
        w->top = c;
    }
    uint64_t *word = &w->bits[index & (N_WORDS - 1)];
    uint64_t bit = UINT64_C(1) << (c & (EC_REPLAY_WORD - 1));
    if (*word & bit) return false;
    *word |= bit;
    return true;
}
