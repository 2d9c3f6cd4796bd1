/* events: the scenario's timeline during a run. When emulated time reaches an event's at_s, a control command
 * (DMX_EVENT_COMMAND) goes to the command sender (run.c: dmx-medium, or the guest for bind), and a kill
 * (DMX_EVENT_KILL) to the kill handler, which SIGKILLs the device's qemu. Every event and its outcome go to
 * RUN/events.log (by run.c's logger, which stamps the emulated time). */
#pragma once
#include <glib.h>

#include "scenario.h"

typedef struct {
  const GPtrArray *events; /* DmxScenarioEvent*, by time */
  guint next;
  guint sent, failed;      /* failed: refused by the medium, or a kill that found nothing to kill */
} DmxTimeline;

/* Sends one command; returns the reply (after "ok"), or NULL with ERROR. */
typedef char *(*DmxCommandFn)(void *ud, const char *command, GError **error);
/* Kills DEVICE; returns what was killed ("pid 1234"), or NULL with ERROR (e.g. it is already gone). */
typedef char *(*DmxKillFn)(void *ud, const char *device, GError **error);
typedef void (*DmxLogFn)(void *ud, const char *line);

typedef struct {
  DmxCommandFn send;
  DmxKillFn kill;
  DmxLogFn log;
  void *ud;                /* passed to each */
} DmxEventHandlers;

void dmx_timeline_init(DmxTimeline *tl, const GPtrArray *events);
/* Host milliseconds until the next event is due (0 if one is due now), at most CAP_MS; CAP_MS when none is left. */
int dmx_timeline_wait_ms(const DmxTimeline *tl, double now_s, double tdf, int cap_ms);
/* Performs every event due at NOW_S (emulated seconds). Returns how many were performed or tried. */
guint dmx_timeline_run_due(DmxTimeline *tl, double now_s, const DmxEventHandlers *h);
/* Sends COMMANDS (char*) in order, logging each with PREFIX; returns FALSE (and sets ERROR) on the first refusal. */
gboolean dmx_send_commands(const GPtrArray *commands, const char *prefix, DmxCommandFn send, DmxLogFn log, void *ud,
                           GError **error);
