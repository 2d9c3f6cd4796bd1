/* sweep_params: see sweep_params.h. */
#include "sweep_params.h"

#include <errno.h>
#include <math.h>
#include <string.h>

#include "edit_distance.h"

typedef struct {
  const char *key;
  const char *word;      /* the tc-netem word whose argument it sets */
  const char *unit;      /* appended to the number */
  const char *unit_name; /* for messages */
  double min, max;       /* accepted range; min itself excluded when min_exclusive */
  gboolean min_exclusive;
  const char *title;
} DerivedParam;

static const DerivedParam derived[] = {
    {"link.rate_mbit", "rate", "mbit", "Mbit/s", 0, 100000, TRUE, "link bandwidth (Mbit/s)"},
    {"link.delay_ms", "delay", "ms", "ms", 0, 600000, FALSE, "one-way link delay (ms)"},
};

static const DerivedParam *find(const char *key) {
  for (guint i = 0; i < G_N_ELEMENTS(derived); i++)
    if (strcmp(derived[i].key, key) == 0)
      return &derived[i];
  return NULL;
}

gboolean dmx_sweep_param_is_derived(const char *key) { return find(key) != NULL; }

const char *dmx_sweep_param_derived_names(void) { return "link.rate_mbit, link.delay_ms"; }

const char *dmx_sweep_param_axis_title(const char *key) {
  const DerivedParam *d = find(key);
  return d ? d->title : NULL;
}

const char *dmx_sweep_param_suggest(const char *key) {
  for (guint i = 0; i < G_N_ELEMENTS(derived); i++)
    if (dmx_edit_distance(key, derived[i].key) <= 2)
      return derived[i].key;
  return NULL;
}

/* A plain decimal number: the unit is the key's, so "10mbit" or "800M" would be ambiguous. */
static gboolean parse_plain_number(const char *value, double *out) {
  char *end = NULL;
  errno = 0;
  double v = g_ascii_strtod(value, &end);
  if (errno || end == value || *end != '\0' || !isfinite(v))
    return FALSE;
  *out = v;
  return TRUE;
}

gboolean dmx_sweep_param_check(const char *key, const char *value, GString *why) {
  const DerivedParam *d = find(key);
  double v;
  if (!d)
    return FALSE;
  gboolean above_min = parse_plain_number(value, &v) && (d->min_exclusive ? v > d->min : v >= d->min);
  if (above_min && v <= d->max)
    return TRUE;
  g_string_append_printf(why, "expected %s %s %g up to %g, as a plain number (e.g. 10)", d->unit_name,
                         d->min_exclusive ? "above" : "from", d->min, d->max);
  return FALSE;
}

char *dmx_sweep_param_apply(const char *key, const char *value, const char *spec) {
  const DerivedParam *d = find(key);
  double v = 0;
  parse_plain_number(value, &v);
  g_autofree char *arg = g_strdup_printf("%.6g%s", v, d->unit);
  g_auto(GStrv) raw = g_strsplit_set(spec ? spec : "", " \t", -1);
  g_autoptr(GPtrArray) words = g_ptr_array_new(); /* borrowed from RAW, without the empty ones */
  for (guint i = 0; raw[i]; i++)
    if (raw[i][0])
      g_ptr_array_add(words, raw[i]);
  guint at = 0;
  while (at < words->len && strcmp(words->pdata[at], d->word) != 0)
    at++;
  if (at == words->len)
    g_ptr_array_add(words, (char *)d->word);
  if (at + 1 < words->len)
    words->pdata[at + 1] = arg; /* the old argument */
  else
    g_ptr_array_add(words, arg);
  g_ptr_array_add(words, NULL);
  return g_strjoinv(" ", (char **)words->pdata);
}
