/* io_placement.h: forward a large read of another device's file, or move the reading thread there first
 * (policy dynamix; io_placement.c has the rule). */
#ifndef DMX_IO_PLACEMENT_H
#define DMX_IO_PLACEMENT_H

#include "io_resource.h"

#include <stdbool.h>
#include <stddef.h>

#include <string.h>

/* Are cls's reads weighed one by one here (files), rather than as a stream by the device monitor? */
static inline bool io_placement_per_read(const struct io_class_ops *cls)
{
    return cls && cls->name && strcmp(cls->name, "storage") == 0;
}

/* Called by read() on the app's thread before anything else of the call: may migrate the calling thread to the
 * device of FD's file, so that the read runs there. Returns how much to read now: LEN, or less for a first
 * read that measures the link. */
size_t io_placement_before_read(int fd, size_t len);

#endif
