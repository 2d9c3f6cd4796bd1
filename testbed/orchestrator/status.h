/* status: the one-line live progress on stderr (only when stderr is a terminal). */
#pragma once
#include <glib.h>

typedef struct {
  gboolean tty;
  gboolean shown;
  gint64 last_us;
  gboolean hold;   /* relayed output is mid-line: do not draw over it */
} DmxStatus;

void dmx_status_init(DmxStatus *st);
/* At most a few times a second: "dmx: home-theater/rf  t=12.3 s emulated (tdf 4)  devices 3/3 up". */
void dmx_status_update(DmxStatus *st, const char *what, double emulated_s, double tdf, int up, int total);
/* Erases the line, so that a message can be printed. */
void dmx_status_clear(DmxStatus *st);
/* Prints "dmx: MESSAGE" on stderr, keeping the status line intact. */
void dmx_say(DmxStatus *st, const char *fmt, ...) G_GNUC_PRINTF(2, 3);
