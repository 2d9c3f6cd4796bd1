/* sweep_dir: see sweep_dir.h. */
#include "sweep_dir.h"

#include <errno.h>
#include <glib/gstdio.h>
#include <stdio.h>
#include <unistd.h>

#include "sweep_index.h"

/* Claims results/NAME/TIMESTAMP[-N] with a plain mkdir, which fails if another sweep got there first. */
static char *claim_fresh_dir(const char *results, const char *name, GError **error) {
  g_autofree char *parent = g_build_filename(results, name, NULL);
  if (g_mkdir_with_parents(parent, 0755) != 0) {
    g_set_error(error, G_FILE_ERROR, g_file_error_from_errno(errno), "cannot create %s: %s", parent,
                g_strerror(errno));
    return NULL;
  }
  g_autoptr(GDateTime) now = g_date_time_new_now_local();
  g_autofree char *stamp = g_date_time_format(now, "%Y%m%d-%H%M%S");
  for (int n = 1; n < 100; n++) {
    g_autofree char *leaf = n == 1 ? g_strdup(stamp) : g_strdup_printf("%s-%d", stamp, n);
    char *path = g_build_filename(parent, leaf, NULL);
    if (g_mkdir(path, 0755) == 0)
      return path;
    int e = errno;
    if (e != EEXIST) {
      g_set_error(error, G_FILE_ERROR, g_file_error_from_errno(e), "cannot create %s: %s", path, g_strerror(e));
      g_free(path);
      return NULL;
    }
    g_free(path);
  }
  g_set_error(error, G_FILE_ERROR, G_FILE_ERROR_EXIST, "%s: 99 sweeps started in the same second", parent);
  return NULL;
}

/* results/NAME/latest -> TIMESTAMP, replaced atomically (a new link renamed over the old one). */
static void link_latest(const char *dir) {
  g_autofree char *parent = g_path_get_dirname(dir);
  g_autofree char *leaf = g_path_get_basename(dir);
  g_autofree char *latest = g_build_filename(parent, "latest", NULL);
  g_autofree char *tmp = g_strdup_printf("%s.%d", latest, (int)getpid());
  if (symlink(leaf, tmp) != 0 || rename(tmp, latest) != 0) {
    g_printerr("dmx sweep: warning: cannot point %s at %s: %s\n", latest, leaf, g_strerror(errno));
    unlink(tmp);
  }
}

DmxRunDir *dmx_sweep_dir_create(const char *results, const char *name, const char *out, GError **error) {
  if (out) {
    g_autofree char *index = g_build_filename(out, DMX_SWEEP_INDEX_JSON, NULL);
    if (g_file_test(index, G_FILE_TEST_EXISTS)) {
      g_set_error(error, G_FILE_ERROR, G_FILE_ERROR_EXIST, "%s holds a sweep already (%s): give another --out",
                  out, index);
      return NULL;
    }
    return dmx_run_dir_create(results, name, NULL, out, error);
  }
  g_autofree char *fresh = claim_fresh_dir(results, name, error);
  if (!fresh)
    return NULL;
  DmxRunDir *rd = dmx_run_dir_create(results, name, NULL, fresh, error);
  if (rd)
    link_latest(rd->path);
  return rd;
}
