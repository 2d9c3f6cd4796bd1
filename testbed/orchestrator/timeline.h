/* timeline: a run's per-emulated-second table (RUN/timeline.csv, DESIGN.md §8) and the power model's per-device
 * totals (testbed/power), from the files a run leaves behind:
 *   devices/NAME/screen-frames.csv  FPS per screen           (timeline_fps.h)
 *   medium.pcap                     bytes per link, Wi-Fi    (timeline_pcap.h); traffic.csv totals spread evenly
 *                                   over the run if the pcap cannot be used (traffic_source says which)
 *   devices/NAME/cpu.stats          CPU busy time (whole-run only, so per-second CPU is the run's mean)
 *   devices/NAME/speaker.csv        audio: on from the stream's first write until its last frame has played
 *
 * timeline.csv columns: t_s, fps_NAME (each screen), bytes_SRC_DST (each directed link that carried frames),
 * cpu_util_NAME (per-core utilisation 0..1), power_mw_NAME, power_total_mw. Power is a MODEL (power_model.h). */
#pragma once
#include <glib.h>

#include "power_coeffs.h"
#include "power_model.h"

typedef struct {
  const char *name;
  int index;               /* 1-based: MAC 02:dd:00:00:00:NN */
  gboolean has_coeffs;     /* FALSE: no power for this device */
  DmxPowerCoeffs coeffs;
} DmxTimelineDevice;

typedef struct {
  const char *run_dir;
  const char *scenario;    /* for the FPS target */
  gint64 epoch_ns;         /* host CLOCK_MONOTONIC of emulated time 0 */
  gint64 wall_epoch_ns;    /* the same instant on CLOCK_REALTIME (pcap timestamps); 0 = unknown */
  double tdf;
  double duration_s;       /* emulated */
  double fps_from_s;       /* FPS statistics start here (the scenario's fps_from_s; 0: at the first frame) */
  const DmxTimelineDevice *devices;
  guint n_devices;
} DmxTimelineInput;

typedef struct {
  guint n_seconds;
  DmxPowerResult *power;   /* [n_devices]; zero for a device without coefficients */
  double power_total_mw;
  const char *traffic_source; /* "medium.pcap", "traffic.csv (totals spread evenly)", "none" */
  int fps_device;          /* index into devices of the screen with most frames in the second half, or -1 */
  double fps_mean, fps_p5, fps_target; /* fps_target < 0: none */
  guint fps_seconds;
} DmxTimelineResult;

#define DMX_TIMELINE_WIFI_BIN_S 0.01

/* Builds everything and writes RUN/timeline.csv. FALSE (ERROR set) only when timeline.csv cannot be written;
 * missing inputs just leave their columns out (or zero) and are warned about on stderr. */
gboolean dmx_timeline_build(const DmxTimelineInput *in, DmxTimelineResult *out, GError **error);
void dmx_timeline_result_clear(DmxTimelineResult *r, guint n_devices);
