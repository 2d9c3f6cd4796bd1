/* surveillance: camera preview -> Canny edge detection -> UI thread that shows the edges on the screen.
 *
 *   camera thread   reads preview frames from /dev/dmx/camera (the newest; the camera drops the rest)
 *   detector thread Canny (canny.c) on each frame
 *   ui thread       writes each edge map to /dev/dmx/screen (gray8 at the preview size)
 *
 * Usage: surveillance [--size WxH] [--frames N] [--fps N] [--low N] [--high N]
 *   --size   preview size, 176x144 .. 720x480 (default 320x240)
 *   --frames frames to process (default 90)
 *   --fps    camera frame rate (default 30)
 * Output (stdout): one line per frame
 *   edge seq=S checksum=C frame=K capture_ns=T canny_us=U latency_us=L net_us=N wait_us=W
 * (S is the camera's frame sequence number, C the dmx_checksum of the edge map, K the index of the frame in the
 * camera's recorded clip (S modulo the clip's length): runs that drop different frames, e.g. one reading a
 * camera on another device, compare frame by frame on K; L capture to present, split into compute U, network N
 * (the camera read and the screen write waiting on the network when those resources are on another device) and
 * the rest W, queueing and vsync), then
 *   surveillance: frames=N fps=F mean_canny_us=U mean_latency_us=L dropped=D combined=C
 * Exit status 0, or 1 with a message naming the device or file that failed (and, when /dev/dmx/camera or
 * /dev/dmx/screen is bound to another device, which device: its own stderr names the clip). */
#include "app_net.h"
#include "app_queue.h"
#include "app_time.h"
#include "canny.h"
#include "dmx.h"
#include "io_devices.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct frame {
    uint64_t seq, clip_index, capture_ns, canny_us, net_ns;
    uint8_t *pixels, *edges;
};

static struct {
    uint32_t width, height, fps;
    int frames;
    struct canny_params params;
    int camera_fd, screen_fd;
    struct app_queue free_frames, captured, detected;
    uint64_t first_present_ns, last_present_ns;
    uint64_t canny_us_total, latency_us_total, combined;
    int shown, failed;
} sv;

static const char *where(const char *cls);

static void *camera_thread(void *arg)
{
    (void)arg;
    size_t len = (size_t)sv.width * sv.height;
    for (int i = 0; i < sv.frames; i++) {
        struct frame *f = app_queue_pop(&sv.free_frames);
        if (!f)
            break;
        uint64_t stall_before = app_net_stall_ns();
        ssize_t got = read(sv.camera_fd, f->pixels, len);
        struct dmx_camera_info info;
        if (got != (ssize_t)len || ioctl(sv.camera_fd, DMX_CAMERA_GET_INFO, &info) < 0) {
            const char *why = got < 0 ? strerror(errno) : "short frame";
            fprintf(stderr, "surveillance: /dev/dmx/camera%s: read failed: %s\n", where("camera"), why);
            sv.failed = 1;
            break;
        }
        f->seq = info.seq;
        f->clip_index = info.clip_frames ? info.seq % info.clip_frames : info.seq;
        f->capture_ns = info.timestamp_ns;
        f->net_ns = app_net_stall_since(stall_before);
        if (!app_queue_push(&sv.captured, f))
            break;
    }
    app_queue_close(&sv.captured);
    return NULL;
}

static void *detector_thread(void *arg)
{
    (void)arg;
    struct canny_work work;
    if (canny_init(&work, (int)sv.width, (int)sv.height) < 0) {
        fprintf(stderr, "surveillance: out of memory for %ux%u\n", sv.width, sv.height);
        sv.failed = 1;
        app_queue_close(&sv.captured);
        app_queue_close(&sv.detected);
        return NULL;
    }
    struct frame *f;
    while ((f = app_queue_pop(&sv.captured)) != NULL) {
        uint64_t t0 = app_now_ns();
        canny_run(&work, f->pixels, f->edges, &sv.params);
        f->canny_us = (app_now_ns() - t0) / 1000;
        if (!app_queue_push(&sv.detected, f))
            break;
    }
    canny_free(&work);
    app_queue_close(&sv.detected);
    return NULL;
}

