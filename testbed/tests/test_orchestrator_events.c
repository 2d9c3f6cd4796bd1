/* test_orchestrator_events: the network part of scenarios (testbed/orchestrator/link_topology.c, events.c,
 * traffic.c, kernel_backend.c) and netem's uplink.
 *
 * Unit (native, nothing started):
 *   syntax/pairs       [link A B] (directed, symmetric, '*'), spec = @PROFILE and profile = NAME
 *   syntax/events      [event NAME] actions in time order; a wired trace becomes link commands at at_s + time
 *   syntax/wifi        phy/per/pos per device, a Wi-Fi trace, profile with a PHY rate
 *   syntax/errors      file:line: key 'k' in [section]: message for every new key, naming netem's bad token
 *   profiles           scenarios/links.ini loads, every profile has a source and a spec netem accepts
 *   dispatch/kill      a kill event goes to the kill handler (never to the medium), a failed kill is logged and
 *                      the timeline goes on; kill events are allowed with backend = kernel
 * End to end (real devices; skipped when qemu, dmx-medium or the guests are not built):
 *   run/link-events    scenarios/link-events.ini: events applied at their emulated time (events.log), traffic.csv,
 *                      traffic_bytes_total equals medium.pcap's byte count
 *   run/mobility       scenarios/mobility.ini: the Wi-Fi trace's station moves are all applied
 *   run/uplink         a device reaches a TCP echo server on the host's 127.0.0.1 through --uplink
 *   run/kernel-rate    backend = kernel, rate-only: the TCP ring runs over veth + bridge + tbf (root only)
 *   run/kernel-netem   backend = kernel with a delay: refused before starting, naming sch_netem (where missing) */
#include <gio/gio.h>
#include <glib/gstdio.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "device_model.h"
#include "events.h"
#include "kernel_backend.h"
#include "link_profiles.h"
#include "scenario.h"

#include "test_dmx.h"

/* ---- unit: scenario syntax ---- */

typedef struct {
  char *dir;
  DmxModelDb *models;
} Fixture;

