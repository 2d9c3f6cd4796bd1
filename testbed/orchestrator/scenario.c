/* scenario: see scenario.h. Validation is table-driven (ini_schema); this file adds the cross-checks that span
 * keys or files (device models, the master, the app) and turns the key file into a DmxScenario. */
#include "scenario.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ini_schema.h"
#include "link_check.h"
#include "link_topology.h"
#include "paths.h"
#include "policies.h"

/* Validated item by item as written, so an empty item ("rf,") is an unknown policy '' here, though reading the
 * list (ini_split_list) would skip it. */
static gboolean check_policies(const char *value, GString *why) {
  g_auto(GStrv) list = g_strsplit(value, ",", -1);
  for (int i = 0; list[i]; i++)
    g_strstrip(list[i]);
  return dmx_check_policy_names(list, TRUE, why);
}

static gboolean check_tdf(const char *value, GString *why) {
  double v;
  if (strcmp(value, "auto") == 0 || (ini_parse_number(value, &v) && v >= 1 && v <= 1000))
    return TRUE;
  g_string_append(why, "expected 'auto' or a number from 1 to 1000");
  return FALSE;
}

static gboolean check_secret(const char *value, GString *why) {
  size_t n = strlen(value);
  gboolean hex = n >= 16 && n % 2 == 0;
  for (size_t i = 0; hex && i < n; i++)
    hex = g_ascii_isxdigit(value[i]);
  if (!hex)
    g_string_append(why, "expected an even number (at least 16) of hex digits");
  return hex;
}

static gboolean parse_size(const char *value, int *w, int *h, int *fps) {
  char tail = 0;
  *fps = 0;
  if (sscanf(value, "%dx%d@%d%c", w, h, fps, &tail) == 3 && *fps > 0)
    return *w > 0 && *h > 0;
  return sscanf(value, "%dx%d%c", w, h, &tail) == 2 && *w > 0 && *h > 0 && *w <= 16384 && *h <= 16384;
}

static gboolean check_screen(const char *value, GString *why) {
  int w, h, fps;
  if (parse_size(value, &w, &h, &fps) && fps == 0)
    return TRUE;
  g_string_append(why, "expected WIDTHxHEIGHT, e.g. 1280x720");
  return FALSE;
}

static gboolean check_camera(const char *value, GString *why) {
  int w, h, fps;
  if (parse_size(value, &w, &h, &fps))
    return TRUE;
  g_string_append(why, "expected WIDTHxHEIGHT[@FPS], e.g. 720x480@30");
  return FALSE;
}

static gboolean check_speaker(const char *value, GString *why) {
  guint64 hz;
  if (g_ascii_string_to_unsigned(value, 10, 8000, 192000, &hz, NULL))
    return TRUE;
  g_string_append(why, "expected a sample rate in Hz from 8000 to 192000, e.g. 48000");
  return FALSE;
}

static gboolean check_checkpoints(const char *value, GString *why) {
  if (strcmp(value, "migration") == 0 || strcmp(value, "release") == 0 || strcmp(value, "refresh") == 0 ||
      strcmp(value, "publish") == 0)
    return TRUE;
  g_string_append(why, "expected migration, release, refresh or publish");
  return FALSE;
}

