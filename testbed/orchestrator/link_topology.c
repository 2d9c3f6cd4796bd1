/* link_topology: see link_topology.h. */
#include "link_topology.h"

#include <stdio.h>
#include <string.h>

#include "link_check.h"
#include "link_profiles.h"
#include "../../netem/link_spec.h"

static gboolean check_backend(const char *value, GString *why) {
  if (strcmp(value, "userspace") == 0 || strcmp(value, "kernel") == 0)
    return TRUE;
  g_string_append(why, "expected userspace (dmx-medium) or kernel (veth + bridge + tc)");
  return FALSE;
}

gboolean dmx_check_station_phy(const char *value, GString *why) {
  guint64 bps;
  if (parse_rate_bps(value, &bps) && bps > 0)
    return TRUE;
  g_string_append(why, "expected a PHY rate, e.g. 144.4mbit or 433.3mbit");
  return FALSE;
}

gboolean dmx_check_station_per(const char *value, GString *why) {
  double p;
  if (parse_percent(value, &p) && p >= 0 && p < 1)
    return TRUE;
  g_string_append(why, "expected a packet-error rate below 100%, e.g. 1%");
  return FALSE;
}

static gboolean parse_pos(const char *value, double *x, double *y) {
  char tail;
  return sscanf(value, "%lf %lf%c", x, y, &tail) == 2 || sscanf(value, "%lf,%lf%c", x, y, &tail) == 2;
}

gboolean dmx_check_station_pos(const char *value, GString *why) {
  double x, y;
  if (parse_pos(value, &x, &y))
    return TRUE;
  g_string_append(why, "expected X Y in metres from the access point, e.g. 3 4");
  return FALSE;
}

/* Specs are checked in dmx_topology_read (they may name a profile of scenarios/links.ini). */
const IniKey dmx_link_keys[] = {
    {"spec", NULL, FALSE, "default link of every pair, tc-netem syntax or @PROFILE, e.g. rate 100mbit delay 2ms"},
    {"profile", ini_check_identifier, FALSE, "a [profile NAME] of scenarios/links.ini (instead of spec)"},
    {"mode", dmx_link_mode_check, FALSE, "wired (independent links) or wifi (shared airtime)"},
    {"backend", check_backend, FALSE, "userspace (dmx-medium, default) or kernel (veth + bridge + tc)"},
    {"uplink", ini_check_bool, FALSE, "true: devices reach the host's 127.0.0.1 at 10.77.0.254 (libslirp NAT)"},
    {NULL, NULL, FALSE, NULL},
};

const IniKey dmx_link_pair_keys[] = {
    {"spec", NULL, FALSE, "[link A B]: the directed link A->B (names or '*'), tc-netem syntax or @PROFILE"},
    {"profile", ini_check_identifier, FALSE, "a [profile NAME] of scenarios/links.ini (instead of spec)"},
    {"symmetric", ini_check_bool, FALSE, "true: the same for B->A"},
    {NULL, NULL, FALSE, NULL},
};

const IniKey dmx_event_keys[] = {
    {"at_s", ini_check_nonnegative_number, FALSE, "emulated time of the event, seconds (default 0)"},
    {"action", ini_check_nonempty, FALSE,
     "link A B SPEC | cut A B | restore A B | station NAME [phy R] [per P] [pos X Y] (A, B: names or '*') | "
     "bind CLASS DEVICE (move /dev/dmx/CLASS to DEVICE's resource while the app runs) | "
     "kill DEVICE (SIGKILL a worker's qemu: it leaves the run)"},
    {"trace", ini_check_nonempty, FALSE,
     "CSV time_s,station,rate,delay,loss (or time_s,station,x,y in wifi mode), times relative to at_s"},
    {NULL, NULL, FALSE, NULL},
};

typedef struct {
  IniFile *ini;
  DmxScenario *sc;
  DmxLinkProfiles *profiles;
  GString *errors;
  gboolean wifi;
} Reader;

