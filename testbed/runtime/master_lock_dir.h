/* master_lock_dir.h: the lock table of the master's thread directory: a pure state machine (no I/O).
 *
 * Per lock: FREE (owner 0) -> HELD(owner) on acquire; HELD -> FREE or HELD(next waiter) on release.
 * A grant is *speculative* when the same device took the lock LOCKDIR_SPECULATE_AFTER times in a row and
 * nobody else waits: the device may then keep the lock cached after its local release, and re-acquire it
 * with no message. When another device asks for a lock held speculatively, the directory emits one REVOKE
 * to the owner, which answers with a normal release once no local thread holds it. The waiting queue is
 * FIFO, one entry per device (a device asks once for all its threads). Protocol violations (releasing a lock
 * one does not own, asking twice) return -1 and the caller drops the peer. */
#ifndef MASTER_LOCK_DIR_H
#define MASTER_LOCK_DIR_H

#include <stdbool.h>
#include <stdint.h>

#include "wire_msg.h"

#define LOCKDIR_SPECULATE_AFTER 3
#define LOCKDIR_BUCKETS 256

struct lockdir_lock {
    uint64_t id;
    uint32_t owner;             /* device holding it, 0 = free */
    bool speculative;           /* the current grant was speculative */
    bool revoke_sent;
    uint32_t last_dev, streak;  /* consecutive grants to last_dev */
    uint32_t queue[WIRE_MAX_DEVICES];
    uint32_t qlen;
    uint64_t grants, speculative_grants, revokes;
    struct lockdir_lock *next;
};

struct master_lock_dir {
    struct lockdir_lock *buckets[LOCKDIR_BUCKETS];
    bool speculation;           /* off: never grant speculatively */
};

/* What the caller must send after a call. */
struct lockdir_action {
    uint32_t grant_to;          /* 0 = nobody */
    bool speculative;
    uint32_t revoke_from;       /* 0 = nobody */
};

void lockdir_init(struct master_lock_dir *d, bool speculation);
void lockdir_free(struct master_lock_dir *d);
int lockdir_acquire(struct master_lock_dir *d, uint64_t lock, uint32_t dev, struct lockdir_action *act);
int lockdir_release(struct master_lock_dir *d, uint64_t lock, uint32_t dev, struct lockdir_action *act);
/* A device left: release what it holds and remove it from queues; calls emit for every resulting grant. */
void lockdir_drop_device(struct master_lock_dir *d, uint32_t dev,
                         void (*emit)(void *ctx, uint64_t lock, const struct lockdir_action *act), void *ctx);
const struct lockdir_lock *lockdir_find(const struct master_lock_dir *d, uint64_t lock);

#endif
