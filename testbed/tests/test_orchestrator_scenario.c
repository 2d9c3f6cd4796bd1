/* test_orchestrator_scenario: scenario and devices.ini parsing and validation, including the exact
 * "file:line: key 'k' in [section]: message" errors. Native and fast: nothing is started. */
#include <glib.h>
#include <glib/gstdio.h>
#include <string.h>

#include "cpu_stats.h"
#include "device_model.h"
#include "screen_stats.h"
#include "link_check.h"
#include "scenario.h"

#include "test_tree.h"

typedef struct {
  char *dir;
  DmxModelDb *models;
} Fixture;

static void fixture_setup(Fixture *f, gconstpointer data) {
  (void)data;
  f->dir = g_dir_make_tmp("dmx-scenario-XXXXXX", NULL);
  g_assert_nonnull(f->dir);
  g_autofree char *ini = g_build_filename(top(), "scenarios", "devices.ini", NULL);
  g_autoptr(GError) err = NULL;
  f->models = dmx_model_db_load(ini, &err);
  g_assert_no_error(err);
}

static void fixture_teardown(Fixture *f, gconstpointer data) {
  (void)data;
  remove_tree(f->dir);
  g_free(f->dir);
  dmx_model_db_free(f->models);
}

static char *write_ini(Fixture *f, const char *name, const char *text) {
  char *path = g_build_filename(f->dir, name, NULL);
  g_assert_true(g_file_set_contents(path, text, -1, NULL));
  return path;
}

/* Loads TEXT; returns the scenario or NULL with *message set to the error text. */
static DmxScenario *load_text(Fixture *f, const char *text, const char *const *overrides, char **path_out,
                              char **message) {
  g_autofree char *path = write_ini(f, "s.ini", text);
  DmxScenarioLoadOptions opt = {.top = top(), .models = f->models, .overrides = overrides};
  g_autoptr(GError) err = NULL;
  DmxScenario *sc = dmx_scenario_load(path, &opt, &err);
  *message = err ? g_strdup(err->message) : NULL;
  if (path_out)
    *path_out = g_strdup(path);
  return sc;
}

/* Asserts that loading TEXT fails with a message that contains "PATH:" followed by EXPECTED. */
static void expect_error(Fixture *f, const char *text, const char *const *overrides, const char *expected) {
  g_autofree char *path = NULL, *message = NULL;
  g_autoptr(DmxScenario) sc = load_text(f, text, overrides, &path, &message);
  g_assert_null(sc);
  g_assert_nonnull(message);
  g_autofree char *want = expected[0] == '-' ? g_strdup(expected) : g_strdup_printf("%s:%s", path, expected);
  if (!strstr(message, want))
    g_error("expected error containing\n  %s\ngot\n  %s", want, message);
}

static const char base_scenario[] =
    "[scenario]\n"                  /* 1 */
    "app = build/guest/tcp_ring\n"  /* 2 */
    "\n"                            /* 3 */
    "[device phone]\n"              /* 4 */
    "model = nexus5\n";             /* 5 */

static void test_devices_ini(Fixture *f, gconstpointer data) {
  (void)data;
  g_assert_cmpstr(f->models->default_model, ==, "nexus5");
  const char *want[] = {"nexus5", "nexus7", "shieldtv", "googlehome"};
  for (guint i = 0; i < G_N_ELEMENTS(want); i++) {
    const DmxDeviceModel *m = dmx_model_db_find(f->models, want[i]);
    g_assert_nonnull(m);
    g_assert_cmpint(m->cores, >=, 1);
    g_assert_cmpfloat(m->ips, >, 1e8);
    g_assert_nonnull(m->source);
    g_assert_nonnull(g_hash_table_lookup(m->power, "wifi_high_mw"));
  }
  g_assert_null(dmx_model_db_find(f->models, "iphone"));
}

