/* traffic: the run's traffic matrix. At the end of a run the medium's `stats` (one JSON line) is turned into
 * RUN/traffic.csv, one row per directed pair: src,dst,sent_frames,sent_bytes,dropped_frames,dropped_bytes,
 * offered_frames,offered_bytes; and medium.pcap's own frame and byte count is read to cross-check it. */
#pragma once
#include <glib.h>

typedef struct {
  guint64 sent_frames, sent_bytes, dropped_frames, dropped_bytes, offered_frames, offered_bytes;
  guint links;
} DmxTraffic;

/* Writes CSV_PATH from STATS_JSON (the text after "ok" of `stats`) and sums it into *TOTAL. */
gboolean dmx_traffic_write_csv(const char *stats_json, const char *csv_path, DmxTraffic *total, GError **error);
/* Counts the records of a pcap file and their original lengths. */
gboolean dmx_pcap_count(const char *path, guint64 *frames, guint64 *bytes, GError **error);
