/* test_apps_multi: the three workloads across emulated devices, run through build/bin/dmx as a user would
 * (a scenario written into a temporary directory, `dmx run X.ini --policy rf`), each compared with the ideal
 * baseline on one device (`dmx run --app APP --devices 1`):
 *  - home-theater at 360p on 2 devices with the screen bound to dev2 (rf): dev2's screen presents every frame
 *    with the same checksums, in the same order, as the single device's screen;
 *  - surveillance with the camera on another device (rf): for every clip frame both runs processed, the same
 *    edge checksum;
 *  - photo-classify with the photos spread over 3 devices' storage (rf): the same label for every photo (and
 *    the same labels hash) as with all of them on one device; remote photos say they were read by forwarding;
 *  - bad input across devices ends the run cleanly and names what failed: a photo no device holds, a truncated
 *    photo on another device, an unreadable camera clip on the camera device.
 * Media from tools/make-media.sh (build/media). Every run is bounded by `timeout`; exit 124 means a hang. */
#include <glib.h>
#include <glib/gstdio.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "test_dmx.h"

static gboolean ready(const char *app, const char *media)
{
    const char *need[] = { "build/bin/qemu-aarch64", "build/bin/dmx", app, media, NULL };
    return need_in_tree(need, G_FILE_TEST_EXISTS,
                        "qemu, dmx, the app or its media is missing (make; tools/make-media.sh)");
}

struct run {
    char *out, *err;
    int status;
    char *dir; /* the run directory (--out) */
};

/* `timeout LIMIT build/bin/dmx run ARGS... --out DIR`, with KEY=VALUE pairs (NULL-terminated) added to the env. */
static struct run dmx_run(const char *const *args, int limit, ...)
{
    struct run r = { 0 };
    g_autofree char *parent = g_dir_make_tmp("dmx-multi-run-XXXXXX", NULL);
    r.dir = g_build_filename(parent, "run", NULL);
    char **env = g_get_environ();
    /* The runs go through the whole guest stack, the pthread takeover included (DMX_TAKEOVER not set). */
    env = g_environ_unsetenv(env, "DMX_TAKEOVER");
    env = g_environ_unsetenv(env, "DMX_STORAGE_DIR");
    env = g_environ_unsetenv(env, "DMX_CAMERA_CLIP");
    env = g_environ_unsetenv(env, "DMX_BIND");
    va_list ap;
    va_start(ap, limit);
    env = environ_set_pairs(env, ap);
    va_end(ap);
    GPtrArray *argv = g_ptr_array_new();
    const char *head[] = { "build/bin/dmx", "run", "--out", r.dir };
    for (guint i = 0; i < G_N_ELEMENTS(head); i++)
        g_ptr_array_add(argv, (char *)head[i]);
    for (int i = 0; args[i]; i++)
        g_ptr_array_add(argv, (char *)args[i]);
    g_ptr_array_add(argv, NULL);
    r.status = run_timeout((const char *const *)argv->pdata, limit, env, &r.out, &r.err);
    g_ptr_array_free(argv, TRUE);
    g_strfreev(env);
    return r;
}

static void run_free(struct run *r)
{
    g_autofree char *parent = g_path_get_dirname(r->dir);
    remove_tree(parent);
    g_free(r->dir);
    g_free(r->out);
    g_free(r->err);
}

/* A scenario in DIR: APP ARGS on the master (the first device), policy rf, BIND (or NULL), and DEVICES:
 * NULL-terminated "NAME KEY=VALUE;KEY=VALUE" strings. Returns the .ini path. */
static char *write_scenario(const char *dir, const char *app, const char *args, const char *bind, int tdf,
                            const char *const *devices)
{
    GString *s = g_string_new(NULL);
    g_string_append_printf(s, "[scenario]\nname = multi\napp = %s\nargs = %s\npolicies = rf\ntdf = %d\nseed = 1\n",
                           app, args, tdf);
    if (bind)
        g_string_append_printf(s, "bind = %s\n", bind);
    for (int i = 0; devices[i]; i++) {
        g_auto(GStrv) parts = g_strsplit(devices[i], " ", 2);
        g_string_append_printf(s, "\n[device %s]\nmodel = nexus5\n%s", parts[0], i == 0 ? "master = true\n" : "");
        if (parts[1]) {
            g_auto(GStrv) kv = g_strsplit(parts[1], ";", -1);
            for (int k = 0; kv[k]; k++)
                g_string_append_printf(s, "%s\n", kv[k]);
        }
    }
    g_string_append(s, "\n[link]\nspec = rate 100mbit delay 2ms\nmode = wired\n");
    char *path = g_build_filename(dir, "multi.ini", NULL);
    g_assert_true(g_file_set_contents(path, s->str, -1, NULL));
    g_string_free(s, TRUE);
    return path;
}

