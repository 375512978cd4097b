/* GLib hash-table callbacks for ec_id keys, shared by the in-memory store,
 * the node core and the simulator. Ids are uniform hashes, so their first
 * four bytes are a good hash already. */
#ifndef EC_LEDGER_IDHASH_H
#define EC_LEDGER_IDHASH_H

#include <glib.h>
#include <string.h>

#include "crypto/id.h"

static inline guint ec_idhash_hash(gconstpointer a)
{
    const uint8_t *b = a;
    return (guint)b[0] | (guint)b[1] << 8 | (guint)b[2] << 16 | (guint)b[3] << 24;
}

static inline gboolean ec_idhash_equal(gconstpointer a, gconstpointer b)
{
    return memcmp(a, b, EC_ID_LEN) == 0;
}

#endif
