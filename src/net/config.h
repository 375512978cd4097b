/* `ec node` settings: an INI file (libinih), then flags on top (docs in
 * docs/NODE.md, every key with its default). Each setting is "section.key";
 * a flag --section-key or a file line sets it the same way, so a value
 * means the same wherever it is written. */
#ifndef EC_NET_CONFIG_H
#define EC_NET_CONFIG_H

#include <stddef.h>
#include <stdio.h>

#include "base/err.h"
#include "crypto/pow.h"
#include "net/daemon.h"

typedef struct ec_node_settings {
    ec_daemon_config d;
    unsigned mine_bits;        /* identity.bits: difficulty of a new identity (20) */
    ec_pow_params mine_params; /* identity.memory_kib / iterations (the network's) */
    size_t map_size_mb;        /* store.map_size_mb: LMDB map (1024) */
} ec_node_settings;

void ec_node_settings_default(ec_node_settings *s);
/* Sets one setting from text: EC_OK, or EC_ERR_ARG with *why ("unknown
 * setting", "not a number in 1..64", ...). */
ec_err ec_node_settings_set(ec_node_settings *s, const char *section, const char *key, const char *value,
                            char *why, size_t why_cap);
/* Reads an INI file: EC_OK, EC_ERR_NOTFOUND / EC_ERR_IO (cannot open),
 * or EC_ERR_ARG with *why = "FILE:LINE: reason" (the first bad line). */
ec_err ec_node_settings_load(ec_node_settings *s, const char *path, char *why, size_t why_cap);
/* The settings as an INI file (every key, current values): `ec node
 * --print-config`, and the devnet's config files. */
void ec_node_settings_write(const ec_node_settings *s, FILE *f);

#endif
