/* report_gnuplot: see report_gnuplot.h. */
#include "report_gnuplot.h"

#include <sys/wait.h>

static const char *gnuplot_bin(void) {
  const char *g = g_getenv("DMX_GNUPLOT");
  return g && *g ? g : "gnuplot";
}

char *dmx_gnuplot_quote(const char *s) {
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

gboolean dmx_gnuplot_has_terminal(const char *name) {
  g_autofree char *cmd = g_strdup_printf("set terminal %s", name);
  const char *argv[] = {gnuplot_bin(), "-e", cmd, NULL};
  int status = 0;
  if (!g_spawn_sync(NULL, (char **)argv, NULL,
                    G_SPAWN_SEARCH_PATH | G_SPAWN_STDOUT_TO_DEV_NULL | G_SPAWN_STDERR_TO_DEV_NULL, NULL, NULL, NULL,
                    NULL, &status, NULL))
    return FALSE;
  return WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

gboolean dmx_gnuplot_run(const char *script, GError **error) {
  const char *argv[] = {gnuplot_bin(), script, NULL};
  g_autofree char *err_text = NULL;
  int status = 0;
  if (!g_spawn_sync(NULL, (char **)argv, NULL, G_SPAWN_SEARCH_PATH | G_SPAWN_STDOUT_TO_DEV_NULL, NULL, NULL, NULL,
                    &err_text, &status, error)) {
    g_prefix_error(error, "cannot run gnuplot (install gnuplot-nox, or set DMX_GNUPLOT): ");
    return FALSE;
  }
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    g_set_error(error, G_SPAWN_ERROR, G_SPAWN_ERROR_FAILED, "gnuplot %s failed: %s", script,
                err_text && *err_text ? g_strstrip(err_text) : "(no message)");
    return FALSE;
  }
  return TRUE;
}

gboolean dmx_gnuplot_draw(const char *fig_dir, const char *name, const DmxGnuplotTerms *terms, const char *body,
                          GPtrArray *files, GError **error) {
  const struct {
    const char *term, *ext, *opts;
  } out_terms[] = {{dmx_gnuplot_has_terminal("pngcairo") ? "pngcairo" : "png", "png", terms->png},
                   {"pdfcairo", "pdf", terms->pdf}};
  guint n = dmx_gnuplot_has_terminal("pdfcairo") ? 2 : 1;
  GString *gp = g_string_new(NULL);
  for (guint t = 0; t < n; t++) {
    g_autofree char *out = g_strdup_printf("%s/%s.%s", fig_dir, name, out_terms[t].ext);
    g_autofree char *q = dmx_gnuplot_quote(out);
    g_string_append_printf(gp, "set terminal %s %s\nset output %s\n%s\nunset output\n", out_terms[t].term,
                           out_terms[t].opts, q, body);
  }
  g_autofree char *script = g_strdup_printf("%s/%s.gp", fig_dir, name);
  gboolean ok = g_file_set_contents(script, gp->str, -1, error) && dmx_gnuplot_run(script, error);
  g_string_free(gp, TRUE);
  for (guint t = 0; ok && t < n; t++)
    g_ptr_array_add(files, g_strdup_printf("%s/%s.%s", fig_dir, name, out_terms[t].ext));
  return ok;
}
