/* The resource classes behind /dev/dmx/, where each is bound (this device or another), their counters, and
 * the dispatch of one request to a local resource or to the forwarder. */
#include "io_registry.h"
#include "io_placement.h"

#include "dmx.h"
#include "io_devices.h"
#include "sync_thread.h"

#include <errno.h>
#include <limits.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

struct io_class_slot {
    const struct io_class_ops *ops;
    _Atomic int device; /* 0 = local */
    _Atomic uint64_t requests, bytes_in, bytes_out, errors;
    /* forwarded to another device: operations, wire bytes both ways, and the time the callers waited on the
     * network (round trip minus the remote resource's own service time), emulated ns */
    _Atomic uint64_t fwd_requests, fwd_bytes_sent, fwd_bytes_received, stall_ns;
};

static struct io_class_slot classes[IO_MAX_CLASSES];
static _Atomic int class_count;
static _Atomic(io_forwarder_fn) forwarder;
static _Atomic(io_locator_fn) locator;
static _Atomic(io_binder_fn) binder;
/* Bumped by every change of a binding: open virtual files check theirs when it moved (io_vfd.c). */
static _Atomic uint64_t bind_epoch = 1;

int io_register_class(const struct io_class_ops *ops)
{
    int slot = atomic_fetch_add(&class_count, 1);
    if (slot >= IO_MAX_CLASSES) {
        atomic_fetch_sub(&class_count, 1);
        return -ENOSPC;
    }
    classes[slot].ops = ops;
    return 0;
}

static struct io_class_slot *slot_of(const struct io_class_ops *ops)
{
    int n = atomic_load(&class_count);
    for (int i = 0; i < n; i++)
        if (classes[i].ops == ops)
            return &classes[i];
    return NULL;
}

static struct io_class_slot *slot_named(const char *name, size_t len)
{
    int n = atomic_load(&class_count);
    for (int i = 0; i < n; i++)
        if (classes[i].ops && strlen(classes[i].ops->name) == len && memcmp(classes[i].ops->name, name, len) == 0)
            return &classes[i];
    return NULL;
}

const struct io_class_ops *io_find_class(const char *name, size_t len)
{
    struct io_class_slot *slot = slot_named(name, len);
    return slot ? slot->ops : NULL;
}

int io_class_index(const struct io_class_ops *ops)
{
    struct io_class_slot *slot = slot_of(ops);
    return slot ? (int)(slot - classes) : -1;
}

const struct io_class_ops *io_class_at(int index)
{
    return index >= 0 && index < atomic_load(&class_count) ? classes[index].ops : NULL;
}

int io_class_device(const struct io_class_ops *ops)
{
    struct io_class_slot *slot = slot_of(ops);
    return slot ? atomic_load_explicit(&slot->device, memory_order_acquire) : 0;
}

void io_set_forwarder(io_forwarder_fn fn)
{
    atomic_store(&forwarder, fn);
}

void io_set_locator(io_locator_fn fn)
{
    atomic_store(&locator, fn);
}

int io_locate(const struct io_class_ops *cls, const char *subpath)
{
    io_locator_fn fn = atomic_load(&locator);
    return fn ? fn(cls, subpath) : 0;
}

void io_count_forward(const struct io_class_ops *cls, uint64_t sent, uint64_t received, uint64_t stall_ns)
{
    struct io_class_slot *slot = slot_of(cls);
    if (!slot)
        return;
    atomic_fetch_add_explicit(&slot->fwd_requests, 1, memory_order_relaxed);
    atomic_fetch_add_explicit(&slot->fwd_bytes_sent, sent, memory_order_relaxed);
    atomic_fetch_add_explicit(&slot->fwd_bytes_received, received, memory_order_relaxed);
    atomic_fetch_add_explicit(&slot->stall_ns, stall_ns, memory_order_relaxed);
}

