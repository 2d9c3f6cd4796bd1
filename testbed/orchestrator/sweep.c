/* sweep: see sweep.h. The [sweep] section is table-driven (ini_schema); [set] and [axis NAME] take free keys
 * (SECTION.KEY of the scenario), checked here for form and by sweep_resolve.c against the scenario itself. */
#include "sweep.h"

#include <stdarg.h>
#include <string.h>

#include "policies.h"
#include "scenario.h"

#define SWEEP_LABEL_KEY "label"
#define SWEEP_DEFAULT_METRIC "fps.mean"

static gboolean check_policy_list(const char *value, GString *why) {
  g_auto(GStrv) list = ini_split_list(value);
  return dmx_check_policy_names(list, FALSE, why);
}

/* A summary.json number path: words of letters, digits and '_' joined by dots ("fps.mean", "power_total_mw"). */
static gboolean check_metric(const char *value, GString *why) {
  gboolean ok = value[0] && value[0] != '.' && value[strlen(value) - 1] != '.' && !strstr(value, "..");
  for (const char *p = value; ok && *p; p++)
    ok = g_ascii_isalnum(*p) || *p == '_' || *p == '.';
  if (!ok)
    g_string_append(why, "expected a dotted path of summary.json, e.g. fps.mean, power_total_mw, traffic_bytes_total");
  return ok;
}

static const IniKey sweep_keys[] = {
    {"scenario", ini_check_nonempty, TRUE, "the scenario file to sweep, relative to this file"},
    {"name", ini_check_identifier, FALSE, "names results/NAME/ (default: this file's name)"},
    {"policies", check_policy_list, FALSE, "comma list of local, rf, dynamix, offload (default: the scenario's)"},
    {"metric", check_metric, FALSE, "the summary.json number dmx report plots per point (default fps.mean)"},
    {NULL, NULL, FALSE, NULL},
};

/* [set] and [axis NAME] keys are the scenario's SECTION.KEY, so no fixed table: checked by check_free_key. */
static const IniKey no_keys[] = {{NULL, NULL, FALSE, NULL}};

static const IniKind sweep_kinds[] = {
    {"sweep", INI_SINGLE, sweep_keys, FALSE},
    {"set", INI_SINGLE, no_keys, TRUE},
    {"axis", INI_NAMED, no_keys, TRUE},
    {NULL, 0, NULL, FALSE},
};

/* ---- construction and destruction ---- */

static void origin_clear(DmxSweepOrigin *o) {
  g_free(o->group);
  g_free(o->key);
  g_free(o->option);
}

static DmxSweepOrigin origin_file(const char *group, const char *key) {
  return (DmxSweepOrigin){.group = g_strdup(group), .key = g_strdup(key)};
}

static DmxSweepOrigin origin_option(const char *option, const char *arg) {
  return (DmxSweepOrigin){.option = g_strdup_printf("%s %s", option, arg)};
}

static void param_free(gpointer p) {
  DmxSweepParam *param = p;
  g_free(param->key);
  g_strfreev(param->values);
  origin_clear(&param->origin);
  g_free(param);
}

static void axis_free(gpointer p) {
  DmxSweepAxis *axis = p;
  g_free(axis->name);
  g_strfreev(axis->labels);
  g_ptr_array_unref(axis->params);
  origin_clear(&axis->origin);
  g_free(axis);
}

static void set_free(gpointer p) {
  DmxSweepSet *set = p;
  g_free(set->assignment);
  origin_clear(&set->origin);
  g_free(set);
}

static DmxSweep *sweep_new(const char *path) {
  DmxSweep *sw = g_new0(DmxSweep, 1);
  sw->path = g_strdup(path);
  sw->metric = g_strdup(SWEEP_DEFAULT_METRIC);
  sw->sets = g_ptr_array_new_with_free_func(set_free);
  sw->axes = g_ptr_array_new_with_free_func(axis_free);
  return sw;
}

void dmx_sweep_free(DmxSweep *sw) {
  if (!sw)
    return;
  g_free(sw->path);
  g_free(sw->name);
  g_free(sw->scenario);
  g_strfreev(sw->policies);
  g_free(sw->metric);
  g_ptr_array_unref(sw->sets);
  g_ptr_array_unref(sw->axes);
  ini_file_free(sw->ini);
  g_free(sw->scenario_name);
  g_free(sw->base_link_spec);
  g_free(sw);
}

