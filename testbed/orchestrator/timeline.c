/* timeline: see timeline.h. */
#include "timeline.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "cpu_stats.h"
#include "timeline_fps.h"
#include "timeline_pcap.h"

/* traffic.csv totals for device INDEX (name NAME), spread evenly over the bins. */
static gboolean traffic_csv_spread(const char *run_dir, const char *name, DmxPcapTimeline *pt, guint d) {
  g_autofree char *path = g_build_filename(run_dir, "traffic.csv", NULL);
  g_autofree char *text = NULL;
  if (!g_file_get_contents(path, &text, NULL, NULL))
    return FALSE;
  g_auto(GStrv) lines = g_strsplit(text, "\n", -1);
  double tx = 0, rx = 0;
  for (guint i = 1; lines[0] && lines[i]; i++) {
    g_auto(GStrv) f = g_strsplit(lines[i], ",", -1);
    if (g_strv_length(f) < 4)
      continue;
    double bytes = g_ascii_strtod(f[3], NULL);
    if (strcmp(f[0], name) == 0)
      tx += bytes;
    if (strcmp(f[1], name) == 0)
      rx += bytes;
  }
  for (guint b = 0; b < pt->n_bins; b++) {
    pt->tx[d][b] = tx / pt->n_bins;
    pt->rx[d][b] = rx / pt->n_bins;
  }
  return TRUE;
}

static const char *device_name(const DmxTimelineInput *in, int index) {
  for (guint i = 0; i < in->n_devices; i++)
    if (in->devices[i].index == index)
      return in->devices[i].name;
  return "?";
}

/* When the speaker's stream was active, in emulated seconds from the run's start: from its first write to the
 * moment its last frame had played (speaker.csv). A speaker.csv of before those columns gives frames / rate
 * from 0. The span is left as it is when the device played nothing. */
static void speaker_span(const char *run_dir, const char *name, gint64 epoch_ns, double *from_s, double *to_s) {
  g_autofree char *path = g_build_filename(run_dir, "devices", name, "speaker.csv", NULL);
  g_autofree char *text = NULL;
  if (!g_file_get_contents(path, &text, NULL, NULL))
    return;
  const char *nl = strchr(text, '\n');
  unsigned rate = 0, channels = 0;
  unsigned long long frames = 0, underruns = 0, first_ns = 0, until_ns = 0;
  int n = nl ? sscanf(nl + 1, "%u,%u,%llu,%llu,%llu,%llu", &rate, &channels, &frames, &underruns, &first_ns, &until_ns)
             : 0;
  if (n < 3 || !rate || !frames)
    return;
  if (n == 6 && epoch_ns > 0 && first_ns && until_ns > first_ns) {
    *from_s = ((double)first_ns - (double)epoch_ns) / 1e9;
    *to_s = ((double)until_ns - (double)epoch_ns) / 1e9;
  } else {
    *from_s = 0;
    *to_s = (double)frames / rate;
  }
}

