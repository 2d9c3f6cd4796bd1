/* A checkpoint cut through all of a device's app threads (see checkpoint_cut.h). */
#include "checkpoint_cut.h"
#include "app_signals.h"

#include "dmx.h"
#include "sigframe_records.h"
#include "sync_thread.h"
#include "thread_takeover.h"
#include "thread_tls.h"
#include "wire_conn.h"

#include <errno.h>
#include <linux/futex.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#define CUT_PATIENCE_NS  1000000000ull     /* how long a cut waits for a busy sibling (emulated) */
#define CUT_RETRY_NS     1000000ull        /* a sibling that declined is asked again after this, then twice as */
#define CUT_RETRY_MAX_NS 64000000ull       /* long each time, up to this: each ask may cut a system call short */
#define CUT_POLL_NS      200000ull         /* how often the taker looks at the answers */
#define DMX_SIG_CUT      (SIGRTMIN + 6)
#define DMX_SIG_RESUME   (SIGRTMIN + 7)

static pthread_mutex_t cut_mutex = PTHREAD_MUTEX_INITIALIZER;
static struct cut_member *members[DSM_MAX_RANGES / 2];     /* guarded by cut_mutex */
static unsigned nmembers;
DMX_HOST_THREAD_LOCAL(struct cut_member *, self_member, NULL)   /* the carrier's own, for the signal handler */
DMX_HOST_THREAD_LOCAL(const ucontext_t *, resume_from, NULL)

static void futex_wake(_Atomic uint32_t *word)
{
    syscall(SYS_futex, (uint32_t *)word, FUTEX_WAKE_PRIVATE, 1, NULL, NULL, 0);
}

/* Wait (at most ns, 0: no limit) while *word is still val. */
static void futex_wait(_Atomic uint32_t *word, uint32_t val, uint64_t ns)
{
    struct timespec ts = { (time_t)(ns / 1000000000ull), (long)(ns % 1000000000ull) };
    syscall(SYS_futex, (uint32_t *)word, FUTEX_WAIT_PRIVATE, val, ns ? &ts : NULL, NULL, 0);
}

/* ---- the sibling's side: the signal handler ---- */

static bool capturable(const struct cut_member *m, const ucontext_t *uc)
{
    return *m->held == 0 && dmx_app_own_code((const void *)(uintptr_t)uc->uc_mcontext.pc);
}

static void save_captured(const struct cut_member *m, const ucontext_t *uc)
{
    struct ckpt_area *a = (struct ckpt_area *)m->stack_lo;
    a->magic = 0;
    memcpy(&a->uc, uc, sizeof(*uc));
    ckpt_area_seal(a, CKPT_CAPTURED, m->migrations);
}

static void on_cut_signal(int sig, siginfo_t *info, void *ucv)
{
    (void)sig;
    (void)info;
    int saved_errno = errno;
    struct cut_member *m = self_member;
    uint32_t asked = CUT_ASKED;
    if (m && atomic_load(&m->state) == CUT_ASKED) {
        bool stop = capturable(m, ucv);
        if (stop)
            save_captured(m, ucv);
        if (atomic_compare_exchange_strong(&m->state, &asked, stop ? CUT_PARKED : CUT_DECLINED)) {
            futex_wake(&m->state);
            while (stop && atomic_load(&m->state) == CUT_PARKED)
                futex_wait(&m->state, CUT_PARKED, 0);
        }
    }
    errno = saved_errno;
}

/* ---- the taker's side ---- */

enum stop_outcome { STOP_PENDING, STOP_PARKED, STOP_QUIESCENT, STOP_GONE, STOP_BUSY };

struct sibling {
    struct cut_member *m;
    enum stop_outcome outcome;
    uint64_t next_ask_ns, backoff_ns;   /* a sibling that declined is asked again, less and less often */
};

/* Signal m if it runs (RUNNING -> ASKED). */
static void ask(struct cut_member *m)
{
    uint32_t s = CUT_RUNNING;
    if (atomic_compare_exchange_strong(&m->state, &s, CUT_ASKED) &&
        syscall(SYS_tgkill, getpid(), m->tid, DMX_SIG_CUT) != 0)
        atomic_compare_exchange_strong(&m->state, &(uint32_t){ CUT_ASKED }, CUT_RUNNING);
}

/* What a sibling in state s is to the cut, once it answered (STOP_PENDING: not yet). */
static enum stop_outcome settled(uint32_t s)
{
    return s == CUT_PARKED ? STOP_PARKED : s == CUT_QUIESCENT ? STOP_QUIESCENT : s == CUT_LEAVING ? STOP_GONE
                                                                                            : STOP_PENDING;
}

