/* output_relay: copies the master device's stdout/stderr to dmx's own, and to its log, through a pipe, so that dmx
 * can clear its live status line before each chunk (the two would otherwise garble each other on a terminal). */
#pragma once
#include <glib.h>

#include "status.h"

typedef struct {
  int pipe_fd;        /* read end; -1 after EOF */
  int out_fd;         /* STDOUT_FILENO or STDERR_FILENO */
  int log_fd;         /* RUN/devices/NAME/stdout.log or stderr.log; -1 if it could not be opened */
  gboolean mid_line;  /* the last byte relayed was not a newline */
} DmxRelay;

/* Creates the pipe; *child_fd is the write end to hand to the device (close it in the parent after fork). */
DmxRelay *dmx_relay_new(int out_fd, const char *log_path, int *child_fd, GError **error);
/* Copies what is readable now. Returns FALSE at end of file. */
gboolean dmx_relay_pump(DmxRelay *relay, DmxStatus *status);
/* Copies until end of file or TIMEOUT_MS. */
void dmx_relay_drain(DmxRelay *relay, DmxStatus *status, int timeout_ms);
void dmx_relay_free(DmxRelay *relay);
