/* power_display: screen and audio parts of the power model (a model).
 *
 *   P_screen = screen_base_mw + brightness * screen_brightness_mw   while the screen is on (presenting frames)
 *   P_audio  = audio_mw                                             while audio plays
 * and 0 otherwise. */
#pragma once
#include "power_coeffs.h"

double dmx_power_screen_on_mw(const DmxPowerCoeffs *c);
double dmx_power_audio_on_mw(const DmxPowerCoeffs *c);
/* Seconds of the interval [A, B) covered by [ON_FROM, ON_TO); 0 if they do not overlap. */
double dmx_power_overlap_s(double a, double b, double on_from, double on_to);