static void test_hello_ini(Fixture *f, gconstpointer data) {
  (void)data;
  g_autofree char *path = g_build_filename(top(), "scenarios", "hello.ini", NULL);
  DmxScenarioLoadOptions opt = {.top = top(), .models = f->models};
  g_autoptr(GError) err = NULL;
  g_autoptr(DmxScenario) sc = dmx_scenario_load(path, &opt, &err);
  g_assert_no_error(err);
  g_assert_cmpstr(sc->name, ==, "hello");
  g_assert_true(g_str_has_suffix(sc->app, "build/guest/tcp_ring"));
  g_assert_true(g_path_is_absolute(sc->app));
  g_assert_cmpuint(sc->devices->len, ==, 3);
  const DmxDeviceSpec *phone = sc->devices->pdata[0];
  g_assert_cmpstr(phone->name, ==, "phone");
  g_assert_true(phone->master);
  g_assert_cmpint(phone->index, ==, 1);
  g_assert_cmpstr(phone->model->name, ==, "nexus5");
  g_assert_cmpstr(sc->link_spec, ==, "rate 100mbit delay 2ms");
  g_assert_cmpstr(sc->policies[0], ==, "local");
  g_assert_cmpstr(sc->args[0], ==, "--rounds");
}

static void test_defaults(Fixture *f, gconstpointer data) {
  (void)data;
  g_autofree char *path = NULL, *message = NULL;
  g_autoptr(DmxScenario) sc = load_text(f, base_scenario, NULL, &path, &message);
  g_assert_null(message);
  g_assert_cmpstr(sc->name, ==, "s"); /* the file name */
  g_assert_cmpfloat(sc->tdf, ==, 1);
  g_assert_cmpuint(sc->seed, ==, 1);
  g_assert_cmpfloat(sc->duration_s, ==, 0);
  g_assert_cmpstr(sc->policies[0], ==, "local");
  g_assert_null(sc->policies[1]);
  g_assert_cmpstr(sc->link_spec, ==, f->models->default_link);
  g_assert_cmpstr(sc->link_mode, ==, "wired");
  g_assert_null(sc->args[0]);
}

static void test_typo_key(Fixture *f, gconstpointer data) {
  (void)data;
  expect_error(f,
               "[scenario]\n"
               "app = build/guest/tcp_ring\n"
               "\n"
               "[device tv]\n"
               "# the model\n"
               "modle = shieldtv\n",
               NULL, "6: key 'modle' in [device tv]: unknown key; did you mean 'model'?");
}

static void test_bad_values(Fixture *f, gconstpointer data) {
  (void)data;
  g_autofree char *t1 = g_strconcat(base_scenario, "screen = 1280by720\n", NULL);
  expect_error(f, t1, NULL, "6: key 'screen' in [device phone]: bad value '1280by720': expected WIDTHxHEIGHT");
  expect_error(f, "[scenario]\napp = x\nduration_s = soon\n[device a]\nmodel = nexus5\n", NULL,
               "3: key 'duration_s' in [scenario]: bad value 'soon'");
  expect_error(f, "[scenario]\napp = x\npolicies = local, magic\n[device a]\nmodel = nexus5\n", NULL,
               "3: key 'policies' in [scenario]: bad value 'local, magic': unknown policy 'magic'");
  expect_error(f, "[scenario]\napp = x\ntdf = 0.5\n[device a]\nmodel = nexus5\n", NULL,
               "3: key 'tdf' in [scenario]: bad value '0.5'");
  expect_error(f, "[scenario]\napp = x\n[device a]\nmodel = nexus5\nmaster = yes\n", NULL,
               "5: key 'master' in [device a]: bad value 'yes': expected true or false");
  expect_error(f, "[scenario]\napp = x\n[device a]\nmodel = nexus5\n[link]\nspec = rate fast\n", NULL,
               "6: key 'spec' in [link]: bad value 'rate fast'");
  expect_error(f, "[scenario]\napp = x\nsecret = xyz\n[device a]\nmodel = nexus5\n", NULL,
               "3: key 'secret' in [scenario]: bad value 'xyz'");
  /* a steady-state window that starts after the run has ended would leave no FPS at all */
  expect_error(f, "[scenario]\napp = x\nduration_s = 10\nfps_from_s = 12\n[device a]\nmodel = nexus5\n", NULL,
               "4: key 'fps_from_s' in [scenario]: 12 is not before the end of the run (duration_s = 10)");
  expect_error(f, "[scenario]\napp = x\nfps_from_s = -1\n[device a]\nmodel = nexus5\n", NULL,
               "3: key 'fps_from_s' in [scenario]: bad value '-1'");
  expect_error(f, "[scenario]\napp = x\ncheckpoints = often\n[device a]\nmodel = nexus5\n", NULL,
               "3: key 'checkpoints' in [scenario]: bad value 'often': expected migration, release, refresh or publish");
  expect_error(f, "[scenario]\napp = x\ncheckpoints = refresh\ncheckpoint_refresh_kb = 0\n[device a]\nmodel = nexus5\n",
               NULL, "4: key 'checkpoint_refresh_kb' in [scenario]: bad value '0'");
}

