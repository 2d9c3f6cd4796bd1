/* stop_report.h: the reports a device writes at exit, written too when dmx stops the run with SIGTERM (a
 * scenario's duration, Ctrl-C). See stop_report.c. */
#ifndef DMX_STOP_REPORT_H
#define DMX_STOP_REPORT_H

#include <stdbool.h>

/* Once per process, before any app thread runs. with_app_reports: this device's I/O reports (io-counters,
 * io-forward-threads) are written as well as dsm.json; may be called again to change it. */
void dmx_stop_report_install(bool with_app_reports);
/* What a device writes as it ends without exit() (a worker's _exit, a stop): its I/O reports (with_app_reports),
 * dsm.json (with_dsm), and what is left in stdout and stderr. */
void dmx_write_device_reports(bool with_app_reports, bool with_dsm);
/* In a forked child: SIGTERM is the child's own again (the handler would wake the parent's reporter, through the
 * pipe they share). Async-signal-safe. */
void dmx_stop_report_child(void);

#endif
