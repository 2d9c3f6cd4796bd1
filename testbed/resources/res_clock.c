/* Emulated time for the resources (see res_clock.h). */
#include "res_clock.h"

#include <errno.h>
#include <stddef.h>
#include <time.h>

static uint64_t monotonic_now(void *ctx)
{
    (void)ctx;
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

static void monotonic_sleep_until(void *ctx, uint64_t deadline_ns)
{
    (void)ctx;
    struct timespec ts = { .tv_sec = (time_t)(deadline_ns / 1000000000ULL),
                           .tv_nsec = (long)(deadline_ns % 1000000000ULL) };
    while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) == EINTR)
        ;
}

static const struct res_clock monotonic = { monotonic_now, monotonic_sleep_until, NULL };
static const struct res_clock *current = &monotonic;

uint64_t res_now_ns(void)
{
    return current->now_ns(current->ctx);
}

void res_sleep_until_ns(uint64_t deadline_ns)
{
    current->sleep_until_ns(current->ctx, deadline_ns);
}

void res_clock_use(const struct res_clock *clock)
{
    current = clock ? clock : &monotonic;
}
