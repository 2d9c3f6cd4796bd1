/* sweep_index: the sweep directory's index of its points, rewritten whenever a point finishes:
 *
 *   SWEEP/index.json  the definition (name, scenario, metric, axes with their keys and labels, policies, runner,
 *                     jobs) and per point: name, dir, policy, its label on each axis, the --set assignments,
 *                     state (pending, running, done, not-run), exit_status, seconds, and from its summary.json
 *                     valid, why_invalid, fps {screen, mean, p5, target}, metric, link_rate_mbit, duration_s,
 *                     power_total_mw, traffic_bytes_total (null when not recorded)
 *   SWEEP/index.csv   one row per point: point, policy, one column per axis, state, exit_status, valid, fps_mean,
 *                     fps_p5, fps_target, the metric (unless a column here is it), link_rate_mbit, duration_s,
 *                     power_total_mw, seconds, why_invalid, dir
 *
 * `dmx report SWEEP` reads index.json (report_sweep.h). */
#pragma once
#include <glib.h>

#include "sweep_session.h"

#define DMX_SWEEP_INDEX_JSON "index.json"
#define DMX_SWEEP_INDEX_CSV "index.csv"

gboolean dmx_sweep_index_write(const DmxSweepSession *s, GError **error);
/* The name the index gives STATE: "pending", "running", "done", "not-run". */
const char *dmx_sweep_state_name(DmxPointState state);
