/* report_dsm: see report_dsm.h. The columns are what tells policies and checkpoint modes apart: how much memory
 * moved each way, how long threads waited for it and for locks, and how many checkpoint cuts it took. */
#include "report_dsm.h"

#include <stdio.h>

const char *dmx_human_bytes(double b, char *buf, size_t n) {
  if (b >= 1e9)
    snprintf(buf, n, "%.2f GB", b / 1e9);
  else if (b >= 1e6)
    snprintf(buf, n, "%.1f MB", b / 1e6);
  else if (b >= 1e3)
    snprintf(buf, n, "%.1f kB", b / 1e3);
  else
    snprintf(buf, n, "%.0f B", b);
  return buf;
}

void dmx_report_dsm(const DmxJson *summary) {
  const DmxJson *devices = dmx_json_get(summary, "devices");
  gboolean header = FALSE;
  for (guint i = 0; devices && devices->type == DMX_JSON_OBJECT && i < devices->items->len; i++) {
    const DmxJson *dsm = dmx_json_get(devices->items->pdata[i], "dsm");
    if (!dsm || dsm->type != DMX_JSON_OBJECT)
      continue;
    if (!header)
      printf("  DSM       %-10s %9s %10s %10s %11s %10s %11s\n", "device", "faults", "pages in", "diffs out",
             "fetch wait", "lock wait", "checkpoints");
    header = TRUE;
    char in[32], out[32];
    dmx_human_bytes(dmx_json_number_or(dsm, "page_bytes_received", 0), in, sizeof in);
    dmx_human_bytes(dmx_json_number_or(dsm, "diff_bytes_pushed", 0), out, sizeof out);
    printf("            %-10s %9.0f %10s %10s %9.2f s %8.2f s %11.0f\n", (const char *)devices->keys->pdata[i],
           dmx_json_number_or(dsm, "faults", 0), in, out, dmx_json_number_or(dsm, "fetch_stall_ms", 0) / 1e3,
           dmx_json_number_or(dsm, "lock_stall_ms", 0) / 1e3, dmx_json_number_or(dsm, "checkpoints", 0));
  }
}
