/* libc file calls on virtual device files: open/openat on a path under /dev/dmx/ creates a virtual file
 * whose fd number is reserved with a real open of /dev/null (so libc never hands the number out twice);
 * read/pread/write/ioctl/lseek/fstat/close on such an fd become io_requests. Every other call goes straight to
 * libc (resolved with dlsym(RTLD_NEXT)): the cost on an ordinary fd is one table load and one comparison.
 *
 * On a multi-device run with the takeover active, virtual fds are the whole app's instead (io_vfd.h): numbered
 * from IO_VFD_BASE, usable by app threads on every device. Those calls are told apart by the number and by
 * who calls (the app's code sees them everywhere, libdmx only where the number is reserved), so the caller's
 * return address is passed along.
 *
 * Not covered (each still works on the reserved /dev/null fd, so it fails soft): dup/dup2 of a virtual
 * fd, poll/select on it, mmap, readv/writev/preadv, pwrite, and stdio (fopen uses libc's internal open). */
#include "io_registry.h"
#include "io_devices.h"
#include "io_vfd.h"
#include "io_placement.h"

#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <termios.h>
#include <unistd.h>

#define IO_MAX_FDS 4096
#define IO_MAX_SETUP 4
#define IO_MAX_SETUP_ARG 64
#define IO_MAX_SUBPATH 512

struct io_setup_ioctl {
    unsigned long cmd;
    size_t len;
    unsigned char arg[IO_MAX_SETUP_ARG];
};

struct io_file {
    const struct io_class_ops *cls;
    int device;   /* where the resource file is open now (0 = here) */
    void *handle; /* the resource's handle there */
    int refs;     /* under table_lock; the table's reference counts as one */
    int flags;
    mode_t mode;
    char subpath[IO_MAX_SUBPATH];
    pthread_mutex_t move_lock; /* serializes a move to another device with the ops */
    int nsetup;
    struct io_setup_ioctl setup[IO_MAX_SETUP];
};

static _Atomic(struct io_file *) fd_table[IO_MAX_FDS];
static pthread_mutex_t table_lock = PTHREAD_MUTEX_INITIALIZER;

static struct {
    int (*open)(const char *, int, ...);
    int (*openat)(int, const char *, int, ...);
    ssize_t (*read)(int, void *, size_t);
    ssize_t (*pread)(int, void *, size_t, off_t);
    ssize_t (*write)(int, const void *, size_t);
    int (*ioctl)(int, unsigned long, ...);
    off_t (*lseek)(int, off_t, int);
    int (*fstat)(int, struct stat *);
    int (*close)(int);
} real;

static void *must_resolve(const char *name)
{
    void *fn = dlsym(RTLD_NEXT, name);
    if (!fn)
        abort(); /* no libc underneath: nothing sensible can run */
    return fn;
}

static void resolve_real(void)
{
    real.open = must_resolve("open");
    real.openat = must_resolve("openat");
    real.read = must_resolve("read");
    real.pread = must_resolve("pread");
    real.write = must_resolve("write");
    real.ioctl = must_resolve("ioctl");
    real.lseek = must_resolve("lseek");
    real.fstat = must_resolve("fstat");
    atomic_thread_fence(memory_order_release);
    real.close = must_resolve("close");
}

static pthread_once_t resolve_once = PTHREAD_ONCE_INIT;
#define REAL(fn) (__builtin_expect(real.close != NULL, 1) ? real.fn : (pthread_once(&resolve_once, resolve_real), real.fn))

__attribute__((constructor(101))) static void io_intercept_init(void)
{
    pthread_once(&resolve_once, resolve_real);
}

static inline struct io_file *peek_file(int fd)
{
    return (unsigned)fd < IO_MAX_FDS ? atomic_load_explicit(&fd_table[fd], memory_order_acquire) : NULL;
}

/* An ordinary fd for the code at RA: neither this device's virtual file nor, possibly, the app's. */
static inline bool is_plain(int fd, const void *ra)
{
    return peek_file(fd) == NULL && (!io_vfd_in_range(fd) || !io_vfd_applies(fd, ra));
}

