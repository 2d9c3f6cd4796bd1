/* run: see run.h.
 *
 * Order of a run: check the host, lock a fresh run directory, start dmx-medium, bring every device's namespace and
 * TAP up and attach the TAPs, fix the epoch of emulated time, let the devices exec qemu (workers first, master last),
 * then wait in one poll loop for signals, device exits, the scenario's events and joins, and its duration. Every
 * exit path goes through teardown(): devices SIGTERM then SIGKILL, medium quit, descriptors closed, socket and lock
 * removed.
 *
 * Churn: a worker SIGKILLed during the run (a kill event, or anyone's kill -9) has left, and the run goes on (the
 * guest runtime recovers its threads); any other death of a worker, or the master's, fails the run. A device with
 * join_at_s is prepared with the others but starts its qemu only when emulated time reaches it. */
#include "run.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "app_frames.h"
#include "app_edges.h"
#include "app_photos.h"
#include "cleanup.h"
#include "cpu_stats.h"
#include "device.h"
#include "events.h"
#include "exit_codes.h"
#include "guest_control.h"
#include "screen_stats.h"
#include "kernel_backend.h"
#include "link_check.h"
#include "medium_link.h"
#include "netns.h"
#include "output_relay.h"
#include "run_dir.h"
#include "run_dsm.h"
#include "status.h"
#include "timeline.h"
#include "timeline_fps.h"
#include "timeline_migrations.h"
#include "timeline_recoveries.h"
#include "traffic.h"

#define STOP_GRACE_MS 2000      /* SIGTERM to SIGKILL */
#define WORKER_GRACE_MS 5000    /* after the master's app exits, for the workers to finish on their own */
#define LOOP_TICK_MS 100

/* A worker that left during the run, for summary.json's devices_left. */
typedef struct {
  const char *name;      /* the scenario's */
  double at_s;           /* emulated time dmx saw it gone */
  char *how;             /* "killed by signal 9 (SIGKILL)" */
} DeviceLeft;

typedef struct {
  const DmxRunOptions *opt;
  const DmxScenario *sc;
  DmxRunDir *dir;
  DmxMedium *medium;
  DmxKernelNet *knet;    /* backend = kernel: the bridge and veths instead of the medium */
  GPtrArray *devices;    /* DmxDevice*, index order (master first) */
  GArray *handled;       /* gboolean per device: its exit was already acted on */
  GArray *left;          /* DeviceLeft, in order */
  DmxRelay *relay_out;   /* the master's stdout and stderr, relayed to dmx's */
  DmxRelay *relay_err;
  int sigfd;
  DmxStatus status;
  FILE *events;
  char *label;           /* "hello/local" */
  char *secret;
  gint64 epoch_ns;
  gint64 end_ns;         /* when the run stopped */
  gboolean finished;     /* the run loop is done */
  gboolean master_done;
  gint64 master_done_ns;
  int exit_code;
  char *failure;         /* why the run failed; NULL if it did not */
  int run_alive[2];      /* pipe: workers hold the read end; dmx closes the write end when the master is done */
  DmxTimeline timeline;  /* the scenario's [event]s */
  gboolean have_traffic; /* traffic.csv was written */
  DmxTraffic traffic;
  gboolean have_pcap;
  guint64 pcap_frames, pcap_bytes;
} Run;

static gint64 monotonic_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (gint64)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static double emulated_s(const Run *r) {
  if (!r->epoch_ns)
    return 0;
  gint64 end = r->end_ns ? r->end_ns : monotonic_ns();
  return (end - r->epoch_ns) / 1e9 / r->opt->tdf;
}

static void event(Run *r, const char *fmt, ...) G_GNUC_PRINTF(2, 3);
static void event(Run *r, const char *fmt, ...) {
  if (!r->events)
    return;
  va_list ap;
  va_start(ap, fmt);
  fprintf(r->events, "%10.3f ", emulated_s(r));
  vfprintf(r->events, fmt, ap);
  fputc('\n', r->events);
  fflush(r->events);
  va_end(ap);
}

/* Records the first failure only: later ones are consequences. */
static void fail(Run *r, int code, const char *fmt, ...) G_GNUC_PRINTF(3, 4);
static void fail(Run *r, int code, const char *fmt, ...) {
  r->finished = TRUE;
  if (r->failure)
    return;
  va_list ap;
  va_start(ap, fmt);
  r->failure = g_strdup_vprintf(fmt, ap);
  va_end(ap);
  r->exit_code = code;
  dmx_say(&r->status, "%s", r->failure);
  event(r, "failed: %s", r->failure);
}

/* ---- preflight ---- */

/* Every device's model must have power coefficients, each named in its source (power_coeffs.h): checked before
 * anything starts, not found out at the end of a long run. */
static int check_power_models(const DmxScenario *sc) {
  for (guint i = 0; i < sc->devices->len; i++) {
    const DmxDeviceSpec *d = sc->devices->pdata[i];
    DmxPowerCoeffs c;
    g_autoptr(GError) err = NULL;
    if (d->model && !dmx_power_coeffs_from_table(d->model->power, d->model->cores, d->model->source, &c, &err)) {
      g_printerr("dmx: device %s: model %s of devices.ini: %s\n", d->name, d->model->name, err->message);
      return DMX_EXIT_SCENARIO;
    }
  }
  return DMX_EXIT_OK;
}

static int preflight(const DmxRunOptions *opt) {
  g_autoptr(GError) err = NULL;
  if (!g_file_test(opt->paths->qemu, G_FILE_TEST_IS_EXECUTABLE)) {
    g_printerr("dmx: qemu-aarch64 not found at %s: run ./configure in %s (it fetches, patches and builds QEMU; "
               "`dmx doctor` checks the rest)\n", opt->paths->qemu, opt->paths->top);
    return DMX_EXIT_HOST;
  }
  if (!dmx_check_guest_binary(opt->scenario->app, &err)) {
    g_printerr("dmx: %s\n", err->message);
    return DMX_EXIT_HOST;
  }
  if (!opt->no_medium && !g_file_test(opt->paths->medium, G_FILE_TEST_IS_EXECUTABLE)) {
    g_printerr("dmx: %s not found: build the link emulator (netem/) with `make`, or pass --no-medium to run the "
               "devices without a network\n", opt->paths->medium);
    return DMX_EXIT_HOST;
  }
  if (!g_file_test("/dev/net/tun", G_FILE_TEST_EXISTS)) {
    g_printerr("dmx: /dev/net/tun is missing: modprobe tun (or, in a container, pass --device /dev/net/tun)\n");
    return DMX_EXIT_HOST;
  }
  return check_power_models(opt->scenario);
}

