/* status: see status.h. */
#include "status.h"

#include <stdarg.h>
#include <stdio.h>
#include <unistd.h>

void dmx_status_init(DmxStatus *st) {
  st->tty = isatty(STDERR_FILENO) && g_getenv("DMX_NO_STATUS") == NULL;
  st->shown = FALSE;
  st->last_us = 0;
  st->hold = FALSE;
}

void dmx_status_update(DmxStatus *st, const char *what, double emulated_s, double tdf, int up, int total) {
  if (!st || !st->tty || st->hold)
    return;
  gint64 now = g_get_monotonic_time();
  if (now - st->last_us < 200000)
    return;
  st->last_us = now;
  fprintf(stderr, "\r\033[Kdmx: %s  t=%.1f s emulated (tdf %g)  devices %d/%d up", what, emulated_s, tdf, up, total);
  fflush(stderr);
  st->shown = TRUE;
}

void dmx_status_clear(DmxStatus *st) {
  if (!st || !st->shown)
    return;
  fputs("\r\033[K", stderr);
  fflush(stderr);
  st->shown = FALSE;
  st->last_us = 0;
}

void dmx_say(DmxStatus *st, const char *fmt, ...) {
  dmx_status_clear(st);
  va_list ap;
  va_start(ap, fmt);
  fputs("dmx: ", stderr);
  vfprintf(stderr, fmt, ap);
  fputc('\n', stderr);
  va_end(ap);
}
