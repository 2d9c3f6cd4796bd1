/* power_cpu: the CPU part of the power model (a model, not a measurement).
 *
 *   P_cpu = cpu_idle_mw + sum over cores of (u_core * cpu_active_mw) = cpu_idle_mw + B * cpu_active_mw
 *
 * where B = busy_s / duration_s is the mean number of busy cores (the devmodel plugin's busy_ns summed over the
 * device's threads, over the interval), clamped to [0, cores]. Per-core utilisation is B / cores. */
#pragma once
#include "power_coeffs.h"

/* Mean busy cores over an interval: busy_s / duration_s clamped to [0, cores]; 0 when duration_s <= 0. */
double dmx_power_cpu_busy_cores(const DmxPowerCoeffs *c, double busy_s, double duration_s);
/* Mean CPU power (mW) with BUSY_CORES busy (clamped to [0, cores]). */
double dmx_power_cpu_mw(const DmxPowerCoeffs *c, double busy_cores);
