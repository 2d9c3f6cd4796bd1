/* app_edges: the surveillance app's own per-frame report turned into the run's latency breakdown (the paper's
 * Fig. 8b; DESIGN.md §8).
 *
 * Input: the master's stdout.log, where surveillance (testbed/apps/surveillance.c) writes one line per frame shown
 *   edge seq=N checksum=C frame=F capture_ns=T canny_us=A latency_us=L net_us=B wait_us=W
 * All MEASURED by the app on its own clock: L from the camera's capture stamp to the screen's present stamp, A the
 * edge detector's compute time, B the time its threads waited on the network (libdmx's stall counters), W the
 * rest (queues, the screen's vsync). */
#pragma once
#include <glib.h>

typedef struct {
  guint frames;            /* edge lines */
  double compute_ms, network_ms, wait_ms, total_ms;   /* means per frame */
} DmxAppEdges;

/* Reads STDOUT_LOG. A missing file or one without edge lines leaves out->frames 0 (not an error). */
void dmx_app_edges_read(const char *stdout_log, DmxAppEdges *out);
/* summary.json's member latency_ms_per_frame, ending in ",\n", naming SOURCE (the log, relative to the run
 * directory); "" when the run was not surveillance's. */
char *dmx_app_edges_json(const DmxAppEdges *e, const char *source);
