/* power_coeffs: one device's power-model coefficients (scenarios/devices.ini, `*_mw`, `*_mw_per_mbit`, `*_s`).
 *
 * These are the inputs of the component power model (power_model.h): a MODEL, whose numbers are only as good
 * as their sources. So a model is accepted only with a `source` that names every coefficient (devices.ini says
 * where each one comes from: nexus5's are its Android power profile's; the others are class estimates). */
#pragma once
#include <glib.h>

typedef struct {
  int cores;
  double cpu_idle_mw, cpu_active_mw;               /* awake SoC idle; one core busy at the modelled clock */
  double wifi_idle_mw, wifi_high_mw, wifi_tail_mw; /* radio states */
  double wifi_tail_s;                              /* how long the radio stays in the tail after traffic */
  double wifi_tx_mw_per_mbit, wifi_rx_mw_per_mbit; /* marginal cost of traffic in the high state */
  double screen_base_mw, screen_brightness_mw;     /* screen on at minimum brightness; extra at full brightness */
  double audio_mw;                                 /* while playing */
  double brightness;                               /* 0..1, the model's assumption (DMX_POWER_BRIGHTNESS) */
} DmxPowerCoeffs;

/* The brightness the model assumes when the scenario does not say (no scenario key exists yet). */
#define DMX_POWER_BRIGHTNESS 0.5

/* The I-th coefficient key of a devices.ini model ("cpu_idle_mw", ...), NULL past the last. */
const char *dmx_power_coeff_key(guint i);

/* Fills *OUT from a devices.ini power table (coefficient name -> double*, as DmxDeviceModel.power holds it).
 * SOURCE is the model's `source`: it must name every coefficient key (as a word), so that no number is without
 * an origin. A missing key, or one the source does not name, is an error naming it; CORES must be >= 1. */
gboolean dmx_power_coeffs_from_table(GHashTable *table, int cores, const char *source, DmxPowerCoeffs *out,
                                     GError **error);
/* TRUE when TEXT contains WORD delimited by characters that cannot be part of a key ([A-Za-z0-9_]). */
gboolean dmx_power_text_names(const char *text, const char *word);
