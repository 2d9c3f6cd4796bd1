/* This device's side of the process-wide virtual fds (see io_vfd.h). */
#include "io_vfd.h"

#include "io_server.h"
#include "io_snapshot.h"
#include "wire_conn.h"

#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define VFD_RETRIES 4                 /* directory re-reads after an EBADF of a file that moved meanwhile */
#define MOVE_WAIT_FIRST_NS 1000000ull /* another device is moving the file: look again after this, doubling */
#define MOVE_WAIT_MAX_NS 32000000ull

struct vfd_view {
    int slot;
    int refs;                   /* under views_lock; the table's reference counts as one */
    pthread_mutex_t lock;       /* the fields below, and a move of the file started from this device */
    const struct io_class_ops *cls;
    uint64_t serial, version;
    uint32_t device;            /* where the file is open, as this device last knew */
    uint64_t file_id;
    uint64_t checked_epoch;     /* io_bind_epoch() when its binding was last checked; 0 = never */
    struct io_snapshot *snap;   /* the file as this device opened it (io_snapshot.h), or NULL; never changes */
};

static struct vfd_view *views[IO_VFD_SLOTS];
static pthread_mutex_t views_lock = PTHREAD_MUTEX_INITIALIZER;
/* Numbers whose /dev/null this device holds: it opened their file. */
static atomic_bool reserved[IO_VFD_SLOTS];

/* libc's own, past the interposers of io_intercept.c: the reservations are ordinary fds. */
static struct {
    int (*open)(const char *, int, ...);
    int (*close)(int);
} real;
static pthread_once_t real_once = PTHREAD_ONCE_INIT;

static void resolve_real(void)
{
    real.open = (int (*)(const char *, int, ...))dlsym(RTLD_NEXT, "open");
    real.close = (int (*)(int))dlsym(RTLD_NEXT, "close");
    if (!real.open || !real.close)
        abort(); /* no libc underneath: nothing sensible can run */
}

static const struct io_class_ops *class_of(const struct io_vfd_entry *e)
{
    return (const struct io_class_ops *)(uintptr_t)e->cls;
}

static void nap(uint64_t ns)
{
    struct timespec ts = { (time_t)(ns / 1000000000ull), (long)(ns % 1000000000ull) };
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {
    }
}

/* ---- running an operation where the file is ---- */

static void dispatch_at(uint32_t device, uint64_t id, struct io_request *req)
{
    if (device == io_fdd_self()) {
        io_server_run_adopted(id, req);
        io_count(req);
        io_note_local_use(req);
        return;
    }
    req->handle = (void *)(uintptr_t)id;
    io_dispatch((int)device, req);
}

static void close_at(uint32_t device, uint64_t id, const struct io_class_ops *cls)
{
    struct io_request req = { .cls = cls, .op = IO_OP_CLOSE };
    dispatch_at(device, id, &req);
}

/* Opens CLS's SUBPATH on another DEVICE for the whole app; with SNAP, asks for a snapshot of a file opened for
 * reading (NULL when there is none). 0 with its app-wide *ID, or -errno. */
static int open_remote(uint32_t device, struct io_request *req, uint64_t *id, struct io_snapshot **snap)
{
    req->flags |= IO_OPEN_APP_WIDE;
    if (snap && io_snapshot_applies(req->cls, req->flags))
        *snap = io_snapshot_open((int)device, req);
    else
        io_dispatch((int)device, req);
    *id = (uint64_t)(uintptr_t)req->new_handle;
    return req->result < 0 ? (int)req->result : 0;
}

/* Opens CLS's SUBPATH on DEVICE for the whole app: 0 with its app-wide *ID (and maybe a *SNAP, see
 * open_remote), or -errno. */