static gboolean is_device(const DmxScenario *sc, const char *name) { return dmx_scenario_device(sc, name) != NULL; }

static gboolean is_endpoint(const DmxScenario *sc, const char *name) {
  return strcmp(name, "*") == 0 || is_device(sc, name);
}

static char *device_names(const DmxScenario *sc) {
  GString *s = g_string_new(NULL);
  for (guint i = 0; i < sc->devices->len; i++)
    g_string_append_printf(s, "%s%s", i ? ", " : "", ((DmxDeviceSpec *)sc->devices->pdata[i])->name);
  return g_string_free(s, FALSE);
}

/* COMMAND is checked already; a kill is done by dmx, everything else is a control command. */
static DmxScenarioEvent *add_event(DmxScenario *sc, double at_s, char *label, char *command) {
  DmxScenarioEvent *e = g_new0(DmxScenarioEvent, 1);
  e->at_s = at_s;
  e->label = label;
  e->command = command;
  if (g_str_has_prefix(command, "kill ")) {
    e->kind = DMX_EVENT_KILL;
    e->device = g_strdup(command + strlen("kill "));
  }
  g_ptr_array_add(sc->events, e);
  return e;
}

/* The spec of a [link] or [link A B] section: spec (maybe @PROFILE) or profile; NULL if neither or bad. */
static char *section_spec(Reader *rd, const char *group, const DmxLinkProfile **profile_out) {
  GKeyFile *kf = ini_file_keyfile(rd->ini);
  g_autofree char *spec = g_key_file_get_string(kf, group, "spec", NULL);
  g_autofree char *profile = g_key_file_get_string(kf, group, "profile", NULL);
  if (profile_out)
    *profile_out = NULL;
  if (spec && profile) {
    ini_file_add_error(rd->ini, rd->errors, group, "profile", "set either spec or profile, not both");
    return NULL;
  }
  g_autoptr(GString) why = g_string_new(NULL);
  if (profile) {
    const DmxLinkProfile *p = dmx_link_profiles_find(rd->profiles, profile);
    if (!p) {
      g_autofree char *names = dmx_link_profiles_names(rd->profiles);
      ini_file_add_error(rd->ini, rd->errors, group, "profile", "unknown link profile '%s' (known: %s; see %s)",
                         profile, names, rd->profiles->path);
      return NULL;
    }
    if (profile_out)
      *profile_out = p;
    if (p->phy && !rd->wifi)
      ini_file_add_error(rd->ini, rd->errors, group, "profile",
                         "profile '%s' sets a Wi-Fi PHY rate (phy = %s): it needs mode = wifi in [link]", p->name,
                         p->phy);
    if (p->phy && strcmp(group, "link") != 0)
      ini_file_add_error(rd->ini, rd->errors, group, "profile",
                         "profile '%s' sets a Wi-Fi PHY rate, which belongs to stations, not to a pair: use it in "
                         "[link], or phy = in [device NAME]", p->name);
    return g_strdup(p->spec);
  }
  if (!spec)
    return NULL;
  char *resolved = dmx_link_spec_resolve(rd->profiles, spec, why);
  if (!resolved)
    ini_file_add_error(rd->ini, rd->errors, group, "spec", "bad value '%s': %s", spec, why->str);
  return resolved;
}

