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

#include <glib.h>
#include <glib/gstdio.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#ifndef DMX_TOP
#define DMX_TOP "."
#endif

#define SECRET "00112233445566778899aabbccddeeff"

static const char *top(void)
{
    const char *t = g_getenv("DMX_TOP");
    return t && *t ? t : DMX_TOP;
}

static char *top_path(const char *rel)
{
    return g_build_filename(top(), rel, NULL);
}

static gboolean ready(void)
{
    g_autofree char *qemu = top_path("build/bin/qemu-aarch64"), *prog = top_path("build/guest/tests/io_forward_prog");
    if (!g_file_test(qemu, G_FILE_TEST_EXISTS) || !g_file_test(prog, G_FILE_TEST_EXISTS)) {
        g_test_skip("qemu or io_forward_prog missing (make)");
        return FALSE;
    }
    return TRUE;
}

static void rm_rf(const char *dir)
{
    g_autofree char *cmd = g_strdup_printf("rm -rf '%s'", dir);
    g_assert_true(g_spawn_command_line_sync(cmd, NULL, NULL, NULL, NULL));
}

/* A scenario of N devices dev1..devN running io_forward_prog with ARGS; EXTRA is appended to [scenario]; device
 * K's storage is STORAGE[K-1] when given. Returns the .ini path inside DIR. */
static char *write_scenario(const char *dir, int n, const char *args, const char *extra, const char *const *storage)
{
    GString *s = g_string_new(NULL);
    g_string_append_printf(s, "[scenario]\nname = io-forward\napp = build/guest/tests/io_forward_prog\nargs = %s\n"
                              "policies = rf\ntdf = 1\nsecret = " SECRET "\n%s\n", args, extra ? extra : "");
    for (int i = 1; i <= n; i++) {
        g_string_append_printf(s, "[device dev%d]\nmodel = nexus5\nscreen = 64x48\n%s", i, i == 1 ? "master = true\n" : "");
        if (storage && storage[i - 1])
            g_string_append_printf(s, "storage = %s\n", storage[i - 1]);
    }
    g_string_append(s, "[link]\nspec = rate 100mbit delay 2ms\n");
    char *path = g_build_filename(dir, "io-forward.ini", NULL);
    g_assert_true(g_file_set_contents(path, s->str, -1, NULL));
    g_string_free(s, TRUE);
    return path;
}

/* The environment of dmx runs: the whole guest stack, the pthread takeover included. */
static char **dmx_env(void)
{
    char **env = g_get_environ();
    env = g_environ_unsetenv(env, "DMX_TAKEOVER");
    return g_environ_unsetenv(env, "DMX_BIND");
}

static GPtrArray *dmx_argv(const char *ini, const char *out, const char *policy)
{
    GPtrArray *argv = g_ptr_array_new_with_free_func(g_free);
    g_ptr_array_add(argv, g_strdup("timeout"));
    g_ptr_array_add(argv, g_strdup("600"));
    g_ptr_array_add(argv, top_path("build/bin/dmx"));
    g_ptr_array_add(argv, g_strdup("run"));
    g_ptr_array_add(argv, g_strdup(ini));
    g_ptr_array_add(argv, g_strdup("--policy"));
    g_ptr_array_add(argv, g_strdup(policy));
    g_ptr_array_add(argv, g_strdup("--out"));
    g_ptr_array_add(argv, g_strdup(out));
    g_ptr_array_add(argv, NULL);
    return argv;
}

/* Runs the scenario to its end; returns its stdout (the app's) and sets *status. */
static char *run_dmx(const char *ini, const char *out, const char *policy, int *status)
{
    g_autoptr(GPtrArray) argv = dmx_argv(ini, out, policy);
    char *stdout_text = NULL, *stderr_text = NULL;
    int wait_status = 0;
    g_auto(GStrv) env = dmx_env();
    g_assert_true(g_spawn_sync(top(), (char **)argv->pdata, env, G_SPAWN_SEARCH_PATH, NULL, NULL, &stdout_text,
                               &stderr_text, &wait_status, NULL));
    *status = WIFEXITED(wait_status) ? WEXITSTATUS(wait_status) : -1;
    if (*status != 0)
        g_printerr("dmx stderr:\n%s\n", stderr_text);
    g_free(stderr_text);
    return stdout_text;
}

