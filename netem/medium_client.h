/* medium_client.h: C client for dmx-medium's control socket (see docs/CONVENTIONS.md).
 *
 *   DmxMediumClient *c = dmx_medium_client_connect("/run/dmx/medium.sock", &error);
 *   guint id; dmx_medium_client_attach(c, "phone", tap_fd, &id, &error);   // fd is duplicated by the kernel;
 *                                                                        // close yours afterwards
 *   char *json = dmx_medium_client_command(c, "stats", &error);          // text after "ok ", g_free it
 *   dmx_medium_client_free(c);
 *
 * A reply "err <message>" becomes a GError (domain DMX_MEDIUM_ERROR, code DMX_MEDIUM_ERROR_REFUSED) carrying
 * <message>; socket problems are G_IO_ERROR errors. Calls block; one client is not thread-safe. */
#pragma once
#include <glib.h>

#define DMX_MEDIUM_ERROR (dmx_medium_error_quark())
GQuark dmx_medium_error_quark(void);
typedef enum {
  DMX_MEDIUM_ERROR_REFUSED,  /* the medium answered "err ..." */
  DMX_MEDIUM_ERROR_PROTOCOL, /* unparseable reply */
} DmxMediumError;

typedef struct DmxMediumClient DmxMediumClient;

/* Connects, retrying for up to timeout_ms while the socket does not exist yet (0 = one try). */
DmxMediumClient *dmx_medium_client_connect(const char *socket_path, guint timeout_ms, GError **error);
void dmx_medium_client_free(DmxMediumClient *client);
/* Sends "attach NAME" with tap_fd as SCM_RIGHTS; *station_id receives the id from "ok <id>". */
gboolean dmx_medium_client_attach(DmxMediumClient *client, const char *name, int tap_fd, guint *station_id,
                                  GError **error);
/* Sends one command line (no newline needed). Returns the text after "ok" (possibly ""), or NULL + error. */
char *dmx_medium_client_command(DmxMediumClient *client, const char *command, GError **error);
/* printf-style convenience: dmx_medium_client_commandf(c, &err, "link %s %s %s", a, b, spec). */
char *dmx_medium_client_commandf(DmxMediumClient *client, GError **error, const char *fmt, ...) G_GNUC_PRINTF(3, 4);
