/* home-theater: a multi-threaded movie player.
 *
 *   loader         demuxes the movie (libavformat) into a video and an audio packet queue
 *   video decoder  H.264 (libavcodec, one decoding thread) into I420 frames
 *   player         writes each frame to /dev/dmx/screen at its PTS on the playback clock
 *   audio decoder  AAC into interleaved s16 PCM
 *   audio player   writes the PCM to /dev/dmx/audio, starting at its PTS on the same clock
 * Audio and video share one playback clock (emulated CLOCK_MONOTONIC, origin = when playback starts), which
 * is the A/V sync by PTS; the report also gives the video-minus-audio offset measured at every frame.
 *
 * Usage: home-theater MOVIE [--frames N] [--no-audio] [--report CSV]
 *   MOVIE     a path, e.g. /dev/dmx/storage/movie-720p.mp4 (this device's storage) or a host path
 *   --frames  stop after N video frames (default: the whole movie)
 *   --report  per-frame CSV (default $DMX_RUN_DIR/devices/$DMX_DEVICE_NAME/home-theater-frames.csv in a run):
 *             seq,pts_ms,decode_us,wait_us,present_us,net_us,present_ns,late,av_offset_ms,checksum
 *             (net_us: the part of present_us spent waiting on the network when the screen is on another device)
 * Final line on stdout:
 *   home-theater: frames=N fps=F late=L mean_decode_us=.. mean_wait_us=.. mean_present_us=.. mean_net_us=..
 *                 underruns=U errors=E last_checksum=X combined=Y
 * fps is from the screen's present stamps. Exit status 0; 2 if the movie was played but had errors
 * (corrupt or truncated), 1 if it could not be played at all. Every error names the file and the cause. */
#include "app_net.h"
#include "app_queue.h"
#include "app_time.h"
#include "io_devices.h"

#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>
#include <libavutil/avutil.h>

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define FRAME_POOL 6
#define MAX_DECODE_ERRORS 100

struct video_frame {
    int64_t pts_us;
    uint64_t decode_us;
    uint8_t *data; /* I420, width x height */
};

struct audio_chunk {
    int64_t pts_us;
    size_t bytes;
    int16_t samples[];
};

/* The app's state, in groups that each start on a page of their own: on several devices a page is the unit
 * the DSM moves, so data one thread writes often must not share a page with data another device's thread
 * reads (a page written by the player on the TV and read by the loader on the phone would cross the link at
 * every frame). */
static struct {
    /* set up by main, then only read */
    const char *movie;
    long max_frames;
    bool audio_enabled;
    const char *report_path;
    FILE *report;
    AVFormatContext *fmt;
    int video_index, audio_index;
    AVCodecContext *vdec, *adec;
    int width, height;
    int64_t start_us;
    int screen_fd, audio_fd;
    int audio_rate, audio_channels;
    atomic_bool stop;
    atomic_int errors;

    struct app_queue video_packets, audio_packets, frames, free_frames, pcm; /* a page each (app_queue.h) */
    _Alignas(4096) struct video_frame pool[FRAME_POOL];

    _Alignas(4096) pthread_mutex_t clock_lock;
    uint64_t origin_ns; /* emulated time at which PTS start_us is due; 0 = not started */

    /* the player's */
    _Alignas(4096) long shown, late;
    uint64_t decode_us_total, wait_us_total, present_us_total, net_us_total;
    uint64_t first_present_ns, last_present_ns;
    uint64_t last_checksum, combined;

    /* The per-frame rows: the player appends them here and main writes them to the report every 250 ms, since
     * the player may run on another device (thread migration), where this process's FILE (libc state of the
     * device that opened it) is not. player_done: the player has appended its last row. */
    _Alignas(4096) pthread_mutex_t rows_lock;
    char *rows;
    size_t rows_len, rows_cap, rows_written;
    bool player_done;
} ht;

static void report_error(const char *what, int err)
{
    char msg[AV_ERROR_MAX_STRING_SIZE] = "";
    av_strerror(err, msg, sizeof msg);
    fprintf(stderr, "home-theater: %s: %s: %s\n", ht.movie, what, msg);
    atomic_fetch_add(&ht.errors, 1);
}

