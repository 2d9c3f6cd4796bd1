/* /dev/dmx/storage: this device's files. /dev/dmx/storage/NAME is NAME in the storage directory; every
 * operation is a request on the resource (so the I/O engine can later serve it for a peer and count it).
 * Opening /dev/dmx/storage itself reads a listing of the directory's regular files, sorted by name, one
 * "NAME<TAB>SIZE\n" each. Storage files stay on the device that opened them (no rebinding). */
#include "storage.h"

#include "io_resource.h"
#include "res_env.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

struct storage_file {
    int fd;         /* the backing file, or -1 for a listing */
    char *listing;  /* listing text */
    size_t listing_len, pos;
};

int storage_root(char *buf, size_t len)
{
    const char *dir = getenv("DMX_STORAGE_DIR");
    int n;
    if (dir && *dir) {
        n = snprintf(buf, len, "%s", dir);
    } else {
        char device_dir[PATH_MAX];
        if (res_device_dir(device_dir, sizeof device_dir) < 0)
            return -ENOENT;
        n = snprintf(buf, len, "%s/storage", device_dir);
    }
    return n < 0 || (size_t)n >= len ? -ENAMETOOLONG : 0;
}

int storage_map_path(const char *root, const char *subpath, char *out, size_t len)
{
    size_t used = strlen(root);
    if (used >= len)
        return -ENAMETOOLONG;
    memcpy(out, root, used + 1);
    while (*subpath) {
        while (*subpath == '/')
            subpath++;
        size_t n = strcspn(subpath, "/");
        if (n == 0)
            break;
        if ((n == 2 && memcmp(subpath, "..", 2) == 0))
            return -EACCES;
        if (!(n == 1 && subpath[0] == '.')) {
            if (used + 1 + n >= len)
                return -ENAMETOOLONG;
            out[used++] = '/';
            memcpy(out + used, subpath, n);
            used += n;
            out[used] = '\0';
        }
        subpath += n;
    }
    return 0;
}

static int by_name(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Listing text of ROOT's regular files, sorted; NULL with *err. */
static char *list_directory(const char *root, size_t *out_len, int *err)
{
    DIR *dir = opendir(root);
    if (!dir) {
        *err = errno;
        return NULL;
    }
    size_t count = 0, cap = 64;
    char **lines = malloc(cap * sizeof *lines);
    struct dirent *entry;
    while (lines && (entry = readdir(dir)) != NULL) {
        struct stat st;
        if (entry->d_name[0] == '.' || fstatat(dirfd(dir), entry->d_name, &st, 0) < 0 || !S_ISREG(st.st_mode))
            continue;
        if (count == cap) {
            char **bigger = realloc(lines, 2 * cap * sizeof *lines);
            if (!bigger)
                break;
            lines = bigger;
            cap *= 2;
        }
        if (asprintf(&lines[count], "%s\t%lld\n", entry->d_name, (long long)st.st_size) < 0)
            break;
        count++;
    }
    closedir(dir);
    if (!lines) {
        *err = ENOMEM;
        return NULL;
    }
    qsort(lines, count, sizeof *lines, by_name);
    size_t total = 0;
    for (size_t i = 0; i < count; i++)
        total += strlen(lines[i]);
    char *text = malloc(total + 1), *p = text;
    for (size_t i = 0; i < count; i++) {
        size_t n = strlen(lines[i]);
        if (text)
            memcpy(p, lines[i], n);
        p += n;
        free(lines[i]);
    }
    free(lines);
    if (!text) {
        *err = ENOMEM;
        return NULL;
    }
    text[total] = '\0';
    *out_len = total;
    return text;
}

static void *storage_open(const char *subpath, int flags, mode_t mode, int *err)
{
    char root[PATH_MAX], path[PATH_MAX];
    int rc = storage_root(root, sizeof root);
    if (rc == 0)
        rc = storage_map_path(root, subpath, path, sizeof path);
    if (rc < 0) {
        *err = -rc;
        return NULL;
    }
    struct storage_file *f = calloc(1, sizeof *f);
    if (!f) {
        *err = ENOMEM;
        return NULL;
    }
    f->fd = -1;
    if (strcmp(path, root) == 0) {
        if ((flags & O_ACCMODE) != O_RDONLY) {
            free(f);
            *err = EISDIR;
            return NULL;
        }
        f->listing = list_directory(root, &f->listing_len, err);
        if (!f->listing) {
            free(f);
            return NULL;
        }
        return f;
    }
    f->fd = open(path, flags | O_CLOEXEC, mode);
    if (f->fd < 0) {
        *err = errno;
        free(f);
        return NULL;
    }
    return f;
}

static ssize_t storage_read(void *handle, void *buf, size_t len)
{
    struct storage_file *f = handle;
    if (f->fd >= 0) {
        ssize_t n = read(f->fd, buf, len);
        return n < 0 ? -errno : n;
    }
    size_t n = f->listing_len - f->pos < len ? f->listing_len - f->pos : len;
    memcpy(buf, f->listing + f->pos, n);
    f->pos += n;
    return (ssize_t)n;
}

static ssize_t storage_pread(void *handle, void *buf, size_t len, off_t offset)
{
    struct storage_file *f = handle;
    if (f->fd >= 0) {
        ssize_t n = pread(f->fd, buf, len, offset);
        return n < 0 ? -errno : n;
    }
    size_t from = (uint64_t)offset < f->listing_len ? (size_t)offset : f->listing_len;
    size_t n = f->listing_len - from < len ? f->listing_len - from : len;
    memcpy(buf, f->listing + from, n);
    return (ssize_t)n;
}

static ssize_t storage_write(void *handle, const void *buf, size_t len)
{
    struct storage_file *f = handle;
    if (f->fd < 0)
        return -EISDIR;
    ssize_t n = write(f->fd, buf, len);
    return n < 0 ? -errno : n;
}

static off_t storage_lseek(void *handle, off_t offset, int whence)
{
    struct storage_file *f = handle;
    if (f->fd >= 0) {
        off_t pos = lseek(f->fd, offset, whence);
        return pos < 0 ? -errno : pos;
    }
    off_t base = whence == SEEK_SET ? 0 : whence == SEEK_CUR ? (off_t)f->pos : (off_t)f->listing_len;
    if (whence != SEEK_SET && whence != SEEK_CUR && whence != SEEK_END)
        return -EINVAL;
    if (base + offset < 0)
        return -EINVAL;
    f->pos = (size_t)(base + offset) < f->listing_len ? (size_t)(base + offset) : f->listing_len;
    return (off_t)f->pos;
}

static int storage_fstat(void *handle, struct stat *st)
{
    struct storage_file *f = handle;
    if (f->fd >= 0)
        return fstat(f->fd, st) < 0 ? -errno : 0;
    memset(st, 0, sizeof *st);
    st->st_mode = S_IFREG | 0444;
    st->st_size = (off_t)f->listing_len;
    st->st_blksize = 4096;
    return 0;
}

static int storage_close(void *handle)
{
    struct storage_file *f = handle;
    int rc = f->fd >= 0 && close(f->fd) < 0 ? -errno : 0;
    free(f->listing);
    free(f);
    return rc;
}

static const struct io_class_ops storage_ops = {
    .name = "storage",
    .open = storage_open,
    .read = storage_read,
    .write = storage_write,
    .lseek = storage_lseek,
    .fstat = storage_fstat,
    .close = storage_close,
    .pread = storage_pread,
};

__attribute__((constructor(200))) static void storage_register(void)
{
    io_register_class(&storage_ops);
}
