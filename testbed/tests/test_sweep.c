/* test_sweep: `dmx sweep`'s pieces, natively and fast (nothing is started).
 *
 *   file            sweeps/bandwidth.ini and a two-axis file read back: scenario, policies, metric, axes, labels
 *   file-errors     typos and mistakes in a sweep file, each as "file:line: key 'k' in [section]: ..."
 *   resolve-errors  values the scenario refuses, pinned on the sweep file's line (or on the --set / --vary)
 *   cli             --vary/--policy/--set/--metric/--name and their errors; a --vary axis's name
 *   params          link.rate_mbit and link.delay_ms rewriting a link spec, and their value checks
 *   grid            the points of a resolved sweep: order, names, --set assignments (one link.spec for both
 *                   derived keys), and the dmx run command of a point
 *   progress        ETA and duration texts
 *   paper           the paper's Fig. 7 / Fig. 10 values and the shape check
 *   index-report    a session with hand-made summaries: index.json/index.csv, and dmx report's table on it */
#include <glib.h>
#include <glib/gstdio.h>
#include <math.h>
#include <string.h>

#include "device_model.h"
#include "report_paper.h"
#include "report_sweep.h"
#include "scenario.h"
#include "sweep.h"
#include "sweep_grid.h"
#include "sweep_index.h"
#include "sweep_params.h"
#include "sweep_progress.h"
#include "sweep_resolve.h"
#include "sweep_session.h"

#include "test_tree.h"

static char *hello_ini(void) { return g_build_filename(top(), "scenarios", "hello.ini", NULL); }

static char *tmp_dir;

static char *write_file(const char *name, const char *text) {
  char *path = g_build_filename(tmp_dir, name, NULL);
  g_assert_true(g_file_set_contents(path, text, -1, NULL));
  return path;
}

/* A sweep file for scenarios/hello.ini: the text after its [sweep] section's scenario line. */
static char *sweep_text(const char *rest) {
  g_autofree char *hello = hello_ini();
  return g_strdup_printf("[sweep]\nscenario = %s\n%s", hello, rest);
}

static void assert_contains(const char *text, const char *want) {
  if (!strstr(text, want))
    g_error("expected text containing\n  %s\ngot\n  %s", want, text);
}

/* Loads TEXT as s.ini; asserts it fails with an error that contains "PATH:" EXPECTED. */
static void expect_file_error(const char *text, const char *expected) {
  g_autofree char *path = write_file("s.ini", text);
  g_autoptr(GError) err = NULL;
  g_autoptr(DmxSweep) sw = dmx_sweep_load(path, &err);
  g_assert_null(sw);
  g_autofree char *want = g_strdup_printf("%s:%s", path, expected);
  assert_contains(err->message, want);
}

static DmxModelDb *models(void) {
  g_autofree char *ini = g_build_filename(top(), "scenarios", "devices.ini", NULL);
  g_autoptr(GError) err = NULL;
  DmxModelDb *db = dmx_model_db_load(ini, &err);
  g_assert_no_error(err);
  return db;
}

static gboolean resolve(DmxSweep *sw, GError **error) {
  g_autoptr(DmxModelDb) db = models();
  DmxScenarioLoadOptions lo = {.top = top(), .models = db, .check_app = FALSE};
  return dmx_sweep_resolve(sw, &lo, error);
}

/* ---- the sweep file ---- */

