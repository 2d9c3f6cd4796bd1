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

/* netem's "correlated random": the next value is a blend of a fresh uniform value and the previous one,
 * weighted by the correlation rho in [0, 1]. */
typedef struct {
  double rho;
  double last;
} CorrelatedRandom;

void correlated_random_init(CorrelatedRandom *cr, double rho, Rng *rng);
double correlated_random_next(CorrelatedRandom *cr, Rng *rng);
