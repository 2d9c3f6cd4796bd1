/* report_sweep_plot: see report_sweep_plot.h. */
#include "report_sweep_plot.h"

#include <errno.h>
#include <math.h>
#include <string.h>

#include "report_gnuplot.h"
#include "report_paper.h"
#include "report_sweep.h"
#include "sweep_grid.h"
#include "sweep_params.h"

/* The terminals' options of the sweep figure. */
static const DmxGnuplotTerms terms = {.png = "size 1000,600 noenhanced", .pdf = "size 8in,4.8in noenhanced"};

/* ---- the data ---- */

static gboolean is_number(const char *s, double *v) {
  char *end = NULL;
  *v = g_ascii_strtod(s, &end);
  return end != s && *end == '\0' && isfinite(*v);
}

/* A numeric x axis when every label of the first axis is a number. */
static gboolean numeric_axis(const DmxSweepReport *r) {
  double v;
  for (guint i = 0; i < r->rows->len; i++)
    if (!is_number(((DmxSweepReportRow *)r->rows->pdata[i])->labels[0], &v))
      return FALSE;
  return TRUE;
}

/* The line a row belongs to: its policy, and its labels on the axes after the first. */
static char *series_of(const DmxSweepReport *r, const DmxSweepReportRow *row) {
  GString *s = g_string_new(row->policy);
  for (guint a = 1; a < r->axis_names->len; a++)
    g_string_append_printf(s, ", %s %s", (char *)r->axis_names->pdata[a], row->labels[a]);
  return g_string_free(s, FALSE);
}

/* The x of a row: its label's value, or the step of its label on a categorical axis. */
static double x_of(const DmxSweepReport *r, const DmxSweepReportRow *row, gboolean numeric, GPtrArray *categories) {
  double v;
  if (numeric && is_number(row->labels[0], &v))
    return v;
  guint at;
  if (!g_ptr_array_find_with_equal_func(categories, row->labels[0], g_str_equal, &at)) {
    at = categories->len;
    g_ptr_array_add(categories, row->labels[0]);
  }
  (void)r;
  return at;
}

static double y_of(const DmxSweepReport *r, const DmxSweepReportRow *row) {
  return strcmp(r->metric, "fps.mean") == 0 ? row->outcome.fps_mean : row->outcome.metric;
}

static void string_free(gpointer s) { g_string_free(s, TRUE); }

/* A label inside the data file's double quotes. */
static char *data_label(const char *label) { return g_strdelimit(g_strdup(label), "\"\n", '\''); }

/* NAME.dat: one block per line of the figure ("index N" in gnuplot), rows "x y valid label stall_ms" (NaN when the
 * point has no stall). SERIES receives the titles in block order; returns FALSE when no point has a y. */
static gboolean write_data(const DmxSweepReport *r, const char *path, GPtrArray *series, gboolean *any_invalid,
                           GError **error) {
  gboolean numeric = numeric_axis(r);
  g_autoptr(GPtrArray) categories = g_ptr_array_new();
  g_autoptr(GHashTable) blocks = g_hash_table_new_full(g_str_hash, g_str_equal, NULL, NULL); /* title -> GString */
  g_autoptr(GPtrArray) texts = g_ptr_array_new_with_free_func(string_free);
  *any_invalid = FALSE;
  for (guint i = 0; i < r->rows->len; i++) {
    const DmxSweepReportRow *row = r->rows->pdata[i];
    double x = x_of(r, row, numeric, categories), y = y_of(r, row);
    if (isnan(y))
      continue;
    char *title = series_of(r, row);
    GString *block = g_hash_table_lookup(blocks, title);
    if (!block) {
      block = g_string_new(NULL);
      g_ptr_array_add(series, title);
      g_ptr_array_add(texts, block);
      g_hash_table_insert(blocks, title, block);
    } else {
      g_free(title);
    }
    g_autofree char *label = data_label(row->labels[0]);
    double stall = row->outcome.stall_ms;
    g_string_append_printf(block, "%.6g %.6g %d \"%s\" ", x, y, row->outcome.valid, label);
    g_string_append_printf(block, isnan(stall) ? "NaN\n" : "%.6g\n", stall);
    *any_invalid |= !row->outcome.valid;
  }
  if (!series->len)
    return FALSE;
  GString *dat = g_string_new("# x y valid label stall_ms: one block per line of the figure (gnuplot index N)\n");
  for (guint b = 0; b < texts->len; b++)
    g_string_append_printf(dat, "%s# %s\n%s", b ? "\n\n" : "", (char *)series->pdata[b],
                           ((GString *)texts->pdata[b])->str);
  gboolean ok = g_file_set_contents(path, dat->str, -1, error);
  g_string_free(dat, TRUE);
  return ok;
}

