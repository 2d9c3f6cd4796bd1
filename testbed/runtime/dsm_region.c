/* The shared region: mappings, page states, fault handling, twins and flushes (see dsm_region.h). */
#include "dsm_region.h"
#include "dsm_diff.h"
#include "app_signals.h"
#include "sync_thread.h"
#include "wire_conn.h"

#include <errno.h>
#include <signal.h>
#include <ucontext.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#ifndef MAP_FIXED_NOREPLACE
#define MAP_FIXED_NOREPLACE 0x100000
#endif

static struct dsm_region *active_region;
static void register_syscall_faults(const struct dsm_region *r);

/* Where a SIGSEGV that is not the region's goes: the action before ours, then whatever the app set since
 * (app_signals.c). Two slots, so that a fault reading one never sees it half-written by the app's sigaction. */
static struct sigaction chained_segv[2];
static atomic_uint chained_slot;
static pthread_mutex_t chaining = PTHREAD_MUTEX_INITIALIZER;

static uint8_t *app_page(const struct dsm_region *r, uint32_t p)
{
    if (r->alias && p - r->alias_first < r->alias_count)
        return r->alias + (size_t)(p - r->alias_first) * DSM_PAGE_SIZE;
    return r->base + (size_t)p * DSM_PAGE_SIZE;
}

/* The page the app address a belongs to, in the base window or the alias window. */
static bool page_of(const struct dsm_region *r, uintptr_t a, uint32_t *p)
{
    uintptr_t b = (uintptr_t)r->base, al = (uintptr_t)r->alias;
    if (r->alias && a >= al && a - al < (uintptr_t)r->alias_count * DSM_PAGE_SIZE) {
        *p = r->alias_first + (uint32_t)((a - al) / DSM_PAGE_SIZE);
        return true;
    }
    if (!r->base || a < b || a - b >= r->size)
        return false;
    *p = (uint32_t)((a - b) / DSM_PAGE_SIZE);
    return !(r->alias && *p - r->alias_first < r->alias_count);   /* that part of base is not the app's */
}
static uint8_t *sys_page(const struct dsm_region *r, uint32_t p) { return r->sys + (size_t)p * DSM_PAGE_SIZE; }
static uint8_t *twin_page(const struct dsm_region *r, uint32_t p) { return r->twins + (size_t)p * DSM_PAGE_SIZE; }

/* Stack an app thread uses below a public function here while it holds r->lock: a push's encoding and send(2)
 * (about 600 bytes, by -fstack-usage). Faulting in more would fault where nothing is used, and a fault that must
 * fetch while the caller holds the lock table's lock waits for the receiver, which may wait for that lock. */
#define LOCKED_STACK_MAX (1u << 10)

/* Stack an app thread uses below a lock-table function while it holds the table's lock (sync_mutex.c): its
 * frames, a release's flush, and that flush's LOCKED_STACK_MAX below lock_region (about 1.3 KiB in all, by
 * -fstack-usage: sync_mutex_unlock 48, give_back_now 32, dsm_region_flush 112, fault_in_stack 1024, wire_log
 * 800 on a lost link), with room to spare. */
#define LOCK_TABLE_STACK_MAX (4u << 10)

static void touch_pages(volatile uint8_t *below, size_t n)
{
    for (size_t i = 0; i < n; i += DSM_PAGE_SIZE)
        below[i] = 0;
    below[n - 1] = 0;
}

/* Write to every page of the LOCKED_STACK_MAX bytes below the caller's frame. */
static __attribute__((noinline)) void fault_in_stack(void)
{
    volatile uint8_t below[LOCKED_STACK_MAX];
    touch_pages(below, sizeof below);
}

__attribute__((noinline)) void dsm_fault_in_stack(void)
{
    volatile uint8_t below[LOCK_TABLE_STACK_MAX];
    touch_pages(below, sizeof below);
}

/* An app thread runs on a stack in the region (pthread_spawn.c), whose pages below the deepest point it reached
 * since it arrived may not be writable here yet. A fault taken while r->lock is held waits for r->lock forever
 * (a cut's push went below where a thread had arrived, and its device hung). So buffers used under the lock are
 * r->scratch, not the stack's, and the little stack it does use faults in first, without the lock. */
static void lock_region(struct dsm_region *r)
{
    fault_in_stack();
    pthread_mutex_lock(&r->lock);
}

static void protect(struct dsm_region *r, uint32_t p, int prot)
{
    if (mprotect(app_page(r, p), DSM_PAGE_SIZE, prot) != 0) {
        wire_log("dsm: mprotect of page %u failed: %s", p, strerror(errno));
        abort();
    }
}

static void *map_fixed(uint64_t base, size_t size, int fd)
{
    void *want = (void *)(uintptr_t)base;
    void *p = mmap(want, size, PROT_READ, MAP_SHARED | MAP_FIXED_NOREPLACE, fd, 0);
    if (p == MAP_FAILED)
        return NULL;
    if (p != want) {            /* a kernel (or emulator) that ignores the flag treats it as a hint */
        munmap(p, size);
        errno = EEXIST;
        return NULL;
    }
    return p;
}

int dsm_region_init(struct dsm_region *r, uint64_t base, size_t size, const struct dsm_transport *t)
{
    memset(r, 0, sizeof(*r));
    if (size == 0 || size % DSM_PAGE_SIZE || size / DSM_PAGE_SIZE > UINT32_MAX || base % DSM_PAGE_SIZE) {
        errno = EINVAL;
        return -1;
    }
    r->size = size;
    r->npages = (uint32_t)(size / DSM_PAGE_SIZE);
    r->transport = *t;
    r->prefetch = true;
    const char *pf = getenv("DMX_PREFETCH");
    if (pf && strcmp(pf, "0") == 0)
        r->prefetch = false;
    pthread_mutex_init(&r->lock, NULL);
    pthread_cond_init(&r->arrived, NULL);
    r->memfd = memfd_create("dmx-dsm", MFD_CLOEXEC);
    if (r->memfd < 0 || ftruncate(r->memfd, (off_t)size) != 0)
        goto fail;
    r->base = map_fixed(base, size, r->memfd);
    if (!r->base)
        goto fail;
    r->sys = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, r->memfd, 0);
    r->twins = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (r->sys == MAP_FAILED || r->twins == MAP_FAILED) {
        r->sys = r->sys == MAP_FAILED ? NULL : r->sys;
        r->twins = r->twins == MAP_FAILED ? NULL : r->twins;
        goto fail;
    }
    r->state = calloc(r->npages, 1);            /* DSM_READ == 0 */
    r->pinned = calloc(r->npages, 1);
    r->kernel_busy = calloc(r->npages, 1);
    r->deferred = calloc(r->npages, 1);
    r->announced = calloc(r->npages, 1);
    r->kept = calloc(r->npages, 1);
    r->version = calloc(r->npages, sizeof(uint32_t));
    r->dirty = calloc(r->npages, sizeof(uint32_t));
    r->held_batch = calloc(r->npages, sizeof(uint32_t));
    r->scratch = malloc(DSM_DIFF_MAX + DSM_PAGE_SIZE);
    r->written_s = calloc(r->npages, sizeof(uint32_t));
    r->used_ms = calloc(r->npages, sizeof(uint32_t));
    r->freed = calloc(r->npages, 1);
    if (!r->freed || !r->state || !r->pinned || !r->kernel_busy || !r->deferred || !r->announced || !r->kept || !r->version || !r->dirty || !r->held_batch || !r->scratch || !r->written_s || !r->used_ms)
        goto fail;
    return 0;
