/* worker_role: what a dmx-cc app does on each device before main().
 *
 * The orchestrator starts the same binary on every device. Every device serves its resources to its peers
 * (io_server.h, TCP port 7702) and forwards operations on classes bound elsewhere (io_forward.h). Only the
 * master (DMX_ROLE=master, or no testbed at all) runs main(); on a worker, libdmx takes over before main() and
 * serves the run: this device's resources, and the app threads that migrate here. It leaves when the master's
 * app has finished, which the orchestrator signals by closing the write end of a pipe whose read end it hands to
 * every worker (DMX_RUN_ALIVE_FD). Programs that are not built with dmx-cc (the orchestrator's own tests) don't
 * have this constructor and run main() everywhere.
 *
 * Bindings at start (the master): DMX_BIND="screen=tv,audio=speaker" binds each named class to a device, by name
 * from DMX_DEVICES or by index; ignored under DMX_POLICY=local, the ideal-network reference where the master
 * uses its own resources. Classes not named stay local. With the takeover active, app threads run on every
 * device and virtual fds and bindings are the whole app's (io_fd_directory.h, io_binding.h): the master makes
 * the directory and enters DMX_BIND there, the workers mirror DMX_BIND, and a worker writes its I/O counters
 * before it leaves (it has app threads of its own now). */
#include "dmx.h"
#include "dsm_api.h"
#include "io_binding.h"
#include "io_devices.h"
#include "io_fd_directory.h"
#include "io_forward.h"
#include "io_link.h"
#include "io_registry.h"
#include "io_server.h"
#include "stop_report.h"

#include <errno.h>
#include <stdio.h>
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

/* DMX_BIND: comma list of CLASS=DEVICE. A malformed entry is logged and skipped. FOR_THE_APP: the master's,
 * which are the app's (see io_binding_initial). */
static void apply_bindings(bool for_the_app)
{
    const char *bind = getenv("DMX_BIND");
    const char *policy = getenv("DMX_POLICY");
    if (!bind || !*bind)
        return;
    if (policy && strcmp(policy, "local") == 0) {
        wire_log("io: policy local: DMX_BIND=%s ignored (the master uses its own resources)", bind);
        return;
    }
    char *copy = strdup(bind), *save = NULL;
    for (char *item = copy ? strtok_r(copy, ",", &save) : NULL; item; item = strtok_r(NULL, ",", &save)) {
        char *eq = strchr(item, '=');
        int device = eq ? io_device_index(eq + 1) : 0;
        if (eq)
            *eq = '\0';
        if (!device || io_binding_initial(item, device, for_the_app) != 0) {
            wire_log("io: DMX_BIND: cannot bind '%s' to '%s'", item, eq ? eq + 1 : "?");
            continue;
        }
        wire_log("io: %s bound to device %d", item, device);
    }
    free(copy);
}

/* Runs after the I/O layer's and the resources' constructors (priorities 101..200), before unprioritized ones. */
__attribute__((constructor(65000))) static void worker_role_serve(void)
{
    io_forward_install();
    io_binding_install();
    if (io_server_start() < 0)
        wire_log("io: the resource server did not start: peers cannot use this device's resources");
    int fd = run_alive_fd();
    if (fd < 0) {
        dmx_stop_report_install(true);
        io_fdd_create();
        apply_bindings(true);
        return;
    }
    bool app_threads_here = io_fdd_wanted();
    dmx_stop_report_install(app_threads_here);
    if (app_threads_here)
        apply_bindings(false);
    char byte;
    ssize_t n;
    do
        n = read(fd, &byte, 1);
    while (n > 0 || (n < 0 && errno == EINTR));
    /* _exit: the app's atexit handlers belong to main(), which never ran here. */
    dmx_write_device_reports(app_threads_here, true);
    _exit(n == 0 ? 0 : 1);
}