static int open_at(uint32_t device, const struct io_class_ops *cls, const char *subpath, int flags, mode_t mode,
                   uint64_t *id, struct io_snapshot **snap)
{
    struct io_request req = { .cls = cls, .op = IO_OP_OPEN, .subpath = subpath, .flags = flags, .mode = mode };
    if (device != io_fdd_self())
        return open_remote(device, &req, id, snap);
    io_serve_local(&req);
    if (req.result >= 0 && !(*id = io_server_adopt(cls, req.new_handle))) {
        struct io_request undo = { .cls = cls, .op = IO_OP_CLOSE, .handle = req.new_handle };
        io_serve_local(&undo);
        req.result = -EMFILE;
    }
    io_count(&req);
    return req.result < 0 ? (int)req.result : 0;
}

static void replay_setup(uint32_t device, uint64_t id, const struct io_vfd_entry *e)
{
    for (uint32_t i = 0; i < e->nsetup && i < IO_VFD_MAX_SETUP; i++) {
        struct io_request req = { .cls = class_of(e), .op = IO_OP_IOCTL, .cmd = (unsigned long)e->setup[i].cmd,
                                  .in = e->setup[i].arg, .in_len = e->setup[i].len };
        dispatch_at(device, id, &req);
        if (req.result < 0)
            wire_log("io: replaying setup ioctl %#llx of %s on device %u failed: %s",
                     (unsigned long long)e->setup[i].cmd, class_of(e)->name, device, strerror((int)-req.result));
    }
}

/* ---- this device's views ---- */

static void view_free(struct vfd_view *v)
{
    free(v->snap);
    pthread_mutex_destroy(&v->lock);
    free(v);
}

static void view_put(struct vfd_view *v)
{
    pthread_mutex_lock(&views_lock);
    int left = --v->refs;
    pthread_mutex_unlock(&views_lock);
    if (left == 0)
        view_free(v);
}

/* With v->lock held (or V still private): where the directory says the file is. */
static void view_take(struct vfd_view *v, const struct io_vfd_entry *e)
{
    v->device = e->device;
    v->file_id = e->file_id;
    v->version = e->version;
}

static struct vfd_view *view_new(int slot, const struct io_vfd_entry *e)
{
    struct vfd_view *v = calloc(1, sizeof *v);
    if (!v)
        return NULL;
    pthread_mutex_init(&v->lock, NULL);
    v->slot = slot;
    v->refs = 1;
    v->cls = class_of(e);
    v->serial = e->serial;
    view_take(v, e);
    return v;
}

/* Enters V (with its caller's reference) in the table unless another thread entered one first; returns the
 * table's view with a reference for the caller. */
static struct vfd_view *view_install(int slot, struct vfd_view *v)
{
    pthread_mutex_lock(&views_lock);
    struct vfd_view *have = views[slot];
    if (have)
        have->refs++;
    else {
        views[slot] = v;
        v->refs++;
    }
    pthread_mutex_unlock(&views_lock);
    if (!have)
        return v;
    view_free(v);
    return have;
}

/* Takes the table's view of SLOT out: any (WHICH = NULL), or only WHICH. True when there was one. */
static bool view_forget(int slot, struct vfd_view *which)
{
    pthread_mutex_lock(&views_lock);
    struct vfd_view *v = views[slot];
    if (v && which && v != which)
        v = NULL;
    if (v)
        views[slot] = NULL;
    pthread_mutex_unlock(&views_lock);
    if (v)
        view_put(v);
    return v != NULL;
}

/* Under SLOT's range lock: gives the number of SLOT back when this device holds it but its file was
 * closed (on another device). True when it did. */
static bool reclaim_if_closed(int slot)
{
    const struct io_vfd_entry *e = io_fdd_entry(slot);
    if (e->state == IO_VFD_OPEN && e->opener == io_fdd_self())
        return false;
    if (!atomic_exchange(&reserved[slot], false))
        return false;
    view_forget(slot, NULL);
    pthread_once(&real_once, resolve_real);
    real.close(IO_VFD_BASE + slot);
    return true;
}

/* No view here yet: one from the directory. NULL with *ERR = 0 when no file is open there, -EBADF when this
 * device held the number of a file closed elsewhere, -ENOMEM. */
