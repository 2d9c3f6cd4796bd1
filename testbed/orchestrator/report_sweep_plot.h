/* report_sweep_plot: the figure of `dmx report SWEEP_DIR`: the sweep's metric (fps.mean: "FPS vs bandwidth" for
 * sweeps/bandwidth.ini) against its first axis, one line per policy (and per value of any further axis), drawn by
 * gnuplot (report_gnuplot.h) into SWEEP/figures/METRIC-vs-AXIS.png, and .pdf when gnuplot has the
 * pdfcairo terminal, with its data (.dat) and script (.gp) beside it, as report_plot.h does for a run.
 *
 * The x axis is numeric when every label of the axis is a number (link.rate_mbit), else one tick per label.
 * Invalid runs are marked with a cross, the FPS target is a dashed line, and for FPS the paper's values that are
 * numbers (report_paper.h: rf about 8.2 at 100 Mbit/s, dynamix 24 from 40 Mbit/s) are open circles. */
#pragma once
#include <glib.h>

#include "report_sweep.h"

/* Appends the files written to FILES. TRUE with nothing written when there is nothing to plot (no axis, or no
 * point with the metric); FALSE with ERROR when gnuplot is missing or fails. */
gboolean dmx_sweep_plot(const DmxSweepReport *r, GPtrArray *files, GError **error);
