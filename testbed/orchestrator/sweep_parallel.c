/* sweep_parallel: see sweep_parallel.h. */
#include "sweep_parallel.h"

#include <errno.h>
#include <math.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <unistd.h>

#include "sweep_outcome.h"
#include "sweep_spawn.h"

#define POLL_MS 500

char *dmx_sweep_parallel_find(GString *why) {
  g_autofree char *path = g_find_program_in_path("parallel");
  if (!path) {
    g_string_append(why, "GNU parallel is not installed (apt-get install parallel)");
    return NULL;
  }
  const char *argv[] = {path, "--version", NULL};
  g_autofree char *out = NULL;
  int status = 0;
  if (!g_spawn_sync(NULL, (char **)argv, NULL, G_SPAWN_STDERR_TO_DEV_NULL, NULL, NULL, &out, NULL, &status, NULL) ||
      !out || !g_str_has_prefix(out, "GNU parallel")) {
    g_string_append_printf(why, "%s is not GNU parallel (moreutils has a 'parallel' of its own: apt-get install "
                           "parallel)", path);
    return NULL;
  }
  return g_steal_pointer(&path);
}

typedef struct {
  DmxSweepSession *s;
  pid_t pid;
  int wait_status;
  gboolean exited;
  char *joblog;
  gsize joblog_read;   /* bytes of the joblog already taken in */
} Parallel;

static char **parallel_argv(const DmxSweepSession *s, const char *parallel, const char *joblog) {
  GPtrArray *a = g_ptr_array_new();
  g_autofree char *jobs = g_strdup_printf("%d", s->jobs);
  g_autofree char *termseq = g_strdup_printf("INT,%d,KILL,25", DMX_SWEEP_STOP_GRACE_S * 1000);
  const char *fixed[] = {parallel, "--jobs", jobs, "--joblog", joblog, "--termseq", termseq};
  for (guint i = 0; i < G_N_ELEMENTS(fixed); i++)
    g_ptr_array_add(a, g_strdup(fixed[i]));
  for (guint i = 0; s->sshlogins[i]; i++) {
    g_ptr_array_add(a, g_strdup("--sshlogin"));
    g_ptr_array_add(a, g_strdup(s->sshlogins[i]));
  }
  g_ptr_array_add(a, NULL);
  return (char **)g_ptr_array_free(a, FALSE);
}

/* One joblog line: Seq Host Starttime JobRuntime Send Receive Exitval Signal Command, tab-separated. */
static void joblog_line(Parallel *p, const char *line) {
  g_auto(GStrv) f = g_strsplit(line, "\t", 9);
  if (g_strv_length(f) < 8 || !g_ascii_isdigit(f[0][0]))
    return; /* the header */
  guint64 seq = g_ascii_strtoull(f[0], NULL, 10);
  int exitval = atoi(f[6]), sig = atoi(f[7]);
  if (seq < 1 || seq > p->s->points->len || p->s->runs[seq - 1].state == DMX_POINT_DONE)
    return;
  double seconds = g_ascii_strtod(g_strstrip(f[3]), NULL);
  dmx_sweep_session_point_finished(p->s, (guint)(seq - 1), sig ? 128 + sig : exitval, seconds);
}

/* Takes in the joblog's new complete lines. */
static void follow_joblog(Parallel *p) {
  g_autofree char *text = NULL;
  gsize len = 0;
  if (!g_file_get_contents(p->joblog, &text, &len, NULL) || len <= p->joblog_read)
    return;
  char *start = text + p->joblog_read;
  char *nl;
  while ((nl = memchr(start, '\n', text + len - start))) {
    *nl = '\0';
    joblog_line(p, start);
    start = nl + 1;
  }
  p->joblog_read = start - text;
}