static void test_file(void) {
  g_autofree char *path = g_build_filename(top(), "sweeps", "bandwidth.ini", NULL);
  g_autoptr(GError) err = NULL;
  g_autoptr(DmxSweep) sw = dmx_sweep_load(path, &err);
  g_assert_no_error(err);
  g_assert_cmpstr(sw->name, ==, "bandwidth");
  g_assert_true(g_str_has_suffix(sw->scenario, "/scenarios/home-theater-bandwidth.ini"));
  g_assert_null(sw->policies); /* the scenario's */
  g_assert_cmpstr(sw->metric, ==, "fps.mean");
  g_assert_cmpuint(sw->axes->len, ==, 1);
  const DmxSweepAxis *axis = sw->axes->pdata[0];
  g_assert_cmpstr(axis->name, ==, "bandwidth");
  g_assert_cmpuint(axis->steps, ==, 6);
  g_assert_cmpstr(axis->labels[2], ==, "40");
  g_assert_cmpstr(((DmxSweepParam *)axis->params->pdata[0])->key, ==, "link.rate_mbit");
  g_assert_true(resolve(sw, &err));
  g_assert_no_error(err);
  g_assert_cmpstr(sw->scenario_name, ==, "home-theater-bandwidth");
  g_assert_cmpstr(sw->base_link_spec, ==, "rate 100mbit delay 2ms");
  g_assert_cmpstr(sw->policies[0], ==, "rf");
  g_assert_cmpstr(sw->policies[1], ==, "dynamix");
  g_assert_cmpuint(dmx_sweep_point_count(sw, 2), ==, 12);

  g_autofree char *text = sweep_text("name = two\npolicies = rf, local\nmetric = power_total_mw\n"
                                     "[set]\nscenario.seed = 7\n"
                                     "[axis q]\nlabel = small, big\ndevice tv.screen = 640x360, 1280x720\n"
                                     "device phone.screen = 640x360, 1280x720\n"
                                     "[axis bw]\nlink.rate_mbit = 10, 100\n");
  g_autofree char *two = write_file("two.ini", text);
  g_autoptr(DmxSweep) sw2 = dmx_sweep_load(two, &err);
  g_assert_no_error(err);
  g_assert_cmpstr(sw2->name, ==, "two");
  g_assert_cmpstr(sw2->metric, ==, "power_total_mw");
  g_assert_cmpstr(sw2->policies[0], ==, "rf");
  g_assert_cmpuint(sw2->sets->len, ==, 1);
  g_assert_cmpstr(((DmxSweepSet *)sw2->sets->pdata[0])->assignment, ==, "scenario.seed=7");
  g_assert_cmpuint(sw2->axes->len, ==, 2);
  const DmxSweepAxis *q = sw2->axes->pdata[0];
  g_assert_cmpstr(q->name, ==, "q");
  g_assert_cmpstr(q->labels[1], ==, "big");
  g_assert_cmpuint(q->params->len, ==, 2);
  g_assert_true(dmx_sweep_file_is_sweep(two));
  g_autofree char *hello = hello_ini();
  g_assert_false(dmx_sweep_file_is_sweep(hello));
}

static void test_file_errors(void) {
  g_autofree char *hello = hello_ini();
  g_autofree char *t1 = g_strdup_printf("[sweep]\nscenaro = %s\n", hello);
  expect_file_error(t1, "2: key 'scenaro' in [sweep]: unknown key; did you mean 'scenario'?");
  expect_file_error(t1, "1: section [sweep]: missing required key 'scenario'");
  expect_file_error("[axis bw]\nlink.rate_mbit = 1\n", " missing section [sweep]");
  expect_file_error("[sweep]\nscenario = nowhere.ini\n", "2: key 'scenario' in [sweep]: no such scenario file");
  g_autofree char *t2 = sweep_text("policies = rf, fast\n");
  expect_file_error(t2, "3: key 'policies' in [sweep]: bad value 'rf, fast': unknown policy 'fast'");
  g_autofree char *t3 = sweep_text("[axis bw]\nlink.rate_mbit = 10, 20\nlink.delay_ms = 1, 2, 3\n");
  expect_file_error(t3, "5: key 'link.delay_ms' in [axis bw]: 3 values, but 'link.rate_mbit' has 2");
  g_autofree char *t4 = sweep_text("[axis bw]\nlink.rate_mbit = 10, 20, 10\n");
  expect_file_error(t4, "4: key 'link.rate_mbit' in [axis bw]: value '10' appears twice");
  g_autofree char *t5 = sweep_text("[axis bw]\nlink.rate_mbit = 10, , 20\n");
  expect_file_error(t5, "4: key 'link.rate_mbit' in [axis bw]: value 2 of the list is empty");
  g_autofree char *t6 = sweep_text("[axis bw]\nlabel = a, b, c\nlink.rate_mbit = 10, 20\n");
  expect_file_error(t6, "4: key 'label' in [axis bw]: 3 labels for 2 steps");
  g_autofree char *t7 = sweep_text("[axis bw]\nrate = 10, 20\n");
  expect_file_error(t7, "4: key 'rate' in [axis bw]: unknown key: expected SECTION.KEY of the scenario");
  g_autofree char *t8 = sweep_text("[set]\ntdf = 4\n");
  expect_file_error(t8, "4: key 'tdf' in [set]: unknown key: expected SECTION.KEY");
  g_autofree char *t9 = sweep_text("[axis bw]\nlabel = a\n");
  expect_file_error(t9, "3: section [axis bw]: no parameter");
  g_autofree char *t10 = sweep_text("[axis b.w]\nlink.rate_mbit = 1\n");
  expect_file_error(t10, "3: section [axis b.w]: bad name 'b.w'");
  g_autofree char *t11 = sweep_text("[grid]\nx.y = 1\n");
  expect_file_error(t11, "3: section [grid]: unknown section kind 'grid' (known: sweep, set, axis)");
  g_autofree char *t12 = sweep_text("metric = fps..mean\n");
  expect_file_error(t12, "3: key 'metric' in [sweep]: bad value 'fps..mean'");
}