static char *basename_without_ext(const char *path) {
  char *base = g_path_get_basename(path);
  char *dot = strrchr(base, '.');
  if (dot && dot != base)
    *dot = '\0';
  return base;
}

DmxSweep *dmx_sweep_new_for_scenario(const char *scenario) {
  DmxSweep *sw = sweep_new("(command line)");
  sw->scenario = g_strdup(scenario);
  g_autofree char *base = basename_without_ext(scenario);
  sw->name = g_strdup_printf("%s-sweep", base);
  return sw;
}

/* ---- errors ---- */

void dmx_sweep_add_error(const DmxSweep *sw, const DmxSweepOrigin *origin, GString *errors, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  g_autofree char *msg = g_strdup_vprintf(fmt, ap);
  va_end(ap);
  if (origin && origin->group && sw->ini) {
    ini_file_add_error(sw->ini, errors, origin->group, origin->key, "%s", msg);
    return;
  }
  if (errors->len)
    g_string_append_c(errors, '\n');
  g_string_append_printf(errors, "%s: %s", origin && origin->option ? origin->option : sw->path, msg);
}

/* ---- values ---- */

/* "a, b ,c" -> {"a","b","c"}; FALSE with WHY on an empty item. */
static char **split_values(const char *text, GString *why) {
  g_auto(GStrv) raw = g_strsplit(text, ",", -1);
  GPtrArray *out = g_ptr_array_new_with_free_func(g_free);
  for (int i = 0; raw[i]; i++) {
    g_strstrip(raw[i]);
    if (!raw[i][0]) {
      g_string_append_printf(why, "value %d of the list is empty (values are comma separated; a value cannot "
                             "contain a comma)", i + 1);
      g_ptr_array_unref(out);
      return NULL;
    }
    g_ptr_array_add(out, g_strdup(raw[i]));
  }
  g_ptr_array_set_free_func(out, NULL);
  g_ptr_array_add(out, NULL);
  return (char **)g_ptr_array_free(out, FALSE);
}

/* The same value twice on one axis would give two points the same name and the same run. */
static const char *first_duplicate(char **values) {
  for (guint i = 0; values[i]; i++)
    for (guint j = 0; j < i; j++)
      if (strcmp(values[i], values[j]) == 0)
        return values[i];
  return NULL;
}

/* SECTION.KEY as dmx run --set takes it: a dot with something on both sides. */
static gboolean is_scenario_key(const char *key) {
  const char *dot = strrchr(key, '.');
  return dot && dot != key && dot[1] != '\0';
}

#define SCENARIO_KEY_EXAMPLES "e.g. link.rate_mbit, scenario.args, 'device tv.screen'"
static const char scenario_key_hint[] =
    "expected SECTION.KEY of the scenario, as dmx run --set takes it (" SCENARIO_KEY_EXAMPLES ")";

/* ---- the sweep file ---- */

static DmxSweepParam *param_new(const char *key, char **values, DmxSweepOrigin origin) {
  DmxSweepParam *p = g_new0(DmxSweepParam, 1);
  p->key = g_strdup(key);
  p->values = values;
  p->origin = origin;
  return p;
}

/* Reads one key of [axis NAME]; a label list goes to *LABELS. */
static void read_axis_key(DmxSweep *sw, DmxSweepAxis *axis, const char *group, const char *key, char ***labels,
                          GString *errors) {
  DmxSweepOrigin here = {.group = (char *)group, .key = (char *)key};
  g_autofree char *text = g_key_file_get_string(ini_file_keyfile(sw->ini), group, key, NULL);
  g_autoptr(GString) why = g_string_new(NULL);
  char **values = text ? split_values(text, why) : NULL;
  if (!values) {
    dmx_sweep_add_error(sw, &here, errors, "%s", why->len ? why->str : "value is not valid UTF-8");
    return;
  }
  const char *dup = first_duplicate(values);
  if (dup) {
    dmx_sweep_add_error(sw, &here, errors, "value '%s' appears twice (each step of an axis must differ)", dup);
    g_strfreev(values);
  } else if (strcmp(key, SWEEP_LABEL_KEY) == 0) {
    *labels = values;
  } else if (!is_scenario_key(key)) {
    dmx_sweep_add_error(sw, &here, errors, "unknown key: %s, or 'label'", scenario_key_hint);
    g_strfreev(values);
  } else {
    g_ptr_array_add(axis->params, param_new(key, values, origin_file(group, key)));
  }
}

