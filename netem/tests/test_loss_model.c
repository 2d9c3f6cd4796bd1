/* test_loss_model.c: loss generators: measured rate against the model (99% binomial bound for independent
 * loss), reproducibility from a seed, and burstiness of the Markov models. */
#include "link_spec.h"
#include "loss_model.h"
#include <math.h>

#define DRAWS 400000

static double measure(const char *spec_text, guint64 seed, double *mean_burst)
{
  LinkSpec spec;
  g_assert_true(link_spec_parse(spec_text, &spec, NULL));
  Rng rng;
  rng_seed(&rng, seed);
  LossModel m;
  loss_model_init(&m, &spec.loss, &rng);
  guint64 lost = 0, bursts = 0;
  gboolean prev = FALSE;
  for (int i = 0; i < DRAWS; i++) {
    gboolean l = loss_model_lose(&m, &rng);
    lost += l;
    if (l && !prev)
      bursts++;
    prev = l;
  }
  if (mean_burst)
    *mean_burst = bursts ? (double)lost / bursts : 0;
  return (double)lost / DRAWS;
}

static void test_random_binomial_bound(void)
{
  const double ps[] = {0.001, 0.01, 0.1, 0.5};
  for (gsize k = 0; k < G_N_ELEMENTS(ps); k++) {
    char *spec = g_strdup_printf("loss random %g%%", ps[k] * 100);
    double rate = measure(spec, 1234 + k, NULL);
    double bound = 2.576 * sqrt(ps[k] * (1 - ps[k]) / DRAWS);
    g_test_message("%s: measured %.5f, expected %.5f +- %.5f", spec, rate, ps[k], bound);
    g_assert_cmpfloat(fabs(rate - ps[k]), <=, bound);
    g_free(spec);
  }
}

static void test_same_seed_same_sequence(void)
{
  LinkSpec spec;
  g_assert_true(link_spec_parse("loss gemodel 1% 10% 70% 0.1%", &spec, NULL));
  Rng a, b, c;
  rng_seed(&a, 99);
  rng_seed(&b, 99);
  rng_seed(&c, 100);
  LossModel ma, mb, mc;
  loss_model_init(&ma, &spec.loss, &a);
  loss_model_init(&mb, &spec.loss, &b);
  loss_model_init(&mc, &spec.loss, &c);
  int differ = 0;
  for (int i = 0; i < 100000; i++) {
    gboolean la = loss_model_lose(&ma, &a);
    g_assert_cmpint(la, ==, loss_model_lose(&mb, &b));
    differ += la != loss_model_lose(&mc, &c);
  }
  g_assert_cmpint(differ, >, 0);
}

static void test_markov_models(void)
{
  const char *specs[] = {"loss gemodel 1% 10% 70% 0.1%", "loss gemodel 5%", "loss state 1% 30% 5% 40% 0.1%",
                         "loss state 2%"};
  for (gsize k = 0; k < G_N_ELEMENTS(specs); k++) {
    LinkSpec spec;
    g_assert_true(link_spec_parse(specs[k], &spec, NULL));
    double expected = loss_model_expected_rate(&spec.loss);
    double burst;
    double rate = measure(specs[k], 77 + k, &burst);
    g_test_message("%s: measured %.5f, stationary %.5f, mean burst %.2f", specs[k], rate, expected, burst);
    /* Correlated losses: the binomial bound is too tight; allow 10% relative. */
    g_assert_cmpfloat(fabs(rate - expected), <=, 0.10 * expected + 0.0005);
  }
  double burst;
  measure("loss gemodel 1% 10% 70% 0.1%", 5, &burst);
  g_assert_cmpfloat(burst, >, 1.5); /* bursty, unlike random loss */
}

static void test_correlated_random_keeps_mean(void)
{
  double burst_plain, burst_corr;
  double plain = measure("loss 10%", 3, &burst_plain);
  double rate = measure("loss 10% 75%", 3, &burst_corr);
  g_test_message("loss 10%%: %.4f (bursts %.2f); loss 10%% 75%%: %.4f (bursts %.2f)", plain, burst_plain, rate,
                 burst_corr);
  g_assert_cmpfloat(fabs(rate - 0.10), <=, 0.01); /* the marginal rate is kept */
  g_assert_cmpfloat(burst_corr, >, 1.3 * burst_plain); /* and losses cluster */
}
int main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/netem/loss/random_binomial_bound", test_random_binomial_bound);
  g_test_add_func("/netem/loss/same_seed_same_sequence", test_same_seed_same_sequence);
  g_test_add_func("/netem/loss/markov_models", test_markov_models);
  g_test_add_func("/netem/loss/correlated_random", test_correlated_random_keeps_mean);
  return g_test_run();
}
