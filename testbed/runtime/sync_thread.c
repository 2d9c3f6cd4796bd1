/* The dmx thread table (see sync_thread.h). */
#include "sync_thread.h"
#include "thread_tls.h"

#include <time.h>

static struct dmx_thread table[DMX_THREADS_MAX];
static atomic_uint used;
DMX_HOST_THREAD_LOCAL(struct dmx_thread *, self, NULL)

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

static struct dmx_thread_lock *lock_slot(struct dmx_thread *t, uint64_t id)
{
    for (int i = 0; i < DMX_THREAD_LOCKS; i++) {
        unsigned long long want = 0;
        if (atomic_load(&t->locks[i].id) == id ||
            atomic_compare_exchange_strong(&t->locks[i].id, &want, id))
            return &t->locks[i];
    }
    return NULL;                    /* more locks than slots: the rest are not counted */
}

void dmx_thread_note_acquire(struct dmx_thread *t, uint64_t id, bool remote)
{
    if (!t)
        return;
    t->lock_acquires++;
    if (remote)
        t->remote_acquires++;
    struct dmx_thread_lock *l = lock_slot(t, id);
    if (l)
        l->acquires++;
}

void dmx_thread_note_release(struct dmx_thread *t, uint64_t id)
{
    if (!t)
        return;
    uint64_t pages = atomic_exchange(&t->pending_writes, 0);
    struct dmx_thread_lock *l = pages ? lock_slot(t, id) : NULL;
    if (l)
        l->bytes += pages * 4096u;
}

void dmx_thread_note_io(uint32_t device, uint64_t bytes, uint64_t stall_ns)
{
    struct dmx_thread *t = dmx_thread_self();
    if (!t)
        return;
    t->io_stall_ns += stall_ns;
    if (device == 0 || device >= DMX_THREAD_PEERS)
        return;
    t->io_requests[device]++;
    t->io_bytes[device] += bytes;
}

uint64_t dmx_now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}
