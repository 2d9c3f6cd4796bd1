/* report_json: a small JSON reader for `dmx report` (summary.json). GLib has no JSON parser and json-glib is not
 * a dependency; this handles the whole grammar (objects, arrays, strings with escapes, numbers, true/false/null)
 * but keeps \u escapes above 0x7f as '?'. */
#pragma once
#include <glib.h>

typedef enum { DMX_JSON_NULL, DMX_JSON_BOOL, DMX_JSON_NUMBER, DMX_JSON_STRING, DMX_JSON_ARRAY, DMX_JSON_OBJECT } DmxJsonType;

typedef struct DmxJson DmxJson;
struct DmxJson {
  DmxJsonType type;
  gboolean b;
  double num;
  char *str;
  GPtrArray *items;   /* ARRAY: DmxJson*; OBJECT: DmxJson* values, in order */
  GPtrArray *keys;    /* OBJECT: char* keys, parallel to items */
};

/* NULL with ERROR ("line L: ...") on malformed input. */
DmxJson *dmx_json_parse(const char *text, GError **error);
void dmx_json_free(DmxJson *j);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(DmxJson, dmx_json_free)

/* Member KEY of an object, or NULL. */
const DmxJson *dmx_json_get(const DmxJson *obj, const char *key);
/* A dotted path of object members ("fps.mean"); NULL if any step is missing. */
const DmxJson *dmx_json_path(const DmxJson *root, const char *path);
/* The number at PATH, or FALSE if missing or not a number. */
gboolean dmx_json_number(const DmxJson *root, const char *path, double *out);
/* The number at PATH, or DEF if missing or not a number. */
double dmx_json_number_or(const DmxJson *root, const char *path, double def);
/* The string at PATH, or DEF. */
const char *dmx_json_string(const DmxJson *root, const char *path, const char *def);
