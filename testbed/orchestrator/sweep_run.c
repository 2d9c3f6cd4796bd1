/* sweep_run: see sweep_run.h. */
#include "sweep_run.h"

#include <string.h>
#include <unistd.h>

#include "cleanup.h"
#include "exit_codes.h"
#include "sweep_builtin.h"
#include "sweep_dir.h"
#include "sweep_grid.h"
#include "sweep_index.h"
#include "sweep_parallel.h"

gboolean dmx_sweep_runner_parse(const char *text, DmxRunnerKind *out) {
  const DmxRunnerKind kinds[] = {DMX_RUNNER_AUTO, DMX_RUNNER_PARALLEL, DMX_RUNNER_BUILTIN};
  for (guint i = 0; i < G_N_ELEMENTS(kinds); i++)
    if (text && strcmp(text, dmx_sweep_runner_name(kinds[i])) == 0) {
      *out = kinds[i];
      return TRUE;
    }
  return FALSE;
}

/* The runner to use; for parallel, *PARALLEL receives its path. Returns 0 or an exit status. */
static int choose_runner(const DmxSweepRunOptions *opt, DmxRunnerKind *kind, char **parallel) {
  *kind = opt->runner;
  const char *env = g_getenv("DMX_SWEEP_RUNNER");
  if (*kind == DMX_RUNNER_AUTO && env && *env && !dmx_sweep_runner_parse(env, kind)) {
    g_printerr("dmx sweep: DMX_SWEEP_RUNNER=%s: expected parallel, builtin or auto\n", env);
    return DMX_EXIT_USAGE;
  }
  gboolean remote = opt->sshlogins && opt->sshlogins[0];
  if (*kind == DMX_RUNNER_BUILTIN && remote) {
    g_printerr("dmx sweep: --sshlogin needs GNU parallel, not the builtin runner\n");
    return DMX_EXIT_USAGE;
  }
  if (*kind == DMX_RUNNER_BUILTIN)
    return DMX_EXIT_OK;
  g_autoptr(GString) why = g_string_new(NULL);
  *parallel = dmx_sweep_parallel_find(why);
  if (*parallel) {
    *kind = DMX_RUNNER_PARALLEL;
    return DMX_EXIT_OK;
  }
  if (*kind == DMX_RUNNER_PARALLEL || remote) {
    g_printerr("dmx sweep: %s%s\n", why->str, remote ? " (--sshlogin needs it)" : "");
    return DMX_EXIT_HOST;
  }
  *kind = DMX_RUNNER_BUILTIN;
  return DMX_EXIT_OK;
}

/* The points' dmx is this very binary: the sweep and its points run the same build. */
static char *this_dmx(void) {
  g_autofree char *exe = g_file_read_link("/proc/self/exe", NULL);
  return exe ? g_steal_pointer(&exe) : g_build_filename(DMX_TOP, "build", "bin", "dmx", NULL);
}

static gboolean write_jobs_file(const DmxSweepSession *s, GError **error) {
  GString *text = g_string_new(NULL);
  for (guint i = 0; i < s->points->len; i++) {
    g_auto(GStrv) argv = dmx_sweep_session_point_argv(s, i);
    g_autofree char *log = dmx_sweep_session_point_log(s, i);
    g_autofree char *line = dmx_sweep_point_shell_line(argv, log);
    g_string_append_printf(text, "%s\n", line);
  }
  g_autofree char *path = g_build_filename(s->dir, DMX_SWEEP_JOBS_FILE, NULL);
  gboolean ok = g_file_set_contents(path, text->str, -1, error);
  g_string_free(text, TRUE);
  return ok;
}

static void say_plan(const DmxSweepSession *s) {
  const DmxSweep *sw = s->sweep;
  GString *shape = g_string_new(NULL);
  for (guint a = 0; a < sw->axes->len; a++) {
    const DmxSweepAxis *axis = sw->axes->pdata[a];
    g_string_append_printf(shape, "%s %u %s x ", axis->name, axis->steps, axis->steps == 1 ? "value" : "values");
  }
  g_autofree char *policies = g_strjoinv(",", sw->policies);
  g_string_append_printf(shape, "policies %s", policies);
  g_printerr("dmx sweep %s: %u points (%s) of %s, %s runner, --jobs %d\ndmx sweep: results in %s\n", sw->name,
             s->points->len, shape->str, s->scenario, dmx_sweep_runner_name(s->runner), s->jobs, s->dir);
  g_string_free(shape, TRUE);
}

static void say_end(const DmxSweepSession *s) {
  guint done = 0, failed = 0, not_run = 0;
  for (guint i = 0; i < s->points->len; i++) {
    done += s->runs[i].state == DMX_POINT_DONE;
    failed += s->runs[i].state == DMX_POINT_DONE && s->runs[i].exit_status != 0;
    not_run += s->runs[i].state == DMX_POINT_NOT_RUN;
  }
  g_printerr("dmx sweep %s: %u of %u points done", s->sweep->name, done, s->points->len);
  if (failed)
    g_printerr(", %u failed", failed);
  if (not_run)
    g_printerr(", %u not run", not_run);
  g_printerr("; index: %s/%s; dmx report %s\n", s->dir, DMX_SWEEP_INDEX_CSV, s->dir);
}

static int run_session(DmxSweepSession *s, const char *parallel) {
  g_autoptr(GError) err = NULL;
  if (!write_jobs_file(s, &err) || !dmx_sweep_index_write(s, &err)) {
    g_printerr("dmx sweep: %s\n", err->message);
    return DMX_EXIT_CANTCREAT;
  }
  s->sigfd = dmx_signals_install(&err);
  if (s->sigfd < 0) {
    g_printerr("dmx sweep: %s\n", err->message);
    return DMX_EXIT_SYSTEM;
  }
  say_plan(s);
  if (s->runner == DMX_RUNNER_PARALLEL)
    dmx_sweep_run_parallel(s, parallel);
  else
    dmx_sweep_run_builtin(s);
  close(s->sigfd);
  s->sigfd = -1;
  say_end(s);
  return dmx_sweep_session_exit_status(s);
}

int dmx_sweep_run(const DmxSweep *sw, const DmxSweepRunOptions *opt) {
  DmxRunnerKind kind;
  g_autofree char *parallel = NULL;
  int code = choose_runner(opt, &kind, &parallel);
  if (code != DMX_EXIT_OK)
    return code;
  g_autoptr(GError) err = NULL;
  DmxRunDir *dir = dmx_sweep_dir_create(opt->paths->results, sw->name, opt->out, &err);
  if (!dir) {
    g_printerr("dmx sweep: %s\n", err->message);
    return DMX_EXIT_CANTCREAT;
  }
  if (opt->sweep_dir_out)
    *opt->sweep_dir_out = g_strdup(dir->path);
  g_autofree char *dmx_bin = this_dmx();
  g_autoptr(DmxSweepSession) s = dmx_sweep_session_new(sw, dir->path, dmx_bin, opt->jobs, opt->sshlogins);
  s->runner = kind;
  code = run_session(s, parallel);
  dmx_run_dir_release(dir);
  return code;
}
