/* The resource server (see io_server.h). */
#include "io_server.h"

#include "dmx.h"
#include "io_binding.h"
#include "io_devices.h"
#include "io_link.h"
#include "io_registry.h"
#include "io_snapshot.h"
#include "thread_start.h"

#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#define IO_SERVER_MAX_FILES 1024 /* a power of two: a file's id is (sequence << 10) | its index in the table */
#define APP_WIDE 0u              /* owner of the files kept for the whole app (IO_OPEN_APP_WIDE) */

/* Files opened here for peers, and for the whole app. One table for all connections: a device's threads each
 * have their own connection, and a file one thread opened is used by others (the app opens the screen in
 * main() and writes from the player thread). A device's own files are closed when its last connection ends;
 * app-wide files may be used by any device (the thread that opened one may run elsewhere now) and are closed
 * only when asked. An operation pins its file, so a close from another connection waits for it to end. */
struct served_file {
    uint64_t id;        /* 0 = free */
    uint32_t owner;     /* the device that opened it, or APP_WIDE */
    const struct io_class_ops *cls;
    void *handle;
    uint32_t users;     /* operations running on it */
    bool closing;       /* closed while pinned: the last operation closes it */
};

/* A request being reassembled from its fragments. */
struct pending {
    bool active;
    struct wire_io_req fixed;
    char class_name[WIRE_IO_CLASS_MAX + 1];
    char subpath[WIRE_IO_SUBPATH_MAX + 1];
    uint8_t *data;
    uint32_t total, received;
};

struct server_conn {
    struct wire_conn conn;
    bool host_control; /* on the Unix control socket: the orchestrator, not a peer device */
    char who[64];
    uint8_t secret[WIRE_SECRET_MAX];
    size_t secret_len;
    struct pending req;
};

static struct {
    pthread_mutex_t lock;
    bool started;
    struct served_file files[IO_SERVER_MAX_FILES];
    uint64_t next_seq;
    int conns[WIRE_MAX_DEVICES + 1]; /* joined connections per device */
    _Atomic uint64_t joined, rejected, dropped, requests, controls;
} server = { .lock = PTHREAD_MUTEX_INITIALIZER };

void io_server_get_stats(struct io_server_stats *out)
{
    out->joined = atomic_load(&server.joined);
    out->rejected = atomic_load(&server.rejected);
    out->dropped = atomic_load(&server.dropped);
    out->requests = atomic_load(&server.requests);
    out->controls = atomic_load(&server.controls);
}

/* The live entry of file ID (server.lock held), or NULL. */
static struct served_file *entry_of(uint64_t id)
{
    struct served_file *f = &server.files[id & (IO_SERVER_MAX_FILES - 1)];
    return id && f->id == id && !f->closing ? f : NULL;
}

static bool may_use(const struct served_file *f, uint32_t peer, const struct io_class_ops *cls)
{
    return f->cls == cls && (f->owner == APP_WIDE || f->owner == peer);
}

/* Pins file ID of class CLS for one operation of PEER (APP_WIDE: this device's own app threads). */
static bool pin_file(uint64_t id, uint32_t peer, const struct io_class_ops *cls, void **handle)
{
    pthread_mutex_lock(&server.lock);
    struct served_file *f = entry_of(id);
    bool ok = f && may_use(f, peer, cls);
    if (ok) {
        f->users++;
        *handle = f->handle;
    }
    pthread_mutex_unlock(&server.lock);
    return ok;
}

static void close_handle(const struct io_class_ops *cls, void *handle)
{
    struct io_request req = { .cls = cls, .op = IO_OP_CLOSE, .handle = handle };
    io_serve_local(&req);
}

/* The end of an operation on file ID: the last one closes a file that was closed meanwhile. */
static void unpin_file(uint64_t id)
{
    struct served_file *f = &server.files[id & (IO_SERVER_MAX_FILES - 1)];
    struct served_file closed = { 0 };
    pthread_mutex_lock(&server.lock);
    if (f->id == id && --f->users == 0 && f->closing) {
        closed = *f;
        *f = (struct served_file){ 0 };
    }
    pthread_mutex_unlock(&server.lock);
    if (closed.id)
        close_handle(closed.cls, closed.handle);
}