gboolean dmx_timeline_build(const DmxTimelineInput *in, DmxTimelineResult *out, GError **error) {
  *out = (DmxTimelineResult){.fps_device = -1, .fps_target = dmx_fps_target(in->scenario)};
  double dur = in->duration_s > 0 ? in->duration_s : 0;
  guint n = (guint)ceil(dur - 1e-9);
  out->n_seconds = n;
  guint nd = in->n_devices;
  int max_index = 0;
  for (guint i = 0; i < nd; i++)
    max_index = MAX(max_index, in->devices[i].index);

  /* Traffic. */
  DmxPcapTimeline pt = {0};
  g_autofree char *pcap = g_build_filename(in->run_dir, "medium.pcap", NULL);
  g_autoptr(GError) perr = NULL;
  if (in->wall_epoch_ns && dmx_pcap_timeline_read(pcap, in->wall_epoch_ns, in->tdf, dur, max_index,
                                                  DMX_TIMELINE_WIFI_BIN_S, &pt, &perr)) {
    out->traffic_source = "medium.pcap";
  } else {
    if (perr && !g_error_matches(perr, G_FILE_ERROR, G_FILE_ERROR_NOENT))
      g_printerr("dmx: warning: %s\n", perr->message);
    dmx_pcap_timeline_clear(&pt);
    dmx_pcap_timeline_read("/dev/null", 0, 1, dur, max_index, DMX_TIMELINE_WIFI_BIN_S, &pt, NULL);
    out->traffic_source = "none";
    for (guint i = 0; i < nd; i++)
      if (traffic_csv_spread(in->run_dir, in->devices[i].name, &pt, in->devices[i].index - 1))
        out->traffic_source = "traffic.csv (totals spread evenly)";
  }

  /* Screens. */
  DmxFpsSeries *fps = g_new0(DmxFpsSeries, nd);
  gboolean *has_fps = g_new0(gboolean, nd);
  guint best_half = 0;
  for (guint i = 0; i < nd; i++) {
    g_autofree char *csv = g_build_filename(in->run_dir, "devices", in->devices[i].name, "screen-frames.csv", NULL);
    g_autoptr(GError) ferr = NULL;
    has_fps[i] = dmx_fps_series_read(csv, in->epoch_ns, dur, &fps[i], &ferr) && fps[i].frames > 0;
    if (ferr && !g_error_matches(ferr, G_FILE_ERROR, G_FILE_ERROR_NOENT))
      g_printerr("dmx: warning: %s\n", ferr->message);
    if (has_fps[i] && (out->fps_device < 0 || fps[i].frames_second_half > best_half)) {
      out->fps_device = i;
      best_half = fps[i].frames_second_half;
    }
  }
  if (out->fps_device >= 0)
    dmx_fps_series_stats(&fps[out->fps_device], dur, in->fps_from_s, &out->fps_mean, &out->fps_p5,
                         &out->fps_seconds);

  /* Power, per device. */
  out->power = g_new0(DmxPowerResult, nd);
  double *util = g_new0(double, nd);
  for (guint i = 0; i < nd; i++) {
    const DmxTimelineDevice *d = &in->devices[i];
    if (!d->has_coeffs)
      continue;
    g_autofree char *stats = g_build_filename(in->run_dir, "devices", d->name, "cpu.stats", NULL);
    DmxCpuStats cs = {0};
    if (!dmx_cpu_stats_read(stats, &cs, NULL))
      cs.busy_s = 0;
    DmxPowerInput pin = {.duration_s = dur, .busy_s = cs.busy_s, .tx_bytes = pt.tx[d->index - 1],
                         .rx_bytes = pt.rx[d->index - 1], .n_bins = pt.n_bins, .bin_s = pt.bin_s};
    speaker_span(in->run_dir, d->name, in->epoch_ns, &pin.audio_from_s, &pin.audio_to_s);
    if (has_fps[i]) {
      pin.screen_from_s = fps[i].first_s;
      pin.screen_to_s = fps[i].last_s;
    }
    dmx_power_integrate(&d->coeffs, &pin, &out->power[i]);
    util[i] = out->power[i].busy_cores / d->coeffs.cores;
    out->power_total_mw += out->power[i].power_mw;
  }

  /* timeline.csv */
  GList *links = g_list_sort(g_hash_table_get_keys(pt.links), (GCompareFunc)strcmp);
  GString *csv = g_string_new("t_s");
  for (guint i = 0; i < nd; i++)
    if (has_fps[i])
      g_string_append_printf(csv, ",fps_%s", in->devices[i].name);
  for (GList *l = links; l; l = l->next) {
    int s = 0, t = 0;
    sscanf(l->data, "%d>%d", &s, &t);
    g_string_append_printf(csv, ",bytes_%s_%s", device_name(in, s), device_name(in, t));
  }
  for (guint i = 0; i < nd; i++)
    if (in->devices[i].has_coeffs)
      g_string_append_printf(csv, ",cpu_util_%s", in->devices[i].name);
  for (guint i = 0; i < nd; i++)
    if (in->devices[i].has_coeffs)
      g_string_append_printf(csv, ",power_mw_%s", in->devices[i].name);
  g_string_append(csv, ",power_total_mw\n");
  for (guint s = 0; s < n; s++) {
    g_string_append_printf(csv, "%u", s);
    for (guint i = 0; i < nd; i++)
      if (has_fps[i])
        g_string_append_printf(csv, ",%g", fps[i].fps[s]);
    for (GList *l = links; l; l = l->next)
      g_string_append_printf(csv, ",%.0f", ((double *)g_hash_table_lookup(pt.links, l->data))[s]);
    double total = 0;
    for (guint i = 0; i < nd; i++)
      if (in->devices[i].has_coeffs)
        g_string_append_printf(csv, ",%.4f", util[i]);
    for (guint i = 0; i < nd; i++)
      if (in->devices[i].has_coeffs) {
        g_string_append_printf(csv, ",%.1f", out->power[i].total_mw[s]);
        total += out->power[i].total_mw[s];
      }
    g_string_append_printf(csv, ",%.1f\n", total);
  }
  g_list_free(links);
  g_autofree char *path = g_build_filename(in->run_dir, "timeline.csv", NULL);
  gboolean ok = g_file_set_contents(path, csv->str, -1, error);
  g_string_free(csv, TRUE);
  for (guint i = 0; i < nd; i++)
    dmx_fps_series_clear(&fps[i]);
  g_free(fps);
  g_free(has_fps);
  g_free(util);
  dmx_pcap_timeline_clear(&pt);
  return ok;
}

void dmx_timeline_result_clear(DmxTimelineResult *r, guint n_devices) {
  for (guint i = 0; r->power && i < n_devices; i++)
    dmx_power_result_clear(&r->power[i]);
  g_free(r->power);
  *r = (DmxTimelineResult){0};
}