/* Value of " KEY=" on the line of TEXT that starts with PREFIX. */
static guint64 field(const char *text, const char *prefix, const char *key)
{
    const char *line = strstr(text, prefix);
    g_assert_nonnull(line);
    g_autofree char *needle = g_strdup_printf(" %s=", key);
    const char *end = strchr(line, '\n'), *at = g_strstr_len(line, end ? end - line : -1, needle);
    g_assert_nonnull(at);
    return g_ascii_strtoull(at + strlen(needle), NULL, 16 * (strcmp(key, "checksum") == 0) + 10 * (strcmp(key, "checksum") != 0));
}

/* The checksum column of DEVICE's screen-frames.csv (one per line), and the number of frames. */
static char *screen_checksums(const char *out, const char *device, guint *frames)
{
    g_autofree char *path = g_build_filename(out, "devices", device, "screen-frames.csv", NULL);
    g_autofree char *text = NULL;
    *frames = 0;
    if (!g_file_get_contents(path, &text, NULL, NULL))
        return g_strdup("");
    g_auto(GStrv) lines = g_strsplit(g_strchomp(text), "\n", -1);
    GString *sums = g_string_new(NULL);
    for (guint i = 1; lines[i]; i++) {
        g_auto(GStrv) cols = g_strsplit(lines[i], ",", -1);
        g_assert_cmpuint(g_strv_length(cols), ==, 4);
        g_string_append_printf(sums, "%s\n", cols[3]);
        (*frames)++;
    }
    return g_string_free(sums, FALSE);
}

static void test_remote_screen(void)
{
    if (!ready())
        return;
    g_autofree char *dir = g_dir_make_tmp("dmx-iofwd-XXXXXX", NULL);
    g_autofree char *ini = write_scenario(dir, 2, "frames 40 64x48", "bind = screen=dev2", NULL);
    g_autofree char *out_local = g_build_filename(dir, "local", NULL), *out_rf = g_build_filename(dir, "rf", NULL);
    int status;
    g_autofree char *text_local = run_dmx(ini, out_local, "local", &status);
    g_assert_cmpint(status, ==, 0);
    g_autofree char *text_rf = run_dmx(ini, out_rf, "rf", &status);
    g_assert_cmpint(status, ==, 0);
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
    g_autofree char *dev_dir = g_build_filename(out_rf, "devices", "dev1", NULL);
    GDir *d = g_dir_open(dev_dir, 0, NULL);
    g_assert_nonnull(d);
    g_autofree char *csv = NULL;
    for (const char *name; (name = g_dir_read_name(d));) {
        if (g_str_has_prefix(name, "io-counters.")) {
            g_autofree char *p = g_build_filename(dev_dir, name, NULL);
            g_assert_true(g_file_get_contents(p, &csv, NULL, NULL));
        }
    }
    g_dir_close(d);
    g_assert_nonnull(csv);
    g_assert_nonnull(strstr(csv, ",stall_ns\n"));
    rm_rf(dir);
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
    guint8 *blob = g_malloc(len);
    for (gsize i = 0; i < len; i++)
        blob[i] = (guint8)(i * 2654435761u >> 13);
    g_autofree char *blob_path = g_build_filename(s2, "blob.bin", NULL);
    g_assert_true(g_file_set_contents(blob_path, (const char *)blob, (gssize)len, NULL));
    g_autofree char *other = g_build_filename(s1, "mine.txt", NULL);
    g_assert_true(g_file_set_contents(other, "the master's own file\n", -1, NULL));
    const char *storage[] = { s1, s2 };
    g_autofree char *ini = write_scenario(dir, 2, "read blob.bin", NULL, storage);
    g_autofree char *out = g_build_filename(dir, "run", NULL);
    int status;
    g_autofree char *text = run_dmx(ini, out, "rf", &status);
    g_assert_cmpint(status, ==, 0);
    g_assert_cmpuint(field(text, "file", "size"), ==, len);
    g_assert_cmpuint(field(text, "file", "end"), ==, len);
    g_assert_cmpuint(field(text, "file", "checksum"), ==, dmx_checksum(blob, len));
    g_assert_cmpuint(field(text, "counters", "forwarded"), >, 0);
    g_assert_cmpuint(field(text, "counters", "received"), >=, len);
    g_free(blob);
    rm_rf(dir);
}

