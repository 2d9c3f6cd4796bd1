/* exit_codes: dmx's exit status (documented in `dmx --help`). For `dmx run` the app's own exit status passes
 * through when the run itself went well, so these sit above the range apps normally use. */
#pragma once

enum {
  DMX_EXIT_OK = 0,
  DMX_EXIT_USAGE = 64,      /* bad command line */
  DMX_EXIT_SCENARIO = 65,   /* the scenario or devices.ini is invalid (file:line: ... on stderr) */
  DMX_EXIT_HOST = 69,       /* the host cannot run it: qemu, dmx-medium, the app or a kernel feature is missing */
  DMX_EXIT_RUN_FAILED = 70, /* a device crashed or the medium died during the run */
  DMX_EXIT_SYSTEM = 71,     /* an operating-system call failed (fork, unshare, TAP, ...) */
  DMX_EXIT_CANTCREAT = 73,  /* the run directory cannot be created, or another run holds its lock */
  DMX_EXIT_LOST_MASTER = 75, /* a worker's libdmx lost the master (testbed/runtime/peer_client.c): it left */
  DMX_EXIT_SIGNAL_BASE = 128, /* interrupted by signal N: 128 + N (130 for Ctrl-C) */
};