/* The checksum column of RUN/devices/DEVICE/screen-frames.csv, one per line. */
static char *screen_checksums(const char *run_dir, const char *device, int *frames)
{
    g_autofree char *log = g_build_filename(run_dir, "devices", device, "screen-frames.csv", NULL), *text = NULL;
    g_assert_true(g_file_get_contents(log, &text, NULL, NULL));
    g_auto(GStrv) lines = g_strsplit(g_strchomp(text), "\n", -1);
    GString *sums = g_string_new(NULL);
    *frames = 0;
    for (guint i = 1; lines[i]; i++) {
        g_auto(GStrv) f = g_strsplit(lines[i], ",", 4);
        g_assert_cmpuint(g_strv_length(f), ==, 4);
        g_string_append_printf(sums, "%s\n", f[3]);
        ++*frames;
    }
    return g_string_free(sums, FALSE);
}

/* Value of " KEY=" in TEXT's line that starts with PREFIX, or NULL. */
static char *field(const char *text, const char *prefix, const char *key)
{
    const char *line = strstr(text, prefix);
    if (!line)
        return NULL;
    g_autofree char *needle = g_strdup_printf(" %s=", key);
    const char *end = strchr(line, '\n'), *at = g_strstr_len(line, end ? end - line : -1, needle);
    if (!at)
        return NULL;
    at += strlen(needle);
    return g_strndup(at, strcspn(at, " \n"));
}

static void test_home_theater(void)
{
    if (!ready("build/guest/apps/home-theater", "build/media/movie-360p.mp4"))
        return;
    g_autofree char *media = in_top("build/media");
    g_autofree char *dir = g_dir_make_tmp("dmx-multi-XXXXXX", NULL);
    g_autofree char *dev1 = g_strdup_printf("dev1 storage = %s;screen = 640x360", media);
    const char *devices[] = { dev1, "dev2 screen = 640x360", NULL };
    const char *movie = "/dev/dmx/storage/movie-360p.mp4 --frames 24 --no-audio";
    g_autofree char *ini = write_scenario(dir, "build/guest/apps/home-theater", movie, "screen=dev2", 8, devices);
    const char *rf_args[] = { ini, "--policy", "rf", NULL };
    struct run rf = dmx_run(rf_args, 240, NULL);
    g_assert_cmpint(rf.status, ==, 0);
    const char *one_args[] = { "--app", "build/guest/apps/home-theater", "--devices", "1", "--tdf", "8", "--",
                               "/dev/dmx/storage/movie-360p.mp4", "--frames", "24", "--no-audio", NULL };
    struct run one = dmx_run(one_args, 240, "DMX_STORAGE_DIR", media, "DMX_SCREEN_SIZE", "640x360", NULL);
    g_assert_cmpint(one.status, ==, 0);
    int n_rf = 0, n_one = 0;
    g_autofree char *sums_rf = screen_checksums(rf.dir, "dev2", &n_rf);
    g_autofree char *sums_one = screen_checksums(one.dir, "dev1", &n_one);
    g_test_message("rf: %d frames on dev2's screen; one device: %d", n_rf, n_one);
    g_assert_cmpint(n_one, ==, 24);
    g_assert_cmpint(n_rf, ==, 24);
    g_assert_cmpstr(sums_rf, ==, sums_one);
    /* Nothing was presented on dev1's own screen in the rf run. */
    g_autofree char *local_log = g_build_filename(rf.dir, "devices", "dev1", "screen-frames.csv", NULL);
    if (g_file_test(local_log, G_FILE_TEST_EXISTS)) {
        int n_local = 0;
        g_autofree char *s = screen_checksums(rf.dir, "dev1", &n_local);
        g_assert_cmpint(n_local, ==, 0);
    }
    g_autofree char *c_rf = field(rf.out, "home-theater:", "combined"), *c_one = field(one.out, "home-theater:", "combined");
    g_assert_nonnull(c_rf);
    g_assert_cmpstr(c_rf, ==, c_one);
    /* The per-frame network wait: real over the link (each frame crosses it), none on one device. */
    g_autofree char *net_rf = field(rf.out, "home-theater:", "mean_net_us");
    g_autofree char *net_one = field(one.out, "home-theater:", "mean_net_us");
    g_assert_nonnull(net_rf);
    g_assert_cmpuint(g_ascii_strtoull(net_rf, NULL, 10), >, 0);
    g_assert_cmpstr(net_one, ==, "0");
    run_free(&rf);
    run_free(&one);
    remove_tree(dir);
}