static void test_unknown_model(Fixture *f, gconstpointer data) {
  (void)data;
  expect_error(f, "[scenario]\napp = x\n\n[device tv]\nmodel = bravia\n", NULL,
               "5: key 'model' in [device tv]: unknown device model 'bravia' (known: googlehome, nexus5, nexus7, "
               "shieldtv");
}

static void test_unknown_section_kind(Fixture *f, gconstpointer data) {
  (void)data;
  g_autofree char *t = g_strconcat(base_scenario, "\n[migration switch-screen]\nat_s = 8\n", NULL);
  expect_error(f, t, NULL,
               "7: section [migration switch-screen]: unknown section kind 'migration' (known: scenario, device, link, "
               "event)");
  expect_error(f, "[scenario]\napp = x\n[device]\nmodel = nexus5\n", NULL, "3: section [device]: needs a name");
  expect_error(f, "[scenario]\napp = x\n[device a]\nmodel = nexus5\n[link wifi]\n", NULL,
               "5: section [link wifi]: bad pair 'wifi': expected two device names (or '*'), e.g. [link phone tv]");
}

static void test_missing(Fixture *f, gconstpointer data) {
  (void)data;
  expect_error(f, "[scenario]\nname = x\n[device a]\nmodel = nexus5\n", NULL,
               "1: section [scenario]: missing required key 'app'");
  expect_error(f, "[scenario]\napp = x\n", NULL, " no [device NAME] sections");
  g_autofree char *path = NULL, *message = NULL;
  g_autoptr(DmxScenario) sc = load_text(f, "[device a]\nmodel = nexus5\n", NULL, &path, &message);
  g_assert_null(sc);
  g_assert_nonnull(strstr(message, "missing section [scenario]"));
}

static void test_syntax(Fixture *f, gconstpointer data) {
  (void)data;
  expect_error(f, "[scenario]\napp = x\njust some words\n", NULL,
               "3: 'just some words' is neither a [section], a key = value line nor a # comment");
  expect_error(f, "app = x\n[scenario]\n", NULL, "1: key outside any section");
  expect_error(f, "[scenario\napp = x\n", NULL, "1: malformed section header '[scenario'");
  expect_error(f, "[scenario]\napp = x\nseed = 1\nseed = 2\n", NULL,
               "4: key 'seed' in [scenario]: set twice (first at line 3)");
  expect_error(f, "[scenario]\napp = x\n[device a]\nmodel = nexus5\n[device a]\n", NULL,
               "5: section [device a] appears twice (first at line 3)");
}

static void test_several_errors(Fixture *f, gconstpointer data) {
  (void)data;
  g_autofree char *path = NULL, *message = NULL;
  g_autoptr(DmxScenario) sc =
      load_text(f, "[scenario]\napp = x\ncolour = red\n[device a]\nmodel = nexus5\nscreen = big\n", NULL, &path,
                &message);
  g_assert_null(sc);
  g_auto(GStrv) lines = g_strsplit(message, "\n", -1);
  g_assert_cmpuint(g_strv_length(lines), ==, 2);
  g_assert_true(g_str_has_prefix(lines[0], path));
  g_assert_nonnull(strstr(lines[0], ":3: key 'colour' in [scenario]: unknown key"));
  g_assert_nonnull(strstr(lines[1], ":6: key 'screen' in [device a]"));
}

