/* Regression bounds in CI (the scenarios/metrics issue, item 5), RF against DynaMix. Both runs must be valid (the
 * host kept up with every device's CPU model), and the bounds are ratios of measured quantities, not absolute
 * times:
 *  - the paper's home theater at 720p and 100 Mbit/s, with the screen switched to the TV at 1 s instead of 8 s:
 *    DynaMix must move the decoder and the player to the TV and then play at least twice RF's frame rate there
 *    (screen present stamps);
 *  - photo classification (scenarios/photo-classify.ini: 16 photos of 250 KB .. 9 MB over 4 phones, one
 *    classifier per phone's photos): DynaMix must move classifiers to their photos and finish in at most 90% of
 *    RF's completion time (measured 75-79%), with the same labels. */
#include <glib.h>
#include <stdlib.h>
#include <string.h>

#include "test_dmx.h"

#define DURATION_S 13
#define LAST_S 3.0          /* the window the frame rates are compared over: the run's last seconds */
#define TDF "12"            /* the scenarios' 8 leaves too little headroom on a CI host: a CI run's RF photo run had
                             * the phone's four classifiers fall behind their model (invalid) */

static const char *const guests[] = { "build/guest/apps/home-theater", NULL };
static const char *const media[] = { "build/media/movie-720p.mp4", NULL };
static const char *const photo_guests[] = { "build/guest/apps/photo-classify", NULL };
static const char *const photo_media[] = { "build/media/photos-medium/split4/dev4", NULL };
#define PHOTO_BOUND 0.90    /* DynaMix's completion time over RF's, at most */

/* Frames the TV presented in the run's last LAST_S seconds, per second (devices/tv/screen-frames.csv). */
static double tv_fps_at_end(const char *dir, gint64 epoch_ns)
{
    g_autofree char *text = read_run_file(dir, "devices/tv/screen-frames.csv");
    g_auto(GStrv) lines = g_strsplit(text, "\n", -1);
    double from = DURATION_S - LAST_S;
    int frames = 0;
    for (int i = 1; lines[i]; i++) {
        g_auto(GStrv) f = g_strsplit(lines[i], ",", 3);
        if (!f[0] || !f[1])
            continue;
        double t = (g_ascii_strtod(f[1], NULL) - (double)epoch_ns) / 1e9;
        frames += t >= from && t < DURATION_S;
    }
    return frames / LAST_S;
}

/* Moves a policy made (not --migrate-random's): migrations in summary.json with a decide time. */
static int policy_migrations(const char *summary)
{
    int n = 0;
    for (const char *p = summary; (p = strstr(p, "\"t_decide_s\": ")) != NULL; p++)
        n += strncmp(p + strlen("\"t_decide_s\": "), "null", 4) != 0;
    return n;
}

/* One `dmx run ARGS --out DIR/run` in a fresh DIR: its result, summary.json, and what every bound needs from it. */
struct scenario_run {
    RunResult r;
    char *dir, *out, *summary;
    gboolean valid;
    int migrations_by_policy;
};

static struct scenario_run run_scenario(const char *const *args)
{
    struct scenario_run s = { .dir = g_dir_make_tmp("dmx-regression-XXXXXX", NULL) };
    s.out = g_build_filename(s.dir, "run", NULL);
    g_autoptr(GPtrArray) argv = g_ptr_array_new();
    g_ptr_array_add(argv, (char *)"dmx");
    g_ptr_array_add(argv, (char *)"run");
    for (; *args; args++)
        g_ptr_array_add(argv, (char *)*args);
    g_ptr_array_add(argv, (char *)"--out");
    g_ptr_array_add(argv, s.out);
    g_ptr_array_add(argv, NULL);
    s.r = run_dmx((const char *const *)argv->pdata);
    g_assert_cmpint(s.r.status, ==, 0);
    s.summary = read_run_file(s.out, "summary.json");
    s.valid = strstr(s.summary, "\"valid\": true") != NULL;
    if (!s.valid)
        g_test_message("invalid run, summary.json:\n%s", s.summary);
    s.migrations_by_policy = policy_migrations(s.summary);
    return s;
}

