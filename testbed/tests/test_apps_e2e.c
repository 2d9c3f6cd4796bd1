/* test_apps_e2e: the three workloads on one emulated device: each app runs under build/bin/qemu-aarch64 with
 * the DMX_* environment (no orchestrator), with media from tools/make-media.sh (build/media/).
 *  - home-theater at 360p presents at ~24 FPS (from the screen's frames log) with identical frame checksums
 *    across two runs; a truncated movie is reported by name and never hangs;
 *  - surveillance's edge checksums equal the native Canny on the same camera frames; a missing clip is
 *    reported;
 *  - photo-classify's labels are the same across runs; a truncated photo is skipped by name. */
#include "canny.h"
#include "io_devices.h"

#include <glib.h>
#include <glib/gstdio.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "test_dmx.h"

static gboolean ready(const char *app, const char *media)
{
    const char *need[] = { "build/bin/qemu-aarch64", app, media, NULL };
    return need_in_tree(need, G_FILE_TEST_EXISTS, "qemu, the app or its media is missing (make; tools/make-media.sh)");
}

struct run {
    char *out, *err;
    int status; /* exit code, or -1 if it did not exit normally */
    char *dir;  /* DMX_RUN_DIR */
};

/* Runs APP under qemu, killed after LIMIT seconds, with NULL-terminated KEY, VALUE pairs added to the env. */
static struct run run_app(const char *app, const char *const *args, int limit, ...)
{
    struct run r = { 0 };
    r.dir = g_dir_make_tmp("dmx-apps-XXXXXX", NULL);
    char **env = g_get_environ();
    env = g_environ_setenv(env, "DMX_RUN_DIR", r.dir, TRUE);
    env = g_environ_setenv(env, "DMX_DEVICE_NAME", "dev1", TRUE);
    env = g_environ_setenv(env, "DMX_DEVICE_INDEX", "1", TRUE);
    env = g_environ_unsetenv(env, "DMX_SCREEN_LOG");
    va_list ap;
    va_start(ap, limit);
    env = environ_set_pairs(env, ap);
    va_end(ap);
    g_autofree char *app_path = in_top(app);
    GPtrArray *argv = g_ptr_array_new();
    g_ptr_array_add(argv, (char *)"build/bin/qemu-aarch64");
    g_ptr_array_add(argv, app_path);
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
    remove_tree(r->dir);
    g_free(r->dir);
    g_free(r->out);
    g_free(r->err);
}

/* Value of "KEY=..." in TEXT's line that starts with PREFIX. */
static char *field(const char *text, const char *prefix, const char *key)
{
    const char *line = strstr(text, prefix);
    g_assert_nonnull(line);
    g_autofree char *needle = g_strdup_printf(" %s=", key);
    const char *end = strchr(line, '\n'), *at = g_strstr_len(line, end ? end - line : -1, needle);
    g_assert_nonnull(at);
    at += strlen(needle);
    return g_strndup(at, strcspn(at, " \n"));
}

/* FPS from the screen's frames log, and its checksum column joined. */
static double screen_fps(const char *run_dir, char **checksums)
{
    g_autofree char *log = g_build_filename(run_dir, "devices", "dev1", "screen-frames.csv", NULL), *text = NULL;
    g_assert_true(g_file_get_contents(log, &text, NULL, NULL));
    g_auto(GStrv) lines = g_strsplit(g_strchomp(text), "\n", -1);
    guint n = g_strv_length(lines);
    g_assert_cmpuint(n, >=, 3);
    GString *sums = g_string_new(NULL);
    double first = 0, last = 0;
    for (guint i = 1; i < n; i++) {
        g_auto(GStrv) f = g_strsplit(lines[i], ",", 4);
        g_assert_cmpuint(g_strv_length(f), ==, 4);
        double t = g_ascii_strtod(f[1], NULL);
        if (i == 1)
            first = t;
        last = t;
        g_string_append_printf(sums, "%s\n", f[3]);
    }
    *checksums = g_string_free(sums, FALSE);
    return (n - 2) / ((last - first) / 1e9);
}

