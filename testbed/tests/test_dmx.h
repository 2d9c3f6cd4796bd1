/* test_dmx.h: running the tree's programs from an end-to-end test, as a user would, bounded in time. Header-only,
 * like test_tree.h. Two ways:
 *   run_dmx, spawn_dmx + finish_dmx   build/bin/dmx, in the tree (so relative scenario paths work), with
 *                                     DMX_NO_STATUS=1 and the test's environment; a test that defines RUN_TIMEOUT_S
 *                                     before including this header bounds each run by it (default 240 s: the host is
 *                                     slow and shared), and a hung dmx fails the test (SIGALRM) instead of stalling
 *                                     the suite;
 *   run_timeout                       any program of the tree under `timeout LIMIT`: a hang ends that program, and
 *                                     the test fails on timeout's status 124 (timeout_argv: that command line, for
 *                                     a test that starts the program in the background itself). */
#ifndef DMX_TEST_DMX_H
#define DMX_TEST_DMX_H

#include <gio/gio.h>
#include <stdarg.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "test_tree.h"

#ifndef RUN_TIMEOUT_S
#define RUN_TIMEOUT_S 240
#endif

/* TRUE if dmx, qemu-aarch64, dmx-medium and every guest program of the NULL-terminated GUESTS (relative to the tree)
 * are built; else skips the test ("REL is not built") and returns FALSE. */
static inline gboolean need_devices(const char *const *guests)
{
    const char *host[] = { "build/bin/dmx", "build/bin/qemu-aarch64", "build/bin/dmx-medium", NULL };
    return need_in_tree(host, G_FILE_TEST_IS_EXECUTABLE, NULL) &&
           need_in_tree(guests, G_FILE_TEST_IS_EXECUTABLE, NULL);
}

typedef struct {
    int status; /* exit status, or 128+signal */
    char *out;
    char *err;
} RunResult;

static inline void run_result_clear(RunResult *r)
{
    g_free(r->out);
    g_free(r->err);
}

/* Starts dmx with ARGV (argv[0] is "dmx" and stands for build/bin/dmx), its stdout and stderr piped. ENV, NULL or
 * NULL-terminated: "NAME=VALUE" sets NAME, a bare "NAME" unsets it. */
static inline GSubprocess *spawn_dmx(const char *const *argv, const char *const *env, GError **error)
{
    g_autoptr(GPtrArray) a = g_ptr_array_new_with_free_func(g_free);
    g_ptr_array_add(a, in_top("build/bin/dmx"));
    for (int i = 1; argv[i]; i++)
        g_ptr_array_add(a, g_strdup(argv[i]));
    g_ptr_array_add(a, NULL);
    g_autoptr(GSubprocessLauncher) l =
        g_subprocess_launcher_new(G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_PIPE);
    g_subprocess_launcher_set_cwd(l, top());
    g_subprocess_launcher_setenv(l, "DMX_NO_STATUS", "1", TRUE);
    for (int i = 0; env && env[i]; i++) {
        g_auto(GStrv) kv = g_strsplit(env[i], "=", 2);
        if (kv[1])
            g_subprocess_launcher_setenv(l, kv[0], kv[1], TRUE);
        else
            g_subprocess_launcher_unsetenv(l, kv[0]);
    }
    return g_subprocess_launcher_spawnv(l, (const char *const *)a->pdata, error);
}

/* Waits for P (at most RUN_TIMEOUT_S) and collects its output; logs both with the exit status. */
static inline RunResult finish_dmx(GSubprocess *p)
{
    RunResult r = { 0 };
    g_autoptr(GError) err = NULL;
    alarm(RUN_TIMEOUT_S);
    g_assert_true(g_subprocess_communicate_utf8(p, NULL, NULL, &r.out, &r.err, &err));
    alarm(0);
    g_assert_no_error(err);
    r.status = g_subprocess_get_if_exited(p) ? g_subprocess_get_exit_status(p) : 128 + g_subprocess_get_term_sig(p);
    g_test_message("dmx exit %d\nstdout: %s\nstderr: %s", r.status, r.out, r.err);
    return r;
}

/* spawn_dmx and finish_dmx. */
static inline RunResult run_dmx_env(const char *const *argv, const char *const *env)
{
    g_autoptr(GError) err = NULL;
    g_autoptr(GSubprocess) p = spawn_dmx(argv, env, &err);
    g_assert_no_error(err);
    return finish_dmx(p);
}