static void read_default_link(Reader *rd, const DmxScenarioLoadOptions *opt) {
  GKeyFile *kf = ini_file_keyfile(rd->ini);
  DmxScenario *sc = rd->sc;
  sc->link_mode = g_key_file_get_string(kf, "link", "mode", NULL);
  if (!sc->link_mode)
    sc->link_mode = g_strdup(opt->models->default_mode);
  rd->wifi = strcmp(sc->link_mode, "wifi") == 0;
  sc->link_backend = g_key_file_get_string(kf, "link", "backend", NULL);
  if (!sc->link_backend)
    sc->link_backend = g_strdup("userspace");
  sc->uplink = g_key_file_get_boolean(kf, "link", "uplink", NULL);
  const DmxLinkProfile *profile = NULL;
  sc->link_spec = g_key_file_has_group(kf, "link") ? section_spec(rd, "link", &profile) : NULL;
  if (!sc->link_spec)
    sc->link_spec = g_strdup(opt->models->default_link);
  if (profile && profile->phy && rd->wifi) {
    for (guint i = 0; i < sc->devices->len; i++) {
      const DmxDeviceSpec *d = sc->devices->pdata[i];
      g_ptr_array_add(sc->link_setup, g_strdup_printf("station %s phy %s", d->name, profile->phy));
    }
  }
  if (strcmp(sc->link_backend, "kernel") == 0 && (rd->wifi || sc->uplink))
    ini_file_add_error(rd->ini, rd->errors, "link", "backend",
                       "the kernel backend has no %s; use backend = userspace", rd->wifi ? "Wi-Fi airtime mode" : "uplink");
}

static void read_pair(Reader *rd, const char *group, const char *name) {
  g_autofree char *a = NULL, *b = NULL;
  if (!ini_pair_split(name, &a, &b))
    return; /* already reported by validation */
  for (int i = 0; i < 2; i++) {
    const char *who = i ? b : a;
    if (!is_endpoint(rd->sc, who)) {
      g_autofree char *names = device_names(rd->sc);
      ini_file_add_error(rd->ini, rd->errors, group, NULL, "unknown device '%s' (devices: %s, or '*')", who, names);
      return;
    }
  }
  GKeyFile *kf = ini_file_keyfile(rd->ini);
  if (!g_key_file_has_key(kf, group, "spec", NULL) && !g_key_file_has_key(kf, group, "profile", NULL)) {
    ini_file_add_error(rd->ini, rd->errors, group, NULL, "missing key 'spec' (or 'profile'): the link %s -> %s", a, b);
    return;
  }
  g_autofree char *spec = section_spec(rd, group, NULL);
  if (!spec)
    return;
  g_ptr_array_add(rd->sc->link_setup, g_strdup_printf("link %s %s %s", a, b, spec));
  if (g_key_file_get_boolean(kf, group, "symmetric", NULL) && strcmp(a, b) != 0)
    g_ptr_array_add(rd->sc->link_setup, g_strdup_printf("link %s %s %s", b, a, spec));
}

static void read_station(Reader *rd, DmxDeviceSpec *d) {
  static const char *const keys[] = {"phy", "per", "pos"};
  GKeyFile *kf = ini_file_keyfile(rd->ini);
  g_autofree char *group = g_strdup_printf("device %s", d->name);
  GString *args = g_string_new(NULL);
  for (guint i = 0; i < G_N_ELEMENTS(keys); i++) {
    g_autofree char *v = g_key_file_get_string(kf, group, keys[i], NULL);
    if (!v)
      continue;
    if (!rd->wifi) {
      ini_file_add_error(rd->ini, rd->errors, group, keys[i], "a Wi-Fi station key: it needs mode = wifi in [link]");
      continue;
    }
    double x, y;
    if (strcmp(keys[i], "pos") == 0 && parse_pos(v, &x, &y))
      g_string_append_printf(args, " pos %g %g", x, y);
    else
      g_string_append_printf(args, " %s %s", keys[i], v);
  }
  if (args->len)
    g_ptr_array_add(rd->sc->link_setup, g_strdup_printf("station %s%s", d->name, args->str));
  g_string_free(args, TRUE);
}

/* kill DEVICE: only a worker can leave, since the master's app is the run. */
static char *check_kill(Reader *rd, char **argv, int argc, GString *why) {
  const DmxDeviceSpec *d = argc == 2 ? dmx_scenario_device(rd->sc, argv[1]) : NULL;
  if (argc != 2) {
    g_string_append(why, "expected kill DEVICE");
  } else if (!d) {
    g_autofree char *names = device_names(rd->sc);
    g_string_append_printf(why, "unknown device '%s' (devices: %s)", argv[1], names);
  } else if (d->master) {
    g_string_append_printf(why, "%s is the master: its app is the run, so only the other devices can be killed",
                           d->name);
  } else {
    return g_strdup_printf("kill %s", d->name);
  }
  return NULL;
}

