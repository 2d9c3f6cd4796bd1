/* App threads on a multi-device run: where they start (DMX_PLACE, dmx_thread_hint) and how they move
 * (thread migration, DynaMix 4.2.3; see thread_takeover.h and dsm_api.h).
 *
 * pthread_create of an app start routine (its address is in the app's text) picks a device: the calling
 * thread's dmx_thread_hint() if set, else, on the device that runs main(), DMX_PLACE for the n-th such
 * pthread_create of the process, else this device. It takes a stack for the thread from the shared heap
 * (DMX_STACK_SIZE) and a slot of the spawn table (control block, under DMX_LOCK_CONTROL): {device, fn, arg,
 * stack}, RUNNING when the thread starts here (a carrier is started at once), POSTED for another device. It
 * returns a handle that is not a libc pthread_t (SPAWN_TAG | slot). Every device runs a spawn server that
 * looks at the table for slots POSTED or MIGRATING to it whenever the poster wakes it (dmx_wake_notify), and
 * at least every 2 ms .. 50 ms (backoff; 4 ms with DMX_MIGRATE_RANDOM_MS) in case a wake-up was lost,
 * marks them RUNNING and starts a carrier for each (below): fn is valid because every device runs the same
 * -no-pie binary, and arg is valid if it points into the shared heap or globals. At the end the carrier
 * stores the result and marks the slot DONE (or FREE when detached); the release of the control lock
 * publishes everything the thread wrote. pthread_join waits for DONE, wherever the thread ended: the end wakes
 * it, and it looks again at each nap's end too.
 * DMX_SHARED_STACKS=0 restores the behaviour from before migration (local threads are plain libc threads,
 * remote ones run on their carrier's stack, nothing moves). */
#include "app_signals.h"
#include "dsm_api.h"
#include "libc_next.h"
#include "thread_takeover.h"
#include "wire_conn.h"

#include "dmx.h"
#include "dsm_diff.h"
#include "dsm_region.h"
#include "sync_thread.h"
#include "thread_start.h"
#include "thread_recovery.h"
#include "carrier_stacks.h"
#include "checkpoint_cut.h"
#include "sync_mutex.h"
#include "thread_tls.h"

#include <signal.h>
#include <stdio.h>
#include <sys/stat.h>
#include <ucontext.h>
#include <unistd.h>
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#define SPAWN_TAG      0xD3C0000000000000ull
#define SPAWN_TAG_MASK 0xFFFF000000000000ull
#define NAP_FIRST_NS   2000000ull
#define NAP_MAX_NS     50000000ull
#define NAP_MAX_MIGRATING_NS 4000000ull   /* with DMX_MIGRATE_RANDOM_MS: answer migrations quickly */

extern char __dmx_text_end[] __attribute__((weak));
extern char etext[] __attribute__((weak));

static __thread int hint;               /* device for this thread's next pthread_create, 0 = none: the app
                                         * thread's, it moves with it (thread_tls.h) */
DMX_HOST_THREAD_LOCAL(int, running_slot, -1)   /* the spawn slot this (server-started) thread runs */
static atomic_uint creations;           /* app pthread_creates on this device so far */

void dmx_thread_hint(int device)
{
    hint = device;
}

static bool is_handle(pthread_t t) { return ((uint64_t)t & SPAWN_TAG_MASK) == SPAWN_TAG; }

static uint32_t handle_slot(pthread_t t) { return (uint32_t)((uint64_t)t & 0xFFFF); }

/* Entry n (0-based) of DMX_PLACE: a comma list of device indices, or "rr" (round robin over devices). */
static uint32_t place_from_env(uint32_t n)
{
    const char *place = getenv("DMX_PLACE");
    if (!place || !*place)
        return 0;
    if (strcmp(place, "rr") == 0)
        return n % dmx_takeover.ndev + 1;
    for (uint32_t i = 0; *place; i++) {
        char *end;
        long d = strtol(place, &end, 10);
        if (end == place)
            return 0;
        if (i == n)
            return d > 0 ? (uint32_t)d : 0;
        place = *end == ',' ? end + 1 : end;
    }
    return 0;
}

static uint32_t choose_device(void *(*fn)(void *), bool *app, uint32_t latency_bound_us, uint32_t strategy)
{
    struct dmx_takeover *t = &dmx_takeover;
    const char *f = (const char *)(uintptr_t)fn;
    *app = false;
    if (!t->active || !__dmx_text_end || !etext || f < __dmx_text_end || f >= etext)
        return 0;               /* libdmx's own threads stay home */
    *app = true;
    uint32_t d = (uint32_t)hint;
    hint = 0;
    if (!d && strategy == DMX_PLACE_EAGER_REMOTE)
        d = placement_eager_device(latency_bound_us);
    if (!d && t->runs_main && strategy == DMX_PLACE_ANY)
        d = place_from_env(atomic_fetch_add(&creations, 1));
    if (d && !placement_move_allowed(latency_bound_us, strategy, t->self, d))
        d = 0;                  /* the thread's hints come first */
    return d && d <= t->ndev && d != t->self && dmx_device_usable(d) ? d : 0;
}

/* ---- migratable threads (DynaMix 4.2.3) ----
 *
 * On an active run every app thread is a *guest context* carried by a host thread (a "carrier"): the carrier is
 * a plain libc thread with a private stack, TLS and a private sigaltstack; the app's start routine runs on a
 * stack taken from the shared heap (same address on every device) through makecontext/swapcontext. (Not
 * pthread_attr_setstack: glibc would put the carrier's TCB and static TLS at the top of that stack, in shared
 * memory that would then follow the thread, and a carrier's TLS must stay on its own device.) On the device
 * that runs it, the stack's pages are pinned (dsm_region_pin): writable, twinned, skipped by flushes.
 *
 * Safe points are the app's calls into libdmx (dmx_safe_point) while it holds no mutex (a global lock is held
 * by a device, not a thread). Migrating out: the guest saves its context with swapcontext into a ucontext_t on
 * its own (shared) stack and switches to its carrier's home context; the carrier unpins the stack, flushes
 * every diff home (release semantics: heap, globals and the stack pages it wrote), posts {MIGRATING, dest, ctx}
 * in its spawn slot under DMX_LOCK_CONTROL and exits. The destination's spawn server starts a new carrier,
 * which acquires DMX_LOCK_CONTROL (the grant's write notices invalidate the stale pages), pins the stack and
 * fetches its live part [saved sp - 16 KiB, top) in batched requests, logs, and swapcontexts into the saved
 * context: the thread returns from its safe point on the new device, where migrate_out loads the thread-local
 * variables it saved on the stack into the new carrier's, at the same addresses (thread_tls.h). What moves:
 * registers (x19-x30, sp, pc, d8-d15, fpsr/fpcr, the signal mask: glibc's aarch64 ucontext), the stack
 * (through the DSM), the executable's thread-local variables, heap and globals (LRC). The start routine's end and pthread_exit switch back to the
 * carrier of the moment, which stores the result in the slot: pthread_join on the original handle works
 * wherever the thread ended. TLS addresses are never cached across the switch in libdmx (current()). */