static void test_master_order(Fixture *f, gconstpointer data) {
  (void)data;
  g_autofree char *path = NULL, *message = NULL;
  g_autoptr(DmxScenario) sc = load_text(f,
                                        "[scenario]\napp = x\n"
                                        "[device tv]\nmodel = shieldtv\n"
                                        "[device phone]\nmodel = nexus5\nmaster = true\n"
                                        "[device speaker]\nmodel = googlehome\n",
                                        NULL, &path, &message);
  g_assert_null(message);
  const char *order[] = {"phone", "tv", "speaker"};
  for (guint i = 0; i < 3; i++) {
    const DmxDeviceSpec *d = sc->devices->pdata[i];
    g_assert_cmpstr(d->name, ==, order[i]);
    g_assert_cmpint(d->index, ==, (int)i + 1);
    g_assert_true(d->master == (i == 0));
  }
  expect_error(f,
               "[scenario]\napp = x\n[device a]\nmodel = nexus5\nmaster = true\n"
               "[device b]\nmodel = nexus5\nmaster = true\n",
               NULL, "8: key 'master' in [device b]: only one device can be the master (already: a)");
}

static void test_overrides(Fixture *f, gconstpointer data) {
  (void)data;
  const char *const ok[] = {"scenario.tdf=4", "device phone.screen=1280x720", "link.spec=rate 10mbit", NULL};
  g_autofree char *path = NULL, *message = NULL;
  g_autoptr(DmxScenario) sc = load_text(f, base_scenario, ok, &path, &message);
  g_assert_null(message);
  g_assert_cmpfloat(sc->tdf, ==, 4);
  g_assert_cmpstr(sc->link_spec, ==, "rate 10mbit");
  g_autofree char *res = dmx_device_spec_resources(sc->devices->pdata[0], ";");
  g_assert_cmpstr(res, ==, "screen=1280x720");
  const char *const bad[] = {"scenario.tdf=0", NULL};
  expect_error(f, base_scenario, bad, "--set scenario.tdf=0: key 'tdf' in [scenario]: bad value '0'");
  const char *const typo[] = {"scenario.tfd=2", NULL};
  expect_error(f, base_scenario, typo, "--set scenario.tfd=2: key 'tfd' in [scenario]: unknown key; did you mean 'tdf'?");
  const char *const malformed[] = {"tdf=2", NULL};
  expect_error(f, base_scenario, malformed, "--set tdf=2: expected SECTION.KEY=VALUE");
}

static void test_storage(Fixture *f, gconstpointer data) {
  (void)data;
  g_autofree char *t = g_strconcat(base_scenario, "storage = no-such-dir\n", NULL);
  expect_error(f, t, NULL, "6: key 'storage' in [device phone]: directory '");
  g_autofree char *sub = g_build_filename(f->dir, "photos", NULL);
  g_mkdir(sub, 0755);
  g_autofree char *t2 = g_strconcat(base_scenario, "storage = photos\n", NULL);
  g_autofree char *path = NULL, *message = NULL;
  g_autoptr(DmxScenario) sc = load_text(f, t2, NULL, &path, &message);
  g_assert_null(message);
  g_autofree char *res = dmx_device_spec_resources(sc->devices->pdata[0], ";");
  g_autofree char *want = g_strdup_printf("storage=%s", sub);
  g_assert_cmpstr(res, ==, want);
  g_rmdir(sub);
}

