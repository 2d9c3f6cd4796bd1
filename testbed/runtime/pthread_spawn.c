/* Starting app threads on other devices: the interim placement until thread migration exists (see
 * thread_takeover.h and dsm_api.h: DMX_PLACE, dmx_thread_hint).
 *
 * pthread_create of an app start routine (its address is in the app's text) picks a device: the calling
 * thread's dmx_thread_hint() if set, else, on the device that runs main(), DMX_PLACE for the n-th such
 * pthread_create of the process, else this device. A local placement is a plain pthread_create. A remote one
 * writes a slot of the spawn table (control block, under DMX_LOCK_CONTROL): {POSTED, device, fn, arg}, and
 * returns a handle that is not a libc pthread_t (SPAWN_TAG | slot). That device's spawn server polls the table
 * (backoff 2 ms .. 50 ms), marks the slot RUNNING and runs fn(arg) on a local thread: fn is valid because every
 * device runs the same -no-pie binary, and arg is valid if it points into the shared heap or globals (not
 * into the creator's stack). At the end it stores the result and marks the slot DONE (or FREE when detached);
 * the release of the control lock publishes everything the thread wrote. pthread_join polls for DONE. */
#include "dsm_api.h"
#include "thread_takeover.h"
#include "wire_conn.h"

#include <dlfcn.h>
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#define SPAWN_TAG      0xD3C0000000000000ull
#define SPAWN_TAG_MASK 0xFFFF000000000000ull
#define NAP_FIRST_NS   2000000ull
#define NAP_MAX_NS     50000000ull

