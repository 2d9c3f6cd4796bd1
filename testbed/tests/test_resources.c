/* test_resources: the emulated screen, speaker, camera and storage (testbed/resources/), natively, driven
 * through their io_class_ops with a fake clock, so pacing and stamps are exact. */
#include "io_devices.h"
#include "io_resource.h"
#include "res_clock.h"
#include "screen.h"
#include "storage.h"

#include <errno.h>
#include <fcntl.h>
#include <glib.h>
#include <glib/gstdio.h>
#include <stdio.h>
#include <string.h>

static uint64_t fake_now;
static uint64_t fake_now_ns(void *ctx) { (void)ctx; return fake_now; }
static void fake_sleep_until(void *ctx, uint64_t t) { (void)ctx; if (t > fake_now) fake_now = t; }
static const struct res_clock fake_clock = { fake_now_ns, fake_sleep_until, NULL };

static const struct io_class_ops *cls(const char *name)
{
    const struct io_class_ops *ops = io_find_class(name, strlen(name));
    g_assert_nonnull(ops);
    return ops;
}

static void test_storage_map_path(void)
{
    char out[64];
    g_assert_cmpint(storage_map_path("/s", "/a.jpg", out, sizeof out), ==, 0);
    g_assert_cmpstr(out, ==, "/s/a.jpg");
    g_assert_cmpint(storage_map_path("/s", "//x/./y//z", out, sizeof out), ==, 0);
    g_assert_cmpstr(out, ==, "/s/x/y/z");
    g_assert_cmpint(storage_map_path("/s", "", out, sizeof out), ==, 0);
    g_assert_cmpstr(out, ==, "/s");
    g_assert_cmpint(storage_map_path("/s", "/../etc/passwd", out, sizeof out), ==, -EACCES);
    g_assert_cmpint(storage_map_path("/s", "/a/../../b", out, sizeof out), ==, -EACCES);
    g_assert_cmpint(storage_map_path("/s", "/..hidden", out, sizeof out), ==, 0);
    g_assert_cmpstr(out, ==, "/s/..hidden");
    char tiny[8];
    g_assert_cmpint(storage_map_path("/s", "/long-name.jpg", tiny, sizeof tiny), ==, -ENAMETOOLONG);
}

static void test_storage_files(void)
{
    g_autofree char *dir = g_dir_make_tmp("dmx-storage-XXXXXX", NULL);
    g_setenv("DMX_STORAGE_DIR", dir, TRUE);
    g_autofree char *b = g_build_filename(dir, "b.txt", NULL), *a = g_build_filename(dir, "a.bin", NULL);
    g_assert_true(g_file_set_contents(b, "hello", 5, NULL));
    g_assert_true(g_file_set_contents(a, "xy", 2, NULL));
    const struct io_class_ops *st = cls("storage");
    int err = 0;
    void *h = st->open("/b.txt", O_RDONLY, 0, &err);
    g_assert_nonnull(h);
    char buf[64] = "";
    g_assert_cmpint(st->read(h, buf, sizeof buf), ==, 5);
    g_assert_cmpint(st->lseek(h, 1, SEEK_SET), ==, 1);
    g_assert_cmpint(st->read(h, buf, 2), ==, 2);
    g_assert_cmpint(memcmp(buf, "el", 2), ==, 0);
    struct stat sb;
    g_assert_cmpint(st->fstat(h, &sb), ==, 0);
    g_assert_cmpint(sb.st_size, ==, 5);
    g_assert_cmpint(st->close(h), ==, 0);
    h = st->open("", O_RDONLY, 0, &err); /* the listing, sorted by name */
    g_assert_nonnull(h);
    memset(buf, 0, sizeof buf);
    g_assert_cmpint(st->read(h, buf, sizeof buf - 1), >, 0);
    g_assert_cmpstr(buf, ==, "a.bin\t2\nb.txt\t5\n");
    st->close(h);
    g_assert_null(st->open("/missing", O_RDONLY, 0, &err));
    g_assert_cmpint(err, ==, ENOENT);
    g_assert_null(st->open("/../x", O_RDONLY, 0, &err));
    g_assert_cmpint(err, ==, EACCES);
    h = st->open("/new.dat", O_WRONLY | O_CREAT | O_TRUNC, 0644, &err);
    g_assert_nonnull(h);
    g_assert_cmpint(st->write(h, "abc", 3), ==, 3);
    st->close(h);
    g_autofree char *n = g_build_filename(dir, "new.dat", NULL);
    g_assert_true(g_file_test(n, G_FILE_TEST_EXISTS));
    g_unlink(a); g_unlink(b); g_unlink(n); g_rmdir(dir);
    g_unsetenv("DMX_STORAGE_DIR");
}

