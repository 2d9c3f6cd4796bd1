/* test_io_vfd_e2e: virtual fds of the whole app across devices (testbed/runtime/io_vfd.c), end to end through
 * `dmx run` with build/guest/tests/io_vfd_prog (testbed/tests/test_io_vfd_prog.c):
 *  - /io-vfd/migrate: a thread opens a file of the master's storage and the screen, writes frames, binds the
 *    screen to device 2, writes more (forwarded), migrates to device 2 and reads the rest of the file there,
 *    one frame per piece. The file's checksum and the frames (dev1's then dev2's screen-frames.csv) are those
 *    of a one-device run; on device 2 the screen was local (no screen request forwarded, no frame bytes on the
 *    wire from the thread) and the storage reads were forwarded to the master; the screen file moved once.
 *  - /io-vfd/rebind: main opens the screen on the master; a thread on device 2 and one on the master write to
 *    that fd; the screen is rebound to device 3 through the master's control socket: both threads see it, the
 *    later frames are presented on device 3, none on device 2, and the file moved exactly once.
 *  - /io-vfd/small-file: a 10 KB file of device 2's storage, opened, fstat'ed and pread by main on the master,
 *    reads back the same bytes with one forwarded request (the open brings it whole); read() still goes to the
 *    owner, at the offset pread left alone. /io-vfd/large-file: 200 KB, where each pread is forwarded.
 *  - /io-vfd/edit-remote: a thread overwrites, appends to and reads back a file only device 2's storage holds,
 *    under rf, dynamix and offload: the same output as with the file on its own device, and the same bytes on
 *    device 2's disk.
 * Skips when dmx, qemu-aarch64, dmx-medium or the program is not built. */
#include "io_control_client.h"
#include "io_devices.h"
#include "test_io_e2e.h"

#include <errno.h>

#include <glib.h>
#include <glib/gstdio.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define FRAME_BYTES (64 * 48)
#define BLOB_BYTES (1500 * 1000 + 321)
#define PIECE 50000
#define MOVE_LOG "follows its binding"

static gboolean ready(void)
{
    const char *guests[] = { "build/guest/tests/io_vfd_prog", NULL };
    return need_devices(guests);
}

/* A scenario of N devices dev1..devN running io_vfd_prog with ARGS, each with its own storage under DIR (dev1's is
 * DIR/store1). Returns the .ini path. */
static char *write_scenario(const char *dir, int n, const char *args)
{
    g_autoptr(GPtrArray) stores = g_ptr_array_new_with_free_func(g_free);
    for (int i = 1; i <= n; i++) {
        char *store = g_strdup_printf("%s/store%d", dir, i);
        g_assert_cmpint(g_mkdir_with_parents(store, 0755), ==, 0);
        g_ptr_array_add(stores, store);
    }
    IoScenario sc = { .name = "io-vfd", .app = "build/guest/tests/io_vfd_prog", .args = args, .devices = n,
                      .storage = (const char *const *)stores->pdata };
    return write_io_scenario(dir, &sc);
}

/* The line of TEXT that starts with PREFIX. */
static char *line_of(const char *text, const char *prefix)
{
    const char *line = strstr(text, prefix);
    g_assert_nonnull(line);
    return g_strndup(line, strcspn(line, "\n"));
}

/* Occurrences of NEEDLE in every device's stderr.log of a run of N devices. */
static guint count_in_logs(const char *out, int n, const char *needle)
{
    guint count = 0;
    for (int i = 1; i <= n; i++) {
        g_autofree char *dev = g_strdup_printf("dev%d", i), *path = device_file(out, dev, "stderr.log");
        g_autofree char *text = NULL;
        if (!g_file_get_contents(path, &text, NULL, NULL))
            continue;
        for (const char *p = text; (p = strstr(p, needle)); p += strlen(needle))
            count++;
    }
    return count;
}

