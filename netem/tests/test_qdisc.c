/* test_qdisc.c: rate shaping math, delay, limit, reordering, in-order option, duplication, TDF. */
#include "qdisc.h"
#include <string.h>

static Qdisc make(const char *text, double tdf)
{
  LinkSpec spec;
  GError *error = NULL;
  g_assert_true(link_spec_parse(text, &spec, &error));
  link_spec_dilate(&spec, tdf);
  Qdisc q;
  qdisc_init(&q, &spec, 1);
  return q;
}

static Packet *frame(guint32 len, guint32 seq)
{
  guint8 buf[2048] = {0};
  memcpy(buf + 14, &seq, sizeof(seq));
  return packet_new(buf, len, 1, 2);
}

static guint32 seq_of(const Packet *p)
{
  guint32 seq;
  memcpy(&seq, p->data + 14, sizeof(seq));
  return seq;
}

static void test_packet_time(void)
{
  LinkSpec s;
  g_assert_true(link_spec_parse("rate 100mbit", &s, NULL));
  g_assert_cmpuint(qdisc_packet_time_ns(&s, 1500), ==, 120000);
  g_assert_true(link_spec_parse("rate 100mbit 20", &s, NULL));
  g_assert_cmpuint(qdisc_packet_time_ns(&s, 1500), ==, 121600);
  /* ATM-like cells: 1500 bytes -> 32 cells of 48 bytes, each sent as 53. */
  g_assert_true(link_spec_parse("rate 1mbit 0 48 5", &s, NULL));
  g_assert_cmpuint(qdisc_packet_time_ns(&s, 1500), ==, 32ULL * 53 * 8 * 1000);
  g_assert_true(link_spec_parse("rate 10gbit", &s, NULL));
  g_assert_cmpuint(qdisc_packet_time_ns(&s, 1500), ==, 1200);
}

static void test_rate_backlog(void)
{
  /* 100 back-to-back 1500-byte frames at 10 Mbit/s leave 1.2 ms apart; the last at 120 ms (+ delay). */
  Qdisc q = make("rate 10mbit delay 5ms", 1);
  LinkCounters c = {0};
  for (guint i = 0; i < 100; i++)
    qdisc_enqueue(&q, frame(1500, i), 0, &c);
  guint64 prev = 0;
  for (guint i = 0; i < 100; i++) {
    Packet *p = qdisc_dequeue(&q, G_MAXUINT64 - 1);
    g_assert_nonnull(p);
    g_assert_cmpuint(seq_of(p), ==, i);
    if (i > 0)
      g_assert_cmpuint(p->time_to_send_ns - prev, ==, 1200000);
    prev = p->time_to_send_ns;
    packet_free(p);
  }
  g_assert_cmpuint(prev, ==, 5000000 + 100 * 1200000ULL);
  qdisc_clear(&q);
}

static void test_delay_and_due(void)
{
  Qdisc q = make("delay 2ms", 1);
  LinkCounters c = {0};
  qdisc_enqueue(&q, frame(100, 1), 1000, &c);
  g_assert_cmpuint(qdisc_next_time(&q), ==, 2001000);
  g_assert_null(qdisc_dequeue(&q, 2000999));
  Packet *p = qdisc_dequeue(&q, 2001000);
  g_assert_nonnull(p);
  packet_free(p);
  g_assert_cmpuint(qdisc_next_time(&q), ==, G_MAXUINT64);
}

static void test_limits(void)
{
  Qdisc q = make("delay 1s limit 10", 1);
  LinkCounters c = {0};
  for (guint i = 0; i < 15; i++)
    qdisc_enqueue(&q, frame(1000, i), 0, &c);
  g_assert_cmpuint(qdisc_length(&q), ==, 10);
  g_assert_cmpuint(c.dropped[DROP_LIMIT], ==, 5);
  qdisc_clear(&q);
  Qdisc b = make("delay 1s bytelimit 5000b", 1);
  LinkCounters cb = {0};
  for (guint i = 0; i < 10; i++)
    qdisc_enqueue(&b, frame(1000, i), 0, &cb);
  g_assert_cmpuint(qdisc_length(&b), ==, 5);
  g_assert_cmpuint(cb.dropped[DROP_LIMIT], ==, 5);
  qdisc_clear(&b);
}

static guint count_inversions(Qdisc *q, guint n)
{
  guint inversions = 0, last = 0;
  for (guint i = 0; i < n; i++) {
    Packet *p = qdisc_dequeue(q, G_MAXUINT64 - 1);
    g_assert_nonnull(p);
    if (i > 0 && seq_of(p) < last)
      inversions++;
    last = seq_of(p);
    packet_free(p);
  }
  return inversions;
}

