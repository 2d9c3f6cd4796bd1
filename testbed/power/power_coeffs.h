/* power_coeffs: one device's power-model coefficients (scenarios/devices.ini, `*_mw`, `*_mw_per_mbit`, `*_s`).
 *
 * These are the inputs of the component power model (power_model.h). They are ESTIMATES taken from
 * devices.ini, whose `source` key says where each device's numbers come from (PowerTutor-style published
 * coefficients for the device class; uncalibrated against hardware). */
#pragma once
#include <glib.h>

typedef struct {
  int cores;
  double cpu_idle_mw, cpu_active_mw;               /* SoC idle; one core busy at top clock */
  double wifi_idle_mw, wifi_high_mw, wifi_tail_mw; /* radio states */
  double wifi_tail_s;                              /* how long the radio stays in the tail after traffic */
  double wifi_tx_mw_per_mbit, wifi_rx_mw_per_mbit; /* marginal cost of traffic in the high state */
  double screen_base_mw, screen_brightness_mw;     /* screen on at zero brightness; extra at full brightness */
  double audio_mw;                                 /* while playing */
  double brightness;                               /* 0..1, the model's assumption (DMX_POWER_BRIGHTNESS) */
} DmxPowerCoeffs;

/* The brightness the model assumes when the scenario does not say (no scenario key exists yet). */
#define DMX_POWER_BRIGHTNESS 0.5

/* Fills *OUT from a devices.ini power table (coefficient name -> double*, as DmxDeviceModel.power holds it).
 * A missing key is an error naming it; CORES must be >= 1. */
gboolean dmx_power_coeffs_from_table(GHashTable *table, int cores, DmxPowerCoeffs *out, GError **error);
