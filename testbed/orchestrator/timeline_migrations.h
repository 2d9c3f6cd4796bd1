/* timeline_migrations: the thread migrations of a run, from RUN/devices/NAME/migrations.csv (written by the
 * destination device's libdmx, testbed/runtime/pthread_spawn.c: thread,from,to,t_request_ns,t_done_ns,
 * downtime_ns,diff_bytes,page_bytes,bytes_moved; times are emulated CLOCK_MONOTONIC ns). */
#pragma once
#include <glib.h>

typedef struct {
  guint thread, from, to;  /* from, to: device indexes */
  double t_request_s, t_done_s; /* emulated seconds since the epoch */
  double t_detect_s, t_decide_s;  /* a policy's migration: contention seen, decision made; < 0 = none (forced) */
  double downtime_ms;
  guint64 bytes_moved;
} DmxMigration;

/* Every device directory's migrations.csv under RUN_DIR, sorted by t_done_s (an empty array if none). */
GArray *dmx_migrations_read(const char *run_dir, gint64 epoch_ns);
