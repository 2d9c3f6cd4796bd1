/* link_counters.h: per-link (directed station pair) statistics reported by `stats`. */
#pragma once
#include <glib.h>

typedef enum {
  DROP_LOSS,     /* the loss model */
  DROP_LIMIT,    /* queue full (packets or bytes) */
  DROP_CUT,      /* the link was cut */
  DROP_OVERSIZE, /* frame larger than the medium's MTU */
  DROP_TAP,      /* destination TAP refused the frame (full, or gone) */
  DROP_RETRY,    /* Wi-Fi: retry limit exceeded */
  DROP_REASONS
} DropReason;

extern const char *const drop_reason_names[DROP_REASONS];

typedef struct {
  guint64 offered_frames, offered_bytes; /* entered the link */
  guint64 sent_frames, sent_bytes;       /* delivered to the destination */
  guint64 dropped[DROP_REASONS];
  guint64 dropped_bytes;                 /* bytes of the dropped frames, all reasons */
  guint64 duplicated, corrupted, ecn_marked, reordered, retries;
  guint64 queue_delay_sum_ns, queue_delay_max_ns, queue_delay_samples;
} LinkCounters;

guint64 link_counters_dropped_total(const LinkCounters *c);
void link_counters_add_queue_delay(LinkCounters *c, guint64 delay_ns);
/* Counts one dropped frame of LEN bytes. */
void link_counters_drop(LinkCounters *c, DropReason reason, guint32 len);
