/* test_report_e2e: `dmx report` on a real run, as a user would do it.
 *
 *   home-theater-2s  dmx run scenarios/home-theater.ini --policy local for 2 emulated seconds into a temporary
 *                    --out; summary.json has the power model's fields and fps, timeline.csv exists; then
 *                    dmx report on it prints the table and writes figures/fps.png and figures/power.png
 *                    (non-empty PNG files)
 *   cli              dmx report --help, no RUN_DIR (64), a missing RUN_DIR (66)
 *
 * Skips (TAP "# SKIP") when qemu-aarch64, dmx-medium, the home-theater app, its movie or gnuplot are missing. */
#include <gio/gio.h>
#include <glib/gstdio.h>
#include <string.h>
#include <unistd.h>

#ifndef DMX_TOP
#define DMX_TOP "."
#endif

#define RUN_TIMEOUT_S 240

static char *top_dir;

static char *in_top(const char *rel) { return g_build_filename(top_dir, rel, NULL); }

static gboolean have(const char *rel, GFileTest test) {
  g_autofree char *p = in_top(rel);
  if (g_file_test(p, test))
    return TRUE;
  g_autofree char *msg = g_strdup_printf("%s is not built", rel);
  g_test_skip(msg);
  return FALSE;
}

typedef struct {
  int status;
  char *out, *err;
} Result;

static Result run_dmx(const char *const *argv) {
  g_autoptr(GPtrArray) a = g_ptr_array_new_with_free_func(g_free);
  g_ptr_array_add(a, in_top("build/bin/dmx"));
  for (int i = 1; argv[i]; i++)
    g_ptr_array_add(a, g_strdup(argv[i]));
  g_ptr_array_add(a, NULL);
  g_autoptr(GError) err = NULL;
  g_autoptr(GSubprocessLauncher) l =
      g_subprocess_launcher_new(G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_PIPE);
  g_subprocess_launcher_set_cwd(l, top_dir);
  g_subprocess_launcher_setenv(l, "DMX_NO_STATUS", "1", TRUE);
  g_autoptr(GSubprocess) p = g_subprocess_launcher_spawnv(l, (const char *const *)a->pdata, &err);
  g_assert_no_error(err);
  Result r = {0};
  alarm(RUN_TIMEOUT_S);
  g_assert_true(g_subprocess_communicate_utf8(p, NULL, NULL, &r.out, &r.err, &err));
  alarm(0);
  g_assert_no_error(err);
  r.status = g_subprocess_get_if_exited(p) ? g_subprocess_get_exit_status(p) : 128 + g_subprocess_get_term_sig(p);
  g_test_message("dmx %s: exit %d\nstdout: %s\nstderr: %s", argv[1], r.status, r.out, r.err);
  return r;
}

static void result_clear(Result *r) {
  g_free(r->out);
  g_free(r->err);
}

static void assert_png(const char *dir, const char *name) {
  g_autofree char *path = g_build_filename(dir, "figures", name, NULL);
  g_autofree char *data = NULL;
  gsize len = 0;
  g_assert_true(g_file_get_contents(path, &data, &len, NULL));
  g_assert_cmpuint(len, >, 1000);
  g_assert_cmpmem(data, 8, "\x89PNG\r\n\x1a\n", 8);
}