static void finish_slot(void *ret, bool pushed);

#define MIG_EAGER_BELOW  (16u << 10)        /* pre-copied below the saved sp */
#define MIG_START_EAGER  (64u << 10)        /* made writable at a fresh start */
#define ALTSTACK_SIZE    (64u << 10)
#define DEFAULT_STACK    (2u << 20)
#define TLS_MOVES_MAX    (64u << 10)        /* thread-local bytes a migration carries on the thread's stack */
#define REFRESH_SHARE    5                  /* default refresh: a fifth of the region, DynaMix 4.2.1's "20% of total
                                               memory size" */

enum { GUEST_RUNNING = 0, GUEST_MIGRATE, GUEST_DONE };

struct carrier {
    int slot;
    uintptr_t stack_lo, stack_hi;
    void *(*fn)(void *);
    void *arg;
    ucontext_t home, start;
    int reason;                 /* GUEST_* : why the guest switched back */
    uint32_t dest;
    ucontext_t *saved;          /* GUEST_MIGRATE: the guest's context, on its stack */
    uint64_t t_request;
    void *ret;
    int held;                   /* app mutexes held */
    uint64_t next_random;       /* DMX_MIGRATE_RANDOM_MS: the next migration is due (emulated ns) */
    uint64_t rng;
    uint64_t t_detect, t_decide;    /* a policy's request being carried out */
    uint32_t migrations;        /* the slot's count when the thread arrived here */
    bool resumed;               /* it resumes from its checkpoint at a call after its device was lost */
    struct cut_member cut;      /* its part in this device's checkpoint cuts, when checkpoints_here */
};

/* The app threads this device runs now (for the device monitor), and the migrations asked of them. Private to
 * the device: the monitor that asks runs where the thread runs. */
struct local_slot {
    _Atomic(struct dmx_thread *) rec;
    _Atomic int tid;
    _Atomic uint64_t since_ns;
    _Atomic uint32_t migrations;
    _Atomic uint32_t want_dest;
    _Atomic uint64_t t_detect, t_decide;
};
static struct local_slot local_slots[DMX_SPAWN_SLOTS];

DMX_HOST_THREAD_LOCAL(struct carrier *, cur_carrier, NULL)
static bool checkpoints_here(const struct carrier *c);
static uint64_t random_ns;      /* DMX_MIGRATE_RANDOM_MS in ns, 0 = off */
static pthread_once_t env_once = PTHREAD_ONCE_INIT;
static size_t stack_size = DEFAULT_STACK;
static bool shared_stacks = true;   /* DMX_SHARED_STACKS=0: threads as before migration (never move) */
static bool release_checkpoints;    /* DMX_CHECKPOINT=release */
/* DMX_CHECKPOINT=publish: a cut only before the device's changes would leave it (a lock handed back, a grant's
 * notices that would flush them, a lock operation that asks the master, a thread started, ending or moving), or
 * once it has written refresh_pages since the last (checkpoint_publish.h). */
static bool publish_checkpoints;
/* DMX_CHECKPOINT=refresh: at a lock operation, a thread's checkpoint is refreshed once its device has written
 * this many pages since the last one (or since the thread arrived); 0 = off. refresh_kb: DMX_CHECKPOINT_REFRESH_KB
 * (0 = the default, a share of the region, known once the region is). */
static uint64_t refresh_pages;
static bool refresh_checkpoints;
static long refresh_kb;
static pthread_mutex_t log_lock = PTHREAD_MUTEX_INITIALIZER;

/* DMX_CHECKPOINT (thread_recovery.h). Unset: publish, so that a lost device's effects on shared memory count
 * once; the paper's workloads choose migration in their scenario files, where publish costs frame rate. */
static void read_checkpoint_mode(const char *v)
{
    if (!v || !*v)
        v = "publish";
    release_checkpoints = strcmp(v, "release") == 0;
    publish_checkpoints = strcmp(v, "publish") == 0;
    refresh_checkpoints = strcmp(v, "refresh") == 0;
    if (!release_checkpoints && !publish_checkpoints && !refresh_checkpoints && strcmp(v, "migration") != 0) {
        wire_log("DMX_CHECKPOINT=%s: expected migration, release, refresh or publish; using publish", v);
        publish_checkpoints = true;
    }
}

static void read_env(void)
{
    const char *v = getenv("DMX_MIGRATE_RANDOM_MS");
    if (v && *v && atol(v) > 0)
        random_ns = (uint64_t)atol(v) * 1000000ull;
    v = getenv("DMX_SHARED_STACKS");
    if (v && strcmp(v, "0") == 0)
        shared_stacks = false;
    read_checkpoint_mode(getenv("DMX_CHECKPOINT"));
    v = getenv("DMX_CHECKPOINT_REFRESH_KB");
    refresh_kb = v && *v && atol(v) > 0 ? atol(v) : 0;
    v = getenv("DMX_STACK_SIZE");
    if (v && *v && atol(v) >= (long)(64u << 10))
        stack_size = ((size_t)atol(v) + DSM_PAGE_SIZE - 1) / DSM_PAGE_SIZE * DSM_PAGE_SIZE;
    size_t tls = thread_tls_size();
    if ((release_checkpoints || refresh_checkpoints || publish_checkpoints) && tls > CKPT_AREA - sizeof(struct ckpt_area))
        wire_log("checkpoint: %zu bytes of thread-local variables do not fit beside a checkpoint (%zu): a thread "
                 "resumed after a loss gets its new carrier's", tls, CKPT_AREA - sizeof(struct ckpt_area));
}

/* The calling host thread's carrier: never inlined, so a function that spans a migration reads the TLS of the
 * thread it runs on now, not a thread pointer cached from before the switch. */
