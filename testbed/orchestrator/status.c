/* status: see status.h. */
#include "status.h"

#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#define REDRAW_US 200000   /* a few times a second is live enough and costs nothing */
#define FPS_WINDOW_S 1.0   /* emulated seconds per "fps now" window */

void dmx_status_init(DmxStatus *st) {
  *st = (DmxStatus){.tty = isatty(STDERR_FILENO) && g_getenv("DMX_NO_STATUS") == NULL, .first_frame_s = -1,
                    .fps_now = -1};
}

void dmx_status_watch(DmxStatus *st, const char *run_dir, double duration_s) {
  st->run_dir = run_dir;
  st->duration_s = duration_s;
}

/* The screens of the run, found as their frame logs appear. */
static void find_screens(DmxStatus *st) {
  g_autofree char *devices = g_build_filename(st->run_dir, "devices", NULL);
  g_autoptr(GDir) dir = g_dir_open(devices, 0, NULL);
  const char *name;
  while (dir && (name = g_dir_read_name(dir)) && st->n_screens < DMX_STATUS_MAX_SCREENS) {
    gboolean known = FALSE;
    for (guint i = 0; i < st->n_screens && !known; i++)
      known = strcmp(st->screens[i].name, name) == 0;
    g_autofree char *csv = g_build_filename(devices, name, "screen-frames.csv", NULL);
    if (known || strlen(name) >= sizeof st->screens[0].name || !g_file_test(csv, G_FILE_TEST_EXISTS))
      continue;
    DmxStatusScreen *s = &st->screens[st->n_screens++];
    *s = (DmxStatusScreen){0};
    g_strlcpy(s->name, name, sizeof s->name);
  }
}

/* Counts the lines appended to one screen's frame log since the last call (its first line is the header). */
static guint64 new_frames(DmxStatus *st, DmxStatusScreen *s) {
  g_autofree char *csv = g_build_filename(st->run_dir, "devices", s->name, "screen-frames.csv", NULL);
  int fd = open(csv, O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return 0;
  guint64 lines = 0;
  char buf[8192];
  ssize_t n;
  while ((n = pread(fd, buf, sizeof buf, s->offset)) > 0) {
    for (ssize_t i = 0; i < n; i++)
      lines += buf[i] == '\n';
    s->offset += n;
  }
  close(fd);
  if (lines && !s->header_seen) {
    s->header_seen = TRUE;
    lines--;
  }
  return lines;
}

static void count_frames(DmxStatus *st, double emulated_s) {
  if (!st->run_dir)
    return;
  find_screens(st);
  for (guint i = 0; i < st->n_screens; i++)
    st->frames += new_frames(st, &st->screens[i]);
  if (st->frames && st->first_frame_s < 0) {
    st->first_frame_s = emulated_s;
    st->window_s = emulated_s;
    st->window_frames = st->frames;
  }
  if (st->first_frame_s >= 0 && emulated_s - st->window_s >= FPS_WINDOW_S) {
    st->fps_now = (st->frames - st->window_frames) / (emulated_s - st->window_s);
    st->window_s = emulated_s;
    st->window_frames = st->frames;
  }
}

char *dmx_status_format(const char *what, double emulated_s, double duration_s, double tdf, double fps_now,
                        double fps_mean, int up, int total) {
  GString *s = g_string_new(NULL);
  g_string_append_printf(s, "dmx: %s  t=%.1f", what, emulated_s);
  if (duration_s > 0)
    g_string_append_printf(s, "/%g", duration_s);
  g_string_append_printf(s, " s  tdf %g", tdf);
  if (fps_now >= 0)
    g_string_append_printf(s, "  fps %.1f", fps_now);
  if (fps_mean >= 0)
    g_string_append_printf(s, fps_now >= 0 ? " (mean %.1f)" : "  fps mean %.1f", fps_mean);
  if (duration_s > 0) {
    double left = (duration_s - emulated_s) * tdf;
    int secs = left > 0 ? (int)(left + 0.5) : 0;
    g_string_append_printf(s, "  ETA %d:%02d", secs / 60, secs % 60);
  }
  g_string_append_printf(s, "  devices %d/%d up", up, total);
  return g_string_free(s, FALSE);
}

void dmx_status_update(DmxStatus *st, const char *what, double emulated_s, double tdf, int up, int total) {
  if (!st || !st->tty || st->hold)
    return;
  gint64 now = g_get_monotonic_time();
  if (now - st->last_us < REDRAW_US)
    return;
  st->last_us = now;
  count_frames(st, emulated_s);
  double since = emulated_s - st->first_frame_s;
  double mean = st->first_frame_s >= 0 && since > 0.5 ? st->frames / since : -1;
  g_autofree char *line = dmx_status_format(what, emulated_s, st->duration_s, tdf, st->fps_now, mean, up, total);
  fprintf(stderr, "\r\033[K%s", line);
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
