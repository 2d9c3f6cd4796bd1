/* The app's heap in the shared region: malloc and friends (see thread_takeover.h).
 *
 * Who gets shared memory: only the app's own calls (the return address is the app's code: the executable's
 * text outside libdmx's .dmx_text, see dsm_layout.ld, or an app library such as libavcodec, see app_code.c),
 * and only on an active multi-device run. libc's internal allocations (stdio buffers, strdup, ...) and
 * libdmx's stay in libc's heap: they are per-device state. Only the executable's own calls are migration
 * safe points: a library may be in the middle of something.
 * free/realloc/malloc_usable_size go by address, so a pointer from either heap is handled by its owner.
 *
 * Allocator: one arena per device, so no device ever writes another's allocator state and no global lock is
 * needed: the bump pointer and the free lists are private to the device (in libdmx's own memory), only the
 * 16-byte block headers and the free-list links live in the blocks themselves. Each device starts with an equal
 * share of half the heap; the other half is a pool that a device whose arena runs out claims from in chunks
 * (POOL_CHUNK or more, under the global lock DMX_LOCK_HEAP_POOL), so one device may use far more than its share
 * (the master, which loads a model and makes every thread's buffers). Blocks are powers of two from 16 bytes to
 * 1 MiB (free lists per size), larger ones are 64 KiB multiples (first fit over an address-ordered list that
 * merges and splits). Fresh memory is zero on every device (the region starts zero), so calloc clears only
 * recycled blocks. A block freed on a device that does not own it is leaked (counted):
 * returning it would mean writing the owner's free list. */
#include "thread_takeover.h"
#include "dsm_region.h"
#include "sync_mutex.h"
#include "wire_conn.h"

#include <dlfcn.h>
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define HDR           16u
#define MIN_SHIFT     4
#define MAX_SHIFT     20
#define NCLASSES      (MAX_SHIFT - MIN_SHIFT + 1)
#define BIG_UNIT      (64u << 10)
#define MAGIC_BLOCK   0xD5A110C8u
#define MAGIC_ALIGNED 0xD5A1A119u
#define POOL_CHUNK    (16u << 20)

struct hdr {
    uint64_t size;              /* usable bytes (block) or offset back to the block (aligned alias) */
    uint32_t magic, owner;
};

struct big {                    /* a free large block's first bytes */
    struct big *next;
};

static struct {
    pthread_mutex_t lock;
    uintptr_t lo, hi, bump;     /* this device's arena: its share, then the chunks it claimed */
    uintptr_t all_lo, all_hi;   /* every arena */
    uintptr_t pool_lo;          /* the pool: [pool_lo, all_hi), claimed in order (dmx_control.heap_pool_next) */
    uint32_t self;
    void *free[NCLASSES];
    struct big *bigs;
    size_t claimed;             /* bytes claimed from the pool */
    atomic_ullong leaked, allocs;
} heap = { .lock = PTHREAD_MUTEX_INITIALIZER };

extern char __dmx_text_end[] __attribute__((weak));
extern char etext[] __attribute__((weak));

extern void *__libc_malloc(size_t);
extern void *__libc_calloc(size_t, size_t);
extern void *__libc_realloc(void *, size_t);
extern void __libc_free(void *);
extern void *__libc_memalign(size_t, size_t);

void dmx_heap_setup(uintptr_t lo, uintptr_t hi, uint32_t self, uint32_t ndev)
{
    uintptr_t span = (hi - lo) / 2 / ndev & ~(uintptr_t)(BIG_UNIT - 1);
    heap.all_lo = lo;
    heap.all_hi = lo + ((hi - lo) & ~(uintptr_t)(BIG_UNIT - 1));
    heap.pool_lo = lo + span * ndev;
    heap.lo = heap.bump = lo + span * (self - 1);
    heap.hi = heap.lo + span;
    heap.self = self;
    dmx_takeover.heap_lo = heap.all_lo;
    dmx_takeover.heap_hi = heap.all_hi;
}

static bool in_heap(const void *p)
{
    uintptr_t a = (uintptr_t)p;
    return a >= heap.all_lo && a < heap.all_hi;
}

static bool mine(const void *p)
{
    return dmx_takeover.active && in_heap(p);
}

/* A forked child's copy of a block allocated before the fork: the heap's bookkeeping is the run's, so the child
 * never frees it (libc's free would abort on it). */
static bool left_from_fork(const void *p)
{
    return dmx_takeover.forked_child && in_heap(p);
}

