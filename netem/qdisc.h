/* qdisc.h: one link's netem queue: loss, duplication, corruption, limit, delay with jitter, reordering and
 * rate shaping. Packets sit in a time-ordered FIFO ("tfifo") until their time_to_send. */
#pragma once
#include "link_counters.h"
#include "link_spec.h"
#include "loss_model.h"
#include "packet.h"
#include "rng.h"

typedef struct {
  LinkSpec spec; /* already dilated by the TDF */
  Rng rng;
  CorrelatedRandom delay_cr, dup_cr, corrupt_cr, reorder_cr;
  LossModel loss;
  GQueue fifo; /* Packet*, ascending time_to_send */
  guint64 bytes;
  guint32 counter; /* packets since the last reorder (netem's gap counter) */
} Qdisc;

void qdisc_init(Qdisc *q, const LinkSpec *spec, guint64 seed);
/* Replaces the impairments (as `tc qdisc change`); packets already queued keep their times. */
void qdisc_set_spec(Qdisc *q, const LinkSpec *spec, guint64 seed);
void qdisc_clear(Qdisc *q);
/* Takes ownership of p. Counts drops, duplicates etc. in c. */
void qdisc_enqueue(Qdisc *q, Packet *p, guint64 now_ns, LinkCounters *c);
/* The head packet if its time has come, else NULL. */
Packet *qdisc_dequeue(Qdisc *q, guint64 now_ns);
/* time_to_send of the head packet, or G_MAXUINT64 when empty. */
guint64 qdisc_next_time(const Qdisc *q);
guint qdisc_length(const Qdisc *q);
/* Transmission time of a frame of `len` bytes at the spec's rate, with per-packet and cell overheads. */
guint64 qdisc_packet_time_ns(const LinkSpec *spec, guint32 len);
