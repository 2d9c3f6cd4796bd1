/* report_dsm: `dmx report`'s DSM table, one row per device from summary.json's devices.NAME.dsm (run_dsm.h). */
#pragma once
#include <stddef.h>

#include "report_json.h"

/* Prints nothing when no device has DSM totals (a single-device run, or one from before they were recorded). */
void dmx_report_dsm(const DmxJson *summary);
/* B, kB, MB or GB with a sensible precision, into buf. Returns buf. */
const char *dmx_human_bytes(double bytes, char *buf, size_t n);
