/* dsm_api.h: the shared region and global locks, as apps see them until libdmx takes over pthread.
 *
 * dmx_dsm_start() joins the run described by the environment (docs/CONVENTIONS.md): device 1 runs the
 * master daemon (listening on DMX_PORT, default 7707) and joins it itself; every other device connects to
 * the first address of DMX_DEVICES and authenticates with DMX_SECRET. Outside the testbed (one device, no
 * DMX_DEVICES) it still works, locally. Then the region [dmx_shared_base(), + dmx_shared_size()) holds the
 * same data on every device, with lazy release consistency: writes made before dmx_unlock(L) are seen by
 * whoever next does dmx_lock(L). Environment: DMX_DSM_SIZE (bytes, default 64 MiB), DMX_PREFETCH=0 (no
 * sequential prefetch), DMX_SPECULATE=0 (no speculative lock grants), DMX_CONNECT_TIMEOUT (ms, 30000). */
#ifndef DSM_API_H
#define DSM_API_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

int dmx_dsm_start(void);                /* 0, or -1 (logged on stderr) */
void dmx_dsm_stop(void);                /* the master waits (bounded) for the other devices to leave */
void *dmx_shared_base(void);
size_t dmx_shared_size(void);
int dmx_lock(uint64_t lock);
int dmx_unlock(uint64_t lock);

/* Multi-device runs of unmodified pthread programs (libdmx's takeover, active when the orchestrator runs the
 * app on more than one device; DMX_TAKEOVER=0 turns it off): the app's heap (malloc & co. called by the app
 * itself) and its globals (.data/.bss) are shared, pthread mutexes, condition variables and barriers in them
 * are global. Until threads migrate, a thread is started on another device by DMX_PLACE (on the device that
 * runs main: a comma list of device indices for its 1st, 2nd, ... pthread_create, or "rr" for round robin)
 * or, taking precedence, by dmx_thread_hint(device) for the calling thread's next pthread_create. The start
 * routine's argument must point into the heap or the globals. On one device both do nothing. */
void dmx_thread_hint(int device);

/* Placement hints (Coalescent Computing, paper 003, Listing 2) for the calling thread's next pthread_create;
 * NULL clears them. latency_bound_us > 0: the thread runs only where the round trip to the device that
 * created it is at most that (as the deciding device measures it; a device with no measurement yet is out),
 * so it moves only back home or within the bound. strategy: DMX_PLACE_ANY (the policy decides),
 * DMX_PLACE_EAGER_REMOTE (start on the nearest other device within the bound, then as ANY),
 * DMX_PLACE_LOCAL (never leave the creating device, not even under DMX_MIGRATE_RANDOM_MS). Every policy and
 * dmx_migrate_self (EPERM) respect them. An app without hints needs none of this. */
enum dmx_place_strategy { DMX_PLACE_ANY = 0, DMX_PLACE_EAGER_REMOTE = 1, DMX_PLACE_LOCAL = 2 };
/* on_failure: when the device running the thread is lost, DMX_ON_FAILURE_RESUME (default) resumes it on the
 * master from its checkpoint; DMX_ON_FAILURE_RESTART starts it again from its start routine there (for a
 * thread whose work is cheaper to redo than to trust half done). */
enum dmx_on_failure { DMX_ON_FAILURE_RESUME = 0, DMX_ON_FAILURE_RESTART = 1 };
struct dmx_placement_hints {
    unsigned latency_bound_us;
    int strategy;
    int on_failure;
};
void dmx_thread_hints(const struct dmx_placement_hints *hints);

/* Thread migration (DynaMix section 4.2.3). On a multi-device run every thread the app creates runs on a stack
 * in the shared region (DMX_STACK_SIZE bytes, default 2 MiB; an attr's own stack or stack size is ignored), so
 * it can move between devices at a safe point: a call of the app into libdmx (pthread_mutex_lock/trylock/
 * unlock, pthread_barrier_wait, malloc, calloc, free, dmx_migrate_self) while it holds no mutex. The main
 * thread never moves. dmx_migrate_self(device) moves the calling thread to that device now: 0 once it runs
 * there (or already did), -1 with errno EINVAL (no such device, or not a migratable thread: main thread,
 * one-device run) or EBUSY (it holds a mutex). DMX_MIGRATE_RANDOM_MS=N makes every app thread migrate to a
 * random other device at its first safe point after each N ms of emulated time. Each migration is logged on
 * stderr and in $DMX_RUN_DIR/devices/NAME/migrations.csv of the destination. After a move, thread-local
 * variables (errno included) are the destination carrier thread's, and pthread_self() changes. */
int dmx_migrate_self(int device);

struct dmx_dsm_counters {
    uint64_t read_faults, write_faults;
    uint64_t page_bytes_received, diff_bytes_received, diff_bytes_pushed;
    uint64_t pages_received, diffs_received, diffs_pushed, prefetched_pages, invalidations;
    uint64_t fetch_stall_ns, lock_stall_ns;
    uint64_t lock_acquires, remote_acquires, cached_acquires, revokes;
    uint64_t pages_held, flush_requests;            /* lazy diffs: announced at releases; asked for by home */
    uint64_t bytes_sent, bytes_received;            /* on this device's link to the master */
    uint64_t checkpoints, checkpoints_skipped;      /* checkpoints = release: pushed, skipped (nothing changed) */
    uint64_t checkpoint_captures;   /* sibling threads a checkpoint stopped by a signal to include them */
    uint64_t checkpoint_stragglers; /* siblings a checkpoint left out, busy past its patience */
    /* Cuts the cutter took for a grant that would have flushed changes, or a lock handed back
     * (checkpoint_publish.h). */
    uint64_t checkpoint_held_grants, checkpoint_held_give_backs;
    uint64_t notices_kept;          /* write notices whose page's changes stayed here until a cut */
    uint64_t freed_pages_skipped;   /* pushes that left a page of freed heap memory here (undefined bytes) */
    /* master only (zero elsewhere): what the home sent */
    uint64_t master_page_bytes_sent, master_diff_bytes_sent, master_pages_sent, master_diffs_sent;
};
void dmx_dsm_counters(struct dmx_dsm_counters *out);
/* One JSON object on one line, with the counters and each thread's faults and stall time. */
void dmx_dsm_report(FILE *f);
/* That object in RUN/devices/NAME/dsm.json, at the end of a run (nothing outside one). */
void dmx_dsm_write_report(void);

#endif
