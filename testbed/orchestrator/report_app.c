/* report_app: see report_app.h. */
#include "report_app.h"

#include <stdio.h>

#include "app_photos.h"
#include "report_paper.h"

static void stall_line(const DmxJson *s) {
  double mean, p95, frames = 0;
  if (!dmx_json_number(s, "stall_ms_per_frame.mean", &mean) || !dmx_json_number(s, "stall_ms_per_frame.p95", &p95))
    return;
  dmx_json_number(s, "stall_ms_per_frame.frames", &frames);
  printf("  stall     %.1f ms per frame waiting on the network (p95 %.1f ms) over %.0f frames (%s)\n", mean, p95,
         frames, dmx_json_string(s, "stall_ms_per_frame.source", "?"));
}

/* Surveillance: from capture to screen, split as the app measured it (Fig. 8b). */
static void latency_line(const DmxJson *s) {
  double total, compute, network, wait, frames = 0;
  if (!dmx_json_number(s, "latency_ms_per_frame.total", &total) ||
      !dmx_json_number(s, "latency_ms_per_frame.compute", &compute) ||
      !dmx_json_number(s, "latency_ms_per_frame.network", &network) ||
      !dmx_json_number(s, "latency_ms_per_frame.wait", &wait))
    return;
  dmx_json_number(s, "latency_ms_per_frame.frames", &frames);
  printf("  latency   %.1f ms per frame from capture to screen: compute %.1f + network %.1f + wait %.1f, over %.0f "
         "frames (%s)\n", total, compute, network, wait, frames,
         dmx_json_string(s, "latency_ms_per_frame.source", "?"));
}

/* "RF 50.0% / mig. 50.0%" for one bucket, or "-" without remote photos there. */
static void bucket_cell(const DmxJson *s, const char *label, const char *policy, guint i) {
  g_autofree char *fwd_path = g_strdup_printf("forwarded_pct.%s", label);
  g_autofree char *mig_path = g_strdup_printf("migrated_pct.%s", label);
  double fwd, mig, paper;
  gboolean measured = dmx_json_number(s, fwd_path, &fwd) && dmx_json_number(s, mig_path, &mig);
  gboolean in_paper = dmx_paper_photo_forwarded_pct(policy, i, &paper);
  if (measured)
    printf("  %-6s RF %5.1f%% mig. %5.1f%%", label, fwd, mig);
  else
    printf("  %-6s %s", label, in_paper ? "-                    " : "-");
  if (in_paper)
    printf(" (paper RF %.1f%% mig. %.1f%%)", paper, 100 - paper);
  printf("\n");
}

static void photo_lines(const DmxJson *s, const char *policy) {
  double completion, remote = 0;
  if (!dmx_json_get(s, "completion_s"))
    return;
  if (dmx_json_number(s, "completion_s", &completion))
    printf("  photos    classified in %.3f s emulated (the app's own clock)", completion);
  else
    printf("  photos    no completion time (the app did not finish)");
  dmx_json_number(s, "photos.remote", &remote);
  printf("; %.0f of them held by another device\n", remote);
  if (remote <= 0)
    return;
  printf("            remote photos by size, read by forwarding (RF) or after a migration (mig.):\n");
  for (guint i = 0; i < DMX_PHOTO_BUCKETS; i++) {
    printf("          ");
    bucket_cell(s, dmx_photo_bucket_label(i), policy, i);
  }
}

void dmx_report_app(const DmxJson *s, const char *policy) {
  stall_line(s);
  latency_line(s);
  photo_lines(s, policy);
}
