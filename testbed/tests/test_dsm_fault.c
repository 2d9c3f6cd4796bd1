/* The fault handler on a native mapping, with an in-memory home standing in for the master; and the
 * whole stack (master daemon + node) in one process. */
#include <glib.h>
#include <signal.h>
#include <string.h>
#include <ucontext.h>

#include "dsm_api.h"
#include "dsm_diff.h"
#include "dsm_region.h"
#include "wire_msg.h"

#define NPAGES 64
static struct dsm_region region;
static uint8_t home[NPAGES][DSM_PAGE_SIZE];
static int requests, pushes;
static uint32_t last_count, pushed_len;

static bool replies_later;     /* the fake home does not answer: the test delivers the reply itself */

/* The fake home answers at once, from the requesting thread (as the receiver thread would). */
static int fake_request(void *ctx, uint32_t page, uint32_t count)
{
    (void)ctx;
    requests++;
    last_count = count;
    if (replies_later)
        return 0;
    for (uint32_t i = 0; i < count; i++)
        dsm_region_apply_page(&region, page + i, 9, home[page + i], i > 0);
    return 0;
}

static int fake_push(void *ctx, uint32_t page, uint32_t base_version, const uint8_t *diff, uint32_t len)
{
    (void)ctx;
    (void)base_version;
    g_assert_true(dsm_diff_valid(diff, len));
    dsm_diff_apply(home[page], diff, len);
    pushes++;
    pushed_len = len;
    return 0;
}

static uint32_t held_pages[NPAGES], nheld, hold_calls;

static int fake_hold(void *ctx, const uint32_t *pages, uint32_t count)
{
    (void)ctx;
    hold_calls++;
    for (uint32_t i = 0; i < count; i++)
        held_pages[nheld++ % NPAGES] = pages[i];
    return 0;
}

static volatile uint32_t *word(uint32_t page, uint32_t w)
{
    return (volatile uint32_t *)(region.base + (size_t)page * DSM_PAGE_SIZE) + w;
}

static void setup(void)
{
    struct dsm_transport t = { .request = fake_request, .push = fake_push };
    memset(home, 0, sizeof(home));
    requests = pushes = 0;
    replies_later = false;
    g_unsetenv("DMX_PREFETCH");
    g_assert_cmpint(dsm_region_init(&region, DSM_DEFAULT_BASE, NPAGES * DSM_PAGE_SIZE, &t), ==, 0);
    g_assert_true(region.base == (uint8_t *)(uintptr_t)DSM_DEFAULT_BASE);
    g_assert_cmpint(dsm_region_install_handler(&region), ==, 0);
}

/* Lazy release, as on a run: diffs stay here until asked for. Notices just invalidate (no refetch of hot pages). */
static void setup_lazy(void)
{
    setup();
    region.transport.hold = fake_hold;
    region.lazy = true;
    region.prefetch = false;
    nheld = hold_calls = 0;
}

static void test_write_twin_flush(void)
{
    setup();
    g_assert_cmpuint(*word(3, 0), ==, 0);                   /* READ at version 0: no fault */
    g_assert_cmpuint(region.stats.read_faults + region.stats.write_faults, ==, 0);
    *word(3, 10) = 0xabcd;                                  /* first write: twin */
    g_assert_cmpuint(region.stats.write_faults, ==, 1);
    g_assert_cmpint(region.state[3], ==, DSM_WRITE);
    *word(3, 11) = 1;                                       /* no more faults on this page */
    g_assert_cmpuint(region.stats.write_faults, ==, 1);
    g_assert_cmpint(dsm_region_flush(&region), ==, 0);
    g_assert_cmpint(pushes, ==, 1);
    g_assert_cmpuint(pushed_len, ==, 4 + 8);                /* two adjacent words: one run */
    g_assert_cmpuint(((uint32_t *)home[3])[10], ==, 0xabcd);
    g_assert_cmpint(region.state[3], ==, DSM_READ);
    *word(3, 12) = 2;                                       /* write-protected again */
    g_assert_cmpuint(region.stats.write_faults, ==, 2);
    dsm_region_destroy(&region);
}