/* Checks one action and returns it as the command to perform, or NULL with WHY. */
static char *check_action(Reader *rd, const char *action, GString *why) {
  g_auto(GStrv) raw = g_strsplit_set(action, " \t", -1);
  GPtrArray *w = g_ptr_array_new();
  for (int i = 0; raw[i]; i++)
    if (raw[i][0])
      g_ptr_array_add(w, raw[i]);
  g_ptr_array_add(w, NULL);
  char **argv = (char **)w->pdata;
  int argc = w->len - 1;
  char *out = NULL;
  const char *verb = argc ? argv[0] : "";
  if (strcmp(verb, "link") == 0 || strcmp(verb, "cut") == 0 || strcmp(verb, "restore") == 0) {
    gboolean link = strcmp(verb, "link") == 0;
    if (link ? argc < 3 : argc != 3) {
      g_string_append_printf(why, "expected %s A B%s", verb, link ? " SPEC" : "");
    } else if (!is_endpoint(rd->sc, argv[1]) || !is_endpoint(rd->sc, argv[2])) {
      g_autofree char *names = device_names(rd->sc);
      g_string_append_printf(why, "unknown device '%s' (devices: %s, or '*')",
                             is_endpoint(rd->sc, argv[1]) ? argv[2] : argv[1], names);
    } else if (link) {
      g_autofree char *spec_text = g_strjoinv(" ", argv + 3);
      g_autofree char *spec = dmx_link_spec_resolve(rd->profiles, spec_text, why);
      if (spec)
        out = g_strdup_printf("link %s %s %s", argv[1], argv[2], spec);
    } else {
      out = g_strjoinv(" ", argv);
    }
  } else if (strcmp(verb, "station") == 0) {
    if (!rd->wifi)
      g_string_append(why, "station settings need mode = wifi in [link]");
    else if (argc < 4 || !is_device(rd->sc, argv[1]))
      g_string_append(why, "expected station NAME [phy RATE] [per P%] [pos X Y], NAME a device");
    else
      out = g_strjoinv(" ", argv);
  } else if (strcmp(verb, "bind") == 0) {
    static const char *const classes[] = {"screen", "audio", "camera", "storage", NULL};
    if (argc != 3 || !g_strv_contains(classes, argv[1]))
      g_string_append(why, "expected bind CLASS DEVICE, CLASS one of screen, audio, camera, storage");
    else if (!is_device(rd->sc, argv[2])) {
      g_autofree char *names = device_names(rd->sc);
      g_string_append_printf(why, "unknown device '%s' (devices: %s)", argv[2], names);
    } else
      out = g_strjoinv(" ", argv);
  } else if (strcmp(verb, "kill") == 0) {
    out = check_kill(rd, argv, argc, why);
  } else {
    g_string_append_printf(why, "unknown action '%s' (expected link, cut, restore, station, bind or kill)", verb);
  }
  g_ptr_array_free(w, TRUE);
  return out;
}

static gboolean is_number(const char *s, double *v) { return ini_parse_number(s, v); }