static struct io_file *get_file(int fd)
{
    pthread_mutex_lock(&table_lock);
    struct io_file *f = atomic_load_explicit(&fd_table[fd], memory_order_relaxed);
    if (f)
        f->refs++;
    pthread_mutex_unlock(&table_lock);
    return f;
}

static void put_file(struct io_file *f)
{
    pthread_mutex_lock(&table_lock);
    int left = --f->refs;
    pthread_mutex_unlock(&table_lock);
    if (left > 0)
        return;
    struct io_request req = { .cls = f->cls, .op = IO_OP_CLOSE, .handle = f->handle };
    io_dispatch(f->device, &req);
    pthread_mutex_destroy(&f->move_lock);
    free(f);
}

static int fail(int64_t result)
{
    errno = (int)-result;
    return -1;
}

/* The class is bound elsewhere now: reopen the file there and replay its setup ioctls. */
static int follow_binding(struct io_file *f)
{
    int want = io_class_device(f->cls);
    if (want == f->device || !f->cls->ioctl_is_setup)
        return 0;
    struct io_request open_req = { .cls = f->cls, .op = IO_OP_OPEN, .subpath = f->subpath, .flags = f->flags,
                                   .mode = f->mode };
    io_dispatch(want, &open_req);
    if (open_req.result < 0)
        return (int)open_req.result;
    for (int i = 0; i < f->nsetup; i++) {
        struct io_request req = { .cls = f->cls, .op = IO_OP_IOCTL, .handle = open_req.new_handle,
                                  .cmd = f->setup[i].cmd, .in = f->setup[i].arg, .in_len = f->setup[i].len };
        io_dispatch(want, &req);
    }
    struct io_request close_req = { .cls = f->cls, .op = IO_OP_CLOSE, .handle = f->handle };
    io_dispatch(f->device, &close_req);
    f->device = want;
    f->handle = open_req.new_handle;
    return 0;
}

/* Runs REQ on F's resource, wherever it is bound now. */
static void run_on(struct io_file *f, struct io_request *req)
{
    pthread_mutex_lock(&f->move_lock);
    int rc = follow_binding(f);
    int device = f->device;
    req->cls = f->cls;
    req->handle = f->handle;
    pthread_mutex_unlock(&f->move_lock);
    if (rc < 0) {
        req->result = rc;
        return;
    }
    io_dispatch(device, req);
}

static void remember_setup(struct io_file *f, unsigned long cmd, const void *arg, size_t len)
{
    if (!f->cls->ioctl_is_setup || !f->cls->ioctl_is_setup(cmd) || len > IO_MAX_SETUP_ARG)
        return;
    pthread_mutex_lock(&f->move_lock);
    int i = 0;
    while (i < f->nsetup && f->setup[i].cmd != cmd)
        i++;
    if (i < IO_MAX_SETUP) {
        f->setup[i].cmd = cmd;
        f->setup[i].len = len;
        memcpy(f->setup[i].arg, arg, len);
        if (i == f->nsetup)
            f->nsetup++;
    }
    pthread_mutex_unlock(&f->move_lock);
}

static bool is_dmx_path(const char *path)
{
    return path && path[0] == '/' && strncmp(path, DMX_DEV_PREFIX, sizeof DMX_DEV_PREFIX - 1) == 0;
}