static void test_for_app(Fixture *f, gconstpointer data) {
  (void)data;
  DmxScenarioLoadOptions opt = {.top = top(), .models = f->models};
  char *args[] = {"--rounds", "2", NULL};
  g_autoptr(GError) err = NULL;
  g_autoptr(DmxScenario) sc = dmx_scenario_for_app("/bin/true", args, 3, "delay 5ms", &opt, &err);
  g_assert_no_error(err);
  g_assert_cmpstr(sc->name, ==, "app-true");
  g_assert_cmpuint(sc->devices->len, ==, 3);
  g_assert_cmpstr(((DmxDeviceSpec *)sc->devices->pdata[2])->name, ==, "dev3");
  g_assert_cmpstr(sc->link_spec, ==, "delay 5ms");
  g_assert_cmpstr(sc->args[1], ==, "2");
  g_autoptr(DmxScenario) bad = dmx_scenario_for_app("/bin/true", NULL, 2, "delay soon", &opt, &err);
  g_assert_null(bad);
  g_assert_nonnull(strstr(err->message, "--link 'delay soon'"));
}

/* ---- churn: kill DEVICE events and join_at_s ---- */

static const char churn_scenario[] =
    "[scenario]\n"                  /* 1 */
    "app = build/guest/tcp_ring\n"  /* 2 */
    "[device phone]\n"              /* 3 */
    "model = nexus5\n"              /* 4 */
    "master = true\n"               /* 5 */
    "[device tv]\n"                 /* 6 */
    "model = shieldtv\n";           /* 7 */

static void test_kill_event(Fixture *f, gconstpointer data) {
  (void)data;
  g_autofree char *t = g_strconcat(churn_scenario, "[event tv-leaves]\nat_s = 3\naction = kill tv\n"
                                                   "[event cut]\nat_s = 1\naction = cut phone tv\n", NULL);
  g_autofree char *path = NULL, *message = NULL;
  g_autoptr(DmxScenario) sc = load_text(f, t, NULL, &path, &message);
  g_assert_cmpstr(message, ==, NULL);
  g_assert_cmpuint(sc->events->len, ==, 2);
  /* In time order; the cut is a medium command, the kill is dmx's own. */
  const DmxScenarioEvent *cut = sc->events->pdata[0], *kill = sc->events->pdata[1];
  g_assert_cmpint(cut->kind, ==, DMX_EVENT_COMMAND);
  g_assert_null(cut->device);
  g_assert_cmpint(kill->kind, ==, DMX_EVENT_KILL);
  g_assert_cmpstr(kill->device, ==, "tv");
  g_assert_cmpstr(kill->command, ==, "kill tv");
  g_assert_cmpstr(kill->label, ==, "event tv-leaves");
  g_assert_cmpfloat(kill->at_s, ==, 3);
}

static void test_kill_errors(Fixture *f, gconstpointer data) {
  (void)data;
  g_autofree char *nosuch = g_strconcat(churn_scenario, "[event x]\nat_s = 3\naction = kill nosuch\n", NULL);
  expect_error(f, nosuch, NULL,
               "10: key 'action' in [event x]: bad value 'kill nosuch': unknown device 'nosuch' (devices: phone, tv)");
  g_autofree char *master = g_strconcat(churn_scenario, "[event x]\naction = kill phone\n", NULL);
  expect_error(f, master, NULL, "9: key 'action' in [event x]: bad value 'kill phone': phone is the master");
  g_autofree char *two = g_strconcat(churn_scenario, "[event x]\naction = kill tv phone\n", NULL);
  expect_error(f, two, NULL, "9: key 'action' in [event x]: bad value 'kill tv phone': expected kill DEVICE");
  /* Killing a device before it joins would be a no-op that the user did not mean. */
  g_autofree char *early = g_strconcat(churn_scenario, "join_at_s = 5\n[event x]\nat_s = 2\naction = kill tv\n",
                                       NULL);
  expect_error(f, early, NULL, "10: key 'at_s' in [event x]: kill tv at 2 s, but tv joins only at 5 s");
}