static void *ui_thread(void *arg)
{
    (void)arg;
    size_t len = (size_t)sv.width * sv.height;
    struct frame *f;
    while ((f = app_queue_pop(&sv.detected)) != NULL) {
        uint64_t stall_before = app_net_stall_ns();
        if (write(sv.screen_fd, f->edges, len) != (ssize_t)len) {
            fprintf(stderr, "surveillance: /dev/dmx/screen: %s\n", strerror(errno));
            sv.failed = 1;
            app_queue_close(&sv.free_frames);
            app_queue_close(&sv.detected);
            break;
        }
        struct dmx_screen_info info;
        uint64_t present = ioctl(sv.screen_fd, DMX_SCREEN_GET_INFO, &info) == 0 ? info.last_present_ns : app_now_ns();
        uint64_t sum = dmx_checksum(f->edges, len);
        uint64_t latency_us = present > f->capture_ns ? (present - f->capture_ns) / 1000 : 0;
        uint64_t net_us = (f->net_ns + app_net_stall_since(stall_before)) / 1000;
        uint64_t busy_us = f->canny_us + net_us;
        uint64_t wait_us = latency_us > busy_us ? latency_us - busy_us : 0;
        printf("edge seq=%" PRIu64 " checksum=%016" PRIx64 " frame=%" PRIu64 " capture_ns=%" PRIu64
               " canny_us=%" PRIu64 " latency_us=%" PRIu64 " net_us=%" PRIu64 " wait_us=%" PRIu64 "\n", f->seq, sum,
               f->clip_index, f->capture_ns, f->canny_us, latency_us, net_us, wait_us);
        if (sv.shown == 0)
            sv.first_present_ns = present;
        sv.last_present_ns = present;
        sv.shown++;
        sv.canny_us_total += f->canny_us;
        sv.latency_us_total += latency_us;
        sv.combined = (sv.combined ^ sum) * 0x100000001b3ULL;
        app_queue_push(&sv.free_frames, f);
    }
    app_queue_close(&sv.free_frames);
    return NULL;
}

static int parse_args(int argc, char **argv)
{
    sv.width = 320;
    sv.height = 240;
    sv.fps = 30;
    sv.frames = 90;
    sv.params.low = CANNY_DEFAULT_LOW;
    sv.params.high = CANNY_DEFAULT_HIGH;
    for (int i = 1; i < argc; i++) {
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (strcmp(argv[i], "--size") == 0 && v && sscanf(v, "%ux%u", &sv.width, &sv.height) == 2)
            i++;
        else if (strcmp(argv[i], "--frames") == 0 && v && (sv.frames = atoi(v)) > 0)
            i++;
        else if (strcmp(argv[i], "--fps") == 0 && v && (sv.fps = (uint32_t)atoi(v)) > 0)
            i++;
        else if (strcmp(argv[i], "--low") == 0 && v)
            sv.params.low = atoi(argv[++i]);
        else if (strcmp(argv[i], "--high") == 0 && v)
            sv.params.high = atoi(argv[++i]);
        else {
            fprintf(stderr, "usage: surveillance [--size WxH] [--frames N] [--fps N] [--low N] [--high N]\n");
            return -1;
        }
    }
    if (sv.width < 176 || sv.height < 144 || sv.width > 720 || sv.height > 480) {
        fprintf(stderr, "surveillance: preview size %ux%u is outside 176x144 .. 720x480\n", sv.width, sv.height);
        return -1;
    }
    return 0;
}

/* " (on device NAME)" when class CLS is bound to another device, else "". DMX_DEVICES lists the devices as
 * name=ip, master first, in index order. */
static const char *where(const char *cls)
{
    static char text[128];
    struct dmx_io_counters c;
    text[0] = '\0';
    if (dmx_io_get_counters(cls, &c) < 0 || c.device <= 0 || c.device == dmx_device_index())
        return text;
    const char *devices = getenv("DMX_DEVICES");
    char name[64];
    snprintf(name, sizeof name, "%d", c.device);
    for (int i = 1; devices && *devices; i++) {
        size_t n = strcspn(devices, "=,");
        if (i == c.device && n < sizeof name) {
            memcpy(name, devices, n);
            name[n] = '\0';
            break;
        }
        devices = strchr(devices, ',');
        devices = devices ? devices + 1 : NULL;
    }
    snprintf(text, sizeof text, " (on device %s)", name);
    return text;
}

