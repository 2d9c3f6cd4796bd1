/* report_power: `dmx report`'s power table. Per device: the power model's mean power over the run
 * (summary.json devices.NAME.power_mw, or power.devices.NAME in runs written before it moved there), its energy,
 * and its parts (CPU, Wi-Fi, screen, audio: energy_parts_j over the run's duration). Where the paper measured the
 * same setup (report_paper.h, Table 2), the paper's value beside the master and the screen device with the ratio
 * model/paper. Every number printed here is labelled as the MODEL's estimate: the testbed measures no power. */
#pragma once
#include <glib.h>

#include "report_json.h"
#include "report_paper.h"

#define DMX_POWER_PARTS 4 /* cpu, wifi, screen, audio */

typedef struct {
  GPtrArray *names;   /* char*: devices with a modelled power */
  GArray *mw;         /* double: mean modelled power */
  GArray *parts_mw;   /* double[DMX_POWER_PARTS] per device, mean modelled power of each part */
  GArray *paper_mw;   /* double: the paper's measured value for that device, < 0 when none */
} DmxPowerRows;

void dmx_power_rows_init(DmxPowerRows *rows);
void dmx_power_rows_clear(DmxPowerRows *rows); /* also on a zeroed DmxPowerRows */
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(DmxPowerRows, dmx_power_rows_clear)
/* The name of part I ("CPU", "Wi-Fi", "screen", "audio"). */
const char *dmx_power_part_name(guint i);
/* Prints the table for summary S (PAPER may be NULL) and fills ROWS for the figure. */
void dmx_report_power(const DmxJson *s, const DmxPaperValues *paper, DmxPowerRows *rows);
