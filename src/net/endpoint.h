/* Endpoints: the core's opaque ec_endpoint, as the UDP driver fills it.
 *   IPv4: len 6  = 4 address bytes, 2 port bytes (network order)
 *   IPv6: len 18 = 16 address bytes, 2 port bytes (network order)
 * The same bytes travel in PEERS answers (wire/msg.h), so every node reads
 * another's endpoints. */
#ifndef EC_NET_ENDPOINT_H
#define EC_NET_ENDPOINT_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/socket.h>

#include "base/err.h"
#include "wire/msg.h"

#define EC_ENDPOINT_STR_MAX 56 /* "[ffff:...:ffff]:65535" and the NUL */

/* sockaddr (AF_INET / AF_INET6) to endpoint: EC_OK, EC_ERR_ARG otherwise. */
ec_err ec_endpoint_from_sockaddr(ec_endpoint *ep, const struct sockaddr *sa, socklen_t len);
/* Endpoint to sockaddr: EC_OK, EC_ERR_MALFORMED for a length that is
 * neither 6 nor 18, or port 0. */
ec_err ec_endpoint_to_sockaddr(const ec_endpoint *ep, struct sockaddr_storage *ss, socklen_t *len);
/* Parses "1.2.3.4:5", "[::1]:5" or "localhost:5" (a name is resolved with
 * getaddrinfo, IPv4 first): EC_OK, EC_ERR_MALFORMED (syntax, port out of
 * 0..65535), EC_ERR_NOTFOUND (the name does not resolve). */
ec_err ec_endpoint_parse(ec_endpoint *ep, const char *s);
/* "1.2.3.4:5" / "[::1]:5" into buf (EC_ENDPOINT_STR_MAX); "-" if unknown. */
void ec_endpoint_format(const ec_endpoint *ep, char buf[EC_ENDPOINT_STR_MAX]);
bool ec_endpoint_eq(const ec_endpoint *a, const ec_endpoint *b);

#endif
