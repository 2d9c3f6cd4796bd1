/* sweep: a parameter sweep's definition: which scenario, which parameters take which values, which policies.
 *
 * A sweep file (sweeps/NAME.ini, GKeyFile like a scenario, checked the same way, errors "file:line: key ..."):
 *
 *   [sweep]
 *   scenario = ../scenarios/home-theater.ini   # required; relative to this file
 *   name     = bandwidth                       # default: the file's name
 *   policies = local, rf                       # default: the scenario's own
 *   metric   = fps.mean                        # the summary.json number `dmx report` plots (default fps.mean)
 *
 *   [set]                                      # fixed for every point: SECTION.KEY = VALUE, as dmx run --set
 *   scenario.duration_s = 16
 *
 *   [axis bandwidth]                           # one axis: its keys vary together, step by step
 *   link.rate_mbit = 10, 20, 40, 60, 80, 100
 *
 *   [axis quality]                             # a second axis is crossed with the first
 *   label         = 360p, 720p                 # optional: names the steps (default: the first key's values)
 *   scenario.args = /dev/dmx/storage/movie-360p.mp4, /dev/dmx/storage/movie-720p.mp4
 *   device tv.screen = 640x360, 1280x720
 *
 * An axis key is any SECTION.KEY that `dmx run --set` takes, or a derived link parameter (sweep_params.h:
 * link.rate_mbit, link.delay_ms) that rewrites one word of the scenario's [link] spec. Values are comma
 * separated, so a value cannot contain a comma. On the command line, `--vary KEY=V1,V2` adds a one-key axis
 * named after KEY's last part (rate_mbit), `--policy` replaces the policies, `--set` adds a fixed override and
 * `--metric` replaces the metric.
 *
 * This file only reads and checks the definition's own structure; sweep_resolve.h checks it against the scenario
 * and sweep_grid.h expands it into points. */
#pragma once
#include <glib.h>

#include "ini_schema.h"

/* Where a parameter came from, for error messages: a key of the sweep file, or a command-line option. */
typedef struct {
  char *group;        /* "axis bandwidth" (file), or NULL */
  char *key;          /* "link.rate_mbit" (file), or NULL */
  char *option;       /* "--vary link.rate_mbit=10,20" (command line), or NULL */
} DmxSweepOrigin;

typedef struct {
  char *key;          /* "link.rate_mbit", "scenario.args", "device tv.screen" */
  char **values;      /* NULL-terminated, one per step of its axis */
  DmxSweepOrigin origin;
} DmxSweepParam;

typedef struct {
  char *name;         /* [axis NAME], or for a --vary its key's last part ("rate_mbit"; the key if taken) */
  char **labels;      /* one per step: the label key's values, else the first parameter's */
  guint steps;
  GPtrArray *params;  /* DmxSweepParam*, each with `steps` values */
  DmxSweepOrigin origin;
} DmxSweepAxis;

typedef struct {
  char *assignment;   /* "SECTION.KEY=VALUE" */
  DmxSweepOrigin origin;
} DmxSweepSet;

typedef struct {
  char *path;         /* the sweep file, or "(command line)" */
  char *name;         /* names results/NAME/ */
  char *scenario;     /* the scenario file, as given (relative paths resolved against the sweep file) */
  char **policies;    /* NULL-terminated; NULL: the scenario's own */
  char *metric;       /* a dotted number path of summary.json */
  GPtrArray *sets;    /* DmxSweepSet* */
  GPtrArray *axes;    /* DmxSweepAxis*, outermost first */
  IniFile *ini;       /* the sweep file, kept for its line numbers; NULL for a command-line sweep */
  /* Filled by dmx_sweep_resolve (sweep_resolve.h) from the scenario: */
  char *scenario_name;   /* its [scenario] name: results and the paper's values are keyed by it */
  char *base_link_spec;  /* its [link] spec after the fixed sets, profiles resolved: what derived keys rewrite */
} DmxSweep;

/* Loads and checks a sweep file (structure only). NULL with every problem in ERROR, one per line. */
DmxSweep *dmx_sweep_load(const char *path, GError **error);
/* The same for text in memory; PATH names it in messages and anchors a relative scenario path. */
DmxSweep *dmx_sweep_load_data(const char *path, const char *text, GError **error);
/* A sweep of SCENARIO that the command line describes (--vary, --policy, --set add to it). */
DmxSweep *dmx_sweep_new_for_scenario(const char *scenario);
void dmx_sweep_free(DmxSweep *sw);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(DmxSweep, dmx_sweep_free)

/* TRUE if PATH is a sweep file (it has a [sweep] section) rather than a scenario. */
gboolean dmx_sweep_file_is_sweep(const char *path);

/* Command-line additions. Each returns FALSE with ERROR naming the option. */
gboolean dmx_sweep_add_vary(DmxSweep *sw, const char *arg, GError **error);      /* "KEY=V1,V2,..." */
gboolean dmx_sweep_set_policies(DmxSweep *sw, const char *list, GError **error); /* "rf,local" */
gboolean dmx_sweep_add_set(DmxSweep *sw, const char *assignment, GError **error);
gboolean dmx_sweep_set_metric(DmxSweep *sw, const char *metric, GError **error);   /* "fps.mean" */
gboolean dmx_sweep_set_name(DmxSweep *sw, const char *name, GError **error);       /* "bandwidth" */

/* Appends "LOCATION: MESSAGE" for a problem with something that came from ORIGIN (a file key gets
 * "file:line: key 'k' in [group]: ..."). */
void dmx_sweep_add_error(const DmxSweep *sw, const DmxSweepOrigin *origin, GString *errors, const char *fmt, ...)
    G_GNUC_PRINTF(4, 5);

/* The number of points: the product of the axes' steps, times the number of policies (NPOLICIES). */
guint dmx_sweep_point_count(const DmxSweep *sw, guint npolicies);

/* One line per key, for `dmx sweep --help`. */
char *dmx_sweep_schema_help(void);
