/* paths: see paths.h. */
#include "paths.h"

#include <elf.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#ifndef DMX_TOP
#define DMX_TOP "."
#endif

static char *discover_top(void) {
  const char *env = g_getenv("DMX_TOP");
  if (env && *env)
    return g_strdup(env);
  g_autofree char *exe = g_file_read_link("/proc/self/exe", NULL);
  if (exe) {
    g_autofree char *bin = g_path_get_dirname(exe);   /* TOP/build/bin */
    g_autofree char *build = g_path_get_dirname(bin); /* TOP/build */
    g_autofree char *bin_base = g_path_get_basename(bin);
    g_autofree char *build_base = g_path_get_basename(build);
    if (strcmp(bin_base, "bin") == 0 && strcmp(build_base, "build") == 0)
      return g_path_get_dirname(build);
  }
  return g_strdup(DMX_TOP);
}

static char *env_or(const char *var, const char *top, const char *rel) {
  const char *env = g_getenv(var);
  return env && *env ? g_strdup(env) : g_build_filename(top, rel, NULL);
}

DmxPaths *dmx_paths_discover(void) {
  DmxPaths *p = g_new0(DmxPaths, 1);
  p->top = discover_top();
  p->qemu = env_or("DMX_QEMU", p->top, "build/bin/qemu-aarch64");
  p->plugin = env_or("DMX_PLUGIN", p->top, "build/lib/libdevmodel.so");
  p->medium = env_or("DMX_MEDIUM", p->top, "build/bin/dmx-medium");
  p->devices_ini = env_or("DMX_DEVICES_INI", p->top, "scenarios/devices.ini");
  p->results = g_build_filename(p->top, "results", NULL);
  if (!g_file_test("/lib/ld-linux-aarch64.so.1", G_FILE_TEST_EXISTS) &&
      g_file_test("/usr/aarch64-linux-gnu/lib/ld-linux-aarch64.so.1", G_FILE_TEST_EXISTS))
    p->qemu_ld_prefix = g_strdup("/usr/aarch64-linux-gnu");
  return p;
}

void dmx_paths_free(DmxPaths *p) {
  if (!p)
    return;
  g_free(p->top);
  g_free(p->qemu);
  g_free(p->plugin);
  g_free(p->medium);
  g_free(p->devices_ini);
  g_free(p->results);
  g_free(p->qemu_ld_prefix);
  g_free(p);
}

gboolean dmx_check_guest_binary(const char *path, GError **error) {
  const char *how = "build it with aarch64-linux-gnu-gcc (apt-get install gcc-aarch64-linux-gnu), e.g. `make` builds "
                    "build/guest/*";
  FILE *f = fopen(path, "rb");
  if (!f) {
    g_set_error(error, G_FILE_ERROR, G_FILE_ERROR_NOENT, "guest program %s: %s; %s", path, g_strerror(errno), how);
    return FALSE;
  }
  Elf64_Ehdr eh;
  size_t n = fread(&eh, 1, sizeof eh, f);
  fclose(f);
  if (n != sizeof eh || memcmp(eh.e_ident, ELFMAG, SELFMAG) != 0 || eh.e_ident[EI_CLASS] != ELFCLASS64 ||
      eh.e_machine != EM_AARCH64) {
    g_set_error(error, G_FILE_ERROR, G_FILE_ERROR_INVAL, "guest program %s is not an aarch64 ELF executable; %s", path,
                how);
    return FALSE;
  }
  if (access(path, X_OK) != 0) {
    g_set_error(error, G_FILE_ERROR, G_FILE_ERROR_PERM, "guest program %s is not executable (chmod +x)", path);
    return FALSE;
  }
  return TRUE;
}