/* Loads and resolves TEXT (a sweep of hello.ini); asserts resolving fails with "PATH:" EXPECTED. */
static void expect_resolve_error(const char *rest, const char *expected) {
  g_autofree char *text = sweep_text(rest);
  g_autofree char *path = write_file("r.ini", text);
  g_autoptr(GError) err = NULL;
  g_autoptr(DmxSweep) sw = dmx_sweep_load(path, &err);
  g_assert_no_error(err);
  g_assert_false(resolve(sw, &err));
  g_autofree char *want = expected[0] == '-' ? g_strdup(expected) : g_strdup_printf("%s:%s", path, expected);
  assert_contains(err->message, want);
}

static void test_resolve_errors(void) {
  expect_resolve_error("[axis bw]\nlink.rate_mbti = 10, 20\n",
                       "4: key 'link.rate_mbti' in [axis bw]: unknown parameter; did you mean 'link.rate_mbit'?");
  expect_resolve_error("[axis bw]\nlink.rate_mbit = 10, 10mbit\n",
                       "4: key 'link.rate_mbit' in [axis bw]: bad value '10mbit': expected Mbit/s above 0");
  expect_resolve_error("[axis q]\ndevice tv.screen = 640x360, 1280\n",
                       "4: key 'device tv.screen' in [axis q]: with value '1280' the scenario is invalid: --set "
                       "device tv.screen=1280: key 'screen' in [device tv]: bad value '1280'");
  expect_resolve_error("[axis q]\ndevice tc.screen = 640x360\n",
                       "4: key 'device tc.screen' in [axis q]: with value '640x360' the scenario is invalid");
  expect_resolve_error("[axis q]\nlink.sepc = rate 1mbit\n",
                       "4: key 'link.sepc' in [axis q]: with value 'rate 1mbit' the scenario is invalid: --set "
                       "link.sepc=rate 1mbit: key 'sepc' in [link]: unknown key; did you mean 'spec'? (known keys: "
                       "spec profile mode backend uplink) (a parameter is a SECTION.KEY of the scenario, or one of "
                       "link.rate_mbit, link.delay_ms)");
  expect_resolve_error("[set]\nscenario.tdf = 0.5\n",
                       "4: key 'scenario.tdf' in [set]: --set scenario.tdf=0.5: key 'tdf' in [scenario]: bad value");
  expect_resolve_error("[set]\nscenario.seed = 3\n[axis s]\nscenario.seed = 1, 2\n",
                       "6: key 'scenario.seed' in [axis s]: 'scenario.seed' is already set or varied elsewhere");
  expect_resolve_error("[axis a]\nlink.rate_mbit = 1, 2\n[axis b]\nlink.spec = delay 1ms, delay 2ms\n",
                       "6: key 'link.spec' in [axis b]: vary either link.spec or link.rate_mbit, link.delay_ms");
}

