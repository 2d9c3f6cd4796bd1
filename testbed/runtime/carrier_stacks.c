/* Carriers' stacks at the same address on every device (see carrier_stacks.h). */
#include "carrier_stacks.h"

#include "thread_start.h"
#include "thread_takeover.h"
#include "wire_conn.h"

#include <errno.h>
#include <pthread.h>
#include <string.h>
#include <sys/mman.h>

static pthread_mutex_t starting = PTHREAD_MUTEX_INITIALIZER;
static unsigned char *stacks;           /* NULL until mapped, or when they could not be */
static bool tried;
static pthread_t last[DMX_SPAWN_SLOTS]; /* the slot's last carrier here, while joinable */
static bool joinable[DMX_SPAWN_SLOTS];

/* Under starting. The mapping is private to the device: only its address is shared, not its contents. */
static unsigned char *map_stacks(void)
{
    if (tried)
        return stacks;
    tried = true;
    size_t size = (size_t)DMX_SPAWN_SLOTS * CARRIER_STACK_SIZE;
    void *p = mmap((void *)(uintptr_t)CARRIER_STACKS_BASE, size, PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | MAP_FIXED_NOREPLACE, -1, 0);
    if (p == MAP_FAILED || p != (void *)(uintptr_t)CARRIER_STACKS_BASE) {
        wire_log("carriers: cannot map their stacks at %#llx (%s): an app thread's thread-local variables will "
                 "change address when it moves", CARRIER_STACKS_BASE,
                 p == MAP_FAILED ? strerror(errno) : "the address is taken");
        if (p != MAP_FAILED)
            munmap(p, size);
        return NULL;
    }
    /* A guard page at the bottom of each: a carrier that overflows faults rather than writing over the thread
     * descriptor and TLS of the slot below. */
    for (uint32_t slot = 0; slot < DMX_SPAWN_SLOTS; slot++)
        mprotect((unsigned char *)p + (size_t)slot * CARRIER_STACK_SIZE, CARRIER_GUARD, PROT_NONE);
    stacks = p;
    return stacks;
}

static int start_on_slot_stack(uint32_t slot, void *(*fn)(void *), void *arg)
{
    if (joinable[slot]) {
        pthread_join(last[slot], NULL);
        joinable[slot] = false;
    }
    pthread_attr_t attr;
    pthread_attr_init(&attr);
    int rc = pthread_attr_setstack(&attr, stacks + (size_t)slot * CARRIER_STACK_SIZE + CARRIER_GUARD,
                                   CARRIER_STACK_SIZE - CARRIER_GUARD);
    if (rc == 0)
        rc = pthread_create(&last[slot], &attr, fn, arg);
    pthread_attr_destroy(&attr);
    joinable[slot] = rc == 0;
    return rc;
}

/* The slot's stack would not do (static TLS too large for it, say): libc's, and a thread pointer of its own. */
static int start_anywhere(void *(*fn)(void *), void *arg, int why)
{
    static bool said;
    if (!said) {
        said = true;
        wire_log("carriers: cannot start one on its slot's stack (%s): an app thread's thread-local variables "
                 "will change address when it moves", strerror(why));
    }
    return dmx_thread_start_detached(fn, arg);
}

int carrier_start(uint32_t slot, void *(*fn)(void *), void *arg, bool fixed)
{
    if (!fixed || slot >= DMX_SPAWN_SLOTS)
        return dmx_thread_start_detached(fn, arg);
    pthread_mutex_lock(&starting);
    int rc = map_stacks() ? start_on_slot_stack(slot, fn, arg) : dmx_thread_start_detached(fn, arg);
    if (rc != 0 && stacks)
        rc = start_anywhere(fn, arg, rc);
    pthread_mutex_unlock(&starting);
    return rc;
}
