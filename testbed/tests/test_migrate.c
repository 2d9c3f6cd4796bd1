/* test_migrate: thread migration between emulated devices (pthread_spawn.c, DynaMix 4.2.3).
 *
 *   /migrate/random/PROG the pthread programs of test_pthread_e2e (counter, prodcons, matmul, bank, handoff) and pt_tls
 *                      (per-thread tallies in thread-local variables, kept by address across lock calls) under
 *                      `dmx run --app` on 2 and 3 devices with DMX_PLACE=rr and DMX_MIGRATE_RANDOM_MS=5: every
 *                      app thread moves to a random other device at its first safe point after each 5 ms of
 *                      emulated time. Each run must exit 0, print exactly what the program prints on one device,
 *                      and log at least one migration in some RUN/devices/NAME/migrations.csv.
 *   /migrate/hints     pt_hints on 3 devices with random migrations: a DMX_PLACE_LOCAL thread and one with a round-trip
 *                      bound no link meets never leave the master; a DMX_PLACE_EAGER_REMOTE thread starts elsewhere.
 *   /migrate/stack     mig_stack: a thread with 1 MiB on its stack and 1 MiB on the heap calls
 *                      dmx_migrate_self(2) and then (1) on a 2-device run at 100 Mbit/s, 2 ms delay: its working
 *                      set must be intact after each move, and both moves are logged with their downtime.
 *
 * Skips when qemu-aarch64, dmx-medium or the programs are not built. */
#include <gio/gio.h>
#include <glib.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "test_dmx.h"

struct result { int status; char *out, *err; int migrations; char *csv; };

/* How many migrations the run logged, and their rows as text (run_migration_rows). */
static int count_migrations(const char *out, char **text)
{
    g_autoptr(GPtrArray) rows = run_migration_rows(out, TRUE);
    GString *all = g_string_new(NULL);
    for (guint i = 0; i < rows->len; i++)
        g_string_append_printf(all, "%s\n", (char *)g_ptr_array_index(rows, i));
    *text = g_string_free(all, FALSE);
    return (int)rows->len;
}

static struct result run(const char *prog, int devices, const char *const *args, const char *migrate_ms,
                         const char *link)
{
    g_autofree char *app = g_strdup_printf("%s/build/guest/tests/%s", top(), prog);
    g_autofree char *out = g_dir_make_tmp("dmx-mig-XXXXXX", NULL), *n = g_strdup_printf("%d", devices);
    GPtrArray *a = g_ptr_array_new();
    const char *head[] = { "dmx", "run", "--app", app, "--devices", n, "--out", out, "--tdf", "4" };
    for (size_t i = 0; i < G_N_ELEMENTS(head); i++)
        g_ptr_array_add(a, (char *)head[i]);
    if (link) {
        g_ptr_array_add(a, (char *)"--link");
        g_ptr_array_add(a, (char *)link);
    }
    g_ptr_array_add(a, (char *)"--");
    for (; *args; args++)
        g_ptr_array_add(a, (char *)*args);
    g_ptr_array_add(a, NULL);
    g_autofree char *migrate = migrate_ms ? g_strdup_printf("DMX_MIGRATE_RANDOM_MS=%s", migrate_ms)
                                          : g_strdup("DMX_MIGRATE_RANDOM_MS");
    const char *env[] = { "DMX_PLACE=rr", migrate, NULL };
    RunResult rr = run_dmx_env((const char *const *)a->pdata, env);
    g_ptr_array_free(a, TRUE);
    struct result r = { .status = rr.status, .out = rr.out, .err = rr.err };
    r.migrations = count_migrations(out, &r.csv);
    g_test_message("%s on %d device(s): exit %d, %d migration(s)\nmigrations:\n%s", prog, devices, r.status,
                   r.migrations, r.csv);
    remove_tree(out);
    return r;
}

static void result_clear(struct result *r)
{
    g_free(r->out);
    g_free(r->err);
    g_free(r->csv);
}

static gboolean built(const char *prog)
{
    g_autofree char *rel = g_strdup_printf("build/guest/tests/%s", prog);
    return have("build/bin/dmx") && have("build/bin/qemu-aarch64") && have("build/bin/dmx-medium") && have(rel);
}

struct prog { const char *name; const char *args[4]; };