/* Where sibling b stands now; a decline is turned back into RUNNING, to be asked again at its next time. */
static enum stop_outcome look(struct sibling *b, uint64_t now)
{
    uint32_t s = atomic_load(&b->m->state);
    switch (s) {
    case CUT_DECLINED:
        atomic_compare_exchange_strong(&b->m->state, &s, CUT_RUNNING);
        b->next_ask_ns = now + b->backoff_ns;
        b->backoff_ns = b->backoff_ns < CUT_RETRY_MAX_NS ? b->backoff_ns * 2 : CUT_RETRY_MAX_NS;
        return STOP_PENDING;
    case CUT_RUNNING:
        if (now >= b->next_ask_ns)
            ask(b->m);
        return STOP_PENDING;
    default:                    /* ASKED (its handler has not run yet), or an answer */
        return settled(s);
    }
}

/* Stop or find quiescent every sibling, all at once, within one patience. Those still pending at the end are
 * left out (ASKED ones are taken back: a late handler then finds nothing asked). */
static void stop_siblings(struct sibling *sib, unsigned n)
{
    uint64_t deadline = dmx_now_ns() + CUT_PATIENCE_NS;
    for (unsigned i = 0; i < n; i++)
        ask(sib[i].m);
    for (unsigned pending = n; pending;) {
        uint64_t now = dmx_now_ns();
        pending = 0;
        for (unsigned i = 0; i < n; i++)
            if (sib[i].outcome == STOP_PENDING && (sib[i].outcome = look(&sib[i], now)) == STOP_PENDING)
                pending++;
        if (pending && now >= deadline)
            break;
        if (pending)
            dmx_nap(CUT_POLL_NS);
    }
    for (unsigned i = 0; i < n; i++) {
        uint32_t s = CUT_ASKED;
        if (sib[i].outcome != STOP_PENDING || atomic_compare_exchange_strong(&sib[i].m->state, &s, CUT_RUNNING)) {
            sib[i].outcome = sib[i].outcome == STOP_PENDING ? STOP_BUSY : sib[i].outcome;
            continue;
        }
        /* It answered just now (s: its state; these hold while the taker holds the cut lock). */
        sib[i].outcome = settled(s) == STOP_PENDING ? STOP_BUSY : settled(s);
        if (s == CUT_DECLINED)
            atomic_compare_exchange_strong(&sib[i].m->state, &s, CUT_RUNNING);
    }
}

static void log_straggler(const struct cut_member *m)
{
    static _Atomic unsigned logged;
    if (atomic_fetch_add(&logged, 1) < 8)
        wire_log("checkpoint: an app thread here (host thread %d) stayed busy outside the app's own code or in a "
                 "critical section for %.0f ms; this checkpoint goes on without it, and its own is no longer exact",
                 m->tid, CUT_PATIENCE_NS / 1e6);
}

/* DMX_CHECKPOINT_CUT=0: a checkpoint is the taker's alone (as before cuts: to measure what they cost, or show
 * what they prevent). */
static bool cut_siblings(void)
{
    static int on = -1;
    if (on < 0) {
        const char *v = getenv("DMX_CHECKPOINT_CUT");
        on = !(v && strcmp(v, "0") == 0);
    }
    return on;
}

/* What of m's stack its checkpoint needs (2 ranges into out): the checkpoint area at its bottom, and the frames from
 * the checkpoint's sp up. Below that sp lies what ran since (the cut itself, for its taker): dead to the resumed
 * thread, and not worth the link. */
static unsigned stack_ranges(const struct cut_member *m, struct dsm_range *out)
{
    const struct ckpt_area *a = (const struct ckpt_area *)m->stack_lo;
    uintptr_t live = (uintptr_t)a->uc.uc_mcontext.sp & ~(uintptr_t)(DSM_PAGE_SIZE - 1);
    if (a->magic != CKPT_MAGIC || live < m->stack_lo + CKPT_AREA || live >= m->stack_hi)
        live = m->stack_lo + CKPT_AREA;
    out[0] = (struct dsm_range){ m->stack_lo, m->stack_lo + CKPT_AREA };
    out[1] = (struct dsm_range){ live, m->stack_hi };
    return 2;
}

int cut_take(const struct cut_member *self, int (*push)(void *ctx, const struct dsm_range *stacks, unsigned n),
             void *ctx)
{
    static struct dsm_range stacks[DSM_MAX_RANGES];     /* under the cut lock, off the app thread's stack */
    static struct sibling sib[DSM_MAX_RANGES / 2];
    unsigned n = 0, nsib = 0;
    struct dsm_region *r = dmx_dsm_region();
    if (self)
        n += stack_ranges(self, stacks + n);
    for (unsigned i = 0; i < nmembers && cut_siblings(); i++)
        if (members[i] != self && nsib < DSM_MAX_RANGES / 2 - 1)
            sib[nsib++] = (struct sibling){ members[i], STOP_PENDING, 0, CUT_RETRY_NS };
    stop_siblings(sib, nsib);
    for (unsigned i = 0; i < nsib; i++) {
        if (sib[i].outcome == STOP_PARKED)
            r->stats.checkpoint_captures++;
        if (sib[i].outcome == STOP_BUSY) {
            r->stats.checkpoint_stragglers++;
            log_straggler(sib[i].m);
        }
        if (sib[i].outcome == STOP_PARKED || sib[i].outcome == STOP_QUIESCENT)
            n += stack_ranges(sib[i].m, stacks + n);
    }
    int rc = push(ctx, stacks, n);
    for (unsigned i = 0; i < nsib; i++)
        if (sib[i].outcome == STOP_PARKED) {
            atomic_store(&sib[i].m->state, CUT_RUNNING);
            futex_wake(&sib[i].m->state);
        }
    return rc;
}

