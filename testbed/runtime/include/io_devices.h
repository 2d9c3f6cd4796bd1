/* io_devices.h: the virtual device files under /dev/dmx/ and their ioctls, like a driver's uapi header.
 *
 *   /dev/dmx/screen          write one whole frame per write(); presented at the next vsync
 *   /dev/dmx/audio           write interleaved s16le PCM; consumed at the sample rate
 *   /dev/dmx/camera          read one whole preview frame per read(); the newest frame, older ones drop
 *   /dev/dmx/storage/NAME    this device's storage directory (DMX_STORAGE_DIR); a NAME it does not hold is
 *                            looked up in the other devices' storage (file directory) and read there;
 *                            opening /dev/dmx/storage itself reads a listing of this device's storage, one
 *                            "NAME<TAB>SIZE\n" per regular file
 *
 * Apps use ordinary open/read/write/ioctl/lseek/close; libdmx (linked by dmx-cc) routes these paths to the
 * resource the path is bound to. Every other path and fd is passed to libc untouched. */
#ifndef DMX_IO_DEVICES_H
#define DMX_IO_DEVICES_H

#include <stdint.h>
#include <sys/ioctl.h>

#define DMX_DEV_PREFIX "/dev/dmx/"

enum dmx_pixel_format {
    DMX_PIX_GRAY8 = 1, /* 1 byte per pixel */
    DMX_PIX_I420 = 2,  /* planar Y, U, V; chroma halved both ways (what H.264 decoders produce) */
    DMX_PIX_RGB24 = 3, /* packed R, G, B */
};

/* Bytes of one frame, or 0 for an unknown format or odd I420 size. */
static inline uint64_t dmx_frame_bytes(uint32_t width, uint32_t height, uint32_t format)
{
    uint64_t pixels = (uint64_t)width * height;
    switch (format) {
    case DMX_PIX_GRAY8: return pixels;
    case DMX_PIX_I420: return (width % 2 || height % 2) ? 0 : pixels + pixels / 2;
    case DMX_PIX_RGB24: return pixels * 3;
    default: return 0;
    }
}

struct dmx_screen_mode {
    uint32_t width, height, format; /* of the frames the app writes */
    uint32_t refresh_hz;            /* 0 in SET_MODE keeps the current rate (60 by default) */
};
struct dmx_screen_info {
    struct dmx_screen_mode mode;
    uint64_t frames;          /* presented so far */
    uint64_t last_present_ns; /* emulated CLOCK_MONOTONIC of the last vsync that presented a frame */
    uint64_t missed_vsyncs;   /* vsyncs that passed with no new frame between two presented frames */
};
#define DMX_SCREEN_SET_MODE _IOW('D', 1, struct dmx_screen_mode)
#define DMX_SCREEN_GET_INFO _IOR('D', 2, struct dmx_screen_info)

struct dmx_audio_params {
    uint32_t rate;      /* frames per second (48000 by default) */
    uint32_t channels;  /* 1 or 2; samples are s16le, interleaved */
    uint32_t buffer_ms; /* device buffer; a write blocks while it is full (100 by default) */
    uint32_t reserved;
};
struct dmx_audio_info {
    struct dmx_audio_params params;
    uint64_t frames_written, frames_played;
    uint64_t delay_frames; /* written but not yet played */
    uint64_t underruns;    /* times the buffer ran dry while the stream was playing */
};
#define DMX_AUDIO_SET_PARAMS _IOW('D', 3, struct dmx_audio_params)
#define DMX_AUDIO_GET_INFO _IOR('D', 4, struct dmx_audio_info)
#define DMX_AUDIO_DRAIN _IO('D', 5) /* block until everything written has played */

struct dmx_camera_mode {
    uint32_t width, height; /* preview size; frames are scaled from the clip */
    uint32_t format;        /* DMX_PIX_GRAY8 only */
    uint32_t fps;           /* 0 in SET_MODE keeps the current rate (30 by default) */
};
struct dmx_camera_info {
    struct dmx_camera_mode mode;
    uint64_t seq;          /* sequence number of the frame the last read() returned */
    uint64_t timestamp_ns; /* its capture time (emulated CLOCK_MONOTONIC) */
    uint64_t produced;     /* frames the sensor produced so far */
    uint64_t dropped;      /* produced frames nobody read */
    uint32_t clip_frames, clip_width, clip_height, reserved;
};
#define DMX_CAMERA_SET_MODE _IOW('D', 6, struct dmx_camera_mode)
#define DMX_CAMERA_GET_INFO _IOR('D', 7, struct dmx_camera_info)

/* The checksum the screen logs for each frame (64-bit FNV-1a over little-endian 8-byte words, then the
 * tail bytes). Apps use it too, so their reports compare with the screen's log. */
static inline uint64_t dmx_checksum(const void *data, uint64_t len)
{
    const unsigned char *p = (const unsigned char *)data;
    uint64_t h = 0xcbf29ce484222325ULL;
    uint64_t i = 0;
    for (; i + 8 <= len; i += 8) {
        uint64_t w;
        __builtin_memcpy(&w, p + i, 8);
        h = (h ^ w) * 0x100000001b3ULL;
    }
    for (; i < len; i++)
        h = (h ^ p[i]) * 0x100000001b3ULL;
    return h;
}

/* Per-resource-class counters, kept by libdmx's I/O layer for every virtual device file. */
struct dmx_io_counters {
    uint64_t requests;  /* operations (open, read, write, ioctl, lseek, fstat, close) */
    uint64_t bytes_in;  /* payload the app wrote to the resource */
    uint64_t bytes_out; /* payload the resource returned to the app */
    uint64_t errors;    /* operations that failed */
    int device;         /* device index the class is bound to; 0 = this device */
};
/* Fills *out for class NAME ("screen", "audio", "camera", "storage"); -1 and errno ENOENT if unknown. */
int dmx_io_get_counters(const char *name, struct dmx_io_counters *out);
/* Operations of class NAME forwarded to other devices (I/O request forwarding): their number, the bytes on the
 * wire both ways (headers included), and the time the calling threads waited on the network (round trip minus
 * the remote resource's own time; emulated ns). Also in $DMX_RUN_DIR/devices/NAME/io-counters.PID.csv. */
struct dmx_io_forward_counters {
    uint64_t forwarded, bytes_sent, bytes_received, stall_ns;
};
int dmx_io_get_forward_counters(const char *name, struct dmx_io_forward_counters *out);
/* The same for the calling thread, over every class. Always 0 (fills *out). */
int dmx_io_get_thread_forward_counters(struct dmx_io_forward_counters *out);
/* Binds class NAME to device DEVICE (0 or this device's index = local). Open files follow at their next
 * operation: they are reopened there and their mode-setting ioctls replayed. -1 and errno on error.
 * When the app's threads run on several devices, the binding is the whole app's, for threads on every device:
 * DEVICE 0 then means "each device its own resource" (open files stay where they are). */
int dmx_io_bind(const char *name, int device);

#endif
