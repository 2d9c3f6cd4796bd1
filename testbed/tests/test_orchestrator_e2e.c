/* test_orchestrator_e2e: drives build/bin/dmx as a user would, on real emulated devices.
 *
 *   tcp-ring         3 devices pass a token around a TCP ring through dmx-medium; exit 0; logs and summary written
 *   scenario-hello   the same ring from scenarios/hello.ini: named devices, their models, their logs
 *   exit-status      the master app's exit status becomes dmx's; workers' output lands in their logs
 *   sigint           SIGINT mid-run: exit 130, and no process, TAP, namespace, socket or lock is left behind
 *   crashed-device   SIGABRT of one worker's qemu (a crash): the run stops non-zero with a message, and is cleaned up
 *   concurrent       two runs at once do not clobber each other; a locked --out is refused
 *   scenario-typo    a typo'd key fails before anything starts, with file:line:key
 *   host-errors      a missing qemu or a non-aarch64 app fails with what to install; CLI usage errors
 *
 * Skips (TAP "# SKIP") when qemu-aarch64, dmx-medium or the guest programs are not built. */
#include <gio/gio.h>
#include <glib/gstdio.h>
#include <net/if.h>
#include <signal.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "test_dmx.h"

static gboolean prerequisites(void) {
  const char *guests[] = {"build/guest/tcp_ring", "build/guest/hello", NULL};
  return need_devices(guests);
}

static char *make_tmp_dir(void) {
  char *d = g_dir_make_tmp("dmx-e2e-XXXXXX", NULL);
  g_assert_nonnull(d);
  return d;
}

/* ---- leak checks ---- */

static GHashTable *netns_inodes(void) {
  GHashTable *set = g_hash_table_new(g_direct_hash, g_direct_equal);
  g_autoptr(GDir) d = g_dir_open("/proc", 0, NULL);
  const char *name;
  while ((name = g_dir_read_name(d))) {
    if (!g_ascii_isdigit(name[0]))
      continue;
    g_autofree char *p = g_strdup_printf("/proc/%s/ns/net", name);
    struct stat st;
    if (stat(p, &st) == 0)
      g_hash_table_add(set, GSIZE_TO_POINTER((gsize)st.st_ino));
  }
  return set;
}

static int ppid_of(int pid) {
  g_autofree char *p = g_strdup_printf("/proc/%d/stat", pid);
  g_autofree char *text = NULL;
  if (!g_file_get_contents(p, &text, NULL, NULL))
    return -1;
  const char *rp = strrchr(text, ')'); /* comm may contain spaces */
  int ppid = -1;
  char state;
  if (rp && sscanf(rp + 1, " %c %d", &state, &ppid) != 2)
    return -1;
  return ppid;
}

static char *environ_value(int pid, const char *var) {
  g_autofree char *p = g_strdup_printf("/proc/%d/environ", pid);
  g_autofree char *text = NULL;
  gsize len;
  if (!g_file_get_contents(p, &text, &len, NULL))
    return NULL;
  size_t vl = strlen(var);
  for (gsize off = 0; off < len; off += strlen(text + off) + 1)
    if (strncmp(text + off, var, vl) == 0 && text[off + vl] == '=')
      return g_strdup(text + off + vl + 1);
  return NULL;
}

static gboolean is_qemu(int pid) {
  g_autofree char *p = g_strdup_printf("/proc/%d/exe", pid);
  g_autofree char *exe = g_file_read_link(p, NULL);
  return exe && g_str_has_suffix(exe, "qemu-aarch64");
}

/* The qemu-aarch64 children of DMX_PID, by device index (1-based; 0 unused). */
static GArray *qemu_children(int dmx_pid) {
  GArray *pids = g_array_new(FALSE, TRUE, sizeof(int));
  g_array_set_size(pids, 16);
  g_autoptr(GDir) d = g_dir_open("/proc", 0, NULL);
  const char *name;
  while ((name = g_dir_read_name(d))) {
    int pid = atoi(name);
    if (pid <= 0 || ppid_of(pid) != dmx_pid || !is_qemu(pid))
      continue;
    g_autofree char *idx = environ_value(pid, "DMX_DEVICE_INDEX");
    int i = idx ? atoi(idx) : 0;
    if (i > 0 && i < 16)
      g_array_index(pids, int, i) = pid;
  }
  return pids;
}

static int count_children(GArray *pids) {
  int n = 0;
  for (guint i = 0; i < pids->len; i++)
    n += g_array_index(pids, int, i) > 0;
  return n;
}

