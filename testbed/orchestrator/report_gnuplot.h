/* report_gnuplot: the gnuplot plumbing of `dmx report`'s figures (report_plot.c for a run, report_sweep_plot.c for a
 * sweep). gnuplot is $DMX_GNUPLOT, else `gnuplot` on PATH. A figure is one script, FIG_DIR/NAME.gp, that draws the
 * same body once per terminal: NAME.png (pngcairo, else png) and NAME.pdf when gnuplot has the pdfcairo terminal. */
#pragma once
#include <glib.h>

/* The options of a figure's terminals ("size 1000,500"). */
typedef struct {
  const char *png;
  const char *pdf;
} DmxGnuplotTerms;

/* S as a gnuplot string literal in single quotes ('' escapes a quote); g_free it. */
char *dmx_gnuplot_quote(const char *s);
/* TRUE if gnuplot knows terminal NAME. */
gboolean dmx_gnuplot_has_terminal(const char *name);
/* Runs gnuplot on SCRIPT; FALSE with ERROR (gnuplot's own message) when it cannot be run or fails. */
gboolean dmx_gnuplot_run(const char *script, GError **error);
/* Writes FIG_DIR/NAME.gp, which draws BODY with each terminal (TERMS' options), runs it and appends each figure
 * written to FILES (char*). */
gboolean dmx_gnuplot_draw(const char *fig_dir, const char *name, const DmxGnuplotTerms *terms, const char *body,
                          GPtrArray *files, GError **error);
