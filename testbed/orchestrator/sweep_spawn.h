/* sweep_spawn: how a sweep starts a child (each point's dmx run, or GNU parallel).
 *
 * The child gets its own process group, so that a terminal's Ctrl-C reaches only the sweep, which passes it on
 * once and then waits for the child to tear down (a second signal in the middle of dmx run's teardown would help
 * no one). It gets PR_SET_PDEATHSIG=SIGTERM, so that it is stopped (and stops its devices) even when the sweep
 * is SIGKILLed; default signal handling; stdin from a file or /dev/null; stdout and stderr into a log file. */
#pragma once
#include <glib.h>
#include <sys/types.h>

/* Starts ARGV (ARGV[0] a path). STDIN_PATH NULL: /dev/null. Returns the pid, or -1 with ERROR. */
pid_t dmx_sweep_spawn(char **argv, const char *stdin_path, const char *log_path, GError **error);

/* dmx run's exit status from a wait status: the exit code, or 128+N for signal N (as a shell reports it). */
int dmx_sweep_exit_status(int wait_status);
