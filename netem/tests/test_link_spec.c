/* test_link_spec.c: the tc-netem syntax parser: good specs, defaults, units, and errors naming the token. */
#include "link_spec.h"
#include <gio/gio.h>

static LinkSpec parse_ok(const char *text)
{
  LinkSpec s;
  GError *error = NULL;
  gboolean ok = link_spec_parse(text, &s, &error);
  g_assert_no_error(error);
  g_assert_true(ok);
  return s;
}

static void assert_error(const char *text, const char *message)
{
  LinkSpec s;
  GError *error = NULL;
  g_assert_false(link_spec_parse(text, &s, &error));
  g_assert_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT);
  g_assert_cmpstr(error->message, ==, message);
  g_error_free(error);
}

static void test_full_example(void)
{
  LinkSpec s = parse_ok("rate 100mbit delay 2ms 1ms 25% distribution normal loss gemodel 1% 10% 70% 0.1%");
  g_assert_cmpuint(s.rate_bps, ==, 100000000);
  g_assert_cmpuint(s.delay_ns, ==, 2000000);
  g_assert_cmpuint(s.jitter_ns, ==, 1000000);
  g_assert_cmpfloat_with_epsilon(s.delay_corr, 0.25, 1e-12);
  g_assert_cmpint(s.dist, ==, JITTER_NORMAL);
  g_assert_cmpint(s.loss.kind, ==, LOSS_GEMODEL);
  g_assert_cmpfloat_with_epsilon(s.loss.p[0], 0.01, 1e-12);
  g_assert_cmpfloat_with_epsilon(s.loss.p[1], 0.10, 1e-12);
  g_assert_cmpfloat_with_epsilon(s.loss.p[2], 0.70, 1e-12);
  g_assert_cmpfloat_with_epsilon(s.loss.p[3], 0.001, 1e-12);
  g_assert_cmpuint(s.limit_packets, ==, 1000);
}

static void test_defaults_and_forms(void)
{
  LinkSpec s = parse_ok("");
  g_assert_cmpuint(s.rate_bps, ==, 0);
  g_assert_cmpint(s.loss.kind, ==, LOSS_NONE);
  s = parse_ok("loss random 2% 30%");
  g_assert_cmpint(s.loss.kind, ==, LOSS_RANDOM);
  g_assert_cmpfloat_with_epsilon(s.loss.p[0], 0.02, 1e-12);
  g_assert_cmpfloat_with_epsilon(s.loss.corr, 0.30, 1e-12);
  s = parse_ok("loss 0.5");
  g_assert_cmpfloat_with_epsilon(s.loss.p[0], 0.005, 1e-12);
  s = parse_ok("loss state 2%");
  g_assert_cmpint(s.loss.kind, ==, LOSS_STATE);
  g_assert_cmpfloat_with_epsilon(s.loss.p[1], 0.98, 1e-12); /* p31 = 1 - p13 */
  g_assert_cmpfloat_with_epsilon(s.loss.p[3], 1.0, 1e-12);  /* p23 */
  s = parse_ok("loss state 1% 30% 5% 40% 0.1%");
  g_assert_cmpfloat_with_epsilon(s.loss.p[4], 0.001, 1e-12);
  s = parse_ok("loss gemodel 5%");
  g_assert_cmpfloat_with_epsilon(s.loss.p[1], 0.95, 1e-12); /* r = 1 - p */
  g_assert_cmpfloat_with_epsilon(s.loss.p[2], 1.0, 1e-12);  /* 1-h */
  g_assert_cmpfloat_with_epsilon(s.loss.p[3], 0.0, 1e-12);  /* 1-k */
  s = parse_ok("rate 100mbit 20");
  g_assert_cmpint(s.packet_overhead, ==, 20);
  s = parse_ok("rate 1mbps -4 64 5");
  g_assert_cmpuint(s.rate_bps, ==, 8000000);
  g_assert_cmpint(s.packet_overhead, ==, -4);
  g_assert_cmpuint(s.cell_size, ==, 64);
  g_assert_cmpint(s.cell_overhead, ==, 5);
  s = parse_ok("delay 10ms reorder 25% 50%");
  g_assert_cmpuint(s.gap, ==, 1);
  s = parse_ok("delay 100us 20 limit 50 bytelimit 64kb duplicate 1% corrupt 0.1% ecn seed 7 inorder");
  g_assert_cmpuint(s.delay_ns, ==, 100000);
  g_assert_cmpuint(s.jitter_ns, ==, 20000); /* a bare time is µs, as tc */
  g_assert_cmpuint(s.limit_packets, ==, 50);
  g_assert_cmpuint(s.limit_bytes, ==, 65536);
  g_assert_true(s.ecn && s.has_seed && s.seed == 7 && s.in_order);
  s = parse_ok("delay 1s distribution paretonormal latency 3msec");
  g_assert_cmpuint(s.delay_ns, ==, 3000000);
}

static void test_errors(void)
{
  assert_error("delay 1ms foo", "unknown token 'foo' in link spec");
  assert_error("foo", "unknown token 'foo' in link spec");
  assert_error("delay abc", "bad time 'abc' in link spec");
  assert_error("rate fast", "bad rate 'fast' in link spec");
  assert_error("loss 120%", "bad percentage '120%' in link spec");
  assert_error("loss gemodel", "missing value after 'loss gemodel' in link spec");
  assert_error("delay 1ms 1ms distribution lognormal", "unknown distribution 'lognormal' in link spec");
  assert_error("limit -3", "bad number '-3' in link spec");
  assert_error("reorder 5%", "reordering not possible without a delay");
  assert_error("delay 1ms gap 5", "gap specified without a reorder probability");
}

static void test_dilate(void)
{
  LinkSpec s = parse_ok("rate 100mbit delay 2ms 1ms");
  link_spec_dilate(&s, 10);
  g_assert_cmpuint(s.rate_bps, ==, 10000000);
  g_assert_cmpuint(s.delay_ns, ==, 20000000);
  g_assert_cmpuint(s.jitter_ns, ==, 10000000);
}

int main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/netem/link_spec/full_example", test_full_example);
  g_test_add_func("/netem/link_spec/defaults_and_forms", test_defaults_and_forms);
  g_test_add_func("/netem/link_spec/errors", test_errors);
  g_test_add_func("/netem/link_spec/dilate", test_dilate);
  return g_test_run();
}
