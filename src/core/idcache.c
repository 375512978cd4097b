#include "core/idcache.h"

#include <stdlib.h>
#include <string.h>

#include "crypto/blake3.h"

typedef struct entry {
    ec_id key;        /* BLAKE3 of the encoded record */
    ec_id address;    /* valid only when result == EC_OK */
    uint64_t used;    /* last-use stamp; 0 = empty slot */
    ec_err result;
} entry;

struct ec_idcache {
    entry *entries;   /* nsets * EC_IDCACHE_WAYS */
    size_t nsets;     /* power of two */
    uint64_t clock;   /* last stamp handed out */
    ec_idcache_stats stats;
};

#define IDCACHE_CAPACITY_MAX ((size_t)1 << 24)

ec_err ec_idcache_new(ec_idcache **out, size_t capacity)
{
    if (out == NULL || capacity == 0 || capacity > IDCACHE_CAPACITY_MAX)
        return EC_ERR_ARG;
    size_t nsets = 1;
    while (nsets * EC_IDCACHE_WAYS < capacity) nsets <<= 1;
    ec_idcache *c = calloc(1, sizeof *c);
    if (c == NULL) return EC_ERR_NOMEM;
    c->entries = calloc(nsets * EC_IDCACHE_WAYS, sizeof *c->entries);
    if (c->entries == NULL) {
        free(c);
        return EC_ERR_NOMEM;
    }
    c->nsets = nsets;
    c->stats.capacity = nsets * EC_IDCACHE_WAYS;
    *out = c;
    return EC_OK;
}

void ec_idcache_free(ec_idcache *c)
{
    if (c == NULL) return;
    free(c->entries);
    free(c);
}

ec_err ec_idcache_verify(ec_idcache *c, const ec_identity *id, ec_id *address)
{
    uint8_t buf[EC_IDENTITY_LEN];
    size_t len;
    ec_id key;

    if (c == NULL || id == NULL) return EC_ERR_ARG;
    /* A record that cannot be encoded cannot be valid; nothing to cache. */
    ec_err err = ec_identity_encode(id, buf, sizeof buf, &len);
    if (err) return err;
    ec_blake3_hash(buf, len, key.b);

    /* The key is a uniform hash, so its low bits pick the set. */
    size_t set = (size_t)ec_id_top64(&key) & (c->nsets - 1);
    entry *ways = c->entries + set * EC_IDCACHE_WAYS, *victim = &ways[0];
    for (int i = 0; i < EC_IDCACHE_WAYS; i++) {
        entry *e = &ways[i];
        if (e->used && ec_id_cmp(&e->key, &key) == 0) {
            e->used = ++c->clock;
            c->stats.hits++;
            if (e->result == EC_OK && address) *address = e->address;
            return e->result;
        }
        if (e->used < victim->used) victim = e;
    }

    c->stats.misses++;
    ec_id addr;
    err = ec_identity_verify(id, NULL, &addr);
    /* Only verdicts are cached: a transient failure (out of memory inside
     * Argon2id) must be retried, not remembered. */
    if (err == EC_ERR_CRYPTO || err == EC_ERR_NOMEM) return err;
    if (victim->used) c->stats.evictions++;
    else c->stats.size++;
    victim->key = key;
    victim->address = err == EC_OK ? addr : (ec_id){{0}};
    victim->result = err;
    victim->used = ++c->clock;
    if (err == EC_OK && address) *address = addr;
    return err;
}

void ec_idcache_stats_get(const ec_idcache *c, ec_idcache_stats *out)
{
    *out = c->stats;
}
