/* policies: the policies a run can use (local, rf, dynamix, offload) and the check of a list of them, shared by
 * the scenario's [scenario] policies, the sweep's [sweep] policies and the --policy options. */
#pragma once
#include <glib.h>

extern const char *const dmx_known_policies[];

/* TRUE if NAMES (NULL-terminated) holds at least one policy and every one is known; unless ALLOW_REPEATS, no
 * policy may be named twice. Else FALSE with the reason, for the first bad name, appended to WHY. */
gboolean dmx_check_policy_names(char *const *names, gboolean allow_repeats, GString *why);