static char *random_secret(void) {
  guint8 b[16];
  if (getrandom(b, sizeof b, 0) != sizeof b)
    for (guint i = 0; i < sizeof b; i++)
      b[i] = g_random_int_range(0, 256);
  GString *s = g_string_new(NULL);
  for (guint i = 0; i < sizeof b; i++)
    g_string_append_printf(s, "%02x", b[i]);
  return g_string_free(s, FALSE);
}

/* ---- the network: setup commands, events, traffic matrix ---- */

static char *medium_send(void *ud, const char *command, GError **error) {
  Run *r = ud;
  if (dmx_guest_command_is_ours(command))
    return dmx_guest_command(r->sc, r->opt->policy, r->dir->path, r->secret, command, error);
  if (!r->medium) {
    g_set_error(error, G_FILE_ERROR, G_FILE_ERROR_FAILED, "no dmx-medium in this run (--no-medium)");
    return NULL;
  }
  return dmx_medium_command(r->medium, command, error);
}

static DmxDevice *find_device(Run *r, const char *name) {
  for (guint i = 0; i < r->devices->len; i++) {
    DmxDevice *dev = r->devices->pdata[i];
    if (strcmp(dev->name, name) == 0)
      return dev;
  }
  return NULL;
}

/* A kill event: dmx kills the device's qemu itself; device_exited() then sees a worker that left. */
static char *kill_device(void *ud, const char *name, GError **error) {
  Run *r = ud;
  DmxDevice *dev = find_device(r, name);
  if (!dev) {
    g_set_error(error, G_FILE_ERROR, G_FILE_ERROR_NOENT, "no device %s in this run", name);
    return NULL;
  }
  if (!dmx_device_kill(dev, error))
    return NULL;
  return g_strdup_printf("pid %d", (int)dev->pid);
}

static void medium_log(void *ud, const char *line) { event(ud, "%s", line); }

static gboolean network_setup(Run *r, GError **error) {
  dmx_timeline_init(&r->timeline, r->sc->events);
  if (!r->medium)
    return TRUE;
  return dmx_send_commands(r->sc->link_setup, "link setup", medium_send, medium_log, r, error);
}

static void network_events(Run *r) {
  DmxEventHandlers h = {.send = medium_send, .kill = kill_device, .log = medium_log, .ud = r};
  if (r->epoch_ns && !r->finished)
    dmx_timeline_run_due(&r->timeline, emulated_s(r), &h);
}

/* Before the medium quits: its live counters, in case it cannot write its final ones. */
static char *network_live_stats(Run *r) {
  return dmx_medium_alive(r->medium) ? dmx_medium_command(r->medium, "stats", NULL) : NULL;
}

/* After it quit: its final counters (RUN/medium-stats.json, written after the last frame, as the pcap) into
 * traffic.csv, and medium.pcap's own count to cross-check them. */
static void network_collect(Run *r, const char *live_stats) {
  g_autoptr(GError) err = NULL;
  g_autofree char *final_path = g_build_filename(r->dir->path, "medium-stats.json", NULL);
  g_autofree char *final = NULL;
  g_file_get_contents(final_path, &final, NULL, NULL);
  const char *stats = final ? final : live_stats;
  g_autofree char *csv = g_build_filename(r->dir->path, "traffic.csv", NULL);
  if (stats && dmx_traffic_write_csv(stats, csv, &r->traffic, &err))
    r->have_traffic = TRUE;
  else
    event(r, "traffic matrix: %s", err ? err->message : "the medium left no counters");
  if (!final && r->have_traffic)
    event(r, "traffic matrix: from the medium's live counters (no %s): frames delivered after them are missing",
          final_path);
  g_clear_error(&err);
  g_autofree char *pcap = g_build_filename(r->dir->path, "medium.pcap", NULL);
  r->have_pcap = dmx_pcap_count(pcap, &r->pcap_frames, &r->pcap_bytes, &err);
  if (r->have_traffic && r->have_pcap)
    event(r, "traffic: %" G_GUINT64_FORMAT " bytes in %" G_GUINT64_FORMAT " frames over %u links; medium.pcap %"
          G_GUINT64_FORMAT " bytes in %" G_GUINT64_FORMAT " frames (difference %" G_GINT64_FORMAT " bytes)",
          r->traffic.sent_bytes, r->traffic.sent_frames, r->traffic.links, r->pcap_bytes, r->pcap_frames,
          (gint64)r->traffic.sent_bytes - (gint64)r->pcap_bytes);
}

/* ---- device launch ---- */

static char *devices_list(const DmxScenario *sc) {
  GString *s = g_string_new(NULL);
  for (guint i = 0; i < sc->devices->len; i++) {
    const DmxDeviceSpec *d = sc->devices->pdata[i];
    g_autofree char *ip = dmx_device_ip(d->index);
    g_string_append_printf(s, "%s%s=%s", i ? "," : "", d->name, ip);
  }
  return g_string_free(s, FALSE);
}

/* Each resource the device serves, in the variables testbed/resources reads (screen.c, speaker.c, camera.c,
 * storage.c). DMX_RESOURCES carries the same in one list for the guest stack. */
static char **resource_env(char **env, const DmxDeviceSpec *d) {
  for (guint i = 0; i < d->resources->len; i++) {
    g_auto(GStrv) kv = g_strsplit(d->resources->pdata[i], "=", 2);
    if (!kv[0] || !kv[1])
      continue;
    if (strcmp(kv[0], "screen") == 0) {
      env = g_environ_setenv(env, "DMX_SCREEN_SIZE", kv[1], TRUE);
    } else if (strcmp(kv[0], "speaker") == 0) {
      env = g_environ_setenv(env, "DMX_AUDIO_RATE", kv[1], TRUE);
    } else if (strcmp(kv[0], "storage") == 0) {
      env = g_environ_setenv(env, "DMX_STORAGE_DIR", kv[1], TRUE);
    } else if (strcmp(kv[0], "camera") == 0) {
      g_auto(GStrv) size_fps = g_strsplit(kv[1], "@", 2);
      env = g_environ_setenv(env, "DMX_CAMERA_SIZE", size_fps[0], TRUE);
      if (size_fps[1])
        env = g_environ_setenv(env, "DMX_CAMERA_FPS", size_fps[1], TRUE);
    }
  }
  return env;
}

