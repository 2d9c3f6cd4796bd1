/* cleanup: signal handling and teardown, so that no namespace, TAP, process or temp file outlives a run.
 *
 * dmx blocks SIGINT, SIGTERM, SIGHUP and SIGCHLD and reads them from a signalfd in its run loop; children restore
 * default signal handling before exec. Every child is tracked by pid and has PR_SET_PDEATHSIG=SIGKILL, so even a
 * SIGKILLed dmx leaves no orphans: the devices die, and their anonymous namespaces and TAPs with them. */
#pragma once
#include <glib.h>
#include <sys/types.h>

#include "device.h"
#include "medium_link.h"

/* Blocks the run-loop signals, ignores SIGPIPE; returns a signalfd for them (or -1). */
int dmx_signals_install(GError **error);
/* In a forked child before exec: empty signal mask and default dispositions (SIG_IGN would survive exec). */
void dmx_child_reset_signals(void);

/* In a forked child just before exec: marks every descriptor above stderr close-on-exec, so that a device or the
 * medium inherits nothing from whoever started dmx. */
void dmx_child_close_inherited_fds(void);

/* Reaps every exited child without blocking and hands each status to its device or the medium. Returns how many
 * were reaped. */
int dmx_reap_children(GPtrArray *devices, DmxMedium *medium);

/* Stops every live device: SIGTERM, up to GRACE_MS for them to exit, then SIGKILL; all are reaped on return. */
void dmx_stop_devices(GPtrArray *devices, DmxMedium *medium, int grace_ms);
