/* cli: dmx's command line: subcommands, their options and their --help pages. */
#include "cli.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "device_model.h"
#include "doctor.h"
#include "exit_codes.h"
#include "ini_schema.h"
#include "paths.h"
#include "policies.h"
#include "report.h"
#include "report_sweep.h"
#include "run.h"
#include "scenario.h"
#include "sweep_cli.h"

#define DMX_VERSION "0.1"

static const char main_help[] =
    "NAME\n"
    "    dmx - run emulated ARM devices joined by an emulated network (the DynaMix testbed)\n"
    "\n"
    "SYNOPSIS\n"
    "    dmx run SCENARIO.ini [OPTIONS]\n"
    "    dmx run --app PATH --devices N [OPTIONS] [-- ARGS...]\n"
    "    dmx doctor\n"
    "    dmx report RUN_DIR... [--no-figures]\n"
    "    dmx sweep SWEEP.ini [OPTIONS]    dmx sweep SCENARIO.ini --vary KEY=V1,V2,... [OPTIONS]\n"
    "    dmx help [COMMAND]    dmx COMMAND --help    dmx --version\n"
    "\n"
    "DESCRIPTION\n"
    "    Each device is a qemu-aarch64 user-mode process in its own network namespace, with TAP dmx0 at\n"
    "    10.77.0.N/24. dmx-medium links the TAPs and shapes each link's rate, delay, jitter and loss.\n"
    "\n"
    "COMMANDS\n"
    "    run       run a scenario file, or any aarch64 program on N devices (see dmx run --help)\n"
    "    doctor    check whether this host can run scenarios, and say what fixes it if not\n"
    "    report    tables and figures of finished runs, beside the paper's values (see dmx report --help)\n"
    "    sweep     a scenario over a grid of parameter values and policies (see dmx sweep --help)\n"
    "\n"
    "EXIT STATUS\n"
    "    0      success (for run: the master app's own status when the run itself went well)\n"
    "    64     bad command line\n"
    "    65     invalid scenario or devices.ini (each problem as FILE:LINE: key 'K' in [SECTION]: ...)\n"
    "    69     the host lacks something (qemu, dmx-medium, the app, /dev/net/tun, ...); see dmx doctor\n"
    "    70     a device crashed or dmx-medium died during the run\n"
    "    71     an operating-system call failed (fork, unshare, TAP setup)\n"
    "    73     the run directory cannot be created, or another run holds it (--out)\n"
    "    128+N  interrupted by signal N (130: Ctrl-C, 143: SIGTERM)\n"
    "\n"
    "ENVIRONMENT\n"
    "    DMX_TOP           tree root (default: two levels above this binary's build/bin/)\n"
    "    DMX_QEMU, DMX_PLUGIN, DMX_MEDIUM, DMX_DEVICES_INI\n"
    "                      use another qemu-aarch64, devmodel plugin, dmx-medium or devices.ini\n"
    "    DMX_NO_STATUS     set to suppress the live status line on a terminal\n";