static char **device_env(Run *r, const DmxDeviceSpec *d, const char *devices) {
  char **env = g_get_environ();
  char num[64];
  env = g_environ_setenv(env, "DMX_DEVICE_NAME", d->name, TRUE);
  g_snprintf(num, sizeof num, "%d", d->index);
  env = g_environ_setenv(env, "DMX_DEVICE_INDEX", num, TRUE);
  env = g_environ_setenv(env, "DMX_DEVICES", devices, TRUE);
  env = g_environ_setenv(env, "DMX_SECRET", r->secret, TRUE);
  env = g_environ_setenv(env, "DMX_RUN_DIR", r->dir->path, TRUE);
  env = g_environ_setenv(env, "DMX_ROLE", d->master ? "master" : "worker", TRUE);
  if (!d->master) {
    g_snprintf(num, sizeof num, "%d", r->run_alive[0]);
    env = g_environ_setenv(env, "DMX_RUN_ALIVE_FD", num, TRUE);
  }
  env = g_environ_setenv(env, "DMX_POLICY", r->opt->policy, TRUE);
  if (r->sc->bind)
    env = g_environ_setenv(env, "DMX_BIND", r->sc->bind, TRUE); /* testbed/runtime/worker_role.c */
  if (r->sc->place)
    env = g_environ_setenv(env, "DMX_PLACE", r->sc->place, TRUE); /* testbed/runtime/pthread_spawn.c */
  if (r->sc->checkpoints)
    env = g_environ_setenv(env, "DMX_CHECKPOINT", r->sc->checkpoints, TRUE); /* thread_recovery.h */
  if (r->sc->checkpoint_refresh_kb)
    env = g_environ_setenv(env, "DMX_CHECKPOINT_REFRESH_KB", r->sc->checkpoint_refresh_kb, TRUE);
  if (r->sc->no_prefetch)
    env = g_environ_setenv(env, "DMX_PREFETCH", "0", TRUE); /* runtime/dsm_region.h */
  env = g_environ_setenv(env, "DMX_SCENARIO", r->sc->name, TRUE);
  env = g_environ_setenv(env, "DMX_DEVICE_MODEL", d->model ? d->model->name : "", TRUE);
  g_snprintf(num, sizeof num, "%" G_GUINT64_FORMAT, r->opt->seed);
  env = g_environ_setenv(env, "DMX_SEED", num, TRUE);
  g_autofree char *res = dmx_device_spec_resources(d, ";");
  env = g_environ_setenv(env, "DMX_RESOURCES", res, TRUE);
  if (r->opt->snapshot_every > 0) {
    g_snprintf(num, sizeof num, "%d", r->opt->snapshot_every);
    env = g_environ_setenv(env, "DMX_SNAPSHOT_EVERY", num, TRUE);
  }
  if (r->opt->migrate_random_ms > 0) {
    g_snprintf(num, sizeof num, "%d", r->opt->migrate_random_ms);
    env = g_environ_setenv(env, "DMX_MIGRATE_RANDOM_MS", num, TRUE);
  }
  env = resource_env(env, d);
  g_ascii_dtostr(num, sizeof num, r->opt->tdf);
  env = g_environ_setenv(env, "QEMU_TDF", num, TRUE);
  env = g_environ_unsetenv(env, "QEMU_TDF_EPOCH_NS"); /* set by the child at start */
  if (r->sc->uplink)
    env = g_environ_setenv(env, "DMX_UPLINK", "10.77.0.254", TRUE);
  return env;
}

static char **qemu_argv(Run *r, const DmxDeviceSpec *d, const char *dev_dir) {
  GPtrArray *a = g_ptr_array_new();
  const DmxPaths *p = r->opt->paths;
  g_ptr_array_add(a, g_strdup(p->qemu));
  if (g_file_test(p->plugin, G_FILE_TEST_EXISTS) && d->model) {
    g_autofree char *out = g_build_filename(dev_dir, "cpu.stats", NULL);
    char tdf[32];
    g_ascii_dtostr(tdf, sizeof tdf, r->opt->tdf);
    g_ptr_array_add(a, g_strdup("-plugin"));
    g_ptr_array_add(a, g_strdup_printf("%s,ips=%.0f,cores=%d,tdf=%s,out=%s", p->plugin, d->model->ips,
                                       d->model->cores, tdf, out));
  }
  if (p->qemu_ld_prefix) {
    g_ptr_array_add(a, g_strdup("-L"));
    g_ptr_array_add(a, g_strdup(p->qemu_ld_prefix));
  }
  g_ptr_array_add(a, g_strdup(r->sc->app));
  for (int i = 0; r->sc->args[i]; i++)
    g_ptr_array_add(a, g_strdup(r->sc->args[i]));
  g_ptr_array_add(a, NULL);
  return (char **)g_ptr_array_free(a, FALSE);
}

static gboolean prepare_device(Run *r, const DmxDeviceSpec *d, const char *devices, GError **error) {
  g_autofree char *dev_dir = dmx_run_dir_device(r->dir, d->name, error);
  if (!dev_dir)
    return FALSE;
  g_autofree char *out = g_build_filename(dev_dir, "stdout.log", NULL);
  g_autofree char *err = g_build_filename(dev_dir, "stderr.log", NULL);
  g_auto(GStrv) argv = qemu_argv(r, d, dev_dir);
  g_auto(GStrv) envp = device_env(r, d, devices);
  /* The master's output is the run's output (relayed, and logged); the workers' goes to their logs. */
  DmxDeviceLaunch launch = {
      .name = d->name, .index = d->index, .argv = argv, .envp = envp, .stdout_fd = -1, .stderr_fd = -1,
      .stdout_path = out, .stderr_path = err, .null_stdin = !d->master,
      .run_alive_fd = d->master ? -1 : r->run_alive[0],
  };
  if (d->master) {
    r->relay_out = dmx_relay_new(STDOUT_FILENO, out, &launch.stdout_fd, error);
    r->relay_err = r->relay_out ? dmx_relay_new(STDERR_FILENO, err, &launch.stderr_fd, error) : NULL;
    if (!r->relay_err)
      return FALSE;
  }
  g_autofree char *cmd = g_strjoinv(" ", argv);
  event(r, "device %s: %s", d->name, cmd);
  DmxDevice *dev = dmx_device_prepare(&launch, error);
  if (launch.stdout_fd >= 0)
    close(launch.stdout_fd); /* only the device writes into the relays */
  if (launch.stderr_fd >= 0)
    close(launch.stderr_fd);
  if (!dev)
    return FALSE;
  g_ptr_array_add(r->devices, dev);
  gboolean no = FALSE;
  g_array_append_val(r->handled, no);
  event(r, "device %s: pid %d, netns inode %" G_GUINT64_FORMAT ", TAP dmx0 10.77.0.%d", d->name, (int)dev->pid,
        dev->netns_inode, d->index);
  if (r->medium) {
    if (!dmx_medium_attach(r->medium, d->name, dev->tap_fd, error))
      return FALSE;
    close(dev->tap_fd); /* the medium holds it now */
    dev->tap_fd = -1;
  }
  if (r->knet) {
    close(dev->tap_fd); /* the TAP goes; a veth named dmx0 takes its place */
    dev->tap_fd = -1;
    return dmx_kernel_net_attach(r->knet, d->name, d->index, dev->pid, error);
  }
  return TRUE;
}

/* ---- devices joining mid-run ---- */

