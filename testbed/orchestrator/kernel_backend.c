/* kernel_backend: see kernel_backend.h. Commands run through ip/tc, inside a namespace with nsenter --net. */
#include "kernel_backend.h"

#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../../netem/link_spec.h"

struct DmxKernelNet {
  GPid holder;
  char *holder_ns;   /* /proc/PID/ns/net */
  GArray *indexes;   /* int: the attached devices' indexes */
  void (*log)(void *ud, const char *line);
  void *ud;
};

static void enter_new_netns(gpointer data) {
  (void)data;
  prctl(PR_SET_PDEATHSIG, SIGKILL);
  if (unshare(CLONE_NEWNET) < 0)
    _exit(126);
}

/* Runs ARGV (in a fresh network namespace when FRESH_NS); TRUE on exit 0, else FALSE with stderr in *ERR_TEXT. */
static gboolean run_argv(char **argv, gboolean fresh_ns, char **err_text) {
  g_autofree char *out = NULL, *err = NULL;
  int status = 0;
  g_autoptr(GError) gerr = NULL;
  gboolean ok = g_spawn_sync(NULL, argv, NULL, G_SPAWN_SEARCH_PATH, fresh_ns ? enter_new_netns : NULL, NULL, &out,
                             &err, &status, &gerr) &&
                g_spawn_check_wait_status(status, NULL);
  if (err_text)
    *err_text = g_strdup(gerr ? gerr->message : err && *err ? g_strstrip(err) : "failed");
  return ok;
}

static gboolean probe(const char *cmdline, char **why) {
  g_auto(GStrv) argv = g_strsplit(cmdline, " ", -1);
  g_autofree char *err = NULL;
  gboolean ok = run_argv(argv, TRUE, &err);
  if (!ok && why)
    *why = g_steal_pointer(&err);
  return ok;
}

void dmx_kernel_caps_probe(DmxKernelCaps *caps) {
  *caps = (DmxKernelCaps){0};
  caps->root = geteuid() == 0;
  g_autofree char *ip = g_find_program_in_path("ip"), *tc = g_find_program_in_path("tc"),
                  *ns = g_find_program_in_path("nsenter");
  caps->tools = ip && tc && ns;
  if (!caps->root || !caps->tools)
    return;
  caps->veth_bridge = probe("ip link add dmxv0 type veth peer name dmxv1", NULL) &&
                      probe("ip link add dmxbr type bridge", NULL);
  caps->htb = probe("tc qdisc add dev lo root handle 1: htb default 1", NULL);
  caps->tbf = probe("tc qdisc add dev lo root tbf rate 1mbit burst 16kb latency 50ms", NULL);
  char *u32[] = {"sh", "-c",
                 "tc qdisc add dev lo root handle 1: htb && tc filter add dev lo parent 1: protocol all u32 match "
                 "u32 0 0 classid 1:1", NULL};
  caps->u32 = run_argv(u32, TRUE, NULL);
  caps->netem = probe("tc qdisc add dev lo root netem delay 1ms", &caps->why_netem);
}

void dmx_kernel_caps_clear(DmxKernelCaps *caps) { g_clear_pointer(&caps->why_netem, g_free); }

static gboolean spec_needs_netem(const LinkSpec *s) {
  return s->delay_ns || s->jitter_ns || s->loss.kind != LOSS_NONE || s->duplicate > 0 || s->corrupt > 0 ||
         s->reorder > 0 || s->ecn;
}

/* The directed rules in medium order: "* * DEFAULT" then the scenario's "link A B SPEC" setup commands. */
typedef struct {
  char *src, *dst, *spec;
} Rule;

static void rule_clear(gpointer p) {
  Rule *r = p;
  g_free(r->src);
  g_free(r->dst);
  g_free(r->spec);
}

