/* pthread mutexes, condition variables and barriers of shared objects go global (see thread_takeover.h).
 *
 * An object is shared when it lies in the shared heap or the app's globals on an active run; everything else
 * (stack objects, libdmx's and libc's own locks, any object on a one-device run) goes to libc unchanged.
 *
 * Mutex: the global lock whose id is the mutex's address (sync_mutex.c): release flushes this device's
 *   diffs home, acquire applies the write notices (LRC); a lock cached by a speculative grant is taken with
 *   no message. The pthread_mutex_t bytes are never touched, so static initialisers just work.
 * Condition variable: no state in the object; the master's cond table (master_cond_dir.h) joins waiters and
 *   signallers. wait registers this device for the cond (COND_WAIT) while the mutex is still held, lets go of
 *   the mutex and sleeps until a wake-up of the cond's local bucket: a signal from this device, or the
 *   master's COND_SIGNAL when a thread elsewhere signals. A signaller that took the mutex after the waiter
 *   released it sends its COND_SIGNAL after the master saw that release, which the waiter's device sent after
 *   its COND_WAIT on the same ordered connection (or, if the lock was cached there, the revoke that fetched
 *   it), so the master already has the waiter: no lost wake-up. signal and broadcast wake local waiters at
 *   once and send one COND_SIGNAL, which costs the signaller no round trip. Every signal wakes all waiters of
 *   that cond (POSIX allows spurious wake-ups; callers re-check). A waiter also wakes (spuriously) when it
 *   moved to another device while it waited (a wake-up may have gone to the old one) and after
 *   COND_RECHECK_NS without one, so a wake-up lost with a device costs a second, not a hang.
 * Barrier: the pthread_barrier_t holds {count, arrived, generation} under the global lock of its address;
 *   the last arrival bumps the generation and signals, the others register as cond waiters do and re-read
 *   the generation at each wake-up (and each COND_RECHECK_NS). */
#include "dmx.h"
#include "libc_next.h"
#include "sync_mutex.h"
#include "thread_takeover.h"
#include "wire_conn.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <time.h>
#include <ucontext.h>

#define WAKE_BUCKETS   64
#define POLL_FIRST_NS    1000000ull
#define POLL_MAX_NS      32000000ull       /* the longest nap between safe points of a waiting thread */
#define COND_RECHECK_NS  1000000000ull

struct wake {                   /* local wake-ups for shared conds and barriers that hash here */
    pthread_mutex_t mu;         /* private: these go to libc */
    pthread_cond_t cv;
    uint64_t gen;
};
static struct wake wakes[WAKE_BUCKETS];     /* all zero = statically initialised (glibc) */

struct shared_barrier { uint32_t count, arrived; uint64_t gen; };

_Static_assert(sizeof(struct shared_barrier) <= sizeof(pthread_barrier_t), "barrier state must fit");

static uint64_t gid(const void *p) { return (uint64_t)(uintptr_t)p; }

extern char __dmx_text_end[] __attribute__((weak));
extern char etext[] __attribute__((weak));

/* Did the app's own code call us (ra: our return address)? Only those calls count the mutexes a thread
 * holds and are migration safe points (pthread_spawn.c); libdmx's own calls (cond wait's re-lock) are not. */
static bool app_call(const void *ra)
{
    return dmx_takeover.active && __dmx_text_end && etext && (const char *)ra >= __dmx_text_end &&
           (const char *)ra < etext;
}

static struct wake *wake_of(const void *p)
{
    return &wakes[((uintptr_t)p >> 3) * 0x9E3779B97F4A7C15ull >> 58];
}

static void wake_all(const void *p)
{
    struct wake *w = wake_of(p);
    pthread_mutex_lock(&w->mu);
    w->gen++;
    pthread_cond_broadcast(&w->cv);
    pthread_mutex_unlock(&w->mu);
}

