/* netns: what a device's child process does to get its own network: a new network namespace (plus a user
 * namespace when not root), loopback up, and the TAP dmx0 with the device's address. Runs in the child. */
#pragma once
#include <glib.h>

/* unshare(CLONE_NEWNET), or CLONE_NEWUSER|CLONE_NEWNET with uid/gid maps when not root (rootless). */
gboolean dmx_netns_enter(GError **error);
/* Brings interface NAME up. */
gboolean dmx_netns_link_up(const char *name, GError **error);
/* Creates TAP NAME (IFF_TAP|IFF_NO_PI) with MAC 02:dd:00:00:00:INDEX and 10.77.0.INDEX/24, up. Returns its
 * file descriptor (O_CLOEXEC), or -1. */
int dmx_netns_create_tap(const char *name, int index, GError **error);

/* 10.77.0.INDEX */
char *dmx_device_ip(int index);