static void test_jitter_reorders_unless_inorder(void)
{
  /* Packets 100 µs apart with ±5 ms jitter: netem reorders them; `inorder` keeps them in sequence. */
  Qdisc q = make("delay 10ms 5ms", 1);
  Qdisc o = make("delay 10ms 5ms inorder", 1);
  LinkCounters c = {0};
  for (guint i = 0; i < 200; i++) {
    qdisc_enqueue(&q, frame(100, i), i * 100000ULL, &c);
    qdisc_enqueue(&o, frame(100, i), i * 100000ULL, &c);
  }
  g_assert_cmpuint(count_inversions(&q, 200), >, 20);
  g_assert_cmpuint(count_inversions(&o, 200), ==, 0);
}

static void test_reorder_gap(void)
{
  /* reorder 100% gap 5: every 5th packet is sent at once, ahead of the queue. */
  Qdisc q = make("delay 10ms reorder 100% gap 5", 1);
  LinkCounters c = {0};
  for (guint i = 0; i < 20; i++)
    qdisc_enqueue(&q, frame(100, i), 0, &c);
  g_assert_cmpuint(c.reordered, ==, 4);
  Packet *p = qdisc_dequeue(&q, 0);
  g_assert_nonnull(p);
  g_assert_cmpuint(seq_of(p), ==, 19);
  packet_free(p);
  qdisc_clear(&q);
}

static void test_duplicate_and_corrupt(void)
{
  Qdisc q = make("duplicate 100% corrupt 100% limit 10000", 1);
  LinkCounters c = {0};
  for (guint i = 0; i < 100; i++)
    qdisc_enqueue(&q, frame(100, i), 0, &c);
  g_assert_cmpuint(qdisc_length(&q), ==, 200);
  g_assert_cmpuint(c.duplicated, ==, 100);
  g_assert_cmpuint(c.corrupted, ==, 200);
  qdisc_clear(&q);
}

static void test_ecn_marks_instead_of_drop(void)
{
  Qdisc q = make("loss 100% ecn", 1);
  LinkCounters c = {0};
  guint8 ip[60] = {0};
  ip[12] = 0x08; /* IPv4 */
  ip[14] = 0x45;
  ip[15] = 0x02; /* ECT(0) */
  qdisc_enqueue(&q, packet_new(ip, sizeof(ip), 1, 2), 0, &c);
  qdisc_enqueue(&q, frame(60, 1), 0, &c); /* not IP: dropped */
  g_assert_cmpuint(c.ecn_marked, ==, 1);
  g_assert_cmpuint(c.dropped[DROP_LOSS], ==, 1);
  Packet *p = qdisc_dequeue(&q, 0);
  g_assert_cmpuint(p->data[15] & 3, ==, 3);
  packet_free(p);
}

static void test_tdf(void)
{
  Qdisc q = make("rate 100mbit delay 1ms", 10);
  LinkCounters c = {0};
  qdisc_enqueue(&q, frame(1500, 0), 0, &c);
  /* 10 ms delay + 1500 bytes at 10 Mbit/s (1.2 ms). */
  g_assert_cmpuint(qdisc_next_time(&q), ==, 10000000 + 1200000);
  qdisc_clear(&q);
}

static void test_seed_reproducible(void)
{
  Qdisc a = make("delay 10ms 3ms distribution normal loss 20% seed 5", 1);
  Qdisc b = make("delay 10ms 3ms distribution normal loss 20% seed 5", 1);
  LinkCounters c = {0};
  for (guint i = 0; i < 500; i++) {
    qdisc_enqueue(&a, frame(100, i), i * 1000ULL, &c);
    qdisc_enqueue(&b, frame(100, i), i * 1000ULL, &c);
  }
  g_assert_cmpuint(qdisc_length(&a), ==, qdisc_length(&b));
  Packet *pa, *pb;
  while ((pa = qdisc_dequeue(&a, G_MAXUINT64 - 1))) {
    pb = qdisc_dequeue(&b, G_MAXUINT64 - 1);
    g_assert_cmpuint(pa->time_to_send_ns, ==, pb->time_to_send_ns);
    g_assert_cmpuint(seq_of(pa), ==, seq_of(pb));
    packet_free(pa);
    packet_free(pb);
  }
}

int main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/netem/qdisc/packet_time", test_packet_time);
  g_test_add_func("/netem/qdisc/rate_backlog", test_rate_backlog);
  g_test_add_func("/netem/qdisc/delay_and_due", test_delay_and_due);
  g_test_add_func("/netem/qdisc/limits", test_limits);
  g_test_add_func("/netem/qdisc/jitter_reorders_unless_inorder", test_jitter_reorders_unless_inorder);
  g_test_add_func("/netem/qdisc/reorder_gap", test_reorder_gap);
  g_test_add_func("/netem/qdisc/duplicate_and_corrupt", test_duplicate_and_corrupt);
  g_test_add_func("/netem/qdisc/ecn", test_ecn_marks_instead_of_drop);
  g_test_add_func("/netem/qdisc/tdf", test_tdf);
  g_test_add_func("/netem/qdisc/seed_reproducible", test_seed_reproducible);
  return g_test_run();
}
