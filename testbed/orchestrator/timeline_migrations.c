/* timeline_migrations: see timeline_migrations.h. */
#include "timeline_migrations.h"

#include <stdio.h>

static gint by_done(gconstpointer a, gconstpointer b) {
  const DmxMigration *x = a, *y = b;
  return x->t_done_s < y->t_done_s ? -1 : x->t_done_s > y->t_done_s;
}

GArray *dmx_migrations_read(const char *run_dir, gint64 epoch_ns) {
  GArray *out = g_array_new(FALSE, TRUE, sizeof(DmxMigration));
  g_autofree char *devs = g_build_filename(run_dir, "devices", NULL);
  GDir *dir = g_dir_open(devs, 0, NULL);
  if (!dir)
    return out;
  const char *name;
  while ((name = g_dir_read_name(dir))) {
    g_autofree char *path = g_build_filename(devs, name, "migrations.csv", NULL);
    g_autofree char *text = NULL;
    if (!g_file_get_contents(path, &text, NULL, NULL))
      continue;
    g_auto(GStrv) lines = g_strsplit(text, "\n", -1);
    for (guint i = 1; lines[0] && lines[i]; i++) {
      unsigned th, from, to;
      unsigned long long req, done, down, diff, page, moved, detect = 0, decide = 0;
      int fields = sscanf(lines[i], "%u,%u,%u,%llu,%llu,%llu,%llu,%llu,%llu,%llu,%llu", &th, &from, &to, &req, &done,
                          &down, &diff, &page, &moved, &detect, &decide);
      if (fields != 9 && fields != 11)
        continue;
      DmxMigration m = {.thread = th, .from = from, .to = to, .t_request_s = ((double)req - epoch_ns) / 1e9,
                        .t_done_s = ((double)done - epoch_ns) / 1e9, .downtime_ms = down / 1e6,
                        .bytes_moved = moved,
                        .t_detect_s = detect ? ((double)detect - epoch_ns) / 1e9 : -1,
                        .t_decide_s = decide ? ((double)decide - epoch_ns) / 1e9 : -1};
      g_array_append_val(out, m);
    }
  }
  g_dir_close(dir);
  g_array_sort(out, by_done);
  return out;
}