/* Closes file ID for PEER: 0 (closed now, or by its last running operation), or -EBADF. */
static int64_t close_file(uint64_t id, uint32_t peer, const struct io_class_ops *cls)
{
    pthread_mutex_lock(&server.lock);
    struct served_file *f = entry_of(id);
    if (!f || !may_use(f, peer, cls)) {
        pthread_mutex_unlock(&server.lock);
        return -EBADF;
    }
    struct served_file now = { 0 };
    if (f->users)
        f->closing = true;
    else {
        now = *f;
        *f = (struct served_file){ 0 };
    }
    pthread_mutex_unlock(&server.lock);
    if (!now.id)
        return 0;
    struct io_request req = { .cls = now.cls, .op = IO_OP_CLOSE, .handle = now.handle };
    io_serve_local(&req);
    return req.result;
}

static uint64_t add_file(uint32_t owner, const struct io_class_ops *cls, void *handle)
{
    uint64_t id = 0;
    pthread_mutex_lock(&server.lock);
    for (uint32_t i = 0; i < IO_SERVER_MAX_FILES; i++) {
        if (!server.files[i].id) {
            id = (++server.next_seq << 10) | i;
            server.files[i] = (struct served_file){ .id = id, .owner = owner, .cls = cls, .handle = handle };
            break;
        }
    }
    pthread_mutex_unlock(&server.lock);
    return id;
}

uint64_t io_server_adopt(const struct io_class_ops *cls, void *handle)
{
    return add_file(APP_WIDE, cls, handle);
}

int io_server_run_adopted(uint64_t id, struct io_request *req)
{
    if (req->op == IO_OP_CLOSE) {
        req->result = close_file(id, APP_WIDE, req->cls);
        return req->result == -EBADF ? -EBADF : 0;
    }
    void *handle;
    if (!pin_file(id, APP_WIDE, req->cls, &handle)) {
        req->result = -EBADF;
        return -EBADF;
    }
    req->handle = handle;
    io_serve_local(req);
    unpin_file(id);
    return 0;
}

/* The last connection of DEVICE ended: close what it left open (its own files, not the app's). */
static void close_files_of(uint32_t device)
{
    for (uint32_t i = 0; i < IO_SERVER_MAX_FILES; i++) {
        uint64_t id = 0;
        const struct io_class_ops *cls = NULL;
        pthread_mutex_lock(&server.lock);
        if (server.files[i].id && server.files[i].owner == device && !server.files[i].closing) {
            id = server.files[i].id;
            cls = server.files[i].cls;
        }
        pthread_mutex_unlock(&server.lock);
        if (id)
            close_file(id, device, cls);
    }
}

static uint64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static int send_reply(struct server_conn *sc, uint32_t req_id, uint8_t op, int64_t result, uint64_t new_handle,
                      uint64_t service_ns, const void *data, uint32_t len)
{
    struct wire_buf b = { 0 };
    uint32_t seq = wire_conn_next_seq(&sc->conn);
    int rc = wire_put_io_reply(&b, &seq, sc->conn.self, req_id, op, result, new_handle, service_ns, data,
                               result < 0 ? 0 : len);
    if (rc == 0)
        rc = wire_conn_send(&sc->conn, &b);
    wire_buf_free(&b);
    return rc;
}

/* An open asked for a snapshot (io_snapshot.h): its length, in *OUT (malloc'd) and as the open's *RESULT. */
static uint32_t snapshot_of(const struct io_class_ops *cls, void *handle, uint32_t cap, void **out, int64_t *result)
{
    cap = cap < IO_SNAPSHOT_CAP ? cap : (uint32_t)IO_SNAPSHOT_CAP;
    size_t len = cap && (*out = malloc(cap)) ? io_snapshot_take(cls, handle, *out, cap) : 0;
    *result = (int64_t)len;
    return (uint32_t)len;
}

