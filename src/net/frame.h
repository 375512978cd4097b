/* What a session's plaintext carries (docs/TRANSPORT.md, "Frames"): one
 * byte says whose it is, the rest is that owner's.
 *   [0][ec_msg ...]                          a core message: peers only
 *                                            (a verified identity)
 *   [1][req id u32][op u8][body]             a client's request: anyone
 *   [2][req id u32][op u8][code i8][body]    the node's answer
 *   [3][ep len u8][endpoint][QUERY datagram]  a forwarded query: peers only
 *                                            (net/query.h, daemon_query.c)
 * Integers little-endian. Bodies:
 *   SUBMIT   req: transaction bytes        resp: tx id (32); code: ec_err
 *   OUTCOME  (resp only, after SUBMIT, same req id): event u8
 *            (ec_node_event_type), mapping i8, tx id (32)
 *   GET_HEAD req: token (32)               resp: found u8, tx id (32),
 *            timestamp u64, owner (32) (found 0: zeros)
 *   GET_TX   req: tx id (32)               resp: the transaction's bytes
 *   STATUS   req: (none)                   resp: address (32), pending u32,
 *            committed u64 (a liveness check for scripts) */
#ifndef EC_NET_FRAME_H
#define EC_NET_FRAME_H

#define EC_FRAME_CORE 0
#define EC_FRAME_REQ 1
#define EC_FRAME_RESP 2
#define EC_FRAME_FWD 3 /* a forwarded sessionless query: peers only (daemon_query.c) */
#define EC_FRAME_REQ_HEAD 6  /* kind, req id, op */
#define EC_FRAME_RESP_HEAD 7 /* kind, req id, op, code */

enum {
    EC_OP_SUBMIT = 1,
    EC_OP_OUTCOME = 2,
    EC_OP_GET_HEAD = 3,
    EC_OP_GET_TX = 4,
    EC_OP_STATUS = 5,
};

#endif
