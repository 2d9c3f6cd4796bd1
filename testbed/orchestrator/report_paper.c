/* report_paper: see report_paper.h. */
#include "report_paper.h"

#include <string.h>

gboolean dmx_paper_values(const char *scenario, const char *policy, DmxPaperValues *out) {
  *out = (DmxPaperValues){0};
  if (!scenario || !policy || strcmp(scenario, "home-theater") != 0)
    return FALSE;
  if (strcmp(policy, "rf") == 0) {
    *out = (DmxPaperValues){.has_fps = TRUE, .fps = 8.2, .fps_source = "paper Fig. 7, RF at 720p, 100 Mbit/s",
                            .has_power = TRUE, .master_mw = 4985.90, .screen_mw = 5151.37,
                            .power_source = "paper Table 2, RF"};
    return TRUE;
  }
  if (strcmp(policy, "dynamix") == 0) {
    *out = (DmxPaperValues){.has_fps = TRUE, .fps = 24, .fps_source = "paper Fig. 7, DynaMix at 720p (target)",
                            .has_power = TRUE, .master_mw = 2956.55, .screen_mw = 6480.51,
                            .power_source = "paper Table 2, DynaMix"};
    return TRUE;
  }
  return FALSE;
}
