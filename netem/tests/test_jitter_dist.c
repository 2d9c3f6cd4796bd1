/* test_jitter_dist.c: delay distributions have the configured mean and standard deviation (within 10%). */
#include "jitter_dist.h"
#include "rng.h"
#include <math.h>

static void check(JitterDistKind kind, const char *name)
{
  const guint64 mu = 50000000, sigma = 5000000; /* 50 ms +- 5 ms: no clamping at 0 */
  const int n = 400000;
  Rng rng;
  rng_seed(&rng, 2024);
  double sum = 0, sum2 = 0;
  for (int i = 0; i < n; i++) {
    double d = (double)jitter_dist_delay_ns(kind, mu, sigma, rng_uniform(&rng), rng_uniform(&rng));
    sum += d;
    sum2 += d * d;
  }
  double mean = sum / n, sd = sqrt(sum2 / n - mean * mean);
  double want_sd = jitter_dist_stddev(kind, (double)sigma);
  g_test_message("%s: mean %.0f ns (want %" G_GUINT64_FORMAT "), sd %.0f ns (want %.0f)", name, mean, mu, sd, want_sd);
  g_assert_cmpfloat(fabs(mean - mu), <, 0.02 * sigma * 10);
  g_assert_cmpfloat(fabs(sd - want_sd), <=, 0.10 * want_sd);
}

static void test_uniform(void) { check(JITTER_UNIFORM, "uniform"); }
static void test_normal(void) { check(JITTER_NORMAL, "normal"); }
static void test_pareto(void) { check(JITTER_PARETO, "pareto"); }
static void test_paretonormal(void) { check(JITTER_PARETONORMAL, "paretonormal"); }

static void test_normal_quantile(void)
{
  g_assert_cmpfloat(fabs(normal_quantile(0.5)), <, 1e-9);
  g_assert_cmpfloat(fabs(normal_quantile(0.975) - 1.959963985), <, 1e-7);
  g_assert_cmpfloat(fabs(normal_quantile(0.001) + 3.090232306), <, 1e-7);
}

static void test_never_negative(void)
{
  g_assert_cmpuint(jitter_dist_delay_ns(JITTER_NORMAL, 1000, 100000, 0.0001, 0.5), ==, 0);
}

int main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/netem/jitter/uniform", test_uniform);
  g_test_add_func("/netem/jitter/normal", test_normal);
  g_test_add_func("/netem/jitter/pareto", test_pareto);
  g_test_add_func("/netem/jitter/paretonormal", test_paretonormal);
  g_test_add_func("/netem/jitter/normal_quantile", test_normal_quantile);
  g_test_add_func("/netem/jitter/never_negative", test_never_negative);
  return g_test_run();
}