static GArray *scenario_rules(const DmxScenario *sc) {
  GArray *rules = g_array_new(FALSE, TRUE, sizeof(Rule));
  g_array_set_clear_func(rules, rule_clear);
  Rule def = {g_strdup("*"), g_strdup("*"), g_strdup(sc->link_spec ? sc->link_spec : "")};
  g_array_append_val(rules, def);
  for (guint i = 0; i < sc->link_setup->len; i++) {
    const char *c = sc->link_setup->pdata[i];
    if (!g_str_has_prefix(c, "link "))
      continue;
    g_auto(GStrv) w = g_strsplit(c, " ", 4);
    if (!w[1] || !w[2])
      continue;
    Rule r = {g_strdup(w[1]), g_strdup(w[2]), g_strdup(w[3] ? w[3] : "")};
    g_array_append_val(rules, r);
  }
  return rules;
}

gboolean dmx_kernel_backend_check(const DmxScenario *sc, GError **error) {
  DmxKernelCaps caps;
  dmx_kernel_caps_probe(&caps);
  g_autoptr(GArray) rules = scenario_rules(sc);
  gboolean ok = FALSE;
  if (!caps.root) {
    g_set_error(error, G_FILE_ERROR, G_FILE_ERROR_PERM, "backend = kernel needs root (it creates veth pairs, a bridge "
                "and qdiscs); use backend = userspace");
  } else if (!caps.tools) {
    g_set_error(error, G_FILE_ERROR, G_FILE_ERROR_NOENT, "backend = kernel needs ip, tc and nsenter (Debian: "
                "iproute2, util-linux)");
  } else if (!caps.veth_bridge || !caps.htb || !caps.tbf || !caps.u32) {
    g_set_error(error, G_FILE_ERROR, G_FILE_ERROR_NOENT, "backend = kernel: this kernel lacks %s",
                !caps.veth_bridge ? "veth or bridge" : !caps.htb ? "sch_htb" : !caps.tbf ? "sch_tbf" : "cls_u32");
  } else {
    ok = TRUE;
    for (guint i = 0; ok && i < rules->len; i++) {
      const Rule *r = &g_array_index(rules, Rule, i);
      LinkSpec s;
      if (!link_spec_parse(r->spec, &s, NULL) || !spec_needs_netem(&s) || caps.netem)
        continue;
      g_autofree char *which = strcmp(r->src, "*") == 0 && strcmp(r->dst, "*") == 0
                                   ? g_strdup("the default link ([link] spec)")
                                   : g_strdup_printf("the link %s -> %s", r->src, r->dst);
      g_set_error(error, G_FILE_ERROR, G_FILE_ERROR_NOENT,
                  "backend = kernel: %s ('%s') needs the kernel module sch_netem (for delay, jitter, "
                  "loss, duplicate, corrupt or reorder), and this kernel has none (tc: %s). Use backend = userspace "
                  "(dmx-medium has the same semantics), or a rate-only spec, which tbf shapes",
                  which, r->spec, caps.why_netem ? caps.why_netem : "netem refused");
      ok = FALSE;
    }
  }
  dmx_kernel_caps_clear(&caps);
  return ok;
}

/* ---- building the network ---- */

static gboolean run_in(DmxKernelNet *k, const char *ns, GError **error, const char *fmt, ...) G_GNUC_PRINTF(4, 5);
static gboolean run_in(DmxKernelNet *k, const char *ns, GError **error, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  g_autofree char *cmd = g_strdup_vprintf(fmt, ap);
  va_end(ap);
  g_autofree char *nsarg = ns ? g_strdup_printf("--net=%s", ns) : NULL;
  g_auto(GStrv) words = g_strsplit(cmd, " ", -1);
  GPtrArray *argv = g_ptr_array_new();
  if (ns) {
    g_ptr_array_add(argv, "nsenter");
    g_ptr_array_add(argv, nsarg);
  }
  for (int i = 0; words[i]; i++)
    if (*words[i])
      g_ptr_array_add(argv, words[i]);
  g_ptr_array_add(argv, NULL);
  g_autofree char *err = NULL;
  gboolean ok = run_argv((char **)argv->pdata, FALSE, &err);
  g_ptr_array_free(argv, TRUE);
  if (k->log) {
    g_autofree char *line = g_strdup_printf("kernel backend: %s%s%s%s", ns ? "[" : "", ns ? ns : "", ns ? "] " : "", cmd);
    k->log(k->ud, line);
  }
  if (!ok)
    g_set_error(error, G_FILE_ERROR, G_FILE_ERROR_FAILED, "kernel backend: '%s' failed: %s", cmd, err);
  return ok;
}

