/* Emulated time for the apps: CLOCK_MONOTONIC as the guest sees it. */
#ifndef DMX_APP_TIME_H
#define DMX_APP_TIME_H

#include <errno.h>
#include <stdint.h>
#include <time.h>

static inline uint64_t app_now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

static inline void app_sleep_until_ns(uint64_t deadline)
{
    struct timespec ts = { .tv_sec = (time_t)(deadline / 1000000000ULL), .tv_nsec = (long)(deadline % 1000000000ULL) };
    while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) == EINTR)
        ;
}

#endif