/* Column COLUMN of class CLASS in DEVICE's io-counters.PID.csv. */
static guint64 io_counter(const char *out, const char *device, const char *class, const char *column)
{
    g_autofree char *csv = read_io_counters(out, device);
    g_auto(GStrv) lines = g_strsplit(csv, "\n", -1);
    g_auto(GStrv) head = g_strsplit(lines[0], ",", -1);
    guint col = 0;
    while (head[col] && strcmp(head[col], column) != 0)
        col++;
    g_assert_nonnull(head[col]);
    for (guint i = 1; lines[i]; i++) {
        g_auto(GStrv) cols = g_strsplit(lines[i], ",", -1);
        if (cols[0] && strcmp(cols[0], class) == 0 && col < g_strv_length(cols))
            return g_ascii_strtoull(cols[col], NULL, 10);
    }
    g_assert_not_reached();
}

static void write_blob(const char *dir)
{
    g_autofree guint8 *blob = pattern_bytes(BLOB_BYTES);
    g_autofree char *store = g_build_filename(dir, "store1", NULL), *path = g_build_filename(store, "movie.bin", NULL);
    g_assert_cmpint(g_mkdir_with_parents(store, 0755), ==, 0);
    g_assert_true(g_file_set_contents(path, (const char *)blob, BLOB_BYTES, NULL));
}

static void test_migrate(void)
{
    if (!ready())
        return;
    g_autofree char *dir = g_dir_make_tmp("dmx-iovfd-XXXXXX", NULL);
    write_blob(dir);
    g_autofree char *args = g_strdup_printf("migrate movie.bin %d", PIECE);
    g_autofree char *ini1 = write_scenario(dir, 1, args), *ini2 = write_scenario(dir, 2, args);
    g_autofree char *out1 = g_build_filename(dir, "one", NULL), *out2 = g_build_filename(dir, "two", NULL);
    g_autofree char *text1 = run_io_scenario(ini1, out1, "rf");
    g_autofree char *text2 = run_io_scenario(ini2, out2, "rf");
    /* the same file and frames as on one device */
    g_autofree char *file1 = line_of(text1, "file "), *file2 = line_of(text2, "file ");
    g_assert_cmpstr(file2, ==, file1);
    g_assert_cmpuint(field(text2, "file ", "size"), ==, BLOB_BYTES);
    g_assert_cmpuint(field(text2, "where ", "before"), ==, 1);
    g_assert_cmpuint(field(text2, "where ", "after"), ==, 2);
    guint home = (guint)field(text2, "where ", "home"), bound = (guint)field(text2, "where ", "bound");
    guint moved = (guint)field(text2, "where ", "moved");
    g_assert_cmpuint(moved, >, 10);
    guint n_one, n_dev1, n_dev2;
    g_autofree char *sums_one = screen_checksums(out1, "dev1", &n_one);
    g_autofree char *sums_dev1 = screen_checksums(out2, "dev1", &n_dev1);
    g_autofree char *sums_dev2 = screen_checksums(out2, "dev2", &n_dev2);
    g_assert_cmpuint(n_dev1, ==, home);                 /* until the bind, on the master's screen */
    g_assert_cmpuint(n_dev2, ==, bound + moved);        /* then on device 2's, before and after the move */
    g_autofree char *sums_two = g_strconcat(sums_dev1, sums_dev2, NULL);
    g_assert_cmpstr(sums_two, ==, sums_one);
    /* on device 2 the screen is local: nothing forwarded, no frame bytes on the wire; the file is the master's */
    g_assert_cmpuint(field(text2, "after-move", "screen_forwarded"), ==, 0);
    g_assert_cmpuint(field(text2, "after-move", "screen_requests"), >=, moved);
    g_assert_cmpuint(field(text2, "after-move", "storage_forwarded"), >=, moved);
    g_assert_cmpuint(field(text2, "after-move", "storage_received"), >=, (guint64)moved * PIECE / 2);
    g_assert_cmpuint(field(text2, "after-move", "thread_forwarded"), ==, field(text2, "after-move", "storage_forwarded"));
    g_assert_cmpuint(field(text2, "after-move", "thread_sent"), <, FRAME_BYTES);
    g_assert_cmpuint(io_counter(out2, "dev2", "screen", "fwd_requests"), ==, 0);
    g_assert_cmpuint(io_counter(out2, "dev2", "storage", "fwd_requests"), >=, moved);
    g_assert_cmpuint(io_counter(out2, "dev1", "screen", "fwd_requests"), >=, bound);
    g_assert_cmpuint(count_in_logs(out2, 2, MOVE_LOG), ==, 1); /* at the first frame after the bind */
    remove_tree(dir);
}

