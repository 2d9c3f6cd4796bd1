/* power_coeffs: see power_coeffs.h. */
#include "power_coeffs.h"

#include <stddef.h>

static const struct {
  const char *key;
  size_t off;
} keys[] = {
    {"cpu_idle_mw", offsetof(DmxPowerCoeffs, cpu_idle_mw)},
    {"cpu_active_mw", offsetof(DmxPowerCoeffs, cpu_active_mw)},
    {"wifi_idle_mw", offsetof(DmxPowerCoeffs, wifi_idle_mw)},
    {"wifi_high_mw", offsetof(DmxPowerCoeffs, wifi_high_mw)},
    {"wifi_tail_mw", offsetof(DmxPowerCoeffs, wifi_tail_mw)},
    {"wifi_tail_s", offsetof(DmxPowerCoeffs, wifi_tail_s)},
    {"wifi_tx_mw_per_mbit", offsetof(DmxPowerCoeffs, wifi_tx_mw_per_mbit)},
    {"wifi_rx_mw_per_mbit", offsetof(DmxPowerCoeffs, wifi_rx_mw_per_mbit)},
    {"screen_base_mw", offsetof(DmxPowerCoeffs, screen_base_mw)},
    {"screen_brightness_mw", offsetof(DmxPowerCoeffs, screen_brightness_mw)},
    {"audio_mw", offsetof(DmxPowerCoeffs, audio_mw)},
};

gboolean dmx_power_coeffs_from_table(GHashTable *table, int cores, DmxPowerCoeffs *out, GError **error) {
  *out = (DmxPowerCoeffs){.cores = cores, .brightness = DMX_POWER_BRIGHTNESS};
  if (cores < 1) {
    g_set_error(error, g_quark_from_static_string("dmx-power"), 1, "power model: cores must be >= 1 (got %d)", cores);
    return FALSE;
  }
  for (size_t i = 0; i < G_N_ELEMENTS(keys); i++) {
    const double *v = table ? g_hash_table_lookup(table, keys[i].key) : NULL;
    if (!v) {
      g_set_error(error, g_quark_from_static_string("dmx-power"), 2, "power model: coefficient '%s' missing", keys[i].key);
      return FALSE;
    }
    *(double *)((char *)out + keys[i].off) = *v;
  }
  return TRUE;
}
