/* report_plot: `dmx report`'s figures, drawn by gnuplot (report_gnuplot.h) into RUN/figures/: NAME.png, and NAME.pdf
 * when gnuplot has the pdfcairo terminal. Each figure's data (NAME.dat) and script (NAME.gp) stay beside it so it
 * can be redrawn by hand.
 *   fps      FPS per emulated second of every screen (timeline.csv fps_* columns), with the scenario's events and
 *            the migrations as vertical markers and the FPS target as a dashed line (like the paper's Fig. 6)
 *   power    power per device: the power MODEL's mean estimate stacked by part (CPU, Wi-Fi, screen, audio), and
 *            beside it, hatched, the paper's measured value where the paper has one (Table 2) */
#pragma once
#include <glib.h>

#include "report_power.h"

typedef struct {
  double t_s;
  char *label;
} DmxPlotMarker;

typedef struct {
  const char *run_dir;
  const char *title;        /* "home-theater / rf" */
  double fps_target;        /* < 0: none */
  double duration_s;        /* emulated; a last second it cuts short is left out of the FPS figure */
  GArray *markers;          /* DmxPlotMarker */
  const DmxPowerRows *power; /* NULL or empty: no power figure */
  const char *paper_label;  /* what the paper's bars are ("paper Table 2, RF"); NULL: none */
  double latency_ms[3];     /* surveillance's mean compute, network and wait per frame (Fig. 8b) */
  gboolean has_latency;     /* FALSE: no latency figure */
  double fps_mean;          /* for the latency figure's title; < 0: unknown */
} DmxPlotInput;

/* Draws the figures; appends each file written to FILES (char*). FALSE with ERROR when gnuplot is missing or
 * fails, or timeline.csv has no FPS column (then fps is skipped, not an error: see the return of each). */
gboolean dmx_plot_figures(const DmxPlotInput *in, GPtrArray *files, GError **error);
