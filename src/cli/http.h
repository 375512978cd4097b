/* A very small HTTP/1.0 client for the tool's commands that read a node's
 * status page (ec devnet up/status, ec evidence list). */
#ifndef EC_CLI_HTTP_H
#define EC_CLI_HTTP_H

#include <stddef.h>

#include "base/err.h"
#include "net/endpoint.h"

/* GET `path` from ep (IPv4 or IPv6), timeout_ms for connecting and for
 * each read and write. EC_OK: *status is the HTTP status code and *body
 * a malloc'd, NUL-terminated copy of the body (the caller frees it; *len,
 * when not NULL, its length). EC_ERR_IO: no connection, or the exchange
 * failed (errno says why: ECONNREFUSED, EAGAIN for a timeout, ...);
 * EC_ERR_MALFORMED: the answer is not HTTP; EC_ERR_RANGE: it is longer
 * than `max` bytes; EC_ERR_NOMEM. */
ec_err cli_http_get(const ec_endpoint *ep, const char *path, unsigned timeout_ms, size_t max, int *status,
                    char **body, size_t *len);

#endif
