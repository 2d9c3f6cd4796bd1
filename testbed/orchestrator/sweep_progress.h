/* sweep_progress: what a running sweep says on stderr. On a terminal, one status line that is redrawn in place
 * (points done/total, running, elapsed, ETA), with a line per finished point scrolling above it; otherwise (a log,
 * CI, make in a pipe) only the plain line per finished point, so the output reads well as a file.
 * DMX_NO_STATUS suppresses the status line as it does for dmx run. */
#pragma once
#include <glib.h>

typedef struct {
  const char *name;     /* the sweep's, for the status line */
  gboolean tty;
  guint total, done, failed;
  gint64 start_us;
  gint64 last_draw_us;
  gboolean shown;
} DmxSweepProgress;

void dmx_sweep_progress_init(DmxSweepProgress *p, const char *name, guint total);
/* Redraws the status line (terminal only, at most once a second unless FORCE). RUNNING < 0: not known. */
void dmx_sweep_progress_tick(DmxSweepProgress *p, int running, gboolean force);
/* A point finished: counts it and prints "dmx sweep: [DONE/TOTAL] TEXT". */
void dmx_sweep_progress_point(DmxSweepProgress *p, gboolean failed, const char *text);
/* A message of the sweep's own, above the status line. */
void dmx_sweep_progress_say(DmxSweepProgress *p, const char *fmt, ...) G_GNUC_PRINTF(2, 3);
void dmx_sweep_progress_clear(DmxSweepProgress *p);

/* "1h02m", "4m10s", "12s". */
char *dmx_sweep_duration_text(double seconds);
/* The time the TOTAL - DONE points left will take at the pace so far, or NULL before the first is done. */
char *dmx_sweep_eta_text(double elapsed_s, guint done, guint total);