/* Lazy release: the diff stays here until the master asks for it, and covers every write since the twin. */
static void test_lazy_hold_flush(void)
{
    setup_lazy();
    *word(4, 1) = 11;
    *word(9, 2) = 22;
    g_assert_cmpint(dsm_region_flush(&region), ==, 0);     /* release: announce, send nothing */
    g_assert_cmpint(pushes, ==, 0);
    g_assert_cmpuint(hold_calls, ==, 1);                    /* one message for the whole release */
    g_assert_cmpuint(nheld, ==, 2);
    g_assert_cmpint(region.state[4], ==, DSM_HELD);
    g_assert_cmpuint(((uint32_t *)home[4])[1], ==, 0);      /* home does not have it yet */
    g_assert_cmpint(dsm_region_flush(&region), ==, 0);     /* nothing new: nothing announced again */
    g_assert_cmpuint(hold_calls, ==, 1);
    *word(4, 3) = 33;                                       /* write to a held page: same twin */
    g_assert_cmpint(region.state[4], ==, DSM_WRITE);
    g_assert_cmpint(dsm_region_flush_request(&region, 4), ==, 0);
    g_assert_cmpint(pushes, ==, 1);
    g_assert_cmpuint(pushed_len, ==, 2 * (4 + 4));          /* both writes, two runs */
    g_assert_cmpuint(((uint32_t *)home[4])[1], ==, 11);
    g_assert_cmpuint(((uint32_t *)home[4])[3], ==, 33);
    g_assert_cmpint(region.state[4], ==, DSM_READ);
    g_assert_cmpint(dsm_region_flush_request(&region, 4), ==, 0);   /* nothing held: an empty push */
    g_assert_cmpint(pushes, ==, 2);
    g_assert_cmpuint(pushed_len, ==, 0);
    struct wire_notice n = { 9, 5 };                        /* a notice for a held page: push, then drop it */
    g_assert_cmpint(dsm_region_invalidate(&region, &n, 1), ==, 0);
    g_assert_cmpuint(((uint32_t *)home[9])[2], ==, 22);
    g_assert_cmpint(region.state[9], ==, DSM_INVALID);
    *word(12, 0) = 7;                                       /* leaving: everything goes home */
    g_assert_cmpint(dsm_region_publish_all(&region), ==, 0);
    g_assert_cmpuint(((uint32_t *)home[12])[0], ==, 7);
    g_assert_cmpuint(region.ndirty, ==, 0);
    dsm_region_destroy(&region);
    memset(home, 0, sizeof(home));                          /* later tests start from a zero home */
}

/* A buffer a system call is filling: another device's flush request gets what was written so far and the page
 * stays writable; a write notice waits for the call's end, then pushes the rest and drops the stale copy. */
static void test_kernel_buffer(void)
{
    setup_lazy();
    uintptr_t lo = (uintptr_t)region.base + 5 * DSM_PAGE_SIZE, hi = lo + 2 * DSM_PAGE_SIZE;
    g_assert_cmpint(dsm_region_kernel_begin(&region, lo, hi), ==, 0);
    *word(5, 0) = 1;                                        /* "the kernel" writes: no fault */
    g_assert_cmpuint(region.stats.write_faults, ==, 0);
    g_assert_cmpint(dsm_region_flush(&region), ==, 0);     /* a release meanwhile announces it */
    g_assert_cmpuint(nheld, ==, 2);
    g_assert_cmpint(dsm_region_flush_request(&region, 5), ==, 0);
    g_assert_cmpuint(((uint32_t *)home[5])[0], ==, 1);      /* what was written so far went home */
    g_assert_cmpint(region.state[5], ==, DSM_WRITE);        /* and the page is still writable */
    *word(5, 1) = 2;
    struct wire_notice n = { 5, 7 };
    g_assert_cmpint(dsm_region_invalidate(&region, &n, 1), ==, 0);
    g_assert_cmpint(region.state[5], ==, DSM_WRITE);        /* not under the call's feet */
    *word(5, 2) = 3;
    g_assert_cmpuint(region.stats.write_faults, ==, 0);
    int pushes_before = pushes;
    dsm_region_kernel_end(&region, lo, hi);
    g_assert_cmpint(pushes, ==, pushes_before + 1);         /* the rest went home with the deferred notice */
    g_assert_cmpuint(((uint32_t *)home[5])[1], ==, 2);
    g_assert_cmpuint(((uint32_t *)home[5])[2], ==, 3);
    g_assert_cmpint(region.state[5], ==, DSM_INVALID);
    g_assert_cmpuint(*word(5, 2), ==, 3);                   /* refetched from home */
    dsm_region_destroy(&region);
    memset(home, 0, sizeof(home));
}

