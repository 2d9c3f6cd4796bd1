/* link_check: checks a link spec (tc-netem syntax) before a run starts, with dmx-medium's own parser
 * (netem/link_spec.c), so a spec that passes here is one the medium accepts. */
#pragma once
#include <glib.h>

typedef struct {
  double rate_mbit; /* 0: unlimited */
  double delay_ms;
  double loss_pct;
} DmxLinkSummary;

/* An IniCheck: TRUE if SPEC parses, else FALSE with the reason appended to WHY. */
gboolean dmx_link_spec_check(const char *spec, GString *why);
/* A link mode: wired (independent links) or wifi (shared airtime). */
gboolean dmx_link_mode_check(const char *mode, GString *why);
/* The headline numbers of SPEC, for summary.json. */
gboolean dmx_link_spec_summary(const char *spec, DmxLinkSummary *out);