/* Waits until dmx runs N qemu children whose guests have started; returns them. */
static GArray *wait_for_devices(int dmx_pid, int n) {
  for (int tries = 0; tries < 600; tries++) {
    GArray *pids = qemu_children(dmx_pid);
    if (count_children(pids) == n)
      return pids;
    g_array_unref(pids);
    g_usleep(100000);
  }
  g_error("dmx (pid %d) did not start %d devices within 60 s", dmx_pid, n);
}

typedef struct {
  GHashTable *before;     /* netns inodes before the run */
  GArray *device_netns;   /* inodes of the devices' namespaces */
  GArray *device_pids;
  int medium_pid;
} LeakProbe;

static void probe_devices(LeakProbe *lp, GArray *pids, int dmx_pid) {
  struct stat host;
  g_assert_cmpint(stat("/proc/self/ns/net", &host), ==, 0);
  lp->device_netns = g_array_new(FALSE, FALSE, sizeof(guint64));
  lp->device_pids = g_array_new(FALSE, FALSE, sizeof(int));
  for (guint i = 0; i < pids->len; i++) {
    int pid = g_array_index(pids, int, i);
    if (pid <= 0)
      continue;
    g_autofree char *p = g_strdup_printf("/proc/%d/ns/net", pid);
    struct stat st;
    g_assert_cmpint(stat(p, &st), ==, 0);
    g_assert_cmpuint(st.st_ino, !=, host.st_ino); /* each device has its own namespace */
    guint64 ino = st.st_ino;
    g_array_append_val(lp->device_netns, ino);
    g_array_append_val(lp->device_pids, pid);
  }
  lp->medium_pid = 0;
  g_autoptr(GDir) d = g_dir_open("/proc", 0, NULL);
  const char *name;
  while ((name = g_dir_read_name(d))) {
    int pid = atoi(name);
    g_autofree char *exe_link = g_strdup_printf("/proc/%d/exe", pid);
    g_autofree char *exe = pid > 0 ? g_file_read_link(exe_link, NULL) : NULL;
    if (exe && g_str_has_suffix(exe, "dmx-medium") && ppid_of(pid) == dmx_pid)
      lp->medium_pid = pid;
  }
  g_assert_cmpint(lp->medium_pid, >, 0);
}

static gboolean pid_alive(int pid) {
  /* A zombie still has /proc/PID; only count processes that still run. */
  g_autofree char *stat_path = g_strdup_printf("/proc/%d/stat", pid);
  g_autofree char *text = NULL;
  if (!g_file_get_contents(stat_path, &text, NULL, NULL))
    return FALSE;
  const char *rp = strrchr(text, ')');
  return rp && rp[2] != 'Z' && rp[2] != 'X';
}

static void assert_nothing_left(LeakProbe *lp, const char *run_dir) {
  /* Namespaces vanish with their last process; give the kernel a moment. */
  g_autoptr(GHashTable) after = NULL;
  for (int tries = 0; tries < 50; tries++) {
    if (after)
      g_hash_table_unref(after);
    after = netns_inodes();
    gboolean gone = TRUE;
    for (guint i = 0; i < lp->device_netns->len; i++)
      gone &= !g_hash_table_contains(after, GSIZE_TO_POINTER((gsize)g_array_index(lp->device_netns, guint64, i)));
    if (gone)
      break;
    g_usleep(100000);
  }
  for (guint i = 0; i < lp->device_netns->len; i++)
    g_assert_false(g_hash_table_contains(after, GSIZE_TO_POINTER((gsize)g_array_index(lp->device_netns, guint64, i))));
  /* Namespaces that appeared during the run and are still there belong to other users of this host, not to us:
   * every one of ours was checked above. Report them for the record. */
  GHashTableIter it;
  gpointer key;
  g_hash_table_iter_init(&it, after);
  while (g_hash_table_iter_next(&it, &key, NULL))
    if (!g_hash_table_contains(lp->before, key))
      g_test_message("netns %zu appeared during the run and is not one of ours", (gsize)GPOINTER_TO_SIZE(key));
  for (guint i = 0; i < lp->device_pids->len; i++)
    g_assert_false(pid_alive(g_array_index(lp->device_pids, int, i)));
  g_assert_false(pid_alive(lp->medium_pid));
  g_assert_cmpuint(if_nametoindex("dmx0"), ==, 0); /* no TAP leaked into the host namespace */
  g_autofree char *sock = g_build_filename(run_dir, "medium.sock", NULL);
  g_autofree char *lock = g_build_filename(run_dir, ".lock", NULL);
  g_assert_false(g_file_test(sock, G_FILE_TEST_EXISTS));
  g_assert_false(g_file_test(lock, G_FILE_TEST_EXISTS));
  g_assert_false(g_file_test("/var/run/netns/dmx0", G_FILE_TEST_EXISTS));
}

