/* /dev/dmx/screen: a frame sink with a mode (resolution, pixel format) and a vsync (60 Hz by default) in
 * emulated time. A write of one whole frame blocks until the next vsync that has not presented a frame yet;
 * the frame is then stamped with that vsync's time and appended to the frames log, the only place FPS is
 * counted from. Every DMX_SNAPSHOT_EVERY frames it also saves a PNG.
 *
 * Environment: DMX_SCREEN_SIZE (WxH, default 1280x720), DMX_SCREEN_HZ (60), DMX_SCREEN_LOG (frames log; default
 * $DMX_RUN_DIR/devices/$DMX_DEVICE_NAME/screen-frames.csv, none outside a run), DMX_SNAPSHOT_EVERY (0 = off),
 * DMX_SNAPSHOT_DIR (default: the device directory, else the frames log's directory). */
#include "screen.h"

#include "io_devices.h"
#include "io_resource.h"
#include "res_clock.h"
#include "res_env.h"
#include "res_image.h"

#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* One screen per device: every open shares it (and its vsync grid, which starts at emulated time 0). */
static struct {
    pthread_mutex_t lock;
    int opens;
    struct dmx_screen_mode mode;
    bool presented_any;
    uint64_t last_vsync; /* index of the vsync that presented the last frame */
    uint64_t frames, missed;
    FILE *log;
    bool log_tried;
    uint32_t snapshot_every;
    char snapshot_dir[PATH_MAX + 32];
} screen = { .lock = PTHREAD_MUTEX_INITIALIZER };

static uint64_t vsync_time(uint64_t index)
{
    return index * 1000000000ULL / screen.mode.refresh_hz;
}

static void open_log(void)
{
    char path[PATH_MAX + 32], dir[PATH_MAX];
    const char *env = getenv("DMX_SCREEN_LOG");
    bool have_dir = res_device_dir(dir, sizeof dir) == 0;
    screen.log_tried = true;
    if (env && *env)
        snprintf(path, sizeof path, "%s", env);
    else if (have_dir)
        snprintf(path, sizeof path, "%s/screen-frames.csv", dir);
    else
        return;
    screen.log = fopen(path, "a");
    if (!screen.log) {
        fprintf(stderr, "screen: cannot write the frames log %s: %s\n", path, strerror(errno));
        return;
    }
    setvbuf(screen.log, NULL, _IOLBF, 0);
    if (ftell(screen.log) == 0)
        fprintf(screen.log, "seq,present_ns,bytes,checksum\n");
    const char *snap_dir = getenv("DMX_SNAPSHOT_DIR");
    if (snap_dir && *snap_dir) {
        snprintf(screen.snapshot_dir, sizeof screen.snapshot_dir, "%s", snap_dir);
    } else if (have_dir) {
        snprintf(screen.snapshot_dir, sizeof screen.snapshot_dir, "%s", dir);
    } else {
        snprintf(screen.snapshot_dir, sizeof screen.snapshot_dir, "%s", path);
        char *slash = strrchr(screen.snapshot_dir, '/');
        if (slash)
            *slash = '\0';
        else
            strcpy(screen.snapshot_dir, ".");
    }
}

static void *screen_open(const char *subpath, int flags, mode_t mode, int *err)
{
    (void)flags;
    (void)mode;
    if (*subpath) {
        *err = ENOENT;
        return NULL;
    }
    pthread_mutex_lock(&screen.lock);
    if (screen.opens++ == 0 && screen.mode.width == 0) {
        screen.mode.width = 1280;
        screen.mode.height = 720;
        res_env_size("DMX_SCREEN_SIZE", &screen.mode.width, &screen.mode.height);
        screen.mode.format = DMX_PIX_RGB24;
        screen.mode.refresh_hz = res_env_u32("DMX_SCREEN_HZ", 60);
        if (screen.mode.refresh_hz == 0)
            screen.mode.refresh_hz = 60;
        screen.snapshot_every = res_env_u32("DMX_SNAPSHOT_EVERY", 0);
    }
    pthread_mutex_unlock(&screen.lock);
    return &screen;
}

