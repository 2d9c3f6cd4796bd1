/*
 * devmodel_spin THREADS SECONDS [SLEEP_FIRST_SECONDS]
 *
 * CPU-bound guest load for the devmodel plugin tests: each of THREADS threads optionally sleeps, then runs an
 * arithmetic loop until SECONDS of (guest) CLOCK_MONOTONIC time have passed, checking the clock only every
 * chunk so the loop is almost all computation. Prints one line per thread and a summary:
 *   thread I chunks=N
 *   spin_ns=NS      (wall time of the spinning phase, first start to last finish)
 */
#include <inttypes.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#define CHUNK 20000

struct worker {
    pthread_t thread;
    int index;
    double seconds, sleep_first;
    uint64_t chunks;
    int64_t spin_start, spin_end;
};

static int64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static void *work(void *arg)
{
    struct worker *w = arg;
    if (w->sleep_first > 0) {
        struct timespec ts = { .tv_sec = (time_t)w->sleep_first,
                               .tv_nsec = (long)((w->sleep_first - (double)(time_t)w->sleep_first) * 1e9) };
        nanosleep(&ts, NULL);
    }
    volatile uint64_t acc = (uint64_t)w->index + 1;
    w->spin_start = now_ns();
    int64_t end = w->spin_start + (int64_t)(w->seconds * 1e9);
    do {
        uint64_t x = acc;
        for (int i = 0; i < CHUNK; i++) {
            x = x * 6364136223846793005ULL + 1442695040888963407ULL;
        }
        acc = x;
        w->chunks++;
        w->spin_end = now_ns();
    } while (w->spin_end < end);
    return NULL;
}

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: %s THREADS SECONDS [SLEEP_FIRST_SECONDS]\n", argv[0]);
        return 2;
    }
    int n = atoi(argv[1]);
    double seconds = atof(argv[2]);
    double sleep_first = argc > 3 ? atof(argv[3]) : 0;
    if (n < 1 || n > 64 || seconds <= 0) {
        fprintf(stderr, "devmodel_spin: bad THREADS or SECONDS\n");
        return 2;
    }
    struct worker *w = calloc((size_t)n, sizeof(*w));
    if (!w) {
        return 1;
    }
    for (int i = 0; i < n; i++) {
        w[i] = (struct worker){ .index = i, .seconds = seconds, .sleep_first = sleep_first };
        if (pthread_create(&w[i].thread, NULL, work, &w[i]) != 0) {
            fprintf(stderr, "devmodel_spin: pthread_create failed\n");
            return 1;
        }
    }
    int64_t first = INT64_MAX, last = 0;
    for (int i = 0; i < n; i++) {
        pthread_join(w[i].thread, NULL);
        printf("thread %d chunks=%" PRIu64 "\n", i, w[i].chunks);
        first = w[i].spin_start < first ? w[i].spin_start : first;
        last = w[i].spin_end > last ? w[i].spin_end : last;
    }
    printf("spin_ns=%" PRId64 "\n", last - first);
    free(w);
    return 0;
}
