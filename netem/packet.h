/* packet.h: one Ethernet frame in flight through the medium, and the few header edits netem makes. */
#pragma once
#include <glib.h>

typedef struct Packet {
  guint64 time_to_send_ns; /* CLOCK_MONOTONIC deadline in the current stage */
  guint64 enqueued_ns;     /* when it entered the current stage, for queue-delay stats */
  guint32 len;
  guint16 src; /* station ids */
  guint16 dst;
  guint8 retries; /* Wi-Fi retransmissions so far */
  gboolean group; /* broadcast/multicast destination MAC */
  guint8 data[];
} Packet;

Packet *packet_new(const guint8 *data, guint32 len, guint16 src, guint16 dst);
Packet *packet_copy(const Packet *p);
void packet_free(Packet *p);

/* Marks an ECN-capable IPv4/IPv6 packet Congestion Experienced. Returns FALSE when the packet is not ECT. */
gboolean packet_mark_ce(Packet *p);
/* Flips one random bit, as netem's corrupt does, chosen by `r` (a 32-bit random number). */
void packet_corrupt(Packet *p, guint32 r);