static void leak_probe_clear(LeakProbe *lp) {
  g_hash_table_unref(lp->before);
  g_array_unref(lp->device_netns);
  g_array_unref(lp->device_pids);
}

/* ---- tests ---- */

static void test_tcp_ring(void) {
  if (!prerequisites())
    return;
  g_autofree char *out = make_tmp_dir();
  g_autofree char *app = in_top("build/guest/tcp_ring");
  const char *argv[] = {"dmx", "run", "--app", app, "--devices", "3", "--out", out, "--", "--rounds", "3", NULL};
  RunResult r = run_dmx(argv);
  g_assert_cmpint(r.status, ==, 0);
  g_assert_nonnull(strstr(r.out, "tcp_ring: OK rounds=3 devices=3"));
  g_assert_nonnull(strstr(r.out, "ring=1->2->3->1"));
  for (int i = 2; i <= 3; i++) {
    g_autofree char *rel = g_strdup_printf("devices/dev%d/stdout.log", i);
    g_autofree char *log = read_run_file(out, rel);
    g_assert_nonnull(strstr(log, "forwarded 3 tokens"));
  }
  g_autofree char *summary = read_run_file(out, "summary.json");
  g_assert_nonnull(strstr(summary, "\"valid\": true"));
  g_assert_nonnull(strstr(summary, "\"exit_status\": 0"));
  /* The tokens crossed the medium: its pcap holds at least the 3 x 3 x 16 KiB of payload. */
  g_autofree char *pcap = g_build_filename(out, "medium.pcap", NULL);
  struct stat st;
  g_assert_cmpint(stat(pcap, &st), ==, 0);
  g_assert_cmpint(st.st_size, >, 3 * 3 * 16384);
  g_autofree char *events = read_run_file(out, "events.log");
  g_assert_nonnull(strstr(events, "device dev3 (pid"));
  run_result_clear(&r);
  remove_tree(out);
}

static void test_scenario_hello(void) {
  if (!prerequisites())
    return;
  g_autofree char *out = make_tmp_dir();
  g_autofree char *ini = in_top("scenarios/hello.ini");
  const char *argv[] = {"dmx", "run", ini, "--out", out, "--seed", "7", NULL};
  RunResult r = run_dmx(argv);
  g_assert_cmpint(r.status, ==, 0);
  g_assert_nonnull(strstr(r.out, "tcp_ring: OK rounds=3 devices=3"));
  g_autofree char *tv = read_run_file(out, "devices/tv/stdout.log");
  g_assert_nonnull(strstr(tv, "tcp_ring[3]: forwarded 3 tokens"));
  g_autofree char *summary = read_run_file(out, "summary.json");
  g_assert_nonnull(strstr(summary, "\"scenario\": \"hello\""));
  /* The tablet's entry: identity, then its modelled power (DESIGN.md §8: devices.NAME.power_mw, energy_j). */
  const char *tablet = strstr(summary, "\"tablet\": {\"index\": 2, \"ip\": \"10.77.0.2\", \"model\": \"nexus7\"");
  g_assert_nonnull(tablet);
  g_autofree char *tablet_entry = g_strndup(tablet, strcspn(tablet, "\n"));
  g_assert_nonnull(strstr(tablet_entry, ", \"power_mw\": "));
  g_assert_nonnull(strstr(tablet_entry, ", \"energy_j\": "));
  g_assert_true(g_str_has_suffix(tablet_entry, "}") || g_str_has_suffix(tablet_entry, "},"));
  g_autofree char *events = read_run_file(out, "events.log");
  g_autofree char *plugin = in_top("build/lib/libdevmodel.so");
  if (g_file_test(plugin, G_FILE_TEST_EXISTS)) /* the tv's model (shieldtv) reached the devmodel plugin */
    g_assert_nonnull(strstr(events, "ips=2000000000,cores=4,tdf=1,out="));
  run_result_clear(&r);
  remove_tree(out);
}

