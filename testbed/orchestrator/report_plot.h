/* report_plot: `dmx report`'s figures, drawn by gnuplot (the `gnuplot` on PATH, or $DMX_GNUPLOT) into
 * RUN/figures/: NAME.png (pngcairo, else png) and NAME.pdf when the pdfcairo terminal exists. Each figure's data
 * (NAME.dat) and script (NAME.gp) stay beside it so it can be redrawn by hand.
 *   fps      FPS per emulated second of every screen (timeline.csv fps_* columns), with the scenario's events and
 *            the migrations as vertical markers and the FPS target as a dashed line (like the paper's Fig. 6)
 *   power    mean modelled power per device (bar chart, summary.json devices.NAME.power_mw) */
#pragma once
#include <glib.h>

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
  GPtrArray *power_names;   /* char* device names */
  GArray *power_mw;         /* double, parallel */
} DmxPlotInput;

/* Draws the figures; appends each file written to FILES (char*). FALSE with ERROR when gnuplot is missing or
 * fails, or timeline.csv has no FPS column (then fps is skipped, not an error: see the return of each). */
gboolean dmx_plot_figures(const DmxPlotInput *in, GPtrArray *files, GError **error);
/* TRUE if gnuplot knows terminal NAME. */
gboolean dmx_plot_has_terminal(const char *name);
