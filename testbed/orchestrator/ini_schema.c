/* ini_schema: see ini_schema.h. */
#include "ini_schema.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "edit_distance.h"

struct IniFile {
  char *path;
  GKeyFile *kf;
  GHashTable *lines;      /* "group\nkey" or "group" -> line number (GINT_TO_POINTER) */
  GHashTable *overrides;  /* "group\nkey" -> the --set text that supplied it */
};

static char *location_key(const char *group, const char *key) {
  return key ? g_strdup_printf("%s\n%s", group, key) : g_strdup(group);
}

static gboolean fail_at(GError **error, const char *path, int line, const char *fmt, ...) G_GNUC_PRINTF(4, 5);
static gboolean fail_at(GError **error, const char *path, int line, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  g_autofree char *msg = g_strdup_vprintf(fmt, ap);
  va_end(ap);
  g_set_error(error, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_PARSE, "%s:%d: %s", path, line, msg);
  return FALSE;
}

/* Indexes section headers and keys by line, and rejects what GKeyFile would silently accept or merge
 * (duplicate keys and sections) as well as what it would reject without a line number. */
static gboolean index_lines(IniFile *ini, const char *text, GError **error) {
  g_auto(GStrv) lines = g_strsplit(text, "\n", -1);
  g_autofree char *group = NULL;
  for (int i = 0; lines[i]; i++) {
    int lineno = i + 1;
    g_autofree char *line = g_strstrip(g_strdup(lines[i]));
    if (line[0] == '\0' || line[0] == '#')
      continue;
    if (line[0] == '[') {
      size_t len = strlen(line);
      if (line[len - 1] != ']' || len < 3)
        return fail_at(error, ini->path, lineno, "malformed section header '%s' (expected [kind] or [kind name])", line);
      g_free(group);
      group = g_strndup(line + 1, len - 2);
      g_strstrip(group);
      if (g_hash_table_contains(ini->lines, group))
        return fail_at(error, ini->path, lineno, "section [%s] appears twice (first at line %d)", group,
                       GPOINTER_TO_INT(g_hash_table_lookup(ini->lines, group)));
      g_hash_table_insert(ini->lines, g_strdup(group), GINT_TO_POINTER(lineno));
      continue;
    }
    char *eq = strchr(line, '=');
    if (!eq)
      return fail_at(error, ini->path, lineno, "'%s' is neither a [section], a key = value line nor a # comment", line);
    if (!group)
      return fail_at(error, ini->path, lineno, "key outside any section (the file must start with a [section])");
    g_autofree char *key = g_strstrip(g_strndup(line, eq - line));
    if (key[0] == '\0')
      return fail_at(error, ini->path, lineno, "missing key name before '='");
    char *lk = location_key(group, key);
    if (g_hash_table_contains(ini->lines, lk)) {
      int first = GPOINTER_TO_INT(g_hash_table_lookup(ini->lines, lk));
      g_free(lk);
      return fail_at(error, ini->path, lineno, "key '%s' in [%s]: set twice (first at line %d)", key, group, first);
    }
    g_hash_table_insert(ini->lines, lk, GINT_TO_POINTER(lineno));
  }
  return TRUE;
}

static IniFile *ini_file_new(const char *path) {
  IniFile *ini = g_new0(IniFile, 1);
  ini->path = g_strdup(path);
  ini->kf = g_key_file_new();
  ini->lines = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
  ini->overrides = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
  return ini;
}

IniFile *ini_file_load_data(const char *path, const char *text, GError **error) {
  g_autoptr(IniFile) ini = ini_file_new(path);
  if (!index_lines(ini, text, error))
    return NULL;
  g_autoptr(GError) kerr = NULL;
  if (!g_key_file_load_from_data(ini->kf, text, -1, G_KEY_FILE_KEEP_COMMENTS, &kerr)) {
    g_set_error(error, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_PARSE, "%s: %s", path, kerr->message);
    return NULL;
  }
  return g_steal_pointer(&ini);
}

