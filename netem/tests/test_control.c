/* test_control.c: the medium in-process, with socketpairs standing in for TAP fds (SOCK_SEQPACKET keeps frame
 * boundaries like a TAP): attach through the client library, learning-switch forwarding, delay, cut, stats,
 * errors, quit. Runs unprivileged. */
#include "control.h"
#include "medium.h"
#include "medium_client.h"
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static Medium *medium;
static DmxMediumClient *client;
static int peer[4]; /* our end of station i's "TAP" (1-based) */

static gpointer run_medium(gpointer data)
{
  (void)data;
  medium_run(medium);
  return NULL;
}

static void make_frame(guint8 *f, int dst_station, int src_station, guint8 tag)
{
  memset(f, 0, 64);
  if (dst_station == 0)
    memset(f, 0xff, 6);
  else
    memcpy(f, (guint8[]){2, 0xdd, 0, 0, 0, (guint8)dst_station}, 6);
  memcpy(f + 6, (guint8[]){2, 0xdd, 0, 0, 0, (guint8)src_station}, 6);
  f[12] = 0x88;
  f[13] = 0xb5; /* local experimental ethertype */
  f[14] = tag;
}

/* Receives one frame on station s within timeout_ms; returns its tag or -1. */
static int receive_tag(int s, int timeout_ms, gint64 *when_us)
{
  struct pollfd pfd = {.fd = peer[s], .events = POLLIN};
  if (poll(&pfd, 1, timeout_ms) != 1)
    return -1;
  guint8 buf[2048];
  ssize_t n = recv(peer[s], buf, sizeof(buf), 0);
  if (when_us)
    *when_us = g_get_monotonic_time();
  return n >= 15 ? buf[14] : -1;
}

static char *command(const char *cmd, GError **error)
{
  return dmx_medium_client_command(client, cmd, error);
}

static void test_attach_and_flood(void)
{
  GError *error = NULL;
  for (int i = 1; i <= 3; i++) {
    int sv[2];
    g_assert_cmpint(socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sv), ==, 0);
    char *name = g_strdup_printf("dev%d", i);
    guint id = 0;
    g_assert_true(dmx_medium_client_attach(client, name, sv[1], &id, &error));
    g_assert_no_error(error);
    g_assert_cmpuint(id, ==, (guint)i);
    close(sv[1]);
    peer[i] = sv[0];
    g_free(name);
  }
  guint8 f[64];
  make_frame(f, 0, 1, 7); /* broadcast from dev1 */
  g_assert_cmpint(send(peer[1], f, 64, 0), ==, 64);
  g_assert_cmpint(receive_tag(2, 1000, NULL), ==, 7);
  g_assert_cmpint(receive_tag(3, 1000, NULL), ==, 7);
  g_assert_cmpint(receive_tag(1, 100, NULL), ==, -1);
}

static void test_learning(void)
{
  guint8 f[64];
  make_frame(f, 1, 2, 8); /* dev2 -> dev1's MAC, learned from the broadcast */
  send(peer[2], f, 64, 0);
  g_assert_cmpint(receive_tag(1, 1000, NULL), ==, 8);
  g_assert_cmpint(receive_tag(3, 100, NULL), ==, -1);
}

static void test_delay(void)
{
  GError *error = NULL;
  g_free(command("link dev1 dev2 delay 30ms", &error));
  g_assert_no_error(error);
  guint8 f[64];
  make_frame(f, 2, 1, 9);
  gint64 sent = g_get_monotonic_time(), got = 0;
  send(peer[1], f, 64, 0);
  g_assert_cmpint(receive_tag(2, 2000, &got), ==, 9);
  g_test_message("one-way delay measured %.3f ms (configured 30 ms)", (got - sent) / 1e3);
  g_assert_cmpint(got - sent, >=, 30000);
  g_assert_cmpint(got - sent, <, 60000);
}

