/* io_snapshot.h: a small read-only file travels whole with its open.
 *
 * Forwarding a small file costs round trips, not bytes: an app's open, fstat, read and close of a 10 KB photo
 * held by another device were four or five round trips (DynaMix Table 1: such files are forwarded). When a
 * device opens a file of a class with pread for reading only, on another device, its open asks for a snapshot:
 * the owner answers with the file's stat and, when it is a regular file of at most IO_SNAPSHOT_MAX_DATA bytes,
 * its whole content. The opening device then answers fstat and pread of that fd itself, and its close goes one
 * way (IO_CLOSE_NO_REPLY): the whole file costs one round trip.
 *
 * Consistency is close-to-open, as NFS's: the snapshot is the file as it was at the open, so a write to the
 * file through another fd after it is not seen by pread of this one on this device. read() and lseek() still
 * go to the owner, since the file's offset is the whole app's (a thread may move to another device between an
 * lseek and its read); other devices' threads using the fd go to the owner too. */
#ifndef DMX_IO_SNAPSHOT_H
#define DMX_IO_SNAPSHOT_H

#include "io_resource.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>

/* OPEN flag of the I/O engine (never an app's): answer with a snapshot (result = its length, 0 for none). */
#define IO_OPEN_SNAPSHOT 0x20000000
/* CLOSE flag: the caller does not wait, and the server sends no reply. */
#define IO_CLOSE_NO_REPLY 0x1
#define IO_SNAPSHOT_MAX_DATA (64u << 10)
/* A reply: this head, then the data when whole. */
struct io_snapshot_head {
    struct stat st;
    uint64_t whole; /* 1: the data that follows is the whole file */
};
/* What an open asks for at most. */
#define IO_SNAPSHOT_CAP (sizeof(struct io_snapshot_head) + IO_SNAPSHOT_MAX_DATA)

struct io_snapshot {
    struct stat st;
    bool has_data; /* the whole file is in data[] (else only fstat is answered here) */
    size_t len;
    unsigned char data[];
};

/* Does an open of CLS with FLAGS get a snapshot (and its close go one way)? */
bool io_snapshot_applies(const struct io_class_ops *cls, int flags);

/* Owner's side: writes the snapshot of the open file HANDLE into OUT (CAP bytes): its length, or 0 (none). */
size_t io_snapshot_take(const struct io_class_ops *cls, void *handle, void *out, size_t cap);

/* Opener's side: the snapshot in a reply of LEN bytes, or NULL (none, or no memory: the fd then works
 * without). */
struct io_snapshot *io_snapshot_from_reply(const void *reply, size_t len);

/* Opener's side: runs OPEN request REQ on DEVICE asking for a snapshot (req->result as io_dispatch leaves it,
 * 0 on success); the snapshot, or NULL. */
struct io_snapshot *io_snapshot_open(int device, struct io_request *req);

/* Answers REQ from S when it can (FSTAT; PREAD when S has the data): true with req->result set. */
bool io_snapshot_serve(const struct io_snapshot *s, struct io_request *req);

#endif