/* main()'s stack (main_stack.c): pinned, so writable throughout, and published. A release announces each page
 * written since its diff last went home, once; a flush request sends the diff, and the next change is announced
 * again; a write notice from another device's write brings the page back at once, writable, with both sides'
 * words. Pages never written are never announced. */
static void test_published_stack(void)
{
    setup_lazy();
    uintptr_t lo = (uintptr_t)region.base + 20 * DSM_PAGE_SIZE, hi = lo + 4 * DSM_PAGE_SIZE;
    g_assert_cmpint(dsm_region_publish_pinned(&region, lo + 1, hi), ==, -1);     /* not page aligned */
    g_assert_cmpint(dsm_region_pin(&region, lo, hi, hi - DSM_PAGE_SIZE), ==, 0);
    g_assert_cmpint(dsm_region_publish_pinned(&region, lo, hi), ==, 0);
    g_assert_cmpint(dsm_region_flush(&region), ==, 0);
    g_assert_cmpuint(hold_calls, ==, 0);                    /* nothing written: nothing to announce */
    *word(23, 0) = 5;                                       /* the top page is writable from the start */
    g_assert_cmpuint(region.stats.write_faults, ==, 0);
    *word(21, 0) = 6;                                       /* a deeper one faults once, then stays writable */
    g_assert_cmpuint(region.stats.write_faults, ==, 1);
    g_assert_cmpint(dsm_region_flush(&region), ==, 0);
    g_assert_cmpuint(hold_calls, ==, 1);
    g_assert_cmpuint(nheld, ==, 2);
    g_assert_cmpint(region.state[23], ==, DSM_WRITE);
    g_assert_cmpint(region.state[21], ==, DSM_WRITE);
    *word(23, 1) = 7;                                       /* announced already: no second announcement */
    g_assert_cmpint(dsm_region_flush(&region), ==, 0);
    g_assert_cmpuint(hold_calls, ==, 1);
    g_assert_cmpint(dsm_region_flush_request(&region, 23), ==, 0);    /* another device reads it */
    g_assert_cmpuint(((uint32_t *)home[23])[0], ==, 5);
    g_assert_cmpuint(((uint32_t *)home[23])[1], ==, 7);
    g_assert_cmpint(dsm_region_flush(&region), ==, 0);     /* unchanged since: nothing */
    g_assert_cmpuint(hold_calls, ==, 1);
    *word(23, 2) = 8;                                       /* changed again: announced again */
    g_assert_cmpint(dsm_region_flush(&region), ==, 0);
    g_assert_cmpuint(hold_calls, ==, 2);
    g_assert_cmpuint(region.stats.write_faults, ==, 1);
    ((uint32_t *)home[21])[100] = 9;                        /* another device's thread writes a result there */
    struct wire_notice n = { 21, 9 };
    g_assert_cmpint(dsm_region_invalidate(&region, &n, 1), ==, 0);
    g_assert_cmpuint(((uint32_t *)home[21])[0], ==, 6);     /* our word went home first */
    g_assert_cmpint(region.state[21], ==, DSM_WRITE);       /* back at once, and writable */
    g_assert_cmpuint(*word(21, 100), ==, 9);
    g_assert_cmpuint(*word(21, 0), ==, 6);
    *word(21, 1) = 1;
    g_assert_cmpuint(region.stats.write_faults, ==, 1);
    dsm_region_destroy(&region);
    memset(home, 0, sizeof(home));
}

