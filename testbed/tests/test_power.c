/* test_power: the power model's integration (testbed/power): known inputs -> known energy. */
#include <glib.h>
#include <math.h>
#include <string.h>

#include "power_coeffs.h"
#include "power_cpu.h"
#include "power_display.h"
#include "power_model.h"
#include "power_wifi.h"

static DmxPowerCoeffs coeffs(void) {
  return (DmxPowerCoeffs){.cores = 4, .cpu_idle_mw = 100, .cpu_active_mw = 500, .wifi_idle_mw = 10,
                          .wifi_high_mw = 700, .wifi_tail_mw = 200, .wifi_tail_s = 0.25,
                          .wifi_tx_mw_per_mbit = 6, .wifi_rx_mw_per_mbit = 4, .screen_base_mw = 300,
                          .screen_brightness_mw = 800, .audio_mw = 120, .brightness = 0.5};
}

static void test_coeffs_table(void) {
  GHashTable *t = g_hash_table_new_full(g_str_hash, g_str_equal, NULL, g_free);
  const char *keys[] = {"cpu_idle_mw", "cpu_active_mw", "wifi_idle_mw", "wifi_high_mw", "wifi_tail_mw",
                        "wifi_tail_s", "wifi_tx_mw_per_mbit", "wifi_rx_mw_per_mbit", "screen_base_mw",
                        "screen_brightness_mw"};
  for (guint i = 0; i < G_N_ELEMENTS(keys); i++)
    g_hash_table_insert(t, (char *)keys[i], g_memdup2(&(double){i + 1.0}, sizeof(double)));
  DmxPowerCoeffs c;
  g_autoptr(GError) err = NULL;
  g_assert_false(dmx_power_coeffs_from_table(t, 4, &c, &err));
  g_assert_nonnull(strstr(err->message, "audio_mw"));
  g_clear_error(&err);
  g_hash_table_insert(t, "audio_mw", g_memdup2(&(double){42}, sizeof(double)));
  g_assert_true(dmx_power_coeffs_from_table(t, 4, &c, &err));
  g_assert_cmpfloat(c.cpu_idle_mw, ==, 1);
  g_assert_cmpfloat(c.screen_brightness_mw, ==, 10);
  g_assert_cmpfloat(c.audio_mw, ==, 42);
  g_assert_cmpfloat(c.brightness, ==, DMX_POWER_BRIGHTNESS);
  g_assert_false(dmx_power_coeffs_from_table(t, 0, &c, NULL));
  g_hash_table_unref(t);
}

static void test_cpu(void) {
  DmxPowerCoeffs c = coeffs();
  g_assert_cmpfloat_with_epsilon(dmx_power_cpu_busy_cores(&c, 3, 2), 1.5, 1e-12);
  g_assert_cmpfloat_with_epsilon(dmx_power_cpu_busy_cores(&c, 100, 2), 4, 1e-12); /* clamped to cores */
  g_assert_cmpfloat(dmx_power_cpu_busy_cores(&c, 1, 0), ==, 0);
  g_assert_cmpfloat_with_epsilon(dmx_power_cpu_mw(&c, 1.5), 100 + 1.5 * 500, 1e-9);
  g_assert_cmpfloat_with_epsilon(dmx_power_cpu_mw(&c, 0), 100, 1e-9);
}

static void test_wifi_states(void) {
  DmxPowerCoeffs c = coeffs();
  /* 0.1 s bins: one busy bin with 125000 B tx (10 Mbit/s) and 62500 B rx (5 Mbit/s), then 5 quiet bins. */
  double tx[6] = {125000, 0, 0, 0, 0, 0}, rx[6] = {62500, 0, 0, 0, 0, 0}, e[6];
  double total = dmx_power_wifi_energy(&c, tx, rx, 6, 0.1, e);
  g_assert_cmpfloat_with_epsilon(e[0], (700 + 10 * 6 + 5 * 4) * 0.1 / 1e3, 1e-12); /* high */
  g_assert_cmpfloat_with_epsilon(e[1], 200 * 0.1 / 1e3, 1e-12);                    /* tail */
  g_assert_cmpfloat_with_epsilon(e[2], 200 * 0.1 / 1e3, 1e-12);
  g_assert_cmpfloat_with_epsilon(e[3], (200 * 0.05 + 10 * 0.05) / 1e3, 1e-12);     /* tail ends mid-bin */
  g_assert_cmpfloat_with_epsilon(e[4], 10 * 0.1 / 1e3, 1e-12);                     /* idle */
  g_assert_cmpfloat_with_epsilon(total, e[0] + e[1] + e[2] + e[3] + e[4] + e[5], 1e-12);
  /* The per-Mbit part does not depend on the bin width: 1 Mbit of tx in a 0.01 s bin or a 1 s bin. */
  DmxPowerCoeffs z = c;
  z.wifi_high_mw = z.wifi_tail_mw = z.wifi_idle_mw = 0;
  double one = 125000;
  g_assert_cmpfloat_with_epsilon(dmx_power_wifi_energy(&z, &one, NULL, 1, 0.01, NULL), 6e-3, 1e-12);
  g_assert_cmpfloat_with_epsilon(dmx_power_wifi_energy(&z, &one, NULL, 1, 1, NULL), 6e-3, 1e-12);
}

