/* The storage resource (storage.c): this device's files under /dev/dmx/storage/. */
#ifndef DMX_STORAGE_H
#define DMX_STORAGE_H

#include <stddef.h>

/* The directory that holds this device's files: DMX_STORAGE_DIR, else $DMX_RUN_DIR/devices/NAME/storage.
 * 0, or -ENOENT when neither is set. */
int storage_root(char *buf, size_t len);

/* Maps SUBPATH ("/a/b.jpg", what follows /dev/dmx/storage) under ROOT into OUT. Rejects "..", empty
 * components are skipped. 0, -EACCES for a path that would leave ROOT, -ENAMETOOLONG. */
int storage_map_path(const char *root, const char *subpath, char *out, size_t len);

#endif