/* ---- membership ---- */

void cut_lock(void)
{
    pthread_mutex_lock(&cut_mutex);
}

void cut_unlock(void)
{
    pthread_mutex_unlock(&cut_mutex);
}

static void cut_signal_set(sigset_t *set)
{
    sigemptyset(set);
    sigaddset(set, DMX_SIG_CUT);
    sigaddset(set, DMX_SIG_RESUME);
}

/* The carrier may have inherited a mask that blocks them (its creator's: an app thread's). */
static void unblock_cut_signals(void)
{
    sigset_t ours;
    cut_signal_set(&ours);
    pthread_sigmask(SIG_UNBLOCK, &ours, NULL);
}

bool cut_uses_signal(int sig)
{
    return sig == DMX_SIG_CUT || sig == DMX_SIG_RESUME;
}

const sigset_t *cut_signals_removed(const sigset_t *set, sigset_t *copy)
{
    if (!set || (!sigismember(set, DMX_SIG_CUT) && !sigismember(set, DMX_SIG_RESUME)))
        return set;
    *copy = *set;
    sigdelset(copy, DMX_SIG_CUT);
    sigdelset(copy, DMX_SIG_RESUME);
    return copy;
}

void cut_join(struct cut_member *m)
{
    unblock_cut_signals();
    atomic_store(&m->state, CUT_RUNNING);
    self_member = m;
    cut_lock();
    if (nmembers < DSM_MAX_RANGES / 2)
        members[nmembers++] = m;
    cut_unlock();
}

void cut_leave(struct cut_member *m)
{
    if (atomic_exchange(&m->state, CUT_LEAVING) == CUT_ASKED)
        futex_wake(&m->state);
    cut_lock();
    for (unsigned i = 0; i < nmembers; i++)
        if (members[i] == m) {
            members[i] = members[--nmembers];
            break;
        }
    cut_unlock();
    self_member = NULL;
}

void cut_quiesce(struct cut_member *m)
{
    if (atomic_exchange(&m->state, CUT_QUIESCENT) == CUT_ASKED)
        futex_wake(&m->state);
}

void cut_unquiesce(struct cut_member *m)
{
    cut_lock();
    atomic_store(&m->state, CUT_RUNNING);
    cut_unlock();
}

/* ---- resuming a captured context ---- */

static void on_resume_signal(int sig, siginfo_t *info, void *ucv)
{
    (void)sig;
    (void)info;
    ucontext_t *uc = ucv;
    const ucontext_t *from = resume_from;
    if (!from)
        return;
    resume_from = NULL;
    if (sigframe_records_copy(uc->uc_mcontext.__reserved, from->uc_mcontext.__reserved,
                              sizeof(uc->uc_mcontext.__reserved)) < 0) {
        static const char msg[] = "dmx: checkpoint: the captured registers do not fit this thread's signal frame\n";
        (void)!write(STDERR_FILENO, msg, sizeof(msg) - 1);
        abort();
    }
    memcpy(uc->uc_mcontext.regs, from->uc_mcontext.regs, sizeof(uc->uc_mcontext.regs));
    uc->uc_mcontext.sp = from->uc_mcontext.sp;
    uc->uc_mcontext.pc = from->uc_mcontext.pc;
    uc->uc_mcontext.pstate = from->uc_mcontext.pstate;
    sigset_t mask;
    uc->uc_sigmask = *cut_signals_removed(&from->uc_sigmask, &mask);    /* the thread's own mask, not ours */
}

void cut_resume_captured(const ucontext_t *captured)
{
    unblock_cut_signals();
    resume_from = captured;
    syscall(SYS_tgkill, getpid(), gettid(), DMX_SIG_RESUME);
    wire_log("checkpoint: cannot resume a captured context (%s)", strerror(errno));
    abort();
}

int cut_setup(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = SA_SIGINFO | SA_ONSTACK | SA_RESTART;
    sa.sa_sigaction = on_cut_signal;
    if (dmx_libc_sigaction(DMX_SIG_CUT, &sa, NULL) != 0)
        return -1;
    sa.sa_sigaction = on_resume_signal;
    return dmx_libc_sigaction(DMX_SIG_RESUME, &sa, NULL);
}