/*
 * A release checkpoint is skipped when the change count has not moved since the last one, so the count must move
 * on every write a resumed thread would otherwise lose, and only then: a write that faults, a buffer a system
 * call fills, a page diffed for another device; not the thread's own pinned stack.
 */
static void test_change_count(void)
{
    setup();
    uintptr_t stack_lo = (uintptr_t)region.base + 10 * DSM_PAGE_SIZE, stack_hi = stack_lo + 2 * DSM_PAGE_SIZE;
    g_assert_cmpint(dsm_region_pin(&region, stack_lo, stack_hi, stack_lo), ==, 0);
    uint64_t mark = dsm_region_changes(&region);
    *word(10, 3) = 7;                                       /* its own stack: no fault, no change */
    g_assert_cmpuint(*word(4, 0), ==, 0);                   /* a read: no change */
    g_assert_cmpuint(dsm_region_changes(&region), ==, mark);
    *word(4, 0) = 1;                                        /* a shared write */
    g_assert_cmpuint(dsm_region_changes(&region), >, mark);
    g_assert_cmpint(dsm_region_checkpoint(&region, &(struct dsm_range){ stack_lo, stack_hi }, 1, NULL), ==, 0);
    mark = dsm_region_changes(&region);
    g_assert_cmpuint(((uint32_t *)home[4])[0], ==, 1);      /* the checkpoint pushed it and the stack */
    g_assert_cmpuint(((uint32_t *)home[10])[3], ==, 7);
    *word(4, 1) = 2;                                        /* READ again after the push: faults, counts */
    g_assert_cmpuint(dsm_region_changes(&region), >, mark);
    mark = dsm_region_changes(&region);
    uintptr_t buf = (uintptr_t)region.base + 20 * DSM_PAGE_SIZE;
    g_assert_cmpint(dsm_region_kernel_begin(&region, buf, buf + DSM_PAGE_SIZE), ==, 0);
    g_assert_cmpuint(dsm_region_changes(&region), >, mark);
    dsm_region_kernel_end(&region, buf, buf + DSM_PAGE_SIZE);
    mark = dsm_region_changes(&region);
    g_assert_cmpint(dsm_region_flush_request(&region, 10), ==, 0);   /* the stack went home out of step */
    g_assert_cmpuint(dsm_region_changes(&region), >, mark);
    dsm_region_unpin(&region, stack_lo, stack_hi);
    dsm_region_destroy(&region);
    memset(home, 0, sizeof(home));
}

static void test_invalidate_fetch(void)
{
    setup();
    ((uint32_t *)home[5])[7] = 77;
    struct wire_notice n = { 5, 9 };
    g_assert_cmpint(dsm_region_invalidate(&region, &n, 1), ==, 0);
    g_assert_cmpint(region.state[5], ==, DSM_INVALID);
    g_assert_cmpuint(*word(5, 7), ==, 77);                  /* read fault fetches the new copy */
    g_assert_cmpuint(region.stats.read_faults, ==, 1);
    g_assert_cmpint(requests, ==, 1);
    g_assert_cmpint(region.state[5], ==, DSM_READ);
    g_assert_cmpuint(region.version[5], ==, 9);
    /* a dirty page named by a notice is flushed first, then invalidated (with prefetch off: see below) */
    region.prefetch = false;
    *word(6, 0) = 5;
    n.page = 6;
    g_assert_cmpint(dsm_region_invalidate(&region, &n, 1), ==, 0);
    g_assert_cmpint(pushes, ==, 1);
    g_assert_cmpuint(((uint32_t *)home[6])[0], ==, 5);
    g_assert_cmpint(region.state[6], ==, DSM_INVALID);
    *word(6, 1) = 6;                                        /* fetch, then twin */
    g_assert_cmpuint(*word(6, 0), ==, 5);
    g_assert_cmpint(region.state[6], ==, DSM_WRITE);
    /* the page was just used here: a notice for it brings the new copy at once, without a fault */
    region.prefetch = true;
    int before = requests;
    ((uint32_t *)home[6])[2] = 7;
    g_assert_cmpint(dsm_region_invalidate(&region, &n, 1), ==, 0);
    g_assert_cmpint(requests, ==, before + 1);
    g_assert_cmpuint(region.stats.grant_prefetches, ==, 1);
    g_assert_cmpint(region.state[6], ==, DSM_READ);
    uint64_t faults = region.stats.read_faults;
    g_assert_cmpuint(*word(6, 2), ==, 7);
    g_assert_cmpuint(region.stats.read_faults, ==, faults);
    /* replies for pages that are valid are ignored */
    uint64_t stale = region.stats.stale_replies;
    dsm_region_apply_page(&region, 20, 1, home[0], true);
    g_assert_cmpuint(region.stats.stale_replies, ==, stale + 1);
    dsm_region_destroy(&region);
}