fail:;
    int saved = errno;
    dsm_region_destroy(r);
    errno = saved ? saved : ENOMEM;
    return -1;
}

void dsm_region_destroy(struct dsm_region *r)
{
    if (active_region == r) {
        dmx_libc_sigaction(SIGSEGV, &chained_segv[atomic_load(&chained_slot)], NULL);
        active_region = NULL;
        register_syscall_faults(NULL);
    }
    if (r->base)
        munmap(r->base, r->size);
    if (r->sys)
        munmap(r->sys, r->size);
    if (r->twins)
        munmap(r->twins, r->size);
    if (r->memfd > 0)
        close(r->memfd);
    free(r->state);
    free(r->pinned);
    r->pinned = NULL;
    free(r->kernel_busy);
    r->kernel_busy = NULL;
    free(r->deferred);
    r->deferred = NULL;
    free(r->announced);
    r->announced = NULL;
    free(r->kept);
    r->kept = NULL;
    free(r->version);
    free(r->dirty);
    free(r->held_batch);
    r->held_batch = NULL;
    free(r->scratch);
    r->scratch = NULL;
    free(r->written_s);
    r->written_s = NULL;
    free(r->used_ms);
    r->used_ms = NULL;
    free(r->freed);
    r->freed = NULL;
    r->base = r->sys = r->twins = NULL;
    r->state = NULL;
    r->version = r->dirty = NULL;
    r->memfd = -1;
}

/* The address and the program counter of a fault that is not the DSM's, on stderr (async-signal-safe): the
 * crash report of a guest names what it touched, not only that qemu saw an uncaught SIGSEGV. */
static void report_foreign_fault(const void *addr, const void *uctx)
{
    char text[160] = "dmx: segmentation fault at 0x";
    size_t n = strlen(text);
    uintptr_t values[2] = { (uintptr_t)addr, 0 };
#if defined(__aarch64__)
    values[1] = (uintptr_t)((const ucontext_t *)uctx)->uc_mcontext.pc;
#elif defined(__x86_64__)
    values[1] = (uintptr_t)((const ucontext_t *)uctx)->uc_mcontext.gregs[REG_RIP];
#else
    (void)uctx;
#endif
    for (int v = 0; v < 2; v++) {
        if (v == 1) {
            memcpy(text + n, " (pc 0x", 7);
            n += 7;
        }
        for (int shift = 60; shift >= 0; shift -= 4)
            text[n++] = "0123456789abcdef"[(values[v] >> shift) & 0xf];
    }
    static const char tail[] = "), outside the shared region's protocol\n";
    memcpy(text + n, tail, sizeof tail - 1);
    n += sizeof tail - 1;
    ssize_t ignored = write(2, text, n);
    (void)ignored;
}

/* The app's own handler, as its flags ask. SIGSEGV stays unblocked while it runs, whatever its sa_mask says:
 * it may touch shared pages, whose faults must still reach the region. */
static void run_chained_handler(const struct sigaction *app, int sig, siginfo_t *info, void *uctx)
{
    if (app->sa_flags & SA_RESETHAND) {
        struct sigaction dfl = { .sa_handler = SIG_DFL };
        dsm_region_chain_segv(&dfl, NULL);
    }
    if (app->sa_flags & SA_SIGINFO)
        app->sa_sigaction(sig, info, uctx);
    else
        app->sa_handler(sig);
}

static void segv_handler(int sig, siginfo_t *info, void *uctx)
{
    struct dsm_region *r = active_region;
    int saved_errno = errno;
    if (r && dsm_region_fault(r, info->si_addr)) {
        errno = saved_errno;
        return;
    }
    /* Not ours: behave as if we were never installed. */
    struct sigaction app = chained_segv[atomic_load(&chained_slot)];   /* a copy: the app may change it */
    if (app.sa_handler != SIG_DFL && app.sa_handler != SIG_IGN) {
        run_chained_handler(&app, sig, info, uctx);
    } else {
        report_foreign_fault(info->si_addr, uctx);
        struct sigaction dfl = { .sa_handler = SIG_DFL };
        dmx_libc_sigaction(SIGSEGV, &dfl, NULL);   /* returning re-executes the access, which now kills us */
    }
}

/* dmx's QEMU (qemu-patches/0002) raises SIGSEGV for a system call whose buffer is a protected page of a range
 * registered here, and runs the call again once the handler has fixed the page: a call libdmx does not wrap
 * (thread_syscall_writes.c) works on shared memory as a plain access does. Linux and stock QEMU say ENOSYS, and
 * such a call fails with EFAULT there. */
#define DMX_QEMU_NR_FAULT_RANGE 0x444d58

static void register_syscall_window(const void *lo, size_t len)
{
    if (len)
        syscall(DMX_QEMU_NR_FAULT_RANGE, (unsigned long)(uintptr_t)lo, (unsigned long)((uintptr_t)lo + len));
}

/* The app's windows: the base window but for the part the alias retired, and the alias. NULL: none. */
static void register_syscall_faults(const struct dsm_region *r)
{
    syscall(DMX_QEMU_NR_FAULT_RANGE, 0ul, 0ul);
    if (!r)
        return;
    size_t first = r->alias ? (size_t)r->alias_first * DSM_PAGE_SIZE : r->size;
    size_t after = r->alias ? first + (size_t)r->alias_count * DSM_PAGE_SIZE : r->size;
    register_syscall_window(r->base, first);
    register_syscall_window(r->base + after, r->size - after);
    if (r->alias)
        register_syscall_window(r->alias, (size_t)r->alias_count * DSM_PAGE_SIZE);
}

