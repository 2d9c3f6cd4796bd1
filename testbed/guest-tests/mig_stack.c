/* mig_stack: one thread with a 1 MiB working set on its stack and 1 MiB on the heap moves between devices.
 *
 * main (the master) starts a thread on its own device. The thread fills a 1 MiB array on its stack and a 1 MiB
 * heap buffer, then dmx_migrate_self(2): it must find both intact on device 2 (its stack came with it; the heap
 * pages fetch on first touch), changes them, migrates back to device 1 and checks again. It reports on stderr
 * the emulated time each dmx_migrate_self took as the thread saw it (request to resume, plus the return), and
 * prints one line on stdout that is the same on any number of devices:
 *   mig_stack sum=<checksum> ok
 * On one device (no migration possible) dmx_migrate_self fails with EINVAL and the thread just goes on.
 * Usage: mig_stack [KIB]   (working set per area, default 1024) */
#include <dmx.h>
#include <dsm_api.h>
#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static size_t kib = 1024;
static unsigned char *heap_buf;
static int moved;

static uint64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static uint64_t sum(const unsigned char *p, size_t n)
{
    uint64_t s = 0;
    for (size_t i = 0; i < n; i++)
        s = s * 31 + p[i];
    return s;
}

static int go(int device, const char *what)
{
    uint64_t t0 = now_ns();
    int rc = dmx_migrate_self(device);
    uint64_t t1 = now_ns();
    if (rc == 0) {
        moved++;
        fprintf(stderr, "mig_stack: %s: now on device %s, dmx_migrate_self took %.3f ms\n", what,
                getenv("DMX_DEVICE_INDEX"), (t1 - t0) / 1e6);
    } else if (errno != EINVAL) {
        fprintf(stderr, "mig_stack: dmx_migrate_self(%d): %s\n", device, strerror(errno));
        return -1;
    }
    return 0;
}

static void *work(void *arg)
{
    (void)arg;
    size_t n = kib << 10;
    unsigned char stack_buf[1u << 20];          /* the first n bytes are used */
    if (n > sizeof(stack_buf))
        n = sizeof(stack_buf);
    for (size_t i = 0; i < n; i++) {
        stack_buf[i] = (unsigned char)(i * 7 + 3);
        heap_buf[i] = (unsigned char)(i * 13 + 5);
    }
    uint64_t s0 = sum(stack_buf, n), h0 = sum(heap_buf, n);
    if (go(2, "out") != 0)
        return (void *)1;
    if (sum(stack_buf, n) != s0 || sum(heap_buf, n) != h0) {
        fprintf(stderr, "mig_stack: working set changed on the way out\n");
        return (void *)1;
    }
    for (size_t i = 0; i < n; i += 64) {
        stack_buf[i] ^= 0x5a;
        heap_buf[i] ^= 0xa5;
    }
    s0 = sum(stack_buf, n);
    h0 = sum(heap_buf, n);
    if (go(1, "back") != 0)
        return (void *)1;
    if (sum(stack_buf, n) != s0 || sum(heap_buf, n) != h0) {
        fprintf(stderr, "mig_stack: working set changed on the way back\n");
        return (void *)1;
    }
    printf("mig_stack sum=%llu ok\n", (unsigned long long)(s0 ^ h0));
    return NULL;
}

int main(int argc, char **argv)
{
    if (argc > 1)
        kib = (size_t)atol(argv[1]);
    if (kib == 0 || kib > 1024)
        return 2;
    heap_buf = malloc(kib << 10);
    if (!heap_buf)
        return 1;
    pthread_t th;
    pthread_attr_t attr;
    pthread_attr_init(&attr);
    pthread_attr_setstacksize(&attr, 8u << 20);  /* for the one-device run: libc's default stack */
    if (pthread_create(&th, &attr, work, NULL) != 0)
        return 1;
    void *ret;
    pthread_join(th, &ret);
    fprintf(stderr, "mig_stack: %d migration(s)\n", moved);
    fflush(stdout);
    return ret == NULL ? 0 : 1;
}
