/* sweep_outcome: see sweep_outcome.h. */
#include "sweep_outcome.h"

#include <math.h>

#include "report_json.h"

void dmx_sweep_outcome_read(const char *point_dir, const char *metric, DmxSweepOutcome *out) {
  *out = (DmxSweepOutcome){.fps_mean = NAN, .fps_p5 = NAN, .fps_target = NAN, .metric = NAN, .rate_mbit = NAN,
                           .duration_s = NAN, .power_total_mw = NAN, .traffic_bytes = NAN, .stall_ms = NAN,
                           .exit_status = NAN};
  g_autofree char *path = point_dir ? g_build_filename(point_dir, "summary.json", NULL) : NULL;
  g_autofree char *text = NULL;
  if (!path || !g_file_get_contents(path, &text, NULL, NULL))
    return;
  g_autoptr(DmxJson) s = dmx_json_parse(text, NULL);
  if (!s || s->type != DMX_JSON_OBJECT)
    return;
  out->have_summary = TRUE;
  const DmxJson *valid = dmx_json_get(s, "valid");
  out->valid = valid && valid->type == DMX_JSON_BOOL && valid->b;
  out->why_invalid = g_strdup(dmx_json_string(s, "why_invalid", out->valid ? "" : "(no reason recorded)"));
  const char *screen = dmx_json_string(s, "fps.screen", NULL);
  out->fps_screen = screen && *screen ? g_strdup(screen) : NULL;
  out->fps_mean = dmx_json_number_or(s, "fps.mean", NAN);
  out->fps_p5 = dmx_json_number_or(s, "fps.p5", NAN);
  out->fps_target = dmx_json_number_or(s, "fps.target", NAN);
  out->metric = metric ? dmx_json_number_or(s, metric, NAN) : NAN;
  out->rate_mbit = dmx_json_number_or(s, "link.rate_mbit", NAN);
  out->duration_s = dmx_json_number_or(s, "duration_s", NAN);
  out->power_total_mw = dmx_json_number_or(s, "power_total_mw", NAN);
  out->traffic_bytes = dmx_json_number_or(s, "traffic_bytes_total", NAN);
  out->stall_ms = dmx_json_number_or(s, "stall_ms_per_frame.mean", NAN);
  out->exit_status = dmx_json_number_or(s, "exit_status", NAN);
}

void dmx_sweep_outcome_clear(DmxSweepOutcome *o) {
  g_clear_pointer(&o->why_invalid, g_free);
  g_clear_pointer(&o->fps_screen, g_free);
}
