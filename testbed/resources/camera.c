/* /dev/dmx/camera: a sensor that produces preview frames at its frame rate in emulated time, played from a
 * recorded clip (concatenated binary PGMs, gray8, looped). Frame k is captured at open time + k/fps. A read
 * returns the newest captured frame (blocking until one newer than the last read exists), scaled to the
 * preview size; frames nobody read are dropped and counted.
 *
 * The clip: DMX_CAMERA_CLIP if set; else the first file named camera*.pgms (by name) in this device's
 * storage directory (storage.h: DMX_STORAGE_DIR, which a scenario's `storage =` key sets, so each camera
 * device of a scenario plays the clip in its own storage); else build/media/camera-720x480.pgms of this tree.
 * A clip that cannot be opened or parsed fails the open with its path on this device's stderr.
 * Environment: DMX_CAMERA_CLIP, DMX_CAMERA_SIZE (WxH, default 320x240), DMX_CAMERA_FPS (30). */
#include "io_devices.h"
#include "io_resource.h"
#include "res_clock.h"
#include "res_env.h"
#include "storage.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#ifndef DMX_TOP
#define DMX_TOP "."
#endif

static struct {
    pthread_mutex_t lock;
    int opens;
    int clip_fd;
    uint32_t clip_w, clip_h, clip_frames;
    size_t header_len; /* every frame of the clip has the same header */
    struct dmx_camera_mode mode;
    uint64_t epoch_ns;
    bool read_any;
    uint64_t last_seq, last_ts, dropped;
    uint8_t *clip_frame;
} cam = { .lock = PTHREAD_MUTEX_INITIALIZER, .clip_fd = -1 };

/* Parses "P5 W H 255\n" at the start of BUF; returns the header length or 0. */
static size_t parse_pgm_header(const char *buf, size_t len, uint32_t *w, uint32_t *h)
{
    unsigned a, b, maxval;
    int used = 0;
    char text[64];
    size_t n = len < sizeof text - 1 ? len : sizeof text - 1;
    memcpy(text, buf, n);
    text[n] = '\0';
    if (sscanf(text, "P5 %u %u %u%n", &a, &b, &maxval, &used) != 3 || maxval != 255 || a == 0 || b == 0 ||
        (size_t)used >= n || (text[used] != '\n' && text[used] != ' '))
        return 0;
    *w = a;
    *h = b;
    return (size_t)used + 1;
}

static const char *device_label(void)
{
    const char *name = getenv("DMX_DEVICE_NAME");
    return name && *name ? name : "local";
}

/* The first camera*.pgms (by name) in this device's storage into OUT; 0, or -1 if there is none. */
static int clip_in_storage(char *out, size_t len)
{
    char root[PATH_MAX], best[256] = "";
    if (storage_root(root, sizeof root) < 0)
        return -1;
    DIR *dir = opendir(root);
    if (!dir)
        return -1;
    struct dirent *e;
    while ((e = readdir(dir)) != NULL) {
        size_t n = strlen(e->d_name);
        if (n < 11 || n >= sizeof best || strncmp(e->d_name, "camera", 6) != 0 ||
            strcmp(e->d_name + n - 5, ".pgms") != 0)
            continue;
        if (!best[0] || strcmp(e->d_name, best) < 0)
            memcpy(best, e->d_name, n + 1);
    }
    closedir(dir);
    if (!best[0])
        return -1;
    int n = snprintf(out, len, "%s/%s", root, best);
    return n < 0 || (size_t)n >= len ? -1 : 0;
}

static int load_clip(void)
{
    const char *path = getenv("DMX_CAMERA_CLIP");
    char fallback[PATH_MAX];
    if (!path || !*path) {
        if (clip_in_storage(fallback, sizeof fallback) < 0)
            snprintf(fallback, sizeof fallback, "%s/build/media/camera-720x480.pgms", DMX_TOP);
        path = fallback;
    }
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        int err = errno;
        fprintf(stderr, "camera (device %s): clip %s: %s\n", device_label(), path, strerror(err));
        return -err;
    }
    char head[64];
    ssize_t got = pread(fd, head, sizeof head, 0);
    off_t size = lseek(fd, 0, SEEK_END);
    uint32_t w = 0, h = 0;
    size_t header_len = got > 0 ? parse_pgm_header(head, (size_t)got, &w, &h) : 0;
    uint64_t frame_len = header_len + (uint64_t)w * h;
    if (header_len == 0 || size <= 0 || (uint64_t)size % frame_len != 0) {
        fprintf(stderr, "camera (device %s): clip %s: not a sequence of equal-size 8-bit binary PGM frames\n",
                device_label(), path);
        close(fd);
        return -EINVAL;
    }
    cam.clip_frame = malloc((size_t)w * h);
    if (!cam.clip_frame) {
        close(fd);
        return -ENOMEM;
    }
    cam.clip_fd = fd;
    cam.clip_w = w;
    cam.clip_h = h;
    cam.header_len = header_len;
    cam.clip_frames = (uint32_t)((uint64_t)size / frame_len);
    return 0;
}