int dsm_region_install_handler(struct dsm_region *r)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_sigaction = segv_handler;
    /* SA_ONSTACK: threads running on a region stack (pthread_spawn.c) take faults on their private
     * alternate stack, since the faulting page may be their own stack. Others have none: no change. */
    sa.sa_flags = SA_SIGINFO | SA_RESTART | SA_NODEFER | SA_ONSTACK;
    sigemptyset(&sa.sa_mask);
    atomic_store(&chained_slot, 0);
    active_region = r;
    if (dmx_libc_sigaction(SIGSEGV, &sa, &chained_segv[0]) != 0)
        return -1;
    register_syscall_faults(r);
    return 0;
}

bool dsm_region_chain_segv(const struct sigaction *act, struct sigaction *old)
{
    if (!active_region)
        return false;
    pthread_mutex_lock(&chaining);
    unsigned slot = atomic_load(&chained_slot);
    if (old)
        *old = chained_segv[slot];
    if (act) {
        chained_segv[!slot] = *act;
        atomic_store(&chained_slot, !slot);
    }
    pthread_mutex_unlock(&chaining);
    return true;
}

static int state_prot(enum dsm_page_state s)
{
    return s == DSM_READ || s == DSM_HELD ? PROT_READ : s == DSM_WRITE ? PROT_READ | PROT_WRITE : PROT_NONE;
}

/* The child's own copy of page p: a private mapping of a file shows the file's later changes until the page is
 * written, so every page the device holds is written once, with its own contents. */
static void copy_for_child(struct dsm_region *r, uint32_t p)
{
    bool aliased = r->alias && p >= r->alias_first && p - r->alias_first < r->alias_count;
    volatile uint8_t *a = aliased ? r->alias + (size_t)(p - r->alias_first) * DSM_PAGE_SIZE
                                  : r->base + (size_t)p * DSM_PAGE_SIZE;
    *a = *a;
}

int dsm_region_detach_child(struct dsm_region *r)
{
    const int prot = PROT_READ | PROT_WRITE, flags = MAP_PRIVATE | MAP_FIXED | MAP_NORESERVE;
    if (mmap(r->base, r->size, prot, flags, r->memfd, 0) == MAP_FAILED)
        return -1;
    if (r->alias && mmap(r->alias, (size_t)r->alias_count * DSM_PAGE_SIZE, prot, flags, r->memfd,
                         (off_t)r->alias_first * DSM_PAGE_SIZE) == MAP_FAILED)
        return -1;
    /* Only pages the memfd has (mincore on the shared system view): the region is mostly never touched. */
    unsigned char resident[4096];
    for (uint32_t p0 = 0; p0 < r->npages; p0 += sizeof resident) {
        uint32_t n = r->npages - p0 < sizeof resident ? r->npages - p0 : (uint32_t)sizeof resident;
        if (mincore(r->sys + (size_t)p0 * DSM_PAGE_SIZE, (size_t)n * DSM_PAGE_SIZE, resident) != 0)
            return -1;
        for (uint32_t i = 0; i < n; i++)
            if (resident[i] & 1)        /* a stale page too: the parent's fetch must not show through */
                copy_for_child(r, p0 + i);
    }
    return 0;
}

int dsm_region_alias(struct dsm_region *r, void *addr, uint32_t first, uint32_t count, bool adopt)
{
    if (r->alias || count == 0 || first >= r->npages || count > r->npages - first ||
        (uintptr_t)addr % DSM_PAGE_SIZE) {
        errno = EINVAL;
        return -1;
    }
    size_t len = (size_t)count * DSM_PAGE_SIZE;
    lock_region(r);
    if (adopt)
        for (uint32_t i = 0; i < count; i++) {
            if (r->state[first + i] != DSM_READ || r->version[first + i] != 0) {
                pthread_mutex_unlock(&r->lock);
                errno = EBUSY;      /* someone else wrote there first: the zero twin would be wrong */
                return -1;
            }
            memcpy(sys_page(r, first + i), (uint8_t *)addr + (size_t)i * DSM_PAGE_SIZE, DSM_PAGE_SIZE);
        }
    /* The content is in the memfd now; mapping it over addr changes nothing the app can see. */
    void *m = mmap(addr, len, adopt ? PROT_READ | PROT_WRITE : PROT_NONE, MAP_SHARED | MAP_FIXED, r->memfd,
                   (off_t)first * DSM_PAGE_SIZE);
    if (m == MAP_FAILED) {
        int saved = errno;
        pthread_mutex_unlock(&r->lock);
        errno = saved;
        return -1;
    }
    mprotect(r->base + (size_t)first * DSM_PAGE_SIZE, len, PROT_NONE);   /* the old window is retired */
    r->alias = addr;
    r->alias_first = first;
    r->alias_count = count;
    if (active_region == r)
        register_syscall_faults(r);
    for (uint32_t i = 0; i < count; i++) {
        uint32_t p = first + i;
        if (adopt) {
            memset(twin_page(r, p), 0, DSM_PAGE_SIZE);
            r->state[p] = DSM_WRITE;
            r->dirty[r->ndirty++] = p;
            r->changes++;
        } else {
            protect(r, p, state_prot(r->state[p]));
        }
    }
    pthread_mutex_unlock(&r->lock);
    return 0;
}

/* Called with r->lock held: does page p hold changes made here that home lacks (written, held, or kept)? */
static bool has_changes(const struct dsm_region *r, uint32_t p)
{
    return r->kept[p] == DSM_KEPT || r->state[p] == DSM_HELD || r->state[p] == DSM_WRITE;
}

/* A diff of len bytes leaves for home: the device's count and the calling thread's. */
static void count_push(struct dsm_region *r, size_t len)
{
    r->stats.diffs_pushed++;
    r->stats.diff_bytes_pushed += len;
    struct dmx_thread *t = dmx_thread_self();
    if (t)
        t->diff_bytes_pushed += len;
}

/* Called with r->lock held: diff page p (WRITE, HELD or kept) against its twin, push the diff, make the page
 * READ (a kept one stays INVALID). In lazy mode an empty diff is pushed too: it tells the master the page is no
 * longer held here. */
static int flush_page(struct dsm_region *r, uint32_t p)
{
    uint8_t *diff = r->scratch;
    if (!r->kept[p])
        protect(r, p, PROT_READ);   /* first, so no local write slips past the diff */
    size_t len = dsm_diff_make(twin_page(r, p), sys_page(r, p), diff);
    if (r->kept[p]) {
        /* A reply asked for before this push lacks these changes: they are laid over it again (merge_reply). */
        r->kept[p] = r->state[p] == DSM_FETCHING ? DSM_KEPT_PUSHED : 0;
    } else {
        r->state[p] = DSM_READ;
    }
    r->announced[p] = 0;
    if (!r->kept[p])
        madvise(twin_page(r, p), DSM_PAGE_SIZE, MADV_DONTNEED);
    r->stats.pages_flushed++;
    if (len == 0 && !r->lazy)
        return 0;
    count_push(r, len);
    return r->transport.push(r->transport.ctx, p, r->version[p], diff, (uint32_t)len);
}

