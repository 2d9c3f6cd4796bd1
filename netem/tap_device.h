/* tap_device.h: open a TAP device (IFF_TAP | IFF_NO_PI) in the calling thread's network namespace, and run a
 * function inside another namespace. Used by the e2e test; the orchestrator may use it too. */
#pragma once
#include <glib.h>

/* Creates (or opens) TAP `ifname` in the current network namespace. Returns the fd or -1 with error. */
int tap_device_open(const char *ifname, GError **error);
/* Opens TAP `ifname` inside the named network namespace (/run/netns/NAME), from a helper thread so the
 * caller's namespace is untouched. */
int tap_device_open_in_netns(const char *netns, const char *ifname, GError **error);
