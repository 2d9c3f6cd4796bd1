/* medium_main.c: dmx-medium's command line.
 *   dmx-medium --control SOCK [--pcap FILE] [--snaplen N] [--tdf F] [--seed N] [--default SPEC]
 *              [--mode wired|wifi] [--max-frame BYTES] [--spin-us N] [--coalesce-us N] [--no-realtime]
 *              [--uplink [--uplink-addr A]] [--final-stats FILE] */
#include "medium.h"
#include "uplink.h"
#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

int main(int argc, char **argv)
{
  char *control = NULL, *pcap = NULL, *def = NULL, *mode = NULL, *uplink_addr = NULL, *final_stats = NULL;
  gboolean uplink = FALSE;
  gint snaplen = 65535, max_frame = 1518;
  gdouble tdf = 1.0;
  gint64 seed = 1;
  gboolean no_realtime = FALSE;
  gint spin_us = 150, coalesce_us = 200;
  GOptionEntry entries[] = {
    {"control", 0, 0, G_OPTION_ARG_FILENAME, &control, "control socket path (required)", "SOCK"},
    {"pcap", 0, 0, G_OPTION_ARG_FILENAME, &pcap, "write delivered frames to this pcap", "FILE"},
    {"snaplen", 0, 0, G_OPTION_ARG_INT, &snaplen, "bytes captured per frame (default 65535)", "N"},
    {"tdf", 0, 0, G_OPTION_ARG_DOUBLE, &tdf, "time dilation factor: rates / F, delays * F", "F"},
    {"seed", 0, 0, G_OPTION_ARG_INT64, &seed, "random seed (default 1)", "N"},
    {"default", 0, 0, G_OPTION_ARG_STRING, &def, "link spec for every link (tc-netem syntax)", "SPEC"},
    {"mode", 0, 0, G_OPTION_ARG_STRING, &mode, "wired (default) or wifi (shared airtime through an AP)", "MODE"},
    {"max-frame", 0, 0, G_OPTION_ARG_INT, &max_frame, "largest frame accepted, bytes (default 1518)", "N"},
    {"spin-us", 0, 0, G_OPTION_ARG_INT, &spin_us, "wake N us early and busy-wait to the departure, within 5% of a core (default 150; 0 = off)", "N"},
    {"coalesce-us", 0, 0, G_OPTION_ARG_INT, &coalesce_us, "departures due within N us of going to sleep leave together, at most N us late (default 200; 0 = one wake-up per departure)", "N"},
    {"no-realtime", 0, 0, G_OPTION_ARG_NONE, &no_realtime, "do not ask for SCHED_FIFO", NULL},
    {"uplink", 0, 0, G_OPTION_ARG_NONE, &uplink, "attach a libslirp NAT station 'uplink': devices reach the host's 127.0.0.1 at 10.77.0.254", NULL},
    {"uplink-addr", 0, 0, G_OPTION_ARG_STRING, &uplink_addr, "the uplink's address in 10.77.0.0/24 (default 10.77.0.254)", "ADDR"},
    {"final-stats", 0, 0, G_OPTION_ARG_FILENAME, &final_stats, "on exit, write the final `stats` JSON here (after the last frame, like the pcap)", "FILE"},
    {NULL, 0, 0, 0, NULL, NULL, NULL},
  };
  GError *error = NULL;
  GOptionContext *ctx = g_option_context_new("- userspace link/Wi-Fi emulator for dmx devices");
  g_option_context_add_main_entries(ctx, entries, NULL);
  if (!g_option_context_parse(ctx, &argc, &argv, &error)) {
    fprintf(stderr, "dmx-medium: %s\n", error->message);
    return 2;
  }
  g_option_context_free(ctx);
  if (!control) {
    fprintf(stderr, "dmx-medium: --control SOCK is required\n");
    return 2;
  }
  MediumOptions opts = {
    .control_path = control, .pcap_path = pcap, .snaplen = snaplen, .tdf = tdf, .seed = (guint64)seed,
    .default_spec = def, .mode = MEDIUM_WIRED, .max_frame = (guint32)max_frame,
    .spin_us = (guint32)CLAMP(spin_us, 0, 2000), .coalesce_us = (guint32)CLAMP(coalesce_us, 0, 10000),
  };
  if (mode && strcmp(mode, "wifi") == 0) {
    opts.mode = MEDIUM_WIFI;
  } else if (mode && strcmp(mode, "wired") != 0) {
    fprintf(stderr, "dmx-medium: unknown mode '%s' (wired|wifi)\n", mode);
    return 2;
  }
  if (tdf <= 0 || snaplen <= 0 || max_frame < 64) {
    fprintf(stderr, "dmx-medium: --tdf, --snaplen and --max-frame must be positive (max-frame >= 64)\n");
    return 2;
  }
  /* Departures are due at µs precision; on a busy host a normal-priority process wakes late by up to a
   * scheduler tick. A low real-time priority fixes that; without the privilege we run on, slightly less precise. */
  struct sched_param sp = {.sched_priority = 10};
  if (!no_realtime && sched_setscheduler(0, SCHED_FIFO, &sp) < 0)
    g_message("SCHED_FIFO unavailable (%s); timing may be less precise on a busy host", g_strerror(errno));
  Medium *m = medium_new(&opts, &error);
  if (!m) {
    fprintf(stderr, "dmx-medium: %s\n", error->message);
    return 1;
  }
  Uplink *up = NULL;
  if (uplink || uplink_addr) {
    int fd = -1;
    guint16 id;
    up = uplink_start(uplink_addr ? uplink_addr : UPLINK_DEFAULT_ADDR, &fd, &error);
    if (!up || !medium_attach(m, UPLINK_STATION_NAME, fd, &id, &error)) {
      fprintf(stderr, "dmx-medium: %s\n", error->message);
      if (fd >= 0)
        close(fd);
      uplink_stop(up);
      medium_free(m);
      return 1;
    }
  }
  g_message("serving on %s (mode %s, tdf %g, seed %" G_GINT64_FORMAT ")", control, mode ? mode : "wired", tdf, seed);
  int rc = medium_run(m);
  if (final_stats) {
    char *json = medium_stats_json(m);
    if (!g_file_set_contents(final_stats, json, -1, &error)) {
      g_warning("%s", error->message);
      g_clear_error(&error);
    }
    g_free(json);
  }
  medium_free(m);
  uplink_stop(up);
  g_free(uplink_addr);
  g_free(final_stats);
  g_free(control);
  g_free(pcap);
  g_free(def);
  g_free(mode);
  return rc;
}