static const DmxDeviceSpec *spec_of(const Run *r, guint i) { return r->sc->devices->pdata[i]; }

static gboolean joins_later(const Run *r, guint i) { return spec_of(r, i)->join_at_s > 0; }

/* Still waiting to join: prepared, not started, and its waiting child not gone. */
static gboolean waiting_to_join(const Run *r, guint i) {
  const DmxDevice *dev = r->devices->pdata[i];
  return !dev->started && dmx_device_alive(dev);
}

/* Starts each device whose join_at_s has come, on the run's epoch like the others. None joins once the master's
 * app has finished: the run is winding down, and the run-alive pipe would send it away at once. */
static void join_due(Run *r) {
  if (!r->epoch_ns || r->finished || r->master_done)
    return;
  double now = emulated_s(r);
  for (guint i = 1; i < r->devices->len; i++) {
    if (!waiting_to_join(r, i) || spec_of(r, i)->join_at_s > now)
      continue;
    DmxDevice *dev = r->devices->pdata[i];
    g_autoptr(GError) err = NULL;
    if (!dmx_device_start(dev, r->epoch_ns, &err)) {
      fail(r, DMX_EXIT_HOST, "%s", err->message);
      return;
    }
    event(r, "device %s joined at %g s (pid %d)", dev->name, spec_of(r, i)->join_at_s, (int)dev->pid);
  }
}

/* Host milliseconds until the next join is due, at most CAP_MS. */
static int join_wait_ms(const Run *r, int cap_ms) {
  int ms = cap_ms;
  double now = emulated_s(r);
  for (guint i = 1; i < r->devices->len; i++) {
    if (!waiting_to_join(r, i))
      continue;
    double wait = (spec_of(r, i)->join_at_s - now) * r->opt->tdf * 1000;
    ms = MIN(ms, wait <= 0 ? 0 : (int)ceil(MIN(wait, (double)cap_ms)));
  }
  return ms;
}

/* At the end: a device still waiting never ran. Not a failure: the scenario said when it joins, the run ended
 * first. */
static void log_never_joined(Run *r) {
  for (guint i = 1; i < r->devices->len; i++)
    if (waiting_to_join(r, i))
      event(r, "device %s never joined (join_at_s %g s): %s", spec_of(r, i)->name, spec_of(r, i)->join_at_s,
            r->master_done ? "the master's app finished first" : "the run ended first");
}

static gboolean use_kernel_backend(const Run *r) {
  return !r->opt->no_medium && strcmp(r->sc->link_backend, "kernel") == 0;
}

static int bring_up(Run *r) {
  g_autoptr(GError) err = NULL;
  if (use_kernel_backend(r)) {
    r->knet = dmx_kernel_net_new(medium_log, r, &err);
    if (!r->knet) {
      fail(r, DMX_EXIT_HOST, "%s", err->message);
      return r->exit_code;
    }
  } else if (!r->opt->no_medium) {
    DmxMediumOptions mo = {.binary = r->opt->paths->medium, .run_dir = r->dir->path,
                           .link_spec = r->sc->link_spec, .mode = r->sc->link_mode,
                           .tdf = r->opt->tdf, .seed = r->opt->seed, .uplink = r->sc->uplink};
    r->medium = dmx_medium_start(&mo, &err);
    if (!r->medium) {
      fail(r, DMX_EXIT_HOST, "%s", err->message);
      return r->exit_code;
    }
    event(r, "medium: pid %d, default link '%s', mode %s", (int)dmx_medium_pid(r->medium), r->sc->link_spec,
          r->sc->link_mode);
  }
  g_autofree char *devices = devices_list(r->sc);
  for (guint i = 0; i < r->sc->devices->len; i++)
    if (!prepare_device(r, r->sc->devices->pdata[i], devices, &err)) {
      fail(r, DMX_EXIT_SYSTEM, "%s", err->message);
      return r->exit_code;
    }
  if (r->knet && !dmx_kernel_net_shape(r->knet, r->sc, r->opt->tdf, &err)) {
    fail(r, DMX_EXIT_HOST, "%s", err->message);
    return r->exit_code;
  }
  if (!network_setup(r, &err)) {
    fail(r, DMX_EXIT_RUN_FAILED, "%s", err->message);
    return r->exit_code;
  }
  r->epoch_ns = monotonic_ns();
  /* Workers first, so that the master's app finds its peers' servers soon after it starts. */
  guint started = 0;
  for (guint n = 0; n < r->devices->len; n++) {
    guint i = (n + 1) % r->devices->len;
    if (joins_later(r, i))
      continue;
    if (!dmx_device_start(r->devices->pdata[i], r->epoch_ns, &err)) {
      fail(r, DMX_EXIT_HOST, "%s", err->message);
      return r->exit_code;
    }
    started++;
  }
  event(r, "started %u devices (%u join later), epoch %" G_GINT64_FORMAT " ns, tdf %g", started,
        r->devices->len - started, r->epoch_ns, r->opt->tdf);
  return DMX_EXIT_OK;
}

/* ---- the run loop ---- */

static gboolean is_interrupt(int sig) { return sig == SIGINT || sig == SIGTERM || sig == SIGHUP; }

static void close_run_alive(Run *r) {
  for (int i = 0; i < 2; i++)
    if (r->run_alive[i] >= 0) {
      close(r->run_alive[i]);
      r->run_alive[i] = -1;
    }
}

/* A worker SIGKILLed during the run left it: whoever killed it (a kill event, a user, a test, the OOM killer)
 * meant it to vanish, and the guest runtime recovers the threads it ran. */
static void device_left(Run *r, guint i, const char *how) {
  if (g_str_has_prefix(how, "was "))
    how += strlen("was ");
  DeviceLeft left = {.name = spec_of(r, i)->name, .at_s = emulated_s(r), .how = g_strdup(how)};
  g_array_append_val(r->left, left);
  event(r, "device %s left: %s; the run goes on without it", left.name, how);
  dmx_say(&r->status, "device %s left: %s; the run goes on without it", left.name, how);
}

