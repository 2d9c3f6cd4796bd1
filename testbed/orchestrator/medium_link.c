/* medium_link: see medium_link.h. The control protocol itself is netem/medium_client's. */
#include "medium_link.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <signal.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cleanup.h"
#include "../../netem/medium_client.h"

#define START_TIMEOUT_MS 10000

struct DmxMedium {
  pid_t pid;
  DmxMediumClient *client;
  char *sock_path;
  char *log_path;
  gboolean exited;
  int wait_status;
};

static gint64 now_ms(void) { return g_get_monotonic_time() / 1000; }

G_GNUC_NORETURN static void medium_child(const DmxMediumOptions *opt, DmxMedium *m, pid_t parent) {
  prctl(PR_SET_PDEATHSIG, SIGKILL);
  if (getppid() != parent)
    _exit(127);
  dmx_child_reset_signals();
  /* Its own process group: a Ctrl-C on the terminal reaches dmx, which stops the medium after the devices. */
  setpgid(0, 0);
  int log = open(m->log_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  int null = open("/dev/null", O_RDONLY | O_CLOEXEC);
  if (log >= 0) {
    dup2(log, STDOUT_FILENO);
    dup2(log, STDERR_FILENO);
  }
  if (null >= 0)
    dup2(null, STDIN_FILENO);
  g_autofree char *pcap = g_build_filename(opt->run_dir, "medium.pcap", NULL);
  g_autofree char *final_stats = g_build_filename(opt->run_dir, "medium-stats.json", NULL);
  char tdf[32], seed[32];
  g_ascii_dtostr(tdf, sizeof tdf, opt->tdf);
  g_snprintf(seed, sizeof seed, "%" G_GUINT64_FORMAT, opt->seed);
  char *argv[] = {(char *)opt->binary, "--control", m->sock_path, "--pcap", pcap, "--default", (char *)opt->link_spec,
                  "--mode", (char *)opt->mode, "--tdf", tdf, "--seed", seed, "--final-stats", final_stats, opt->uplink ? "--uplink" : NULL, NULL};
  dmx_child_close_inherited_fds();
  execv(opt->binary, argv);
  dprintf(STDERR_FILENO, "dmx: exec %s: %s\n", opt->binary, g_strerror(errno));
  _exit(127);
}

static char *log_tail(const char *path) {
  g_autofree char *text = NULL;
  if (!g_file_get_contents(path, &text, NULL, NULL) || !*text)
    return g_strdup("(its log is empty)");
  g_strchomp(text);
  const char *nl = strrchr(text, '\n');
  return g_strdup(nl ? nl + 1 : text);
}

static gboolean wait_for_socket(DmxMedium *m, GError **error) {
  gint64 deadline = now_ms() + START_TIMEOUT_MS;
  while (now_ms() < deadline) {
    int status;
    if (waitpid(m->pid, &status, WNOHANG) == m->pid) {
      dmx_medium_reaped(m, status);
      g_autofree char *tail = log_tail(m->log_path);
      g_set_error(error, G_FILE_ERROR, G_FILE_ERROR_FAILED, "dmx-medium exited during start-up: %s (see %s)", tail,
                  m->log_path);
      return FALSE;
    }
    if (g_file_test(m->sock_path, G_FILE_TEST_EXISTS)) {
      m->client = dmx_medium_client_connect(m->sock_path, 0, NULL);
      if (m->client)
        return TRUE;
    }
    g_usleep(20000);
  }
  g_set_error(error, G_FILE_ERROR, G_FILE_ERROR_FAILED, "dmx-medium did not open %s within %d s (see %s)",
              m->sock_path, START_TIMEOUT_MS / 1000, m->log_path);
  return FALSE;
}

DmxMedium *dmx_medium_start(const DmxMediumOptions *opt, GError **error) {
  if (!g_file_test(opt->binary, G_FILE_TEST_IS_EXECUTABLE)) {
    g_set_error(error, G_FILE_ERROR, G_FILE_ERROR_NOENT,
                "%s not found: build the link emulator with `make` (netem/), or use --no-medium for devices "
                "without a network", opt->binary);
    return NULL;
  }
  DmxMedium *m = g_new0(DmxMedium, 1);
  m->sock_path = g_build_filename(opt->run_dir, "medium.sock", NULL);
  m->log_path = g_build_filename(opt->run_dir, "medium.log", NULL);
  if (strlen(m->sock_path) >= sizeof(((struct sockaddr_un *)0)->sun_path)) {
    g_set_error(error, G_FILE_ERROR, G_FILE_ERROR_NAMETOOLONG,
                "control socket path %s is too long for a Unix socket; use a shorter --out", m->sock_path);
    dmx_medium_free(m);
    return NULL;
  }
  fflush(NULL);
  pid_t parent = getpid();
  m->pid = fork();
  if (m->pid == 0)
    medium_child(opt, m, parent);
  if (m->pid < 0) {
    g_set_error(error, G_FILE_ERROR, g_file_error_from_errno(errno), "fork: %s", g_strerror(errno));
    dmx_medium_free(m);
    return NULL;
  }
  if (!wait_for_socket(m, error)) {
    dmx_medium_stop(m);
    dmx_medium_free(m);
    return NULL;
  }
  return m;
}

gboolean dmx_medium_attach(DmxMedium *m, const char *name, int tap_fd, GError **error) {
  guint id;
  g_autoptr(GError) err = NULL;
  if (dmx_medium_client_attach(m->client, name, tap_fd, &id, &err))
    return TRUE;
  g_set_error(error, G_FILE_ERROR, G_FILE_ERROR_FAILED, "dmx-medium: attach %s: %s (see %s)", name, err->message,
              m->log_path);
  return FALSE;
}

char *dmx_medium_command(DmxMedium *m, const char *command, GError **error) {
  if (!m->client) {
    g_set_error(error, G_FILE_ERROR, G_FILE_ERROR_FAILED, "dmx-medium is not connected");
    return NULL;
  }
  return dmx_medium_client_command(m->client, command, error);
}

pid_t dmx_medium_pid(const DmxMedium *m) { return m->pid; }
gboolean dmx_medium_alive(const DmxMedium *m) { return m->pid > 0 && !m->exited; }
int dmx_medium_wait_status(const DmxMedium *m) { return m->wait_status; }
const char *dmx_medium_log_path(const DmxMedium *m) { return m->log_path; }

void dmx_medium_reaped(DmxMedium *m, int wait_status) {
  m->exited = TRUE;
  m->wait_status = wait_status;
}

static gboolean wait_exit(DmxMedium *m, int timeout_ms) {
  gint64 deadline = now_ms() + timeout_ms;
  while (!m->exited) {
    int status;
    pid_t r = waitpid(m->pid, &status, WNOHANG);
    if (r == m->pid || (r < 0 && errno == ECHILD)) {
      dmx_medium_reaped(m, r == m->pid ? status : 0);
      break;
    }
    if (now_ms() >= deadline)
      return FALSE;
    g_usleep(10000);
  }
  return TRUE;
}

void dmx_medium_stop(DmxMedium *m) {
  if (dmx_medium_alive(m)) {
    if (m->client) {
      g_autofree char *reply = dmx_medium_client_command(m->client, "quit", NULL);
      if (wait_exit(m, 1000))
        goto done;
    }
    kill(m->pid, SIGTERM);
    if (!wait_exit(m, 1000)) {
      kill(m->pid, SIGKILL);
      wait_exit(m, 5000);
    }
  }
done:
  if (m->client)
    dmx_medium_client_free(m->client);
  m->client = NULL;
  unlink(m->sock_path);
}

void dmx_medium_free(DmxMedium *m) {
  if (!m)
    return;
  if (m->client)
    dmx_medium_client_free(m->client);
  g_free(m->sock_path);
  g_free(m->log_path);
  g_free(m);
}
