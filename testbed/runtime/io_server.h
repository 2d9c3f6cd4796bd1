/* io_server.h: the resource server every device runs (DynaMix §4.1.2, the remote I/O engine).
 *
 * It listens on TCP port DMX_IO_PORT (7702) on the device's own address from DMX_DEVICES, and on a Unix socket
 * in the run directory ($DMX_RUN_DIR/devices/NAME/io-control.sock, or DMX_IO_CONTROL_SOCK) that the host-side
 * orchestrator can reach without entering the device's network namespace. Each connection is one thread: the
 * wire protocol's join (HMAC with DMX_SECRET), then IO_REQUESTs run on this device's resources
 * (io_serve_local) and IO_CONTROLs that rebind a class of this device's I/O layer, each answered by an IO_REPLY.
 * A peer that sends anything that does not decode, or is not allowed, is logged and dropped; files it left open
 * are closed. The server itself keeps running. */
#ifndef DMX_IO_SERVER_H
#define DMX_IO_SERVER_H

#include <stdint.h>

#include "io_resource.h"

struct io_server_stats {
    uint64_t joined;    /* connections that completed the join */
    uint64_t rejected;  /* connections dropped before or during the join */
    uint64_t dropped;   /* joined connections dropped for a protocol violation */
    uint64_t requests;  /* operations served */
    uint64_t controls;  /* control messages served */
};

/* Starts the listeners and their threads when the run has more than one device (or DMX_IO_SERVER=1).
 * Returns 1 when started, 0 when not needed, -1 on error (logged). Idempotent. */
int io_server_start(void);
void io_server_get_stats(struct io_server_stats *out);

/* Files kept for the whole app (a multi-device run's virtual fds, io_vfd.c), in the same table as the files
 * peers open with IO_OPEN_APP_WIDE: any device may use them by id, and they close only when asked to.
 * io_server_adopt() enters a handle this device's app opened locally: its id, or 0 when the table is full.
 * io_server_run_adopted() runs REQ on file ID here (the table's handle, pinned while it runs; a CLOSE while
 * operations run is carried out by the last of them): 0, or -EBADF when ID is not open (req->result set either
 * way). */
uint64_t io_server_adopt(const struct io_class_ops *cls, void *handle);
int io_server_run_adopted(uint64_t id, struct io_request *req);

#endif
