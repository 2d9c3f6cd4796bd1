/* test_medium_e2e.c: dmx-medium end to end: three network namespaces (dmxtest-<pid>-N) with TAP dmx0 and
 * 10.77.0.N/24, joined through a running dmx-medium; checks ping RTT against the configured delay, TCP
 * throughput against the configured rate, stats, pcap, cut/restore, spec errors, and a station whose namespace
 * dies. Namespaces and the medium are always removed, also when a check fails. Needs root. */
#include "medium_client.h"
#include "tap_device.h"
#include <errno.h>
#include <glib.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define N_STATIONS 3

static char *ns_names[N_STATIONS];
static gboolean ns_created[N_STATIONS];
static GPid medium_pid;
static char *socket_path, *pcap_path, *tmpdir;
static DmxMediumClient *client;
static const char *top;

static gboolean run(const char *cmdline, char **out)
{
  char *stdout_text = NULL, *stderr_text = NULL;
  int status = 0;
  GError *error = NULL;
  gboolean ok = g_spawn_command_line_sync(cmdline, &stdout_text, &stderr_text, &status, &error) &&
                g_spawn_check_wait_status(status, NULL);
  if (!ok && g_test_verbose())
    g_printerr("# command failed: %s: %s %s\n", cmdline, error ? error->message : "", stderr_text ? stderr_text : "");
  if (out)
    *out = stdout_text;
  else
    g_free(stdout_text);
  g_free(stderr_text);
  g_clear_error(&error);
  return ok;
}

static gboolean runf(char **out, const char *fmt, ...) G_GNUC_PRINTF(2, 3);
static gboolean runf(char **out, const char *fmt, ...)
{
  va_list ap;
  va_start(ap, fmt);
  char *cmd = g_strdup_vprintf(fmt, ap);
  va_end(ap);
  gboolean ok = run(cmd, out);
  g_free(cmd);
  return ok;
}

static void teardown(void)
{
  if (client) {
    dmx_medium_client_free(client);
    client = NULL;
  }
  if (medium_pid > 0) {
    kill(medium_pid, SIGTERM);
    for (int i = 0; i < 50 && waitpid(medium_pid, NULL, WNOHANG) == 0; i++)
      g_usleep(20000);
    kill(medium_pid, SIGKILL);
    waitpid(medium_pid, NULL, WNOHANG);
    medium_pid = 0;
  }
  for (int i = 0; i < N_STATIONS; i++) {
    if (ns_created[i]) {
      runf(NULL, "ip netns pids %s", ns_names[i]); /* (informational) */
      runf(NULL, "sh -c 'ip netns pids %s | xargs -r kill -9'", ns_names[i]);
      runf(NULL, "ip netns del %s", ns_names[i]);
      ns_created[i] = FALSE;
    }
  }
  if (tmpdir) {
    runf(NULL, "rm -rf %s", tmpdir);
    g_clear_pointer(&tmpdir, g_free);
  }
}

static void on_signal(int sig)
{
  teardown();
  signal(sig, SIG_DFL);
  raise(sig);
}

