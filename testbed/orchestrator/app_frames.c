/* app_frames: see app_frames.h. */
#include "app_frames.h"

#include <stdio.h>
#include <string.h>

#include "timeline_fps.h"

#define REPORT_NAME "home-theater-frames.csv"

typedef struct {
  guint64 seq;
  double pts_ms, decode_us, net_us, present_ns;
  int late;
} FrameRow;

/* One data line; FALSE if it does not have the report's columns. */
static gboolean parse_row(const char *line, FrameRow *row) {
  unsigned long long seq, decode_us, wait_us, present_us, net_us, present_ns;
  int late;
  double pts_ms;
  if (sscanf(line, "%llu,%lf,%llu,%llu,%llu,%llu,%llu,%d,", &seq, &pts_ms, &decode_us, &wait_us, &present_us,
             &net_us, &present_ns, &late) != 8)
    return FALSE;
  *row = (FrameRow){.seq = seq, .pts_ms = pts_ms, .decode_us = (double)decode_us, .net_us = (double)net_us,
                    .present_ns = (double)present_ns, .late = late};
  return TRUE;
}

static gboolean read_rows(const char *path, GArray *rows, GError **error) {
  g_autofree char *text = NULL;
  if (!g_file_get_contents(path, &text, NULL, error))
    return FALSE;
  g_auto(GStrv) lines = g_strsplit(text, "\n", -1);
  if (!lines[0] || !g_str_has_prefix(lines[0], "seq,pts_ms,decode_us,wait_us,present_us,net_us,present_ns")) {
    g_set_error(error, G_FILE_ERROR, G_FILE_ERROR_INVAL, "%s:1: not home-theater's per-frame report header", path);
    return FALSE;
  }
  for (guint i = 1; lines[i]; i++) {
    FrameRow row;
    if (!*lines[i])
      continue;
    if (!parse_row(lines[i], &row)) {
      g_set_error(error, G_FILE_ERROR, G_FILE_ERROR_INVAL, "%s:%u: not seq,pts_ms,decode_us,wait_us,present_us,"
                  "net_us,present_ns,late,...", path, i + 1);
      return FALSE;
    }
    g_array_append_val(rows, row);
  }
  return TRUE;
}

/* The movie's frame rate: 1000 / the median step between consecutive presentation timestamps. */
static double media_fps(const GArray *rows) {
  if (rows->len < 2)
    return -1;
  g_autofree double *steps = g_new(double, rows->len - 1);
  for (guint i = 1; i < rows->len; i++)
    steps[i - 1] = g_array_index(rows, FrameRow, i).pts_ms - g_array_index(rows, FrameRow, i - 1).pts_ms;
  double median = dmx_percentile(steps, rows->len - 1, 50);
  return median > 0 ? 1000 / median : -1;
}

static void stall_stats(const GArray *rows, DmxAppFrames *out) {
  g_autofree double *stall = g_new(double, rows->len ? rows->len : 1);
  double sum = 0, decode = 0;
  for (guint i = 0; i < rows->len; i++) {
    const FrameRow *r = &g_array_index(rows, FrameRow, i);
    stall[i] = r->net_us / 1e3;
    sum += stall[i];
    decode += r->decode_us / 1e3;
    out->stall_ms_max = MAX(out->stall_ms_max, stall[i]);
  }
  out->frames = rows->len;
  out->stall_ms_mean = rows->len ? sum / rows->len : 0;
  out->decode_ms_mean = rows->len ? decode / rows->len : 0;
  out->stall_ms_p95 = dmx_percentile(stall, rows->len, 95);
}

static gboolean write_frames_csv(const char *run_dir, const GArray *rows, gint64 epoch_ns, GError **error) {
  GString *csv = g_string_new("seq,pts_s,decode_ms,stall_ms,present_s,late\n");
  for (guint i = 0; i < rows->len; i++) {
    const FrameRow *r = &g_array_index(rows, FrameRow, i);
    g_string_append_printf(csv, "%" G_GUINT64_FORMAT ",%.3f,%.3f,%.3f,%.6f,%d\n", r->seq, r->pts_ms / 1e3,
                           r->decode_us / 1e3, r->net_us / 1e3, (r->present_ns - (double)epoch_ns) / 1e9, r->late);
  }
  g_autofree char *path = g_build_filename(run_dir, "frames.csv", NULL);
  gboolean ok = g_file_set_contents(path, csv->str, -1, error);
  g_string_free(csv, TRUE);
  return ok;
}

gboolean dmx_app_frames_collect(const char *run_dir, const char *const *devices, gint64 epoch_ns,
                                DmxAppFrames *out, GError **error) {
  *out = (DmxAppFrames){.media_fps = -1};
  for (guint d = 0; devices && devices[d]; d++) {
    g_autofree char *path = g_build_filename(run_dir, "devices", devices[d], REPORT_NAME, NULL);
    if (!g_file_test(path, G_FILE_TEST_EXISTS))
      continue;
    g_autoptr(GArray) rows = g_array_new(FALSE, FALSE, sizeof(FrameRow));
    if (!read_rows(path, rows, error))
      return FALSE;
    out->device = g_strdup(devices[d]);
    stall_stats(rows, out);
    out->media_fps = media_fps(rows);
    return write_frames_csv(run_dir, rows, epoch_ns, error);
  }
  return TRUE;
}

char *dmx_app_frames_json(const DmxAppFrames *f) {
  if (!f->device)
    return g_strdup("  \"stall_ms_per_frame\": {\"mean\": null, \"p95\": null, \"max\": null, \"frames\": 0, "
                    "\"source\": null},\n");
  return g_strdup_printf("  \"stall_ms_per_frame\": {\"mean\": %.3f, \"p95\": %.3f, \"max\": %.3f, \"frames\": %u, "
                         "\"source\": \"devices/%s/" REPORT_NAME " net_us\"},\n", f->stall_ms_mean, f->stall_ms_p95,
                         f->stall_ms_max, f->frames, f->device);
}

void dmx_app_frames_clear(DmxAppFrames *f) {
  g_free(f->device);
  *f = (DmxAppFrames){.media_fps = -1};
}
