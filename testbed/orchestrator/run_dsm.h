/* run_dsm.h: a device's DSM counters (devices/NAME/dsm.json, written by libdmx at exit or when dmx stops the
 * run) for its entry in summary.json. */
#pragma once
#include <glib.h>

/* ", \"dsm\": {...}" with the totals a reader compares between policies and checkpoint modes, or "" when the
 * device wrote no dsm.json (a single-device run, a device killed). Never NULL. */
char *dmx_run_dsm_json(const char *run_dir, const char *device);
