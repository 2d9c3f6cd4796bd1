/* guest_control: see guest_control.h. */
#include "guest_control.h"

#include <gio/gio.h>
#include <string.h>

#include "io_control_client.h"

#define BIND_SOCKET_WAIT_S 5

gboolean dmx_guest_command_is_ours(const char *command) { return g_str_has_prefix(command, "bind "); }

char *dmx_guest_command(const DmxScenario *sc, const char *policy, const char *run_dir, const char *secret,
                        const char *command, GError **error) {
  g_auto(GStrv) w = g_strsplit(command, " ", -1);
  const DmxDeviceSpec *target = g_strv_length(w) == 3 ? dmx_scenario_device(sc, w[2]) : NULL;
  if (!target) {
    g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT, "expected bind CLASS DEVICE");
    return NULL;
  }
  if (strcmp(policy, "local") == 0)
    return g_strdup("(ignored under the local policy: the master keeps its own resources)");
  const DmxDeviceSpec *master = sc->devices->pdata[0];
  g_autofree char *sock = g_build_filename(run_dir, "devices", master->name, "io-control.sock", NULL);
  char why[256] = "";
  int rc = dmx_io_control_bind(sock, secret, w[1], target->index, BIND_SOCKET_WAIT_S, why, sizeof why);
  if (rc < 0) {
    g_set_error(error, G_IO_ERROR, g_io_error_from_errno(-rc), "%s: %s", sock, why[0] ? why : g_strerror(-rc));
    return NULL;
  }
  return g_strdup_printf("%s now on %s (device %d)", w[1], target->name, target->index);
}
