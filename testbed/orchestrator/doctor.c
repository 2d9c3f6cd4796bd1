/* doctor: see doctor.h. Kernel features are probed for real, in throwaway child processes, because a config file
 * that says "enabled" does not mean a container lets us use it. */
#include "doctor.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cleanup.h"
#include "device_model.h"
#include "exit_codes.h"
#include "kernel_backend.h"
#include "netns.h"

typedef enum { CHECK_OK, CHECK_WARN, CHECK_FAIL } Verdict;

typedef struct {
  int failed, warned;
} Tally;

static void report(Tally *t, Verdict v, const char *what, const char *fmt, ...) G_GNUC_PRINTF(4, 5);
static void report(Tally *t, Verdict v, const char *what, const char *fmt, ...) {
  static const char *const tag[] = {"ok  ", "warn", "FAIL"};
  va_list ap;
  va_start(ap, fmt);
  g_autofree char *msg = g_strdup_vprintf(fmt, ap);
  va_end(ap);
  printf("  %s  %-22s %s\n", tag[v], what, msg);
  t->failed += v == CHECK_FAIL;
  t->warned += v == CHECK_WARN;
}

/* Runs FN in a forked child with a pipe for its message; returns its exit status (0 = success). */
static int probe(int (*fn)(int msgfd), char *msg, size_t cap) {
  int pfd[2];
  msg[0] = '\0';
  if (pipe2(pfd, O_CLOEXEC) < 0)
    return -1;
  fflush(NULL);
  pid_t pid = fork();
  if (pid == 0) {
    close(pfd[0]);
    dmx_child_reset_signals();
    _exit(fn(pfd[1]));
  }
  close(pfd[1]);
  ssize_t n = pid > 0 ? read(pfd[0], msg, cap - 1) : -1;
  msg[n > 0 ? n : 0] = '\0';
  close(pfd[0]);
  int status = -1;
  if (pid > 0)
    waitpid(pid, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : 1;
}

static int probe_netns(int msgfd) {
  g_autoptr(GError) err = NULL;
  if (!dmx_netns_enter(&err) || !dmx_netns_link_up("lo", &err)) {
    dprintf(msgfd, "%s", err->message);
    return 1;
  }
  int tap = dmx_netns_create_tap("dmx0", 1, &err);
  if (tap < 0) {
    dprintf(msgfd, "%s", err->message);
    return 1;
  }
  return 0;
}

static int probe_userns(int msgfd) {
  if (unshare(CLONE_NEWUSER) < 0) {
    dprintf(msgfd, "unshare(CLONE_NEWUSER): %s", g_strerror(errno));
    return 1;
  }
  return 0;
}

static int probe_netem(int msgfd) {
  if (unshare(CLONE_NEWNET) < 0) {
    dprintf(msgfd, "unshare(CLONE_NEWNET): %s", g_strerror(errno));
    return 2;
  }
  int null = open("/dev/null", O_WRONLY);
  dup2(null, STDOUT_FILENO);
  dup2(null, STDERR_FILENO);
  execlp("tc", "tc", "qdisc", "add", "dev", "lo", "root", "netem", "delay", "1ms", (char *)NULL);
  dprintf(msgfd, "tc not found");
  return 3;
}

static void check_file(Tally *t, const char *what, const char *path, Verdict if_missing, const char *fix) {
  if (g_file_test(path, G_FILE_TEST_IS_EXECUTABLE) || g_file_test(path, G_FILE_TEST_IS_REGULAR))
    report(t, CHECK_OK, what, "%s", path);
  else
    report(t, if_missing, what, "%s missing: %s", path, fix);
}

static void check_kernel(Tally *t) {
  char msg[512];
  int fd = open("/dev/net/tun", O_RDWR | O_CLOEXEC);
  if (fd >= 0) {
    close(fd);
    report(t, CHECK_OK, "/dev/net/tun", "opens");
  } else {
    report(t, CHECK_FAIL, "/dev/net/tun", "%s: %s", g_strerror(errno),
           errno == EACCES ? "rootless runs need mode 0666 (the usual default): chmod 0666 /dev/net/tun, or run as root"
                           : "modprobe tun (in a container: --device /dev/net/tun)");
  }
  if (probe(probe_netns, msg, sizeof msg) == 0)
    report(t, CHECK_OK, "network namespaces", "a child created a namespace with TAP dmx0 (%s)",
           geteuid() == 0 ? "as root" : "rootless, in a user namespace");
  else
    report(t, CHECK_FAIL, "network namespaces", "%s: run as root, or allow user namespaces", msg);
  if (geteuid() == 0) {
    report(t, CHECK_OK, "user namespaces", "not needed (running as root)");
  } else if (probe(probe_userns, msg, sizeof msg) == 0) {
    report(t, CHECK_OK, "user namespaces", "available for rootless runs");
  } else {
    report(t, CHECK_FAIL, "user namespaces", "%s: sysctl -w kernel.unprivileged_userns_clone=1 (Debian) or "
           "user.max_user_namespaces=15000, or run as root", msg);
  }
  int rc = probe(probe_netem, msg, sizeof msg);
  if (rc == 0)
    report(t, CHECK_OK, "kernel netem", "tc qdisc netem works (the optional kernel backend can be used)");
  else if (rc == 3)
    report(t, CHECK_WARN, "kernel netem", "tc not found: apt-get install iproute2 (only for the kernel backend)");
  else
    report(t, CHECK_WARN, "kernel netem", "not available (sch_netem missing): fine, dmx-medium emulates links in "
           "userspace; only the optional kernel backend needs it");
}

/* Which link backends this host has: `[link] backend = userspace|kernel`, and the uplink. */
static void check_backends(Tally *t, const DmxPaths *p) {
  if (g_file_test(p->medium, G_FILE_TEST_IS_EXECUTABLE))
    report(t, CHECK_OK, "backend userspace", "dmx-medium: every link feature, Wi-Fi mode, events, pcap, uplink");
  else
    report(t, CHECK_FAIL, "backend userspace", "%s missing: run `make` (netem/)", p->medium);
  DmxKernelCaps c;
  dmx_kernel_caps_probe(&c);
  if (!c.root || !c.tools || !c.veth_bridge || !c.htb || !c.tbf || !c.u32)
    report(t, CHECK_WARN, "backend kernel", "not available: %s (optional)",
           !c.root ? "needs root" : !c.tools ? "needs ip, tc, nsenter (iproute2, util-linux)"
           : !c.veth_bridge ? "no veth or bridge" : !c.htb ? "no sch_htb" : !c.tbf ? "no sch_tbf" : "no cls_u32");
  else if (c.netem)
    report(t, CHECK_OK, "backend kernel", "veth + bridge + htb/u32 + tbf + netem: every spec");
  else
    report(t, CHECK_WARN, "backend kernel", "rate-only specs (veth + bridge + htb/u32 + tbf); no sch_netem, so "
           "delay, jitter and loss need backend = userspace");
  dmx_kernel_caps_clear(&c);
}

static void check_toolchain(Tally *t) {
  if (g_file_test("/lib/ld-linux-aarch64.so.1", G_FILE_TEST_EXISTS) ||
      g_file_test("/usr/aarch64-linux-gnu/lib/ld-linux-aarch64.so.1", G_FILE_TEST_EXISTS))
    report(t, CHECK_OK, "arm64 libraries", "the aarch64 loader and libc are installed");
  else
    report(t, CHECK_FAIL, "arm64 libraries", "no ld-linux-aarch64.so.1: apt-get install libc6-dev-arm64-cross "
           "(or dpkg --add-architecture arm64 && apt-get install libc6:arm64)");
  g_autofree char *cc = g_find_program_in_path("aarch64-linux-gnu-gcc");
  if (cc)
    report(t, CHECK_OK, "cross compiler", "%s", cc);
  else
    report(t, CHECK_FAIL, "cross compiler", "aarch64-linux-gnu-gcc not in PATH: apt-get install gcc-aarch64-linux-gnu");
}

static void check_tree(Tally *t, const DmxPaths *p) {
  check_file(t, "qemu-aarch64", p->qemu, CHECK_FAIL, "run ./configure (fetches, patches and builds QEMU)");
  check_file(t, "devmodel plugin", p->plugin, CHECK_WARN,
             "run `make` (qemu-patches/plugins); without it devices run unthrottled");
  check_file(t, "dmx-medium", p->medium, CHECK_FAIL, "run `make` (netem/)");
  g_autoptr(GError) err = NULL;
  g_autoptr(DmxModelDb) db = dmx_model_db_load(p->devices_ini, &err);
  if (db) {
    g_autofree char *names = dmx_model_db_names(db);
    report(t, CHECK_OK, "device models", "%s: %s", p->devices_ini, names);
  } else {
    report(t, CHECK_FAIL, "device models", "%s", err->message);
  }
}

int dmx_doctor(const DmxPaths *paths) {
  Tally t = {0};
  printf("dmx doctor: can this host run dmx scenarios? (tree: %s)\n", paths->top);
  check_tree(&t, paths);
  check_kernel(&t);
  check_backends(&t, paths);
  check_toolchain(&t);
  if (t.failed)
    printf("NOT READY: %d problem%s (FAIL lines above say what fixes each)\n", t.failed, t.failed == 1 ? "" : "s");
  else
    printf("READY%s\n", t.warned ? " (with warnings)" : "");
  return t.failed ? DMX_EXIT_HOST : DMX_EXIT_OK;
}
