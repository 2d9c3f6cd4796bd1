/* thread_takeover.h: libdmx taking over an unmodified pthread program on a multi-device run.
 *
 * Active only when the orchestrator started us (DMX_ROLE set) on a run of more than one device
 * (DMX_DEVICES), unless DMX_TAKEOVER=0; on one device every interposer falls through to libc. When active,
 * the DSM region (DSM_DEFAULT_BASE, DMX_DSM_SIZE) is laid out as
 *
 *   pages [0, CTL_PAGES)            the control block (struct dmx_control): start-up handshake, shutdown,
 *                                   and the spawn table that starts threads on other devices and moves
 *                                   them between devices (pthread_spawn.c)
 *   pages [CTL_PAGES, glob_first)   the heap: one arena per device (heap_dsm.c); app threads' stacks
 *                                   are blocks of it (pinned where the thread runs, dsm_region_pin), and
 *                                   so is main()'s on the master (main_stack.c)
 *   pages [glob_first, npages)      the executable's .data/.bss, shown to the app at their link address
 *                                   (dsm_region_alias); the master's values are published at start
 *
 * and every object in the heap or the globals is "shared": its pthread mutex, condition variable and barrier
 * operations go through the master's lock directory (pthread_sync.c) with lazy release consistency. The
 * control block is guarded by the global lock DMX_LOCK_CONTROL (not an address, so no app object has it). */
#ifndef THREAD_TAKEOVER_H
#define THREAD_TAKEOVER_H

#include <stdbool.h>
#include <stdint.h>
#include <ucontext.h>

#include "wire_msg.h"

#define DMX_LOCK_CONTROL   1ull
#define DMX_LOCK_IO_FDS    2ull     /* the I/O engine's process-wide virtual fd directory (io_fd_directory.h) */
#define DMX_LOCK_HEAP_POOL 3ull     /* dmx_control.heap_pool_next (heap_dsm.c) */
#define DMX_LOCK_IO_FDS_OF(device) (16ull + (device))  /* its slots and bindings of one device's range */
#define DMX_CTL_PAGES      5u
#define DMX_SPAWN_SLOTS    128u
#define DMX_ATFORK_MAX     32u
#define DMX_READY_MAGIC    0x444d585245414459ull     /* "DMXREADY" */

enum spawn_state { SPAWN_FREE = 0, SPAWN_POSTED, SPAWN_RUNNING, SPAWN_DONE, SPAWN_MIGRATING };

struct spawn_slot {             /* one thread started on another device; guarded by DMX_LOCK_CONTROL */
    uint32_t state, device;     /* enum spawn_state; the device that runs it */
    uint64_t fn, arg, ret;      /* start routine, its argument, its result (all valid on every device) */
    uint32_t detached, from;    /* detached: nobody joins, the slot frees itself; from: the poster */
    /* Migration (pthread_spawn.c). stack: the thread's stack in the shared heap, [stack_lo, stack_hi). When
     * MIGRATING (to .device): ctx is its saved ucontext_t (on its own stack), src the device it left, t_request
     * when it asked (emulated CLOCK_MONOTONIC ns), diff_bytes what the source pushed home on its way out. */
    uint64_t stack_lo, stack_hi, ctx, t_request, diff_bytes;
    uint32_t src, migrations;
    uint64_t t_detect, t_decide;    /* a policy's migration: when its monitor saw contention, and decided */
    uint32_t latency_bound_us, strategy;    /* placement hints (placement_hints.c), fixed at creation */
    /* Recovery (thread_recovery.h). ckpt_ctx: the context the thread arrived with on a device other than the
     * master (its checkpoint; 0: it started there, so its checkpoint is its start). recovering: the master
     * reposted it after its device was lost at t_request. */
    uint64_t ckpt_ctx;
    uint32_t recovering, on_failure;    /* on_failure: its hint (enum dmx_on_failure) */
};