/* Called with r->lock held: page p (READ or HELD) becomes writable. A READ page gets its twin and a dirty entry;
 * a HELD one keeps both, so its next diff covers every change since the twin. */
static void start_writing(struct dsm_region *r, uint32_t p)
{
    if (r->state[p] == DSM_READ) {
        memcpy(twin_page(r, p), sys_page(r, p), DSM_PAGE_SIZE);
        r->dirty[r->ndirty++] = p;
    }
    r->state[p] = DSM_WRITE;
    protect(r, p, PROT_READ | PROT_WRITE);
}

static void remove_dirty(struct dsm_region *r, uint32_t p)
{
    for (uint32_t i = 0; i < r->ndirty; i++)
        if (r->dirty[i] == p) {
            r->dirty[i] = r->dirty[--r->ndirty];
            return;
        }
}

/* Called with r->lock held: announce the pages in r->held_batch[0..n) to the master, in messages that fit. */
static int announce_held(struct dsm_region *r, uint32_t n)
{
    const uint32_t per_message = 16384;
    for (uint32_t i = 0; i < n; i += per_message) {
        uint32_t count = n - i < per_message ? n - i : per_message;
        if (r->transport.hold(r->transport.ctx, r->held_batch + i, count) != 0)
            return -1;
    }
    r->stats.pages_held += n;
    return 0;
}

static int flush_pinned_page(struct dsm_region *r, uint32_t p, bool skip_empty);

/* Called with r->lock held: does page p, written here, lie in memory the app has freed (dsm_region_mark_freed)?
 * Then a push leaves its changes here. A page handed out again meanwhile is pushed like any other. */
static bool freed_stays(struct dsm_region *r, uint32_t p)
{
    uint8_t was = DSM_FREED;
    if (r->state[p] != DSM_WRITE || r->kept[p] || r->pinned[p])
        return false;
    if (!__atomic_compare_exchange_n(&r->freed[p], &was, DSM_FREED_SKIPPED, false, __ATOMIC_SEQ_CST,
                                     __ATOMIC_SEQ_CST) &&
        was != DSM_FREED_SKIPPED)
        return false;
    r->stats.freed_pages_skipped++;
    return true;
}

void dsm_region_mark_freed(struct dsm_region *r, uintptr_t lo, uintptr_t hi)
{
    uintptr_t b = (uintptr_t)r->base;
    if (!r->freed || lo < b || hi > b + r->size || lo >= hi)
        return;
    uint32_t p1 = (uint32_t)((hi - b) / DSM_PAGE_SIZE);
    for (uint32_t p = (uint32_t)((lo - b + DSM_PAGE_SIZE - 1) / DSM_PAGE_SIZE); p < p1; p++) {
        uint8_t was = 0;    /* a page skipped before stays DSM_FREED_SKIPPED: its reuse must still count */
        __atomic_compare_exchange_n(&r->freed[p], &was, DSM_FREED, false, __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST);
    }
}

void dsm_region_mark_used(struct dsm_region *r, uintptr_t lo, uintptr_t hi)
{
    uintptr_t b = (uintptr_t)r->base;
    bool reused = false;
    if (!r->freed || hi <= b || lo >= b + r->size || lo >= hi)
        return;
    lo = lo < b ? b : lo;
    hi = hi > b + r->size ? b + r->size : hi;
    uint32_t p1 = (uint32_t)((hi - b + DSM_PAGE_SIZE - 1) / DSM_PAGE_SIZE);
    for (uint32_t p = (uint32_t)((lo - b) / DSM_PAGE_SIZE); p < p1; p++)
        if (__atomic_load_n(&r->freed[p], __ATOMIC_SEQ_CST) &&
            __atomic_exchange_n(&r->freed[p], 0, __ATOMIC_SEQ_CST) == DSM_FREED_SKIPPED)
            reused = true;
    /* After the marks are cleared: a push that still saw one took its change count before this (push_dirty) */
    if (reused)
        atomic_fetch_add(&r->reused, 1);
}

/* Called with r->lock held: is p a pinned page of the published range (dsm_region_publish_pinned)? */
static bool public_pinned(const struct dsm_region *r, uint32_t p)
{
    return p >= r->public_p0 && p < r->public_p1 && r->pinned[p];
}

/* Called with r->lock held: is p such a page, written since its diff last went home (or since it was
 * announced)? Only these pages are compared, so a release costs nothing for the rest. */
static bool public_changed(struct dsm_region *r, uint32_t p)
{
    return public_pinned(r, p) && !r->announced[p] && memcmp(twin_page(r, p), sys_page(r, p), DSM_PAGE_SIZE) != 0;
}

int dsm_region_flush(struct dsm_region *r)
{
    int rc = 0;
    uint32_t keep = 0, held = 0;
    lock_region(r);
    for (uint32_t i = 0; i < r->ndirty; i++) {
        uint32_t p = r->dirty[i];
        if (r->kept[p] == DSM_KEPT) {
            if (flush_page(r, p) != 0)
                rc = -1;
        } else if (r->state[p] == DSM_HELD) {
            r->dirty[keep++] = p;
        } else if (r->state[p] != DSM_WRITE) {
            continue;
        } else if (r->pinned[p]) {
            /* A buffer a system call fills: announced like any written page (a flush request diffs it in
             * place), but it stays writable. A stack is its thread's own: it goes home when the thread moves,
             * except main()'s, which never moves and which others read. */
            bool publish = public_changed(r, p);
            if (r->lazy && (r->kernel_busy[p] || publish)) {
                r->held_batch[held++] = p;
                if (publish)
                    r->announced[p] = 1;
            } else if (publish && flush_pinned_page(r, p, true) != 0) {
                rc = -1;
            }
            r->dirty[keep++] = p;
        } else if (r->lazy) {
            protect(r, p, PROT_READ);   /* the next write must be seen, so the next release announces it */
            r->state[p] = DSM_HELD;
            r->held_batch[held++] = p;
            r->dirty[keep++] = p;
        } else if (freed_stays(r, p)) {
            r->dirty[keep++] = p;
        } else if (flush_page(r, p) != 0) {
            rc = -1;
        }
    }
    r->ndirty = keep;
    if (held && announce_held(r, held) != 0)
        rc = -1;
    pthread_mutex_unlock(&r->lock);
    return rc;
}

