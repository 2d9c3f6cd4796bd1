/* timeline_fps: see timeline_fps.h. */
#include "timeline_fps.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

gboolean dmx_fps_series_read(const char *csv_path, gint64 epoch_ns, double duration_s, DmxFpsSeries *out,
                             GError **error) {
  *out = (DmxFpsSeries){0};
  out->n_seconds = duration_s > 0 ? (guint)ceil(duration_s - 1e-9) : 0;
  out->fps = g_new0(double, out->n_seconds + 1);
  g_autofree char *text = NULL;
  if (!g_file_get_contents(csv_path, &text, NULL, error))
    return FALSE;
  g_auto(GStrv) lines = g_strsplit(text, "\n", -1);
  for (guint i = 1; lines[0] && lines[i]; i++) {
    if (!*lines[i])
      continue;
    unsigned long long seq, present_ns;
    if (sscanf(lines[i], "%llu,%llu,", &seq, &present_ns) != 2) {
      g_set_error(error, G_FILE_ERROR, G_FILE_ERROR_INVAL, "%s:%u: not seq,present_ns,...", csv_path, i + 1);
      return FALSE;
    }
    double t = ((double)present_ns - (double)epoch_ns) / 1e9;
    if (out->frames++ == 0)
      out->first_s = t;
    out->last_s = t;
    if (t >= duration_s / 2)
      out->frames_second_half++;
    if (t >= 0 && t < out->n_seconds)
      out->fps[(guint)t]++;
  }
  return TRUE;
}

void dmx_fps_series_clear(DmxFpsSeries *s) {
  g_free(s->fps);
  *s = (DmxFpsSeries){0};
}

static int cmp_double(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return x < y ? -1 : x > y;
}

double dmx_percentile(double *values, guint n, double p) {
  if (!n)
    return 0;
  qsort(values, n, sizeof *values, cmp_double);
  double rank = p / 100 * (n - 1);
  guint lo = (guint)floor(rank), hi = lo + 1 < n ? lo + 1 : lo;
  return values[lo] + (rank - lo) * (values[hi] - values[lo]);
}

gboolean dmx_fps_series_stats(const DmxFpsSeries *s, double duration_s, double from_s, double *mean, double *p5,
                              guint *seconds) {
  *mean = *p5 = 0;
  *seconds = 0;
  if (!s->frames || s->first_s < 0)
    return FALSE;
  guint from = (guint)MAX(s->first_s, ceil(from_s - 1e-9)), to = (guint)s->last_s;
  if (to >= s->n_seconds)
    to = s->n_seconds ? s->n_seconds - 1 : 0;
  if (to > from && to + 1 > duration_s + 1e-9) /* a last second cut short by the end of the run */
    to--;
  if (from > to || from >= s->n_seconds)
    return FALSE;
  guint n = to - from + 1;
  g_autofree double *v = g_memdup2(s->fps + from, n * sizeof(double));
  double sum = 0;
  for (guint i = 0; i < n; i++)
    sum += v[i];
  *mean = sum / n;
  *p5 = dmx_percentile(v, n, 5);
  *seconds = n;
  return TRUE;
}

double dmx_fps_target(const char *scenario) {
  return scenario && (strcmp(scenario, "home-theater") == 0 || g_str_has_prefix(scenario, "home-theater-")) ? 24 : -1;
}
