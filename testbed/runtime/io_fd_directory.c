/* The process-wide virtual fd directory (see io_fd_directory.h). */
#include "io_fd_directory.h"

#include "dmx.h"
#include "thread_takeover.h"
#include "wire_conn.h"

#include <stdatomic.h>
#include <string.h>

/* Weak: the I/O layer is also linked (and unit-tested) without the takeover, where none of this is active. */
#pragma weak dmx_takeover
#pragma weak dmx_glock
#pragma weak dmx_gunlock
#pragma weak dmx_heap_alloc_shared
#pragma weak dmx_app_code

#define IO_FDD_MAGIC 0x444d58494f464453ull /* "DMXIOFDS" */
#define IO_FDD_ALIGN 4096

struct io_fd_range {            /* one device's, under its range lock: a page of its own */
    uint64_t next_serial;
    uint32_t binding[IO_MAX_CLASSES];
} __attribute__((aligned(IO_FDD_ALIGN)));

struct io_fd_directory {
    uint64_t magic;
    struct io_fd_range range[WIRE_MAX_DEVICES + 1];     /* by device index; 0 unused */
    struct io_vfd_entry entry[IO_VFD_SLOTS];
};

static _Atomic(struct io_fd_directory *) directory;
static _Atomic uint32_t self_index;

static bool takeover_active(void)
{
    return &dmx_takeover && dmx_takeover.active && dmx_glock && dmx_gunlock;
}

int io_fdd_create(void)
{
    if (!takeover_active() || !dmx_takeover.runs_main || !dmx_heap_alloc_shared)
        return 0;
    struct io_fd_directory *d = dmx_heap_alloc_shared(sizeof *d, IO_FDD_ALIGN);
    if (!d) {
        wire_log("io: no room in the shared heap for the virtual fd directory: fds stay per device");
        return -1;
    }
    dmx_glock(DMX_LOCK_IO_FDS);         /* the whole block, so the next holder of any range lock sees it */
    memset(d, 0, sizeof *d); /* a recycled block need not be zero */
    d->magic = IO_FDD_MAGIC;
    for (uint32_t dev = 1; dev <= WIRE_MAX_DEVICES; dev++)
        d->range[dev].next_serial = 1;
    dmx_gunlock(DMX_LOCK_IO_FDS);
    volatile struct dmx_control *ctl = dmx_takeover.ctl;
    dmx_glock(DMX_LOCK_CONTROL);
    ctl->io_fd_directory = (uint64_t)(uintptr_t)d;
    dmx_gunlock(DMX_LOCK_CONTROL);
    atomic_store_explicit(&directory, d, memory_order_release);
    return 0;
}

/* A worker learns the address from the control block the first time it needs it. */
static struct io_fd_directory *pick_up(void)
{
    if (!takeover_active())
        return NULL;
    volatile struct dmx_control *ctl = dmx_takeover.ctl;
    dmx_glock(DMX_LOCK_CONTROL);
    struct io_fd_directory *d = (struct io_fd_directory *)(uintptr_t)ctl->io_fd_directory;
    dmx_gunlock(DMX_LOCK_CONTROL);
    if (d)      /* the master made the block before it published it: this acquire sees it as made */
        atomic_store_explicit(&directory, d, memory_order_release);
    return d;
}

bool io_fdd_block(uintptr_t *lo, uintptr_t *hi)
{
    struct io_fd_directory *d = atomic_load_explicit(&directory, memory_order_acquire);
    if (!d)
        return false;
    *lo = (uintptr_t)d;
    *hi = ((uintptr_t)d + sizeof(*d) + IO_FDD_ALIGN - 1) / IO_FDD_ALIGN * IO_FDD_ALIGN;
    return true;
}

bool io_fdd_wanted(void)
{
    return takeover_active();
}

bool io_fdd_active(void)
{
    if (__builtin_expect(atomic_load_explicit(&directory, memory_order_acquire) != NULL, 1))
        return true;
    return pick_up() != NULL;
}

uint32_t io_fdd_self(void)
{
    uint32_t self = atomic_load_explicit(&self_index, memory_order_relaxed);
    if (!self) {
        self = (uint32_t)dmx_device_index();
        atomic_store_explicit(&self_index, self, memory_order_relaxed);
    }
    return self;
}

bool io_fdd_app_caller(const void *ra)
{
    return takeover_active() && dmx_app_code && dmx_app_code(ra);
}

/* The run's device count is fixed (DMX_DEVICES lists devices that join later too): read it once, as io_fdd_self
 * does its index, since every lock of an entry asks. */
uint32_t io_fdd_ranges(void)
{
    static _Atomic uint32_t ranges;
    uint32_t r = atomic_load_explicit(&ranges, memory_order_relaxed);
    if (r)
        return r;
    int n = dmx_device_count();
    uint32_t self = io_fdd_self();
    if (n < 1)
        n = 1;
    if ((uint32_t)n < self)
        n = (int)self;
    r = n > WIRE_MAX_DEVICES ? WIRE_MAX_DEVICES : (uint32_t)n;
    atomic_store_explicit(&ranges, r, memory_order_relaxed);
    return r;
}

static uint32_t slots_per_range(void)
{
    return IO_VFD_SLOTS / io_fdd_ranges();
}

uint32_t io_fdd_owner(int slot)
{
    uint32_t owner = (uint32_t)slot / slots_per_range() + 1;
    return owner > io_fdd_ranges() ? io_fdd_ranges() : owner;   /* the remainder is the last range's */
}

void io_fdd_own_range(int *lo, int *hi)
{
    uint32_t self = io_fdd_self(), per = slots_per_range();
    *lo = (int)((self - 1) * per);
    *hi = self == io_fdd_ranges() ? IO_VFD_SLOTS : (int)(self * per);
}

static uint64_t range_lock(uint32_t device)
{
    return DMX_LOCK_IO_FDS_OF(device);
}

void io_fdd_lock_device(uint32_t device)
{
    dmx_glock(range_lock(device));
}

void io_fdd_unlock_device(uint32_t device)
{
    dmx_gunlock(range_lock(device));
}

void io_fdd_lock_slot(int slot)
{
    io_fdd_lock_device(io_fdd_owner(slot));
}

void io_fdd_unlock_slot(int slot)
{
    io_fdd_unlock_device(io_fdd_owner(slot));
}

void io_fdd_lock_own(void)
{
    io_fdd_lock_device(io_fdd_self());
}

void io_fdd_unlock_own(void)
{
    io_fdd_unlock_device(io_fdd_self());
}

struct io_vfd_entry *io_fdd_entry(int slot)
{
    return &atomic_load_explicit(&directory, memory_order_acquire)->entry[slot];
}

uint32_t *io_fdd_bindings_of(uint32_t device)
{
    return atomic_load_explicit(&directory, memory_order_acquire)->range[device].binding;
}

uint64_t io_fdd_next_serial(void)
{
    uint32_t self = io_fdd_self();
    uint64_t n = atomic_load_explicit(&directory, memory_order_acquire)->range[self].next_serial++;
    return (uint64_t)self << 48 | n;
}
