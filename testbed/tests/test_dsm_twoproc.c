/* Two devices as two OS processes on 127.0.0.1: the master and one worker each add 1 to a DSM counter N
 * times under the global mutex; the final value must be exactly 2N, and the sparse writes must cost diffs
 * far smaller than pages. Runs the program natively (this file) or, when built as test_dsm_qemu, as aarch64
 * binaries under build/bin/qemu-aarch64. */
#include <gio/gio.h>
#include <glib.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#ifndef DSM_UNDER_QEMU
#define DSM_UNDER_QEMU 0
#endif

static const char *top(void)
{
    const char *t = g_getenv("DMX_TOP");
    return t && *t ? t : DMX_TOP;
}

static int free_port(void)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in sa = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
    socklen_t len = sizeof(sa);
    g_assert_cmpint(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), ==, 0);
    g_assert_cmpint(getsockname(fd, (struct sockaddr *)&sa, &len), ==, 0);
    close(fd);
    return ntohs(sa.sin_port);
}

static uint64_t field(const char *out, const char *key)
{
    char *pat = g_strdup_printf("\"%s\":", key);
    const char *p = strstr(out, pat);
    g_assert_nonnull(p);
    uint64_t v = g_ascii_strtoull(p + strlen(pat), NULL, 10);
    g_free(pat);
    return v;
}

static int threads = 1;

static GSubprocess *device(int index, int port, const char *n, const char *speculate, const char *prefetch)
{
    GSubprocessLauncher *l = g_subprocess_launcher_new(G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_MERGE);
    char *idx = g_strdup_printf("%d", index), *name = g_strdup_printf("dev%d", index), *p = g_strdup_printf("%d", port);
    g_subprocess_launcher_setenv(l, "DMX_DEVICE_INDEX", idx, TRUE);
    g_subprocess_launcher_setenv(l, "DMX_DEVICE_NAME", name, TRUE);
    g_subprocess_launcher_setenv(l, "DMX_DEVICES", "dev1=127.0.0.1,dev2=127.0.0.1", TRUE);
    g_subprocess_launcher_setenv(l, "DMX_SECRET", "5eb63bbbe01eeed093cb22bb8f5acdc3", TRUE);
    g_subprocess_launcher_setenv(l, "DMX_PORT", p, TRUE);
    g_subprocess_launcher_setenv(l, "DMX_DSM_SIZE", "4194304", TRUE);
    g_subprocess_launcher_setenv(l, "DMX_SPECULATE", speculate, TRUE);
    g_subprocess_launcher_setenv(l, "DMX_PREFETCH", prefetch, TRUE);
    GError *err = NULL;
    GSubprocess *sp;
    char th[8];
    g_snprintf(th, sizeof(th), "%d", threads);
    if (DSM_UNDER_QEMU) {
        char *qemu = g_build_filename(top(), "build/bin/qemu-aarch64", NULL);
        char *prog = g_build_filename(top(), "build/guest/tests/dsm_counter", NULL);
        /* no -L: the arm64 multiarch glibc (libc6:arm64) is found at /lib/ld-linux-aarch64.so.1; mixing it with
         * the cross sysroot's loader (-L /usr/aarch64-linux-gnu) hangs in the first pthread_create */
        sp = g_subprocess_launcher_spawn(l, &err, qemu, prog, n, "16", th, NULL);
        g_free(qemu);
        g_free(prog);
    } else {
        char *prog = g_build_filename(top(), "build/tests/dsm_counter", NULL);
        sp = g_subprocess_launcher_spawn(l, &err, prog, n, "32", th, NULL);
        g_free(prog);
    }
    g_assert_no_error(err);
    g_free(idx);
    g_free(name);
    g_free(p);
    g_object_unref(l);
    return sp;
}

static char *finish(GSubprocess *sp)
{
    char *out = NULL;
    GError *err = NULL;
    g_assert_true(g_subprocess_communicate_utf8(sp, NULL, NULL, &out, NULL, &err));
    g_assert_no_error(err);
    g_test_message("%s", out);
    g_assert_true(g_subprocess_get_if_exited(sp));
    g_assert_cmpint(g_subprocess_get_exit_status(sp), ==, 0);
    g_object_unref(sp);
    return out;
}

static void run_pair(const char *speculate, const char *prefetch, int n)
{
    char nstr[16];
    g_snprintf(nstr, sizeof(nstr), "%d", n);
    int port = free_port();
    GSubprocess *master = device(1, port, nstr, speculate, prefetch);
    GSubprocess *worker = device(2, port, nstr, speculate, prefetch);
    char *wout = finish(worker), *mout = finish(master);
    char *want = g_strdup_printf("final=%d\n", 2 * n * threads);
    g_assert_nonnull(strstr(mout, want));
    /* Sparse writes: each critical section changes one word; the diffs the worker pushed are tiny next
     * to the pages it dirtied. */
    uint64_t diff_bytes = field(wout, "diff_bytes_pushed"), dirtied = field(wout, "write_faults");
    g_assert_cmpuint(dirtied, >, 0);
    g_assert_cmpuint(diff_bytes * 50, <, dirtied * 4096);
    g_assert_cmpuint(field(wout, "lock_acquires"), >=, (uint64_t)n * threads);
    /* Without speculation every acquire waits for a grant (with several threads, one may take a grant
     * another thread of its device asked for, so only the one-thread case is exact). */
    if (strcmp(speculate, "0") == 0 && threads == 1)
        g_assert_cmpuint(field(wout, "cached_acquires"), ==, 0);
    g_free(want);
    g_free(wout);
    g_free(mout);
}

static void test_counter_speculative(void) { run_pair("1", "1", DSM_UNDER_QEMU ? 300 : 2000); }
static void test_counter_every_grant_remote(void) { run_pair("0", "0", DSM_UNDER_QEMU ? 200 : 1000); }

static void test_counter_threads(void)
{
    threads = 3;                /* local hand-over of cached locks, concurrent faults on one page */
    run_pair("1", "1", DSM_UNDER_QEMU ? 100 : 1000);
    run_pair("0", "1", DSM_UNDER_QEMU ? 50 : 300);
    threads = 1;
}

static void test_skip(void)
{
    g_test_skip("build/bin/qemu-aarch64 or build/guest/tests/dsm_counter is missing");
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    if (DSM_UNDER_QEMU) {
        char *qemu = g_build_filename(top(), "build/bin/qemu-aarch64", NULL);
        char *prog = g_build_filename(top(), "build/guest/tests/dsm_counter", NULL);
        gboolean ready = g_file_test(qemu, G_FILE_TEST_IS_EXECUTABLE) && g_file_test(prog, G_FILE_TEST_EXISTS);
        g_free(qemu);
        g_free(prog);
        if (!ready) {
            g_test_add_func("/dsm-qemu/counter", test_skip);
            return g_test_run();
        }
    }
    const char *prefix = DSM_UNDER_QEMU ? "/dsm-qemu" : "/dsm-twoproc";
    char *a = g_strconcat(prefix, "/counter-speculative", NULL), *b = g_strconcat(prefix, "/counter-every-grant-remote", NULL);
    char *c = g_strconcat(prefix, "/counter-three-threads-each", NULL);
    g_test_add_func(a, test_counter_speculative);
    g_test_add_func(b, test_counter_every_grant_remote);
    g_test_add_func(c, test_counter_threads);
    return g_test_run();
}
