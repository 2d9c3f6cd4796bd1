/* device_model: loads and validates scenarios/devices.ini with the shared ini_schema machinery. */
#include "device_model.h"

#include <string.h>

#include "ini_schema.h"
#include "link_check.h"

static gboolean check_class(const char *value, GString *why) {
  static const char *const classes[] = {"phone", "tablet", "tv", "speaker", "camera", NULL};
  if (g_strv_contains(classes, value))
    return TRUE;
  g_string_append(why, "expected one of phone, tablet, tv, speaker, camera");
  return FALSE;
}

/* Power coefficients: every key ending in _mw, _mw_per_mbit or _s is a number >= 0 kept for the power model. */
#define POWER_KEY(k, doc) {k, ini_check_nonnegative_number, TRUE, doc}
static const IniKey model_keys[] = {
    {"class", check_class, TRUE, "phone, tablet, tv, speaker or camera"},
    {"cores", ini_check_positive_int, TRUE, "CPU cores"},
    {"ips", ini_check_positive_number, TRUE, "guest instructions per emulated second per core"},
    {"memory_mb", ini_check_positive_int, TRUE, "RAM in MiB"},
    POWER_KEY("cpu_idle_mw", "CPU power when idle"),
    POWER_KEY("cpu_active_mw", "extra CPU power per fully busy core"),
    POWER_KEY("wifi_idle_mw", "Wi-Fi power in the idle (low) state"),
    POWER_KEY("wifi_high_mw", "Wi-Fi power in the high state"),
    POWER_KEY("wifi_tail_mw", "Wi-Fi power in the tail state"),
    POWER_KEY("wifi_tail_s", "how long the tail state lasts"),
    POWER_KEY("wifi_tx_mw_per_mbit", "extra power per Mbit/s sent"),
    POWER_KEY("wifi_rx_mw_per_mbit", "extra power per Mbit/s received"),
    POWER_KEY("screen_base_mw", "screen on, at zero brightness (0: no screen)"),
    POWER_KEY("screen_brightness_mw", "extra screen power at full brightness"),
    POWER_KEY("audio_mw", "extra power while playing audio (0: no speaker)"),
    {"source", ini_check_nonempty, TRUE, "where these numbers come from"},
    {NULL, NULL, FALSE, NULL},
};

static const IniKey default_keys[] = {
    {"model", ini_check_identifier, TRUE, "model used by 'dmx run --app'"},
    {"link", dmx_link_spec_check, TRUE, "default link, tc-netem syntax"},
    {"mode", dmx_link_mode_check, FALSE, "wired or wifi"},
    {NULL, NULL, FALSE, NULL},
};

static const IniKind model_kinds[] = {
    {"model", INI_NAMED, model_keys, FALSE},
    {"defaults", INI_SINGLE, default_keys, FALSE},
    {NULL, 0, NULL, FALSE},
};

static void model_free(gpointer p) {
  DmxDeviceModel *m = p;
  g_free(m->name);
  g_free(m->device_class);
  g_hash_table_destroy(m->power);
  g_free(m->source);
  g_free(m);
}

static double get_number(GKeyFile *kf, const char *group, const char *key) {
  g_autofree char *s = g_key_file_get_string(kf, group, key, NULL);
  double v = 0;
  if (s)
    ini_parse_number(s, &v);
  return v;
}

static DmxDeviceModel *model_from_group(GKeyFile *kf, const char *group, const char *name) {
  DmxDeviceModel *m = g_new0(DmxDeviceModel, 1);
  m->name = g_strdup(name);
  m->device_class = g_key_file_get_string(kf, group, "class", NULL);
  m->cores = (int)get_number(kf, group, "cores");
  m->ips = get_number(kf, group, "ips");
  m->memory_mb = (int)get_number(kf, group, "memory_mb");
  m->source = g_key_file_get_string(kf, group, "source", NULL);
  m->power = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
  for (const IniKey *k = model_keys; k->key; k++)
    if (k->check == ini_check_nonnegative_number) {
      double *v = g_new(double, 1);
      *v = get_number(kf, group, k->key);
      g_hash_table_insert(m->power, g_strdup(k->key), v);
    }
  return m;
}

DmxModelDb *dmx_model_db_load(const char *path, GError **error) {
  g_autoptr(IniFile) ini = ini_file_load(path, error);
  if (!ini)
    return NULL;
  g_autoptr(GString) errors = g_string_new(NULL);
  GKeyFile *kf = ini_file_keyfile(ini);
  if (!g_key_file_has_group(kf, "defaults"))
    g_string_append_printf(errors, "%s: missing section [defaults] (model=, link=)", path);
  if (!ini_file_validate(ini, model_kinds, errors) || errors->len) {
    g_set_error(error, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_INVALID_VALUE, "%s", errors->str);
    return NULL;
  }
  g_autoptr(DmxModelDb) db = g_new0(DmxModelDb, 1);
  db->path = g_strdup(path);
  db->models = g_hash_table_new_full(g_str_hash, g_str_equal, NULL, model_free);
  g_auto(GStrv) groups = g_key_file_get_groups(kf, NULL);
  for (int i = 0; groups[i]; i++) {
    g_autofree char *kind = NULL, *name = NULL;
    ini_group_split(groups[i], &kind, &name);
    if (strcmp(kind, "model") == 0) {
      DmxDeviceModel *m = model_from_group(kf, groups[i], name);
      g_hash_table_insert(db->models, m->name, m);
    }
  }
  db->default_model = g_key_file_get_string(kf, "defaults", "model", NULL);
  db->default_link = g_key_file_get_string(kf, "defaults", "link", NULL);
  db->default_mode = g_key_file_get_string(kf, "defaults", "mode", NULL);
  if (!db->default_mode)
    db->default_mode = g_strdup("wired");
  if (!dmx_model_db_find(db, db->default_model)) {
    g_autofree char *names = dmx_model_db_names(db);
    ini_file_add_error(ini, errors, "defaults", "model", "unknown device model '%s' (known: %s)", db->default_model,
                       names);
    g_set_error(error, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_INVALID_VALUE, "%s", errors->str);
    return NULL;
  }
  return g_steal_pointer(&db);
}

void dmx_model_db_free(DmxModelDb *db) {
  if (!db)
    return;
  g_free(db->path);
  if (db->models)
    g_hash_table_destroy(db->models);
  g_free(db->default_model);
  g_free(db->default_link);
  g_free(db->default_mode);
  g_free(db);
}

const DmxDeviceModel *dmx_model_db_find(const DmxModelDb *db, const char *name) {
  return name ? g_hash_table_lookup(db->models, name) : NULL;
}

char *dmx_model_db_names(const DmxModelDb *db) {
  GList *names = g_list_sort(g_hash_table_get_keys(db->models), (GCompareFunc)strcmp);
  GString *s = g_string_new(NULL);
  for (GList *l = names; l; l = l->next)
    g_string_append_printf(s, "%s%s", s->len ? ", " : "", (char *)l->data);
  g_list_free(names);
  return g_string_free(s, FALSE);
}
