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
 *
 * Skips when qemu-aarch64, dmx-medium or the programs are not built. */
#include <gio/gio.h>
#include <glib.h>
#include <stdlib.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>

#include "test_dmx.h"

static RunResult run(const char *prog, int devices, const char *const *args)
{
    g_autofree char *app = g_strdup_printf("%s/build/guest/tests/%s", top(), prog);
    g_autofree char *out = g_dir_make_tmp("dmx-pt-XXXXXX", NULL), *n = g_strdup_printf("%d", devices);
    GPtrArray *a = g_ptr_array_new();
    const char *head[] = { "dmx", "run", "--app", app, "--devices", n, "--out", out, "--tdf", "2", "--" };
    for (size_t i = 0; i < G_N_ELEMENTS(head); i++)
        g_ptr_array_add(a, (char *)head[i]);
    for (; *args; args++)
        g_ptr_array_add(a, (char *)*args);
    g_ptr_array_add(a, NULL);
    const char *env[] = { "DMX_PLACE=rr", NULL };
    RunResult r = run_dmx_env((const char *const *)a->pdata, env);
    g_ptr_array_free(a, TRUE);
    g_test_message("%s on %d device(s): exit %d", prog, devices, r.status);
    remove_tree(out);
    return r;
}

static gboolean ran_elsewhere(const char *err)
{
    return strstr(err, "on device 2") || strstr(err, "on device 3");
}

struct prog { const char *name; const char *args[4]; };

static void check_program(gconstpointer data)
{
    const struct prog *p = data;
    g_autofree char *rel = g_strdup_printf("build/guest/tests/%s", p->name);
    if (!have("build/bin/dmx") || !have("build/bin/qemu-aarch64") || !have("build/bin/dmx-medium") || !have(rel)) {
        g_test_skip("dmx, qemu-aarch64, dmx-medium or the program is not built");
        return;
    }
    RunResult one = run(p->name, 1, p->args);
    g_assert_cmpint(one.status, ==, 0);
    g_assert_nonnull(strstr(one.out, " ok\n"));
    for (int n = 2; n <= 3; n++) {
        RunResult many = run(p->name, n, p->args);
        g_assert_cmpint(many.status, ==, 0);
        g_assert_cmpstr(many.out, ==, one.out);
        g_assert_true(ran_elsewhere(many.err));
        g_free(many.out);
        g_free(many.err);
    }
    g_free(one.out);
    g_free(one.err);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    static const struct prog progs[] = {
        { "pt_counter", { "4", "100", NULL } },
        { "pt_prodcons", { "2", "2", "60", NULL } },
        { "pt_matmul", { "48", "4", NULL } },
        { "pt_bank", { "4", "60", NULL } },
        { "pt_handoff", { "2", "2", "60", NULL } },   /* items made on one device, checked and freed on another */
        { "pt_syscalls", { "3", NULL } },             /* the kernel writes into shared pages on every device */
        { "pt_bigheap", { "3", "48", "5", NULL } },   /* one device takes 240 MiB of heap: it claims from the pool */
        { "pt_mainstack", { "3", "2000", NULL } },    /* what threads share is on main()'s stack (main_stack.c) */
    };
    for (size_t i = 0; i < G_N_ELEMENTS(progs); i++) {
        g_autofree char *path = g_strdup_printf("/pthread/%s", progs[i].name + 3);
        g_test_add_data_func(path, &progs[i], check_program);
    }
    return g_test_run();
}
