/* medium_ctl.c: dmx-medium-ctl, a command-line client for dmx-medium (scripts, benchmarks, debugging).
 *   dmx-medium-ctl --control SOCK attach NAME NETNS [IFNAME]   open TAP IFNAME (default dmx0) in
 *                                                              /run/netns/NETNS and attach it as NAME
 *   dmx-medium-ctl --control SOCK COMMAND...                   send one command, print the reply's text
 * Exit status 0 on "ok", 1 on "err" (message on stderr), 2 on usage or connection errors. */
#include "medium_client.h"
#include "tap_device.h"
#include <stdio.h>
#include <string.h>
#include <unistd.h>

int main(int argc, char **argv)
{
  if (argc < 4 || strcmp(argv[1], "--control") != 0) {
    fprintf(stderr, "usage: dmx-medium-ctl --control SOCK attach NAME NETNS [IFNAME] | COMMAND...\n");
    return 2;
  }
  GError *error = NULL;
  DmxMediumClient *c = dmx_medium_client_connect(argv[2], 5000, &error);
  if (!c) {
    fprintf(stderr, "dmx-medium-ctl: %s\n", error->message);
    return 2;
  }
  int rc = 0;
  if (strcmp(argv[3], "attach") == 0) {
    if (argc < 6) {
      fprintf(stderr, "usage: dmx-medium-ctl --control SOCK attach NAME NETNS [IFNAME]\n");
      dmx_medium_client_free(c);
      return 2;
    }
    int fd = tap_device_open_in_netns(argv[5], argc > 6 ? argv[6] : "dmx0", &error);
    guint id = 0;
    if (fd < 0 || !dmx_medium_client_attach(c, argv[4], fd, &id, &error)) {
      fprintf(stderr, "dmx-medium-ctl: %s\n", error->message);
      rc = 1;
    } else {
      printf("%u\n", id);
    }
    if (fd >= 0)
      close(fd);
  } else {
    char *command = g_strjoinv(" ", argv + 3);
    char *reply = dmx_medium_client_command(c, command, &error);
    if (!reply) {
      fprintf(stderr, "dmx-medium-ctl: %s\n", error->message);
      rc = 1;
    } else {
      printf("%s\n", reply);
    }
    g_free(reply);
    g_free(command);
  }
  g_clear_error(&error);
  dmx_medium_client_free(c);
  return rc;
}
