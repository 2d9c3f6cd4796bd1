/* A checkpoint cut through all of a device's app threads (see checkpoint_cut.h). */
#include "checkpoint_cut.h"

#include "dmx.h"
#include "sigframe_records.h"
#include "sync_thread.h"
#include "thread_takeover.h"
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
#define CUT_RETRY_NS     1000000ull        /* between two asks of a sibling that declined */
#define CUT_ANSWER_NS    2000000ull        /* one wait for a signalled sibling's answer */
#define DMX_SIG_CUT      (SIGRTMIN + 6)
#define DMX_SIG_RESUME   (SIGRTMIN + 7)

static pthread_mutex_t cut_mutex = PTHREAD_MUTEX_INITIALIZER;
static struct cut_member *members[DSM_MAX_RANGES];     /* guarded by cut_mutex */
static unsigned nmembers;
static __thread struct cut_member *self_member;        /* the carrier's own, for the signal handler */
static __thread const ucontext_t *resume_from;

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
    a->kind = CKPT_CAPTURED;
    a->migrations = m->migrations;
    a->magic = CKPT_MAGIC;
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

enum stop_outcome { STOP_PARKED, STOP_QUIESCENT, STOP_GONE, STOP_BUSY };

/* Ask m once: signal it and wait for its answer. */
static enum stop_outcome ask(struct cut_member *m, uint64_t deadline)
{
    uint32_t s = CUT_RUNNING;
    if (atomic_compare_exchange_strong(&m->state, &s, CUT_ASKED)) {
        if (syscall(SYS_tgkill, getpid(), m->tid, DMX_SIG_CUT) != 0)
            atomic_compare_exchange_strong(&m->state, &(uint32_t){ CUT_ASKED }, CUT_RUNNING);
        while ((s = atomic_load(&m->state)) == CUT_ASKED && dmx_now_ns() < deadline)
            futex_wait(&m->state, CUT_ASKED, CUT_ANSWER_NS);
        if (s == CUT_ASKED && atomic_compare_exchange_strong(&m->state, &s, CUT_RUNNING))
            return STOP_BUSY;   /* not even its handler ran in time */
    }
    switch (s) {
    case CUT_PARKED:
        return STOP_PARKED;
    case CUT_QUIESCENT:
        return STOP_QUIESCENT;
    case CUT_LEAVING:
        return STOP_GONE;
    case CUT_DECLINED:
        atomic_compare_exchange_strong(&m->state, &s, CUT_RUNNING);
        return STOP_BUSY;
    default:
        return STOP_BUSY;
    }
}

static enum stop_outcome stop_member(struct cut_member *m)
{
    uint64_t deadline = dmx_now_ns() + CUT_PATIENCE_NS;
    for (;;) {
        enum stop_outcome o = ask(m, deadline);
        if (o != STOP_BUSY || dmx_now_ns() >= deadline)
            return o;
        dmx_nap(CUT_RETRY_NS);
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

int cut_take(const struct cut_member *self, int (*push)(void *ctx, const struct dsm_range *stacks, unsigned n),
             void *ctx)
{
    struct dsm_range stacks[DSM_MAX_RANGES];
    struct cut_member *parked[DSM_MAX_RANGES];
    unsigned n = 0, nparked = 0;
    struct dsm_region *r = dmx_dsm_region();
    if (self)
        stacks[n++] = (struct dsm_range){ self->stack_lo, self->stack_hi };
    for (unsigned i = 0; i < nmembers && cut_siblings(); i++) {
        struct cut_member *m = members[i];
        if (m == self)
            continue;
        enum stop_outcome o = stop_member(m);
        if (o == STOP_PARKED) {
            parked[nparked++] = m;
            r->stats.checkpoint_captures++;
        } else if (o == STOP_BUSY) {
            r->stats.checkpoint_stragglers++;
            log_straggler(m);
        }
        if ((o == STOP_PARKED || o == STOP_QUIESCENT) && n < DSM_MAX_RANGES)
            stacks[n++] = (struct dsm_range){ m->stack_lo, m->stack_hi };
    }
    int rc = push(ctx, stacks, n);
    for (unsigned i = 0; i < nparked; i++) {
        atomic_store(&parked[i]->state, CUT_RUNNING);
        futex_wake(&parked[i]->state);
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

void cut_join(struct cut_member *m)
{
    atomic_store(&m->state, CUT_RUNNING);
    self_member = m;
    cut_lock();
    if (nmembers < DSM_MAX_RANGES)
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
}

void cut_resume_captured(const ucontext_t *captured)
{
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
    if (sigaction(DMX_SIG_CUT, &sa, NULL) != 0)
        return -1;
    sa.sa_sigaction = on_resume_signal;
    return sigaction(DMX_SIG_RESUME, &sa, NULL);
}
