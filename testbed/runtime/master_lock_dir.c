/* Lock directory state machine (see master_lock_dir.h). */
#include "master_lock_dir.h"

#include <stdlib.h>
#include <string.h>

void lockdir_init(struct master_lock_dir *d, bool speculation)
{
    memset(d, 0, sizeof(*d));
    d->speculation = speculation;
}

void lockdir_free(struct master_lock_dir *d)
{
    for (int b = 0; b < LOCKDIR_BUCKETS; b++)
        for (struct lockdir_lock *l = d->buckets[b], *n; l; l = n) {
            n = l->next;
            free(l);
        }
    memset(d->buckets, 0, sizeof(d->buckets));
}

static unsigned bucket(uint64_t id)
{
    return (unsigned)((id * 0x9E3779B97F4A7C15ull) >> 56) % LOCKDIR_BUCKETS;
}

const struct lockdir_lock *lockdir_find(const struct master_lock_dir *d, uint64_t lock)
{
    for (struct lockdir_lock *l = d->buckets[bucket(lock)]; l; l = l->next)
        if (l->id == lock)
            return l;
    return NULL;
}

static struct lockdir_lock *get(struct master_lock_dir *d, uint64_t lock)
{
    struct lockdir_lock *l = (struct lockdir_lock *)lockdir_find(d, lock);
    if (l)
        return l;
    l = calloc(1, sizeof(*l));
    if (!l)
        return NULL;
    l->id = lock;
    l->next = d->buckets[bucket(lock)];
    d->buckets[bucket(lock)] = l;
    return l;
}

static bool queued(const struct lockdir_lock *l, uint32_t dev)
{
    for (uint32_t i = 0; i < l->qlen; i++)
        if (l->queue[i] == dev)
            return true;
    return false;
}

static void grant(const struct master_lock_dir *d, struct lockdir_lock *l, uint32_t dev, struct lockdir_action *act)
{
    l->streak = l->last_dev == dev ? l->streak + 1 : 1;
    l->last_dev = dev;
    l->owner = dev;
    l->revoke_sent = false;
    l->speculative = d->speculation && l->qlen == 0 && l->streak >= LOCKDIR_SPECULATE_AFTER;
    l->grants++;
    l->speculative_grants += l->speculative;
    act->grant_to = dev;
    act->speculative = l->speculative;
}

int lockdir_acquire(struct master_lock_dir *d, uint64_t lock, uint32_t dev, struct lockdir_action *act)
{
    memset(act, 0, sizeof(*act));
    if (dev == 0 || dev > WIRE_MAX_DEVICES)
        return -1;
    struct lockdir_lock *l = get(d, lock);
    if (!l || l->owner == dev || queued(l, dev))
        return -1;
    if (l->owner == 0) {
        grant(d, l, dev, act);
        return 0;
    }
    l->queue[l->qlen++] = dev;      /* fits: each device at most once, and the owner is not queued */
    if (l->speculative && !l->revoke_sent) {
        l->revoke_sent = true;
        l->revokes++;
        act->revoke_from = l->owner;
    }
    return 0;
}

static void release(const struct master_lock_dir *d, struct lockdir_lock *l, struct lockdir_action *act)
{
    if (l->revoke_sent)
        l->streak = 0;              /* contended: stop speculating for this holder */
    l->owner = 0;
    l->speculative = false;
    l->revoke_sent = false;
    if (l->qlen) {
        uint32_t next = l->queue[0];
        memmove(l->queue, l->queue + 1, (l->qlen - 1) * sizeof(l->queue[0]));
        l->qlen--;
        grant(d, l, next, act);
    }
}

int lockdir_release(struct master_lock_dir *d, uint64_t lock, uint32_t dev, struct lockdir_action *act)
{
    memset(act, 0, sizeof(*act));
    struct lockdir_lock *l = (struct lockdir_lock *)lockdir_find(d, lock);
    if (!l || dev == 0 || l->owner != dev)
        return -1;
    release(d, l, act);
    return 0;
}

void lockdir_drop_device(struct master_lock_dir *d, uint32_t dev,
                         void (*emit)(void *ctx, uint64_t lock, const struct lockdir_action *act), void *ctx)
{
    for (int b = 0; b < LOCKDIR_BUCKETS; b++)
        for (struct lockdir_lock *l = d->buckets[b]; l; l = l->next) {
            for (uint32_t i = 0; i < l->qlen;)
                if (l->queue[i] == dev) {
                    memmove(l->queue + i, l->queue + i + 1, (l->qlen - i - 1) * sizeof(l->queue[0]));
                    l->qlen--;
                } else {
                    i++;
                }
            if (l->owner == dev) {
                struct lockdir_action act = { 0 };
                release(d, l, &act);
                if (act.grant_to && emit)
                    emit(ctx, l->id, &act);
            }
        }
}