/* Called with r->lock held: push what changed on pinned page p since its twin, and keep writing it. The
 * page is diffed from a snapshot, which becomes the twin: bytes written meanwhile (by the kernel, or a
 * thread on its own stack) differ from it and go with the next diff. */
static int flush_pinned_page(struct dsm_region *r, uint32_t p, bool skip_empty)
{
    uint8_t *diff = r->scratch, *snapshot = r->scratch + DSM_DIFF_MAX;
    memcpy(snapshot, sys_page(r, p), DSM_PAGE_SIZE);
    size_t len = dsm_diff_make(twin_page(r, p), snapshot, diff);
    memcpy(twin_page(r, p), snapshot, DSM_PAGE_SIZE);
    if (len == 0 && skip_empty)
        return 0;
    r->announced[p] = 0;            /* home has it now: the next change must be announced again */
    r->stats.pages_flushed++;
    count_push(r, len);
    return r->transport.push(r->transport.ctx, p, r->version[p], diff, (uint32_t)len);
}

int dsm_region_flush_request(struct dsm_region *r, uint32_t p)
{
    if (p >= r->npages)
        return -1;
    int rc;
    lock_region(r);
    r->stats.flush_requests++;
    r->changes++;       /* a pinned stack's page may go home here, out of step with its thread's checkpoint */
    if (r->kept[p] == DSM_KEPT || ((r->state[p] == DSM_HELD || r->state[p] == DSM_WRITE) && !r->pinned[p])) {
        rc = flush_page(r, p);
        remove_dirty(r, p);
    } else if (r->state[p] == DSM_WRITE && r->pinned[p]) {
        rc = flush_pinned_page(r, p, false);   /* another device wants it now: it cannot wait for the unpin */
    } else {
        rc = r->transport.push(r->transport.ctx, p, r->version[p], NULL, 0);
    }
    pthread_mutex_unlock(&r->lock);
    return rc;
}

uint32_t dsm_region_recent_writes(struct dsm_region *r, uint32_t since_s, uint32_t *out, uint32_t max)
{
    uint32_t n = 0;
    lock_region(r);
    for (uint32_t i = 0; i < r->ndirty && n < max; i++) {
        uint32_t p = r->dirty[i];
        if ((r->state[p] == DSM_HELD || r->state[p] == DSM_WRITE) && !r->pinned[p] && r->written_s[p] >= since_s &&
            !__atomic_load_n(&r->freed[p], __ATOMIC_RELAXED))
            out[n++] = p;
    }
    pthread_mutex_unlock(&r->lock);
    return n;
}

static int compare_pages(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return x < y ? -1 : x > y;
}

int dsm_region_prefetch(struct dsm_region *r, const uint32_t *pages, uint32_t n)
{
    uint32_t *sorted = malloc((size_t)n * sizeof *sorted + 1), fetched = 0;
    if (!sorted)
        return -1;
    memcpy(sorted, pages, (size_t)n * sizeof *sorted);
    qsort(sorted, n, sizeof *sorted, compare_pages);
    lock_region(r);
    for (uint32_t i = 0; i < n;) {              /* runs of consecutive stale pages, one request each */
        uint32_t p = sorted[i++];
        if (p >= r->npages || r->state[p] != DSM_INVALID)
            continue;
        uint32_t count = 1;
        r->state[p] = DSM_FETCHING;
        while (i < n && sorted[i] == p + count && count < WIRE_PREFETCH_MAX && r->state[sorted[i]] == DSM_INVALID) {
            r->state[sorted[i++]] = DSM_FETCHING;
            count++;
        }
        fetched += count;
        pthread_mutex_unlock(&r->lock);
        int rc = r->transport.request(r->transport.ctx, p, count);
        pthread_mutex_lock(&r->lock);
        if (rc != 0) {
            pthread_mutex_unlock(&r->lock);
            free(sorted);
            return -1;
        }
    }
    for (uint32_t i = 0; i < n; i++)
        while (sorted[i] < r->npages && r->state[sorted[i]] == DSM_FETCHING)
            pthread_cond_wait(&r->arrived, &r->lock);
    pthread_mutex_unlock(&r->lock);
    free(sorted);
    return (int)fetched;
}

int dsm_region_refresh_stale(struct dsm_region *r)
{
    uint32_t *stale = malloc((size_t)r->npages * sizeof *stale), n = 0;     /* private memory, see prefetch */
    if (!stale)
        return -1;
    lock_region(r);
    for (uint32_t p = 0; p < r->npages; p++)
        if (r->state[p] == DSM_INVALID || r->state[p] == DSM_FETCHING)
            stale[n++] = p;
    pthread_mutex_unlock(&r->lock);
    int rc = n ? dsm_region_prefetch(r, stale, n) : 0;
    free(stale);
    return rc;
}

int dsm_region_publish_all(struct dsm_region *r)
{
    int rc = 0;
    lock_region(r);
    for (uint32_t i = 0; i < r->ndirty; i++) {
        uint32_t p = r->dirty[i];
        if (has_changes(r, p) && flush_page(r, p) != 0)
            rc = -1;
        r->pinned[p] = 0;
    }
    r->ndirty = 0;
    pthread_mutex_unlock(&r->lock);
    return rc;
}

static bool app_range(const struct dsm_region *r, uintptr_t lo, uintptr_t hi, uint32_t *p0, uint32_t *p1)
{
    uintptr_t b = (uintptr_t)r->base;
    if (!r->base || lo % DSM_PAGE_SIZE || hi % DSM_PAGE_SIZE || lo > hi || lo < b || hi - b > r->size)
        return false;
    *p0 = (uint32_t)((lo - b) / DSM_PAGE_SIZE);
    *p1 = (uint32_t)((hi - b) / DSM_PAGE_SIZE);
    return !(r->alias && *p1 > r->alias_first && *p0 < r->alias_first + r->alias_count);
}

/* Push home the dirty pages inside the n ranges (pinned ones diffed in place, and kept writable), and with
 * everywhere the unpinned dirty pages outside them too. */
static int mark(struct dsm_region *r, uint32_t phase)
{
    return r->transport.mark ? r->transport.mark(r->transport.ctx, phase) : 0;
}

