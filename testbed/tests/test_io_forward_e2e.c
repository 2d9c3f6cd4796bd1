/* test_io_forward_e2e: I/O request forwarding between emulated devices, end to end through `dmx run` with
 * build/guest/tests/io_forward_prog (testbed/tests/test_io_forward_prog.c):
 *  - frames written to a screen bound to another device (DMX_BIND, policy rf) are presented there: its
 *    screen-frames.csv has every frame, with the same checksums as a local run's; the forwarded-bytes counter is
 *    the bytes written plus headers, and the network stall is counted;
 *  - a file held only by another device's storage is found through the file directory and reads back the same
 *    bytes;
 *  - rebinding the screen mid-run through the master's control socket (the host-side client the orchestrator
 *    will use) moves presentation from one device to another;
 *  - hostile peers on a device's port 7702 (garbage, a request before joining, a wrong secret) are dropped and
 *    logged, and the run still completes. */
#include "io_control_client.h"
#include "io_devices.h"
#include "test_io_e2e.h"

#include <glib.h>
#include <glib/gstdio.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static gboolean ready(void)
{
    const char *guests[] = { "build/guest/tests/io_forward_prog", NULL };
    return need_devices(guests);
}

/* A scenario of N devices dev1..devN running io_forward_prog with ARGS; EXTRA is appended to [scenario]; device
 * K's storage is STORAGE[K-1] when given. Returns the .ini path inside DIR. */
static char *write_scenario(const char *dir, int n, const char *args, const char *extra, const char *const *storage)
{
    IoScenario sc = { .name = "io-forward", .app = "build/guest/tests/io_forward_prog", .args = args, .extra = extra,
                      .devices = n, .storage = storage };
    return write_io_scenario(dir, &sc);
}

static void test_remote_screen(void)
{
    if (!ready())
        return;
    g_autofree char *dir = g_dir_make_tmp("dmx-iofwd-XXXXXX", NULL);
    g_autofree char *ini = write_scenario(dir, 2, "frames 40 64x48", "bind = screen=dev2", NULL);
    g_autofree char *out_local = g_build_filename(dir, "local", NULL), *out_rf = g_build_filename(dir, "rf", NULL);
    g_autofree char *text_local = run_io_scenario(ini, out_local, "local");
    g_autofree char *text_rf = run_io_scenario(ini, out_rf, "rf");
    guint n_local, n_rf, n_rf_master;
    g_autofree char *sums_local = screen_checksums(out_local, "dev1", &n_local);
    g_autofree char *sums_rf = screen_checksums(out_rf, "dev2", &n_rf);
    g_autofree char *sums_master = screen_checksums(out_rf, "dev1", &n_rf_master);
    g_assert_cmpuint(n_local, ==, 40);
    g_assert_cmpuint(n_rf, ==, 40);              /* every frame presented on the device that owns the screen */
    g_assert_cmpuint(n_rf_master, ==, 0);        /* and none on the master's own */
    g_assert_cmpstr(sums_rf, ==, sums_local);
    /* counters: local forwards nothing; rf forwards every operation, bytes = payload + bounded headers */
    g_assert_cmpuint(field(text_local, "counters", "forwarded"), ==, 0);
    guint64 written = field(text_rf, "counters", "written"), sent = field(text_rf, "counters", "sent");
    guint64 requests = field(text_rf, "counters", "requests"), forwarded = field(text_rf, "counters", "forwarded");
    g_assert_cmpuint(written, ==, 40 * 64 * 48);
    g_assert_cmpuint(forwarded, ==, requests);
    g_assert_cmpuint(sent, >=, written);
    g_assert_cmpuint(sent, <=, written + forwarded * 128);
    g_assert_cmpuint(field(text_rf, "counters", "stall_ns"), >, 0);
    g_autofree char *csv = read_io_counters(out_rf, "dev1");
    g_assert_nonnull(strstr(csv, ",stall_ns\n"));
    remove_tree(dir);
}