IniFile *ini_file_load(const char *path, GError **error) {
  g_autofree char *text = NULL;
  g_autoptr(GError) ferr = NULL;
  if (!g_file_get_contents(path, &text, NULL, &ferr)) {
    g_set_error(error, G_FILE_ERROR, ferr->code, "%s", ferr->message);
    return NULL;
  }
  return ini_file_load_data(path, text, error);
}

void ini_file_free(IniFile *ini) {
  if (!ini)
    return;
  g_free(ini->path);
  g_key_file_free(ini->kf);
  g_hash_table_destroy(ini->lines);
  g_hash_table_destroy(ini->overrides);
  g_free(ini);
}

GKeyFile *ini_file_keyfile(IniFile *ini) { return ini->kf; }
const char *ini_file_path(IniFile *ini) { return ini->path; }

gboolean ini_file_apply_override(IniFile *ini, const char *assignment, GError **error) {
  const char *eq = strchr(assignment, '=');
  g_autofree char *lhs = eq ? g_strndup(assignment, eq - assignment) : NULL;
  const char *dot = lhs ? strrchr(lhs, '.') : NULL;
  if (!eq || !dot || dot == lhs || dot[1] == '\0') {
    g_set_error(error, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_PARSE,
                "--set %s: expected SECTION.KEY=VALUE, e.g. --set scenario.tdf=4 or --set 'device tv.screen=1920x1080'",
                assignment);
    return FALSE;
  }
  g_autofree char *group = g_strstrip(g_strndup(lhs, dot - lhs));
  g_autofree char *key = g_strstrip(g_strdup(dot + 1));
  if (!g_key_file_has_group(ini->kf, group)) /* a section that only --set creates: errors about it name the --set */
    g_hash_table_insert(ini->overrides, g_strdup(group), g_strdup_printf("--set %s", assignment));
  g_key_file_set_string(ini->kf, group, key, eq + 1);
  g_hash_table_insert(ini->overrides, location_key(group, key), g_strdup_printf("--set %s", assignment));
  return TRUE;
}

void ini_group_split(const char *group, char **kind, char **name) {
  const char *sp = strchr(group, ' ');
  if (!sp) {
    *kind = g_strdup(group);
    *name = NULL;
    return;
  }
  *kind = g_strndup(group, sp - group);
  *name = g_strstrip(g_strdup(sp + 1));
}

static char *where(IniFile *ini, const char *group, const char *key) {
  g_autofree char *lk = location_key(group, key);
  const char *ov = g_hash_table_lookup(ini->overrides, lk);
  if (ov)
    return g_strdup(ov);
  gpointer line = NULL;
  if (g_hash_table_lookup_extended(ini->lines, lk, NULL, &line) ||
      g_hash_table_lookup_extended(ini->lines, group, NULL, &line))
    return g_strdup_printf("%s:%d", ini->path, GPOINTER_TO_INT(line));
  return g_strdup(ini->path);
}

void ini_file_add_error(IniFile *ini, GString *errors, const char *group, const char *key, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  g_autofree char *msg = g_strdup_vprintf(fmt, ap);
  va_end(ap);
  g_autofree char *loc = where(ini, group, key);
  if (errors->len)
    g_string_append_c(errors, '\n');
  if (key)
    g_string_append_printf(errors, "%s: key '%s' in [%s]: %s", loc, key, group, msg);
  else
    g_string_append_printf(errors, "%s: section [%s]: %s", loc, group, msg);
}

const IniKind *ini_kind_find(const IniKind *kinds, const char *kind) {
  for (const IniKind *k = kinds; k->kind; k++)
    if (strcmp(k->kind, kind) == 0)
      return k;
  return NULL;
}

const IniKind *ini_kind_find_for(const IniKind *kinds, const char *kind, gboolean named) {
  for (const IniKind *k = kinds; k->kind; k++)
    if (strcmp(k->kind, kind) == 0 && (k->arity == INI_SINGLE) == !named)
      return k;
  return ini_kind_find(kinds, kind);
}

