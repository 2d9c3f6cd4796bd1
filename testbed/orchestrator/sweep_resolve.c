/* sweep_resolve: see sweep_resolve.h. Loading a scenario is cheap (a few small files), so each value is checked
 * by loading the scenario with it: the scenario's own rules and messages apply, and nothing is duplicated here. */
#include "sweep_resolve.h"

#include <string.h>

#include "sweep_grid.h"
#include "sweep_params.h"

/* Loads the sweep's scenario with the fixed sets plus EXTRA (NULL-terminated or NULL). */
static DmxScenario *load_with(const DmxSweep *sw, const DmxScenarioLoadOptions *base, char **extra,
                              gboolean with_fixed_sets, GError **error) {
  g_autoptr(GPtrArray) overrides = g_ptr_array_new();
  for (guint i = 0; with_fixed_sets && i < sw->sets->len; i++)
    g_ptr_array_add(overrides, ((DmxSweepSet *)sw->sets->pdata[i])->assignment);
  for (guint i = 0; extra && extra[i]; i++)
    g_ptr_array_add(overrides, extra[i]);
  g_ptr_array_add(overrides, NULL);
  DmxScenarioLoadOptions opt = *base;
  opt.overrides = (const char *const *)overrides->pdata;
  return dmx_scenario_load(sw->scenario, &opt, error);
}

/* Each key is varied or fixed once; a derived key and link.spec itself cannot both be varied (same link). */
static void check_keys_once(const DmxSweep *sw, GString *errors) {
  g_autoptr(GHashTable) seen = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
  for (guint i = 0; i < sw->sets->len; i++) {
    const DmxSweepSet *set = sw->sets->pdata[i];
    char *key = g_strndup(set->assignment, strcspn(set->assignment, "="));
    g_hash_table_add(seen, g_strstrip(key));
  }
  const DmxSweepParam *derived = NULL, *spec = NULL;
  for (guint a = 0; a < sw->axes->len; a++) {
    const DmxSweepAxis *axis = sw->axes->pdata[a];
    for (guint k = 0; k < axis->params->len; k++) {
      const DmxSweepParam *p = axis->params->pdata[k];
      if (!g_hash_table_add(seen, g_strdup(p->key)))
        dmx_sweep_add_error(sw, &p->origin, errors, "'%s' is already set or varied elsewhere in this sweep", p->key);
      if (dmx_sweep_param_is_derived(p->key))
        derived = p;
      else if (strcmp(p->key, "link.spec") == 0)
        spec = p;
    }
  }
  if (derived && spec)
    dmx_sweep_add_error(sw, &spec->origin, errors, "vary either link.spec or %s (here %s), not both: they change "
                        "the same link", dmx_sweep_param_derived_names(), derived->key);
}

/* The scenario alone, then with each fixed set, so that a problem is pinned on what caused it. */
static DmxScenario *load_base(DmxSweep *sw, const DmxScenarioLoadOptions *opt, GString *errors) {
  g_autoptr(GError) err = NULL;
  g_autoptr(DmxScenario) plain = load_with(sw, opt, NULL, FALSE, &err);
  if (!plain) {
    DmxSweepOrigin where = {.group = sw->ini ? "sweep" : NULL, .key = sw->ini ? "scenario" : NULL};
    dmx_sweep_add_error(sw, &where, errors, "the scenario itself is invalid:\n%s", err->message);
    return NULL;
  }
  for (guint i = 0; i < sw->sets->len; i++) {
    const DmxSweepSet *set = sw->sets->pdata[i];
    char *one[] = {set->assignment, NULL};
    g_clear_error(&err);
    g_autoptr(DmxScenario) sc = load_with(sw, opt, one, FALSE, &err);
    if (!sc)
      dmx_sweep_add_error(sw, &set->origin, errors, "%s", err->message);
  }
  if (errors->len)
    return NULL;
  g_clear_error(&err);
  DmxScenario *sc = load_with(sw, opt, NULL, TRUE, &err);
  if (!sc)
    dmx_sweep_add_error(sw, NULL, errors, "the fixed sets together: %s", err->message);
  return sc;
}

/* Every value of PARAM, each alone on top of the fixed sets; stops at its first bad value. */
static void check_param_values(const DmxSweep *sw, const DmxSweepParam *p, const DmxScenarioLoadOptions *opt,
                               GString *errors) {
  const char *near = dmx_sweep_param_is_derived(p->key) ? NULL : dmx_sweep_param_suggest(p->key);
  if (near) {
    dmx_sweep_add_error(sw, &p->origin, errors, "unknown parameter; did you mean '%s'? (a parameter is a "
                        "SECTION.KEY of the scenario, or one of %s)", near, dmx_sweep_param_derived_names());
    return;
  }
  for (guint v = 0; p->values[v]; v++) {
    g_autoptr(GString) why = g_string_new(NULL);
    if (dmx_sweep_param_is_derived(p->key) && !dmx_sweep_param_check(p->key, p->values[v], why)) {
      dmx_sweep_add_error(sw, &p->origin, errors, "bad value '%s': %s", p->values[v], why->str);
      return;
    }
    g_autofree char *assignment = dmx_sweep_param_assignment(p, p->values[v], sw->base_link_spec);
    char *one[] = {assignment, NULL};
    g_autoptr(GError) err = NULL;
    g_autoptr(DmxScenario) sc = load_with(sw, opt, one, TRUE, &err);
    if (!sc) {
      gboolean unknown = strstr(err->message, ": unknown ") != NULL; /* a key or section the scenario lacks */
      dmx_sweep_add_error(sw, &p->origin, errors, "with value '%s' the scenario is invalid: %s%s%s%s", p->values[v],
                          err->message, unknown ? " (a parameter is a SECTION.KEY of the scenario, or one of " : "",
                          unknown ? dmx_sweep_param_derived_names() : "", unknown ? ")" : "");
      return;
    }
  }
}

/* Values that pass alone can still clash together; each point is checked as it will run. */
static void check_points(const DmxSweep *sw, const DmxScenarioLoadOptions *opt, GString *errors) {
  g_autoptr(GPtrArray) points = dmx_sweep_grid(sw);
  for (guint i = 0; i < points->len; i++) {
    const DmxSweepPoint *p = points->pdata[i];
    g_autoptr(GError) err = NULL;
    g_autoptr(DmxScenario) sc = load_with(sw, opt, p->sets, FALSE, &err);
    if (!sc)
      dmx_sweep_add_error(sw, NULL, errors, "point %s: %s", p->name, err->message);
  }
}

gboolean dmx_sweep_resolve(DmxSweep *sw, const DmxScenarioLoadOptions *opt, GError **error) {
  g_autoptr(GString) errors = g_string_new(NULL);
  check_keys_once(sw, errors);
  g_autoptr(DmxScenario) sc = errors->len ? NULL : load_base(sw, opt, errors);
  if (sc) {
    g_free(sw->scenario_name);
    sw->scenario_name = g_strdup(sc->name);
    g_free(sw->base_link_spec);
    sw->base_link_spec = g_strdup(sc->link_spec);
    if (!sw->policies)
      sw->policies = g_strdupv(sc->policies);
    for (guint a = 0; a < sw->axes->len; a++) {
      const DmxSweepAxis *axis = sw->axes->pdata[a];
      for (guint k = 0; k < axis->params->len; k++)
        check_param_values(sw, axis->params->pdata[k], opt, errors);
    }
  }
  if (!errors->len)
    check_points(sw, opt, errors);
  if (errors->len) {
    g_set_error(error, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_INVALID_VALUE, "%s", errors->str);
    return FALSE;
  }
  return TRUE;
}
