/* test_cpu_contention: the dynamix policy on CPU contention (DynaMix 4.1.3; device_monitor.c, sel_choose_cpu), with
 * real emulated devices. A Google Home (2 cores of 1.2 G instructions/s) is the master and runs pt_offload's 4
 * compute workers (each round ends at a mutex: a safe point); a Nexus 5 (4 idle cores of 2.26 G) joins at 1 s.
 *
 *   /cpu-contention/joined-device-takes-threads  under dynamix the Google Home's monitor sees its cores busy and its
 *                                                threads waiting for them (the devmodel plugin's run and throttle
 *                                                times), logs cpu-contention and cpu-decision rows, and moves threads
 *                                                to the phone, only after it joined; the total is still right, and
 *                                                it finishes sooner than under local, where all four share 2 cores.
 *                                                (Measured: two workers moved, 4.9 s against 6.0 s with 50 rounds.)
 *
 * Skips when qemu-aarch64, dmx-medium or pt_offload are not built. */
#include <gio/gio.h>
#include <glib.h>
#include <stdlib.h>
#include <string.h>

#define RUN_TIMEOUT_S 400
#include "test_dmx.h"

static const char scenario_ini[] =
    "[scenario]\nname = cpu-contention\napp = build/guest/tests/pt_offload\nargs = 4 80 10000000\ntdf = 8\n"
    "[device speaker]\nmodel = googlehome\nmaster = true\n"
    "[device phone]\nmodel = nexus5\njoin_at_s = 1\n"
    "[link]\nspec = rate 100mbit delay 2ms\nmode = wired\n";

struct outcome {
    RunResult rr;
    double duration_s, epoch_ns;
    char *monitor;          /* RUN/devices/speaker/monitor.csv */
    GPtrArray *migrations;  /* migrations.csv rows */
};

static struct outcome run_policy(const char *dir, const char *ini, const char *policy)
{
    g_autofree char *out = g_build_filename(dir, policy, NULL);
    const char *argv[] = { "dmx", "run", ini, "--policy", policy, "--out", out, NULL };
    struct outcome o = { .rr = run_dmx(argv) };
    g_autofree char *summary = read_or_empty(out, "summary.json");
    g_autofree char *events = read_or_empty(out, "events.log");
    o.duration_s = number_after(summary, "\"duration_s\": ");
    o.epoch_ns = number_after(events, "epoch ");
    o.monitor = read_or_empty(out, "devices/speaker/monitor.csv");
    o.migrations = run_migration_rows(out, FALSE);
    g_test_message("%s: %.3f s emulated, %u migration(s)", policy, o.duration_s, o.migrations->len);
    return o;
}

static void outcome_clear(struct outcome *o)
{
    run_result_clear(&o->rr);
    g_free(o->monitor);
    g_ptr_array_unref(o->migrations);
}

static void check_joined_device_takes_threads(void)
{
    const char *guests[] = { "build/guest/tests/pt_offload", NULL };
    if (!need_devices(guests))
        return;
    g_autofree char *dir = g_dir_make_tmp("dmx-cpu-XXXXXX", NULL);
    g_autofree char *ini = g_build_filename(dir, "cpu.ini", NULL);
    g_assert_true(g_file_set_contents(ini, scenario_ini, -1, NULL));
    struct outcome local = run_policy(dir, ini, "local"), dyn = run_policy(dir, ini, "dynamix");
    g_assert_cmpint(local.rr.status, ==, 0);
    g_assert_cmpint(dyn.rr.status, ==, 0);
    g_assert_nonnull(strstr(local.rr.out, "offload workers=4 rounds=80 total="));
    g_assert_nonnull(strstr(dyn.rr.out, strstr(local.rr.out, "offload workers=")));   /* the same total, ok */
    g_assert_nonnull(strstr(dyn.rr.out, " ok\n"));
    g_assert_nonnull(strstr(dyn.rr.err, "on device 1, finished on device 2"));
    g_assert_cmpuint(local.migrations->len, ==, 0);
    g_assert_nonnull(strstr(dyn.monitor, ",cpu-contention,"));
    g_assert_nonnull(strstr(dyn.monitor, ",cpu-decision,"));
    g_assert_cmpuint(dyn.migrations->len, >=, 1);
    for (guint i = 0; i < dyn.migrations->len; i++) {
        g_auto(GStrv) f = g_strsplit(g_ptr_array_index(dyn.migrations, i), ",", -1);
        g_assert_cmpuint(g_strv_length(f), ==, 11);
        g_assert_cmpstr(f[1], ==, "1");
        g_assert_cmpstr(f[2], ==, "2");                     /* to the phone */
        double decided_s = (g_ascii_strtod(f[10], NULL) - dyn.epoch_ns) / 1e9;
        g_test_message("thread %s decided at %.2f s, downtime %.1f ms", f[0], decided_s,
                       g_ascii_strtod(f[5], NULL) / 1e6);
        g_assert_cmpfloat(decided_s, >, 1.0);              /* not before the phone joined */
    }
    /* Generous: moved workers get whole 2.26 G cores instead of shares of two 1.2 G ones. */
    g_test_message("dynamix took %.2f of local's time", dyn.duration_s / local.duration_s);
    g_assert_cmpfloat(dyn.duration_s, <, 0.9 * local.duration_s);
    outcome_clear(&local);
    outcome_clear(&dyn);
    remove_tree(dir);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/cpu-contention/joined-device-takes-threads", check_joined_device_takes_threads);
    return g_test_run();
}
