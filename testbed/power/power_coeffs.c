/* power_coeffs: see power_coeffs.h. */
#include "power_coeffs.h"

#include <stddef.h>
#include <string.h>

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

const char *dmx_power_coeff_key(guint i) {
  return i < G_N_ELEMENTS(keys) ? keys[i].key : NULL;
}

static gboolean key_char(char c) {
  return g_ascii_isalnum(c) || c == '_';
}

gboolean dmx_power_text_names(const char *text, const char *word) {
  size_t n = strlen(word);
  for (const char *p = text ? strstr(text, word) : NULL; p; p = strstr(p + 1, word)) {
    gboolean starts = p == text || !key_char(p[-1]);
    if (starts && !key_char(p[n]))
      return TRUE;
  }
  return FALSE;
}

static GQuark power_quark(void) {
  return g_quark_from_static_string("dmx-power");
}

gboolean dmx_power_coeffs_from_table(GHashTable *table, int cores, const char *source, DmxPowerCoeffs *out,
                                     GError **error) {
  *out = (DmxPowerCoeffs){.cores = cores, .brightness = DMX_POWER_BRIGHTNESS};
  if (cores < 1) {
    g_set_error(error, power_quark(), 1, "power model: cores must be >= 1 (got %d)", cores);
    return FALSE;
  }
  g_autofree char *stripped = g_strstrip(g_strdup(source ? source : ""));
  if (!*stripped) {
    g_set_error(error, power_quark(), 3, "power model: no 'source': every coefficient needs an origin");
    return FALSE;
  }
  for (size_t i = 0; i < G_N_ELEMENTS(keys); i++) {
    const double *v = table ? g_hash_table_lookup(table, keys[i].key) : NULL;
    if (!v) {
      g_set_error(error, power_quark(), 2, "power model: coefficient '%s' missing", keys[i].key);
      return FALSE;
    }
    if (!dmx_power_text_names(stripped, keys[i].key)) {
      g_set_error(error, power_quark(), 4, "power model: 'source' says nothing of coefficient '%s' (name it "
                  "there with where its value comes from)", keys[i].key);
      return FALSE;
    }
    *(double *)((char *)out + keys[i].off) = *v;
  }
  return TRUE;
}
