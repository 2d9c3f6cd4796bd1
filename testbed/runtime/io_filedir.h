/* io_filedir.h: the shared file directory (DynaMix §4.3.3). /dev/dmx/storage/NAME first looks in the storage of
 * the device the storage class is bound to (normally this one); when NAME is not there, the directory says
 * which device holds it, and the open (and every later read, lseek, fstat, close) is forwarded to that device.
 * The directory is filled from each device's listing (/dev/dmx/storage opened on that device's resource
 * server), at the first miss and again at each later miss of a name it does not know. */
#ifndef DMX_IO_FILEDIR_H
#define DMX_IO_FILEDIR_H

#include "io_resource.h"

#include <stdint.h>

/* The io_locator_fn: the device holding SUBPATH ("/NAME") of class storage, or 0. */
int io_filedir_locate(const struct io_class_ops *cls, const char *subpath);

/* Parses one device's listing ("NAME\tSIZE\n"...) and remembers its names as held by DEVICE (unit-testable). */
void io_filedir_add_listing(int device, const char *text, size_t len);
/* The device remembered for NAME, or 0. */
int io_filedir_lookup(const char *name, uint64_t *size);
void io_filedir_clear(void);

#endif