static void test_remote_storage(void)
{
    if (!ready())
        return;
    g_autofree char *dir = g_dir_make_tmp("dmx-iofwd-XXXXXX", NULL);
    g_autofree char *s1 = g_build_filename(dir, "store1", NULL), *s2 = g_build_filename(dir, "store2", NULL);
    g_assert_cmpint(g_mkdir_with_parents(s1, 0755), ==, 0);
    g_assert_cmpint(g_mkdir_with_parents(s2, 0755), ==, 0);
    gsize len = 3 * 1024 * 1024 + 12345; /* several fragments per read */
    g_autofree guint8 *blob = pattern_bytes(len);
    g_autofree char *blob_path = g_build_filename(s2, "blob.bin", NULL);
    g_assert_true(g_file_set_contents(blob_path, (const char *)blob, (gssize)len, NULL));
    g_autofree char *other = g_build_filename(s1, "mine.txt", NULL);
    g_assert_true(g_file_set_contents(other, "the master's own file\n", -1, NULL));
    const char *storage[] = { s1, s2 };
    g_autofree char *ini = write_scenario(dir, 2, "read blob.bin", NULL, storage);
    g_autofree char *out = g_build_filename(dir, "run", NULL);
    g_autofree char *text = run_io_scenario(ini, out, "rf");
    g_assert_cmpuint(field(text, "file", "size"), ==, len);
    g_assert_cmpuint(field(text, "file", "end"), ==, len);
    g_assert_cmpuint(field(text, "file", "checksum"), ==, dmx_checksum(blob, len));
    g_assert_cmpuint(field(text, "counters", "forwarded"), >, 0);
    g_assert_cmpuint(field(text, "counters", "received"), >=, len);
    remove_tree(dir);
}

static void test_rebind_mid_run(void)
{
    if (!ready())
        return;
    g_autofree char *dir = g_dir_make_tmp("dmx-iofwd-XXXXXX", NULL);
    g_autofree char *ini = write_scenario(dir, 3, "until-rebound 20 64x48", "bind = screen=dev2", NULL);
    g_autofree char *out = g_build_filename(dir, "run", NULL);
    int out_fd;
    GPid pid = start_io_scenario(ini, out, "rf", &out_fd);
    /* wait until dev2 presents, then move the screen to dev3 through the master's control socket */
    for (int i = 0; i < 3000 && count_frames(out, "dev2") < 5; i++)
        g_usleep(50000);
    g_assert_cmpuint(count_frames(out, "dev2"), >=, 5);
    g_autofree char *sock = device_file(out, "dev1", "io-control.sock");
    char err[256];
    int rc = dmx_io_control_bind(sock, "ffff" IO_E2E_SECRET, "screen", 3, 30, err, sizeof err);
    g_assert_cmpint(rc, ==, -EACCES);           /* a wrong secret cannot rebind */
    rc = dmx_io_control_bind(sock, IO_E2E_SECRET, "nosuch", 3, 30, err, sizeof err);
    g_assert_cmpint(rc, ==, -ENOENT);
    rc = dmx_io_control_bind(sock, IO_E2E_SECRET, "screen", 3, 30, err, sizeof err);
    if (rc != 0)
        g_printerr("control: %s\n", err);
    g_assert_cmpint(rc, ==, 0);
    g_autofree char *text = finish_io_scenario(pid, out_fd);
    guint on2 = count_frames(out, "dev2"), on3 = count_frames(out, "dev3");
    guint total = (guint)field(text, "frames", "n");
    g_assert_cmpuint(on2, >=, 5);
    g_assert_cmpuint(on3, >=, 20);
    g_assert_cmpuint(on2 + on3, ==, total);
    g_assert_cmpuint(count_frames(out, "dev1"), ==, 0);
    g_assert_cmpuint(field(text, "counters", "device"), ==, 3);
    remove_tree(dir);
}

static void test_garbage_peer(void)
{
    if (!ready())
        return;
    g_autofree char *dir = g_dir_make_tmp("dmx-iofwd-XXXXXX", NULL);
    g_autofree char *ini = write_scenario(dir, 2, "garbage 2 20 64x48", "bind = screen=dev2", NULL);
    g_autofree char *out = g_build_filename(dir, "run", NULL);
    g_autofree char *text = run_io_scenario(ini, out, "rf");
    g_assert_cmpuint(field(text, "garbage", "dropped"), ==, 3);
    g_assert_cmpuint(count_frames(out, "dev2"), ==, 20);
    g_autofree char *log_path = device_file(out, "dev2", "stderr.log");
    g_autofree char *log = NULL;
    g_assert_true(g_file_get_contents(log_path, &log, NULL, NULL));
    g_assert_nonnull(strstr(log, "bad magic"));
    g_assert_nonnull(strstr(log, "type not allowed in this state"));
    g_assert_nonnull(strstr(log, "failed authentication"));
    remove_tree(dir);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/io-forward/remote-screen", test_remote_screen);
    g_test_add_func("/io-forward/remote-storage", test_remote_storage);
    g_test_add_func("/io-forward/rebind-mid-run", test_rebind_mid_run);
    g_test_add_func("/io-forward/garbage-peer", test_garbage_peer);
    return g_test_run();
}
