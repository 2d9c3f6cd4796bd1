/* Global mutexes, device side (see sync_mutex.h). Lock order: sync_table.lock before dsm_region.lock;
 * the fault handler takes only the region's lock. */
#include "sync_mutex.h"
#include "dsm_region.h"
#include "sync_thread.h"
#include "wire_conn.h"

#include <stdlib.h>
#include <string.h>

void sync_table_init(struct sync_table *t, struct dsm_region *region, const struct sync_transport *tr)
{
    memset(t, 0, sizeof(*t));
    pthread_mutex_init(&t->lock, NULL);
    t->region = region;
    t->transport = *tr;
}

void sync_table_destroy(struct sync_table *t)
{
    for (int b = 0; b < SYNC_BUCKETS; b++)
        for (struct sync_lock *l = t->buckets[b], *n; l; l = n) {
            n = l->next;
            pthread_cond_destroy(&l->changed);
            free(l);
        }
    memset(t->buckets, 0, sizeof(t->buckets));
}

/* The entry points an app thread calls: no fault under t->lock may need the receiver (dsm_fault_in_stack). */
static void lock_table(struct sync_table *t)
{
    dsm_fault_in_stack();
    pthread_mutex_lock(&t->lock);
}

static struct sync_lock *find(struct sync_table *t, uint64_t id, bool create)
{
    unsigned b = (unsigned)((id * 0x9E3779B97F4A7C15ull) >> 58) % SYNC_BUCKETS;
    for (struct sync_lock *l = t->buckets[b]; l; l = l->next)
        if (l->id == id)
            return l;
    if (!create)
        return NULL;
    struct sync_lock *l = calloc(1, sizeof(*l));
    if (!l)
        return NULL;
    l->id = id;
    pthread_cond_init(&l->changed, NULL);
    l->next = t->buckets[b];
    t->buckets[b] = l;
    return l;
}

static void fatal_link(uint64_t lock)
{
    wire_log("sync: lost the link to the master (lock %#llx)", (unsigned long long)lock);
    abort();
}

/* With t->lock held: make our changes visible at home, then hand the lock back. */
static void give_back_now(struct sync_table *t, struct sync_lock *l)
{
    if ((!t->releases_pushed && dsm_region_flush(t->region) != 0) ||
        t->transport.send_lock(t->transport.ctx, WIRE_LOCK_RELEASE, l->id) != 0)
        fatal_link(l->id);
    t->stats.releases_sent++;
    l->global = SYNC_NONE;
    l->speculative = l->revoke = l->give_back_pending = false;
    pthread_cond_broadcast(&l->changed);
}

/* With t->lock held: hand l back, or, if a cut must come first, keep it here until then (revoke set: no local
 * thread takes it meanwhile). */
static void give_back(struct sync_table *t, struct sync_lock *l)
{
    if (l->give_back_pending || (t->defer_give_back && t->defer_give_back(l->id))) {
        l->give_back_pending = l->revoke = true;
        return;
    }
    give_back_now(t, l);
}

int sync_mutex_lock(struct sync_table *t, uint64_t id)
{
    struct dmx_thread *self = dmx_thread_self();
    uint64_t t0 = 0;
    lock_table(t);
    struct sync_lock *l = find(t, id, true);
    if (!l) {
        pthread_mutex_unlock(&t->lock);
        return -1;
    }
    l->waiters++;
    bool remote = false;
    for (;;) {
        if (l->global == SYNC_OWNED && !l->held && !l->revoke)
            break;
        if (l->global != SYNC_OWNED && !remote) {
            remote = true;          /* this acquire waits for a grant from the master */
            t0 = dmx_now_ns();
        }
        if (l->global == SYNC_NONE) {
            l->global = SYNC_PENDING;
            if (t->transport.send_lock(t->transport.ctx, WIRE_LOCK_ACQUIRE, id) != 0)
                fatal_link(id);
        }
        pthread_cond_wait(&l->changed, &t->lock);
    }
    l->waiters--;
    l->held = true;
    if (l->revoke_deferred) {           /* it came while the grant was held back: give it up at our release */
        l->revoke_deferred = false;
        l->revoke = true;
        t->stats.revokes++;
    }
    t->stats.acquires++;
    if (remote) {
        uint64_t stall = dmx_now_ns() - t0;
        t->stats.remote_acquires++;
        t->stats.lock_stall_ns += stall;
        if (self)
            self->lock_stall_ns += stall;
    } else {
        t->stats.cached_acquires++;
    }
    dmx_thread_note_acquire(self, id, remote);
    pthread_mutex_unlock(&t->lock);
    return 0;
}

int sync_mutex_trylock(struct sync_table *t, uint64_t id)
{
    lock_table(t);
    struct sync_lock *l = find(t, id, false);
    bool busy = l && l->held;
    pthread_mutex_unlock(&t->lock);
    return busy ? 1 : sync_mutex_lock(t, id);
}