static gboolean setup(char **why)
{
  tmpdir = g_dir_make_tmp("dmxtest-medium-XXXXXX", NULL);
  socket_path = g_build_filename(tmpdir, "medium.sock", NULL);
  pcap_path = g_build_filename(tmpdir, "medium.pcap", NULL);
  char *medium = g_build_filename(top, "build/bin/dmx-medium", NULL);
  char *argv[] = {medium, "--control", socket_path, "--pcap", pcap_path, "--seed", "42", NULL};
  GError *error = NULL;
  if (!g_spawn_async(NULL, argv, NULL, G_SPAWN_DO_NOT_REAP_CHILD | G_SPAWN_STDOUT_TO_DEV_NULL, NULL, NULL,
                     &medium_pid, &error)) {
    *why = g_strdup_printf("cannot start %s: %s", medium, error->message);
    return FALSE;
  }
  g_free(medium);
  client = dmx_medium_client_connect(socket_path, 5000, &error);
  if (!client) {
    *why = g_strdup(error->message);
    return FALSE;
  }
  for (int i = 0; i < N_STATIONS; i++) {
    ns_names[i] = g_strdup_printf("dmxtest-%d-%d", (int)getpid(), i + 1);
    if (!runf(NULL, "ip netns add %s", ns_names[i])) {
      *why = g_strdup_printf("ip netns add %s failed", ns_names[i]);
      return FALSE;
    }
    ns_created[i] = TRUE;
    int fd = tap_device_open_in_netns(ns_names[i], "dmx0", &error);
    if (fd < 0) {
      *why = g_strdup(error->message);
      return FALSE;
    }
    if (!runf(NULL, "ip -n %s link set dmx0 address 02:dd:00:00:00:%02x", ns_names[i], i + 1) ||
        !runf(NULL, "ip -n %s addr add 10.77.0.%d/24 dev dmx0", ns_names[i], i + 1) ||
        !runf(NULL, "ip -n %s link set dmx0 up", ns_names[i]) || !runf(NULL, "ip -n %s link set lo up", ns_names[i])) {
      *why = g_strdup("configuring dmx0 failed");
      close(fd);
      return FALSE;
    }
    char *name = g_strdup_printf("dev%d", i + 1);
    guint id = 0;
    gboolean ok = dmx_medium_client_attach(client, name, fd, &id, &error);
    close(fd);
    g_free(name);
    if (!ok) {
      *why = g_strdup(error->message);
      return FALSE;
    }
  }
  return TRUE;
}

static void command_ok(const char *cmd)
{
  GError *error = NULL;
  char *reply = dmx_medium_client_command(client, cmd, &error);
  g_assert_no_error(error);
  g_free(reply);
}

/* Mean RTT in ms of `count` pings from station `from` to 10.77.0.<to>, or -1. */
static double ping_avg_ms(int from, int to, int count)
{
  char *out = NULL;
  double avg = -1;
  if (runf(&out, "ip netns exec %s ping -q -c %d -i 0.05 -W 2 10.77.0.%d", ns_names[from - 1], count, to) && out) {
    char *p = strstr(out, "rtt min/avg/max/mdev = ");
    double mn, mx;
    if (p && sscanf(p, "rtt min/avg/max/mdev = %lf/%lf/%lf", &mn, &avg, &mx) != 3)
      avg = -1;
  }
  g_free(out);
  return avg;
}

static void test_ping_delay(void)
{
  command_ok("link * * delay 5ms");
  g_assert_cmpfloat(ping_avg_ms(1, 2, 3), >, 0); /* ARP warm-up */
  double avg = ping_avg_ms(1, 2, 20);
  g_test_message("ping RTT with 5 ms one-way delay: %.3f ms", avg);
  g_assert_cmpfloat(avg, >=, 9.8);
  g_assert_cmpfloat(avg, <=, 13.0);
}

static double json_number_after(const char *json, const char *anchor, const char *key)
{
  const char *a = strstr(json, anchor);
  if (!a)
    return -1;
  char *k = g_strdup_printf("\"%s\":", key);
  const char *p = strstr(a, k);
  double v = p ? g_ascii_strtod(p + strlen(k), NULL) : -1;
  g_free(k);
  return v;
}

static void test_iperf_rate(void)
{
  command_ok("link * * rate 20mbit");
  runf(NULL, "sh -c 'ip netns exec %s iperf3 -s -1 -D -p 5299 >/dev/null 2>&1'", ns_names[1]);
  g_usleep(300000);
  char *out = NULL;
  gboolean ok = runf(&out, "ip netns exec %s iperf3 -c 10.77.0.2 -p 5299 -t 4 -O 1 -f m", ns_names[0]);
  g_assert_true(ok);
  /* The receiver's summary line: "[  5]   0.00-4.00   sec  X MBytes  Y Mbits/sec   receiver" */
  double mbit = -1;
  char **lines = g_strsplit(out ? out : "", "\n", -1);
  for (char **l = lines; *l; l++) {
    if (strstr(*l, "receiver")) {
      char *m = strstr(*l, "Mbits/sec");
      if (m) {
        while (m > *l && m[-1] == ' ')
          m--;
        while (m > *l && (g_ascii_isdigit(m[-1]) || m[-1] == '.'))
          m--;
        mbit = g_ascii_strtod(m, NULL);
      }
    }
  }
  g_strfreev(lines);
  g_free(out);
  g_test_message("iperf3 TCP goodput at rate 20mbit: %.2f Mbit/s", mbit);
  g_assert_cmpfloat(mbit, >=, 17.0);
  g_assert_cmpfloat(mbit, <=, 20.0);

  GError *error = NULL;
  char *stats = dmx_medium_client_command(client, "stats", &error);
  g_assert_no_error(error);
  double sent = json_number_after(stats, "\"src\":\"dev1\",\"dst\":\"dev2\"", "sent_bytes");
  g_test_message("stats dev1->dev2 sent_bytes %.0f", sent);
  g_assert_cmpfloat(sent, >=, 4 * 17e6 / 8);
  g_free(stats);
}