static const IniKey scenario_keys[] = {
    {"name", ini_check_identifier, FALSE, "scenario name (default: the file name)"},
    {"app", ini_check_nonempty, TRUE, "guest program, relative to the tree top, e.g. build/guest/tcp_ring"},
    {"args", NULL, FALSE, "its arguments, shell-quoted"},
    {"duration_s", ini_check_nonnegative_number, FALSE, "emulated seconds to run; 0 = until the app exits"},
    {"fps_from_s", ini_check_nonnegative_number, FALSE, "emulated second from which summary.json's FPS statistics "
                                                          "count (default 0: from the first frame); the seconds "
                                                          "before it are a policy settling, left out of a "
                                                          "steady-state mean (the paper's Fig. 10)"},
    {"policies", check_policies, FALSE, "comma list of local, rf, dynamix, offload (default local)"},
    {"tdf", check_tdf, FALSE, "time dilation factor >= 1, or auto (default 1)"},
    {"seed", ini_check_u64, FALSE, "random seed for the medium (default 1)"},
    {"secret", check_secret, FALSE, "hex secret peers present to join (default: random per run)"},
    {"bind", ini_check_nonempty, FALSE, "CLASS=DEVICE,... virtual devices bound to other devices' resources at start, "
                                        "e.g. screen=tv,audio=speaker (DMX_BIND; not under policy local)"},
    {"place", ini_check_nonempty, FALSE, "DEVICE,... where the app's 1st, 2nd, ... pthread_create puts its thread "
                                         "(DMX_PLACE; names of [device]s; later threads stay on the master)"},
    {"checkpoints", check_checkpoints, FALSE, "when a thread off the master is checkpointed for recovery: "
                                              "publish (default: exactly-once after a device is lost; a cut of "
                                              "the device's threads only before its changes leave it or once it "
                                              "has written checkpoint_refresh_kb), release (exactly-once too, a "
                                              "cut before each lock release), refresh (the migration's, refreshed "
                                              "at a lock operation once the device has written "
                                              "checkpoint_refresh_kb since) or migration (only the migration's, "
                                              "DynaMix's point: cheapest, not exactly-once for shared counters)"},
    {"prefetch", ini_check_bool, FALSE, "false: no DSM prefetching (sequential read-ahead and the refetch of "
                                        "recently used pages at an acquire; DMX_PREFETCH=0): the paper's "
                                        "\"no prefetching\" (Fig. 7, DM*). Default true"},
    {"checkpoint_refresh_kb", ini_check_positive_int, FALSE, "with checkpoints = refresh or publish: KiB of shared "
                                                             "pages a "
                                                             "device writes before its threads' checkpoints are "
                                                             "refreshed (default: a fifth of the shared region, "
                                                             "DynaMix's 20% of memory)"},
    {NULL, NULL, FALSE, NULL},
};

/* Resource keys are passed on to the guest in DMX_RESOURCES; keep this list in step with testbed/resources. */
static const IniKey device_keys[] = {
    {"model", ini_check_identifier, TRUE, "a [model NAME] of scenarios/devices.ini"},
    {"master", ini_check_bool, FALSE, "true on the one device that runs the app and the master daemon"},
    {"screen", check_screen, FALSE, "screen resolution WIDTHxHEIGHT"},
    {"camera", check_camera, FALSE, "camera preview WIDTHxHEIGHT[@FPS]"},
    {"speaker", check_speaker, FALSE, "speaker sample rate in Hz"},
    {"storage", ini_check_nonempty, FALSE, "directory of this device's files (relative to the scenario file)"},
    {"phy", dmx_check_station_phy, FALSE, "Wi-Fi PHY rate of this station (mode = wifi), e.g. 144.4mbit"},
    {"per", dmx_check_station_per, FALSE, "Wi-Fi packet-error rate (mode = wifi), e.g. 1%"},
    {"pos", dmx_check_station_pos, FALSE, "Wi-Fi position X Y in metres from the AP (mode = wifi; sets phy and per)"},
    {"join_at_s", ini_check_nonnegative_number, FALSE,
     "emulated second at which this worker starts (joins mid-run; default 0: with the others; not the master)"},
    {NULL, NULL, FALSE, NULL},
};

static const IniKind scenario_kinds[] = {
    {"scenario", INI_SINGLE, scenario_keys, FALSE},
    {"device", INI_NAMED, device_keys, FALSE},
    {"link", INI_SINGLE, dmx_link_keys, FALSE},
    {"link", INI_PAIR, dmx_link_pair_keys, FALSE},
    {"event", INI_NAMED, dmx_event_keys, FALSE},
    {NULL, 0, NULL, FALSE},
};

