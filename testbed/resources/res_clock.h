/* The clock every resource paces itself by: emulated time, i.e. CLOCK_MONOTONIC as the guest sees it (the
 * TDF patch dilates it and the sleeps). Tests swap in a fake clock. */
#ifndef DMX_RES_CLOCK_H
#define DMX_RES_CLOCK_H

#include <stdint.h>

struct res_clock {
    uint64_t (*now_ns)(void *ctx);
    void (*sleep_until_ns)(void *ctx, uint64_t deadline_ns);
    void *ctx;
};

uint64_t res_now_ns(void);
void res_sleep_until_ns(uint64_t deadline_ns);
/* Replaces the clock (NULL restores CLOCK_MONOTONIC). Not thread-safe: call before opening resources. */
void res_clock_use(const struct res_clock *clock);

#endif
