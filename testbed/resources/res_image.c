/* Frame to RGB conversion and a dependency-free PNG writer (see res_image.h). */
#include "res_image.h"

#include "io_devices.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static uint8_t clamp255(int v)
{
    return v < 0 ? 0 : v > 255 ? 255 : (uint8_t)v;
}

/* BT.601 limited range, the usual for SD/HD H.264 test content. */
static void yuv_to_rgb(int y, int u, int v, uint8_t *out)
{
    int c = 298 * (y - 16), d = u - 128, e = v - 128;
    out[0] = clamp255((c + 409 * e + 128) >> 8);
    out[1] = clamp255((c - 100 * d - 208 * e + 128) >> 8);
    out[2] = clamp255((c + 516 * d + 128) >> 8);
}

uint8_t *res_frame_to_rgb(const uint8_t *frame, uint32_t width, uint32_t height, uint32_t format)
{
    size_t pixels = (size_t)width * height;
    uint8_t *rgb = malloc(pixels ? pixels * 3 : 1);
    if (!rgb)
        return NULL;
    switch (format) {
    case DMX_PIX_RGB24:
        memcpy(rgb, frame, pixels * 3);
        return rgb;
    case DMX_PIX_GRAY8:
        for (size_t i = 0; i < pixels; i++)
            rgb[3 * i] = rgb[3 * i + 1] = rgb[3 * i + 2] = frame[i];
        return rgb;
    case DMX_PIX_I420: {
        const uint8_t *u = frame + pixels, *v = u + pixels / 4;
        for (uint32_t row = 0; row < height; row++)
            for (uint32_t col = 0; col < width; col++) {
                size_t c = (size_t)(row / 2) * (width / 2) + col / 2;
                yuv_to_rgb(frame[(size_t)row * width + col], u[c], v[c], rgb + 3 * ((size_t)row * width + col));
            }
        return rgb;
    }
    default:
        free(rgb);
        return NULL;
    }
}

static uint32_t crc_table[256];

static void crc_init(void)
{
    for (uint32_t n = 0; n < 256; n++) {
        uint32_t c = n;
        for (int k = 0; k < 8; k++)
            c = c & 1 ? 0xedb88320u ^ (c >> 1) : c >> 1;
        crc_table[n] = c;
    }
}

static uint32_t crc_update(uint32_t crc, const uint8_t *p, size_t len)
{
    for (size_t i = 0; i < len; i++)
        crc = crc_table[(crc ^ p[i]) & 0xff] ^ (crc >> 8);
    return crc;
}

static void put_be32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}

static int write_chunk(FILE *f, const char type[4], const uint8_t *data, uint32_t len)
{
    uint8_t head[8], tail[4];
    put_be32(head, len);
    memcpy(head + 4, type, 4);
    uint32_t crc = crc_update(0xffffffffu, head + 4, 4);
    crc = crc_update(crc, data, len) ^ 0xffffffffu;
    put_be32(tail, crc);
    return fwrite(head, 1, 8, f) == 8 && (len == 0 || fwrite(data, 1, len, f) == len) && fwrite(tail, 1, 4, f) == 4
               ? 0 : -EIO;
}

/* zlib stream of stored deflate blocks over the filtered scanlines (filter byte 0 per row). */
static uint8_t *zlib_stored(const uint8_t *rgb, uint32_t width, uint32_t height, uint32_t *out_len)
{
    size_t row = (size_t)width * 3 + 1, raw = row * height;
    size_t blocks = raw / 65535 + 1;
    size_t total = 2 + raw + blocks * 5 + 4;
    if (total > UINT32_MAX)
        return NULL;
    uint8_t *z = malloc(total), *p = z;
    if (!z)
        return NULL;
    *p++ = 0x78;
    *p++ = 0x01;
    uint32_t a = 1, b = 0;
    size_t done = 0;
    do {
        size_t n = raw - done < 65535 ? raw - done : 65535;
        *p++ = done + n == raw ? 1 : 0;
        p[0] = (uint8_t)n;
        p[1] = (uint8_t)(n >> 8);
        p[2] = (uint8_t)~n;
        p[3] = (uint8_t)(~n >> 8);
        p += 4;
        for (size_t i = 0; i < n; i++, done++) {
            size_t r = done / row, c = done % row;
            uint8_t byte = c == 0 ? 0 : rgb[r * (row - 1) + c - 1];
            *p++ = byte;
            a = (a + byte) % 65521;
            b = (b + a) % 65521;
        }
    } while (done < raw);
    put_be32(p, (b << 16) | a);
    p += 4;
    *out_len = (uint32_t)(p - z);
    return z;
}

int res_write_png(const char *path, const uint8_t *rgb, uint32_t width, uint32_t height)
{
    static const uint8_t signature[8] = { 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n' };
    if (!crc_table[1])
        crc_init();
    uint8_t ihdr[13];
    put_be32(ihdr, width);
    put_be32(ihdr + 4, height);
    ihdr[8] = 8;  /* bit depth */
    ihdr[9] = 2;  /* truecolour */
    ihdr[10] = 0; /* deflate */
    ihdr[11] = 0; /* adaptive filtering (all rows use filter 0) */
    ihdr[12] = 0; /* no interlace */
    uint32_t zlen = 0;
    uint8_t *z = zlib_stored(rgb, width, height, &zlen);
    if (!z)
        return -ENOMEM;
    FILE *f = fopen(path, "wb");
    if (!f) {
        int err = errno;
        free(z);
        return -err;
    }
    int rc = fwrite(signature, 1, 8, f) == 8 ? 0 : -EIO;
    if (rc == 0)
        rc = write_chunk(f, "IHDR", ihdr, sizeof ihdr);
    if (rc == 0)
        rc = write_chunk(f, "IDAT", z, zlen);
    if (rc == 0)
        rc = write_chunk(f, "IEND", NULL, 0);
    free(z);
    if (fclose(f) != 0 && rc == 0)
        rc = -EIO;
    return rc;
}