static char **read_lines(const char *path)
{
    g_autofree char *text = NULL;
    g_assert_true(g_file_get_contents(path, &text, NULL, NULL));
    return g_strsplit(g_strchomp(text), "\n", -1);
}

static void test_screen_vsync(void)
{
    g_autofree char *dir = g_dir_make_tmp("dmx-screen-XXXXXX", NULL);
    g_autofree char *log = g_build_filename(dir, "frames.csv", NULL);
    g_setenv("DMX_SCREEN_LOG", log, TRUE);
    res_clock_use(&fake_clock);
    screen_reset_for_test();
    const struct io_class_ops *sc = cls("screen");
    int err = 0;
    void *h = sc->open("", O_WRONLY, 0, &err);
    g_assert_nonnull(h);
    struct dmx_screen_mode mode = { 4, 2, DMX_PIX_GRAY8, 0 };
    g_assert_cmpint(sc->ioctl(h, DMX_SCREEN_SET_MODE, &mode), ==, 0);
    uint8_t frame[8] = { 1, 2, 3, 4, 5, 6, 7, 8 };
    g_assert_cmpint(sc->write(h, frame, 7), ==, -EINVAL); /* one whole frame per write */
    fake_now = 5000000; /* 5 ms: the next vsync at 60 Hz is 16.67 ms */
    g_assert_cmpint(sc->write(h, frame, 8), ==, 8);
    g_assert_cmpuint(fake_now, ==, 16666666);
    g_assert_cmpint(sc->write(h, frame, 8), ==, 8); /* right away: the following vsync */
    g_assert_cmpuint(fake_now, ==, 33333333);
    fake_now = 100000000; /* 100 ms: vsyncs 3..6 pass with nothing new */
    frame[0] = 9;
    g_assert_cmpint(sc->write(h, frame, 8), ==, 8);
    g_assert_cmpuint(fake_now, ==, 116666666);
    struct dmx_screen_info info;
    g_assert_cmpint(sc->ioctl(h, DMX_SCREEN_GET_INFO, &info), ==, 0);
    g_assert_cmpuint(info.frames, ==, 3);
    g_assert_cmpuint(info.last_present_ns, ==, 116666666);
    g_assert_cmpuint(info.missed_vsyncs, ==, 4);
    mode.refresh_hz = 30; /* 24 fps content on a 30 Hz panel */
    g_assert_cmpint(sc->ioctl(h, DMX_SCREEN_SET_MODE, &mode), ==, 0);
    g_assert_cmpint(sc->write(h, frame, 8), ==, 8);
    g_assert_cmpuint(fake_now, ==, 133333333);
    g_assert_cmpint(sc->ioctl(h, 0x1234, &info), ==, -ENOTTY);
    sc->close(h);
    g_auto(GStrv) lines = read_lines(log);
    g_assert_cmpstr(lines[0], ==, "seq,present_ns,bytes,checksum");
    g_assert_cmpuint(g_strv_length(lines), ==, 5);
    g_autofree char *want = g_strdup_printf("2,116666666,8,%016llx", (unsigned long long)dmx_checksum(frame, 8));
    g_assert_cmpstr(lines[3], ==, want);
    g_assert_true(g_str_has_prefix(lines[1], "0,16666666,8,"));
    screen_reset_for_test();
    res_clock_use(NULL);
    g_unsetenv("DMX_SCREEN_LOG");
    g_unlink(log); g_rmdir(dir);
}