static int open_virtual(const char *path, int flags, mode_t mode)
{
    const char *name = path + sizeof DMX_DEV_PREFIX - 1;
    size_t name_len = strcspn(name, "/");
    const struct io_class_ops *cls = io_find_class(name, name_len);
    const char *subpath = name + name_len;
    if (!cls)
        return fail(-ENOENT);
    if (io_vfd_enabled()) {
        int fd = io_vfd_open(cls, subpath, flags, mode);
        return fd < 0 ? fail(fd) : fd;
    }
    if (strlen(subpath) >= IO_MAX_SUBPATH)
        return fail(-ENAMETOOLONG);
    struct io_file *f = calloc(1, sizeof *f);
    if (!f)
        return fail(-ENOMEM);
    int fd = REAL(open)("/dev/null", O_RDWR | ((flags & O_CLOEXEC) ? O_CLOEXEC : 0));
    if (fd < 0) {
        free(f);
        return -1;
    }
    if (fd >= IO_MAX_FDS) {
        REAL(close)(fd);
        free(f);
        return fail(-EMFILE);
    }
    f->cls = cls;
    f->device = io_class_device(cls);
    f->flags = flags;
    f->mode = mode;
    f->refs = 1;
    strcpy(f->subpath, subpath);
    pthread_mutex_init(&f->move_lock, NULL);
    struct io_request req = { .cls = cls, .op = IO_OP_OPEN, .subpath = f->subpath, .flags = flags, .mode = mode };
    io_dispatch(f->device, &req);
    if (req.result == -ENOENT && *subpath) {
        /* Not where the class is bound: the file directory may know which device holds it (storage). */
        int owner = io_locate(cls, f->subpath);
        if (owner > 0 && owner != f->device) {
            f->device = owner;
            req = (struct io_request){ .cls = cls, .op = IO_OP_OPEN, .subpath = f->subpath, .flags = flags, .mode = mode };
            io_dispatch(f->device, &req);
        }
    }
    if (req.result < 0) {
        REAL(close)(fd);
        pthread_mutex_destroy(&f->move_lock);
        free(f);
        return fail(req.result);
    }
    f->handle = req.new_handle;
    atomic_store_explicit(&fd_table[fd], f, memory_order_release);
    return fd;
}

static mode_t mode_arg(int flags, va_list ap)
{
    return (flags & O_CREAT) || (flags & O_TMPFILE) == O_TMPFILE ? (mode_t)va_arg(ap, int) : 0;
}

int open(const char *path, int flags, ...)
{
    va_list ap;
    va_start(ap, flags);
    mode_t mode = mode_arg(flags, ap);
    va_end(ap);
    if (__builtin_expect(is_dmx_path(path), 0))
        return open_virtual(path, flags, mode);
    return REAL(open)(path, flags, mode);
}

int open64(const char *path, int flags, ...)
{
    va_list ap;
    va_start(ap, flags);
    mode_t mode = mode_arg(flags, ap);
    va_end(ap);
    return open(path, flags, mode);
}

int openat(int dirfd, const char *path, int flags, ...)
{
    va_list ap;
    va_start(ap, flags);
    mode_t mode = mode_arg(flags, ap);
    va_end(ap);
    if (__builtin_expect(is_dmx_path(path), 0))
        return open_virtual(path, flags, mode);
    return REAL(openat)(dirfd, path, flags, mode);
}

int openat64(int dirfd, const char *path, int flags, ...)
{
    va_list ap;
    va_start(ap, flags);
    mode_t mode = mode_arg(flags, ap);
    va_end(ap);
    return openat(dirfd, path, flags, mode);
}

/* _FORTIFY_SOURCE spellings of open without O_CREAT. */
int __open_2(const char *path, int flags);
int __open64_2(const char *path, int flags);
int __openat_2(int dirfd, const char *path, int flags);
int __openat64_2(int dirfd, const char *path, int flags);
int __open_2(const char *path, int flags) { return open(path, flags); }
int __open64_2(const char *path, int flags) { return open(path, flags); }
int __openat_2(int dirfd, const char *path, int flags) { return openat(dirfd, path, flags); }
int __openat64_2(int dirfd, const char *path, int flags) { return openat(dirfd, path, flags); }

/* Provided by the DSM (thread_syscall_buffers.c) when it is linked: makes a shared buffer writable by the kernel.
 * Weak, so the I/O layer also links (and runs) without the DSM. */
void dmx_dsm_kernel_write_begin(void *buf, size_t len) __attribute__((weak));
void dmx_dsm_kernel_write_end(void *buf, size_t len) __attribute__((weak));
size_t dmx_dsm_unknown_span(const void *p) __attribute__((weak));

/* Runs REQ if FD is a virtual fd for the code at RA (this device's own table first); false for an ordinary fd. */
static bool run_virtual(int fd, struct io_request *req, const void *ra)
{
    struct io_file *f = peek_file(fd) ? get_file(fd) : NULL;
    if (!f)
        return io_vfd_in_range(fd) && io_vfd_applies(fd, ra) && io_vfd_run(fd, req) == 0;
    run_on(f, req);
    if (req->op == IO_OP_IOCTL && req->result >= 0 && req->in)
        remember_setup(f, req->cmd, req->in, req->in_len);
    put_file(f);
    return true;
}

