/* sweep_cli: `dmx sweep`: its options, its --help page, and the order of things: read the definition, add the
 * command line's parameters, check everything against the scenario, then run (or only print, with --check). */
#include "sweep_cli.h"

#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "device_model.h"
#include "exit_codes.h"
#include "paths.h"
#include "report.h"
#include "report_sweep.h"
#include "sweep.h"
#include "sweep_grid.h"
#include "sweep_resolve.h"
#include "sweep_run.h"

static const char sweep_help[] =
    "NAME\n"
    "    dmx sweep - run a scenario over a grid of parameter values and policies\n"
    "\n"
    "SYNOPSIS\n"
    "    dmx sweep SWEEP.ini [OPTIONS]\n"
    "    dmx sweep SCENARIO.ini --vary KEY=V1,V2,... [--vary ...] [--policy P,Q] [OPTIONS]\n"
    "\n"
    "DESCRIPTION\n"
    "    Every point of the grid is an ordinary `dmx run SCENARIO --policy P --set KEY=VALUE ... --out DIR`.\n"
    "    The axes are crossed, the first outermost, and the policies innermost. Everything is checked before\n"
    "    the first point starts: the sweep file like a scenario (FILE:LINE: key 'K' in [SECTION]: MESSAGE), and\n"
    "    every value and every point by loading the scenario with it, so a typo stops the sweep at once.\n"
    "\n"
    "    The points run with GNU parallel when it is installed (Debian package parallel), which can also spread\n"
    "    them over several machines (--sshlogin); otherwise dmx runs them itself. Either way at most --jobs\n"
    "    points run at once (per machine). Points share the host's cores, and a run whose devices the host cannot\n"
    "    keep up with is marked invalid (see dmx run --help), so --jobs above 1 suits small scenarios or big hosts.\n"
    "\n"
    "    On a terminal, a status line shows points done/total, how many run, the time spent and the ETA; each\n"
    "    finished point prints one line (also when stderr is not a terminal). Ctrl-C (SIGINT, SIGTERM, SIGHUP)\n"
    "    starts no further point and passes the interrupt on to every running one; each tears its devices down\n"
    "    and writes its summary, and the sweep waits for them (a point still alive after 30 s is killed).\n"
    "\n"
    "PARAMETERS\n"
    "    A parameter is any SECTION.KEY that dmx run --set takes (scenario.args, 'device tv.screen',\n"
    "    link.spec, scenario.seed, ...), or a derived link parameter, which rewrites one word of the scenario's\n"
    "    [link] spec and keeps the rest (the point runs with --set link.spec=<the rewritten spec>):\n"
    "      link.rate_mbit   the rate in Mbit/s: rate 100mbit delay 2ms -> rate 10mbit delay 2ms\n"
    "      link.delay_ms    the one-way delay in ms (jitter kept)\n"
    "    Derived parameters change only [link]'s spec: [link A B] pairs and events keep theirs, and a [link]\n"
    "    with profile = NAME must say spec = @NAME instead. Values are comma separated (no comma inside one).\n"
    "\n"
    "SWEEP FILE (GKeyFile syntax, like a scenario; sweeps/*.ini)\n"
    "%s"
    "    Keys of one [axis] vary together, step by step (as many values each); several [axis] sections are\n"
    "    crossed. Example (sweeps/bandwidth.ini, the paper's Fig. 10):\n"
    "      [sweep]\n"
    "      scenario = ../scenarios/home-theater.ini\n"
    "      [axis bandwidth]\n"
    "      link.rate_mbit = 10, 20, 40, 60, 80, 100\n"
    "\n"
    "OPTIONS\n"
    "    --vary KEY=V1,V2,...  add an axis, named after KEY's last part (link.rate_mbit: rate_mbit); repeatable,\n"
    "                          each crossed with the others\n"
    "    --policy P[,Q...]     the policies (default: the sweep file's policies, else the scenario's)\n"
    "    --set S.K=V           fix a scenario key for every point (repeatable), e.g. --set scenario.duration_s=4\n"
    "    --metric PATH         the summary.json number dmx report plots (default fps.mean), e.g. power_total_mw\n"
    "    --name NAME           the sweep's name: results/NAME/ (default: the sweep file's, else SCENARIO-sweep)\n"
    "    --jobs N              at most N points at once (default 1)\n"
    "    --sshlogin LOGIN      run points on LOGIN too, through GNU parallel (repeatable; passed to parallel as\n"
    "                          is, ':' is this host). The tree and results/ must be at the same path everywhere.\n"
    "    --runner R            parallel, builtin or auto (default auto: GNU parallel when installed)\n"
    "    --out DIR             the sweep directory (default results/NAME/TIMESTAMP/)\n"
    "    --report              when the sweep ends, run dmx report on its directory (table and figure)\n"
    "    --check               check everything, print the points and their dmx run commands, and exit\n"
    "    -h, --help            this page\n"
    "\n"
    "FILES\n"
    "    SWEEP/POINT/            each point's run directory (summary.json, timeline.csv, ...), and\n"
    "                            dmx-run.log, the output of its dmx run\n"
    "    SWEEP/index.csv, SWEEP/index.json\n"
    "                            every point: its name, policy, value on each axis, --set assignments, state\n"
    "                            (pending, running, done, not-run), exit status, wall seconds, and from its\n"
    "                            summary.json valid, why_invalid, fps mean/p5/target, the metric, link rate,\n"
    "                            duration and modelled power; rewritten as each point finishes\n"
    "    SWEEP/jobs.txt          each point's command, one shell line each (GNU parallel's input)\n"
    "    SWEEP/parallel.joblog, SWEEP/parallel.log   GNU parallel's job log and messages\n"
    "    results/NAME/latest     a link to the newest sweep directory of NAME\n"
    "\n"
    "ENVIRONMENT\n"
    "    DMX_SWEEP_RUNNER  parallel, builtin or auto, when --runner is not given\n"
    "    DMX_NO_STATUS     set to suppress the status line on a terminal\n"
    "\n"
    "EXIT STATUS\n"
    "    0 every point's dmx run exited 0 (a point can still be marked invalid: see the index); 64 bad command\n"
    "    line; 65 invalid sweep or scenario (every problem as FILE:LINE: ...); 69 GNU parallel was asked for\n"
    "    and is missing; 70 some point did not exit 0; 71 a system call failed; 73 the sweep directory cannot\n"
    "    be created or is in use; 128+N interrupted by signal N.\n"
    "\n"
    "EXAMPLES\n"
    "    make sweep SWEEP=bandwidth            sweeps/bandwidth.ini, then dmx report on its directory\n"
    "    dmx sweep sweeps/bandwidth.ini --policy rf --jobs 2\n"
    "    dmx sweep scenarios/home-theater.ini --vary link.rate_mbit=10,40,100 --policy rf,local \\\n"
    "              --set scenario.duration_s=4 --check\n"
    "    dmx sweep scenarios/hello.ini --vary scenario.seed=1,2,3 --metric duration_s --report\n"
    "    dmx sweep sweeps/bandwidth.ini --sshlogin : --sshlogin lab2   (this host and lab2, a point at a time each)\n";

