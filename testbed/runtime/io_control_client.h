/* io_control_client.h: the host side of the I/O engine's control interface, for the orchestrator (and tests):
 * asks a device's libdmx to rebind a virtual device class ("screen", "audio", "camera", "storage") to another
 * device while the app runs. Plain C with the wire protocol's sources (wire_codec.c, wire_conn.c, wire_auth.c,
 * dsm_diff.c) and io_link.c; no GLib. See testbed/runtime/README.md. */
#ifndef DMX_IO_CONTROL_CLIENT_H
#define DMX_IO_CONTROL_CLIENT_H

#include <stddef.h>

/* Connects to the Unix control socket SOCK_PATH of a device's resource server
 * ($DMX_RUN_DIR/devices/NAME/io-control.sock), joins with the run's hex SECRET, and asks it to bind CLASS_NAME
 * to device DEVICE (1-based index; 0 = that device itself). Waits up to TIMEOUT_S seconds (host time) for the
 * socket to appear. Returns 0, or -errno (the device's answer, e.g. -ENOENT for an unknown class, -EINVAL for a
 * bad device; or -ECONNREFUSED, -ETIMEDOUT, -EACCES when the join failed) with a reason in ERR. */
int dmx_io_control_bind(const char *sock_path, const char *secret, const char *class_name, int device,
                        int timeout_s, char *err, size_t err_len);

#endif
