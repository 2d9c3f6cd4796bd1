/* power_model: one device's power, integrated over emulated time (DESIGN.md §9). A MODEL, not a measurement.
 *
 *   E = integral over [0, duration) of  P_cpu + P_wifi(t) + P_screen(t) + P_audio(t)  dt
 *   P_mean = E / duration
 * with the components of power_cpu.h, power_wifi.h and power_display.h and the coefficients of power_coeffs.h
 * (scenarios/devices.ini; each model's `source` key says where they come from). CPU utilisation has only a
 * whole-run value (cpu.stats), so P_cpu is the same in every second. */
#pragma once
#include "power_coeffs.h"

#define DMX_POWER_MODEL_NAME \
  "dmx component power model v1 (PowerTutor-style: CPU idle + busy cores, Wi-Fi idle/high/tail + per-Mbit/s, " \
  "screen base + brightness, audio); an ESTIMATE from scenarios/devices.ini coefficients, not a measurement"

typedef struct {
  double duration_s;           /* emulated seconds integrated over */
  double busy_s;               /* device CPU busy time (thread-seconds) over the run */
  const double *tx_bytes, *rx_bytes; /* Wi-Fi bins (may be NULL: no traffic) */
  guint n_bins;
  double bin_s;                /* bin width; 1 / bin_s should be an integer */
  double screen_from_s, screen_to_s; /* screen on in [from, to); from >= to: never on */
  double audio_from_s, audio_to_s;   /* audio playing in [from, to) */
} DmxPowerInput;

typedef struct {
  double e_cpu_j, e_wifi_j, e_screen_j, e_audio_j, energy_j;
  double power_mw;             /* energy_j / duration_s * 1000 */
  double busy_cores;
  guint n_seconds;             /* ceil(duration_s) */
  double *cpu_mw, *wifi_mw, *screen_mw, *audio_mw, *total_mw; /* per emulated second (mean over its covered part) */
} DmxPowerResult;

/* Integrates IN with C into *OUT (free with dmx_power_result_clear). */
void dmx_power_integrate(const DmxPowerCoeffs *c, const DmxPowerInput *in, DmxPowerResult *out);
void dmx_power_result_clear(DmxPowerResult *r);
