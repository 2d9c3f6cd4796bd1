/* run_device_csv: the data lines of a CSV file that every device of a run may have written,
 * RUN/devices/NAME/FILE (header line left out), for the readers of migrations.csv and recoveries.csv. */
#pragma once
#include <glib.h>

/* Calls row(line, ud) for each data line of each RUN_DIR/devices/NAME/FILE; devices without FILE are skipped. */
void dmx_run_device_csv_rows(const char *run_dir, const char *file, void (*row)(const char *line, gpointer ud),
                             gpointer ud);