static void fixture_setup(Fixture *f, gconstpointer data) {
  (void)data;
  f->dir = g_dir_make_tmp("dmx-events-XXXXXX", NULL);
  g_autofree char *ini = in_top("scenarios/devices.ini");
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

static void write_file(Fixture *f, const char *name, const char *text) {
  g_autofree char *path = g_build_filename(f->dir, name, NULL);
  g_assert_true(g_file_set_contents(path, text, -1, NULL));
}

static DmxScenario *load(Fixture *f, const char *text, char **message) {
  write_file(f, "s.ini", text);
  g_autofree char *path = g_build_filename(f->dir, "s.ini", NULL);
  DmxScenarioLoadOptions opt = {.top = top(), .models = f->models};
  g_autoptr(GError) err = NULL;
  DmxScenario *sc = dmx_scenario_load(path, &opt, &err);
  if (message)
    *message = err ? g_strdup(err->message) : NULL;
  return sc;
}

static void expect_error(Fixture *f, const char *text, const char *fragment) {
  g_autofree char *msg = NULL;
  g_autoptr(DmxScenario) sc = load(f, text, &msg);
  if (sc)
    g_error("expected an error containing\n  %s\nbut this loaded:\n%s", fragment, text);
  if (!strstr(msg, fragment))
    g_error("expected an error containing\n  %s\ngot\n  %s", fragment, msg);
}

static const char *const three =
    "[scenario]\napp = x\n[device phone]\nmodel = nexus5\n[device tablet]\nmodel = nexus7\n[device tv]\n"
    "model = shieldtv\n";

static char *with(const char *more) { return g_strconcat(three, more, NULL); }

static void assert_commands(GPtrArray *got, const char *const *want) {
  guint n = g_strv_length((char **)want);
  for (guint i = 0; i < got->len && i < n; i++)
    g_assert_cmpstr(got->pdata[i], ==, want[i]);
  g_assert_cmpuint(got->len, ==, n);
}

static void test_pairs(Fixture *f, gconstpointer data) {
  (void)data;
  g_autofree char *t = with("[link]\nspec = @wifi-ac-100\n[link phone tv]\nspec = rate 20mbit delay 5ms\n"
                            "symmetric = true\n[link * tablet]\nprofile = clonecloud-3g\n");
  g_autofree char *msg = NULL;
  g_autoptr(DmxScenario) sc = load(f, t, &msg);
  g_assert_no_error(NULL);
  g_assert_nonnull(sc);
  g_assert_cmpstr(sc->link_spec, ==, "rate 100mbit");
  g_assert_cmpstr(sc->link_backend, ==, "userspace");
  const char *want[] = {"link phone tv rate 20mbit delay 5ms", "link tv phone rate 20mbit delay 5ms",
                        "link * tablet rate 400kbit delay 340ms", NULL};
  assert_commands(sc->link_setup, want);
  g_assert_cmpuint(sc->events->len, ==, 0);
}

static void test_events(Fixture *f, gconstpointer data) {
  (void)data;
  write_file(f, "steps.csv", "time_s,station,rate,delay,loss\n0,tablet,100mbit,2ms,0%\n# a comment\n"
                             "1.5,tablet,400kbit,,1%\n");
  g_autofree char *t = with("[event late]\nat_s = 3\naction = restore phone tv\n"
                            "[event early]\nat_s = 1\naction = cut phone tv\n"
                            "[event steps]\nat_s = 0.5\ntrace = steps.csv\n"
                            "[event slow]\nat_s = 1\naction = link * * @wifi-6e loss 1%\n");
  g_autofree char *msg = NULL;
  g_autoptr(DmxScenario) sc = load(f, t, &msg);
  g_assert_cmpstr(msg, ==, NULL);
  const char *want[] = {"link tablet * rate 100mbit delay 2ms loss 0%", "link * tablet rate 100mbit delay 2ms loss 0%",
                        "cut phone tv", "link * * delay 2ms loss 1%", "link tablet * rate 400kbit loss 1%",
                        "link * tablet rate 400kbit loss 1%", "restore phone tv", NULL};
  g_assert_cmpuint(sc->events->len, ==, g_strv_length((char **)want));
  const double at[] = {0.5, 0.5, 1, 1, 2, 2, 3};
  for (guint i = 0; i < sc->events->len; i++) {
    const DmxScenarioEvent *e = sc->events->pdata[i];
    g_assert_cmpstr(e->command, ==, want[i]);
    g_assert_cmpfloat_with_epsilon(e->at_s, at[i], 1e-9);
  }
  g_assert_cmpstr(((DmxScenarioEvent *)sc->events->pdata[0])->label, ==, "event steps (steps.csv:2)");
  g_assert_cmpstr(((DmxScenarioEvent *)sc->events->pdata[2])->label, ==, "event early");
}

static void test_wifi(Fixture *f, gconstpointer data) {
  (void)data;
  write_file(f, "walk.csv", "0,phone,2,0\n1,phone,40.5,-3\n");
  g_autofree char *t = g_strconcat(
      "[scenario]\napp = x\n[device phone]\nmodel = nexus5\npos = 3 4\n[device tv]\nmodel = shieldtv\nphy = 144.4mbit\n"
      "per = 2%\n[link]\nmode = wifi\nprofile = wifi-n-144\n[event walk]\ntrace = walk.csv\n"
      "[event tv-moves]\nat_s = 2\naction = station tv pos 10 10\n", NULL);
  g_autofree char *msg = NULL;
  g_autoptr(DmxScenario) sc = load(f, t, &msg);
  g_assert_cmpstr(msg, ==, NULL);
  const char *want[] = {"station phone phy 144.4mbit", "station tv phy 144.4mbit", "station phone pos 3 4",
                        "station tv phy 144.4mbit per 2%", NULL};
  assert_commands(sc->link_setup, want);
  g_assert_cmpuint(sc->events->len, ==, 3);
  g_assert_cmpstr(((DmxScenarioEvent *)sc->events->pdata[1])->command, ==, "station phone pos 40.5 -3");
  g_assert_cmpstr(((DmxScenarioEvent *)sc->events->pdata[2])->command, ==, "station tv pos 10 10");
}

static void test_errors(Fixture *f, gconstpointer data) {
  (void)data;
  g_autofree char *t1 = with("[link phone tv]\nspec = rate 20mbit dealy 5ms\n");
  expect_error(f, t1, "s.ini:10: key 'spec' in [link phone tv]: bad value 'rate 20mbit dealy 5ms': unknown token "
                      "'dealy' in link spec");
  g_autofree char *t2 = with("[link phone fridge]\nspec = rate 1mbit\n");
  expect_error(f, t2, "s.ini:9: section [link phone fridge]: unknown device 'fridge' (devices: phone, tablet, tv, or '*')");
  g_autofree char *t3 = with("[link phone tv]\nsymetric = true\nspec = rate 1mbit\n");
  expect_error(f, t3, "s.ini:10: key 'symetric' in [link phone tv]: unknown key; did you mean 'symmetric'?");
  g_autofree char *t4 = with("[link phone tv]\nsymmetric = true\n");
  expect_error(f, t4, "s.ini:9: section [link phone tv]: missing key 'spec' (or 'profile')");
  g_autofree char *t5 = with("[link]\nspec = @wifi-7\n");
  expect_error(f, t5, "s.ini:10: key 'spec' in [link]: bad value '@wifi-7': unknown link profile 'wifi-7' (known: "
                      "wifi-ac-100, ");
  g_autofree char *t6 = with("[event x]\nat_s = 2\naction = cut phone\n");
  expect_error(f, t6, "s.ini:11: key 'action' in [event x]: bad value 'cut phone': expected cut A B");
  g_autofree char *t7 = with("[event x]\nat_s = soon\naction = cut phone tv\n");
  expect_error(f, t7, "s.ini:10: key 'at_s' in [event x]: bad value 'soon'");
  g_autofree char *t8 = with("[event x]\naction = link phone tv rate 10mbps loss lots\n");
  expect_error(f, t8, "s.ini:10: key 'action' in [event x]: bad value 'link phone tv rate 10mbps loss lots':");
  g_autofree char *t9 = with("[event x]\nat_s = 1\n");
  expect_error(f, t9, "s.ini:9: section [event x]: set exactly one of action = ... or trace = FILE");
  write_file(f, "bad.csv", "0,tv,10mbit,2ms,0%\n1,tv,10mbit,2parsecs,0%\n");
  g_autofree char *t10 = with("[event x]\ntrace = bad.csv\n");
  expect_error(f, t10, "s.ini:10: key 'trace' in [event x]: ");
  expect_error(f, t10, "bad.csv:2: ");
  write_file(f, "back.csv", "2,tv,10mbit,2ms,0%\n1,tv,10mbit,2ms,0%\n");
  g_autofree char *t11 = with("[event x]\ntrace = back.csv\n");
  expect_error(f, t11, "back.csv:2: time 1 goes back (previous row: 2)");
  g_autofree char *t12 = with("[device phone2]\nmodel = nexus5\npos = 1 2\n");
  expect_error(f, t12, "s.ini:11: key 'pos' in [device phone2]: a Wi-Fi station key: it needs mode = wifi in [link]");
  g_autofree char *t13 = with("[link]\nprofile = wifi-n-144\n");
  expect_error(f, t13, "key 'profile' in [link]: profile 'wifi-n-144' sets a Wi-Fi PHY rate (phy = 144.4mbit): it "
                       "needs mode = wifi in [link]");
  g_autofree char *t14 = with("[link]\nbackend = kernel\n[event x]\naction = cut phone tv\n");
  expect_error(f, t14, "key 'backend' in [link]: [event] sections need backend = userspace");
  g_autofree char *t15 = with("[link]\nbackend = tc\n");
  expect_error(f, t15, "s.ini:10: key 'backend' in [link]: bad value 'tc': expected userspace");
  g_autofree char *t16 = with("[link a]\nspec = rate 1mbit\n");
  expect_error(f, t16, "s.ini:9: section [link a]: bad pair 'a': expected two device names");
}

static void test_profiles(void) {
  g_autofree char *devices = in_top("scenarios/devices.ini");
  g_autoptr(GError) err = NULL;
  g_autoptr(DmxLinkProfiles) db = dmx_link_profiles_load_beside(devices, &err);
  g_assert_no_error(err);
  const char *names[] = {"wifi-ac-100", "wifi-typical", "wifi-6e", "5g-first-hop", "clonecloud-wifi", "clonecloud-3g",
                         "wifi-n-144"};
  for (guint i = 0; i < G_N_ELEMENTS(names); i++) {
    const DmxLinkProfile *p = dmx_link_profiles_find(db, names[i]);
    g_assert_nonnull(p);
    g_assert_true(p->source && strlen(p->source) > 20);
    if (*p->spec) {
      g_autofree char *text = g_strdup_printf("@%s", names[i]);
      g_autoptr(GString) why = g_string_new(NULL);
      g_autofree char *spec = dmx_link_spec_resolve(db, text, why);
      g_assert_cmpstr(why->str, ==, "");
      g_assert_cmpstr(spec, ==, p->spec);
    } else {
      g_assert_nonnull(p->phy);
    }
  }
}

/* ---- unit: event dispatch ---- */

/* What the timeline did, through fake handlers: nothing is started. */
typedef struct {
  GPtrArray *sent;      /* commands given to the medium sender */
  GPtrArray *killed;    /* devices given to the kill handler */
  GPtrArray *log;       /* events.log lines */
  gboolean kill_fails;  /* the kill handler answers "already gone" */
} Fake;

static char *fake_send(void *ud, const char *command, GError **error) {
  (void)error;
  g_ptr_array_add(((Fake *)ud)->sent, g_strdup(command));
  return g_strdup("");
}

static char *fake_kill(void *ud, const char *device, GError **error) {
  Fake *fk = ud;
  g_ptr_array_add(fk->killed, g_strdup(device));
  if (fk->kill_fails) {
    g_set_error(error, G_FILE_ERROR, G_FILE_ERROR_FAILED, "%s is already gone", device);
    return NULL;
  }
  return g_strdup("pid 4242");
}

static void fake_log(void *ud, const char *line) { g_ptr_array_add(((Fake *)ud)->log, g_strdup(line)); }

static void fake_init(Fake *fk) {
  *fk = (Fake){.sent = g_ptr_array_new_with_free_func(g_free), .killed = g_ptr_array_new_with_free_func(g_free),
               .log = g_ptr_array_new_with_free_func(g_free)};
}

static void fake_clear(Fake *fk) {
  g_ptr_array_unref(fk->sent);
  g_ptr_array_unref(fk->killed);
  g_ptr_array_unref(fk->log);
}

static void test_dispatch_kill(Fixture *f, gconstpointer data) {
  (void)data;
  g_autofree char *t = with("[event cut]\nat_s = 1\naction = cut phone tv\n"
                            "[event tv-leaves]\nat_s = 3\naction = kill tv\n"
                            "[event tablet-leaves]\nat_s = 4\naction = kill tablet\n");
  g_autofree char *msg = NULL;
  g_autoptr(DmxScenario) sc = load(f, t, &msg);
  g_assert_cmpstr(msg, ==, NULL);
  Fake fk;
  fake_init(&fk);
  DmxEventHandlers h = {.send = fake_send, .kill = fake_kill, .log = fake_log, .ud = &fk};
  DmxTimeline tl;
  dmx_timeline_init(&tl, sc->events);
  /* At 3.5 s: the cut went to the medium, the kill to the kill handler only; the kill at 4 s is not due yet. */
  g_assert_cmpuint(dmx_timeline_run_due(&tl, 3.5, &h), ==, 2);
  g_assert_cmpuint(fk.sent->len, ==, 1);
  g_assert_cmpstr(fk.sent->pdata[0], ==, "cut phone tv");
  g_assert_cmpuint(fk.killed->len, ==, 1);
  g_assert_cmpstr(fk.killed->pdata[0], ==, "tv");
  g_assert_cmpstr(fk.log->pdata[1], ==, "event tv-leaves (due 3.000 s): kill tv (pid 4242)");
  g_assert_cmpint(dmx_timeline_wait_ms(&tl, 3.5, 2, 5000), ==, 1000);
  /* A device already gone: logged, counted as not done, and the run's timeline simply goes on. */
  fk.kill_fails = TRUE;
  g_assert_cmpuint(dmx_timeline_run_due(&tl, 4, &h), ==, 1);
  g_assert_cmpuint(fk.sent->len, ==, 1);
  g_assert_cmpstr(fk.log->pdata[2], ==, "event tablet-leaves (due 4.000 s): kill tablet: not done: tablet is already "
                                        "gone");
  g_assert_cmpuint(tl.sent, ==, 3);
  g_assert_cmpuint(tl.failed, ==, 1);
  fake_clear(&fk);
  /* The kernel backend has no live link changes, but a kill needs none. */
  g_autofree char *k = with("[link]\nspec = rate 10mbit\nbackend = kernel\n[event x]\nat_s = 1\naction = kill tv\n");
  g_autoptr(DmxScenario) ksc = load(f, k, &msg);
  g_assert_cmpstr(msg, ==, NULL);
  g_assert_nonnull(ksc);
}

/* ---- end to end ---- */

/* The devices, the TCP ring and the NULL-terminated EXTRA guest programs (or NULL) are built. */
static gboolean prerequisites(const char *const *extra) {
  const char *ring[] = {"build/guest/tcp_ring", NULL};
  return need_devices(ring) && (!extra || need_in_tree(extra, G_FILE_TEST_IS_EXECUTABLE, NULL));
}

static guint64 json_u64(const char *json, const char *key) {
  g_autofree char *pat = g_strdup_printf("\"%s\": ", key);
  const char *p = strstr(json, pat);
  g_assert_nonnull(p);
  return g_ascii_strtoull(p + strlen(pat), NULL, 10);
}

/* The emulated time stamped on the events.log line containing WHAT. */
static double logged_at(const char *log, const char *what) {
  const char *p = strstr(log, what);
  g_assert_nonnull(p);
  while (p > log && p[-1] != '\n')
    p--;
  return g_ascii_strtod(p, NULL);
}

static void test_run_link_events(void) {
  if (!prerequisites(NULL))
    return;
  g_autofree char *dir = g_dir_make_tmp("dmx-link-events-XXXXXX", NULL);
  g_autofree char *out = g_build_filename(dir, "run", NULL);
  g_autofree char *ini = in_top("scenarios/link-events.ini");
  const char *argv[] = {"dmx", "run", ini, "--out", out, NULL};
  RunResult r = run_dmx(argv);
  g_assert_cmpint(r.status, ==, 0);
  g_assert_nonnull(strstr(r.out, "tcp_ring: OK"));
  g_autofree char *log = read_run_file(out, "events.log");
  g_assert_nonnull(strstr(log, "link setup: link phone tv rate 20mbit delay 5ms -> ok"));
  const char *events[] = {"event slow-down (due 0.500 s): link * * rate 10mbit delay 2ms -> ok",
                          "event tablet-leaves (due 1.000 s): cut tablet tv -> ok",
                          "event tablet-back (due 1.500 s): restore tablet tv -> ok",
                          "event speed-up (due 2.000 s): link * * rate 100mbit -> ok"};
  const double due[] = {0.5, 1.0, 1.5, 2.0};
  for (guint i = 0; i < G_N_ELEMENTS(events); i++) {
    double t = logged_at(log, events[i]);
    g_assert_cmpfloat(t, >=, due[i]);
    g_assert_cmpfloat(t, <, due[i] + 0.5); /* generous: the host is shared */
  }
  g_autofree char *csv = read_run_file(out, "traffic.csv");
  g_auto(GStrv) rows = g_strsplit(g_strstrip(csv), "\n", -1);
  g_assert_cmpuint(g_strv_length(rows), ==, 7); /* header + 3 x 2 directed pairs */
  g_assert_cmpstr(rows[0], ==, "src,dst,sent_frames,sent_bytes,dropped_frames,dropped_bytes,offered_frames,offered_bytes");
  g_autofree char *summary = read_run_file(out, "summary.json");
  guint64 total = json_u64(summary, "traffic_bytes_total");
  g_assert_cmpuint(total, >, 40 * 3 * 20000); /* 40 rounds of 20 kB on 3 hops, plus headers */
  g_assert_cmpuint(total, ==, json_u64(summary, "pcap_bytes"));
  g_assert_nonnull(strstr(summary, "\"pcap_diff_bytes\": 0"));
  g_assert_nonnull(strstr(summary, "\"events\": {\"scheduled\": 4, \"sent\": 4, \"refused\": 0}"));
  run_result_clear(&r);
  remove_tree(dir);
}

static void test_run_mobility(void) {
  if (!prerequisites(NULL))
    return;
  g_autofree char *dir = g_dir_make_tmp("dmx-mobility-XXXXXX", NULL);
  g_autofree char *out = g_build_filename(dir, "run", NULL);
  g_autofree char *ini = in_top("scenarios/mobility.ini");
  /* Fewer rounds than the scenario's: a short run still crosses the first moves. */
  const char *argv[] = {"dmx", "run", ini, "--out", out, "--set", "scenario.args=--rounds 60 --payload 20000", NULL};
  RunResult r = run_dmx(argv);
  g_assert_cmpint(r.status, ==, 0);
  g_autofree char *log = read_run_file(out, "events.log");
  g_assert_nonnull(strstr(log, "link setup: station phone pos 2 0 -> ok"));
  g_assert_nonnull(strstr(log, "link setup: station tablet phy 144.4mbit -> ok"));
  g_assert_nonnull(strstr(log, "event walk (traces/walk.csv:3) (due 0.000 s): station phone pos 2 0 -> ok"));
  g_assert_null(strstr(log, "-> err"));
  run_result_clear(&r);
  remove_tree(dir);
}

/* A TCP echo server on 127.0.0.1, in a thread of this test. */
typedef struct {
  int listen_fd;
  int served;
} Echo;

static gpointer echo_thread(gpointer data) {
  Echo *e = data;
  int c = accept(e->listen_fd, NULL, NULL);
  if (c < 0)
    return NULL;
  char buf[4096];
  ssize_t n;
  while ((n = read(c, buf, sizeof buf)) > 0)
    if (write(c, buf, n) != n)
      break;
  close(c);
  e->served = 1;
  return NULL;
}

static void test_run_uplink(void) {
  const char *extra[] = {"build/guest/uplink_echo", NULL};
  if (!prerequisites(extra))
    return;
  Echo e = {.listen_fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)};
  struct sockaddr_in sa = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
  socklen_t len = sizeof sa;
  g_assert_cmpint(bind(e.listen_fd, (struct sockaddr *)&sa, sizeof sa), ==, 0);
  g_assert_cmpint(listen(e.listen_fd, 4), ==, 0);
  g_assert_cmpint(getsockname(e.listen_fd, (struct sockaddr *)&sa, &len), ==, 0);
  GThread *t = g_thread_new("echo", echo_thread, &e);
  g_autofree char *port = g_strdup_printf("%u", ntohs(sa.sin_port));
  g_autofree char *dir = g_dir_make_tmp("dmx-uplink-XXXXXX", NULL);
  g_autofree char *out = g_build_filename(dir, "run", NULL);
  g_autofree char *app = in_top("build/guest/uplink_echo");
  const char *argv[] = {"dmx", "run", "--app", app, "--devices", "2", "--uplink", "--out", out, "--", port,
                        "dmx uplink test", NULL};
  RunResult r = run_dmx(argv);
  g_assert_cmpint(r.status, ==, 0);
  g_assert_nonnull(strstr(r.out, "uplink_echo: OK bytes=15"));
  shutdown(e.listen_fd, SHUT_RDWR); /* wakes accept() if the device never came */
  g_thread_join(t);
  close(e.listen_fd);
  g_assert_cmpint(e.served, ==, 1);
  g_autofree char *csv = read_run_file(out, "traffic.csv");
  g_assert_nonnull(strstr(csv, "dev1,uplink,"));
  g_assert_nonnull(strstr(csv, "uplink,dev1,"));
  run_result_clear(&r);
  remove_tree(dir);
}