static void stop_all(void)
{
    atomic_store(&ht.stop, true);
    app_queue_close(&ht.video_packets);
    app_queue_close(&ht.audio_packets);
    app_queue_close(&ht.frames);
    app_queue_close(&ht.free_frames);
    app_queue_close(&ht.pcm);
}

/* The playback clock: the first player to be ready starts it, a little ahead so the other can join. */
static uint64_t due_ns(int64_t pts_us)
{
    pthread_mutex_lock(&ht.clock_lock);
    if (ht.origin_ns == 0)
        ht.origin_ns = app_now_ns() + 50 * 1000000ULL;
    uint64_t origin = ht.origin_ns;
    pthread_mutex_unlock(&ht.clock_lock);
    int64_t offset_ns = (pts_us - ht.start_us) * 1000;
    return offset_ns > 0 ? origin + (uint64_t)offset_ns : origin;
}

static void *loader_thread(void *arg)
{
    (void)arg;
    AVPacket *pkt = av_packet_alloc();
    long packets = 0, video_packets = 0;
    while (pkt && !atomic_load(&ht.stop)) {
        int rc = av_read_frame(ht.fmt, pkt);
        if (rc == AVERROR_EOF)
            break;
        if (rc < 0) {
            char what[96];
            snprintf(what, sizeof what, "read error after %ld packets (truncated or corrupt)", packets);
            report_error(what, rc);
            break;
        }
        packets++;
        video_packets += pkt->stream_index == ht.video_index;
        struct app_queue *q = pkt->stream_index == ht.video_index ? &ht.video_packets
                              : pkt->stream_index == ht.audio_index && ht.adec ? &ht.audio_packets : NULL;
        AVPacket *copy = q ? av_packet_clone(pkt) : NULL;
        av_packet_unref(pkt);
        if (copy && !app_queue_push(q, copy))
            av_packet_free(&copy); /* that side has stopped: drop its packets */
    }
    av_packet_free(&pkt);
    /* A truncated MP4 often ends in a clean EOF: compare with the sample count its index promised. */
    int64_t promised = ht.fmt->streams[ht.video_index]->nb_frames;
    if (!atomic_load(&ht.stop) && promised > 0 && video_packets < promised) {
        fprintf(stderr, "home-theater: %s: truncated: the file ends after %ld of %lld video packets\n", ht.movie,
                video_packets, (long long)promised);
        atomic_fetch_add(&ht.errors, 1);
    }
    app_queue_close(&ht.video_packets);
    app_queue_close(&ht.audio_packets);
    return NULL;
}

static int64_t pts_us_of(const AVFrame *frame, const AVStream *st)
{
    int64_t pts = frame->best_effort_timestamp != AV_NOPTS_VALUE ? frame->best_effort_timestamp : frame->pts;
    if (pts == AV_NOPTS_VALUE)
        return AV_NOPTS_VALUE;
    return av_rescale_q(pts, st->time_base, AV_TIME_BASE_Q);
}

/* Copies a decoded picture into a contiguous I420 buffer and hands it to the player. */
static bool emit_video(const AVFrame *frame, uint64_t decode_us)
{
    if (frame->format != AV_PIX_FMT_YUV420P && frame->format != AV_PIX_FMT_YUVJ420P) {
        fprintf(stderr, "home-theater: %s: unsupported pixel format %d (want yuv420p)\n", ht.movie, frame->format);
        atomic_fetch_add(&ht.errors, 1);
        return false;
    }
    if (frame->width != ht.width || frame->height != ht.height) {
        fprintf(stderr, "home-theater: %s: frame size changed to %dx%d\n", ht.movie, frame->width, frame->height);
        atomic_fetch_add(&ht.errors, 1);
        return false;
    }
    struct video_frame *vf = app_queue_pop(&ht.free_frames);
    if (!vf)
        return false;
    uint8_t *out = vf->data;
    for (int plane = 0; plane < 3; plane++) {
        int w = plane ? ht.width / 2 : ht.width, h = plane ? ht.height / 2 : ht.height;
        for (int y = 0; y < h; y++, out += w)
            memcpy(out, frame->data[plane] + (size_t)y * frame->linesize[plane], (size_t)w);
    }
    int64_t pts = pts_us_of(frame, ht.fmt->streams[ht.video_index]);
    vf->pts_us = pts == AV_NOPTS_VALUE ? ht.start_us : pts;
    vf->decode_us = decode_us;
    return app_queue_push(&ht.frames, vf);
}

