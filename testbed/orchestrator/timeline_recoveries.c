/* timeline_recoveries: see timeline_recoveries.h. */
#include "timeline_recoveries.h"

#include <stdio.h>
#include <string.h>

static gint by_resumed(gconstpointer a, gconstpointer b) {
  const DmxRecovery *x = a, *y = b;
  return x->t_resumed_s < y->t_resumed_s ? -1 : x->t_resumed_s > y->t_resumed_s;
}

static gboolean parse_row(const char *line, gint64 epoch_ns, DmxRecovery *out) {
  unsigned th, lost;
  char action[16];
  unsigned long long t_lost, t_resumed, took, fetched;
  if (sscanf(line, "%u,%u,%15[a-z],%llu,%llu,%llu,%llu", &th, &lost, action, &t_lost, &t_resumed, &took,
             &fetched) != 7)
    return FALSE;
  *out = (DmxRecovery){.thread = th, .lost_device = lost, .resumed = strcmp(action, "resume") == 0,
                       .t_lost_s = ((double)t_lost - epoch_ns) / 1e9,
                       .t_resumed_s = ((double)t_resumed - epoch_ns) / 1e9, .recovery_ms = took / 1e6,
                       .bytes_fetched = fetched};
  return TRUE;
}

GArray *dmx_recoveries_read(const char *run_dir, gint64 epoch_ns) {
  GArray *out = g_array_new(FALSE, TRUE, sizeof(DmxRecovery));
  g_autofree char *devs = g_build_filename(run_dir, "devices", NULL);
  GDir *dir = g_dir_open(devs, 0, NULL);
  if (!dir)
    return out;
  const char *name;
  while ((name = g_dir_read_name(dir))) {
    g_autofree char *path = g_build_filename(devs, name, "recoveries.csv", NULL);
    g_autofree char *text = NULL;
    if (!g_file_get_contents(path, &text, NULL, NULL))
      continue;
    g_auto(GStrv) lines = g_strsplit(text, "\n", -1);
    for (guint i = 1; lines[0] && lines[i]; i++) {
      DmxRecovery rec;
      if (parse_row(lines[i], epoch_ns, &rec))
        g_array_append_val(out, rec);
    }
  }
  g_dir_close(dir);
  g_array_sort(out, by_resumed);
  return out;
}
