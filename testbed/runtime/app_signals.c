/* app_signals.c: the app's signal actions on a multi-device run.
 *
 * A process has one action per signal, whichever thread set it. Here the app's threads run in several processes,
 * and libdmx handles some signals itself:
 * - The signals a thread raises by what it does (SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGTRAP, SIGSYS, SIGPIPE,
 *   SIGXFSZ) get the app's action on every device. A device that sets one publishes it in the control block
 *   (dmx_control.signals) the next time it holds DMX_LOCK_CONTROL, for a pthread_create or at its spawn
 *   server's next poll (every 2 to 50 ms), and a device applies what others published whenever a thread starts
 *   or arrives there (carrier_main), it creates one, or its spawn server polls. So a program that sets its
 *   handlers before it starts its threads, as most do, finds them on every device, and one set later reaches
 *   the others a poll later (pt_signals: within 20 ms of emulated time in runs that waited that little). Only
 *   handlers in the app's code travel (the executable and its libraries are at the same addresses everywhere).
 *   Without this, `signal(SIGPIPE, SIG_IGN)` in main left a thread on another device to die of SIGPIPE.
 * - Other signals come from outside, to the master (the process dmx started the app as): they stay per device.
 * - SIGSEGV: every fault on a shared page that is not present is libdmx's, so its handler stays installed. The
 *   app's is called for every other fault, and sigaction returns what the app set before, as if nothing stood
 *   between (dsm_region_chain_segv). Without this the app's handler replaced the region's, and the first remote
 *   page fault crashed the device.
 * - SIGRTMIN+6 and +7, while checkpoints are on and there is more than one device (checkpoint_cut.h): a handler
 *   of the app's is refused with EINVAL and the log says why, rather than the run losing its cuts. Without
 *   checkpoints they are the app's.
 * app_signals_mask_set keeps the same signals out of the app's masks and sigwait sets: a fault with SIGSEGV
 * blocked kills the process, and a blocked cut signal stalls every cut. */
#include "app_signals.h"
#include "checkpoint_cut.h"
#include "dsm_region.h"
#include "thread_takeover.h"
#include "wire_conn.h"

#include <errno.h>
#include <stdatomic.h>
#include <string.h>

#ifndef SA_RESTORER
#define SA_RESTORER 0x04000000
#endif

static atomic_uint_least64_t unpublished;   /* bit sig - 1: this device's app set sig since it last published */
static uint32_t applied_version;            /* of dmx_control.signals, on this device; under DMX_LOCK_CONTROL */

static bool raised_by_threads(int sig)
{
    switch (sig) {
    case SIGSEGV: case SIGBUS: case SIGFPE: case SIGILL: case SIGTRAP: case SIGSYS: case SIGPIPE: case SIGXFSZ:
        return true;
    default:
        return false;
    }
}

static bool reserved_for_cuts(int sig)
{
    return dmx_takeover.active && dmx_checkpoints_on() && cut_uses_signal(sig);
}

/* The action on this device: SIGSEGV's is the chained one while the region takes faults. */
static int device_action(int sig, const struct sigaction *act, struct sigaction *old)
{
    if (sig == SIGSEGV && dsm_region_chain_segv(act, old))
        return 0;
    return dmx_libc_sigaction(sig, act, old);
}

int sigaction(int sig, const struct sigaction *restrict act, struct sigaction *restrict old)
{
    if (act && reserved_for_cuts(sig)) {
        static atomic_bool logged;
        if (!atomic_exchange(&logged, true))
            wire_log("signals: the app's handler for SIGRTMIN+%d refused: libdmx's checkpoint cuts use SIGRTMIN+6 "
                     "and +7 (DMX_CHECKPOINT)", sig - SIGRTMIN);
        errno = EINVAL;
        return -1;
    }
    int rc = device_action(sig, act, old);
    if (rc == 0 && act && dmx_takeover.active && raised_by_threads(sig))
        atomic_fetch_or(&unpublished, 1ull << (sig - 1));
    return rc;
}

/* glibc's signal() and sysv_signal() call its sigaction internally, past the one above: the same, through it. */
static sighandler_t set_handler(int sig, sighandler_t handler, int flags)
{
    struct sigaction sa, old;
    if (handler == SIG_ERR || sig < 1 || sig >= NSIG) {
        errno = EINVAL;
        return SIG_ERR;
    }
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = handler;
    sa.sa_flags = flags;
    sigemptyset(&sa.sa_mask);
    if (!(flags & SA_NODEFER))
        sigaddset(&sa.sa_mask, sig);
    return sigaction(sig, &sa, &old) == 0 ? old.sa_handler : SIG_ERR;
}

sighandler_t signal(int sig, sighandler_t handler)
{
    return set_handler(sig, handler, SA_RESTART);
}

sighandler_t bsd_signal(int sig, sighandler_t handler)
{
    return set_handler(sig, handler, SA_RESTART);
}

sighandler_t sysv_signal(int sig, sighandler_t handler)
{
    return set_handler(sig, handler, SA_RESETHAND | SA_NODEFER);
}

static bool travels(const struct sigaction *sa)
{
    return sa->sa_handler == SIG_DFL || sa->sa_handler == SIG_IGN || dmx_app_code((const void *)sa->sa_handler);
}

static void publish(volatile struct app_signal_action *to, int sig, uint32_t version)
{
    struct sigaction now;
    if (device_action(sig, NULL, &now) != 0)
        return;
    if (!travels(&now)) {
        wire_log("signals: the app's handler for signal %d is not in its code: it stays on device %u", sig,
                 dmx_takeover.self);
        return;
    }
    uint64_t mask = 0;
    for (int s = 1; s <= 64; s++)
        if (sigismember(&now.sa_mask, s) == 1)
            mask |= 1ull << (s - 1);
    to->handler = (uint64_t)(uintptr_t)now.sa_handler;
    to->mask = mask;
    to->flags = (uint32_t)(now.sa_flags & ~SA_RESTORER);
    to->version = version;
}

static void apply(const volatile struct app_signal_action *from, int sig)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = (sighandler_t)(uintptr_t)from->handler;
    sa.sa_flags = (int)from->flags;
    sigemptyset(&sa.sa_mask);
    for (int s = 1; s <= 64; s++)
        if (from->mask & (1ull << (s - 1)))
            sigaddset(&sa.sa_mask, s);
    if (device_action(sig, &sa, NULL) != 0)
        wire_log("signals: cannot apply the app's action for signal %d (%s)", sig, strerror(errno));
}

void app_signals_sync(volatile struct dmx_control *ctl)
{
    uint64_t mine = atomic_exchange(&unpublished, 0);
    for (int sig = 1; sig <= 64; sig++)
        if (mine & (1ull << (sig - 1)))
            publish(&ctl->signals[sig], sig, ++ctl->signals_version);
    uint32_t seen = applied_version;
    applied_version = ctl->signals_version;
    for (int sig = 1; sig <= 64 && seen != applied_version; sig++)
        if (ctl->signals[sig].version > seen && !(mine & (1ull << (sig - 1))))
            apply(&ctl->signals[sig], sig);
}

const sigset_t *app_signals_mask_set(const sigset_t *set, sigset_t *copy)
{
    if (dmx_checkpoints_on())
        set = cut_signals_removed(set, copy);
    if (!set || !dmx_dsm_region() || !sigismember(set, SIGSEGV))
        return set;
    if (set != copy)
        *copy = *set;
    sigdelset(copy, SIGSEGV);
    return copy;
}
