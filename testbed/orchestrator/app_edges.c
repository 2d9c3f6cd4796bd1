/* app_edges: see app_edges.h. */
#include "app_edges.h"

#include <stdio.h>

void dmx_app_edges_read(const char *stdout_log, DmxAppEdges *out) {
  *out = (DmxAppEdges){0};
  g_autofree char *text = NULL;
  if (!g_file_get_contents(stdout_log, &text, NULL, NULL))
    return;
  g_auto(GStrv) lines = g_strsplit(text, "\n", -1);
  double compute = 0, network = 0, wait = 0, total = 0;
  for (guint i = 0; lines[i]; i++) {
    unsigned long long canny, latency, net, waited;
    if (!g_str_has_prefix(lines[i], "edge seq=") ||
        sscanf(lines[i], "edge seq=%*u checksum=%*x frame=%*u capture_ns=%*u canny_us=%llu latency_us=%llu "
                         "net_us=%llu wait_us=%llu", &canny, &latency, &net, &waited) != 4)
      continue; /* another program's output */
    out->frames++;
    compute += canny / 1e3;
    network += net / 1e3;
    wait += waited / 1e3;
    total += latency / 1e3;
  }
  if (!out->frames)
    return;
  out->compute_ms = compute / out->frames;
  out->network_ms = network / out->frames;
  out->wait_ms = wait / out->frames;
  out->total_ms = total / out->frames;
}

char *dmx_app_edges_json(const DmxAppEdges *e, const char *source) {
  if (!e->frames)
    return g_strdup("");
  return g_strdup_printf("  \"latency_ms_per_frame\": {\"total\": %.3f, \"compute\": %.3f, \"network\": %.3f, "
                         "\"wait\": %.3f, \"frames\": %u, \"source\": \"%s edge lines\"},\n",
                         e->total_ms, e->compute_ms, e->network_ms, e->wait_ms, e->frames, source);
}
