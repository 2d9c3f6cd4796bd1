/* test_io_e2e.h: what the I/O end-to-end tests (test_io_forward_e2e, test_io_vfd_e2e) share. Header-only, like
 * test_dmx.h. Each test runs a guest program on devices dev1..devN (dev1 the master, policy rf) through
 * `dmx run --out`, under the whole guest stack, then reads what the app printed and what each device left in
 * OUT/devices/NAME/. */
#ifndef DMX_TEST_IO_E2E_H
#define DMX_TEST_IO_E2E_H

#include <string.h>

#include "test_dmx.h"

#define IO_E2E_SECRET "00112233445566778899aabbccddeeff"
#define IO_E2E_TIMEOUT_S 600

typedef struct {
    const char *name;           /* [scenario] name; the file is DIR/NAME-N.ini, N the number of devices */
    const char *app;            /* the guest program, relative to the tree */
    const char *args;
    const char *extra;          /* more [scenario] lines, or NULL */
    int devices;
    const char *const *storage; /* device K's storage directory is STORAGE[K-1] when that is not NULL */
} IoScenario;

/* Writes SC into DIR; returns the .ini path (g_free it). */
static inline char *write_io_scenario(const char *dir, const IoScenario *sc)
{
    GString *s = g_string_new(NULL);
    g_string_append_printf(s, "[scenario]\nname = %s\napp = %s\nargs = %s\npolicies = rf\ntdf = 1\n"
                              "secret = " IO_E2E_SECRET "\n%s\n", sc->name, sc->app, sc->args, sc->extra ? sc->extra : "");
    for (int i = 1; i <= sc->devices; i++) {
        g_string_append_printf(s, "[device dev%d]\nmodel = nexus5\nscreen = 64x48\n%s", i, i == 1 ? "master = true\n" : "");
        if (sc->storage && sc->storage[i - 1])
            g_string_append_printf(s, "storage = %s\n", sc->storage[i - 1]);
    }
    g_string_append(s, "[link]\nspec = rate 100mbit delay 2ms\n");
    char *path = g_strdup_printf("%s/%s-%d.ini", dir, sc->name, sc->devices);
    g_assert_true(g_file_set_contents(path, s->str, -1, NULL));
    g_string_free(s, TRUE);
    return path;
}

/* The environment of the runs: the whole guest stack, the pthread takeover included, and nothing that would
 * place, move or bind threads and classes other than as the test says. */
static inline char **io_e2e_env(void)
{
    char **env = g_get_environ();
    env = g_environ_unsetenv(env, "DMX_TAKEOVER");
    env = g_environ_unsetenv(env, "DMX_PLACE");
    env = g_environ_unsetenv(env, "DMX_MIGRATE_RANDOM_MS");
    return g_environ_unsetenv(env, "DMX_BIND");
}

#define IO_E2E_ARGV(ini, out, policy) { "build/bin/dmx", "run", (ini), "--policy", (policy), "--out", (out), NULL }

/* Runs the scenario INI to its end under POLICY into OUT (it must exit 0); returns its stdout (the app's). */
static inline char *run_io_scenario(const char *ini, const char *out, const char *policy)
{
    const char *const argv[] = IO_E2E_ARGV(ini, out, policy);
    g_auto(GStrv) env = io_e2e_env();
    char *stdout_text = NULL;
    g_autofree char *stderr_text = NULL;
    g_assert_cmpint(run_timeout(argv, IO_E2E_TIMEOUT_S, env, &stdout_text, &stderr_text), ==, 0);
    return stdout_text;
}

/* Starts the same run in the background, for a test that acts on it meanwhile; its stdout comes through
 * *STDOUT_FD. finish_io_scenario waits for it. */