/* Sends PKT (NULL = flush) and emits every frame it yields; false when the player is gone. */
static bool decode_video(AVPacket *pkt, AVFrame *frame)
{
    uint64_t t0 = app_now_ns();
    int rc = avcodec_send_packet(ht.vdec, pkt);
    if (rc < 0 && rc != AVERROR_EOF) {
        report_error("corrupt video packet", rc);
        return atomic_load(&ht.errors) < MAX_DECODE_ERRORS;
    }
    for (;;) {
        rc = avcodec_receive_frame(ht.vdec, frame);
        if (rc == AVERROR(EAGAIN) || rc == AVERROR_EOF)
            return true;
        if (rc < 0) {
            report_error("video decoding failed", rc);
            return atomic_load(&ht.errors) < MAX_DECODE_ERRORS;
        }
        uint64_t decode_us = (app_now_ns() - t0) / 1000;
        bool ok = emit_video(frame, decode_us);
        av_frame_unref(frame);
        if (!ok)
            return false;
        t0 = app_now_ns();
    }
}

static void *video_decoder_thread(void *arg)
{
    (void)arg;
    AVFrame *frame = av_frame_alloc();
    AVPacket *pkt;
    bool ok = frame != NULL;
    while (ok && (pkt = app_queue_pop(&ht.video_packets)) != NULL) {
        ok = decode_video(pkt, frame);
        av_packet_free(&pkt);
    }
    if (ok)
        decode_video(NULL, frame);
    while ((pkt = app_queue_pop(&ht.video_packets)) != NULL) /* closed early: free what is left */
        av_packet_free(&pkt);
    av_frame_free(&frame);
    app_queue_close(&ht.frames);
    return NULL;
}

/* One per-frame row into ht.rows (written to the report file by main at the end). */
__attribute__((format(printf, 1, 2))) static void append_row(const char *fmt, ...)
{
    char row[256];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(row, sizeof row, fmt, ap);
    va_end(ap);
    if (n < 0 || (size_t)n >= sizeof row)
        return;
    pthread_mutex_lock(&ht.rows_lock);
    if (ht.rows_len + (size_t)n + 1 > ht.rows_cap) {
        size_t cap = ht.rows_cap ? ht.rows_cap * 2 : 64 * 1024;
        char *grown = realloc(ht.rows, cap);
        if (grown) {
            ht.rows = grown;
            ht.rows_cap = cap;
        }
    }
    if (ht.rows_len + (size_t)n + 1 <= ht.rows_cap) {
        memcpy(ht.rows + ht.rows_len, row, (size_t)n + 1);
        ht.rows_len += (size_t)n;
    }
    pthread_mutex_unlock(&ht.rows_lock);
}

/* Main: writes the rows appended since the last call; true once the player has finished. */
static bool write_rows(void)
{
    pthread_mutex_lock(&ht.rows_lock);
    if (ht.report && ht.rows_len > ht.rows_written) {
        fwrite(ht.rows + ht.rows_written, 1, ht.rows_len - ht.rows_written, ht.report);
        fflush(ht.report);
        ht.rows_written = ht.rows_len;
    }
    bool done = ht.player_done;
    pthread_mutex_unlock(&ht.rows_lock);
    return done;
}

