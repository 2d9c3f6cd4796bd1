/* control.c: control-socket server and command dispatch. */
#include "control.h"
#include <errno.h>
#include <gio/gio.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>

#define MAX_LINE 65536
#define MAX_FDS_PER_MESSAGE 16

typedef struct {
  ControlServer *server;
  int fd;
  EventSource source;
  GString *in;
  GQueue fds; /* received, not yet consumed fds (GINT_TO_POINTER) */
} ControlClient;

struct ControlServer {
  Medium *medium;
  int epfd;
  int fd;
  char *path;
  EventSource source;
  GList *clients;
};

ControlServer *control_server_new(const char *path, Medium *m, int epfd, GError **error)
{
  struct sockaddr_un addr = {.sun_family = AF_UNIX};
  if (!path || strlen(path) >= sizeof(addr.sun_path)) {
    g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT, "control socket path missing or too long");
    return NULL;
  }
  strcpy(addr.sun_path, path);
  int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    g_set_error(error, G_IO_ERROR, g_io_error_from_errno(errno), "socket: %s", g_strerror(errno));
    return NULL;
  }
  unlink(path); /* a stale socket from an earlier run */
  if (bind(fd, (struct sockaddr *)&addr, sizeof(addr)) < 0 || listen(fd, 16) < 0) {
    g_set_error(error, G_IO_ERROR, g_io_error_from_errno(errno), "bind/listen %s: %s", path, g_strerror(errno));
    close(fd);
    return NULL;
  }
  ControlServer *s = g_new0(ControlServer, 1);
  s->medium = m;
  s->epfd = epfd;
  s->fd = fd;
  s->path = g_strdup(path);
  s->source.kind = SOURCE_LISTEN;
  s->source.owner = s;
  struct epoll_event ev = {.events = EPOLLIN, .data.ptr = &s->source};
  if (epoll_ctl(epfd, EPOLL_CTL_ADD, fd, &ev) < 0) {
    g_set_error(error, G_IO_ERROR, g_io_error_from_errno(errno), "epoll_ctl: %s", g_strerror(errno));
    control_server_free(s);
    return NULL;
  }
  return s;
}

static void client_free(ControlClient *c)
{
  epoll_ctl(c->server->epfd, EPOLL_CTL_DEL, c->fd, NULL);
  close(c->fd);
  gpointer fdp;
  while ((fdp = g_queue_pop_head(&c->fds)))
    close(GPOINTER_TO_INT(fdp) - 1);
  g_string_free(c->in, TRUE);
  g_free(c);
}

void control_server_free(ControlServer *s)
{
  if (!s)
    return;
  g_list_free_full(s->clients, (GDestroyNotify)client_free);
  close(s->fd);
  unlink(s->path);
  g_free(s->path);
  g_free(s);
}

static void accept_clients(ControlServer *s)
{
  for (;;) {
    int fd = accept4(s->fd, NULL, NULL, SOCK_CLOEXEC);
    if (fd < 0) {
      if (errno != EAGAIN && errno != EINTR)
        g_warning("accept: %s", g_strerror(errno));
      return;
    }
    /* Replies are written blocking, but never wait more than a second for a client that stopped reading. */
    struct timeval tv = {.tv_sec = 1};
    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
    ControlClient *c = g_new0(ControlClient, 1);
    c->server = s;
    c->fd = fd;
    c->in = g_string_new(NULL);
    g_queue_init(&c->fds);
    c->source.kind = SOURCE_CLIENT;
    c->source.owner = c;
    struct epoll_event ev = {.events = EPOLLIN, .data.ptr = &c->source};
    if (epoll_ctl(s->epfd, EPOLL_CTL_ADD, fd, &ev) < 0) {
      g_warning("epoll_ctl: %s", g_strerror(errno));
      close(fd);
      g_string_free(c->in, TRUE);
      g_free(c);
      continue;
    }
    s->clients = g_list_prepend(s->clients, c);
  }
}

static int take_client_fd(void *ud)
{
  ControlClient *c = ud;
  gpointer fdp = g_queue_pop_head(&c->fds);
  return fdp ? GPOINTER_TO_INT(fdp) - 1 : -1;
}

static char *reply_error(GError *error)
{
  char *msg = g_strdup(error->message);
  g_strdelimit(msg, "\r\n", ' ');
  char *reply = g_strdup_printf("err %s", msg);
  g_free(msg);
  g_error_free(error);
  return reply;
}

static char *cmd_attach(Medium *m, char **argv, int argc, int (*take_fd)(void *), void *ud)
{
  int fd = take_fd ? take_fd(ud) : -1;
  if (argc != 2) {
    if (fd >= 0)
      close(fd);
    return g_strdup("err usage: attach NAME (with the TAP fd as SCM_RIGHTS)");
  }
  if (fd < 0)
    return g_strdup("err attach needs the TAP fd passed as SCM_RIGHTS");
  GError *error = NULL;
  guint16 id;
  if (!medium_attach(m, argv[1], fd, &id, &error)) {
    close(fd);
    return reply_error(error);
  }
  return g_strdup_printf("ok %u", id);
}

