/* io_link.h: what the resource server (io_server.c), the forwarder (io_forward.c) and the host-side control
 * client (io_control_client.c) share: the devices of the run from the environment, and the join handshake of
 * wire_auth.h run over a wire_conn, in either role. Any device index 1..WIRE_MAX_DEVICES that proves it holds
 * DMX_SECRET may join a resource server; several connections from one device are fine (one per thread). */
#ifndef DMX_IO_LINK_H
#define DMX_IO_LINK_H

#include <stddef.h>
#include <stdint.h>

#include "wire_auth.h"
#include "wire_conn.h"

#define IO_SERVER_PORT 7702      /* default; DMX_IO_PORT overrides */
#define IO_JOIN_TIMEOUT_S 10

/* TCP port of every device's resource server. */
int io_server_port(void);
/* DMX_SECRET parsed into SECRET; its length, or -1. */
int io_link_secret(uint8_t secret[WIRE_SECRET_MAX]);
/* IP of device INDEX (1-based) from DMX_DEVICES into IP; 0 or -1. */
int io_device_ip(int index, char *ip, size_t cap);
/* Index of the device called NAME in DMX_DEVICES, or the number itself if NAME is one; 0 if unknown. */
int io_device_index(const char *name);
/* Name of device INDEX into NAME ("dev3" style fallback); returns NAME. */
const char *io_device_name(int index, char *name, size_t cap);

/* Client side: HELLO as device SELF called NAME; the server must be device EXPECT (0: any). On success the
 * connection is in WIRE_IO_CLIENT_READY and 0 is returned; -1 otherwise (logged). */
int io_link_join_client(struct wire_conn *c, uint32_t self, const char *name, uint32_t expect,
                        const uint8_t *secret, size_t secret_len);
/* Connects to DEVICE's resource server (address from DMX_DEVICES, port io_server_port(); a refused connection is
 * retried for LIMIT_MS, as the device may still be starting) and joins as this device. 0 with C ready
 * (WIRE_IO_CLIENT_READY; wire_conn_destroy it), or -1 (logged). */
int io_link_connect(struct wire_conn *c, int device, long limit_ms);
/* DMX_IO_CONNECT_MS: how long the forwarder retries a refused connection (emulated ms, default 20000). */
long io_link_connect_limit_ms(void);
/* Server side: answers a join as device SELF; returns the peer's index (connection in WIRE_IO_SERVER_READY), or
 * 0 after rejecting or dropping it (logged with WHO, e.g. the peer's address). */
uint32_t io_link_join_server(struct wire_conn *c, const uint8_t *secret, size_t secret_len, const char *who);

/* On a joined client connection C (as device SELF): asks the server to bind CLASS_NAME to DEVICE (IO_CONTROL
 * BIND; 0 = the server's own device) and waits up to TIMEOUT_S seconds for its answer. Returns the server's
 * result (0 or -errno), -EINVAL if the request cannot be encoded, or -EIO when the link failed (C is then
 * unusable). */
int io_link_control_bind(struct wire_conn *c, uint32_t self, const char *class_name, int device, int timeout_s);

#endif
