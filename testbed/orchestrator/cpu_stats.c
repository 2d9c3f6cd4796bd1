/* cpu_stats: see cpu_stats.h. */
#include "cpu_stats.h"

#include <stdio.h>
#include <string.h>

static gboolean parse_device_line(const char *line, DmxCpuStats *out) {
  unsigned long long insns, busy, run, sleep, sys, lag, syscalls;
  int threads;
  if (sscanf(line, "device %llu %llu %llu %llu %llu %llu %llu %d", &insns, &busy, &run, &sleep, &sys, &lag,
             &syscalls, &threads) != 8)
    return FALSE;
  *out = (DmxCpuStats){.insns = insns, .busy_s = busy / 1e9, .run_s = run / 1e9, .sleep_s = sleep / 1e9,
                       .lag_s = lag / 1e9, .threads = threads};
  return TRUE;
}

gboolean dmx_cpu_stats_read(const char *path, DmxCpuStats *out, GError **error) {
  g_autofree char *text = NULL;
  if (!g_file_get_contents(path, &text, NULL, error))
    return FALSE;
  g_auto(GStrv) lines = g_strsplit(text, "\n", -1);
  for (char **l = lines; *l; l++)
    if (g_str_has_prefix(*l, "device ") && parse_device_line(*l, out))
      return TRUE;
  g_set_error(error, G_FILE_ERROR, G_FILE_ERROR_INVAL, "%s: no valid 'device' line (is it a devmodel report?)",
              path);
  return FALSE;
}

double dmx_cpu_stats_lag_fraction(const DmxCpuStats *s) {
  double wanted = s->run_s + s->sleep_s;
  return wanted > 0 ? s->lag_s / wanted : 0;
}

gboolean dmx_cpu_stats_host_lagged(const DmxCpuStats *s) {
  return s->lag_s > DMX_LAG_ALLOWANCE_S && dmx_cpu_stats_lag_fraction(s) > DMX_LAG_MAX_FRACTION;
}
