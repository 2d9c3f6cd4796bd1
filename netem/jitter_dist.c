/* jitter_dist.c: inverse-CDF sampling. The normal quantile uses Acklam's rational approximation with one
 * Halley refinement step (relative error far below what a 4096-entry netem table resolves). */
#include "jitter_dist.h"
#include <math.h>

double normal_quantile(double p)
{
  static const double a[] = {-3.969683028665376e+01, 2.209460984245205e+02, -2.759285104469687e+02,
                             1.383577518672690e+02, -3.066479806614716e+01, 2.506628277459239e+00};
  static const double b[] = {-5.447609879822406e+01, 1.615858368580409e+02, -1.556989798598866e+02,
                             6.680131188771972e+01, -1.328068155288572e+01};
  static const double c[] = {-7.784894002430293e-03, -3.223964580411365e-01, -2.400758277161838e+00,
                             -2.549732539343734e+00, 4.374664141464968e+00, 2.938163982698783e+00};
  static const double d[] = {7.784695709041462e-03, 3.224671290700398e-01, 2.445134137142996e+00,
                             3.754408661907416e+00};
  const double low = 0.02425, high = 1 - low;
  if (p <= 0)
    p = 1e-300;
  if (p >= 1)
    p = 1 - 1e-16;
  double x;
  if (p < low) {
    double q = sqrt(-2 * log(p));
    x = (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) /
        ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
  } else if (p <= high) {
    double q = p - 0.5, r = q * q;
    x = (((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * q /
        (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1);
  } else {
    double q = sqrt(-2 * log(1 - p));
    x = -(((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) /
        ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
  }
  double e = 0.5 * erfc(-x / sqrt(2)) - p;
  double u = e * sqrt(2 * M_PI) * exp(x * x / 2);
  return x - u / (1 + x * u / 2);
}

/* Pareto with shape 3 and scale 1 (the shape iproute2's pareto table uses), standardised to zero mean and unit
 * standard deviation: mean 1.5, variance 3/4. */
static double pareto_unit(double u)
{
  const double shape = 3.0;
  double x = pow(1.0 - u, -1.0 / shape);
  return (x - 1.5) / sqrt(0.75);
}

double jitter_dist_unit(JitterDistKind kind, double u, double u2)
{
  switch (kind) {
  case JITTER_UNIFORM:
    return 2.0 * u - 1.0;
  case JITTER_NORMAL:
    return normal_quantile(u);
  case JITTER_PARETO:
    return pareto_unit(u);
  case JITTER_PARETONORMAL: {
    /* NIST Net's mix: a quarter Pareto, three quarters normal, rescaled to unit standard deviation. */
    const double w_pareto = 0.25, w_normal = 0.75;
    double v = w_pareto * pareto_unit(u) + w_normal * normal_quantile(u2);
    return v / sqrt(w_pareto * w_pareto + w_normal * w_normal);
  }
  }
  return 0;
}

guint64 jitter_dist_delay_ns(JitterDistKind kind, guint64 mu_ns, guint64 sigma_ns, double u, double u2)
{
  if (sigma_ns == 0)
    return mu_ns;
  double d = (double)mu_ns + (double)sigma_ns * jitter_dist_unit(kind, u, u2);
  return d <= 0 ? 0 : (guint64)llround(d);
}

double jitter_dist_stddev(JitterDistKind kind, double sigma)
{
  return kind == JITTER_UNIFORM ? sigma / sqrt(3.0) : sigma;
}
