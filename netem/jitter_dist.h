/* jitter_dist.h: netem's delay distributions, sampled analytically through their inverse CDFs.
 *
 * Scale conventions follow netem: `uniform` (no table in netem) spreads delay evenly over [mu-sigma, mu+sigma),
 * so its standard deviation is sigma/sqrt(3); `normal`, `pareto` and `paretonormal` have mean mu and standard
 * deviation sigma, like iproute2's tables (which are scaled to unit standard deviation). */
#pragma once
#include "link_spec.h"

/* The unit-scaled variate for a uniform u in (0,1); `u2` is a second independent uniform used only by
 * paretonormal (its normal component). */
double jitter_dist_unit(JitterDistKind kind, double u, double u2);
/* A delay in ns: mu + sigma * unit variate, never negative. */
guint64 jitter_dist_delay_ns(JitterDistKind kind, guint64 mu_ns, guint64 sigma_ns, double u, double u2);
/* The standard deviation of the delay for a given sigma (sigma/sqrt(3) for uniform, sigma otherwise). */
double jitter_dist_stddev(JitterDistKind kind, double sigma);
/* Inverse of the standard normal CDF. */
double normal_quantile(double p);