static __attribute__((noinline)) struct carrier *current(void)
{
    struct carrier *c;
    __asm__ volatile("" ::: "memory");
    c = cur_carrier;
    return c;
}

static __attribute__((noinline)) void set_current(struct carrier *c)
{
    cur_carrier = c;
}

void dmx_held_locks(int delta)
{
    struct carrier *c = current();
    if (c) {
        c->held += delta;
        if (c->held < 0)
            c->held = 0;
    }
}

/* Load the thread-local variables the thread left with (NULL: too many to carry) into this carrier's. Said once when
 * they could not keep their addresses: code that kept one from before the move reads another thread's. */
static void arrive_with_tls(const unsigned char *tls, size_t size, void *tp_before)
{
    static atomic_bool said_size, said_pointer;
    if (tls)
        thread_tls_load(tls);
    else if (!atomic_exchange(&said_size, true))
        wire_log("migrate: %zu bytes of thread-local variables are too many to carry on the thread's stack (at "
                 "most %u, and a quarter of the stack left): a moving thread finds its new carrier's", size,
                 TLS_MOVES_MAX);
    if (thread_tls_pointer() != tp_before && !atomic_exchange(&said_pointer, true))
        wire_log("migrate: a moved thread's thread pointer changed: thread-local variables whose address it kept "
                 "are another thread's now");
}

/* Can the thread-local variables go on the stack below sp, in the frame of migrate_out? */
static bool tls_fits_below(const struct carrier *c, size_t size, uintptr_t sp)
{
    uintptr_t floor = c->stack_lo + CKPT_AREA;
    return size > 0 && size <= TLS_MOVES_MAX && sp > floor && size <= (sp - floor) / 4;
}

/* In the guest: save the context on this (shared) stack and leave for dest. Returns on dest. */
static __attribute__((noinline)) void migrate_out(uint32_t dest)
{
    ucontext_t uc;
    memset(&uc, 0, sizeof(uc));         /* touch it: the kernel writes the signal mask into it */
    struct carrier *c = current();
    c->reason = GUEST_MIGRATE;
    c->dest = dest;
    c->saved = &uc;
    c->t_request = dmx_now_ns();
    size_t tls_size = thread_tls_size();
    unsigned char *tls = tls_fits_below(c, tls_size, (uintptr_t)&uc) ? __builtin_alloca(tls_size) : NULL;
    if (tls)
        thread_tls_save(tls);           /* in this frame: it goes wherever the stack goes */
    void *tp = thread_tls_pointer();
    int app_errno = errno;
    swapcontext(&uc, &c->home);
    __asm__ volatile("" ::: "memory");  /* here on the destination's carrier */
    arrive_with_tls(tls, tls_size, tp);
    thread_errno_set(app_errno);
}

static uint32_t random_other(struct carrier *c)
{
    c->rng ^= c->rng << 13;
    c->rng ^= c->rng >> 7;
    c->rng ^= c->rng << 17;
    uint32_t d = (uint32_t)(c->rng % (dmx_takeover.ndev - 1)) + 1;   /* 1 .. ndev-1 */
    return d >= dmx_takeover.self ? d + 1 : d;
}

static _Atomic uint32_t arrivals;      /* threads that migrated here so far */

uint32_t dmx_migrations_arrived(void)
{
    return atomic_load(&arrivals);
}

static void arrive_here(struct carrier *c, uint32_t migrations)
{
    struct local_slot *l = &local_slots[c->slot];
    if (checkpoints_here(c)) {
        c->cut = (struct cut_member){ .tid = (int)gettid(), .stack_lo = c->stack_lo, .stack_hi = c->stack_hi,
                                      .migrations = migrations, .held = &c->held };
        cut_join(&c->cut);
    }
    if (migrations)
        atomic_fetch_add(&arrivals, 1);
    atomic_store(&l->migrations, migrations);
    atomic_store(&l->tid, (int)gettid());
    atomic_store(&l->since_ns, dmx_now_ns());
    atomic_store(&l->rec, dmx_thread_self());
}

static void leave_here(struct carrier *c)
{
    if (checkpoints_here(c))
        cut_leave(&c->cut);
    atomic_store(&local_slots[c->slot].rec, NULL);
}

uint32_t dmx_local_threads(struct dmx_local_thread *out, uint32_t max)
{
    uint32_t n = 0;
    for (uint32_t i = 0; i < DMX_SPAWN_SLOTS && n < max; i++) {
        struct dmx_thread *rec = atomic_load(&local_slots[i].rec);
        if (rec)
            out[n++] = (struct dmx_local_thread){ i, atomic_load(&local_slots[i].tid), rec,
                                                  atomic_load(&local_slots[i].since_ns),
                                                  atomic_load(&local_slots[i].migrations) };
    }
    return n;
}

void dmx_request_migration(uint32_t slot, uint32_t dest, uint64_t t_detect, uint64_t t_decide)
{
    if (slot >= DMX_SPAWN_SLOTS || dest < 1 || dest > dmx_takeover.ndev || dest == dmx_takeover.self)
        return;
    struct local_slot *l = &local_slots[slot];
    atomic_store(&l->t_detect, t_detect);
    atomic_store(&l->t_decide, t_decide);
    atomic_store(&l->want_dest, dest);
}

bool dmx_move_allowed(uint32_t slot, uint32_t dest)
{
    if (slot >= DMX_SPAWN_SLOTS || !dmx_takeover.ctl)
        return false;
    volatile struct spawn_slot *s = &dmx_takeover.ctl->slot[slot];
    return dmx_device_usable(dest) && placement_move_allowed(s->latency_bound_us, s->strategy, s->from, dest);
}

uint32_t dmx_barred_dests(uint32_t slot)
{
    uint32_t barred = 0;
    for (uint32_t d = 1; d <= dmx_takeover.ndev && d < 32; d++)
        if (!dmx_move_allowed(slot, d))
            barred |= 1u << d;
    return barred;
}

/* A migration the monitor asked of this thread: carry it out now (unless its hints forbid that device). */
static bool requested_migration(struct carrier *c)
{
    struct local_slot *l = &local_slots[c->slot];
    uint32_t dest = atomic_exchange(&l->want_dest, 0);
    if (!dest || !dmx_move_allowed((uint32_t)c->slot, dest))
        return false;
    c->t_detect = atomic_load(&l->t_detect);
    c->t_decide = atomic_load(&l->t_decide);
    migrate_out(dest);
    return true;
}

