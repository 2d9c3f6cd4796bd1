/* Internal to the I/O layer: the class registry's helpers beyond io_resource.h. */
#ifndef DMX_IO_REGISTRY_H
#define DMX_IO_REGISTRY_H

#include "io_resource.h"

#include <stdbool.h>

#define IO_MAX_CLASSES 16

/* An OPEN flag of the I/O engine itself, never an app's (Linux uses no bit this high): the resource server
 * keeps the file for the whole app, so any device may use its id, and closes it only when asked to. */
#define IO_OPEN_APP_WIDE 0x40000000

/* The device CLS is bound to now (0 = this device). */
int io_class_device(const struct io_class_ops *cls);
/* Index of CLS in the registry (the same on every device: one binary, one constructor order), or -1; and back. */
int io_class_index(const struct io_class_ops *cls);
const struct io_class_ops *io_class_at(int index);

/* Counts one operation the forwarder carried to another device (wire bytes both ways, network stall). */
void io_count_forward(const struct io_class_ops *cls, uint64_t sent, uint64_t received, uint64_t stall_ns);
/* Counts one operation on this device's view of the class (requests, bytes, errors), wherever it ran. */
void io_count(const struct io_request *req);

/* Bindings. dmx_io_bind() goes through the binder when one is installed (io_binding.c: the whole app's
 * binding on a multi-device run), else binds on this device only, like io_bind_local(). */
typedef int (*io_binder_fn)(const char *name, int device);
void io_set_binder(io_binder_fn fn);
/* 0, -ENOENT (no such class) or -EINVAL (no such device). */
int io_bind_check(const char *name, int device);
/* This device's binding of class NAME (or INDEX) to DEVICE (0 or this device = local); -1 and errno. */
int io_bind_local(const char *name, int device);
void io_bind_index_local(int index, int device);
/* Changes with every binding applied on this device. */
uint64_t io_bind_epoch(void);

/* Writes $DMX_RUN_DIR/devices/NAME/io-counters.PID.csv (at exit; a worker, which leaves by _exit, calls it). */
void io_registry_write_report(void);
/* From now on this process writes no I/O reports (a child the app forked: its counters are its parent's). */
void io_reports_off(void);
bool io_reports_are_off(void);

/* mkdir -p; 0 or -errno. */
int io_mkdirs(const char *dir);

#endif