/* Did the app's own code call us (ra: our return address)? */
static bool app_caller(const void *ra)
{
    return dmx_takeover.active && dmx_app_code(ra);
}

/* Did the executable itself call us (a migration safe point)? */
static bool executable_caller(const void *ra)
{
    return dmx_takeover.active && __dmx_text_end && etext && (const char *)ra >= __dmx_text_end &&
           (const char *)ra < etext;
}

static unsigned class_of(size_t n)
{
    unsigned k = MIN_SHIFT;
    while (((size_t)1 << k) < n)
        k++;
    return k - MIN_SHIFT;
}

static struct hdr *hdr_of(void *p) { return (struct hdr *)((char *)p - HDR); }

/* Large blocks: extents (header and body) are BIG_UNIT multiples. The free ones are kept in address order
 * and merged with free neighbours, and a larger one is split, so that a stream of ever larger buffers (a
 * photo gallery) reuses what earlier ones freed instead of running the arena out. */
static char *big_end(struct big *b) { return (char *)b + hdr_of(b)->size; }

/* With heap.lock held: the first free large block with at least usable bytes, split when the rest is worth
 * keeping; NULL when none fits. */
static void *take_big(size_t usable)
{
    for (struct big **pp = &heap.bigs; *pp; pp = &(*pp)->next) {
        struct big *b = *pp;
        if (hdr_of(b)->size < usable)
            continue;
        *pp = b->next;
        size_t rest = hdr_of(b)->size - usable;
        if (rest >= BIG_UNIT) {
            struct hdr *r = (struct hdr *)((char *)b + usable);
            r->size = rest - HDR;
            r->magic = MAGIC_BLOCK;
            r->owner = heap.self;
            hdr_of(b)->size = usable;
            struct big *tail = (struct big *)((char *)r + HDR);
            tail->next = *pp;
            *pp = tail;
        }
        return b;
    }
    return NULL;
}

/* With heap.lock held: b joins the free list in address order, merged with the free blocks right before and
 * after it. Returns the free block b ended up in. */
static struct big *give_big(struct big *b)
{
    struct big **pp = &heap.bigs, *prev = NULL;
    while (*pp && *pp < b) {
        prev = *pp;
        pp = &(*pp)->next;
    }
    b->next = *pp;
    *pp = b;
    if (b->next && big_end(b) + HDR == (char *)b->next) {
        hdr_of(b)->size += HDR + hdr_of(b->next)->size;
        b->next = b->next->next;
    }
    if (prev && big_end(prev) + HDR == (char *)b) {
        hdr_of(prev)->size += HDR + hdr_of(b)->size;
        prev->next = b->next;
        return prev;
    }
    return b;
}

/* What a free block holds past its free-list link is undefined: pushes need not send it (dsm_region.h). */
static void freed_body(void *b, size_t usable)
{
    struct dsm_region *r = dmx_dsm_region();
    if (r && usable > sizeof(void *))
        dsm_region_mark_freed(r, (uintptr_t)b + sizeof(void *), (uintptr_t)b + usable);
}

/* A block handed out, header and body: its pages are pushed as usual again. */
static void *handed_out(void *b, size_t usable)
{
    struct dsm_region *r = dmx_dsm_region();
    if (r)
        dsm_region_mark_used(r, (uintptr_t)b - HDR, (uintptr_t)b + usable);
    return b;
}

/* With heap.lock held: why an allocation failed, the first few times (the app usually reports only ENOMEM). */
static void report_exhausted(size_t usable)
{
    static unsigned reports;
    if (reports++ >= 3)
        return;
    size_t free_big = 0;
    for (struct big *b = heap.bigs; b; b = b->next)
        free_big += hdr_of(b)->size;
    wire_log("heap: no room for %zu bytes: this device's share of %zu MiB and the %zu MiB it claimed from the "
             "pool are used (%zu MiB in free large blocks, %llu blocks freed by other devices leaked), and the pool "
             "is spent; DMX_DSM_SIZE sets the shared region's size",
             usable, (size_t)((heap.pool_lo - heap.all_lo) / dmx_takeover.ndev >> 20), (size_t)(heap.claimed >> 20),
             free_big >> 20, (unsigned long long)heap.leaked);
}

