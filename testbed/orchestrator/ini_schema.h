/* ini_schema: GKeyFile loading with line numbers, --set overrides, and table-driven validation.
 *
 * GKeyFile knows no line numbers, so the file text is scanned once to index where each section header and key
 * is; every error then reads "file:line: key 'k' in [section]: message". Scenario files and devices.ini share
 * this machinery; each only declares its section kinds (IniKind) and the checks for each key (IniKey). */
#pragma once
#include <glib.h>

/* A value check returns TRUE when VALUE is acceptable, else FALSE with the reason appended to WHY. */
typedef gboolean (*IniCheck)(const char *value, GString *why);

typedef struct {
  const char *key;
  IniCheck check;      /* NULL: any string */
  gboolean required;
  const char *doc;     /* one line, used in --help and error hints */
} IniKey;

typedef enum {
  INI_SINGLE,          /* [kind]        at most once */
  INI_NAMED,           /* [kind NAME]   any number, NAME unique */
  INI_PAIR,            /* [kind A B]    any number; A and B identifiers or '*' (a directed pair) */
} IniArity;

typedef struct {
  const char *kind;
  IniArity arity;
  const IniKey *keys;  /* terminated by an entry with key == NULL */
  gboolean allow_extra_keys; /* free-form sections (none yet) */
} IniKind;

typedef struct IniFile IniFile;

/* Loads PATH. Syntax errors (a line that is neither a section, a key=value nor a comment; a duplicate key or
 * section) fail here with file:line. */
IniFile *ini_file_load(const char *path, GError **error);
/* The same for text already in memory; PATH is only used in messages. */
IniFile *ini_file_load_data(const char *path, const char *text, GError **error);
void ini_file_free(IniFile *ini);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(IniFile, ini_file_free)

GKeyFile *ini_file_keyfile(IniFile *ini);
const char *ini_file_path(IniFile *ini);

/* Applies "section.key=value" (e.g. "device tv.screen=1920x1080", "scenario.tdf=4"). Later errors about that
 * key name the override instead of a file line. */
gboolean ini_file_apply_override(IniFile *ini, const char *assignment, GError **error);

/* Splits a group name "device tv" into kind "device" and name "tv" (name NULL for "[scenario]"). */
void ini_group_split(const char *group, char **kind, char **name);

/* Appends one error line "file:line: key 'k' in [group]: message" (KEY NULL: "section [group]: message"). */
void ini_file_add_error(IniFile *ini, GString *errors, const char *group, const char *key, const char *fmt, ...)
    G_GNUC_PRINTF(5, 6);

/* Checks every section against KINDS (terminated by kind == NULL): unknown kinds, wrong arity, unknown keys
 * (with a did-you-mean hint), missing required keys and each value's check. Appends one line per problem to
 * ERRORS and returns FALSE if there was any. */
gboolean ini_file_validate(IniFile *ini, const IniKind *kinds, GString *errors);

/* Finds the kind entry for KIND, or NULL. A kind may have two entries, one INI_SINGLE ([link]) and one
 * INI_PAIR ([link A B]); ini_kind_find_for picks the one that fits whether the header has a NAME. */
const IniKind *ini_kind_find(const IniKind *kinds, const char *kind);
const IniKind *ini_kind_find_for(const IniKind *kinds, const char *kind, gboolean named);
/* Splits a pair name "phone tv" into its two words; FALSE unless there are exactly two. */
gboolean ini_pair_split(const char *name, char **a, char **b);

/* Shared value checks. */
gboolean ini_check_bool(const char *value, GString *why);
gboolean ini_check_positive_int(const char *value, GString *why);
gboolean ini_check_nonnegative_number(const char *value, GString *why);
gboolean ini_check_positive_number(const char *value, GString *why);
gboolean ini_check_u64(const char *value, GString *why);
gboolean ini_check_identifier(const char *value, GString *why);
gboolean ini_check_nonempty(const char *value, GString *why);

/* "a, b ,,c" -> {"a", "b", "c"} (g_strfreev it): a comma list, each item trimmed, empty items skipped. */
char **ini_split_list(const char *value);

/* Parses a number with an optional engineering suffix (k, M, G) or exponent: "2.26e9", "800M". */
gboolean ini_parse_number(const char *value, double *out);