static void test_cli(void) {
  g_autofree char *hello = hello_ini();
  g_autoptr(DmxSweep) sw = dmx_sweep_new_for_scenario(hello);
  g_autoptr(GError) err = NULL;
  g_assert_cmpstr(sw->name, ==, "hello-sweep");
  g_assert_true(dmx_sweep_add_vary(sw, "link.rate_mbit=10,100", &err));
  g_assert_true(dmx_sweep_add_vary(sw, "device tv.screen=640x360,1280x720", &err));
  g_assert_true(dmx_sweep_add_vary(sw, "device phone.screen=640x360,1280x720", &err));
  g_assert_no_error(err);
  g_assert_cmpstr(((DmxSweepAxis *)sw->axes->pdata[0])->name, ==, "rate_mbit");
  g_assert_cmpstr(((DmxSweepAxis *)sw->axes->pdata[1])->name, ==, "screen");
  g_assert_cmpstr(((DmxSweepAxis *)sw->axes->pdata[2])->name, ==, "device phone.screen"); /* "screen" is taken */
  g_assert_false(dmx_sweep_add_vary(sw, "link.rate_mbit=1,2", &err));
  assert_contains(err->message, "--vary link.rate_mbit=1,2: 'link.rate_mbit' is varied twice");
  g_clear_error(&err);
  g_assert_false(dmx_sweep_add_vary(sw, "rate=1,2", &err));
  assert_contains(err->message, "--vary rate=1,2: expected KEY=V1,V2,... with KEY a SECTION.KEY");
  g_clear_error(&err);
  g_assert_false(dmx_sweep_add_vary(sw, "scenario.seed=1,1", &err));
  assert_contains(err->message, "value '1' appears twice");
  g_clear_error(&err);
  g_assert_false(dmx_sweep_set_policies(sw, "rf,slow", &err));
  assert_contains(err->message, "--policy rf,slow: unknown policy 'slow'");
  g_clear_error(&err);
  g_assert_false(dmx_sweep_add_set(sw, "tdf=4", &err));
  assert_contains(err->message, "--set tdf=4: expected SECTION.KEY=VALUE");
  g_clear_error(&err);
  g_assert_false(dmx_sweep_set_metric(sw, "fps mean", &err));
  g_clear_error(&err);
  g_assert_false(dmx_sweep_set_name(sw, "a/b", &err));
  g_clear_error(&err);
  g_assert_true(dmx_sweep_set_policies(sw, "rf, local", &err));
  g_assert_true(dmx_sweep_add_set(sw, "scenario.tdf=0.5", &err));
  g_assert_false(resolve(sw, &err));
  assert_contains(err->message, "--set scenario.tdf=0.5: --set scenario.tdf=0.5: key 'tdf' in [scenario]");
}

static void test_params(void) {
  g_autoptr(GString) why = g_string_new(NULL);
  g_assert_true(dmx_sweep_param_is_derived("link.rate_mbit"));
  g_assert_false(dmx_sweep_param_is_derived("link.spec"));
  g_assert_true(dmx_sweep_param_check("link.rate_mbit", "2.5", why));
  g_assert_false(dmx_sweep_param_check("link.rate_mbit", "0", why));
  g_assert_false(dmx_sweep_param_check("link.rate_mbit", "10M", why));
  g_assert_true(dmx_sweep_param_check("link.delay_ms", "0", why));
  g_assert_false(dmx_sweep_param_check("link.delay_ms", "-1", why));
  struct {
    const char *key, *value, *spec, *want;
  } cases[] = {
      {"link.rate_mbit", "10", "rate 100mbit delay 2ms", "rate 10mbit delay 2ms"},
      {"link.rate_mbit", "2.5", "delay 2ms", "delay 2ms rate 2.5mbit"},
      {"link.rate_mbit", "40", "  rate   100mbit  ", "rate 40mbit"},
      {"link.rate_mbit", "40", "rate", "rate 40mbit"},
      {"link.rate_mbit", "40", "", "rate 40mbit"},
      {"link.delay_ms", "5", "delay 10ms 13.25ms distribution pareto inorder",
       "delay 5ms 13.25ms distribution pareto inorder"},
  };
  for (guint i = 0; i < G_N_ELEMENTS(cases); i++) {
    g_autofree char *got = dmx_sweep_param_apply(cases[i].key, cases[i].value, cases[i].spec);
    g_assert_cmpstr(got, ==, cases[i].want);
  }
  g_assert_cmpstr(dmx_sweep_param_suggest("link.rate_mbps"), ==, "link.rate_mbit");
  g_assert_null(dmx_sweep_param_suggest("scenario.args"));
  g_assert_cmpstr(dmx_sweep_param_axis_title("link.rate_mbit"), ==, "link bandwidth (Mbit/s)");
}