/* With heap.lock held: the rest of the arena, when it is worth it, as a free large block. */
static void keep_rest(void)
{
    if (heap.hi - heap.bump < BIG_UNIT + HDR)
        return;
    struct hdr *h = (struct hdr *)heap.bump;
    h->size = heap.hi - heap.bump - HDR;
    h->magic = MAGIC_BLOCK;
    h->owner = heap.self;
    give_big((struct big *)((char *)h + HDR));
}

/* With heap.lock held: claims room for at least `bytes` from the pool and makes it the arena's new end. The
 * claim is published before the lock goes back, in every checkpoint mode (a release that pushes nothing
 * would let another device claim the same chunk). False when the pool is spent. */
static bool claim_from_pool(size_t bytes)
{
    volatile struct dmx_control *ctl = dmx_takeover.ctl;
    size_t want = (bytes + POOL_CHUNK - 1) / POOL_CHUNK * POOL_CHUNK;
    if (!ctl || !dmx_takeover.locks || sync_mutex_lock(dmx_takeover.locks, DMX_LOCK_HEAP_POOL) != 0)
        return false;
    uintptr_t from = ctl->heap_pool_next ? (uintptr_t)ctl->heap_pool_next : heap.pool_lo;
    bool room = from <= heap.all_hi && heap.all_hi - from >= want;
    if (room)
        ctl->heap_pool_next = from + want;
    uintptr_t c = (uintptr_t)ctl;
    int rc = room ? dsm_region_push_range(dmx_dsm_region(), c, c + DMX_CTL_PAGES * WIRE_PAGE_SIZE) : 0;
    if (sync_mutex_unlock(dmx_takeover.locks, DMX_LOCK_HEAP_POOL) != 0 || rc != 0) {
        wire_log("heap: lost the link to the master while claiming heap memory");
        abort();
    }
    if (!room)
        return false;
    keep_rest();
    heap.bump = from;
    heap.hi = from + want;
    heap.claimed += want;
    return true;
}

/* With heap.lock held: a block of at least n usable bytes; *fresh when it was never used (zero). */
static void *carve(size_t n, bool *fresh)
{
    size_t usable;
    *fresh = false;
    if (n <= ((size_t)1 << MAX_SHIFT)) {
        unsigned c = class_of(n ? n : 1);
        usable = (size_t)1 << (c + MIN_SHIFT);
        if (heap.free[c]) {
            void *p = heap.free[c];
            heap.free[c] = *(void **)p;
            return handed_out(p, usable);
        }
    } else {
        if (n > SIZE_MAX - 2 * BIG_UNIT)
            return NULL;
        usable = (n + HDR + BIG_UNIT - 1) / BIG_UNIT * BIG_UNIT - HDR;
        void *reused = take_big(usable);
        if (reused)
            return handed_out(reused, usable);
    }
    if (heap.hi - heap.bump < usable + HDR && !claim_from_pool(usable + HDR)) {
        report_exhausted(usable);
        return NULL;
    }
    struct hdr *h = (struct hdr *)heap.bump;
    heap.bump += usable + HDR;
    h->size = usable;
    h->magic = MAGIC_BLOCK;
    h->owner = heap.self;
    *fresh = true;
    return handed_out((char *)h + HDR, usable);
}

static void *shared_alloc(size_t n, size_t align, bool zero)
{
    bool fresh;
    if (align > HDR) {
        if (n > SIZE_MAX - align - HDR) {
            errno = ENOMEM;
            return NULL;
        }
        pthread_mutex_lock(&heap.lock);
        char *raw = carve(n + align + HDR, &fresh);
        pthread_mutex_unlock(&heap.lock);
        if (!raw) {
            errno = ENOMEM;
            return NULL;
        }
        if ((uintptr_t)raw % align == 0)
            return raw;
        char *user = (char *)(((uintptr_t)raw + HDR + align - 1) / align * align);
        struct hdr *a = hdr_of(user);
        a->size = (uint64_t)(user - raw);
        a->magic = MAGIC_ALIGNED;
        a->owner = heap.self;
        return user;
    }
    pthread_mutex_lock(&heap.lock);
    void *p = carve(n, &fresh);
    heap.allocs++;
    pthread_mutex_unlock(&heap.lock);
    if (!p) {
        errno = ENOMEM;
        return NULL;
    }
    if (zero && !fresh)
        memset(p, 0, n);
    return p;
}

/* The block p belongs to (an aligned alias points back to it). */
static void *block_of(void *p)
{
    struct hdr *h = hdr_of(p);
    return h->magic == MAGIC_ALIGNED ? (char *)p - h->size : p;
}