static void scenario_run_clear(struct scenario_run *s)
{
    run_result_clear(&s->r);
    remove_tree(s->dir);
    g_free(s->dir);
    g_free(s->out);
    g_free(s->summary);
}

/* The number after "KEY": in summary.json (the key must be there). */
static double summary_number(const char *summary, const char *key)
{
    g_autofree char *needle = g_strdup_printf("\"%s\": ", key);
    const char *p = strstr(summary, needle);
    g_assert_nonnull(p);
    return g_ascii_strtod(p + strlen(needle), NULL);
}

struct outcome {
    gboolean valid;
    double fps;
    int migrations_by_policy;
};

static struct outcome run_policy(const char *policy)
{
    g_autofree char *duration = g_strdup_printf("scenario.duration_s=%d", DURATION_S);
    const char *args[] = { "scenarios/home-theater.ini", "--policy", policy, "--set", duration,
                           "--set", "event screen-to-tv.at_s=1", "--tdf", TDF, NULL };
    struct scenario_run s = run_scenario(args);
    struct outcome o = { s.valid, 0, s.migrations_by_policy };
    o.fps = tv_fps_at_end(s.out, (gint64)summary_number(s.summary, "epoch_ns"));
    g_test_message("%s: valid=%d, TV %.2f FPS over the last %.0f s, %d policy migrations", policy, o.valid, o.fps,
                   LAST_S, o.migrations_by_policy);
    scenario_run_clear(&s);
    return o;
}

struct photo_outcome {
    gboolean valid;
    double completion_s;
    int migrations_by_policy;
    char *labels;               /* the app's hash of every photo's label */
};

static struct photo_outcome run_photos(const char *policy)
{
    const char *args[] = { "scenarios/photo-classify.ini", "--policy", policy, "--tdf", TDF, NULL };
    struct scenario_run s = run_scenario(args);
    struct photo_outcome o = { s.valid, summary_number(s.summary, "completion_s"), s.migrations_by_policy, NULL };
    const char *labels = strstr(s.r.out, " labels=");
    g_assert_nonnull(labels);
    o.labels = g_strndup(labels + strlen(" labels="), strcspn(labels + strlen(" labels="), " \n"));
    g_test_message("%s: valid=%d, completion %.3f s, %d policy migrations, labels %s", policy, o.valid,
                   o.completion_s, o.migrations_by_policy, o.labels);
    scenario_run_clear(&s);
    return o;
}

static void test_photo_classify(void)
{
    if (!need_devices(photo_guests) || !need_in_tree(photo_media, G_FILE_TEST_IS_DIR, NULL))
        return;
    struct photo_outcome rf = run_photos("rf"), dynamix = run_photos("dynamix");
    g_assert_true(rf.valid);
    g_assert_true(dynamix.valid);
    g_assert_cmpstr(dynamix.labels, ==, rf.labels);
    g_assert_cmpint(rf.migrations_by_policy, ==, 0);
    g_assert_cmpint(dynamix.migrations_by_policy, >=, 1);        /* a classifier went to its photos */
    g_assert_cmpfloat(rf.completion_s, >, 0);
    g_assert_cmpfloat(dynamix.completion_s, <=, PHOTO_BOUND * rf.completion_s);
    g_free(rf.labels);
    g_free(dynamix.labels);
}

static void test_home_theater(void)
{
    if (!need_devices(guests) || !need_in_tree(media, G_FILE_TEST_EXISTS, NULL))
        return;
    struct outcome rf = run_policy("rf"), dynamix = run_policy("dynamix");
    g_assert_true(rf.valid);
    g_assert_true(dynamix.valid);
    g_assert_cmpint(rf.migrations_by_policy, ==, 0);            /* rf never moves a thread */
    g_assert_cmpint(dynamix.migrations_by_policy, >=, 2);       /* the decoder and the player went to the TV */
    g_assert_cmpfloat(rf.fps, >, 0);
    g_assert_cmpfloat(dynamix.fps, >=, 2.0 * rf.fps);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/regression/home-theater/dynamix-beats-rf", test_home_theater);
    g_test_add_func("/regression/photo-classify/dynamix-beats-rf", test_photo_classify);
    return g_test_run();
}
