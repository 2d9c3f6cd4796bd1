/* sweep_builtin: runs a sweep's points as child processes of dmx sweep itself, at most JOBS at once, in grid
 * order; for hosts without GNU parallel, or when asked (--runner builtin, DMX_SWEEP_RUNNER=builtin).
 *
 * An interrupt (SIGINT, SIGTERM, SIGHUP) starts no further point, is passed on to every running dmx run (which
 * stops its devices and writes its summary), and the sweep waits for them; a point still alive
 * DMX_SWEEP_STOP_GRACE_S seconds later is SIGKILLed. */
#pragma once

#include "sweep_session.h"

/* Returns when every point is done or not run (see the session's runs). */
void dmx_sweep_run_builtin(DmxSweepSession *s);
