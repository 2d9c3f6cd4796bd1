/* policies: see policies.h. */
#include "policies.h"

#include <string.h>

const char *const dmx_known_policies[] = {"local", "rf", "dynamix", "offload", NULL};

static gboolean named_before(char *const *names, int i) {
  for (int j = 0; j < i; j++)
    if (strcmp(names[i], names[j]) == 0)
      return TRUE;
  return FALSE;
}

/* Each name is checked for being known before its repeat, so the message names the first problem in list order. */
gboolean dmx_check_policy_names(char *const *names, gboolean allow_repeats, GString *why) {
  for (int i = 0; names[i]; i++) {
    if (!g_strv_contains(dmx_known_policies, names[i])) {
      g_string_append_printf(why, "unknown policy '%s' (known: local, rf, dynamix, offload)", names[i]);
      return FALSE;
    }
    if (!allow_repeats && named_before(names, i)) {
      g_string_append_printf(why, "policy '%s' is named twice", names[i]);
      return FALSE;
    }
  }
  if (!names[0])
    g_string_append(why, "name at least one policy");
  return names[0] != NULL;
}