/* Every key of an axis must have as many values as its first; the labels too. */
static void check_axis_steps(DmxSweep *sw, DmxSweepAxis *axis, char **labels, GString *errors) {
  DmxSweepParam *first = axis->params->pdata[0];
  axis->steps = g_strv_length(first->values);
  for (guint i = 1; i < axis->params->len; i++) {
    DmxSweepParam *p = axis->params->pdata[i];
    if (g_strv_length(p->values) != axis->steps)
      dmx_sweep_add_error(sw, &p->origin, errors, "%u values, but '%s' has %u: the keys of one axis vary together, "
                          "step by step (use another [axis NAME] to cross them)", g_strv_length(p->values),
                          first->key, axis->steps);
  }
  if (labels && g_strv_length(labels) != axis->steps) {
    DmxSweepOrigin here = {.group = axis->origin.group, .key = SWEEP_LABEL_KEY};
    dmx_sweep_add_error(sw, &here, errors, "%u labels for %u steps (one label per value of '%s')",
                        g_strv_length(labels), axis->steps, first->key);
  }
}

static DmxSweepAxis *axis_new(const char *name, DmxSweepOrigin origin) {
  DmxSweepAxis *axis = g_new0(DmxSweepAxis, 1);
  axis->name = g_strdup(name);
  axis->params = g_ptr_array_new_with_free_func(param_free);
  axis->origin = origin;
  return axis;
}

static void read_axis(DmxSweep *sw, const char *group, const char *name, GString *errors) {
  DmxSweepAxis *axis = axis_new(name, origin_file(group, NULL));
  g_ptr_array_add(sw->axes, axis);
  g_auto(GStrv) keys = g_key_file_get_keys(ini_file_keyfile(sw->ini), group, NULL, NULL);
  char **labels = NULL;
  for (int i = 0; keys && keys[i]; i++)
    read_axis_key(sw, axis, group, keys[i], &labels, errors);
  if (axis->params->len == 0) {
    dmx_sweep_add_error(sw, &axis->origin, errors, "no parameter: give at least one SECTION.KEY = V1, V2, ...");
    g_strfreev(labels);
    return;
  }
  check_axis_steps(sw, axis, labels, errors);
  axis->labels = labels ? labels : g_strdupv(((DmxSweepParam *)axis->params->pdata[0])->values);
}

static void read_sets(DmxSweep *sw, GString *errors) {
  GKeyFile *kf = ini_file_keyfile(sw->ini);
  g_auto(GStrv) keys = g_key_file_get_keys(kf, "set", NULL, NULL);
  for (int i = 0; keys && keys[i]; i++) {
    DmxSweepOrigin here = {.group = "set", .key = keys[i]};
    if (!is_scenario_key(keys[i])) {
      dmx_sweep_add_error(sw, &here, errors, "unknown key: %s", scenario_key_hint);
      continue;
    }
    g_autofree char *value = g_key_file_get_string(kf, "set", keys[i], NULL);
    DmxSweepSet *set = g_new0(DmxSweepSet, 1);
    set->assignment = g_strdup_printf("%s=%s", keys[i], value ? value : "");
    set->origin = origin_file("set", keys[i]);
    g_ptr_array_add(sw->sets, set);
  }
}

static char *resolve_beside(const char *file, const char *rel) {
  g_autofree char *dir = g_path_get_dirname(file);
  g_autofree char *abs_dir = g_canonicalize_filename(dir, NULL);
  return g_canonicalize_filename(rel, abs_dir);
}