struct dmx_control {
    uint64_t ready;             /* DMX_READY_MAGIC once the master published its globals */
    uint64_t shutdown;          /* the master's app has finished: leave */
    uint32_t joined[WIRE_MAX_DEVICES + 1];
    struct spawn_slot slot[DMX_SPAWN_SLOTS];
    uint64_t io_fd_directory;   /* its address in the shared heap, 0 until the master made it (io_fd_directory.c) */
    struct precopy_box {        /* migration pre-copy for device i (migration_precopy.c) */
        uint64_t pages;         /* u32 page numbers in the shared heap */
        uint32_t count, seq, done;
        uint32_t live;          /* 1: fetch now, the threads wait (pre-copy); 0: after they arrive (post-copy) */
    } precopy[WIRE_MAX_DEVICES + 1];
    uint64_t move_cost_ns;      /* what a thread's move has cost so far, warm-up included (io_placement.c) */
    uint32_t lost[WIRE_MAX_DEVICES + 1];    /* devices that vanished: nothing is placed or moved there */
    uint64_t heap_pool_next;    /* the heap pool's first unclaimed byte; 0: none claimed yet (heap_dsm.c) */
    struct app_signal_action {  /* the app's action for a signal its threads raise, on every device (app_signals.c) */
        uint64_t handler;       /* sa_handler or sa_sigaction */
        uint64_t mask;          /* sa_mask, signals 1 to 64 */
        uint32_t flags;         /* sa_flags */
        uint32_t version;       /* signals_version when it was set; 0: never */
    } signals[65];
    uint32_t signals_version;
    struct app_atfork_entry {   /* the app's pthread_atfork handlers, in registration order (app_atfork.c) */
        uint64_t prepare, parent, child;
    } atfork[DMX_ATFORK_MAX];
    uint32_t atfork_count;
    uint64_t server_wake[WIRE_MAX_DEVICES + 1];     /* addresses only: device i's spawn server waits on
                                                     * &server_wake[i] (dmx_wake_arm) */
};

_Static_assert(sizeof(struct dmx_control) <= DMX_CTL_PAGES * WIRE_PAGE_SIZE, "the control block outgrew its pages");

struct sync_table;
struct dsm_region;

struct dmx_takeover {
    bool active;
    bool forked_child;          /* a child the app forked (process_start.c): not part of the run, shuts nothing down */
    bool runs_main;             /* DMX_ROLE=master: the device whose main() runs */
    uint32_t self, ndev;
    uintptr_t heap_lo, heap_hi; /* every device's arena */
    uintptr_t glob_lo, glob_hi; /* the app's globals (page aligned) */
    struct dmx_control *ctl;
    struct sync_table *locks;
};

extern struct dmx_takeover dmx_takeover;

/* Is p in memory every device sees (heap or globals) on an active run? */
static inline bool dmx_is_shared(const void *p)
{
    uintptr_t a = (uintptr_t)p;
    return dmx_takeover.active && ((a >= dmx_takeover.heap_lo && a < dmx_takeover.heap_hi) ||
                                   (a >= dmx_takeover.glob_lo && a < dmx_takeover.glob_hi));
}

/* Is lock id an app object's lock (a shared mutex, condition variable or barrier: its id is its address), as
 * opposed to one of libdmx's own (the control block, the fd directory), which an app thread takes in the middle
 * of libdmx's work? A checkpoint at one of those would resume, after a loss, inside libdmx with another device's
 * private state. */
static inline bool dmx_app_lock(uint64_t id)
{
    return dmx_is_shared((const void *)(uintptr_t)id);
}

/* Global lock / unlock of an id (an object's address, or DMX_LOCK_CONTROL); abort if the master is gone. */
void dmx_glock(uint64_t id);
void dmx_gunlock(uint64_t id);
/* Sleep ns nanoseconds of emulated time. */
void dmx_nap(uint64_t ns);

/* app_code.c: note the app's shared libraries (before the takeover goes active), and whether code at ra
 * is the app's (its allocations are shared). */
void dmx_app_code_scan(void);
bool dmx_app_code(const void *ra);
/* Is pc in the executable's own code (not libdmx's, nor any library's), whose globals are shared? */
bool dmx_app_own_code(const void *pc);

/* heap_dsm.c: set the arena of this device inside [lo, hi). */
void dmx_heap_setup(uintptr_t lo, uintptr_t hi, uint32_t self, uint32_t ndev);
/* pthread_spawn.c: the loop that runs threads posted for this device (on a libdmx thread). */
int dmx_spawn_server_start(void);
/* After shutdown was posted: wait (at most timeout_ns) until this device's spawn server has left, so that it
 * takes no global lock once the device's link is closed. False if it is still there. */
bool dmx_spawn_server_wait(uint64_t timeout_ns);

/* heap_dsm.c, for libdmx: a block of the shared heap (NULL when inactive or full), and its release. */
void *dmx_heap_alloc_shared(size_t n, size_t align);
void dmx_heap_free_shared(void *p);
/* pthread_spawn.c: a migration safe point (the app called an interposer with no lock of its held: migrate
 * the calling thread if that was asked for), and the count of app mutexes the calling thread holds. */
