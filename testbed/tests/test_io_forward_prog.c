/* test_io_forward_prog: the guest program of test_io_forward_e2e (built with dmx-cc, run by `dmx run --app`).
 *
 *   frames N [WxH]           write N gray frames of WxH (default 64x48) to /dev/dmx/screen, frame i filled with a
 *                            pattern of i, and print the forwarding counters
 *   until-rebound N [WxH]    write frames until the screen's binding changed (someone rebinds it from outside),
 *                            then N more; gives up after 2000 frames
 *   read NAME                read /dev/dmx/storage/NAME in 100000-byte pieces; print its size and checksum
 *   garbage DEV N            first act as hostile peers of device DEV's resource server (TCP 7702): one sends
 *                            garbage, one a request before joining, one a join with a wrong secret; each must be
 *                            dropped (EOF); then write N frames like `frames`
 * Every line it prints is "key=value ..." for the test to parse. */
#include "io_devices.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

static void fill(uint8_t *frame, size_t len, unsigned i)
{
    for (size_t j = 0; j < len; j++)
        frame[j] = (uint8_t)(i * 31 + j * 7 + (j >> 8));
}

static void print_counters(const char *cls, uint64_t written)
{
    struct dmx_io_forward_counters fc;
    struct dmx_io_counters c;
    dmx_io_get_forward_counters(cls, &fc);
    dmx_io_get_counters(cls, &c);
    printf("counters class=%s device=%d requests=%" PRIu64 " written=%" PRIu64 " forwarded=%" PRIu64
           " sent=%" PRIu64 " received=%" PRIu64 " stall_ns=%" PRIu64 "\n",
           cls, c.device, c.requests, written, fc.forwarded, fc.bytes_sent, fc.bytes_received, fc.stall_ns);
}

static int frames(int argc, char **argv, int until_rebound)
{
    unsigned n = (unsigned)atoi(argv[2]);
    struct dmx_screen_mode mode = { 64, 48, DMX_PIX_GRAY8, 0 };
    if (argc > 3 && sscanf(argv[3], "%ux%u", &mode.width, &mode.height) != 2)
        return 2;
    int fd = open("/dev/dmx/screen", O_WRONLY);
    if (fd < 0 || ioctl(fd, DMX_SCREEN_SET_MODE, &mode) != 0) {
        printf("error=%s\n", strerror(errno));
        return 1;
    }
    size_t len = dmx_frame_bytes(mode.width, mode.height, mode.format);
    uint8_t *frame = malloc(len);
    struct dmx_io_counters c;
    dmx_io_get_counters("screen", &c);
    int first_device = c.device;
    uint64_t sum = 0, written = 0;
    unsigned i = 0, after = 0;
    for (;; i++) {
        if (!until_rebound && i == n)
            break;
        if (until_rebound) {
            dmx_io_get_counters("screen", &c);
            if (c.device != first_device && after++ == n)
                break;
            if (i == 2000)
                break;
        }
        fill(frame, len, i);
        if (write(fd, frame, len) != (ssize_t)len) {
            printf("error=write %u: %s\n", i, strerror(errno));
            return 1;
        }
        sum ^= dmx_checksum(frame, len) + i;
        written += len;
        fflush(stdout);
    }
    struct dmx_screen_info info;
    ioctl(fd, DMX_SCREEN_GET_INFO, &info);
    close(fd);
    printf("frames n=%u bytes=%zu first_device=%d screen_frames=%" PRIu64 "\n", i, len, first_device, info.frames);
    print_counters("screen", written);
    free(frame);
    return 0;
}

static int read_file(const char *name)
{
    char path[512];
    snprintf(path, sizeof path, "/dev/dmx/storage/%s", name);
    int fd = open(path, O_RDONLY);
    if (fd < 0) {
        printf("error=%s: %s\n", path, strerror(errno));
        return 1;
    }
    size_t cap = 100000, total = 0;
    uint8_t *all = NULL;
    uint8_t *piece = malloc(cap);
    ssize_t n;
    while ((n = read(fd, piece, cap)) > 0) {
        all = realloc(all, total + (size_t)n);
        memcpy(all + total, piece, (size_t)n);
        total += (size_t)n;
    }
    off_t end = lseek(fd, 0, SEEK_END);
    close(fd);
    if (n < 0) {
        printf("error=read: %s\n", strerror(errno));
        return 1;
    }
    printf("file size=%zu end=%lld checksum=%016" PRIx64 "\n", total, (long long)end, dmx_checksum(all, total));
    print_counters("storage", 0);
    return 0;
}