static const char run_help[] =
    "NAME\n"
    "    dmx run - run a scenario, or one program on N emulated devices\n"
    "\n"
    "SYNOPSIS\n"
    "    dmx run SCENARIO.ini [--policy P] [--tdf T] [--seed N] [--out DIR] [--set SECTION.KEY=VALUE]...\n"
    "    dmx run --app PATH --devices N [--policy P] [--tdf T] [--seed N] [--link SPEC] [--uplink] [--out DIR]\n"
    "            [-- ARGS...]\n"
    "\n"
    "DESCRIPTION\n"
    "    Validates everything first: an unknown key, a bad value or an unknown device model stops the run\n"
    "    before anything starts, with FILE:LINE: key 'K' in [SECTION]: MESSAGE.\n"
    "    Then it starts dmx-medium, gives every device a fresh network namespace with TAP dmx0\n"
    "    (10.77.0.N/24, MAC 02:dd:00:00:00:NN), attaches the TAPs to the medium and starts qemu-aarch64 with the\n"
    "    devmodel plugin (when built) on every device. The app runs on the master (the first device, or the one\n"
    "    with master=true) with DMX_ROLE=master; the others run the same binary with DMX_ROLE=worker.\n"
    "    The run ends when the master's app exits (workers get 5 s to finish, then SIGTERM), when\n"
    "    duration_s of emulated time has passed, on SIGINT/SIGTERM, or when a device crashes. Nothing\n"
    "    outlives it: devices, namespaces, TAPs, the medium and its socket are all gone when dmx exits, even\n"
    "    if dmx itself is killed (children have PR_SET_PDEATHSIG).\n"
    "    Without --policy, a scenario runs once per policy it lists; with it, only that policy.\n"
    "\n"
    "    The master's stdout and stderr are dmx's; each worker's go to RUN/devices/NAME/stdout.log and\n"
    "    stderr.log. With --app, dmx exits with the app's exit status.\n"
    "\n"
    "OPTIONS\n"
    "    --policy P        local, rf, dynamix or offload (exported to devices as DMX_POLICY)\n"
    "    --tdf T           time dilation factor >= 1 (guest time runs T times slower than the host's)\n"
    "    --seed N          random seed for the medium (default: the scenario's, else 1)\n"
    "    --out DIR         run directory (default results/SCENARIO/TIMESTAMP-POLICY-PID/)\n"
    "    --set S.K=V       override one scenario key, e.g. --set scenario.tdf=4 --set 'device tv.screen=1920x1080'\n"
    "    --app PATH        run this aarch64 program instead of a scenario\n"
    "    --devices N       with --app: N devices dev1..devN of the default model (scenarios/devices.ini)\n"
    "    --link SPEC       with --app: link spec in tc-netem syntax or @PROFILE of scenarios/links.ini\n"
    "                      (default from devices.ini)\n"
    "    --uplink          with --app: devices reach the host's 127.0.0.1 at 10.77.0.254 (libslirp NAT station;\n"
    "                      a scenario says uplink = true in [link])\n"
    "    --migrate-random MS  move every app thread to a random other device at its first safe point (any\n"
    "                      libdmx call with no mutex held) after each MS milliseconds of emulated time; a test\n"
    "                      of the guest stack's correctness (sets DMX_MIGRATE_RANDOM_MS on every device)\n"
    "    --report          when the runs are done, print dmx report's table for each and draw its figures\n"
    "    --snapshots N     every screen saves every Nth presented frame as a PNG in RUN/devices/NAME/\n"
    "                      (screen-SEQ.png), so a person can see what played\n"
    "    --no-medium       do not start dmx-medium: devices have a TAP but no network (debugging)\n"
    "    --check           validate the scenario, print what would run, and exit\n"
    "    -h, --help        this page\n"
    "\n"
    "SCENARIO FILE (GKeyFile syntax; '#' starts a comment)\n"
    "%s"
    "\n"
    "    Per-pair links, Wi-Fi stations and events (link_topology.c):\n"
    "      [link phone tv]        spec = rate 20mbit delay 5ms   (phone->tv; symmetric = true adds tv->phone)\n"
    "      [link * tv]            profile = wifi-6e              (every link into tv)\n"
    "      [device tv]            phy = 144.4mbit, per = 1%%, pos = 12 3   (mode = wifi)\n"
    "      [event slow]           at_s = 10, action = link * * rate 10mbit    (or cut A B, restore A B,\n"
    "                             station NAME pos X Y, bind CLASS DEVICE)\n"
    "      [event tv-leaves]      at_s = 3, action = kill tv   (dmx SIGKILLs tv's qemu; not the master)\n"
    "      [device tablet]        join_at_s = 5                (its qemu starts at 5 s emulated; not the master)\n"
    "    Churn: a worker that dies of SIGKILL during the run (a kill event, or kill -9 from anyone) has left:\n"
    "    logged, listed in summary.json's devices_left, and the run goes on. Any other death of a worker, or\n"
    "    the master's, still fails the run.\n"
    "      [event walk]           at_s = 0, trace = traces/walk.csv (time_s,station,rate,delay,loss, or\n"
    "                             time_s,station,x,y in wifi mode; times relative to at_s)\n"
    "    Profiles (scenarios/links.ini): spec = @NAME or profile = NAME; e.g. wifi-ac-100, wifi-typical, wifi-6e,\n"
    "    5g-first-hop, clonecloud-wifi, clonecloud-3g, wifi-n-144 (phy only, mode = wifi).\n"
    "    backend = kernel builds the same links from veth pairs, a bridge and tc (tbf for rate; netem for\n"
    "    delay, jitter and loss, which needs the kernel module sch_netem: see dmx doctor).\n"
    "\n"
    "DEVICE ENVIRONMENT\n"
    "    DMX_DEVICE_NAME, DMX_DEVICE_INDEX, DMX_DEVICES (name=ip,... master first), DMX_SECRET, DMX_RUN_DIR,\n"
    "    DMX_ROLE (master|worker), DMX_POLICY, DMX_SCENARIO, DMX_SEED, DMX_DEVICE_MODEL,\n"
    "    DMX_RESOURCES (screen=WxH;storage=DIR;...), QEMU_TDF, QEMU_TDF_EPOCH_NS; DMX_UPLINK=10.77.0.254 with\n"
    "    an uplink.\n"
    "\n"
    "FILES\n"
    "    RUN/events.log          what happened, stamped with emulated seconds (each [event] and the medium's\n"
    "                            reply, too)\n"
    "    RUN/traffic.csv         the traffic matrix: per directed pair src,dst,sent_frames,sent_bytes,\n"
    "                            dropped_frames,dropped_bytes,offered_frames,offered_bytes\n"
    "    RUN/summary.json        scenario, policy, valid, exit status, tdf, duration, link, traffic_bytes_total\n"
    "                            (and traffic: frames, drops, medium.pcap's bytes and the difference), fps,\n"
    "                            the power model's power_total_mw, devices (per device its modelled power_mw,\n"
    "                            energy_j and energy_parts_j), the apps' own stall_ms_per_frame,\n"
    "                            latency_ms_per_frame, completion_s, forwarded_pct and migrated_pct (when\n"
    "                            the app reports them), and cpu\n"
    "                            (per device: instructions, busy and lag seconds). valid is false, with the\n"
    "                            reason in why_invalid, when the run failed or when the host fell behind a\n"
    "                            device's CPU model by more than 5%% of the CPU time it wanted (and 0.25 s).\n"
    "                            screens: per device that presented frames, their count and FPS, from\n"
    "                            RUN/devices/NAME/screen-frames.csv (the screen's own present stamps).\n"
    "                            devices_left: each worker that left the run (SIGKILLed), with when and how.\n"
    "    RUN/timeline.csv        per emulated second: FPS per screen, bytes per link, CPU and power per device\n"
    "    RUN/frames.csv          home-theater's frames: seq,pts_s,decode_ms,stall_ms,present_s,late\n"
    "    RUN/medium.pcap, RUN/medium.log\n"
    "    RUN/devices/NAME/       stdout.log, stderr.log (workers), cpu.stats (devmodel plugin)\n"
    "\n"
    "EXIT STATUS\n"
    "    The master app's status if the run went well, else as in dmx --help (65 invalid scenario,\n"
    "    69 host not ready, 70 device crashed, 71 system error, 73 run directory in use, 128+N signal).\n"
    "\n"
    "EXAMPLES\n"
    "    dmx run scenarios/hello.ini\n"
    "    dmx run --app build/guest/tcp_ring --devices 3\n"
    "    dmx run --app build/guest/hello --devices 2 --link 'rate 10mbit delay 20ms' -- --exit 3\n"
    "    dmx run --app build/guest/tcp_ring --devices 3 --link @clonecloud-wifi\n"
    "    dmx run scenarios/mobility.ini\n";

