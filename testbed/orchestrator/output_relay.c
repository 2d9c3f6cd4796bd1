/* output_relay: see output_relay.h. */
#include "output_relay.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <unistd.h>

DmxRelay *dmx_relay_new(int out_fd, const char *log_path, int *child_fd, GError **error) {
  int p[2];
  if (pipe2(p, O_CLOEXEC) < 0) {
    g_set_error(error, G_FILE_ERROR, g_file_error_from_errno(errno), "pipe: %s", g_strerror(errno));
    return NULL;
  }
  DmxRelay *r = g_new0(DmxRelay, 1);
  r->pipe_fd = p[0];
  r->out_fd = out_fd;
  r->log_fd = open(log_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  fcntl(r->pipe_fd, F_SETFL, O_NONBLOCK);
  *child_fd = p[1];
  return r;
}

static void write_all(int fd, const char *buf, size_t len) {
  while (fd >= 0 && len > 0) {
    ssize_t n = write(fd, buf, len);
    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0)
      return; /* a closed stdout must not stop the run */
    buf += n;
    len -= n;
  }
}

gboolean dmx_relay_pump(DmxRelay *r, DmxStatus *status) {
  char buf[16384];
  while (r->pipe_fd >= 0) {
    ssize_t n = read(r->pipe_fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR)
      continue;
    if (n < 0 && errno == EAGAIN)
      return TRUE;
    if (n <= 0) {
      close(r->pipe_fd);
      r->pipe_fd = -1;
      break;
    }
    if (!r->mid_line)
      dmx_status_clear(status);
    write_all(r->out_fd, buf, n);
    write_all(r->log_fd, buf, n);
    r->mid_line = buf[n - 1] != '\n';
    if (status)
      status->hold = r->mid_line;
  }
  return FALSE;
}

void dmx_relay_drain(DmxRelay *r, DmxStatus *status, int timeout_ms) {
  gint64 deadline = g_get_monotonic_time() + (gint64)timeout_ms * 1000;
  while (r->pipe_fd >= 0) {
    int left = (int)((deadline - g_get_monotonic_time()) / 1000);
    struct pollfd p = {.fd = r->pipe_fd, .events = POLLIN};
    if (left <= 0 || poll(&p, 1, left) <= 0)
      break;
    dmx_relay_pump(r, status);
  }
}

void dmx_relay_free(DmxRelay *r) {
  if (!r)
    return;
  if (r->pipe_fd >= 0)
    close(r->pipe_fd);
  if (r->log_fd >= 0)
    close(r->log_fd);
  g_free(r);
}