static uint64_t wake_gen(const void *p)
{
    struct wake *w = wake_of(p);
    pthread_mutex_lock(&w->mu);
    uint64_t g = w->gen;
    pthread_mutex_unlock(&w->mu);
    return g;
}

static bool passed(const struct timespec *abstime)
{
    struct timespec now;
    clock_gettime(CLOCK_REALTIME, &now);
    return now.tv_sec > abstime->tv_sec || (now.tv_sec == abstime->tv_sec && now.tv_nsec >= abstime->tv_nsec);
}

/* Wait until a local wake-up of p's bucket after generation *g, or nap_ns, or abstime; updates *g. */
static void wait_local(const void *p, uint64_t *g, uint64_t nap_ns, const struct timespec *abstime)
{
    struct wake *w = wake_of(p);
    struct timespec until;
    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_nsec += (long)nap_ns;
    until.tv_sec += until.tv_nsec / 1000000000L;
    until.tv_nsec %= 1000000000L;
    if (abstime && (abstime->tv_sec < until.tv_sec || (abstime->tv_sec == until.tv_sec && abstime->tv_nsec < until.tv_nsec)))
        until = *abstime;
    pthread_mutex_lock(&w->mu);
    if (w->gen == *g)
        pthread_cond_timedwait(&w->cv, &w->mu, &until);
    *g = w->gen;
    pthread_mutex_unlock(&w->mu);
}

/* ---- mutexes ---- */

static int unlock_op(void *m)
{
    return sync_mutex_unlock(dmx_takeover.locks, gid(m)) == 0 ? 0 : EPERM;
}

static int trylock_op(void *m)
{
    int rc = sync_mutex_trylock(dmx_takeover.locks, gid(m));
    return rc == 1 ? EBUSY : rc == 0 ? 0 : EINVAL;
}

__attribute__((noinline)) int pthread_mutex_lock(pthread_mutex_t *m)
{
    REAL(pthread_mutex_lock);
    bool app = app_call(__builtin_return_address(0));
    if (app)
        dmx_safe_point();
    int rc = 0;
    if (!dmx_is_shared(m))
        rc = real_pthread_mutex_lock(m);
    else
        dmx_glock(gid(m));
    if (app && rc == 0)
        dmx_held_locks(1);
    return rc;
}

__attribute__((noinline)) int pthread_mutex_unlock(pthread_mutex_t *m)
{
    REAL(pthread_mutex_unlock);
    bool app = app_call(__builtin_return_address(0));
    int rc;
    if (!dmx_is_shared(m))
        rc = real_pthread_mutex_unlock(m);
    else                        /* resumed after a loss: 0, the lock went back with the lost device */
        rc = dmx_checkpointed_release(unlock_op, m, gid(m));
    if (app && rc == 0) {
        dmx_held_locks(-1);
        dmx_safe_point();
    }
    return rc;
}

__attribute__((noinline)) int pthread_mutex_trylock(pthread_mutex_t *m)
{
    REAL(pthread_mutex_trylock);
    bool app = app_call(__builtin_return_address(0));
    if (app)
        dmx_safe_point();
    int rc;
    if (!dmx_is_shared(m)) {
        rc = real_pthread_mutex_trylock(m);
    } else {
        rc = dmx_checkpointed_acquire(trylock_op, m, gid(m));
    }
    if (app && rc == 0)
        dmx_held_locks(1);
    return rc;
}

__attribute__((noinline)) int pthread_mutex_timedlock(pthread_mutex_t *m, const struct timespec *abstime)
{
    REAL(pthread_mutex_timedlock);
    bool app = app_call(__builtin_return_address(0));
    int rc = 0;
    if (!dmx_is_shared(m))
        rc = real_pthread_mutex_timedlock(m, abstime);
    else
        dmx_glock(gid(m));      /* no timeout on a global lock yet */
    if (app && rc == 0)
        dmx_held_locks(1);
    return rc;
}