static const char doctor_help[] =
    "NAME\n"
    "    dmx doctor - check whether this host can run dmx scenarios\n"
    "\n"
    "SYNOPSIS\n"
    "    dmx doctor\n"
    "\n"
    "DESCRIPTION\n"
    "    Checks, and for each problem names the package or command that fixes it:\n"
    "    the qemu-aarch64 build, the devmodel plugin, dmx-medium, scenarios/devices.ini, /dev/net/tun,\n"
    "    network namespaces (a child really creates one with a TAP), user namespaces (for non-root use),\n"
    "    kernel netem (tc qdisc add dev lo root netem, in a throwaway namespace; optional), the arm64\n"
    "    libraries and the aarch64 cross compiler.\n"
    "\n"
    "EXIT STATUS\n"
    "    0 when every required check passed (warnings allowed), 69 otherwise.\n";

static const char report_help[] =
    "NAME\n"
    "    dmx report - summarise finished runs, beside the DynaMix paper's values, and draw their figures\n"
    "\n"
    "SYNOPSIS\n"
    "    dmx report RUN_DIR... [--no-figures]\n"
    "    dmx report SWEEP_DIR... [--no-figures]\n"
    "\n"
    "DESCRIPTION\n"
    "    For each RUN_DIR (results/<scenario>/<timestamp>-<policy>-<pid>/, as dmx run prints it) reads\n"
    "    summary.json and prints: scenario, policy, whether the run is valid (and why not), emulated duration,\n"
    "    TDF and link; FPS of the run's main screen (the one that presented most frames in the second half of\n"
    "    the run): mean and 5th percentile of its per-second FPS, and the target; the traffic; per device,\n"
    "    its DSM totals (faults, page bytes fetched, diff bytes pushed, time waiting for pages and for locks,\n"
    "    checkpoint cuts; from devices/NAME/dsm.json, written at exit and when dmx stops the run); what the app\n"
    "    measured itself: home-theater's network stall per frame (stall_ms_per_frame), surveillance's\n"
    "    latency per frame from capture to screen and its parts (latency_ms_per_frame), photo-classify's\n"
    "    completion time and, per file size, how the remote photos were read (forwarded_pct, migrated_pct);\n"
    "    and the power of each device from the power model (testbed/power), by part (CPU, Wi-Fi, screen,\n"
    "    audio), with the total.\n"
    "\n"
    "    Where the paper has a value for the scenario and policy it is printed beside the measured one with\n"
    "    the ratio measured/paper: home-theater at 720p and 100 Mbit/s, FPS rf 8.2 (Fig. 7) and dynamix 24;\n"
    "    power (Table 2) rf 4985.90 mW master and 5151.37 mW screen device, dynamix 2956.55 and 6480.51 mW,\n"
    "    measured on two Nexus 5 phones: scenarios/power.ini is that setup (home-theater's screen device is a\n"
    "    TV box, and its table says so); photo-classify under dynamix, Table 1's forwarded/migrated shares.\n"
    "\n"
    "    POWER IS A MODEL, NOT A MEASUREMENT. Per device, integrated over emulated time:\n"
    "        P_cpu    = cpu_idle_mw + (busy_s / duration_s) * cpu_active_mw   (busy cores from cpu.stats)\n"
    "        P_wifi   = wifi_high_mw + tx_Mbit/s * wifi_tx_mw_per_mbit + rx_Mbit/s * wifi_rx_mw_per_mbit\n"
    "                   in 10 ms bins with traffic (from medium.pcap), then wifi_tail_mw for wifi_tail_s,\n"
    "                   then wifi_idle_mw\n"
    "        P_screen = screen_base_mw + 0.5 * screen_brightness_mw from the first to the last frame presented\n"
    "        P_audio  = audio_mw while the speaker's stream is active: from its first write until its\n"
    "                   last frame has played, underruns included (speaker.csv)\n"
    "    The coefficients are scenarios/devices.ini's, and each model's 'source' key names where every one\n"
    "    comes from: the nexus5's from the phone's own Android power profile (AOSP device/lge/hammerhead\n"
    "    power_profile.xml, at 4.0 V) and PowerTutor's model (audio, and the per-Mbit/s cost of sending),\n"
    "    the other models' class estimates. On Table 2's setup the model comes to about a quarter of the\n"
    "    paper's measurement; testbed/power/README.md says what it does not see.\n"
    "\n"
    "    Figures go to RUN_DIR/figures/ (PNG, and PDF when gnuplot has the pdfcairo terminal), each with its\n"
    "    gnuplot script (.gp) and data beside it:\n"
    "        fps.png    FPS per emulated second of every screen (from timeline.csv), with the scenario's\n"
    "                   events and the thread migrations as vertical markers and the FPS target dashed\n"
    "        power.png  mean modelled power per device, stacked by part, beside the paper's measured value\n"
    "                   where it has one\n"
    "        latency.png  surveillance: the mean time from capture to screen per frame, stacked as the app\n"
    "                   measured it (compute, network, wait: the paper's Fig. 8b)\n"
    "\n"
    "    A SWEEP_DIR (what dmx sweep wrote: it has index.json) gets one table of its points instead: the value\n"
    "    on each axis, the policy, how the run ended, valid, FPS mean and p5 (and the sweep's metric), the\n"
    "    network stall per frame when the app measured it, beside the paper's Fig. 7 / Fig. 10 value where it\n"
    "    has one (home-theater by link bandwidth); and one figure, SWEEP_DIR/figures/METRIC-vs-AXIS.png\n"
    "    (fps-vs-bandwidth.png), one line per policy, with the stall dashed on a second axis (fps-vs-quality.png,\n"
    "    Fig. 7) (see dmx sweep --help).\n"
    "\n"
    "OPTIONS\n"
    "    --no-figures   print the tables only (no gnuplot needed)\n"
    "\n"
    "FILES\n"
    "    RUN_DIR/summary.json   required: fps, power_total_mw, power_model,\n"
    "                           devices.NAME.{power_mw,energy_j,energy_parts_j} (power.devices.NAME in older\n"
    "                           runs); stall_ms_per_frame, latency_ms_per_frame, completion_s, forwarded_pct\n"
    "                           and migrated_pct when the app reported them\n"
    "    RUN_DIR/timeline.csv   per emulated second: fps_SCREEN, bytes_SRC_DST, cpu_util_DEV, power_mw_DEV,\n"
    "                           power_total_mw (needed for the FPS figure)\n"
    "    RUN_DIR/events.log, RUN_DIR/devices/NAME/migrations.csv   the figure's markers\n"
    "\n"
    "ENVIRONMENT\n"
    "    DMX_GNUPLOT    the gnuplot to run (default: gnuplot on PATH; Debian package gnuplot-nox)\n"
    "\n"
    "EXAMPLES\n"
    "    dmx report results/home-theater/*-rf-* results/home-theater/*-local-*\n"
    "    dmx report --no-figures results/hello/20261123-030744-local-16062\n"
    "\n"
    "EXIT STATUS\n"
    "    0 every run reported; 64 bad command line; 66 a RUN_DIR is missing or incomplete (no or a broken\n"
    "    summary.json; the others are still reported); 69 gnuplot is missing or failed.\n";