/* frame index -> edge checksum, from surveillance's "edge seq=S checksum=C frame=K" lines. */
static GHashTable *edges_by_frame(const char *out)
{
    GHashTable *t = g_hash_table_new_full(g_direct_hash, g_direct_equal, NULL, g_free);
    g_auto(GStrv) lines = g_strsplit(out, "\n", -1);
    for (int i = 0; lines[i]; i++) {
        guint64 seq, frame;
        char sum[32];
        if (sscanf(lines[i], "edge seq=%" G_GUINT64_FORMAT " checksum=%31s frame=%" G_GUINT64_FORMAT, &seq, sum,
                   &frame) == 3)
            g_hash_table_insert(t, GUINT_TO_POINTER((guint)frame + 1), g_strdup(sum));
    }
    return t;
}

static void test_surveillance(void)
{
    if (!ready("build/guest/apps/surveillance", "build/media/camera-720x480.pgms"))
        return;
    g_autofree char *media = in_top("build/media");
    g_autofree char *dir = g_dir_make_tmp("dmx-multi-XXXXXX", NULL);
    g_autofree char *cam = g_strdup_printf("cam camera = 320x240@15;storage = %s", media);
    const char *devices[] = { "monitor screen = 320x240", cam, NULL };
    const char *args = "--size 320x240 --frames 20 --fps 15";
    g_autofree char *ini = write_scenario(dir, "build/guest/apps/surveillance", args, "camera=cam", 8, devices);
    const char *rf_args[] = { ini, "--policy", "rf", NULL };
    struct run rf = dmx_run(rf_args, 240, NULL);
    g_assert_cmpint(rf.status, ==, 0);
    g_assert_nonnull(strstr(rf.err, "camera bound to device 2"));
    const char *one_args[] = { "--app", "build/guest/apps/surveillance", "--devices", "1", "--tdf", "8", "--",
                               "--size", "320x240", "--frames", "20", "--fps", "15", NULL };
    struct run one = dmx_run(one_args, 240, NULL);
    g_assert_cmpint(one.status, ==, 0);
    g_autoptr(GHashTable) a = edges_by_frame(rf.out);
    g_autoptr(GHashTable) b = edges_by_frame(one.out);
    g_assert_cmpuint(g_hash_table_size(a), ==, 20);
    g_assert_cmpuint(g_hash_table_size(b), ==, 20);
    GHashTableIter it;
    gpointer key, value;
    int common = 0;
    g_hash_table_iter_init(&it, a);
    while (g_hash_table_iter_next(&it, &key, &value)) {
        const char *other = g_hash_table_lookup(b, key);
        if (!other)
            continue;
        g_assert_cmpstr(value, ==, other);
        common++;
    }
    g_test_message("surveillance: %d clip frames processed by both runs, all with the same edge checksum", common);
    g_assert_cmpint(common, >=, 5);
    run_free(&rf);
    run_free(&one);
    remove_tree(dir);
}

