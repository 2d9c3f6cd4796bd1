/* tcp_ring: passes a token around a ring of devices over TCP: device 1 -> 2 -> ... -> N -> 1.
 *
 *   tcp_ring [--rounds R] [--payload BYTES] [--port P] [--timeout SECONDS]
 *
 * Every device listens on port P (default 7700), connects to the next device's address from DMX_DEVICES and
 * accepts the previous one. The master (device 1) starts each round. A token carries the round, the path so far,
 * a running checksum folded by every device it visits, and a payload with its own CRC; each device checks both
 * before forwarding. After R rounds the master prints one result line and exits 0; any mismatch, short read or
 * timeout exits 1 with the reason on stderr. Workers print what they forwarded and exit 0. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define MAX_DEVICES 250
#define MAGIC 0x444d5852u /* "DMXR" */

typedef struct {
  uint32_t magic, round, hops, payload_len;
  uint32_t path[16];   /* first 16 device indices visited */
  uint64_t checksum;   /* folded by every device */
  uint32_t payload_crc;
  uint32_t header_crc; /* over everything above */
} Token;

static int g_index, g_count;
static char g_ips[MAX_DEVICES + 1][32];

static void die(const char *fmt, const char *detail) {
  fprintf(stderr, "tcp_ring[%d]: ", g_index);
  fprintf(stderr, fmt, detail);
  fputc('\n', stderr);
  exit(1);
}

static uint32_t crc32(const void *data, size_t len) {
  const uint8_t *p = data;
  uint32_t c = 0xffffffffu;
  for (size_t i = 0; i < len; i++) {
    c ^= p[i];
    for (int k = 0; k < 8; k++)
      c = (c >> 1) ^ (0xedb88320u & -(c & 1));
  }
  return ~c;
}

/* The checksum step of device INDEX in round ROUND; the master knows what a full ring must produce. */
static uint64_t fold(uint64_t sum, uint32_t index, uint32_t round) {
  sum ^= (uint64_t)index * 0x9e3779b97f4a7c15ull + round;
  return (sum << 13 | sum >> 51) * 0xff51afd7ed558ccdull;
}

static void parse_devices(void) {
  const char *idx = getenv("DMX_DEVICE_INDEX"), *list = getenv("DMX_DEVICES");
  if (!idx || !list)
    die("%s", "DMX_DEVICE_INDEX and DMX_DEVICES must be set (run me with dmx run)");
  g_index = atoi(idx);
  char *copy = strdup(list), *save = NULL;
  for (char *item = strtok_r(copy, ",", &save); item && g_count < MAX_DEVICES; item = strtok_r(NULL, ",", &save)) {
    char *eq = strchr(item, '=');
    if (!eq)
      die("bad DMX_DEVICES entry '%s'", item);
    snprintf(g_ips[++g_count], sizeof g_ips[0], "%s", eq + 1);
  }
  free(copy);
  if (g_index < 1 || g_index > g_count)
    die("DMX_DEVICE_INDEX %s is outside DMX_DEVICES", idx);
}

static int listen_on(int port) {
  int s = socket(AF_INET, SOCK_STREAM, 0), one = 1;
  setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(port), .sin_addr.s_addr = htonl(INADDR_ANY)};
  if (s < 0 || bind(s, (struct sockaddr *)&a, sizeof a) < 0 || listen(s, 4) < 0)
    die("listen: %s", strerror(errno));
  return s;
}

static int connect_to(const char *ip, int port, int timeout_s) {
  struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(port)};
  inet_pton(AF_INET, ip, &a.sin_addr);
  time_t deadline = time(NULL) + timeout_s;
  for (;;) {
    int s = socket(AF_INET, SOCK_STREAM, 0), one = 1;
    if (connect(s, (struct sockaddr *)&a, sizeof a) == 0) {
      setsockopt(s, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
      return s;
    }
    close(s);
    if (time(NULL) >= deadline)
      die("cannot connect to the next device: %s", ip);
    usleep(100000); /* its server may not be up yet */
  }
}

static void write_all(int s, const void *buf, size_t len) {
  const char *p = buf;
  while (len) {
    ssize_t n = write(s, p, len);
    if (n <= 0)
      die("send: %s", n < 0 ? strerror(errno) : "closed");
    p += n;
    len -= n;
  }
}

static int read_all(int s, void *buf, size_t len) {
  char *p = buf;
  while (len) {
    ssize_t n = read(s, p, len);
    if (n == 0)
      return 0;
    if (n < 0)
      die("receive: %s", strerror(errno));
    p += n;
    len -= n;
  }
  return 1;
}

static void fill_payload(uint8_t *p, uint32_t len, uint32_t round) {
  uint32_t x = 2463534242u ^ round;
  for (uint32_t i = 0; i < len; i++) {
    x ^= x << 13, x ^= x >> 17, x ^= x << 5;
    p[i] = (uint8_t)x;
  }
}

