/* link_spec.c: tc-netem syntax parser (semantics follow iproute2's q_netem.c, written from its documentation). */
#include "link_spec.h"
#include <gio/gio.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

void link_spec_init(LinkSpec *spec)
{
  memset(spec, 0, sizeof(*spec));
  spec->dist = JITTER_UNIFORM;
  spec->limit_packets = LINK_SPEC_DEFAULT_LIMIT;
}

static gboolean parse_number(const char *s, double *value, const char **unit)
{
  char *end = NULL;
  if (!s || !*s)
    return FALSE;
  *value = g_ascii_strtod(s, &end);
  if (end == s || !isfinite(*value) || *value < 0)
    return FALSE;
  *unit = end;
  return TRUE;
}

typedef struct {
  const char *name;
  double factor;
} Unit;

static gboolean scale_by_unit(const char *s, const Unit *units, double bare_factor, double *out)
{
  double v;
  const char *unit;
  if (!parse_number(s, &v, &unit))
    return FALSE;
  if (!*unit) {
    *out = v * bare_factor;
    return TRUE;
  }
  for (const Unit *u = units; u->name; u++) {
    if (g_ascii_strcasecmp(unit, u->name) == 0) {
      *out = v * u->factor;
      return TRUE;
    }
  }
  return FALSE;
}

gboolean parse_time_ns(const char *s, guint64 *ns)
{
  static const Unit units[] = {
    {"s", 1e9}, {"sec", 1e9}, {"secs", 1e9}, {"ms", 1e6}, {"msec", 1e6}, {"msecs", 1e6},
    {"us", 1e3}, {"usec", 1e3}, {"usecs", 1e3}, {"ns", 1}, {"nsec", 1}, {"nsecs", 1}, {NULL, 0},
  };
  double v;
  if (!scale_by_unit(s, units, 1e3, &v) || v > 1e15)
    return FALSE;
  *ns = (guint64)llround(v);
  return TRUE;
}

gboolean parse_rate_bps(const char *s, guint64 *bps)
{
  static const Unit units[] = {
    {"bit", 1}, {"kbit", 1e3}, {"mbit", 1e6}, {"gbit", 1e9}, {"tbit", 1e12},
    {"kibit", 1024.0}, {"mibit", 1048576.0}, {"gibit", 1073741824.0},
    {"bps", 8}, {"kbps", 8e3}, {"mbps", 8e6}, {"gbps", 8e9}, {"tbps", 8e12},
    {"kibps", 8 * 1024.0}, {"mibps", 8 * 1048576.0}, {"gibps", 8 * 1073741824.0}, {NULL, 0},
  };
  double v;
  if (!scale_by_unit(s, units, 8 /* tc: a bare rate is bytes/s */, &v) || v < 1 || v > 1e13)
    return FALSE;
  *bps = (guint64)llround(v);
  return TRUE;
}

gboolean parse_size_bytes(const char *s, guint64 *bytes)
{
  static const Unit units[] = {
    {"b", 1}, {"k", 1024}, {"kb", 1024}, {"m", 1048576}, {"mb", 1048576}, {"g", 1073741824.0},
    {"gb", 1073741824.0}, {"kbit", 128}, {"mbit", 131072}, {"gbit", 134217728.0}, {NULL, 0},
  };
  double v;
  if (!scale_by_unit(s, units, 1, &v) || v > 1e12)
    return FALSE;
  *bytes = (guint64)llround(v);
  return TRUE;
}

gboolean parse_percent(const char *s, double *fraction)
{
  double v;
  const char *unit;
  if (!parse_number(s, &v, &unit))
    return FALSE;
  if (*unit && strcmp(unit, "%") != 0)
    return FALSE;
  if (v > 100.0)
    return FALSE;
  *fraction = v / 100.0;
  return TRUE;
}

static gboolean looks_numeric(const char *s)
{
  return s && (g_ascii_isdigit(s[0]) || (s[0] == '.' && g_ascii_isdigit(s[1])));
}

typedef struct {
  char **tok;
  int n;
  int i;
  GError **error;
} Tokens;

static gboolean fail(Tokens *t, const char *fmt, const char *token)
{
  g_set_error(t->error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT, fmt, token ? token : "(end)");
  return FALSE;
}