static void test_grid(void) {
  g_autofree char *text = sweep_text("policies = local, rf\n[set]\nscenario.seed = 7\n"
                                     "[axis bw]\nlink.rate_mbit = 10, 100\n"
                                     "[axis lat]\nlabel = near, far\nlink.delay_ms = 1, 50\nscenario.args = "
                                     "--rounds 1, --rounds 2\n");
  g_autofree char *path = write_file("g.ini", text);
  g_autoptr(GError) err = NULL;
  g_autoptr(DmxSweep) sw = dmx_sweep_load(path, &err);
  g_assert_no_error(err);
  g_assert_true(resolve(sw, &err));
  g_assert_no_error(err);
  g_autoptr(GPtrArray) points = dmx_sweep_grid(sw);
  g_assert_cmpuint(points->len, ==, 8);
  const char *names[] = {"bw-10_lat-near_local", "bw-10_lat-near_rf", "bw-10_lat-far_local", "bw-10_lat-far_rf",
                         "bw-100_lat-near_local", "bw-100_lat-near_rf", "bw-100_lat-far_local",
                         "bw-100_lat-far_rf"};
  for (guint i = 0; i < points->len; i++) {
    const DmxSweepPoint *p = points->pdata[i];
    g_assert_cmpstr(p->name, ==, names[i]);
    g_assert_cmpuint(p->index, ==, i);
  }
  const DmxSweepPoint *p = points->pdata[3];
  g_assert_cmpstr(p->policy, ==, "rf");
  g_assert_cmpstr(p->labels[0], ==, "10");
  g_assert_cmpstr(p->labels[1], ==, "far");
  g_assert_cmpuint(g_strv_length(p->sets), ==, 3);
  g_assert_cmpstr(p->sets[0], ==, "scenario.seed=7");
  g_assert_cmpstr(p->sets[1], ==, "scenario.args=--rounds 2");
  g_assert_cmpstr(p->sets[2], ==, "link.spec=rate 10mbit delay 50ms"); /* both derived keys, one spec */
  g_auto(GStrv) argv = dmx_sweep_point_argv(p, "/bin/dmx", "/s.ini", "/out/x");
  g_autofree char *cmd = g_strjoinv(" ", argv);
  g_assert_cmpstr(cmd, ==, "/bin/dmx run /s.ini --policy rf --set scenario.seed=7 --set scenario.args=--rounds 2 "
                           "--set link.spec=rate 10mbit delay 50ms --out /out/x");
  g_autofree char *line = dmx_sweep_point_shell_line(argv, "/out/x/dmx-run.log");
  assert_contains(line, "exec '/bin/dmx' 'run' '/s.ini' '--policy' 'rf' '--set' 'scenario.seed=7' '--set' "
                        "'scenario.args=--rounds 2'");
  g_assert_true(g_str_has_suffix(line, " > '/out/x/dmx-run.log' 2>&1 < /dev/null"));
  g_autofree char *safe = dmx_sweep_safe_name("/dev/dmx/movie 720p.mp4");
  g_assert_cmpstr(safe, ==, "_dev_dmx_movie_720p.mp4");
  g_autofree char *dot = dmx_sweep_safe_name("..");
  g_assert_cmpstr(dot, ==, "_..");
}

static void test_progress(void) {
  g_autofree char *s = dmx_sweep_duration_text(12.4);
  g_assert_cmpstr(s, ==, "12s");
  g_autofree char *m = dmx_sweep_duration_text(250);
  g_assert_cmpstr(m, ==, "4m10s");
  g_autofree char *h = dmx_sweep_duration_text(3725);
  g_assert_cmpstr(h, ==, "1h02m");
  g_assert_null(dmx_sweep_eta_text(10, 0, 4));
  g_autofree char *eta = dmx_sweep_eta_text(60, 2, 6); /* 30 s a point, 4 to go */
  g_assert_cmpstr(eta, ==, "2m00s");
}