/*
 * Freed heap memory holds nothing a resumed thread may read, so a checkpoint leaves its pages' changes here (a
 * photo's buffer freed before the lock operation that takes the cut need not cross the link). Only pages wholly
 * inside the freed range count, and once the memory is handed out again the page counts as changed (it is
 * written without a fault) and the next checkpoint sends it.
 */
static void test_freed_pages(void)
{
    setup();
    uintptr_t base = (uintptr_t)region.base;
    *word(5, 0) = 1;
    *word(6, 0) = 2;
    *word(7, 0) = 3;
    dsm_region_mark_freed(&region, base + 5 * DSM_PAGE_SIZE + 8, base + 7 * DSM_PAGE_SIZE + 100);
    g_assert_cmpint(dsm_region_checkpoint(&region, NULL, 0, NULL), ==, 0);
    g_assert_cmpuint(((uint32_t *)home[5])[0], ==, 1);      /* the free list's link lives on its first page */
    g_assert_cmpuint(((uint32_t *)home[6])[0], ==, 0);      /* wholly freed: left here */
    g_assert_cmpuint(((uint32_t *)home[7])[0], ==, 3);      /* partly live */
    g_assert_cmpuint(region.stats.freed_pages_skipped, ==, 1);
    uint64_t changes;
    g_assert_cmpint(dsm_region_checkpoint(&region, NULL, 0, &changes), ==, 0);
    g_assert_cmpuint(((uint32_t *)home[6])[0], ==, 0);      /* still freed: still here */
    g_assert_cmpuint(dsm_region_changes(&region), ==, changes);
    dsm_region_mark_used(&region, base + 6 * DSM_PAGE_SIZE - 16, base + 6 * DSM_PAGE_SIZE + 64);
    g_assert_cmpuint(dsm_region_changes(&region), >, changes);
    *word(6, 1) = 4;                                        /* still writable: no fault counts this */
    g_assert_cmpint(dsm_region_checkpoint(&region, NULL, 0, NULL), ==, 0);
    g_assert_cmpuint(((uint32_t *)home[6])[0], ==, 2);
    g_assert_cmpuint(((uint32_t *)home[6])[1], ==, 4);
    changes = dsm_region_changes(&region);
    dsm_region_mark_used(&region, base + 6 * DSM_PAGE_SIZE, base + 7 * DSM_PAGE_SIZE);
    g_assert_cmpuint(dsm_region_changes(&region), ==, changes);   /* not left here: no cut is due for it */
    dsm_region_destroy(&region);
    memset(home, 0, sizeof(home));
}

/* With exactly-once checkpoints a write notice must not send this device's changes home: they stay, the new
 * copy is merged under them, and only a checkpoint pushes them. */