static const char *next_value(Tokens *t, const char *what)
{
  if (t->i + 1 >= t->n) {
    g_set_error(t->error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT, "missing value after '%s' in link spec", what);
    return NULL;
  }
  return t->tok[++t->i];
}

/* Parses "P [CORR]" as used by loss random / duplicate / corrupt / reorder. */
static gboolean parse_prob_corr(Tokens *t, const char *what, double *p, double *corr)
{
  const char *v = next_value(t, what);
  if (!v)
    return FALSE;
  if (!parse_percent(v, p))
    return fail(t, "bad percentage '%s' in link spec", v);
  if (t->i + 1 < t->n && looks_numeric(t->tok[t->i + 1])) {
    v = t->tok[++t->i];
    if (!parse_percent(v, corr))
      return fail(t, "bad correlation '%s' in link spec", v);
  }
  return TRUE;
}

/* Parses up to `max` optional numeric percentages following the current token into p[first..]. */
static gboolean parse_optional_percents(Tokens *t, double *p, int first, int max)
{
  for (int k = first; k < max && t->i + 1 < t->n && looks_numeric(t->tok[t->i + 1]); k++) {
    const char *v = t->tok[++t->i];
    if (!parse_percent(v, &p[k]))
      return fail(t, "bad percentage '%s' in link spec", v);
  }
  return TRUE;
}

static gboolean parse_loss(Tokens *t, LinkSpec *spec)
{
  const char *v = next_value(t, "loss");
  if (!v)
    return FALSE;
  LossSpec *loss = &spec->loss;
  memset(loss, 0, sizeof(*loss));
  if (strcmp(v, "state") == 0) {
    const char *p13 = next_value(t, "loss state");
    if (!p13)
      return FALSE;
    if (!parse_percent(p13, &loss->p[0]))
      return fail(t, "bad percentage '%s' in link spec", p13);
    loss->kind = LOSS_STATE;
    loss->p[1] = 1.0 - loss->p[0]; /* p31 */
    loss->p[2] = 0.0;              /* p32 */
    loss->p[3] = 1.0;              /* p23 */
    loss->p[4] = 0.0;              /* p14 */
    return parse_optional_percents(t, loss->p, 1, 5);
  }
  if (strcmp(v, "gemodel") == 0) {
    const char *p = next_value(t, "loss gemodel");
    if (!p)
      return FALSE;
    if (!parse_percent(p, &loss->p[0]))
      return fail(t, "bad percentage '%s' in link spec", p);
    loss->kind = LOSS_GEMODEL;
    loss->p[1] = 1.0 - loss->p[0]; /* r */
    loss->p[2] = 1.0;              /* 1-h: loss probability in the bad state */
    loss->p[3] = 0.0;              /* 1-k: loss probability in the good state */
    return parse_optional_percents(t, loss->p, 1, 4);
  }
  if (strcmp(v, "random") != 0)
    t->i--; /* "loss P" is shorthand for "loss random P" */
  loss->kind = LOSS_RANDOM;
  if (!parse_prob_corr(t, "loss", &loss->p[0], &loss->corr))
    return FALSE;
  if (loss->p[0] == 0.0)
    loss->kind = LOSS_NONE;
  return TRUE;
}

static gboolean parse_delay(Tokens *t, LinkSpec *spec)
{
  const char *v = next_value(t, "delay");
  if (!v)
    return FALSE;
  if (!parse_time_ns(v, &spec->delay_ns))
    return fail(t, "bad time '%s' in link spec", v);
  if (t->i + 1 < t->n && looks_numeric(t->tok[t->i + 1])) {
    v = t->tok[++t->i];
    if (!parse_time_ns(v, &spec->jitter_ns))
      return fail(t, "bad time '%s' in link spec", v);
    if (t->i + 1 < t->n && looks_numeric(t->tok[t->i + 1])) {
      v = t->tok[++t->i];
      if (!parse_percent(v, &spec->delay_corr))
        return fail(t, "bad correlation '%s' in link spec", v);
    }
  }
  return TRUE;
}