int pthread_mutex_init(pthread_mutex_t *m, const pthread_mutexattr_t *attr)
{
    REAL(pthread_mutex_init);
    if (!dmx_is_shared(m))
        return real_pthread_mutex_init(m, attr);
    return 0;                   /* the global lock needs no state in the object */
}

int pthread_mutex_destroy(pthread_mutex_t *m)
{
    REAL(pthread_mutex_destroy);
    if (!dmx_is_shared(m))
        return real_pthread_mutex_destroy(m);
    return 0;
}

/* ---- condition variables ---- */

/* The master's COND_SIGNAL for cond id (receiver thread). */
void dmx_cond_woken(uint64_t id)
{
    wake_all((const void *)(uintptr_t)id);
}

static void cond_tell_master(uint8_t type, const void *c)
{
    if (sync_cond_send(dmx_takeover.locks, type, gid(c)) != 0) {
        wire_log("takeover: lost the link to the master while %s", type == WIRE_COND_WAIT ? "waiting" : "signalling");
        abort();
    }
}

/* Sleeps, in naps that end at a safe point for an app thread (APP), until a wake-up of p's bucket after *g, a
 * move of the thread to another device, or COND_RECHECK_NS (0), or abstime (ETIMEDOUT). */
static int sleep_for_wake(const void *p, uint64_t *g, const struct timespec *abstime, bool app)
{
    int here = dmx_device_index();
    uint64_t slept = 0;
    for (uint64_t nap = POLL_FIRST_NS;; nap = nap < POLL_MAX_NS ? nap * 2 : POLL_MAX_NS) {
        if (app)
            dmx_safe_point();
        uint64_t before = *g;
        if (dmx_device_index() != here)
            return 0;
        wait_local(p, g, nap, abstime);
        if (*g != before)
            return 0;
        if (abstime && passed(abstime))
            return ETIMEDOUT;
        if ((slept += nap) >= COND_RECHECK_NS)
            return 0;
    }
}

/* Wakes the waiters of p: this device's at once, the others' through the master. */
static void signal_waiters(const void *p)
{
    wake_all(p);
    cond_tell_master(WIRE_COND_SIGNAL, p);
}

void dmx_wake_arm(const volatile void *id, struct dmx_wake_ticket *t)
{
    uint64_t g = wake_gen((const void *)id);
    if (!t->registered || g != t->gen)
        cond_tell_master(WIRE_COND_WAIT, (const void *)id);
    t->gen = g;
    t->registered = true;
}

void dmx_wake_wait(const volatile void *id, const struct dmx_wake_ticket *t, uint64_t ns)
{
    uint64_t g = t->gen;        /* a copy: the ticket must still tell the next arm that a wake-up came */
    wait_local((const void *)id, &g, ns, NULL);
}

void dmx_wake_notify(const volatile void *id)
{
    signal_waiters((const void *)id);
}

static int shared_cond_wait(pthread_cond_t *c, pthread_mutex_t *m, const struct timespec *abstime, bool app)
{
    uint64_t g = wake_gen(c);
    cond_tell_master(WIRE_COND_WAIT, c);        /* before the mutex goes: see the top of the file */
    int rc = pthread_mutex_unlock(m);
    if (rc != 0)
        return rc;
    /* While it waits the thread holds m no more: if that was its only mutex, each nap ends at a safe point, so
     * a thread blocked on an empty queue can still follow a migration its monitor asked for. */
    if (app)
        dmx_held_locks(-1);
    /* A checkpoint point until the wait ends (checkpoint_cut.h): resumed there after a loss, the thread does
     * not wait again but takes m back, a spurious wake-up. */
    rc = 0;
    DMX_CHECKPOINTED_WAIT(rc = sleep_for_wake(c, &g, abstime, app));
    pthread_mutex_lock(m);
    if (app)
        dmx_held_locks(1);
    return rc;
}

