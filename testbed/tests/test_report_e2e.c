/* test_report_e2e: `dmx report` on a real run, as a user would do it.
 *
 *   home-theater-2s  dmx run scenarios/home-theater.ini --policy local for 2 emulated seconds into a temporary
 *                    --out; summary.json has the power model's fields and fps, timeline.csv exists, and each
 *                    device wrote dsm.json (and the phone its I/O counters) although dmx stopped it; then
 *                    dmx report on it prints the table and writes figures/fps.png and figures/power.png
 *                    (non-empty PNG files)
 *   cli              dmx report --help, no RUN_DIR (64), a missing RUN_DIR (66)
 *
 * Skips (TAP "# SKIP") when qemu-aarch64, dmx-medium, the home-theater app, its movie or gnuplot are missing. */
#include <gio/gio.h>
#include <glib/gstdio.h>
#include <string.h>
#include <unistd.h>

#include "test_dmx.h"

static void assert_png(const char *dir, const char *name) {
  g_autofree char *path = g_build_filename(dir, "figures", name, NULL);
  g_autofree char *data = NULL;
  gsize len = 0;
  g_assert_true(g_file_get_contents(path, &data, &len, NULL));
  g_assert_cmpuint(len, >, 1000);
  g_assert_cmpmem(data, 8, "\x89PNG\r\n\x1a\n", 8);
}

static void test_home_theater(void) {
  const char *app[] = {"build/guest/apps/home-theater", NULL}, *media[] = {"build/media/movie-720p.mp4", NULL};
  if (!need_devices(app) || !need_in_tree(media, G_FILE_TEST_EXISTS, NULL))
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
  RunResult r = run_dmx(run);
  g_assert_cmpint(r.status, ==, 0);
  run_result_clear(&r);

  g_autofree char *summary = read_run_file(out, "summary.json");
  g_assert_nonnull(strstr(summary, "\"power_total_mw\": "));
  g_assert_nonnull(strstr(summary, "\"power_model\": \"dmx component power model"));
  g_assert_nonnull(strstr(summary, "\"devices\": {\n    \"phone\": {\"index\": 1, \"ip\": \"10.77.0.1\", "
                                   "\"model\": \"nexus5\", \"power_mw\": "));
  g_assert_nonnull(strstr(summary, "\"energy_j\": "));
  g_assert_nonnull(strstr(summary, "\"fps\": {\"screen\": \"phone\", \"mean\": "));
  g_assert_nonnull(strstr(summary, "\"target\": 24}"));
  /* dmx stopped the run at its duration (SIGTERM): each device still wrote the counters it writes at exit */
  const char *device_names[] = {"phone", "tv", "speaker"};
  for (guint i = 0; i < G_N_ELEMENTS(device_names); i++) {
    g_autofree char *dsm_path = g_strdup_printf("devices/%s/dsm.json", device_names[i]);
    g_autofree char *dsm = read_run_file(out, dsm_path);
    g_assert_true(g_str_has_prefix(dsm, "{\"device\":"));
    g_assert_nonnull(strstr(dsm, "\"lock_acquires\":"));
  }
  g_autofree char *phone_dir = g_build_filename(out, "devices", "phone", NULL);
  g_autoptr(GDir) dir = g_dir_open(phone_dir, 0, NULL);
  g_assert_nonnull(dir);
  gboolean io_counters = FALSE;
  for (const char *name; (name = g_dir_read_name(dir)) != NULL;)
    io_counters |= g_str_has_prefix(name, "io-counters.") && g_str_has_suffix(name, ".csv");
  g_assert_true(io_counters);
  g_autofree char *tl = read_run_file(out, "timeline.csv");
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
  run_result_clear(&r);
  assert_png(out, "fps.png");
  assert_png(out, "power.png");
  remove_tree(tmp);
}

static void test_cli(void) {
  const char *dmx[] = {"build/bin/dmx", NULL};
  if (!need_in_tree(dmx, G_FILE_TEST_IS_EXECUTABLE, NULL))
    return;
  const char *help[] = {"dmx", "report", "--help", NULL};
  RunResult r = run_dmx(help);
  g_assert_cmpint(r.status, ==, 0);
  g_assert_nonnull(strstr(r.out, "dmx report RUN_DIR..."));
  g_assert_nonnull(strstr(r.out, "POWER IS A MODEL"));
  run_result_clear(&r);
  const char *none[] = {"dmx", "report", NULL};
  r = run_dmx(none);
  g_assert_cmpint(r.status, ==, 64);
  g_assert_nonnull(strstr(r.err, "missing RUN_DIR"));
  run_result_clear(&r);
  const char *missing[] = {"dmx", "report", "/nonexistent/dmx-run", NULL};
  r = run_dmx(missing);
  g_assert_cmpint(r.status, ==, 66);
  g_assert_nonnull(strstr(r.err, "no such run directory"));
  run_result_clear(&r);
}

int main(int argc, char **argv) {
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/report-e2e/home-theater-2s", test_home_theater);
  g_test_add_func("/report-e2e/cli", test_cli);
  return g_test_run();
}