static void read_sweep_section(DmxSweep *sw, GString *errors) {
  GKeyFile *kf = ini_file_keyfile(sw->ini);
  g_autofree char *scenario = g_key_file_get_string(kf, "sweep", "scenario", NULL);
  sw->scenario = resolve_beside(sw->path, scenario);
  if (!g_file_test(sw->scenario, G_FILE_TEST_IS_REGULAR)) {
    DmxSweepOrigin here = {.group = "sweep", .key = "scenario"};
    dmx_sweep_add_error(sw, &here, errors, "no such scenario file '%s' (the path is relative to the sweep file)",
                        sw->scenario);
  }
  sw->name = g_key_file_get_string(kf, "sweep", "name", NULL);
  if (!sw->name)
    sw->name = basename_without_ext(sw->path);
  g_autofree char *policies = g_key_file_get_string(kf, "sweep", "policies", NULL);
  if (policies)
    sw->policies = ini_split_list(policies);
  g_autofree char *metric = g_key_file_get_string(kf, "sweep", "metric", NULL);
  if (metric) {
    g_free(sw->metric);
    sw->metric = g_steal_pointer(&metric);
  }
}

static void read_axes(DmxSweep *sw, GString *errors) {
  g_auto(GStrv) groups = g_key_file_get_groups(ini_file_keyfile(sw->ini), NULL);
  for (int i = 0; groups[i]; i++) {
    g_autofree char *kind = NULL, *name = NULL;
    ini_group_split(groups[i], &kind, &name);
    if (strcmp(kind, "axis") == 0 && name)
      read_axis(sw, groups[i], name, errors);
  }
}

DmxSweep *dmx_sweep_load_data(const char *path, const char *text, GError **error) {
  g_autoptr(DmxSweep) sw = sweep_new(path);
  sw->ini = ini_file_load_data(path, text, error);
  if (!sw->ini)
    return NULL;
  g_autoptr(GString) errors = g_string_new(NULL);
  if (!g_key_file_has_group(ini_file_keyfile(sw->ini), "sweep"))
    g_string_append_printf(errors, "%s: missing section [sweep] (it names the scenario: scenario = ...)", path);
  if (!ini_file_validate(sw->ini, sweep_kinds, errors) || errors->len) {
    g_set_error(error, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_INVALID_VALUE, "%s", errors->str);
    return NULL;
  }
  read_sweep_section(sw, errors);
  read_sets(sw, errors);
  read_axes(sw, errors);
  if (errors->len) {
    g_set_error(error, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_INVALID_VALUE, "%s", errors->str);
    return NULL;
  }
  return g_steal_pointer(&sw);
}

DmxSweep *dmx_sweep_load(const char *path, GError **error) {
  g_autofree char *text = NULL;
  if (!g_file_get_contents(path, &text, NULL, error))
    return NULL;
  return dmx_sweep_load_data(path, text, error);
}

gboolean dmx_sweep_file_is_sweep(const char *path) {
  g_autoptr(GKeyFile) kf = g_key_file_new();
  return g_key_file_load_from_file(kf, path, G_KEY_FILE_NONE, NULL) && g_key_file_has_group(kf, "sweep");
}

/* ---- command-line additions ---- */

static gboolean option_error(GError **error, const char *option, const char *arg, const char *fmt, ...)
    G_GNUC_PRINTF(4, 5);
static gboolean option_error(GError **error, const char *option, const char *arg, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  g_autofree char *msg = g_strdup_vprintf(fmt, ap);
  va_end(ap);
  g_set_error(error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE, "%s %s: %s", option, arg, msg);
  return FALSE;
}

static gboolean axis_name_taken(const DmxSweep *sw, const char *name) {
  for (guint i = 0; i < sw->axes->len; i++)
    if (strcmp(((DmxSweepAxis *)sw->axes->pdata[i])->name, name) == 0)
      return TRUE;
  return FALSE;
}

static gboolean key_varied(const DmxSweep *sw, const char *key) {
  for (guint a = 0; a < sw->axes->len; a++) {
    const DmxSweepAxis *axis = sw->axes->pdata[a];
    for (guint k = 0; k < axis->params->len; k++)
      if (strcmp(((DmxSweepParam *)axis->params->pdata[k])->key, key) == 0)
        return TRUE;
  }
  return FALSE;
}

/* A --vary axis is named by its key's last part ("rate_mbit"), which reads well in directory names and the
 * index's columns, unless another axis has that name already. */
