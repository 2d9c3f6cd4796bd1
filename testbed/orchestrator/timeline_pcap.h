/* timeline_pcap: a run's traffic over emulated time, from RUN/medium.pcap (every frame the medium carried).
 *
 * A frame belongs to the devices of its MACs (02:dd:00:00:00:NN is device NN); a broadcast counts as received by
 * every other device. The pcap's timestamps are the host's wall clock (netem/pcap_writer.c), so a frame's emulated
 * time is (ts - WALL_EPOCH_NS) / TDF. The file is read by hand (the classic pcap format is 24 + 16 bytes of
 * headers), not with libpcap. */
#pragma once
#include <glib.h>

typedef struct {
  guint n_devices;     /* device indexes 1..n_devices */
  double bin_s;        /* width of the per-device bins */
  guint n_bins;
  double **tx, **rx;   /* [index - 1][bin] bytes sent / received by the device */
  guint n_seconds;
  GHashTable *links;   /* "SRC>DST" (device indexes as text) -> double[n_seconds] bytes per emulated second */
  guint64 frames, frames_outside; /* all frames; frames before the epoch or after the end (ignored) */
} DmxPcapTimeline;

/* Reads PATH over [0, DURATION_S) emulated seconds. FALSE (ERROR set) if it cannot be read or is not a pcap. */
gboolean dmx_pcap_timeline_read(const char *path, gint64 wall_epoch_ns, double tdf, double duration_s,
                                guint n_devices, double bin_s, DmxPcapTimeline *out, GError **error);
void dmx_pcap_timeline_clear(DmxPcapTimeline *t);