DmxKernelNet *dmx_kernel_net_new(void (*log)(void *ud, const char *line), void *ud, GError **error) {
  DmxKernelNet *k = g_new0(DmxKernelNet, 1);
  k->log = log;
  k->ud = ud;
  k->indexes = g_array_new(FALSE, FALSE, sizeof(int));
  char *argv[] = {"sleep", "infinity", NULL};
  g_autoptr(GError) err = NULL;
  if (!g_spawn_async(NULL, argv, NULL, G_SPAWN_SEARCH_PATH | G_SPAWN_DO_NOT_REAP_CHILD | G_SPAWN_STDOUT_TO_DEV_NULL,
                     enter_new_netns, NULL, &k->holder, &err)) {
    g_set_error(error, G_FILE_ERROR, G_FILE_ERROR_FAILED, "kernel backend: holder namespace: %s", err->message);
    dmx_kernel_net_free(k);
    return NULL;
  }
  k->holder_ns = g_strdup_printf("/proc/%d/ns/net", (int)k->holder);
  /* The holder's unshare happens in its child_setup, before exec: wait until its namespace differs from ours. */
  for (int i = 0; i < 200; i++) {
    g_autofree char *mine = g_file_read_link("/proc/self/ns/net", NULL);
    g_autofree char *its = g_file_read_link(k->holder_ns, NULL);
    if (mine && its && strcmp(mine, its) != 0)
      break;
    g_usleep(5000);
  }
  if (!run_in(k, k->holder_ns, error, "ip link add br0 type bridge") ||
      !run_in(k, k->holder_ns, error, "ip link set br0 up")) {
    dmx_kernel_net_free(k);
    return NULL;
  }
  return k;
}

gboolean dmx_kernel_net_attach(DmxKernelNet *k, const char *name, int index, pid_t device_pid, GError **error) {
  (void)name;
  g_autofree char *dev_ns = g_strdup_printf("/proc/%d/ns/net", (int)device_pid);
  /* The TAP dmx0 goes away when its last fd closes; its name may stay taken for a moment. */
  g_autoptr(GError) last = NULL;
  gboolean ok = FALSE;
  for (int attempt = 0; attempt < 50 && !ok; attempt++) {
    g_clear_error(&last);
    ok = run_in(k, k->holder_ns, &last, "ip link add vd%d type veth peer name dmx0 netns %d", index, (int)device_pid);
    if (!ok)
      g_usleep(20000);
  }
  if (!ok) {
    g_propagate_error(error, g_steal_pointer(&last));
    return FALSE;
  }
  g_array_append_val(k->indexes, index);
  return run_in(k, dev_ns, error, "ip link set dmx0 address 02:dd:00:00:00:%02x", index) &&
         run_in(k, dev_ns, error, "ip addr add 10.77.0.%d/24 dev dmx0", index) &&
         run_in(k, dev_ns, error, "ip link set dmx0 up") &&
         run_in(k, k->holder_ns, error, "ip link set vd%d master br0", index) &&
         run_in(k, k->holder_ns, error, "ip link set vd%d up", index);
}

static const char *spec_for(GArray *rules, const char *src, const char *dst) {
  const char *spec = "";
  for (guint i = 0; i < rules->len; i++) {
    const Rule *r = &g_array_index(rules, Rule, i);
    gboolean s = strcmp(r->src, "*") == 0 || strcmp(r->src, src) == 0;
    gboolean d = strcmp(r->dst, "*") == 0 || strcmp(r->dst, dst) == 0;
    if (s && d)
      spec = r->spec; /* the last matching rule wins, as in the medium */
  }
  return spec;
}