/* Address of device INDEX from DMX_DEVICES ("name=ip,..."). */
static int device_addr(int index, struct sockaddr_in *sa)
{
    const char *p = getenv("DMX_DEVICES");
    for (int i = 1; p && i < index; i++)
        if ((p = strchr(p, ',')))
            p++;
    const char *eq = p ? strchr(p, '=') : NULL;
    char ip[32] = { 0 };
    if (!eq)
        return -1;
    memcpy(ip, eq + 1, strcspn(eq + 1, ",") < sizeof ip - 1 ? strcspn(eq + 1, ",") : sizeof ip - 1);
    memset(sa, 0, sizeof *sa);
    sa->sin_family = AF_INET;
    sa->sin_port = htons(7702);
    return inet_pton(AF_INET, ip, &sa->sin_addr) == 1 ? 0 : -1;
}

/* Connects to DEV's server, sends BYTES, and waits (up to 60 s) for the server to close: 1 if it did. */
static int hostile(int dev, const void *bytes, size_t len)
{
    struct sockaddr_in sa;
    if (device_addr(dev, &sa) != 0)
        return 0;
    int fd = -1;
    for (int tries = 0; tries < 200; tries++) {
        fd = socket(AF_INET, SOCK_STREAM, 0);
        if (connect(fd, (struct sockaddr *)&sa, sizeof sa) == 0)
            break;
        close(fd);
        fd = -1;
        usleep(100000);
    }
    if (fd < 0)
        return 0;
    struct timeval tv = { 60, 0 };
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    if (send(fd, bytes, len, MSG_NOSIGNAL) != (ssize_t)len) {
        close(fd);
        return 0;
    }
    char buf[256];
    ssize_t n;
    while ((n = recv(fd, buf, sizeof buf, 0)) > 0)
        ;
    close(fd);
    return n == 0 || (n < 0 && errno == ECONNRESET);
}

static int garbage(int argc, char **argv)
{
    int dev = atoi(argv[2]);
    static const char http[] = "GET / HTTP/1.0\r\n\r\n";
    /* a well-formed IO_REQUEST header (magic, version 1, type 40, sender 1, 60 bytes) sent before any join */
    uint8_t early[20 + 60] = { 0x44, 0x4d, 0x58, 0x57, 1, 40, 0, 0, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 60 };
    /* a HELLO from device 1 "x", then an AUTH whose MAC is all zeros (wrong secret) */
    uint8_t hello_auth[20 + 22 + 20 + 32] = { 0x44, 0x4d, 0x58, 0x57, 1, 1, 0, 0, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 22,
                                              0, 0, 0, 1 };
    hello_auth[20 + 4 + 16] = 1;
    hello_auth[20 + 4 + 16 + 1] = 'x';
    uint8_t *auth = hello_auth + 42;
    const uint8_t auth_head[20] = { 0x44, 0x4d, 0x58, 0x57, 1, 3, 0, 0, 0, 0, 0, 2, 0, 0, 0, 1, 0, 0, 0, 32 };
    memcpy(auth, auth_head, 20);
    int dropped = hostile(dev, http, sizeof http - 1) + hostile(dev, early, sizeof early) +
                  hostile(dev, hello_auth, sizeof hello_auth);
    printf("garbage dropped=%d\n", dropped);
    char *args[] = { argv[0], "frames", argv[3], argc > 4 ? argv[4] : NULL, NULL };
    return frames(argc > 4 ? 4 : 3, args, 0);
}

int main(int argc, char **argv)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
    if (argc >= 3 && strcmp(argv[1], "frames") == 0)
        return frames(argc, argv, 0);
    if (argc >= 3 && strcmp(argv[1], "until-rebound") == 0)
        return frames(argc, argv, 1);
    if (argc >= 4 && strcmp(argv[1], "garbage") == 0)
        return garbage(argc, argv);
    if (argc == 3 && strcmp(argv[1], "read") == 0)
        return read_file(argv[2]);
    fprintf(stderr, "usage: test_io_forward_prog frames N [WxH] | until-rebound N [WxH] | read NAME | garbage DEV N\n");
    return 2;
}
