/* Network stall as the apps report it: the time the calling thread has waited on the network for I/O requests
 * that libdmx forwarded to another device (emulated ns, cumulative; the remote resource's own time excluded).
 * Zero on one device, or when every resource is local. */
#ifndef DMX_APP_NET_H
#define DMX_APP_NET_H

#include "io_devices.h"

#include <stdint.h>

static inline uint64_t app_net_stall_ns(void)
{
    struct dmx_io_forward_counters c;
    return dmx_io_get_thread_forward_counters(&c) == 0 ? c.stall_ns : 0;
}

/* The stall since BEFORE (an earlier app_net_stall_ns()). The counter belongs to the host thread that carries
 * the app thread, so after a thread migration it starts again from zero on the new device: then everything
 * it counted there is the stall since BEFORE that the new device saw. */
static inline uint64_t app_net_stall_since(uint64_t before)
{
    uint64_t now = app_net_stall_ns();
    return now >= before ? now - before : now;
}

#endif
