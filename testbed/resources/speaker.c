/* /dev/dmx/audio: a speaker that consumes interleaved s16le PCM at its sample rate in emulated time. It has a
 * buffer of buffer_ms; a write blocks while the buffer is full. When the buffer runs dry while the stream
 * plays, that is an underrun: it is counted and playback restarts at the next write (like an ALSA xrun).
 *
 * Environment: DMX_AUDIO_RATE (48000), DMX_AUDIO_CHANNELS (2), DMX_AUDIO_BUFFER_MS (100). At the last close,
 * the totals go to $DMX_RUN_DIR/devices/$DMX_DEVICE_NAME/speaker.csv, with the stream's active span: from its
 * first write to the moment its last written frame has played (emulated CLOCK_MONOTONIC ns), underruns included,
 * which is when a phone keeps its audio path powered (the power model's P_audio). */
#include "io_devices.h"
#include "io_resource.h"
#include "res_clock.h"
#include "res_env.h"

#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

static struct {
    pthread_mutex_t lock;
    int opens;
    struct dmx_audio_params params;
    bool playing;
    uint64_t base_ns, base_frames; /* playback position: base_frames at base_ns, advancing at the rate */
    uint64_t written, underruns;
    uint64_t first_write_ns, played_until_ns;   /* the stream's active span */
} spk = { .lock = PTHREAD_MUTEX_INITIALIZER };

/* Frames played by NOW if the buffer never ran dry (may exceed what was written). */
static uint64_t position_at(uint64_t now)
{
    if (!spk.playing)
        return spk.written;
    return spk.base_frames + (now - spk.base_ns) * spk.params.rate / 1000000000ULL;
}

static uint64_t played_at(uint64_t now)
{
    uint64_t pos = position_at(now);
    return pos < spk.written ? pos : spk.written;
}

static uint64_t time_of_position(uint64_t frames)
{
    return spk.base_ns + ((frames - spk.base_frames) * 1000000000ULL + spk.params.rate - 1) / spk.params.rate;
}

static void *speaker_open(const char *subpath, int flags, mode_t mode, int *err)
{
    (void)flags;
    (void)mode;
    if (*subpath) {
        *err = ENOENT;
        return NULL;
    }
    pthread_mutex_lock(&spk.lock);
    if (spk.opens++ == 0 && spk.params.rate == 0) {
        spk.params.rate = res_env_u32("DMX_AUDIO_RATE", 48000);
        spk.params.channels = res_env_u32("DMX_AUDIO_CHANNELS", 2);
        spk.params.buffer_ms = res_env_u32("DMX_AUDIO_BUFFER_MS", 100);
    }
    pthread_mutex_unlock(&spk.lock);
    return &spk;
}

static uint64_t capacity(void)
{
    uint64_t frames = (uint64_t)spk.params.rate * spk.params.buffer_ms / 1000;
    return frames ? frames : 1;
}

static ssize_t speaker_write(void *handle, const void *buf, size_t len)
{
    (void)handle;
    (void)buf; /* the samples themselves are not kept: only their timing matters */
    pthread_mutex_lock(&spk.lock);
    size_t frame_bytes = (size_t)spk.params.channels * 2;
    if (len % frame_bytes) {
        pthread_mutex_unlock(&spk.lock);
        return -EINVAL;
    }
    uint64_t frames = len / frame_bytes;
    uint64_t now = res_now_ns();
    if (!spk.first_write_ns)
        spk.first_write_ns = now;
    if (spk.playing && position_at(now) > spk.written) {
        spk.underruns++;
        spk.playing = false;
    }
    if (!spk.playing) {
        spk.playing = true;
        spk.base_ns = now;
        spk.base_frames = spk.written;
    }
    while (frames > 0) {
        uint64_t room = capacity() - (spk.written - played_at(now));
        if (room == 0) {
            /* Wait until a chunk (a tenth of the buffer, at least a frame) has played. */
            uint64_t chunk = capacity() / 10 ? capacity() / 10 : 1;
            uint64_t target = played_at(now) + (chunk < frames ? chunk : frames);
            uint64_t wake = time_of_position(target);
            /* Sleep without the lock, so GET_INFO (A/V sync) stays cheap from other threads. */
            pthread_mutex_unlock(&spk.lock);
            res_sleep_until_ns(wake);
            pthread_mutex_lock(&spk.lock);
            now = res_now_ns();
            continue;
        }
        uint64_t n = room < frames ? room : frames;
        spk.written += n;
        frames -= n;
    }
    spk.played_until_ns = time_of_position(spk.written);
    pthread_mutex_unlock(&spk.lock);
    return (ssize_t)len;
}

static int speaker_ioctl(void *handle, unsigned long cmd, void *arg)
{
    (void)handle;
    int rc = 0;
    pthread_mutex_lock(&spk.lock);
    uint64_t now = res_now_ns();
    if (cmd == DMX_AUDIO_SET_PARAMS) {
        struct dmx_audio_params *p = arg;
        if (p->rate < 8000 || p->rate > 192000 || p->channels < 1 || p->channels > 8 || p->buffer_ms > 10000)
            rc = -EINVAL;
        else if (spk.playing && played_at(now) < spk.written)
            rc = -EBUSY;
        else {
            spk.params.rate = p->rate;
            spk.params.channels = p->channels;
            if (p->buffer_ms)
                spk.params.buffer_ms = p->buffer_ms;
            spk.playing = false;
        }
    } else if (cmd == DMX_AUDIO_GET_INFO) {
        struct dmx_audio_info *info = arg;
        info->params = spk.params;
        info->frames_written = spk.written;
        info->frames_played = played_at(now);
        info->delay_frames = spk.written - info->frames_played;
        info->underruns = spk.underruns;
    } else if (cmd == DMX_AUDIO_DRAIN) {
        if (spk.playing && played_at(now) < spk.written)
            res_sleep_until_ns(time_of_position(spk.written));
    } else {
        rc = -ENOTTY;
    }
    pthread_mutex_unlock(&spk.lock);
    return rc;
}

static void write_totals(void)
{
    char path[PATH_MAX];
    if (res_device_dir(path, sizeof path - 16) < 0)
        return;
    strcat(path, "/speaker.csv");
    FILE *f = fopen(path, "w");
    if (!f)
        return;
    fprintf(f, "rate,channels,frames_written,underruns,first_write_ns,played_until_ns\n%u,%u,%llu,%llu,%llu,%llu\n",
            spk.params.rate, spk.params.channels, (unsigned long long)spk.written, (unsigned long long)spk.underruns,
            (unsigned long long)spk.first_write_ns, (unsigned long long)spk.played_until_ns);
    fclose(f);
}

static int speaker_close(void *handle)
{
    (void)handle;
    pthread_mutex_lock(&spk.lock);
    if (--spk.opens == 0)
        write_totals();
    pthread_mutex_unlock(&spk.lock);
    return 0;
}

static int speaker_ioctl_is_setup(unsigned long cmd)
{
    return cmd == DMX_AUDIO_SET_PARAMS;
}

static const struct io_class_ops speaker_ops = {
    .name = "audio",
    .open = speaker_open,
    .write = speaker_write,
    .ioctl = speaker_ioctl,
    .close = speaker_close,
    .ioctl_is_setup = speaker_ioctl_is_setup,
};

__attribute__((constructor(200))) static void speaker_register(void)
{
    io_register_class(&speaker_ops);
}
