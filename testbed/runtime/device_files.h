/* device_files.h: what every libdmx policy piece reads from its environment and writes for the run: a numeric
 * knob (DMX_*), and a CSV log of its own under RUN/devices/NAME/ (DMX_RUN_DIR). */
#ifndef DMX_DEVICE_FILES_H
#define DMX_DEVICE_FILES_H

#include <stdio.h>

/* The environment variable's value as a non-negative number, or fallback when unset, empty or not one. */
double dmx_env_number(const char *name, double fallback);

/* RUN/devices/<this device>/file, opened for writing with its header line (none if header is NULL); NULL with
 * errno 0 outside a run (no DMX_RUN_DIR), or with fopen's errno. */
FILE *dmx_device_log_open(const char *file, const char *header);

#endif
