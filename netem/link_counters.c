/* link_counters.c: counter helpers. */
#include "link_counters.h"

const char *const drop_reason_names[DROP_REASONS] = {"loss", "limit", "cut", "oversize", "tap", "retry"};

guint64 link_counters_dropped_total(const LinkCounters *c)
{
  guint64 total = 0;
  for (int r = 0; r < DROP_REASONS; r++)
    total += c->dropped[r];
  return total;
}

void link_counters_add_queue_delay(LinkCounters *c, guint64 delay_ns)
{
  c->queue_delay_sum_ns += delay_ns;
  c->queue_delay_samples++;
  if (delay_ns > c->queue_delay_max_ns)
    c->queue_delay_max_ns = delay_ns;
}

void link_counters_drop(LinkCounters *c, DropReason reason, guint32 len)
{
  c->dropped[reason]++;
  c->dropped_bytes += len;
}
