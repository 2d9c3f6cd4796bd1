/* report_plot: see report_plot.h. */
#include "report_plot.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "report_gnuplot.h"

/* The terminals' options of dmx report's run figures. */
static const DmxGnuplotTerms terms = {.png = "size 1000,500", .pdf = "size 8in,4in"};

static gboolean fps_figure(const DmxPlotInput *in, const char *fig_dir, GPtrArray *files, GError **error) {
  g_autofree char *tl = g_build_filename(in->run_dir, "timeline.csv", NULL);
  g_autofree char *text = NULL;
  if (!g_file_get_contents(tl, &text, NULL, error))
    return FALSE;
  char *nl = strchr(text, '\n');
  if (nl)
    *nl = 0;
  g_auto(GStrv) cols = g_strsplit(text, ",", -1);
  GString *plot = g_string_new(NULL);
  g_autofree char *qtl = dmx_gnuplot_quote(tl);
  for (guint c = 0; cols[c]; c++) {
    if (!g_str_has_prefix(cols[c], "fps_"))
      continue;
    g_autofree char *title = dmx_gnuplot_quote(cols[c] + 4);
    g_string_append_printf(plot, "%s%s using ($1+1 <= DUR ? $1+0.5 : NaN):%u with linespoints lw 2 title %s",
                           plot->len ? ", " : "", plot->len ? "''" : qtl, c + 1, title);
  }
  if (!plot->len) {
    g_string_free(plot, TRUE);
    return TRUE; /* no screen presented anything: no FPS figure */
  }
  GString *body = g_string_new("set datafile separator ','\nset key outside right top\nset grid\n");
  g_string_append_printf(body, "DUR = %.6f + 1e-6\nset xrange [0:*]\n", in->duration_s);
  g_autofree char *title = dmx_gnuplot_quote(in->title);
  g_string_append_printf(body, "set title %s\nset xlabel 'emulated time (s)'\nset ylabel 'frames per second'\n"
                         "set yrange [0:*]\n", title);
  for (guint i = 0; in->markers && i < in->markers->len; i++) {
    const DmxPlotMarker *m = &g_array_index(in->markers, DmxPlotMarker, i);
    g_autofree char *lab = dmx_gnuplot_quote(m->label);
    g_string_append_printf(body, "set arrow from %.3f, graph 0 to %.3f, graph 1 nohead dt 3 lc rgb 'gray30'\n"
                           "set label %s at %.3f, graph %.2f rotate by 90 right font ',8'\n", m->t_s, m->t_s,
                           lab, m->t_s, 0.98);
  }
  if (in->fps_target >= 0)
    g_string_append_printf(body, "set arrow from graph 0, first %g to graph 1, first %g nohead dt 2 lc rgb 'red'\n"
                           "set label 'target %g FPS' at graph 0.01, first %g offset 0,0.7 tc rgb 'red'\n",
                           in->fps_target, in->fps_target, in->fps_target, in->fps_target);
  g_string_append_printf(body, "plot %s\n", plot->str);
  g_string_free(plot, TRUE);
  gboolean ok = dmx_gnuplot_draw(fig_dir, "fps", &terms, body->str, files, error);
  g_string_free(body, TRUE);
  return ok;
}

/* power.dat: device, the model's parts (mW), its total, the paper's value (NaN: none). */
static gboolean power_data(const DmxPowerRows *p, const char *path, gboolean *any_paper, GError **error) {
  GString *dat = g_string_new("# device cpu_mw wifi_mw screen_mw audio_mw model_total_mw paper_mw"
                              "   (model: an ESTIMATE of testbed/power; paper: measured, DynaMix Table 2)\n");
  *any_paper = FALSE;
  for (guint i = 0; i < p->names->len; i++) {
    const double *parts = &g_array_index(p->parts_mw, double, i * DMX_POWER_PARTS);
    double paper = g_array_index(p->paper_mw, double, i);
    g_string_append_printf(dat, "\"%s\"", (char *)p->names->pdata[i]);
    for (guint k = 0; k < DMX_POWER_PARTS; k++)
      g_string_append_printf(dat, " %.1f", parts[k]);
    g_string_append_printf(dat, " %.1f", g_array_index(p->mw, double, i));
    if (paper >= 0)
      g_string_append_printf(dat, " %.2f\n", paper);
    else
      g_string_append(dat, " NaN\n");
    *any_paper |= paper >= 0;
  }
  gboolean ok = g_file_set_contents(path, dat->str, -1, error);
  g_string_free(dat, TRUE);
  return ok;
}