/* The paper's FPS where it is a number (about X, holds X) at the figure's x values: "x fps" lines. */
static char *paper_points(const DmxSweepReport *r) {
  GString *s = g_string_new(NULL);
  if (strcmp(r->metric, "fps.mean") != 0)
    return g_string_free(s, FALSE);
  for (guint i = 0; i < r->rows->len; i++) {
    const DmxSweepReportRow *row = r->rows->pdata[i];
    DmxPaperFps paper;
    double x;
    if (is_number(row->labels[0], &x) &&
        dmx_paper_fps_at_rate(r->scenario_name, row->policy, row->outcome.rate_mbit, &paper) &&
        paper.relation != DMX_PAPER_FPS_BELOW)
      g_string_append_printf(s, "%.6g %g\n", x, paper.fps);
  }
  return g_string_free(s, FALSE);
}

/* ---- the figure ---- */

static double fps_target(const DmxSweepReport *r) {
  for (guint i = 0; i < r->rows->len; i++) {
    double t = ((DmxSweepReportRow *)r->rows->pdata[i])->outcome.fps_target;
    if (!isnan(t))
      return t;
  }
  return NAN;
}

static char *axis_title(const DmxSweepReport *r) {
  char **keys = r->axis_keys->pdata[0];
  const char *derived = keys && keys[0] && !keys[1] ? dmx_sweep_param_axis_title(keys[0]) : NULL;
  return g_strdup(derived ? derived : (const char *)r->axis_names->pdata[0]);
}

static char *figure_name(const DmxSweepReport *r) {
  g_autofree char *metric = strcmp(r->metric, "fps.mean") == 0 ? g_strdup("fps") : g_strdelimit(g_strdup(r->metric),
                                                                                                 ".", '_');
  g_autofree char *axis = dmx_sweep_safe_name(r->axis_names->pdata[0]);
  return g_strdup_printf("%s-vs-%s", metric, axis);
}

/* Each series' FPS (solid), and with STALL its network stall per frame on the right axis (dashed, same colour). */
static void plot_lines(GString *plot, const char *qdat, GPtrArray *series, gboolean numeric, gboolean any_invalid,
                       gboolean stall) {
  for (guint b = 0; b < series->len; b++) {
    g_autofree char *title = dmx_gnuplot_quote(series->pdata[b]);
    g_string_append_printf(plot, "%s%s index %u using 1:2%s with linespoints lw 2 pt 7 lc %u title %s", b ? ", " : "",
                           qdat, b, numeric ? "" : ":xtic(4)", b + 1, title);
    if (!stall)
      continue;
    g_autofree char *stall_title = g_strdup_printf("%s: stall", (char *)series->pdata[b]);
    g_autofree char *qstall = dmx_gnuplot_quote(stall_title);
    g_string_append_printf(plot, ", %s index %u using 1:5 axes x1y2 with linespoints lw 2 dt 2 pt 6 lc %u title %s",
                           qdat, b, b + 1, qstall);
  }
  if (any_invalid)
    g_string_append_printf(plot, ", %s index 0:%u using 1:($3 == 1 ? NaN : $2) with points pt 2 ps 2.5 lw 2 "
                           "lc rgb 'black' title 'invalid run'", qdat, series->len - 1);
}