static void device_exited(Run *r, guint i) {
  DmxDevice *dev = r->devices->pdata[i];
  g_autofree char *how = dmx_device_describe_exit(dev);
  event(r, "device %s (pid %d) %s", dev->name, (int)dev->pid, how);
  if (dev->stopping)
    return;
  int st = dev->wait_status;
  gboolean master = i == 0;
  if (WIFSIGNALED(st) && is_interrupt(WTERMSIG(st))) {
    /* Ctrl-C reaches the whole foreground process group, devices included. */
    fail(r, DMX_EXIT_SIGNAL_BASE + WTERMSIG(st), "device %s was interrupted (SIG%s); stopping the run", dev->name,
         sigabbrev_np(WTERMSIG(st)));
    return;
  }
  if (master && WIFEXITED(st)) {
    close_run_alive(r); /* dmx-cc apps on the workers now leave on their own */
    r->master_done = TRUE;
    r->master_done_ns = monotonic_ns();
    r->exit_code = WEXITSTATUS(st);
    return;
  }
  if (!master && WIFEXITED(st) && WEXITSTATUS(st) == 0)
    return; /* a worker that finished its part */
  if (!master && WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL) {
    device_left(r, i, how);
    return;
  }
  if (!master && WIFEXITED(st) && WEXITSTATUS(st) == DMX_EXIT_LOST_MASTER) {
    device_left(r, i, "lost its link to the master (the master dropped it: cut or silent)");
    return;
  }
  fail(r, DMX_EXIT_RUN_FAILED, "device %s (pid %d, %s) %s; stopping the run (its logs: %s/devices/%s/)", dev->name,
       (int)dev->pid, master ? "master" : "worker", how, r->dir->path, dev->name);
}

static void check_children(Run *r) {
  dmx_reap_children(r->devices, r->medium);
  for (guint i = 0; i < r->devices->len; i++) {
    DmxDevice *dev = r->devices->pdata[i];
    gboolean *handled = &g_array_index(r->handled, gboolean, i);
    if (dev->state == DEVICE_EXITED && !*handled) {
      *handled = TRUE;
      device_exited(r, i);
    }
  }
  if (r->medium && !dmx_medium_alive(r->medium)) {
    g_autofree char *how = dmx_describe_wait_status(dmx_medium_wait_status(r->medium));
    fail(r, DMX_EXIT_RUN_FAILED, "dmx-medium %s during the run (see %s)", how, dmx_medium_log_path(r->medium));
  }
}

static void read_signals(Run *r) {
  struct signalfd_siginfo si;
  gboolean child = FALSE;
  int interrupt = 0;
  while (read(r->sigfd, &si, sizeof si) == sizeof si) {
    if (si.ssi_signo == SIGCHLD)
      child = TRUE;
    else if (!interrupt)
      interrupt = si.ssi_signo;
  }
  /* An interrupt wins over the device deaths it caused. */
  if (interrupt)
    fail(r, DMX_EXIT_SIGNAL_BASE + interrupt, "interrupted by SIG%s; stopping %u devices", sigabbrev_np(interrupt),
         r->devices->len);
  if (child)
    check_children(r);
}

/* Devices running their app: one still waiting to join is not up yet. */
static int devices_up(const Run *r) {
  int n = 0;
  for (guint i = 0; i < r->devices->len; i++) {
    const DmxDevice *dev = r->devices->pdata[i];
    n += dev->started && dmx_device_alive(dev);
  }
  return n;
}

static void check_timers(Run *r) {
  if (r->sc->duration_s > 0 && emulated_s(r) >= r->sc->duration_s) {
    event(r, "scenario duration %g s reached", r->sc->duration_s);
    r->finished = TRUE;
  }
  if (r->master_done && (devices_up(r) == 0 || monotonic_ns() - r->master_done_ns > WORKER_GRACE_MS * 1000000LL))
    r->finished = TRUE;
}

static void pump_relays(Run *r) {
  if (r->relay_out)
    dmx_relay_pump(r->relay_out, &r->status);
  if (r->relay_err)
    dmx_relay_pump(r->relay_err, &r->status);
}

static void run_loop(Run *r) {
  while (!r->finished) {
    struct pollfd p[3] = {{.fd = r->sigfd, .events = POLLIN},
                          {.fd = r->relay_out ? r->relay_out->pipe_fd : -1, .events = POLLIN},
                          {.fd = r->relay_err ? r->relay_err->pipe_fd : -1, .events = POLLIN}};
    int wait_ms = dmx_timeline_wait_ms(&r->timeline, emulated_s(r), r->opt->tdf, join_wait_ms(r, LOOP_TICK_MS));
    int n = poll(p, 3, wait_ms);
    join_due(r); /* before the events: a kill due at the same time as a join finds the device started */
    network_events(r);
    pump_relays(r);
    if (n > 0 && (p[0].revents & POLLIN))
      read_signals(r);
    else
      check_children(r); /* belt and braces: a SIGCHLD is never lost, but a poll error must not stall us */
    check_timers(r);
    dmx_status_update(&r->status, r->label, emulated_s(r), r->opt->tdf, devices_up(r), (int)r->sc->devices->len);
  }
  r->end_ns = monotonic_ns();
}

/* ---- teardown and results ---- */

static void teardown(Run *r) {
  dmx_status_clear(&r->status);
  log_never_joined(r);
  if (r->devices->len) {
    dmx_stop_devices(r->devices, r->medium, STOP_GRACE_MS);
    check_children(r); /* act on exits that happened during the stop */
  }
  if (r->relay_out)
    dmx_relay_drain(r->relay_out, NULL, 1000);
  if (r->relay_err)
    dmx_relay_drain(r->relay_err, NULL, 1000);
  if (r->medium) {
    g_autofree char *live_stats = network_live_stats(r);
    dmx_medium_stop(r->medium);
    event(r, "medium stopped");
    network_collect(r, live_stats);
  }
  if (r->knet) {
    dmx_kernel_net_free(r->knet);
    r->knet = NULL;
    event(r, "kernel backend: holder namespace removed");
  }
  g_ptr_array_set_size(r->devices, 0); /* closes every control socket and TAP still open */
}

static void json_string(GString *s, const char *v) {
  g_string_append_c(s, '"');
  for (const char *p = v ? v : ""; *p; p++) {
    if (*p == '"' || *p == '\\')
      g_string_append_printf(s, "\\%c", *p);
    else if ((unsigned char)*p < 0x20)
      g_string_append_printf(s, "\\u%04x", *p);
    else
      g_string_append_c(s, *p);
  }
  g_string_append_c(s, '"');
}

/* The honesty check: a run whose host could not keep up with a device model is kept, but marked invalid. */
static char *host_lag_verdict(Run *r, GString *cpu_json) {
  char *why = NULL;
  for (guint i = 0; i < r->sc->devices->len; i++) {
    const DmxDeviceSpec *d = r->sc->devices->pdata[i];
    g_autofree char *path = g_build_filename(r->dir->path, "devices", d->name, "cpu.stats", NULL);
    DmxCpuStats st;
    if (!dmx_cpu_stats_read(path, &st, NULL))
      continue;
    g_string_append(cpu_json, cpu_json->len ? ",\n    " : "\n    ");
    json_string(cpu_json, d->name);
    g_string_append_printf(cpu_json,
                           ": {\"insns\": %" G_GUINT64_FORMAT ", \"busy_s\": %.6f, \"run_s\": %.6f, \"lag_s\": %.6f, "
                           "\"lag_fraction\": %.4f, \"threads\": %d}",
                           st.insns, st.busy_s, st.run_s, st.lag_s, dmx_cpu_stats_lag_fraction(&st), st.threads);
    if (!why && dmx_cpu_stats_host_lagged(&st))
      why = g_strdup_printf("the host fell behind device %s's CPU model for %.0f%% of the CPU time it wanted "
                            "(%.2f s); rerun with a higher --tdf",
                            d->name, 100 * dmx_cpu_stats_lag_fraction(&st), st.lag_s);
  }
  return why;
}