void dmx_safe_point(void)
{
    struct carrier *c = current();
    if (!c || c->held || !dmx_takeover.active)     /* inactive: in a forked child, which is no app thread */
        return;
    if (atomic_load_explicit(&local_slots[c->slot].want_dest, memory_order_relaxed) && requested_migration(c))
        return;
    if (!random_ns)
        return;
    uint64_t now = dmx_now_ns();
    if (now < c->next_random)
        return;
    c->t_detect = c->t_decide = 0;
    uint32_t dest = random_other(c);
    if (dmx_move_allowed((uint32_t)c->slot, dest))
        migrate_out(dest);
    else
        c->next_random = now + random_ns;
}

static pthread_once_t refresh_once = PTHREAD_ONCE_INIT;

static void set_refresh_pages(void)
{
    refresh_pages = refresh_kb ? ((uint64_t)refresh_kb * 1024 + DSM_PAGE_SIZE - 1) / DSM_PAGE_SIZE
                               : dmx_dsm_region()->npages / REFRESH_SHARE;
}

/* ---- checkpoints (DMX_CHECKPOINT=release, publish or refresh; thread_recovery.h) ----
 *
 * Every operation of an app thread off the master on an app lock (thread_takeover.c: not libdmx's own locks) is a
 * checkpoint point, and so is its end: the thread saves its context in its ckpt area, and a cut of all the
 * device's app threads (checkpoint_cut.h) pushes them home with the device's changes when one is due. Nothing
 * shared written since the last cut (a lock taken and given back to read, pthread_join's polls): every thread's
 * checkpoint as home has it is still a cut with home's memory (a thread's stack is its own), so none is taken.
 * Refreshed checkpoints wait until the device has written refresh_pages; published ones (cut_due) until the
 * device's changes would leave it, or refresh_pages. */

static uint64_t last_cut_changes;      /* dsm_region_changes() after the last cut; under the cut lock */
static bool cut_taken;                 /* a cut was taken on this device */

static bool checkpoints_here(const struct carrier *c)
{
    return (release_checkpoints || refresh_checkpoints || publish_checkpoints) && c && c->stack_lo &&
           !dmx_takeover.runs_main;
}

/* Push a cut, and note where the device's count of changes stood as it ended (under the region's lock, before a
 * write fault waiting for it, or a stopped thread, could add to it): a later write counts towards the next cut. */
static int push_cut(void *unused, const struct dsm_range *stacks, unsigned n)
{
    (void)unused;
    return dsm_region_checkpoint(dmx_dsm_region(), stacks, n, &last_cut_changes);
}

/* With the cut lock held: is a cut due at an acquire or a release of lock (0: an operation that makes the
 * device's changes visible elsewhere whatever it is: a thread's end, pthread_create, join, detach)? */
static bool cut_due(uint64_t lock, bool acquire)
{
    uint64_t written = dsm_region_changes(dmx_dsm_region()) - last_cut_changes;
    if (refresh_checkpoints || publish_checkpoints)
        pthread_once(&refresh_once, set_refresh_pages);
    if (refresh_checkpoints)
        return written >= refresh_pages;
    /* An acquire shows nothing to anyone (a grant that would flush waits for a cut: checkpoint_publish.h), nor
     * does a release that keeps the lock cached here. */
    if (publish_checkpoints)
        return written > 0 &&
               (!lock || written >= refresh_pages || (!acquire && !sync_mutex_cached(dmx_takeover.locks, lock)));
    return !cut_taken || written > 0;
}

/* Take a cut (self: the taker, or NULL) with push(ctx, ...), with the cut lock held. */
static int take_cut(const struct cut_member *self, int (*push)(void *, const struct dsm_range *, unsigned),
                    void *ctx)
{
    int rc = cut_take(self, push, ctx);
    cut_taken = true;
    dmx_dsm_region()->stats.checkpoints++;
    return rc;
}

static void cut_if_due(struct carrier *c, uint64_t lock, bool acquire)
{
    cut_lock();
    if (!cut_due(lock, acquire))
        dmx_dsm_region()->stats.checkpoints_skipped++;
    else if (take_cut(&c->cut, push_cut, NULL) != 0) {
        wire_log("checkpoint: lost the link to the master");
        abort();
    }
    cut_unlock();
}

/* The context just saved in c's ckpt area is its checkpoint from now until it leaves the operation. */
static void stamp_checkpoint(struct carrier *c)
{
    ckpt_area_seal((struct ckpt_area *)c->stack_lo, CKPT_AT_CALL, c->migrations);
    cut_quiesce(&c->cut);
}

/* op(arg) on lock as a checkpoint point of app thread c. The frame stays until op has returned, so a cut taken
 * meanwhile by a sibling can push the stack as the saved context needs it. When the thread has just resumed here
 * on the master, it runs op_resumed (NULL: nothing, 0) instead. */
static __attribute__((noinline)) int checkpointed(struct carrier *c, int (*op)(void *), int (*op_resumed)(void *),
                                                  void *arg, uint64_t lock)
{
    ((struct ckpt_area *)c->stack_lo)->magic = 0;
    getcontext(&((struct ckpt_area *)c->stack_lo)->uc);
    __asm__ volatile("" ::: "memory");
    struct carrier *now = current();    /* after a resume: the master's carrier, not the one in c */
    if (now->resumed) {
        now->resumed = false;
        return op_resumed ? op_resumed(arg) : 0;
    }
    stamp_checkpoint(now);
    cut_if_due(now, lock, op_resumed != NULL);
    int rc = op(arg);
    cut_unquiesce(&now->cut);
    return rc;
}

int dmx_checkpointed_acquire(int (*op)(void *), void *arg, uint64_t lock)
{
    int app_errno = errno;
    struct carrier *c = current();
    int rc = checkpoints_here(c) ? checkpointed(c, op, op, arg, lock) : op(arg);
    thread_errno_set(app_errno);
    return rc;
}

int dmx_checkpointed_release(int (*op)(void *), void *arg, uint64_t lock)
{
    int app_errno = errno;
    struct carrier *c = current();
    int rc = checkpoints_here(c) ? checkpointed(c, op, NULL, arg, lock) : op(arg);
    thread_errno_set(app_errno);
    return rc;
}

/* The cut checkpoint_publish.c's thread takes for the device, between two app operations: inside(arg) runs after
 * the push, while the stopped threads are still stopped. */
struct cut_inside { void (*fn)(void *); void *arg; };