/* The read (OFFSET < 0) or pread itself, once the thread is where it will run: not inlined, so nothing of this
 * device (a thread-local address) computed before a move in read() is used after it. */
static __attribute__((noinline)) ssize_t read_here(int fd, void *buf, size_t len, off_t offset, const void *ra)
{
    bool pinned = dmx_dsm_kernel_write_begin != NULL;
    if (pinned)
        dmx_dsm_kernel_write_begin(buf, len);
    ssize_t n;
    struct io_request req = { .op = offset < 0 ? IO_OP_READ : IO_OP_PREAD, .offset = offset, .out = buf,
                              .out_len = len };
    if (__builtin_expect(is_plain(fd, ra), 1) || !run_virtual(fd, &req, ra))
        n = offset < 0 ? REAL(read)(fd, buf, len) : REAL(pread)(fd, buf, len, offset);
    else
        n = req.result < 0 ? fail(req.result) : (ssize_t)req.result;
    if (pinned)
        dmx_dsm_kernel_write_end(buf, len);     /* keeps errno */
    return n;
}

ssize_t read(int fd, void *buf, size_t len)
{
    const void *ra = __builtin_return_address(0);
    if (__builtin_expect(io_vfd_in_range(fd), 0))
        len = io_placement_before_read(fd, len);
    return read_here(fd, buf, len, -1, ra);
}

static ssize_t pread_from(int fd, void *buf, size_t len, off_t offset, const void *ra)
{
    if (offset < 0) {
        errno = EINVAL;
        return -1;
    }
    if (__builtin_expect(io_vfd_in_range(fd), 0))
        len = io_placement_before_read(fd, len);
    return read_here(fd, buf, len, offset, ra);
}

ssize_t pread(int fd, void *buf, size_t len, off_t offset)
{
    return pread_from(fd, buf, len, offset, __builtin_return_address(0));
}

ssize_t pread64(int fd, void *buf, size_t len, off64_t offset)
{
    return pread_from(fd, buf, len, offset, __builtin_return_address(0));
}

ssize_t write(int fd, const void *buf, size_t len)
{
    const void *ra = __builtin_return_address(0);
    if (__builtin_expect(is_plain(fd, ra), 1))
        return REAL(write)(fd, buf, len);
    struct io_request req = { .op = IO_OP_WRITE, .in = buf, .in_len = len };
    if (!run_virtual(fd, &req, ra))
        return REAL(write)(fd, buf, len);
    return req.result < 0 ? fail(req.result) : (ssize_t)req.result;
}

/* How many bytes an ordinary ioctl writes at its argument: the size its number encodes, or for the terminal and
 * socket requests that predate the encoding, the one their documentation gives (ioctl_tty(2), FIONREAD in
 * socket(7)). 0 for the others (ioctl_plain takes a page for them). */
static size_t ioctl_out_size(unsigned long cmd)
{
    switch (cmd) {
    case FIONREAD:
    case TIOCOUTQ:
    case TIOCGPGRP:
    case TIOCGSID:
        return sizeof(int);
    case TIOCGWINSZ:
        return sizeof(struct winsize);
    case TCGETS:
        return sizeof(struct termios);
    default:
        return (_IOC_DIR(cmd) & _IOC_READ) ? _IOC_SIZE(cmd) : 0;
    }
}

/* The kernel writes the result into ARG, which may be in shared memory (as for read). A request whose size is
 * unknown (an old-style number not listed above, or one the kernel only reads from) gets the page ARG points
 * into and the next, when that is shared memory: the kernel may read a struct there, or write one. */
static int ioctl_plain(int fd, unsigned long cmd, void *arg)
{
    size_t len = arg ? ioctl_out_size(cmd) : 0;
    if (arg && len == 0 && dmx_dsm_unknown_span)
        len = dmx_dsm_unknown_span(arg);
    if (!dmx_dsm_kernel_write_begin || len == 0)
        return REAL(ioctl)(fd, cmd, arg);
    dmx_dsm_kernel_write_begin(arg, len);
    int rc = REAL(ioctl)(fd, cmd, arg);
    dmx_dsm_kernel_write_end(arg, len);
    return rc;
}

