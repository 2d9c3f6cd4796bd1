/* test_io_vfd_prog: the guest program of test_io_vfd_e2e (built with dmx-cc, run by `dmx run`): virtual fds that
 * threads keep using after they migrate (testbed/runtime/io_vfd.c).
 *
 *   migrate NAME PIECE   a thread opens /dev/dmx/storage/NAME and /dev/dmx/screen (64x48 gray) on the master
 *                        and, for each PIECE bytes it reads of the file, writes one frame: a few with the screen
 *                        where it is, then binds the screen to device 2 (dmx_io_bind) and writes a few more, then
 *                        moves to device 2 (dmx_migrate_self) and reads the rest there. On one device the bind and
 *                        the move fail (EINVAL) and everything stays local.
 *   rebind N             main opens the screen; thread A moves to device 2, thread B stays; both write frames to
 *                        that one fd until this device sees the screen bound elsewhere (someone rebinds it from
 *                        outside), then N more each; they give up after 3000 frames.
 *   small NAME           main opens /dev/dmx/storage/NAME (after an open and close that find where it is), fstat,
 *                        preads it (whole, its second half, past its end, at -1), read()s its head and closes
 *                        it, counting the requests each step forwarded.
 *   edit NAME            a thread opens /dev/dmx/storage/NAME read-write, overwrites 12 records of 1000 bytes at
 *                        4099-byte strides, appends 100 bytes through a second fd (O_APPEND), reads the whole file
 *                        back through the first fd and again through a new one, and prints its size and checksums.
 * Every line it prints is "key=value ..." for the test to parse; the migrate mode's first line is the same on any
 * number of devices. */
#include <dmx.h>
#include <dsm_api.h>
#include <io_devices.h>

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#define WIDTH 64
#define HEIGHT 48
#define FRAME_BYTES (WIDTH * HEIGHT)
#define FRAMES_BEFORE_BIND 4
#define FRAMES_BEFORE_MOVE 4
#define GIVE_UP_FRAMES 3000

struct migrate_result {
    int error;
    char what[160];
    uint64_t size, checksum;
    unsigned frames_home, frames_bound, frames_moved;
    int device_before, device_after;
    struct dmx_io_forward_counters screen_here, storage_here, thread_here;
    struct dmx_io_counters screen_use;
};

static struct migrate_result result; /* in the app's globals: shared, read by main after the join */
static const char *file_name;
static size_t piece;
static int screen_fd = -1;
static unsigned rebind_more;

static void fill(uint8_t *frame, unsigned i)
{
    for (size_t j = 0; j < FRAME_BYTES; j++)
        frame[j] = (uint8_t)(i * 31 + j * 7 + (j >> 8));
}

static int fail(const char *what)
{
    result.error = errno ? errno : EIO;
    snprintf(result.what, sizeof result.what, "%s", what);
    return -1;
}

static int open_screen(void)
{
    struct dmx_screen_mode mode = { WIDTH, HEIGHT, DMX_PIX_GRAY8, 0 };
    int fd = open("/dev/dmx/screen", O_WRONLY);
    if (fd >= 0 && ioctl(fd, DMX_SCREEN_SET_MODE, &mode) != 0) {
        close(fd);
        return -1;
    }
    return fd;
}

/* Reads one piece of FD into ALL (growing it) and writes frame number *FRAMES to SCREEN: 1, 0 at the end, -1. */
static int step(int fd, int screen, uint8_t **all, unsigned *frames)
{
    uint8_t *grown = realloc(*all, result.size + piece);
    if (!grown)
        return fail("realloc");
    *all = grown;
    ssize_t n = read(fd, *all + result.size, piece);
    if (n < 0)
        return fail("read");
    if (n == 0)
        return 0;
    result.size += (uint64_t)n;
    uint8_t frame[FRAME_BYTES];
    fill(frame, (*frames)++);
    if (write(screen, frame, sizeof frame) != (ssize_t)sizeof frame)
        return fail("write frame");
    return 1;
}

static int steps(int fd, int screen, uint8_t **all, unsigned *frames, unsigned count)
{
    int rc = 1;
    for (unsigned i = 0; (count == 0 || i < count) && (rc = step(fd, screen, all, frames)) > 0; i++) {
    }
    return rc;
}

