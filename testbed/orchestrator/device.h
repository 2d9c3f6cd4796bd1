/* device: one emulated device's lifecycle.
 *
 *   prepare  fork a child; it enters a new network namespace, creates TAP dmx0 and sends the TAP fd back
 *   start    tell the child the epoch of emulated time; it execs qemu-aarch64 (confirmed by the control
 *            socket closing on exec)
 *   reaped   the parent saw it exit (waitpid status recorded)
 *
 * A device that joins mid-run stays prepared (namespace, TAP, waiting child) until it is started.
 *
 * The child dies with dmx (PR_SET_PDEATHSIG), and its namespace dies with it: nothing is left in /var/run/netns. */
#pragma once
#include <glib.h>
#include <sys/types.h>

typedef struct {
  const char *name;
  int index;             /* 1-based: IP 10.77.0.INDEX, MAC 02:dd:00:00:00:INDEX */
  char **argv;           /* the program to exec: qemu-aarch64 ... APP ARGS */
  char **envp;           /* its environment, without QEMU_TDF_EPOCH_NS (added at start) */
  int stdout_fd;           /* >= 0: the device's stdout (e.g. a relay pipe) */
  int stderr_fd;
  const char *stdout_path; /* else, if set: this file; else dmx's own */
  const char *stderr_path;
  gboolean null_stdin;
  int run_alive_fd;        /* >= 0: kept open across exec (DMX_RUN_ALIVE_FD); EOF on it = the master finished */
} DmxDeviceLaunch;

typedef enum { DEVICE_PREPARED, DEVICE_RUNNING, DEVICE_EXITED } DmxDeviceState;

typedef struct {
  char *name;
  int index;
  pid_t pid;
  int ctl;               /* parent's end of the control socket; -1 once running */
  int tap_fd;            /* the TAP, until handed to the medium; -1 after */
  guint64 netns_inode;   /* of /proc/PID/ns/net, for logs and leak checks */
  DmxDeviceState state;
  int wait_status;
  gboolean stopping;     /* dmx asked it to stop: its death is not a crash */
  gboolean started;      /* told to exec: PID is (or was) its qemu, no longer just the waiting child */
} DmxDevice;

/* Forks the device and waits (up to 10 s) until its TAP exists. */
DmxDevice *dmx_device_prepare(const DmxDeviceLaunch *launch, GError **error);
/* Lets it exec, with QEMU_TDF_EPOCH_NS=EPOCH_NS. Fails if the exec failed. */
gboolean dmx_device_start(DmxDevice *dev, gint64 epoch_ns, GError **error);
/* Signals a live device as part of stopping it (its death is then expected). */
void dmx_device_signal(DmxDevice *dev, int sig);
/* SIGKILLs a started, live device without marking it stopping: its death is its own, a departure. FALSE with
 * ERROR if it has not started or is already gone. */
gboolean dmx_device_kill(DmxDevice *dev, GError **error);
void dmx_device_reaped(DmxDevice *dev, int wait_status);
gboolean dmx_device_alive(const DmxDevice *dev);
/* "exited with status 3", "was killed by signal 9 (Killed)". */
char *dmx_device_describe_exit(const DmxDevice *dev);
void dmx_device_free(DmxDevice *dev);

/* Human text for a waitpid status, shared with the medium. */
char *dmx_describe_wait_status(int status);
