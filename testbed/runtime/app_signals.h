/* app_signals.h: the app's signal actions on a multi-device run: the same on every device for the signals its
 * threads raise, and kept off the ones libdmx handles itself. See app_signals.c. */
#ifndef DMX_APP_SIGNALS_H
#define DMX_APP_SIGNALS_H

#include <signal.h>

#include "libc_next.h"

/* libc's sigaction, behind the app's (app_signals.c): libdmx installs its own handlers through this one. The
 * first call looks libc's up (not async-signal-safe): make one before a signal handler may need it. */
static inline int dmx_libc_sigaction(int sig, const struct sigaction *act, struct sigaction *old)
{
    REAL(sigaction);
    return real_sigaction(sig, act, old);
}

struct dmx_control;
/* Under DMX_LOCK_CONTROL: publish the actions this device's app set since its last call, and apply those other
 * devices published since then. */
void app_signals_sync(volatile struct dmx_control *ctl);

/* set, or a copy of it in copy without the signals the app may not block or wait for: SIGSEGV while the shared
 * region takes faults, and a checkpoint cut's two while checkpoints are on. */
const sigset_t *app_signals_mask_set(const sigset_t *set, sigset_t *copy);

#endif