static void present(struct video_frame *vf, size_t bytes)
{
    uint64_t due = due_ns(vf->pts_us);
    uint64_t before = app_now_ns();
    if (before < due) {
        app_sleep_until_ns(due);
    } else if (before > due + 1000000000ULL / 24) {
        /* More than a frame late: no catch-up burst (frames are never dropped, so checksums compare across
         * runs); the clock slips instead, and FPS shows the throughput the device really reached. */
        pthread_mutex_lock(&ht.clock_lock);
        ht.origin_ns += before - due;
        pthread_mutex_unlock(&ht.clock_lock);
        due = before;
    }
    uint64_t waited = app_now_ns();
    uint64_t stall_before = app_net_stall_ns();
    if (write(ht.screen_fd, vf->data, bytes) != (ssize_t)bytes) {
        fprintf(stderr, "home-theater: /dev/dmx/screen: %s\n", strerror(errno));
        atomic_fetch_add(&ht.errors, 1);
        stop_all();
        return;
    }
    uint64_t presented = app_now_ns();
    struct dmx_screen_info info;
    uint64_t stamp = ioctl(ht.screen_fd, DMX_SCREEN_GET_INFO, &info) == 0 ? info.last_present_ns : presented;
    double av_offset_ms = 0;
    struct dmx_audio_info ainfo;
    if (ht.audio_fd >= 0 && ioctl(ht.audio_fd, DMX_AUDIO_GET_INFO, &ainfo) == 0 && ainfo.params.rate) {
        pthread_mutex_lock(&ht.clock_lock);
        uint64_t origin = ht.origin_ns;
        pthread_mutex_unlock(&ht.clock_lock);
        (void)origin;
        double audio_ms = (double)ainfo.frames_played * 1000.0 / ainfo.params.rate + ht.start_us / 1000.0;
        if (ainfo.frames_written > 0)
            av_offset_ms = (double)vf->pts_us / 1000.0 - audio_ms;
    }
    uint64_t frame_interval_ns = 1000000000ULL / 24;
    bool late = stamp > due + frame_interval_ns;
    uint64_t sum = dmx_checksum(vf->data, bytes);
    uint64_t wait_us = (waited - before) / 1000, present_us = (presented - waited) / 1000;
    uint64_t net_us = app_net_stall_since(stall_before) / 1000;
    if (ht.report)
        append_row("%ld,%.3f,%" PRIu64 ",%" PRIu64 ",%" PRIu64 ",%" PRIu64 ",%" PRIu64 ",%d,%.1f,%016" PRIx64 "\n",
                   ht.shown, vf->pts_us / 1000.0, vf->decode_us, wait_us, present_us, net_us, stamp, late, av_offset_ms,
                   sum);
    if (ht.shown == 0)
        ht.first_present_ns = stamp;
    ht.last_present_ns = stamp;
    ht.shown++;
    ht.late += late;
    ht.decode_us_total += vf->decode_us;
    ht.wait_us_total += wait_us;
    ht.present_us_total += present_us;
    ht.net_us_total += net_us;
    ht.last_checksum = sum;
    ht.combined = (ht.combined ^ sum) * 0x100000001b3ULL;
}

static void *player_thread(void *arg)
{
    (void)arg;
    size_t bytes = (size_t)ht.width * ht.height * 3 / 2;
    struct video_frame *vf;
    while ((vf = app_queue_pop(&ht.frames)) != NULL) {
        if (!atomic_load(&ht.stop))
            present(vf, bytes);
        app_queue_push(&ht.free_frames, vf);
        if (ht.max_frames > 0 && ht.shown >= ht.max_frames)
            stop_all();
    }
    stop_all(); /* the movie is over: let the audio side finish too */
    pthread_mutex_lock(&ht.rows_lock);
    ht.player_done = true;
    pthread_mutex_unlock(&ht.rows_lock);
    return NULL;
}

static int16_t to_s16(float v)
{
    v = v * 32767.0f;
    return v > 32767.0f ? 32767 : v < -32768.0f ? -32768 : (int16_t)v;
}