static int usage_error(const char *cmd, const char *fmt, ...) G_GNUC_PRINTF(2, 3);
static int usage_error(const char *cmd, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  fputs("dmx: ", stderr);
  vfprintf(stderr, fmt, ap);
  fprintf(stderr, "\nTry 'dmx %s--help' for more information.\n", cmd);
  va_end(ap);
  return DMX_EXIT_USAGE;
}

static void print_run_help(void) {
  g_autofree char *schema = dmx_scenario_schema_help();
  printf(run_help, schema);
}

typedef struct {
  const char *policy;
  const char *tdf;
  const char *seed;
  const char *out;
  const char *app;
  const char *link;
  int devices;
  gboolean no_medium;
  gboolean check_only;
  gboolean uplink;
  int migrate_random_ms; /* 0: off */
  int snapshot_every;    /* 0: off */
  gboolean report;       /* --report: dmx report on the runs at the end */
  GPtrArray *sets;     /* --set values, NULL-terminated at use */
  GPtrArray *positional;
  char **app_args;     /* after "--" */
} RunArgs;

enum { OPT_POLICY = 1000, OPT_TDF, OPT_SEED, OPT_OUT, OPT_SET, OPT_APP, OPT_DEVICES, OPT_LINK, OPT_NO_MEDIUM, OPT_CHECK, OPT_UPLINK, OPT_MIGRATE_RANDOM, OPT_SNAPSHOTS, OPT_REPORT };

