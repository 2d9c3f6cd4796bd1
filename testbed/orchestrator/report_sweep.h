/* report_sweep: `dmx report SWEEP_DIR` for a directory that dmx sweep wrote (it has index.json):
 *
 *   a table, one row per point: its value on each axis, the policy, how it ended, valid, FPS mean and p5 (and the
 *   sweep's metric when that is not fps.mean), and, where the paper has one, its value and whether the point
 *   agrees (report_paper.h: home-theater's Fig. 7 and Fig. 10 by link bandwidth);
 *
 *   a figure (report_sweep_plot.h): the metric against the first axis, one line per policy.
 *
 * Each point's numbers are read again from its own summary.json (sweep_outcome.h), so the report is right even
 * for a sweep that is still running or was interrupted (its points show as pending, running or not-run). */
#pragma once
#include <glib.h>

#include "report.h"
#include "sweep_outcome.h"

typedef struct {
  char *name;            /* the point's directory name */
  char *policy;
  char **labels;         /* per axis */
  char *state;           /* pending, running, done, not-run */
  int exit_status;       /* done only; -1 otherwise */
  DmxSweepOutcome outcome;
} DmxSweepReportRow;

typedef struct {
  char *dir;
  char *name, *scenario_name, *metric;
  GPtrArray *axis_names; /* char* */
  GPtrArray *axis_keys;  /* char** per axis (NULL-terminated) */
  GPtrArray *rows;       /* DmxSweepReportRow*, grid order */
} DmxSweepReport;

/* TRUE if DIR holds a sweep (DIR/index.json). */
gboolean dmx_report_is_sweep_dir(const char *dir);
/* Reads DIR/index.json and every point's summary.json; NULL with ERROR when the index is missing or broken. */
DmxSweepReport *dmx_sweep_report_load(const char *dir, GError **error);
void dmx_sweep_report_free(DmxSweepReport *r);
/* Does any point have a network stall per frame (home-theater's apps measure it)? The table and the figure show
 * it beside the FPS (the paper's Fig. 7b). */
gboolean dmx_sweep_report_has_stall(const DmxSweepReport *r);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(DmxSweepReport, dmx_sweep_report_free)

/* Prints the table and draws the figure. Returns 0, 66 (no or a broken index.json) or 69 (gnuplot failed). */
int dmx_report_sweep(const char *dir, const DmxReportOptions *opt);
/* dmx report on DIRS, each a run or a sweep directory, in order (exit status as dmx_report's). */
int dmx_report_dirs(char **dirs, int n, const DmxReportOptions *opt);
