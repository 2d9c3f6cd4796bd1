/* sync_mutex.h: global mutexes, the device side. A lock is identified by a 64-bit id (for the pthread
 * takeover: the mutex's address in the shared region).
 *
 * Per lock and device:  NONE --acquire--> PENDING --grant--> OWNED(held by one local thread, or cached)
 *   local release of an OWNED lock:
 *     - speculative grant and no revoke pending: stays OWNED (cached); the next local acquire needs no
 *       message;
 *     - otherwise: flush dirty pages (diffs go home), send RELEASE, back to NONE.
 *   REVOKE from the master: release now if no local thread holds it, else at that thread's release.
 *   A grant's write notices invalidate stale pages before the lock counts as OWNED (LRC acquire).
 * With checkpoints that must publish nothing outside a cut (checkpoint_publish.h), two hooks may hold a step back
 * for a cut to be taken first: a hand-back (the lock stays OWNED with revoke set, handed back by
 * sync_give_back_pending), and a grant whose notices would flush pages changed here (applied by
 * sync_apply_grant, after the cut; a revoke meanwhile waits with it). */
#ifndef SYNC_MUTEX_H
#define SYNC_MUTEX_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "wire_msg.h"

#define SYNC_BUCKETS 64

enum sync_global { SYNC_NONE, SYNC_PENDING, SYNC_OWNED };

struct sync_lock {
    uint64_t id;
    enum sync_global global;
    bool speculative, revoke, held;
    bool give_back_pending;     /* handed back once a cut has taken what the device wrote */
    bool grant_deferred;        /* a grant the hooks held back until a cut; revoke_deferred: a revoke with it */
    bool revoke_deferred;
    uint32_t waiters;
    pthread_cond_t changed;
    struct sync_lock *next;
};

struct dsm_region;

/* What the lock table needs from the link to the master. */
struct sync_transport {
    int (*send_lock)(void *ctx, uint8_t type, uint64_t lock);   /* ACQUIRE or RELEASE; 0 or -1 */
    void *ctx;
};

struct sync_stats {
    /* remote: the acquire waited for a grant; cached: the lock was already here (speculative grant) */
    atomic_ullong acquires, remote_acquires, cached_acquires, releases_sent, revokes, speculative_grants;
    atomic_ullong notices, lock_stall_ns;
};

struct sync_table {
    pthread_mutex_t lock;
    struct sync_lock *buckets[SYNC_BUCKETS];
    struct dsm_region *region;
    struct sync_transport transport;
    struct sync_stats stats;
    /* Every release already pushed its writes home (release checkpoints, thread_recovery.h): handing a cached
     * lock back must not publish what was written since, which no checkpoint covers yet. */
    bool releases_pushed;
    /* Publishing only in cuts (checkpoint_publish.h); NULL: off. Both are called with the table's lock held and
     * must not block: true means "not now", the hook arranged for a cut that ends with the step done. */
    bool (*defer_give_back)(uint64_t lock);
    bool (*defer_grant)(const struct wire_msg *grant, const struct wire_notice *notices, uint32_t count);
    /* Condition variables (master_cond_dir.h): called from the receiver thread when the master says a cond
     * this device waits on was signalled. */
    void (*on_cond_signal)(uint64_t cond);
};

void sync_table_init(struct sync_table *t, struct dsm_region *region, const struct sync_transport *tr);
void sync_table_destroy(struct sync_table *t);
int sync_mutex_lock(struct sync_table *t, uint64_t lock);
int sync_mutex_unlock(struct sync_table *t, uint64_t lock);
/* 1 (busy) when a thread of this device holds the lock, else as sync_mutex_lock: a lock held by another
 * device is waited for (there is no "try" message), which is enough for trylock loops but not for code
 * that relies on trylock never blocking. */
int sync_mutex_trylock(struct sync_table *t, uint64_t lock);
/* From the receiver thread. */
void sync_on_grant(struct sync_table *t, const struct wire_msg *grant);
void sync_on_revoke(struct sync_table *t, uint64_t lock);
/* Condition variables: tell the master a thread here waits on cond (WIRE_COND_WAIT), or that cond was
 * signalled (WIRE_COND_SIGNAL). Neither waits for an answer. 0 or -1 (the link to the master is gone). */
int sync_cond_send(struct sync_table *t, uint8_t type, uint64_t cond);
/* From the receiver thread: the master's COND_SIGNAL. */
void sync_on_cond_signal(struct sync_table *t, uint64_t cond);
/* Is lock here and free to take again with no message (a speculative grant, no revoke)? */
bool sync_mutex_cached(struct sync_table *t, uint64_t lock);
/* A grant defer_grant held back: invalidate its notices' pages and let a local acquirer have it. */
void sync_apply_grant(struct sync_table *t, uint64_t lock, bool speculative, const struct wire_notice *notices,
                      uint32_t count);
/* Hand back every lock defer_give_back held back that no local thread holds. */
void sync_give_back_pending(struct sync_table *t);
/* Leaving: hand back every lock cached here (flushing our changes first) and flush what is left. */
int sync_release_cached(struct sync_table *t);

#endif
