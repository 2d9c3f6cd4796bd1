/* Migration pre-copy (DynaMix 4.2.3): when a group of threads leaves this device, the destination fetches the
 * pages this device wrote recently in bulk, so that the threads do not fault on their whole working set one
 * page at a time over the link. Live (DMX_PRECOPY_MS > 0): before they move, while they keep running here,
 * as the paper does; but a decoder rewrites its whole working set every few frames, so by the time it moves
 * nearly everything is stale again (measured: 4616 of 4680 pages). Post-copy (the default): right after they
 * arrive, in parallel with them; the downtime stays that of the stack alone.
 *
 * "Recently written" is this device's own record (dsm_region_recent_writes): pages it holds changes to that
 * were first written within the window, which covers what the moving threads produce and consume (a decoder's
 * reference frames and output buffers) and little else. The list goes through the shared heap; the request
 * through the control block's pre-copy box for the destination, which its spawn server polls
 * (dmx_precopy_serve). Pages written again after their pre-copy are simply stale again and are fetched on
 * demand, as the LRC rules say; so a pre-copy that is cut short by its timeout costs nothing but time. */
#include "thread_takeover.h"
#include "dsm_region.h"
#include "link_estimate.h"
#include "sync_thread.h"
#include "thread_start.h"
#include "wire_conn.h"

#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#define PRECOPY_MAX_PAGES 16384u        /* 64 MiB */

long dmx_precopy_post(uint32_t dest, uint64_t window_ns, uint64_t timeout_ns)
{
    struct dsm_region *r = dmx_dsm_region();
    volatile struct dmx_control *c = dmx_takeover.ctl;
    if (!r || !c || dest < 1 || dest > WIRE_MAX_DEVICES || dest == dmx_takeover.self)
        return -1;
    /* Gathered in private memory: the region's lock is held meanwhile, and a write into a shared page would
     * fault into the handler that takes that same lock. */
    uint32_t *mine = malloc(PRECOPY_MAX_PAGES * sizeof *mine);
    uint32_t *pages = dmx_heap_alloc_shared(PRECOPY_MAX_PAGES * sizeof *pages, 16);
    if (!mine || !pages) {
        free(mine);
        dmx_heap_free_shared(pages);
        return -1;
    }
    uint64_t now = dmx_now_ns();
    uint32_t since_s = (uint32_t)((now > window_ns ? now - window_ns : 0) / 1000000000ull);
    uint32_t n = dsm_region_recent_writes(r, since_s, mine, PRECOPY_MAX_PAGES);
    memcpy(pages, mine, (size_t)n * sizeof *pages);
    free(mine);
    dmx_glock(DMX_LOCK_CONTROL);        /* the release publishes the list with the box */
    uint32_t seq = c->precopy[dest].seq + 1;
    c->precopy[dest].pages = (uint64_t)(uintptr_t)pages;
    c->precopy[dest].count = n;
    c->precopy[dest].live = timeout_ns > 0;
    c->precopy[dest].seq = seq;
    dmx_gunlock(DMX_LOCK_CONTROL);
    dmx_wake_notify(&c->server_wake[dest]);
    for (uint64_t waited = 0, nap = 2000000; waited < timeout_ns; waited += nap) {
        dmx_nap(nap);
        dmx_glock(DMX_LOCK_CONTROL);
        bool done = c->precopy[dest].done == seq;
        dmx_gunlock(DMX_LOCK_CONTROL);
        if (done)
            break;
        nap = nap < 20000000 ? nap * 2 : nap;
    }
    return n;   /* the list stays allocated: the destination may still be reading it after a timeout */
}

#define POSTCOPY_WAIT_NS 1000000000ull     /* how long to wait for the threads to arrive */

static _Atomic uint64_t settled_ns;

uint64_t dmx_precopy_settled_ns(void)
{
    return atomic_load(&settled_ns);
}

static void fetch_round(const uint32_t *pages, uint32_t count, const char *when)
{
    if (!pages)
        return;
    uint64_t t0 = dmx_now_ns();
    int fetched = dsm_region_prefetch(dmx_dsm_region(), pages, count);
    if (fetched < 0)
        wire_log("precopy (%s): could not fetch the %u pages asked for", when, count);
    else
        wire_log("precopy (%s): fetched %d of %u pages in %.1f ms", when, fetched, count,
                 (double)(dmx_now_ns() - t0) / 1e6);
    if (fetched > 0)            /* a bulk transfer from the home: a sample of that link's rate */
        link_estimate_note(1, (uint64_t)fetched * WIRE_PAGE_SIZE, dmx_now_ns() - t0);
}

static void *precopy_main(void *arg)
{
    (void)arg;
    volatile struct dmx_control *c = dmx_takeover.ctl;
    uint32_t self = dmx_takeover.self;
    dmx_glock(DMX_LOCK_CONTROL);        /* acquire: the grant's notices invalidate what the source changed */
    uint32_t seq = c->precopy[self].seq, count = c->precopy[self].count, live = c->precopy[self].live;
    const uint32_t *shared = (const uint32_t *)(uintptr_t)c->precopy[self].pages;
    uint32_t *pages = malloc((size_t)count * sizeof *pages + 1);
    if (pages)
        memcpy(pages, shared, (size_t)count * sizeof *pages);
    dmx_gunlock(DMX_LOCK_CONTROL);
    uint32_t arrived0 = dmx_migrations_arrived();
    atomic_store(&settled_ns, UINT64_MAX);
    if (live)
        fetch_round(pages, count, "live");
    dmx_glock(DMX_LOCK_CONTROL);
    c->precopy[self].done = seq;
    dmx_gunlock(DMX_LOCK_CONTROL);
    /* Once the threads are here (their carrier's acquire invalidated what they rewrote meanwhile), fetch the
     * list's stale pages, many at a time, beside the threads' own faults rather than one fault at a time.
     * Not before: their stacks' pages must not queue behind the bulk at the master. */
    for (uint64_t waited = 0; waited < POSTCOPY_WAIT_NS && dmx_migrations_arrived() == arrived0; waited += 5000000)
        dmx_nap(5000000);
    /* The threads may have arrived before this thread looked (then nothing changes): post-copy fetches anyway. */
    if (!live || dmx_migrations_arrived() != arrived0) {
        dmx_nap(20000000);              /* the rest of the group arrives within a few safe points */
        fetch_round(pages, count, live ? "after arrival" : "post-copy");
    }
    atomic_store(&settled_ns, dmx_now_ns());
    free(pages);
    return NULL;
}

/* The spawn server's poll found the box changed: fetch in a thread of its own, so spawns go on meanwhile. */
void dmx_precopy_serve(void)
{
    static _Atomic uint32_t started;
    volatile struct dmx_control *c = dmx_takeover.ctl;
    uint32_t seq = c->precopy[dmx_takeover.self].seq;   /* read under the caller's control lock */
    if (seq == c->precopy[dmx_takeover.self].done || atomic_exchange(&started, seq) == seq)
        return;
    if (dmx_thread_start_detached(precopy_main, NULL) != 0)
        wire_log("precopy: cannot start a fetcher");
}
