/* One non-blocking UDP socket, IPv4 or IPv6, read and written in batches
 * (recvmmsg / sendmmsg: one system call for up to EC_UDP_BATCH datagrams,
 * which is most of the per-packet cost on a loaded node). */
#ifndef EC_NET_UDP_H
#define EC_NET_UDP_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "base/err.h"
#include "net/endpoint.h"

#define EC_UDP_BATCH 32
#define EC_UDP_MTU 1400  /* the largest datagram ec sends (docs/TRANSPORT.md) */
#define EC_UDP_RECV_MAX 2048 /* larger datagrams are cut: counted as too long */

typedef struct ec_udp_stats {
    uint64_t rx_packets, rx_bytes, rx_truncated, rx_errors;
    uint64_t tx_packets, tx_bytes, tx_errors, tx_dropped; /* dropped: EAGAIN, queue full */
} ec_udp_stats;

typedef struct ec_udp {
    int fd;
    ec_endpoint local;      /* the bound address, port filled in (port 0 binds) */
    ec_udp_stats stats;
    /* receive batch */
    uint8_t rbuf[EC_UDP_BATCH][EC_UDP_RECV_MAX];
    struct sockaddr_storage rfrom[EC_UDP_BATCH];
    /* send batch */
    uint8_t sbuf[EC_UDP_BATCH][EC_UDP_MTU];
    size_t slen[EC_UDP_BATCH];
    struct sockaddr_storage sto[EC_UDP_BATCH];
    socklen_t stolen[EC_UDP_BATCH];
    unsigned nsend;
} ec_udp;

/* Opens and binds (port 0: the kernel picks; u->local has the real port).
 * EC_ERR_IO with errno on failure (EADDRINUSE, EACCES, ...). */
ec_err ec_udp_open(ec_udp *u, const ec_endpoint *bind_ep);
void ec_udp_close(ec_udp *u);

/* Reads up to EC_UDP_BATCH datagrams; returns how many (0: none waiting).
 * Datagram i: u->rbuf[i], len[i] bytes, from[i]. */
unsigned ec_udp_recv(ec_udp *u, size_t len[EC_UDP_BATCH], ec_endpoint from[EC_UDP_BATCH]);

/* Queues one datagram (flushed when the batch is full and by
 * ec_udp_flush). EC_ERR_RANGE over EC_UDP_MTU, EC_ERR_MALFORMED for an
 * endpoint that is no address; both counted as tx_errors. */
ec_err ec_udp_send(ec_udp *u, const ec_endpoint *to, const uint8_t *buf, size_t len);
/* Sends what is queued. A full socket buffer drops the rest (counted):
 * UDP, and every protocol message above it is re-sent on a timer. */
void ec_udp_flush(ec_udp *u);

#endif