static bool emit_audio(const AVFrame *frame)
{
    int channels = ht.audio_channels, n = frame->nb_samples;
    struct audio_chunk *chunk = malloc(sizeof *chunk + (size_t)n * channels * sizeof(int16_t));
    if (!chunk)
        return false;
    chunk->bytes = (size_t)n * channels * sizeof(int16_t);
    int64_t pts = pts_us_of(frame, ht.fmt->streams[ht.audio_index]);
    chunk->pts_us = pts == AV_NOPTS_VALUE ? ht.start_us : pts;
    int in_channels = frame->ch_layout.nb_channels;
    for (int c = 0; c < channels; c++) {
        int src = c < in_channels ? c : in_channels - 1;
        for (int i = 0; i < n; i++) {
            float v;
            switch (frame->format) {
            case AV_SAMPLE_FMT_FLTP: v = ((const float *)frame->extended_data[src])[i]; break;
            case AV_SAMPLE_FMT_FLT: v = ((const float *)frame->data[0])[i * in_channels + src]; break;
            case AV_SAMPLE_FMT_S16P: v = ((const int16_t *)frame->extended_data[src])[i] / 32768.0f; break;
            case AV_SAMPLE_FMT_S16: v = ((const int16_t *)frame->data[0])[i * in_channels + src] / 32768.0f; break;
            default: v = 0; break;
            }
            chunk->samples[i * channels + c] = to_s16(v);
        }
    }
    if (!app_queue_push(&ht.pcm, chunk)) {
        free(chunk);
        return false;
    }
    return true;
}

static void *audio_decoder_thread(void *arg)
{
    (void)arg;
    AVFrame *frame = av_frame_alloc();
    AVPacket *pkt;
    bool ok = frame != NULL;
    while ((pkt = app_queue_pop(&ht.audio_packets)) != NULL) {
        if (ok) {
            int rc = avcodec_send_packet(ht.adec, pkt);
            if (rc < 0) {
                report_error("corrupt audio packet", rc);
            } else {
                while (ok && avcodec_receive_frame(ht.adec, frame) == 0) {
                    ok = emit_audio(frame);
                    av_frame_unref(frame);
                }
            }
        }
        av_packet_free(&pkt);
    }
    av_frame_free(&frame);
    app_queue_close(&ht.pcm);
    return NULL;
}

static void *audio_player_thread(void *arg)
{
    (void)arg;
    struct audio_chunk *chunk;
    bool started = false;
    while ((chunk = app_queue_pop(&ht.pcm)) != NULL) {
        if (!started) {
            uint64_t due = due_ns(chunk->pts_us);
            if (app_now_ns() < due)
                app_sleep_until_ns(due);
            started = true;
        }
        if (!atomic_load(&ht.stop) && write(ht.audio_fd, chunk->samples, chunk->bytes) != (ssize_t)chunk->bytes) {
            fprintf(stderr, "home-theater: /dev/dmx/audio: %s\n", strerror(errno));
            atomic_fetch_add(&ht.errors, 1);
            app_queue_close(&ht.pcm);
            app_queue_close(&ht.audio_packets);
        }
        free(chunk);
    }
    return NULL;
}

static int open_decoder(int index, AVCodecContext **out)
{
    AVStream *st = ht.fmt->streams[index];
    const AVCodec *codec = avcodec_find_decoder(st->codecpar->codec_id);
    if (!codec) {
        fprintf(stderr, "home-theater: %s: no decoder for stream %d (%s)\n", ht.movie, index,
                avcodec_get_name(st->codecpar->codec_id));
        return -1;
    }
    AVCodecContext *ctx = avcodec_alloc_context3(codec);
    if (!ctx)
        return -1;
    int rc = avcodec_parameters_to_context(ctx, st->codecpar);
    ctx->thread_count = 1; /* one decoder thread, as the app's design says; also keeps runs comparable */
    ctx->pkt_timebase = st->time_base;
    if (rc >= 0)
        rc = avcodec_open2(ctx, codec, NULL);
    if (rc < 0) {
        report_error("cannot open the decoder", rc);
        avcodec_free_context(&ctx);
        return -1;
    }
    *out = ctx;
    return 0;
}

