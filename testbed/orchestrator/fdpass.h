/* fdpass: one message plus an optional file descriptor over a Unix socket (SCM_RIGHTS). */
#pragma once
#include <glib.h>
#include <stddef.h>

/* Sends MSG (LEN bytes) and, if FD >= 0, FD. Returns FALSE with errno set on failure. */
gboolean dmx_fd_send(int sock, const void *msg, size_t len, int fd);
/* Receives one message into BUF (NUL-terminated; at most CAP-1 bytes) and a descriptor, if one came, into *FD
 * (else -1). Waits at most TIMEOUT_MS (-1: forever). Returns the message length, 0 on EOF, -1 on error or
 * timeout (errno ETIMEDOUT). */
ssize_t dmx_fd_recv(int sock, char *buf, size_t cap, int *fd, int timeout_ms);