static void test_keep_changes(void)
{
    setup();
    region.keep_changes = true;
    region.prefetch = false;
    *word(6, 0) = 5;                                        /* ours, since the last checkpoint */
    ((uint32_t *)home[6])[1] = 9;                           /* another device's, published */
    struct wire_notice n = { 6, 9 };
    g_assert_false(dsm_region_notices_hit_changes(&region, &n, 1));
    g_assert_cmpint(dsm_region_invalidate(&region, &n, 1), ==, 0);
    g_assert_cmpint(pushes, ==, 0);
    g_assert_cmpint(region.state[6], ==, DSM_INVALID);
    g_assert_cmpuint(region.stats.notices_kept, ==, 1);
    g_assert_cmpuint(*word(6, 1), ==, 9);                   /* fetched, and merged */
    g_assert_cmpuint(*word(6, 0), ==, 5);
    g_assert_cmpint(region.state[6], ==, DSM_WRITE);
    g_assert_cmpuint(((uint32_t *)home[6])[0], ==, 0);      /* still nothing home */
    uint64_t faults = region.stats.write_faults;
    *word(6, 2) = 3;                                        /* still writable */
    g_assert_cmpuint(region.stats.write_faults, ==, faults);
    g_assert_cmpint(dsm_region_checkpoint(&region, NULL, 0, NULL), ==, 0);
    g_assert_cmpint(pushes, ==, 1);
    g_assert_cmpuint(((uint32_t *)home[6])[0], ==, 5);
    g_assert_cmpuint(((uint32_t *)home[6])[1], ==, 9);
    g_assert_cmpuint(((uint32_t *)home[6])[2], ==, 3);

    /* A checkpoint while the new copy is on its way: the reply was made before the push, so it lacks the
     * changes, and they are laid over it again; the page is clean afterwards. */
    region.prefetch = true;                                 /* the notice asks for the page at once */
    replies_later = true;
    *word(7, 0) = 1;
    uint8_t before_push[DSM_PAGE_SIZE];
    ((uint32_t *)home[7])[3] = 4;
    memcpy(before_push, home[7], DSM_PAGE_SIZE);
    n.page = 7;
    g_assert_cmpint(dsm_region_invalidate(&region, &n, 1), ==, 0);
    g_assert_cmpint(region.state[7], ==, DSM_FETCHING);
    g_assert_cmpint(dsm_region_checkpoint(&region, NULL, 0, NULL), ==, 0);
    g_assert_cmpint(pushes, ==, 2);
    g_assert_cmpuint(((uint32_t *)home[7])[0], ==, 1);
    dsm_region_apply_page(&region, 7, 10, before_push, false);
    g_assert_cmpint(region.state[7], ==, DSM_READ);
    g_assert_cmpuint(*word(7, 0), ==, 1);
    g_assert_cmpuint(*word(7, 3), ==, 4);
    g_assert_cmpint(dsm_region_checkpoint(&region, NULL, 0, NULL), ==, 0);
    g_assert_cmpint(pushes, ==, 2);                         /* nothing left to push */
    dsm_region_destroy(&region);
}

/* A thread's stack in the region, as pthread_spawn.c gives every app thread: pinned, and below the deepest point
 * it reached on this device its pages are not writable yet. A release that needs stack below there must fault
 * it in before it holds the region's lock: the fault handler takes that lock too, and a device hung that way
 * (a checkpoint's push, below where the thread had arrived). */
#define STACK_FIRST 40
#define STACK_PAGES 8
static ucontext_t stack_caller, on_region_stack;
static int release_rc = -1;

static void release_on_region_stack(void)
{
    *word(3, 0) = 42;
    release_rc = dsm_region_flush(&region);
}

static void region_stack_release(void)
{
    setup();
    uintptr_t lo = (uintptr_t)region.base + STACK_FIRST * DSM_PAGE_SIZE, hi = lo + STACK_PAGES * DSM_PAGE_SIZE;
    g_assert_cmpint(dsm_region_pin(&region, lo, hi, hi), ==, 0);
    stack_t alt = { .ss_sp = g_malloc(SIGSTKSZ * 4), .ss_size = SIGSTKSZ * 4 };
    g_assert_cmpint(sigaltstack(&alt, NULL), ==, 0);    /* the fault handler cannot run on a stack that faults */
    getcontext(&on_region_stack);
    on_region_stack.uc_stack.ss_sp = (void *)lo;
    on_region_stack.uc_stack.ss_size = hi - lo;
    on_region_stack.uc_link = &stack_caller;
    makecontext(&on_region_stack, release_on_region_stack, 0);
    g_assert_cmpint(swapcontext(&stack_caller, &on_region_stack), ==, 0);
    g_assert_cmpint(release_rc, ==, 0);
    g_assert_cmpuint(((uint32_t *)home[3])[0], ==, 42);
    dsm_region_destroy(&region);
}