static gboolean kernel_backend_usable(gboolean need_netem) {
  DmxKernelCaps c;
  dmx_kernel_caps_probe(&c);
  gboolean ok = c.root && c.tools && c.veth_bridge && c.htb && c.tbf && c.u32 && (!need_netem || !c.netem);
  if (!ok)
    g_test_skip(need_netem ? "this host has sch_netem (or no kernel backend at all): nothing to refuse"
                           : "no kernel backend here (needs root, ip/tc/nsenter, veth, bridge, htb, tbf, u32)");
  dmx_kernel_caps_clear(&c);
  return ok;
}

static char *kernel_scenario(const char *dir, const char *spec) {
  g_autofree char *app = in_top("build/guest/tcp_ring");
  g_autofree char *text = g_strdup_printf(
      "[scenario]\nname = kernel\napp = %s\nargs = --rounds 10 --payload 50000 --timeout 60\n[device a]\nmodel = nexus5\n"
      "[device b]\nmodel = nexus7\n[device c]\nmodel = shieldtv\n[link]\nspec = %s\nbackend = kernel\n"
      "[link a b]\nspec = rate 5mbit\n", app, spec);
  char *path = g_build_filename(dir, "kernel.ini", NULL);
  g_assert_true(g_file_set_contents(path, text, -1, NULL));
  return path;
}

