/* sweep_outcome: see sweep_outcome.h. */
#include "sweep_outcome.h"

#include <math.h>

#include "report_json.h"

static double number_or_nan(const DmxJson *root, const char *path) {
  double v;
  return dmx_json_number(root, path, &v) ? v : NAN;
}

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
  out->fps_mean = number_or_nan(s, "fps.mean");
  out->fps_p5 = number_or_nan(s, "fps.p5");
  out->fps_target = number_or_nan(s, "fps.target");
  out->metric = metric ? number_or_nan(s, metric) : NAN;
  out->rate_mbit = number_or_nan(s, "link.rate_mbit");
  out->duration_s = number_or_nan(s, "duration_s");
  out->power_total_mw = number_or_nan(s, "power_total_mw");
  out->traffic_bytes = number_or_nan(s, "traffic_bytes_total");
  out->stall_ms = number_or_nan(s, "stall_ms_per_frame.mean");
  out->exit_status = number_or_nan(s, "exit_status");
}

void dmx_sweep_outcome_clear(DmxSweepOutcome *o) {
  g_clear_pointer(&o->why_invalid, g_free);
  g_clear_pointer(&o->fps_screen, g_free);
}