static int push_cut_then(void *ctx, const struct dsm_range *stacks, unsigned n)
{
    const struct cut_inside *in = ctx;
    int rc = push_cut(NULL, stacks, n);
    if (rc == 0 && in->fn)
        in->fn(in->arg);
    return rc;
}

int dmx_checkpoint_cut_all(void (*inside)(void *), void *arg)
{
    struct cut_inside in = { inside, arg };
    cut_lock();
    int rc = take_cut(NULL, push_cut_then, &in);
    cut_unlock();
    return rc;
}

uint64_t dmx_checkpoint_changes_since(void)
{
    return dsm_region_changes(dmx_dsm_region()) - __atomic_load_n(&last_cut_changes, __ATOMIC_RELAXED);
}

ucontext_t *dmx_wait_checkpoint_area(void)
{
    struct carrier *c = current();
    if (!checkpoints_here(c))
        return NULL;
    ((struct ckpt_area *)c->stack_lo)->magic = 0;
    return &((struct ckpt_area *)c->stack_lo)->uc;
}

bool dmx_wait_checkpoint_armed(void)
{
    struct carrier *now = current();
    if (now->resumed) {
        now->resumed = false;
        return true;
    }
    stamp_checkpoint(now);
    return false;
}

void dmx_wait_checkpoint_end(void)
{
    struct carrier *c = current();
    if (checkpoints_here(c))
        cut_unquiesce(&c->cut);
}

/* A thread moving away pushes every change here. With checkpoints that is a cut, taken while the thread is still
 * one of the device's (its pinned stack goes home in it), and its checkpoint is the context it leaves with: should
 * the device be lost before the move is posted, it resumes as if it had moved to the master. */
static int push_departure(void *unused, const struct dsm_range *stacks, unsigned n)
{
    int rc = push_cut(unused, stacks, n);
    return rc != 0 || dsm_region_flush(dmx_dsm_region()) != 0 ? -1 : 0;
}

static int depart_with_cut(struct carrier *c)
{
    struct ckpt_area *a = (struct ckpt_area *)c->stack_lo;
    a->magic = 0;
    memcpy(&a->uc, c->saved, sizeof(a->uc));
    ckpt_area_seal(a, CKPT_DEPARTED, c->migrations);
    cut_lock();
    int rc = take_cut(&c->cut, push_departure, NULL);
    cut_unlock();
    return rc;
}

bool dmx_in_app_thread(void)
{
    return current() != NULL;
}

bool dmx_checkpoints_on(void)
{
    pthread_once(&env_once, read_env);
    return release_checkpoints || refresh_checkpoints || publish_checkpoints;
}

bool dmx_exact_checkpoints(void)
{
    pthread_once(&env_once, read_env);
    return release_checkpoints || publish_checkpoints;
}

bool dmx_publish_checkpoints(void)
{
    pthread_once(&env_once, read_env);
    return publish_checkpoints;
}

bool dmx_shared_stacks(void)
{
    pthread_once(&env_once, read_env);
    return shared_stacks;
}

uint64_t dmx_release_checkpoint(uint64_t stack_lo, uint32_t migrations)
{
    const volatile struct ckpt_area *a = (const volatile struct ckpt_area *)(uintptr_t)stack_lo;
    if (!stack_lo || a->magic != CKPT_MAGIC || a->migrations != migrations)
        return 0;
    return (uint64_t)(uintptr_t)&a->uc;
}

int dmx_migrate_self_decided(uint32_t device, uint64_t t_detect, uint64_t t_decide)
{
    struct carrier *c = current();
    if (!c || device < 1 || device > dmx_takeover.ndev) {
        errno = EINVAL;
        return -1;
    }
    if (c->held) {
        errno = EBUSY;
        return -1;
    }
    if (device != dmx_takeover.self && !dmx_move_allowed((uint32_t)c->slot, device)) {
        errno = EPERM;
        return -1;
    }
    c->t_detect = t_detect;
    c->t_decide = t_decide;
    if (device != dmx_takeover.self)
        migrate_out(device);
    return 0;
}

int dmx_migrate_self(int device)
{
    return dmx_migrate_self_decided(device < 0 ? 0 : (uint32_t)device, 0, 0);
}

bool dmx_current_thread(struct dmx_local_thread *out)
{
    struct carrier *c = current();
    if (!c || c->held)
        return false;
    struct local_slot *l = &local_slots[c->slot];
    *out = (struct dmx_local_thread){ c->slot, atomic_load(&l->tid), atomic_load(&l->rec), atomic_load(&l->since_ns),
                                      atomic_load(&l->migrations) };
    return true;
}

static _Atomic uint64_t downtime_sum_ns, downtime_count;

uint64_t dmx_migration_mean_downtime_ns(void)
{
    uint64_t n = atomic_load(&downtime_count);
    return n ? atomic_load(&downtime_sum_ns) / n : 0;
}

static int nothing(void *unused)
{
    (void)unused;
    return 0;
}

/* The guest's end: hand the result to the carrier it runs on now. With checkpoints, its last writes go home with
 * a checkpoint taken here, so that after a loss it resumes here, ending, rather than at its last lock. */
static __attribute__((noreturn, noinline)) void guest_finish(void *ret)
{
    if (dmx_takeover.forked_child)
        exit(0);            /* a forked child's only thread ended: so does the child, as a process would */
    dmx_checkpointed_release(nothing, NULL, 0);
    struct carrier *c = current();
    c->ret = ret;
    c->reason = GUEST_DONE;
    setcontext(&c->home);
    abort();
}

static void guest_entry(void)
{
    struct carrier *c = current();
    guest_finish(c->fn(c->arg));
}

