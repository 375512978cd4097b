/* Endpoint bytes <-> socket addresses (endpoint.h). */
#include "net/endpoint.h"

#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

ec_err ec_endpoint_from_sockaddr(ec_endpoint *ep, const struct sockaddr *sa, socklen_t len)
{
    memset(ep, 0, sizeof *ep);
    if (sa->sa_family == AF_INET && len >= (socklen_t)sizeof(struct sockaddr_in)) {
        const struct sockaddr_in *s4 = (const struct sockaddr_in *)sa;
        memcpy(ep->b, &s4->sin_addr, 4);
        memcpy(ep->b + 4, &s4->sin_port, 2);
        ep->len = 6;
        return EC_OK;
    }
    if (sa->sa_family == AF_INET6 && len >= (socklen_t)sizeof(struct sockaddr_in6)) {
        const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *)sa;
        /* A v4-mapped address (a dual-stack socket) is the v4 endpoint. */
        if (IN6_IS_ADDR_V4MAPPED(&s6->sin6_addr)) {
            memcpy(ep->b, s6->sin6_addr.s6_addr + 12, 4);
            memcpy(ep->b + 4, &s6->sin6_port, 2);
            ep->len = 6;
            return EC_OK;
        }
        memcpy(ep->b, &s6->sin6_addr, 16);
        memcpy(ep->b + 16, &s6->sin6_port, 2);
        ep->len = 18;
        return EC_OK;
    }
    return EC_ERR_ARG;
}

ec_err ec_endpoint_to_sockaddr(const ec_endpoint *ep, struct sockaddr_storage *ss, socklen_t *len)
{
    memset(ss, 0, sizeof *ss);
    if (ep->len == 6) {
        struct sockaddr_in *s4 = (struct sockaddr_in *)ss;
        s4->sin_family = AF_INET;
        memcpy(&s4->sin_addr, ep->b, 4);
        memcpy(&s4->sin_port, ep->b + 4, 2);
        *len = sizeof *s4;
        return s4->sin_port ? EC_OK : EC_ERR_MALFORMED;
    }
    if (ep->len == 18) {
        struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)ss;
        s6->sin6_family = AF_INET6;
        memcpy(&s6->sin6_addr, ep->b, 16);
        memcpy(&s6->sin6_port, ep->b + 16, 2);
        *len = sizeof *s6;
        return s6->sin6_port ? EC_OK : EC_ERR_MALFORMED;
    }
    return EC_ERR_MALFORMED;
}

ec_err ec_endpoint_parse(ec_endpoint *ep, const char *s)
{
    char host[256];
    const char *port;
    if (s == NULL) return EC_ERR_ARG;
    if (s[0] == '[') {
        const char *end = strchr(s, ']');
        if (end == NULL || end[1] != ':' || (size_t)(end - s - 1) >= sizeof host) return EC_ERR_MALFORMED;
        memcpy(host, s + 1, (size_t)(end - s - 1));
        host[end - s - 1] = '\0';
        port = end + 2;
    } else {
        const char *colon = strrchr(s, ':');
        if (colon == NULL || (size_t)(colon - s) >= sizeof host || strchr(s, ':') != colon)
            return EC_ERR_MALFORMED;
        memcpy(host, s, (size_t)(colon - s));
        host[colon - s] = '\0';
        port = colon + 1;
    }
    char *endp;
    if (*port == '\0' || *port < '0' || *port > '9') return EC_ERR_MALFORMED;
    unsigned long p = strtoul(port, &endp, 10);
    if (*endp != '\0' || p > 65535 || host[0] == '\0') return EC_ERR_MALFORMED;
    struct in_addr a4;
    struct in6_addr a6;
    uint16_t np = htons((uint16_t)p);
    memset(ep, 0, sizeof *ep);
    if (inet_pton(AF_INET, host, &a4) == 1) {
        memcpy(ep->b, &a4, 4);
        memcpy(ep->b + 4, &np, 2);
        ep->len = 6;
        return EC_OK;
    }
    if (inet_pton(AF_INET6, host, &a6) == 1) {
        memcpy(ep->b, &a6, 16);
        memcpy(ep->b + 16, &np, 2);
        ep->len = 18;
        return EC_OK;
    }
    struct addrinfo hints, *res = NULL;
    memset(&hints, 0, sizeof hints);
    hints.ai_socktype = SOCK_DGRAM;
    if (getaddrinfo(host, NULL, &hints, &res) != 0 || res == NULL) return EC_ERR_NOTFOUND;
    const struct addrinfo *pick = res;
    for (const struct addrinfo *r = res; r; r = r->ai_next)
        if (r->ai_family == AF_INET) {
            pick = r;
            break;
        }
    ec_err err = ec_endpoint_from_sockaddr(ep, pick->ai_addr, pick->ai_addrlen);
    freeaddrinfo(res);
    if (err) return EC_ERR_NOTFOUND;
    memcpy(ep->b + (ep->len == 6 ? 4 : 16), &np, 2);
    return EC_OK;
}

void ec_endpoint_format(const ec_endpoint *ep, char buf[EC_ENDPOINT_STR_MAX])
{
    char host[INET6_ADDRSTRLEN];
    uint16_t np;
    if (ep == NULL || (ep->len != 6 && ep->len != 18)) {
        snprintf(buf, EC_ENDPOINT_STR_MAX, "-");
        return;
    }
    if (ep->len == 6) {
        inet_ntop(AF_INET, ep->b, host, sizeof host);
        memcpy(&np, ep->b + 4, 2);
        snprintf(buf, EC_ENDPOINT_STR_MAX, "%s:%u", host, (unsigned)ntohs(np));
    } else {
        inet_ntop(AF_INET6, ep->b, host, sizeof host);
        memcpy(&np, ep->b + 16, 2);
        snprintf(buf, EC_ENDPOINT_STR_MAX, "[%s]:%u", host, (unsigned)ntohs(np));
    }
}

bool ec_endpoint_eq(const ec_endpoint *a, const ec_endpoint *b)
{
    return a->len == b->len && memcmp(a->b, b->b, a->len) == 0;
}
