/* test_resources_io: libdmx's virtual device file layer (testbed/runtime/io_*.c), natively: the test links
 * the interposed open/read/write/ioctl/lseek/fstat/close, so its own calls go through them. */
#include "io_devices.h"
#include "io_resource.h"
#include "res_clock.h"
#include "screen.h"

#include <errno.h>
#include <fcntl.h>
#include <glib.h>
#include <glib/gstdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

static uint64_t fake_now;
static uint64_t fake_now_ns(void *ctx) { (void)ctx; return fake_now; }
static void fake_sleep_until(void *ctx, uint64_t t) { (void)ctx; if (t > fake_now) fake_now = t; }
static const struct res_clock fake_clock = { fake_now_ns, fake_sleep_until, NULL };

static void test_passthrough(void)
{
    g_autofree char *dir = g_dir_make_tmp("dmx-io-XXXXXX", NULL);
    g_autofree char *path = g_build_filename(dir, "plain", NULL);
    int fd = open(path, O_RDWR | O_CREAT, 0600);
    g_assert_cmpint(fd, >=, 0);
    g_assert_cmpint(write(fd, "abc", 3), ==, 3);
    g_assert_cmpint(lseek(fd, 0, SEEK_SET), ==, 0);
    char buf[4] = "";
    g_assert_cmpint(read(fd, buf, 3), ==, 3);
    g_assert_cmpint(memcmp(buf, "abc", 3), ==, 0);
    struct stat st;
    g_assert_cmpint(fstat(fd, &st), ==, 0);
    g_assert_true(S_ISREG(st.st_mode));
    g_assert_cmpint(close(fd), ==, 0);
    g_assert_cmpint(close(fd), ==, -1);
    g_assert_cmpint(errno, ==, EBADF);
    g_assert_cmpint(open("/dev/dmx/nonesuch", O_RDONLY), ==, -1);
    g_assert_cmpint(errno, ==, ENOENT);
    g_unlink(path);
    g_rmdir(dir);
}

static void test_storage_through_libc(void)
{
    g_autofree char *dir = g_dir_make_tmp("dmx-io-XXXXXX", NULL);
    g_setenv("DMX_STORAGE_DIR", dir, TRUE);
    int fd = open("/dev/dmx/storage/f.txt", O_WRONLY | O_CREAT | O_TRUNC, 0644);
    g_assert_cmpint(fd, >=, 0);
    g_assert_cmpint(write(fd, "hello world", 11), ==, 11);
    g_assert_cmpint(close(fd), ==, 0);
    fd = openat(AT_FDCWD, "/dev/dmx/storage/f.txt", O_RDONLY);
    g_assert_cmpint(fd, >=, 0);
    struct stat st;
    g_assert_cmpint(fstat(fd, &st), ==, 0);
    g_assert_cmpint(st.st_size, ==, 11);
    g_assert_cmpint(lseek(fd, 6, SEEK_SET), ==, 6);
    char buf[16] = "";
    g_assert_cmpint(read(fd, buf, sizeof buf), ==, 5);
    g_assert_cmpstr(buf, ==, "world");
    g_assert_cmpint(ioctl(fd, DMX_SCREEN_GET_INFO, buf), ==, -1); /* storage has no ioctls */
    g_assert_cmpint(close(fd), ==, 0);
    fd = open("/dev/dmx/storage", O_RDONLY);
    memset(buf, 0, sizeof buf);
    g_assert_cmpint(read(fd, buf, sizeof buf - 1), ==, 9);
    g_assert_cmpstr(buf, ==, "f.txt\t11\n");
    close(fd);
    struct dmx_io_counters c;
    g_assert_cmpint(dmx_io_get_counters("storage", &c), ==, 0);
    g_assert_cmpuint(c.bytes_in, ==, 11);
    g_assert_cmpuint(c.bytes_out, ==, 5 + 9);
    g_assert_cmpuint(c.requests, >=, 10);
    g_assert_cmpuint(c.errors, ==, 1);
    g_assert_cmpint(dmx_io_get_counters("nonesuch", &c), ==, -1);
    g_autofree char *f = g_build_filename(dir, "f.txt", NULL);
    g_unlink(f);
    g_rmdir(dir);
    g_unsetenv("DMX_STORAGE_DIR");
}

/* A forwarder that serves "remote" requests here, recording what it carried. */
static int forwarded, forwarded_device;
static int loopback_forwarder(int device, struct io_request *req)
{
    forwarded++;
    forwarded_device = device;
    io_serve_local(req);
    return 0;
}

static void test_screen_rebind(void)
{
    g_autofree char *dir = g_dir_make_tmp("dmx-io-XXXXXX", NULL);
    g_autofree char *log = g_build_filename(dir, "frames.csv", NULL);
    g_setenv("DMX_SCREEN_LOG", log, TRUE);
    g_setenv("DMX_DEVICES", "phone=10.77.0.1,tv=10.77.0.2", TRUE);
    g_setenv("DMX_DEVICE_INDEX", "1", TRUE);
    res_clock_use(&fake_clock);
    screen_reset_for_test();
    int fd = open("/dev/dmx/screen", O_WRONLY);
    g_assert_cmpint(fd, >=, 0);
    struct dmx_screen_mode mode = { 2, 2, DMX_PIX_GRAY8, 0 };
    g_assert_cmpint(ioctl(fd, DMX_SCREEN_SET_MODE, &mode), ==, 0);
    g_assert_cmpint(write(fd, "abcd", 4), ==, 4);
    g_assert_cmpint(forwarded, ==, 0);
    g_assert_cmpint(dmx_io_bind("screen", 3), ==, -1); /* no such device */
    io_set_forwarder(loopback_forwarder);
    g_assert_cmpint(dmx_io_bind("screen", 2), ==, 0);
    /* Next write: reopen on device 2, replay SET_MODE, close here, then the write itself: 4 requests. */
    g_assert_cmpint(write(fd, "efgh", 4), ==, 4);
    g_assert_cmpint(forwarded, ==, 3);
    g_assert_cmpint(forwarded_device, ==, 2);
    struct dmx_io_counters c;
    g_assert_cmpint(dmx_io_get_counters("screen", &c), ==, 0);
    g_assert_cmpint(c.device, ==, 2);
    g_assert_cmpuint(c.bytes_in, ==, 8);
    io_set_forwarder(NULL);
    g_assert_cmpint(write(fd, "ijkl", 4), ==, -1); /* bound away, nothing to carry it */
    g_assert_cmpint(errno, ==, EHOSTUNREACH);
    g_assert_cmpint(dmx_io_bind("screen", 1), ==, 0); /* back to this device (its own index) */
    int before = forwarded;
    g_assert_cmpint(write(fd, "ijkl", 4), ==, 4);     /* reopened here; only the remote close is carried */
    g_assert_cmpint(forwarded, ==, before);
    struct dmx_screen_info info;
    g_assert_cmpint(ioctl(fd, DMX_SCREEN_GET_INFO, &info), ==, 0);
    g_assert_cmpuint(info.mode.width, ==, 2);
    g_assert_cmpuint(info.frames, ==, 3);
    g_assert_cmpint(close(fd), ==, 0);
    io_set_forwarder(NULL);
    screen_reset_for_test();
    res_clock_use(NULL);
    g_unsetenv("DMX_SCREEN_LOG");
    g_unlink(log);
    g_rmdir(dir);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_unsetenv("DMX_RUN_DIR");
    g_test_add_func("/io/passthrough", test_passthrough);
    g_test_add_func("/io/storage", test_storage_through_libc);
    g_test_add_func("/io/screen-rebind", test_screen_rebind);
    return g_test_run();
}