static void test_home_theater(void) {
  if (!have("build/bin/qemu-aarch64", G_FILE_TEST_IS_EXECUTABLE) ||
      !have("build/bin/dmx-medium", G_FILE_TEST_IS_EXECUTABLE) ||
      !have("build/guest/apps/home-theater", G_FILE_TEST_IS_EXECUTABLE) ||
      !have("build/media/movie-720p.mp4", G_FILE_TEST_EXISTS))
    return;
  g_autofree char *gnuplot = g_find_program_in_path("gnuplot");
  if (!gnuplot) {
    g_test_skip("gnuplot is not installed (apt-get install gnuplot-nox)");
    return;
  }
  g_autoptr(GError) err = NULL;
  g_autofree char *tmp = g_dir_make_tmp("test_report_e2e_XXXXXX", &err);
  g_assert_no_error(err);
  g_autofree char *out = g_build_filename(tmp, "run", NULL);
  const char *run[] = {"dmx", "run", "scenarios/home-theater.ini", "--policy", "local", "--set",
                       "scenario.duration_s=2", "--out", out, NULL};
  Result r = run_dmx(run);
  g_assert_cmpint(r.status, ==, 0);
  result_clear(&r);

  g_autofree char *summary_path = g_build_filename(out, "summary.json", NULL);
  g_autofree char *summary = NULL;
  g_assert_true(g_file_get_contents(summary_path, &summary, NULL, NULL));
  g_assert_nonnull(strstr(summary, "\"power_total_mw\": "));
  g_assert_nonnull(strstr(summary, "\"power_model\": \"dmx component power model"));
  g_assert_nonnull(strstr(summary, "\"power\": {\"devices\": {\n    \"phone\": {\"power_mw\": "));
  g_assert_nonnull(strstr(summary, "\"energy_j\": "));
  g_assert_nonnull(strstr(summary, "\"fps\": {\"screen\": \"phone\", \"mean\": "));
  g_assert_nonnull(strstr(summary, "\"target\": 24}"));
  g_autofree char *tl_path = g_build_filename(out, "timeline.csv", NULL);
  g_autofree char *tl = NULL;
  g_assert_true(g_file_get_contents(tl_path, &tl, NULL, NULL));
  g_assert_true(g_str_has_prefix(tl, "t_s,fps_phone,"));
  g_assert_nonnull(strstr(tl, "power_mw_phone"));

  const char *report[] = {"dmx", "report", out, NULL};
  r = run_dmx(report);
  g_assert_cmpint(r.status, ==, 0);
  g_assert_nonnull(strstr(r.out, "scenario  home-theater"));
  g_assert_nonnull(strstr(r.out, "policy    local"));
  g_assert_nonnull(strstr(r.out, "FPS       screen phone over "));
  g_assert_nonnull(strstr(r.out, "a MODEL, an estimate"));
  g_assert_nonnull(strstr(r.out, "phone      nexus5      master"));
  g_assert_nonnull(strstr(r.out, "figures/fps.png"));
  result_clear(&r);
  assert_png(out, "fps.png");
  assert_png(out, "power.png");
  g_autofree char *cmd = g_strdup_printf("rm -rf '%s'", tmp);
  g_assert_cmpint(system(cmd), ==, 0);
}

static void test_cli(void) {
  if (!have("build/bin/dmx", G_FILE_TEST_IS_EXECUTABLE))
    return;
  const char *help[] = {"dmx", "report", "--help", NULL};
  Result r = run_dmx(help);
  g_assert_cmpint(r.status, ==, 0);
  g_assert_nonnull(strstr(r.out, "dmx report RUN_DIR..."));
  g_assert_nonnull(strstr(r.out, "POWER IS A MODEL"));
  result_clear(&r);
  const char *none[] = {"dmx", "report", NULL};
  r = run_dmx(none);
  g_assert_cmpint(r.status, ==, 64);
  g_assert_nonnull(strstr(r.err, "missing RUN_DIR"));
  result_clear(&r);
  const char *missing[] = {"dmx", "report", "/nonexistent/dmx-run", NULL};
  r = run_dmx(missing);
  g_assert_cmpint(r.status, ==, 66);
  g_assert_nonnull(strstr(r.err, "no such run directory"));
  result_clear(&r);
}

int main(int argc, char **argv) {
  g_test_init(&argc, &argv, NULL);
  top_dir = g_strdup(g_getenv("DMX_TOP") ? g_getenv("DMX_TOP") : DMX_TOP);
  g_test_add_func("/report-e2e/home-theater-2s", test_home_theater);
  g_test_add_func("/report-e2e/cli", test_cli);
  return g_test_run();
}