static int open_devices(void)
{
    sv.camera_fd = open("/dev/dmx/camera", O_RDONLY);
    if (sv.camera_fd < 0) {
        const char *why = strerror(errno);
        const char *on = where("camera");
        fprintf(stderr, "surveillance: /dev/dmx/camera%s: %s (is the camera clip there? see DMX_CAMERA_CLIP%s)\n",
                on, why, on[0] ? " and that device's stderr.log" : "");
        return -1;
    }
    struct dmx_camera_mode cm = { sv.width, sv.height, DMX_PIX_GRAY8, sv.fps };
    if (ioctl(sv.camera_fd, DMX_CAMERA_SET_MODE, &cm) < 0) {
        const char *why = strerror(errno);
        fprintf(stderr, "surveillance: /dev/dmx/camera%s: cannot set %ux%u@%u: %s\n", where("camera"), sv.width,
                sv.height, sv.fps, why);
        return -1;
    }
    sv.screen_fd = open("/dev/dmx/screen", O_WRONLY);
    struct dmx_screen_mode sm = { sv.width, sv.height, DMX_PIX_GRAY8, 0 };
    if (sv.screen_fd < 0 || ioctl(sv.screen_fd, DMX_SCREEN_SET_MODE, &sm) < 0) {
        const char *why = strerror(errno);
        fprintf(stderr, "surveillance: /dev/dmx/screen%s: %s\n", where("screen"), why);
        return -1;
    }
    return 0;
}

int main(int argc, char **argv)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
    if (parse_args(argc, argv) < 0 || open_devices() < 0)
        return 1;
    enum { POOL = 4 };
    /* On the heap, not on main()'s stack: the threads may run on other devices, which see the heap and the
     * globals but not the master's main stack (testbed/runtime/README.md, "What is shared"). */
    struct frame *pool = calloc(POOL, sizeof *pool);
    if (!pool) {
        fprintf(stderr, "surveillance: out of memory\n");
        return 1;
    }
    size_t len = (size_t)sv.width * sv.height;
    if (app_queue_init(&sv.free_frames, POOL) < 0 || app_queue_init(&sv.captured, POOL) < 0 ||
        app_queue_init(&sv.detected, POOL) < 0)
        return 1;
    for (int i = 0; i < POOL; i++) {
        pool[i].pixels = malloc(len);
        pool[i].edges = malloc(len);
        if (!pool[i].pixels || !pool[i].edges) {
            fprintf(stderr, "surveillance: out of memory\n");
            return 1;
        }
        app_queue_push(&sv.free_frames, &pool[i]);
    }
    pthread_t camera, detector, ui;
    pthread_create(&camera, NULL, camera_thread, NULL);
    pthread_create(&detector, NULL, detector_thread, NULL);
    pthread_create(&ui, NULL, ui_thread, NULL);
    pthread_join(camera, NULL);
    pthread_join(detector, NULL);
    pthread_join(ui, NULL);
    struct dmx_camera_info info = { 0 };
    ioctl(sv.camera_fd, DMX_CAMERA_GET_INFO, &info);
    double span = (double)(sv.last_present_ns - sv.first_present_ns) / 1e9;
    double fps = sv.shown > 1 && span > 0 ? (sv.shown - 1) / span : 0;
    printf("surveillance: frames=%d fps=%.2f mean_canny_us=%" PRIu64 " mean_latency_us=%" PRIu64 " dropped=%" PRIu64
           " combined=%016" PRIx64 "\n", sv.shown, fps, sv.shown ? sv.canny_us_total / sv.shown : 0,
           sv.shown ? sv.latency_us_total / sv.shown : 0, info.dropped, sv.combined);
    close(sv.camera_fd);
    close(sv.screen_fd);
    for (int i = 0; i < POOL; i++) {
        free(pool[i].pixels);
        free(pool[i].edges);
    }
    free(pool);
    return sv.failed || sv.shown == 0;
}