/* One trace row → medium commands at AT_S + time. Returns FALSE with WHY. */
static gboolean trace_row(Reader *rd, char **f, int n, double at_s, const char *label, double *last_t, GString *why) {
  double t;
  for (int i = 0; i < n; i++)
    g_strstrip(f[i]);
  if (!is_number(f[0], &t) || t < 0) {
    g_string_append_printf(why, "time '%s' is not a number of seconds >= 0", f[0]);
    return FALSE;
  }
  if (t < *last_t) {
    g_string_append_printf(why, "time %g goes back (previous row: %g)", t, *last_t);
    return FALSE;
  }
  *last_t = t;
  const char *st = f[1];
  if (!is_device(rd->sc, st)) {
    g_autofree char *names = device_names(rd->sc);
    g_string_append_printf(why, "unknown station '%s' (devices: %s)", st, names);
    return FALSE;
  }
  if (n == 4) {
    double x, y;
    if (!rd->wifi) {
      g_string_append(why, "position rows (time_s,station,x,y) need mode = wifi in [link]");
      return FALSE;
    }
    if (!is_number(f[2], &x) || !is_number(f[3], &y)) {
      g_string_append_printf(why, "bad position '%s,%s'", f[2], f[3]);
      return FALSE;
    }
    add_event(rd->sc, at_s + t, g_strdup(label), g_strdup_printf("station %s pos %g %g", st, x, y));
    return TRUE;
  }
  GString *spec = g_string_new(NULL);
  if (*f[2])
    g_string_append_printf(spec, "rate %s", f[2]);
  if (*f[3])
    g_string_append_printf(spec, "%sdelay %s", spec->len ? " " : "", f[3]);
  if (*f[4])
    g_string_append_printf(spec, "%sloss %s", spec->len ? " " : "", f[4]);
  gboolean ok = dmx_link_spec_check(spec->str, why);
  if (ok) {
    add_event(rd->sc, at_s + t, g_strdup(label), g_strdup_printf("link %s * %s", st, spec->str));
    add_event(rd->sc, at_s + t, g_strdup(label), g_strdup_printf("link * %s %s", st, spec->str));
  }
  g_string_free(spec, TRUE);
  return ok;
}

static void read_trace(Reader *rd, const char *group, const char *name, const char *file, double at_s) {
  g_autofree char *dir = g_path_get_dirname(ini_file_path(rd->ini));
  g_autofree char *path = g_path_is_absolute(file) ? g_strdup(file) : g_build_filename(dir, file, NULL);
  g_autofree char *text = NULL;
  g_autoptr(GError) err = NULL;
  if (!g_file_get_contents(path, &text, NULL, &err)) {
    ini_file_add_error(rd->ini, rd->errors, group, "trace", "cannot read '%s': %s", path, err->message);
    return;
  }
  g_auto(GStrv) lines = g_strsplit(text, "\n", -1);
  double last_t = 0;
  int rows = 0;
  for (int i = 0; lines[i]; i++) {
    char *line = g_strstrip(lines[i]);
    if (!*line || line[0] == '#')
      continue;
    g_auto(GStrv) f = g_strsplit(line, ",", -1);
    int n = g_strv_length(f);
    double t;
    if (rows == 0 && n >= 1 && !is_number(g_strstrip(f[0]), &t))
      continue; /* a header line */
    g_autoptr(GString) why = g_string_new(NULL);
    g_autofree char *label = g_strdup_printf("event %s (%s:%d)", name, file, i + 1);
    if (n != 4 && n != 5)
      g_string_append_printf(why, "%d fields; expected time_s,station,rate,delay,loss or time_s,station,x,y", n);
    if (why->len || !trace_row(rd, f, n, at_s, label, &last_t, why)) {
      ini_file_add_error(rd->ini, rd->errors, group, "trace", "%s:%d: %s", path, i + 1, why->str);
      return;
    }
    rows++;
  }
  if (rows == 0)
    ini_file_add_error(rd->ini, rd->errors, group, "trace", "'%s' has no rows", path);
}