/* A file of SIZE bytes in device 2's storage, read by main on the master with fstat and pread. */
static void check_small_file(gsize size, guint64 open_to_pread)
{
    g_autofree char *dir = g_dir_make_tmp("dmx-iovfd-XXXXXX", NULL);
    g_autofree char *ini = write_scenario(dir, 2, "small photo.jpg");
    g_autofree guint8 *blob = pattern_bytes(size);
    g_autofree char *path = g_build_filename(dir, "store2", "photo.jpg", NULL);
    g_assert_true(g_file_set_contents(path, (const char *)blob, (gssize)size, NULL));
    g_autofree char *out = g_build_filename(dir, "run", NULL);
    g_autofree char *text = run_io_scenario(ini, out, "rf");
    g_assert_cmpuint(field(text, "small ", "size"), ==, size);
    g_assert_cmpuint(field(text, "small ", "whole"), ==, size);
    g_assert_cmpuint(field(text, "small ", "checksum"), ==, dmx_checksum(blob, size));
    g_assert_cmpuint(field(text, "small ", "second"), ==, size - size / 2);
    g_assert_cmpuint(field(text, "small ", "second_same"), ==, 1);
    g_assert_cmpuint(field(text, "small ", "beyond"), ==, 0);
    g_assert_cmpint((gint64)field(text, "small ", "bad"), ==, -1);
    g_assert_cmpuint(field(text, "small ", "bad_errno"), ==, EINVAL);
    g_assert_cmpuint(field(text, "small ", "first"), ==, 16);     /* pread left the file's offset at 0 */
    g_assert_cmpuint(field(text, "small ", "first_same"), ==, 1);
    g_assert_cmpuint(field(text, "small ", "closed"), ==, 0);
    g_assert_cmpuint(field(text, "forwarded ", "open_to_pread"), ==, open_to_pread);
    g_assert_cmpuint(field(text, "forwarded ", "read"), ==, 1);    /* read() goes to the file's owner */
    g_assert_cmpuint(field(text, "forwarded ", "close"), ==, 1);
    remove_tree(dir);
}

/* A small file comes whole with its open: fstat and every pread are answered on the opening device, so opening
 * and reading it is one request (and closing it one that is not waited for). */
static void test_small_file(void)
{
    if (!ready())
        return;
    check_small_file(10 * 1000 + 7, 1);
}

/* A file above the snapshot size comes with its stat only: fstat is answered here, each pread is forwarded. */
static void test_large_file(void)
{
    if (!ready())
        return;
    check_small_file(200 * 1000 + 3, 1 + 3); /* the open, and the three preads that reach the file */
}

/* Lines of DEVICE's migrations.csv after its header. */
static guint count_migrations(const char *out, const char *device)
{
    g_autofree char *path = device_file(out, device, "migrations.csv"), *text = NULL;
    if (!g_file_get_contents(path, &text, NULL, NULL))
        return 0;
    g_auto(GStrv) lines = g_strsplit(g_strchomp(text), "\n", -1);
    return g_strv_length(lines) - 1;
}

static void test_rebind(void)
{
    if (!ready())
        return;
    g_autofree char *dir = g_dir_make_tmp("dmx-iovfd-XXXXXX", NULL);
    g_autofree char *ini = write_scenario(dir, 3, "rebind 10");
    g_autofree char *out = g_build_filename(dir, "run", NULL);
    int out_fd;
    GPid pid = start_io_scenario(ini, out, "rf", &out_fd);
    /* once the thread on device 2 writes too, move the screen to device 3 through the master's control socket */
    for (int i = 0; i < 3000 && (count_frames(out, "dev1") < 20 || count_migrations(out, "dev2") < 1); i++)
        g_usleep(50000);
    g_assert_cmpuint(count_migrations(out, "dev2"), ==, 1);
    g_autofree char *sock = device_file(out, "dev1", "io-control.sock");
    char err[256];
    int rc = dmx_io_control_bind(sock, IO_E2E_SECRET, "screen", 3, 30, err, sizeof err);
    if (rc != 0)
        g_printerr("control: %s\n", err);
    g_assert_cmpint(rc, ==, 0);
    g_autofree char *text = finish_io_scenario(pid, out_fd);
    for (int w = 0; w < 2; w++) {
        g_autofree char *prefix = g_strdup_printf("writer%d ", w);
        g_assert_cmpuint(field(text, prefix, "error"), ==, 0);
        g_assert_cmpuint(field(text, prefix, "after"), ==, 11); /* both saw the rebind, each on its device */
    }
    guint64 written = field(text, "writer0 ", "written") + field(text, "writer1 ", "written");
    guint on1 = count_frames(out, "dev1"), on2 = count_frames(out, "dev2"), on3 = count_frames(out, "dev3");
    g_assert_cmpuint(on1 + on3, ==, written);
    g_assert_cmpuint(on2, ==, 0);
    g_assert_cmpuint(on3, >=, 20);
    g_assert_cmpuint(count_in_logs(out, 3, MOVE_LOG), ==, 1);
    remove_tree(dir);
}

