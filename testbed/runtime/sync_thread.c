/* The dmx thread table (see sync_thread.h). */
#include "sync_thread.h"

#include <time.h>

static struct dmx_thread table[DMX_THREADS_MAX];
static atomic_uint used;
static __thread struct dmx_thread *self;

struct dmx_thread *dmx_thread_self(void)
{
    if (!self) {
        uint32_t i = atomic_fetch_add(&used, 1);
        if (i >= DMX_THREADS_MAX) {
            atomic_store(&used, DMX_THREADS_MAX);
            return NULL;
        }
        table[i].id = i + 1;
        self = &table[i];
    }
    return self;
}

uint32_t dmx_thread_count(void)
{
    uint32_t n = atomic_load(&used);
    return n < DMX_THREADS_MAX ? n : DMX_THREADS_MAX;
}

struct dmx_thread *dmx_thread_at(uint32_t i)
{
    return i < dmx_thread_count() ? &table[i] : NULL;
}

uint64_t dmx_now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}
