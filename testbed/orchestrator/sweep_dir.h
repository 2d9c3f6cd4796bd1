/* sweep_dir: a sweep's directory: results/NAME/TIMESTAMP/ (TIMESTAMP-2, -3, ... when two sweeps start in the same
 * second), or --out DIR. It is locked like a run directory (run_dir.h: .lock, held with flock while the sweep
 * lives), and results/NAME/latest points at the newest one, so `dmx report results/NAME/latest` finds it. */
#pragma once
#include <glib.h>

#include "run_dir.h"

/* OUT, if given, must not hold a sweep already (an index.json). */
DmxRunDir *dmx_sweep_dir_create(const char *results, const char *name, const char *out, GError **error);
