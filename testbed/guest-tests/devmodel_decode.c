/*
 * devmodel_decode FILE [MAX_FRAMES] [THREADS]
 *
 * Decodes the first video stream of FILE with libavformat/libavcodec (THREADS decoder threads, default 1) and
 * prints `frames=N decode_ns=NS fps=F`, the guest wall time (CLOCK_MONOTONIC) of the decode loop.
 * Used to measure the emulation speed of a realistic media workload under qemu-aarch64 and devmodel.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>

static int64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static int fail(const char *what, int err)
{
    char buf[AV_ERROR_MAX_STRING_SIZE] = "";
    av_strerror(err, buf, sizeof(buf));
    fprintf(stderr, "devmodel_decode: %s: %s\n", what, buf);
    return 1;
}

/* Drain every frame the decoder has ready; returns <0 on a decode error. */
static int receive_frames(AVCodecContext *dec, AVFrame *frame, long *frames)
{
    for (;;) {
        int err = avcodec_receive_frame(dec, frame);
        if (err == AVERROR(EAGAIN) || err == AVERROR_EOF) {
            return 0;
        }
        if (err < 0) {
            return err;
        }
        (*frames)++;
        av_frame_unref(frame);
    }
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: %s FILE [MAX_FRAMES] [THREADS]\n", argv[0]);
        return 2;
    }
    long max_frames = argc > 2 ? atol(argv[2]) : 0;
    int threads = argc > 3 ? atoi(argv[3]) : 1;
    AVFormatContext *fmt = NULL;
    int err = avformat_open_input(&fmt, argv[1], NULL, NULL);
    if (err < 0) {
        return fail("open", err);
    }
    if ((err = avformat_find_stream_info(fmt, NULL)) < 0) {
        return fail("stream info", err);
    }
    const AVCodec *codec = NULL;
    int stream = av_find_best_stream(fmt, AVMEDIA_TYPE_VIDEO, -1, -1, &codec, 0);
    if (stream < 0) {
        return fail("no video stream", stream);
    }
    AVCodecContext *dec = avcodec_alloc_context3(codec);
    if (!dec) {
        return fail("alloc", AVERROR(ENOMEM));
    }
    avcodec_parameters_to_context(dec, fmt->streams[stream]->codecpar);
    dec->thread_count = threads;
    if ((err = avcodec_open2(dec, codec, NULL)) < 0) {
        return fail("open codec", err);
    }
    AVPacket *pkt = av_packet_alloc();
    AVFrame *frame = av_frame_alloc();
    if (!pkt || !frame) {
        return fail("alloc", AVERROR(ENOMEM));
    }
    long frames = 0;
    int64_t start = now_ns();
    while ((max_frames == 0 || frames < max_frames) && av_read_frame(fmt, pkt) >= 0) {
        if (pkt->stream_index == stream) {
            if ((err = avcodec_send_packet(dec, pkt)) < 0 || (err = receive_frames(dec, frame, &frames)) < 0) {
                return fail("decode", err);
            }
        }
        av_packet_unref(pkt);
    }
    avcodec_send_packet(dec, NULL);
    if ((err = receive_frames(dec, frame, &frames)) < 0) {
        return fail("flush", err);
    }
    int64_t elapsed = now_ns() - start;
    printf("frames=%ld decode_ns=%" PRId64 " fps=%.2f\n", frames, elapsed, frames * 1e9 / (double)elapsed);
    av_frame_free(&frame);
    av_packet_free(&pkt);
    avcodec_free_context(&dec);
    avformat_close_input(&fmt);
    return 0;
}
