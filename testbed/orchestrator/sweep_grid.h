/* sweep_grid: a resolved sweep (sweep_resolve.h) expanded into its points, and each point as the ordinary
 * `dmx run` command that runs it.
 *
 * The axes are crossed in order, the first outermost, and the policies innermost, so that the points of one
 * parameter value sit together: bandwidth-10_local, bandwidth-10_rf, bandwidth-20_local, ... A point's directory
 * name is AXIS-LABEL per axis, joined by '_', then the policy, with anything but letters, digits, '.', '+' and
 * '-' made '_'. */
#pragma once
#include <glib.h>

#include "sweep.h"

typedef struct {
  guint index;        /* grid order, from 0 */
  char *name;         /* directory name, unique in the sweep */
  char *policy;
  char **labels;      /* per axis, the step's label (NULL-terminated, as many as axes) */
  char **sets;        /* "SECTION.KEY=VALUE" for dmx run --set: the fixed ones, then the axes' (NULL-terminated) */
} DmxSweepPoint;

/* Every point of SW (resolved: policies and base_link_spec set). */
GPtrArray *dmx_sweep_grid(const DmxSweep *sw);

/* The --set assignment one value of PARAM stands for: KEY=VALUE, or for a derived key link.spec=<SPEC rewritten>.
 * SPEC is the link spec to rewrite (the base, or what earlier derived keys of the same point made of it). */
char *dmx_sweep_param_assignment(const DmxSweepParam *param, const char *value, const char *spec);

/* The point's command: DMX_BIN run SCENARIO --policy P --set ... --out OUT_DIR (NULL-terminated, g_strfreev). */
char **dmx_sweep_point_argv(const DmxSweepPoint *point, const char *dmx_bin, const char *scenario, const char *out_dir);
/* The same as one POSIX shell line that sends its output to LOG: what GNU parallel runs, and jobs.txt lists. */
char *dmx_sweep_point_shell_line(char **argv, const char *log);

/* "a-1_b-2_rf": a label made safe for a directory name. */
char *dmx_sweep_safe_name(const char *text);
