/* io_vfd.h: this device's side of the app's process-wide virtual fds (the directory: io_fd_directory.h).
 *
 * With the directory active, open() of a /dev/dmx/ path opens the resource file where the app's binding of its
 * class says (or where the file directory finds a storage file), has that device's resource server keep it for
 * the whole app (an app-wide id), reserves the number IO_VFD_BASE + slot here and describes the file in the
 * directory. Any app thread, on any device, then uses the number: each operation runs on the device where the
 * resource file is open now, locally when that is this device, else forwarded.
 *
 * Each device keeps a private view of the entries it uses (where the file is, its id, serial and version), so
 * an operation takes no global lock. A view is checked against the directory when a binding changed on this
 * device (io_bind_epoch): a file of a class that follows bindings is then reopened where the class is bound,
 * exactly once, by whichever device's thread gets there first (it claims the move in the directory, reopens
 * and replays the setup ioctls without the lock, then records the new place and closes the old file). A view
 * is also checked when its target answers EBADF: the file moved or was closed on another device. A number
 * closed on another device is given back here (its /dev/null closed) when this device next looks at it. */
#ifndef DMX_IO_VFD_H
#define DMX_IO_VFD_H

#include "io_fd_directory.h"

#include <stdbool.h>
#include <sys/types.h>

static inline bool io_vfd_in_range(int fd)
{
    return (unsigned)(fd - IO_VFD_BASE) < IO_VFD_SLOTS;
}

/* Is the directory in use (new opens of /dev/dmx/ paths make process-wide fds)? */
bool io_vfd_enabled(void);

/* May FD (in range) be a process-wide virtual fd for the code at RA: the app's own code, or any code when the
 * number is reserved on this device? Everything else (libdmx's own fds) goes to libc untouched. */
bool io_vfd_applies(int fd, const void *ra);

/* open() of class CLS at SUBPATH ("" or "/NAME"): the new fd, or -errno. */
int io_vfd_open(const struct io_class_ops *cls, const char *subpath, int flags, mode_t mode);

/* Runs REQ (read, write, ioctl, lseek, fstat) on FD: 0 with req->result set, or -1 when FD is no virtual fd
 * (an ordinary fd: pass the call to libc). */
int io_vfd_run(int fd, struct io_request *req);

/* Where FD's resource file is open now, as this device last knew (no global lock when it has a view): false
 * when FD is no virtual fd. */
bool io_vfd_where(int fd, const struct io_class_ops **cls, uint32_t *device);

/* close(FD): 0 with *result (0 or -errno), or -1 when FD is no virtual fd. */
int io_vfd_close(int fd, int64_t *result);

#endif