static void test_exit_status(void) {
  if (!prerequisites())
    return;
  g_autofree char *out = make_tmp_dir();
  g_autofree char *app = in_top("build/guest/hello");
  const char *argv[] = {"dmx", "run", "--app", app, "--devices", "2", "--out", out, "--", "--exit", "7", NULL};
  RunResult r = run_dmx(argv);
  g_assert_cmpint(r.status, ==, 7);
  g_assert_nonnull(strstr(r.out, "hello from dev1 (device 1, role master"));
  g_assert_null(strstr(r.out, "dev2 (device 2")); /* workers' output is in their logs */
  g_autofree char *log = read_run_file(out, "devices/dev2/stdout.log");
  g_assert_nonnull(strstr(log, "hello from dev2 (device 2, role worker, devices dev1=10.77.0.1,dev2=10.77.0.2)"));
  run_result_clear(&r);
  remove_tree(out);
}

/* Starts a 3-device run of hello that sleeps, waits for its devices, and records what must disappear. */
static GSubprocess *start_sleeping_run(const char *out, LeakProbe *lp, GArray **pids) {
  g_autofree char *app = in_top("build/guest/hello");
  const char *argv[] = {"dmx", "run", "--app", app, "--devices", "3", "--out", out, "--", "--sleep", "120", NULL};
  lp->before = netns_inodes();
  g_autoptr(GError) err = NULL;
  GSubprocess *p = spawn_dmx(argv, NULL, &err);
  g_assert_no_error(err);
  int dmx_pid = atoi(g_subprocess_get_identifier(p));
  *pids = wait_for_devices(dmx_pid, 3);
  probe_devices(lp, *pids, dmx_pid);
  return p;
}

static void test_sigint(void) {
  if (!prerequisites())
    return;
  g_autofree char *out = make_tmp_dir();
  LeakProbe lp = {0};
  GArray *pids;
  g_autoptr(GSubprocess) p = start_sleeping_run(out, &lp, &pids);
  g_subprocess_send_signal(p, SIGINT);
  RunResult r = finish_dmx(p);
  g_assert_cmpint(r.status, ==, 130);
  g_assert_nonnull(strstr(r.err, "interrupted by SIGINT"));
  assert_nothing_left(&lp, out);
  g_autofree char *summary = read_run_file(out, "summary.json");
  g_assert_nonnull(strstr(summary, "\"valid\": false"));
  leak_probe_clear(&lp);
  g_array_unref(pids);
  run_result_clear(&r);
  remove_tree(out);
}

static void test_crashed_device(void) {
  if (!prerequisites())
    return;
  g_autofree char *out = make_tmp_dir();
  LeakProbe lp = {0};
  GArray *pids;
  g_autoptr(GSubprocess) p = start_sleeping_run(out, &lp, &pids);
  int victim = g_array_index(pids, int, 2);
  /* A crash: SIGKILL would be a device that left, and the run would go on (test_recovery). */
  g_assert_cmpint(kill(victim, SIGABRT), ==, 0);
  RunResult r = finish_dmx(p);
  g_assert_cmpint(r.status, ==, 70);
  g_autofree char *want = g_strdup_printf("device dev2 (pid %d, worker) was killed by signal 6 (SIGABRT)", victim);
  g_assert_nonnull(strstr(r.err, want));
  g_assert_nonnull(strstr(r.err, "failed"));
  assert_nothing_left(&lp, out);
  leak_probe_clear(&lp);
  g_array_unref(pids);
  run_result_clear(&r);
  remove_tree(out);
}