void dmx_safe_point(void);
void dmx_held_locks(int delta);

/* pthread_spawn.c, for the device monitor: the app threads running on this device now (rec: the dmx thread
 * record of the carrier that runs it, whose counters start with its arrival here; tid: that carrier's host
 * thread id, the devmodel plugin's key), and a request that thread slot move to dest at its next safe point
 * (t_detect, t_decide: for the migration log). */
struct dmx_local_thread {
    uint32_t slot;
    int tid;
    struct dmx_thread *rec;
    uint64_t since_ns;
    uint32_t migrations;        /* moves so far (the monitor's backoff doubles with each) */
};
uint32_t dmx_local_threads(struct dmx_local_thread *out, uint32_t max);
void dmx_request_migration(uint32_t slot, uint32_t dest, uint64_t t_detect, uint64_t t_decide);
uint32_t dmx_migrations_arrived(void);      /* threads that migrated to this device so far */
/* The calling app thread (false: not an app thread, or it holds an app mutex: no safe point), its move to
 * device (logged with t_detect and t_decide; -1 with errno EINVAL or EBUSY), and the mean downtime of the
 * moves that ended on this device so far (0 before the first). */
bool dmx_current_thread(struct dmx_local_thread *out);
/* pthread_spawn.c, DMX_CHECKPOINT=release, publish or refresh (thread_recovery.h, checkpoint_cut.h): run the calling app
 * thread's lock operation op(arg) as a checkpoint point (elsewhere: just op(arg)). An acquire runs even when the
 * thread has just resumed from that point on the master after its device was lost; a release does not (the
 * master took the lost device's locks back), and returns 0. */
int dmx_checkpointed_acquire(int (*op)(void *), void *arg, uint64_t lock);
int dmx_checkpointed_release(int (*op)(void *), void *arg, uint64_t lock);
/* lock: the global lock operated on, so DMX_CHECKPOINT=publish can tell an operation that stays on the device
 * (a cached lock) from one that does not; 0 for one whose effects others may see whatever the lock.
 * For checkpoint_publish.c: a cut of the device's app threads from a thread of libdmx's own, inside(arg) run
 * after the push while they are still stopped (0, or -1: the link is gone); and how many writes the device made
 * since its last cut. */
int dmx_checkpoint_cut_all(void (*inside)(void *), void *arg);
uint64_t dmx_checkpoint_changes_since(void);
/* A wait between a release and the next acquire (condition variable, barrier) as a checkpoint point: area is
 * where to getcontext, in the waiting function's own frame (NULL: no checkpoints here); armed, called right after
 * that getcontext, is true when the thread has just resumed there after a loss (it should not wait: a spurious
 * wake-up); end when the wait is over, before the thread runs app code again. */
ucontext_t *dmx_wait_checkpoint_area(void);
bool dmx_wait_checkpoint_armed(void);
void dmx_wait_checkpoint_end(void);
/* Runs the statement `wait` so (skipped when the thread has just resumed there). A macro: the getcontext must be
 * in the waiting function's own frame, which lives until the wait is over. */
#define DMX_CHECKPOINTED_WAIT(wait) \
    do { \
        ucontext_t *area_ = dmx_wait_checkpoint_area(); \
        bool resumed_ = false; \
        if (area_) { \
            getcontext(area_); \
            resumed_ = dmx_wait_checkpoint_armed(); \
        } \
        if (!resumed_) { \
            wait; \
        } \
        dmx_wait_checkpoint_end(); \
    } while (0)
/* pthread_spawn.c's own uses of DMX_LOCK_CONTROL for a call the app made (pthread_create, join, detach): resumable
 * where they are, so checkpoint points like an app lock (dmx_glock of libdmx's own locks is not one). */
void dmx_glock_checkpointed(uint64_t id);
void dmx_gunlock_checkpointed(uint64_t id);
bool dmx_checkpoints_on(void);          /* DMX_CHECKPOINT=release, refresh or publish */
bool dmx_exact_checkpoints(void);       /* DMX_CHECKPOINT=release or publish: nothing published outside a cut */
bool dmx_publish_checkpoints(void);     /* DMX_CHECKPOINT=publish */
bool dmx_shared_stacks(void);           /* app threads run on shared stacks (not DMX_SHARED_STACKS=0) */
bool dmx_in_app_thread(void);           /* the caller is an app thread (its guest context runs) */
/* The context of the checkpoint on the stack at stack_lo taken during the thread's stay number migrations, as home
 * has it (0: none). */