static void test_region_stack_release(void)
{
    if (g_test_subprocess()) {
        region_stack_release();
        return;
    }
    g_test_trap_subprocess(NULL, 20 * G_USEC_PER_SEC, G_TEST_SUBPROCESS_DEFAULT);
    g_test_trap_assert_passed();
}

/* Page requests a region sends for reading pages[0..n) in that order after a notice made them stale, with
 * prefetch on or off. */
static int requests_for(bool prefetch, const uint32_t *pages, uint32_t n)
{
    if (!prefetch)
        g_setenv("DMX_PREFETCH", "0", TRUE);
    struct dsm_transport t = { .request = fake_request, .push = fake_push };
    requests = 0;
    g_assert_cmpint(dsm_region_init(&region, DSM_DEFAULT_BASE, NPAGES * DSM_PAGE_SIZE, &t), ==, 0);
    g_assert_cmpint(dsm_region_install_handler(&region), ==, 0);
    struct wire_notice notices[NPAGES];
    for (uint32_t i = 0; i < n; i++)
        notices[i] = (struct wire_notice){ pages[i], 1 };
    dsm_region_invalidate(&region, notices, n);
    uint32_t sum = 0;
    for (uint32_t i = 0; i < n; i++)
        sum += *word(pages[i], 0);
    g_assert_cmpuint(sum, ==, 0);
    dsm_region_destroy(&region);
    g_unsetenv("DMX_PREFETCH");
    return requests;
}

static void test_prefetch(void)
{
    uint32_t pages[32];
    for (uint32_t i = 0; i < 32; i++)
        pages[i] = 10 + i;
    g_assert_cmpint(requests_for(true, pages, 32), <, 16);     /* 1 page, then runs of 16 */
    g_assert_cmpint(requests_for(false, pages, 32), ==, 32);
}

/* Two sequential runs read in turns (a layer's weights and its activations): each is followed on its own, so
 * the faults of one do not break the other's prefetch. */
static void test_prefetch_streams(void)
{
    uint32_t pages[48];
    for (uint32_t i = 0; i < 24; i++) {
        pages[2 * i] = 4 + i;
        pages[2 * i + 1] = 32 + i;
    }
    g_assert_cmpint(requests_for(true, pages, 48), ==, 6);      /* per run: 1 page, the next 16, the other 7 */
    g_assert_cmpint(requests_for(false, pages, 48), ==, 48);
}

/* Stand-ins for an executable's .data: page aligned, with content before they are shared. */
static uint8_t adopted[4][DSM_PAGE_SIZE] __attribute__((aligned(DSM_PAGE_SIZE)));
static uint8_t fetched[2][DSM_PAGE_SIZE] __attribute__((aligned(DSM_PAGE_SIZE)));

static void test_alias_adopt(void)
{
    setup();
    ((volatile uint32_t *)adopted[1])[2] = 42;
    g_assert_cmpint(dsm_region_alias(&region, adopted, NPAGES - 4, 4, true), ==, 0);
    g_assert_cmpuint(((volatile uint32_t *)adopted[1])[2], ==, 42);     /* same bytes, now the region's */
    g_assert_cmpint(region.state[NPAGES - 3], ==, DSM_WRITE);
    g_assert_cmpint(dsm_region_flush(&region), ==, 0);                  /* the adopted bytes go home */
    g_assert_cmpint(pushes, ==, 1);                                     /* all-zero pages need no diff */
    g_assert_cmpuint(((uint32_t *)home[NPAGES - 3])[2], ==, 42);
    ((volatile uint32_t *)adopted[3])[5] = 7;                           /* write detection works there */
    g_assert_cmpuint(region.stats.write_faults, ==, 1);
    g_assert_cmpint(region.state[NPAGES - 1], ==, DSM_WRITE);
    g_assert_cmpint(dsm_region_flush(&region), ==, 0);
    g_assert_cmpuint(((uint32_t *)home[NPAGES - 1])[5], ==, 7);
    g_assert_cmpint(dsm_region_alias(&region, fetched, 0, 1, false), ==, -1);   /* one alias per region */
    dsm_region_destroy(&region);
}

