/* screen_stats: what a device's screen presented during a run, read from its frame log
 * (RUN/devices/NAME/screen-frames.csv, written by testbed/resources/screen.c: seq,present_ns,bytes,checksum).
 * FPS is counted from these present stamps and nowhere else. */
#pragma once
#include <glib.h>

typedef struct {
  guint frames;
  double first_s, last_s; /* emulated seconds since the run's epoch */
  double fps;             /* (frames - 1) / (last_s - first_s); 0 with fewer than 2 frames */
} DmxScreenStats;

/* FALSE when the device has no frame log (it presented nothing) or the log is malformed (ERROR says where). */
gboolean dmx_screen_stats_read(const char *csv_path, gint64 epoch_ns, DmxScreenStats *out, GError **error);
