/* report: see report.h. */
#include "report.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "exit_codes.h"
#include "report_app.h"
#include "report_dsm.h"
#include "report_json.h"
#include "report_paper.h"
#include "report_plot.h"
#include "report_power.h"
#include "timeline_migrations.h"

static void print_ratio(double measured, double paper) {
  if (paper > 0)
    printf("   paper %-9.2f measured/paper %.2f", paper, measured / paper);
}

/* Scheduled events from events.log ("   8.006 event NAME (due 8.000 s): ..."), as markers. */
static void event_markers(const char *run_dir, GArray *markers) {
  g_autofree char *path = g_build_filename(run_dir, "events.log", NULL);
  g_autofree char *text = NULL;
  if (!g_file_get_contents(path, &text, NULL, NULL))
    return;
  g_auto(GStrv) lines = g_strsplit(text, "\n", -1);
  for (guint i = 0; lines[i]; i++) {
    double t;
    char name[128];
    if (sscanf(lines[i], "%lf event %127s (due", &t, name) == 2) {
      DmxPlotMarker m = {.t_s = t, .label = g_strdup(name)};
      g_array_append_val(markers, m);
    }
  }
}

static void clear_marker(gpointer p) {
  g_free(((DmxPlotMarker *)p)->label);
}

/* One run. Returns 0, DMX_REPORT_EXIT_NOINPUT or DMX_EXIT_HOST (figures failed). */
static int report_one(const char *dir, const DmxReportOptions *opt) {
  if (!g_file_test(dir, G_FILE_TEST_IS_DIR)) {
    g_printerr("dmx report: %s: no such run directory\n", dir);
    return DMX_REPORT_EXIT_NOINPUT;
  }
  g_autofree char *summary_path = g_build_filename(dir, "summary.json", NULL);
  g_autofree char *text = NULL;
  g_autoptr(GError) err = NULL;
  if (!g_file_get_contents(summary_path, &text, NULL, &err)) {
    g_printerr("dmx report: %s: incomplete run directory: no summary.json (not a run directory, a run still "
               "going, or one killed before its teardown)\n", dir);
    return DMX_REPORT_EXIT_NOINPUT;
  }
  g_autoptr(DmxJson) s = dmx_json_parse(text, &err);
  if (!s || s->type != DMX_JSON_OBJECT) {
    g_printerr("dmx report: %s: %s\n", summary_path, err ? err->message : "not a JSON object");
    return DMX_REPORT_EXIT_NOINPUT;
  }
  const char *scenario = dmx_json_string(s, "scenario", NULL), *policy = dmx_json_string(s, "policy", NULL);
  if (!scenario || !policy) {
    g_printerr("dmx report: %s: incomplete summary: no scenario or policy\n", summary_path);
    return DMX_REPORT_EXIT_NOINPUT;
  }
  DmxPaperValues paper;
  gboolean have_paper = dmx_paper_values(scenario, policy, &paper);
  const DmxJson *valid = dmx_json_get(s, "valid");
  double tdf = 0, dur = 0, bytes = 0, frames = 0;
  dmx_json_number(s, "tdf", &tdf);
  dmx_json_number(s, "duration_s", &dur);

  printf("== %s\n", dir);
  printf("  scenario  %s\n  policy    %s\n", scenario, policy);
  if (valid && valid->type == DMX_JSON_BOOL && valid->b)
    printf("  valid     yes\n");
  else
    printf("  valid     NO: %s\n", dmx_json_string(s, "why_invalid", "(no reason recorded)"));
  printf("  time      %.1f s emulated at TDF %g; link %s\n", dur, tdf, dmx_json_string(s, "link.spec", "?"));

  /* FPS */
  double mean, p5, target;
  const char *screen = dmx_json_string(s, "fps.screen", NULL);
  gboolean have_target = dmx_json_number(s, "fps.target", &target);
  if (!dmx_json_path(s, "fps"))
    printf("  FPS       (not in summary.json: the run predates the timeline; rerun it)\n");
  else if (screen && dmx_json_number(s, "fps.mean", &mean) && dmx_json_number(s, "fps.p5", &p5)) {
    double secs = 0, from = 0;
    dmx_json_number(s, "fps.seconds", &secs);
    dmx_json_number(s, "fps.from_s", &from);
    printf("  FPS       screen %s over %.0f s", screen, secs);
    if (from > 0)
      printf(" from %g s (the scenario's fps_from_s: steady state)", from);
    printf(": mean %.2f, p5 %.2f", mean, p5);
    if (have_target)
      printf(", target %g", target);
    if (have_paper && paper.has_fps) {
      print_ratio(mean, paper.fps);
      printf(" (%s)", paper.fps_source);
    }
    printf("\n");
  } else
    printf("  FPS       no screen presented a frame\n");

  /* traffic */
  char buf[32];
  if (dmx_json_number(s, "traffic_bytes_total", &bytes)) {
    dmx_json_number(s, "traffic.frames", &frames);
    printf("  traffic   %s in %.0f frames", dmx_human_bytes(bytes, buf, sizeof buf), frames);
    double rate = dur > 0 ? bytes * 8 / 1e6 / dur : 0;
    printf(" (%.2f Mbit/s mean)\n", rate);
  } else
    printf("  traffic   (not recorded)\n");

  dmx_report_dsm(s);
  dmx_report_app(s, policy);

  /* power */
  g_auto(DmxPowerRows) power = {0};
  dmx_power_rows_init(&power);
  dmx_report_power(s, have_paper ? &paper : NULL, &power);

  /* figures */
  if (opt->no_figures)
    return 0;
  g_autofree char *timeline = g_build_filename(dir, "timeline.csv", NULL);
  if (!g_file_test(timeline, G_FILE_TEST_EXISTS)) {
    printf("  figures   none: no timeline.csv in this run (it predates the timeline; rerun it)\n");
    return 0;
  }
  g_autoptr(GArray) markers = g_array_new(FALSE, TRUE, sizeof(DmxPlotMarker));
  g_array_set_clear_func(markers, clear_marker);
  event_markers(dir, markers);
  double epoch = 0;
  if (dmx_json_number(s, "epoch_ns", &epoch)) {
    g_autoptr(GArray) mig = dmx_migrations_read(dir, (gint64)epoch);
    for (guint i = 0; i < mig->len; i++) {
      const DmxMigration *m = &g_array_index(mig, DmxMigration, i);
      DmxPlotMarker pm = {.t_s = m->t_done_s,
                          .label = g_strdup_printf("migrated %u: %u->%u", m->thread, m->from, m->to)};
      g_array_append_val(markers, pm);
    }
  }
  g_autofree char *title = g_strdup_printf("%s / %s", scenario, policy);
  DmxPlotInput pin = {.run_dir = dir, .title = title, .fps_target = have_target ? target : -1, .duration_s = dur,
                      .markers = markers, .power = &power,
                      .paper_label = have_paper && paper.has_power ? paper.power_source : NULL, .fps_mean = -1};
  pin.has_latency = dmx_json_number(s, "latency_ms_per_frame.compute", &pin.latency_ms[0]) &&
                    dmx_json_number(s, "latency_ms_per_frame.network", &pin.latency_ms[1]) &&
                    dmx_json_number(s, "latency_ms_per_frame.wait", &pin.latency_ms[2]);
  if (!dmx_json_number(s, "fps.mean", &pin.fps_mean))
    pin.fps_mean = -1;
  g_autoptr(GPtrArray) files = g_ptr_array_new_with_free_func(g_free);
  g_autoptr(GError) perr = NULL;
  gboolean ok = dmx_plot_figures(&pin, files, &perr);
  printf("  figures  ");
  for (guint i = 0; i < files->len; i++)
    printf(" %s", (char *)files->pdata[i]);
  printf("%s\n", files->len ? "" : " none");
  if (!ok) {
    g_printerr("dmx report: %s: figures: %s\n", dir, perr->message);
    return DMX_EXIT_HOST;
  }
  return 0;
}

int dmx_report(char **run_dirs, int n, const DmxReportOptions *opt) {
  int code = 0;
  for (int i = 0; i < n; i++) {
    if (i)
      printf("\n");
    int c = report_one(run_dirs[i], opt);
    fflush(stdout);
    if (c && (!code || c == DMX_REPORT_EXIT_NOINPUT))
      code = c;
  }
  return code;
}
