/* power_display: see power_display.h. */
#include "power_display.h"

double dmx_power_screen_on_mw(const DmxPowerCoeffs *c) {
  double b = c->brightness < 0 ? 0 : c->brightness > 1 ? 1 : c->brightness;
  return c->screen_base_mw + b * c->screen_brightness_mw;
}

double dmx_power_audio_on_mw(const DmxPowerCoeffs *c) {
  return c->audio_mw;
}

double dmx_power_overlap_s(double a, double b, double on_from, double on_to) {
  double lo = a > on_from ? a : on_from, hi = b < on_to ? b : on_to;
  return hi > lo ? hi - lo : 0;
}