static void *migrate_thread(void *unused)
{
    (void)unused;
    char path[512];
    snprintf(path, sizeof path, "/dev/dmx/storage/%s", file_name);
    int fd = open(path, O_RDONLY), screen = open_screen();
    if (fd < 0 || screen < 0) {
        fail("open");
        return NULL;
    }
    uint8_t *all = NULL;
    unsigned frames = 0;
    result.device_before = dmx_device_index();
    if (steps(fd, screen, &all, &frames, FRAMES_BEFORE_BIND) < 0)
        return NULL;
    result.frames_home = frames;
    if (dmx_io_bind("screen", 2) != 0 && errno != EINVAL) {
        fail("dmx_io_bind");
        return NULL;
    }
    if (steps(fd, screen, &all, &frames, FRAMES_BEFORE_MOVE) < 0)
        return NULL;
    result.frames_bound = frames - result.frames_home;
    if (dmx_migrate_self(2) != 0 && errno != EINVAL) {
        fail("dmx_migrate_self");
        return NULL;
    }
    result.device_after = dmx_device_index();
    if (steps(fd, screen, &all, &frames, 0) < 0)
        return NULL;
    result.frames_moved = frames - result.frames_home - result.frames_bound;
    dmx_io_get_forward_counters("screen", &result.screen_here);
    dmx_io_get_forward_counters("storage", &result.storage_here);
    dmx_io_get_thread_forward_counters(&result.thread_here);
    dmx_io_get_counters("screen", &result.screen_use);
    if (close(fd) != 0 || close(screen) != 0)
        fail("close");
    result.checksum = dmx_checksum(all, result.size);
    free(all);
    return NULL;
}

static int migrate(char **argv)
{
    file_name = argv[2];
    piece = (size_t)atol(argv[3]);
    pthread_t t;
    if (piece == 0 || pthread_create(&t, NULL, migrate_thread, NULL) != 0 || pthread_join(t, NULL) != 0)
        return 2;
    if (result.error) {
        printf("error=%s: %s\n", result.what, strerror(result.error));
        return 1;
    }
    printf("file size=%" PRIu64 " checksum=%016" PRIx64 " frames=%u\n", result.size, result.checksum,
           result.frames_home + result.frames_bound + result.frames_moved);
    printf("where before=%d after=%d home=%u bound=%u moved=%u\n", result.device_before, result.device_after,
           result.frames_home, result.frames_bound, result.frames_moved);
    printf("after-move screen_forwarded=%" PRIu64 " screen_sent=%" PRIu64 " screen_requests=%" PRIu64
           " storage_forwarded=%" PRIu64 " storage_received=%" PRIu64 " thread_forwarded=%" PRIu64
           " thread_sent=%" PRIu64 "\n",
           result.screen_here.forwarded, result.screen_here.bytes_sent, result.screen_use.requests,
           result.storage_here.forwarded, result.storage_here.bytes_received, result.thread_here.forwarded,
           result.thread_here.bytes_sent);
    return 0;
}

struct writer {
    int move_to;
    unsigned written, after;
    int error;
};

static struct writer writers[2]; /* shared: the threads' arguments and results */

/* This device's view of where the screen is bound (0 = here). */
static int screen_binding(void)
{
    struct dmx_io_counters c;
    return dmx_io_get_counters("screen", &c) == 0 ? c.device : -1;
}

static void *rebind_thread(void *arg)
{
    struct writer *w = arg;
    if (w->move_to && dmx_migrate_self(w->move_to) != 0)
        w->error = errno;
    int first = screen_binding();
    uint8_t frame[FRAME_BYTES];
    while (!w->error && w->written < GIVE_UP_FRAMES && w->after <= rebind_more) {
        fill(frame, w->written);
        if (write(screen_fd, frame, sizeof frame) != (ssize_t)sizeof frame)
            w->error = errno;
        w->written++;
        if (screen_binding() != first)
            w->after++;
    }
    return NULL;
}

static int rebind(char **argv)
{
    rebind_more = (unsigned)atoi(argv[2]);
    screen_fd = open_screen();
    if (screen_fd < 0) {
        printf("error=open screen: %s\n", strerror(errno));
        return 1;
    }
    pthread_t t[2];
    writers[0].move_to = 2;
    for (int i = 0; i < 2; i++)
        if (pthread_create(&t[i], NULL, rebind_thread, &writers[i]) != 0)
            return 2;
    for (int i = 0; i < 2; i++)
        pthread_join(t[i], NULL);
    close(screen_fd);
    for (int i = 0; i < 2; i++)
        printf("writer%d written=%u after=%u error=%d\n", i, writers[i].written, writers[i].after, writers[i].error);
    return writers[0].error || writers[1].error ? 1 : 0;
}

/* ---- small: a file read with fstat and pread ---- */

static uint64_t thread_forwarded(void)
{
    struct dmx_io_forward_counters c;
    dmx_io_get_thread_forward_counters(&c);
    return c.forwarded;
}

/* Opens storage file NAME, takes its size with fstat and reads it with pread (whole, then its second half and
 * past its end); then read() from its offset, which pread left at 0. Prints what it read and how many requests
 * each step forwarded. */
