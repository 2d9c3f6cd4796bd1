/* sweep_progress: see sweep_progress.h. */
#include "sweep_progress.h"

#include <stdarg.h>
#include <stdio.h>
#include <unistd.h>

#define REDRAW_EVERY_US 1000000

void dmx_sweep_progress_init(DmxSweepProgress *p, const char *name, guint total) {
  *p = (DmxSweepProgress){.name = name, .total = total, .start_us = g_get_monotonic_time()};
  p->tty = isatty(STDERR_FILENO) && g_getenv("DMX_NO_STATUS") == NULL;
}

char *dmx_sweep_duration_text(double seconds) {
  long s = seconds < 0 ? 0 : (long)(seconds + 0.5);
  if (s >= 3600)
    return g_strdup_printf("%ldh%02ldm", s / 3600, (s % 3600) / 60);
  if (s >= 60)
    return g_strdup_printf("%ldm%02lds", s / 60, s % 60);
  return g_strdup_printf("%lds", s);
}

/* Points run at a steady pace on average (same scenario, same host), so elapsed/done is a fair per-point time
 * whatever the number of jobs. */
char *dmx_sweep_eta_text(double elapsed_s, guint done, guint total) {
  if (done == 0 || done > total)
    return NULL;
  return dmx_sweep_duration_text(elapsed_s / done * (total - done));
}

void dmx_sweep_progress_clear(DmxSweepProgress *p) {
  if (!p->shown)
    return;
  fputs("\r\033[K", stderr);
  fflush(stderr);
  p->shown = FALSE;
}

void dmx_sweep_progress_tick(DmxSweepProgress *p, int running, gboolean force) {
  gint64 now = g_get_monotonic_time();
  if (!p->tty || (!force && now - p->last_draw_us < REDRAW_EVERY_US))
    return;
  p->last_draw_us = now;
  double elapsed = (now - p->start_us) / 1e6;
  g_autofree char *spent = dmx_sweep_duration_text(elapsed);
  g_autofree char *eta = dmx_sweep_eta_text(elapsed, p->done, p->total);
  g_autoptr(GString) line = g_string_new(NULL);
  g_string_append_printf(line, "dmx sweep %s: %u/%u points done", p->name, p->done, p->total);
  if (p->failed)
    g_string_append_printf(line, " (%u failed)", p->failed);
  if (running >= 0)
    g_string_append_printf(line, ", %d running", running);
  g_string_append_printf(line, ", %s elapsed, ETA %s", spent, eta ? eta : "?");
  fprintf(stderr, "\r\033[K%s", line->str);
  fflush(stderr);
  p->shown = TRUE;
}

void dmx_sweep_progress_point(DmxSweepProgress *p, gboolean failed, const char *text) {
  p->done++;
  p->failed += failed;
  p->last_draw_us = 0; /* the status line comes back at the next tick, with the new count */
  dmx_sweep_progress_clear(p);
  fprintf(stderr, "dmx sweep: [%u/%u] %s\n", p->done, p->total, text);
  fflush(stderr);
}

void dmx_sweep_progress_say(DmxSweepProgress *p, const char *fmt, ...) {
  dmx_sweep_progress_clear(p);
  va_list ap;
  va_start(ap, fmt);
  fputs("dmx sweep: ", stderr);
  vfprintf(stderr, fmt, ap);
  fputc('\n', stderr);
  va_end(ap);
  fflush(stderr);
}