/* Runs the reassembled request on this device's resource and answers it. Returns 0, or < 0 to drop. */
static int execute(struct server_conn *sc)
{
    struct pending *p = &sc->req;
    const struct wire_io_req *r = &p->fixed;
    const struct io_class_ops *cls = io_find_class(p->class_name, strlen(p->class_name));
    struct io_request req = { .cls = cls, .op = (enum io_op)r->op };
    struct stat st;
    void *out = NULL;
    uint32_t out_len = 0;
    uint64_t new_id = 0;
    void *handle = NULL;
    bool pinned = false;
    uint64_t start = now_ns();
    atomic_fetch_add(&server.requests, 1);
    if (!cls) {
        req.result = -ENOENT;
        goto reply;
    }
    if (req.op == IO_OP_CLOSE) {
        req.result = close_file(r->handle, sc->conn.peer, cls);
        if (r->flags & IO_CLOSE_NO_REPLY)
            return 0;
        goto reply;
    }
    if (req.op != IO_OP_OPEN && !(pinned = pin_file(r->handle, sc->conn.peer, cls, &handle))) {
        req.result = -EBADF;
        goto reply;
    }
    req.handle = handle;
    switch (req.op) {
    case IO_OP_OPEN:
        req.subpath = p->subpath;
        req.flags = (int)(r->flags & ~(uint32_t)(IO_OPEN_APP_WIDE | IO_OPEN_SNAPSHOT));
        req.mode = (mode_t)r->mode;
        io_serve_local(&req);
        uint32_t owner = (r->flags & IO_OPEN_APP_WIDE) ? APP_WIDE : sc->conn.peer;
        if (req.result >= 0 && !(new_id = add_file(owner, cls, req.new_handle))) {
            close_handle(cls, req.new_handle);
            req.result = -EMFILE;
        }
        if (req.result >= 0 && (r->flags & IO_OPEN_SNAPSHOT))
            out_len = snapshot_of(cls, req.new_handle, r->out_len, &out, &req.result);
        goto reply;
    case IO_OP_PREAD:
        req.offset = (off_t)r->offset;
        /* fall through */
    case IO_OP_READ:
    case IO_OP_IOCTL:
        out_len = r->out_len;
        if (out_len && !(out = malloc(out_len))) {
            req.result = -ENOMEM;
            goto reply;
        }
        req.out = out;
        req.out_len = out_len;
        req.in = p->total ? p->data : NULL;
        req.in_len = p->total;
        req.cmd = r->cmd;
        break;
    case IO_OP_WRITE:
        req.in = p->data;
        req.in_len = p->total;
        break;
    case IO_OP_LSEEK:
        req.offset = (off_t)r->offset;
        req.whence = (int)r->whence;
        break;
    case IO_OP_FSTAT:
        out = &st;
        out_len = sizeof st;
        req.out = &st;
        req.out_len = sizeof st;
        break;
    case IO_OP_CLOSE:
        break;
    }
    io_serve_local(&req);
reply:
    if (pinned)
        unpin_file(r->handle);
    uint32_t back = 0;
    if (req.result >= 0) {
        if (req.op == IO_OP_READ || req.op == IO_OP_PREAD)
            back = (uint64_t)req.result < out_len ? (uint32_t)req.result : out_len;
        else if (req.op == IO_OP_IOCTL || req.op == IO_OP_FSTAT || req.op == IO_OP_OPEN)
            back = out_len;
    }
    int rc = send_reply(sc, r->req_id, r->op, req.result, new_id, now_ns() - start, out, back);
    if (out != &st)
        free(out);
    return rc;
}