static int parse_run_args(int argc, char **argv, RunArgs *a) {
  static const struct option opts[] = {
      {"policy", required_argument, NULL, OPT_POLICY}, {"tdf", required_argument, NULL, OPT_TDF},
      {"seed", required_argument, NULL, OPT_SEED},     {"out", required_argument, NULL, OPT_OUT},
      {"set", required_argument, NULL, OPT_SET},       {"app", required_argument, NULL, OPT_APP},
      {"devices", required_argument, NULL, OPT_DEVICES}, {"link", required_argument, NULL, OPT_LINK},
      {"no-medium", no_argument, NULL, OPT_NO_MEDIUM}, {"check", no_argument, NULL, OPT_CHECK},
      {"uplink", no_argument, NULL, OPT_UPLINK},       {"migrate-random", required_argument, NULL, OPT_MIGRATE_RANDOM},
      {"snapshots", required_argument, NULL, OPT_SNAPSHOTS}, {"report", no_argument, NULL, OPT_REPORT},
      {"help", no_argument, NULL, 'h'},                {NULL, 0, NULL, 0},
  };
  /* Everything after "--" belongs to the app, untouched by getopt's permutation. */
  int end = argc;
  for (int i = 1; i < argc; i++)
    if (strcmp(argv[i], "--") == 0) {
      end = i;
      a->app_args = g_strdupv(argv + i + 1);
      break;
    }
  opterr = 0;
  optind = 1;
  int c;
  guint64 n;
  while ((c = getopt_long(end, argv, ":h", opts, NULL)) != -1) {
    switch (c) {
      case OPT_POLICY: a->policy = optarg; break;
      case OPT_TDF: a->tdf = optarg; break;
      case OPT_SEED: a->seed = optarg; break;
      case OPT_OUT: a->out = optarg; break;
      case OPT_SET: g_ptr_array_add(a->sets, optarg); break;
      case OPT_APP: a->app = optarg; break;
      case OPT_LINK: a->link = optarg; break;
      case OPT_NO_MEDIUM: a->no_medium = TRUE; break;
      case OPT_CHECK: a->check_only = TRUE; break;
      case OPT_UPLINK: a->uplink = TRUE; break;
      case OPT_MIGRATE_RANDOM:
        if (!g_ascii_string_to_unsigned(optarg, 10, 1, 3600000, &n, NULL))
          return usage_error("run ", "--migrate-random %s: expected milliseconds from 1 to 3600000", optarg);
        a->migrate_random_ms = (int)n;
        break;
      case OPT_REPORT: a->report = TRUE; break;
      case OPT_SNAPSHOTS:
        if (!g_ascii_string_to_unsigned(optarg, 10, 1, 1000000, &n, NULL))
          return usage_error("run ", "--snapshots %s: expected a frame count from 1 to 1000000", optarg);
        a->snapshot_every = (int)n;
        break;
      case OPT_DEVICES:
        if (!g_ascii_string_to_unsigned(optarg, 10, 1, 250, &n, NULL))
          return usage_error("run ", "--devices %s: expected a number from 1 to 250", optarg);
        a->devices = (int)n;
        break;
      case 'h': print_run_help(); return -1;
      case ':': return usage_error("run ", "option '%s' needs a value", argv[optind - 1]);
      default: return usage_error("run ", "unknown option '%s'", argv[optind - 1]);
    }
  }
  for (int i = optind; i < end; i++)
    g_ptr_array_add(a->positional, argv[i]);
  return 0;
}

