/* kernel_backend: `[link] backend = kernel` builds the scenario's links from kernel parts instead of dmx-medium:
 * a bridge br0 in a holder network namespace, one veth pair per device (dmx0 in the device's namespace, vdN on
 * the bridge), and on each bridge port toward device B an htb root with one class per source A (filtered by A's
 * MAC) whose leaf shapes A->B: tbf for a rate-only spec, netem (with its own rate) for anything else. The rules
 * are the medium's: the default spec, then each [link A B] in order.
 *
 * Needs root, ip, tc and nsenter, and the kernel modules veth, bridge, sch_htb, sch_tbf, cls_u32, and sch_netem
 * for delay, jitter, loss, duplication, corruption or reordering. dmx_kernel_backend_check refuses a scenario
 * whose specs need a module this kernel lacks, before anything starts. Not (yet) on this backend: [event]s,
 * Wi-Fi mode, the uplink, pcap and the traffic matrix. */
#pragma once
#include <glib.h>
#include <sys/types.h>

#include "scenario.h"

typedef struct DmxKernelNet DmxKernelNet;

/* What this host offers, for `dmx doctor`: one line per capability ("tbf: yes", "netem: no (...)"). */
typedef struct {
  gboolean root, tools, veth_bridge, htb, tbf, u32, netem;
  char *why_netem;  /* tc's message when netem is missing */
} DmxKernelCaps;

void dmx_kernel_caps_probe(DmxKernelCaps *caps);
void dmx_kernel_caps_clear(DmxKernelCaps *caps);

/* Every spec the scenario uses (default and [link A B]) checked against the kernel's qdiscs. */
gboolean dmx_kernel_backend_check(const DmxScenario *sc, GError **error);

/* The holder namespace with br0. LOG receives each command run (for events.log). */
DmxKernelNet *dmx_kernel_net_new(void (*log)(void *ud, const char *line), void *ud, GError **error);
/* Replaces the device's TAP (already closed by the caller) by veth dmx0 with its MAC and address. */
gboolean dmx_kernel_net_attach(DmxKernelNet *k, const char *name, int index, pid_t device_pid, GError **error);
/* Installs every link's qdiscs, once all devices are attached; rates / TDF, delays * TDF, as the medium does. */
gboolean dmx_kernel_net_shape(DmxKernelNet *k, const DmxScenario *sc, double tdf, GError **error);
/* Kills the holder: the bridge and the veth pairs go with its namespace. */
void dmx_kernel_net_free(DmxKernelNet *k);
