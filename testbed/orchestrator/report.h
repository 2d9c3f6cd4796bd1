/* report: `dmx report RUN_DIR...`: a table per run (scenario, policy, validity, FPS mean/p5, traffic, modelled
 * power per device) with the paper's value and the measured/paper ratio beside each one the paper has
 * (report_paper.h), and the figures (report_plot.h) in RUN_DIR/figures/. */
#pragma once
#include <glib.h>

/* No such run directory, or one without a (parsable) summary.json (BSD EX_NOINPUT). */
#define DMX_REPORT_EXIT_NOINPUT 66

typedef struct {
  gboolean no_figures;  /* --no-figures */
} DmxReportOptions;

/* Reports every directory in order, continuing past a bad one; returns 0, or DMX_REPORT_EXIT_NOINPUT if any
 * directory was missing or incomplete, or 69 if figures were wanted and gnuplot failed. */
int dmx_report(char **run_dirs, int n, const DmxReportOptions *opt);