#define EDIT_BYTES (50 * 1000 + 7)

static char *write_edit_file(const char *dir, int device)
{
    g_autofree guint8 *bytes = pattern_bytes(EDIT_BYTES);
    g_autofree char *store = g_strdup_printf("%s/store%d", dir, device);
    char *path = g_build_filename(store, "notes.bin", NULL);
    g_assert_cmpint(g_mkdir_with_parents(store, 0755), ==, 0);
    g_assert_true(g_file_set_contents(path, (const char *)bytes, EDIT_BYTES, NULL));
    return path;
}

/* A thread on the master writes and reads a file that only device 2's storage holds, under each policy that
 * forwards (local keeps everything on the master): it prints what it prints with the file on its own device, and
 * the file on device 2's disk ends up byte for byte as that one-device run left its own. */
static void test_edit_remote(void)
{
    if (!ready())
        return;
    g_autofree char *dir = g_dir_make_tmp("dmx-iovfd-XXXXXX", NULL);
    g_autofree char *mine = write_edit_file(dir, 1);
    g_autofree char *ini = write_scenario(dir, 1, "edit notes.bin"), *out = g_build_filename(dir, "one", NULL);
    g_autofree char *text = run_io_scenario(ini, out, "rf");
    g_autofree char *line = line_of(text, "edit ");
    g_autofree char *want = NULL;
    gsize want_len = 0;
    g_assert_true(g_file_get_contents(mine, &want, &want_len, NULL));
    g_assert_cmpuint(want_len, ==, EDIT_BYTES + 100);
    g_assert_nonnull(strstr(line, " appended=100"));
    const char *policies[] = { "rf", "dynamix", "offload" };
    for (size_t i = 0; i < G_N_ELEMENTS(policies); i++) {
        g_autofree char *sub = g_strdup_printf("%s/%s", dir, policies[i]);
        g_autofree char *theirs = write_edit_file(sub, 2);
        g_autofree char *ini2 = write_scenario(sub, 2, "edit notes.bin"), *out2 = g_build_filename(sub, "run", NULL);
        g_autofree char *text2 = run_io_scenario(ini2, out2, policies[i]);
        g_autofree char *line2 = line_of(text2, "edit ");
        g_test_message("%s: %s", policies[i], line2);
        g_assert_cmpstr(line2, ==, line);
        g_autofree char *got = NULL;
        gsize got_len = 0;
        g_assert_true(g_file_get_contents(theirs, &got, &got_len, NULL));
        g_assert_cmpuint(got_len, ==, want_len);
        g_assert_true(memcmp(got, want, want_len) == 0);
        g_autofree char *stray = g_strdup_printf("%s/store1/notes.bin", sub);
        g_assert_false(g_file_test(stray, G_FILE_TEST_EXISTS));     /* written where it is, not copied home */
    }
    remove_tree(dir);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/io-vfd/migrate", test_migrate);
    g_test_add_func("/io-vfd/rebind", test_rebind);
    g_test_add_func("/io-vfd/small-file", test_small_file);
    g_test_add_func("/io-vfd/large-file", test_large_file);
    g_test_add_func("/io-vfd/edit-remote", test_edit_remote);
    return g_test_run();
}