static void test_screen_snapshot_png(void)
{
    g_autofree char *dir = g_dir_make_tmp("dmx-snap-XXXXXX", NULL);
    g_autofree char *log = g_build_filename(dir, "frames.csv", NULL);
    g_setenv("DMX_SCREEN_LOG", log, TRUE);
    g_setenv("DMX_SNAPSHOT_EVERY", "2", TRUE);
    res_clock_use(&fake_clock);
    fake_now = 0;
    screen_reset_for_test();
    const struct io_class_ops *sc = cls("screen");
    int err = 0;
    void *h = sc->open("", O_WRONLY, 0, &err);
    struct dmx_screen_mode mode = { 4, 4, DMX_PIX_I420, 0 };
    g_assert_cmpint(sc->ioctl(h, DMX_SCREEN_SET_MODE, &mode), ==, 0);
    uint8_t frame[24];
    memset(frame, 128, sizeof frame);
    for (int i = 0; i < 3; i++)
        g_assert_cmpint(sc->write(h, frame, sizeof frame), ==, (int)sizeof frame);
    sc->close(h);
    g_autofree char *png0 = g_build_filename(dir, "screen-000000.png", NULL);
    g_autofree char *png2 = g_build_filename(dir, "screen-000002.png", NULL);
    g_autofree char *png1 = g_build_filename(dir, "screen-000001.png", NULL);
    g_autofree char *data = NULL;
    gsize len = 0;
    g_assert_true(g_file_get_contents(png0, &data, &len, NULL));
    g_assert_cmpint(memcmp(data, "\x89PNG\r\n\x1a\n", 8), ==, 0);
    g_assert_true(g_file_test(png2, G_FILE_TEST_EXISTS));
    g_assert_false(g_file_test(png1, G_FILE_TEST_EXISTS));
    /* If a PNG reader is installed, it must accept the file. */
    g_autofree char *python = g_find_program_in_path("python3");
    if (python) {
        g_autofree char *cmd = g_strdup_printf(
            "python3 -c \"import zlib,struct,sys; d=open('%s','rb').read(); "
            "i=d.index(b'IDAT'); n=struct.unpack('>I',d[i-4:i])[0]; r=zlib.decompress(d[i+4:i+4+n]); "
            "sys.exit(0 if len(r)==4*(4*3+1) else 1)\"", png0);
        int status = 1;
        g_assert_true(g_spawn_command_line_sync(cmd, NULL, NULL, &status, NULL));
        g_assert_true(g_spawn_check_wait_status(status, NULL));
    }
    screen_reset_for_test();
    res_clock_use(NULL);
    g_unsetenv("DMX_SNAPSHOT_EVERY");
    g_unsetenv("DMX_SCREEN_LOG");
    g_unlink(png0); g_unlink(png2); g_unlink(log); g_rmdir(dir);
}

static void test_speaker_pacing(void)
{
    g_autofree char *run = g_dir_make_tmp("dmx-spk-XXXXXX", NULL);
    g_setenv("DMX_RUN_DIR", run, TRUE);
    g_setenv("DMX_DEVICE_NAME", "spk", TRUE);
    res_clock_use(&fake_clock);
    fake_now = 1000000000;
    const struct io_class_ops *sp = cls("audio");
    int err = 0;
    void *h = sp->open("", O_WRONLY, 0, &err);
    g_assert_nonnull(h);
    struct dmx_audio_params p = { 8000, 1, 100, 0 }; /* 8 kHz mono, 800 frames of buffer */
    g_assert_cmpint(sp->ioctl(h, DMX_AUDIO_SET_PARAMS, &p), ==, 0);
    int16_t pcm[800] = { 0 };
    g_assert_cmpint(sp->write(h, pcm, 3), ==, -EINVAL); /* not whole frames */
    g_assert_cmpint(sp->write(h, pcm, 800 * 2), ==, 1600); /* fills the buffer without blocking */
    g_assert_cmpuint(fake_now, ==, 1000000000);
    g_assert_cmpint(sp->write(h, pcm, 400 * 2), ==, 800); /* must wait for 400 frames to play: 50 ms */
    g_assert_cmpuint(fake_now, >=, 1050000000);
    g_assert_cmpuint(fake_now, <=, 1060000000);
    struct dmx_audio_info info;
    g_assert_cmpint(sp->ioctl(h, DMX_AUDIO_GET_INFO, &info), ==, 0);
    g_assert_cmpuint(info.frames_written, ==, 1200);
    g_assert_cmpuint(info.underruns, ==, 0);
    g_assert_cmpuint(info.delay_frames, <=, 800);
    g_assert_cmpint(sp->ioctl(h, DMX_AUDIO_DRAIN, NULL), ==, 0);
    g_assert_cmpuint(fake_now, ==, 1150000000);
    fake_now += 500000000; /* nothing written for 0.5 s: the buffer ran dry */
    g_assert_cmpint(sp->write(h, pcm, 10 * 2), ==, 20);
    g_assert_cmpint(sp->ioctl(h, DMX_AUDIO_GET_INFO, &info), ==, 0);
    g_assert_cmpuint(info.underruns, ==, 1);
    sp->close(h);
    res_clock_use(NULL);
    /* The totals, and the span the stream was active (what the power model counts as audio on): from the first
     * write at 1 s until the last of the 10 frames written after the underrun had played, 1.65 s + 10 / 8000 s. */
    g_autofree char *csv = g_build_filename(run, "devices", "spk", "speaker.csv", NULL), *text = NULL;
    g_assert_true(g_file_get_contents(csv, &text, NULL, NULL));
    g_assert_cmpstr(text, ==, "rate,channels,frames_written,underruns,first_write_ns,played_until_ns\n"
                              "8000,1,1210,1,1000000000,1651250000\n");
    g_unlink(csv);
    g_autofree char *dev = g_build_filename(run, "devices", "spk", NULL), *devs = g_build_filename(run, "devices", NULL);
    g_rmdir(dev); g_rmdir(devs); g_rmdir(run);
    g_unsetenv("DMX_RUN_DIR");
    g_unsetenv("DMX_DEVICE_NAME");
}