static void test_join_at(Fixture *f, gconstpointer data) {
  (void)data;
  g_autofree char *t = g_strconcat(churn_scenario, "join_at_s = 2.5\n[event x]\nat_s = 4\naction = kill tv\n", NULL);
  g_autofree char *path = NULL, *message = NULL;
  g_autoptr(DmxScenario) sc = load_text(f, t, NULL, &path, &message);
  g_assert_cmpstr(message, ==, NULL);
  const DmxDeviceSpec *phone = sc->devices->pdata[0], *tv = sc->devices->pdata[1];
  g_assert_cmpfloat(phone->join_at_s, ==, 0);
  g_assert_cmpfloat_with_epsilon(tv->join_at_s, 2.5, 1e-12);
  /* A sweep can move the join with --set like any other key. */
  const char *const later[] = {"device tv.join_at_s=4", NULL};
  g_autofree char *p2 = NULL, *m2 = NULL;
  g_autoptr(DmxScenario) sc2 = load_text(f, t, later, &p2, &m2);
  g_assert_cmpstr(m2, ==, NULL);
  g_assert_cmpfloat(((DmxDeviceSpec *)sc2->devices->pdata[1])->join_at_s, ==, 4);
}

static void test_join_at_errors(Fixture *f, gconstpointer data) {
  (void)data;
  g_autofree char *abc = g_strconcat(churn_scenario, "join_at_s = abc\n", NULL);
  expect_error(f, abc, NULL, "8: key 'join_at_s' in [device tv]: bad value 'abc': expected a number >= 0");
  g_autofree char *neg = g_strconcat(churn_scenario, "join_at_s = -1\n", NULL);
  expect_error(f, neg, NULL, "8: key 'join_at_s' in [device tv]: bad value '-1'");
  expect_error(f,
               "[scenario]\napp = x\n[device tv]\nmodel = shieldtv\n[device phone]\nmodel = nexus5\n"
               "master = true\njoin_at_s = 2\n",
               NULL, "8: key 'join_at_s' in [device phone]: phone is the master: its app starts the run");
  /* Without master = true the first device is the master, and the message says so. */
  expect_error(f, "[scenario]\napp = x\n[device phone]\nmodel = nexus5\njoin_at_s = 1\n[device tv]\nmodel = nexus5\n",
               NULL, "5: key 'join_at_s' in [device phone]: phone is the master (the first device, as none says "
                     "master = true)");
}

static void test_link_summary(void) {
  DmxLinkSummary s;
  g_assert_true(dmx_link_spec_summary("rate 100mbit delay 2ms loss 1%", &s));
  g_assert_cmpfloat_with_epsilon(s.rate_mbit, 100, 1e-9);
  g_assert_cmpfloat_with_epsilon(s.delay_ms, 2, 1e-9);
  g_assert_cmpfloat_with_epsilon(s.loss_pct, 1, 1e-9);
  g_autoptr(GString) why = g_string_new(NULL);
  g_assert_false(dmx_link_spec_check("rate", why));
  g_assert_cmpuint(why->len, >, 0);
}

static void test_bad_devices_ini(Fixture *f, gconstpointer data) {
  (void)data;
  g_autofree char *path = write_ini(f, "devices.ini",
                                    "[defaults]\nmodel = nexus5\nlink = delay 1ms\n"
                                    "[model nexus5]\nclass = phone\ncores = four\n");
  g_autoptr(GError) err = NULL;
  g_autoptr(DmxModelDb) db = dmx_model_db_load(path, &err);
  g_assert_null(db);
  g_autofree char *want = g_strdup_printf("%s:6: key 'cores' in [model nexus5]: bad value 'four'", path);
  g_assert_nonnull(strstr(err->message, want));
  g_assert_nonnull(strstr(err->message, "missing required key 'ips'"));
}

/* ---- run measurements read back from the devices' files ---- */

static char *write_tmp(const char *name, const char *text) {
  g_autofree char *dir = g_dir_make_tmp("dmx-stats-XXXXXX", NULL);
  char *path = g_build_filename(dir, name, NULL);
  g_assert_true(g_file_set_contents(path, text, -1, NULL));
  return path;
}

static void remove_tmp(const char *path) {
  g_autofree char *dir = g_path_get_dirname(path);
  remove_tree(dir);
}

