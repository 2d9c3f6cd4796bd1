/* run: one run of a scenario under one policy: run directory, medium, devices, the run loop, teardown. */
#pragma once
#include <glib.h>

#include "paths.h"
#include "scenario.h"

typedef struct {
  const DmxScenario *scenario;
  const char *policy;
  double tdf;              /* already resolved: >= 1 */
  guint64 seed;
  const char *out;         /* --out, or NULL for results/<scenario>/<timestamp>-<policy>-<pid>/ */
  gboolean no_medium;      /* devices get their TAP but no link (debugging) */
  int migrate_random_ms;   /* > 0: DMX_MIGRATE_RANDOM_MS for every device (--migrate-random) */
  int snapshot_every;      /* > 0: DMX_SNAPSHOT_EVERY for every device (--snapshots) */
  char **run_dir_out;      /* if set: receives the run directory (g_free it), once one was created */
  const DmxPaths *paths;
} DmxRunOptions;

/* Runs it and returns dmx's exit status (exit_codes.h; the master app's status when the run went well). */
int dmx_run(const DmxRunOptions *opt);