static inline GPid start_io_scenario(const char *ini, const char *out, const char *policy, int *stdout_fd)
{
    const char *const argv[] = IO_E2E_ARGV(ini, out, policy);
    g_autoptr(GPtrArray) a = timeout_argv(argv, IO_E2E_TIMEOUT_S);
    g_auto(GStrv) env = io_e2e_env();
    GPid pid;
    g_assert_true(g_spawn_async_with_pipes(top(), (char **)a->pdata, env, G_SPAWN_SEARCH_PATH | G_SPAWN_DO_NOT_REAP_CHILD,
                                           NULL, NULL, &pid, NULL, stdout_fd, NULL, NULL));
    return pid;
}

/* Everything left to read from FD, which it closes. */
static inline char *read_all(int fd)
{
    GString *text = g_string_new(NULL);
    char buf[4096];
    ssize_t n;
    while ((n = read(fd, buf, sizeof buf)) > 0)
        g_string_append_len(text, buf, n);
    close(fd);
    return g_string_free(text, FALSE);
}

/* Waits for the run PID (it must exit 0) and returns its stdout, read from STDOUT_FD. */
static inline char *finish_io_scenario(GPid pid, int stdout_fd)
{
    int wait_status = 0;
    g_assert_cmpint(waitpid(pid, &wait_status, 0), ==, pid);
    g_spawn_close_pid(pid);
    char *text = read_all(stdout_fd);
    g_assert_true(WIFEXITED(wait_status) && WEXITSTATUS(wait_status) == 0);
    return text;
}

/* The value of " KEY=" on the line of TEXT that starts with PREFIX: decimal, but hex for "checksum", which the
 * test programs print as 16 hex digits. */
static inline guint64 field(const char *text, const char *prefix, const char *key)
{
    const char *line = strstr(text, prefix);
    g_assert_nonnull(line);
    g_autofree char *needle = g_strdup_printf(" %s=", key);
    const char *end = strchr(line, '\n'), *at = g_strstr_len(line, end ? end - line : -1, needle);
    g_assert_nonnull(at);
    return g_ascii_strtoull(at + strlen(needle), NULL, strcmp(key, "checksum") == 0 ? 16 : 10);
}

/* OUT/devices/DEVICE/NAME (g_free it). */
static inline char *device_file(const char *out, const char *device, const char *name)
{
    return g_build_filename(out, "devices", device, name, NULL);
}

/* The checksum column of DEVICE's screen-frames.csv, one per line, and the number of frames (none yet when the
 * file is not there). */
static inline char *screen_checksums(const char *out, const char *device, guint *frames)
{
    g_autofree char *path = device_file(out, device, "screen-frames.csv");
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

/* Frames DEVICE's screen has presented so far. */
static inline guint count_frames(const char *out, const char *device)
{
    guint n;
    g_autofree char *sums = screen_checksums(out, device, &n);
    return n;
}

/* The text of DEVICE's io-counters.PID.csv, named by the device's process, one per device (the test fails when
 * there is none). */
static inline char *read_io_counters(const char *out, const char *device)
{
    g_autofree char *dir = g_build_filename(out, "devices", device, NULL);
    GDir *d = g_dir_open(dir, 0, NULL);
    g_assert_nonnull(d);
    char *csv = NULL;
    for (const char *name; (name = g_dir_read_name(d));)
        if (g_str_has_prefix(name, "io-counters.")) {
            g_autofree char *p = g_build_filename(dir, name, NULL);
            g_clear_pointer(&csv, g_free);
            g_assert_true(g_file_get_contents(p, &csv, NULL, NULL));
        }
    g_dir_close(d);
    g_assert_nonnull(csv);
    return csv;
}

/* LEN bytes of a fixed pseudo-random pattern (g_free it): a file whose every piece differs, so a piece read from
 * the wrong offset shows in its checksum. */
static inline guint8 *pattern_bytes(gsize len)
{
    guint8 *bytes = g_malloc(len);
    for (gsize i = 0; i < len; i++)
        bytes[i] = (guint8)(i * 2654435761u >> 13);
    return bytes;
}

#endif
