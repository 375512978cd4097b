/* ec_node_new with the minimal environment (address, store, rng) that most
 * tests need; tests needing more build an ec_node_env themselves. */
#ifndef EC_TEST_NODE_ENV_H
#define EC_TEST_NODE_ENV_H

#include "core/node.h"

static inline ec_err tn_new(ec_node **out, const ec_node_config *cfg, const ec_id *addr, ec_store *store,
                            ec_rng *rng)
{
    ec_node_env env = {.addr = *addr, .store = store, .rng = rng};
    return ec_node_new(out, cfg, &env);
}

#endif