static void write_clip(const char *path, int frames, int w, int h)
{
    GString *s = g_string_new(NULL);
    for (int f = 0; f < frames; f++) {
        g_string_append_printf(s, "P5\n%d %d\n255\n", w, h);
        for (int i = 0; i < w * h; i++)
            g_string_append_c(s, (char)(f * 10 + i % w));
    }
    g_assert_true(g_file_set_contents(path, s->str, (gssize)s->len, NULL));
    g_string_free(s, TRUE);
}

static void test_camera_frames(void)
{
    g_autofree char *dir = g_dir_make_tmp("dmx-camera-XXXXXX", NULL);
    g_autofree char *clip = g_build_filename(dir, "clip.pgms", NULL);
    write_clip(clip, 3, 32, 16);
    g_setenv("DMX_CAMERA_CLIP", clip, TRUE);
    res_clock_use(&fake_clock);
    fake_now = 2000000000;
    const struct io_class_ops *cam = cls("camera");
    int err = 0;
    void *h = cam->open("", O_RDONLY, 0, &err);
    g_assert_nonnull(h);
    struct dmx_camera_mode m = { 16, 16, DMX_PIX_GRAY8, 10 };
    g_assert_cmpint(cam->ioctl(h, DMX_CAMERA_SET_MODE, &m), ==, 0);
    uint8_t frame[256];
    g_assert_cmpint(cam->read(h, frame, 100), ==, -EINVAL);
    g_assert_cmpint(cam->read(h, frame, sizeof frame), ==, 256);
    g_assert_cmpint(frame[1], ==, 2); /* clip frame 0, column 2 (halved width) */
    g_assert_cmpint(cam->read(h, frame, sizeof frame), ==, 256); /* waits 100 ms for frame 1 */
    g_assert_cmpuint(fake_now, ==, 2100000000);
    g_assert_cmpint(frame[1], ==, 12);
    fake_now += 350000000; /* frames 2, 3, 4 are produced; 2 and 3 nobody reads */
    g_assert_cmpint(cam->read(h, frame, sizeof frame), ==, 256);
    struct dmx_camera_info info;
    g_assert_cmpint(cam->ioctl(h, DMX_CAMERA_GET_INFO, &info), ==, 0);
    g_assert_cmpuint(info.seq, ==, 4);
    g_assert_cmpuint(info.dropped, ==, 2);
    g_assert_cmpuint(info.timestamp_ns, ==, 2400000000);
    g_assert_cmpuint(info.clip_frames, ==, 3);
    g_assert_cmpint(frame[1], ==, 12); /* frame 4 loops to clip frame 1 */
    cam->close(h);
    res_clock_use(NULL);
    g_unlink(clip); g_rmdir(dir);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_unsetenv("DMX_RUN_DIR");
    g_test_add_func("/resources/storage/map-path", test_storage_map_path);
    g_test_add_func("/resources/storage/files", test_storage_files);
    g_test_add_func("/resources/screen/vsync", test_screen_vsync);
    g_test_add_func("/resources/screen/snapshot-png", test_screen_snapshot_png);
    g_test_add_func("/resources/speaker/pacing", test_speaker_pacing);
    g_test_add_func("/resources/camera/frames", test_camera_frames);
    return g_test_run();
}
