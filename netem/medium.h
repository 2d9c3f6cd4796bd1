/* medium.h: the medium's state (stations, MAC learning, links) and the operations the control protocol
 * drives. The event loop lives in medium.c too; command parsing is in control.c. */
#pragma once
#include "airtime.h"
#include "link_counters.h"
#include "link_spec.h"
#include "pcap_writer.h"
#include "qdisc.h"
#include "tap_stamp.h"

#define MEDIUM_MAX_STATIONS 254

typedef enum { MEDIUM_WIRED, MEDIUM_WIFI } MediumMode;

typedef enum { SOURCE_LISTEN, SOURCE_CLIENT, SOURCE_TAP, SOURCE_SIGNAL } SourceKind;

typedef struct {
  SourceKind kind;
  void *owner;
} EventSource;

typedef struct {
  guint16 id; /* 1-based */
  char *name;
  int fd; /* -1 when gone */
  EventSource source;
  guint64 rx_frames, rx_bytes;
  guint64 tx_frames, tx_bytes;
  guint64 rx_oversize, rx_errors, tx_errors;
  char *gone_reason;
  TapStamp *stamp; /* TAP arrival times (NULL: use read time) */
  guint64 rx_stamped, read_lag_ns; /* frames whose link time started at their TAP arrival; their total wait there */
} Station;

typedef struct {
  Station *src, *dst;
  Qdisc qdisc;
  LinkCounters counters;
  gboolean cut;
} Link;

typedef struct {
  char *src, *dst; /* name or "*" */
  LinkSpec spec;   /* as given (not dilated) */
} LinkRule;

typedef struct {
  const char *control_path;
  const char *pcap_path;
  int snaplen;
  double tdf;
  guint64 seed;
  const char *default_spec;
  MediumMode mode;
  guint32 max_frame; /* largest Ethernet frame accepted (without FCS) */
  guint32 spin_us;   /* wake this much before a departure and busy-wait the rest (0 = pure timerfd) */
  guint32 coalesce_us; /* a departure due less than this after the loop goes to sleep may leave up to this late,
                        * together with the ones due by then (0 = one wake-up per departure) */
} MediumOptions;

typedef struct Medium Medium;

Medium *medium_new(const MediumOptions *opts, GError **error);
void medium_free(Medium *m);
/* Serves until `quit` or SIGINT/SIGTERM. */
int medium_run(Medium *m);
void medium_request_quit(Medium *m);

gboolean medium_attach(Medium *m, const char *name, int fd, guint16 *id, GError **error);
gboolean medium_detach(Medium *m, const char *name, GError **error);
/* *pending is set when SRC or DST has not attached yet (the rule waits for it). */
gboolean medium_set_link(Medium *m, const char *src, const char *dst, const char *spec, gboolean *pending,
                         GError **error);
gboolean medium_set_cut(Medium *m, const char *a, const char *b, gboolean cut, GError **error);
gboolean medium_configure_station(Medium *m, const char *name, char **args, GError **error);
char *medium_stats_json(Medium *m);

/* Monotonic time in ns. */
guint64 medium_now_ns(void);
