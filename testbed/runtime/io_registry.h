/* Internal to the I/O layer: the class registry's helpers beyond io_resource.h. */
#ifndef DMX_IO_REGISTRY_H
#define DMX_IO_REGISTRY_H

#include "io_resource.h"

#define IO_MAX_CLASSES 16

/* The device CLS is bound to now (0 = this device). */
int io_class_device(const struct io_class_ops *cls);

/* mkdir -p; 0 or -errno. */
int io_mkdirs(const char *dir);

#endif
