/* test_offload_policy_e2e: the offload policy (testbed/runtime/offload_policy.c) on real emulated devices.
 *
 *   /offload/e2e/fastest   pt_offload (one compute-heavy worker, one light thread) on three devices whose CPU
 *                          models differ (hub: googlehome, 1.2e9 instructions/s per core, the master; tablet:
 *                          nexus7, 1.5e9; phone: nexus5, 2.26e9), 100 Mbit/s and 2 ms each way, TDF 8. Under
 *                          --policy offload the worker must end on the phone (device 3), moved exactly once, from
 *                          the hub, by the master's one decision (offload.csv: its profile, a cost row per
 *                          candidate, a "move" decision), the light thread must stay, and stdout must be what
 *                          --policy local prints (where nothing moves).
 *
 * Skips when qemu-aarch64, dmx-medium or pt_offload is not built. */
#include <gio/gio.h>
#include <glib.h>
#include <stdlib.h>
#include <string.h>

#include "test_dmx.h"

static const char scenario[] =
    "[scenario]\n"
    "name = offload-e2e\n"
    "app = build/guest/tests/pt_offload\n"
    "args = 1 40 20000000\n"
    "policies = local, offload\n"
    "tdf = 8\n"
    "[device hub]\nmodel = googlehome\nmaster = true\n"
    "[device tablet]\nmodel = nexus7\n"
    "[device phone]\nmodel = nexus5\n"
    "[link]\nspec = rate 100mbit delay 2ms\n";

struct run {
    RunResult r;
    char *dir;          /* the run directory */
};

static struct run run_policy(const char *ini, const char *policy)
{
    struct run run = { .dir = g_dir_make_tmp("dmx-offload-XXXXXX", NULL) };
    g_assert_nonnull(run.dir);
    const char *argv[] = { "dmx", "run", ini, "--policy", policy, "--out", run.dir, NULL };
    run.r = run_dmx(argv);
    return run;
}

static void run_clear(struct run *run)
{
    remove_tree(run->dir);
    g_free(run->dir);
    run_result_clear(&run->r);
}

/* The offload log's rows of one event. */
static guint count_rows(const char *log, const char *event)
{
    g_autofree char *needle = g_strdup_printf(",%s,", event);
    guint n = 0;
    for (const char *p = log; (p = strstr(p, needle)); p++)
        n++;
    return n;
}

static void check_offload_log(const char *dir)
{
    g_autofree char *path = g_build_filename(dir, "devices", "hub", "offload.csv", NULL), *log = NULL;
    g_assert_true(g_file_get_contents(path, &log, NULL, NULL));
    g_test_message("offload.csv:\n%s", log);
    g_assert_cmpuint(count_rows(log, "link"), ==, 2);
    g_assert_cmpuint(count_rows(log, "profile"), ==, 2);       /* the worker and the light thread */
    g_assert_cmpuint(count_rows(log, "cost"), ==, 3);          /* the worker, on each device */
    g_assert_cmpuint(count_rows(log, "decision"), ==, 2);
    g_assert_nonnull(strstr(log, ",3,move total_s="));
    g_assert_nonnull(strstr(log, ",1,stay: light"));
    /* No other device decided anything. */
    for (const char *other = "tablet"; other; other = strcmp(other, "tablet") == 0 ? "phone" : NULL) {
        g_autofree char *p = g_build_filename(dir, "devices", other, "offload.csv", NULL);
        g_assert_false(g_file_test(p, G_FILE_TEST_EXISTS));
    }
}

static void test_fastest(void)
{
    static const char *const guests[] = { "build/guest/tests/pt_offload", NULL };
    if (!need_devices(guests))
        return;
    g_autofree char *tmp = g_dir_make_tmp("dmx-offload-ini-XXXXXX", NULL);
    g_autofree char *ini = g_build_filename(tmp, "offload.ini", NULL);
    g_assert_true(g_file_set_contents(ini, scenario, -1, NULL));

    struct run local = run_policy(ini, "local");
    g_assert_cmpint(local.r.status, ==, 0);
    g_assert_nonnull(strstr(local.r.out, " ok\n"));
    g_autoptr(GPtrArray) local_moves = run_migration_rows(local.dir, FALSE);
    g_assert_cmpuint(local_moves->len, ==, 0);

    struct run off = run_policy(ini, "offload");
    g_assert_cmpint(off.r.status, ==, 0);
    g_assert_cmpstr(off.r.out, ==, local.r.out);
    g_assert_nonnull(strstr(off.r.err, "pt_offload: worker 0 started on device 1, finished on device 3\n"));
    g_assert_nonnull(strstr(off.r.err, "pt_offload: light thread started on device 1, finished on device 1\n"));
    g_autoptr(GPtrArray) moves = run_migration_rows(off.dir, FALSE);
    for (guint i = 0; i < moves->len; i++)
        g_test_message("migration: %s", (char *)g_ptr_array_index(moves, i));
    g_assert_cmpuint(moves->len, ==, 1);
    g_auto(GStrv) f = g_strsplit(g_ptr_array_index(moves, 0), ",", -1);
    g_assert_cmpstr(f[1], ==, "1");     /* from the hub */
    g_assert_cmpstr(f[2], ==, "3");     /* to the phone */
    g_assert_cmpstr(f[10], !=, "0");    /* decided by a policy (t_decide), not forced */
    check_offload_log(off.dir);

    run_clear(&local);
    run_clear(&off);
    remove_tree(tmp);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/offload/e2e/fastest", test_fastest);
    return g_test_run();
}