static void test_cut_restore(void)
{
  GError *error = NULL;
  g_free(command("cut dev1 dev3", &error));
  g_assert_no_error(error);
  guint8 f[64];
  make_frame(f, 0, 3, 10);
  send(peer[3], f, 64, 0);
  g_assert_cmpint(receive_tag(2, 1000, NULL), ==, 10);
  g_assert_cmpint(receive_tag(1, 100, NULL), ==, -1);
  g_free(command("restore dev3 dev1", &error));
  send(peer[3], f, 64, 0);
  g_assert_cmpint(receive_tag(1, 1000, NULL), ==, 10);
  g_assert_cmpint(receive_tag(2, 1000, NULL), ==, 10);
}

static void test_stats_and_errors(void)
{
  GError *error = NULL;
  char *stats = command("stats", &error);
  g_assert_no_error(error);
  g_assert_nonnull(strstr(stats, "\"src\":\"dev1\",\"dst\":\"dev2\""));
  g_assert_nonnull(strstr(stats, "\"cut\":1"));
  g_free(stats);
  g_assert_null(command("link dev1 dev2 delay 1ms foo", &error));
  g_assert_error(error, DMX_MEDIUM_ERROR, DMX_MEDIUM_ERROR_REFUSED);
  g_assert_cmpstr(error->message, ==, "unknown token 'foo' in link spec");
  g_clear_error(&error);
  char *reply = command("link later dev2 delay 1ms", &error); /* a station that has not attached yet */
  g_assert_no_error(error);
  g_assert_true(g_str_has_prefix(reply, "pending"));
  g_free(reply);
  g_assert_null(command("cut nobody dev2", &error));
  g_assert_cmpstr(error->message, ==, "unknown station 'nobody'");
  g_clear_error(&error);
  g_assert_null(command("frobnicate", &error));
  g_clear_error(&error);
  g_assert_null(command("attach devX", &error)); /* no fd */
  g_assert_cmpstr(error->message, ==, "attach needs the TAP fd passed as SCM_RIGHTS");
  g_clear_error(&error);
}

static void test_oversize_and_dead_station(void)
{
  GError *error = NULL;
  guint8 big[3000];
  make_frame(big, 0, 1, 11);
  send(peer[1], big, sizeof(big), 0);
  close(peer[3]); /* dev3's "TAP" goes away */
  peer[3] = -1;
  guint8 f[64];
  make_frame(f, 0, 1, 12);
  send(peer[1], f, 64, 0);
  g_assert_cmpint(receive_tag(2, 1000, NULL), ==, 12); /* the oversized one was dropped, 2 still served */
  char *stats = command("stats", &error);
  g_assert_no_error(error);
  g_assert_nonnull(strstr(stats, "\"rx_oversize\":1"));
  g_assert_nonnull(strstr(stats, "\"name\":\"dev3\",\"up\":false"));
  g_free(stats);
}

int main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  char *dir = g_dir_make_tmp("dmx-medium-test-XXXXXX", NULL);
  char *sock = g_build_filename(dir, "control.sock", NULL);
  MediumOptions opts = {.control_path = sock, .tdf = 1, .seed = 1, .mode = MEDIUM_WIRED, .max_frame = 1518};
  GError *error = NULL;
  medium = medium_new(&opts, &error);
  g_assert_no_error(error);
  GThread *thread = g_thread_new("medium", run_medium, NULL);
  client = dmx_medium_client_connect(sock, 2000, &error);
  g_assert_no_error(error);
  g_test_add_func("/netem/control/attach_and_flood", test_attach_and_flood);
  g_test_add_func("/netem/control/learning", test_learning);
  g_test_add_func("/netem/control/delay", test_delay);
  g_test_add_func("/netem/control/cut_restore", test_cut_restore);
  g_test_add_func("/netem/control/stats_and_errors", test_stats_and_errors);
  g_test_add_func("/netem/control/oversize_and_dead_station", test_oversize_and_dead_station);
  int rc = g_test_run();
  g_free(command("quit", NULL));
  g_thread_join(thread);
  dmx_medium_client_free(client);
  medium_free(medium);
  rmdir(dir);
  return rc;
}