static const char *const resource_keys[] = {"screen", "camera", "speaker", "storage", NULL};

static void device_spec_free(gpointer p) {
  DmxDeviceSpec *d = p;
  g_free(d->name);
  g_ptr_array_unref(d->resources);
  g_free(d);
}

static void scenario_event_free(gpointer p) {
  DmxScenarioEvent *e = p;
  g_free(e->label);
  g_free(e->command);
  g_free(e->device);
  g_free(e);
}

static DmxScenario *scenario_new(const char *path) {
  DmxScenario *sc = g_new0(DmxScenario, 1);
  sc->path = g_strdup(path);
  sc->devices = g_ptr_array_new_with_free_func(device_spec_free);
  sc->link_setup = g_ptr_array_new_with_free_func(g_free);
  sc->events = g_ptr_array_new_with_free_func(scenario_event_free);
  sc->tdf = 1;
  sc->seed = 1;
  return sc;
}

void dmx_scenario_free(DmxScenario *sc) {
  if (!sc)
    return;
  g_free(sc->path);
  g_free(sc->name);
  g_free(sc->app);
  g_strfreev(sc->args);
  g_strfreev(sc->policies);
  g_free(sc->secret);
  g_free(sc->bind);
  g_free(sc->place);
  g_free(sc->checkpoints);
  g_free(sc->checkpoint_refresh_kb);
  g_free(sc->link_spec);
  g_free(sc->link_mode);
  g_free(sc->link_backend);
  g_ptr_array_unref(sc->link_setup);
  g_ptr_array_unref(sc->events);
  g_ptr_array_unref(sc->devices);
  g_free(sc);
}

char *dmx_device_spec_resources(const DmxDeviceSpec *d, const char *sep) {
  GString *s = g_string_new(NULL);
  for (guint i = 0; i < d->resources->len; i++)
    g_string_append_printf(s, "%s%s", i ? sep : "", (const char *)d->resources->pdata[i]);
  return g_string_free(s, FALSE);
}

static char *resolve_app(const char *app, const char *top) {
  return g_path_is_absolute(app) ? g_strdup(app) : g_build_filename(top ? top : ".", app, NULL);
}

static void read_scenario_section(IniFile *ini, DmxScenario *sc, const DmxScenarioLoadOptions *opt, GString *errors) {
  GKeyFile *kf = ini_file_keyfile(ini);
  g_autofree char *base = g_path_get_basename(sc->path);
  char *dot = strrchr(base, '.');
  if (dot)
    *dot = '\0';
  sc->name = g_key_file_get_string(kf, "scenario", "name", NULL);
  if (!sc->name)
    sc->name = g_strdup(base);
  g_autofree char *app = g_key_file_get_string(kf, "scenario", "app", NULL);
  sc->app = resolve_app(app, opt->top);
  g_autoptr(GError) app_err = NULL;
  if (opt->check_app && !dmx_check_guest_binary(sc->app, &app_err))
    ini_file_add_error(ini, errors, "scenario", "app", "%s", app_err->message);
  g_autofree char *args = g_key_file_get_string(kf, "scenario", "args", NULL);
  g_autoptr(GError) aerr = NULL;
  if (args && *args && !g_shell_parse_argv(args, NULL, &sc->args, &aerr))
    ini_file_add_error(ini, errors, "scenario", "args", "cannot split into arguments: %s", aerr->message);
  if (!sc->args)
    sc->args = g_new0(char *, 1);
  g_autofree char *s = g_key_file_get_string(kf, "scenario", "duration_s", NULL);
  if (s)
    ini_parse_number(s, &sc->duration_s);
  g_free(s);
  s = g_key_file_get_string(kf, "scenario", "fps_from_s", NULL);
  if (s && ini_parse_number(s, &sc->fps_from_s) && sc->duration_s > 0 && sc->fps_from_s >= sc->duration_s)
    ini_file_add_error(ini, errors, "scenario", "fps_from_s", "%g is not before the end of the run (duration_s = %g)",
                       sc->fps_from_s, sc->duration_s);
  g_free(s);
  s = g_key_file_get_string(kf, "scenario", "policies", NULL);
  sc->policies = ini_split_list(s ? s : "local");
  g_free(s);
  s = g_key_file_get_string(kf, "scenario", "tdf", NULL);
  if (s && strcmp(s, "auto") == 0)
    sc->tdf = 0;
  else if (s)
    ini_parse_number(s, &sc->tdf);
  g_free(s);
  s = g_key_file_get_string(kf, "scenario", "seed", NULL);
  if (s)
    sc->seed = g_ascii_strtoull(s, NULL, 10);
  sc->secret = g_key_file_get_string(kf, "scenario", "secret", NULL);
  sc->bind = g_key_file_get_string(kf, "scenario", "bind", NULL);
  sc->checkpoints = g_key_file_get_string(kf, "scenario", "checkpoints", NULL);
  sc->checkpoint_refresh_kb = g_key_file_get_string(kf, "scenario", "checkpoint_refresh_kb", NULL);
  sc->no_prefetch = g_key_file_has_key(kf, "scenario", "prefetch", NULL) &&
                    !g_key_file_get_boolean(kf, "scenario", "prefetch", NULL);
}

