/* device: see device.h. */
#include "device.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cleanup.h"
#include "fdpass.h"
#include "netns.h"

#define SETUP_TIMEOUT_MS 10000
#define CHILD_SETUP_FAILED 71
#define CHILD_EXEC_FAILED 127

/* ---- in the child ---- */

G_GNUC_NORETURN static void child_fail(int ctl, int code, const char *fmt, ...) G_GNUC_PRINTF(3, 4);
static void child_fail(int ctl, int code, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  g_autofree char *msg = g_strdup_vprintf(fmt, ap);
  va_end(ap);
  g_autofree char *line = g_strdup_printf("err %s", msg);
  dmx_fd_send(ctl, line, strlen(line), -1);
  _exit(code);
}

static void child_redirect(int ctl, int target, const char *path, int flags) {
  if (!path)
    return;
  int fd = open(path, flags | O_CLOEXEC, 0644);
  if (fd < 0)
    child_fail(ctl, CHILD_SETUP_FAILED, "open %s: %s", path, g_strerror(errno));
  if (dup2(fd, target) < 0)
    child_fail(ctl, CHILD_SETUP_FAILED, "dup2: %s", g_strerror(errno));
  close(fd);
}

G_GNUC_NORETURN static void child_main(const DmxDeviceLaunch *l, int ctl, pid_t parent) {
  /* Die with dmx, whatever kills it; and close the race where it died before prctl. */
  prctl(PR_SET_PDEATHSIG, SIGKILL);
  if (getppid() != parent)
    _exit(CHILD_SETUP_FAILED);
  dmx_child_reset_signals();
  g_autoptr(GError) err = NULL;
  if (!dmx_netns_enter(&err) || !dmx_netns_link_up("lo", &err))
    child_fail(ctl, CHILD_SETUP_FAILED, "%s", err->message);
  int tap = dmx_netns_create_tap("dmx0", l->index, &err);
  if (tap < 0)
    child_fail(ctl, CHILD_SETUP_FAILED, "TAP dmx0: %s", err->message);
  if (!dmx_fd_send(ctl, "tap", 3, tap))
    _exit(CHILD_SETUP_FAILED);
  close(tap);
  char go[64];
  int none;
  if (dmx_fd_recv(ctl, go, sizeof go, &none, -1) <= 0 || strncmp(go, "go ", 3) != 0)
    _exit(0); /* dmx gave up on this run before starting it */
  char **envp = g_environ_setenv(g_strdupv(l->envp), "QEMU_TDF_EPOCH_NS", go + 3, TRUE);
  if (l->null_stdin)
    child_redirect(ctl, STDIN_FILENO, "/dev/null", O_RDONLY);
  if (l->stdout_fd >= 0)
    dup2(l->stdout_fd, STDOUT_FILENO);
  else
    child_redirect(ctl, STDOUT_FILENO, l->stdout_path, O_WRONLY | O_CREAT | O_TRUNC);
  if (l->stderr_fd >= 0)
    dup2(l->stderr_fd, STDERR_FILENO);
  else
    child_redirect(ctl, STDERR_FILENO, l->stderr_path, O_WRONLY | O_CREAT | O_TRUNC);
  dmx_child_close_inherited_fds();
  if (l->run_alive_fd >= 0 && fcntl(l->run_alive_fd, F_SETFD, 0) < 0)
    child_fail(ctl, CHILD_SETUP_FAILED, "keeping the run-alive fd: %s", g_strerror(errno));
  execve(l->argv[0], l->argv, envp);
  child_fail(ctl, CHILD_EXEC_FAILED, "exec %s: %s", l->argv[0], g_strerror(errno));
}

/* ---- in the parent ---- */

static guint64 netns_inode_of(pid_t pid) {
  g_autofree char *path = g_strdup_printf("/proc/%d/ns/net", (int)pid);
  struct stat st;
  return stat(path, &st) == 0 ? (guint64)st.st_ino : 0;
}

static void reap_failed_child(DmxDevice *dev) {
  int status;
  if (waitpid(dev->pid, &status, 0) == dev->pid)
    dmx_device_reaped(dev, status);
}

