/* netns: see netns.h. Plain ioctls, so devices need no `ip` binary. */
#include "netns.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/if_tun.h>
#include <net/if.h>
#include <net/if_arp.h>
#include <netinet/in.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

static gboolean fail(GError **error, const char *what) {
  int e = errno;
  g_set_error(error, G_FILE_ERROR, g_file_error_from_errno(e), "%s: %s", what, g_strerror(e));
  errno = e;
  return FALSE;
}

static gboolean write_file(const char *path, const char *text, GError **error) {
  int fd = open(path, O_WRONLY | O_CLOEXEC);
  if (fd < 0)
    return fail(error, path);
  ssize_t n = write(fd, text, strlen(text));
  int e = errno;
  close(fd);
  errno = e;
  return n == (ssize_t)strlen(text) ? TRUE : fail(error, path);
}

gboolean dmx_netns_enter(GError **error) {
  uid_t uid = geteuid();
  gid_t gid = getegid();
  if (uid == 0) {
    if (unshare(CLONE_NEWNET) < 0)
      return fail(error, "unshare(CLONE_NEWNET)");
    return TRUE;
  }
  /* Rootless: become root of a fresh user namespace (mapped to our own uid), which owns the new netns. */
  if (unshare(CLONE_NEWUSER | CLONE_NEWNET) < 0)
    return fail(error, "unshare(CLONE_NEWUSER|CLONE_NEWNET) (are unprivileged user namespaces enabled? "
                       "sysctl kernel.unprivileged_userns_clone=1)");
  char map[64];
  snprintf(map, sizeof map, "0 %u 1\n", (unsigned)uid);
  if (!write_file("/proc/self/setgroups", "deny", error) || !write_file("/proc/self/uid_map", map, error))
    return FALSE;
  snprintf(map, sizeof map, "0 %u 1\n", (unsigned)gid);
  return write_file("/proc/self/gid_map", map, error);
}

static gboolean set_flags_up(int sock, const char *name, GError **error) {
  struct ifreq ifr = {0};
  g_strlcpy(ifr.ifr_name, name, IFNAMSIZ);
  if (ioctl(sock, SIOCGIFFLAGS, &ifr) < 0)
    return fail(error, "SIOCGIFFLAGS");
  ifr.ifr_flags |= IFF_UP;
  if (ioctl(sock, SIOCSIFFLAGS, &ifr) < 0)
    return fail(error, "SIOCSIFFLAGS (up)");
  return TRUE;
}

gboolean dmx_netns_link_up(const char *name, GError **error) {
  int sock = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (sock < 0)
    return fail(error, "socket(AF_INET)");
  gboolean ok = set_flags_up(sock, name, error);
  close(sock);
  return ok;
}

static gboolean set_addr(int sock, const char *name, unsigned long req, const char *addr, const char *what,
                         GError **error) {
  struct ifreq ifr = {0};
  g_strlcpy(ifr.ifr_name, name, IFNAMSIZ);
  struct sockaddr_in *sin = (struct sockaddr_in *)&ifr.ifr_addr;
  sin->sin_family = AF_INET;
  inet_pton(AF_INET, addr, &sin->sin_addr);
  return ioctl(sock, req, &ifr) < 0 ? fail(error, what) : TRUE;
}

static gboolean configure_tap(int sock, const char *name, int index, GError **error) {
  struct ifreq ifr = {0};
  g_strlcpy(ifr.ifr_name, name, IFNAMSIZ);
  ifr.ifr_hwaddr.sa_family = ARPHRD_ETHER;
  const unsigned char mac[6] = {0x02, 0xdd, 0, 0, 0, (unsigned char)index};
  memcpy(ifr.ifr_hwaddr.sa_data, mac, 6);
  if (ioctl(sock, SIOCSIFHWADDR, &ifr) < 0)
    return fail(error, "SIOCSIFHWADDR");
  g_autofree char *ip = dmx_device_ip(index);
  if (!set_addr(sock, name, SIOCSIFADDR, ip, "SIOCSIFADDR", error) ||
      !set_addr(sock, name, SIOCSIFNETMASK, "255.255.255.0", "SIOCSIFNETMASK", error))
    return FALSE;
  /* No IPv6 on the medium: router solicitations and DAD would only add noise to the pcap. Best effort. */
  g_autofree char *v6 = g_strdup_printf("/proc/sys/net/ipv6/conf/%s/disable_ipv6", name);
  write_file(v6, "1", NULL);
  return set_flags_up(sock, name, error);
}

int dmx_netns_create_tap(const char *name, int index, GError **error) {
  int fd = open("/dev/net/tun", O_RDWR | O_CLOEXEC);
  if (fd < 0) {
    fail(error, errno == ENOENT || errno == ENODEV ? "open /dev/net/tun (load the tun module: modprobe tun)"
                : errno == EACCES || errno == EPERM ? "open /dev/net/tun (rootless runs need it mode 0666, the usual default: "
                                                      "chmod 0666 /dev/net/tun)"
                                                    : "open /dev/net/tun");
    return -1;
  }
  struct ifreq ifr = {0};
  g_strlcpy(ifr.ifr_name, name, IFNAMSIZ);
  ifr.ifr_flags = IFF_TAP | IFF_NO_PI;
  if (ioctl(fd, TUNSETIFF, &ifr) < 0) {
    fail(error, "TUNSETIFF");
    close(fd);
    return -1;
  }
  int sock = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (sock < 0) {
    fail(error, "socket(AF_INET)");
    close(fd);
    return -1;
  }
  gboolean ok = configure_tap(sock, name, index, error);
  close(sock);
  if (!ok) {
    close(fd);
    return -1;
  }
  return fd;
}

char *dmx_device_ip(int index) { return g_strdup_printf("10.77.0.%d", index); }