static int check_run_args(const RunArgs *a) {
  if (a->app && a->positional->len)
    return usage_error("run ", "give either SCENARIO.ini or --app PATH, not both");
  if (!a->app && a->positional->len != 1)
    return usage_error("run ", a->positional->len ? "expected one scenario file" : "missing SCENARIO.ini (or --app PATH)");
  if (a->app && !a->devices)
    return usage_error("run ", "--app needs --devices N");
  if (!a->app && (a->devices || a->link || a->app_args || a->uplink))
    return usage_error("run ", "--devices, --link, --uplink and '-- ARGS' go with --app; a scenario sets them in its file "
                               "(or use --set)");
  if (a->app && a->sets->len > 0)
    return usage_error("run ", "--set applies to scenario files only");
  if (a->policy && !g_strv_contains(dmx_known_policies, a->policy))
    return usage_error("run ", "unknown policy '%s' (known: local, rf, dynamix, offload)", a->policy);
  return 0;
}

/* --tdf and --seed override the scenario; tdf=auto is not measured yet and runs at 1. */
static gboolean resolve_numbers(const RunArgs *a, const DmxScenario *sc, double *tdf, guint64 *seed) {
  *tdf = sc->tdf;
  *seed = sc->seed;
  if (a->tdf && strcmp(a->tdf, "auto") == 0) {
    *tdf = 0;
  } else if (a->tdf && (!ini_parse_number(a->tdf, tdf) || *tdf < 1 || *tdf > 1000)) {
    usage_error("run ", "--tdf %s: expected 'auto' or a number from 1 to 1000", a->tdf);
    return FALSE;
  }
  if (a->seed && !g_ascii_string_to_unsigned(a->seed, 10, 0, G_MAXUINT64, seed, NULL)) {
    usage_error("run ", "--seed %s: expected a whole number >= 0", a->seed);
    return FALSE;
  }
  if (*tdf == 0) {
    g_printerr("dmx: note: tdf=auto does not measure the host yet; running at tdf 1\n");
    *tdf = 1;
  }
  return TRUE;
}