/* Every screen that presented frames: JSON for summary.json and a line for the user. */
static void screens_report(Run *r, GString *json, GString *line) {
  for (guint i = 0; i < r->sc->devices->len; i++) {
    const DmxDeviceSpec *d = r->sc->devices->pdata[i];
    g_autofree char *csv = g_build_filename(r->dir->path, "devices", d->name, "screen-frames.csv", NULL);
    DmxScreenStats st;
    g_autoptr(GError) err = NULL;
    if (!dmx_screen_stats_read(csv, r->epoch_ns, &st, &err)) {
      if (err && !g_error_matches(err, G_FILE_ERROR, G_FILE_ERROR_NOENT))
        g_printerr("dmx: warning: %s\n", err->message);
      continue;
    }
    g_string_append(json, json->len ? ",\n    " : "\n    ");
    json_string(json, d->name);
    g_string_append_printf(json, ": {\"frames\": %u, \"fps\": %.3f, \"first_s\": %.3f, \"last_s\": %.3f}", st.frames,
                           st.fps, st.first_s, st.last_s);
    g_string_append_printf(line, "; %s screen %u frames, %.2f FPS (%.1f-%.1f s)", d->name, st.frames, st.fps,
                           st.first_s, st.last_s);
  }
}

/* The devices' names in index order (master first), NULL-terminated; the strings are the scenario's. */
static const char **device_names(const Run *r) {
  guint nd = r->sc->devices->len;
  const char **names = g_new0(const char *, nd + 1);
  for (guint i = 0; i < nd; i++)
    names[i] = ((const DmxDeviceSpec *)r->sc->devices->pdata[i])->name;
  return names;
}

/* The apps' own measurements (app_frames.h, app_photos.h, app_edges.h): frames.csv, and summary.json members. */
static char *app_metrics(Run *r, DmxAppFrames *frames) {
  g_autofree const char **names = device_names(r);
  g_autoptr(GError) err = NULL;
  if (!dmx_app_frames_collect(r->dir->path, names, r->epoch_ns, frames, &err))
    g_printerr("dmx: warning: frames.csv: %s\n", err->message);
  g_autoptr(GHashTable) index = g_hash_table_new(g_str_hash, g_str_equal);
  for (guint i = 0; i < r->sc->devices->len; i++) {
    const DmxDeviceSpec *d = r->sc->devices->pdata[i];
    g_hash_table_insert(index, d->name, GINT_TO_POINTER(d->index));
  }
  g_autofree char *out = g_build_filename(r->dir->path, "devices", names[0], "stdout.log", NULL);
  DmxAppPhotos photos;
  dmx_app_photos_read(out, index, names[0], &photos);
  DmxAppEdges edges;
  dmx_app_edges_read(out, &edges);
  g_autofree char *source = g_strdup_printf("devices/%s/stdout.log", names[0]);
  g_autofree char *fj = dmx_app_frames_json(frames);
  g_autofree char *pj = dmx_app_photos_json(&photos);
  g_autofree char *ej = dmx_app_edges_json(&edges, source);
  return g_strconcat(fj, pj, ej, NULL);
}

/* summary.json's fps block. The target is the scenario's (timeline_fps.h) or else the movie's own frame rate
 * from the player's presentation timestamps. */
static void fps_json(GString *s, const DmxTimelineResult *tl, const DmxTimelineDevice *devs,
                     const DmxAppFrames *frames, double fps_from_s) {
  g_string_append(s, "  \"fps\": {\"screen\": ");
  json_string(s, tl->fps_device >= 0 ? devs[tl->fps_device].name : NULL);
  if (tl->fps_device >= 0)
    g_string_append_printf(s, ", \"mean\": %.3f, \"p5\": %.3f, \"seconds\": %u, \"from_s\": %g", tl->fps_mean,
                           tl->fps_p5, tl->fps_seconds, fps_from_s);
  else
    g_string_append(s, ", \"mean\": null, \"p5\": null, \"seconds\": 0");
  if (tl->fps_target >= 0)
    g_string_append_printf(s, ", \"target\": %g},\n", tl->fps_target);
  else if (frames->media_fps > 0)
    g_string_append_printf(s, ", \"target\": %.3f, \"target_source\": \"the movie's frame rate (devices/%s/"
                           "home-theater-frames.csv pts)\"},\n", frames->media_fps, frames->device);
  else
    g_string_append(s, ", \"target\": null},\n");
}

/* One device's modelled power, the members appended to its devices.NAME entry (DESIGN.md §8). */
static char *device_power_json(const DmxPowerResult *p) {
  return g_strdup_printf(", \"power_mw\": %.1f, \"energy_j\": %.3f, \"energy_parts_j\": {\"cpu\": %.3f, "
                         "\"wifi\": %.3f, \"screen\": %.3f, \"audio\": %.3f}, \"busy_cores\": %.4f",
                         p->power_mw, p->energy_j, p->e_cpu_j, p->e_wifi_j, p->e_screen_j, p->e_audio_j,
                         p->busy_cores);
}

static void migrations_json(GString *s, Run *r) {
  g_string_append(s, "  \"migrations\": [");
  g_autoptr(GArray) mig = dmx_migrations_read(r->dir->path, r->epoch_ns);
  /* t_detect_s / t_decide_s: when a policy's monitor saw the contention and chose the move (migrations.csv);
   * null for forced and programmatic migrations, which have neither. */
  for (guint i = 0; i < mig->len; i++) {
    const DmxMigration *m = &g_array_index(mig, DmxMigration, i);
    g_autofree char *detect = m->t_detect_s >= 0 ? g_strdup_printf("%.3f", m->t_detect_s) : g_strdup("null");
    g_autofree char *decide = m->t_decide_s >= 0 ? g_strdup_printf("%.3f", m->t_decide_s) : g_strdup("null");
    g_string_append_printf(s, "%s\n    {\"threads\": [%u], \"from\": %u, \"to\": %u, \"t_detect_s\": %s, "
                           "\"t_decide_s\": %s, \"t_request_s\": %.3f, \"t_done_s\": %.3f, \"downtime_ms\": %.3f, "
                           "\"bytes_moved\": %" G_GUINT64_FORMAT "}", i ? "," : "", m->thread, m->from, m->to, detect,
                           decide, m->t_request_s, m->t_done_s, m->downtime_ms, m->bytes_moved);
  }
  g_string_append(s, mig->len ? "\n  ],\n" : "],\n");
}

