/* qdisc.c: the per-link netem queue. Order of decisions on enqueue follows the kernel's netem: duplicate,
 * loss (or ECN mark), corrupt, limit, then delay/reorder/rate to compute time_to_send. */
#include "qdisc.h"
#include "jitter_dist.h"

void qdisc_set_spec(Qdisc *q, const LinkSpec *spec, guint64 seed)
{
  q->spec = *spec;
  rng_seed(&q->rng, spec->has_seed ? spec->seed : seed);
  correlated_random_init(&q->delay_cr, spec->delay_corr, &q->rng);
  correlated_random_init(&q->dup_cr, spec->duplicate_corr, &q->rng);
  correlated_random_init(&q->corrupt_cr, spec->corrupt_corr, &q->rng);
  correlated_random_init(&q->reorder_cr, spec->reorder_corr, &q->rng);
  loss_model_init(&q->loss, &spec->loss, &q->rng);
  q->counter = 0;
}

void qdisc_init(Qdisc *q, const LinkSpec *spec, guint64 seed)
{
  g_queue_init(&q->fifo);
  q->bytes = 0;
  qdisc_set_spec(q, spec, seed);
}

void qdisc_clear(Qdisc *q)
{
  Packet *p;
  while ((p = g_queue_pop_head(&q->fifo)))
    packet_free(p);
  q->bytes = 0;
}

guint64 qdisc_packet_time_ns(const LinkSpec *spec, guint32 len)
{
  if (!spec->rate_bps)
    return 0;
  gint64 bytes = (gint64)len + spec->packet_overhead;
  if (spec->cell_size) {
    gint64 cells = (bytes + spec->cell_size - 1) / spec->cell_size;
    bytes = cells * ((gint64)spec->cell_size + spec->cell_overhead);
  }
  if (bytes <= 0)
    return 0;
  /* 128-bit intermediate so multi-Gbit rates and long frames don't overflow or lose precision. */
  unsigned __int128 ns = (unsigned __int128)bytes * 8 * 1000000000ULL;
  return (guint64)((ns + spec->rate_bps / 2) / spec->rate_bps);
}

static void tfifo_insert(Qdisc *q, Packet *p)
{
  GList *l = q->fifo.tail;
  while (l && ((Packet *)l->data)->time_to_send_ns > p->time_to_send_ns)
    l = l->prev;
  if (!l)
    g_queue_push_head(&q->fifo, p);
  else
    g_queue_insert_after(&q->fifo, l, p);
}

static guint64 last_time_to_send(const Qdisc *q)
{
  return q->fifo.tail ? ((Packet *)q->fifo.tail->data)->time_to_send_ns : 0;
}

static gboolean reorder_now(Qdisc *q)
{
  const LinkSpec *s = &q->spec;
  if (s->gap == 0 || s->reorder <= 0 || q->counter + 1 < s->gap)
    return FALSE;
  return correlated_random_next(&q->reorder_cr, &q->rng) < s->reorder;
}

static void schedule(Qdisc *q, Packet *p, guint64 now, LinkCounters *c)
{
  const LinkSpec *s = &q->spec;
  if (reorder_now(q)) {
    /* netem sends this one at once, ahead of everything queued. */
    q->counter = 0;
    p->time_to_send_ns = now;
    g_queue_push_head(&q->fifo, p);
    c->reordered++;
    return;
  }
  q->counter++;
  guint64 delay = s->delay_ns;
  if (s->jitter_ns) {
    double u = correlated_random_next(&q->delay_cr, &q->rng);
    double u2 = s->dist == JITTER_PARETONORMAL ? rng_uniform(&q->rng) : 0.5;
    delay = jitter_dist_delay_ns(s->dist, s->delay_ns, s->jitter_ns, u, u2);
  }
  guint64 start = now;
  if (s->rate_bps && q->fifo.tail) {
    /* The last queued packet is the reference point: time already spent waiting counts against the delay. */
    guint64 last = last_time_to_send(q);
    if (last > now) {
      guint64 bonus = last - now;
      delay = delay > bonus ? delay - bonus : 0;
      start = last;
    }
  }
  p->time_to_send_ns = start + delay + qdisc_packet_time_ns(s, p->len);
  if (s->in_order && p->time_to_send_ns < last_time_to_send(q))
    p->time_to_send_ns = last_time_to_send(q);
  tfifo_insert(q, p);
}

static gboolean over_limit(const Qdisc *q, const Packet *p)
{
  if (q->fifo.length >= q->spec.limit_packets)
    return TRUE;
  return q->spec.limit_bytes && q->bytes + p->len > q->spec.limit_bytes;
}

static void enqueue_one(Qdisc *q, Packet *p, guint64 now, LinkCounters *c, gboolean may_duplicate)
{
  const LinkSpec *s = &q->spec;
  int count = 1;
  if (may_duplicate && s->duplicate > 0 && correlated_random_next(&q->dup_cr, &q->rng) < s->duplicate)
    count++;
  if (loss_model_lose(&q->loss, &q->rng)) {
    if (s->ecn && packet_mark_ce(p))
      c->ecn_marked++;
    else
      count--;
  }
  if (count == 0) {
    link_counters_drop(c, DROP_LOSS, p->len);
    packet_free(p);
    return;
  }
  if (count > 1) {
    /* The copy goes through the whole qdisc again (loss, delay...), but is never duplicated itself. */
    c->duplicated++;
    enqueue_one(q, packet_copy(p), now, c, FALSE);
  }
  if (s->corrupt > 0 && correlated_random_next(&q->corrupt_cr, &q->rng) < s->corrupt) {
    packet_corrupt(p, rng_u32(&q->rng));
    c->corrupted++;
  }
  if (over_limit(q, p)) {
    link_counters_drop(c, DROP_LIMIT, p->len);
    packet_free(p);
    return;
  }
  p->enqueued_ns = now;
  q->bytes += p->len;
  schedule(q, p, now, c);
}

void qdisc_enqueue(Qdisc *q, Packet *p, guint64 now_ns, LinkCounters *c)
{
  c->offered_frames++;
  c->offered_bytes += p->len;
  enqueue_one(q, p, now_ns, c, TRUE);
}

Packet *qdisc_dequeue(Qdisc *q, guint64 now_ns)
{
  Packet *head = g_queue_peek_head(&q->fifo);
  if (!head || head->time_to_send_ns > now_ns)
    return NULL;
  g_queue_pop_head(&q->fifo);
  q->bytes -= head->len;
  return head;
}

guint64 qdisc_next_time(const Qdisc *q)
{
  const Packet *head = q->fifo.head ? q->fifo.head->data : NULL;
  return head ? head->time_to_send_ns : G_MAXUINT64;
}

guint qdisc_length(const Qdisc *q)
{
  return q->fifo.length;
}