/* name -> label, from photo-classify's "photo NAME ... label=K" lines; FORWARDED gets name -> "from=D forwarded=F". */
static GHashTable *labels(const char *out, GHashTable *forwarded)
{
    GHashTable *t = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
    g_auto(GStrv) lines = g_strsplit(out, "\n", -1);
    for (int i = 0; lines[i]; i++) {
        if (!g_str_has_prefix(lines[i], "photo "))
            continue;
        char *name = g_strndup(lines[i] + 6, strcspn(lines[i] + 6, " "));
        g_autofree char *with_space = g_strdup_printf("%s\n", lines[i]);
        char *label = field(with_space, "photo ", "label");
        g_assert_nonnull(label);
        if (forwarded) {
            g_autofree char *from = field(with_space, "photo ", "from"), *fwd = field(with_space, "photo ", "forwarded");
            g_assert_nonnull(fwd);
            g_hash_table_insert(forwarded, g_strdup(name), g_strdup_printf("%s %s", from, fwd));
        }
        g_hash_table_insert(t, name, label);
    }
    return t;
}

static void test_photo_classify(void)
{
    if (!ready("build/guest/apps/photo-classify", "build/media/photos/split3/dev3"))
        return;
    g_autofree char *photos = in_top("build/media/photos");
    g_autofree char *dir = g_dir_make_tmp("dmx-multi-XXXXXX", NULL);
    g_autofree char *d1 = g_strdup_printf("dev1 storage = %s/split3/dev1", photos);
    g_autofree char *d2 = g_strdup_printf("dev2 storage = %s/split3/dev2", photos);
    g_autofree char *d3 = g_strdup_printf("dev3 storage = %s/split3/dev3", photos);
    const char *devices[] = { d1, d2, d3, NULL };
    g_autofree char *ini = write_scenario(dir, "build/guest/apps/photo-classify", "--alpha 0.25 --threads 2", NULL, 8,
                                          devices);
    const char *rf_args[] = { ini, "--policy", "rf", NULL };
    struct run rf = dmx_run(rf_args, 300, NULL);
    g_assert_cmpint(rf.status, ==, 0);
    const char *one_args[] = { "--app", "build/guest/apps/photo-classify", "--devices", "1", "--tdf", "8", "--",
                               "--alpha", "0.25", "--threads", "2", NULL };
    struct run one = dmx_run(one_args, 300, "DMX_STORAGE_DIR", photos, NULL);
    g_assert_cmpint(one.status, ==, 0);
    g_autoptr(GHashTable) how = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
    g_autoptr(GHashTable) a = labels(rf.out, how);
    g_autoptr(GHashTable) b = labels(one.out, NULL);
    g_assert_cmpuint(g_hash_table_size(b), ==, 6);
    g_assert_cmpuint(g_hash_table_size(a), ==, g_hash_table_size(b));
    GHashTableIter it;
    gpointer key, value;
    int remote = 0;
    g_hash_table_iter_init(&it, b);
    while (g_hash_table_iter_next(&it, &key, &value)) {
        g_assert_cmpstr(g_hash_table_lookup(a, key), ==, value);
        /* Where it came from, and whether its read was forwarded (split3: round robin over dev1..dev3). */
        g_autofree char *d = g_strdup_printf("%s/split3/dev1/%s", photos, (char *)key);
        const char *h = g_hash_table_lookup(how, key);
        g_test_message("%s label=%s %s", (char *)key, (char *)value, h);
        if (g_file_test(d, G_FILE_TEST_EXISTS)) {
            g_assert_cmpstr(h, ==, "dev1 0");
        } else {
            g_assert_true(g_str_has_prefix(h, "dev2 ") || g_str_has_prefix(h, "dev3 "));
            g_assert_cmpstr(h + 5, !=, "0");
            remote++;
        }
    }
    g_assert_cmpint(remote, ==, 4);
    g_autofree char *ha = field(rf.out, "photo-classify:", "labels"), *hb = field(one.out, "photo-classify:", "labels");
    g_assert_nonnull(ha);
    g_assert_cmpstr(ha, ==, hb);
    run_free(&rf);
    run_free(&one);
    remove_tree(dir);
}

static void copy_file(const char *from, const char *to, gssize len)
{
    g_autofree char *data = NULL;
    gsize n = 0;
    g_assert_true(g_file_get_contents(from, &data, &n, NULL));
    g_assert_true(g_file_set_contents(to, data, len < 0 ? (gssize)n : len, NULL));
}

