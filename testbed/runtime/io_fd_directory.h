/* io_fd_directory.h: the process-wide directory of virtual fds, for an app whose threads run on several devices.
 *
 * A thread may open /dev/dmx/screen on the phone, migrate to the TV and write the fd there, so on an active
 * multi-device run (thread_takeover.h) every open virtual file is described once for the whole app, in the
 * shared heap: which fd number it has, where its resource file is open now (device and the app-wide id of
 * that device's resource server) and what is needed to reopen it elsewhere (class, subpath, flags, setup
 * ioctls). The directory also holds the app's class bindings ("screen is the TV's"). Each device keeps
 * private views of the entries (io_vfd.c) and reads the directory only to make or check one.
 *
 * Virtual fd numbers of such a run are IO_VFD_BASE + slot, one slot per entry, so one number means one file
 * wherever the thread runs. The number is reserved (a /dev/null fd) on the device that opened the file; on the
 * others it may be a real fd of libdmx or libc, so only the app's own code sees the directory there.
 *
 * The slots are dealt in equal ranges to the devices of the run: a device numbers the files it opens from its
 * own range, and each range has its own global lock (DMX_LOCK_IO_FDS_OF(device)) and its own copy of the
 * bindings. So a device that opens, reads and closes files of its own takes only its own lock, which the master's
 * speculative grants leave cached there: no message. A thread that moved meets a file opened elsewhere under
 * that range's lock. A rebind writes every copy (io_binding.c), each under its range's lock.
 *
 * Coherence is the DSM's lazy release consistency: an entry may be read or written only between
 * io_fdd_lock_slot(slot) and io_fdd_unlock_slot(slot), a range's bindings only under its lock. Never hold one
 * across network I/O of the I/O engine: read the entry, unlock, do the I/O, lock again and check the entry's
 * serial and version. */
#ifndef DMX_IO_FD_DIRECTORY_H
#define DMX_IO_FD_DIRECTORY_H

#include "io_registry.h"

#include <stdbool.h>
#include <stdint.h>

#define IO_VFD_BASE 512  /* below the usual 1024 soft limit of open files, above what an app normally uses */
#define IO_VFD_SLOTS 512  /* numbers IO_VFD_BASE .. 1023, dealt in equal ranges to the devices */
#define IO_VFD_MAX_SETUP 4
#define IO_VFD_SETUP_ARG 64
#define IO_VFD_SUBPATH 512

enum io_vfd_state { IO_VFD_FREE = 0, IO_VFD_OPEN = 1 };

struct io_vfd_setup {
    uint64_t cmd;
    uint32_t len;
    uint8_t arg[IO_VFD_SETUP_ARG];
};

/* One open virtual file. */
struct io_vfd_entry {
    uint32_t state;     /* enum io_vfd_state */
    uint32_t opener;    /* the device whose /dev/null reserves the number (it closes it once the file is closed) */
    uint64_t serial;    /* this open, unique in the run: a number closed and opened again is another file */
    uint64_t version;   /* bumped at every move and setup change */
    uint64_t cls;       /* const struct io_class_ops *: the same address on every device (one -no-pie binary) */
    uint32_t device;    /* where the resource file is open now (device index) */
    uint32_t moving;    /* the device that is reopening it elsewhere now, 0 = none */
    uint64_t file_id;   /* its app-wide id in that device's resource server (io_server.h) */
    int32_t flags;
    uint32_t mode;
    uint32_t nsetup;
    struct io_vfd_setup setup[IO_VFD_MAX_SETUP];
    char subpath[IO_VFD_SUBPATH];
};

/* The master, once its takeover is active: makes the directory and publishes it in the control block. 0, or -1
 * (logged; virtual fds then stay per device). Does nothing when the takeover is not active. */
int io_fdd_create(void);

/* Is this a run that has a directory (an active takeover), whether or not this device has seen it yet? */
bool io_fdd_wanted(void);

/* Does this device use the directory (an active takeover whose master made one)? Cheap once it does. */
bool io_fdd_active(void);

/* This device's index (cached). */
uint32_t io_fdd_self(void);

/* Is code at RA the app's own (the executable outside libdmx, or a library it links)? Only the app sees the
 * process-wide fds: libdmx's own I/O never does. */
bool io_fdd_app_caller(const void *ra);

/* The global lock of the range that holds SLOT, and of this device's own range. */
void io_fdd_lock_slot(int slot);
void io_fdd_unlock_slot(int slot);
void io_fdd_lock_own(void);
void io_fdd_unlock_own(void);
/* The lock of DEVICE's range (1 .. the run's device count). */
void io_fdd_lock_device(uint32_t device);
void io_fdd_unlock_device(uint32_t device);

/* The device whose range holds SLOT, and this device's range of slots, [*lo, *hi). */
uint32_t io_fdd_owner(int slot);
/* The directory's block in the shared heap, page-aligned (false before it exists here): what its locks guard, for
 * a release that publishes only that (thread_takeover.c). */
bool io_fdd_block(uintptr_t *lo, uintptr_t *hi);
void io_fdd_own_range(int *lo, int *hi);
/* The number of devices whose ranges the slots are dealt to. */
uint32_t io_fdd_ranges(void);

/* Under the lock of its range: entry SLOT (0 .. IO_VFD_SLOTS-1). Under DEVICE's range lock: that range's copy
 * of the class bindings (device index per class index of the registry, 0 = each device its own). Under this
 * device's own lock: a serial unique in the run. */
struct io_vfd_entry *io_fdd_entry(int slot);
uint32_t *io_fdd_bindings_of(uint32_t device);
uint64_t io_fdd_next_serial(void);

#endif
