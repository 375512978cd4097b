/* Exclusion (issue 11; docs/SECURITY.md, "Exclusion"): a peer the core
 * convicted (evidence it verified itself, or received and verified) gets
 * no session and no admission here. The core keeps counting it in its
 * neighborhoods (taking it out would make views disagree) but never
 * counts its votes; the daemon adds: its session is closed, its identity
 * record is refused when it is verified again, nothing is sent to it and
 * its handshakes end at once (its session key is remembered, at most
 * EXCLUDED_MAX keys; the address check at verification catches the rest). */
#include <stdlib.h>
#include <string.h>

#include "ledger/idhash.h"
#include "net/daemon_internal.h"

ec_err dmn_exclude_new(ec_daemon *d)
{
    d->excluded = g_hash_table_new_full(ec_idhash_hash, ec_idhash_equal, free, NULL);
    return d->excluded ? EC_OK : EC_ERR_NOMEM;
}

void dmn_exclude_free(ec_daemon *d)
{
    if (d->excluded) g_hash_table_destroy(d->excluded);
    d->excluded = NULL;
}

bool dmn_excluded_key(const ec_daemon *d, const uint8_t xkey[32])
{
    return d->excluded && g_hash_table_contains(d->excluded, xkey);
}

bool dmn_excluded_addr(const ec_daemon *d, const ec_id *addr)
{
    return ec_node_convicted(d->node, addr);
}

/* Its session key into the set (counted when the set is full). */
static void remember(ec_daemon *d, const uint8_t xkey[32])
{
    if (dmn_excluded_key(d, xkey)) return;
    if (g_hash_table_size(d->excluded) >= EXCLUDED_MAX) {
        d->excluded_full++;
        return;
    }
    uint8_t *k = malloc(32);
    if (k == NULL) return;
    memcpy(k, xkey, 32);
    g_hash_table_add(d->excluded, k);
}

void dmn_exclude_peer(ec_daemon *d, dpeer *p, const char *why)
{
    char hex[65] = "-", ep[EC_ENDPOINT_STR_MAX];
    if (p->has_addr) ec_id_to_hex(&p->addr, hex);
    ec_endpoint_format(&p->ep, ep);
    dmn_log(d, 1, "event=peer_excluded addr=%.16s endpoint=%s why=%s", hex, ep, why);
    d->peers_excluded++;
    remember(d, p->xkey);
    ec_sess_forget(d->sess, p->xkey);
    if (p->has_addr && g_hash_table_lookup(d->by_addr, &p->addr) == p) g_hash_table_remove(d->by_addr, &p->addr);
    g_hash_table_remove(d->by_xkey, p->xkey); /* frees p */
}

void dmn_exclude_addr(ec_daemon *d, const ec_id *addr)
{
    dpeer *p = g_hash_table_lookup(d->by_addr, addr);
    if (p) dmn_exclude_peer(d, p, "convicted");
    /* Messages the core queued for it before: dropped with their entry. */
    if (g_hash_table_contains(d->pending_addr, addr)) g_hash_table_remove(d->pending_addr, addr);
}