static void test_alias_fetch(void)
{
    setup();
    ((volatile uint32_t *)fetched[0])[3] = 5;                           /* this device's stale value */
    ((uint32_t *)home[NPAGES - 2])[3] = 99;
    struct wire_notice n = { NPAGES - 2, 9 };
    g_assert_cmpint(dsm_region_invalidate(&region, &n, 1), ==, 0);
    g_assert_cmpint(dsm_region_alias(&region, fetched, NPAGES - 2, 2, false), ==, 0);
    g_assert_cmpuint(((volatile uint32_t *)fetched[0])[3], ==, 99);     /* fault -> fetch from home */
    g_assert_cmpint(requests, ==, 1);
    g_assert_cmpuint(((volatile uint32_t *)fetched[1])[0], ==, 0);      /* READ at version 0 */
    g_assert_cmpint(requests, ==, 1);
    dsm_region_destroy(&region);
}

static void test_outside(void)
{
    setup();
    int x = 0;
    g_assert_false(dsm_region_fault(&region, &x));
    g_assert_false(dsm_region_fault(&region, region.base + region.size));
    g_assert_true(dsm_region_fault(&region, region.base + region.size - 1));
    dsm_region_destroy(&region);
}

static void test_local_stack(void)
{
    /* One device, no environment: master daemon and node in this process, over a socketpair. */
    g_unsetenv("DMX_DEVICES");
    g_unsetenv("DMX_DEVICE_INDEX");
    g_setenv("DMX_DSM_SIZE", "1048576", TRUE);
    g_assert_cmpint(dmx_dsm_start(), ==, 0);
    volatile uint64_t *counter = dmx_shared_base();
    g_assert_nonnull((void *)counter);
    g_assert_cmpuint(dmx_shared_size(), ==, 1 << 20);
    for (int i = 0; i < 100; i++) {
        g_assert_cmpint(dmx_lock(1), ==, 0);
        (*counter)++;
        g_assert_cmpint(dmx_unlock(1), ==, 0);
    }
    g_assert_cmpuint(*counter, ==, 100);
    g_assert_cmpint(dmx_unlock(1), ==, -1);                 /* not held */
    struct dmx_dsm_counters c;
    dmx_dsm_counters(&c);
    g_assert_cmpuint(c.lock_acquires, ==, 100);
    g_assert_cmpuint(c.cached_acquires, >=, 90);            /* speculative grant after 3 */
    /* lazy diffs: the releases announced the page and sent nothing; nobody else ever asked for it */
    g_assert_cmpuint(c.pages_held, >=, 1);
    g_assert_cmpuint(c.diffs_pushed, ==, 0);
    dmx_dsm_stop();
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_setenv("DMX_DEVICE_NAME", "test", TRUE);
    g_test_add_func("/dsm-fault/write-twin-flush", test_write_twin_flush);
    g_test_add_func("/dsm-fault/invalidate-fetch", test_invalidate_fetch);
    g_test_add_func("/dsm-fault/keep-changes", test_keep_changes);
    g_test_add_func("/dsm-fault/freed-pages", test_freed_pages);
    g_test_add_func("/dsm-fault/region-stack-release", test_region_stack_release);
    g_test_add_func("/dsm-fault/lazy-hold-flush", test_lazy_hold_flush);
    g_test_add_func("/dsm-fault/prefetch", test_prefetch);
    g_test_add_func("/dsm-fault/prefetch-streams", test_prefetch_streams);
    g_test_add_func("/dsm-fault/outside", test_outside);
    g_test_add_func("/dsm-fault/alias-adopt", test_alias_adopt);
    g_test_add_func("/dsm-fault/alias-fetch", test_alias_fetch);
    g_test_add_func("/dsm-fault/kernel-buffer", test_kernel_buffer);
    g_test_add_func("/dsm-fault/change-count", test_change_count);
    g_test_add_func("/dsm-fault/published-stack", test_published_stack);
    g_test_add_func("/dsm-fault/local-stack", test_local_stack);     /* last: it leaves the region to the stack */
    return g_test_run();
}
