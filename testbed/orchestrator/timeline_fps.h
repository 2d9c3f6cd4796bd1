/* timeline_fps: frames presented per emulated second by one screen (RUN/devices/NAME/screen-frames.csv), and the
 * run's FPS statistics (summary.json `fps`).
 *
 * Second s counts the frames whose present time (present_ns - epoch_ns, emulated) falls in [s, s+1).
 * The statistics are over the screen's active seconds: from the second of its first frame (or from_s, if later:
 * the scenario's fps_from_s, seconds in which a policy was still settling) to the second of its last frame,
 * leaving out a last second that the run's end cuts short. fps.p5 is the 5th percentile of those
 * per-second values (linear interpolation between closest ranks). */
#pragma once
#include <glib.h>

typedef struct {
  guint n_seconds;
  double *fps;            /* [n_seconds] frames presented in each emulated second */
  guint frames, frames_second_half; /* all frames; frames at or after duration_s / 2 */
  double first_s, last_s;
} DmxFpsSeries;

/* FALSE with ERROR set when CSV_PATH is missing (G_FILE_ERROR_NOENT) or malformed. */
gboolean dmx_fps_series_read(const char *csv_path, gint64 epoch_ns, double duration_s, DmxFpsSeries *out,
                             GError **error);
void dmx_fps_series_clear(DmxFpsSeries *s);
/* Mean and 5th percentile of the active seconds (see above); FALSE when there is none. */
gboolean dmx_fps_series_stats(const DmxFpsSeries *s, double duration_s, double from_s, double *mean, double *p5,
                              guint *seconds);
/* The p-th percentile (0..100) of N values (sorted in place), linear between closest ranks. */
double dmx_percentile(double *values, guint n, double p);
/* The paper's FPS target for a scenario: 24 for home-theater and its variants (home-theater-*), else a negative
 * number (no target). */
double dmx_fps_target(const char *scenario);
