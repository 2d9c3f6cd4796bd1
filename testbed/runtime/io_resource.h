/* io_resource.h: how a resource (testbed/resources/) plugs into libdmx's virtual device file layer, and how
 * the I/O engine can carry a request to the device that owns a resource.
 *
 * Every operation on a /dev/dmx/ file becomes a struct io_request (resource class, op, args, payload) that
 * io_dispatch() hands to the class's ops when the class is bound to this device, or to the forwarder
 * (io_set_forwarder) when it is bound to another one. Ops return >= 0 or -errno, never set errno. */
#ifndef DMX_IO_RESOURCE_H
#define DMX_IO_RESOURCE_H

#include <stdint.h>
#include <sys/stat.h>
#include <sys/types.h>

enum io_op { IO_OP_OPEN, IO_OP_READ, IO_OP_WRITE, IO_OP_IOCTL, IO_OP_LSEEK, IO_OP_FSTAT, IO_OP_CLOSE, IO_OP_PREAD };

struct io_class_ops {
    const char *name; /* path component under /dev/dmx/: "screen", "audio", "camera", "storage" */
    /* SUBPATH is what follows "/dev/dmx/NAME" ("" or "/file"). Returns a handle or NULL with *err set. */
    void *(*open)(const char *subpath, int flags, mode_t mode, int *err);
    ssize_t (*read)(void *handle, void *buf, size_t len);
    ssize_t (*write)(void *handle, const void *buf, size_t len);
    /* ARG points to _IOC_SIZE(cmd) bytes, copied in and/or out according to _IOC_DIR(cmd). */
    int (*ioctl)(void *handle, unsigned long cmd, void *arg);
    off_t (*lseek)(void *handle, off_t offset, int whence); /* NULL: -ESPIPE */
    int (*fstat)(void *handle, struct stat *st);            /* NULL: a character device */
    int (*close)(void *handle);
    /* Does this ioctl set state that must be replayed when the file moves to another device? */
    int (*ioctl_is_setup)(unsigned long cmd);
    /* Reads at OFFSET without moving the file's offset (pread). NULL: -ESPIPE. */
    ssize_t (*pread)(void *handle, void *buf, size_t len, off_t offset);
};

/* One operation, self-contained enough to be serialized: the wire form is class name, op, the scalar
 * args and the payload (in for write/ioctl-in, out length for read/ioctl-out). */
struct io_request {
    const struct io_class_ops *cls;
    enum io_op op;
    void *handle;        /* local handle, or the remote device's file id for forwarded files */
    const char *subpath; /* OPEN */
    int flags;           /* OPEN */
    mode_t mode;         /* OPEN */
    unsigned long cmd;   /* IOCTL */
    off_t offset;        /* LSEEK, PREAD */
    int whence;          /* LSEEK */
    const void *in;      /* WRITE data, IOCTL argument going in */
    size_t in_len;
    void *out;           /* READ/PREAD buffer, IOCTL argument coming back, FSTAT struct stat; OPEN with
                          * IO_OPEN_SNAPSHOT: the snapshot (io_registry.h) */
    size_t out_len;
    /* results */
    int64_t result;      /* >= 0, or -errno */
    void *new_handle;    /* OPEN */
};

/* Registers a resource class (called from the resource's constructor). At most IO_MAX_CLASSES. */
int io_register_class(const struct io_class_ops *ops);
const struct io_class_ops *io_find_class(const char *name, size_t len);

/* Carries REQ to device DEVICE and fills its results; returns 0, or -errno if it could not be carried. */
typedef int (*io_forwarder_fn)(int device, struct io_request *req);
void io_set_forwarder(io_forwarder_fn fn);

/* Where a file that does not exist on the device its class is bound to lives: the device index, or 0 if nowhere
 * else (the I/O engine's file directory, io_filedir.c, for storage). */
typedef int (*io_locator_fn)(const struct io_class_ops *cls, const char *subpath);
void io_set_locator(io_locator_fn fn);
int io_locate(const struct io_class_ops *cls, const char *subpath);

/* Runs REQ on DEVICE (0 = here): the class's local ops, or the forwarder. Sets req->result. */
void io_dispatch(int device, struct io_request *req);
/* Counts REQ, just served by this device's own resource, as the calling thread's use of it (sync_thread.h). */
void io_note_local_use(const struct io_request *req);

/* Runs REQ on this device's resource: what the I/O engine calls for a request that arrived from a peer. */
void io_serve_local(struct io_request *req);

#endif
