/* dsm_latency: what a remote thread pays for a global lock and for a page fault, in emulated time.
 *
 * Main (the master) writes PAGES pages of a heap buffer under one mutex and starts a thread on device 2
 * (dmx_thread_hint; on one device it runs locally and measures the local costs). That thread
 *   - takes and drops LOCKS never-used mutexes: each acquire is a round trip to the master's lock directory
 *     (request, grant) -> "lock_acquire_us";
 *   - takes the buffer's mutex (the grant's write notices invalidate the pages) and reads one word of every
 *     other page of the first half (stride 2, so sequential prefetch does not hide the fetch) ->
 *     "page_fault_us", then every page of the second half in order (prefetch, unless DMX_PREFETCH=0) ->
 *     "sequential_fault_us" (per page touched, most of them prefetched);
 *   - waits WAKES times on a condition variable that main (on the master) signals, each time a while after
 *     the thread began to wait -> "cond_wake_us" (from the signal to the waiter holding the mutex again; the
 *     devices' clocks share one emulated timeline);
 *   - returns JOIN_AFTER_US after that, while main waits in pthread_join -> "join_us" (from its return to
 *     main's join returning: one sample).
 * Prints one line: median and mean of each, in microseconds of emulated time.
 * Usage: dsm_latency [LOCKS [PAGES]] */
#include <dsm_api.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define PAGE 4096
#define WAKES 20
#define RING_AFTER_US 20000         /* main rings this long (emulated) after it saw the thread waiting */
#define JOIN_AFTER_US 300000        /* the thread returns this long after its last wake-up */

static long nlocks = 100, npages = 128;
static pthread_mutex_t publish = PTHREAD_MUTEX_INITIALIZER;
static pthread_mutex_t *fresh;
static unsigned char *buf;
static double *lock_us, *fault_us, *seq_us;
static long nfault, nseq;
static volatile long sink;
static pthread_mutex_t bell_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t bell = PTHREAD_COND_INITIALIZER;
static double rung_at, wake_us[WAKES];
static double ended_at;         /* when measure returned; joined, main sees it */
static int waiting, rung;

static double now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

static void *measure(void *unused)
{
    (void)unused;
    for (long i = 0; i < nlocks; i++) {
        double t0 = now_us();
        pthread_mutex_lock(&fresh[i]);
        lock_us[i] = now_us() - t0;
        pthread_mutex_unlock(&fresh[i]);
    }
    pthread_mutex_lock(&publish);
    pthread_mutex_unlock(&publish);
    for (long p = 0; p < npages / 2; p += 2) {
        double t0 = now_us();
        sink += buf[p * PAGE + 8];
        fault_us[nfault++] = now_us() - t0;
    }
    for (long p = npages / 2; p < npages; p++) {
        double t0 = now_us();
        sink += buf[p * PAGE + 8];
        seq_us[nseq++] = now_us() - t0;
    }
    pthread_mutex_lock(&bell_lock);
    for (int i = 0; i < WAKES; i++) {
        waiting = 1;
        while (!rung)
            pthread_cond_wait(&bell, &bell_lock);
        wake_us[i] = now_us() - rung_at;
        rung = 0;
    }
    pthread_mutex_unlock(&bell_lock);
    struct timespec linger = { 0, JOIN_AFTER_US * 1000L };
    nanosleep(&linger, NULL);           /* main is in pthread_join by now, and has been for a while */
    ended_at = now_us();
    return NULL;
}

/* Main's side of the cond measurement: each time the thread waits, ring RING_AFTER_US later. */
static void ring_bells(void)
{
    struct timespec nap = { 0, RING_AFTER_US * 1000L };
    for (int rings = 0; rings < WAKES;) {
        pthread_mutex_lock(&bell_lock);
        int ready = waiting && !rung;
        pthread_mutex_unlock(&bell_lock);
        nanosleep(&nap, NULL);
        if (!ready)
            continue;
        pthread_mutex_lock(&bell_lock);
        waiting = 0;
        rung = 1;
        rung_at = now_us();
        pthread_cond_signal(&bell);
        pthread_mutex_unlock(&bell_lock);
        rings++;
    }
}

static int cmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static void stats(const char *name, double *v, long n)
{
    double sum = 0;
    for (long i = 0; i < n; i++)
        sum += v[i];
    qsort(v, (size_t)n, sizeof(*v), cmp);
    printf(" %s_median=%.0f %s_mean=%.0f", name, n ? v[n / 2] : 0, name, n ? sum / n : 0);
}

int main(int argc, char **argv)
{
    if (argc > 1)
        nlocks = atol(argv[1]);
    if (argc > 2)
        npages = atol(argv[2]);
    if (nlocks < 1 || npages < 2 || npages > 4096)
        return 2;
    fresh = calloc((size_t)nlocks, sizeof(*fresh));
    buf = aligned_alloc(PAGE, (size_t)npages * PAGE);
    lock_us = calloc((size_t)nlocks, sizeof(double));
    fault_us = calloc((size_t)npages, sizeof(double));
    seq_us = calloc((size_t)npages, sizeof(double));
    if (!fresh || !buf || !lock_us || !fault_us || !seq_us)
        return 1;
    pthread_mutex_lock(&publish);
    memset(buf, 0x5a, (size_t)npages * PAGE);
    pthread_mutex_unlock(&publish);
    dmx_thread_hint(2);
    pthread_t th;
    if (pthread_create(&th, NULL, measure, NULL) != 0)
        return 1;
    ring_bells();
    pthread_join(th, NULL);
    double join_us = now_us() - ended_at;
    printf("dsm_latency locks=%ld pages=%ld (us, emulated):", nlocks, npages);
    stats("lock_acquire_us", lock_us, nlocks);
    stats("page_fault_us", fault_us, nfault);
    stats("sequential_fault_us", seq_us, nseq);
    stats("cond_wake_us", wake_us, WAKES);
    stats("join_us", &join_us, 1);
    printf("\n");
    return 0;
}
