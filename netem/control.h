/* control.h: the control socket: a Unix stream socket serving one text command per line, one reply line each
 * ("ok ..." or "err <message>"); `attach` carries a TAP fd as SCM_RIGHTS. */
#pragma once
#include "medium.h"

typedef struct ControlServer ControlServer;

ControlServer *control_server_new(const char *path, Medium *m, int epfd, GError **error);
void control_server_free(ControlServer *s);
void control_handle_event(ControlServer *s, EventSource *src, guint32 events);

/* Executes one command line. `take_fd` returns the next fd the client passed (or -1). Returns the reply line
 * without its newline. Exposed for tests. */
char *control_execute(Medium *m, const char *line, int (*take_fd)(void *ud), void *ud);