static void test_screen_stats(void) {
  /* 25 frames 1/24 s apart, starting 2 s after an epoch of 10 s. */
  GString *csv = g_string_new("seq,present_ns,bytes,checksum\n");
  for (int i = 0; i < 25; i++)
    g_string_append_printf(csv, "%d,%lld,1382400,00ff\n", i, 12000000000LL + i * 1000000000LL / 24);
  g_autofree char *path = write_tmp("screen-frames.csv", csv->str);
  g_string_free(csv, TRUE);
  DmxScreenStats st;
  g_assert_true(dmx_screen_stats_read(path, 10000000000LL, &st, NULL));
  g_assert_cmpuint(st.frames, ==, 25);
  g_assert_cmpfloat_with_epsilon(st.first_s, 2.0, 1e-9);
  g_assert_cmpfloat_with_epsilon(st.fps, 24.0, 1e-6);
  remove_tmp(path);

  g_autofree char *bad = write_tmp("screen-frames.csv", "seq,present_ns,bytes,checksum\n0,12,1,a\nnonsense\n");
  g_autoptr(GError) err = NULL;
  g_assert_false(dmx_screen_stats_read(bad, 0, &st, &err));
  g_assert_nonnull(strstr(err->message, "screen-frames.csv:3:"));
  remove_tmp(bad);
}

static void test_cpu_stats_verdict(void) {
  const char *lagging = "# devmodel 1 pid=1\ntid insns busy_ns run_ns sleep_ns sys_ns lag_ns syscalls state\n"
                        "7 100 1 2000000000 0 0 600000000 3 exit\ndevice 100 1 2000000000 0 0 600000000 3 1\n";
  g_autofree char *path = write_tmp("cpu.stats", lagging);
  DmxCpuStats st;
  g_assert_true(dmx_cpu_stats_read(path, &st, NULL));
  g_assert_cmpfloat_with_epsilon(dmx_cpu_stats_lag_fraction(&st), 0.3, 1e-9);
  g_assert_true(dmx_cpu_stats_host_lagged(&st));
  remove_tmp(path);
  /* Start-up lag alone (below the absolute allowance) does not invalidate a short run. */
  g_autofree char *brief = write_tmp("cpu.stats", "device 5 1 20000000 0 0 15000000 1 1\n");
  g_assert_true(dmx_cpu_stats_read(brief, &st, NULL));
  g_assert_false(dmx_cpu_stats_host_lagged(&st));
  remove_tmp(brief);
  g_autofree char *junk = write_tmp("cpu.stats", "hello\n");
  g_autoptr(GError) err = NULL;
  g_assert_false(dmx_cpu_stats_read(junk, &st, &err));
  g_assert_nonnull(strstr(err->message, "no valid 'device' line"));
  remove_tmp(junk);
}

int main(int argc, char **argv) {
  g_test_init(&argc, &argv, NULL);
#define ADD(name, fn) g_test_add("/orchestrator/scenario/" name, Fixture, NULL, fixture_setup, fn, fixture_teardown)
  ADD("devices-ini", test_devices_ini);
  ADD("bad-devices-ini", test_bad_devices_ini);
  ADD("hello-ini", test_hello_ini);
  ADD("defaults", test_defaults);
  ADD("typo-key", test_typo_key);
  ADD("bad-values", test_bad_values);
  ADD("unknown-model", test_unknown_model);
  ADD("unknown-section-kind", test_unknown_section_kind);
  ADD("missing", test_missing);
  ADD("syntax", test_syntax);
  ADD("several-errors", test_several_errors);
  ADD("master-order", test_master_order);
  ADD("overrides", test_overrides);
  ADD("storage", test_storage);
  ADD("for-app", test_for_app);
  ADD("kill-event", test_kill_event);
  ADD("kill-errors", test_kill_errors);
  ADD("join-at", test_join_at);
  ADD("join-at-errors", test_join_at_errors);
  g_test_add_func("/orchestrator/scenario/link-summary", test_link_summary);
  g_test_add_func("/orchestrator/stats/screen-frames", test_screen_stats);
  g_test_add_func("/orchestrator/stats/cpu-verdict", test_cpu_stats_verdict);
  return g_test_run();
}
