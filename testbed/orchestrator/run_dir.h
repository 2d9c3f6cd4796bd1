/* run_dir: a run's output directory, unique per run and locked while the run lives, so two concurrent runs never
 * write into the same place: results/<scenario>/<timestamp>-<policy>-<pid>/, or --out DIR. */
#pragma once
#include <glib.h>

typedef struct {
  char *path;
  char *lock_path;  /* PATH/.lock, held with flock() and removed at release */
  int lock_fd;
} DmxRunDir;

/* OUT, if given, is used as is (created if needed) but must not be locked by a live run. */
DmxRunDir *dmx_run_dir_create(const char *results, const char *scenario, const char *policy, const char *out,
                              GError **error);
/* Creates PATH/devices/NAME. */
char *dmx_run_dir_device(DmxRunDir *rd, const char *device, GError **error);
void dmx_run_dir_release(DmxRunDir *rd);
