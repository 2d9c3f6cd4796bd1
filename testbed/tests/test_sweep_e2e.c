/* test_sweep_e2e: `dmx sweep` as a user runs it, on real emulated devices.
 *
 *   hello-parallel    a 2x2 sweep of scenarios/hello.ini (link.rate_mbit 10,100 x policies local,rf), --jobs 2,
 *                     through GNU parallel: every point has its summary.json, index.csv and index.json list all
 *                     four, and dmx report on the sweep prints the table and writes the figure (PNG)
 *   hello-builtin     the same with DMX_SWEEP_RUNNER=builtin (dmx runs the points itself)
 *   interrupt-*       a sweep of sleeping points, SIGINT once they run: exit 130, the running points end as
 *                     interrupted (exit 130, summary written), the rest as not-run, and no device, medium, dmx
 *                     run, lock or medium socket is left (with each runner)
 *   cli               --help, dmx help sweep, usage errors (64), a typo'd sweep file (65, file:line), --runner
 *                     parallel without GNU parallel on PATH (69)
 *
 * Skips (TAP "# SKIP") when qemu-aarch64, dmx-medium or the guests are not built; the parallel cases skip without
 * GNU parallel (apt-get install parallel). About 30 s in all. */
#include <gio/gio.h>
#include <glib/gstdio.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define RUN_TIMEOUT_S 120
#include "test_dmx.h"

static gboolean prerequisites(void) {
  const char *guests[] = {"build/guest/tcp_ring", "build/guest/hello", NULL};
  return need_devices(guests);
}

static gboolean have_parallel(void) {
  g_autofree char *p = g_find_program_in_path("parallel");
  if (!p)
    g_test_skip("GNU parallel is not installed (apt-get install parallel)");
  return p != NULL;
}

static void assert_contains(const char *text, const char *want) {
  if (!strstr(text, want))
    g_error("expected text containing\n  %s\ngot\n  %s", want, text);
}

/* ---- the 2x2 sweep ---- */

/* The grid in order, and each point's row in index.csv up to its state and exit status. */
static const struct {
  const char *name, *csv;
} hello_points[] = {
    {"rate_mbit-10_local", "rate_mbit-10_local,local,10,done,0,"},
    {"rate_mbit-10_rf", "rate_mbit-10_rf,rf,10,done,0,"},
    {"rate_mbit-100_local", "rate_mbit-100_local,local,100,done,0,"},
    {"rate_mbit-100_rf", "rate_mbit-100_rf,rf,100,done,0,"},
};

static void assert_png(const char *path) {
  g_autofree char *data = NULL;
  gsize len = 0;
  g_assert_true(g_file_get_contents(path, &data, &len, NULL));
  g_assert_cmpuint(len, >, 1000);
  g_assert_cmpmem(data, 8, "\x89PNG\r\n\x1a\n", 8);
}

static void check_report(const char *out) {
  const char *report[] = {"dmx", "report", out, NULL};
  RunResult r = run_dmx(report);
  g_assert_cmpint(r.status, ==, 0);
  assert_contains(r.out, "sweep     hello-sweep of scenario hello: 4 points, 4 done");
  assert_contains(r.out, "rate_mbit  policy  ended  valid  duration_s");
  assert_contains(r.out, "figures/duration_s-vs-rate_mbit.png");
  g_autofree char *png = g_build_filename(out, "figures", "duration_s-vs-rate_mbit.png", NULL);
  assert_png(png);
  run_result_clear(&r);
}

static void hello_sweep(const char *runner_env) {
  g_autofree char *tmp = g_dir_make_tmp("test_sweep_e2e_XXXXXX", NULL);
  g_autofree char *out = g_build_filename(tmp, "sweep", NULL);
  const char *argv[] = {"dmx", "sweep", "scenarios/hello.ini", "--vary", "link.rate_mbit=10,100", "--policy",
                        "local,rf", "--jobs", "2", "--metric", "duration_s", "--out", out, NULL};
  const char *env[] = {runner_env, NULL};
  RunResult r = run_dmx_env(argv, env);
  g_assert_cmpint(r.status, ==, 0);
  g_autofree char *runner_line = g_strdup_printf("%s runner, --jobs 2", strchr(runner_env, '=') + 1);
  assert_contains(r.err, runner_line);
  assert_contains(r.err, "dmx sweep: [4/4] ");
  run_result_clear(&r);

  g_autofree char *csv = read_run_file(out, "index.csv");
  g_autofree char *json = read_run_file(out, "index.json");
  g_auto(GStrv) rows = g_strsplit(g_strstrip(csv), "\n", -1);
  g_assert_cmpuint(g_strv_length(rows), ==, 5); /* the header and four points */
  for (guint i = 0; i < G_N_ELEMENTS(hello_points); i++) {
    g_autofree char *rel = g_build_filename(hello_points[i].name, "summary.json", NULL);
    g_autofree char *summary = read_run_file(out, rel);
    assert_contains(summary, "\"scenario\": \"hello\"");
    if (!g_str_has_prefix(rows[i + 1], hello_points[i].csv))
      g_error("index.csv row %u: expected %s..., got %s", i + 1, hello_points[i].csv, rows[i + 1]);
    g_autofree char *name = g_strdup_printf("\"name\": \"%s\"", hello_points[i].name);
    assert_contains(json, name);
  }
  assert_contains(json, "\"state\": \"done\", \"exit_status\": 0");
  g_autofree char *rate10 = g_build_filename(hello_points[0].name, "summary.json", NULL);
  g_autofree char *summary10 = read_run_file(out, rate10);
  assert_contains(summary10, "\"rate_mbit\": 10,");
  check_report(out);
  remove_tree(tmp);
}