static void *camera_open(const char *subpath, int flags, mode_t mode, int *err)
{
    (void)flags;
    (void)mode;
    if (*subpath) {
        *err = ENOENT;
        return NULL;
    }
    pthread_mutex_lock(&cam.lock);
    if (cam.opens == 0) {
        int rc = cam.clip_fd < 0 ? load_clip() : 0;
        if (rc < 0) {
            pthread_mutex_unlock(&cam.lock);
            *err = -rc;
            return NULL;
        }
        cam.mode.width = 320;
        cam.mode.height = 240;
        res_env_size("DMX_CAMERA_SIZE", &cam.mode.width, &cam.mode.height);
        cam.mode.format = DMX_PIX_GRAY8;
        cam.mode.fps = res_env_u32("DMX_CAMERA_FPS", 30);
        if (cam.mode.fps == 0)
            cam.mode.fps = 30;
        cam.epoch_ns = res_now_ns();
        cam.read_any = false;
        cam.dropped = 0;
    }
    cam.opens++;
    pthread_mutex_unlock(&cam.lock);
    return &cam;
}

static uint64_t capture_time(uint64_t seq)
{
    return cam.epoch_ns + seq * 1000000000ULL / cam.mode.fps;
}

/* Nearest-neighbour scaling of the clip frame to the preview size. */
static void scale_into(uint8_t *out)
{
    for (uint32_t y = 0; y < cam.mode.height; y++) {
        const uint8_t *src = cam.clip_frame + (size_t)((uint64_t)y * cam.clip_h / cam.mode.height) * cam.clip_w;
        for (uint32_t x = 0; x < cam.mode.width; x++)
            out[(size_t)y * cam.mode.width + x] = src[(uint64_t)x * cam.clip_w / cam.mode.width];
    }
}

static ssize_t camera_read(void *handle, void *buf, size_t len)
{
    (void)handle;
    pthread_mutex_lock(&cam.lock);
    size_t frame_len = (size_t)cam.mode.width * cam.mode.height;
    if (len < frame_len) {
        pthread_mutex_unlock(&cam.lock);
        return -EINVAL; /* one whole frame per read */
    }
    uint64_t now = res_now_ns();
    uint64_t newest = (now - cam.epoch_ns) * cam.mode.fps / 1000000000ULL;
    if (cam.read_any && newest <= cam.last_seq) {
        newest = cam.last_seq + 1;
        res_sleep_until_ns(capture_time(newest));
    }
    uint64_t first_unread = cam.read_any ? cam.last_seq + 1 : 0;
    cam.dropped += newest - first_unread;
    uint64_t clip_index = newest % cam.clip_frames;
    off_t offset = (off_t)(clip_index * (cam.header_len + (uint64_t)cam.clip_w * cam.clip_h) + cam.header_len);
    ssize_t got = pread(cam.clip_fd, cam.clip_frame, (size_t)cam.clip_w * cam.clip_h, offset);
    if (got != (ssize_t)((size_t)cam.clip_w * cam.clip_h)) {
        pthread_mutex_unlock(&cam.lock);
        return -EIO;
    }
    scale_into(buf);
    cam.read_any = true;
    cam.last_seq = newest;
    cam.last_ts = capture_time(newest);
    pthread_mutex_unlock(&cam.lock);
    return (ssize_t)frame_len;
}

static int camera_ioctl(void *handle, unsigned long cmd, void *arg)
{
    (void)handle;
    int rc = 0;
    pthread_mutex_lock(&cam.lock);
    if (cmd == DMX_CAMERA_SET_MODE) {
        struct dmx_camera_mode *m = arg;
        if (m->format != DMX_PIX_GRAY8 || m->width < 16 || m->height < 16 || m->width > 4096 || m->height > 4096 ||
            m->fps > 240) {
            rc = -EINVAL;
        } else {
            cam.mode.width = m->width;
            cam.mode.height = m->height;
            if (m->fps && m->fps != cam.mode.fps) {
                /* Keep the sequence numbers running: restart the capture grid at the next frame. */
                uint64_t now = res_now_ns();
                cam.mode.fps = m->fps;
                cam.epoch_ns = now;
                cam.read_any = false;
            }
        }
    } else if (cmd == DMX_CAMERA_GET_INFO) {
        struct dmx_camera_info *info = arg;
        uint64_t now = res_now_ns();
        memset(info, 0, sizeof *info);
        info->mode = cam.mode;
        info->seq = cam.last_seq;
        info->timestamp_ns = cam.last_ts;
        info->produced = (now - cam.epoch_ns) * cam.mode.fps / 1000000000ULL + 1;
        info->dropped = cam.dropped;
        info->clip_frames = cam.clip_frames;
        info->clip_width = cam.clip_w;
        info->clip_height = cam.clip_h;
    } else {
        rc = -ENOTTY;
    }
    pthread_mutex_unlock(&cam.lock);
    return rc;
}

static int camera_close(void *handle)
{
    (void)handle;
    pthread_mutex_lock(&cam.lock);
    cam.opens--;
    pthread_mutex_unlock(&cam.lock);
    return 0;
}

static int camera_ioctl_is_setup(unsigned long cmd)
{
    return cmd == DMX_CAMERA_SET_MODE;
}

static const struct io_class_ops camera_ops = {
    .name = "camera",
    .open = camera_open,
    .read = camera_read,
    .ioctl = camera_ioctl,
    .close = camera_close,
    .ioctl_is_setup = camera_ioctl_is_setup,
};

__attribute__((constructor(200))) static void camera_register(void)
{
    io_register_class(&camera_ops);
}
