/* Internal to the I/O layer: the class registry's helpers beyond io_resource.h. */
#ifndef DMX_IO_REGISTRY_H
#define DMX_IO_REGISTRY_H

#include "io_resource.h"

#define IO_MAX_CLASSES 16

/* The device CLS is bound to now (0 = this device). */
int io_class_device(const struct io_class_ops *cls);

/* Counts one operation the forwarder carried to another device (wire bytes both ways, network stall). */
void io_count_forward(const struct io_class_ops *cls, uint64_t sent, uint64_t received, uint64_t stall_ns);

/* mkdir -p; 0 or -errno. */
int io_mkdirs(const char *dir);

#endif
