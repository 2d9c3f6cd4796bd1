/* report_paper: the DynaMix paper's values (USENIX ATC'18; DESIGN.md §10) that `dmx report` prints beside a run's
 * or a sweep's. Every value the reports compare against is here.
 *
 *   home-theater, 720p, 100 Mbit/s:  FPS  rf 8.2 (Fig. 7/10), dynamix 24 (the target)
 *   power (Table 2's setup: two Nexus 5 phones as master and screen device, home theater, Monsoon power monitor):
 *                                    power  rf 4985.90 mW master, 5151.37 mW screen device
 *                                           dynamix 2956.55 mW master, 6480.51 mW screen device
 *                                    FPS as home-theater's (same movie, same link)
 *   home-theater also carries Table 2's power values, with a note: its screen device is a TV box, not a phone.
 *   photo-classify (Table 1, DynaMix on four devices): of the remote photos per file size (< 10K, < 100K, < 1M,
 *                                    < 5M, <= 10M bytes), forwarded 87.8 64.4 33.3 13.9 0 %, migrated the rest
 *
 * By link bandwidth, for a sweep point of home-theater (720p movie):
 *
 *   rf       at 100 Mbit/s        about 8.2 FPS              (Fig. 7)
 *   rf       up to 100 Mbit/s     below 24 FPS               (Fig. 10: "RF is below 24 FPS even at 100 Mbit/s")
 *   dynamix  40 to 100 Mbit/s     holds 24 FPS               (Fig. 10: "DynaMix holds 24 FPS down to 40 Mbit/s")
 *   dynamix  below 40 Mbit/s      below 24 FPS               (Fig. 10, as the same sentence implies)
 *
 * The paper gives shapes more than numbers there, so that check is a shape check: "holds 24" passes at 95% of 24
 * or more, "below 24" under that, and "about X" within 25% of X. local (everything on the phone) is the
 * ideal-network reference and has no paper value. */
#pragma once
#include <glib.h>

typedef struct {
  gboolean has_fps, has_power;
  double fps;                 /* mean FPS */
  const char *fps_source;
  double master_mw, screen_mw;
  const char *power_source;
  gboolean like_for_like;     /* the scenario is Table 2's setup (two Nexus 5 phones) */
} DmxPaperValues;

/* FALSE when the paper has nothing for this scenario and policy. */
gboolean dmx_paper_values(const char *scenario, const char *policy, DmxPaperValues *out);

#define DMX_PAPER_PHOTO_BUCKETS 5
/* Table 1's forwarded percentage for bucket I (< 10K .. <= 10M, as app_photos.h's first five); the migrated
 * percentage is 100 minus it. FALSE for a policy other than dynamix or I out of range. */
gboolean dmx_paper_photo_forwarded_pct(const char *policy, guint i, double *pct);

typedef enum {
  DMX_PAPER_FPS_ABOUT,   /* about fps */
  DMX_PAPER_FPS_HOLDS,   /* holds fps (the target) */
  DMX_PAPER_FPS_BELOW,   /* stays below fps */
} DmxPaperFpsRelation;

typedef struct {
  DmxPaperFpsRelation relation;
  double fps;
  const char *source;    /* "Fig. 10" */
} DmxPaperFps;

/* The paper's FPS for SCENARIO under POLICY at a link of RATE_MBIT (the table above); FALSE when it says nothing. */
gboolean dmx_paper_fps_at_rate(const char *scenario, const char *policy, double rate_mbit, DmxPaperFps *out);
/* "about 8.2", "holds 24", "below 24". */
char *dmx_paper_fps_text(const DmxPaperFps *p);
/* TRUE if MEASURED FPS has the paper's shape (see above). */
gboolean dmx_paper_fps_agrees(const DmxPaperFps *p, double measured);