#define REAL(fn) \
    static __typeof__(fn) *real_##fn; \
    if (!real_##fn) \
        real_##fn = (__typeof__(fn) *)dlsym(RTLD_NEXT, #fn)

extern char __dmx_text_end[] __attribute__((weak));
extern char etext[] __attribute__((weak));

static __thread int hint;               /* device for this thread's next pthread_create, 0 = none */
static __thread int running_slot = -1;  /* the spawn slot this (server-started) thread runs */
static atomic_uint creations;           /* app pthread_creates on this device so far */

void dmx_thread_hint(int device)
{
    hint = device;
}

static bool is_handle(pthread_t t) { return ((uint64_t)t & SPAWN_TAG_MASK) == SPAWN_TAG; }

static uint32_t handle_slot(pthread_t t) { return (uint32_t)((uint64_t)t & 0xFFFF); }

/* Entry n (0-based) of DMX_PLACE: a comma list of device indices, or "rr" (round robin over devices). */
static uint32_t place_from_env(uint32_t n)
{
    const char *place = getenv("DMX_PLACE");
    if (!place || !*place)
        return 0;
    if (strcmp(place, "rr") == 0)
        return n % dmx_takeover.ndev + 1;
    for (uint32_t i = 0; *place; i++) {
        char *end;
        long d = strtol(place, &end, 10);
        if (end == place)
            return 0;
        if (i == n)
            return d > 0 ? (uint32_t)d : 0;
        place = *end == ',' ? end + 1 : end;
    }
    return 0;
}

static uint32_t choose_device(void *(*fn)(void *))
{
    struct dmx_takeover *t = &dmx_takeover;
    const char *f = (const char *)(uintptr_t)fn;
    if (!t->active || !__dmx_text_end || !etext || f < __dmx_text_end || f >= etext)
        return 0;               /* libdmx's own threads stay home */
    uint32_t d = (uint32_t)hint;
    hint = 0;
    if (!d && t->runs_main)
        d = place_from_env(atomic_fetch_add(&creations, 1));
    return d && d <= t->ndev && d != t->self ? d : 0;
}

int pthread_create(pthread_t *thread, const pthread_attr_t *attr, void *(*fn)(void *), void *arg)
{
    REAL(pthread_create);
    uint32_t dev = choose_device(fn);
    if (!dev)
        return real_pthread_create(thread, attr, fn, arg);
    volatile struct dmx_control *c = dmx_takeover.ctl;
    int detached = 0;
    if (attr)
        pthread_attr_getdetachstate(attr, &detached);
    dmx_glock(DMX_LOCK_CONTROL);
    uint32_t i = 0;
    while (i < DMX_SPAWN_SLOTS && c->slot[i].state != SPAWN_FREE)
        i++;
    if (i < DMX_SPAWN_SLOTS) {
        c->slot[i].device = dev;
        c->slot[i].fn = (uint64_t)(uintptr_t)fn;
        c->slot[i].arg = (uint64_t)(uintptr_t)arg;
        c->slot[i].ret = 0;
        c->slot[i].detached = detached == PTHREAD_CREATE_DETACHED;
        c->slot[i].from = dmx_takeover.self;
        c->slot[i].state = SPAWN_POSTED;
    }
    dmx_gunlock(DMX_LOCK_CONTROL);
    if (i == DMX_SPAWN_SLOTS)
        return EAGAIN;
    *thread = (pthread_t)(SPAWN_TAG | i);
    return 0;
}

int pthread_join(pthread_t th, void **ret)
{
    REAL(pthread_join);
    if (!is_handle(th) || !dmx_takeover.active)
        return real_pthread_join(th, ret);
    uint32_t i = handle_slot(th);
    if (i >= DMX_SPAWN_SLOTS)
        return ESRCH;
    volatile struct dmx_control *c = dmx_takeover.ctl;
    for (uint64_t nap = NAP_FIRST_NS / 2;; nap = nap < NAP_MAX_NS ? nap * 2 : NAP_MAX_NS) {
        dmx_glock(DMX_LOCK_CONTROL);
        uint32_t state = c->slot[i].state;
        if (state == SPAWN_DONE) {
            if (ret)
                *ret = (void *)(uintptr_t)c->slot[i].ret;
            c->slot[i].state = SPAWN_FREE;
        }
        dmx_gunlock(DMX_LOCK_CONTROL);
        if (state == SPAWN_DONE)
            return 0;
        if (state == SPAWN_FREE)
            return ESRCH;
        dmx_nap(nap);
    }
}

int pthread_detach(pthread_t th)
{
    REAL(pthread_detach);
    if (!is_handle(th) || !dmx_takeover.active)
        return real_pthread_detach(th);
    uint32_t i = handle_slot(th);
    if (i >= DMX_SPAWN_SLOTS)
        return ESRCH;
    volatile struct dmx_control *c = dmx_takeover.ctl;
    dmx_glock(DMX_LOCK_CONTROL);
    if (c->slot[i].state == SPAWN_DONE)
        c->slot[i].state = SPAWN_FREE;
    else
        c->slot[i].detached = 1;
    dmx_gunlock(DMX_LOCK_CONTROL);
    return 0;
}

/* The end of a thread the server started: hand its result back through the table. */
static void finish_slot(void *ret)
{
    volatile struct dmx_control *c = dmx_takeover.ctl;
    int i = running_slot;
    running_slot = -1;
    dmx_glock(DMX_LOCK_CONTROL);
    c->slot[i].ret = (uint64_t)(uintptr_t)ret;
    c->slot[i].state = c->slot[i].detached ? SPAWN_FREE : SPAWN_DONE;
    dmx_gunlock(DMX_LOCK_CONTROL);
}

void pthread_exit(void *ret)
{
    REAL(pthread_exit);
    if (running_slot >= 0)
        finish_slot(ret);
    real_pthread_exit(ret);
    __builtin_unreachable();
}

static void *run_slot(void *arg)
{
    volatile struct dmx_control *c = dmx_takeover.ctl;
    running_slot = (int)(uintptr_t)arg;
    dmx_glock(DMX_LOCK_CONTROL);         /* acquire: everything the poster wrote before posting is visible */
    void *(*fn)(void *) = (void *(*)(void *))(uintptr_t)c->slot[running_slot].fn;
    void *fn_arg = (void *)(uintptr_t)c->slot[running_slot].arg;
    dmx_gunlock(DMX_LOCK_CONTROL);
    void *ret = fn(fn_arg);
    finish_slot(ret);
    return NULL;
}

static void *server_main(void *unused)
{
    (void)unused;
    REAL(pthread_create);
    volatile struct dmx_control *c = dmx_takeover.ctl;
    uint32_t self = dmx_takeover.self;
    pthread_attr_t attr;
    pthread_attr_init(&attr);
    pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
    for (uint64_t nap = NAP_FIRST_NS;;) {
        uint32_t start[DMX_SPAWN_SLOTS], n = 0;
        dmx_glock(DMX_LOCK_CONTROL);
        bool shutdown = c->shutdown != 0;
        for (uint32_t i = 0; i < DMX_SPAWN_SLOTS && !shutdown; i++)
            if (c->slot[i].state == SPAWN_POSTED && c->slot[i].device == self) {
                c->slot[i].state = SPAWN_RUNNING;
                start[n++] = i;
            }
        dmx_gunlock(DMX_LOCK_CONTROL);
        if (shutdown)
            break;
        for (uint32_t k = 0; k < n; k++) {
            pthread_t th;
            if (real_pthread_create(&th, &attr, run_slot, (void *)(uintptr_t)start[k]) != 0) {
                wire_log("spawn: cannot start the thread of slot %u", start[k]);
                abort();
            }
        }
        nap = n ? NAP_FIRST_NS : nap < NAP_MAX_NS ? nap * 2 : NAP_MAX_NS;
        dmx_nap(nap);
    }
    pthread_attr_destroy(&attr);
    dmx_dsm_stop();             /* hand back cached locks with their diffs, then leave quietly */
    return NULL;
}

int dmx_spawn_server_start(void)
{
    REAL(pthread_create);
    pthread_t th;
    pthread_attr_t attr;
    pthread_attr_init(&attr);
    pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
    int rc = real_pthread_create(&th, &attr, server_main, NULL);
    pthread_attr_destroy(&attr);
    return rc == 0 ? 0 : -1;
}
