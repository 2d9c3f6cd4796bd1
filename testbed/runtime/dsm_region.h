/* dsm_region.h: this device's view of the shared region, and write detection.
 *
 * The region is a memfd mapped twice: the app view at the same fixed address on every device (default
 * 0x200000000000), whose protection encodes each page's state, and a private system view, always
 * read-write, through which libdmx fills pages and reads them for diffs, so a half-filled page is never
 * visible to the app. Page states (one byte per page):
 *
 *   READ     PROT_READ. The copy is valid. A write faults -> the twin is saved, page goes WRITE.
 *   WRITE    PROT_READ|WRITE, twin saved, on the dirty list. At flush (lock release to the master, a
 *            revoke, or a write notice for this page): diff against the twin, push it home -> READ.
 *   INVALID  PROT_NONE. A write notice said home has a newer version. Any access faults -> FETCHING.
 *   FETCHING PROT_NONE, a request is in flight; other faulting threads wait. The reply (whole page, or
 *            the diffs since our version, applied to our stale copy) -> READ.
 *   HELD     PROT_READ, twin kept, still on the dirty list (lazy mode only). A release made this device's
 *            changes to the page visible without sending them: it told the master the page is held here
 *            (transport.hold), and the diff travels only when another device wants the page (the master
 *            sends a flush request, answered by dsm_region_flush_request) or a write notice arrives. A
 *            write -> WRITE again, with the same twin, so the next diff covers every change since it.
 *
 * With keep_changes (exactly-once checkpoints on a worker: thread_takeover.c), a write notice for a WRITE
 * page that is not pinned does not push its changes home: they may only leave in a checkpoint. The page goes
 * INVALID and *kept* (twin and changes stay here, on the dirty list); the reply that brings home's version is
 * merged under them (the twin becomes home's version, the changes are laid over it again) and the page is
 * WRITE. A push of a kept page (a checkpoint) sends the changes and leaves it INVALID; if its reply is still
 * in flight (it was asked for before the push, so it lacks them), the changes are laid over that reply too.
 *
 * Every page starts READ at version 0 (all zero, like the home copy). The fault handler runs in the
 * faulting thread (SIGSEGV, SA_SIGINFO), which blocks until the page arrives. A fault that continues one of
 * DSM_STREAMS ascending runs (at the page after the last one asked for) asks for DSM_PREFETCH_DEPTH pages at
 * once unless DMX_PREFETCH=0. */
#ifndef DSM_REGION_H
#define DSM_REGION_H

#include <signal.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "wire_msg.h"

#define DSM_DEFAULT_BASE    0x200000000000ull
#define DSM_DEFAULT_SIZE    (64ull << 20)
#define DSM_HOT_MS          500
#define DSM_PREFETCH_DEPTH  16      /* = WIRE_PREFETCH_MAX: a frame buffer arrives in 16-page runs */
#define DSM_STREAMS         8       /* sequential runs followed at once: one thread reads weights while it
                                     * writes activations, and several threads fault side by side */

enum dsm_page_state { DSM_READ = 0, DSM_WRITE, DSM_INVALID, DSM_FETCHING, DSM_HELD };
enum dsm_kept { DSM_KEPT = 1, DSM_KEPT_PUSHED };

/* How the region talks to the home (the master). All return 0 or -1 (link lost). hold (lazy mode only):
 * tell the master that these pages now have changes that stay here until asked for. mark (may be NULL): the
 * pushes between WIRE_CKPT_BEGIN and WIRE_CKPT_COMMIT are one checkpoint, applied at home all at once. */
struct dsm_transport {
    int (*request)(void *ctx, uint32_t page, uint32_t count);
    int (*push)(void *ctx, uint32_t page, uint32_t base_version, const uint8_t *diff, uint32_t len);
    void *ctx;
    int (*hold)(void *ctx, const uint32_t *pages, uint32_t count);
    int (*mark)(void *ctx, uint32_t phase);
};

