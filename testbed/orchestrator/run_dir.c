/* run_dir: see run_dir.h. */
#include "run_dir.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/file.h>
#include <string.h>
#include <unistd.h>

static gboolean make_dirs(const char *path, GError **error) {
  if (g_mkdir_with_parents(path, 0755) == 0)
    return TRUE;
  g_set_error(error, G_FILE_ERROR, g_file_error_from_errno(errno), "cannot create %s: %s", path, g_strerror(errno));
  return FALSE;
}

static char *unique_path(const char *results, const char *scenario, const char *policy) {
  g_autoptr(GDateTime) now = g_date_time_new_now_local();
  g_autofree char *stamp = g_date_time_format(now, "%Y%m%d-%H%M%S");
  g_autofree char *leaf = g_strdup_printf("%s-%s-%d", stamp, policy, (int)getpid());
  return g_build_filename(results, scenario, leaf, NULL);
}

DmxRunDir *dmx_run_dir_create(const char *results, const char *scenario, const char *policy, const char *out,
                              GError **error) {
  g_autofree char *path = out ? g_canonicalize_filename(out, NULL) : unique_path(results, scenario, policy);
  if (!make_dirs(path, error))
    return NULL;
  g_autofree char *lock_path = g_build_filename(path, ".lock", NULL);
  int fd = open(lock_path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0) {
    g_set_error(error, G_FILE_ERROR, g_file_error_from_errno(errno), "cannot create %s: %s", lock_path,
                g_strerror(errno));
    return NULL;
  }
  if (flock(fd, LOCK_EX | LOCK_NB) < 0) {
    g_set_error(error, G_FILE_ERROR, G_FILE_ERROR_EXIST, "run directory %s is in use by another dmx run (%s is locked)",
                path, lock_path);
    close(fd);
    return NULL;
  }
  g_autofree char *pid = g_strdup_printf("%d\n", (int)getpid());
  if (ftruncate(fd, 0) < 0 || write(fd, pid, strlen(pid)) < 0) {
    /* The pid in the lock file is only informative. */
  }
  DmxRunDir *rd = g_new0(DmxRunDir, 1);
  rd->path = g_steal_pointer(&path);
  rd->lock_path = g_steal_pointer(&lock_path);
  rd->lock_fd = fd;
  return rd;
}

char *dmx_run_dir_device(DmxRunDir *rd, const char *device, GError **error) {
  g_autofree char *dir = g_build_filename(rd->path, "devices", device, NULL);
  return make_dirs(dir, error) ? g_steal_pointer(&dir) : NULL;
}

void dmx_run_dir_release(DmxRunDir *rd) {
  if (!rd)
    return;
  if (rd->lock_fd >= 0) {
    unlink(rd->lock_path);
    close(rd->lock_fd);
  }
  g_free(rd->path);
  g_free(rd->lock_path);
  g_free(rd);
}
