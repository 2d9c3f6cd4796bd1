/* power_model: see power_model.h. */
#include "power_model.h"

#include <math.h>

#include "power_cpu.h"
#include "power_display.h"
#include "power_wifi.h"

void dmx_power_integrate(const DmxPowerCoeffs *c, const DmxPowerInput *in, DmxPowerResult *out) {
  *out = (DmxPowerResult){0};
  double dur = in->duration_s > 0 ? in->duration_s : 0;
  guint n = (guint)ceil(dur - 1e-9);
  out->n_seconds = n;
  out->cpu_mw = g_new0(double, n ? n : 1);
  out->wifi_mw = g_new0(double, n ? n : 1);
  out->screen_mw = g_new0(double, n ? n : 1);
  out->audio_mw = g_new0(double, n ? n : 1);
  out->total_mw = g_new0(double, n ? n : 1);
  out->busy_cores = dmx_power_cpu_busy_cores(c, in->busy_s, dur);
  double p_cpu = dmx_power_cpu_mw(c, out->busy_cores);

  /* Wi-Fi over the bins that lie inside [0, dur); a missing tail of bins is idle. */
  double bin_s = in->bin_s > 0 ? in->bin_s : 1;
  guint n_bins = (guint)ceil(dur / bin_s - 1e-9);
  g_autofree double *tx = g_new0(double, n_bins ? n_bins : 1);
  g_autofree double *rx = g_new0(double, n_bins ? n_bins : 1);
  for (guint i = 0; i < n_bins && i < in->n_bins; i++) {
    tx[i] = in->tx_bytes ? in->tx_bytes[i] : 0;
    rx[i] = in->rx_bytes ? in->rx_bytes[i] : 0;
  }
  g_autofree double *bin_e = g_new0(double, n_bins ? n_bins : 1);
  dmx_power_wifi_energy(c, tx, rx, n_bins, bin_s, bin_e);
  for (guint i = 0; i < n_bins; i++) {
    double t0 = i * bin_s, t1 = t0 + bin_s;
    double e = bin_e[i];
    if (t1 > dur) /* the last bin sticks out of the run: count its covered part only */
      e *= (dur - t0) / bin_s;
    out->e_wifi_j += e;
    guint s = (guint)floor(t0 + 1e-9);
    if (s < n)
      out->wifi_mw[s] += e * 1e3; /* mJ for now; divided by the second's length below */
  }

  double p_screen = dmx_power_screen_on_mw(c), p_audio = dmx_power_audio_on_mw(c);
  for (guint s = 0; s < n; s++) {
    double a = s, b = s + 1 < dur ? s + 1 : dur, len = b - a;
    double scr = dmx_power_overlap_s(a, b, in->screen_from_s, in->screen_to_s) * p_screen;  /* mJ */
    double aud = dmx_power_overlap_s(a, b, in->audio_from_s, in->audio_to_s) * p_audio;     /* mJ */
    out->e_cpu_j += p_cpu * len / 1e3;
    out->e_screen_j += scr / 1e3;
    out->e_audio_j += aud / 1e3;
    out->cpu_mw[s] = p_cpu;
    out->wifi_mw[s] = len > 0 ? out->wifi_mw[s] / len : 0;
    out->screen_mw[s] = len > 0 ? scr / len : 0;
    out->audio_mw[s] = len > 0 ? aud / len : 0;
    out->total_mw[s] = out->cpu_mw[s] + out->wifi_mw[s] + out->screen_mw[s] + out->audio_mw[s];
  }
  out->energy_j = out->e_cpu_j + out->e_wifi_j + out->e_screen_j + out->e_audio_j;
  out->power_mw = dur > 0 ? out->energy_j / dur * 1e3 : 0;
}

void dmx_power_result_clear(DmxPowerResult *r) {
  g_free(r->cpu_mw);
  g_free(r->wifi_mw);
  g_free(r->screen_mw);
  g_free(r->audio_mw);
  g_free(r->total_mw);
  *r = (DmxPowerResult){0};
}