static void test_run_kernel_rate(void) {
  if (!prerequisites(NULL) || !kernel_backend_usable(FALSE))
    return;
  g_autofree char *dir = g_dir_make_tmp("dmx-kernel-XXXXXX", NULL);
  g_autofree char *ini = kernel_scenario(dir, "rate 20mbit");
  g_autofree char *out = g_build_filename(dir, "run", NULL);
  const char *argv[] = {"dmx", "run", ini, "--out", out, NULL};
  RunResult r = run_dmx(argv);
  g_assert_cmpint(r.status, ==, 0);
  g_assert_nonnull(strstr(r.out, "tcp_ring: OK rounds=10"));
  /* 10 rounds of 50 kB: a->b alone at 5 Mbit/s takes 80 ms a round (b->c, c->a at 20 Mbit/s 20 ms each). */
  const char *ms = strstr(r.out, "time_ms=");
  g_assert_nonnull(ms);
  g_assert_cmpfloat(g_ascii_strtod(ms + 8, NULL), >, 700);
  g_autofree char *log = read_run_file(out, "events.log");
  g_assert_nonnull(strstr(log, "tbf rate 5000000bit"));
  g_assert_nonnull(strstr(log, "kernel backend: holder namespace removed"));
  run_result_clear(&r);
  remove_tree(dir);
}