static int push_dirty(struct dsm_region *r, const struct dsm_range *ranges, unsigned n, bool everywhere,
                      uint64_t *changes)
{
    uint32_t p0, p1, keep = 0;
    int rc = 0;
    if (n > DSM_MAX_RANGES)
        return -1;
    for (unsigned k = 0; k < n; k++)
        if (!app_range(r, ranges[k].lo, ranges[k].hi, &p0, &p1))
            return -1;
    /* Before any freed page is looked at: one handed out again after this reading counts toward the next push */
    uint64_t reused = atomic_load(&r->reused);
    lock_region(r);
    /* Under r->lock from BEGIN to COMMIT: no other push of this device (a flush request's) falls inside. */
    if (everywhere && mark(r, WIRE_CKPT_BEGIN) != 0)
        rc = -1;
    for (uint32_t i = 0; i < r->ndirty; i++) {
        uint32_t p = r->dirty[i];
        bool kept = r->kept[p] == DSM_KEPT, dirty = has_changes(r, p);
        uintptr_t at = (uintptr_t)r->base + (uintptr_t)p * DSM_PAGE_SIZE;
        bool inside = false;
        for (unsigned k = 0; k < n && !inside; k++)
            inside = at >= ranges[k].lo && at < ranges[k].hi;
        if (r->pinned[p] && !kept) {
            if (inside && r->state[p] == DSM_WRITE && flush_pinned_page(r, p, true) != 0)
                rc = -1;
            r->dirty[keep++] = p;
        } else if (dirty && (inside || everywhere) && !freed_stays(r, p)) {
            if (flush_page(r, p) != 0)
                rc = -1;
        } else if (dirty) {
            r->dirty[keep++] = p;
        }
    }
    r->ndirty = keep;
    if (everywhere && mark(r, WIRE_CKPT_COMMIT) != 0)
        rc = -1;
    if (changes)
        *changes = r->changes + reused;
    pthread_mutex_unlock(&r->lock);
    return rc;
}

int dsm_region_checkpoint(struct dsm_region *r, const struct dsm_range *stacks, unsigned n, uint64_t *changes)
{
    return push_dirty(r, stacks, n, true, changes);
}

uint64_t dsm_region_changes(struct dsm_region *r)
{
    lock_region(r);
    uint64_t n = r->changes + atomic_load(&r->reused);
    pthread_mutex_unlock(&r->lock);
    return n;
}

int dsm_region_push_range(struct dsm_region *r, uintptr_t lo, uintptr_t hi)
{
    struct dsm_range range = { lo, hi };
    return push_dirty(r, &range, 1, false, NULL);
}

int dsm_region_pin(struct dsm_region *r, uintptr_t lo, uintptr_t hi, uintptr_t eager_lo)
{
    uint32_t p0, p1, e0, e1;
    if (eager_lo < lo)
        eager_lo = lo;
    if (!app_range(r, lo, hi, &p0, &p1) || !app_range(r, eager_lo, hi, &e0, &e1))
        return -1;
    lock_region(r);
    for (uint32_t p = p0; p < p1; p++)
        if (r->pinned[p] < UINT8_MAX)
            r->pinned[p]++;
    uint64_t t0 = dmx_now_ns();
    bool fetched = false;
    for (uint32_t p = e0; p < p1;) {            /* ask for every stale page, in runs */
        if (r->state[p] != DSM_INVALID) {
            p++;
            continue;
        }
        uint32_t q = p;
        while (q < p1 && q - p < WIRE_PREFETCH_MAX && r->state[q] == DSM_INVALID)
            r->state[q++] = DSM_FETCHING;
        r->stats.read_faults += q - p;
        fetched = true;
        pthread_mutex_unlock(&r->lock);
        if (r->transport.request(r->transport.ctx, p, q - p) != 0) {
            wire_log("dsm: lost the link to the master while fetching stack pages %u..%u", p, q - 1);
            abort();
        }
        pthread_mutex_lock(&r->lock);
        p = q;
    }
    for (uint32_t p = e0; p < p1; p++)
        while (r->state[p] == DSM_FETCHING)
            pthread_cond_wait(&r->arrived, &r->lock);
    if (fetched)
        r->stats.fetch_stall_ns += dmx_now_ns() - t0;
    for (uint32_t p = e0; p < p1; p++)
        if (r->state[p] == DSM_READ || r->state[p] == DSM_HELD)
            start_writing(r, p);
    pthread_mutex_unlock(&r->lock);
    return 0;
}

static int invalidate_page(struct dsm_region *r, uint32_t p);

int dsm_region_kernel_begin(struct dsm_region *r, uintptr_t lo, uintptr_t hi)
{
    uint32_t p0, p1;
    if (!app_range(r, lo, hi, &p0, &p1))
        return -1;
    lock_region(r);
    for (uint32_t p = p0; p < p1; p++)
        if (r->kernel_busy[p] < UINT8_MAX)
            r->kernel_busy[p]++;
    r->changes++;
    pthread_mutex_unlock(&r->lock);
    if (dsm_region_pin(r, lo, hi, lo) == 0) {
        /* The call writes these pages for the calling thread, without a fault: they count as its writes, which
         * the monitor attributes to the lock it releases next (data handed to another thread). */
        struct dmx_thread *t = dmx_thread_self();
        if (t)
            atomic_fetch_add(&t->pending_writes, p1 - p0);
        return 0;
    }
    dsm_region_kernel_end(r, lo, hi);
    return -1;
}

void dsm_region_kernel_end(struct dsm_region *r, uintptr_t lo, uintptr_t hi)
{
    uint32_t p0, p1;
    if (!app_range(r, lo, hi, &p0, &p1))
        return;
    dsm_region_unpin(r, lo, hi);
    lock_region(r);
    for (uint32_t p = p0; p < p1; p++) {
        if (r->kernel_busy[p] && --r->kernel_busy[p] == 0 && r->deferred[p]) {
            r->deferred[p] = 0;
            if (invalidate_page(r, p) != 0)
                wire_log("dsm: could not push page %u home after a system call wrote it", p);
        }
    }
    pthread_mutex_unlock(&r->lock);
}

int dsm_region_publish_pinned(struct dsm_region *r, uintptr_t lo, uintptr_t hi)
{
    uint32_t p0, p1;
    if (!app_range(r, lo, hi, &p0, &p1))
        return -1;
    lock_region(r);
    r->public_p0 = p0;
    r->public_p1 = p1;
    pthread_mutex_unlock(&r->lock);
    return 0;
}

void dsm_region_unpin(struct dsm_region *r, uintptr_t lo, uintptr_t hi)
{
    uint32_t p0, p1;
    if (!app_range(r, lo, hi, &p0, &p1))
        return;
    lock_region(r);
    for (uint32_t p = p0; p < p1; p++)
        if (r->pinned[p])
            r->pinned[p]--;
    pthread_mutex_unlock(&r->lock);
}

static uint32_t now_ms(void)
{
    return (uint32_t)(dmx_now_ns() / 1000000ull);
}

