/* Snapshot files: frames converted to RGB and written as PNG. The PNG is built here without zlib (no arm64
 * zlib development files are installed): its deflate stream uses stored (uncompressed) blocks, which every
 * PNG reader accepts; files are as large as the raw pixels. */
#ifndef DMX_RES_IMAGE_H
#define DMX_RES_IMAGE_H

#include <stdint.h>

/* RGB24 copy of a frame in FORMAT (io_devices.h); NULL on an unknown format or no memory. Caller frees. */
uint8_t *res_frame_to_rgb(const uint8_t *frame, uint32_t width, uint32_t height, uint32_t format);
/* Writes an RGB24 image to PATH as PNG; 0 or -errno. */
int res_write_png(const char *path, const uint8_t *rgb, uint32_t width, uint32_t height);

#endif