static struct vfd_view *view_attach(int slot, int *err)
{
    struct io_vfd_entry e;
    io_fdd_lock_slot(slot);
    e = *io_fdd_entry(slot);
    *err = reclaim_if_closed(slot) ? -EBADF : 0;
    io_fdd_unlock_slot(slot);
    if (e.state != IO_VFD_OPEN || io_class_index(class_of(&e)) < 0)
        return NULL;
    struct vfd_view *v = view_new(slot, &e);
    if (!v) {
        *err = -ENOMEM;
        return NULL;
    }
    return view_install(slot, v);
}

/* The view of SLOT with a reference for the caller (see view_attach for NULL). */
static struct vfd_view *view_get(int slot, int *err)
{
    pthread_mutex_lock(&views_lock);
    struct vfd_view *v = views[slot];
    if (v)
        v->refs++;
    pthread_mutex_unlock(&views_lock);
    *err = 0;
    return v ? v : view_attach(slot, err);
}

/* After an EBADF from V's target: did the file move, or was the number closed (and maybe opened again)
 * since V was made? Then the operation is worth another try; else the EBADF is the resource's own answer. */
static bool view_stale(struct vfd_view *v)
{
    pthread_mutex_lock(&v->lock);
    io_fdd_lock_slot(v->slot);
    const struct io_vfd_entry *e = io_fdd_entry(v->slot);
    bool same_file = e->state == IO_VFD_OPEN && e->serial == v->serial;
    bool stale = !same_file || e->version != v->version;
    if (same_file)
        view_take(v, e);
    else
        reclaim_if_closed(v->slot);
    io_fdd_unlock_slot(v->slot);
    pthread_mutex_unlock(&v->lock);
    if (!same_file)
        view_forget(v->slot, v);
    return stale;
}

/* ---- following the app's binding ---- */

enum move_claim { MOVE_NONE, MOVE_CLAIMED, MOVE_WAIT, MOVE_GONE };

/* Under the lock of V's range: must V's file move to where the app binds its class now? If so, claims the move
 * (SNAP: the entry as claimed, *TO: the destination). */
static enum move_claim claim_move(struct vfd_view *v, struct io_vfd_entry *snap, uint32_t *to)
{
    struct io_vfd_entry *e = io_fdd_entry(v->slot);
    if (e->state != IO_VFD_OPEN || e->serial != v->serial)
        return MOVE_GONE;
    view_take(v, e);
    uint32_t bound = io_fdd_bindings_of(io_fdd_owner(v->slot))[io_class_index(v->cls)];
    if (!bound || bound == e->device) /* 0: each device its own resource, so the file stays where it is */
        return MOVE_NONE;
    if (e->moving)
        return MOVE_WAIT;
    e->moving = io_fdd_self();
    *snap = *e;
    *to = bound;
    return MOVE_CLAIMED;
}

/* Under the lock of V's range: the end of a move claimed in SNAP. Records NEW_ID on TO unless the file was
 * closed meanwhile (or the reopen failed: NEW_ID 0). True when the file is at TO now. */
static bool finish_move(struct vfd_view *v, const struct io_vfd_entry *snap, uint32_t to, uint64_t new_id)
{
    struct io_vfd_entry *e = io_fdd_entry(v->slot);
    if (e->state != IO_VFD_OPEN || e->serial != snap->serial)
        return false;
    e->moving = 0;
    if (!new_id)
        return false;
    e->device = to;
    e->file_id = new_id;
    e->version++;
    view_take(v, e);
    return true;
}

/* Reopens the file of SNAP on TO (setup ioctls replayed), records it, closes the old one. 0 or -errno. */
static int move_file(struct vfd_view *v, const struct io_vfd_entry *snap, uint32_t to)
{
    uint64_t new_id = 0;
    int rc = open_at(to, v->cls, snap->subpath, snap->flags, (mode_t)snap->mode, &new_id, NULL);
    if (rc == 0)
        replay_setup(to, new_id, snap);
    io_fdd_lock_slot(v->slot);
    bool moved = finish_move(v, snap, to, rc == 0 ? new_id : 0);
    io_fdd_unlock_slot(v->slot);
    if (rc < 0)
        return rc;
    if (!moved) { /* closed by another device meanwhile: it closed the old file */
        close_at(to, new_id, v->cls);
        return -EBADF;
    }
    close_at(snap->device, snap->file_id, v->cls);
    wire_log("io: fd %d (%s) follows its binding from device %u to device %u", IO_VFD_BASE + v->slot, v->cls->name,
             snap->device, to);
    return 0;
}