static size_t shared_usable(void *p)
{
    void *b = block_of(p);
    return hdr_of(b)->size - (size_t)((char *)p - (char *)b);
}

static void shared_free(void *p)
{
    void *b = block_of(p);
    struct hdr *h = hdr_of(b);
    if (h->magic != MAGIC_BLOCK) {
        wire_log("heap: free(%p): not a block of the shared heap (corrupted header?)", p);
        abort();
    }
    if (h->owner != heap.self) {
        heap.leaked++;
        return;
    }
    pthread_mutex_lock(&heap.lock);
    if (h->size <= ((size_t)1 << MAX_SHIFT)) {
        unsigned c = class_of(h->size);
        *(void **)b = heap.free[c];
        heap.free[c] = b;
        freed_body(b, h->size);
    } else {
        struct big *merged = give_big(b);
        freed_body(merged, hdr_of(merged)->size);
    }
    pthread_mutex_unlock(&heap.lock);
}

__attribute__((noinline)) void *malloc(size_t n)
{
    const void *ra = __builtin_return_address(0);
    if (app_caller(ra)) {
        if (executable_caller(ra))
            dmx_safe_point();
        return shared_alloc(n, HDR, false);
    }
    return __libc_malloc(n);
}

__attribute__((noinline)) void *calloc(size_t n, size_t size)
{
    const void *ra = __builtin_return_address(0);
    if (app_caller(ra)) {
        if (executable_caller(ra))
            dmx_safe_point();
        if (size && n > SIZE_MAX / size) {
            errno = ENOMEM;
            return NULL;
        }
        return shared_alloc(n * size, HDR, true);
    }
    return __libc_calloc(n, size);
}

__attribute__((noinline)) void free(void *p)
{
    if (executable_caller(__builtin_return_address(0)))
        dmx_safe_point();
    if (!p)
        return;
    if (mine(p))
        shared_free(p);
    else if (!left_from_fork(p))
        __libc_free(p);
}

__attribute__((noinline)) void *realloc(void *p, size_t n)
{
    if (!p) {
        if (app_caller(__builtin_return_address(0)))
            return shared_alloc(n, HDR, false);
        return __libc_realloc(NULL, n);
    }
    if (left_from_fork(p)) {
        void *q = __libc_malloc(n);
        size_t had = shared_usable(p);
        if (q)
            memcpy(q, p, had < n ? had : n);
        return q;
    }
    if (!mine(p))
        return __libc_realloc(p, n);
    if (n == 0) {
        shared_free(p);
        return NULL;
    }
    size_t have = shared_usable(p);
    if (n <= have)
        return p;
    void *q = shared_alloc(n, HDR, false);
    if (q) {
        memcpy(q, p, have);
        shared_free(p);
    }
    return q;
}

__attribute__((noinline)) int posix_memalign(void **out, size_t align, size_t n)
{
    if (align < sizeof(void *) || (align & (align - 1)))
        return EINVAL;
    void *p = app_caller(__builtin_return_address(0)) ? shared_alloc(n, align, false) : __libc_memalign(align, n);
    if (!p)
        return ENOMEM;
    *out = p;
    return 0;
}

__attribute__((noinline)) void *aligned_alloc(size_t align, size_t n)
{
    if (align == 0 || (align & (align - 1))) {
        errno = EINVAL;
        return NULL;
    }
    if (app_caller(__builtin_return_address(0)))
        return shared_alloc(n, align, false);
    return __libc_memalign(align, n);
}

__attribute__((noinline)) void *memalign(size_t align, size_t n)
{
    if (align == 0 || (align & (align - 1))) {
        errno = EINVAL;
        return NULL;
    }
    if (app_caller(__builtin_return_address(0)))
        return shared_alloc(n, align, false);
    return __libc_memalign(align, n);
}

size_t malloc_usable_size(void *p)
{
    static size_t (*real)(void *);
    if (!p)
        return 0;
    if (mine(p) || left_from_fork(p))
        return shared_usable(p);
    if (!real)
        real = (size_t (*)(void *))dlsym(RTLD_NEXT, "malloc_usable_size");
    return real ? real(p) : 0;
}

/* For libdmx itself (pthread_spawn.c: thread stacks): a block of the shared heap whatever the caller. */
void *dmx_heap_alloc_shared(size_t n, size_t align)
{
    return dmx_takeover.active ? shared_alloc(n, align, false) : NULL;
}

void dmx_heap_free_shared(void *p)
{
    if (p && mine(p))
        shared_free(p);
}