int ioctl(int fd, unsigned long cmd, ...)
{
    const void *ra = __builtin_return_address(0);
    va_list ap;
    va_start(ap, cmd);
    void *arg = va_arg(ap, void *);
    va_end(ap);
    if (__builtin_expect(is_plain(fd, ra), 1))
        return ioctl_plain(fd, cmd, arg);
    size_t len = _IOC_SIZE(cmd);
    struct io_request req = { .op = IO_OP_IOCTL, .cmd = cmd };
    if (_IOC_DIR(cmd) & _IOC_WRITE) {
        req.in = arg;
        req.in_len = len;
    }
    if (_IOC_DIR(cmd) & _IOC_READ) {
        req.out = arg;
        req.out_len = len;
    }
    if (len && !arg)
        return fail(-EFAULT); /* a virtual fd, or one the kernel would refuse the same way */
    if (!run_virtual(fd, &req, ra))
        return REAL(ioctl)(fd, cmd, arg);
    return req.result < 0 ? fail(req.result) : (int)req.result;
}

static off_t lseek_from(int fd, off_t offset, int whence, const void *ra)
{
    if (__builtin_expect(is_plain(fd, ra), 1))
        return REAL(lseek)(fd, offset, whence);
    struct io_request req = { .op = IO_OP_LSEEK, .offset = offset, .whence = whence };
    if (!run_virtual(fd, &req, ra))
        return REAL(lseek)(fd, offset, whence);
    return req.result < 0 ? fail(req.result) : (off_t)req.result;
}

off_t lseek(int fd, off_t offset, int whence)
{
    return lseek_from(fd, offset, whence, __builtin_return_address(0));
}

off64_t lseek64(int fd, off64_t offset, int whence)
{
    return lseek_from(fd, offset, whence, __builtin_return_address(0));
}

/* fstat of an ordinary fd: the kernel writes *st, so a struct in shared memory is made writable first (as for
 * read). */
static int fstat_plain(int fd, struct stat *st)
{
    if (!dmx_dsm_kernel_write_begin)
        return REAL(fstat)(fd, st);
    dmx_dsm_kernel_write_begin(st, sizeof *st);
    int rc = REAL(fstat)(fd, st);
    dmx_dsm_kernel_write_end(st, sizeof *st);
    return rc;
}

static int fstat_from(int fd, struct stat *st, const void *ra)
{
    if (__builtin_expect(is_plain(fd, ra), 1))
        return fstat_plain(fd, st);
    struct io_request req = { .op = IO_OP_FSTAT, .out = st, .out_len = sizeof *st };
    if (!run_virtual(fd, &req, ra))
        return fstat_plain(fd, st);
    return req.result < 0 ? fail(req.result) : 0;
}

int fstat(int fd, struct stat *st)
{
    return fstat_from(fd, st, __builtin_return_address(0));
}

int fstat64(int fd, struct stat64 *st)
{
    _Static_assert(sizeof(struct stat64) == sizeof(struct stat), "stat64 is stat on 64-bit Linux");
    return fstat_from(fd, (struct stat *)st, __builtin_return_address(0));
}

/* close() of a process-wide virtual fd; -1 with *handled false for an ordinary one. */
static int close_virtual(int fd, bool *handled)
{
    int64_t result = 0;
    *handled = io_vfd_close(fd, &result) == 0;
    return *handled && result < 0 ? fail(result) : 0;
}

int close(int fd)
{
    const void *ra = __builtin_return_address(0);
    if (__builtin_expect(is_plain(fd, ra), 1))
        return REAL(close)(fd);
    if (!peek_file(fd)) {
        bool handled;
        int rc = close_virtual(fd, &handled);
        return handled ? rc : REAL(close)(fd);
    }
    pthread_mutex_lock(&table_lock);
    struct io_file *f = atomic_load_explicit(&fd_table[fd], memory_order_relaxed);
    atomic_store_explicit(&fd_table[fd], NULL, memory_order_release);
    pthread_mutex_unlock(&table_lock);
    int rc = REAL(close)(fd);
    if (f)
        put_file(f);
    return rc;
}
