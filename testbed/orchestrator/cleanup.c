/* cleanup: see cleanup.h. */
#include "cleanup.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/close_range.h>
#include <signal.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <unistd.h>

static const int run_signals[] = {SIGINT, SIGTERM, SIGHUP, SIGCHLD};

int dmx_signals_install(GError **error) {
  sigset_t set;
  sigemptyset(&set);
  for (guint i = 0; i < G_N_ELEMENTS(run_signals); i++)
    sigaddset(&set, run_signals[i]);
  signal(SIGPIPE, SIG_IGN);
  if (sigprocmask(SIG_BLOCK, &set, NULL) < 0) {
    g_set_error(error, G_FILE_ERROR, g_file_error_from_errno(errno), "sigprocmask: %s", g_strerror(errno));
    return -1;
  }
  int fd = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
  if (fd < 0)
    g_set_error(error, G_FILE_ERROR, g_file_error_from_errno(errno), "signalfd: %s", g_strerror(errno));
  return fd;
}

void dmx_child_reset_signals(void) {
  sigset_t none;
  sigemptyset(&none);
  sigprocmask(SIG_SETMASK, &none, NULL);
  for (int s = 1; s < NSIG; s++)
    if (s != SIGKILL && s != SIGSTOP)
      signal(s, SIG_DFL);
}

void dmx_child_close_inherited_fds(void) {
  if (close_range(3, ~0U, CLOSE_RANGE_CLOEXEC) == 0)
    return;
  for (int fd = 3; fd < 1024; fd++) /* kernels before 5.11 */
    fcntl(fd, F_SETFD, FD_CLOEXEC);
}

static gboolean route_status(GPtrArray *devices, DmxMedium *medium, pid_t pid, int status) {
  for (guint i = 0; devices && i < devices->len; i++) {
    DmxDevice *d = devices->pdata[i];
    if (d->pid == pid) {
      dmx_device_reaped(d, status);
      return TRUE;
    }
  }
  if (medium && dmx_medium_pid(medium) == pid) {
    dmx_medium_reaped(medium, status);
    return TRUE;
  }
  return FALSE;
}

int dmx_reap_children(GPtrArray *devices, DmxMedium *medium) {
  int n = 0, status;
  pid_t pid;
  while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
    route_status(devices, medium, pid, status);
    n++;
  }
  return n;
}

static gboolean any_alive(GPtrArray *devices) {
  for (guint i = 0; i < devices->len; i++)
    if (dmx_device_alive(devices->pdata[i]))
      return TRUE;
  return FALSE;
}

static void signal_all(GPtrArray *devices, int sig) {
  for (guint i = 0; i < devices->len; i++)
    dmx_device_signal(devices->pdata[i], sig);
}

static void wait_all(GPtrArray *devices, DmxMedium *medium, int timeout_ms) {
  gint64 deadline = g_get_monotonic_time() + (gint64)timeout_ms * 1000;
  while (any_alive(devices) && g_get_monotonic_time() < deadline) {
    if (dmx_reap_children(devices, medium) == 0)
      g_usleep(10000);
  }
}

void dmx_stop_devices(GPtrArray *devices, DmxMedium *medium, int grace_ms) {
  signal_all(devices, SIGTERM);
  wait_all(devices, medium, grace_ms);
  if (!any_alive(devices))
    return;
  signal_all(devices, SIGKILL);
  wait_all(devices, medium, 10000);
}
