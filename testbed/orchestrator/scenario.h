/* scenario: a run description from scenarios/NAME.ini, validated completely before anything starts.
 *
 *   [scenario]      name, app, args, duration_s, policies, tdf, seed, secret, bind
 *   [device NAME]   model, master, screen, camera, speaker, storage, join_at_s
 *   [link]          spec (tc-netem syntax or @PROFILE), profile, mode (wired|wifi), backend, uplink
 *   [link A B]      spec/profile of the directed pair A->B, symmetric
 *   [event NAME]    at_s and action (link/cut/restore/station/bind/kill) or trace = FILE
 *   (the network part is read by link_topology.c)
 *
 * New section kinds (e.g. [event NAME]) are one entry in scenario.c's kind table plus their reader. */
#pragma once
#include <glib.h>

#include "device_model.h"

typedef struct {
  char *name;
  int index;               /* 1-based; the master is always 1 */
  gboolean master;
  const DmxDeviceModel *model;
  GPtrArray *resources;    /* "screen=1280x720", "storage=/abs/dir", ... in file order */
  double join_at_s;        /* emulated second at which its app starts; 0 = with the others (never on the master) */
} DmxDeviceSpec;

typedef enum {
  DMX_EVENT_COMMAND,       /* a control command for dmx-medium, or for the guest (bind: guest_control.h) */
  DMX_EVENT_KILL,          /* dmx itself SIGKILLs a worker's qemu: the device leaves the run */
} DmxEventKind;

/* Something that happens at an emulated time: a change of the network or of the app's bindings, or a device
 * leaving. */
typedef struct {
  double at_s;             /* emulated seconds from the epoch */
  char *label;             /* "event NAME" or "event NAME (trace.csv:LINE)" */
  char *command;           /* "link A B SPEC", "cut A B", "restore A B", "station NAME ...", "bind ...", "kill NAME" */
  DmxEventKind kind;
  char *device;            /* DMX_EVENT_KILL: the device to kill; else NULL */
} DmxScenarioEvent;

typedef struct {
  char *path;              /* the .ini, or "(command line)" for dmx run --app */
  char *name;
  char *app;               /* absolute path of the guest program */
  char **args;             /* its arguments (NULL-terminated, maybe empty) */
  double duration_s;       /* emulated seconds; 0 = until the master's app exits */
  double fps_from_s;       /* summary.json's FPS statistics start at this emulated second (0: the first frame) */
  char **policies;         /* NULL-terminated, at least one */
  double tdf;              /* >= 1; 0 = auto */
  guint64 seed;
  char *secret;            /* hex; NULL = a fresh random secret per run */
  char *bind;              /* "screen=tv,audio=speaker": exported as DMX_BIND (libdmx ignores it under local) */
  char *place;             /* "2,3": device indices for the app's n-th pthread_create (DMX_PLACE), from names */
  char *checkpoints;       /* "migration", "release" or "refresh" (DMX_CHECKPOINT; runtime/thread_recovery.h) */
  char *checkpoint_refresh_kb; /* DMX_CHECKPOINT_REFRESH_KB */
  gboolean no_prefetch;    /* prefetch = false: DMX_PREFETCH=0 (runtime/dsm_region.h) */
  char *link_spec;
  char *link_mode;
  char *link_backend;      /* "userspace" (dmx-medium) or "kernel" (veth + bridge + tc) */
  gboolean uplink;         /* a libslirp NAT station at 10.77.0.254 (the host's 127.0.0.1) */
  GPtrArray *link_setup;   /* char*: medium commands sent once every device is attached ([link A B], stations) */
  GPtrArray *events;       /* DmxScenarioEvent*, by time (ties in file order) */
  GPtrArray *devices;      /* DmxDeviceSpec*, master first */
} DmxScenario;

typedef struct {
  const char *top;         /* tree root: relative app paths are resolved against it */
  const DmxModelDb *models;
  const char *const *overrides; /* "section.key=value" from --set, NULL-terminated or NULL */
  gboolean check_app;      /* also check that the app exists and is an aarch64 executable */
} DmxScenarioLoadOptions;

/* The [device NAME] called name, or NULL. */
const DmxDeviceSpec *dmx_scenario_device(const DmxScenario *sc, const char *name);
DmxScenario *dmx_scenario_load(const char *path, const DmxScenarioLoadOptions *opt, GError **error);
/* The scenario behind `dmx run --app PATH --devices N`: N devices dev1..devN of the default model and link. */
DmxScenario *dmx_scenario_for_app(const char *app, char **args, int n_devices, const char *link_spec,
                                  const DmxScenarioLoadOptions *opt, GError **error);
void dmx_scenario_free(DmxScenario *sc);
/* The device's resources joined with SEP: "screen=1280x720;storage=/abs/dir" ("" if none). */
char *dmx_device_spec_resources(const DmxDeviceSpec *d, const char *sep);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(DmxScenario, dmx_scenario_free)

/* One line per section kind and key, for `dmx run --help`. */
char *dmx_scenario_schema_help(void);