static inline RunResult run_dmx(const char *const *argv) { return run_dmx_env(argv, NULL); }

/* DIR/REL's text, or "" when it cannot be read (a file the run may not have written). */
static inline char *read_or_empty(const char *dir, const char *rel)
{
    g_autofree char *path = g_build_filename(dir, rel, NULL);
    char *text = NULL;
    return g_file_get_contents(path, &text, NULL, NULL) ? text : g_strdup("");
}

/* The number that follows KEY in TEXT (a summary.json member "\"name\": ", an events.log "epoch "), or -1. */
static inline double number_after(const char *text, const char *key)
{
    const char *at = strstr(text, key);
    return at ? g_ascii_strtod(at + strlen(key), NULL) : -1;
}

/* The migrations a run logged: the data lines of every RUN_DIR/devices/NAME/migrations.csv (headers left out),
 * each as "NAME: LINE" with NAMED, else as LINE. */
static inline GPtrArray *run_migration_rows(const char *run_dir, gboolean named)
{
    GPtrArray *rows = g_ptr_array_new_with_free_func(g_free);
    g_autofree char *devs = g_build_filename(run_dir, "devices", NULL);
    GDir *d = g_dir_open(devs, 0, NULL);
    const char *name;
    while (d && (name = g_dir_read_name(d))) {
        g_autofree char *csv = g_build_filename(devs, name, "migrations.csv", NULL), *body = NULL;
        if (!g_file_get_contents(csv, &body, NULL, NULL))
            continue;
        g_auto(GStrv) lines = g_strsplit(body, "\n", -1);
        for (char **l = lines; *l; l++)
            if (**l && !g_str_has_prefix(*l, "thread,"))
                g_ptr_array_add(rows, named ? g_strdup_printf("%s: %s", name, *l) : g_strdup(*l));
    }
    if (d)
        g_dir_close(d);
    return rows;
}

/* ENVP with each KEY, VALUE pair of AP (up to a NULL KEY) set. */
static inline char **environ_set_pairs(char **envp, va_list ap)
{
    const char *key;
    while ((key = va_arg(ap, const char *)) != NULL)
        envp = g_environ_setenv(envp, key, va_arg(ap, const char *), TRUE);
    return envp;
}

/* `timeout LIMIT TOP/ARGV[0] ARGV[1] ...`, NULL-terminated for g_spawn_* (ARGV NULL-terminated, ARGV[0] relative
 * to the tree). */
static inline GPtrArray *timeout_argv(const char *const *argv, int limit)
{
    GPtrArray *a = g_ptr_array_new_with_free_func(g_free);
    g_ptr_array_add(a, g_strdup("timeout"));
    g_ptr_array_add(a, g_strdup_printf("%d", limit));
    g_ptr_array_add(a, in_top(argv[0]));
    for (int i = 1; argv[i]; i++)
        g_ptr_array_add(a, g_strdup(argv[i]));
    g_ptr_array_add(a, NULL);
    return a;
}

/* Runs ARGV (NULL-terminated; ARGV[0] relative to the tree) under `timeout LIMIT`, in the tree, with the whole
 * environment ENVP, into OUT and ERR. Logs the command line, and the output when the exit status is not 0. Returns
 * the exit status, or -1 when it did not exit; a hang (timeout's 124) fails the test. */
static inline int run_timeout(const char *const *argv, int limit, char **envp, char **out, char **err)
{
    g_autoptr(GPtrArray) a = timeout_argv(argv, limit);
    g_autofree char *cmdline = g_strjoinv(" ", (char **)a->pdata);
    g_test_message("%s", cmdline);
    int wait_status = 0;
    g_autoptr(GError) error = NULL;
    g_assert_true(g_spawn_sync(top(), (char **)a->pdata, envp, G_SPAWN_SEARCH_PATH, NULL, NULL, out, err,
                               &wait_status, &error));
    int status = WIFEXITED(wait_status) ? WEXITSTATUS(wait_status) : -1;
    if (status != 0)
        g_test_message("exit %d\nstdout:\n%s\nstderr:\n%s", status, *out, *err);
    g_assert_cmpint(status, !=, 124); /* timeout: it hung */
    return status;
}

#endif
