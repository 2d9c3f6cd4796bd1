/* uplink.c: see uplink.h. Everything slirp does happens in the uplink thread: slirp_input, its sockets' poll
 * loop and its timers; the only thing shared with the medium's thread is the socketpair. */
#include "uplink.h"
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <gio/gio.h>
#include <libslirp.h>
#include <poll.h>
#include <pthread.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define MAX_FRAME 65536
#define SOCKET_BUFFER (4 * 1024 * 1024)

typedef struct {
  SlirpTimerCb cb;
  void *cb_opaque;
  gint64 expire_ms; /* -1: not armed */
} UplinkTimer;

struct Uplink {
  Slirp *slirp;
  int fd;         /* our end of the socketpair */
  int stop[2];    /* pipe: a byte (or EOF) asks the thread to leave */
  pthread_t thread;
  gboolean running;
  GPtrArray *timers;
  GArray *pfds;   /* struct pollfd, rebuilt every round */
  guint8 *buffer;
};

static gint64 mono_ns(void)
{
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (gint64)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static ssize_t cb_send_packet(const void *buf, size_t len, void *opaque)
{
  Uplink *u = opaque;
  ssize_t n = send(u->fd, buf, len, MSG_DONTWAIT | MSG_NOSIGNAL);
  return n < 0 && errno == EAGAIN ? (ssize_t)len : n; /* a full queue drops the frame; TCP retransmits */
}

static void cb_guest_error(const char *msg, void *opaque)
{
  (void)opaque;
  g_message("uplink: guest error: %s", msg);
}

static int64_t cb_clock_get_ns(void *opaque)
{
  (void)opaque;
  return mono_ns();
}

static void *cb_timer_new(SlirpTimerCb cb, void *cb_opaque, void *opaque)
{
  Uplink *u = opaque;
  UplinkTimer *t = g_new0(UplinkTimer, 1);
  t->cb = cb;
  t->cb_opaque = cb_opaque;
  t->expire_ms = -1;
  g_ptr_array_add(u->timers, t);
  return t;
}

static void cb_timer_free(void *timer, void *opaque)
{
  Uplink *u = opaque;
  g_ptr_array_remove(u->timers, timer);
}

/* expire_time is in ms of the clock_get_ns clock, as libslirp computes it. */
static void cb_timer_mod(void *timer, int64_t expire_time, void *opaque)
{
  (void)opaque;
  ((UplinkTimer *)timer)->expire_ms = expire_time;
}

static void cb_register_poll_fd(int fd, void *opaque)
{
  (void)fd;
  (void)opaque;
}

static void cb_unregister_poll_fd(int fd, void *opaque)
{
  (void)fd;
  (void)opaque;
}

static void cb_notify(void *opaque)
{
  (void)opaque;
}

static const SlirpCb callbacks = {
  .send_packet = cb_send_packet,
  .guest_error = cb_guest_error,
  .clock_get_ns = cb_clock_get_ns,
  .timer_new = cb_timer_new,
  .timer_free = cb_timer_free,
  .timer_mod = cb_timer_mod,
  .register_poll_fd = cb_register_poll_fd,
  .unregister_poll_fd = cb_unregister_poll_fd,
  .notify = cb_notify,
};

static short to_poll_events(int ev)
{
  return (ev & SLIRP_POLL_IN ? POLLIN : 0) | (ev & SLIRP_POLL_OUT ? POLLOUT : 0) | (ev & SLIRP_POLL_PRI ? POLLPRI : 0);
}

static int add_poll(int fd, int events, void *opaque)
{
  Uplink *u = opaque;
  struct pollfd p = {.fd = fd, .events = to_poll_events(events)};
  g_array_append_val(u->pfds, p);
  return (int)u->pfds->len - 1;
}

static int get_revents(int idx, void *opaque)
{
  Uplink *u = opaque;
  short r = g_array_index(u->pfds, struct pollfd, idx).revents;
  return (r & POLLIN ? SLIRP_POLL_IN : 0) | (r & POLLOUT ? SLIRP_POLL_OUT : 0) | (r & POLLPRI ? SLIRP_POLL_PRI : 0) |
         (r & POLLERR ? SLIRP_POLL_ERR : 0) | (r & POLLHUP ? SLIRP_POLL_HUP : 0);
}

static guint32 timers_timeout_ms(Uplink *u, guint32 timeout)
{
  gint64 now = mono_ns() / 1000000;
  for (guint i = 0; i < u->timers->len; i++) {
    UplinkTimer *t = g_ptr_array_index(u->timers, i);
    if (t->expire_ms >= 0)
      timeout = MIN(timeout, (guint32)MAX(0, t->expire_ms - now));
  }
  return timeout;
}

static void timers_run(Uplink *u)
{
  gint64 now = mono_ns() / 1000000;
  for (guint i = 0; i < u->timers->len; i++) {
    UplinkTimer *t = g_ptr_array_index(u->timers, i);
    if (t->expire_ms >= 0 && t->expire_ms <= now) {
      t->expire_ms = -1;
      t->cb(t->cb_opaque); /* may re-arm, or free other timers: restart the scan after each call */
      i = (guint)-1;
      now = mono_ns() / 1000000;
    }
  }
}

/* Returns FALSE when the medium's end is gone. */
static gboolean read_frames(Uplink *u)
{
  for (int burst = 0; burst < 64; burst++) {
    ssize_t n = recv(u->fd, u->buffer, MAX_FRAME, MSG_DONTWAIT);
    if (n < 0)
      return errno == EAGAIN || errno == EINTR;
    if (n == 0)
      return FALSE;
    slirp_input(u->slirp, u->buffer, (int)n);
  }
  return TRUE;
}

static void *uplink_thread(void *arg)
{
  Uplink *u = arg;
  for (;;) {
    g_array_set_size(u->pfds, 0);
    struct pollfd own[2] = {{.fd = u->stop[0], .events = POLLIN}, {.fd = u->fd, .events = POLLIN}};
    g_array_append_vals(u->pfds, own, 2);
    guint32 timeout = 1000;
    slirp_pollfds_fill(u->slirp, &timeout, add_poll, u);
    timeout = timers_timeout_ms(u, timeout);
    int n = poll((struct pollfd *)u->pfds->data, u->pfds->len, (int)timeout);
    if (n < 0 && errno != EINTR) {
      g_warning("uplink: poll: %s", g_strerror(errno));
      break;
    }
    struct pollfd *p = (struct pollfd *)u->pfds->data;
    if (n > 0 && p[0].revents)
      break;
    if (n > 0 && (p[1].revents & (POLLIN | POLLHUP | POLLERR)) && !read_frames(u))
      break;
    slirp_pollfds_poll(u->slirp, n < 0, get_revents, u);
    timers_run(u);
  }
  return NULL;
}

static gboolean parse_addr(const char *text, struct in_addr *addr, GError **error)
{
  if (inet_pton(AF_INET, text, addr) == 1 && (ntohl(addr->s_addr) & 0xffffff00u) == 0x0a4d0000u) {
    guint8 host = ntohl(addr->s_addr) & 0xff;
    if (host >= 1 && host <= 254)
      return TRUE;
  }
  g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
              "uplink address '%s': expected an address in 10.77.0.0/24 that no device uses (e.g. 10.77.0.254)", text);
  return FALSE;
}

