/* sweep_session: one execution of a sweep: its points, what became of each, the sweep directory, and the
 * bookkeeping both runners share (sweep_builtin.h, sweep_parallel.h): a finished point is read back from its
 * summary.json, reported on stderr (sweep_progress.h) and written into the index (sweep_index.h) at once, so an
 * interrupted sweep still has an index of what it did. */
#pragma once
#include <glib.h>

#include "sweep.h"
#include "sweep_outcome.h"
#include "sweep_progress.h"

/* An interrupted point gets this long (seconds) to tear down after the interrupt is passed on, then SIGKILL: dmx
 * run stops its devices within 2 s and writes its summary; this covers a large pcap being read for the power
 * model. Both runners use it (GNU parallel as --termseq). */
#define DMX_SWEEP_STOP_GRACE_S 30

typedef enum {
  DMX_POINT_PENDING,   /* not started yet */
  DMX_POINT_RUNNING,
  DMX_POINT_DONE,      /* dmx run ended: exit_status says how */
  DMX_POINT_NOT_RUN,   /* the sweep was interrupted first */
} DmxPointState;

typedef struct {
  DmxPointState state;
  int exit_status;     /* DONE: dmx run's status (128+N when a signal N ended it) */
  double seconds;      /* DONE: wall time, NAN when not known */
} DmxPointRun;

typedef enum { DMX_RUNNER_AUTO, DMX_RUNNER_PARALLEL, DMX_RUNNER_BUILTIN } DmxRunnerKind;

typedef struct {
  const DmxSweep *sweep;
  GPtrArray *points;       /* DmxSweepPoint* (sweep_grid.h) */
  DmxPointRun *runs;       /* one per point */
  DmxSweepOutcome *outcomes; /* one per point: its summary.json, read once it is DONE */
  char *dir;               /* the sweep directory */
  char *dmx_bin;           /* absolute path of this dmx, which each point runs */
  char *scenario;          /* absolute path of the scenario */
  char *started;           /* ISO 8601 local time */
  int jobs;                /* at most this many points at once (per machine with GNU parallel) */
  char **sshlogins;        /* --sshlogin values for GNU parallel, NULL-terminated */
  DmxRunnerKind runner;    /* PARALLEL or BUILTIN once the run starts */
  int sigfd;               /* SIGINT/TERM/HUP/CHLD (cleanup.h) */
  int interrupted;         /* the first interrupting signal, 0 if none */
  DmxSweepProgress progress;
} DmxSweepSession;

DmxSweepSession *dmx_sweep_session_new(const DmxSweep *sw, const char *dir, const char *dmx_bin, int jobs,
                                       char **sshlogins);
void dmx_sweep_session_free(DmxSweepSession *s);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(DmxSweepSession, dmx_sweep_session_free)

const char *dmx_sweep_runner_name(DmxRunnerKind kind);
/* SWEEP_DIR/POINT_NAME, and the log of dmx run's own output in it. */
char *dmx_sweep_session_point_dir(const DmxSweepSession *s, guint i);
char *dmx_sweep_session_point_log(const DmxSweepSession *s, guint i);
/* The dmx run command of point I (g_strfreev). */
char **dmx_sweep_session_point_argv(const DmxSweepSession *s, guint i);

void dmx_sweep_session_point_started(DmxSweepSession *s, guint i);
/* Point I ended with EXIT_STATUS after SECONDS (NAN: unknown): reads its summary, says so, rewrites the index. */
void dmx_sweep_session_point_finished(DmxSweepSession *s, guint i, int exit_status, double seconds);
/* Marks every point that never ended as not run (after an interrupt, or when a runner died). */
void dmx_sweep_session_mark_not_run(DmxSweepSession *s);
/* How many points are running now. */
int dmx_sweep_session_running(const DmxSweepSession *s);

/* dmx sweep's exit status: 128+N when interrupted by signal N, 70 when a point did not exit 0, else 0. */
int dmx_sweep_session_exit_status(const DmxSweepSession *s);