/* The threads recovered after a device was lost (timeline_recoveries.h), with the lost device's name. */
static void recoveries_json(GString *s, Run *r) {
  g_string_append(s, "  \"recoveries\": [");
  g_autoptr(GArray) rec = dmx_recoveries_read(r->dir->path, r->epoch_ns);
  for (guint i = 0; i < rec->len; i++) {
    const DmxRecovery *x = &g_array_index(rec, DmxRecovery, i);
    const char *lost = "?";
    for (guint d = 0; d < r->sc->devices->len; d++)
      if (((DmxDeviceSpec *)r->sc->devices->pdata[d])->index == (int)x->lost_device)
        lost = ((DmxDeviceSpec *)r->sc->devices->pdata[d])->name;
    g_string_append_printf(s, "%s\n    {\"thread\": %u, \"lost_device\": ", i ? "," : "", x->thread);
    json_string(s, lost);
    g_string_append_printf(s, ", \"action\": \"%s\", \"t_lost_s\": %.3f, \"t_resumed_s\": %.3f, "
                           "\"recovery_ms\": %.3f, \"bytes_fetched\": %" G_GUINT64_FORMAT "}",
                           x->resumed ? "resume" : "restart", x->t_lost_s, x->t_resumed_s, x->recovery_ms,
                           x->bytes_fetched);
  }
  g_string_append(s, rec->len ? "\n  ],\n" : "],\n");
}

/* The power model, timeline.csv (timeline.h) and the apps' metrics: JSON members for summary.json, "" when the
 * run never started. Each device's power goes to DEVICE_POWER[i] (NULL if none), for its devices.NAME entry. */
static char *power_and_timeline(Run *r, char **device_power) {
  guint nd = r->sc->devices->len;
  if (!r->epoch_ns)
    return g_strdup("");
  struct timespec rt, mt;
  clock_gettime(CLOCK_REALTIME, &rt);
  clock_gettime(CLOCK_MONOTONIC, &mt);
  gint64 wall_epoch = r->epoch_ns + ((gint64)rt.tv_sec - mt.tv_sec) * 1000000000 + (rt.tv_nsec - mt.tv_nsec);
  g_autofree DmxTimelineDevice *devs = g_new0(DmxTimelineDevice, nd);
  for (guint i = 0; i < nd; i++) {
    const DmxDeviceSpec *d = r->sc->devices->pdata[i];
    devs[i].name = d->name;
    devs[i].index = d->index;
    g_autoptr(GError) cerr = NULL;
    devs[i].has_coeffs = d->model && dmx_power_coeffs_from_table(d->model->power, d->model->cores,
                                                                  d->model->source, &devs[i].coeffs, &cerr);
    if (cerr)
      g_printerr("dmx: warning: device %s: %s\n", d->name, cerr->message);
  }
  DmxTimelineInput in = {.run_dir = r->dir->path, .scenario = r->sc->name, .epoch_ns = r->epoch_ns,
                         .wall_epoch_ns = wall_epoch, .tdf = r->opt->tdf, .duration_s = emulated_s(r),
                         .fps_from_s = r->sc->fps_from_s, .devices = devs, .n_devices = nd};
  DmxTimelineResult tl;
  g_autoptr(GError) err = NULL;
  if (!dmx_timeline_build(&in, &tl, &err))
    g_printerr("dmx: warning: timeline.csv: %s\n", err->message);
  DmxAppFrames frames;
  g_autofree char *apps = app_metrics(r, &frames);
  GString *s = g_string_new(NULL);
  g_string_append_printf(s, "  \"epoch_ns\": %" G_GINT64_FORMAT ",\n  \"wall_epoch_ns\": %" G_GINT64_FORMAT ",\n",
                         r->epoch_ns, wall_epoch);
  fps_json(s, &tl, devs, &frames, r->sc->fps_from_s);
  g_string_append(s, apps);
  g_string_append_printf(s, "  \"power_total_mw\": %.1f,\n  \"power_model\": ", tl.power_total_mw);
  json_string(s, DMX_POWER_MODEL_NAME);
  g_string_append(s, ",\n  \"power_traffic_source\": ");
  json_string(s, tl.traffic_source);
  g_string_append(s, ",\n");
  migrations_json(s, r);
  recoveries_json(s, r);
  for (guint i = 0; i < nd && tl.power; i++)
    device_power[i] = devs[i].has_coeffs ? device_power_json(&tl.power[i]) : NULL;
  dmx_app_frames_clear(&frames);
  dmx_timeline_result_clear(&tl, nd);
  return g_string_free(s, FALSE);
}

/* Workers that left during the run (device_left), in order; [] when none did. */
static void devices_left_json(GString *s, const Run *r) {
  g_string_append(s, "  \"devices_left\": [");
  for (guint i = 0; i < r->left->len; i++) {
    const DeviceLeft *l = &g_array_index(r->left, DeviceLeft, i);
    g_string_append(s, i ? ", {\"name\": " : "{\"name\": ");
    json_string(s, l->name);
    g_string_append_printf(s, ", \"at_s\": %.3f, \"how\": ", l->at_s);
    json_string(s, l->how);
    g_string_append_c(s, '}');
  }
  g_string_append(s, "],\n");
}

