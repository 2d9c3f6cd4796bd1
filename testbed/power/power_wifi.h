/* power_wifi: the Wi-Fi part of the power model, a three-state machine after PowerTutor (a model).
 *
 * Time is cut into bins of BIN_S seconds, each with the device's transmitted and received bytes.
 *   - a bin with traffic is HIGH:  P = wifi_high_mw + tx_mbit_s * wifi_tx_mw_per_mbit + rx_mbit_s * wifi_rx_mw_per_mbit
 *     (tx_mbit_s = tx_bytes * 8 / 1e6 / BIN_S; so the per-Mbit part of the energy does not depend on BIN_S);
 *   - after the last busy bin the radio stays in TAIL (wifi_tail_mw) for wifi_tail_s seconds,
 *   - then IDLE (wifi_idle_mw).
 * A tail that ends inside a bin is split exactly: that bin gets tail for the rest of the tail, idle after it. */
#pragma once
#include "power_coeffs.h"

/* Integrates N bins; writes each bin's energy in joules into ENERGY_J (may be NULL) and returns the total (J). */
double dmx_power_wifi_energy(const DmxPowerCoeffs *c, const double *tx_bytes, const double *rx_bytes, guint n,
                             double bin_s, double *energy_j);