static void test_run_kernel_netem(void) {
  if (!prerequisites(NULL) || !kernel_backend_usable(TRUE))
    return;
  g_autofree char *dir = g_dir_make_tmp("dmx-kernel-XXXXXX", NULL);
  g_autofree char *ini = kernel_scenario(dir, "rate 20mbit delay 2ms");
  g_autofree char *out = g_build_filename(dir, "run", NULL);
  const char *argv[] = {"dmx", "run", ini, "--out", out, NULL};
  RunResult r = run_dmx(argv);
  g_assert_cmpint(r.status, ==, 69);
  g_assert_nonnull(strstr(r.err, "backend = kernel: the default link ([link] spec) ('rate 20mbit delay 2ms') needs "
                                 "the kernel module sch_netem"));
  g_assert_false(g_file_test(out, G_FILE_TEST_EXISTS)); /* refused before anything started */
  run_result_clear(&r);
  remove_tree(dir);
}

/* ---- a guest event: "bind screen b" moves presentation to b's screen while the app runs ---- */

static char *bind_scenario(const char *dir) {
  g_autofree char *path = g_build_filename(dir, "bind.ini", NULL);
  const char *text = "[scenario]\nname = bind\napp = build/guest/tests/io_forward_prog\n"
                     "args = until-rebound 10\npolicies = rf\n"
                     "[device a]\nmodel = nexus5\nmaster = true\nscreen = 64x48\n"
                     "[device b]\nmodel = shieldtv\nscreen = 64x48\n"
                     "[link]\nspec = rate 100mbit delay 2ms\n"
                     "[event switch]\nat_s = 0.3\naction = bind screen b\n";
  g_assert_true(g_file_set_contents(path, text, -1, NULL));
  return g_strdup(path);
}

