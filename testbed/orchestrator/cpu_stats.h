/* cpu_stats: reads the devmodel plugin's report (RUN/devices/NAME/cpu.stats) and judges whether the host kept up.
 *
 * The report's format is documented at the top of qemu-patches/plugins/devmodel.c. Only its `device` line is
 * used here: the sums over the device's threads, in emulated nanoseconds. */
#ifndef DMX_CPU_STATS_H
#define DMX_CPU_STATS_H

#include <glib.h>

typedef struct {
  guint64 insns;
  double busy_s;    /* instructions / the model's ips */
  double run_s;     /* runnable, outside syscalls and throttle sleeps (thread-seconds) */
  double sleep_s;   /* in throttle sleeps: the device model was the limit, not the host */
  double lag_s;     /* behind budget because the host was too slow (thread-seconds) */
  int threads;
} DmxCpuStats;

/* The share of wanted CPU time the host failed to deliver, and the absolute allowance below which lag (QEMU's
 * start-up translation, mostly) never invalidates a run. */
#define DMX_LAG_MAX_FRACTION 0.05
#define DMX_LAG_ALLOWANCE_S 0.25

gboolean dmx_cpu_stats_read(const char *path, DmxCpuStats *out, GError **error);
/* lag_s / (run_s + sleep_s), or 0 when the device never ran. */
double dmx_cpu_stats_lag_fraction(const DmxCpuStats *s);
/* TRUE when the host fell behind the device model by more than the bounds above. */
gboolean dmx_cpu_stats_host_lagged(const DmxCpuStats *s);

#endif