static void send_token(int s, Token *t, const uint8_t *payload) {
  t->header_crc = crc32(t, offsetof(Token, header_crc));
  write_all(s, t, sizeof *t);
  write_all(s, payload, t->payload_len);
}

/* Receives and checks one token; returns 0 on a clean end of stream. */
static int recv_token(int s, Token *t, uint8_t **payload) {
  if (!read_all(s, t, sizeof *t))
    return 0;
  if (t->magic != MAGIC || t->header_crc != crc32(t, offsetof(Token, header_crc)) || t->payload_len > (64u << 20))
    die("%s", "corrupt token header");
  *payload = realloc(*payload, t->payload_len ? t->payload_len : 1);
  if (!read_all(s, *payload, t->payload_len))
    die("%s", "stream ended inside a token");
  if (crc32(*payload, t->payload_len) != t->payload_crc)
    die("%s", "payload checksum mismatch");
  return 1;
}

static void visit(Token *t) {
  if (t->hops < 16)
    t->path[t->hops] = g_index;
  t->hops++;
  t->checksum = fold(t->checksum, g_index, t->round);
}

static int run_master(int in, int out, int rounds, uint32_t payload_len) {
  uint8_t *payload = malloc(payload_len ? payload_len : 1), *back = NULL;
  uint64_t last = 0;
  struct timespec t0, t1;
  clock_gettime(CLOCK_MONOTONIC, &t0);
  for (int r = 1; r <= rounds; r++) {
    fill_payload(payload, payload_len, r);
    Token t = {.magic = MAGIC, .round = r, .payload_len = payload_len, .payload_crc = crc32(payload, payload_len)};
    visit(&t);
    send_token(out, &t, payload);
    Token got;
    if (!recv_token(in, &got, &back))
      die("%s", "the previous device closed the ring early");
    uint64_t want = 0;
    for (int i = 1; i <= g_count; i++)
      want = fold(want, i, r);
    if (got.round != (uint32_t)r || got.hops != (uint32_t)g_count || got.checksum != want ||
        memcmp(back, payload, payload_len) != 0)
      die("%s", "token came back wrong (round, hop count, checksum or payload)");
    last = got.checksum;
  }
  clock_gettime(CLOCK_MONOTONIC, &t1);
  double ms = (t1.tv_sec - t0.tv_sec) * 1e3 + (t1.tv_nsec - t0.tv_nsec) / 1e6;
  printf("tcp_ring: OK rounds=%d devices=%d payload=%u checksum=%016llx ring=", rounds, g_count, payload_len,
         (unsigned long long)last);
  for (int i = 1; i <= g_count; i++)
    printf("%d->", i);
  printf("1 time_ms=%.1f\n", ms);
  free(payload);
  free(back);
  return 0;
}

static int run_worker(int in, int out) {
  uint8_t *payload = NULL;
  Token t;
  int forwarded = 0;
  while (recv_token(in, &t, &payload)) {
    visit(&t);
    send_token(out, &t, payload);
    forwarded++;
  }
  printf("tcp_ring[%d]: forwarded %d tokens\n", g_index, forwarded);
  free(payload);
  return 0;
}

int main(int argc, char **argv) {
  int rounds = 3, port = 7700, timeout_s = 60;
  uint32_t payload_len = 16384;
  for (int i = 1; i < argc; i++) {
    if (strcmp(argv[i], "--rounds") == 0 && i + 1 < argc)
      rounds = atoi(argv[++i]);
    else if (strcmp(argv[i], "--payload") == 0 && i + 1 < argc)
      payload_len = (uint32_t)strtoul(argv[++i], NULL, 10);
    else if (strcmp(argv[i], "--port") == 0 && i + 1 < argc)
      port = atoi(argv[++i]);
    else if (strcmp(argv[i], "--timeout") == 0 && i + 1 < argc)
      timeout_s = atoi(argv[++i]);
    else {
      fprintf(stderr, "usage: tcp_ring [--rounds R] [--payload BYTES] [--port P] [--timeout SECONDS]\n");
      return 2;
    }
  }
  setvbuf(stdout, NULL, _IOLBF, 0);
  parse_devices();
  alarm(timeout_s * 4); /* never hang a test run */
  int ls = listen_on(port);
  int next = g_index % g_count + 1;
  int out = connect_to(g_ips[next], port, timeout_s);
  int in = accept(ls, NULL, NULL);
  if (in < 0)
    die("accept: %s", strerror(errno));
  int rc = g_index == 1 ? run_master(in, out, rounds, payload_len) : run_worker(in, out);
  close(out); /* ends the next worker's loop */
  close(in);
  close(ls);
  return rc;
}
