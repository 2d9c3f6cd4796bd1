/* report_paper: see report_paper.h. */
#include "report_paper.h"

#include <math.h>
#include <string.h>

/* Home theater, 720p movie. */
#define PAPER_TARGET_FPS 24.0  /* the movie's rate, which DynaMix holds (Fig. 7, Fig. 10) */
#define PAPER_RF_FPS 8.2       /* RF at 100 Mbit/s (Fig. 7) */
#define PAPER_MAX_MBIT 100.0   /* the paper's 802.11ac link; nothing is said above it */
#define DYNAMIX_HOLDS_FROM_MBIT 40.0
#define HOLDS_FRACTION 0.95    /* "holds 24 FPS": a point at 22.8 or more */
#define ABOUT_FRACTION 0.25    /* "about 8.2": within 25% */

/* The home theater of Fig. 6/7 and its Fig. 10 setup (home-theater-bandwidth): the same movie and FPS values. */
static gboolean home_theater(const char *scenario) {
  return strcmp(scenario, "home-theater") == 0 || strcmp(scenario, "home-theater-bandwidth") == 0;
}

gboolean dmx_paper_values(const char *scenario, const char *policy, DmxPaperValues *out) {
  *out = (DmxPaperValues){0};
  if (!scenario || !policy)
    return FALSE;
  gboolean table2 = strcmp(scenario, "power") == 0;
  if (!table2 && !home_theater(scenario))
    return FALSE;
  if (strcmp(policy, "rf") == 0) {
    *out = (DmxPaperValues){.has_fps = TRUE, .fps = PAPER_RF_FPS, .fps_source = "paper Fig. 7, RF at 720p, 100 Mbit/s",
                            .has_power = TRUE, .master_mw = 4985.90, .screen_mw = 5151.37,
                            .power_source = "paper Table 2, RF", .like_for_like = table2};
    return TRUE;
  }
  if (strcmp(policy, "dynamix") == 0) {
    *out = (DmxPaperValues){.has_fps = TRUE, .fps = PAPER_TARGET_FPS, .fps_source = "paper Fig. 7, DynaMix at 720p (target)",
                            .has_power = TRUE, .master_mw = 2956.55, .screen_mw = 6480.51,
                            .power_source = "paper Table 2, DynaMix", .like_for_like = table2};
    return TRUE;
  }
  return FALSE;
}

gboolean dmx_paper_photo_forwarded_pct(const char *policy, guint i, double *pct) {
  static const double forwarded[DMX_PAPER_PHOTO_BUCKETS] = {87.8, 64.4, 33.3, 13.9, 0};
  if (!policy || strcmp(policy, "dynamix") != 0 || i >= DMX_PAPER_PHOTO_BUCKETS)
    return FALSE;
  *pct = forwarded[i];
  return TRUE;
}

gboolean dmx_paper_fps_at_rate(const char *scenario, const char *policy, double rate_mbit, DmxPaperFps *out) {
  if (!scenario || !policy || !home_theater(scenario) || isnan(rate_mbit) || rate_mbit <= 0 ||
      rate_mbit > PAPER_MAX_MBIT)
    return FALSE;
  if (strcmp(policy, "rf") == 0) {
    *out = rate_mbit == PAPER_MAX_MBIT ? (DmxPaperFps){DMX_PAPER_FPS_ABOUT, PAPER_RF_FPS, "Fig. 7"}
                                       : (DmxPaperFps){DMX_PAPER_FPS_BELOW, PAPER_TARGET_FPS, "Fig. 10"};
    return TRUE;
  }
  if (strcmp(policy, "dynamix") == 0) {
    *out = rate_mbit >= DYNAMIX_HOLDS_FROM_MBIT ? (DmxPaperFps){DMX_PAPER_FPS_HOLDS, PAPER_TARGET_FPS, "Fig. 10"}
                                                : (DmxPaperFps){DMX_PAPER_FPS_BELOW, PAPER_TARGET_FPS, "Fig. 10"};
    return TRUE;
  }
  return FALSE;
}

char *dmx_paper_fps_text(const DmxPaperFps *p) {
  const char *word = p->relation == DMX_PAPER_FPS_ABOUT ? "about" : p->relation == DMX_PAPER_FPS_HOLDS ? "holds"
                                                                                                      : "below";
  return g_strdup_printf("%s %g", word, p->fps);
}

gboolean dmx_paper_fps_agrees(const DmxPaperFps *p, double measured) {
  if (isnan(measured))
    return FALSE;
  switch (p->relation) {
    case DMX_PAPER_FPS_ABOUT: return fabs(measured - p->fps) <= ABOUT_FRACTION * p->fps;
    case DMX_PAPER_FPS_HOLDS: return measured >= HOLDS_FRACTION * p->fps;
    case DMX_PAPER_FPS_BELOW: return measured < HOLDS_FRACTION * p->fps;
  }
  return FALSE;
}