static void test_hello_parallel(void) {
  if (prerequisites() && have_parallel())
    hello_sweep("DMX_SWEEP_RUNNER=parallel");
}

static void test_hello_builtin(void) {
  if (prerequisites())
    hello_sweep("DMX_SWEEP_RUNNER=builtin");
}

/* ---- Ctrl-C ---- */

/* Processes that belong to the sweep in DIR: qemu devices (DMX_RUN_DIR) and anything whose command line names DIR
 * (dmx run --out, dmx-medium --control, GNU parallel's jobs). */
static int processes_of(const char *dir) {
  int n = 0;
  g_autoptr(GDir) d = g_dir_open("/proc", 0, NULL);
  const char *name;
  while ((name = g_dir_read_name(d))) {
    if (!g_ascii_isdigit(name[0]) || atoi(name) == getpid())
      continue;
    const char *files[] = {"cmdline", "environ"};
    for (guint f = 0; f < G_N_ELEMENTS(files); f++) {
      g_autofree char *path = g_strdup_printf("/proc/%s/%s", name, files[f]);
      g_autofree char *text = NULL;
      gsize len = 0;
      if (!g_file_get_contents(path, &text, &len, NULL))
        continue;
      for (gsize i = 0; i < len; i++)
        if (text[i] == '\0')
          text[i] = ' ';
      if (strstr(text, dir)) {
        n++;
        break;
      }
    }
  }
  return n;
}

static int count_qemu_of(const char *dir) {
  int n = 0;
  g_autoptr(GDir) d = g_dir_open("/proc", 0, NULL);
  const char *name;
  while ((name = g_dir_read_name(d))) {
    g_autofree char *exe_link = g_strdup_printf("/proc/%s/exe", name);
    g_autofree char *exe = g_file_read_link(exe_link, NULL);
    if (!exe || !g_str_has_suffix(exe, "qemu-aarch64"))
      continue;
    g_autofree char *env_path = g_strdup_printf("/proc/%s/environ", name);
    g_autofree char *env = NULL;
    gsize len = 0;
    if (!g_file_get_contents(env_path, &env, &len, NULL))
      continue;
    for (gsize off = 0; off < len; off += strlen(env + off) + 1)
      if (g_str_has_prefix(env + off, "DMX_RUN_DIR=") && strstr(env + off, dir))
        n++;
  }
  return n;
}

