/*
 * test_tdf: end-to-end tests of the QEMU time dilation patch
 * (qemu-patches/0001-linux-user-time-dilation.patch).  Runs the tdf_* guest
 * programs directly under qemu-aarch64 with QEMU_TDF set, measures host time
 * around each run and compares it with what the guest saw.  Bounds are
 * generous: the host has 2 busy cores.
 *
 * The tree is found through $DMX_TOP (else the DMX_TOP macro); $DMX_QEMU
 * overrides the QEMU binary (default $DMX_TOP/build/bin/qemu-aarch64).
 */
#include <glib.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#ifndef DMX_TOP
#define DMX_TOP "."
#endif

typedef struct {
    GHashTable *values;   /* key -> double, from the guest's "key value" lines */
    double host_secs;     /* host wall time of the whole run */
    int status;           /* wait status */
    char *err;
} GuestRun;

static const char *top(void)
{
    const char *t = g_getenv("DMX_TOP");

    return t ? t : DMX_TOP;
}

static char *qemu_path(void)
{
    const char *q = g_getenv("DMX_QEMU");

    return q ? g_strdup(q) : g_build_filename(top(), "build/bin/qemu-aarch64", NULL);
}

static double host_now(clockid_t clk)
{
    struct timespec ts;

    clock_gettime(clk, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static GHashTable *parse_values(const char *out)
{
    GHashTable *h = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
    g_auto(GStrv) lines = g_strsplit(out, "\n", -1);

    for (char **l = lines; *l; l++) {
        g_auto(GStrv) kv = g_strsplit(*l, " ", 2);
        if (kv[0] && kv[1]) {
            double *v = g_new(double, 1);
            *v = g_ascii_strtod(kv[1], NULL);
            g_hash_table_insert(h, g_strdup(kv[0]), v);
        }
    }
    return h;
}

/* Run guest program PROG with ARGS under QEMU; tdf/epoch NULL leaves them unset. */
static GuestRun *run_guest(const char *tdf, const char *epoch, const char *qemu_opt,
                           const char *prog, const char *const *args)
{
    GuestRun *r = g_new0(GuestRun, 1);
    g_autofree char *qemu = qemu_path();
    g_autofree char *bin = g_build_filename(top(), "build/guest", prog, NULL);
    g_autoptr(GPtrArray) argv = g_ptr_array_new();
    g_auto(GStrv) envp = g_get_environ();
    g_autofree char *out = NULL;
    g_autoptr(GError) error = NULL;
    gint64 t0;

    envp = g_environ_unsetenv(envp, "QEMU_TDF");
    envp = g_environ_unsetenv(envp, "QEMU_TDF_EPOCH_NS");
    if (tdf) {
        envp = g_environ_setenv(envp, "QEMU_TDF", tdf, TRUE);
    }
    if (epoch) {
        envp = g_environ_setenv(envp, "QEMU_TDF_EPOCH_NS", epoch, TRUE);
    }
    g_ptr_array_add(argv, qemu);
    if (qemu_opt) {
        g_ptr_array_add(argv, "-tdf");
        g_ptr_array_add(argv, (char *)qemu_opt);
    }
    g_ptr_array_add(argv, bin);
    for (; args && *args; args++) {
        g_ptr_array_add(argv, (char *)*args);
    }
    g_ptr_array_add(argv, NULL);

    t0 = g_get_monotonic_time();
    if (!g_spawn_sync(NULL, (char **)argv->pdata, envp, G_SPAWN_DEFAULT, NULL, NULL,
                      &out, &r->err, &r->status, &error)) {
        g_error("cannot run %s: %s", qemu, error->message);
    }
    r->host_secs = (g_get_monotonic_time() - t0) / 1e6;
    r->values = parse_values(out);
    g_test_message("%s %s QEMU_TDF=%s -tdf %s: host %.3f s, status %d, stdout:\n%s",
                   prog, args && args[0] ? args[0] : "", tdf ? tdf : "(unset)",
                   qemu_opt ? qemu_opt : "(none)", r->host_secs, r->status, out);
    return r;
}

static void guest_run_free(GuestRun *r)
{
    g_hash_table_unref(r->values);
    g_free(r->err);
    g_free(r);
}
G_DEFINE_AUTOPTR_CLEANUP_FUNC(GuestRun, guest_run_free)

static double value(GuestRun *r, const char *key)
{
    double *v = g_hash_table_lookup(r->values, key);

    if (!v) {
        g_error("guest did not report '%s' (status %d, stderr: %s)", key, r->status,
                r->err);
    }
    return *v;
}

static void assert_ok(GuestRun *r)
{
    if (!g_spawn_check_wait_status(r->status, NULL)) {
        g_error("guest failed with status %d: %s", r->status, r->err);
    }
}

#define assert_between(v, lo, hi) do {                                         \
        double v_ = (v);                                                       \
        if (!(v_ >= (lo) && v_ <= (hi))) {                                     \
            g_error("%s = %.3f, expected %.3f..%.3f", #v, v_, (double)(lo),   \
                    (double)(hi));                                             \
        }                                                                      \
    } while (0)

/* Sleep 1 s at TDF 4: ~4 s of host time; every wall-type clock sees ~1 s. */
static void test_sleep_tdf4(void)
{
    const char *args[] = { "1", NULL };
    g_autoptr(GuestRun) r = run_guest("4", NULL, NULL, "tdf_sleep", args);
    const char *clocks[] = { "realtime", "monotonic", "monotonic_raw", "boottime",
                             "realtime_coarse", "monotonic_coarse", "tai",
                             "gettimeofday" };

    assert_ok(r);
    assert_between(r->host_secs, 3.5, 6.0);
    for (gsize i = 0; i < G_N_ELEMENTS(clocks); i++) {
        g_test_message("checking %s", clocks[i]);
        assert_between(value(r, clocks[i]), 0.95, 1.3);
    }
    /* No vDSO: glibc must make real clock syscalls for QEMU to dilate. */
    g_assert_cmpfloat(value(r, "vdso"), ==, 0);
}

/* The -tdf option works like QEMU_TDF, and fractional factors work. */
static void test_fractional_option(void)
{
    const char *args[] = { "0.4", NULL };
    g_autoptr(GuestRun) r = run_guest(NULL, NULL, "2.5", "tdf_sleep", args);

    assert_ok(r);
    assert_between(r->host_secs, 0.95, 2.0);
    assert_between(value(r, "monotonic"), 0.39, 0.6);
}

/* TDF=1 and TDF unset behave like stock QEMU: guest clocks = host clocks. */
static void test_tdf1_is_stock(void)
{
    const char *tdfs[] = { "1", NULL };

    for (gsize i = 0; i < G_N_ELEMENTS(tdfs); i++) {
        const char *args[] = { "0.5", NULL };
        g_autoptr(GuestRun) s = run_guest(tdfs[i], NULL, NULL, "tdf_sleep", args);
        double mono, real;

        assert_ok(s);
        assert_between(s->host_secs, 0.45, 1.6);
        assert_between(value(s, "monotonic"), 0.49, 0.8);

        g_autoptr(GuestRun) c = run_guest(tdfs[i], NULL, NULL, "tdf_clocks", NULL);
        mono = host_now(CLOCK_MONOTONIC);
        real = host_now(CLOCK_REALTIME);
        assert_ok(c);
        assert_between(mono - value(c, "monotonic"), 0, 1.0);
        assert_between(real - value(c, "realtime"), 0, 1.0);
    }
}

/*
 * QEMU_TDF_EPOCH_NS puts every device on one timeline: with the epoch 8 s
 * ago and TDF 4, 2 s of emulated time have passed, so the guest's clocks
 * read 6 s behind the host's.
 */
static void test_shared_epoch(void)
{
    double mono0 = host_now(CLOCK_MONOTONIC);
    g_autofree char *epoch = g_strdup_printf("%" G_GINT64_FORMAT,
                                             (gint64)((mono0 - 8.0) * 1e9));
    g_autoptr(GuestRun) r = run_guest("4", epoch, NULL, "tdf_clocks", NULL);
    double mono = host_now(CLOCK_MONOTONIC), real = host_now(CLOCK_REALTIME);
    double boot = host_now(CLOCK_BOOTTIME);

    assert_ok(r);
    assert_between(mono - value(r, "monotonic"), 5.7, 6.0 + 0.75 * r->host_secs + 0.1);
    assert_between(real - value(r, "realtime"), 5.7, 6.0 + 0.75 * r->host_secs + 0.1);
    assert_between(boot - value(r, "boottime"), 5.7, 6.0 + 0.75 * r->host_secs + 0.1);
    /* CPU time is not dilated: a short run used well under a few seconds. */
    assert_between(value(r, "cputime"), 0, 3.0);
}

/* Many clock reads across threads at a fractional TDF never go backwards. */
static void test_monotonic_threads(void)
{
    const char *args[] = { "4", "25000", NULL };
    g_autoptr(GuestRun) r = run_guest("3.7", NULL, NULL, "tdf_monotonic", args);

    assert_ok(r);
    g_assert_cmpfloat(value(r, "reads"), ==, 100000);
    g_assert_cmpfloat(value(r, "backwards"), ==, 0);
}

/* An absolute deadline 0.5 s of emulated time ahead takes ~2 s at TDF 4. */
static void check_deadline(const char *mode, double secs)
{
    const char *args[] = { mode, NULL, NULL };
    g_autofree char *s = g_strdup_printf("%g", secs);

    args[1] = s;
    g_autoptr(GuestRun) r = run_guest("4", NULL, NULL, "tdf_deadline", args);
    assert_ok(r);
    assert_between(r->host_secs, 4 * secs * 0.95, 4 * secs + 1.5);
    assert_between(value(r, "elapsed"), secs * 0.98, secs + 0.3);
}

static void test_clock_nanosleep_abstime(void)
{
    check_deadline("abs_mono", 0.5);
}

static void test_cond_timedwait(void)
{
    check_deadline("cond_real", 0.5);
}

static void test_other_deadlines(void)
{
    check_deadline("abs_real", 0.25);
    check_deadline("cond_mono", 0.25);
    check_deadline("sem", 0.25);
}

/*
 * Relative timeouts of poll, select, epoll, itimers, timerfds, SO_RCVTIMEO,
 * sigtimedwait, semtimedop and nanosleep scale; remaining-time outputs are in guest time.
 */
static void test_io_timeouts(void)
{
    const char *names[] = { "poll", "ppoll", "select", "pselect", "epoll_wait",
                            "itimer", "timerfd", "so_rcvtimeo", "sigtimedwait",
                            "semtimedop", "nanosleep_syscall" };
    const char *args[] = { "0.15", NULL };
    g_autoptr(GuestRun) r = run_guest("4", NULL, NULL, "tdf_timeouts", args);
    double emulated = 0.2;   /* select_left's writer and nanosleep_rem's timer */

    assert_ok(r);
    for (gsize i = 0; i < G_N_ELEMENTS(names); i++) {
        g_test_message("checking %s", names[i]);
        assert_between(value(r, names[i]), 0.145, 0.4);
        emulated += value(r, names[i]);
    }
    /* ~0.9 s; a bit more if the writer's or the timer's 0.1 s began first. */
    assert_between(value(r, "select_left"), 0.7, 0.95);
    assert_between(value(r, "nanosleep_rem"), 0.7, 0.95);
    assert_between(value(r, "rcvtimeo_get"), 0.149, 0.151);
    assert_between(r->host_secs, 4 * emulated * 0.95, 4 * emulated + 2.0);
}

/* A bad factor is refused with a clear message before the guest runs. */
static void test_bad_values(void)
{
    const char *bad[] = { "0", "-2", "abc", "", "4x", "nan", "inf" };

    for (gsize i = 0; i < G_N_ELEMENTS(bad); i++) {
        for (int as_option = 0; as_option < 2; as_option++) {
            g_autoptr(GuestRun) r = run_guest(as_option ? NULL : bad[i], NULL,
                                              as_option ? bad[i] : NULL,
                                              "tdf_clocks", NULL);
            g_assert_false(g_spawn_check_wait_status(r->status, NULL));
            g_assert_nonnull(strstr(r->err, "invalid time dilation factor"));
            g_assert_cmpuint(g_hash_table_size(r->values), ==, 0);
        }
    }
    g_autoptr(GuestRun) e = run_guest("4", "soon", NULL, "tdf_clocks", NULL);
    g_assert_false(g_spawn_check_wait_status(e->status, NULL));
    g_assert_nonnull(strstr(e->err, "QEMU_TDF_EPOCH_NS"));
}

static void skip_no_qemu(void)
{
    g_test_skip("qemu-aarch64 not built; run ./configure");
}

int main(int argc, char **argv)
{
    g_autofree char *qemu = NULL;

    g_test_init(&argc, &argv, NULL);
    qemu = qemu_path();
    if (!g_file_test(qemu, G_FILE_TEST_IS_EXECUTABLE)) {
        g_test_add_func("/tdf/qemu-missing", skip_no_qemu);
        return g_test_run();
    }
    g_test_add_func("/tdf/sleep-tdf4", test_sleep_tdf4);
    g_test_add_func("/tdf/fractional-option", test_fractional_option);
    g_test_add_func("/tdf/tdf1-is-stock", test_tdf1_is_stock);
    g_test_add_func("/tdf/shared-epoch", test_shared_epoch);
    g_test_add_func("/tdf/monotonic-threads", test_monotonic_threads);
    g_test_add_func("/tdf/clock-nanosleep-abstime", test_clock_nanosleep_abstime);
    g_test_add_func("/tdf/cond-timedwait", test_cond_timedwait);
    g_test_add_func("/tdf/other-deadlines", test_other_deadlines);
    g_test_add_func("/tdf/io-timeouts", test_io_timeouts);
    g_test_add_func("/tdf/bad-values", test_bad_values);
    return g_test_run();
}