void dmx_sweep_print_help(void) {
  g_autofree char *schema = dmx_sweep_schema_help();
  printf(sweep_help, schema);
}

typedef struct {
  GPtrArray *varies, *sets, *sshlogins, *positional;
  const char *policy, *metric, *name, *out;
  DmxRunnerKind runner;
  int jobs;
  gboolean report, check_only;
} SweepArgs;

enum { OPT_VARY = 1000, OPT_POLICY, OPT_SET, OPT_METRIC, OPT_NAME, OPT_JOBS, OPT_SSHLOGIN, OPT_RUNNER, OPT_OUT,
       OPT_REPORT, OPT_CHECK };

static int usage(const char *fmt, ...) G_GNUC_PRINTF(1, 2);
static int usage(const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  fputs("dmx: ", stderr);
  vfprintf(stderr, fmt, ap);
  fputs("\nTry 'dmx sweep --help' for more information.\n", stderr);
  va_end(ap);
  return DMX_EXIT_USAGE;
}

/* Returns 0 to go on, -1 after --help, or an exit status. */
static int parse_args(int argc, char **argv, SweepArgs *a) {
  static const struct option opts[] = {
      {"vary", required_argument, NULL, OPT_VARY},      {"policy", required_argument, NULL, OPT_POLICY},
      {"set", required_argument, NULL, OPT_SET},        {"metric", required_argument, NULL, OPT_METRIC},
      {"name", required_argument, NULL, OPT_NAME},      {"jobs", required_argument, NULL, OPT_JOBS},
      {"sshlogin", required_argument, NULL, OPT_SSHLOGIN}, {"runner", required_argument, NULL, OPT_RUNNER},
      {"out", required_argument, NULL, OPT_OUT},        {"report", no_argument, NULL, OPT_REPORT},
      {"check", no_argument, NULL, OPT_CHECK},          {"help", no_argument, NULL, 'h'},
      {NULL, 0, NULL, 0},
  };
  opterr = 0;
  optind = 1;
  int c;
  guint64 n;
  while ((c = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
    switch (c) {
      case OPT_VARY: g_ptr_array_add(a->varies, optarg); break;
      case OPT_POLICY: a->policy = optarg; break;
      case OPT_SET: g_ptr_array_add(a->sets, optarg); break;
      case OPT_METRIC: a->metric = optarg; break;
      case OPT_NAME: a->name = optarg; break;
      case OPT_SSHLOGIN: g_ptr_array_add(a->sshlogins, optarg); break;
      case OPT_RUNNER:
        if (!dmx_sweep_runner_parse(optarg, &a->runner))
          return usage("--runner %s: expected parallel, builtin or auto", optarg);
        break;
      case OPT_OUT: a->out = optarg; break;
      case OPT_REPORT: a->report = TRUE; break;
      case OPT_CHECK: a->check_only = TRUE; break;
      case OPT_JOBS:
        if (!g_ascii_string_to_unsigned(optarg, 10, 1, 1024, &n, NULL))
          return usage("--jobs %s: expected a number from 1 to 1024", optarg);
        a->jobs = (int)n;
        break;
      case 'h': dmx_sweep_print_help(); return -1;
      case ':': return usage("option '%s' needs a value", argv[optind - 1]);
      default: return usage("unknown option '%s'", argv[optind - 1]);
    }
  }
  for (int i = optind; i < argc; i++)
    g_ptr_array_add(a->positional, argv[i]);
  if (a->positional->len == 0)
    return usage("missing SWEEP.ini (or SCENARIO.ini --vary KEY=V1,V2,...)");
  if (a->positional->len > 1)
    return usage("expected one SWEEP.ini or SCENARIO.ini, not %u files", a->positional->len);
  return 0;
}

/* The definition: the sweep file, or a sweep of the scenario; then the command line's additions. */
static DmxSweep *build_sweep(const SweepArgs *a, int *code) {
  const char *file = a->positional->pdata[0];
  g_autoptr(GError) err = NULL;
  *code = DMX_EXIT_USAGE;
  if (!g_file_test(file, G_FILE_TEST_IS_REGULAR)) {
    usage("%s: no such file", file);
    return NULL;
  }
  gboolean is_sweep = dmx_sweep_file_is_sweep(file);
  g_autoptr(DmxSweep) sw = is_sweep ? dmx_sweep_load(file, &err) : dmx_sweep_new_for_scenario(file);
  if (!sw) {
    g_printerr("%s\n", err->message);
    *code = DMX_EXIT_SCENARIO;
    return NULL;
  }
  gboolean ok = TRUE;
  for (guint i = 0; ok && i < a->varies->len; i++)
    ok = dmx_sweep_add_vary(sw, a->varies->pdata[i], &err);
  for (guint i = 0; ok && i < a->sets->len; i++)
    ok = dmx_sweep_add_set(sw, a->sets->pdata[i], &err);
  ok = ok && (!a->policy || dmx_sweep_set_policies(sw, a->policy, &err));
  ok = ok && (!a->metric || dmx_sweep_set_metric(sw, a->metric, &err));
  ok = ok && (!a->name || dmx_sweep_set_name(sw, a->name, &err));
  if (!ok) {
    usage("%s", err->message);
    return NULL;
  }
  if (!is_sweep && sw->axes->len == 0 && (!sw->policies || !sw->policies[1])) {
    usage("%s is a scenario: say what to vary (--vary KEY=V1,V2,... or --policy P,Q), or give a sweep file", file);
    return NULL;
  }
  *code = DMX_EXIT_OK;
  return g_steal_pointer(&sw);
}

static int resolve(DmxSweep *sw, const DmxPaths *paths) {
  g_autoptr(GError) err = NULL;
  g_autoptr(DmxModelDb) db = dmx_model_db_load(paths->devices_ini, &err);
  if (!db) {
    g_printerr("%s\n", err->message);
    return DMX_EXIT_SCENARIO;
  }
  DmxScenarioLoadOptions lo = {.top = paths->top, .models = db, .check_app = TRUE};
  if (!dmx_sweep_resolve(sw, &lo, &err)) {
    g_printerr("%s\n", err->message);
    return DMX_EXIT_SCENARIO;
  }
  return DMX_EXIT_OK;
}

static void print_plan(const DmxSweep *sw) {
  g_autofree char *policies = g_strjoinv(", ", sw->policies);
  printf("sweep %s%s%s: scenario %s (%s), metric %s\n", sw->name, sw->ini ? " from " : "", sw->ini ? sw->path : "",
         sw->scenario_name, sw->scenario, sw->metric);
  for (guint a = 0; a < sw->axes->len; a++) {
    const DmxSweepAxis *axis = sw->axes->pdata[a];
    g_autofree char *labels = g_strjoinv(", ", axis->labels);
    printf("  axis %s: %s\n", axis->name, labels);
    for (guint k = 0; k < axis->params->len; k++) {
      const DmxSweepParam *p = axis->params->pdata[k];
      g_autofree char *values = g_strjoinv(", ", p->values);
      printf("    %s = %s\n", p->key, values);
    }
  }
  printf("  policies %s\n", policies);
  g_autoptr(GPtrArray) points = dmx_sweep_grid(sw);
  printf("  %u points:\n", points->len);
  for (guint i = 0; i < points->len; i++) {
    const DmxSweepPoint *p = points->pdata[i];
    g_autofree char *out = g_strdup_printf("SWEEP/%s", p->name);
    g_auto(GStrv) argv = dmx_sweep_point_argv(p, "dmx", sw->scenario, out);
    GString *cmd = g_string_new(NULL);
    for (guint k = 0; argv[k]; k++) {
      g_autofree char *q = strpbrk(argv[k], " '\"$\\;&|<>*?()") ? g_shell_quote(argv[k]) : g_strdup(argv[k]);
      g_string_append_printf(cmd, "%s%s", k ? " " : "", q);
    }
    printf("    %s\n      %s\n", p->name, cmd->str);
    g_string_free(cmd, TRUE);
  }
}

static int run_and_report(const DmxSweep *sw, const SweepArgs *a, const DmxPaths *paths) {
  g_ptr_array_add(a->sshlogins, NULL);
  g_autofree char *dir = NULL;
  DmxSweepRunOptions ro = {.jobs = a->jobs, .sshlogins = (char **)a->sshlogins->pdata, .runner = a->runner,
                           .out = a->out, .paths = paths, .sweep_dir_out = &dir};
  int code = dmx_sweep_run(sw, &ro);
  if (a->report && dir && code < DMX_EXIT_SIGNAL_BASE) {
    DmxReportOptions report_opt = {0};
    int rc = dmx_report_sweep(dir, &report_opt);
    if (code == DMX_EXIT_OK)
      code = rc;
  }
  return code;
}

int dmx_sweep_cli(int argc, char **argv) {
  SweepArgs a = {.varies = g_ptr_array_new(), .sets = g_ptr_array_new(), .sshlogins = g_ptr_array_new(),
                 .positional = g_ptr_array_new(), .runner = DMX_RUNNER_AUTO, .jobs = 1};
  int code = parse_args(argc, argv, &a);
  g_autoptr(DmxSweep) sw = code == 0 ? build_sweep(&a, &code) : NULL;
  g_autoptr(DmxPaths) paths = sw ? dmx_paths_discover() : NULL;
  if (sw)
    code = resolve(sw, paths);
  if (sw && code == DMX_EXIT_OK && a.check_only)
    print_plan(sw);
  else if (sw && code == DMX_EXIT_OK)
    code = run_and_report(sw, &a, paths);
  g_ptr_array_unref(a.varies);
  g_ptr_array_unref(a.sets);
  g_ptr_array_unref(a.sshlogins);
  g_ptr_array_unref(a.positional);
  return code < 0 ? DMX_EXIT_OK : code;
}
