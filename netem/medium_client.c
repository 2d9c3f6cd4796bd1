/* medium_client.c: blocking client for the dmx-medium control protocol. */
#include "medium_client.h"
#include <errno.h>
#include <gio/gio.h>
#include <stdarg.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

G_DEFINE_QUARK(dmx-medium-error-quark, dmx_medium_error)

struct DmxMediumClient {
  int fd;
  GString *in;
};

static int connect_once(const char *path, int *err)
{
  struct sockaddr_un addr = {.sun_family = AF_UNIX};
  if (strlen(path) >= sizeof(addr.sun_path)) {
    *err = ENAMETOOLONG;
    return -1;
  }
  strcpy(addr.sun_path, path);
  int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    *err = errno;
    return -1;
  }
  if (connect(fd, (struct sockaddr *)&addr, sizeof(addr)) < 0) {
    *err = errno;
    close(fd);
    return -1;
  }
  return fd;
}

DmxMediumClient *dmx_medium_client_connect(const char *socket_path, guint timeout_ms, GError **error)
{
  gint64 deadline = g_get_monotonic_time() + (gint64)timeout_ms * 1000;
  int err = 0;
  int fd;
  while ((fd = connect_once(socket_path, &err)) < 0) {
    gboolean retryable = err == ENOENT || err == ECONNREFUSED;
    if (!retryable || g_get_monotonic_time() >= deadline) {
      g_set_error(error, G_IO_ERROR, g_io_error_from_errno(err), "cannot connect to dmx-medium at %s: %s",
                  socket_path, g_strerror(err));
      return NULL;
    }
    g_usleep(20000);
  }
  DmxMediumClient *c = g_new0(DmxMediumClient, 1);
  c->fd = fd;
  c->in = g_string_new(NULL);
  return c;
}

void dmx_medium_client_free(DmxMediumClient *client)
{
  if (!client)
    return;
  close(client->fd);
  g_string_free(client->in, TRUE);
  g_free(client);
}

static gboolean send_line(DmxMediumClient *c, const char *command, int fd, GError **error)
{
  char *line = g_strdup_printf("%s\n", command);
  gsize len = strlen(line), off = 0;
  gboolean ok = TRUE;
  while (off < len) {
    struct iovec iov = {.iov_base = line + off, .iov_len = len - off};
    struct msghdr msg = {.msg_iov = &iov, .msg_iovlen = 1};
    union {
      char buf[CMSG_SPACE(sizeof(int))];
      struct cmsghdr align;
    } control;
    if (fd >= 0 && off == 0) {
      memset(&control, 0, sizeof(control));
      msg.msg_control = control.buf;
      msg.msg_controllen = sizeof(control.buf);
      struct cmsghdr *cm = CMSG_FIRSTHDR(&msg);
      cm->cmsg_level = SOL_SOCKET;
      cm->cmsg_type = SCM_RIGHTS;
      cm->cmsg_len = CMSG_LEN(sizeof(int));
      memcpy(CMSG_DATA(cm), &fd, sizeof(int));
    }
    ssize_t n = sendmsg(c->fd, &msg, MSG_NOSIGNAL);
    if (n < 0) {
      if (errno == EINTR)
        continue;
      g_set_error(error, G_IO_ERROR, g_io_error_from_errno(errno), "sending to dmx-medium: %s", g_strerror(errno));
      ok = FALSE;
      break;
    }
    off += (gsize)n;
  }
  g_free(line);
  return ok;
}

static char *read_line(DmxMediumClient *c, GError **error)
{
  for (;;) {
    char *nl = memchr(c->in->str, '\n', c->in->len);
    if (nl) {
      char *line = g_strndup(c->in->str, nl - c->in->str);
      g_string_erase(c->in, 0, nl - c->in->str + 1);
      return line;
    }
    char buf[4096];
    ssize_t n = recv(c->fd, buf, sizeof(buf), 0);
    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0) {
      g_set_error(error, G_IO_ERROR, n == 0 ? G_IO_ERROR_CONNECTION_CLOSED : g_io_error_from_errno(errno),
                  "reading from dmx-medium: %s", n == 0 ? "connection closed" : g_strerror(errno));
      return NULL;
    }
    g_string_append_len(c->in, buf, n);
  }
}

static char *exchange(DmxMediumClient *c, const char *command, int fd, GError **error)
{
  if (strchr(command, '\n')) {
    g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT, "command contains a newline");
    return NULL;
  }
  if (!send_line(c, command, fd, error))
    return NULL;
  char *line = read_line(c, error);
  if (!line)
    return NULL;
  char *result = NULL;
  if (strcmp(line, "ok") == 0 || g_str_has_prefix(line, "ok "))
    result = g_strdup(line[2] ? line + 3 : "");
  else if (g_str_has_prefix(line, "err "))
    g_set_error(error, DMX_MEDIUM_ERROR, DMX_MEDIUM_ERROR_REFUSED, "%s", line + 4);
  else
    g_set_error(error, DMX_MEDIUM_ERROR, DMX_MEDIUM_ERROR_PROTOCOL, "unexpected reply from dmx-medium: '%s'", line);
  g_free(line);
  return result;
}

char *dmx_medium_client_command(DmxMediumClient *client, const char *command, GError **error)
{
  return exchange(client, command, -1, error);
}

char *dmx_medium_client_commandf(DmxMediumClient *client, GError **error, const char *fmt, ...)
{
  va_list ap;
  va_start(ap, fmt);
  char *command = g_strdup_vprintf(fmt, ap);
  va_end(ap);
  char *reply = exchange(client, command, -1, error);
  g_free(command);
  return reply;
}

gboolean dmx_medium_client_attach(DmxMediumClient *client, const char *name, int tap_fd, guint *station_id,
                                  GError **error)
{
  if (tap_fd < 0) {
    g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT, "attach %s: invalid TAP fd", name);
    return FALSE;
  }
  char *command = g_strdup_printf("attach %s", name);
  char *reply = exchange(client, command, tap_fd, error);
  g_free(command);
  if (!reply)
    return FALSE;
  char *end = NULL;
  guint64 id = g_ascii_strtoull(reply, &end, 10);
  gboolean ok = end != reply && *end == 0;
  if (!ok)
    g_set_error(error, DMX_MEDIUM_ERROR, DMX_MEDIUM_ERROR_PROTOCOL, "attach %s: bad reply '%s'", name, reply);
  else if (station_id)
    *station_id = (guint)id;
  g_free(reply);
  return ok;
}
