/* link_check: see link_check.h. */
#include "link_check.h"

#include <string.h>

#include "../../netem/link_spec.h"

gboolean dmx_link_spec_check(const char *spec, GString *why) {
  LinkSpec parsed;
  g_autoptr(GError) err = NULL;
  if (link_spec_parse(spec, &parsed, &err))
    return TRUE;
  g_string_append(why, err->message);
  return FALSE;
}

gboolean dmx_link_spec_summary(const char *spec, DmxLinkSummary *out) {
  LinkSpec parsed;
  *out = (DmxLinkSummary){0};
  if (!link_spec_parse(spec, &parsed, NULL))
    return FALSE;
  out->rate_mbit = parsed.rate_bps / 1e6;
  out->delay_ms = parsed.delay_ns / 1e6;
  out->loss_pct = parsed.loss.kind == LOSS_RANDOM ? parsed.loss.p[0] * 100 : 0;
  return TRUE;
}

gboolean dmx_link_mode_check(const char *mode, GString *why) {
  if (strcmp(mode, "wired") == 0 || strcmp(mode, "wifi") == 0)
    return TRUE;
  g_string_append(why, "expected wired or wifi");
  return FALSE;
}
