/* sweep_builtin: see sweep_builtin.h. */
#include "sweep_builtin.h"

#include <errno.h>
#include <math.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <unistd.h>

#include "exit_codes.h"
#include "sweep_spawn.h"

#define POLL_MS 500

typedef struct {
  pid_t pid;
  guint point;
  gint64 start_us;
} Child;

typedef struct {
  DmxSweepSession *s;
  GArray *children;   /* Child */
  guint next;         /* the next point to start */
  gint64 kill_at_us;  /* after an interrupt: when the stragglers get SIGKILL; 0 before */
} Builtin;

static void start_point(Builtin *b, guint i) {
  DmxSweepSession *s = b->s;
  g_autofree char *dir = dmx_sweep_session_point_dir(s, i);
  g_autofree char *log = dmx_sweep_session_point_log(s, i);
  g_auto(GStrv) argv = dmx_sweep_session_point_argv(s, i);
  g_autoptr(GError) err = NULL;
  pid_t pid = g_mkdir_with_parents(dir, 0755) == 0 ? dmx_sweep_spawn(argv, NULL, log, &err) : -1;
  if (pid < 0) {
    dmx_sweep_progress_say(&s->progress, "cannot start point %s: %s", dir, err ? err->message : g_strerror(errno));
    dmx_sweep_session_point_finished(s, i, DMX_EXIT_SYSTEM, NAN);
    return;
  }
  Child c = {.pid = pid, .point = i, .start_us = g_get_monotonic_time()};
  g_array_append_val(b->children, c);
  dmx_sweep_session_point_started(s, i);
}

static void signal_children(Builtin *b, int sig) {
  for (guint k = 0; k < b->children->len; k++)
    kill(g_array_index(b->children, Child, k).pid, sig);
}

static void interrupted(Builtin *b, int sig) {
  DmxSweepSession *s = b->s;
  if (!s->interrupted) {
    s->interrupted = sig;
    b->kill_at_us = g_get_monotonic_time() + (gint64)DMX_SWEEP_STOP_GRACE_S * G_USEC_PER_SEC;
    dmx_sweep_progress_say(&s->progress, "interrupted by SIG%s: starting no more points; stopping %u running "
                           "(each tears down and writes its summary)", sigabbrev_np(sig), b->children->len);
  } else {
    dmx_sweep_progress_say(&s->progress, "still waiting for %u points to tear down", b->children->len);
  }
  signal_children(b, sig); /* dmx run takes any of them as "stop"; a repeat is harmless */
}

static void read_signals(Builtin *b) {
  struct signalfd_siginfo si;
  while (read(b->s->sigfd, &si, sizeof si) == sizeof si)
    if (si.ssi_signo != SIGCHLD)
      interrupted(b, (int)si.ssi_signo);
}

static void reap(Builtin *b) {
  int status;
  pid_t pid;
  while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
    for (guint k = 0; k < b->children->len; k++) {
      Child c = g_array_index(b->children, Child, k);
      if (c.pid != pid)
        continue;
      g_array_remove_index(b->children, k);
      double seconds = (g_get_monotonic_time() - c.start_us) / 1e6;
      dmx_sweep_session_point_finished(b->s, c.point, dmx_sweep_exit_status(status), seconds);
      break;
    }
  }
}

void dmx_sweep_run_builtin(DmxSweepSession *s) {
  Builtin b = {.s = s, .children = g_array_new(FALSE, FALSE, sizeof(Child))};
  guint n = s->points->len;
  for (;;) {
    while (!s->interrupted && b.children->len < (guint)s->jobs && b.next < n)
      start_point(&b, b.next++);
    if (b.children->len == 0 && (s->interrupted || b.next == n))
      break;
    dmx_sweep_progress_tick(&s->progress, (int)b.children->len, FALSE);
    struct pollfd p = {.fd = s->sigfd, .events = POLLIN};
    if (poll(&p, 1, POLL_MS) > 0)
      read_signals(&b);
    reap(&b); /* every round: a SIGCHLD is one signal for any number of children */
    if (b.kill_at_us && g_get_monotonic_time() >= b.kill_at_us && b.children->len) {
      dmx_sweep_progress_say(&s->progress, "%u points did not stop within %d s: SIGKILL", b.children->len,
                             DMX_SWEEP_STOP_GRACE_S);
      signal_children(&b, SIGKILL);
      b.kill_at_us = 0;
    }
  }
  dmx_sweep_progress_clear(&s->progress);
  dmx_sweep_session_mark_not_run(s);
  g_array_unref(b.children);
}