static guint csv_rows(const char *path) {
  g_autofree char *text = NULL;
  if (!g_file_get_contents(path, &text, NULL, NULL))
    return 0;
  g_auto(GStrv) rows = g_strsplit(g_strstrip(text), "\n", -1);
  return g_strv_length(rows) - 1; /* minus the header */
}

static void test_run_bind_event(void) {
  const char *extra[] = {"build/guest/tests/io_forward_prog", NULL};
  if (!prerequisites(extra))
    return;
  g_autofree char *dir = g_dir_make_tmp("dmx-bind-XXXXXX", NULL);
  g_autofree char *ini = bind_scenario(dir);
  g_autofree char *out = g_build_filename(dir, "rf", NULL);
  const char *argv[] = {"dmx", "run", ini, "--out", out, "--snapshots", "5", NULL};
  RunResult r = run_dmx(argv);
  g_assert_cmpint(r.status, ==, 0);
  g_autofree char *log = read_run_file(out, "events.log");
  g_assert_nonnull(strstr(log, "event switch (due 0.300 s): bind screen b -> ok screen now on b (device 2)"));
  /* --snapshots: the screen that presented the frames saved some as PNG. */
  g_autofree char *png = g_build_filename(out, "devices", "b", "screen-000000.png", NULL);
  g_assert_true(g_file_test(png, G_FILE_TEST_EXISTS));
  /* Frames were presented on a's own screen before the switch and on b's after it. */
  g_autofree char *on_a = g_build_filename(out, "devices", "a", "screen-frames.csv", NULL);
  g_autofree char *on_b = g_build_filename(out, "devices", "b", "screen-frames.csv", NULL);
  g_assert_cmpuint(csv_rows(on_a), >=, 1);
  g_assert_cmpuint(csv_rows(on_b), >=, 10);
  run_result_clear(&r);

  /* Under local the master keeps its own screen: the event is logged as ignored, nothing lands on b. */
  g_autofree char *out_local = g_build_filename(dir, "local", NULL);
  const char *argv_local[] = {"dmx", "run", ini, "--policy", "local", "--set", "scenario.args=frames 20",
                              "--out", out_local, NULL};
  r = run_dmx(argv_local);
  g_assert_cmpint(r.status, ==, 0);
  g_autofree char *log_local = read_run_file(out_local, "events.log");
  if (strstr(log_local, "event switch"))
    g_assert_nonnull(strstr(log_local, "ignored under the local policy"));
  g_autofree char *local_b = g_build_filename(out_local, "devices", "b", "screen-frames.csv", NULL);
  g_assert_cmpuint(csv_rows(local_b), ==, 0);
  run_result_clear(&r);
  remove_tree(dir);
}

int main(int argc, char **argv) {
  g_test_init(&argc, &argv, NULL);
#define ADD(name, fn) g_test_add("/orchestrator/events/" name, Fixture, NULL, fixture_setup, fn, fixture_teardown)
  ADD("syntax/pairs", test_pairs);
  ADD("syntax/events", test_events);
  ADD("syntax/wifi", test_wifi);
  ADD("syntax/errors", test_errors);
  ADD("dispatch/kill", test_dispatch_kill);
  g_test_add_func("/orchestrator/events/profiles", test_profiles);
  g_test_add_func("/orchestrator/events/run/link-events", test_run_link_events);
  g_test_add_func("/orchestrator/events/run/mobility", test_run_mobility);
  g_test_add_func("/orchestrator/events/run/uplink", test_run_uplink);
  g_test_add_func("/orchestrator/events/run/bind", test_run_bind_event);
  g_test_add_func("/orchestrator/events/run/kernel-rate", test_run_kernel_rate);
  g_test_add_func("/orchestrator/events/run/kernel-netem", test_run_kernel_netem);
  return g_test_run();
}
