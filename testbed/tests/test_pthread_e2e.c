/* test_pthread_e2e: unmodified pthread programs (testbed/guest-tests/pt_*.c, built by dmx-cc) under
 * `dmx run --app` on 1 device and on 2 and 3 devices with DMX_PLACE=rr (their threads spread round robin over
 * the devices): libdmx shares the heap and the globals and makes mutexes, condition variables and barriers
 * global. Each program must exit 0 and print the same line on every device count, and on more than one device
 * some thread must have run on a device other than the master (the programs say where, on stderr).
 *
 *   counter    mutex-protected global and heap counters (static mutex initialiser)
 *   prodcons   bounded ring in the heap with two condition variables
 *   matmul     integer matrix product, rows split, barrier, checksum by the serial thread
 *   bank       random transfers under per-account global mutexes; audits see a constant total
 *   handoff    heap items made by producers, checked and freed by consumers (often on another device)
 *   syscalls   system calls that write into heap records main made (the time, stat, pipe, pread, recv, poll...)
 *   bigheap    thread 0 allocates 240 MiB, more than its device's share of the shared heap (85 MiB on 3 devices,
 *              127 on 2): the device claims the rest from the heap's pool; no two blocks overlap
 *   mainstack  arguments, results, a mutex, a condition variable and a message, all on main()'s stack
 *   fork       each thread forks a child that reads and overwrites a global, a heap block and a variable on the
 *              thread's stack (the thread's copies stay), and one that execs /bin/sh (process_start.c)
 *   signals    main sets a SIGSEGV handler and ignores SIGPIPE: on every device a thread's guard-page fault reaches
 *              the app's handler, a write to a closed pipe fails with EPIPE, and a thread that blocks every
 *              signal still takes remote page faults (app_signals.c); a SIGTRAP handler main sets after the threads
 *              started reaches them (each waits until sigaction shows it), and a thread's raise(SIGTRAP) lands there
 *
 * And /pthread/dsm-per-thread: dsm.json counts the page and diff bytes of each thread, adding up to the device's.
 * And /pthread/join-wakes: a thread's end on device 2 wakes pthread_join on the master, rather than its next poll.
 * And /pthread/policy/{local,rf,dynamix,offload}: counter, prodcons, matmul and bank on 3 devices under each policy
 * (dynamix also with random migrations every 5 ms) print what they print on one device.
 * And /pthread/signals-checkpoints: with checkpoints (DMX_CHECKPOINT=release here; publish, the default, too) the
 * app's handler for SIGRTMIN+6, which a checkpoint cut uses, is refused with EINVAL (and logged), and the program
 * still runs correctly; with DMX_CHECKPOINT=migration it is the app's.
 *
 * Skips when qemu-aarch64, dmx-medium or the programs are not built. */
#include <gio/gio.h>
#include <glib.h>
#include <stdlib.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>

#include "test_dmx.h"

/* policy: --policy's value, or NULL (dmx's default for --app, local). dev2_dsm: if not NULL, gets device 2's
 * dsm.json (or "") before the run's directory goes. */
static RunResult run_policy(const char *prog, int devices, const char *const *args, const char *policy,
                            const char *extra_env, char **dev2_dsm)
{
    g_autofree char *app = g_strdup_printf("%s/build/guest/tests/%s", top(), prog);
    g_autofree char *out = g_dir_make_tmp("dmx-pt-XXXXXX", NULL), *n = g_strdup_printf("%d", devices);
    GPtrArray *a = g_ptr_array_new();
    const char *head[] = { "dmx", "run", "--app", app, "--devices", n, "--out", out, "--tdf", "2" };
    for (size_t i = 0; i < G_N_ELEMENTS(head); i++)
        g_ptr_array_add(a, (char *)head[i]);
    if (policy) {
        g_ptr_array_add(a, (char *)"--policy");
        g_ptr_array_add(a, (char *)policy);
    }
    g_ptr_array_add(a, (char *)"--");
    for (; *args; args++)
        g_ptr_array_add(a, (char *)*args);
    g_ptr_array_add(a, NULL);
    const char *env[] = { "DMX_PLACE=rr", extra_env, NULL };
    RunResult r = run_dmx_env((const char *const *)a->pdata, env);
    g_ptr_array_free(a, TRUE);
    g_test_message("%s on %d device(s)%s%s: exit %d", prog, devices, policy ? ", policy " : "", policy ? policy : "",
                   r.status);
    if (dev2_dsm)
        *dev2_dsm = read_or_empty(out, "devices/dev2/dsm.json");
    remove_tree(out);
    return r;
}

