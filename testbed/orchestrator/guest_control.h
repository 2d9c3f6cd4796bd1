/* guest_control: scenario events that act on the app rather than on the network. Today one: rebinding a virtual
 * device class to another device's resource while the app runs ("bind screen tv", DynaMix Fig. 6's screen
 * switch), sent to the master's libdmx through its control socket (testbed/runtime/README.md). */
#pragma once
#include <glib.h>

#include "scenario.h"

/* TRUE if COMMAND ("bind CLASS DEVICE") is for the guest, not for the medium. */
gboolean dmx_guest_command_is_ours(const char *command);

/* Performs COMMAND on the run's master. Under the `local` policy a bind is a no-op (the ideal reference always
 * uses the master's own resources): the reply says so. Returns the reply text, or NULL with ERROR. */
char *dmx_guest_command(const DmxScenario *sc, const char *policy, const char *run_dir, const char *secret,
                        const char *command, GError **error);