uint64_t dmx_release_checkpoint(uint64_t stack_lo, uint32_t migrations);
/* May thread slot go to device dest under its placement hints? And the devices it may not go to (bit d). */
bool dmx_move_allowed(uint32_t slot, uint32_t dest);
uint32_t dmx_barred_dests(uint32_t slot);
int dmx_migrate_self_decided(uint32_t device, uint64_t t_detect, uint64_t t_decide);
uint64_t dmx_migration_mean_downtime_ns(void);

/* placement_hints.c. take: the calling thread's hints for the thread its pthread_create starts now (zeros when
 * none). allowed: may a thread with these hints, created on device home, go to dest (from this device)? eager:
 * where a DMX_PLACE_EAGER_REMOTE thread starts (0: here). */
void placement_hints_take(uint32_t *latency_bound_us, uint32_t *strategy, uint32_t *on_failure);
bool placement_move_allowed(uint32_t latency_bound_us, uint32_t strategy, uint32_t home, uint32_t dest);
uint32_t placement_eager_device(uint32_t latency_bound_us);

/* device_monitor.c: start the dynamix policy's monitor and selector on this device (DMX_POLICY=dynamix). */
int dmx_monitor_start(void);
/* offload_policy.c: the offload policy (DMX_POLICY=offload): on the device that runs main, profile the app's threads
 * once and move the compute-heavy ones where CloneCloud's cost model says; elsewhere nothing. */
int dmx_offload_start(void);

/* migration_precopy.c. post: as threads move to dest, have dest fetch the pages written here in the last
 * window_ns. With timeout_ns > 0 dest fetches them at once while the threads keep running here (pre-copy), and
 * this waits until dest is done or timeout_ns passed; with 0, dest fetches them once the threads have arrived
 * (post-copy, beside their own faults). Returns the pages dest was asked for (-1 on failure). serve: the spawn
 * server's side, on dest. */
long dmx_precopy_post(uint32_t dest, uint64_t window_ns, uint64_t timeout_ns);
void dmx_precopy_serve(void);
/* When this device's last post-copy fetch ended (emulated ns; 0: none yet), or UINT64_MAX while one runs: the
 * threads that moved here are still warming up until then (device_monitor.c waits it out before judging them). */
uint64_t dmx_precopy_settled_ns(void);

/* dsm_runtime.c: this device's lock table (NULL before dmx_dsm_start). */
struct sync_table *dmx_dsm_lock_table(void);
/* pthread_sync.c: the master says cond id (its address) was signalled: wake this device's waiters of it. */
void dmx_cond_woken(uint64_t id);
/* pthread_sync.c: libdmx's own waits on the control block (a spawn server for work, pthread_join for a thread's
 * end) go through the shared conds' wake-ups, keyed by an address in the control block, so that they end when
 * the state changes rather than at their next poll. dmx_wake_arm, with the lock that guards the state held,
 * registers this device for id's wake-ups (a ticket zeroed at first; no message while no wake-up came since the
 * last arm, which a master's signal takes the device off) and notes what dmx_wake_wait waits past;
 * dmx_wake_notify, after the change is released, wakes id's waiters here and on every registered device. A wait
 * still ends after ns: a wake-up is only ever a shortcut. */
struct dmx_wake_ticket {
    uint64_t gen;               /* the local wake-ups of id's bucket seen at the last arm */
    bool registered;            /* the master has this device on id since then */
};
void dmx_wake_arm(const volatile void *id, struct dmx_wake_ticket *t);
void dmx_wake_wait(const volatile void *id, const struct dmx_wake_ticket *t, uint64_t ns);
void dmx_wake_notify(const volatile void *id);
struct dsm_region *dmx_dsm_region(void);
/* dsm_runtime.c, on the master: call fn(dev, last_heard_ns, ctx) for each device that is gone
 * (master_server_on_lost). */
void dmx_dsm_on_device_lost(void (*fn)(uint32_t dev, uint64_t last_heard_ns, void *ctx), void *ctx);
/* dsm_runtime.c, on a worker: call fn when the heartbeats say the link to the master turned unstable
 * (peer_link_watch.h). */
void dmx_dsm_on_link_unstable(void (*fn)(uint64_t rtt_ns, uint64_t best_ns, void *ctx), void *ctx);

#endif
