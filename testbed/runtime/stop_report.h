/* stop_report.h: the reports a device writes at exit, written too when dmx stops the run with SIGTERM (a
 * scenario's duration, Ctrl-C). See stop_report.c. */
#ifndef DMX_STOP_REPORT_H
#define DMX_STOP_REPORT_H

#include <stdbool.h>

/* Once per process, before any app thread runs. with_app_reports: this device's I/O reports (io-counters,
 * io-forward-threads) are written as well as dsm.json; may be called again to change it. */
void dmx_stop_report_install(bool with_app_reports);

#endif
