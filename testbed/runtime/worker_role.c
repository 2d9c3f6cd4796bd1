/* worker_role: what a dmx-cc app does on a worker device.
 *
 * The orchestrator starts the same binary on every device. Only the master (DMX_ROLE=master, or no testbed at all)
 * runs main(); on a worker, libdmx takes over before main() and serves the run: this device's resources, and the
 * app threads that migrate here. It leaves when the master's app has finished, which the orchestrator signals by
 * closing the write end of a pipe whose read end it hands to every worker (DMX_RUN_ALIVE_FD). Programs that are not
 * built with dmx-cc (the orchestrator's own tests) don't have this constructor and run main() everywhere. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int run_alive_fd(void)
{
    const char *role = getenv("DMX_ROLE");
    const char *fd_text = getenv("DMX_RUN_ALIVE_FD");
    char *end;
    if (!role || strcmp(role, "worker") != 0 || !fd_text || !*fd_text)
        return -1;
    long fd = strtol(fd_text, &end, 10);
    return *end || fd < 0 || fd > 65535 ? -1 : (int)fd;
}

/* Runs after libdmx's other constructors (the I/O layer and the resources must be up to serve). */
__attribute__((constructor(65000))) static void worker_role_serve(void)
{
    int fd = run_alive_fd();
    if (fd < 0)
        return;
    char byte;
    ssize_t n;
    do
        n = read(fd, &byte, 1);
    while (n > 0 || (n < 0 && errno == EINTR));
    /* _exit: the app's atexit handlers and stdio belong to main(), which never ran here. */
    _exit(n == 0 ? 0 : 1);
}