static RunResult run_env(const char *prog, int devices, const char *const *args, const char *extra_env,
                         char **dev2_dsm)
{
    return run_policy(prog, devices, args, NULL, extra_env, dev2_dsm);
}

static RunResult run(const char *prog, int devices, const char *const *args)
{
    return run_env(prog, devices, args, NULL, NULL);
}

static gboolean ran_elsewhere(const char *err)
{
    return strstr(err, "on device 2") || strstr(err, "on device 3");
}

struct prog { const char *name; const char *args[4]; };

/* P on one device: it must exit 0 and say ok. */
static RunResult run_alone(const struct prog *p)
{
    RunResult one = run(p->name, 1, p->args);
    g_assert_cmpint(one.status, ==, 0);
    g_assert_nonnull(strstr(one.out, " ok\n"));
    return one;
}

/* A run on several devices (consumed) exits 0, prints ONE's line, and ran some thread off the master. */
static void assert_same_as_alone(const RunResult *one, RunResult many)
{
    g_assert_cmpint(many.status, ==, 0);
    g_assert_cmpstr(many.out, ==, one->out);
    g_assert_true(ran_elsewhere(many.err));
    g_free(many.out);
    g_free(many.err);
}

static void check_program(gconstpointer data)
{
    const struct prog *p = data;
    g_autofree char *rel = g_strdup_printf("build/guest/tests/%s", p->name);
    if (!have("build/bin/dmx") || !have("build/bin/qemu-aarch64") || !have("build/bin/dmx-medium") || !have(rel)) {
        g_test_skip("dmx, qemu-aarch64, dmx-medium or the program is not built");
        return;
    }
    RunResult one = run_alone(p);
    for (int n = 2; n <= 3; n++)
        assert_same_as_alone(&one, run(p->name, n, p->args));
    g_free(one.out);
    g_free(one.err);
}

static void check_signals_with_checkpoints(void)
{
    const char *guests[] = { "build/guest/tests/pt_signals", NULL };
    if (!need_devices(guests))
        return;
    const char *args[] = { "4", "50", NULL };
    RunResult plain = run_env("pt_signals", 2, args, "DMX_CHECKPOINT=migration", NULL);
    g_assert_cmpint(plain.status, ==, 0);
    g_assert_nonnull(strstr(plain.err, "SIGRTMIN+6 handler installed"));
    RunResult cut = run_env("pt_signals", 2, args, "DMX_CHECKPOINT=release", NULL);
    g_assert_cmpint(cut.status, ==, 0);
    g_assert_cmpstr(cut.out, ==, plain.out);
    g_assert_nonnull(strstr(cut.err, "SIGRTMIN+6 handler refused (Invalid argument)"));
    g_free(plain.out);
    g_free(plain.err);
    g_free(cut.out);
    g_free(cut.err);
}

/* The sum of key over the per-thread records of a dsm.json ("threads":[...]). */
static double sum_over_threads(const char *dsm, const char *key)
{
    const char *p = strstr(dsm, "\"threads\":[");
    double sum = 0;
    while (p && (p = strstr(p, key))) {
        p += strlen(key);
        sum += g_ascii_strtod(p, NULL);
    }
    return sum;
}

/* pt_counter's thread on device 2 takes the counters' pages from home and sends its writes back: dsm.json shows
 * it per thread, and the threads' diff bytes add up to the device's. */
static void check_per_thread_dsm(void)
{
    const char *guests[] = { "build/guest/tests/pt_counter", NULL };
    if (!need_devices(guests))
        return;
    const char *args[] = { "4", "100", NULL };
    g_autofree char *dsm = NULL;
    RunResult r = run_env("pt_counter", 2, args, NULL, &dsm);
    g_assert_cmpint(r.status, ==, 0);
    double device_pushed = number_after(dsm, "\"diff_bytes_pushed\":");
    double threads_pushed = sum_over_threads(dsm, "\"diff_bytes_pushed\":");
    double threads_fetched = sum_over_threads(dsm, "\"fetch_bytes\":");
    double device_received =
        number_after(dsm, "\"page_bytes_received\":") + number_after(dsm, "\"diff_bytes_received\":");
    g_test_message("device 2: diffs pushed %.0f bytes (threads %.0f), received %.0f (threads' faults %.0f)",
                   device_pushed, threads_pushed, device_received, threads_fetched);
    g_assert_cmpfloat(device_pushed, >, 0);
    g_assert_cmpfloat(threads_pushed, ==, device_pushed);
    g_assert_cmpfloat(threads_fetched, >, 0);
    g_assert_cmpfloat(threads_fetched, <=, device_received);
    g_free(r.out);
    g_free(r.err);
}

