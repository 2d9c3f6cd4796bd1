/* events: see events.h. */
#include "events.h"

#include <math.h>

void dmx_timeline_init(DmxTimeline *tl, const GPtrArray *events) {
  *tl = (DmxTimeline){.events = events};
}

int dmx_timeline_wait_ms(const DmxTimeline *tl, double now_s, double tdf, int cap_ms) {
  if (!tl->events || tl->next >= tl->events->len)
    return cap_ms;
  const DmxScenarioEvent *e = tl->events->pdata[tl->next];
  double ms = (e->at_s - now_s) * tdf * 1000;
  if (ms <= 0)
    return 0;
  return ms < cap_ms ? (int)ceil(ms) : cap_ms;
}

static void log_reply(DmxLogFn log, void *ud, const char *label, const char *command, const char *reply,
                      const GError *err) {
  g_autofree char *line = err ? g_strdup_printf("%s: %s -> err %s", label, command, err->message)
                              : g_strdup_printf("%s: %s -> ok%s%s", label, command, reply && *reply ? " " : "",
                                                reply ? reply : "");
  log(ud, line);
}

/* "event x (due 3.000 s): kill tv (pid 1234)", or why nothing was killed. */
static gboolean run_kill(const DmxEventHandlers *h, const char *label, const DmxScenarioEvent *e) {
  g_autoptr(GError) err = NULL;
  g_autofree char *what = h->kill(h->ud, e->device, &err);
  g_autofree char *line = err ? g_strdup_printf("%s: %s: not done: %s", label, e->command, err->message)
                              : g_strdup_printf("%s: %s (%s)", label, e->command, what ? what : "");
  h->log(h->ud, line);
  return !err;
}

static gboolean run_command(const DmxEventHandlers *h, const char *label, const DmxScenarioEvent *e) {
  g_autoptr(GError) err = NULL;
  g_autofree char *reply = h->send(h->ud, e->command, &err);
  log_reply(h->log, h->ud, label, e->command, reply, err);
  return !err;
}

guint dmx_timeline_run_due(DmxTimeline *tl, double now_s, const DmxEventHandlers *h) {
  guint n = 0;
  while (tl->events && tl->next < tl->events->len) {
    const DmxScenarioEvent *e = tl->events->pdata[tl->next];
    if (e->at_s > now_s)
      break;
    tl->next++;
    g_autofree char *label = g_strdup_printf("%s (due %.3f s)", e->label, e->at_s);
    gboolean ok = e->kind == DMX_EVENT_KILL ? run_kill(h, label, e) : run_command(h, label, e);
    if (!ok)
      tl->failed++;
    tl->sent++;
    n++;
  }
  return n;
}

gboolean dmx_send_commands(const GPtrArray *commands, const char *prefix, DmxCommandFn send, DmxLogFn log, void *ud,
                           GError **error) {
  for (guint i = 0; commands && i < commands->len; i++) {
    const char *c = commands->pdata[i];
    g_autoptr(GError) err = NULL;
    g_autofree char *reply = send(ud, c, &err);
    log_reply(log, ud, prefix, c, reply, err);
    if (err) {
      g_set_error(error, G_FILE_ERROR, G_FILE_ERROR_FAILED, "%s: dmx-medium refused '%s': %s", prefix, c, err->message);
      return FALSE;
    }
  }
  return TRUE;
}
