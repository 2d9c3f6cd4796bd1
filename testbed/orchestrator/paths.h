/* paths: where dmx finds the tree and its tools, and checks that a guest program is an aarch64 binary. */
#pragma once
#include <glib.h>

typedef struct {
  char *top;          /* tree root: $DMX_TOP, else two levels above build/bin/dmx, else the build-time DMX_TOP */
  char *qemu;         /* build/bin/qemu-aarch64, or $DMX_QEMU */
  char *plugin;       /* build/lib/libdevmodel.so, or $DMX_PLUGIN */
  char *medium;       /* build/bin/dmx-medium, or $DMX_MEDIUM */
  char *devices_ini;  /* scenarios/devices.ini */
  char *results;      /* results/ */
  char *qemu_ld_prefix; /* sysroot for dynamically linked guests when the host has no /lib/ld-linux-aarch64.so.1 */
} DmxPaths;

DmxPaths *dmx_paths_discover(void);
void dmx_paths_free(DmxPaths *p);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(DmxPaths, dmx_paths_free)

/* TRUE if PATH is an executable ELF file for aarch64; else FALSE with a message saying how to build one. */
gboolean dmx_check_guest_binary(const char *path, GError **error);