/* One IO_REQUEST fragment. Returns 0, or < 0 when the peer broke the fragment sequence. */
static int on_request(struct server_conn *sc, const struct wire_msg *m)
{
    struct pending *p = &sc->req;
    if (m->u.io_req.in_offset == 0) {
        if (p->active)
            return -1;
        free(p->data);
        memset(p, 0, sizeof *p);
        p->fixed = (struct wire_io_req){ .req_id = m->u.io_req.req_id, .op = m->u.io_req.op,
                                         .handle = m->u.io_req.handle, .cmd = m->u.io_req.cmd,
                                         .offset = m->u.io_req.offset, .flags = m->u.io_req.flags,
                                         .mode = m->u.io_req.mode, .whence = m->u.io_req.whence,
                                         .out_len = m->u.io_req.out_len };
        memcpy(p->class_name, m->u.io_req.class_name, m->u.io_req.class_len);
        memcpy(p->subpath, m->u.io_req.subpath, m->u.io_req.subpath_len);
        p->total = m->u.io_req.in_total;
        if (p->total && !(p->data = malloc(p->total)))
            return -1;
        p->active = true;
    } else if (!p->active || m->u.io_req.req_id != p->fixed.req_id || m->u.io_req.in_total != p->total ||
               m->u.io_req.in_offset != p->received) {
        return -1;
    }
    if (m->u.io_req.in_offset != p->received)
        return -1;
    if (m->u.io_req.data_len)
        memcpy(p->data + p->received, m->u.io_req.data, m->u.io_req.data_len);
    p->received += m->u.io_req.data_len;
    if (m->h.flags & WIRE_F_MORE)
        return 0;
    p->active = false;
    int rc = execute(sc);
    free(p->data);
    p->data = NULL;
    return rc;
}

static int on_control(struct server_conn *sc, const struct wire_msg *m)
{
    char name[WIRE_IO_CLASS_MAX + 1] = { 0 };
    memcpy(name, m->u.io_control.class_name, m->u.io_control.class_len);
    int device = m->u.io_control.device ? (int)m->u.io_control.device : dmx_device_index();
    int64_t result = io_binding_on_control(name, device, sc->host_control);
    atomic_fetch_add(&server.controls, 1);
    wire_log("io: %s asks to bind %s to device %d: %s", sc->who, name, device, result ? strerror((int)-result) : "done");
    return send_reply(sc, m->u.io_control.req_id, WIRE_IO_OP_CONTROL, result, 0, 0, NULL, 0);
}

static void *conn_main(void *arg)
{
    struct server_conn *sc = arg;
    uint32_t dev = io_link_join_server(&sc->conn, sc->secret, sc->secret_len, sc->who);
    if (!dev) {
        atomic_fetch_add(&server.rejected, 1);
    } else {
        atomic_fetch_add(&server.joined, 1);
        pthread_mutex_lock(&server.lock);
        server.conns[dev]++;
        pthread_mutex_unlock(&server.lock);
        struct wire_msg m;
        int rc;
        while ((rc = wire_conn_recv(&sc->conn, &m)) == WIRE_OK) {
            int bad = m.h.type == WIRE_IO_REQUEST ? on_request(sc, &m) : on_control(sc, &m);
            if (bad) {
                rc = WIRE_E_FIELD;
                break;
            }
        }
        if (rc != WIRE_E_IO) {
            atomic_fetch_add(&server.dropped, 1);
            wire_log("io: dropping %s (device %u): %s", sc->who, dev, wire_status_name(rc));
        }
    }
    if (dev) {
        pthread_mutex_lock(&server.lock);
        bool last = --server.conns[dev] == 0;
        pthread_mutex_unlock(&server.lock);
        if (last)
            close_files_of(dev);
    }
    free(sc->req.data);
    wire_conn_destroy(&sc->conn);
    free(sc);
    return NULL;
}

struct listener {
    int fd;
    const char *kind;
};

static void *accept_main(void *arg)
{
    struct listener *l = arg;
    uint8_t secret[WIRE_SECRET_MAX];
    int secret_len = io_link_secret(secret);
    for (;;) {
        struct sockaddr_storage sa;
        socklen_t len = sizeof sa;
        int fd = accept4(l->fd, (struct sockaddr *)&sa, &len, SOCK_CLOEXEC);
        if (fd < 0) {
            if (errno == EINTR || errno == ECONNABORTED || errno == EMFILE || errno == ENFILE)
                continue;
            wire_log("io: accept on the %s listener failed: %s", l->kind, strerror(errno));
            return NULL;
        }
        struct server_conn *sc = calloc(1, sizeof *sc);
        if (!sc) {
            close(fd);
            continue;
        }
        if (sa.ss_family == AF_INET) {
            int one = 1;
            setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
            char ip[INET_ADDRSTRLEN] = "?";
            struct sockaddr_in *in = (struct sockaddr_in *)&sa;
            inet_ntop(AF_INET, &in->sin_addr, ip, sizeof ip);
            snprintf(sc->who, sizeof sc->who, "peer %s:%u", ip, ntohs(in->sin_port));
        } else {
            snprintf(sc->who, sizeof sc->who, "control client");
            sc->host_control = true;
        }
        wire_conn_init(&sc->conn, fd, (uint32_t)dmx_device_index(), WIRE_SERVER_AWAIT_HELLO);
        memcpy(sc->secret, secret, sizeof secret);
        sc->secret_len = secret_len > 0 ? (size_t)secret_len : 0;
        if (secret_len <= 0 || dmx_thread_start_detached(conn_main, sc) != 0) {
            if (secret_len <= 0)
                wire_log("io: no DMX_SECRET: refusing %s", sc->who);
            wire_conn_destroy(&sc->conn);
            free(sc);
        }
    }
}