char *control_execute(Medium *m, const char *line, int (*take_fd)(void *ud), void *ud)
{
  char **argv = NULL;
  int argc = 0;
  char *reply = NULL;
  GError *error = NULL;
  char *trimmed = g_strstrip(g_strdup(line));
  if (!*trimmed) {
    g_free(trimmed);
    return g_strdup("err empty command");
  }
  /* Tokenise on blanks; the link SPEC is everything after the third word. */
  argv = g_strsplit_set(trimmed, " \t", -1);
  int w = 0;
  for (int r = 0; argv[r]; r++) {
    if (*argv[r])
      argv[w++] = argv[r];
    else
      g_free(argv[r]);
  }
  argv[w] = NULL;
  argc = w;
  const char *cmd = argv[0];
  if (strcmp(cmd, "attach") == 0) {
    reply = cmd_attach(m, argv, argc, take_fd, ud);
  } else if (strcmp(cmd, "detach") == 0) {
    if (argc != 2)
      reply = g_strdup("err usage: detach NAME");
    else
      reply = medium_detach(m, argv[1], &error) ? g_strdup("ok") : reply_error(error);
  } else if (strcmp(cmd, "link") == 0) {
    if (argc < 3) {
      reply = g_strdup("err usage: link SRC DST SPEC");
    } else {
      char *spec = g_strjoinv(" ", argv + 3);
      gboolean pending = FALSE;
      if (medium_set_link(m, argv[1], argv[2], spec, &pending, &error))
        reply = g_strdup(pending ? "ok pending (station not attached yet)" : "ok");
      else
        reply = reply_error(error);
      g_free(spec);
    }
  } else if (strcmp(cmd, "cut") == 0 || strcmp(cmd, "restore") == 0) {
    if (argc != 3)
      reply = g_strdup_printf("err usage: %s A B", cmd);
    else
      reply = medium_set_cut(m, argv[1], argv[2], strcmp(cmd, "cut") == 0, &error) ? g_strdup("ok")
                                                                                   : reply_error(error);
  } else if (strcmp(cmd, "station") == 0) {
    if (argc < 2)
      reply = g_strdup("err usage: station NAME [phy RATE] [per P%] [pos X Y] [ampdu N]");
    else
      reply = medium_configure_station(m, argv[1], argv + 2, &error) ? g_strdup("ok") : reply_error(error);
  } else if (strcmp(cmd, "stats") == 0) {
    char *json = medium_stats_json(m);
    reply = g_strdup_printf("ok %s", json);
    g_free(json);
  } else if (strcmp(cmd, "ping") == 0) {
    reply = g_strdup("ok pong");
  } else if (strcmp(cmd, "quit") == 0) {
    medium_request_quit(m);
    reply = g_strdup("ok bye");
  } else {
    reply = g_strdup_printf("err unknown command '%s'", cmd);
  }
  g_strfreev(argv);
  g_free(trimmed);
  return reply;
}

static gboolean send_all(int fd, const char *data, gsize len)
{
  while (len > 0) {
    ssize_t n = send(fd, data, len, MSG_NOSIGNAL);
    if (n < 0) {
      if (errno == EINTR)
        continue;
      return FALSE;
    }
    data += n;
    len -= (gsize)n;
  }
  return TRUE;
}

static void stash_fds(ControlClient *c, struct msghdr *msg)
{
  for (struct cmsghdr *cm = CMSG_FIRSTHDR(msg); cm; cm = CMSG_NXTHDR(msg, cm)) {
    if (cm->cmsg_level != SOL_SOCKET || cm->cmsg_type != SCM_RIGHTS)
      continue;
    int nfds = (int)((cm->cmsg_len - CMSG_LEN(0)) / sizeof(int));
    int *fds = (int *)CMSG_DATA(cm);
    for (int i = 0; i < nfds; i++)
      g_queue_push_tail(&c->fds, GINT_TO_POINTER(fds[i] + 1));
  }
}

/* Returns FALSE when the client is gone. */
static gboolean read_client(ControlClient *c)
{
  char data[4096];
  union {
    char buf[CMSG_SPACE(sizeof(int) * MAX_FDS_PER_MESSAGE)];
    struct cmsghdr align;
  } control;
  struct iovec iov = {.iov_base = data, .iov_len = sizeof(data)};
  struct msghdr msg = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = control.buf,
                       .msg_controllen = sizeof(control.buf)};
  ssize_t n = recvmsg(c->fd, &msg, MSG_CMSG_CLOEXEC | MSG_DONTWAIT);
  if (n < 0)
    return errno == EAGAIN || errno == EINTR;
  stash_fds(c, &msg);
  if (n == 0)
    return FALSE;
  g_string_append_len(c->in, data, n);
  char *nl;
  while ((nl = memchr(c->in->str, '\n', c->in->len))) {
    *nl = 0;
    char *reply = control_execute(c->server->medium, c->in->str, take_client_fd, c);
    g_string_erase(c->in, 0, nl - c->in->str + 1);
    gboolean ok = send_all(c->fd, reply, strlen(reply)) && send_all(c->fd, "\n", 1);
    g_free(reply);
    if (!ok)
      return FALSE;
  }
  if (c->in->len > MAX_LINE) {
    send_all(c->fd, "err line too long\n", 18);
    return FALSE;
  }
  return TRUE;
}

void control_handle_event(ControlServer *s, EventSource *src, guint32 events)
{
  if (src->kind == SOURCE_LISTEN) {
    accept_clients(s);
    return;
  }
  ControlClient *c = src->owner;
  if (!(events & EPOLLIN) || !read_client(c)) {
    s->clients = g_list_remove(s->clients, c);
    client_free(c);
  }
}
