/* UDP socket in batches (udp.h). */
#define _GNU_SOURCE /* recvmmsg, sendmmsg */
#include "net/udp.h"

#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <string.h>
#include <unistd.h>

ec_err ec_udp_open(ec_udp *u, const ec_endpoint *bind_ep)
{
    struct sockaddr_storage ss;
    socklen_t sl;
    memset(u, 0, sizeof *u);
    u->fd = -1;
    /* Port 0 is what "pick one" means here; to_sockaddr refuses it for a
     * destination, so build the bind address with the port patched in. */
    ec_endpoint b = *bind_ep;
    size_t po = b.len == 6 ? 4 : 16;
    if (b.len != 6 && b.len != 18) return EC_ERR_MALFORMED;
    uint8_t port[2] = {b.b[po], b.b[po + 1]};
    b.b[po] = 0;
    b.b[po + 1] = 1;
    if (ec_endpoint_to_sockaddr(&b, &ss, &sl) != EC_OK) return EC_ERR_MALFORMED;
    if (ss.ss_family == AF_INET) memcpy(&((struct sockaddr_in *)&ss)->sin_port, port, 2);
    else memcpy(&((struct sockaddr_in6 *)&ss)->sin6_port, port, 2);
    int fd = socket(ss.ss_family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) return EC_ERR_IO;
    if (ss.ss_family == AF_INET6) {
        int off = 0; /* "::" takes IPv4 too (v4-mapped) */
        (void)setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &off, sizeof off);
    }
    /* Room for bursts: a node answers votes from a whole neighborhood at once. */
    int sz = 4 << 20;
    (void)setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &sz, sizeof sz);
    (void)setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &sz, sizeof sz);
    if (bind(fd, (struct sockaddr *)&ss, sl) != 0) {
        int e = errno;
        close(fd);
        errno = e;
        return EC_ERR_IO;
    }
    struct sockaddr_storage got;
    socklen_t gl = sizeof got;
    if (getsockname(fd, (struct sockaddr *)&got, &gl) != 0 ||
        ec_endpoint_from_sockaddr(&u->local, (struct sockaddr *)&got, gl) != EC_OK) {
        int e = errno;
        close(fd);
        errno = e;
        return EC_ERR_IO;
    }
    u->fd = fd;
    return EC_OK;
}

void ec_udp_close(ec_udp *u)
{
    if (u->fd >= 0) {
        ec_udp_flush(u);
        close(u->fd);
    }
    u->fd = -1;
}

unsigned ec_udp_recv(ec_udp *u, size_t len[EC_UDP_BATCH], ec_endpoint from[EC_UDP_BATCH])
{
    struct mmsghdr mm[EC_UDP_BATCH];
    struct iovec iov[EC_UDP_BATCH];
    memset(mm, 0, sizeof mm);
    for (unsigned i = 0; i < EC_UDP_BATCH; i++) {
        iov[i].iov_base = u->rbuf[i];
        iov[i].iov_len = EC_UDP_RECV_MAX;
        mm[i].msg_hdr.msg_iov = &iov[i];
        mm[i].msg_hdr.msg_iovlen = 1;
        mm[i].msg_hdr.msg_name = &u->rfrom[i];
        mm[i].msg_hdr.msg_namelen = sizeof u->rfrom[i];
    }
    int n = recvmmsg(u->fd, mm, EC_UDP_BATCH, MSG_DONTWAIT, NULL);
    if (n <= 0) {
        if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) u->stats.rx_errors++;
        return 0;
    }
    unsigned k = 0;
    for (int i = 0; i < n; i++) {
        if (mm[i].msg_hdr.msg_flags & MSG_TRUNC) {
            u->stats.rx_truncated++;
            continue;
        }
        if (ec_endpoint_from_sockaddr(&from[k], (struct sockaddr *)&u->rfrom[i], mm[i].msg_hdr.msg_namelen) != EC_OK) {
            u->stats.rx_errors++;
            continue;
        }
        if (k != (unsigned)i) memcpy(u->rbuf[k], u->rbuf[i], mm[i].msg_len);
        len[k] = mm[i].msg_len;
        u->stats.rx_packets++;
        u->stats.rx_bytes += mm[i].msg_len;
        k++;
    }
    return k;
}

ec_err ec_udp_send(ec_udp *u, const ec_endpoint *to, const uint8_t *buf, size_t len)
{
    if (len > EC_UDP_MTU) {
        u->stats.tx_errors++;
        return EC_ERR_RANGE;
    }
    if (u->nsend == EC_UDP_BATCH) ec_udp_flush(u);
    unsigned i = u->nsend;
    if (ec_endpoint_to_sockaddr(to, &u->sto[i], &u->stolen[i]) != EC_OK) {
        u->stats.tx_errors++;
        return EC_ERR_MALFORMED;
    }
    memcpy(u->sbuf[i], buf, len);
    u->slen[i] = len;
    u->nsend++;
    return EC_OK;
}

void ec_udp_flush(ec_udp *u)
{
    struct mmsghdr mm[EC_UDP_BATCH];
    struct iovec iov[EC_UDP_BATCH];
    unsigned done = 0;
    memset(mm, 0, sizeof mm);
    for (unsigned i = 0; i < u->nsend; i++) {
        iov[i].iov_base = u->sbuf[i];
        iov[i].iov_len = u->slen[i];
        mm[i].msg_hdr.msg_iov = &iov[i];
        mm[i].msg_hdr.msg_iovlen = 1;
        mm[i].msg_hdr.msg_name = &u->sto[i];
        mm[i].msg_hdr.msg_namelen = u->stolen[i];
    }
    while (done < u->nsend) {
        int n = sendmmsg(u->fd, mm + done, u->nsend - done, MSG_DONTWAIT);
        if (n < 0) {
            if (errno == EINTR) continue;
            /* EAGAIN: the buffer is full; anything else: this datagram is
             * refused (unreachable family, ...): skip it, send the rest. */
            if (errno == EAGAIN || errno == EWOULDBLOCK) {
                u->stats.tx_dropped += u->nsend - done;
                break;
            }
            u->stats.tx_errors++;
            done++;
            continue;
        }
        for (int i = 0; i < n; i++) {
            u->stats.tx_packets++;
            u->stats.tx_bytes += u->slen[done + (unsigned)i];
        }
        done += (unsigned)n;
    }
    u->nsend = 0;
}
