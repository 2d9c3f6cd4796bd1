/* sweep_session: see sweep_session.h. */
#include "sweep_session.h"

#include <math.h>

#include "exit_codes.h"
#include "sweep_grid.h"
#include "sweep_index.h"
#include "sweep_outcome.h"

DmxSweepSession *dmx_sweep_session_new(const DmxSweep *sw, const char *dir, const char *dmx_bin, int jobs,
                                       char **sshlogins) {
  DmxSweepSession *s = g_new0(DmxSweepSession, 1);
  s->sweep = sw;
  s->points = dmx_sweep_grid(sw);
  s->runs = g_new0(DmxPointRun, s->points->len);
  s->outcomes = g_new0(DmxSweepOutcome, s->points->len);
  for (guint i = 0; i < s->points->len; i++) {
    s->runs[i] = (DmxPointRun){.state = DMX_POINT_PENDING, .seconds = NAN};
    dmx_sweep_outcome_read(NULL, NULL, &s->outcomes[i]); /* "nothing yet": no summary, NANs */
  }
  s->dir = g_strdup(dir);
  s->dmx_bin = g_strdup(dmx_bin);
  s->scenario = g_canonicalize_filename(sw->scenario, NULL);
  g_autoptr(GDateTime) now = g_date_time_new_now_local();
  s->started = g_date_time_format_iso8601(now);
  s->jobs = jobs;
  s->sshlogins = sshlogins ? g_strdupv(sshlogins) : g_new0(char *, 1);
  s->sigfd = -1;
  dmx_sweep_progress_init(&s->progress, sw->name, s->points->len);
  return s;
}

void dmx_sweep_session_free(DmxSweepSession *s) {
  if (!s)
    return;
  g_free(s->runs);
  for (guint i = 0; i < s->points->len; i++)
    dmx_sweep_outcome_clear(&s->outcomes[i]);
  g_free(s->outcomes);
  g_ptr_array_unref(s->points);
  g_free(s->dir);
  g_free(s->dmx_bin);
  g_free(s->scenario);
  g_free(s->started);
  g_strfreev(s->sshlogins);
  g_free(s);
}

const char *dmx_sweep_runner_name(DmxRunnerKind kind) {
  return kind == DMX_RUNNER_PARALLEL ? "parallel" : kind == DMX_RUNNER_BUILTIN ? "builtin" : "auto";
}

static const DmxSweepPoint *point_at(const DmxSweepSession *s, guint i) { return s->points->pdata[i]; }

char *dmx_sweep_session_point_dir(const DmxSweepSession *s, guint i) {
  return g_build_filename(s->dir, point_at(s, i)->name, NULL);
}

char *dmx_sweep_session_point_log(const DmxSweepSession *s, guint i) {
  return g_build_filename(s->dir, point_at(s, i)->name, "dmx-run.log", NULL);
}

char **dmx_sweep_session_point_argv(const DmxSweepSession *s, guint i) {
  g_autofree char *dir = dmx_sweep_session_point_dir(s, i);
  return dmx_sweep_point_argv(point_at(s, i), s->dmx_bin, s->scenario, dir);
}

void dmx_sweep_session_point_started(DmxSweepSession *s, guint i) { s->runs[i].state = DMX_POINT_RUNNING; }

int dmx_sweep_session_running(const DmxSweepSession *s) {
  int n = 0;
  for (guint i = 0; i < s->points->len; i++)
    n += s->runs[i].state == DMX_POINT_RUNNING;
  return n;
}

/* "bandwidth-10_rf: valid, FPS 7.40, 2m10s" or "...: exit 70, INVALID: why (log: DIR/dmx-run.log)". */
static char *finished_text(const DmxSweepSession *s, guint i, const DmxSweepOutcome *o) {
  const DmxPointRun *run = &s->runs[i];
  GString *t = g_string_new(point_at(s, i)->name);
  g_string_append(t, ": ");
  if (run->exit_status != 0)
    g_string_append_printf(t, "exit %d, ", run->exit_status);
  if (!o->have_summary)
    g_string_append(t, "no summary.json");
  else if (o->valid)
    g_string_append(t, "valid");
  else
    g_string_append_printf(t, "INVALID: %s", o->why_invalid);
  if (!isnan(o->fps_mean))
    g_string_append_printf(t, ", FPS %.2f", o->fps_mean);
  if (!isnan(run->seconds)) {
    g_autofree char *spent = dmx_sweep_duration_text(run->seconds);
    g_string_append_printf(t, ", %s", spent);
  }
  if (run->exit_status != 0 || !o->have_summary) {
    g_autofree char *log = dmx_sweep_session_point_log(s, i);
    g_string_append_printf(t, " (log: %s)", log);
  }
  return g_string_free(t, FALSE);
}

static void rewrite_index(DmxSweepSession *s) {
  g_autoptr(GError) err = NULL;
  if (!dmx_sweep_index_write(s, &err))
    dmx_sweep_progress_say(&s->progress, "warning: cannot write the index: %s", err->message);
}

void dmx_sweep_session_point_finished(DmxSweepSession *s, guint i, int exit_status, double seconds) {
  s->runs[i] = (DmxPointRun){.state = DMX_POINT_DONE, .exit_status = exit_status, .seconds = seconds};
  g_autofree char *dir = dmx_sweep_session_point_dir(s, i);
  DmxSweepOutcome *o = &s->outcomes[i];
  dmx_sweep_outcome_clear(o);
  dmx_sweep_outcome_read(dir, s->sweep->metric, o);
  g_autofree char *text = finished_text(s, i, o);
  dmx_sweep_progress_point(&s->progress, exit_status != 0 || !o->have_summary, text);
  rewrite_index(s);
}

void dmx_sweep_session_mark_not_run(DmxSweepSession *s) {
  for (guint i = 0; i < s->points->len; i++)
    if (s->runs[i].state == DMX_POINT_PENDING || s->runs[i].state == DMX_POINT_RUNNING)
      s->runs[i].state = DMX_POINT_NOT_RUN;
  rewrite_index(s);
}

int dmx_sweep_session_exit_status(const DmxSweepSession *s) {
  if (s->interrupted)
    return DMX_EXIT_SIGNAL_BASE + s->interrupted;
  for (guint i = 0; i < s->points->len; i++)
    if (s->runs[i].state != DMX_POINT_DONE || s->runs[i].exit_status != 0)
      return DMX_EXIT_RUN_FAILED;
  return DMX_EXIT_OK;
}
