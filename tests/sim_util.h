/* Helpers for tests that run the simulator: a scenario's JSON summary,
 * and numbers read out of it. */
#ifndef EC_TESTS_SIM_UTIL_H
#define EC_TESTS_SIM_UTIL_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/sim.h"

/* Runs a scenario (wall-clock fields zeroed) and returns its JSON summary
 * (caller frees), NULL if it failed. */
static inline char *su_run(const sim_config *c)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    if (f == NULL) return NULL;
    sim_config cc = *c;
    cc.no_wall = true;
    if (sim_run(&cc, f, NULL) != EC_OK) {
        fclose(f);
        free(buf);
        return NULL;
    }
    fclose(f);
    return buf;
}

/* The number after "key": inside the object that starts at "section": {
 * (NULL: the first anywhere); -1 if absent. */
static inline long long su_field_in(const char *json, const char *section, const char *key)
{
    char pat[96];
    const char *from = json;
    if (json && section) {
        snprintf(pat, sizeof pat, "\"%s\": {", section);
        from = strstr(json, pat);
    }
    snprintf(pat, sizeof pat, "\"%s\": ", key);
    const char *p = from ? strstr(from, pat) : NULL;
    return p ? atoll(p + strlen(pat)) : -1;
}

static inline long long su_field(const char *json, const char *key)
{
    return su_field_in(json, NULL, key);
}

#endif