DmxDevice *dmx_device_prepare(const DmxDeviceLaunch *launch, GError **error) {
  int sv[2];
  if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0) {
    g_set_error(error, G_FILE_ERROR, g_file_error_from_errno(errno), "socketpair: %s", g_strerror(errno));
    return NULL;
  }
  fflush(NULL);
  pid_t parent = getpid();
  pid_t pid = fork();
  if (pid < 0) {
    int e = errno;
    close(sv[0]);
    close(sv[1]);
    g_set_error(error, G_FILE_ERROR, g_file_error_from_errno(e), "fork: %s", g_strerror(e));
    return NULL;
  }
  if (pid == 0) {
    close(sv[0]);
    child_main(launch, sv[1], parent);
  }
  close(sv[1]);
  DmxDevice *dev = g_new0(DmxDevice, 1);
  dev->name = g_strdup(launch->name);
  dev->index = launch->index;
  dev->pid = pid;
  dev->ctl = sv[0];
  dev->tap_fd = -1;
  char msg[512];
  ssize_t n = dmx_fd_recv(dev->ctl, msg, sizeof msg, &dev->tap_fd, SETUP_TIMEOUT_MS);
  if (n > 0 && strcmp(msg, "tap") == 0 && dev->tap_fd >= 0) {
    dev->netns_inode = netns_inode_of(pid);
    return dev;
  }
  if (n <= 0 && errno == ETIMEDOUT)
    kill(pid, SIGKILL);
  reap_failed_child(dev);
  g_set_error(error, G_FILE_ERROR, G_FILE_ERROR_FAILED, "device %s: network setup failed: %s", dev->name,
              n > 4 && strncmp(msg, "err ", 4) == 0 ? msg + 4
              : n < 0 && errno == ETIMEDOUT          ? "timed out"
                                                     : "the child exited early");
  dmx_device_free(dev);
  return NULL;
}

gboolean dmx_device_start(DmxDevice *dev, gint64 epoch_ns, GError **error) {
  g_autofree char *go = g_strdup_printf("go %" G_GINT64_FORMAT, epoch_ns);
  if (!dmx_fd_send(dev->ctl, go, strlen(go), -1)) {
    g_set_error(error, G_FILE_ERROR, G_FILE_ERROR_FAILED, "device %s: the child is gone before start", dev->name);
    return FALSE;
  }
  char msg[512];
  int fd;
  ssize_t n = dmx_fd_recv(dev->ctl, msg, sizeof msg, &fd, SETUP_TIMEOUT_MS);
  close(dev->ctl);
  dev->ctl = -1;
  dev->state = DEVICE_RUNNING;
  dev->started = TRUE;
  if (n == 0)
    return TRUE; /* the socket closed on exec */
  g_set_error(error, G_FILE_ERROR, G_FILE_ERROR_FAILED, "device %s: %s", dev->name,
              n > 4 && strncmp(msg, "err ", 4) == 0 ? msg + 4 : "no answer from the child after start");
  return FALSE;
}

void dmx_device_signal(DmxDevice *dev, int sig) {
  if (!dmx_device_alive(dev))
    return;
  dev->stopping = TRUE;
  kill(dev->pid, sig);
}

gboolean dmx_device_kill(DmxDevice *dev, GError **error) {
  if (!dev->started) {
    g_set_error(error, G_FILE_ERROR, G_FILE_ERROR_FAILED, "%s has not started", dev->name);
    return FALSE;
  }
  if (!dmx_device_alive(dev)) {
    g_autofree char *how = dmx_device_describe_exit(dev);
    g_set_error(error, G_FILE_ERROR, G_FILE_ERROR_FAILED, "%s is already gone (pid %d %s)", dev->name, (int)dev->pid,
                how);
    return FALSE;
  }
  /* Not reaped yet, so the pid is still this device's (at worst a zombie, for which kill() succeeds). */
  if (kill(dev->pid, SIGKILL) < 0) {
    int e = errno;
    g_set_error(error, G_FILE_ERROR, g_file_error_from_errno(e), "kill %d: %s", (int)dev->pid, g_strerror(e));
    return FALSE;
  }
  return TRUE;
}

void dmx_device_reaped(DmxDevice *dev, int wait_status) {
  dev->state = DEVICE_EXITED;
  dev->wait_status = wait_status;
}

gboolean dmx_device_alive(const DmxDevice *dev) { return dev->pid > 0 && dev->state != DEVICE_EXITED; }

char *dmx_describe_wait_status(int status) {
  if (WIFEXITED(status))
    return g_strdup_printf("exited with status %d", WEXITSTATUS(status));
  if (WIFSIGNALED(status))
    return g_strdup_printf("was killed by signal %d (SIG%s%s)", WTERMSIG(status), sigabbrev_np(WTERMSIG(status)),
                           WCOREDUMP(status) ? ", core dumped" : "");
  return g_strdup_printf("ended with wait status 0x%x", status);
}

char *dmx_device_describe_exit(const DmxDevice *dev) { return dmx_describe_wait_status(dev->wait_status); }

void dmx_device_free(DmxDevice *dev) {
  if (!dev)
    return;
  if (dev->ctl >= 0)
    close(dev->ctl);
  if (dev->tap_fd >= 0)
    close(dev->tap_fd);
  g_free(dev->name);
  g_free(dev);
}