const DmxDeviceSpec *dmx_scenario_device(const DmxScenario *sc, const char *name) {
  for (guint i = 0; i < sc->devices->len; i++) {
    const DmxDeviceSpec *d = sc->devices->pdata[i];
    if (strcmp(d->name, name) == 0)
      return d;
  }
  return NULL;
}

/* [scenario] place names devices; the runtime wants their indices (1 = the master, in device order). */
static void read_place(IniFile *ini, DmxScenario *sc, GString *errors) {
  g_autofree char *place = g_key_file_get_string(ini_file_keyfile(ini), "scenario", "place", NULL);
  if (!place || sc->devices->len == 0)
    return;
  g_auto(GStrv) names = ini_split_list(place);
  g_autoptr(GString) indices = g_string_new(NULL);
  for (int i = 0; names[i]; i++) {
    const DmxDeviceSpec *dev = dmx_scenario_device(sc, names[i]);
    if (!dev) {
      g_autoptr(GString) known = g_string_new(NULL);
      for (guint d = 0; d < sc->devices->len; d++)
        g_string_append_printf(known, "%s%s", d ? ", " : "", ((DmxDeviceSpec *)sc->devices->pdata[d])->name);
      ini_file_add_error(ini, errors, "scenario", "place", "unknown device '%s' (devices: %s)", names[i], known->str);
      return;
    }
    g_string_append_printf(indices, "%s%d", i ? "," : "", dev->index);
  }
  sc->place = g_string_free(g_steal_pointer(&indices), FALSE);
}