static void test_concurrent(void) {
  if (!prerequisites())
    return;
  g_autofree char *out1 = make_tmp_dir(), *out2 = make_tmp_dir();
  g_autofree char *ring = in_top("build/guest/tcp_ring"), *hello = in_top("build/guest/hello");
  const char *a1[] = {"dmx", "run", "--app", ring, "--devices", "2", "--out", out1, "--", "--rounds", "5", NULL};
  const char *a2[] = {"dmx", "run", "--app", ring, "--devices", "2", "--out", out2, "--", "--rounds", "5", NULL};
  g_autoptr(GError) err = NULL;
  g_autoptr(GSubprocess) p1 = spawn_dmx(a1, NULL, &err);
  g_assert_no_error(err);
  g_autoptr(GSubprocess) p2 = spawn_dmx(a2, NULL, &err);
  g_assert_no_error(err);
  /* While run 1 holds its directory, a third run must not take it over. */
  g_autofree char *lock = g_build_filename(out1, ".lock", NULL);
  for (int i = 0; i < 300 && !g_file_test(lock, G_FILE_TEST_EXISTS); i++)
    g_usleep(20000);
  const char *a3[] = {"dmx", "run", "--app", hello, "--devices", "1", "--out", out1, NULL};
  RunResult r3 = run_dmx(a3);
  RunResult r1 = finish_dmx(p1), r2 = finish_dmx(p2);
  g_assert_cmpint(r1.status, ==, 0);
  g_assert_cmpint(r2.status, ==, 0);
  g_assert_nonnull(strstr(r1.out, "tcp_ring: OK rounds=5 devices=2"));
  g_assert_nonnull(strstr(r2.out, "tcp_ring: OK rounds=5 devices=2"));
  if (r3.status == 0)
    g_test_message("run 1 had already finished when run 3 started; the lock was not exercised");
  else {
    g_assert_cmpint(r3.status, ==, 73);
    g_assert_nonnull(strstr(r3.err, "in use by another dmx run"));
  }
  run_result_clear(&r1);
  run_result_clear(&r2);
  run_result_clear(&r3);
  remove_tree(out1);
  remove_tree(out2);
}

static void test_scenario_typo(void) {
  const char *need[] = {"build/bin/dmx", NULL};
  if (!need_in_tree(need, G_FILE_TEST_IS_EXECUTABLE, NULL))
    return;
  g_autofree char *dir = make_tmp_dir();
  g_autofree char *ini = g_build_filename(dir, "typo.ini", NULL);
  g_assert_true(g_file_set_contents(ini,
                                    "[scenario]\n"
                                    "app = build/guest/tcp_ring\n"
                                    "\n"
                                    "[device tv]\n"
                                    "modle = shieldtv\n",
                                    -1, NULL));
  const char *argv[] = {"dmx", "run", ini, NULL};
  RunResult r = run_dmx(argv);
  g_assert_cmpint(r.status, ==, 65);
  g_autofree char *want = g_strdup_printf("%s:5: key 'modle' in [device tv]: unknown key; did you mean 'model'?", ini);
  g_assert_nonnull(strstr(r.err, want));
  g_assert_nonnull(strstr(r.err, "section [device tv]: missing required key 'model'"));
  run_result_clear(&r);
  remove_tree(dir);
}

static void test_host_errors(void) {
  g_autofree char *dmx = in_top("build/bin/dmx");
  g_autofree char *hello = in_top("build/guest/hello");
  if (!g_file_test(dmx, G_FILE_TEST_IS_EXECUTABLE) || !g_file_test(hello, G_FILE_TEST_EXISTS)) {
    g_test_skip("build/bin/dmx or build/guest/hello is not built");
    return;
  }
  g_setenv("DMX_QEMU", "/nonexistent/qemu-aarch64", TRUE);
  const char *a1[] = {"dmx", "run", "--app", hello, "--devices", "1", NULL};
  RunResult r = run_dmx(a1);
  g_unsetenv("DMX_QEMU");
  g_assert_cmpint(r.status, ==, 69);
  g_assert_nonnull(strstr(r.err, "run ./configure"));
  run_result_clear(&r);

  const char *a2[] = {"dmx", "run", "--app", "/bin/true", "--devices", "1", NULL};
  r = run_dmx(a2);
  g_assert_cmpint(r.status, ==, 69);
  g_assert_nonnull(strstr(r.err, "not an aarch64 ELF executable"));
  g_assert_nonnull(strstr(r.err, "gcc-aarch64-linux-gnu"));
  run_result_clear(&r);

  const char *a3[] = {"dmx", "frobnicate", NULL};
  r = run_dmx(a3);
  g_assert_cmpint(r.status, ==, 64);
  g_assert_nonnull(strstr(r.err, "unknown command 'frobnicate'"));
  run_result_clear(&r);

  const char *a4[] = {"dmx", "run", "--app", hello, NULL};
  r = run_dmx(a4);
  g_assert_cmpint(r.status, ==, 64);
  g_assert_nonnull(strstr(r.err, "--app needs --devices N"));
  run_result_clear(&r);

  const char *a5[] = {"dmx", "run", "--help", NULL};
  r = run_dmx(a5);
  g_assert_cmpint(r.status, ==, 0);
  g_assert_nonnull(strstr(r.out, "EXIT STATUS"));
  g_assert_nonnull(strstr(r.out, "[device NAME]"));
  run_result_clear(&r);
}

