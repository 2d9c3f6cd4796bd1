/* stop_report: a run stopped from outside still leaves this device's reports.
 *
 * dmx stops every device with SIGTERM once a scenario's duration is reached (or on Ctrl-C), and SIGKILLs what is
 * left 2 s later. The reports a device writes as it exits (dsm.json, io-counters, io-forward-threads) were lost
 * then, and with them the DSM and forwarding counters of every run with a duration (home theater, surveillance).
 *
 * SIGTERM's handler only wakes a thread of libdmx's own: a write to a pipe is all a handler may safely do, as the
 * signal may land in a thread holding a lock the reports take. That thread writes the reports and ends the
 * process by SIGTERM's default action, so the device's exit looks as it did before. An app that handles SIGTERM
 * itself replaces this handler; its own exit then writes the reports as usual. */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "app_signals.h"
#include "dsm_api.h"
#include "io_forward.h"
#include "io_registry.h"
#include "stop_report.h"
#include "thread_takeover.h"
#include "wire_conn.h"

static int wake_pipe[2] = { -1, -1 };
static atomic_bool app_reports;

static void on_term(int sig)
{
    (void)sig;
    int saved = errno;
    char byte = 1;
    ssize_t n = write(wake_pipe[1], &byte, 1);
    (void)n;
    errno = saved;
}

void dmx_write_device_reports(bool with_app_reports, bool with_dsm)
{
    if (with_app_reports) {
        io_registry_write_report();
        io_forward_write_report();
    }
    if (with_dsm)
        dmx_dsm_write_report();
    /* What app threads printed may still be in this process's stdio buffers, and no exit() will flush them. */
    fflush(stdout);
    fflush(stderr);
}

static void *reporter_main(void *unused)
{
    char byte;
    (void)unused;
    while (read(wake_pipe[0], &byte, 1) < 0 && errno == EINTR)
        ;
    dmx_write_device_reports(atomic_load(&app_reports), dmx_dsm_region() != NULL);
    struct sigaction dfl = { .sa_handler = SIG_DFL };
    dmx_libc_sigaction(SIGTERM, &dfl, NULL);
    kill(getpid(), SIGTERM);    /* to a thread that does not block it: this one blocks every signal */
    usleep(200000);
    _exit(128 + SIGTERM);       /* every thread blocks it: end the same way */
}

void dmx_stop_report_child(void)
{
    struct sigaction now, dfl = { .sa_handler = SIG_DFL };
    if (wake_pipe[1] < 0 || dmx_libc_sigaction(SIGTERM, NULL, &now) != 0 || now.sa_handler != on_term)
        return;
    dmx_libc_sigaction(SIGTERM, &dfl, NULL);
    close(wake_pipe[0]);
    close(wake_pipe[1]);
    wake_pipe[0] = wake_pipe[1] = -1;
}

void dmx_stop_report_install(bool with_app_reports)
{
    struct sigaction old;
    atomic_store(&app_reports, with_app_reports);
    if (wake_pipe[0] >= 0 || dmx_libc_sigaction(SIGTERM, NULL, &old) != 0 || old.sa_handler != SIG_DFL)
        return;                 /* installed already, or SIGTERM is ignored or handled by someone else */
    if (pipe2(wake_pipe, O_CLOEXEC) != 0) {
        wire_log("stop: no pipe (%s): a stopped run leaves no reports from this device", strerror(errno));
        return;
    }
    sigset_t all, before;
    pthread_attr_t attr;
    pthread_t reporter;
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &before);    /* the reporter is born blocking every signal */
    pthread_attr_init(&attr);
    pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
    pthread_attr_setstacksize(&attr, 256u << 10);
    int rc = pthread_create(&reporter, &attr, reporter_main, NULL);
    pthread_attr_destroy(&attr);
    pthread_sigmask(SIG_SETMASK, &before, NULL);
    if (rc != 0) {
        wire_log("stop: no reporter thread (%s): a stopped run leaves no reports from this device", strerror(rc));
        return;
    }
    struct sigaction sa = { 0 };
    sa.sa_handler = on_term;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = SA_RESTART;
    dmx_libc_sigaction(SIGTERM, &sa, NULL);
}