static void test_home_theater_fps_and_checksums(void)
{
    if (!ready("build/guest/apps/home-theater", "build/media/movie-360p.mp4"))
        return;
    g_autofree char *media = in_top("build/media");
    const char *args[] = { "/dev/dmx/storage/movie-360p.mp4", "--frames", "48", NULL };
    struct run a = run_app("build/guest/apps/home-theater", args, 300, "DMX_STORAGE_DIR", media, NULL);
    struct run b = run_app("build/guest/apps/home-theater", args, 300, "DMX_STORAGE_DIR", media, NULL);
    g_test_message("run 1: %s", a.out);
    g_assert_cmpint(a.status, ==, 0);
    g_assert_cmpint(b.status, ==, 0);
    g_autofree char *frames = field(a.out, "home-theater:", "frames");
    g_assert_cmpstr(frames, ==, "48");
    g_autofree char *ca = field(a.out, "home-theater:", "combined"), *cb = field(b.out, "home-theater:", "combined");
    g_assert_cmpstr(ca, ==, cb);
    g_autofree char *sa = NULL, *sb = NULL;
    double fa = screen_fps(a.dir, &sa), fb = screen_fps(b.dir, &sb);
    g_test_message("screen FPS %.2f and %.2f", fa, fb);
    g_assert_cmpfloat(fa, >=, 18.0);
    g_assert_cmpfloat(fa, <=, 30.0);
    g_assert_cmpfloat(fb, >=, 18.0);
    g_assert_cmpfloat(fb, <=, 30.0);
    g_assert_cmpstr(sa, ==, sb);
    run_free(&a);
    run_free(&b);
}

static void test_home_theater_truncated_movie(void)
{
    if (!ready("build/guest/apps/home-theater", "build/media/movie-360p.mp4"))
        return;
    g_autofree char *movie = in_top("build/media/movie-360p.mp4"), *data = NULL;
    gsize len = 0;
    g_assert_true(g_file_get_contents(movie, &data, &len, NULL));
    g_autofree char *dir = g_dir_make_tmp("dmx-movie-XXXXXX", NULL);
    g_autofree char *cut = g_build_filename(dir, "cut.mp4", NULL);
    g_assert_true(g_file_set_contents(cut, data, (gssize)(len / 5), NULL)); /* first 20%: ~4 s */
    const char *args[] = { "/dev/dmx/storage/cut.mp4", "--no-audio", NULL };
    struct run r = run_app("build/guest/apps/home-theater", args, 300, "DMX_STORAGE_DIR", dir, NULL);
    g_test_message("stderr: %s", r.err);
    g_assert_cmpint(r.status, >=, 1); /* played with errors (2) or not at all (1), never 0 or a hang */
    g_assert_cmpint(r.status, <=, 2);
    g_assert_nonnull(strstr(r.err, "cut.mp4"));
    const char *missing_args[] = { "/dev/dmx/storage/missing.mp4", NULL };
    struct run m = run_app("build/guest/apps/home-theater", missing_args, 60, "DMX_STORAGE_DIR", dir, NULL);
    g_assert_cmpint(m.status, ==, 1);
    g_assert_nonnull(strstr(m.err, "missing.mp4"));
    run_free(&r);
    run_free(&m);
    remove_tree(dir);
}

/* Clip frame INDEX (gray8, concatenated PGMs) scaled like the camera does, nearest neighbour. */
static uint8_t *camera_frame(const char *clip, guint64 index, int w, int h)
{
    g_autofree char *data = NULL;
    gsize len = 0;
    g_assert_true(g_file_get_contents(clip, &data, &len, NULL));
    unsigned cw, ch;
    int header = 0;
    g_assert_cmpint(sscanf(data, "P5 %u %u 255%n", &cw, &ch, &header), ==, 2);
    header++;
    gsize frame_len = header + (gsize)cw * ch, frames = len / frame_len;
    const uint8_t *src = (const uint8_t *)data + (index % frames) * frame_len + header;
    uint8_t *out = g_malloc((gsize)w * h);
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++)
            out[y * w + x] = src[(gsize)((guint64)y * ch / h) * cw + (guint64)x * cw / w];
    return out;
}