/* Called with r->lock held: was page p used here lately? */
static bool hot(const struct dsm_region *r, uint32_t p)
{
    return r->prefetch && r->used_ms[p] && now_ms() - r->used_ms[p] < DSM_HOT_MS;
}

/* Called with r->lock held (dropped while sending): ask for the INVALID pages among pages[0..n) (ascending), in
 * runs of consecutive pages, without waiting for them. */
static int refetch(struct dsm_region *r, const uint32_t *pages, uint32_t n)
{
    for (uint32_t i = 0; i < n;) {
        uint32_t p = pages[i++], count = 1;
        if (r->state[p] != DSM_INVALID)
            continue;
        r->state[p] = DSM_FETCHING;
        while (i < n && pages[i] == p + count && count < WIRE_PREFETCH_MAX && r->state[pages[i]] == DSM_INVALID) {
            r->state[pages[i++]] = DSM_FETCHING;
            count++;
        }
        r->stats.grant_prefetches += count;
        pthread_mutex_unlock(&r->lock);
        int rc = r->transport.request(r->transport.ctx, p, count);
        pthread_mutex_lock(&r->lock);
        if (rc != 0)
            return -1;
    }
    return 0;
}

/* Called with r->lock held: does a write notice for p keep its changes here rather than push them? A pinned
 * page's are not kept: its thread may be running on it, and a notice for a stack here is rare. */
static bool notice_keeps(const struct dsm_region *r, uint32_t p)
{
    return r->keep_changes && r->state[p] == DSM_WRITE && !r->pinned[p];
}

/* Called with r->lock held: a write notice for p. Local changes go home first (the page may be written by
 * several devices at once), or are kept (notice_keeps), then the stale copy is dropped. */
static int invalidate_page(struct dsm_region *r, uint32_t p)
{
    int rc = 0;
    if (notice_keeps(r, p)) {
        protect(r, p, PROT_NONE);   /* first, so no local write slips past: it faults and waits for the merge */
        r->state[p] = DSM_INVALID;
        r->kept[p] = DSM_KEPT;
        r->stats.invalidations++;
        r->stats.notices_kept++;
        return 0;
    }
    if (r->state[p] == DSM_WRITE || r->state[p] == DSM_HELD) {
        rc = flush_page(r, p);
        remove_dirty(r, p);
    }
    if (r->state[p] == DSM_READ) {
        protect(r, p, PROT_NONE);
        r->state[p] = DSM_INVALID;
        r->stats.invalidations++;
    }
    return rc;
}

int dsm_region_invalidate(struct dsm_region *r, const struct wire_notice *notices, uint32_t count)
{
    int rc = 0;
    uint32_t *again = malloc((size_t)count * sizeof *again + 1), nagain = 0;
    lock_region(r);
    for (uint32_t i = 0; i < count; i++) {
        uint32_t p = notices[i].page;
        if (p >= r->npages)
            continue;
        if (r->kernel_busy[p]) {
            r->deferred[p] = 1;
            continue;
        }
        /* main()'s stack comes back at once whether used lately or not: until it is here, a system call
         * writing into it would fail (arrived() makes it writable again). */
        if (again && r->state[p] != DSM_INVALID && r->state[p] != DSM_FETCHING && (hot(r, p) || public_pinned(r, p)))
            again[nagain++] = p;
        if (invalidate_page(r, p) != 0)
            rc = -1;
        /* FETCHING: the reply in flight was made after the master knew of this version, or arrives
         * before this notice (one ordered connection); either way it brings at least this version. */
    }
    if (nagain && refetch(r, again, nagain) != 0)     /* notices come in page order */
        rc = -1;
    pthread_mutex_unlock(&r->lock);
    free(again);
    return rc;
}

bool dsm_region_notices_hit_changes(struct dsm_region *r, const struct wire_notice *notices, uint32_t count)
{
    bool hit = false;
    lock_region(r);
    for (uint32_t i = 0; i < count && !hit; i++) {
        uint32_t p = notices[i].page;
        hit = p < r->npages && (r->state[p] == DSM_HELD || (r->state[p] == DSM_WRITE && !notice_keeps(r, p)));
    }
    pthread_mutex_unlock(&r->lock);
    return hit;
}

/* Called with r->lock held (dropped while sending): asks for the INVALID pages from `first` on, up to `max`
 * of them, stopping at the first page that is not INVALID. They are marked FETCHING, so a fault on one still
 * on its way waits for it rather than asking again (a second copy costs link time): the master answers every
 * INVALID page of a run. How many were asked for. */
static uint32_t request_run(struct dsm_region *r, uint32_t first, uint32_t max)
{
    uint32_t count = 0;
    while (count < max && first + count < r->npages && r->state[first + count] == DSM_INVALID)
        r->state[first + count++] = DSM_FETCHING;
    if (!count)
        return 0;
    pthread_mutex_unlock(&r->lock);
    if (r->transport.request(r->transport.ctx, first, count) != 0) {
        wire_log("dsm: lost the link to the master while fetching pages %u..%u", first, first + count - 1);
        abort();
    }
    pthread_mutex_lock(&r->lock);
    return count;
}

/* Called with r->lock held: the sequential run that page p belongs to or continues, if any. */
static struct dsm_stream *stream_of(struct dsm_region *r, uint32_t p)
{
    for (int i = 0; i < DSM_STREAMS; i++) {
        struct dsm_stream *s = &r->streams[i];
        if (s->used && p >= s->from && p <= s->next)
            return s;
    }
    return NULL;
}

/* Called with r->lock held, for a fault at p (INVALID or on its way). A fault at the page after a run's last
 * one continues it; a fault within the last DSM_PREFETCH_DEPTH pages asked for asks for the next
 * DSM_PREFETCH_DEPTH at once, so they stream in while the thread works through these (read-ahead, as the
 * page cache does for files) instead of one round trip per run. Any other INVALID page starts a run in place
 * of the oldest. Unless DMX_PREFETCH=0. */
static void stream_ahead(struct dsm_region *r, uint32_t p)
{
    if (!r->prefetch)
        return;
    struct dsm_stream *s = stream_of(r, p);
    if (!s) {
        if (r->state[p] != DSM_INVALID)
            return;
        s = &r->streams[0];
        for (int i = 1; i < DSM_STREAMS; i++)
            if (r->streams[i].used < s->used)
                s = &r->streams[i];
        *s = (struct dsm_stream){ .from = p, .next = p + 1, .used = ++r->stream_clock };
        return;
    }
    if (p + DSM_PREFETCH_DEPTH < s->next)
        return;
    uint32_t next = s->next;
    s->used = ++r->stream_clock;
    s->next = next + DSM_PREFETCH_DEPTH;        /* first: another thread faulting here meanwhile does not ask too */
    uint32_t got = request_run(r, next, DSM_PREFETCH_DEPTH);
    r->stats.prefetch_requests += got > 0;
    if (got < DSM_PREFETCH_DEPTH && s->next == next + DSM_PREFETCH_DEPTH)
        s->next = next + got;                   /* the run ended at a page held here: stop there */
}