static char *plot_body(const DmxSweepReport *r, const char *dat, const char *paper_dat, GPtrArray *series,
                       gboolean any_invalid) {
  gboolean fps = strcmp(r->metric, "fps.mean") == 0, numeric = numeric_axis(r);
  gboolean stall = fps && dmx_sweep_report_has_stall(r);
  g_autofree char *xlabel = axis_title(r);
  g_autofree char *title = g_strdup_printf("%s, sweep %s: %s vs %s", r->scenario_name, r->name,
                                           !fps ? r->metric : stall ? "FPS and stall" : "FPS", xlabel);
  g_autofree char *qtitle = dmx_gnuplot_quote(title), *qx = dmx_gnuplot_quote(xlabel);
  g_autofree char *qdat = dmx_gnuplot_quote(dat);
  g_autofree char *qy = dmx_gnuplot_quote(fps ? "mean FPS of the main screen" : r->metric);
  GString *body = g_string_new(NULL);
  g_string_append_printf(body, "set title %s\nset xlabel %s\nset ylabel %s\nset grid\nset key outside right top\n"
                         "set yrange [0:*]\nset offsets graph 0.03, graph 0.03, graph 0.05, 0\n", qtitle, qx, qy);
  double target = fps ? fps_target(r) : NAN;
  if (!isnan(target))
    g_string_append_printf(body, "set arrow from graph 0, first %g to graph 1, first %g nohead dt 2 lc rgb 'red'\n"
                           "set label 'target %g FPS' at graph 0.01, first %g offset 0,0.7 tc rgb 'red'\n", target,
                           target, target, target);
  if (stall)
    g_string_append(body, "set ytics nomirror\nset y2tics\nset y2range [0:*]\n"
                          "set y2label 'network stall per frame (ms), dashed'\n");
  GString *plot = g_string_new(NULL);
  plot_lines(plot, qdat, series, numeric, any_invalid, stall);
  if (paper_dat) {
    g_autofree char *qpaper = dmx_gnuplot_quote(paper_dat);
    g_string_append_printf(plot, ", %s using 1:2 with points pt 6 ps 2.5 lw 2 lc rgb 'black' "
                           "title 'paper (Fig. 7, Fig. 10)'", qpaper);
  }
  g_string_append_printf(body, "plot %s\n", plot->str);
  g_string_free(plot, TRUE);
  return g_string_free(body, FALSE);
}

gboolean dmx_sweep_plot(const DmxSweepReport *r, GPtrArray *files, GError **error) {
  if (!r->axis_names->len || !r->rows->len)
    return TRUE;
  g_autofree char *fig_dir = g_build_filename(r->dir, "figures", NULL);
  if (g_mkdir_with_parents(fig_dir, 0755) != 0) {
    g_set_error(error, G_FILE_ERROR, g_file_error_from_errno(errno), "cannot create %s: %s", fig_dir,
                g_strerror(errno));
    return FALSE;
  }
  g_autofree char *name = figure_name(r);
  g_autofree char *dat = g_strdup_printf("%s/%s.dat", fig_dir, name);
  g_autoptr(GPtrArray) series = g_ptr_array_new_with_free_func(g_free);
  gboolean any_invalid = FALSE;
  g_autoptr(GError) data_err = NULL;
  if (!write_data(r, dat, series, &any_invalid, &data_err)) {
    if (!data_err)
      return TRUE; /* nothing to plot yet */
    g_propagate_error(error, g_steal_pointer(&data_err));
    return FALSE;
  }
  g_autofree char *paper = paper_points(r);
  g_autofree char *paper_dat = *paper ? g_strdup_printf("%s/%s-paper.dat", fig_dir, name) : NULL;
  if (paper_dat && !g_file_set_contents(paper_dat, paper, -1, error))
    return FALSE;
  g_autofree char *body = plot_body(r, dat, paper_dat, series, any_invalid);
  return dmx_gnuplot_draw(fig_dir, name, &terms, body, files, error);
}