static void test_surveillance_matches_native(void)
{
    if (!ready("build/guest/apps/surveillance", "build/media/camera-720x480.pgms"))
        return;
    g_autofree char *clip = in_top("build/media/camera-720x480.pgms");
    const char *args[] = { "--size", "320x240", "--frames", "15", NULL };
    struct run r = run_app("build/guest/apps/surveillance", args, 300, "DMX_CAMERA_CLIP", clip, NULL);
    g_assert_cmpint(r.status, ==, 0);
    struct canny_work work;
    struct canny_params params = { CANNY_DEFAULT_LOW, CANNY_DEFAULT_HIGH };
    g_assert_cmpint(canny_init(&work, 320, 240), ==, 0);
    uint8_t *edges = g_malloc(320 * 240);
    int compared = 0;
    g_auto(GStrv) lines = g_strsplit(r.out, "\n", -1);
    for (int i = 0; lines[i]; i++) {
        guint64 seq, sum;
        if (sscanf(lines[i], "edge seq=%" G_GUINT64_FORMAT " checksum=%" G_GINT64_MODIFIER "x", &seq, &sum) != 2)
            continue;
        uint8_t *frame = camera_frame(clip, seq, 320, 240);
        canny_run(&work, frame, edges, &params);
        g_assert_cmphex(dmx_checksum(edges, 320 * 240), ==, sum);
        g_free(frame);
        compared++;
    }
    g_assert_cmpint(compared, ==, 15);
    canny_free(&work);
    g_free(edges);
    run_free(&r);
    struct run m = run_app("build/guest/apps/surveillance", args, 60, "DMX_CAMERA_CLIP", "/nonexistent/clip.pgms", NULL);
    g_assert_cmpint(m.status, ==, 1);
    g_assert_nonnull(strstr(m.err, "/nonexistent/clip.pgms"));
    run_free(&m);
}

static void test_photo_classify_deterministic(void)
{
    if (!ready("build/guest/apps/photo-classify", "build/media/photos"))
        return;
    g_autofree char *photos = in_top("build/media/photos");
    const char *args[] = { "--alpha", "0.25", "--threads", "2", "--limit", "4", NULL };
    struct run a = run_app("build/guest/apps/photo-classify", args, 300, "DMX_STORAGE_DIR", photos, NULL);
    struct run b = run_app("build/guest/apps/photo-classify", args, 300, "DMX_STORAGE_DIR", photos, NULL);
    g_test_message("%s", a.out);
    g_assert_cmpint(a.status, ==, 0);
    g_assert_cmpint(b.status, ==, 0);
    g_autofree char *la = field(a.out, "photo-classify:", "labels"), *lb = field(b.out, "photo-classify:", "labels");
    g_assert_cmpstr(la, ==, lb);
    g_autofree char *n = field(a.out, "photo-classify:", "photos");
    g_assert_cmpstr(n, ==, "4");
    run_free(&a);
    run_free(&b);
}

static void test_photo_classify_bad_photo(void)
{
    if (!ready("build/guest/apps/photo-classify", "build/media/photos/p03-vga.jpg"))
        return;
    g_autofree char *good = in_top("build/media/photos/p03-vga.jpg"), *data = NULL;
    gsize len = 0;
    g_assert_true(g_file_get_contents(good, &data, &len, NULL));
    g_autofree char *dir = g_dir_make_tmp("dmx-photos-XXXXXX", NULL);
    g_autofree char *a = g_build_filename(dir, "a-good.jpg", NULL), *b = g_build_filename(dir, "b-cut.jpg", NULL),
                    *c = g_build_filename(dir, "c-junk.jpg", NULL);
    g_assert_true(g_file_set_contents(a, data, (gssize)len, NULL));
    g_assert_true(g_file_set_contents(b, data, (gssize)(len / 2), NULL));
    g_assert_true(g_file_set_contents(c, "this is not a jpeg", -1, NULL));
    const char *args[] = { "--alpha", "0.25", "--threads", "2", NULL };
    struct run r = run_app("build/guest/apps/photo-classify", args, 300, "DMX_STORAGE_DIR", dir, NULL);
    g_test_message("%s", r.out);
    g_assert_cmpint(r.status, ==, 2);
    g_assert_nonnull(strstr(r.out, "skip /dev/dmx/storage/b-cut.jpg: "));
    g_assert_nonnull(strstr(r.out, "skip /dev/dmx/storage/c-junk.jpg: "));
    g_assert_nonnull(strstr(r.out, "photo a-good.jpg "));
    run_free(&r);
    remove_tree(dir);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/apps-e2e/home-theater/fps-checksums", test_home_theater_fps_and_checksums);
    g_test_add_func("/apps-e2e/home-theater/truncated", test_home_theater_truncated_movie);
    g_test_add_func("/apps-e2e/surveillance/native-reference", test_surveillance_matches_native);
    g_test_add_func("/apps-e2e/photo-classify/deterministic", test_photo_classify_deterministic);
    g_test_add_func("/apps-e2e/photo-classify/bad-photo", test_photo_classify_bad_photo);
    return g_test_run();
}
