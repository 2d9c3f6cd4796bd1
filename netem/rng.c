/* rng.c: xoshiro256** (public-domain algorithm by Blackman and Vigna), seeded through splitmix64. */
#include "rng.h"
#include <math.h>

static guint64 splitmix64(guint64 *x)
{
  guint64 z = (*x += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

void rng_seed(Rng *rng, guint64 seed)
{
  guint64 x = seed;
  for (int i = 0; i < 4; i++)
    rng->s[i] = splitmix64(&x);
}

static inline guint64 rotl(guint64 x, int k)
{
  return (x << k) | (x >> (64 - k));
}

guint64 rng_next(Rng *rng)
{
  guint64 *s = rng->s;
  guint64 result = rotl(s[1] * 5, 7) * 9;
  guint64 t = s[1] << 17;
  s[2] ^= s[0];
  s[3] ^= s[1];
  s[1] ^= s[2];
  s[0] ^= s[3];
  s[2] ^= t;
  s[3] = rotl(s[3], 45);
  return result;
}

guint32 rng_u32(Rng *rng)
{
  return (guint32)(rng_next(rng) >> 32);
}

double rng_uniform(Rng *rng)
{
  return (double)(rng_next(rng) >> 11) * (1.0 / 9007199254740992.0);
}

static double standard_normal(Rng *rng)
{
  double u1 = rng_uniform(rng), u2 = rng_uniform(rng);
  if (u1 < 1e-300)
    u1 = 1e-300;
  return sqrt(-2.0 * log(u1)) * cos(2.0 * M_PI * u2);
}

void correlated_random_init(CorrelatedRandom *cr, double rho, Rng *rng)
{
  cr->rho = rho < 0 ? 0 : rho > 1 ? 1 : rho;
  cr->z = standard_normal(rng);
}

double correlated_random_next(CorrelatedRandom *cr, Rng *rng)
{
  if (cr->rho <= 0.0)
    return rng_uniform(rng);
  cr->z = cr->rho * cr->z + sqrt(1.0 - cr->rho * cr->rho) * standard_normal(rng);
  double u = 0.5 * erfc(-cr->z / M_SQRT2);
  return u >= 1.0 ? 0.9999999999999999 : u;
}
