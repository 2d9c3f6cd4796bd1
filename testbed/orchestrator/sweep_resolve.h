/* sweep_resolve: checks a sweep against its scenario before anything runs, the way dmx run checks a scenario:
 * every fixed set, every value of every axis and every point is loaded as the scenario with those --set
 * overrides, and any problem is reported where it was written ("sweeps/x.ini:7: key 'link.rate_mbit' in
 * [axis bandwidth]: with 10x ..."). It fills in what the scenario decides: its name, its policies when the
 * sweep names none, and its link spec (what derived keys rewrite). */
#pragma once
#include <glib.h>

#include "scenario.h"
#include "sweep.h"

/* OPT->overrides is ignored (the sweep supplies its own). FALSE with every problem in ERROR, one per line. */
gboolean dmx_sweep_resolve(DmxSweep *sw, const DmxScenarioLoadOptions *opt, GError **error);
