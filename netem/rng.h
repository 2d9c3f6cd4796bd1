/* rng.h: a small seeded PRNG (xoshiro256**) and netem's correlated-random helper.
 * Each link owns its own generator so one link's traffic never shifts another link's random sequence. */
#pragma once
#include <glib.h>

typedef struct {
  guint64 s[4];
} Rng;

void rng_seed(Rng *rng, guint64 seed);
guint64 rng_next(Rng *rng);
guint32 rng_u32(Rng *rng);
/* Uniform double in [0, 1). */
double rng_uniform(Rng *rng);

/* Correlated uniform values for netem's CORR parameters. The kernel blends each fresh uniform with the previous
 * value, which squeezes the distribution towards 0.5 (so "loss 10% 50%" loses ~0.1%, a known netem defect).
 * We keep the meaning (consecutive draws correlated by rho) but preserve the uniform marginal through a
 * Gaussian copula: z' = rho z + sqrt(1 - rho^2) e, u = Phi(z'). So "loss P CORR" still loses P on average. */
typedef struct {
  double rho;
  double z;
} CorrelatedRandom;

void correlated_random_init(CorrelatedRandom *cr, double rho, Rng *rng);
double correlated_random_next(CorrelatedRandom *cr, Rng *rng);