static void print_plan(const DmxScenario *sc, double tdf, guint64 seed) {
  g_autofree char *args = g_strjoinv(" ", sc->args);
  g_autofree char *policies = g_strjoinv(",", sc->policies);
  printf("scenario %s (%s)\n  app      %s %s\n  policies %s\n  tdf %g, seed %" G_GUINT64_FORMAT
         ", duration %g s\n  link     %s (%s)\n",
         sc->name, sc->path, sc->app, args, policies, tdf, seed, sc->duration_s, sc->link_spec, sc->link_mode);
  if (strcmp(sc->link_backend, "userspace") != 0 || sc->uplink)
    printf("  backend  %s%s\n", sc->link_backend, sc->uplink ? ", uplink 10.77.0.254 -> host 127.0.0.1" : "");
  for (guint i = 0; i < sc->link_setup->len; i++)
    printf("  setup    %s\n", (const char *)sc->link_setup->pdata[i]);
  for (guint i = 0; i < sc->events->len; i++) {
    const DmxScenarioEvent *e = sc->events->pdata[i];
    printf("  %8.3f s %s: %s\n", e->at_s, e->label, e->command);
  }
  for (guint i = 0; i < sc->devices->len; i++) {
    const DmxDeviceSpec *d = sc->devices->pdata[i];
    g_autofree char *res = dmx_device_spec_resources(d, " ");
    g_autofree char *join = d->join_at_s > 0 ? g_strdup_printf("joins at %g s ", d->join_at_s) : g_strdup("");
    printf("  device %-8s 10.77.0.%-3d %-8s %s%s%s\n", d->name, d->index, d->model ? d->model->name : "?",
           d->master ? "master " : "", join, res);
  }
}

static DmxScenario *load_scenario(const RunArgs *a, const DmxPaths *paths, const DmxModelDb *db, int *code) {
  g_ptr_array_add(a->sets, NULL);
  DmxScenarioLoadOptions lo = {.top = paths->top, .models = db, .overrides = (const char *const *)a->sets->pdata,
                               .check_app = TRUE};
  g_autoptr(GError) err = NULL;
  DmxScenario *sc = a->app ? dmx_scenario_for_app(a->app, a->app_args, a->devices, a->link, &lo, &err)
                           : dmx_scenario_load(a->positional->pdata[0], &lo, &err);
  if (!sc) {
    g_printerr("%s\n", err->message);
    *code = a->app ? DMX_EXIT_USAGE : DMX_EXIT_SCENARIO;
  } else if (a->uplink) {
    sc->uplink = TRUE;
  }
  return sc;
}

static int run_policies(const RunArgs *a, const DmxScenario *sc, const DmxPaths *paths, double tdf, guint64 seed) {
  const char *only[] = {a->policy, NULL};
  const char *const *policies = a->policy ? only : (const char *const *)sc->policies;
  if (a->out && g_strv_length((char **)policies) > 1) {
    g_printerr("dmx: --out with several policies: pass --policy to pick one\n");
    return DMX_EXIT_USAGE;
  }
  int worst = DMX_EXIT_OK;
  g_autoptr(GPtrArray) run_dirs = g_ptr_array_new_with_free_func(g_free);
  for (int i = 0; policies[i]; i++) {
    char *run_dir = NULL;
    DmxRunOptions ro = {.scenario = sc, .policy = policies[i], .tdf = tdf, .seed = seed, .out = a->out,
                        .no_medium = a->no_medium, .migrate_random_ms = a->migrate_random_ms,
                        .snapshot_every = a->snapshot_every, .run_dir_out = &run_dir, .paths = paths};
    int code = dmx_run(&ro);
    if (run_dir)
      g_ptr_array_add(run_dirs, run_dir);
    if (code != DMX_EXIT_OK && worst == DMX_EXIT_OK)
      worst = code;
    if (code >= DMX_EXIT_SIGNAL_BASE)
      break; /* interrupted: do not start the next policy */
  }
  if (a->report && run_dirs->len) {
    DmxReportOptions report_opt = {0};
    int code = dmx_report((char **)run_dirs->pdata, (int)run_dirs->len, &report_opt);
    if (code != DMX_EXIT_OK && worst == DMX_EXIT_OK)
      worst = code;
  }
  return worst;
}