static int small(char **argv)
{
    char path[512];
    snprintf(path, sizeof path, "/dev/dmx/storage/%s", argv[2]);
    int fd = open(path, O_RDONLY); /* the first open also learns which device holds NAME */
    if (fd >= 0)
        close(fd);
    uint64_t before = thread_forwarded();
    fd = open(path, O_RDONLY);
    struct stat st;
    if (fd < 0 || fstat(fd, &st) != 0) {
        printf("small error=%d\n", errno);
        return 1;
    }
    size_t size = (size_t)st.st_size;
    uint8_t *all = malloc(size + 1), *half = malloc(size / 2 + 1), past;
    ssize_t whole = pread(fd, all, size + 1, 0);
    ssize_t second = pread(fd, half, size - size / 2, (off_t)(size / 2));
    ssize_t beyond = pread(fd, &past, 1, (off_t)size);
    ssize_t bad = pread(fd, &past, 1, -1);
    int bad_errno = errno;
    uint64_t after_pread = thread_forwarded();
    uint8_t head[16];
    ssize_t first = read(fd, head, sizeof head);
    uint64_t after_read = thread_forwarded();
    int closed = close(fd);
    uint64_t after_close = thread_forwarded();
    printf("small size=%zu whole=%zd checksum=%016" PRIx64 " second=%zd second_same=%d beyond=%zd bad=%zd "
           "bad_errno=%d first=%zd first_same=%d closed=%d\n",
           size, whole, whole > 0 ? dmx_checksum(all, (size_t)whole) : 0, second,
           second > 0 && memcmp(half, all + size / 2, (size_t)second) == 0, beyond, bad, bad_errno, first,
           first > 0 && memcmp(head, all, (size_t)first) == 0, closed);
    printf("forwarded open_to_pread=%" PRIu64 " read=%" PRIu64 " close=%" PRIu64 "\n", after_pread - before,
           after_read - after_pread, after_close - after_read);
    free(all);
    free(half);
    return 0;
}

#define EDIT_RECORDS 12
#define EDIT_RECORD 1000
#define EDIT_STRIDE 4099        /* records straddle the 4 KiB pieces a forwarded request may carry */

struct edit_result { int error; char what[64]; uint64_t size, checksum, reread; ssize_t appended; };
static struct edit_result edited;       /* shared: the thread's result, read by main after the join */
static char edit_path[512];

/* Overwrites EDIT_RECORDS records of the file in place (pwrite), appends one more (O_APPEND), then reads the
 * whole file back through the same fd, and again through a new one. */
static void *edit_thread(void *unused)
{
    (void)unused;
    int fd = open(edit_path, O_RDWR);
    if (fd < 0)
        return (void *)(intptr_t)fail("open O_RDWR");
    uint8_t record[EDIT_RECORD];
    for (int k = 0; k < EDIT_RECORDS; k++) {
        memset(record, 'a' + k, sizeof record);
        if (pwrite(fd, record, sizeof record, (off_t)k * EDIT_STRIDE) != (ssize_t)sizeof record)
            return (void *)(intptr_t)fail("pwrite");
    }
    struct stat st;
    if (fstat(fd, &st) != 0 || lseek(fd, 0, SEEK_SET) != 0)
        return (void *)(intptr_t)fail("fstat or lseek");
    int tail = open(edit_path, O_WRONLY | O_APPEND);
    memset(record, 'z', sizeof record);
    edited.appended = tail >= 0 ? write(tail, record, 100) : -1;
    if (tail < 0 || close(tail) != 0)
        return (void *)(intptr_t)fail("append");
    size_t size = (size_t)st.st_size + 100;
    uint8_t *all = malloc(size + 1), *again = malloc(size + 1);
    ssize_t got = all ? read(fd, all, size + 1) : -1;
    close(fd);
    fd = open(edit_path, O_RDONLY);
    ssize_t got_again = fd >= 0 && again ? read(fd, again, size + 1) : -1;
    if (fd >= 0)
        close(fd);
    if (got != (ssize_t)size || got_again != (ssize_t)size)
        return (void *)(intptr_t)fail("read back");
    edited.size = size;
    edited.checksum = dmx_checksum(all, size);
    edited.reread = dmx_checksum(again, size);
    free(all);
    free(again);
    return NULL;
}

/* A thread (wherever DMX_PLACE or the policy puts it) edits storage file NAME, which may be on any device. */
static int edit(char **argv)
{
    snprintf(edit_path, sizeof edit_path, "/dev/dmx/storage/%s", argv[2]);
    pthread_t th;
    if (pthread_create(&th, NULL, edit_thread, NULL) != 0 || pthread_join(th, NULL) != 0)
        return 1;
    if (result.error) {
        printf("edit error=%d what=%s\n", result.error, result.what);
        return 1;
    }
    printf("edit size=%" PRIu64 " checksum=%016" PRIx64 " reread=%016" PRIx64 " appended=%zd\n", edited.size,
           edited.checksum, edited.reread, edited.appended);
    return 0;
}

int main(int argc, char **argv)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
    if (argc == 4 && strcmp(argv[1], "migrate") == 0)
        return migrate(argv);
    if (argc == 3 && strcmp(argv[1], "rebind") == 0)
        return rebind(argv);
    if (argc == 3 && strcmp(argv[1], "small") == 0)
        return small(argv);
    if (argc == 3 && strcmp(argv[1], "edit") == 0)
        return edit(argv);
    fprintf(stderr, "usage: test_io_vfd_prog migrate NAME PIECE | rebind N | small NAME | edit NAME\n");
    return 2;
}