static DmxDeviceSpec *read_device(IniFile *ini, const char *group, const char *name, const DmxScenarioLoadOptions *opt,
                                  GString *errors) {
  GKeyFile *kf = ini_file_keyfile(ini);
  DmxDeviceSpec *d = g_new0(DmxDeviceSpec, 1);
  d->name = g_strdup(name);
  d->resources = g_ptr_array_new_with_free_func(g_free);
  d->master = g_key_file_get_boolean(kf, group, "master", NULL);
  g_autofree char *join = g_key_file_get_string(kf, group, "join_at_s", NULL);
  if (join)
    ini_parse_number(join, &d->join_at_s); /* validated already */
  g_autofree char *model = g_key_file_get_string(kf, group, "model", NULL);
  d->model = dmx_model_db_find(opt->models, model);
  if (model && !d->model) {
    g_autofree char *names = dmx_model_db_names(opt->models);
    ini_file_add_error(ini, errors, group, "model", "unknown device model '%s' (known: %s; see %s)", model, names,
                       opt->models->path);
  }
  for (int i = 0; resource_keys[i]; i++) {
    g_autofree char *v = g_key_file_get_string(kf, group, resource_keys[i], NULL);
    if (!v)
      continue;
    if (strcmp(resource_keys[i], "storage") == 0) {
      g_autofree char *dir = g_path_get_dirname(ini_file_path(ini));
      g_autofree char *abs = g_path_is_absolute(v) ? g_strdup(v) : g_build_filename(dir, v, NULL);
      if (!g_file_test(abs, G_FILE_TEST_IS_DIR))
        ini_file_add_error(ini, errors, group, "storage", "directory '%s' does not exist", abs);
      g_free(v);
      v = g_steal_pointer(&abs);
    }
    g_ptr_array_add(d->resources, g_strdup_printf("%s=%s", resource_keys[i], v));
  }
  return d;
}

/* Puts the master first and numbers the devices; the master is the device with master=true, else the first. */
static void order_devices(IniFile *ini, DmxScenario *sc, GString *errors) {
  int master = -1;
  for (guint i = 0; i < sc->devices->len; i++) {
    DmxDeviceSpec *d = sc->devices->pdata[i];
    if (!d->master)
      continue;
    if (master >= 0) {
      g_autofree char *group = g_strdup_printf("device %s", d->name);
      ini_file_add_error(ini, errors, group, "master", "only one device can be the master (already: %s)",
                         ((DmxDeviceSpec *)sc->devices->pdata[master])->name);
    } else {
      master = i;
    }
  }
  if (master > 0) {
    gpointer m = g_ptr_array_steal_index(sc->devices, master);
    g_ptr_array_insert(sc->devices, 0, m);
  }
  for (guint i = 0; i < sc->devices->len; i++) {
    DmxDeviceSpec *d = sc->devices->pdata[i];
    d->index = i + 1;
    d->master = i == 0;
  }
}

/* The master's app is the run: there is no run for it to join. Any join_at_s on it is refused, even 0, since it
 * can only be a mistake about which device is the master. */
static void check_master_join(IniFile *ini, DmxScenario *sc, GString *errors) {
  if (sc->devices->len == 0)
    return;
  const DmxDeviceSpec *m = sc->devices->pdata[0];
  g_autofree char *group = g_strdup_printf("device %s", m->name);
  if (g_key_file_has_key(ini_file_keyfile(ini), group, "join_at_s", NULL))
    ini_file_add_error(ini, errors, group, "join_at_s",
                       "%s is the master%s: its app starts the run, so it cannot join later (join_at_s is for the "
                       "other devices)", m->name, g_key_file_has_key(ini_file_keyfile(ini), group, "master", NULL)
                                                  ? "" : " (the first device, as none says master = true)");
}

static void read_devices(IniFile *ini, DmxScenario *sc, const DmxScenarioLoadOptions *opt, GString *errors) {
  g_auto(GStrv) groups = g_key_file_get_groups(ini_file_keyfile(ini), NULL);
  for (int i = 0; groups[i]; i++) {
    g_autofree char *kind = NULL, *name = NULL;
    ini_group_split(groups[i], &kind, &name);
    if (strcmp(kind, "device") == 0 && name)
      g_ptr_array_add(sc->devices, read_device(ini, groups[i], name, opt, errors));
  }
  if (sc->devices->len == 0)
    g_string_append_printf(errors, "%s%s: no [device NAME] sections: a scenario needs at least one device",
                           errors->len ? "\n" : "", sc->path);
  else if (sc->devices->len > 250)
    g_string_append_printf(errors, "%s%s: %u devices: at most 250 fit in 10.77.0.0/24", errors->len ? "\n" : "",
                           sc->path, sc->devices->len);
  order_devices(ini, sc, errors);
  check_master_join(ini, sc, errors);
  read_place(ini, sc, errors);
}

