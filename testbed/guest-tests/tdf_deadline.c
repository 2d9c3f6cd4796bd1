/*
 * tdf_deadline MODE [SECONDS]: wait until an absolute deadline SECONDS ahead
 * and report the emulated time it took.  MODE: abs_mono, abs_real
 * (clock_nanosleep TIMER_ABSTIME), cond_real, cond_mono
 * (pthread_cond_timedwait, i.e. FUTEX_WAIT_BITSET), sem (sem_timedwait).
 */
#include <errno.h>
#include <pthread.h>
#include <semaphore.h>
#include <string.h>
#include "tdf_common.h"

static struct timespec deadline(clockid_t clk, double secs)
{
    struct timespec ts;

    clock_gettime(clk, &ts);
    ts.tv_sec += (time_t)secs;
    ts.tv_nsec += (long)((secs - (time_t)secs) * 1e9);
    if (ts.tv_nsec >= 1000000000) {
        ts.tv_sec++;
        ts.tv_nsec -= 1000000000;
    }
    return ts;
}

static int cond_wait(clockid_t clk, double secs)
{
    pthread_mutex_t m = PTHREAD_MUTEX_INITIALIZER;
    pthread_condattr_t attr;
    pthread_cond_t c;
    struct timespec ts;
    int rc;

    pthread_condattr_init(&attr);
    pthread_condattr_setclock(&attr, clk);
    pthread_cond_init(&c, &attr);
    pthread_mutex_lock(&m);
    ts = deadline(clk, secs);
    do {
        rc = pthread_cond_timedwait(&c, &m, &ts);
    } while (rc == 0);
    pthread_mutex_unlock(&m);
    return rc == ETIMEDOUT ? 0 : rc;
}

static int sem_wait_until(double secs)
{
    sem_t s;
    struct timespec ts;

    sem_init(&s, 0, 0);
    ts = deadline(CLOCK_REALTIME, secs);
    while (sem_timedwait(&s, &ts) != 0) {
        if (errno == ETIMEDOUT) {
            return 0;
        }
        if (errno != EINTR) {
            return errno;
        }
    }
    return EAGAIN;
}

static int abs_sleep(clockid_t clk, double secs)
{
    struct timespec ts = deadline(clk, secs);
    int rc;

    while ((rc = clock_nanosleep(clk, TIMER_ABSTIME, &ts, NULL)) == EINTR) {
    }
    return rc;
}

int main(int argc, char **argv)
{
    const char *mode = argc > 1 ? argv[1] : "abs_mono";
    double secs = tdf_arg_seconds(argc, argv, 2, 0.5);
    double t0 = tdf_now(CLOCK_MONOTONIC);
    int rc;

    if (!strcmp(mode, "abs_mono")) {
        rc = abs_sleep(CLOCK_MONOTONIC, secs);
    } else if (!strcmp(mode, "abs_real")) {
        rc = abs_sleep(CLOCK_REALTIME, secs);
    } else if (!strcmp(mode, "cond_real")) {
        rc = cond_wait(CLOCK_REALTIME, secs);
    } else if (!strcmp(mode, "cond_mono")) {
        rc = cond_wait(CLOCK_MONOTONIC, secs);
    } else if (!strcmp(mode, "sem")) {
        rc = sem_wait_until(secs);
    } else {
        fprintf(stderr, "tdf_deadline: unknown mode '%s'\n", mode);
        return 2;
    }
    if (rc != 0) {
        fprintf(stderr, "tdf_deadline %s: %s\n", mode, strerror(rc));
        return 1;
    }
    tdf_report("elapsed", tdf_now(CLOCK_MONOTONIC) - t0);
    return 0;
}
