/* Small read-only files with their open (see io_snapshot.h). */
#include "io_snapshot.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>

bool io_snapshot_applies(const struct io_class_ops *cls, int flags)
{
    return cls && cls->pread && cls->fstat && (flags & O_ACCMODE) == O_RDONLY;
}

/* The whole regular file of SIZE bytes into DATA; false when it changed size under us or a read failed. */
static bool read_whole(const struct io_class_ops *cls, void *handle, unsigned char *data, size_t size)
{
    size_t got = 0;
    while (got < size) {
        ssize_t n = cls->pread(handle, data + got, size - got, (off_t)got);
        if (n <= 0)
            return false;
        got += (size_t)n;
    }
    unsigned char probe;
    return cls->pread(handle, &probe, 1, (off_t)size) == 0; /* grew meanwhile: not the whole file */
}

size_t io_snapshot_take(const struct io_class_ops *cls, void *handle, void *out, size_t cap)
{
    struct io_snapshot_head head = { 0 };
    if (!cls->fstat || !cls->pread || cap < sizeof head || cls->fstat(handle, &head.st) < 0)
        return 0;
    size_t size = head.st.st_size > 0 ? (size_t)head.st.st_size : 0;
    head.whole = S_ISREG(head.st.st_mode) && head.st.st_size >= 0 && size <= cap - sizeof head &&
                 read_whole(cls, handle, (unsigned char *)out + sizeof head, size);
    memcpy(out, &head, sizeof head);
    return head.whole ? sizeof head + size : sizeof head;
}

struct io_snapshot *io_snapshot_from_reply(const void *reply, size_t len)
{
    struct io_snapshot_head head;
    if (!reply || len < sizeof head || len > IO_SNAPSHOT_CAP)
        return NULL;
    memcpy(&head, reply, sizeof head);
    size_t data_len = len - sizeof head;
    if (head.whole ? data_len != (uint64_t)head.st.st_size : data_len != 0)
        return NULL; /* not what io_snapshot_take writes: the fd works without */
    struct io_snapshot *s = malloc(sizeof *s + data_len);
    if (!s)
        return NULL;
    s->st = head.st;
    s->has_data = head.whole == 1;
    s->len = data_len;
    memcpy(s->data, (const unsigned char *)reply + sizeof head, data_len);
    return s;
}

struct io_snapshot *io_snapshot_open(int device, struct io_request *req)
{
    void *reply = malloc(IO_SNAPSHOT_CAP);
    if (reply) {
        req->flags |= IO_OPEN_SNAPSHOT;
        req->out = reply;
        req->out_len = IO_SNAPSHOT_CAP;
    }
    io_dispatch(device, req);
    struct io_snapshot *s = reply && req->result > 0 ? io_snapshot_from_reply(reply, (size_t)req->result) : NULL;
    free(reply);
    req->out = NULL;
    req->out_len = 0;
    if (req->result > 0)
        req->result = 0;        /* the snapshot's length, not the open's */
    return s;
}

bool io_snapshot_serve(const struct io_snapshot *s, struct io_request *req)
{
    if (req->op == IO_OP_FSTAT && req->out_len >= sizeof s->st) {
        memcpy(req->out, &s->st, sizeof s->st);
        req->result = 0;
        return true;
    }
    if (req->op != IO_OP_PREAD || !s->has_data)
        return false;
    if (req->offset < 0) {
        req->result = -EINVAL;
        return true;
    }
    size_t from = (uint64_t)req->offset < s->len ? (size_t)req->offset : s->len;
    size_t n = s->len - from < req->out_len ? s->len - from : req->out_len;
    memcpy(req->out, s->data + from, n);
    req->result = (int64_t)n;
    return true;
}
