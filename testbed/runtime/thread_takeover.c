/* Start-up and shutdown of the takeover on a multi-device run (see thread_takeover.h).
 *
 * A constructor (priority 150: before worker_role.c's 65000, which blocks a worker's main thread, and before
 * the app's own constructors) joins the DSM run and then:
 *   master (DMX_ROLE=master, runs main): takes DMX_LOCK_CONTROL, adopts its .data/.bss into the region's
 *     last pages (they become its writes over the zero home copy), writes the ready mark, releases: the
 *     release pushes every diff home. An atexit handler later posts "shutdown" and waits (bounded) for the
 *     workers to leave, so nothing they wrote is lost and none of them sees the master vanish.
 *   worker: takes DMX_LOCK_CONTROL until the ready mark is visible (the grant's write notices invalidate
 *     the globals' pages), maps those pages over its own .data/.bss (they fetch on first use), registers
 *     as joined. Then worker_role.c takes over the main thread as before.
 *   both: start the spawn server (pthread_spawn.c), which runs the threads posted or migrating to this device
 *     and leaves at shutdown (a worker's also leaves the run). */
#include "thread_takeover.h"

#include "checkpoint_cut.h"
#include "checkpoint_publish.h"
#include "dmx.h"
#include "dsm_api.h"
#include "dsm_diff.h"
#include "dsm_region.h"
#include "io_fd_directory.h"
#include "sync_mutex.h"
#include "thread_recovery.h"
#include "wire_conn.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

struct dmx_takeover dmx_takeover;

/* From dsm_layout.ld (weak: a program linked without it simply never shares). */
extern char __dmx_private_end[] __attribute__((weak));
extern char _end[] __attribute__((weak));

/* Unless DMX_DSM_SIZE says otherwise, the largest region a grant can name (MASTER_MAX_PAGES pages, 512 MiB -
 * 8 KiB): each of 4 devices gets 128 MiB of heap, room for 4 threads each decoding a 10 MB photo. */
#define DMX_TAKEOVER_DSM_SIZE "536862720"
#define DMX_JOIN_WAIT_NS   (20ull * 1000000000ull)    /* master at exit: workers that never joined */

void dmx_nap(uint64_t ns)
{
    struct timespec ts = { (time_t)(ns / 1000000000ull), (long)(ns % 1000000000ull) };
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {
    }
}

static int glock_op(void *id)
{
    if (sync_mutex_lock(dmx_takeover.locks, *(uint64_t *)id) != 0) {
        wire_log("takeover: global lock %#llx failed", (unsigned long long)*(uint64_t *)id);
        abort();
    }
    return 0;
}

void dmx_glock(uint64_t id)
{
    if (dmx_app_lock(id)) {
        dmx_checkpointed_acquire(glock_op, &id, id);    /* keeps the app's errno itself */
        return;
    }
    int app_errno = errno;
    glock_op(&id);
    thread_errno_set(app_errno);
}

/* With release checkpoints, handing a lock back publishes nothing (sync_mutex.h): an app lock's writes went home
 * with the checkpoint before it, and libdmx's own locks publish what they guard, the control block or the fd
 * directory, whoever holds them. Not the rest: an app thread's writes since its checkpoint must not go home
 * before its next one. */
static int publish_guarded(uint64_t id)
{
    uintptr_t lo = (uintptr_t)dmx_takeover.ctl, hi = lo + DMX_CTL_PAGES * DSM_PAGE_SIZE;
    if (!dmx_takeover.locks->releases_pushed || dmx_app_lock(id) || !dmx_takeover.ctl)
        return 0;
    if ((id == DMX_LOCK_IO_FDS || id >= DMX_LOCK_IO_FDS_OF(0)) && !io_fdd_block(&lo, &hi))
        return 0;
    return dsm_region_push_range(dmx_dsm_region(), lo, hi);
}