static void read_signals(Parallel *p) {
  DmxSweepSession *s = p->s;
  struct signalfd_siginfo si;
  while (read(s->sigfd, &si, sizeof si) == sizeof si) {
    if (si.ssi_signo == SIGCHLD)
      continue;
    if (s->interrupted)
      continue; /* parallel is already stopping the points, on its --termseq */
    s->interrupted = (int)si.ssi_signo;
    dmx_sweep_progress_say(&s->progress, "interrupted by SIG%s: GNU parallel stops the running points (each tears "
                           "down and writes its summary)", sigabbrev_np(s->interrupted));
    kill(p->pid, SIGINT);
  }
}

static void check_exit(Parallel *p) {
  if (!p->exited && waitpid(p->pid, &p->wait_status, WNOHANG) == p->pid)
    p->exited = TRUE;
}

static gboolean start(Parallel *p, const char *parallel) {
  DmxSweepSession *s = p->s;
  for (guint i = 0; i < s->points->len; i++) { /* each job's log goes into its point directory */
    g_autofree char *dir = dmx_sweep_session_point_dir(s, i);
    if (g_mkdir_with_parents(dir, 0755) != 0) {
      dmx_sweep_progress_say(&s->progress, "cannot create %s: %s", dir, g_strerror(errno));
      return FALSE;
    }
  }
  g_autofree char *jobs = g_build_filename(s->dir, DMX_SWEEP_JOBS_FILE, NULL);
  g_autofree char *log = g_build_filename(s->dir, "parallel.log", NULL);
  g_auto(GStrv) argv = parallel_argv(s, parallel, p->joblog);
  g_autoptr(GError) err = NULL;
  p->pid = dmx_sweep_spawn(argv, jobs, log, &err);
  if (p->pid < 0)
    dmx_sweep_progress_say(&s->progress, "cannot start GNU parallel: %s", err->message);
  return p->pid > 0;
}

/* parallel logs only the jobs that ended by themselves; a job it stopped on an interrupt is missing from the
 * joblog, but its dmx run still wrote a summary with its exit status, which is as good. */
static void collect_stopped_points(Parallel *p) {
  for (guint i = 0; i < p->s->points->len; i++) {
    if (p->s->runs[i].state == DMX_POINT_DONE)
      continue;
    g_autofree char *dir = dmx_sweep_session_point_dir(p->s, i);
    DmxSweepOutcome o;
    dmx_sweep_outcome_read(dir, NULL, &o);
    if (o.have_summary && !isnan(o.exit_status))
      dmx_sweep_session_point_finished(p->s, i, (int)o.exit_status, NAN);
    dmx_sweep_outcome_clear(&o);
  }
}

/* parallel exits 0 when every job did, 1-100 with the number that failed, 101 for more, and above that when it
 * failed itself (a bad --sshlogin, say): only the last is worth a word of ours, the points speak for themselves. */
static void report_parallel_failure(Parallel *p) {
  int code = dmx_sweep_exit_status(p->wait_status);
  if (code <= 101 || p->s->interrupted)
    return;
  g_autofree char *log = g_build_filename(p->s->dir, "parallel.log", NULL);
  g_autofree char *text = NULL;
  g_file_get_contents(log, &text, NULL, NULL);
  dmx_sweep_progress_say(&p->s->progress, "GNU parallel failed (exit %d): %s", code,
                         text && *text ? g_strstrip(text) : "(no message)");
}

void dmx_sweep_run_parallel(DmxSweepSession *s, const char *parallel) {
  Parallel p = {.s = s, .joblog = g_build_filename(s->dir, "parallel.joblog", NULL)};
  if (start(&p, parallel)) {
    while (!p.exited) {
      dmx_sweep_progress_tick(&s->progress, -1, FALSE);
      struct pollfd pfd = {.fd = s->sigfd, .events = POLLIN};
      if (poll(&pfd, 1, POLL_MS) > 0)
        read_signals(&p);
      check_exit(&p);
      follow_joblog(&p);
    }
    follow_joblog(&p); /* what it wrote just before it exited */
    collect_stopped_points(&p);
    report_parallel_failure(&p);
  }
  dmx_sweep_progress_clear(&s->progress);
  dmx_sweep_session_mark_not_run(s);
  g_free(p.joblog);
}