int dmx_io_get_forward_counters(const char *name, struct dmx_io_forward_counters *out)
{
    struct io_class_slot *slot = name ? slot_named(name, strlen(name)) : NULL;
    if (!slot || !out) {
        errno = ENOENT;
        return -1;
    }
    out->forwarded = atomic_load(&slot->fwd_requests);
    out->bytes_sent = atomic_load(&slot->fwd_bytes_sent);
    out->bytes_received = atomic_load(&slot->fwd_bytes_received);
    out->stall_ns = atomic_load(&slot->stall_ns);
    return 0;
}

void io_set_binder(io_binder_fn fn)
{
    atomic_store(&binder, fn);
}

uint64_t io_bind_epoch(void)
{
    return atomic_load_explicit(&bind_epoch, memory_order_acquire);
}

int io_bind_check(const char *name, int device)
{
    if (!name || !slot_named(name, strlen(name)))
        return -ENOENT;
    if (device < 0 || device > dmx_device_count())
        return -EINVAL;
    return 0;
}

void io_bind_index_local(int index, int device)
{
    if (index < 0 || index >= atomic_load(&class_count) || device < 0)
        return;
    atomic_store_explicit(&classes[index].device, device == dmx_device_index() ? 0 : device, memory_order_release);
    /* even when the local value stays: "unbound" and "this device" are both 0 here, not in the directory */
    atomic_fetch_add_explicit(&bind_epoch, 1, memory_order_acq_rel);
}

int io_bind_local(const char *name, int device)
{
    int rc = io_bind_check(name, device);
    if (rc < 0) {
        errno = -rc;
        return -1;
    }
    io_bind_index_local((int)(slot_named(name, strlen(name)) - classes), device);
    return 0;
}

int dmx_io_bind(const char *name, int device)
{
    io_binder_fn fn = atomic_load(&binder);
    return fn ? fn(name, device) : io_bind_local(name, device);
}

int dmx_io_get_counters(const char *name, struct dmx_io_counters *out)
{
    struct io_class_slot *slot = name ? slot_named(name, strlen(name)) : NULL;
    if (!slot || !out) {
        errno = ENOENT;
        return -1;
    }
    out->requests = atomic_load(&slot->requests);
    out->bytes_in = atomic_load(&slot->bytes_in);
    out->bytes_out = atomic_load(&slot->bytes_out);
    out->errors = atomic_load(&slot->errors);
    out->device = atomic_load(&slot->device);
    return 0;
}

void io_count(const struct io_request *req)
{
    struct io_class_slot *slot = slot_of(req->cls);
    if (!slot)
        return;
    atomic_fetch_add_explicit(&slot->requests, 1, memory_order_relaxed);
    if (req->result < 0) {
        atomic_fetch_add_explicit(&slot->errors, 1, memory_order_relaxed);
        return;
    }
    if (req->op == IO_OP_WRITE)
        atomic_fetch_add_explicit(&slot->bytes_in, (uint64_t)req->result, memory_order_relaxed);
    else if (req->op == IO_OP_READ || req->op == IO_OP_PREAD)
        atomic_fetch_add_explicit(&slot->bytes_out, (uint64_t)req->result, memory_order_relaxed);
}

void io_serve_local(struct io_request *req)
{
    const struct io_class_ops *ops = req->cls;
    int err = 0;
    switch (req->op) {
    case IO_OP_OPEN:
        req->new_handle = ops->open(req->subpath, req->flags, req->mode, &err);
        req->result = req->new_handle ? 0 : -(err ? err : EIO);
        break;
    case IO_OP_READ:
        req->result = ops->read ? ops->read(req->handle, req->out, req->out_len) : -EINVAL;
        break;
    case IO_OP_PREAD:
        req->result = req->offset < 0 ? -EINVAL
                      : ops->pread   ? ops->pread(req->handle, req->out, req->out_len, req->offset)
                                     : -ESPIPE;
        break;
    case IO_OP_WRITE:
        req->result = ops->write ? ops->write(req->handle, req->in, req->in_len) : -EINVAL;
        break;
    case IO_OP_IOCTL:
        if (req->out && req->in && req->out != req->in)
            memcpy(req->out, req->in, req->in_len < req->out_len ? req->in_len : req->out_len);
        req->result = ops->ioctl ? ops->ioctl(req->handle, req->cmd, req->out ? req->out : (void *)req->in) : -ENOTTY;
        break;
    case IO_OP_LSEEK:
        req->result = ops->lseek ? ops->lseek(req->handle, req->offset, req->whence) : -ESPIPE;
        break;
    case IO_OP_FSTAT:
        if (ops->fstat) {
            req->result = ops->fstat(req->handle, req->out);
        } else {
            struct stat *st = req->out;
            memset(st, 0, sizeof *st);
            st->st_mode = S_IFCHR | 0666;
            st->st_blksize = 4096;
            req->result = 0;
        }
        break;
    case IO_OP_CLOSE:
        req->result = ops->close ? ops->close(req->handle) : 0;
        break;
    default:
        req->result = -EINVAL;
    }
}