static int gunlock_op(void *idp)
{
    uint64_t id = *(uint64_t *)idp;
    if (publish_guarded(id) != 0) {
        wire_log("takeover: lost the link to the master");
        abort();
    }
    if (sync_mutex_unlock(dmx_takeover.locks, id) != 0) {
        wire_log("takeover: global unlock %#llx of a lock this device does not hold", (unsigned long long)id);
        abort();
    }
    return 0;
}

void dmx_gunlock(uint64_t id)
{
    if (dmx_app_lock(id)) {
        dmx_checkpointed_release(gunlock_op, &id, id);    /* keeps the app's errno itself */
        return;
    }
    int app_errno = errno;
    gunlock_op(&id);
    thread_errno_set(app_errno);
}

void dmx_glock_checkpointed(uint64_t id)
{
    dmx_checkpointed_acquire(glock_op, &id, 0);
}

void dmx_gunlock_checkpointed(uint64_t id)
{
    dmx_checkpointed_release(gunlock_op, &id, 0);
}

static bool wanted(void)
{
    const char *t = getenv("DMX_TAKEOVER"), *role = getenv("DMX_ROLE");
    if (t && strcmp(t, "0") == 0)
        return false;
    if (dmx_device_count() < 2 || !(role && *role) || !__dmx_private_end || !_end)
        return false;
    return true;
}

static volatile struct dmx_control *ctl(void) { return dmx_takeover.ctl; }

static void master_at_exit(void)
{
    struct dmx_takeover *t = &dmx_takeover;
    if (t->forked_child)
        return;                 /* a child of the app's fork() that called exit(): the run is its parent's */
    /* Workers that are still joining must get the shutdown too, or they would wait for a master that left. */
    for (uint64_t waited = 0, nap = 1000000;; waited += nap) {
        dmx_glock(DMX_LOCK_CONTROL);
        uint32_t joined = 0;
        for (uint32_t d = 1; d <= t->ndev && d <= WIRE_MAX_DEVICES; d++)
            joined += ctl()->joined[d] != 0;
        if (joined + 1 >= t->ndev || waited >= DMX_JOIN_WAIT_NS) {
            ctl()->shutdown = 1;
            dmx_gunlock(DMX_LOCK_CONTROL);
            for (uint32_t d = 2; d <= t->ndev && d <= WIRE_MAX_DEVICES; d++)
                dmx_wake_notify(&ctl()->server_wake[d]);
            break;
        }
        dmx_gunlock(DMX_LOCK_CONTROL);
        dmx_nap(nap);
        nap = nap < 50000000 ? nap * 2 : nap;
    }
    if (!dmx_spawn_server_wait(2000000000ull))
        wire_log("takeover: the spawn server has not stopped; leaving anyway");
    dmx_dsm_write_report();
    dmx_dsm_stop();             /* waits (bounded) for the workers to leave */
}

/* count may be 0: an app without globals of its own. */
static int publish_globals(struct dsm_region *r, uint32_t first, uint32_t count)
{
    struct dmx_takeover *t = &dmx_takeover;
    if (t->runs_main) {
        dmx_glock(DMX_LOCK_CONTROL);
        if (count && dsm_region_alias(r, (void *)t->glob_lo, first, count, true) != 0) {
            wire_log("takeover: cannot share the globals at %#lx: %s", (unsigned long)t->glob_lo, strerror(errno));
            dmx_gunlock(DMX_LOCK_CONTROL);
            return -1;
        }
        ctl()->ready = DMX_READY_MAGIC;
        dmx_gunlock(DMX_LOCK_CONTROL);
        return 0;
    }
    for (uint64_t nap = 1000000;; nap = nap < 50000000 ? nap * 2 : nap) {
        dmx_glock(DMX_LOCK_CONTROL);
        if (ctl()->ready == DMX_READY_MAGIC)
            break;
        dmx_gunlock(DMX_LOCK_CONTROL);
        dmx_nap(nap);
    }
    int rc = count ? dsm_region_alias(r, (void *)t->glob_lo, first, count, false) : 0;
    if (rc != 0)
        wire_log("takeover: cannot map the shared globals at %#lx: %s", (unsigned long)t->glob_lo, strerror(errno));
    else
        ctl()->joined[t->self] = 1;
    dmx_gunlock(DMX_LOCK_CONTROL);
    return rc;
}