static void log_migration(uint32_t slot, uint32_t from, uint32_t to, uint64_t t_request, uint64_t t_done,
                          uint64_t diff_bytes, uint64_t page_bytes, uint32_t n, uint64_t t_detect, uint64_t t_decide)
{
    atomic_fetch_add(&downtime_sum_ns, t_done - t_request);
    atomic_fetch_add(&downtime_count, 1);
    fprintf(stderr, "dmx: migrated thread %u (#%u) from device %u to %u: downtime %.3f ms, %llu diff bytes, "
                    "%llu stack bytes fetched\n", slot, n, from, to, (t_done - t_request) / 1e6,
            (unsigned long long)diff_bytes, (unsigned long long)page_bytes);
    const char *run_dir = getenv("DMX_RUN_DIR");
    if (!run_dir || !*run_dir)
        return;
    char path[4096];
    snprintf(path, sizeof(path), "%s/devices", run_dir);
    mkdir(path, 0755);
    snprintf(path, sizeof(path), "%s/devices/%s", run_dir, dmx_device_name());
    mkdir(path, 0755);
    snprintf(path, sizeof(path), "%s/devices/%s/migrations.csv", run_dir, dmx_device_name());
    pthread_mutex_lock(&log_lock);
    struct stat st;
    bool fresh = stat(path, &st) != 0 || st.st_size == 0;
    FILE *f = fopen(path, "a");
    if (f) {
        if (fresh)
            fprintf(f, "thread,from,to,t_request_ns,t_done_ns,downtime_ns,diff_bytes,page_bytes,bytes_moved,"
                       "t_detect_ns,t_decide_ns\n");
        fprintf(f, "%u,%u,%u,%llu,%llu,%llu,%llu,%llu,%llu,%llu,%llu\n", slot, from, to, (unsigned long long)t_request,
                (unsigned long long)t_done, (unsigned long long)(t_done - t_request), (unsigned long long)diff_bytes,
                (unsigned long long)page_bytes, (unsigned long long)(diff_bytes + page_bytes),
                (unsigned long long)t_detect, (unsigned long long)t_decide);
        fclose(f);
    }
    pthread_mutex_unlock(&log_lock);
}

/* Run the guest from a context a checkpoint cut captured (its stack is pinned): returns when it switches back to
 * its carrier, as swapcontext would. */
static __attribute__((noinline)) void resume_captured(struct carrier *c, const ucontext_t *captured)
{
    volatile bool back = false;
    getcontext(&c->home);
    if (!back) {
        back = true;
        cut_resume_captured(captured);
    }
}

/* With the control lock held, as a thread is posted to dest: dest, or the master (device 1, where recovery puts a
 * lost device's threads) when dest was lost since it was chosen. The recovery that took the control lock before
 * this post saw nothing of the thread there, and none will come after it: posted to dest, it would wait forever
 * (it did, once in six runs, under random migrations with a device killed). */
static uint32_t destination_still_there(uint32_t slot, uint32_t dest)
{
    if (dmx_device_usable(dest))
        return dest;
    wire_log("spawn: device %u was lost before thread %u got there: it goes to device 1", dest, slot);
    return 1;
}

/* A carrier: starts the guest of its slot (fresh) or resumes it (MIGRATING was posted for this device). */
static void *carrier_main(void *arg)
{
    volatile struct dmx_control *ctl = dmx_takeover.ctl;
    struct dsm_region *r = dmx_dsm_region();
    struct carrier *c = calloc(1, sizeof(*c));
    stack_t alt = { .ss_sp = malloc(ALTSTACK_SIZE), .ss_size = ALTSTACK_SIZE, .ss_flags = 0 };
    if (!c || !alt.ss_sp || sigaltstack(&alt, NULL) != 0) {
        wire_log("migrate: cannot set up a carrier");
        abort();
    }
    c->slot = (int)(uintptr_t)arg;
    uint64_t pages0 = r->stats.page_bytes_received + r->stats.diff_bytes_received;
    dmx_glock(DMX_LOCK_CONTROL);         /* acquire: what the poster (or the last device) wrote is visible */
    volatile struct spawn_slot *s = &ctl->slot[c->slot];
    c->fn = (void *(*)(void *))(uintptr_t)s->fn;
    c->arg = (void *)(uintptr_t)s->arg;
    c->stack_lo = (uintptr_t)s->stack_lo;
    c->stack_hi = (uintptr_t)s->stack_hi;
    ucontext_t *saved = (ucontext_t *)(uintptr_t)s->ctx;
    uint64_t t_request = s->t_request, diff_bytes = s->diff_bytes, t_detect = s->t_detect, t_decide = s->t_decide;
    uint32_t src = s->src, n = s->migrations, recovering = s->recovering;
    s->ckpt_ctx = s->ctx;               /* this device's checkpoint of the thread (thread_recovery.h) */
    s->ctx = 0;
    s->recovering = 0;
    app_signals_sync(ctl);
    dmx_gunlock(DMX_LOCK_CONTROL);
    if (!c->stack_lo) {                 /* no shared stack: run it right here, it never moves */
        running_slot = c->slot;
        void *ret = c->fn(c->arg);
        if (running_slot >= 0)
            finish_slot(ret, false);
        goto out;
    }
    c->rng = dmx_now_ns() ^ ((uint64_t)c->slot << 32) ^ dmx_takeover.self ^ 0x9E3779B97F4A7C15ull;
    c->migrations = n;
    if (saved) {
        uintptr_t at = (uintptr_t)saved->uc_mcontext.sp;   /* its stack is live from there up (the thread-local
                                                            * variables migrate_out saved are above it) */
        bool captured = false;
        const struct ckpt_area *checkpoint = NULL;
        if ((uintptr_t)saved >= c->stack_lo && (uintptr_t)saved < c->stack_lo + CKPT_AREA) {
            checkpoint = (const struct ckpt_area *)c->stack_lo;
            captured = checkpoint->kind == CKPT_CAPTURED;
            c->resumed = checkpoint->kind == CKPT_AT_CALL;
        }
        uintptr_t eager = (at & ~(uintptr_t)(DSM_PAGE_SIZE - 1)) - MIG_EAGER_BELOW;
        if (dsm_region_pin(r, c->stack_lo, c->stack_hi, eager) != 0)
            abort();
        uint64_t t_done = dmx_now_ns();
        uint64_t fetched = r->stats.page_bytes_received + r->stats.diff_bytes_received - pages0;
        if (recovering)
            dmx_recovery_log((uint32_t)c->slot, src, RECOVER_RESUME, t_request, t_done, fetched);
        if (recovering && captured)
            wire_log("recovery: thread %u resumes in its own code, where a checkpoint of device %u's threads "
                     "stopped it", c->slot, src);
        else
            log_migration((uint32_t)c->slot, src, dmx_takeover.self, t_request, t_done, diff_bytes, fetched, n,
                          t_detect, t_decide);
        c->next_random = t_done + random_ns;
        if (checkpoint)
            ckpt_area_load_tls(checkpoint);
        set_current(c);
        arrive_here(c, n);
        if (checkpoint)
            thread_errno_set(checkpoint->app_errno);    /* last: arriving may set errno */
        if (captured)
            resume_captured(c, saved);
        else
            swapcontext(&c->home, saved);
    } else {
        if (dsm_region_pin(r, c->stack_lo, c->stack_hi, c->stack_hi - MIG_START_EAGER) != 0)
            abort();
        if (recovering)
            dmx_recovery_log((uint32_t)c->slot, src, RECOVER_RESTART, t_request, dmx_now_ns(),
                             r->stats.page_bytes_received + r->stats.diff_bytes_received - pages0);
        c->next_random = dmx_now_ns() + random_ns;
        getcontext(&c->start);
        c->start.uc_stack.ss_sp = (void *)(c->stack_lo + CKPT_AREA);
        c->start.uc_stack.ss_size = c->stack_hi - c->stack_lo - CKPT_AREA;
        ((struct ckpt_area *)c->stack_lo)->magic = 0;   /* a block reused as a stack keeps no old checkpoint */
        c->start.uc_link = NULL;
        makecontext(&c->start, guest_entry, 0);
        set_current(c);
        arrive_here(c, 0);
        swapcontext(&c->home, &c->start);
    }
    uint64_t pushed0 = r->stats.diff_bytes_pushed;
    bool cut_out = c->reason == GUEST_MIGRATE && checkpoints_here(c);
    int departed = cut_out ? depart_with_cut(c) : 0;
    leave_here(c);
    set_current(NULL);                  /* back on the carrier's own stack */
    dsm_region_unpin(r, c->stack_lo, c->stack_hi);
    if (c->reason == GUEST_MIGRATE) {
        /* release: everything the thread wrote, its stack included */
        if ((cut_out ? departed : dsm_region_flush(r)) != 0) {
            wire_log("migrate: lost the link to the master");
            abort();
        }
        uint64_t pushed = r->stats.diff_bytes_pushed - pushed0;
        dmx_glock(DMX_LOCK_CONTROL);
        c->dest = destination_still_there((uint32_t)c->slot, c->dest);
        s->ctx = (uint64_t)(uintptr_t)c->saved;
        s->t_request = c->t_request;
        s->diff_bytes = pushed;
        s->t_detect = c->t_detect;
        s->t_decide = c->t_decide;
        s->src = dmx_takeover.self;
        s->migrations++;
        s->device = c->dest;
        s->state = SPAWN_MIGRATING;
        dmx_gunlock(DMX_LOCK_CONTROL);
        dmx_wake_notify(&ctl->server_wake[c->dest]);
    } else {
        running_slot = c->slot;
        finish_slot(c->ret, checkpoints_here(c));
    }
out:
    alt.ss_flags = SS_DISABLE;
    sigaltstack(&alt, NULL);
    free(alt.ss_sp);
    free(c);
    return NULL;
}