static void test_bad_input(void)
{
    if (!ready("build/guest/apps/photo-classify", "build/media/photos/p03-vga.jpg") ||
        !ready("build/guest/apps/surveillance", "build/media/camera-720x480.pgms"))
        return;
    g_autofree char *good = in_top("build/media/photos/p03-vga.jpg");
    g_autofree char *dir = g_dir_make_tmp("dmx-multi-XXXXXX", NULL);
    g_autofree char *s1 = g_build_filename(dir, "s1", NULL), *s2 = g_build_filename(dir, "s2", NULL);
    g_assert_cmpint(g_mkdir(s1, 0755), ==, 0);
    g_assert_cmpint(g_mkdir(s2, 0755), ==, 0);
    g_autofree char *a = g_build_filename(s1, "a-good.jpg", NULL), *b = g_build_filename(s2, "b-good.jpg", NULL),
                    *c = g_build_filename(s2, "c-cut.jpg", NULL);
    copy_file(good, a, -1);
    copy_file(good, b, -1);
    copy_file(good, c, 20000);
    g_autofree char *d1 = g_strdup_printf("dev1 storage = %s", s1), *d2 = g_strdup_printf("dev2 storage = %s", s2);
    const char *devices[] = { d1, d2, NULL };

    /* A truncated photo on another device: skipped by name and device, the others classified. */
    g_autofree char *ini = write_scenario(dir, "build/guest/apps/photo-classify", "--alpha 0.25 --threads 2", NULL, 8,
                                          devices);
    const char *args[] = { ini, "--policy", "rf", NULL };
    struct run r = dmx_run(args, 180, NULL);
    g_assert_cmpint(r.status, ==, 2);
    g_assert_nonnull(strstr(r.out, "skip /dev/dmx/storage/c-cut.jpg (on device dev2): "));
    g_assert_nonnull(strstr(r.out, "photo a-good.jpg "));
    g_assert_nonnull(strstr(r.out, "photo b-good.jpg "));
    run_free(&r);

    /* A photo no device holds (named on the command line): skipped by name, the run ends. */
    g_autofree char *ini2 = write_scenario(dir, "build/guest/apps/photo-classify",
                                           "--alpha 0.25 b-good.jpg zz-missing.jpg", NULL, 8, devices);
    const char *args2[] = { ini2, "--policy", "rf", NULL };
    struct run m = dmx_run(args2, 180, NULL);
    g_assert_cmpint(m.status, ==, 2);
    g_assert_nonnull(strstr(m.out, "skip /dev/dmx/storage/zz-missing.jpg: cannot open: No such file or directory"));
    g_assert_nonnull(strstr(m.out, "photo b-good.jpg "));
    run_free(&m);

    /* An unreadable camera clip on the camera device: the master names the device, the camera names the clip. */
    g_autofree char *clip = g_build_filename(s2, "camera-bad.pgms", NULL);
    g_assert_true(g_file_set_contents(clip, "P5 320 240 255\nnot a whole frame", -1, NULL));
    g_autofree char *cam = g_strdup_printf("cam camera = 320x240@15;storage = %s", s2);
    const char *sv_devices[] = { "monitor screen = 320x240", cam, NULL };
    g_autofree char *ini3 = write_scenario(dir, "build/guest/apps/surveillance", "--size 320x240 --frames 10",
                                           "camera=cam", 8, sv_devices);
    const char *args3[] = { ini3, "--policy", "rf", NULL };
    struct run s = dmx_run(args3, 120, NULL);
    g_assert_cmpint(s.status, ==, 1);
    g_assert_nonnull(strstr(s.err, "surveillance: /dev/dmx/camera (on device cam): "));
    g_autofree char *cam_err_path = g_build_filename(s.dir, "devices", "cam", "stderr.log", NULL), *cam_err = NULL;
    g_assert_true(g_file_get_contents(cam_err_path, &cam_err, NULL, NULL));
    g_assert_nonnull(strstr(cam_err, "camera (device cam): clip "));
    g_assert_nonnull(strstr(cam_err, "camera-bad.pgms"));
    run_free(&s);
    remove_tree(dir);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/apps-multi/home-theater/screen-on-dev2", test_home_theater);
    g_test_add_func("/apps-multi/surveillance/remote-camera", test_surveillance);
    g_test_add_func("/apps-multi/photo-classify/three-devices", test_photo_classify);
    g_test_add_func("/apps-multi/bad-input", test_bad_input);
    return g_test_run();
}
