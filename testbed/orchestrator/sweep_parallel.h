/* sweep_parallel: runs a sweep's points with GNU parallel (Debian package `parallel`), which can spread them over
 * several machines (--sshlogin, passed through as is; the tree and the results directory must then be at the same
 * path on every machine, e.g. on NFS, since each point is `/abs/dmx run /abs/scenario.ini ... --out /abs/DIR`).
 *
 * parallel reads SWEEP/jobs.txt (one shell line per point, `exec dmx run ... > POINT/dmx-run.log 2>&1`), runs
 * --jobs N at once (per machine), and appends each finished job to SWEEP/parallel.joblog, which the sweep follows
 * for progress and exit statuses; parallel's own messages go to SWEEP/parallel.log.
 *
 * An interrupt is passed to parallel as SIGINT; parallel then sends SIGINT to every running point (each job is
 * dmx run itself, in its own process group), waits up to DMX_SWEEP_STOP_GRACE_S seconds for it, then SIGKILLs it
 * (--termseq). */
#pragma once
#include <glib.h>

#include "sweep_session.h"

#define DMX_SWEEP_JOBS_FILE "jobs.txt"

/* The GNU parallel on PATH (not moreutils' parallel, which has another syntax), or NULL with the reason in WHY. */
char *dmx_sweep_parallel_find(GString *why);
/* Runs the points of SWEEP/jobs.txt with the parallel at PARALLEL; returns when parallel has exited. */
void dmx_sweep_run_parallel(DmxSweepSession *s, const char *parallel);
