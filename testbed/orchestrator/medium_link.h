/* medium_link: starts dmx-medium for a run, waits for its control socket, and attaches each device's TAP. */
#pragma once
#include <glib.h>
#include <sys/types.h>

typedef struct DmxMedium DmxMedium;

typedef struct {
  const char *binary;    /* build/bin/dmx-medium */
  const char *run_dir;   /* RUN: control socket RUN/medium.sock, pcap RUN/medium.pcap, log RUN/medium.log,
                          * RUN/medium-stats.json (its counters when it quit) */
  const char *link_spec; /* --default */
  const char *mode;      /* --mode wired|wifi */
  double tdf;
  guint64 seed;
  gboolean uplink;       /* --uplink: the libslirp NAT station at 10.77.0.254 */
} DmxMediumOptions;

/* Forks and execs dmx-medium, then waits (up to 10 s) until its control socket answers. */
DmxMedium *dmx_medium_start(const DmxMediumOptions *opt, GError **error);
/* `attach NAME` with TAP_FD; the medium keeps its own copy of the descriptor. */
gboolean dmx_medium_attach(DmxMedium *m, const char *name, int tap_fd, GError **error);
/* One control command (link, cut, restore, station, stats...): the reply text after "ok", or NULL and ERROR. */
char *dmx_medium_command(DmxMedium *m, const char *command, GError **error);
pid_t dmx_medium_pid(const DmxMedium *m);
/* Records that waitpid reported the medium's exit. */
void dmx_medium_reaped(DmxMedium *m, int wait_status);
gboolean dmx_medium_alive(const DmxMedium *m);
int dmx_medium_wait_status(const DmxMedium *m);
const char *dmx_medium_log_path(const DmxMedium *m);
/* Asks it to quit, then escalates to SIGTERM and SIGKILL; reaps it; removes the control socket. */
void dmx_medium_stop(DmxMedium *m);
void dmx_medium_free(DmxMedium *m);