/* With v->lock held: moves V's file if the app's binding of its class asks for it (or waits for the device
 * that is moving it). 0 or -errno. */
static int follow_binding(struct vfd_view *v, uint64_t epoch)
{
    for (uint64_t wait = MOVE_WAIT_FIRST_NS;; wait = wait < MOVE_WAIT_MAX_NS ? wait * 2 : wait) {
        struct io_vfd_entry snap;
        uint32_t to = 0;
        io_fdd_lock_slot(v->slot);
        enum move_claim claim = claim_move(v, &snap, &to);
        io_fdd_unlock_slot(v->slot);
        if (claim == MOVE_GONE)
            return -EBADF;
        if (claim == MOVE_WAIT) {
            nap(wait);
            continue;
        }
        int rc = claim == MOVE_CLAIMED ? move_file(v, &snap, to) : 0;
        if (rc == 0)
            v->checked_epoch = epoch;
        return rc;
    }
}

/* Where V's file is now (moved first when the binding of its class changed since V last checked). */
static int view_target(struct vfd_view *v, uint32_t *device, uint64_t *id)
{
    pthread_mutex_lock(&v->lock);
    int rc = 0;
    uint64_t epoch = io_bind_epoch(); /* before reading the directory: a later rebind makes us check again */
    if (v->cls->ioctl_is_setup && v->checked_epoch != epoch)
        rc = follow_binding(v, epoch);
    *device = v->device;
    *id = v->file_id;
    pthread_mutex_unlock(&v->lock);
    return rc;
}

static void upsert_setup(struct io_vfd_entry *e, const struct io_request *req)
{
    uint32_t i = 0;
    while (i < e->nsetup && e->setup[i].cmd != req->cmd)
        i++;
    if (i >= IO_VFD_MAX_SETUP)
        return;
    e->setup[i].cmd = req->cmd;
    e->setup[i].len = (uint32_t)req->in_len;
    memcpy(e->setup[i].arg, req->in, req->in_len);
    if (i == e->nsetup)
        e->nsetup++;
}

/* A mode-setting ioctl succeeded: whoever reopens the file elsewhere replays it. */
static void record_setup(struct vfd_view *v, const struct io_request *req)
{
    if (!v->cls->ioctl_is_setup || !v->cls->ioctl_is_setup(req->cmd) || req->in_len > IO_VFD_SETUP_ARG)
        return;
    io_fdd_lock_slot(v->slot);
    struct io_vfd_entry *e = io_fdd_entry(v->slot);
    if (e->state == IO_VFD_OPEN && e->serial == v->serial)
        upsert_setup(e, req);
    io_fdd_unlock_slot(v->slot);
}

static void run_once(struct vfd_view *v, struct io_request *req)
{
    uint32_t device;
    uint64_t id;
    int rc = view_target(v, &device, &id);
    req->cls = v->cls;
    if (rc < 0) {
        req->result = rc;
        return;
    }
    dispatch_at(device, id, req);
    if (req->op == IO_OP_IOCTL && req->result >= 0 && req->in)
        record_setup(v, req);
}

/* ---- the interface ---- */

bool io_vfd_enabled(void)
{
    return io_fdd_active();
}

bool io_vfd_applies(int fd, const void *ra)
{
    if (!io_fdd_active())
        return false;
    return atomic_load_explicit(&reserved[fd - IO_VFD_BASE], memory_order_acquire) || io_fdd_app_caller(ra);
}