static void interrupt_sweep(const char *runner) {
  g_autofree char *tmp = g_dir_make_tmp("test_sweep_e2e_XXXXXX", NULL);
  g_autofree char *out = g_build_filename(tmp, "sweep", NULL);
  const char *argv[] = {"dmx", "sweep", "scenarios/hello.ini", "--set", "scenario.app=build/guest/hello", "--set",
                        "scenario.args=--sleep 120", "--vary", "link.rate_mbit=10,20,30", "--jobs", "2",
                        "--runner", runner, "--out", out, NULL};
  g_autoptr(GError) err = NULL;
  g_autoptr(GSubprocess) p = spawn_dmx(argv, NULL, &err);
  g_assert_no_error(err);
  int tries = 0;
  while (count_qemu_of(out) < 6 && tries++ < 600) /* two points of three devices each */
    g_usleep(100000);
  g_assert_cmpint(count_qemu_of(out), ==, 6);
  gint64 t0 = g_get_monotonic_time();
  g_subprocess_send_signal(p, SIGINT);
  RunResult r = finish_dmx(p);
  g_assert_cmpint(r.status, ==, 130);
  g_assert_cmpint(g_get_monotonic_time() - t0, <, 40 * G_USEC_PER_SEC);
  assert_contains(r.err, "interrupted by SIGINT");
  assert_contains(r.err, "1 not run");
  run_result_clear(&r);
  for (tries = 0; processes_of(out) > 0 && tries < 50; tries++)
    g_usleep(100000);
  g_assert_cmpint(processes_of(out), ==, 0);
  g_autofree char *json = read_run_file(out, "index.json");
  g_assert_nonnull(strstr(json, "\"state\": \"done\", \"exit_status\": 130"));
  g_assert_nonnull(strstr(json, "\"state\": \"not-run\""));
  const char *points[] = {"rate_mbit-10_local", "rate_mbit-20_local"};
  for (guint i = 0; i < G_N_ELEMENTS(points); i++) {
    g_autofree char *rel = g_build_filename(points[i], "summary.json", NULL);
    g_autofree char *summary = read_run_file(out, rel);
    assert_contains(summary, "\"valid\": false");
    const char *leftovers[] = {".lock", "medium.sock"};
    for (guint k = 0; k < G_N_ELEMENTS(leftovers); k++) {
      g_autofree char *path = g_build_filename(out, points[i], leftovers[k], NULL);
      g_assert_false(g_file_test(path, G_FILE_TEST_EXISTS));
    }
  }
  g_autofree char *lock = g_build_filename(out, ".lock", NULL);
  g_assert_false(g_file_test(lock, G_FILE_TEST_EXISTS));
  remove_tree(tmp);
}

static void test_interrupt_builtin(void) {
  if (prerequisites())
    interrupt_sweep("builtin");
}

static void test_interrupt_parallel(void) {
  if (prerequisites() && have_parallel())
    interrupt_sweep("parallel");
}

/* ---- the command line ---- */

static void test_cli(void) {
  if (!prerequisites())
    return;
  const char *help[] = {"dmx", "sweep", "--help", NULL};
  RunResult r = run_dmx(help);
  g_assert_cmpint(r.status, ==, 0);
  assert_contains(r.out, "dmx sweep - run a scenario over a grid");
  assert_contains(r.out, "link.rate_mbit");
  assert_contains(r.out, "EXIT STATUS");
  run_result_clear(&r);
  const char *help2[] = {"dmx", "help", "sweep", NULL};
  r = run_dmx(help2);
  g_assert_cmpint(r.status, ==, 0);
  assert_contains(r.out, "SWEEP FILE");
  run_result_clear(&r);
  const char *none[] = {"dmx", "sweep", NULL};
  r = run_dmx(none);
  g_assert_cmpint(r.status, ==, 64);
  run_result_clear(&r);
  const char *nothing_varies[] = {"dmx", "sweep", "scenarios/hello.ini", NULL};
  r = run_dmx(nothing_varies);
  g_assert_cmpint(r.status, ==, 64);
  assert_contains(r.err, "say what to vary");
  run_result_clear(&r);

  g_autofree char *tmp = g_dir_make_tmp("test_sweep_e2e_XXXXXX", NULL);
  g_autofree char *bad = g_build_filename(tmp, "bad.ini", NULL);
  g_autofree char *hello = in_top("scenarios/hello.ini");
  g_autofree char *text = g_strdup_printf("[sweep]\nscenario = %s\n[axis bw]\nlink.rate_mbit = 10, fast\n", hello);
  g_assert_true(g_file_set_contents(bad, text, -1, NULL));
  const char *typo[] = {"dmx", "sweep", bad, "--check", NULL};
  r = run_dmx(typo);
  g_assert_cmpint(r.status, ==, 65);
  g_autofree char *want = g_strdup_printf("%s:4: key 'link.rate_mbit' in [axis bw]: bad value 'fast'", bad);
  assert_contains(r.err, want);
  run_result_clear(&r);

  const char *no_parallel[] = {"dmx", "sweep", "scenarios/hello.ini", "--vary", "scenario.seed=1,2", "--runner",
                               "parallel", "--out", tmp, NULL};
  const char *env[] = {"PATH=/nonexistent", NULL};
  r = run_dmx_env(no_parallel, env);
  g_assert_cmpint(r.status, ==, 69);
  assert_contains(r.err, "GNU parallel is not installed");
  run_result_clear(&r);
  remove_tree(tmp);
}

int main(int argc, char **argv) {
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/sweep-e2e/hello-parallel", test_hello_parallel);
  g_test_add_func("/sweep-e2e/hello-builtin", test_hello_builtin);
  g_test_add_func("/sweep-e2e/interrupt-builtin", test_interrupt_builtin);
  g_test_add_func("/sweep-e2e/interrupt-parallel", test_interrupt_parallel);
  g_test_add_func("/sweep-e2e/cli", test_cli);
  return g_test_run();
}
