/* power_cpu: see power_cpu.h. */
#include "power_cpu.h"

double dmx_power_cpu_busy_cores(const DmxPowerCoeffs *c, double busy_s, double duration_s) {
  if (duration_s <= 0 || busy_s <= 0)
    return 0;
  double b = busy_s / duration_s;
  return b > c->cores ? c->cores : b;
}

double dmx_power_cpu_mw(const DmxPowerCoeffs *c, double busy_cores) {
  if (busy_cores < 0)
    busy_cores = 0;
  if (busy_cores > c->cores)
    busy_cores = c->cores;
  return c->cpu_idle_mw + busy_cores * c->cpu_active_mw;
}