static void write_summary(Run *r) {
  g_autoptr(GString) cpu_json = g_string_new(NULL);
  g_autofree char *lagged = host_lag_verdict(r, cpu_json);
  const char *why_invalid = r->failure ? r->failure : lagged;
  if (lagged && !r->failure)
    g_printerr("dmx: warning: run %s is marked invalid: %s\n", r->label, lagged);
  DmxLinkSummary link;
  dmx_link_spec_summary(r->sc->link_spec, &link);
  GString *s = g_string_new("{\n  \"scenario\": ");
  json_string(s, r->sc->name);
  g_string_append(s, ",\n  \"policy\": ");
  json_string(s, r->opt->policy);
  g_string_append_printf(s, ",\n  \"valid\": %s,\n  \"why_invalid\": ", why_invalid ? "false" : "true");
  json_string(s, why_invalid);
  g_string_append_printf(s, ",\n  \"exit_status\": %d,\n  \"tdf\": %g,\n  \"duration_s\": %.3f,\n", r->exit_code,
                         r->opt->tdf, emulated_s(r));
  g_string_append_printf(s, "  \"link\": {\"spec\": ");
  json_string(s, r->sc->link_spec);
  g_string_append_printf(s, ", \"rate_mbit\": %g, \"delay_ms\": %g, \"loss_pct\": %g},\n", link.rate_mbit,
                         link.delay_ms, link.loss_pct);
  if (r->have_traffic) {
    g_string_append_printf(s, "  \"traffic_bytes_total\": %" G_GUINT64_FORMAT ",\n  \"traffic\": {\"frames\": %"
                           G_GUINT64_FORMAT ", \"dropped_frames\": %" G_GUINT64_FORMAT ", \"dropped_bytes\": %"
                           G_GUINT64_FORMAT ", \"links\": %u", r->traffic.sent_bytes, r->traffic.sent_frames,
                           r->traffic.dropped_frames, r->traffic.dropped_bytes, r->traffic.links);
    if (r->have_pcap)
      g_string_append_printf(s, ", \"pcap_bytes\": %" G_GUINT64_FORMAT ", \"pcap_frames\": %" G_GUINT64_FORMAT
                             ", \"pcap_diff_bytes\": %" G_GINT64_FORMAT, r->pcap_bytes, r->pcap_frames,
                             (gint64)r->traffic.sent_bytes - (gint64)r->pcap_bytes);
    g_string_append(s, "},\n");
  }
  if (r->timeline.events && r->timeline.events->len)
    g_string_append_printf(s, "  \"events\": {\"scheduled\": %u, \"sent\": %u, \"refused\": %u},\n",
                           r->timeline.events->len, r->timeline.sent, r->timeline.failed);
  devices_left_json(s, r);
  guint nd = r->sc->devices->len;
  char **device_power = g_new0(char *, nd ? nd : 1); /* may hold NULLs between entries: freed one by one */
  g_autofree char *power_json = power_and_timeline(r, device_power);
  g_string_append(s, power_json);
  g_string_append(s, "  \"devices\": {");
  for (guint i = 0; i < nd; i++) {
    const DmxDeviceSpec *d = r->sc->devices->pdata[i];
    g_string_append(s, i ? ",\n    " : "\n    ");
    json_string(s, d->name);
    g_string_append_printf(s, ": {\"index\": %d, \"ip\": \"10.77.0.%d\", \"model\": ", d->index, d->index);
    json_string(s, d->model ? d->model->name : "");
    g_autofree char *dsm = dmx_run_dsm_json(r->dir->path, d->name);
    g_string_append_printf(s, "%s%s}", device_power[i] ? device_power[i] : "", dsm);
    g_free(device_power[i]);
  }
  g_free(device_power);
  g_autoptr(GString) screens_json = g_string_new(NULL);
  g_autoptr(GString) screens_line = g_string_new(NULL);
  screens_report(r, screens_json, screens_line);
  g_string_append_printf(s, "\n  },\n  \"cpu\": {%s\n  },\n  \"screens\": {%s\n  }\n}\n", cpu_json->str,
                         screens_json->str);
  g_printerr("dmx: %s: %s, %.1f s emulated%s; results in %s\n", r->label, why_invalid ? "INVALID" : "valid",
             emulated_s(r), screens_line->str, r->dir->path);
  g_autofree char *path = g_build_filename(r->dir->path, "summary.json", NULL);
  g_file_set_contents(path, s->str, -1, NULL);
  g_string_free(s, TRUE);
}

static void clear_left(gpointer p) { g_free(((DeviceLeft *)p)->how); }

static void run_free(Run *r) {
  if (r->events)
    fclose(r->events);
  if (r->medium)
    dmx_medium_free(r->medium);
  g_ptr_array_unref(r->devices);
  g_array_unref(r->handled);
  g_array_unref(r->left);
  dmx_relay_free(r->relay_out);
  dmx_relay_free(r->relay_err);
  dmx_run_dir_release(r->dir);
  if (r->sigfd >= 0)
    close(r->sigfd);
  close_run_alive(r);
  g_free(r->label);
  g_free(r->secret);
  g_free(r->failure);
}

int dmx_run(const DmxRunOptions *opt) {
  int pre = preflight(opt);
  if (pre != DMX_EXIT_OK)
    return pre;
  if (!opt->no_medium && strcmp(opt->scenario->link_backend, "kernel") == 0) {
    g_autoptr(GError) kerr = NULL;
    if (!dmx_kernel_backend_check(opt->scenario, &kerr)) {
      g_printerr("dmx: %s\n", kerr->message);
      return DMX_EXIT_HOST;
    }
  }
  if (!g_file_test(opt->paths->plugin, G_FILE_TEST_EXISTS))
    g_printerr("dmx: warning: %s not built yet: devices run without the devmodel CPU model (no throttling, no "
               "cpu.stats)\n", opt->paths->plugin);
  Run run = {.opt = opt, .sc = opt->scenario, .sigfd = -1, .run_alive = {-1, -1}};
  Run *r = &run;
  r->devices = g_ptr_array_new_with_free_func((GDestroyNotify)dmx_device_free);
  r->handled = g_array_new(FALSE, TRUE, sizeof(gboolean));
  r->left = g_array_new(FALSE, TRUE, sizeof(DeviceLeft));
  g_array_set_clear_func(r->left, clear_left);
  r->label = g_strdup_printf("%s/%s", r->sc->name, opt->policy);
  r->secret = r->sc->secret ? g_strdup(r->sc->secret) : random_secret();
  dmx_status_init(&r->status);
  g_autoptr(GError) err = NULL;
  if (pipe2(r->run_alive, O_CLOEXEC) < 0) {
    g_printerr("dmx: pipe: %s\n", g_strerror(errno));
    run_free(r);
    return DMX_EXIT_SYSTEM;
  }
  r->sigfd = dmx_signals_install(&err);
  if (r->sigfd < 0) {
    g_printerr("dmx: %s\n", err->message);
    run_free(r);
    return DMX_EXIT_SYSTEM;
  }
  r->dir = dmx_run_dir_create(opt->paths->results, r->sc->name, opt->policy, opt->out, &err);
  if (!r->dir) {
    g_printerr("dmx: %s\n", err->message);
    run_free(r);
    return DMX_EXIT_CANTCREAT;
  }
  dmx_status_watch(&r->status, r->dir->path, r->sc->duration_s);
  g_autofree char *events = g_build_filename(r->dir->path, "events.log", NULL);
  r->events = fopen(events, "we");
  event(r, "run %s in %s (pid %d)", r->label, r->dir->path, (int)getpid());
  if (bring_up(r) == DMX_EXIT_OK)
    run_loop(r);
  teardown(r);
  event(r, "run ended: exit status %d%s%s", r->exit_code, r->failure ? ": " : "", r->failure ? r->failure : "");
  write_summary(r);
  if (r->failure)
    g_printerr("dmx: run %s %s; partial results in %s\n", r->label,
               r->exit_code >= DMX_EXIT_SIGNAL_BASE ? "stopped early" : "failed", r->dir->path);
  int code = r->exit_code;
  if (opt->run_dir_out)
    *opt->run_dir_out = g_strdup(r->dir->path);
  run_free(r);
  return code;
}