static void test_paper(void) {
  DmxPaperFps p;
  g_assert_true(dmx_paper_fps_at_rate("home-theater", "rf", 100, &p));
  g_assert_cmpint(p.relation, ==, DMX_PAPER_FPS_ABOUT);
  g_assert_cmpfloat(p.fps, ==, 8.2);
  g_assert_true(dmx_paper_fps_agrees(&p, 7.4));
  g_assert_false(dmx_paper_fps_agrees(&p, 24));
  g_assert_true(dmx_paper_fps_at_rate("home-theater", "rf", 40, &p));
  g_assert_cmpint(p.relation, ==, DMX_PAPER_FPS_BELOW);
  g_autofree char *below = dmx_paper_fps_text(&p);
  g_assert_cmpstr(below, ==, "below 24");
  g_assert_true(dmx_paper_fps_at_rate("home-theater", "dynamix", 40, &p));
  g_assert_cmpint(p.relation, ==, DMX_PAPER_FPS_HOLDS);
  g_assert_true(dmx_paper_fps_agrees(&p, 23));
  g_assert_false(dmx_paper_fps_agrees(&p, 20));
  g_assert_true(dmx_paper_fps_at_rate("home-theater", "dynamix", 20, &p));
  g_assert_cmpint(p.relation, ==, DMX_PAPER_FPS_BELOW);
  g_assert_false(dmx_paper_fps_at_rate("home-theater", "local", 40, &p));
  g_assert_false(dmx_paper_fps_at_rate("home-theater", "rf", 200, &p));
  g_assert_false(dmx_paper_fps_at_rate("hello", "rf", 100, &p));
}

/* ---- index and report ---- */

/* A home-theater point's summary.json: FPS, and a network stall per frame that falls as the FPS rises. */
static void write_summary(const char *dir, const char *policy, double rate, double fps, gboolean valid) {
  g_assert_cmpint(g_mkdir_with_parents(dir, 0755), ==, 0);
  g_autofree char *json = g_strdup_printf(
      "{\"scenario\": \"home-theater\", \"policy\": \"%s\", \"valid\": %s, \"why_invalid\": \"%s\", "
      "\"exit_status\": 0, \"duration_s\": 16, \"link\": {\"spec\": \"x\", \"rate_mbit\": %g}, "
      "\"fps\": {\"screen\": \"tv\", \"mean\": %g, \"p5\": 1, \"target\": 24}, \"power_total_mw\": 900, "
      "\"stall_ms_per_frame\": {\"mean\": %g}}\n",
      policy, valid ? "true" : "false", valid ? "" : "the host fell behind", rate, fps, 1000 / fps);
  g_autofree char *path = g_build_filename(dir, "summary.json", NULL);
  g_assert_true(g_file_set_contents(path, json, -1, NULL));
}

