/* timeline_recoveries: the threads a run recovered after losing a device, from RUN/devices/NAME/recoveries.csv
 * (written by the master's libdmx, testbed/runtime/thread_recovery.c: thread,lost_device,action,t_lost_ns,
 * t_resumed_ns,recovery_ns,bytes_fetched; emulated CLOCK_MONOTONIC ns). */
#pragma once
#include <glib.h>

typedef struct {
  guint thread, lost_device;  /* lost_device: its index */
  gboolean resumed;           /* from its checkpoint; FALSE: started again */
  double t_lost_s, t_resumed_s; /* emulated seconds since the epoch: the master noticed, the thread ran again */
  double recovery_ms;
  guint64 bytes_fetched;
} DmxRecovery;

/* Every device directory's recoveries.csv under RUN_DIR, by t_resumed_s (an empty array if none). */
GArray *dmx_recoveries_read(const char *run_dir, gint64 epoch_ns);