struct dsm_stats {
    atomic_ullong read_faults, write_faults;     /* INVALID->fetch, READ->twin */
    atomic_ullong pages_received, page_bytes_received;
    atomic_ullong diffs_received, diff_bytes_received;
    atomic_ullong diffs_pushed, diff_bytes_pushed, pages_flushed;
    atomic_ullong invalidations, prefetch_requests, prefetched_pages, stale_replies;
    atomic_ullong pages_held, flush_requests, grant_prefetches;
    atomic_ullong fetch_stall_ns;
    atomic_ullong checkpoints, checkpoints_skipped;   /* release checkpoints pushed, and skipped (no change) */
    /* Sibling threads stopped by a checkpoint's signal, and those it left out (busy past its patience). */
    atomic_ullong checkpoint_captures, checkpoint_stragglers;
    atomic_ullong checkpoint_held_grants, checkpoint_held_give_backs;   /* checkpoint_publish.h */
    atomic_ullong notices_kept;     /* write notices for pages written here whose changes stayed (keep_changes) */
    atomic_ullong freed_pages_skipped;  /* pushes that left a freed page's changes here (dsm_region_mark_freed) */
};

struct dsm_region {
    uint8_t *base;                  /* app view */
    uint8_t *sys;                   /* system view, read-write */
    uint8_t *twins;                 /* twin of page p at twins + p * page size */
    size_t size;
    uint32_t npages;
    int memfd;
    uint8_t *alias;                 /* optional second app window (the executable's globals, see below) */
    uint32_t alias_first, alias_count;
    uint8_t *state;
    uint32_t *written_s;            /* emulated second of each page's last write fault here (pre-copy) */
    uint32_t *used_ms;              /* emulated ms of each page's last write fault or arrival here */
    uint8_t *pinned;                /* > 0: pinned that many times (a running thread's stack, a buffer the
                                     * kernel is writing into): flushes skip it */
    uint8_t *kernel_busy;           /* > 0: a system call is writing into it now (dsm_region_kernel_begin) */
    uint8_t *deferred;              /* a write notice came while kernel_busy: applied when the call ends */
    uint32_t public_p0, public_p1;  /* pinned pages other devices read (main()'s stack): dsm_region_publish_pinned */
    uint8_t *announced;             /* such a page, announced as held here since its last diff went home */
    uint32_t *version;
    uint8_t *freed;                 /* DSM_FREED, DSM_FREED_SKIPPED or 0 (dsm_region_mark_freed) */
    atomic_ullong reused;           /* skipped freed pages handed out again: counted in dsm_region_changes */
    uint32_t *dirty, ndirty;
    bool prefetch;
    bool lazy;                      /* release holds diffs here (DSM_HELD) instead of pushing them home */
    bool keep_changes;              /* a write notice keeps the page's changes here (see the top) */
    uint8_t *kept;                  /* DSM_KEPT or DSM_KEPT_PUSHED for an INVALID or FETCHING page, else 0 */
    uint32_t *held_batch;           /* scratch for one release's announcement (npages entries) */
    uint8_t *scratch;               /* a diff and a page, used under lock: not on a stack (see lock_region) */
    struct dsm_stream {             /* a run of faults at ascending pages (a layer's weights, a buffer) */
        uint32_t from, next;        /* pages [from, next) asked for; a fault at next continues the run */
        uint64_t used;              /* fault count when it last grew: the oldest is replaced */
    } streams[DSM_STREAMS];
    uint64_t stream_clock;
    uint64_t changes;               /* see dsm_region_changes */
    pthread_mutex_t lock;
    pthread_cond_t arrived;
    struct dsm_transport transport;
    struct dsm_stats stats;
};

/* Map the region at base (MAP_FIXED_NOREPLACE: fails rather than clobber a mapping). 0 or -1 (errno). */
int dsm_region_init(struct dsm_region *r, uint64_t base, size_t size, const struct dsm_transport *t);
void dsm_region_destroy(struct dsm_region *r);
/* Install the process-wide SIGSEGV handler for r (one region per process). 0 or -1. */
int dsm_region_install_handler(struct dsm_region *r);
/* The app's sigaction for SIGSEGV while a region's handler is installed: act (if not NULL) becomes the action
 * for faults outside the region, old (if not NULL) gets the one it replaces. false when no handler is installed,
 * and the call is the kernel's to make. */