/* netem's own syntax without dmx's extensions (bytelimit N, inorder). */
static char *netem_args(const char *spec) {
  g_auto(GStrv) w = g_strsplit(spec, " ", -1);
  GString *s = g_string_new(NULL);
  for (int i = 0; w[i]; i++) {
    if (!*w[i] || strcmp(w[i], "inorder") == 0)
      continue;
    if (strcmp(w[i], "bytelimit") == 0 && w[i + 1]) {
      i++;
      continue;
    }
    g_string_append_printf(s, " %s", w[i]);
  }
  return g_string_free(s, FALSE);
}

static gboolean shape_link(DmxKernelNet *k, int dst, int src, const char *spec_text, double tdf, GError **error) {
  LinkSpec s;
  if (!link_spec_parse(spec_text, &s, error))
    return FALSE;
  link_spec_dilate(&s, tdf); /* as the medium: rates / tdf, delays * tdf */
  if (!run_in(k, k->holder_ns, error, "tc class add dev vd%d parent 1: classid 1:%x htb rate 10gbit", dst, src) ||
      !run_in(k, k->holder_ns, error,
              "tc filter add dev vd%d parent 1: protocol all prio 1 u32 match ether src 02:dd:00:00:00:%02x "
              "classid 1:%x", dst, src, src))
    return FALSE;
  if (spec_needs_netem(&s)) {
    g_autofree char *dilated = link_spec_to_string(&s);
    g_autofree char *args = netem_args(dilated);
    return run_in(k, k->holder_ns, error, "tc qdisc add dev vd%d parent 1:%x netem%s", dst, src, args);
  }
  if (s.rate_bps) {
    guint64 bytes_per_s = s.rate_bps / 8;
    /* A token bucket lets an idle link send a burst at line rate; netem's rate (and dmx-medium's) paces every
     * packet. The smallest burst tbf takes well (two full frames, or 1 ms of traffic) keeps the two close. */
    guint64 burst = MAX(bytes_per_s / 1000, 3028);
    return run_in(k, k->holder_ns, error, "tc qdisc add dev vd%d parent 1:%x tbf rate %" G_GUINT64_FORMAT "bit burst %"
                  G_GUINT64_FORMAT " limit %u", dst, src, s.rate_bps, burst,
                  (guint)MAX(burst * 2, (guint64)s.limit_packets * 1514));
  }
  return TRUE; /* a perfect link: the class alone */
}

gboolean dmx_kernel_net_shape(DmxKernelNet *k, const DmxScenario *sc, double tdf, GError **error) {
  g_autoptr(GArray) rules = scenario_rules(sc);
  for (guint i = 0; i < sc->devices->len; i++) {
    const DmxDeviceSpec *dst = sc->devices->pdata[i];
    if (!run_in(k, k->holder_ns, error, "tc qdisc add dev vd%d root handle 1: htb default ffff", dst->index))
      return FALSE;
    if (!run_in(k, k->holder_ns, error, "tc class add dev vd%d parent 1: classid 1:ffff htb rate 10gbit", dst->index))
      return FALSE;
    for (guint j = 0; j < sc->devices->len; j++) {
      const DmxDeviceSpec *src = sc->devices->pdata[j];
      if (src != dst && !shape_link(k, dst->index, src->index, spec_for(rules, src->name, dst->name), tdf, error))
        return FALSE;
    }
  }
  return TRUE;
}

void dmx_kernel_net_free(DmxKernelNet *k) {
  if (!k)
    return;
  if (k->holder > 0) {
    kill(k->holder, SIGKILL);
    waitpid(k->holder, NULL, 0);
    g_spawn_close_pid(k->holder);
  }
  g_free(k->holder_ns);
  g_array_unref(k->indexes);
  g_free(k);
}
