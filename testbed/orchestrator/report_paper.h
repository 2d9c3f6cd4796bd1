/* report_paper: the DynaMix paper's values (USENIX ATC'18; DESIGN.md §10) that `dmx report` prints beside a run's.
 *
 *   home-theater, 720p, 100 Mbit/s:  FPS  rf 8.2 (Fig. 7/10), dynamix 24 (the target)
 *   home-theater (Table 2, Monsoon power monitor, two Nexus 5 phones as master and screen device):
 *                                    power  rf 4985.90 mW master, 5151.37 mW screen device
 *                                           dynamix 2956.55 mW master, 6480.51 mW screen device */
#pragma once
#include <glib.h>

typedef struct {
  gboolean has_fps, has_power;
  double fps;                 /* mean FPS */
  const char *fps_source;
  double master_mw, screen_mw;
  const char *power_source;
} DmxPaperValues;

/* FALSE when the paper has nothing for this scenario and policy. */
gboolean dmx_paper_values(const char *scenario, const char *policy, DmxPaperValues *out);