DmxScenario *dmx_scenario_load(const char *path, const DmxScenarioLoadOptions *opt, GError **error) {
  g_autoptr(IniFile) ini = ini_file_load(path, error);
  if (!ini)
    return NULL;
  for (int i = 0; opt->overrides && opt->overrides[i]; i++)
    if (!ini_file_apply_override(ini, opt->overrides[i], error))
      return NULL;
  g_autoptr(GString) errors = g_string_new(NULL);
  if (!g_key_file_has_group(ini_file_keyfile(ini), "scenario"))
    g_string_append_printf(errors, "%s: missing section [scenario] (it names the app: app = build/guest/...)", path);
  if (!ini_file_validate(ini, scenario_kinds, errors) || errors->len) {
    g_set_error(error, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_INVALID_VALUE, "%s", errors->str);
    return NULL;
  }
  g_autoptr(DmxScenario) sc = scenario_new(path);
  read_scenario_section(ini, sc, opt, errors);
  read_devices(ini, sc, opt, errors);
  dmx_topology_read(ini, sc, opt, errors);
  if (errors->len) {
    g_set_error(error, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_INVALID_VALUE, "%s", errors->str);
    return NULL;
  }
  return g_steal_pointer(&sc);
}

DmxScenario *dmx_scenario_for_app(const char *app, char **args, int n_devices, const char *link_spec,
                                  const DmxScenarioLoadOptions *opt, GError **error) {
  g_autoptr(GString) why = g_string_new(NULL);
  if (n_devices < 1 || n_devices > 250) {
    g_set_error(error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE, "--devices %d: expected 1 to 250", n_devices);
    return NULL;
  }
  g_autofree char *resolved = link_spec ? dmx_topology_resolve_cli_spec(link_spec, opt, why) : NULL;
  if (link_spec && !resolved) {
    g_set_error(error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE, "--link '%s': %s", link_spec, why->str);
    return NULL;
  }
  g_autoptr(DmxScenario) sc = scenario_new("(command line)");
  g_autofree char *base = g_path_get_basename(app);
  sc->name = g_strdup_printf("app-%s", base);
  sc->app = g_path_is_absolute(app) ? g_strdup(app) : g_canonicalize_filename(app, NULL);
  sc->args = args ? g_strdupv(args) : g_new0(char *, 1);
  sc->policies = g_strsplit("local", ",", -1);
  sc->link_spec = g_strdup(resolved ? resolved : opt->models->default_link);
  sc->link_mode = g_strdup(opt->models->default_mode);
  sc->link_backend = g_strdup("userspace");
  const DmxDeviceModel *model = dmx_model_db_find(opt->models, opt->models->default_model);
  for (int i = 1; i <= n_devices; i++) {
    DmxDeviceSpec *d = g_new0(DmxDeviceSpec, 1);
    d->name = g_strdup_printf("dev%d", i);
    d->index = i;
    d->master = i == 1;
    d->model = model;
    d->resources = g_ptr_array_new_with_free_func(g_free);
    g_ptr_array_add(sc->devices, d);
  }
  return g_steal_pointer(&sc);
}

static void append_kind_help(GString *s, const IniKind *kind) {
  g_string_append_printf(s, "  [%s%s]\n", kind->kind,
                         kind->arity == INI_NAMED ? " NAME" : kind->arity == INI_PAIR ? " A B" : "");
  for (const IniKey *k = kind->keys; k->key; k++)
    g_string_append_printf(s, "      %-11s %s%s\n", k->key, k->doc, k->required ? " (required)" : "");
}

char *dmx_scenario_schema_help(void) {
  GString *s = g_string_new(NULL);
  for (const IniKind *k = scenario_kinds; k->kind; k++)
    append_kind_help(s, k);
  return g_string_free(s, FALSE);
}