static void test_bad_spec(void)
{
  GError *error = NULL;
  char *reply = dmx_medium_client_command(client, "link dev1 dev2 delay 1ms foo", &error);
  g_assert_null(reply);
  g_assert_error(error, DMX_MEDIUM_ERROR, DMX_MEDIUM_ERROR_REFUSED);
  g_assert_cmpstr(error->message, ==, "unknown token 'foo' in link spec");
  g_clear_error(&error);
}

static void test_cut_restore(void)
{
  command_ok("link * * delay 1ms");
  command_ok("cut dev1 dev2");
  g_assert_cmpfloat(ping_avg_ms(1, 2, 2), <, 0);
  command_ok("restore dev1 dev2");
  g_assert_cmpfloat(ping_avg_ms(1, 2, 2), >, 0);
}

static void test_pcap(void)
{
  GError *error = NULL;
  char *reply = dmx_medium_client_command(client, "stats", &error); /* any round trip; pcap flushes twice a second */
  g_free(reply);
  g_usleep(700000);
  char *out = NULL;
  g_assert_true(runf(&out, "tshark -r %s", pcap_path));
  g_assert_nonnull(strstr(out ? out : "", "ICMP"));
  g_free(out);
}

static void test_station_dies(void)
{
  /* Station 3's TAP goes away (a namespace cannot die while the medium holds its TAP fd, so remove the device
   * itself, as the orchestrator's teardown does); the medium must notice and keep serving 1 and 2. */
  g_assert_true(runf(NULL, "ip -n %s link del dmx0", ns_names[2]));
  runf(NULL, "ip netns exec %s ping -c 2 -i 0.1 -W 1 10.77.0.3", ns_names[0]);
  g_assert_cmpfloat(ping_avg_ms(1, 2, 3), >, 0);
  GError *error = NULL;
  char *stats = dmx_medium_client_command(client, "stats", &error);
  g_assert_no_error(error);
  g_assert_nonnull(strstr(stats, "\"name\":\"dev3\",\"up\":false"));
  g_free(stats);
}

int main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_test_set_nonfatal_assertions();
  top = g_getenv("DMX_TOP") ? g_getenv("DMX_TOP") : DMX_TOP;
  if (geteuid() != 0 || access("/dev/net/tun", R_OK | W_OK) != 0) {
    g_test_skip("needs root and /dev/net/tun");
    g_test_add_func("/netem/e2e/skipped", test_bad_spec);
    return 0 * g_test_run();
  }
  signal(SIGINT, on_signal);
  signal(SIGTERM, on_signal);
  atexit(teardown);
  char *why = NULL;
  if (!setup(&why)) {
    g_printerr("# setup failed: %s\n", why);
    teardown();
    printf("1..1\nnot ok 1 /netem/e2e/setup # %s\n", why);
    return 1;
  }
  g_test_add_func("/netem/e2e/bad_spec", test_bad_spec);
  g_test_add_func("/netem/e2e/ping_delay", test_ping_delay);
  g_test_add_func("/netem/e2e/iperf_rate", test_iperf_rate);
  g_test_add_func("/netem/e2e/cut_restore", test_cut_restore);
  g_test_add_func("/netem/e2e/pcap", test_pcap);
  g_test_add_func("/netem/e2e/station_dies", test_station_dies);
  int rc = g_test_run();
  teardown();
  return rc;
}
