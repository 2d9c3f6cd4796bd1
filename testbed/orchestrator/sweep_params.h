/* sweep_params: derived sweep parameters. A sweep usually varies one number of the link (its bandwidth for the
 * paper's Fig. 10), but the scenario names the link as a whole tc-netem spec; these keys rewrite one word of the
 * scenario's default [link] spec and keep the rest:
 *
 *   link.rate_mbit = 10    "rate 100mbit delay 2ms" -> "rate 10mbit delay 2ms"    (Mbit/s, > 0)
 *   link.delay_ms  = 5     "rate 100mbit delay 2ms" -> "rate 100mbit delay 5ms"   (one-way ms, >= 0; jitter kept)
 *
 * The point then runs with --set link.spec=<the rewritten spec>. Only [link]'s spec changes: [link A B] pairs and
 * events keep their own, and a [link] that names `profile =` must say `spec = @PROFILE` instead. */
#pragma once
#include <glib.h>

/* TRUE if KEY is one of the derived keys above. */
gboolean dmx_sweep_param_is_derived(const char *key);
/* TRUE if VALUE suits derived KEY, else FALSE with the reason appended to WHY. */
gboolean dmx_sweep_param_check(const char *key, const char *value, GString *why);
/* SPEC with KEY's word set to VALUE (added when SPEC lacks it). KEY and VALUE must have passed the check. */
char *dmx_sweep_param_apply(const char *key, const char *value, const char *spec);
/* The figure's axis title for a derived KEY ("link bandwidth (Mbit/s)"), else NULL. */
const char *dmx_sweep_param_axis_title(const char *key);
/* The derived key KEY is a near miss of (a typo), or NULL. Only for keys that are not derived themselves. */
const char *dmx_sweep_param_suggest(const char *key);
/* "link.rate_mbit, link.delay_ms", for messages. */
const char *dmx_sweep_param_derived_names(void);