/* Lines of FILE minus its header (0 if absent). */
static guint count_frames(const char *out, const char *device)
{
    guint n;
    g_autofree char *sums = screen_checksums(out, device, &n);
    return n;
}

static void test_rebind_mid_run(void)
{
    if (!ready())
        return;
    g_autofree char *dir = g_dir_make_tmp("dmx-iofwd-XXXXXX", NULL);
    g_autofree char *ini = write_scenario(dir, 3, "until-rebound 20 64x48", "bind = screen=dev2", NULL);
    g_autofree char *out = g_build_filename(dir, "run", NULL);
    g_autoptr(GPtrArray) argv = dmx_argv(ini, out, "rf");
    GPid pid;
    int out_fd;
    g_auto(GStrv) env = dmx_env();
    g_assert_true(g_spawn_async_with_pipes(top(), (char **)argv->pdata, env, G_SPAWN_SEARCH_PATH | G_SPAWN_DO_NOT_REAP_CHILD,
                                           NULL, NULL, &pid, NULL, &out_fd, NULL, NULL));
    /* wait until dev2 presents, then move the screen to dev3 through the master's control socket */
    for (int i = 0; i < 3000 && count_frames(out, "dev2") < 5; i++)
        g_usleep(50000);
    g_assert_cmpuint(count_frames(out, "dev2"), >=, 5);
    g_autofree char *sock = g_build_filename(out, "devices", "dev1", "io-control.sock", NULL);
    char err[256];
    int rc = dmx_io_control_bind(sock, "ffff" SECRET, "screen", 3, 30, err, sizeof err);
    g_assert_cmpint(rc, ==, -EACCES);           /* a wrong secret cannot rebind */
    rc = dmx_io_control_bind(sock, SECRET, "nosuch", 3, 30, err, sizeof err);
    g_assert_cmpint(rc, ==, -ENOENT);
    rc = dmx_io_control_bind(sock, SECRET, "screen", 3, 30, err, sizeof err);
    if (rc != 0)
        g_printerr("control: %s\n", err);
    g_assert_cmpint(rc, ==, 0);
    int wait_status = 0;
    g_assert_cmpint(waitpid(pid, &wait_status, 0), ==, pid);
    g_spawn_close_pid(pid);
    char buf[4096];
    GString *text = g_string_new(NULL);
    ssize_t n;
    while ((n = read(out_fd, buf, sizeof buf)) > 0)
        g_string_append_len(text, buf, n);
    close(out_fd);
    g_assert_true(WIFEXITED(wait_status) && WEXITSTATUS(wait_status) == 0);
    guint on2 = count_frames(out, "dev2"), on3 = count_frames(out, "dev3");
    guint total = (guint)field(text->str, "frames", "n");
    g_assert_cmpuint(on2, >=, 5);
    g_assert_cmpuint(on3, >=, 20);
    g_assert_cmpuint(on2 + on3, ==, total);
    g_assert_cmpuint(count_frames(out, "dev1"), ==, 0);
    g_assert_cmpuint(field(text->str, "counters", "device"), ==, 3);
    g_string_free(text, TRUE);
    rm_rf(dir);
}

static void test_garbage_peer(void)
{
    if (!ready())
        return;
    g_autofree char *dir = g_dir_make_tmp("dmx-iofwd-XXXXXX", NULL);
    g_autofree char *ini = write_scenario(dir, 2, "garbage 2 20 64x48", "bind = screen=dev2", NULL);
    g_autofree char *out = g_build_filename(dir, "run", NULL);
    int status;
    g_autofree char *text = run_dmx(ini, out, "rf", &status);
    g_assert_cmpint(status, ==, 0);
    g_assert_cmpuint(field(text, "garbage", "dropped"), ==, 3);
    g_assert_cmpuint(count_frames(out, "dev2"), ==, 20);
    g_autofree char *log_path = g_build_filename(out, "devices", "dev2", "stderr.log", NULL);
    g_autofree char *log = NULL;
    g_assert_true(g_file_get_contents(log_path, &log, NULL, NULL));
    g_assert_nonnull(strstr(log, "bad magic"));
    g_assert_nonnull(strstr(log, "type not allowed in this state"));
    g_assert_nonnull(strstr(log, "failed authentication"));
    rm_rf(dir);
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