bool io_vfd_where(int fd, const struct io_class_ops **cls, uint32_t *device)
{
    int err;
    struct vfd_view *v = io_vfd_in_range(fd) && io_fdd_active() ? view_get(fd - IO_VFD_BASE, &err) : NULL;
    if (!v)
        return false;
    pthread_mutex_lock(&v->lock);
    *cls = v->cls;
    *device = v->device;
    pthread_mutex_unlock(&v->lock);
    view_put(v);
    return true;
}

int io_vfd_run(int fd, struct io_request *req)
{
    int slot = fd - IO_VFD_BASE;
    for (int attempt = 0;; attempt++) {
        int err;
        struct vfd_view *v = view_get(slot, &err);
        if (!v && !err && attempt == 0)
            return -1;
        if (!v) {
            req->result = err ? err : -EBADF; /* closed meanwhile */
            return 0;
        }
        if (v->snap && io_snapshot_serve(v->snap, req)) {
            req->cls = v->cls;
            io_count(req);
            view_put(v);
            return 0;
        }
        run_once(v, req);
        bool again = req->result == -EBADF && attempt < VFD_RETRIES && view_stale(v);
        view_put(v);
        if (!again)
            return 0;
    }
}

enum close_what { CLOSE_NOT_VIRTUAL, CLOSE_WAS_CLOSED, CLOSE_NOW };

/* Under SLOT's range lock: closes entry SLOT (whichever file has the number now: close() names a number).
 * Fills WAS with it; *HELD when this device held the number (the caller closes its /dev/null). */
static enum close_what close_entry(int slot, struct io_vfd_entry *was, bool *held)
{
    struct io_vfd_entry *e = io_fdd_entry(slot);
    *held = false;
    if (e->state != IO_VFD_OPEN)
        return reclaim_if_closed(slot) ? CLOSE_WAS_CLOSED : CLOSE_NOT_VIRTUAL;
    *was = *e;
    e->state = IO_VFD_FREE;
    e->version++;
    *held = e->opener == io_fdd_self() && atomic_exchange(&reserved[slot], false);
    return CLOSE_NOW;
}

int io_vfd_close(int fd, int64_t *result)
{
    int slot = fd - IO_VFD_BASE;
    bool held;
    struct io_vfd_entry was;
    io_fdd_lock_slot(slot);
    enum close_what what = close_entry(slot, &was, &held);
    io_fdd_unlock_slot(slot);
    bool had_view = view_forget(slot, NULL);
    if (what == CLOSE_NOT_VIRTUAL && !had_view)
        return -1;
    if (what != CLOSE_NOW) { /* this device knew the number as a virtual fd, closed since by another device */
        *result = -EBADF;
        return 0;
    }
    struct io_request req = { .cls = class_of(&was), .op = IO_OP_CLOSE };
    if (was.device != io_fdd_self() && io_snapshot_applies(req.cls, was.flags))
        req.flags = IO_CLOSE_NO_REPLY; /* nothing to report: the file was only read */
    dispatch_at(was.device, was.file_id, &req);
    if (held) {
        pthread_once(&real_once, resolve_real);
        real.close(fd);
    }
    *result = req.result;
    return 0;
}

/* ---- open ---- */

/* Opens E's file where the app binds its class (or where the file directory finds a storage file); *SNAP as
 * open_remote's. */
static int open_resource(struct io_vfd_entry *e, struct io_snapshot **snap)
{
    const struct io_class_ops *cls = class_of(e);
    io_fdd_lock_own();
    uint32_t bound = io_fdd_bindings_of(io_fdd_self())[io_class_index(cls)];
    io_fdd_unlock_own();
    e->device = bound ? bound : io_fdd_self();
    int rc = open_at(e->device, cls, e->subpath, e->flags, (mode_t)e->mode, &e->file_id, snap);
    if (rc != -ENOENT || !e->subpath[0])
        return rc;
    int owner = io_locate(cls, e->subpath); /* 0: nowhere else (or this device's own storage) */
    uint32_t where = owner > 0 ? (uint32_t)owner : io_fdd_self();
    if (where == e->device)
        return rc;
    e->device = where;
    return open_at(e->device, cls, e->subpath, e->flags, (mode_t)e->mode, &e->file_id, snap);
}