/* The model's bars, stacked: each part's box is drawn from 0 to the sum up to it, largest first. */
static void model_bars(GString *plot, const char *qdat) {
  static const char *const colours[DMX_POWER_PARTS] = {"#4477aa", "#66ccee", "#ccbb44", "#ee6677"};
  for (int k = DMX_POWER_PARTS - 1; k >= 0; k--) {
    GString *sum = g_string_new("$2");
    for (int j = 1; j <= k; j++)
      g_string_append_printf(sum, "+$%d", j + 2);
    g_string_append_printf(plot, "%s%s using ($0-0.2):(%s)%s with boxes lc rgb '%s' title '%s (model)'",
                           plot->len ? ", " : "", plot->len ? "''" : qdat, sum->str,
                           plot->len ? "" : ":xtic(1)", colours[k], dmx_power_part_name(k));
    g_string_free(sum, TRUE);
  }
  g_string_append(plot, ", '' using ($0-0.2):6:(sprintf('%.0f', $6)) with labels offset 0,0.8 notitle");
}

static gboolean power_figure(const DmxPlotInput *in, const char *fig_dir, GPtrArray *files, GError **error) {
  if (!in->power || !in->power->names || !in->power->names->len)
    return TRUE;
  g_autofree char *dat_path = g_strdup_printf("%s/power.dat", fig_dir);
  gboolean any_paper;
  if (!power_data(in->power, dat_path, &any_paper, error))
    return FALSE;
  g_autofree char *qdat = dmx_gnuplot_quote(dat_path);
  g_autofree char *title = g_strdup_printf("%s: power per device (MODEL estimate%s)", in->title,
                                           any_paper ? " beside the paper's measurement" : "");
  g_autofree char *qtitle = dmx_gnuplot_quote(title);
  GString *plot = g_string_new(NULL);
  model_bars(plot, qdat);
  if (any_paper) {
    g_autofree char *lab = dmx_gnuplot_quote(in->paper_label ? in->paper_label : "paper (measured)");
    g_string_append_printf(plot, ", '' using ($0+0.2):7 with boxes fs pattern 4 border -1 lc rgb 'black' title %s"
                           ", '' using ($0+0.2):7:(sprintf('%%.0f', $7)) with labels offset 0,0.8 notitle", lab);
  }
  g_autofree char *body = g_strdup_printf(
      "set title %s\nset ylabel 'mean power (mW)'\nset style fill solid 0.8 border -1\nset boxwidth 0.38\n"
      "set xrange [-0.6:%u-0.4]\nset yrange [0:*]\nset grid ytics\nset key outside right top\n"
      "plot %s\n", qtitle, in->power->names->len, plot->str);
  g_string_free(plot, TRUE);
  return dmx_gnuplot_draw(fig_dir, "power", &terms, body, files, error);
}

/* latency.png: one bar, the mean time from capture to screen stacked by what it was spent on. */
static gboolean latency_figure(const DmxPlotInput *in, const char *fig_dir, GPtrArray *files, GError **error) {
  if (!in->has_latency)
    return TRUE;
  g_autofree char *dat_path = g_build_filename(fig_dir, "latency.dat", NULL);
  g_autofree char *dat = g_strdup_printf("# compute_ms network_ms wait_ms: mean per frame\n%.3f %.3f %.3f\n",
                                         in->latency_ms[0], in->latency_ms[1], in->latency_ms[2]);
  if (!g_file_set_contents(dat_path, dat, -1, error))
    return FALSE;
  g_autofree char *fps = in->fps_mean >= 0 ? g_strdup_printf(", %.1f FPS", in->fps_mean) : g_strdup("");
  g_autofree char *title = g_strdup_printf("%s: latency per frame from capture to screen%s", in->title, fps);
  g_autofree char *qtitle = dmx_gnuplot_quote(title), *qdat = dmx_gnuplot_quote(dat_path);
  g_autofree char *qrun = dmx_gnuplot_quote(in->title);
  g_autofree char *body = g_strdup_printf(
      "set title %s\nset ylabel 'ms per frame (mean)'\nset style data histograms\n"
      "set style histogram rowstacked\nset style fill solid 0.8 border -1\nset boxwidth 0.5\nset yrange [0:*]\n"
      "set grid ytics\nset key outside right top\nset xtics (%s 0)\n"
      "plot %s using 1 title 'compute (edge detection)', '' using 2 title 'network', '' using 3 title 'wait "
      "(queues, vsync)'\n", qtitle, qrun, qdat);
  return dmx_gnuplot_draw(fig_dir, "latency", &terms, body, files, error);
}

gboolean dmx_plot_figures(const DmxPlotInput *in, GPtrArray *files, GError **error) {
  g_autofree char *fig_dir = g_build_filename(in->run_dir, "figures", NULL);
  if (g_mkdir_with_parents(fig_dir, 0755) != 0) {
    g_set_error(error, G_FILE_ERROR, G_FILE_ERROR_FAILED, "cannot create %s: %s", fig_dir, g_strerror(errno));
    return FALSE;
  }
  return fps_figure(in, fig_dir, files, error) && power_figure(in, fig_dir, files, error) &&
         latency_figure(in, fig_dir, files, error);
}
