/* events: the scenario's network timeline during a run. Each DmxScenarioEvent is sent to the medium as a control
 * command when emulated time reaches its at_s; every command and its reply go to RUN/events.log (by run.c's
 * logger, which stamps the emulated time). */
#pragma once
#include <glib.h>

#include "scenario.h"

typedef struct {
  const GPtrArray *events; /* DmxScenarioEvent*, by time */
  guint next;
  guint sent, failed;
} DmxTimeline;

/* Sends one command; returns the reply (after "ok"), or NULL with ERROR. */
typedef char *(*DmxCommandFn)(void *ud, const char *command, GError **error);
typedef void (*DmxLogFn)(void *ud, const char *line);

void dmx_timeline_init(DmxTimeline *tl, const GPtrArray *events);
/* Host milliseconds until the next event is due (0 if one is due now), at most CAP_MS; CAP_MS when none is left. */
int dmx_timeline_wait_ms(const DmxTimeline *tl, double now_s, double tdf, int cap_ms);
/* Sends every event due at NOW_S (emulated seconds). Returns how many were sent. */
guint dmx_timeline_run_due(DmxTimeline *tl, double now_s, DmxCommandFn send, DmxLogFn log, void *ud);
/* Sends COMMANDS (char*) in order, logging each with PREFIX; returns FALSE (and sets ERROR) on the first refusal. */
gboolean dmx_send_commands(const GPtrArray *commands, const char *prefix, DmxCommandFn send, DmxLogFn log, void *ud,
                           GError **error);