/* A /dev/null fd numbered FROM or above (the lowest free here) inside this device's range; or -errno. */
static int reserve_number(int from, bool cloexec)
{
    pthread_once(&real_once, resolve_real);
    int null_fd = real.open("/dev/null", O_RDWR | O_CLOEXEC);
    if (null_fd < 0)
        return -errno;
    int fd = fcntl(null_fd, cloexec ? F_DUPFD_CLOEXEC : F_DUPFD, from);
    int err = errno;
    real.close(null_fd);
    if (fd < 0)
        return err == EINVAL ? -EMFILE : -err; /* EINVAL: FROM is above the limit of open files */
    int lo, hi;
    io_fdd_own_range(&lo, &hi);
    if (fd >= IO_VFD_BASE + hi) {
        real.close(fd);
        return -EMFILE;
    }
    return fd;
}

/* Under this device's range lock: FD, or the next number of the range free both here and in the directory (a
 * number this device's kernel has free may be a file it opened that is still open, its /dev/null given back by
 * a close elsewhere). Then numbers closed elsewhere that this device still held are given back. */
static int first_free_number(int fd, bool cloexec)
{
    int lo, hi;
    io_fdd_own_range(&lo, &hi);
    while (fd >= 0 && io_fdd_entry(fd - IO_VFD_BASE)->state == IO_VFD_OPEN) {
        int next = fd + 1 < IO_VFD_BASE + hi ? reserve_number(fd + 1, cloexec) : -EMFILE;
        real.close(fd);
        fd = next;
    }
    for (int slot = lo; slot < hi; slot++)
        if (atomic_load_explicit(&reserved[slot], memory_order_relaxed))
            reclaim_if_closed(slot);
    return fd;
}

/* Under this device's range lock: enters E as the file of number FD. */
static void enter(struct io_vfd_entry *e, int fd)
{
    e->state = IO_VFD_OPEN;
    e->opener = io_fdd_self();
    e->serial = io_fdd_next_serial();
    e->version = 1;
    e->moving = 0;
    *io_fdd_entry(fd - IO_VFD_BASE) = *e;
    atomic_store_explicit(&reserved[fd - IO_VFD_BASE], true, memory_order_release);
}

/* Gives E a number and enters it in the directory and in this device's views (with SNAP, which it takes): the
 * fd, or -errno. */
static int publish(struct io_vfd_entry *e, bool cloexec, struct io_snapshot *snap)
{
    int lo, hi;
    io_fdd_own_range(&lo, &hi);
    int fd = reserve_number(IO_VFD_BASE + lo, cloexec);
    if (fd >= 0) {
        io_fdd_lock_own();
        fd = first_free_number(fd, cloexec);
        if (fd >= 0)
            enter(e, fd);
        io_fdd_unlock_own();
    }
    if (fd < 0) {
        free(snap);
        return fd;
    }
    view_forget(fd - IO_VFD_BASE, NULL); /* a view of an earlier file with this number */
    struct vfd_view *v = view_new(fd - IO_VFD_BASE, e);
    if (v) { /* else the first operation makes it from the directory, without the snapshot */
        v->snap = snap;
        view_put(view_install(fd - IO_VFD_BASE, v));
    } else {
        free(snap);
    }
    return fd;
}

int io_vfd_open(const struct io_class_ops *cls, const char *subpath, int flags, mode_t mode)
{
    if (strlen(subpath) >= IO_VFD_SUBPATH)
        return -ENAMETOOLONG;
    struct io_vfd_entry e = { .cls = (uint64_t)(uintptr_t)cls, .flags = flags, .mode = (uint32_t)mode };
    strcpy(e.subpath, subpath);
    struct io_snapshot *snap = NULL;
    int rc = open_resource(&e, &snap);
    if (rc < 0)
        return rc;
    int fd = publish(&e, (flags & O_CLOEXEC) != 0, snap);
    if (fd < 0)
        close_at(e.device, e.file_id, cls);
    return fd;
}
