/* cli/http.h: GET over one TCP connection, the whole answer read until the
 * server closes it (HTTP/1.0). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "cli/http.h"

/* Reads until EOF into a growing buffer: EC_OK, EC_ERR_IO, EC_ERR_RANGE
 * (more than max), EC_ERR_NOMEM. */
static ec_err read_all(int fd, size_t max, char **out, size_t *out_len)
{
    size_t len = 0, cap = 4096;
    char *buf = malloc(cap);
    if (buf == NULL) return EC_ERR_NOMEM;
    for (;;) {
        if (cap - len < 2) {
            if (cap > max + 1) {
                free(buf);
                return EC_ERR_RANGE;
            }
            char *g = realloc(buf, 2 * cap);
            if (g == NULL) {
                free(buf);
                return EC_ERR_NOMEM;
            }
            buf = g;
            cap *= 2;
        }
        ssize_t n = read(fd, buf + len, cap - 1 - len);
        if (n == 0) break;
        if (n < 0) {
            if (errno == EINTR) continue;
            int e = errno;
            free(buf);
            errno = e;
            return EC_ERR_IO;
        }
        len += (size_t)n;
        if (len > max) {
            free(buf);
            return EC_ERR_RANGE;
        }
    }
    buf[len] = '\0';
    *out = buf;
    *out_len = len;
    return EC_OK;
}

ec_err cli_http_get(const ec_endpoint *ep, const char *path, unsigned timeout_ms, size_t max, int *status,
                    char **body, size_t *len)
{
    struct sockaddr_storage ss;
    socklen_t sl;
    if (ec_endpoint_to_sockaddr(ep, &ss, &sl) != EC_OK) return EC_ERR_ARG;
    int fd = socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return EC_ERR_IO;
    struct timeval tv = {(time_t)(timeout_ms / 1000), (suseconds_t)(timeout_ms % 1000) * 1000};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv); /* connect's too, on Linux */
    char host[EC_ENDPOINT_STR_MAX], req[512];
    ec_endpoint_format(ep, host);
    int rl = snprintf(req, sizeof req, "GET %s HTTP/1.0\r\nHost: %s\r\nConnection: close\r\n\r\n", path, host);
    if (rl < 0 || (size_t)rl >= sizeof req) {
        close(fd);
        return EC_ERR_ARG;
    }
    if (connect(fd, (struct sockaddr *)&ss, sl) != 0 || write(fd, req, (size_t)rl) != rl) {
        int e = errno;
        close(fd);
        errno = e;
        return EC_ERR_IO;
    }
    char *all = NULL;
    size_t n = 0;
    ec_err err = read_all(fd, max, &all, &n);
    int e = errno;
    close(fd);
    errno = e;
    if (err) return err;
    int code = 0;
    char *start = strstr(all, "\r\n\r\n");
    if (strncmp(all, "HTTP/1.", 7) != 0 || sscanf(all + 7, "%*1d %3d", &code) != 1 || start == NULL) {
        free(all);
        return EC_ERR_MALFORMED;
    }
    start += 4;
    size_t blen = n - (size_t)(start - all);
    memmove(all, start, blen + 1);
    *status = code;
    *body = all;
    if (len) *len = blen;
    return EC_OK;
}
