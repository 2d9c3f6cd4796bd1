/* power_wifi: see power_wifi.h. */
#include "power_wifi.h"

double dmx_power_wifi_energy(const DmxPowerCoeffs *c, const double *tx_bytes, const double *rx_bytes, guint n,
                             double bin_s, double *energy_j) {
  double total = 0;
  double tail_left = 0; /* seconds of tail still due */
  for (guint i = 0; i < n; i++) {
    double tx = tx_bytes ? tx_bytes[i] : 0, rx = rx_bytes ? rx_bytes[i] : 0;
    double mj; /* mW * s = mJ */
    if (tx > 0 || rx > 0) {
      double tx_mbit_s = tx * 8 / 1e6 / bin_s, rx_mbit_s = rx * 8 / 1e6 / bin_s;
      mj = (c->wifi_high_mw + tx_mbit_s * c->wifi_tx_mw_per_mbit + rx_mbit_s * c->wifi_rx_mw_per_mbit) * bin_s;
      tail_left = c->wifi_tail_s;
    } else {
      double tail = tail_left < bin_s ? tail_left : bin_s;
      mj = c->wifi_tail_mw * tail + c->wifi_idle_mw * (bin_s - tail);
      tail_left -= tail;
    }
    if (energy_j)
      energy_j[i] = mj / 1e3;
    total += mj / 1e3;
  }
  return total;
}