/* ---- the honesty check: a run the host could not keep up with is marked invalid ---- */

/* A devices.ini whose only model is nexus5 with another instruction budget per core. */
static char *write_models_with_ips(const char *dir, const char *ips) {
  g_autofree char *orig_path = in_top("scenarios/devices.ini");
  g_autoptr(GKeyFile) kf = g_key_file_new();
  g_assert_true(g_key_file_load_from_file(kf, orig_path, G_KEY_FILE_KEEP_COMMENTS, NULL));
  g_auto(GStrv) groups = g_key_file_get_groups(kf, NULL);
  for (char **g = groups; *g; g++)
    if (g_str_has_prefix(*g, "model ") && strcmp(*g, "model nexus5") != 0)
      g_key_file_remove_group(kf, *g, NULL);
  g_key_file_set_string(kf, "defaults", "model", "nexus5");
  g_key_file_set_string(kf, "model nexus5", "cores", "1");
  g_key_file_set_string(kf, "model nexus5", "ips", ips);
  char *path = g_build_filename(dir, "devices.ini", NULL);
  g_assert_true(g_key_file_save_to_file(kf, path, NULL));
  return path;
}

static RunResult run_spin_with_models(const char *models, const char *out) {
  g_autofree char *app = in_top("build/guest/devmodel_spin");
  g_autofree char *ini = g_strdup_printf("DMX_DEVICES_INI=%s", models);
  /* One thread spinning for 1.5 s of emulated time. */
  const char *argv[] = {"dmx", "run", "--app", app, "--devices", "1", "--out", out, "--", "1", "1.5", NULL};
  const char *env[] = {ini, NULL};
  return run_dmx_env(argv, env);
}

static void test_host_lag_marks_run_invalid(void) {
  g_autofree char *spin = in_top("build/guest/devmodel_spin");
  g_autofree char *plugin = in_top("build/lib/libdevmodel.so");
  if (!prerequisites())
    return;
  if (!g_file_test(spin, G_FILE_TEST_EXISTS) || !g_file_test(plugin, G_FILE_TEST_EXISTS)) {
    g_test_skip("devmodel plugin or devmodel_spin not built");
    return;
  }
  g_autofree char *tmp = make_tmp_dir();
  g_autofree char *out_fast = g_build_filename(tmp, "impossible", NULL);
  g_autofree char *out_slow = g_build_filename(tmp, "easy", NULL);

  /* 10^12 instructions per second: no host emulates that, so the run must say it is not valid. */
  g_autofree char *impossible = write_models_with_ips(tmp, "1e12");
  RunResult r = run_spin_with_models(impossible, out_fast);
  g_assert_cmpint(r.status, ==, 0);
  g_assert_nonnull(strstr(r.err, "marked invalid"));
  g_autofree char *summary = read_run_file(out_fast, "summary.json");
  g_assert_nonnull(strstr(summary, "\"valid\": false"));
  g_assert_nonnull(strstr(summary, "fell behind device dev1's CPU model"));
  g_assert_nonnull(strstr(summary, "\"lag_s\": "));
  run_result_clear(&r);

  /* 20 M instructions per second is easy: the same program gives a valid run. */
  g_autofree char *easy = write_models_with_ips(tmp, "2e7");
  r = run_spin_with_models(easy, out_slow);
  g_assert_cmpint(r.status, ==, 0);
  g_autofree char *summary2 = read_run_file(out_slow, "summary.json");
  g_assert_nonnull(strstr(summary2, "\"valid\": true"));
  run_result_clear(&r);
  remove_tree(out_fast);
  remove_tree(out_slow);
  remove_tree(tmp);
}

int main(int argc, char **argv) {
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/orchestrator/e2e/tcp-ring", test_tcp_ring);
  g_test_add_func("/orchestrator/e2e/scenario-hello", test_scenario_hello);
  g_test_add_func("/orchestrator/e2e/exit-status", test_exit_status);
  g_test_add_func("/orchestrator/e2e/sigint", test_sigint);
  g_test_add_func("/orchestrator/e2e/crashed-device", test_crashed_device);
  g_test_add_func("/orchestrator/e2e/concurrent", test_concurrent);
  g_test_add_func("/orchestrator/e2e/scenario-typo", test_scenario_typo);
  g_test_add_func("/orchestrator/e2e/host-errors", test_host_errors);
  g_test_add_func("/orchestrator/e2e/host-lag-marks-run-invalid", test_host_lag_marks_run_invalid);
  return g_test_run();
}