static void snapshot(const uint8_t *frame, uint64_t seq)
{
    char path[PATH_MAX + 64];
    uint8_t *rgb = res_frame_to_rgb(frame, screen.mode.width, screen.mode.height, screen.mode.format);
    if (!rgb)
        return;
    snprintf(path, sizeof path, "%s/screen-%06llu.png", screen.snapshot_dir, (unsigned long long)seq);
    int rc = res_write_png(path, rgb, screen.mode.width, screen.mode.height);
    if (rc < 0)
        fprintf(stderr, "screen: snapshot %s: %s\n", path, strerror(-rc));
    free(rgb);
}

static ssize_t screen_write(void *handle, const void *buf, size_t len)
{
    (void)handle;
    pthread_mutex_lock(&screen.lock);
    uint64_t want = dmx_frame_bytes(screen.mode.width, screen.mode.height, screen.mode.format);
    if (len != want) {
        pthread_mutex_unlock(&screen.lock);
        return -EINVAL; /* one whole frame per write */
    }
    uint64_t sum = dmx_checksum(buf, len);
    uint64_t vsync = res_now_ns() * screen.mode.refresh_hz / 1000000000ULL + 1;
    if (screen.presented_any && vsync <= screen.last_vsync)
        vsync = screen.last_vsync + 1;
    if (screen.presented_any)
        screen.missed += vsync - screen.last_vsync - 1;
    uint64_t present_ns = vsync_time(vsync);
    res_sleep_until_ns(present_ns);
    screen.presented_any = true;
    screen.last_vsync = vsync;
    uint64_t seq = screen.frames++;
    if (!screen.log_tried)
        open_log();
    if (screen.log)
        fprintf(screen.log, "%llu,%llu,%zu,%016llx\n", (unsigned long long)seq, (unsigned long long)present_ns, len,
                (unsigned long long)sum);
    if (screen.snapshot_every && seq % screen.snapshot_every == 0)
        snapshot(buf, seq);
    pthread_mutex_unlock(&screen.lock);
    return (ssize_t)len;
}

static int screen_ioctl(void *handle, unsigned long cmd, void *arg)
{
    (void)handle;
    int rc = 0;
    pthread_mutex_lock(&screen.lock);
    if (cmd == DMX_SCREEN_SET_MODE) {
        struct dmx_screen_mode *m = arg;
        if (dmx_frame_bytes(m->width, m->height, m->format) == 0 || m->width > 8192 || m->height > 8192) {
            rc = -EINVAL;
        } else {
            screen.mode.width = m->width;
            screen.mode.height = m->height;
            screen.mode.format = m->format;
            if (m->refresh_hz && m->refresh_hz != screen.mode.refresh_hz) {
                /* Carry the last presented vsync over to the new grid. */
                uint64_t last_ns = vsync_time(screen.last_vsync);
                screen.mode.refresh_hz = m->refresh_hz;
                screen.last_vsync = last_ns * m->refresh_hz / 1000000000ULL;
            }
        }
    } else if (cmd == DMX_SCREEN_GET_INFO) {
        struct dmx_screen_info *info = arg;
        info->mode = screen.mode;
        info->frames = screen.frames;
        info->last_present_ns = screen.presented_any ? vsync_time(screen.last_vsync) : 0;
        info->missed_vsyncs = screen.missed;
    } else {
        rc = -ENOTTY;
    }
    pthread_mutex_unlock(&screen.lock);
    return rc;
}

static int screen_close(void *handle)
{
    (void)handle;
    pthread_mutex_lock(&screen.lock);
    if (--screen.opens == 0 && screen.log)
        fflush(screen.log);
    pthread_mutex_unlock(&screen.lock);
    return 0;
}

static int screen_ioctl_is_setup(unsigned long cmd)
{
    return cmd == DMX_SCREEN_SET_MODE;
}

static const struct io_class_ops screen_ops = {
    .name = "screen",
    .open = screen_open,
    .write = screen_write,
    .ioctl = screen_ioctl,
    .close = screen_close,
    .ioctl_is_setup = screen_ioctl_is_setup,
};

void screen_reset_for_test(void)
{
    pthread_mutex_lock(&screen.lock);
    if (screen.log)
        fclose(screen.log);
    screen.log = NULL;
    screen.log_tried = false;
    screen.mode.width = 0;
    screen.presented_any = false;
    screen.frames = screen.missed = screen.last_vsync = 0;
    screen.opens = 0;
    pthread_mutex_unlock(&screen.lock);
}

__attribute__((constructor(200))) static void screen_register(void)
{
    io_register_class(&screen_ops);
}
