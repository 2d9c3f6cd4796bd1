/* timeline_pcap: see timeline_pcap.h. */
#include "timeline_pcap.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

static int device_of_mac(const guint8 *mac, guint n_devices) {
  static const guint8 prefix[5] = {0x02, 0xdd, 0, 0, 0};
  if (memcmp(mac, prefix, 5) != 0 || mac[5] == 0 || mac[5] > n_devices)
    return 0;
  return mac[5];
}

gboolean dmx_pcap_timeline_read(const char *path, gint64 wall_epoch_ns, double tdf, double duration_s,
                                guint n_devices, double bin_s, DmxPcapTimeline *out, GError **error) {
  *out = (DmxPcapTimeline){.n_devices = n_devices, .bin_s = bin_s};
  out->n_bins = duration_s > 0 ? (guint)ceil(duration_s / bin_s - 1e-9) : 0;
  out->n_seconds = duration_s > 0 ? (guint)ceil(duration_s - 1e-9) : 0;
  out->tx = g_new0(double *, n_devices + 1);
  out->rx = g_new0(double *, n_devices + 1);
  for (guint i = 0; i < n_devices; i++) {
    out->tx[i] = g_new0(double, out->n_bins + 1);
    out->rx[i] = g_new0(double, out->n_bins + 1);
  }
  out->links = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
  FILE *f = fopen(path, "rb");
  if (!f) {
    g_set_error(error, G_FILE_ERROR, g_file_error_from_errno(errno), "%s: %s", path, g_strerror(errno));
    return FALSE;
  }
  guint32 hdr[6];
  if (fread(hdr, sizeof hdr, 1, f) != 1) {
    fclose(f);
    return TRUE; /* empty capture: no traffic */
  }
  gboolean swap = hdr[0] == 0xd4c3b2a1 || hdr[0] == 0x4d3cb2a1;
  guint32 magic = swap ? GUINT32_SWAP_LE_BE(hdr[0]) : hdr[0];
  if (magic != 0xa1b2c3d4 && magic != 0xa1b23c4d) {
    fclose(f);
    g_set_error(error, G_FILE_ERROR, G_FILE_ERROR_INVAL, "%s: not a pcap file (magic %08x)", path, hdr[0]);
    return FALSE;
  }
  double frac_scale = magic == 0xa1b23c4d ? 1.0 : 1e3; /* to nanoseconds */
  guint32 rec[4];
  guint8 macs[12];
  while (fread(rec, sizeof rec, 1, f) == 1) {
    guint32 sec = swap ? GUINT32_SWAP_LE_BE(rec[0]) : rec[0];
    guint32 frac = swap ? GUINT32_SWAP_LE_BE(rec[1]) : rec[1];
    guint32 incl = swap ? GUINT32_SWAP_LE_BE(rec[2]) : rec[2];
    guint32 orig = swap ? GUINT32_SWAP_LE_BE(rec[3]) : rec[3];
    guint32 skip = incl;
    gboolean have_macs = incl >= 12 && fread(macs, 12, 1, f) == 1;
    if (have_macs)
      skip -= 12;
    if (fseek(f, skip, SEEK_CUR) != 0)
      break;
    out->frames++;
    double t = ((double)sec * 1e9 + frac * frac_scale - (double)wall_epoch_ns) / 1e9 / tdf;
    if (!have_macs || t < 0 || t >= duration_s) {
      out->frames_outside++;
      continue;
    }
    guint bin = (guint)(t / bin_s), s = (guint)t;
    if (bin >= out->n_bins || s >= out->n_seconds)
      continue;
    int dst = device_of_mac(macs, n_devices), src = device_of_mac(macs + 6, n_devices);
    gboolean bcast = macs[0] & 1;
    if (src)
      out->tx[src - 1][bin] += orig;
    for (guint d = 1; d <= n_devices; d++)
      if ((int)d == dst || (bcast && (int)d != src))
        out->rx[d - 1][bin] += orig;
    if (src && dst) {
      char key[32];
      snprintf(key, sizeof key, "%d>%d", src, dst);
      double *series = g_hash_table_lookup(out->links, key);
      if (!series) {
        series = g_new0(double, out->n_seconds + 1);
        g_hash_table_insert(out->links, g_strdup(key), series);
      }
      series[s] += orig;
    }
  }
  fclose(f);
  return TRUE;
}

void dmx_pcap_timeline_clear(DmxPcapTimeline *t) {
  for (guint i = 0; t->tx && i < t->n_devices; i++) {
    g_free(t->tx[i]);
    g_free(t->rx[i]);
  }
  g_free(t->tx);
  g_free(t->rx);
  if (t->links)
    g_hash_table_unref(t->links);
  *t = (DmxPcapTimeline){0};
}