static gboolean parse_rate(Tokens *t, LinkSpec *spec)
{
  const char *v = next_value(t, "rate");
  if (!v)
    return FALSE;
  if (!parse_rate_bps(v, &spec->rate_bps))
    return fail(t, "bad rate '%s' in link spec", v);
  gint64 extra[3] = {0, 0, 0};
  for (int k = 0; k < 3 && t->i + 1 < t->n; k++) {
    const char *s = t->tok[t->i + 1];
    char *end = NULL;
    if (!(looks_numeric(s) || (s[0] == '-' && g_ascii_isdigit(s[1]))))
      break;
    extra[k] = g_ascii_strtoll(s, &end, 10);
    if (*end || extra[k] < -65535 || extra[k] > 65535 || (k == 1 && extra[k] < 0))
      return fail(t, "bad rate overhead '%s' in link spec", s);
    t->i++;
  }
  spec->packet_overhead = (gint32)extra[0];
  spec->cell_size = (guint32)extra[1];
  spec->cell_overhead = (gint32)extra[2];
  return TRUE;
}

static gboolean parse_distribution(Tokens *t, LinkSpec *spec)
{
  static const struct {
    const char *name;
    JitterDistKind kind;
  } names[] = {
    {"uniform", JITTER_UNIFORM}, {"normal", JITTER_NORMAL}, {"pareto", JITTER_PARETO},
    {"paretonormal", JITTER_PARETONORMAL},
  };
  const char *v = next_value(t, "distribution");
  if (!v)
    return FALSE;
  for (gsize k = 0; k < G_N_ELEMENTS(names); k++) {
    if (strcmp(v, names[k].name) == 0) {
      spec->dist = names[k].kind;
      return TRUE;
    }
  }
  return fail(t, "unknown distribution '%s' in link spec", v);
}

static gboolean parse_unsigned(Tokens *t, const char *what, guint64 max, guint64 *out)
{
  const char *v = next_value(t, what);
  if (!v)
    return FALSE;
  char *end = NULL;
  guint64 n = g_ascii_strtoull(v, &end, 10);
  if (!g_ascii_isdigit(v[0]) || *end || n > max)
    return fail(t, "bad number '%s' in link spec", v);
  *out = n;
  return TRUE;
}

static gboolean parse_token(Tokens *t, LinkSpec *spec)
{
  const char *tok = t->tok[t->i];
  guint64 n;
  if (strcmp(tok, "delay") == 0 || strcmp(tok, "latency") == 0)
    return parse_delay(t, spec);
  if (strcmp(tok, "distribution") == 0)
    return parse_distribution(t, spec);
  if (strcmp(tok, "loss") == 0 || strcmp(tok, "drop") == 0)
    return parse_loss(t, spec);
  if (strcmp(tok, "ecn") == 0)
    return spec->ecn = TRUE;
  if (strcmp(tok, "duplicate") == 0)
    return parse_prob_corr(t, tok, &spec->duplicate, &spec->duplicate_corr);
  if (strcmp(tok, "corrupt") == 0)
    return parse_prob_corr(t, tok, &spec->corrupt, &spec->corrupt_corr);
  if (strcmp(tok, "reorder") == 0)
    return parse_prob_corr(t, tok, &spec->reorder, &spec->reorder_corr);
  if (strcmp(tok, "rate") == 0)
    return parse_rate(t, spec);
  if (strcmp(tok, "inorder") == 0)
    return spec->in_order = TRUE;
  if (strcmp(tok, "gap") == 0) {
    if (!parse_unsigned(t, tok, G_MAXUINT32, &n))
      return FALSE;
    spec->gap = (guint32)n;
    return TRUE;
  }
  if (strcmp(tok, "limit") == 0) {
    if (!parse_unsigned(t, tok, G_MAXUINT32, &n))
      return FALSE;
    spec->limit_packets = (guint32)n;
    return TRUE;
  }
  if (strcmp(tok, "bytelimit") == 0) {
    const char *v = next_value(t, tok);
    if (!v)
      return FALSE;
    if (!parse_size_bytes(v, &spec->limit_bytes))
      return fail(t, "bad size '%s' in link spec", v);
    return TRUE;
  }
  if (strcmp(tok, "seed") == 0) {
    if (!parse_unsigned(t, tok, G_MAXUINT64, &spec->seed))
      return FALSE;
    spec->has_seed = TRUE;
    return TRUE;
  }
  return fail(t, "unknown token '%s' in link spec", tok);
}

static gboolean check_consistency(const LinkSpec *spec, GError **error)
{
  if (spec->reorder > 0 && spec->delay_ns == 0) {
    g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT, "reordering not possible without a delay");
    return FALSE;
  }
  if (spec->gap > 0 && spec->reorder == 0) {
    g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT, "gap specified without a reorder probability");
    return FALSE;
  }
  if (spec->limit_packets == 0) {
    g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT, "limit must be at least 1 packet");
    return FALSE;
  }
  return TRUE;
}

