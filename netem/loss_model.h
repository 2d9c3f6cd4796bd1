/* loss_model.h: netem's loss generators: random (with correlation), 4-state Markov, Gilbert-Elliott. */
#pragma once
#include "link_spec.h"
#include "rng.h"

typedef struct {
  LossSpec spec;
  int state; /* Markov state; 1-based for the 4-state model as in the netem paper */
  CorrelatedRandom corr;
} LossModel;

void loss_model_init(LossModel *m, const LossSpec *spec, Rng *rng);
/* Decides the fate of the next packet: TRUE = lose it. */
gboolean loss_model_lose(LossModel *m, Rng *rng);
/* The model's long-run loss probability (for tests and reports). */
double loss_model_expected_rate(const LossSpec *spec);
