/* timeline_migrations: see timeline_migrations.h. */
#include "timeline_migrations.h"

#include "run_device_csv.h"

#include <stdio.h>

static gint by_done(gconstpointer a, gconstpointer b) {
  const DmxMigration *x = a, *y = b;
  return x->t_done_s < y->t_done_s ? -1 : x->t_done_s > y->t_done_s;
}

typedef struct {
  GArray *out;
  gint64 epoch_ns;
} Reading;

static void add_row(const char *line, gpointer ud) {
  Reading *rd = ud;
  unsigned th, from, to;
  unsigned long long req, done, down, diff, page, moved, detect = 0, decide = 0;
  int fields = sscanf(line, "%u,%u,%u,%llu,%llu,%llu,%llu,%llu,%llu,%llu,%llu", &th, &from, &to, &req, &done, &down,
                      &diff, &page, &moved, &detect, &decide);
  if (fields != 9 && fields != 11)
    return;
  gint64 epoch_ns = rd->epoch_ns;
  DmxMigration m = {.thread = th, .from = from, .to = to, .t_request_s = ((double)req - epoch_ns) / 1e9,
                    .t_done_s = ((double)done - epoch_ns) / 1e9, .downtime_ms = down / 1e6, .bytes_moved = moved,
                    .t_detect_s = detect ? ((double)detect - epoch_ns) / 1e9 : -1,
                    .t_decide_s = decide ? ((double)decide - epoch_ns) / 1e9 : -1};
  g_array_append_val(rd->out, m);
}

GArray *dmx_migrations_read(const char *run_dir, gint64 epoch_ns) {
  Reading rd = {g_array_new(FALSE, TRUE, sizeof(DmxMigration)), epoch_ns};
  dmx_run_device_csv_rows(run_dir, "migrations.csv", add_row, &rd);
  g_array_sort(rd.out, by_done);
  return rd.out;
}