/* A slot marked RUNNING whose carrier cannot start would never run nor end, and its joiner would wait forever. */
static void start_carrier(uint32_t slot)
{
    if (carrier_start(slot, carrier_main, (void *)(uintptr_t)slot, shared_stacks) != 0) {
        wire_log("spawn: cannot start the thread of slot %u", slot);
        abort();
    }
}

/* The argument of a thread lives on the creator's own stack, when that stack is not shared (main()'s, or any
 * thread's outside the region): a thread that runs or moves elsewhere would read another device's memory
 * there. Said once, since the app may be fine (the thread never leaves, or it copies the argument at once). */
static void warn_private_stack_arg(const void *arg)
{
    static atomic_bool warned;
    char here;
    uintptr_t a = (uintptr_t)arg, sp = (uintptr_t)&here;
    if (!arg || dmx_is_shared(arg) || current() || a < sp || a - sp > (8u << 20) || atomic_exchange(&warned, true))
        return;
    wire_log("pthread_create: the argument %p is on the creating thread's private stack (main's?); threads on "
             "other devices do not see it: put it in a global or on the heap", arg);
}

int pthread_create(pthread_t *thread, const pthread_attr_t *attr, void *(*fn)(void *), void *arg)
{
    REAL(pthread_create);
    pthread_once(&env_once, read_env);
    bool app = false;
    uint32_t latency_bound_us, strategy, on_failure;
    placement_hints_take(&latency_bound_us, &strategy, &on_failure);
    uint32_t dev = choose_device(fn, &app, latency_bound_us, strategy);
    if (!app)
        return real_pthread_create(thread, attr, fn, arg);
    if (!shared_stacks && !dev)
        return real_pthread_create(thread, attr, fn, arg);
    if (!dev)
        dev = dmx_takeover.self;
    warn_private_stack_arg(arg);
    void *stack = shared_stacks ? dmx_heap_alloc_shared(stack_size, DSM_PAGE_SIZE) : NULL;
    if (shared_stacks && !stack)
        return EAGAIN;
    volatile struct dmx_control *c = dmx_takeover.ctl;
    int detached = 0;
    if (attr)
        pthread_attr_getdetachstate(attr, &detached);
    dmx_glock_checkpointed(DMX_LOCK_CONTROL);
    uint32_t i = 0;
    while (i < DMX_SPAWN_SLOTS && c->slot[i].state != SPAWN_FREE)
        i++;
    if (i < DMX_SPAWN_SLOTS) {
        dev = destination_still_there(i, dev);
        c->slot[i].device = dev;
        c->slot[i].fn = (uint64_t)(uintptr_t)fn;
        c->slot[i].arg = (uint64_t)(uintptr_t)arg;
        c->slot[i].ret = 0;
        c->slot[i].detached = detached == PTHREAD_CREATE_DETACHED;
        c->slot[i].from = dmx_takeover.self;
        c->slot[i].stack_lo = (uint64_t)(uintptr_t)stack;
        c->slot[i].stack_hi = stack ? (uint64_t)(uintptr_t)stack + stack_size : 0;
        c->slot[i].ctx = 0;
        c->slot[i].t_request = c->slot[i].diff_bytes = 0;
        c->slot[i].t_detect = c->slot[i].t_decide = 0;
        c->slot[i].src = dmx_takeover.self;
        c->slot[i].migrations = 0;
        c->slot[i].latency_bound_us = latency_bound_us;
        c->slot[i].strategy = strategy;
        c->slot[i].ckpt_ctx = 0;
        c->slot[i].recovering = 0;
        c->slot[i].on_failure = on_failure;
        c->slot[i].state = dev == dmx_takeover.self ? SPAWN_RUNNING : SPAWN_POSTED;
    }
    app_signals_sync(c);                /* the actions set here go with the thread */
    dmx_gunlock_checkpointed(DMX_LOCK_CONTROL);
    if (i == DMX_SPAWN_SLOTS) {
        dmx_heap_free_shared(stack);
        return EAGAIN;
    }
    if (dev == dmx_takeover.self)
        start_carrier(i);
    else
        dmx_wake_notify(&c->server_wake[dev]);
    *thread = (pthread_t)(SPAWN_TAG | i);
    return 0;
}

