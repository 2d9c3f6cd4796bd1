/* app_frames: home-theater's own per-frame report turned into the run's per-frame results (DESIGN.md §8).
 *
 * Input: RUN/devices/NAME/home-theater-frames.csv, written by the app (testbed/apps/home-theater.c) on the device
 * it plays on: seq,pts_ms,decode_us,wait_us,present_us,net_us,present_ns,late,av_offset_ms,checksum. Every value
 * is MEASURED by the app: decode_us the decoder's time for the frame, net_us the part of its presentation spent
 * waiting on the network (libdmx's per-thread stall counter), present_ns the screen's stamp (emulated
 * CLOCK_MONOTONIC). Nothing here is derived from a formula.
 *
 * Output: RUN/frames.csv (seq,pts_s,decode_ms,stall_ms,present_s,late; present_s in emulated seconds since the
 * run's epoch), summary.json's `stall_ms_per_frame` and the movie's own frame rate (the median step of its
 * presentation timestamps), which is the FPS target of a playback. */
#pragma once
#include <glib.h>

typedef struct {
  char *device;            /* whose report it was; NULL when no device wrote one */
  guint frames;
  double stall_ms_mean, stall_ms_p95, stall_ms_max;
  double decode_ms_mean;
  double media_fps;        /* 1000 / median pts step (ms); < 0 with fewer than two frames */
} DmxAppFrames;

/* Looks for the report in RUN_DIR/devices/NAME/ for each of DEVICES (NULL-terminated, in order; the first one
 * found is used) and writes RUN_DIR/frames.csv. TRUE with out->device == NULL when no device wrote a report;
 * FALSE (ERROR set, naming the file and line) when one is malformed or frames.csv cannot be written. */
gboolean dmx_app_frames_collect(const char *run_dir, const char *const *devices, gint64 epoch_ns,
                                DmxAppFrames *out, GError **error);
/* summary.json's member: `"stall_ms_per_frame": {...},\n` (null values when there was no report). */
char *dmx_app_frames_json(const DmxAppFrames *f);
void dmx_app_frames_clear(DmxAppFrames *f);