static void test_display(void) {
  DmxPowerCoeffs c = coeffs();
  g_assert_cmpfloat(dmx_power_screen_on_mw(&c), ==, 300 + 0.5 * 800);
  c.brightness = 2;
  g_assert_cmpfloat(dmx_power_screen_on_mw(&c), ==, 1100);
  g_assert_cmpfloat(dmx_power_audio_on_mw(&c), ==, 120);
  g_assert_cmpfloat(dmx_power_overlap_s(0, 1, 0.25, 3), ==, 0.75);
  g_assert_cmpfloat(dmx_power_overlap_s(2, 3, 0.25, 1), ==, 0);
}

/* A 2.5 s run: 2 busy cores all along; Wi-Fi busy in [0, 0.5) only; screen on [0.5, 2.0); audio [1, 2.5). */
static void test_integrate(void) {
  DmxPowerCoeffs c = coeffs();
  double tx[25] = {0}, rx[25] = {0};
  for (int i = 0; i < 5; i++)
    tx[i] = 125000; /* 10 Mbit/s in 0.1 s bins */
  DmxPowerInput in = {.duration_s = 2.5, .busy_s = 5, .tx_bytes = tx, .rx_bytes = rx, .n_bins = 25,
                      .bin_s = 0.1, .screen_from_s = 0.5, .screen_to_s = 2.0, .audio_from_s = 1,
                      .audio_to_s = 2.5};
  DmxPowerResult r;
  dmx_power_integrate(&c, &in, &r);
  double e_cpu = (100 + 2 * 500) * 2.5 / 1e3;
  double e_wifi = ((700 + 60) * 0.5 + 200 * 0.25 + 10 * 1.75) / 1e3;
  double e_screen = 700 * 1.5 / 1e3, e_audio = 120 * 1.5 / 1e3;
  g_assert_cmpuint(r.n_seconds, ==, 3);
  g_assert_cmpfloat_with_epsilon(r.busy_cores, 2, 1e-12);
  g_assert_cmpfloat_with_epsilon(r.e_cpu_j, e_cpu, 1e-9);
  g_assert_cmpfloat_with_epsilon(r.e_wifi_j, e_wifi, 1e-9);
  g_assert_cmpfloat_with_epsilon(r.e_screen_j, e_screen, 1e-9);
  g_assert_cmpfloat_with_epsilon(r.e_audio_j, e_audio, 1e-9);
  g_assert_cmpfloat_with_epsilon(r.energy_j, e_cpu + e_wifi + e_screen + e_audio, 1e-9);
  g_assert_cmpfloat_with_epsilon(r.power_mw, r.energy_j / 2.5 * 1e3, 1e-9);
  /* Per second: second 0 has the Wi-Fi burst, half a second of tail+idle, and half a second of screen. */
  g_assert_cmpfloat_with_epsilon(r.wifi_mw[0], (760 * 0.5 + 200 * 0.25 + 10 * 0.25), 1e-9);
  g_assert_cmpfloat_with_epsilon(r.screen_mw[0], 350, 1e-9);
  g_assert_cmpfloat_with_epsilon(r.audio_mw[1], 120, 1e-9);
  /* The last second is half long: its means are over 0.5 s. */
  g_assert_cmpfloat_with_epsilon(r.wifi_mw[2], 10, 1e-9);
  g_assert_cmpfloat_with_epsilon(r.screen_mw[2], 0, 1e-9);
  g_assert_cmpfloat_with_epsilon(r.audio_mw[2], 120, 1e-9);
  double sum = 0;
  for (guint s = 0; s < r.n_seconds; s++)
    sum += r.total_mw[s] * (s + 1 <= 2.5 ? 1 : 0.5) / 1e3;
  g_assert_cmpfloat_with_epsilon(sum, r.energy_j, 1e-9);
  dmx_power_result_clear(&r);
}

/* No traffic, no screen: idle floors only; a zero-length run has no energy. */
static void test_integrate_idle(void) {
  DmxPowerCoeffs c = coeffs();
  DmxPowerInput in = {.duration_s = 10, .bin_s = 0.01};
  DmxPowerResult r;
  dmx_power_integrate(&c, &in, &r);
  g_assert_cmpfloat_with_epsilon(r.energy_j, (100 + 10) * 10 / 1e3, 1e-9);
  g_assert_cmpfloat_with_epsilon(r.power_mw, 110, 1e-9);
  dmx_power_result_clear(&r);
  in.duration_s = 0;
  dmx_power_integrate(&c, &in, &r);
  g_assert_cmpfloat(r.energy_j, ==, 0);
  g_assert_cmpuint(r.n_seconds, ==, 0);
  dmx_power_result_clear(&r);
}

int main(int argc, char **argv) {
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/power/coeffs-table", test_coeffs_table);
  g_test_add_func("/power/cpu", test_cpu);
  g_test_add_func("/power/wifi-states", test_wifi_states);
  g_test_add_func("/power/display", test_display);
  g_test_add_func("/power/integrate", test_integrate);
  g_test_add_func("/power/integrate-idle", test_integrate_idle);
  return g_test_run();
}
