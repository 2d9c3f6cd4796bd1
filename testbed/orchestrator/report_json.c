/* report_json: see report_json.h. */
#include "report_json.h"

#include <stdlib.h>
#include <string.h>

typedef struct {
  const char *p, *start;
  GError **error;
} Parser;

static int line_of(Parser *ps) {
  int line = 1;
  for (const char *q = ps->start; q < ps->p; q++)
    line += *q == '\n';
  return line;
}

static DmxJson *fail(Parser *ps, const char *what) {
  if (ps->error && !*ps->error)
    g_set_error(ps->error, G_FILE_ERROR, G_FILE_ERROR_INVAL, "line %d: %s", line_of(ps), what);
  return NULL;
}

static void skip_ws(Parser *ps) {
  while (*ps->p == ' ' || *ps->p == '\t' || *ps->p == '\n' || *ps->p == '\r')
    ps->p++;
}

static char *parse_string(Parser *ps) {
  if (*ps->p != '"')
    return NULL;
  ps->p++;
  GString *s = g_string_new(NULL);
  while (*ps->p && *ps->p != '"') {
    char c = *ps->p++;
    if (c != '\\') {
      g_string_append_c(s, c);
      continue;
    }
    c = *ps->p++;
    switch (c) {
    case 'n': g_string_append_c(s, '\n'); break;
    case 't': g_string_append_c(s, '\t'); break;
    case 'r': g_string_append_c(s, '\r'); break;
    case 'b': g_string_append_c(s, '\b'); break;
    case 'f': g_string_append_c(s, '\f'); break;
    case 'u': {
      char hex[5] = {0};
      for (int i = 0; i < 4; i++)
        hex[i] = *ps->p ? *ps->p++ : '0';
      long v = strtol(hex, NULL, 16);
      g_string_append_c(s, v < 0x80 ? (char)v : '?');
      break;
    }
    case 0: g_string_free(s, TRUE); return NULL;
    default: g_string_append_c(s, c);
    }
  }
  if (*ps->p != '"') {
    g_string_free(s, TRUE);
    return NULL;
  }
  ps->p++;
  return g_string_free(s, FALSE);
}

static DmxJson *parse_value(Parser *ps, int depth);

static DmxJson *parse_container(Parser *ps, int depth, gboolean object) {
  DmxJson *j = g_new0(DmxJson, 1);
  j->type = object ? DMX_JSON_OBJECT : DMX_JSON_ARRAY;
  j->items = g_ptr_array_new_with_free_func((GDestroyNotify)dmx_json_free);
  if (object)
    j->keys = g_ptr_array_new_with_free_func(g_free);
  ps->p++;
  skip_ws(ps);
  char close = object ? '}' : ']';
  if (*ps->p == close) {
    ps->p++;
    return j;
  }
  for (;;) {
    skip_ws(ps);
    if (object) {
      char *key = parse_string(ps);
      if (!key) {
        dmx_json_free(j);
        return fail(ps, "expected a member name in quotes");
      }
      g_ptr_array_add(j->keys, key);
      skip_ws(ps);
      if (*ps->p != ':') {
        dmx_json_free(j);
        return fail(ps, "expected ':'");
      }
      ps->p++;
    }
    DmxJson *v = parse_value(ps, depth + 1);
    if (!v) {
      dmx_json_free(j);
      return NULL;
    }
    g_ptr_array_add(j->items, v);
    skip_ws(ps);
    if (*ps->p == ',') {
      ps->p++;
      continue;
    }
    if (*ps->p == close) {
      ps->p++;
      return j;
    }
    dmx_json_free(j);
    return fail(ps, object ? "expected ',' or '}'" : "expected ',' or ']'");
  }
}

static DmxJson *parse_value(Parser *ps, int depth) {
  if (depth > 64)
    return fail(ps, "nested too deeply");
  skip_ws(ps);
  char c = *ps->p;
  if (c == '{' || c == '[')
    return parse_container(ps, depth, c == '{');
  DmxJson *j = g_new0(DmxJson, 1);
  if (c == '"') {
    j->type = DMX_JSON_STRING;
    if (!(j->str = parse_string(ps))) {
      g_free(j);
      return fail(ps, "unterminated string");
    }
  } else if (strncmp(ps->p, "true", 4) == 0 || strncmp(ps->p, "false", 5) == 0) {
    j->type = DMX_JSON_BOOL;
    j->b = c == 't';
    ps->p += j->b ? 4 : 5;
  } else if (strncmp(ps->p, "null", 4) == 0) {
    j->type = DMX_JSON_NULL;
    ps->p += 4;
  } else {
    char *end;
    j->num = g_ascii_strtod(ps->p, &end);
    if (end == ps->p) {
      g_free(j);
      return fail(ps, "expected a value");
    }
    j->type = DMX_JSON_NUMBER;
    ps->p = end;
  }
  return j;
}

DmxJson *dmx_json_parse(const char *text, GError **error) {
  Parser ps = {.p = text, .start = text, .error = error};
  DmxJson *j = parse_value(&ps, 0);
  if (!j)
    return NULL;
  skip_ws(&ps);
  if (*ps.p) {
    dmx_json_free(j);
    return fail(&ps, "text after the value");
  }
  return j;
}

void dmx_json_free(DmxJson *j) {
  if (!j)
    return;
  g_free(j->str);
  if (j->items)
    g_ptr_array_unref(j->items);
  if (j->keys)
    g_ptr_array_unref(j->keys);
  g_free(j);
}

const DmxJson *dmx_json_get(const DmxJson *obj, const char *key) {
  if (!obj || obj->type != DMX_JSON_OBJECT)
    return NULL;
  for (guint i = 0; i < obj->keys->len; i++)
    if (strcmp(obj->keys->pdata[i], key) == 0)
      return obj->items->pdata[i];
  return NULL;
}

const DmxJson *dmx_json_path(const DmxJson *root, const char *path) {
  g_auto(GStrv) parts = g_strsplit(path, ".", -1);
  const DmxJson *j = root;
  for (guint i = 0; j && parts[i]; i++)
    j = dmx_json_get(j, parts[i]);
  return j;
}

gboolean dmx_json_number(const DmxJson *root, const char *path, double *out) {
  const DmxJson *j = dmx_json_path(root, path);
  if (!j || j->type != DMX_JSON_NUMBER)
    return FALSE;
  *out = j->num;
  return TRUE;
}

double dmx_json_number_or(const DmxJson *root, const char *path, double def) {
  double v;
  return dmx_json_number(root, path, &v) ? v : def;
}

const char *dmx_json_string(const DmxJson *root, const char *path, const char *def) {
  const DmxJson *j = dmx_json_path(root, path);
  return j && j->type == DMX_JSON_STRING ? j->str : def;
}
