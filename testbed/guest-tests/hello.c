/* hello: the smallest guest program. Prints who it is, optionally sleeps, and exits with a chosen status.
 *
 *   hello [--exit N] [--worker-exit N] [--sleep SECONDS]
 *
 * The master (DMX_ROLE=master) exits with --exit's N, workers with --worker-exit's N (both default 0); the
 * orchestrator tests use it for exit-status propagation, Ctrl-C and crash handling. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static const char *env_or(const char *name, const char *fallback) {
  const char *v = getenv(name);
  return v && *v ? v : fallback;
}

int main(int argc, char **argv) {
  int exit_master = 0, exit_worker = 0;
  double sleep_s = 0;
  for (int i = 1; i < argc; i++) {
    if (strcmp(argv[i], "--exit") == 0 && i + 1 < argc)
      exit_master = atoi(argv[++i]);
    else if (strcmp(argv[i], "--worker-exit") == 0 && i + 1 < argc)
      exit_worker = atoi(argv[++i]);
    else if (strcmp(argv[i], "--sleep") == 0 && i + 1 < argc)
      sleep_s = atof(argv[++i]);
    else {
      fprintf(stderr, "usage: hello [--exit N] [--worker-exit N] [--sleep SECONDS]\n");
      return 2;
    }
  }
  const char *role = env_or("DMX_ROLE", "master");
  printf("hello from %s (device %s, role %s, devices %s)\n", env_or("DMX_DEVICE_NAME", "?"),
         env_or("DMX_DEVICE_INDEX", "?"), role, env_or("DMX_DEVICES", "?"));
  fflush(stdout);
  if (sleep_s > 0) {
    struct timespec ts = {.tv_sec = (time_t)sleep_s, .tv_nsec = (long)((sleep_s - (time_t)sleep_s) * 1e9)};
    while (nanosleep(&ts, &ts) != 0) {
    }
  }
  return strcmp(role, "master") == 0 ? exit_master : exit_worker;
}
