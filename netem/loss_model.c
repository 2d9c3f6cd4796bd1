/* loss_model.c: loss generators with the state machines of the kernel's netem (see the netem CLG papers:
 * Salsano et al., "Definition of a general and intuitive loss model for packet networks"). */
#include "loss_model.h"

enum { GAP_TX = 1, BURST_TX = 2, BURST_LOST = 3, GAP_LOST = 4 };
enum { GE_GOOD = 1, GE_BAD = 2 };

void loss_model_init(LossModel *m, const LossSpec *spec, Rng *rng)
{
  m->spec = *spec;
  m->state = spec->kind == LOSS_GEMODEL ? GE_GOOD : GAP_TX;
  correlated_random_init(&m->corr, spec->corr, rng);
}

/* 4-state model: p13 = p[0], p31 = p[1], p32 = p[2], p23 = p[3], p14 = p[4]. */
static gboolean four_state_lose(LossModel *m, Rng *rng)
{
  const double *p = m->spec.p;
  double r = rng_uniform(rng);
  switch (m->state) {
  case GAP_TX:
    if (r < p[4]) {
      m->state = GAP_LOST;
      return TRUE;
    }
    if (r < p[4] + p[0]) {
      m->state = BURST_LOST;
      return TRUE;
    }
    return FALSE;
  case BURST_TX:
    if (r < p[3]) {
      m->state = BURST_LOST;
      return TRUE;
    }
    return FALSE;
  case BURST_LOST:
    if (r < p[2]) {
      m->state = BURST_TX;
      return FALSE;
    }
    if (r < p[2] + p[1]) {
      m->state = GAP_TX;
      return FALSE;
    }
    return TRUE;
  case GAP_LOST:
  default:
    m->state = GAP_TX;
    return FALSE;
  }
}

/* Gilbert-Elliott: p = good->bad, r = bad->good, 1-h = loss in bad, 1-k = loss in good. The transition is
 * drawn first, then the loss in the state the transition was drawn from, as the kernel does. */
static gboolean gilbert_elliott_lose(LossModel *m, Rng *rng)
{
  const double *p = m->spec.p;
  if (m->state == GE_GOOD) {
    if (rng_uniform(rng) < p[0])
      m->state = GE_BAD;
    return rng_uniform(rng) < p[3];
  }
  if (rng_uniform(rng) < p[1])
    m->state = GE_GOOD;
  return rng_uniform(rng) < p[2];
}

gboolean loss_model_lose(LossModel *m, Rng *rng)
{
  switch (m->spec.kind) {
  case LOSS_NONE:
    return FALSE;
  case LOSS_RANDOM:
    return m->spec.p[0] > 0 && correlated_random_next(&m->corr, rng) < m->spec.p[0];
  case LOSS_STATE:
    return four_state_lose(m, rng);
  case LOSS_GEMODEL:
    return gilbert_elliott_lose(m, rng);
  }
  return FALSE;
}

double loss_model_expected_rate(const LossSpec *spec)
{
  const double *p = spec->p;
  switch (spec->kind) {
  case LOSS_RANDOM:
    return p[0];
  case LOSS_GEMODEL: {
    /* Stationary: pi_bad = p / (p + r). */
    double denom = p[0] + p[1];
    double bad = denom > 0 ? p[0] / denom : 0;
    return bad * p[2] + (1 - bad) * p[3];
  }
  case LOSS_STATE: {
    /* Stationary distribution of the 4-state chain, by power iteration (it is tiny). */
    double pi[5] = {0, 1, 0, 0, 0};
    for (int it = 0; it < 20000; it++) {
      double n[5] = {0};
      n[4] += pi[1] * p[4];
      n[3] += pi[1] * p[0];
      n[1] += pi[1] * (1 - p[4] - p[0]);
      n[3] += pi[2] * p[3];
      n[2] += pi[2] * (1 - p[3]);
      n[2] += pi[3] * p[2];
      n[1] += pi[3] * p[1];
      n[3] += pi[3] * (1 - p[2] - p[1]);
      n[1] += pi[4];
      for (int k = 1; k <= 4; k++)
        pi[k] = n[k];
    }
    return pi[3] + pi[4];
  }
  case LOSS_NONE:
    break;
  }
  return 0;
}