bool dsm_region_chain_segv(const struct sigaction *act, struct sigaction *old);
/* Show region pages [first, first + count) to the app at addr (page aligned) instead of at base + first
 * pages: the memfd is mapped MAP_FIXED over whatever is there (the executable's .data/.bss), so the same
 * page machinery (states, twins, diffs, fetches) serves it. adopt: the bytes now at addr become this
 * device's writes over the zero home copy (the pages go WRITE, dirty, with zero twins; the next flush
 * publishes them); otherwise the current page states decide (INVALID pages fetch on first access).
 * One alias per region. 0 or -1 (errno). */
int dsm_region_alias(struct dsm_region *r, void *addr, uint32_t first, uint32_t count, bool adopt);
/* In a forked child: the app's windows (base and alias) become private copies of what this device holds, all
 * readable and writable, so the child writes none of the parent's pages, sees none of its later writes and takes
 * no page fault. Pages this device does not hold show its last copy. It copies every page the device holds (the
 * parent's forking thread waits that long). Async-signal-safe. 0 or -1 (errno). */
int dsm_region_detach_child(struct dsm_region *r);
/* Resolve a fault at addr. Returns false if addr is not in the region. */
bool dsm_region_fault(struct dsm_region *r, const void *addr);

/* Receiver side: a page or diff arrived from home. Applied only to INVALID/FETCHING pages. */
void dsm_region_apply_page(struct dsm_region *r, uint32_t page, uint32_t version, const uint8_t *data, bool prefetched);
void dsm_region_apply_diff(struct dsm_region *r, uint32_t page, uint32_t version, const uint8_t *diff, uint32_t len, bool prefetched);
/* Write notices from a grant: flush our own changes to those pages (or keep them: keep_changes), then
 * invalidate them. Pages this device
 * used in the last DSM_HOT_MS (written, or fetched) are fetched again at once, in runs and without waiting
 * (the acquirer will most likely touch them again: a queue it pops, the buffer its producer refilled), so
 * the critical section does not fault on them one round trip at a time; DMX_PREFETCH=0 turns this off. */
int dsm_region_invalidate(struct dsm_region *r, const struct wire_notice *notices, uint32_t count);
/* Would invalidating these pages flush changes made here (a page being written, or held, and not kept)? */
bool dsm_region_notices_hit_changes(struct dsm_region *r, const struct wire_notice *notices, uint32_t count);
/* At a release: every dirty page's changes become visible. Eager mode: diff against the twin and push the
 * diff home. Lazy mode (r->lazy, DMX_LAZY_DIFFS, the default on a run): the page goes HELD and the master is
 * told it is held here (one message for the whole release). 0 or -1. Pinned pages are skipped: they stay
 * WRITE (and dirty) until unpinned. */
int dsm_region_flush(struct dsm_region *r);
/* The master asks for page p (another device wants it): push its diff if it is WRITE or HELD (an empty one
 * otherwise, which tells the master nothing is held here any more). 0 or -1. */
int dsm_region_flush_request(struct dsm_region *r, uint32_t p);
/* Migration pre-copy (migration_precopy.c). recent_writes: up to max pages this device holds changes to
 * (WRITE or HELD, not pinned) that were written here at or after emulated second since_s; returns the count.
 * out must be private memory (the region's lock is held while it is filled).
 * prefetch: bring the stale ones (INVALID) of pages[0..n) up to date, many requests in flight at once, and
 * wait for them; returns how many it fetched, or -1 (link lost). */
uint32_t dsm_region_recent_writes(struct dsm_region *r, uint32_t since_s, uint32_t *out, uint32_t max);
int dsm_region_prefetch(struct dsm_region *r, const uint32_t *pages, uint32_t n);
/* Every page this device knows to be stale (INVALID), fetched, and every page being fetched, waited for: what a
 * forked child copies (process_start.c) is then what the forking thread may see. Returns how many pages it
 * fetched, or -1 (link lost). */
int dsm_region_refresh_stale(struct dsm_region *r);
/* Before leaving the run: push every change still here, held, written or pinned. 0 or -1. */
int dsm_region_publish_all(struct dsm_region *r);
/* A checkpoint of the device's app threads (checkpoint_cut.h): push home every change this device holds or is
 * writing, and the pinned pages of the n (at most DSM_MAX_RANGES) stacks diffed in place; they stay writable.
 * *changes (if not NULL): dsm_region_changes() as the push ended, before any later write could count. Returns 0,
 * or -1 when a push failed. */
