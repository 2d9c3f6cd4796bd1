/* timeline_recoveries: see timeline_recoveries.h. */
#include "timeline_recoveries.h"

#include "run_device_csv.h"

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

typedef struct {
  GArray *out;
  gint64 epoch_ns;
} Reading;

static void add_row(const char *line, gpointer ud) {
  Reading *rd = ud;
  DmxRecovery rec;
  if (parse_row(line, rd->epoch_ns, &rec))
    g_array_append_val(rd->out, rec);
}

GArray *dmx_recoveries_read(const char *run_dir, gint64 epoch_ns) {
  Reading rd = {g_array_new(FALSE, TRUE, sizeof(DmxRecovery)), epoch_ns};
  dmx_run_device_csv_rows(run_dir, "recoveries.csv", add_row, &rd);
  g_array_sort(rd.out, by_resumed);
  return rd.out;
}
