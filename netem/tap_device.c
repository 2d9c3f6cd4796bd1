/* tap_device.c: TAP creation through /dev/net/tun; netns entry through setns() in a short-lived thread. */
#include "tap_device.h"
#include <errno.h>
#include <fcntl.h>
#include <gio/gio.h>
#include <linux/if.h>
#include <linux/if_tun.h>
#include <sched.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

int tap_device_open(const char *ifname, GError **error)
{
  int fd = open("/dev/net/tun", O_RDWR | O_CLOEXEC);
  if (fd < 0) {
    g_set_error(error, G_IO_ERROR, g_io_error_from_errno(errno), "open /dev/net/tun: %s", g_strerror(errno));
    return -1;
  }
  struct ifreq ifr = {0};
  ifr.ifr_flags = IFF_TAP | IFF_NO_PI;
  g_strlcpy(ifr.ifr_name, ifname, IFNAMSIZ);
  if (ioctl(fd, TUNSETIFF, &ifr) < 0) {
    g_set_error(error, G_IO_ERROR, g_io_error_from_errno(errno), "TUNSETIFF %s: %s", ifname, g_strerror(errno));
    close(fd);
    return -1;
  }
  return fd;
}

typedef struct {
  const char *netns, *ifname;
  int fd;
  GError *error;
} OpenInNetns;

static gpointer open_in_netns_thread(gpointer data)
{
  OpenInNetns *o = data;
  char *path = g_strdup_printf("/run/netns/%s", o->netns);
  int nsfd = open(path, O_RDONLY | O_CLOEXEC);
  if (nsfd < 0) {
    g_set_error(&o->error, G_IO_ERROR, g_io_error_from_errno(errno), "open %s: %s", path, g_strerror(errno));
  } else if (unshare(CLONE_FS) < 0 || setns(nsfd, CLONE_NEWNET) < 0) {
    g_set_error(&o->error, G_IO_ERROR, g_io_error_from_errno(errno), "setns %s: %s", path, g_strerror(errno));
  } else {
    o->fd = tap_device_open(o->ifname, &o->error);
  }
  if (nsfd >= 0)
    close(nsfd);
  g_free(path);
  return NULL;
}

int tap_device_open_in_netns(const char *netns, const char *ifname, GError **error)
{
  OpenInNetns o = {.netns = netns, .ifname = ifname, .fd = -1};
  GThread *t = g_thread_new("tap-netns", open_in_netns_thread, &o);
  g_thread_join(t);
  if (o.error)
    g_propagate_error(error, o.error);
  return o.fd;
}