gboolean link_spec_parse(const char *text, LinkSpec *spec, GError **error)
{
  link_spec_init(spec);
  Tokens t = {.error = error};
  t.tok = g_strsplit_set(text ? text : "", " \t\r\n", -1);
  /* Drop the empty strings that g_strsplit_set leaves between repeated separators. */
  int w = 0;
  for (int r = 0; t.tok[r]; r++) {
    if (*t.tok[r])
      t.tok[w++] = t.tok[r];
    else
      g_free(t.tok[r]);
  }
  t.tok[w] = NULL;
  t.n = w;
  gboolean ok = TRUE;
  for (t.i = 0; ok && t.i < t.n; t.i++)
    ok = parse_token(&t, spec);
  g_strfreev(t.tok);
  if (ok && spec->reorder > 0 && spec->gap == 0)
    spec->gap = 1; /* as tc: a reorder probability without a gap means gap 1 */
  return ok && check_consistency(spec, error);
}

void link_spec_dilate(LinkSpec *spec, double tdf)
{
  if (tdf <= 0 || tdf == 1.0)
    return;
  if (spec->rate_bps) {
    spec->rate_bps = (guint64)llround((double)spec->rate_bps / tdf);
    if (spec->rate_bps == 0)
      spec->rate_bps = 1;
  }
  spec->delay_ns = (guint64)llround((double)spec->delay_ns * tdf);
  spec->jitter_ns = (guint64)llround((double)spec->jitter_ns * tdf);
}

char *link_spec_to_string(const LinkSpec *spec)
{
  static const char *dist_names[] = {"uniform", "normal", "pareto", "paretonormal"};
  GString *s = g_string_new(NULL);
  g_string_append_printf(s, "limit %u", spec->limit_packets);
  if (spec->limit_bytes)
    g_string_append_printf(s, " bytelimit %" G_GUINT64_FORMAT "b", spec->limit_bytes);
  if (spec->delay_ns || spec->jitter_ns) {
    g_string_append_printf(s, " delay %.3fms", spec->delay_ns / 1e6);
    if (spec->jitter_ns)
      g_string_append_printf(s, " %.3fms %g%% distribution %s", spec->jitter_ns / 1e6, spec->delay_corr * 100,
                             dist_names[spec->dist]);
  }
  switch (spec->loss.kind) {
  case LOSS_RANDOM:
    g_string_append_printf(s, " loss random %g%% %g%%", spec->loss.p[0] * 100, spec->loss.corr * 100);
    break;
  case LOSS_STATE:
    g_string_append_printf(s, " loss state %g%% %g%% %g%% %g%% %g%%", spec->loss.p[0] * 100,
                           spec->loss.p[1] * 100, spec->loss.p[2] * 100, spec->loss.p[3] * 100,
                           spec->loss.p[4] * 100);
    break;
  case LOSS_GEMODEL:
    g_string_append_printf(s, " loss gemodel %g%% %g%% %g%% %g%%", spec->loss.p[0] * 100,
                           spec->loss.p[1] * 100, spec->loss.p[2] * 100, spec->loss.p[3] * 100);
    break;
  case LOSS_NONE:
    break;
  }
  if (spec->ecn)
    g_string_append(s, " ecn");
  if (spec->duplicate > 0)
    g_string_append_printf(s, " duplicate %g%%", spec->duplicate * 100);
  if (spec->corrupt > 0)
    g_string_append_printf(s, " corrupt %g%%", spec->corrupt * 100);
  if (spec->reorder > 0)
    g_string_append_printf(s, " reorder %g%% %g%% gap %u", spec->reorder * 100, spec->reorder_corr * 100,
                           spec->gap);
  if (spec->rate_bps)
    g_string_append_printf(s, " rate %" G_GUINT64_FORMAT "bit %d %u %d", spec->rate_bps, spec->packet_overhead,
                           spec->cell_size, spec->cell_overhead);
  if (spec->has_seed)
    g_string_append_printf(s, " seed %" G_GUINT64_FORMAT, spec->seed);
  if (spec->in_order)
    g_string_append(s, " inorder");
  return g_string_free(s, FALSE);
}