int pthread_join(pthread_t th, void **ret)
{
    REAL(pthread_join);
    if (!is_handle(th) || !dmx_takeover.active)
        return real_pthread_join(th, ret);
    uint32_t i = handle_slot(th);
    if (i >= DMX_SPAWN_SLOTS)
        return ESRCH;
    volatile struct dmx_control *c = dmx_takeover.ctl;
    struct dmx_wake_ticket wake = { 0 };
    for (uint64_t nap = NAP_FIRST_NS / 2;; nap = nap < NAP_MAX_NS ? nap * 2 : NAP_MAX_NS) {
        dmx_glock_checkpointed(DMX_LOCK_CONTROL);
        uint32_t state = c->slot[i].state;
        if (state != SPAWN_DONE && state != SPAWN_FREE)
            dmx_wake_arm(&c->slot[i], &wake);           /* the thread's end (finish_slot) wakes us */
        void *stack = NULL;
        if (state == SPAWN_DONE) {
            if (ret)
                *ret = (void *)(uintptr_t)c->slot[i].ret;
            stack = (void *)(uintptr_t)c->slot[i].stack_lo;
            c->slot[i].state = SPAWN_FREE;
        }
        dmx_gunlock_checkpointed(DMX_LOCK_CONTROL);
        if (state == SPAWN_DONE) {
            dmx_heap_free_shared(stack);    /* ours if this device made it, else leaked (heap_dsm.c) */
            return 0;
        }
        if (state == SPAWN_FREE)
            return ESRCH;
        DMX_CHECKPOINTED_WAIT(dmx_wake_wait(&c->slot[i], &wake, nap));
    }
}

int pthread_detach(pthread_t th)
{
    REAL(pthread_detach);
    if (!is_handle(th) || !dmx_takeover.active)
        return real_pthread_detach(th);
    uint32_t i = handle_slot(th);
    if (i >= DMX_SPAWN_SLOTS)
        return ESRCH;
    volatile struct dmx_control *c = dmx_takeover.ctl;
    dmx_glock_checkpointed(DMX_LOCK_CONTROL);
    if (c->slot[i].state == SPAWN_DONE)
        c->slot[i].state = SPAWN_FREE;
    else
        c->slot[i].detached = 1;
    dmx_gunlock_checkpointed(DMX_LOCK_CONTROL);
    return 0;
}

/* The end of a thread the server started: hand its result back through the table. pushed: a checkpoint cut at its
 * end (guest_finish) already sent what it wrote home. */
static void finish_slot(void *ret, bool pushed)
{
    volatile struct dmx_control *c = dmx_takeover.ctl;
    int i = running_slot;
    running_slot = -1;
    if (dmx_takeover.forked_child)
        exit(0);
    /* Off the master, what the thread wrote goes home before its end can be seen: were this device lost
     * later, a joiner must not find the thread done and its results gone with the device. With checkpoints
     * the cut at its end did that (guest_finish), and a flush would publish its siblings' writes outside one. */
    if (!dmx_takeover.runs_main && !pushed && dsm_region_flush(dmx_dsm_region()) != 0)
        wire_log("spawn: could not push thread %d's results home", i);
    dmx_glock(DMX_LOCK_CONTROL);
    c->slot[i].ret = (uint64_t)(uintptr_t)ret;
    bool joinable = !c->slot[i].detached;
    c->slot[i].state = joinable ? SPAWN_DONE : SPAWN_FREE;
    dmx_gunlock(DMX_LOCK_CONTROL);
    if (joinable)
        dmx_wake_notify(&c->slot[i]);
}

void pthread_exit(void *ret)
{
    REAL(pthread_exit);
    if (current())
        guest_finish(ret);      /* no cleanup handlers or TSD destructors for a guest */
    if (running_slot >= 0)
        finish_slot(ret, false);
    real_pthread_exit(ret);
    __builtin_unreachable();
}

static atomic_bool server_stopped;

static void *server_main(void *unused)
{
    (void)unused;
    volatile struct dmx_control *c = dmx_takeover.ctl;
    uint32_t self = dmx_takeover.self;
    struct dmx_wake_ticket wake = { 0 };
    for (uint64_t nap = NAP_FIRST_NS;;) {
        uint32_t start[DMX_SPAWN_SLOTS], n = 0;
        dmx_glock(DMX_LOCK_CONTROL);
        dmx_wake_arm(&c->server_wake[self], &wake);     /* before anything is read: a post after it wakes us */
        bool shutdown = c->shutdown != 0;
        for (uint32_t i = 0; i < DMX_SPAWN_SLOTS && !shutdown; i++)
            if ((c->slot[i].state == SPAWN_POSTED || c->slot[i].state == SPAWN_MIGRATING) && c->slot[i].device == self) {
                c->slot[i].state = SPAWN_RUNNING;
                start[n++] = i;
            }
        if (!shutdown) {
            dmx_precopy_serve();
            app_signals_sync(c);        /* actions the app set here, or elsewhere, after its threads started */
        }
        dmx_gunlock(DMX_LOCK_CONTROL);
        if (shutdown)
            break;
        for (uint32_t k = 0; k < n; k++)
            start_carrier(start[k]);
        uint64_t cap = random_ns ? NAP_MAX_MIGRATING_NS : NAP_MAX_NS;
        nap = n ? NAP_FIRST_NS : nap < cap ? nap * 2 : cap;
        dmx_wake_wait(&c->server_wake[self], &wake, nap);
    }
    atomic_store(&server_stopped, true);
    if (!dmx_takeover.runs_main)
        dmx_dsm_stop();         /* hand back cached locks with their diffs, then leave quietly */
    return NULL;
}

bool dmx_spawn_server_wait(uint64_t timeout_ns)
{
    for (uint64_t waited = 0; !atomic_load(&server_stopped) && waited < timeout_ns; waited += 1000000)
        dmx_nap(1000000);
    return atomic_load(&server_stopped);
}

int dmx_spawn_server_start(void)
{
    pthread_once(&env_once, read_env);
    return dmx_thread_start_detached(server_main, NULL) == 0 ? 0 : -1;
}