gboolean ini_pair_split(const char *name, char **a, char **b) {
  g_auto(GStrv) words = g_strsplit_set(name, " \t", -1);
  GPtrArray *w = g_ptr_array_new();
  for (int i = 0; words[i]; i++)
    if (words[i][0])
      g_ptr_array_add(w, words[i]);
  gboolean ok = w->len == 2;
  if (ok) {
    *a = g_strdup(w->pdata[0]);
    *b = g_strdup(w->pdata[1]);
  }
  g_ptr_array_free(w, TRUE);
  return ok;
}

static gboolean check_pair_name(const char *name, GString *why) {
  g_autofree char *a = NULL, *b = NULL;
  if (!ini_pair_split(name, &a, &b)) {
    g_string_append(why, "expected two device names (or '*'), e.g. [link phone tv]");
    return FALSE;
  }
  if ((strcmp(a, "*") != 0 && !ini_check_identifier(a, why)) || (strcmp(b, "*") != 0 && !ini_check_identifier(b, why)))
    return FALSE;
  return TRUE;
}

static const IniKey *key_find(const IniKind *kind, const char *key) {
  for (const IniKey *k = kind->keys; k->key; k++)
    if (strcmp(k->key, key) == 0)
      return k;
  return NULL;
}

static char *unknown_key_hint(const IniKind *kind, const char *key) {
  GString *s = g_string_new("unknown key");
  const char *best = NULL;
  guint best_d = 3;
  for (const IniKey *k = kind->keys; k->key; k++) {
    guint d = dmx_edit_distance(key, k->key);
    if (d < best_d) {
      best_d = d;
      best = k->key;
    }
  }
  if (best)
    g_string_append_printf(s, "; did you mean '%s'?", best);
  g_string_append(s, " (known keys:");
  for (const IniKey *k = kind->keys; k->key; k++)
    g_string_append_printf(s, " %s", k->key);
  g_string_append(s, ")");
  return g_string_free(s, FALSE);
}

static char *known_kinds(const IniKind *kinds) {
  GString *s = g_string_new(NULL);
  for (const IniKind *k = kinds; k->kind; k++)
    if (ini_kind_find(kinds, k->kind) == k) /* a kind with [kind] and [kind A B] entries is listed once */
      g_string_append_printf(s, "%s%s", s->len ? ", " : "", k->kind);
  return g_string_free(s, FALSE);
}

static void validate_group(IniFile *ini, const IniKind *kinds, const char *group, GString *errors) {
  g_autofree char *kind_name = NULL, *name = NULL;
  ini_group_split(group, &kind_name, &name);
  const IniKind *kind = ini_kind_find_for(kinds, kind_name, name != NULL);
  if (!kind) {
    g_autofree char *known = known_kinds(kinds);
    ini_file_add_error(ini, errors, group, NULL, "unknown section kind '%s' (known: %s)", kind_name, known);
    return;
  }
  if (kind->arity == INI_SINGLE && name) {
    ini_file_add_error(ini, errors, group, NULL, "[%s] takes no name", kind->kind);
    return;
  }
  if (kind->arity != INI_SINGLE && !name) {
    ini_file_add_error(ini, errors, group, NULL, kind->arity == INI_PAIR ? "needs two names: [%s A B]"
                                                                         : "needs a name: [%s NAME]", kind->kind);
    return;
  }
  if (name && kind->arity == INI_PAIR) {
    g_autoptr(GString) why = g_string_new(NULL);
    if (!check_pair_name(name, why))
      ini_file_add_error(ini, errors, group, NULL, "bad pair '%s': %s", name, why->str);
  } else if (name) {
    g_autoptr(GString) why = g_string_new(NULL);
    if (!ini_check_identifier(name, why))
      ini_file_add_error(ini, errors, group, NULL, "bad name '%s': %s", name, why->str);
  }
  g_auto(GStrv) keys = g_key_file_get_keys(ini->kf, group, NULL, NULL);
  for (int i = 0; keys && keys[i]; i++) {
    const IniKey *spec = key_find(kind, keys[i]);
    if (!spec) {
      if (!kind->allow_extra_keys) {
        g_autofree char *hint = unknown_key_hint(kind, keys[i]);
        ini_file_add_error(ini, errors, group, keys[i], "%s", hint);
      }
      continue;
    }
    g_autofree char *value = g_key_file_get_string(ini->kf, group, keys[i], NULL);
    g_autoptr(GString) why = g_string_new(NULL);
    if (!value)
      ini_file_add_error(ini, errors, group, keys[i], "value is not valid UTF-8 or has a bad escape");
    else if (spec->check && !spec->check(value, why))
      ini_file_add_error(ini, errors, group, keys[i], "bad value '%s': %s", value, why->str);
  }
  for (const IniKey *k = kind->keys; k->key; k++)
    if (k->required && !g_key_file_has_key(ini->kf, group, k->key, NULL))
      ini_file_add_error(ini, errors, group, NULL, "missing required key '%s' (%s)", k->key, k->doc);
}