int sync_mutex_unlock(struct sync_table *t, uint64_t id)
{
    lock_table(t);
    struct sync_lock *l = find(t, id, false);
    if (!l || !l->held || l->global != SYNC_OWNED) {
        pthread_mutex_unlock(&t->lock);
        return -1;
    }
    l->held = false;
    dmx_thread_note_release(dmx_thread_self(), id);
    if (l->speculative && !l->revoke)
        pthread_cond_broadcast(&l->changed);    /* cached: a local waiter may take it */
    else
        give_back(t, l);
    pthread_mutex_unlock(&t->lock);
    return 0;
}

void sync_on_grant(struct sync_table *t, const struct wire_msg *grant)
{
    uint32_t n = grant->u.grant.count;
    struct wire_notice stack[64] = { { 0, 0 } }, *notices = n <= 64 ? stack : malloc(n * sizeof(*notices));
    if (!notices)
        fatal_link(grant->u.grant.lock);
    for (uint32_t i = 0; i < n; i++)
        notices[i] = wire_grant_notice(grant, i);
    pthread_mutex_lock(&t->lock);
    struct sync_lock *l = find(t, grant->u.grant.lock, false);
    bool deferred = l && l->global == SYNC_PENDING && t->defer_grant && t->defer_grant(grant, notices, n);
    if (deferred)
        l->grant_deferred = true;
    pthread_mutex_unlock(&t->lock);
    if (!deferred)
        sync_apply_grant(t, grant->u.grant.lock, grant->h.flags & WIRE_F_SPECULATIVE, notices, n);
    if (notices != stack)
        free(notices);
}

void sync_apply_grant(struct sync_table *t, uint64_t id, bool speculative, const struct wire_notice *notices,
                      uint32_t n)
{
    /* The acquire completes only after stale pages are invalid (LRC). */
    if (dsm_region_invalidate(t->region, notices, n) != 0)
        fatal_link(id);
    pthread_mutex_lock(&t->lock);
    struct sync_lock *l = find(t, id, false);
    if (l && l->global == SYNC_PENDING) {
        l->global = SYNC_OWNED;
        l->speculative = speculative;
        l->revoke = l->grant_deferred = false;
        t->stats.notices += n;
        t->stats.speculative_grants += l->speculative;
        pthread_cond_broadcast(&l->changed);
        if (l->revoke_deferred && !l->waiters) {
            l->revoke_deferred = false;
            t->stats.revokes++;
            give_back(t, l);
        }                               /* else the acquirer it was granted for has it first (sync_mutex_lock) */
    } else {
        wire_log("sync: unexpected grant of lock %#llx ignored", (unsigned long long)id);
    }
    pthread_mutex_unlock(&t->lock);
}

void sync_on_revoke(struct sync_table *t, uint64_t id)
{
    pthread_mutex_lock(&t->lock);
    struct sync_lock *l = find(t, id, false);
    if (l && l->global == SYNC_PENDING && l->grant_deferred)
        l->revoke_deferred = true;
    if (l && l->global == SYNC_OWNED) {
        t->stats.revokes++;
        if (l->held)
            l->revoke = true;   /* the holder gives it back at its release */
        else
            give_back(t, l);
    }
    pthread_mutex_unlock(&t->lock);
}

bool sync_mutex_cached(struct sync_table *t, uint64_t id)
{
    pthread_mutex_lock(&t->lock);
    struct sync_lock *l = find(t, id, false);
    bool cached = l && l->global == SYNC_OWNED && l->speculative && !l->revoke;
    pthread_mutex_unlock(&t->lock);
    return cached;
}

/* Table lock held: hand back every lock cached here and free, or only those whose hand-back was held. */
static void give_back_cached(struct sync_table *t, bool only_pending)
{
    for (int b = 0; b < SYNC_BUCKETS; b++)
        for (struct sync_lock *l = t->buckets[b]; l; l = l->next)
            if ((l->give_back_pending || !only_pending) && l->global == SYNC_OWNED && !l->held)
                give_back_now(t, l);
}

void sync_give_back_pending(struct sync_table *t)
{
    lock_table(t);
    give_back_cached(t, true);
    pthread_mutex_unlock(&t->lock);
}

int sync_release_cached(struct sync_table *t)
{
    lock_table(t);
    give_back_cached(t, false);
    int rc = dsm_region_flush(t->region);
    pthread_mutex_unlock(&t->lock);
    return rc;
}

int sync_cond_send(struct sync_table *t, uint8_t type, uint64_t cond)
{
    return t->transport.send_lock(t->transport.ctx, type, cond);
}

void sync_on_cond_signal(struct sync_table *t, uint64_t cond)
{
    if (t->on_cond_signal)
        t->on_cond_signal(cond);
}