static void read_event(Reader *rd, const char *group, const char *name) {
  GKeyFile *kf = ini_file_keyfile(rd->ini);
  g_autofree char *at = g_key_file_get_string(kf, group, "at_s", NULL);
  g_autofree char *action = g_key_file_get_string(kf, group, "action", NULL);
  g_autofree char *trace = g_key_file_get_string(kf, group, "trace", NULL);
  double at_s = 0;
  if (at)
    ini_parse_number(at, &at_s);
  if (!!action == !!trace) {
    ini_file_add_error(rd->ini, rd->errors, group, NULL, "set exactly one of action = ... or trace = FILE");
    return;
  }
  if (trace) {
    read_trace(rd, group, name, trace, at_s);
    return;
  }
  g_autoptr(GString) why = g_string_new(NULL);
  char *command = check_action(rd, action, why);
  if (!command) {
    ini_file_add_error(rd->ini, rd->errors, group, "action", "bad value '%s': %s", action, why->str);
    return;
  }
  DmxScenarioEvent *e = add_event(rd->sc, at_s, g_strdup_printf("event %s", name), command);
  const DmxDeviceSpec *d = e->device ? dmx_scenario_device(rd->sc, e->device) : NULL;
  /* Killing a device before it joined would only be a logged no-op, and the device would then join anyway. */
  if (d && at_s < d->join_at_s)
    ini_file_add_error(rd->ini, rd->errors, group, at ? "at_s" : "action",
                       "kill %s at %g s, but %s joins only at %g s (join_at_s in [device %s]): kill it at or after "
                       "that", d->name, at_s, d->name, d->join_at_s, d->name);
}

/* The events the kernel backend cannot perform: all but kills, which dmx does itself. */
static guint network_events(const DmxScenario *sc) {
  guint n = 0;
  for (guint i = 0; i < sc->events->len; i++)
    n += ((const DmxScenarioEvent *)sc->events->pdata[i])->kind != DMX_EVENT_KILL;
  return n;
}

static gint by_time(gconstpointer a, gconstpointer b) {
  const DmxScenarioEvent *x = *(DmxScenarioEvent *const *)a, *y = *(DmxScenarioEvent *const *)b;
  return (x->at_s > y->at_s) - (x->at_s < y->at_s);
}

void dmx_topology_read(IniFile *ini, DmxScenario *sc, const DmxScenarioLoadOptions *opt, GString *errors) {
  g_autoptr(GError) err = NULL;
  g_autoptr(DmxLinkProfiles) profiles = dmx_link_profiles_load_beside(opt->models->path, &err);
  if (!profiles) {
    g_string_append_printf(errors, "%s%s", errors->len ? "\n" : "", err->message);
    return;
  }
  Reader rd = {.ini = ini, .sc = sc, .profiles = profiles, .errors = errors};
  read_default_link(&rd, opt);
  g_auto(GStrv) groups = g_key_file_get_groups(ini_file_keyfile(ini), NULL);
  for (int i = 0; groups[i]; i++) {
    g_autofree char *kind = NULL, *name = NULL;
    ini_group_split(groups[i], &kind, &name);
    if (strcmp(kind, "link") == 0 && name)
      read_pair(&rd, groups[i], name);
  }
  for (guint i = 0; i < sc->devices->len; i++)
    read_station(&rd, sc->devices->pdata[i]);
  for (int i = 0; groups[i]; i++) {
    g_autofree char *kind = NULL, *name = NULL;
    ini_group_split(groups[i], &kind, &name);
    if (strcmp(kind, "event") == 0 && name)
      read_event(&rd, groups[i], name);
  }
  g_ptr_array_sort(sc->events, by_time); /* stable (merge sort): ties keep file order */
  if (strcmp(sc->link_backend, "kernel") == 0 && network_events(sc))
    ini_file_add_error(ini, errors, "link", "backend",
                       "[event] sections need backend = userspace (the kernel backend has no live changes yet; "
                       "only kill DEVICE works on it)");
}

char *dmx_topology_resolve_cli_spec(const char *spec, const DmxScenarioLoadOptions *opt, GString *why) {
  g_autoptr(GError) err = NULL;
  g_autoptr(DmxLinkProfiles) profiles = dmx_link_profiles_load_beside(opt->models->path, &err);
  if (!profiles) {
    g_string_append(why, err->message);
    return NULL;
  }
  return dmx_link_spec_resolve(profiles, spec, why);
}