__attribute__((noinline)) int pthread_cond_wait(pthread_cond_t *c, pthread_mutex_t *m)
{
    REAL(pthread_cond_wait);
    if (!dmx_is_shared(c) && !dmx_is_shared(m))
        return real_pthread_cond_wait(c, m);
    return shared_cond_wait(c, m, NULL, app_call(__builtin_return_address(0)));
}

__attribute__((noinline)) int pthread_cond_timedwait(pthread_cond_t *c, pthread_mutex_t *m, const struct timespec *abstime)
{
    REAL(pthread_cond_timedwait);
    if (!dmx_is_shared(c) && !dmx_is_shared(m))
        return real_pthread_cond_timedwait(c, m, abstime);
    if (abstime->tv_nsec < 0 || abstime->tv_nsec >= 1000000000L)
        return EINVAL;
    return shared_cond_wait(c, m, abstime, app_call(__builtin_return_address(0)));
}

int pthread_cond_signal(pthread_cond_t *c)
{
    REAL(pthread_cond_signal);
    if (!dmx_is_shared(c))
        return real_pthread_cond_signal(c);
    signal_waiters(c);
    return 0;
}

int pthread_cond_broadcast(pthread_cond_t *c)
{
    REAL(pthread_cond_broadcast);
    if (!dmx_is_shared(c))
        return real_pthread_cond_broadcast(c);
    signal_waiters(c);
    return 0;
}

int pthread_cond_init(pthread_cond_t *c, const pthread_condattr_t *attr)
{
    REAL(pthread_cond_init);
    if (!dmx_is_shared(c))
        return real_pthread_cond_init(c, attr);
    return 0;                   /* no state in the object: the master keeps its waiters */
}

int pthread_cond_destroy(pthread_cond_t *c)
{
    REAL(pthread_cond_destroy);
    if (!dmx_is_shared(c))
        return real_pthread_cond_destroy(c);
    return 0;
}

/* ---- barriers ---- */

int pthread_barrier_init(pthread_barrier_t *b, const pthread_barrierattr_t *attr, unsigned count)
{
    REAL(pthread_barrier_init);
    if (!dmx_is_shared(b))
        return real_pthread_barrier_init(b, attr, count);
    if (count == 0)
        return EINVAL;
    volatile struct shared_barrier *sb = (volatile struct shared_barrier *)b;
    dmx_glock(gid(b));
    sb->count = count;
    sb->arrived = 0;
    dmx_gunlock(gid(b));
    return 0;
}

int pthread_barrier_destroy(pthread_barrier_t *b)
{
    REAL(pthread_barrier_destroy);
    if (!dmx_is_shared(b))
        return real_pthread_barrier_destroy(b);
    return 0;
}

__attribute__((noinline)) int pthread_barrier_wait(pthread_barrier_t *b)
{
    REAL(pthread_barrier_wait);
    if (app_call(__builtin_return_address(0)))
        dmx_safe_point();
    if (!dmx_is_shared(b))
        return real_pthread_barrier_wait(b);
    volatile struct shared_barrier *sb = (volatile struct shared_barrier *)b;
    uint64_t g = wake_gen(b);
    dmx_glock(gid(b));
    if (++sb->arrived >= sb->count) {
        sb->arrived = 0;
        sb->gen++;
        dmx_gunlock(gid(b));
        signal_waiters(b);
        return PTHREAD_BARRIER_SERIAL_THREAD;
    }
    uint64_t gen0 = sb->gen;
    for (;;) {
        cond_tell_master(WIRE_COND_WAIT, b);    /* under the barrier's lock: the last arrival signals after */
        dmx_gunlock(gid(b));
        DMX_CHECKPOINTED_WAIT(sleep_for_wake(b, &g, NULL, false));     /* as in shared_cond_wait */
        dmx_glock(gid(b));
        if (sb->gen != gen0) {
            dmx_gunlock(gid(b));
            return 0;
        }
    }
}