static char *vary_axis_name(const DmxSweep *sw, const char *key) {
  const char *last = strrchr(key, '.') + 1;
  return g_strdup(axis_name_taken(sw, last) ? key : last);
}

gboolean dmx_sweep_add_vary(DmxSweep *sw, const char *arg, GError **error) {
  const char *eq = strchr(arg, '=');
  g_autofree char *key = eq ? g_strstrip(g_strndup(arg, eq - arg)) : NULL;
  if (!key || !is_scenario_key(key))
    return option_error(error, "--vary", arg, "expected KEY=V1,V2,... with KEY a SECTION.KEY of the scenario ("
                        SCENARIO_KEY_EXAMPLES ")");
  g_autoptr(GString) why = g_string_new(NULL);
  char **values = split_values(eq + 1, why);
  if (!values)
    return option_error(error, "--vary", arg, "%s", why->str);
  const char *dup = first_duplicate(values);
  if (dup || key_varied(sw, key)) {
    if (dup)
      option_error(error, "--vary", arg, "value '%s' appears twice", dup);
    else
      option_error(error, "--vary", arg, "'%s' is varied twice", key);
    g_strfreev(values);
    return FALSE;
  }
  g_autofree char *name = vary_axis_name(sw, key);
  DmxSweepAxis *axis = axis_new(name, origin_option("--vary", arg));
  axis->steps = g_strv_length(values);
  axis->labels = g_strdupv(values);
  g_ptr_array_add(axis->params, param_new(key, values, origin_option("--vary", arg)));
  g_ptr_array_add(sw->axes, axis);
  return TRUE;
}

gboolean dmx_sweep_set_policies(DmxSweep *sw, const char *list, GError **error) {
  g_autoptr(GString) why = g_string_new(NULL);
  if (!check_policy_list(list, why))
    return option_error(error, "--policy", list, "%s", why->str);
  g_strfreev(sw->policies);
  sw->policies = ini_split_list(list);
  return TRUE;
}

gboolean dmx_sweep_add_set(DmxSweep *sw, const char *assignment, GError **error) {
  const char *eq = strchr(assignment, '=');
  g_autofree char *key = eq ? g_strstrip(g_strndup(assignment, eq - assignment)) : NULL;
  if (!key || !is_scenario_key(key))
    return option_error(error, "--set", assignment, "expected SECTION.KEY=VALUE, e.g. --set scenario.tdf=4");
  DmxSweepSet *set = g_new0(DmxSweepSet, 1);
  set->assignment = g_strdup(assignment);
  set->origin = origin_option("--set", assignment);
  g_ptr_array_add(sw->sets, set);
  return TRUE;
}

gboolean dmx_sweep_set_metric(DmxSweep *sw, const char *metric, GError **error) {
  g_autoptr(GString) why = g_string_new(NULL);
  if (!check_metric(metric, why))
    return option_error(error, "--metric", metric, "%s", why->str);
  g_free(sw->metric);
  sw->metric = g_strdup(metric);
  return TRUE;
}

gboolean dmx_sweep_set_name(DmxSweep *sw, const char *name, GError **error) {
  g_autoptr(GString) why = g_string_new(NULL);
  if (!ini_check_identifier(name, why))
    return option_error(error, "--name", name, "%s", why->str);
  g_free(sw->name);
  sw->name = g_strdup(name);
  return TRUE;
}

guint dmx_sweep_point_count(const DmxSweep *sw, guint npolicies) {
  guint n = npolicies;
  for (guint i = 0; i < sw->axes->len; i++)
    n *= ((DmxSweepAxis *)sw->axes->pdata[i])->steps;
  return n;
}

char *dmx_sweep_schema_help(void) {
  GString *s = g_string_new("  [sweep]\n");
  for (const IniKey *k = sweep_keys; k->key; k++)
    g_string_append_printf(s, "      %-11s %s%s\n", k->key, k->doc, k->required ? " (required)" : "");
  g_string_append(s, "  [set]\n      SECTION.KEY = VALUE   fixed for every point (as dmx run --set)\n"
                     "  [axis NAME]\n      SECTION.KEY = V1, V2, ...   the values of one parameter, one per step\n"
                     "      label       = L1, L2, ...   names the steps (default: the first key's values)\n");
  return g_string_free(s, FALSE);
}
