/* link_profiles: see link_profiles.h. */
#include "link_profiles.h"

#include <string.h>

#include "ini_schema.h"
#include "link_check.h"

static gboolean check_spec(const char *value, GString *why) {
  return value[0] == '\0' || dmx_link_spec_check(value, why);
}

static const IniKey profile_keys[] = {
    {"spec", check_spec, FALSE, "tc-netem syntax, e.g. rate 6.6mbit delay 34.5ms"},
    {"phy", NULL, FALSE, "Wi-Fi PHY rate of every station (mode = wifi), e.g. 144.4mbit"},
    {"source", ini_check_nonempty, TRUE, "where the numbers come from"},
    {NULL, NULL, FALSE, NULL},
};

static const IniKind profile_kinds[] = {
    {"profile", INI_NAMED, profile_keys, FALSE},
    {NULL, 0, NULL, FALSE},
};

static void profile_free(gpointer p) {
  DmxLinkProfile *lp = p;
  g_free(lp->name);
  g_free(lp->spec);
  g_free(lp->phy);
  g_free(lp->source);
  g_free(lp);
}

static DmxLinkProfiles *profiles_new(const char *path) {
  DmxLinkProfiles *db = g_new0(DmxLinkProfiles, 1);
  db->path = g_strdup(path);
  db->profiles = g_ptr_array_new_with_free_func(profile_free);
  return db;
}

DmxLinkProfiles *dmx_link_profiles_load(const char *path, GError **error) {
  if (!g_file_test(path, G_FILE_TEST_EXISTS))
    return profiles_new(path);
  g_autoptr(IniFile) ini = ini_file_load(path, error);
  if (!ini)
    return NULL;
  g_autoptr(GString) errors = g_string_new(NULL);
  if (!ini_file_validate(ini, profile_kinds, errors)) {
    g_set_error(error, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_INVALID_VALUE, "%s", errors->str);
    return NULL;
  }
  GKeyFile *kf = ini_file_keyfile(ini);
  DmxLinkProfiles *db = profiles_new(path);
  g_auto(GStrv) groups = g_key_file_get_groups(kf, NULL);
  for (int i = 0; groups[i]; i++) {
    DmxLinkProfile *p = g_new0(DmxLinkProfile, 1);
    g_autofree char *kind = NULL;
    ini_group_split(groups[i], &kind, &p->name);
    p->spec = g_key_file_get_string(kf, groups[i], "spec", NULL);
    if (!p->spec)
      p->spec = g_strdup("");
    p->phy = g_key_file_get_string(kf, groups[i], "phy", NULL);
    p->source = g_key_file_get_string(kf, groups[i], "source", NULL);
    g_ptr_array_add(db->profiles, p);
  }
  return db;
}

DmxLinkProfiles *dmx_link_profiles_load_beside(const char *devices_ini, GError **error) {
  const char *env = g_getenv("DMX_LINKS_INI");
  if (env && *env)
    return dmx_link_profiles_load(env, error);
  g_autofree char *dir = g_path_get_dirname(devices_ini ? devices_ini : ".");
  g_autofree char *path = g_build_filename(dir, "links.ini", NULL);
  return dmx_link_profiles_load(path, error);
}

void dmx_link_profiles_free(DmxLinkProfiles *db) {
  if (!db)
    return;
  g_free(db->path);
  g_ptr_array_unref(db->profiles);
  g_free(db);
}

const DmxLinkProfile *dmx_link_profiles_find(const DmxLinkProfiles *db, const char *name) {
  for (guint i = 0; db && name && i < db->profiles->len; i++) {
    const DmxLinkProfile *p = db->profiles->pdata[i];
    if (strcmp(p->name, name) == 0)
      return p;
  }
  return NULL;
}

char *dmx_link_profiles_names(const DmxLinkProfiles *db) {
  GString *s = g_string_new(NULL);
  for (guint i = 0; db && i < db->profiles->len; i++)
    g_string_append_printf(s, "%s%s", i ? ", " : "", ((DmxLinkProfile *)db->profiles->pdata[i])->name);
  if (!s->len)
    g_string_append(s, "none");
  return g_string_free(s, FALSE);
}

char *dmx_link_spec_resolve(const DmxLinkProfiles *db, const char *text, GString *why) {
  g_auto(GStrv) tokens = g_strsplit_set(text, " \t", -1);
  GString *out = g_string_new(NULL);
  for (int i = 0; tokens[i]; i++) {
    const char *t = tokens[i];
    if (!*t)
      continue;
    if (t[0] == '@') {
      const DmxLinkProfile *p = dmx_link_profiles_find(db, t + 1);
      if (!p) {
        g_autofree char *names = dmx_link_profiles_names(db);
        g_string_append_printf(why, "unknown link profile '%s' (known: %s; see %s)", t + 1, names,
                               db ? db->path : "scenarios/links.ini");
        g_string_free(out, TRUE);
        return NULL;
      }
      if (!*p->spec) {
        g_string_append_printf(why, "link profile '%s' has no spec, only a Wi-Fi PHY rate: use profile = %s in [link] "
                                    "with mode = wifi", p->name, p->name);
        g_string_free(out, TRUE);
        return NULL;
      }
      t = p->spec;
    }
    g_string_append_printf(out, "%s%s", out->len ? " " : "", t);
  }
  if (!dmx_link_spec_check(out->str, why)) {
    g_string_free(out, TRUE);
    return NULL;
  }
  return g_string_free(out, FALSE);
}
