/* cpu_report.h: what the devmodel plugin measured, for the policies (device_monitor.c, offload_policy.c).
 *
 * Every device's plugin rewrites RUN/devices/NAME/cpu.stats (format at the top of qemu-patches/plugins/devmodel.c)
 * a few times per second; the devices share the host's file system, so any device can read any device's report.
 * A read keeps the device's model (ips per core, cores), its instruction total and the emulated time of the report;
 * two reads of different reports give what the device used in between, hence its idle CPU. For this device's own
 * report, a read may also take the per-thread (host tid) instruction counts. A report that was not rewritten since
 * the previous read changes nothing. Devices are named by their index in DMX_DEVICES ("name=ip,...", 1-based).
 * Thread-safe. */
#ifndef CPU_REPORT_H
#define CPU_REPORT_H

#include <stdbool.h>
#include <stdint.h>

#define CPU_REPORT_MAX_DEVICES 17   /* indices 1..16 */

struct cpu_device {
    bool have;                  /* a report was read */
    double ips, cores;          /* the model: instructions per emulated second per core (0: count only), cores */
    uint64_t insns, emul_ns;    /* the device's instructions, and the emulated time of the last report read */
    bool have_idle;             /* two reports were read */
    double idle_insns_per_s;    /* ips * cores minus what the device executed between the last two reads */
};

/* Reads device dev's report; per_thread: also its per-thread counts (meant for this device's own report).
 * Returns 0, or -1 when there is no report (no DMX_RUN_DIR, unknown device, not written yet). */
int cpu_report_read(uint32_t dev, bool per_thread);
/* Device dev as of the last reads (all zero when never read). */
struct cpu_device cpu_report_device(uint32_t dev);
/* Reads dev's report, then returns its idle cores measured between the last two reads, or a negative number when
 * unknown (fewer than two reports, or a count-only plugin). */
double cpu_report_idle_cores(uint32_t dev);
/* A thread (host tid) of this device, from per-thread reads: instructions per emulated second between the last two
 * reads that saw it (0 until then). */
double cpu_report_tid_rate(int tid);
/* The share (0..1) of the emulated time between those reads it was runnable: executing, or throttled because the
 * model's CPU was used up (its own core's budget, or the device's when more threads than cores want to run). */
double cpu_report_tid_runnable(int tid);
/* Its cumulative instructions and the emulated time of the report they come from; false if never seen. */
bool cpu_report_tid_count(int tid, uint64_t *insns, uint64_t *emul_ns);
/* Device dev's name from DMX_DEVICES ("" when unknown). */
const char *cpu_report_device_name(uint32_t dev);

#endif
