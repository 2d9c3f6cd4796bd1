/* sweep_spawn: see sweep_spawn.h. */
#include "sweep_spawn.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cleanup.h"

static int open_or_fail(const char *path, int flags, GError **error) {
  int fd = open(path, flags | O_CLOEXEC, 0644);
  if (fd < 0)
    g_set_error(error, G_FILE_ERROR, g_file_error_from_errno(errno), "cannot open %s: %s", path, g_strerror(errno));
  return fd;
}

/* In the child, between fork and exec: only async-signal-safe calls. */
static void child_exec(char **argv, int in_fd, int log_fd, pid_t parent) {
  setpgid(0, 0);
  if (prctl(PR_SET_PDEATHSIG, SIGTERM) < 0 || getppid() != parent)
    _exit(127); /* the sweep died before we could tie ourselves to it */
  dmx_child_reset_signals();
  if (dup2(in_fd, STDIN_FILENO) < 0 || dup2(log_fd, STDOUT_FILENO) < 0 || dup2(log_fd, STDERR_FILENO) < 0)
    _exit(127);
  dmx_child_close_inherited_fds();
  execv(argv[0], argv);
  dprintf(STDERR_FILENO, "dmx sweep: cannot run %s: %s\n", argv[0], strerror(errno));
  _exit(127);
}

pid_t dmx_sweep_spawn(char **argv, const char *stdin_path, const char *log_path, GError **error) {
  int in_fd = open_or_fail(stdin_path ? stdin_path : "/dev/null", O_RDONLY, error);
  if (in_fd < 0)
    return -1;
  int log_fd = open_or_fail(log_path, O_WRONLY | O_CREAT | O_TRUNC, error);
  if (log_fd < 0) {
    close(in_fd);
    return -1;
  }
  pid_t parent = getpid();
  pid_t pid = fork();
  if (pid == 0)
    child_exec(argv, in_fd, log_fd, parent);
  int fork_errno = errno;
  close(in_fd);
  close(log_fd);
  if (pid < 0) {
    g_set_error(error, G_SPAWN_ERROR, G_SPAWN_ERROR_FORK, "fork: %s", g_strerror(fork_errno));
    return -1;
  }
  setpgid(pid, pid); /* also here, so that the group exists before we might signal it (EACCES after exec: fine) */
  return pid;
}

int dmx_sweep_exit_status(int wait_status) {
  if (WIFEXITED(wait_status))
    return WEXITSTATUS(wait_status);
  if (WIFSIGNALED(wait_status))
    return 128 + WTERMSIG(wait_status);
  return 128;
}