/* Called with r->lock held. */
static void fetch(struct dsm_region *r, uint32_t p)
{
    stream_ahead(r, p);
    if (r->state[p] == DSM_INVALID)
        request_run(r, p, 1);
    uint64_t t0 = dmx_now_ns();
    uint64_t bytes0 = r->stats.page_bytes_received + r->stats.diff_bytes_received;
    while (r->state[p] == DSM_FETCHING)
        pthread_cond_wait(&r->arrived, &r->lock);
    uint64_t stall = dmx_now_ns() - t0;
    r->stats.fetch_stall_ns += stall;
    r->used_ms[p] = now_ms();           /* a thread wanted it: only demand makes a page hot, not prefetch */
    struct dmx_thread *t = dmx_thread_self();
    if (t) {
        t->fetch_stall_ns += stall;
        t->fetch_bytes += r->stats.page_bytes_received + r->stats.diff_bytes_received - bytes0;
    }
}

bool dsm_region_fault(struct dsm_region *r, const void *addr)
{
    uint32_t p;
    if (!page_of(r, (uintptr_t)addr, &p))
        return false;
    struct dmx_thread *t = dmx_thread_self();
    if (t)
        t->faults++;
    pthread_mutex_lock(&r->lock);
    for (bool waited = false;; waited = true) {
        switch (r->state[p]) {
        case DSM_INVALID:
            r->stats.read_faults++;
            fetch(r, p);
            break;              /* READ now: if this was a write, it faults again and takes the twin */
        case DSM_FETCHING: {    /* a prefetch (or another thread's fetch) is bringing it: it is wanted */
            r->used_ms[p] = now_ms();
            uint64_t t0 = dmx_now_ns();
            stream_ahead(r, p);
            if (r->state[p] == DSM_FETCHING)
                pthread_cond_wait(&r->arrived, &r->lock);
            uint64_t stall = dmx_now_ns() - t0;     /* waiting on the network all the same */
            r->stats.fetch_stall_ns += stall;
            if (t)
                t->fetch_stall_ns += stall;
            continue;
        }
        case DSM_READ:
            if (waited)
                break;          /* another thread's fetch brought it: retry the access */
            r->stats.write_faults++;
            r->changes++;
            r->written_s[p] = (uint32_t)(dmx_now_ns() / 1000000000ull);
            r->used_ms[p] = now_ms();
            if (t)
                t->pending_writes++;
            start_writing(r, p);
            break;
        case DSM_HELD:          /* a write to a page whose earlier changes are held here: same twin */
            r->stats.write_faults++;
            r->changes++;
            r->written_s[p] = (uint32_t)(dmx_now_ns() / 1000000000ull);
            r->used_ms[p] = now_ms();
            if (t)
                t->pending_writes++;
            start_writing(r, p);
            break;
        case DSM_WRITE:
            break;              /* another thread got here first */
        }
        break;
    }
    pthread_mutex_unlock(&r->lock);
    return true;
}

/* Called with r->lock held: is a reply for p wanted? */
static bool wanted(struct dsm_region *r, uint32_t p)
{
    if (p < r->npages && (r->state[p] == DSM_INVALID || r->state[p] == DSM_FETCHING))
        return true;
    r->stats.stale_replies++;
    return false;
}

/* Called with r->lock held: home's version of kept page p arrived, as a whole page or as the diffs since the
 * twin's version. It becomes the twin, and the page is home's version with this device's changes over it. */
static void merge_reply(struct dsm_region *r, uint32_t p, const uint8_t *page, const uint8_t *diff, uint32_t len)
{
    uint8_t *changes = r->scratch;
    size_t n = dsm_diff_make(twin_page(r, p), sys_page(r, p), changes);
    if (page)
        memcpy(twin_page(r, p), page, DSM_PAGE_SIZE);
    else
        dsm_diff_apply(twin_page(r, p), diff, len);
    memcpy(sys_page(r, p), twin_page(r, p), DSM_PAGE_SIZE);
    dsm_diff_apply(sys_page(r, p), changes, n);
}

static void arrived(struct dsm_region *r, uint32_t p, uint32_t version, bool prefetched)
{
    r->version[p] = version;
    if (prefetched)
        r->stats.prefetched_pages++;
    if (r->kept[p] == DSM_KEPT) {           /* still this device's changes alone: written, and dirty */
        r->kept[p] = 0;
        r->state[p] = DSM_WRITE;
        protect(r, p, PROT_READ | PROT_WRITE);
        pthread_cond_broadcast(&r->arrived);
        return;
    }
    if (r->kept[p] == DSM_KEPT_PUSHED) {    /* its changes went home after this reply was made */
        r->kept[p] = 0;
        madvise(twin_page(r, p), DSM_PAGE_SIZE, MADV_DONTNEED);
    }
    r->state[p] = DSM_READ;
    protect(r, p, PROT_READ);
    if (public_pinned(r, p))        /* main()'s stack is writable again at once: the kernel may write there */
        start_writing(r, p);
    pthread_cond_broadcast(&r->arrived);
}

void dsm_region_apply_page(struct dsm_region *r, uint32_t page, uint32_t version, const uint8_t *data, bool prefetched)
{
    pthread_mutex_lock(&r->lock);
    if (wanted(r, page)) {
        if (r->kept[page])
            merge_reply(r, page, data, NULL, 0);
        else
            memcpy(sys_page(r, page), data, DSM_PAGE_SIZE);
        r->stats.pages_received++;
        r->stats.page_bytes_received += DSM_PAGE_SIZE;
        arrived(r, page, version, prefetched);
    }
    pthread_mutex_unlock(&r->lock);
}

void dsm_region_apply_diff(struct dsm_region *r, uint32_t page, uint32_t version, const uint8_t *diff, uint32_t len, bool prefetched)
{
    pthread_mutex_lock(&r->lock);
    if (wanted(r, page) && dsm_diff_valid(diff, len)) {
        if (r->kept[page])
            merge_reply(r, page, NULL, diff, len);
        else
            dsm_diff_apply(sys_page(r, page), diff, len);
        r->stats.diffs_received++;
        r->stats.diff_bytes_received += len;
        arrived(r, page, version, prefetched);
    }
    pthread_mutex_unlock(&r->lock);
}