__attribute__((constructor(150))) static void takeover_start(void)
{
    struct dmx_takeover *t = &dmx_takeover;
    if (!wanted())
        return;
    const char *role = getenv("DMX_ROLE");
    t->runs_main = strcmp(role, "master") == 0;
    t->self = (uint32_t)dmx_device_index();
    t->ndev = (uint32_t)dmx_device_count();
    /* The whole app heap lives in the region now: make it big (address space only; the master decides, the
     * others learn the size from its welcome). */
    setenv("DMX_DSM_SIZE", DMX_TAKEOVER_DSM_SIZE, 0);
    if (dmx_dsm_start() != 0) {
        wire_log("takeover: could not join the DSM run: this device runs alone");
        return;
    }
    struct dsm_region *r = dmx_dsm_region();
    uintptr_t glo = (uintptr_t)__dmx_private_end, ghi = ((uintptr_t)_end + DSM_PAGE_SIZE - 1) & ~(uintptr_t)(DSM_PAGE_SIZE - 1);
    uint32_t gpages = (uint32_t)((ghi - glo) / DSM_PAGE_SIZE);
    if (glo % DSM_PAGE_SIZE || gpages > r->npages / 2 ||
        sizeof(struct dmx_control) > DMX_CTL_PAGES * DSM_PAGE_SIZE) {
        wire_log("takeover: %u pages of globals do not fit a region of %u pages", gpages, r->npages);
        abort();
    }
    uint32_t first = r->npages - gpages;
    t->locks = dmx_dsm_lock_table();
    t->locks->on_cond_signal = dmx_cond_woken;
    t->ctl = (struct dmx_control *)r->base;
    t->glob_lo = glo;
    t->glob_hi = ghi;
    if (publish_globals(r, first, gpages) != 0)
        abort();                /* half shared is worse than not at all */
    dmx_heap_setup((uintptr_t)r->base + DMX_CTL_PAGES * DSM_PAGE_SIZE, (uintptr_t)r->base + (uintptr_t)first * DSM_PAGE_SIZE,
                   t->self, t->ndev);
    dmx_app_code_scan();
    if (dmx_checkpoints_on() && cut_setup() != 0)
        wire_log("takeover: no checkpoint signals (%s): threads recovered from a cut will not resume", strerror(errno));
    if (dmx_exact_checkpoints() && !t->runs_main) {
        r->lazy = false;        /* a migration's flush is durable before the move is posted */
        r->keep_changes = true; /* a grant's notices must not send changes home between two cuts */
        t->locks->releases_pushed = true;
        if (dmx_publish_checkpoints() && checkpoint_publish_start(t->locks) != 0)
            abort();
    }
    t->active = true;
    if (t->runs_main) {
        atexit(master_at_exit);
        dmx_dsm_on_device_lost(dmx_recovery_device_lost, NULL);
    }
    /* Every device runs a spawn server: threads started elsewhere, and threads migrating here (even to the
     * master's device). */
    if (dmx_spawn_server_start() != 0) {
        wire_log("takeover: cannot start the spawn server");
        abort();
    }
    const char *policy = getenv("DMX_POLICY"), *watch = getenv("DMX_LINK_WATCH");
    if (policy && strcmp(policy, "dynamix") == 0 && dmx_monitor_start() != 0)
        wire_log("takeover: no device monitor: threads will not move");
    if (policy && strcmp(policy, "dynamix") == 0 && !t->runs_main && watch && strcmp(watch, "1") == 0)
        dmx_dsm_on_link_unstable(dmx_recovery_link_unstable, NULL);
    if (policy && strcmp(policy, "offload") == 0 && dmx_offload_start() != 0)
        wire_log("takeover: no offload policy: threads will not move");
}