void io_note_local_use(const struct io_request *req)
{
    uint64_t out = req->result > 0 && req->out ? (uint64_t)req->result : 0;
    if (!io_placement_per_read(req->cls))
        dmx_thread_note_io((uint32_t)dmx_device_index(), req->in_len + out, 0);
}

void io_dispatch(int device, struct io_request *req)
{
    if (device == 0) {
        io_serve_local(req);
        io_note_local_use(req);
    } else {
        io_forwarder_fn fn = atomic_load(&forwarder);
        int rc = fn ? fn(device, req) : -EHOSTUNREACH;
        if (rc < 0)
            req->result = rc;
    }
    io_count(req);
}

/* At exit, leave the counters next to the device's other logs, where the orchestrator's metrics look. */
static atomic_bool reports_off;

void io_reports_off(void)
{
    atomic_store(&reports_off, true);
}

bool io_reports_are_off(void)
{
    return atomic_load(&reports_off);
}

void io_registry_write_report(void)
{
    if (io_reports_are_off())
        return;
    const char *run_dir = getenv("DMX_RUN_DIR");
    int n = atomic_load(&class_count);
    uint64_t total = 0;
    for (int i = 0; i < n; i++)
        total += atomic_load(&classes[i].requests);
    if (!run_dir || !*run_dir || total == 0)
        return;
    char path[PATH_MAX];
    snprintf(path, sizeof path, "%s/devices/%s", run_dir, dmx_device_name());
    io_mkdirs(path);
    snprintf(path, sizeof path, "%s/devices/%s/io-counters.%d.csv", run_dir, dmx_device_name(), (int)getpid());
    FILE *f = fopen(path, "w");
    if (!f)
        return;
    fprintf(f, "class,device,requests,bytes_in,bytes_out,errors,fwd_requests,fwd_bytes_sent,fwd_bytes_received,"
               "stall_ns\n");
    for (int i = 0; i < n; i++)
        fprintf(f, "%s,%d,%llu,%llu,%llu,%llu,%llu,%llu,%llu,%llu\n", classes[i].ops->name,
                atomic_load(&classes[i].device), (unsigned long long)atomic_load(&classes[i].requests),
                (unsigned long long)atomic_load(&classes[i].bytes_in),
                (unsigned long long)atomic_load(&classes[i].bytes_out),
                (unsigned long long)atomic_load(&classes[i].errors),
                (unsigned long long)atomic_load(&classes[i].fwd_requests),
                (unsigned long long)atomic_load(&classes[i].fwd_bytes_sent),
                (unsigned long long)atomic_load(&classes[i].fwd_bytes_received),
                (unsigned long long)atomic_load(&classes[i].stall_ns));
    fclose(f);
}

int io_mkdirs(const char *dir)
{
    char buf[PATH_MAX];
    size_t len = strlen(dir);
    if (len == 0 || len >= sizeof buf)
        return -ENAMETOOLONG;
    memcpy(buf, dir, len + 1);
    for (char *p = buf + 1; *p; p++) {
        if (*p != '/')
            continue;
        *p = '\0';
        if (mkdir(buf, 0755) < 0 && errno != EEXIST)
            return -errno;
        *p = '/';
    }
    if (mkdir(buf, 0755) < 0 && errno != EEXIST)
        return -errno;
    return 0;
}

__attribute__((constructor(150))) static void io_registry_init(void)
{
    atexit(io_registry_write_report);
}
