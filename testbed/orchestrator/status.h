/* status: the one-line live progress on stderr (only when stderr is a terminal):
 *
 *   dmx: home-theater/rf  t=12.3/16 s  tdf 8  fps 7.0 (mean 15.2)  ETA 0:29  devices 3/3 up
 *
 * t is emulated time (and the scenario's end, when it has one); fps counts the frames every screen of the run has
 * presented, from the lines of RUN/devices/NAME/screen-frames.csv as they are written: over the last emulated
 * second and since the first frame; ETA is the wall time left until the end (emulated time left x TDF), shown
 * only when the scenario has a duration_s (otherwise the app decides when the run ends). */
#pragma once
#include <glib.h>

#define DMX_STATUS_MAX_SCREENS 16

typedef struct {
  char name[64];            /* device directory name */
  gint64 offset;            /* bytes of its screen-frames.csv already counted */
  gboolean header_seen;
} DmxStatusScreen;

typedef struct {
  gboolean tty;
  gboolean shown;
  gint64 last_us;
  gboolean hold;            /* relayed output is mid-line: do not draw over it */
  const char *run_dir;      /* not owned; NULL: no FPS */
  double duration_s;        /* the scenario's end (emulated); <= 0: none */
  guint n_screens;
  DmxStatusScreen screens[DMX_STATUS_MAX_SCREENS];
  guint64 frames;           /* presented so far, over every screen */
  double first_frame_s;     /* emulated time frames were first seen; < 0: none yet */
  double window_s;          /* start of the current FPS window (emulated) */
  guint64 window_frames;
  double fps_now;           /* over the last complete window; < 0: not yet known */
} DmxStatus;

void dmx_status_init(DmxStatus *st);
/* Lets the line show FPS (from RUN_DIR, which must outlive ST) and, when DURATION_S > 0, the ETA. */
void dmx_status_watch(DmxStatus *st, const char *run_dir, double duration_s);
/* At most a few times a second, the line above. */
void dmx_status_update(DmxStatus *st, const char *what, double emulated_s, double tdf, int up, int total);
/* The line's text (without "\r" and the erase): FPS_NOW/FPS_MEAN < 0 and DURATION_S <= 0 are left out. */
char *dmx_status_format(const char *what, double emulated_s, double duration_s, double tdf, double fps_now,
                        double fps_mean, int up, int total);
/* Erases the line, so that a message can be printed. */
void dmx_status_clear(DmxStatus *st);
/* Prints "dmx: MESSAGE" on stderr, keeping the status line intact. */
void dmx_say(DmxStatus *st, const char *fmt, ...) G_GNUC_PRINTF(2, 3);
