/* report_plot: see report_plot.h. */
#include "report_plot.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>

static const char *gnuplot_bin(void) {
  const char *g = g_getenv("DMX_GNUPLOT");
  return g && *g ? g : "gnuplot";
}

static gboolean run_gnuplot(const char *script_path, GError **error) {
  const char *argv[] = {gnuplot_bin(), script_path, NULL};
  g_autofree char *err_text = NULL;
  int status = 0;
  if (!g_spawn_sync(NULL, (char **)argv, NULL, G_SPAWN_SEARCH_PATH | G_SPAWN_STDOUT_TO_DEV_NULL, NULL, NULL, NULL,
                    &err_text, &status, error)) {
    if (error && *error)
      g_prefix_error(error, "cannot run gnuplot (install gnuplot-nox, or set DMX_GNUPLOT): ");
    return FALSE;
  }
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    g_set_error(error, G_SPAWN_ERROR, G_SPAWN_ERROR_FAILED, "gnuplot %s failed: %s", script_path,
                err_text && *err_text ? g_strstrip(err_text) : "(no message)");
    return FALSE;
  }
  return TRUE;
}

gboolean dmx_plot_has_terminal(const char *name) {
  g_autofree char *cmd = g_strdup_printf("set terminal %s", name);
  const char *argv[] = {gnuplot_bin(), "-e", cmd, NULL};
  int status = 0;
  if (!g_spawn_sync(NULL, (char **)argv, NULL,
                    G_SPAWN_SEARCH_PATH | G_SPAWN_STDOUT_TO_DEV_NULL | G_SPAWN_STDERR_TO_DEV_NULL, NULL, NULL, NULL,
                    NULL, &status, NULL))
    return FALSE;
  return WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

/* gnuplot string literal in single quotes ('' escapes a quote). */
static char *gp_quote(const char *s) {
  GString *q = g_string_new("'");
  for (; *s; s++) {
    if (*s == '\'')
      g_string_append(q, "''");
    else
      g_string_append_c(q, *s);
  }
  g_string_append_c(q, '\'');
  return g_string_free(q, FALSE);
}

/* Writes NAME.gp with BODY for each terminal and runs it. */
static gboolean draw(const char *fig_dir, const char *name, const char *body, GPtrArray *files, GError **error) {
  GString *gp = g_string_new(NULL);
  struct {
    const char *term, *ext, *opts;
  } terms[] = {{dmx_plot_has_terminal("pngcairo") ? "pngcairo" : "png", "png", "size 1000,500"},
               {"pdfcairo", "pdf", "size 8in,4in"}};
  gboolean pdf = dmx_plot_has_terminal("pdfcairo");
  for (guint t = 0; t < (pdf ? 2u : 1u); t++) {
    g_autofree char *out = g_strdup_printf("%s/%s.%s", fig_dir, name, terms[t].ext);
    g_autofree char *q = gp_quote(out);
    g_string_append_printf(gp, "set terminal %s %s\nset output %s\n%s\nunset output\n", terms[t].term,
                           terms[t].opts, q, body);
  }
  g_autofree char *script = g_strdup_printf("%s/%s.gp", fig_dir, name);
  gboolean ok = g_file_set_contents(script, gp->str, -1, error) && run_gnuplot(script, error);
  g_string_free(gp, TRUE);
  if (!ok)
    return FALSE;
  for (guint t = 0; t < (pdf ? 2u : 1u); t++)
    g_ptr_array_add(files, g_strdup_printf("%s/%s.%s", fig_dir, name, terms[t].ext));
  return TRUE;
}

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
  g_autofree char *qtl = gp_quote(tl);
  for (guint c = 0; cols[c]; c++) {
    if (!g_str_has_prefix(cols[c], "fps_"))
      continue;
    g_autofree char *title = gp_quote(cols[c] + 4);
    g_string_append_printf(plot, "%s%s using ($1+1 <= DUR ? $1+0.5 : NaN):%u with linespoints lw 2 title %s",
                           plot->len ? ", " : "", plot->len ? "''" : qtl, c + 1, title);
  }
  if (!plot->len) {
    g_string_free(plot, TRUE);
    return TRUE; /* no screen presented anything: no FPS figure */
  }
  GString *body = g_string_new("set datafile separator ','\nset key outside right top\nset grid\n");
  g_string_append_printf(body, "DUR = %.6f + 1e-6\nset xrange [0:*]\n", in->duration_s);
  g_autofree char *title = gp_quote(in->title);
  g_string_append_printf(body, "set title %s\nset xlabel 'emulated time (s)'\nset ylabel 'frames per second'\n"
                         "set yrange [0:*]\n", title);
  for (guint i = 0; in->markers && i < in->markers->len; i++) {
    const DmxPlotMarker *m = &g_array_index(in->markers, DmxPlotMarker, i);
    g_autofree char *lab = gp_quote(m->label);
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
  gboolean ok = draw(fig_dir, "fps", body->str, files, error);
  g_string_free(body, TRUE);
  return ok;
}

static gboolean power_figure(const DmxPlotInput *in, const char *fig_dir, GPtrArray *files, GError **error) {
  if (!in->power_names || !in->power_names->len)
    return TRUE;
  GString *dat = g_string_new("# device power_mw (modelled, an estimate)\n");
  for (guint i = 0; i < in->power_names->len; i++)
    g_string_append_printf(dat, "\"%s\" %.1f\n", (char *)in->power_names->pdata[i],
                           g_array_index(in->power_mw, double, i));
  g_autofree char *dat_path = g_strdup_printf("%s/power.dat", fig_dir);
  gboolean ok = g_file_set_contents(dat_path, dat->str, -1, error);
  g_string_free(dat, TRUE);
  if (!ok)
    return FALSE;
  g_autofree char *qdat = gp_quote(dat_path);
  g_autofree char *title = g_strdup_printf("%s: mean power per device (MODEL, estimate)", in->title);
  g_autofree char *qtitle = gp_quote(title);
  g_autofree char *body = g_strdup_printf(
      "set title %s\nset ylabel 'power (mW)'\nset style fill solid 0.6 border -1\nset boxwidth 0.6\n"
      "set yrange [0:*]\nset grid ytics\nunset key\n"
      "plot %s using 0:2:xtic(1) with boxes lc rgb '#4477aa', '' using 0:2:(sprintf('%%.0f', $2)) with labels "
      "offset 0,0.8\n", qtitle, qdat);
  return draw(fig_dir, "power", body, files, error);
}

gboolean dmx_plot_figures(const DmxPlotInput *in, GPtrArray *files, GError **error) {
  g_autofree char *fig_dir = g_build_filename(in->run_dir, "figures", NULL);
  if (g_mkdir_with_parents(fig_dir, 0755) != 0) {
    g_set_error(error, G_FILE_ERROR, G_FILE_ERROR_FAILED, "cannot create %s: %s", fig_dir, g_strerror(errno));
    return FALSE;
  }
  return fps_figure(in, fig_dir, files, error) && power_figure(in, fig_dir, files, error);
}