struct dsm_range {
    uintptr_t lo, hi;
};
#define DSM_MAX_RANGES 260     /* two per app thread of a device (checkpoint_cut.c), and room */
int dsm_region_checkpoint(struct dsm_region *r, const struct dsm_range *stacks, unsigned n, uint64_t *changes);
/* A count that grows whenever this device may have changed the region, other than on a pinned page the kernel is
 * not writing (a running thread's own stack): a write fault, a system call filling a buffer, a page diffed for
 * another device, a freed page left here by a push and handed out again. Two equal readings: nothing was written
 * in between that a checkpoint would have to publish. */
uint64_t dsm_region_changes(struct dsm_region *r);
/* Push home the changes to the unpinned pages of [lo, hi) only (libdmx's own writes to the control block,
 * when app threads' releases are checkpoints). Returns 0, or -1 when a push failed. */
int dsm_region_push_range(struct dsm_region *r, uintptr_t lo, uintptr_t hi);

/* Before an app thread takes the lock table's lock (sync_mutex.c): writes to every page of the stack it may use
 * below its frame while it holds that lock. A fault there that had to fetch a page of its stack (pinned only as
 * deep as it had reached, pthread_spawn.c) would wait for the receiver, which may be waiting for that lock. */
void dsm_fault_in_stack(void);

/* Heap memory the app freed (heap_dsm.c). Its bytes are undefined until the block is handed out again, so no
 * thread and no checkpoint may depend on them: a checkpoint or an eager release leaves the changes of a page
 * wholly inside [lo, hi) here instead of sending them home (a photo's buffer, freed before the lock operation
 * that takes the cut). mark_used: [lo, hi) is handed out again; such a page of it counts as changed (it may be
 * written without a fault, being WRITE already) and the next push sends it. Both are safe from any thread
 * without the region's lock, and ignore addresses outside the region. */
#define DSM_FREED         1
#define DSM_FREED_SKIPPED 2
void dsm_region_mark_freed(struct dsm_region *r, uintptr_t lo, uintptr_t hi);
void dsm_region_mark_used(struct dsm_region *r, uintptr_t lo, uintptr_t hi);

/* Stacks of migratable threads (pthread_spawn.c), and buffers a system call fills (thread_syscall_buffers.c).
 * On the device that runs the thread, its stack pages are "pinned": once written they stay WRITE (read-write,
 * twinned, dirty) across every release, so the kernel can write into them (no EFAULT) and they do not fault
 * again after each unlock. Pins nest (a count per page).
 * pin marks [lo, hi) pinned and makes [eager_lo, hi) WRITE now, fetching the INVALID ones first in batched
 * requests (the live part of a migrated stack, before the thread resumes). unpin: the pages go back to the
 * ordinary rules, so the next flush pushes their diffs home. Both take page-aligned app addresses.
 * Returns 0, or -1 (bad range or link lost). */
int dsm_region_pin(struct dsm_region *r, uintptr_t lo, uintptr_t hi, uintptr_t eager_lo);
void dsm_region_unpin(struct dsm_region *r, uintptr_t lo, uintptr_t hi);
/* A pinned range that other devices read while this device writes it: main()'s stack (main_stack.c), where a
 * thread's argument or a result array may live. A thread's own stack goes home when the thread moves; these
 * pages never move, so a release must publish them. At each release (dsm_region_flush) a page of [lo, hi)
 * that is written here and differs from its twin is announced as held here (lazy mode; once, until a flush
 * request or write notice sends its diff home) or pushed (eager mode). It stays writable throughout.
 * One range per region; page-aligned app addresses. 0, or -1 (bad range). */
int dsm_region_publish_pinned(struct dsm_region *r, uintptr_t lo, uintptr_t hi);

/* A system call (read() into a shared buffer) writes into [lo, hi): pinned as above, and a write notice for
 * one of its pages waits until kernel_end, so the page is neither flushed nor invalidated under the kernel's
 * feet (that lost the first bytes of a photo read next to a block header another device had written). */
int dsm_region_kernel_begin(struct dsm_region *r, uintptr_t lo, uintptr_t hi);
void dsm_region_kernel_end(struct dsm_region *r, uintptr_t lo, uintptr_t hi);

#endif
