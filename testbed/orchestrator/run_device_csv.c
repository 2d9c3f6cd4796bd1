/* run_device_csv: see run_device_csv.h. */
#include "run_device_csv.h"

void dmx_run_device_csv_rows(const char *run_dir, const char *file, void (*row)(const char *line, gpointer ud),
                             gpointer ud) {
  g_autofree char *devs = g_build_filename(run_dir, "devices", NULL);
  GDir *dir = g_dir_open(devs, 0, NULL);
  if (!dir)
    return;
  const char *name;
  while ((name = g_dir_read_name(dir))) {
    g_autofree char *path = g_build_filename(devs, name, file, NULL);
    g_autofree char *text = NULL;
    if (!g_file_get_contents(path, &text, NULL, NULL))
      continue;
    g_auto(GStrv) lines = g_strsplit(text, "\n", -1);
    for (guint i = 1; lines[0] && lines[i]; i++)
      row(lines[i], ud);
  }
  g_dir_close(dir);
}