static int start_listener(int fd, const char *kind)
{
    struct listener *l = malloc(sizeof *l);
    if (!l)
        return -1;
    l->fd = fd;
    l->kind = kind;
    if (listen(fd, 16) != 0 || dmx_thread_start_detached(accept_main, l) != 0) {
        wire_log("io: cannot listen (%s): %s", kind, strerror(errno));
        free(l);
        close(fd);
        return -1;
    }
    return 0;
}

static int listen_tcp(void)
{
    char ip[64];
    int port = io_server_port();
    struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port) };
    if (io_device_ip(dmx_device_index(), ip, sizeof ip) != 0 || inet_pton(AF_INET, ip, &sa.sin_addr) != 1) {
        wire_log("io: no address for device %d in DMX_DEVICES: no resource server", dmx_device_index());
        return -1;
    }
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    int one = 1;
    if (fd < 0)
        return -1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (bind(fd, (struct sockaddr *)&sa, sizeof sa) != 0) {
        wire_log("io: cannot bind %s:%d: %s", ip, port, strerror(errno));
        close(fd);
        return -1;
    }
    return start_listener(fd, "tcp");
}

static int listen_control(void)
{
    struct sockaddr_un sa = { .sun_family = AF_UNIX };
    const char *env = getenv("DMX_IO_CONTROL_SOCK");
    const char *run_dir = getenv("DMX_RUN_DIR");
    int n;
    if (env && *env)
        n = snprintf(sa.sun_path, sizeof sa.sun_path, "%s", env);
    else if (run_dir && *run_dir)
        n = snprintf(sa.sun_path, sizeof sa.sun_path, "%s/devices/%s/io-control.sock", run_dir, dmx_device_name());
    else
        return 0;
    if (n < 0 || (size_t)n >= sizeof sa.sun_path) {
        wire_log("io: control socket path too long (set DMX_IO_CONTROL_SOCK): no control socket");
        return -1;
    }
    char dir[sizeof sa.sun_path];
    snprintf(dir, sizeof dir, "%s", sa.sun_path);
    char *slash = strrchr(dir, '/');
    if (slash && slash != dir) {
        *slash = '\0';
        io_mkdirs(dir);
    }
    unlink(sa.sun_path);
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return -1;
    if (bind(fd, (struct sockaddr *)&sa, sizeof sa) != 0) {
        wire_log("io: cannot bind the control socket %s: %s", sa.sun_path, strerror(errno));
        close(fd);
        return -1;
    }
    return start_listener(fd, "control");
}

int io_server_start(void)
{
    const char *force = getenv("DMX_IO_SERVER");
    if (force && strcmp(force, "0") == 0)
        return 0;
    if (dmx_device_count() <= 1 && !(force && strcmp(force, "1") == 0))
        return 0;
    pthread_mutex_lock(&server.lock);
    int rc = 1;
    if (!server.started) {
        uint8_t secret[WIRE_SECRET_MAX];
        if (io_link_secret(secret) <= 0) {
            wire_log("io: DMX_SECRET is missing or malformed: no resource server");
            rc = -1;
        } else {
            int tcp = listen_tcp();
            int ctl = listen_control();
            rc = tcp == 0 || ctl == 0 ? 1 : -1;
            server.started = rc == 1;
        }
    }
    pthread_mutex_unlock(&server.lock);
    return rc;
}
