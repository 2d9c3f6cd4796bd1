/* checkpoint_cut.h: a checkpoint of every app thread of a device at once (DMX_CHECKPOINT=release, publish or refresh,
 * thread_recovery.h).
 *
 * A checkpoint pushes home every change the device holds, whichever of its threads made it. Were it to record
 * only the context of the thread that takes it, a sibling's writes since the sibling's own last checkpoint would
 * be home while the sibling's checkpoint is older: after a loss the sibling would redo them (a tally added to
 * twice). So a checkpoint is a cut through all of the device's app threads, taken while none of them runs app
 * code, and each thread's checkpoint is where the cut found it:
 *   - the taker: at its lock operation (it saved its context there, in its ckpt area);
 *   - a QUIESCENT sibling, inside a lock operation or a condition or barrier wait: at the entry of that operation,
 *     saved in its ckpt area; it runs no app code until it leaves, which waits for the cut to end;
 *   - a sibling running: stopped by a signal (DMX_SIG_CUT) whose handler saves the interrupted context, every
 *     register, in its ckpt area and parks until the push is done. Only in the executable's own code and with no
 *     app mutex held: elsewhere (libc, libdmx, a critical section) the handler declines and the taker asks again,
 *     for up to CUT_PATIENCE_NS of emulated time; a thread still busy then is left out of the cut, logged and
 *     counted (dsm.json checkpoint_stragglers), and its older checkpoint is no longer exact.
 * Then every included thread's stack goes home with the device's changes. A thread that ends or moves away while
 * a cut is being taken is not part of it. DMX_CHECKPOINT_CUT=0 leaves the siblings out (checkpoints as they were
 * before cuts, to measure what cuts cost or show what they prevent).
 *
 * A thread resumed from a captured context (on the master, after a loss) starts by raising DMX_SIG_RESUME, whose
 * handler puts the captured registers in its own signal frame: sigreturn restores all of them, setcontext only
 * the callee-saved ones. */
#ifndef CHECKPOINT_CUT_H
#define CHECKPOINT_CUT_H

#include "dsm_diff.h"
#include "dsm_region.h"
#include "thread_tls.h"

#include <errno.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <ucontext.h>

/* The bottom of every shared stack holds the thread's checkpoint: valid while magic is set and migrations matches
 * its slot's, i.e. taken during its current stay on a device. The copy that counts is home's, which changes only
 * when a cut pushes the stack: the device's copy is rewritten at every lock operation. */
#define CKPT_MAGIC 0x444d58434b505421ull   /* "DMXCKPT!" */
enum ckpt_kind {
    CKPT_AT_CALL = 0,           /* getcontext at a lock operation or wait: resumes there, in libdmx */
    CKPT_CAPTURED,              /* a signal frame's context, in app code: resumes with cut_resume_captured */
    CKPT_DEPARTED,              /* the context it left the device with: resumes as a migration arrives */
};
struct ckpt_area {
    uint64_t magic;
    uint32_t migrations, kind;
    ucontext_t uc;
    int32_t app_errno;          /* errno as the context had it (libc's, which thread_tls does not carry) */
    uint32_t tls_len;           /* the thread's thread-local variables as the context had them (0: too many) */
    unsigned char tls[];        /* up to the end of the area */
};
#define CKPT_TLS_ROOM 1024      /* at least; the rest of the last page too */
#define CKPT_AREA ((sizeof(struct ckpt_area) + CKPT_TLS_ROOM + DSM_PAGE_SIZE - 1) / DSM_PAGE_SIZE * DSM_PAGE_SIZE)

/* The context in a's uc (written there with magic cleared) becomes the thread's checkpoint, with the calling
 * thread's thread-local variables and errno (the thread's own: called on its host thread; none when they do not fit, and a
 * thread resumed from it gets its new carrier's, as pthread_spawn.c says once): magic goes last, so a cut never
 * pushes a stamp over a half-written checkpoint. Async-signal-safe (thread_tls_size was settled before main). */
static inline void ckpt_area_seal(struct ckpt_area *a, enum ckpt_kind kind, uint32_t migrations)
{
    size_t tls = thread_tls_size();
    a->tls_len = tls <= CKPT_AREA - sizeof(*a) ? (uint32_t)tls : 0;
    if (a->tls_len)
        thread_tls_save(a->tls);
    a->app_errno = errno;
    a->kind = kind;
    a->migrations = migrations;
    __atomic_store_n(&a->magic, CKPT_MAGIC, __ATOMIC_RELEASE);
}

/* A thread resuming from a's checkpoint, on its new host thread: its thread-local variables as they were (and its
 * errno, a->app_errno, which the resumer sets last). */
static inline void ckpt_area_load_tls(const struct ckpt_area *a)
{
    if (a->tls_len && a->tls_len == thread_tls_size())
        thread_tls_load(a->tls);
}

enum cut_state { CUT_RUNNING = 0, CUT_QUIESCENT, CUT_ASKED, CUT_DECLINED, CUT_PARKED, CUT_LEAVING };

/* An app thread on this device, as a cut sees it (one per carrier, pthread_spawn.c). */
struct cut_member {
    _Atomic uint32_t state;     /* enum cut_state */
    int tid;                    /* its carrier's host thread */
    uintptr_t stack_lo, stack_hi;
    uint32_t migrations;        /* its slot's count: the ckpt area's stamp */
    const int *held;            /* the app mutexes it holds */
};

/* Install the two signals' handlers; 0, or -1 with errno. */
int cut_setup(void);
/* On the carrier's host thread, as the thread arrives / leaves (before its carrier is freed). */
void cut_join(struct cut_member *m);
void cut_leave(struct cut_member *m);
/* The thread saved its context in its ckpt area and runs no app code until cut_unquiesce, which waits for a cut
 * being taken to end. */
void cut_quiesce(struct cut_member *m);
void cut_unquiesce(struct cut_member *m);
/* The device's cut lock: one cut at a time, and the decision whether one is due is made under it. */
void cut_lock(void);
void cut_unlock(void);
/* With the cut lock held: stop or include every member other than self (NULL: none, e.g. a thread moving away),
 * then push(ctx, stacks, n) with the stacks of self and of every included member, then let the stopped ones go.
 * Returns push's result. */
int cut_take(const struct cut_member *self, int (*push)(void *ctx, const struct dsm_range *stacks, unsigned n),
             void *ctx);
/* SIGRTMIN+6 or +7: a signal a cut uses (app_signals.c keeps the app's handlers off them). */
bool cut_uses_signal(int sig);
/* set, or a copy without the two signals a cut uses if it has them: the app's masks and waits must not take
 * them (the mask and sigwait wrappers pass what the app asks through this). */
const sigset_t *cut_signals_removed(const sigset_t *set, sigset_t *copy);
/* Continue the calling thread from a CKPT_CAPTURED context (its stack must be in place). Does not return. */
__attribute__((noreturn)) void cut_resume_captured(const ucontext_t *captured);

#endif
