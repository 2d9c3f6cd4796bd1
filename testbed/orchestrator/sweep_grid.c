/* sweep_grid: see sweep_grid.h. */
#include "sweep_grid.h"

#include <string.h>

#include "sweep_params.h"

/* Long labels (a file path as a value) would make unwieldy directory names; the index keeps the full value. */
#define SAFE_NAME_MAX 48

char *dmx_sweep_safe_name(const char *text) {
  GString *s = g_string_new(NULL);
  for (const char *p = text; *p && s->len < SAFE_NAME_MAX; p++)
    g_string_append_c(s, g_ascii_isalnum(*p) || *p == '.' || *p == '+' || *p == '-' ? *p : '_');
  if (s->len == 0 || s->str[0] == '.') /* never "", ".", ".." or a hidden directory */
    g_string_prepend_c(s, '_');
  return g_string_free(s, FALSE);
}

static void point_free(gpointer p) {
  DmxSweepPoint *point = p;
  g_free(point->name);
  g_free(point->policy);
  g_strfreev(point->labels);
  g_strfreev(point->sets);
  g_free(point);
}

/* The step of each axis for combination COMBO: mixed radix, the first axis the most significant digit. */
static void steps_of(const DmxSweep *sw, guint combo, guint *steps) {
  for (guint a = sw->axes->len; a-- > 0;) {
    const DmxSweepAxis *axis = sw->axes->pdata[a];
    steps[a] = combo % axis->steps;
    combo /= axis->steps;
  }
}

char *dmx_sweep_param_assignment(const DmxSweepParam *param, const char *value, const char *spec) {
  if (!dmx_sweep_param_is_derived(param->key))
    return g_strdup_printf("%s=%s", param->key, value);
  g_autofree char *rewritten = dmx_sweep_param_apply(param->key, value, spec);
  return g_strdup_printf("link.spec=%s", rewritten);
}

/* The fixed sets, each plain axis key, and one link.spec for all the derived keys together. */
static char **point_sets(const DmxSweep *sw, const guint *steps) {
  GPtrArray *sets = g_ptr_array_new();
  for (guint i = 0; i < sw->sets->len; i++)
    g_ptr_array_add(sets, g_strdup(((DmxSweepSet *)sw->sets->pdata[i])->assignment));
  g_autofree char *spec = g_strdup(sw->base_link_spec);
  gboolean spec_rewritten = FALSE;
  for (guint a = 0; a < sw->axes->len; a++) {
    const DmxSweepAxis *axis = sw->axes->pdata[a];
    for (guint k = 0; k < axis->params->len; k++) {
      const DmxSweepParam *param = axis->params->pdata[k];
      const char *value = param->values[steps[a]];
      if (dmx_sweep_param_is_derived(param->key)) {
        char *next = dmx_sweep_param_apply(param->key, value, spec);
        g_free(spec);
        spec = next;
        spec_rewritten = TRUE;
      } else {
        g_ptr_array_add(sets, g_strdup_printf("%s=%s", param->key, value));
      }
    }
  }
  if (spec_rewritten)
    g_ptr_array_add(sets, g_strdup_printf("link.spec=%s", spec));
  g_ptr_array_add(sets, NULL);
  return (char **)g_ptr_array_free(sets, FALSE);
}

static char *point_name(const DmxSweep *sw, char **labels, const char *policy) {
  GString *s = g_string_new(NULL);
  for (guint a = 0; a < sw->axes->len; a++) {
    g_autofree char *axis = dmx_sweep_safe_name(((DmxSweepAxis *)sw->axes->pdata[a])->name);
    g_autofree char *label = dmx_sweep_safe_name(labels[a]);
    g_string_append_printf(s, "%s-%s_", axis, label);
  }
  g_string_append(s, policy);
  return g_string_free(s, FALSE);
}

/* Two labels can differ only in characters that the directory name replaces ("a b", "a_b"); keep names unique. */
static void make_unique(GPtrArray *points, DmxSweepPoint *p) {
  for (guint i = 0; i < points->len; i++)
    if (strcmp(((DmxSweepPoint *)points->pdata[i])->name, p->name) == 0) {
      char *renamed = g_strdup_printf("%s-%u", p->name, p->index + 1);
      g_free(p->name);
      p->name = renamed;
      return;
    }
}

static DmxSweepPoint *point_new(const DmxSweep *sw, const guint *steps, const char *policy, guint index) {
  DmxSweepPoint *p = g_new0(DmxSweepPoint, 1);
  p->index = index;
  p->policy = g_strdup(policy);
  p->labels = g_new0(char *, sw->axes->len + 1);
  for (guint a = 0; a < sw->axes->len; a++)
    p->labels[a] = g_strdup(((DmxSweepAxis *)sw->axes->pdata[a])->labels[steps[a]]);
  p->sets = point_sets(sw, steps);
  p->name = point_name(sw, p->labels, policy);
  return p;
}

GPtrArray *dmx_sweep_grid(const DmxSweep *sw) {
  GPtrArray *points = g_ptr_array_new_with_free_func(point_free);
  guint npolicies = g_strv_length(sw->policies);
  guint combos = npolicies ? dmx_sweep_point_count(sw, npolicies) / npolicies : 0;
  g_autofree guint *steps = g_new0(guint, sw->axes->len + 1);
  for (guint c = 0; c < combos; c++) {
    steps_of(sw, c, steps);
    for (guint k = 0; k < npolicies; k++) {
      DmxSweepPoint *p = point_new(sw, steps, sw->policies[k], points->len);
      make_unique(points, p);
      g_ptr_array_add(points, p);
    }
  }
  return points;
}

char **dmx_sweep_point_argv(const DmxSweepPoint *point, const char *dmx_bin, const char *scenario,
                            const char *out_dir) {
  GPtrArray *argv = g_ptr_array_new();
  const char *head[] = {dmx_bin, "run", scenario, "--policy", point->policy};
  for (guint i = 0; i < G_N_ELEMENTS(head); i++)
    g_ptr_array_add(argv, g_strdup(head[i]));
  for (guint i = 0; point->sets[i]; i++) {
    g_ptr_array_add(argv, g_strdup("--set"));
    g_ptr_array_add(argv, g_strdup(point->sets[i]));
  }
  g_ptr_array_add(argv, g_strdup("--out"));
  g_ptr_array_add(argv, g_strdup(out_dir));
  g_ptr_array_add(argv, NULL);
  return (char **)g_ptr_array_free(argv, FALSE);
}

/* exec: the job's process is dmx run itself, so a signal that GNU parallel sends the job reaches dmx run. */
char *dmx_sweep_point_shell_line(char **argv, const char *log) {
  GString *s = g_string_new("exec");
  for (guint i = 0; argv[i]; i++) {
    g_autofree char *q = g_shell_quote(argv[i]);
    g_string_append_printf(s, " %s", q);
  }
  g_autofree char *qlog = g_shell_quote(log);
  g_string_append_printf(s, " > %s 2>&1 < /dev/null", qlog);
  return g_string_free(s, FALSE);
}