static int open_movie(void)
{
    int rc = avformat_open_input(&ht.fmt, ht.movie, NULL, NULL);
    if (rc < 0) {
        report_error("cannot open", rc);
        return -1;
    }
    rc = avformat_find_stream_info(ht.fmt, NULL);
    if (rc < 0) {
        report_error("cannot read stream info", rc);
        return -1;
    }
    ht.video_index = av_find_best_stream(ht.fmt, AVMEDIA_TYPE_VIDEO, -1, -1, NULL, 0);
    ht.audio_index = av_find_best_stream(ht.fmt, AVMEDIA_TYPE_AUDIO, -1, -1, NULL, 0);
    if (ht.video_index < 0) {
        fprintf(stderr, "home-theater: %s: no video stream\n", ht.movie);
        return -1;
    }
    if (open_decoder(ht.video_index, &ht.vdec) < 0)
        return -1;
    ht.width = ht.vdec->width;
    ht.height = ht.vdec->height;
    if (ht.width <= 0 || ht.height <= 0 || ht.width % 2 || ht.height % 2) {
        fprintf(stderr, "home-theater: %s: unusable video size %dx%d\n", ht.movie, ht.width, ht.height);
        return -1;
    }
    if (ht.audio_enabled && ht.audio_index >= 0 && open_decoder(ht.audio_index, &ht.adec) < 0)
        ht.adec = NULL; /* play the video without sound; the error is already reported */
    ht.start_us = ht.fmt->start_time != AV_NOPTS_VALUE ? ht.fmt->start_time : 0;
    return 0;
}

static int open_devices(void)
{
    ht.screen_fd = open("/dev/dmx/screen", O_WRONLY);
    struct dmx_screen_mode mode = { (uint32_t)ht.width, (uint32_t)ht.height, DMX_PIX_I420, 0 };
    if (ht.screen_fd < 0 || ioctl(ht.screen_fd, DMX_SCREEN_SET_MODE, &mode) < 0) {
        fprintf(stderr, "home-theater: /dev/dmx/screen: %s\n", strerror(errno));
        return -1;
    }
    ht.audio_fd = -1;
    if (!ht.adec)
        return 0;
    ht.audio_rate = ht.adec->sample_rate;
    ht.audio_channels = ht.adec->ch_layout.nb_channels >= 2 ? 2 : 1;
    ht.audio_fd = open("/dev/dmx/audio", O_WRONLY);
    struct dmx_audio_params params = { (uint32_t)ht.audio_rate, (uint32_t)ht.audio_channels, 200, 0 };
    if (ht.audio_fd < 0 || ioctl(ht.audio_fd, DMX_AUDIO_SET_PARAMS, &params) < 0) {
        fprintf(stderr, "home-theater: /dev/dmx/audio: %s (playing without sound)\n", strerror(errno));
        if (ht.audio_fd >= 0)
            close(ht.audio_fd);
        ht.audio_fd = -1;
        avcodec_free_context(&ht.adec);
    }
    return 0;
}

static int parse_args(int argc, char **argv)
{
    ht.audio_enabled = true;
    for (int i = 1; i < argc; i++) {
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (strcmp(argv[i], "--frames") == 0 && v) {
            ht.max_frames = atol(v);
            i++;
        } else if (strcmp(argv[i], "--report") == 0 && v) {
            ht.report_path = v;
            i++;
        } else if (strcmp(argv[i], "--no-audio") == 0) {
            ht.audio_enabled = false;
        } else if (argv[i][0] != '-' && !ht.movie) {
            ht.movie = argv[i];
        } else {
            ht.movie = NULL;
            break;
        }
    }
    if (!ht.movie) {
        fprintf(stderr, "usage: home-theater MOVIE [--frames N] [--no-audio] [--report CSV]\n");
        return -1;
    }
    return 0;
}

static void open_report(void)
{
    char path[4096];
    const char *run_dir = getenv("DMX_RUN_DIR"), *name = getenv("DMX_DEVICE_NAME");
    if (!ht.report_path && run_dir && *run_dir) {
        snprintf(path, sizeof path, "%s/devices/%s", run_dir, name && *name ? name : "local");
        for (char *p = path + 1; *p; p++) /* mkdir -p; fopen below reports what went wrong */
            if (*p == '/') {
                *p = '\0';
                mkdir(path, 0755);
                *p = '/';
            }
        mkdir(path, 0755);
        snprintf(path, sizeof path, "%s/devices/%s/home-theater-frames.csv", run_dir, name && *name ? name : "local");
        ht.report_path = path;
    }
    if (!ht.report_path)
        return;
    ht.report = fopen(ht.report_path, "w");
    if (!ht.report) {
        fprintf(stderr, "home-theater: report %s: %s\n", ht.report_path, strerror(errno));
        return;
    }
    fprintf(ht.report, "seq,pts_ms,decode_us,wait_us,present_us,net_us,present_ns,late,av_offset_ms,checksum\n");
}

