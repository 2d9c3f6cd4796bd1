/* sweep_run: runs a resolved sweep (sweep_resolve.h): creates the sweep directory (sweep_dir.h), writes
 * jobs.txt (each point's dmx run command, one shell line each) and the index (sweep_index.h), picks a runner
 * (GNU parallel when installed, else dmx's own: sweep_parallel.h, sweep_builtin.h) and waits for every point,
 * reporting progress on stderr (sweep_progress.h). */
#pragma once
#include <glib.h>

#include "paths.h"
#include "sweep.h"
#include "sweep_session.h"

typedef struct {
  int jobs;                /* >= 1 */
  char **sshlogins;        /* GNU parallel --sshlogin values, NULL-terminated, or NULL */
  DmxRunnerKind runner;    /* AUTO: $DMX_SWEEP_RUNNER if set, else parallel when installed, else builtin */
  const char *out;         /* --out DIR, or NULL for results/NAME/TIMESTAMP/ */
  const DmxPaths *paths;
  char **sweep_dir_out;    /* if set: receives the sweep directory once it exists (g_free it) */
} DmxSweepRunOptions;

/* Returns dmx sweep's exit status: 0 every point exited 0; 70 some did not; 69 the runner asked for is missing;
 * 64 a runner option that does not fit; 73 the sweep directory; 71 a system call; 128+N interrupted. */
int dmx_sweep_run(const DmxSweep *sw, const DmxSweepRunOptions *opt);

/* "parallel", "builtin" or "auto" -> the kind; FALSE for anything else. */
gboolean dmx_sweep_runner_parse(const char *text, DmxRunnerKind *out);
