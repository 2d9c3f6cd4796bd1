/* The shared file directory (see io_filedir.h). */
#include "io_filedir.h"

#include "dmx.h"
#include "io_snapshot.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define LISTING_MAX (4u << 20)

struct entry {
    struct entry *next;
    int device;
    uint64_t size;
    char name[];
};

static pthread_mutex_t dir_lock = PTHREAD_MUTEX_INITIALIZER;
static struct entry *entries;

void io_filedir_clear(void)
{
    pthread_mutex_lock(&dir_lock);
    while (entries) {
        struct entry *e = entries;
        entries = e->next;
        free(e);
    }
    pthread_mutex_unlock(&dir_lock);
}

static struct entry *find(const char *name)
{
    for (struct entry *e = entries; e; e = e->next)
        if (strcmp(e->name, name) == 0)
            return e;
    return NULL;
}

void io_filedir_add_listing(int device, const char *text, size_t len)
{
    pthread_mutex_lock(&dir_lock);
    for (size_t pos = 0; pos < len;) {
        const char *line = text + pos;
        const char *nl = memchr(line, '\n', len - pos);
        size_t line_len = nl ? (size_t)(nl - line) : len - pos;
        pos += line_len + 1;
        const char *tab = memchr(line, '\t', line_len);
        if (!tab || tab == line || memchr(line, '/', (size_t)(tab - line)))
            continue;
        size_t name_len = (size_t)(tab - line);
        char size_text[24] = { 0 };
        size_t size_len = line_len - name_len - 1;
        if (size_len == 0 || size_len >= sizeof size_text)
            continue;
        memcpy(size_text, tab + 1, size_len);
        char *end;
        unsigned long long size = strtoull(size_text, &end, 10);
        if (*end)
            continue;
        struct entry *e = malloc(sizeof *e + name_len + 1);
        if (!e)
            break;
        memcpy(e->name, line, name_len);
        e->name[name_len] = '\0';
        e->device = device;
        e->size = size;
        struct entry *old = find(e->name);
        if (old && old->device <= device) { /* the lowest device index wins a name held twice */
            free(e);
            continue;
        }
        if (old)
            old->device = -1; /* superseded */
        e->next = entries;
        entries = e;
    }
    pthread_mutex_unlock(&dir_lock);
}

int io_filedir_lookup(const char *name, uint64_t *size)
{
    pthread_mutex_lock(&dir_lock);
    struct entry *e = NULL;
    for (struct entry *x = entries; x; x = x->next)
        if (x->device > 0 && strcmp(x->name, name) == 0) {
            e = x;
            break;
        }
    int device = e ? e->device : 0;
    if (e && size)
        *size = e->size;
    pthread_mutex_unlock(&dir_lock);
    return device;
}

/* Reads the rest of an open listing from LEN bytes on: the whole text (malloc'd, *LEN its length) or NULL. */
static char *read_listing(const struct io_class_ops *cls, int device, void *handle, char *text, size_t *len)
{
    size_t cap = *len > 64 * 1024 ? *len : 64 * 1024;
    char *all = realloc(text, cap);
    while (all) {
        if (*len == cap) {
            char *bigger = cap < LISTING_MAX ? realloc(all, cap * 2) : NULL;
            if (!bigger)
                break;
            all = bigger;
            cap *= 2;
        }
        struct io_request rd = { .cls = cls, .op = IO_OP_PREAD, .handle = handle, .out = all + *len,
                                 .out_len = cap - *len, .offset = (off_t)*len };
        io_dispatch(device, &rd);
        if (rd.result <= 0)
            break;
        *len += (size_t)rd.result;
    }
    return all;
}

/* Asks DEVICE's resource server for its storage listing and adds it. The listing comes with the open
 * (io_snapshot.h) unless it is too long for one: then it is read on. */
static void fetch_listing(const struct io_class_ops *cls, int device)
{
    struct io_request open_req = { .cls = cls, .op = IO_OP_OPEN, .subpath = "", .flags = O_RDONLY };
    struct io_snapshot *snap = io_snapshot_open(device, &open_req);
    if (open_req.result < 0)
        return;
    size_t len = snap && snap->has_data ? snap->len : 0;
    char *text = malloc(len ? len : 1);
    if (text && len)
        memcpy(text, snap->data, len);
    if (text && (!snap || !snap->has_data))
        text = read_listing(cls, device, open_req.new_handle, text, &len);
    free(snap);
    struct io_request close_req = { .cls = cls, .op = IO_OP_CLOSE, .handle = open_req.new_handle,
                                    .flags = IO_CLOSE_NO_REPLY };
    io_dispatch(device, &close_req);
    if (text)
        io_filedir_add_listing(device, text, len);
    free(text);
}

int io_filedir_locate(const struct io_class_ops *cls, const char *subpath)
{
    if (!cls || strcmp(cls->name, "storage") != 0 || !subpath)
        return 0;
    while (*subpath == '/')
        subpath++;
    if (!*subpath || strchr(subpath, '/'))
        return 0;
    int device = io_filedir_lookup(subpath, NULL);
    if (device)
        return device;
    /* A miss: refresh from every other device (a file may have appeared since). */
    static pthread_mutex_t refresh_lock = PTHREAD_MUTEX_INITIALIZER;
    pthread_mutex_lock(&refresh_lock);
    device = io_filedir_lookup(subpath, NULL);
    if (!device) {
        for (int d = 1; d <= dmx_device_count(); d++)
            if (d != dmx_device_index())
                fetch_listing(cls, d);
        device = io_filedir_lookup(subpath, NULL);
    }
    pthread_mutex_unlock(&refresh_lock);
    return device == dmx_device_index() ? 0 : device;
}