gboolean ini_file_validate(IniFile *ini, const IniKind *kinds, GString *errors) {
  gsize before = errors->len;
  g_auto(GStrv) groups = g_key_file_get_groups(ini->kf, NULL);
  for (int i = 0; groups[i]; i++)
    validate_group(ini, kinds, groups[i], errors);
  return errors->len == before;
}

/* ---- value checks ---- */

gboolean ini_parse_number(const char *value, double *out) {
  char *end = NULL;
  errno = 0;
  double v = g_ascii_strtod(value, &end);
  if (errno || end == value || !isfinite(v))
    return FALSE;
  switch (*end) {
    case 'k': v *= 1e3; end++; break;
    case 'M': v *= 1e6; end++; break;
    case 'G': v *= 1e9; end++; break;
    default: break;
  }
  if (*end != '\0')
    return FALSE;
  *out = v;
  return TRUE;
}

char **ini_split_list(const char *value) {
  g_auto(GStrv) raw = g_strsplit(value, ",", -1);
  GPtrArray *out = g_ptr_array_new();
  for (int i = 0; raw[i]; i++) {
    g_strstrip(raw[i]);
    if (raw[i][0])
      g_ptr_array_add(out, g_strdup(raw[i]));
  }
  g_ptr_array_add(out, NULL);
  return (char **)g_ptr_array_free(out, FALSE);
}

gboolean ini_check_bool(const char *value, GString *why) {
  if (strcmp(value, "true") == 0 || strcmp(value, "false") == 0)
    return TRUE;
  g_string_append(why, "expected true or false");
  return FALSE;
}

gboolean ini_check_positive_int(const char *value, GString *why) {
  guint64 v;
  if (g_ascii_string_to_unsigned(value, 10, 1, G_MAXINT, &v, NULL))
    return TRUE;
  g_string_append(why, "expected a whole number >= 1");
  return FALSE;
}

gboolean ini_check_u64(const char *value, GString *why) {
  guint64 v;
  if (g_ascii_string_to_unsigned(value, 10, 0, G_MAXUINT64, &v, NULL))
    return TRUE;
  g_string_append(why, "expected a whole number >= 0");
  return FALSE;
}

gboolean ini_check_nonnegative_number(const char *value, GString *why) {
  double v;
  if (ini_parse_number(value, &v) && v >= 0)
    return TRUE;
  g_string_append(why, "expected a number >= 0 (e.g. 12, 0.5, 2.26e9, 800M)");
  return FALSE;
}

gboolean ini_check_positive_number(const char *value, GString *why) {
  double v;
  if (ini_parse_number(value, &v) && v > 0)
    return TRUE;
  g_string_append(why, "expected a number > 0 (e.g. 12, 0.5, 2.26e9, 800M)");
  return FALSE;
}

gboolean ini_check_identifier(const char *value, GString *why) {
  if (value[0] == '\0') {
    g_string_append(why, "must not be empty");
    return FALSE;
  }
  for (const char *p = value; *p; p++)
    if (!g_ascii_isalnum(*p) && *p != '_' && *p != '-') {
      g_string_append(why, "use only letters, digits, '_' and '-'");
      return FALSE;
    }
  return TRUE;
}

gboolean ini_check_nonempty(const char *value, GString *why) {
  if (value[0] != '\0')
    return TRUE;
  g_string_append(why, "must not be empty");
  return FALSE;
}