static void test_index_report(void) {
  g_autofree char *home = g_build_filename(top(), "scenarios", "home-theater.ini", NULL);
  g_autoptr(DmxSweep) sw = dmx_sweep_new_for_scenario(home);
  g_autoptr(GError) err = NULL;
  g_assert_true(dmx_sweep_add_vary(sw, "link.rate_mbit=10,100", &err));
  g_assert_true(dmx_sweep_set_policies(sw, "rf,dynamix", &err));
  sw->scenario_name = g_strdup("home-theater");
  sw->base_link_spec = g_strdup("rate 100mbit delay 2ms");
  g_autofree char *dir = g_build_filename(tmp_dir, "sweep", NULL);
  g_assert_cmpint(g_mkdir_with_parents(dir, 0755), ==, 0);
  g_autoptr(DmxSweepSession) s = dmx_sweep_session_new(sw, dir, "/bin/dmx", 1, NULL);
  g_assert_cmpuint(s->points->len, ==, 4);
  const double fps[] = {1.2, 24, 7.4, 24};         /* rf@10, dynamix@10, rf@100, dynamix@100 */
  const double rate[] = {10, 10, 100, 100};
  for (guint i = 0; i < 3; i++) { /* the last point stays pending */
    g_autofree char *pdir = dmx_sweep_session_point_dir(s, i);
    write_summary(pdir, ((DmxSweepPoint *)s->points->pdata[i])->policy, rate[i], fps[i], i != 1);
    dmx_sweep_session_point_finished(s, i, i == 2 ? 70 : 0, 2.0);
  }
  g_assert_true(dmx_sweep_index_write(s, &err));
  g_assert_no_error(err);
  g_assert_cmpint(dmx_sweep_session_exit_status(s), ==, 70);
  if (g_test_subprocess()) { /* the report's table, on stdout for the parent to check */
    DmxReportOptions opt = {.no_figures = TRUE};
    g_assert_cmpint(dmx_report_dirs(&dir, 1, &opt), ==, 0);
    return;
  }

  g_autofree char *csv_path = g_build_filename(dir, DMX_SWEEP_INDEX_CSV, NULL);
  g_autofree char *csv = NULL;
  g_assert_true(g_file_get_contents(csv_path, &csv, NULL, NULL));
  assert_contains(csv, "point,policy,rate_mbit,state,exit_status,valid,fps_mean,fps_p5,fps_target,link_rate_mbit,"
                       "duration_s,power_total_mw,seconds,why_invalid,dir\n");
  assert_contains(csv, "rate_mbit-10_rf,rf,10,done,0,true,1.2,1,24,10,16,900,2,,rate_mbit-10_rf\n");
  assert_contains(csv, "rate_mbit-100_dynamix,dynamix,100,pending,,,,,,,,,,,rate_mbit-100_dynamix\n");

  g_autoptr(DmxSweepReport) r = dmx_sweep_report_load(dir, &err);
  g_assert_no_error(err);
  g_assert_cmpstr(r->scenario_name, ==, "home-theater");
  g_assert_cmpuint(r->rows->len, ==, 4);
  const DmxSweepReportRow *row = r->rows->pdata[2];
  g_assert_cmpstr(row->name, ==, "rate_mbit-100_rf");
  g_assert_cmpint(row->exit_status, ==, 70);
  g_assert_cmpfloat(row->outcome.fps_mean, ==, 7.4);
  g_assert_true(dmx_report_is_sweep_dir(dir));

  g_test_trap_subprocess(NULL, 0, G_TEST_SUBPROCESS_DEFAULT);
  g_test_trap_assert_passed();
  g_test_trap_assert_stdout("*sweep     home-theater-sweep of scenario home-theater: 4 points, 3 done "
                            "(1 did not exit 0)*");
  g_test_trap_assert_stdout("*rate_mbit  policy   ended    valid  FPS mean  FPS p5  stall ms/frame  paper*");
  g_test_trap_assert_stdout("*10         rf       ok       yes        1.20    1.00           833.3  below 24 (Fig. 10)  "
                            "agrees*");
  g_test_trap_assert_stdout("*10         dynamix  ok       NO        24.00    1.00            41.7  below 24 (Fig. 10)  "
                            "(invalid run)*");
  g_test_trap_assert_stdout("*100        rf       exit 70  yes        7.40    1.00           135.1  about 8.2 (Fig. 7)  "
                            "agrees*");
  g_test_trap_assert_stdout("*100        dynamix  pending  -             -       -               -*");
  g_test_trap_assert_stdout("*invalid   rate_mbit-10_dynamix: the host fell behind*");
}

int main(int argc, char **argv) {
  g_test_init(&argc, &argv, NULL);
  tmp_dir = g_dir_make_tmp("test_sweep_XXXXXX", NULL);
  g_assert_nonnull(tmp_dir);
  g_test_add_func("/sweep/file", test_file);
  g_test_add_func("/sweep/file-errors", test_file_errors);
  g_test_add_func("/sweep/resolve-errors", test_resolve_errors);
  g_test_add_func("/sweep/cli", test_cli);
  g_test_add_func("/sweep/params", test_params);
  g_test_add_func("/sweep/grid", test_grid);
  g_test_add_func("/sweep/progress", test_progress);
  g_test_add_func("/sweep/paper", test_paper);
  g_test_add_func("/sweep/index-report", test_index_report);
  int rc = g_test_run();
  remove_tree(tmp_dir);
  g_free(tmp_dir);
  return rc;
}