/* dsm_latency's thread on device 2 returns 300 ms after main began pthread_join on the master: the thread's end
 * wakes the join (dmx_wake_notify), which returns about 1.5 round trips later (6.5 ms at 2 ms each way). When the
 * join polled, its nap had grown to 50 ms by then, and it returned 17 to 36 ms after the end. */
static void check_join_wakes(void)
{
    const char *guests[] = { "build/guest/tests/dsm_latency", NULL };
    if (!need_devices(guests))
        return;
    const char *args[] = { "4", "8", NULL };
    RunResult r = run_env("dsm_latency", 2, args, NULL, NULL);
    g_assert_cmpint(r.status, ==, 0);
    const char *join = strstr(r.out, "join_us_median=");
    g_assert_nonnull(join);
    double us = number_after(join, "join_us_median=");
    g_test_message("join returned %.1f ms (emulated) after the thread on device 2 ended", us / 1e3);
    g_assert_cmpfloat(us, >, 2000);         /* at least the way from device 2 */
    g_assert_cmpfloat(us, <, 12000);        /* twice the floor, and below any poll's back-off */
    g_free(r.out);
    g_free(r.err);
}

static const struct prog progs[] = {
    { "pt_counter", { "4", "100", NULL } },
    { "pt_prodcons", { "2", "2", "60", NULL } },
    { "pt_matmul", { "48", "4", NULL } },
    { "pt_bank", { "4", "60", NULL } },
    { "pt_handoff", { "2", "2", "60", NULL } },   /* items made on one device, checked and freed on another */
    { "pt_syscalls", { "3", NULL } },             /* the kernel writes into shared pages on every device */
    { "pt_bigheap", { "3", "48", "5", NULL } },   /* one device takes 240 MiB of heap: it claims from the pool */
    { "pt_mainstack", { "3", "2000", NULL } },    /* what threads share is on main()'s stack (main_stack.c) */
    { "pt_signals", { "4", "50", NULL } },        /* the app's signal actions on every device (app_signals.c) */
    { "pt_fork", { "3", NULL } },                 /* children get a copy of shared memory (process_start.c) */
};
#define ISSUE_PROGS 4   /* progs' first: counter, prodcons, matmul and bank, which the issue names */

/* Each policy's own machinery (dynamix's monitor and migration selector, offload's profile and one-time choice,
 * rf's forwarding only) runs beside the app's threads and must not change what the app computes: the issue's
 * programs on 3 devices (DMX_PLACE=rr) against their one-device line. Under dynamix, also with every thread moved
 * at random every 5 ms (--migrate-random's DMX_MIGRATE_RANDOM_MS), on top of what the policy decides. */
static void check_policy(gconstpointer data)
{
    const char *policy = data;
    const char *extras[] = { NULL, "DMX_MIGRATE_RANDOM_MS=5" };
    size_t nextras = strcmp(policy, "dynamix") == 0 ? 2 : 1;
    for (size_t i = 0; i < ISSUE_PROGS; i++) {
        g_autofree char *rel = g_strdup_printf("build/guest/tests/%s", progs[i].name);
        const char *guests[] = { rel, NULL };
        if (!need_devices(guests))
            return;
        RunResult one = run_alone(&progs[i]);
        for (size_t e = 0; e < nextras; e++)
            assert_same_as_alone(&one, run_policy(progs[i].name, 3, progs[i].args, policy, extras[e], NULL));
        g_free(one.out);
        g_free(one.err);
    }
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    for (size_t i = 0; i < G_N_ELEMENTS(progs); i++) {
        g_autofree char *path = g_strdup_printf("/pthread/%s", progs[i].name + 3);
        g_test_add_data_func(path, &progs[i], check_program);
    }
    g_test_add_func("/pthread/signals-checkpoints", check_signals_with_checkpoints);
    g_test_add_func("/pthread/dsm-per-thread", check_per_thread_dsm);
    g_test_add_func("/pthread/join-wakes", check_join_wakes);
    static const char *const policies[] = { "local", "rf", "dynamix", "offload" };
    for (size_t i = 0; i < G_N_ELEMENTS(policies); i++) {
        g_autofree char *path = g_strdup_printf("/pthread/policy/%s", policies[i]);
        g_test_add_data_func(path, policies[i], check_policy);
    }
    return g_test_run();
}
