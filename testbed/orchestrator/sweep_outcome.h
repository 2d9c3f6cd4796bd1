/* sweep_outcome: what one point of a sweep produced, read from its run directory's summary.json (the numbers the
 * progress line, the sweep index and `dmx report SWEEP_DIR` show). */
#pragma once
#include <glib.h>

typedef struct {
  gboolean have_summary;  /* POINT_DIR/summary.json exists and is a JSON object */
  gboolean valid;
  char *why_invalid;      /* "" when valid */
  char *fps_screen;       /* the main screen, NULL when none presented a frame */
  /* NAN when summary.json does not have them: */
  double fps_mean, fps_p5, fps_target;
  double metric;          /* the sweep's metric (a dotted path) */
  double rate_mbit, duration_s, power_total_mw, traffic_bytes;
  double stall_ms;        /* network stall per frame, mean (stall_ms_per_frame.mean: home-theater) */
  double exit_status;     /* dmx run's own, as it wrote it */
} DmxSweepOutcome;

/* Reads POINT_DIR/summary.json; a missing or broken one (or POINT_DIR NULL) gives have_summary FALSE and NANs. */
void dmx_sweep_outcome_read(const char *point_dir, const char *metric, DmxSweepOutcome *out);
void dmx_sweep_outcome_clear(DmxSweepOutcome *o);