int main(int argc, char **argv)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
    av_log_set_level(AV_LOG_ERROR);
    pthread_mutex_init(&ht.clock_lock, NULL);
    pthread_mutex_init(&ht.rows_lock, NULL);
    if (parse_args(argc, argv) < 0 || open_movie() < 0 || open_devices() < 0)
        return 1;
    size_t frame_bytes = (size_t)ht.width * ht.height * 3 / 2;
    if (app_queue_init(&ht.video_packets, 48) < 0 || app_queue_init(&ht.audio_packets, 96) < 0 ||
        app_queue_init(&ht.frames, FRAME_POOL) < 0 || app_queue_init(&ht.free_frames, FRAME_POOL) < 0 ||
        app_queue_init(&ht.pcm, 16) < 0)
        return 1;
    for (int i = 0; i < FRAME_POOL; i++) {
        ht.pool[i].data = malloc(frame_bytes);
        if (!ht.pool[i].data) {
            fprintf(stderr, "home-theater: out of memory for %dx%d frames\n", ht.width, ht.height);
            return 1;
        }
        app_queue_push(&ht.free_frames, &ht.pool[i]);
    }
    open_report();
    pthread_t loader, vdec, player, adec, aplayer;
    pthread_create(&loader, NULL, loader_thread, NULL);
    pthread_create(&vdec, NULL, video_decoder_thread, NULL);
    pthread_create(&player, NULL, player_thread, NULL);
    if (ht.adec) {
        pthread_create(&adec, NULL, audio_decoder_thread, NULL);
        pthread_create(&aplayer, NULL, audio_player_thread, NULL);
    }
    while (!write_rows())
        app_sleep_until_ns(app_now_ns() + 250 * 1000000ULL);
    pthread_join(loader, NULL);
    pthread_join(vdec, NULL);
    pthread_join(player, NULL);
    uint64_t underruns = 0;
    if (ht.adec) {
        pthread_join(adec, NULL);
        pthread_join(aplayer, NULL);
        struct dmx_audio_info ainfo;
        if (ioctl(ht.audio_fd, DMX_AUDIO_GET_INFO, &ainfo) == 0)
            underruns = ainfo.underruns;
    }
    if (ht.report)
        fclose(ht.report);
    free(ht.rows);
    double span = (double)(ht.last_present_ns - ht.first_present_ns) / 1e9;
    double fps = ht.shown > 1 && span > 0 ? (ht.shown - 1) / span : 0;
    long n = ht.shown ? ht.shown : 1;
    printf("home-theater: frames=%ld fps=%.2f late=%ld mean_decode_us=%" PRIu64 " mean_wait_us=%" PRIu64
           " mean_present_us=%" PRIu64 " mean_net_us=%" PRIu64 " underruns=%" PRIu64 " errors=%d last_checksum=%016" PRIx64
           " combined=%016" PRIx64 "\n", ht.shown, fps, ht.late, ht.decode_us_total / n, ht.wait_us_total / n,
           ht.present_us_total / n, ht.net_us_total / n, underruns, atomic_load(&ht.errors), ht.last_checksum,
           ht.combined);
    close(ht.screen_fd);
    if (ht.audio_fd >= 0)
        close(ht.audio_fd);
    avcodec_free_context(&ht.vdec);
    avcodec_free_context(&ht.adec);
    avformat_close_input(&ht.fmt);
    for (int i = 0; i < FRAME_POOL; i++)
        free(ht.pool[i].data);
    if (ht.shown == 0)
        return 1;
    return atomic_load(&ht.errors) ? 2 : 0;
}
