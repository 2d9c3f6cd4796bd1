/* uplink_echo: a device reaches a TCP echo server on the host's loopback through dmx-medium's uplink.
 *   uplink_echo PORT [MESSAGE]
 * Connects to $DMX_UPLINK (default 10.77.0.254):PORT, sends MESSAGE, reads it back and prints
 * "uplink_echo: OK bytes=N rtt_ms=T"; exits 1 with the reason otherwise. Only the master talks to the host;
 * workers (DMX_ROLE=worker) exit 0 at once. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

static double now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

int main(int argc, char **argv) {
  if (argc < 2) {
    fprintf(stderr, "usage: uplink_echo PORT [MESSAGE]\n");
    return 2;
  }
  const char *role = getenv("DMX_ROLE");
  if (role && strcmp(role, "worker") == 0)
    return 0;
  const char *host = getenv("DMX_UPLINK") ? getenv("DMX_UPLINK") : "10.77.0.254";
  const char *msg = argc > 2 ? argv[2] : "hello from a dmx device";
  struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((unsigned short)atoi(argv[1]))};
  if (inet_pton(AF_INET, host, &sa.sin_addr) != 1) {
    fprintf(stderr, "uplink_echo: bad address %s\n", host);
    return 1;
  }
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  struct timeval tv = {.tv_sec = 10};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
  double t0 = now_ms();
  if (connect(fd, (struct sockaddr *)&sa, sizeof sa) < 0) {
    fprintf(stderr, "uplink_echo: connect %s:%s: %s\n", host, argv[1], strerror(errno));
    return 1;
  }
  size_t len = strlen(msg);
  if (write(fd, msg, len) != (ssize_t)len) {
    fprintf(stderr, "uplink_echo: write: %s\n", strerror(errno));
    return 1;
  }
  char buf[4096];
  size_t got = 0;
  while (got < len) {
    ssize_t n = read(fd, buf + got, sizeof buf - got);
    if (n <= 0) {
      fprintf(stderr, "uplink_echo: read after %zu of %zu bytes: %s\n", got, len, n ? strerror(errno) : "EOF");
      return 1;
    }
    got += (size_t)n;
  }
  if (memcmp(buf, msg, len) != 0) {
    fprintf(stderr, "uplink_echo: the echo differs\n");
    return 1;
  }
  printf("uplink_echo: OK bytes=%zu rtt_ms=%.2f\n", len, now_ms() - t0);
  fflush(stdout);
  close(fd);
  return 0;
}