static void check_random(gconstpointer data)
{
    const struct prog *p = data;
    if (!built(p->name)) {
        g_test_skip("dmx, qemu-aarch64, dmx-medium or the program is not built");
        return;
    }
    struct result one = run(p->name, 1, p->args, NULL, NULL);
    g_assert_cmpint(one.status, ==, 0);
    g_assert_nonnull(strstr(one.out, " ok\n"));
    for (int n = 2; n <= 3; n++) {
        struct result many = run(p->name, n, p->args, "5", NULL);
        g_assert_cmpint(many.status, ==, 0);
        g_assert_cmpstr(many.out, ==, one.out);
        g_assert_cmpint(many.migrations, >=, 1);
        result_clear(&many);
    }
    result_clear(&one);
}

/* "pt_hints: NAME started on device D, ran on devices 0xMASK" from the program's stderr. */
static void hinted(const char *err, const char *name, int *start, unsigned *mask)
{
    g_autofree char *needle = g_strdup_printf("pt_hints: %s started on device ", name);
    const char *p = strstr(err, needle);
    g_assert_nonnull(p);
    g_assert_cmpint(sscanf(p + strlen(needle), "%d, ran on devices 0x%x", start, mask), ==, 2);
}

static void check_hints(void)
{
    if (!built("pt_hints")) {
        g_test_skip("dmx, qemu-aarch64, dmx-medium or pt_hints is not built");
        return;
    }
    static const char *const args[] = { "300", NULL };
    struct result one = run("pt_hints", 1, args, NULL, NULL);
    g_assert_cmpint(one.status, ==, 0);
    g_assert_nonnull(strstr(one.out, " ok\n"));
    struct result three = run("pt_hints", 3, args, "5", NULL);
    g_assert_cmpint(three.status, ==, 0);
    g_assert_cmpstr(three.out, ==, one.out);
    int start;
    unsigned mask;
    hinted(three.err, "local", &start, &mask);           /* DMX_PLACE_LOCAL: home, even under random moves */
    g_assert_cmpint(start, ==, 1);
    g_assert_cmphex(mask, ==, 1u << 1);
    hinted(three.err, "bounded", &start, &mask);         /* a 1 us bound no link meets: home too */
    g_assert_cmpint(start, ==, 1);
    g_assert_cmphex(mask, ==, 1u << 1);
    hinted(three.err, "eager", &start, &mask);           /* DMX_PLACE_EAGER_REMOTE: starts elsewhere */
    g_assert_cmpint(start, !=, 1);
    g_assert_cmpint(three.migrations, >=, 1);            /* the eager one still moves at random */
    result_clear(&one);
    result_clear(&three);
}

static void check_stack(void)
{
    if (!built("mig_stack")) {
        g_test_skip("dmx, qemu-aarch64, dmx-medium or mig_stack is not built");
        return;
    }
    static const char *const args[] = { "1024", NULL };
    struct result one = run("mig_stack", 1, args, NULL, NULL);
    g_assert_cmpint(one.status, ==, 0);
    g_assert_nonnull(strstr(one.out, " ok\n"));
    struct result two = run("mig_stack", 2, args, NULL, "rate 100mbit delay 2ms");
    g_assert_cmpint(two.status, ==, 0);
    g_assert_cmpstr(two.out, ==, one.out);
    g_assert_cmpint(two.migrations, ==, 2);
    g_assert_nonnull(strstr(two.err, "mig_stack: 2 migration(s)"));
    result_clear(&one);
    result_clear(&two);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    static const struct prog progs[] = {
        { "pt_counter", { "4", "300", NULL } },
        { "pt_prodcons", { "2", "2", "60", NULL } },
        { "pt_matmul", { "48", "4", NULL } },
        { "pt_bank", { "4", "60", NULL } },
        { "pt_handoff", { "2", "2", "60", NULL } },   /* items made on one device, checked and freed on another */
        { "pt_tls", { "4", "1500", NULL } },          /* thread-local variables move, at the same address */
    };
    for (size_t i = 0; i < G_N_ELEMENTS(progs); i++) {
        g_autofree char *path = g_strdup_printf("/migrate/random/%s", progs[i].name + 3);
        g_test_add_data_func(path, &progs[i], check_random);
    }
    g_test_add_func("/migrate/stack", check_stack);
    g_test_add_func("/migrate/hints", check_hints);
    return g_test_run();
}