static int run_with_args(RunArgs *a) {
  g_autoptr(DmxPaths) paths = dmx_paths_discover();
  g_autoptr(GError) err = NULL;
  g_autoptr(DmxModelDb) db = dmx_model_db_load(paths->devices_ini, &err);
  if (!db) {
    g_printerr("%s\n", err->message);
    return DMX_EXIT_SCENARIO;
  }
  int code = DMX_EXIT_OK;
  g_autoptr(DmxScenario) sc = load_scenario(a, paths, db, &code);
  if (!sc)
    return code;
  double tdf;
  guint64 seed;
  if (!resolve_numbers(a, sc, &tdf, &seed))
    return DMX_EXIT_USAGE;
  if (a->check_only) {
    print_plan(sc, tdf, seed);
    return DMX_EXIT_OK;
  }
  return run_policies(a, sc, paths, tdf, seed);
}

static int cmd_run(int argc, char **argv) {
  RunArgs a = {.sets = g_ptr_array_new(), .positional = g_ptr_array_new()};
  int code = parse_run_args(argc, argv, &a);
  if (code == 0)
    code = check_run_args(&a);
  if (code == 0)
    code = run_with_args(&a);
  g_ptr_array_unref(a.sets);
  g_ptr_array_unref(a.positional);
  g_strfreev(a.app_args);
  return code < 0 ? DMX_EXIT_OK : code;
}

static int cmd_doctor(int argc, char **argv) {
  if (argc > 1 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
    fputs(doctor_help, stdout);
    return DMX_EXIT_OK;
  }
  if (argc > 1)
    return usage_error("doctor ", "unexpected argument '%s'", argv[1]);
  g_autoptr(DmxPaths) paths = dmx_paths_discover();
  return dmx_doctor(paths);
}

static int cmd_report(int argc, char **argv) {
  DmxReportOptions opt = {0};
  g_autoptr(GPtrArray) dirs = g_ptr_array_new();
  gboolean options_done = FALSE;
  for (int i = 1; i < argc; i++) {
    if (!options_done && (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0)) {
      fputs(report_help, stdout);
      return DMX_EXIT_OK;
    } else if (!options_done && strcmp(argv[i], "--no-figures") == 0)
      opt.no_figures = TRUE;
    else if (!options_done && strcmp(argv[i], "--") == 0)
      options_done = TRUE;
    else if (!options_done && argv[i][0] == '-' && argv[i][1])
      return usage_error("report ", "unknown option '%s'", argv[i]);
    else
      g_ptr_array_add(dirs, argv[i]);
  }
  if (!dirs->len)
    return usage_error("report ", "missing RUN_DIR (a directory that dmx run wrote, e.g. results/hello/...)");
  return dmx_report_dirs((char **)dirs->pdata, (int)dirs->len, &opt);
}

static int cmd_help(const char *topic) {
  if (topic && strcmp(topic, "run") == 0)
    print_run_help();
  else if (topic && strcmp(topic, "doctor") == 0)
    fputs(doctor_help, stdout);
  else if (topic && strcmp(topic, "report") == 0)
    fputs(report_help, stdout);
  else if (topic && strcmp(topic, "sweep") == 0)
    dmx_sweep_print_help();
  else if (!topic)
    fputs(main_help, stdout);
  else
    return usage_error("", "no help for '%s' (commands: run, doctor, report, sweep)", topic);
  return DMX_EXIT_OK;
}

int dmx_cli_main(int argc, char **argv) {
  if (argc < 2)
    return usage_error("", "missing command (run, doctor, report, sweep)");
  const char *cmd = argv[1];
  if (strcmp(cmd, "run") == 0)
    return cmd_run(argc - 1, argv + 1);
  if (strcmp(cmd, "doctor") == 0)
    return cmd_doctor(argc - 1, argv + 1);
  if (strcmp(cmd, "report") == 0)
    return cmd_report(argc - 1, argv + 1);
  if (strcmp(cmd, "sweep") == 0)
    return dmx_sweep_cli(argc - 1, argv + 1);
  if (strcmp(cmd, "help") == 0)
    return cmd_help(argc > 2 ? argv[2] : NULL);
  if (strcmp(cmd, "--help") == 0 || strcmp(cmd, "-h") == 0)
    return cmd_help(NULL);
  if (strcmp(cmd, "--version") == 0) {
    printf("dmx %s\n", DMX_VERSION);
    return DMX_EXIT_OK;
  }
  return usage_error("", "unknown command '%s' (commands: run, doctor, report, sweep, help)", cmd);
}
