/*
 * tdf_monotonic [THREADS] [READS]: threads read CLOCK_MONOTONIC (and the
 * coarse variant) under one lock, so the reads are ordered in real time; each
 * must be >= the previous one, whichever thread took it.
 */
#include <pthread.h>
#include <stdint.h>
#include "tdf_common.h"

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static int64_t last_fine, last_coarse;
static long backwards, reads_per_thread = 5000;

static int64_t read_ns(clockid_t clk)
{
    struct timespec ts;

    clock_gettime(clk, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static void *reader(void *arg)
{
    long i;

    (void)arg;
    for (i = 0; i < reads_per_thread; i++) {
        pthread_mutex_lock(&lock);
        int64_t fine = read_ns(CLOCK_MONOTONIC);
        int64_t coarse = read_ns(CLOCK_MONOTONIC_COARSE);
        if (fine < last_fine || coarse < last_coarse) {
            backwards++;
        }
        last_fine = fine;
        last_coarse = coarse;
        pthread_mutex_unlock(&lock);
    }
    return NULL;
}

int main(int argc, char **argv)
{
    int nthreads = argc > 1 ? atoi(argv[1]) : 4, i;
    pthread_t tid[64];

    if (argc > 2) {
        reads_per_thread = atol(argv[2]);
    }
    if (nthreads < 1 || nthreads > 64) {
        fprintf(stderr, "tdf_monotonic: 1..64 threads\n");
        return 2;
    }
    for (i = 0; i < nthreads; i++) {
        if (pthread_create(&tid[i], NULL, reader, NULL) != 0) {
            perror("pthread_create");
            return 1;
        }
    }
    for (i = 0; i < nthreads; i++) {
        pthread_join(tid[i], NULL);
    }
    tdf_report("reads", (double)nthreads * reads_per_thread);
    tdf_report("backwards", (double)backwards);
    return 0;
}