Uplink *uplink_start(const char *addr_text, int *medium_fd, GError **error)
{
  struct in_addr host;
  if (!parse_addr(addr_text ? addr_text : UPLINK_DEFAULT_ADDR, &host, error))
    return NULL;
  int sv[2];
  if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0) {
    g_set_error(error, G_IO_ERROR, g_io_error_from_errno(errno), "socketpair: %s", g_strerror(errno));
    return NULL;
  }
  int buf = SOCKET_BUFFER;
  for (int i = 0; i < 2; i++) {
    setsockopt(sv[i], SOL_SOCKET, SO_SNDBUF, &buf, sizeof buf);
    setsockopt(sv[i], SOL_SOCKET, SO_RCVBUF, &buf, sizeof buf);
  }
  Uplink *u = g_new0(Uplink, 1);
  u->fd = sv[1];
  u->stop[0] = u->stop[1] = -1;
  u->timers = g_ptr_array_new_with_free_func(g_free);
  u->pfds = g_array_new(FALSE, TRUE, sizeof(struct pollfd));
  u->buffer = g_malloc(MAX_FRAME);
  SlirpConfig cfg = {
    .version = 3,
    .restricted = 0, /* connections leave through the host's sockets; to the uplink address they reach 127.0.0.1 */
    .in_enabled = true,
    .vhost = host,
    .disable_host_loopback = false,
    .disable_dns = true,
    .if_mtu = 1500,
    .if_mru = 1500,
  };
  inet_pton(AF_INET, "10.77.0.0", &cfg.vnetwork);
  inet_pton(AF_INET, "255.255.255.0", &cfg.vnetmask);
  /* Slirp's DHCP server and DNS address need to be on the network too; the devices have static addresses and do
   * not ask. */
  cfg.vdhcp_start.s_addr = htonl(0x0a4d00f0u);
  cfg.vnameserver.s_addr = htonl(ntohl(host.s_addr) == 0x0a4d00fdu ? 0x0a4d00fcu : 0x0a4d00fdu);
  if (pipe2(u->stop, O_CLOEXEC) < 0 || !(u->slirp = slirp_new(&cfg, &callbacks, u))) {
    g_set_error(error, G_IO_ERROR, G_IO_ERROR_FAILED, "uplink: cannot start libslirp");
    close(sv[0]);
    uplink_stop(u);
    return NULL;
  }
  int rc = pthread_create(&u->thread, NULL, uplink_thread, u);
  if (rc != 0) {
    g_set_error(error, G_IO_ERROR, G_IO_ERROR_FAILED, "uplink: pthread_create: %s", g_strerror(rc));
    close(sv[0]);
    uplink_stop(u);
    return NULL;
  }
  u->running = TRUE;
  *medium_fd = sv[0];
  g_message("uplink: %s on the devices' network reaches the host's 127.0.0.1 (libslirp %s)", addr_text,
            slirp_version_string());
  return u;
}

void uplink_stop(Uplink *u)
{
  if (!u)
    return;
  if (u->running) {
    if (write(u->stop[1], "q", 1) < 0)
      g_warning("uplink: cannot wake the thread: %s", g_strerror(errno));
    pthread_join(u->thread, NULL);
  }
  if (u->slirp)
    slirp_cleanup(u->slirp);
  for (int i = 0; i < 2; i++)
    if (u->stop[i] >= 0)
      close(u->stop[i]);
  close(u->fd);
  g_ptr_array_unref(u->timers);
  g_array_unref(u->pfds);
  g_free(u->buffer);
  g_free(u);
}
