/* The forwarder (see io_forward.h). */
#include "io_forward.h"
#include "io_placement.h"

#include "dmx.h"
#include "io_devices.h"
#include "io_filedir.h"
#include "io_link.h"
#include "io_registry.h"
#include "io_snapshot.h"
#include "link_estimate.h"
#include "sync_thread.h"

#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

struct fwd_conn {
    struct wire_conn conn;
    uint32_t next_req;
};

struct thread_stats {
    struct thread_stats *next;
    long tid;
    _Atomic uint64_t forwarded, bytes_sent, bytes_received, stall_ns;
};

struct thread_state {
    struct fwd_conn *conns[WIRE_MAX_DEVICES + 1];
    struct thread_stats *stats;
};

static pthread_key_t state_key;
static pthread_once_t key_once = PTHREAD_ONCE_INIT;
static _Atomic(struct thread_stats *) all_stats;

static uint64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static void drop_conn(struct fwd_conn *fc)
{
    wire_conn_destroy(&fc->conn);
    free(fc);
}

static void thread_gone(void *arg)
{
    struct thread_state *ts = arg;
    for (int i = 0; i <= WIRE_MAX_DEVICES; i++)
        if (ts->conns[i])
            drop_conn(ts->conns[i]);
    free(ts); /* the stats stay on the list for the exit report */
}

static void make_key(void)
{
    pthread_key_create(&state_key, thread_gone);
}

static struct thread_state *thread_state(void)
{
    pthread_once(&key_once, make_key);
    struct thread_state *ts = pthread_getspecific(state_key);
    if (ts)
        return ts;
    ts = calloc(1, sizeof *ts);
    struct thread_stats *st = calloc(1, sizeof *st);
    if (!ts || !st) {
        free(ts);
        free(st);
        return NULL;
    }
    st->tid = (long)syscall(SYS_gettid);
    st->next = atomic_load(&all_stats);
    while (!atomic_compare_exchange_weak(&all_stats, &st->next, st))
        ;
    ts->stats = st;
    pthread_setspecific(state_key, ts);
    return ts;
}

static struct fwd_conn *open_conn(int device)
{
    struct fwd_conn *fc = calloc(1, sizeof *fc);
    if (!fc)
        return NULL;
    if (io_link_connect(&fc->conn, device, io_link_connect_limit_ms()) != 0) {
        free(fc);
        return NULL;
    }
    return fc;
}

/* Sends REQ and reads its reply into REQ; returns 0, or a negative wire status (the link is then unusable). */
static int round_trip(struct fwd_conn *fc, struct io_request *req, uint64_t *service_ns)
{
    const void *in = NULL;
    uint32_t in_len = 0;
    if (req->op == IO_OP_WRITE || req->op == IO_OP_IOCTL) {
        in = req->in;
        in_len = req->in_len > WIRE_IO_MAX_DATA ? WIRE_IO_MAX_DATA : (uint32_t)req->in_len;
    }
    uint32_t out_len = req->out_len > WIRE_IO_MAX_DATA ? WIRE_IO_MAX_DATA : (uint32_t)req->out_len;
    if (req->op == IO_OP_WRITE || req->op == IO_OP_LSEEK || req->op == IO_OP_CLOSE ||
        (req->op == IO_OP_OPEN && !(req->flags & IO_OPEN_SNAPSHOT)))
        out_len = 0;
    struct wire_io_req w = {
        .req_id = ++fc->next_req, .op = (uint8_t)req->op, .class_name = req->cls->name,
        .subpath = req->op == IO_OP_OPEN ? req->subpath : NULL, .handle = (uint64_t)(uintptr_t)req->handle,
        .cmd = req->cmd, .offset = req->offset, .flags = (uint32_t)req->flags, .mode = (uint32_t)req->mode,
        .whence = (uint32_t)req->whence, .out_len = out_len,
    };
    struct wire_buf b = { 0 };
    uint32_t seq = wire_conn_next_seq(&fc->conn);
    if (wire_put_io_request(&b, &seq, fc->conn.self, &w, in, in_len) != 0) {
        wire_buf_free(&b);
        return WIRE_E_FIELD;
    }
    int rc = wire_conn_send(&fc->conn, &b);
    wire_buf_free(&b);
    if (rc != 0)
        return rc;
    if (req->op == IO_OP_CLOSE && (req->flags & IO_CLOSE_NO_REPLY)) {
        req->result = 0;
        *service_ns = 0;
        return 0;
    }
    struct wire_msg m;
    uint32_t got = 0;
    for (;;) {
        if ((rc = wire_conn_recv(&fc->conn, &m)) != WIRE_OK)
            return rc;
        if (m.u.io_reply.req_id != w.req_id || m.u.io_reply.op != w.op || m.u.io_reply.out_offset != got ||
            m.u.io_reply.out_total > out_len)
            return WIRE_E_FIELD;
        if (m.u.io_reply.data_len)
            memcpy((uint8_t *)req->out + got, m.u.io_reply.data, m.u.io_reply.data_len);
        got += m.u.io_reply.data_len;
        if (!(m.h.flags & WIRE_F_MORE))
            break;
    }
    req->result = m.u.io_reply.result;
    req->new_handle = (void *)(uintptr_t)m.u.io_reply.new_handle;
    *service_ns = m.u.io_reply.service_ns;
    return 0;
}

int io_forward(int device, struct io_request *req)
{
    if (device < 1 || device > WIRE_MAX_DEVICES || !req->cls)
        return -EINVAL;
    struct thread_state *ts = thread_state();
    if (!ts)
        return -ENOMEM;
    uint64_t start = now_ns();
    struct fwd_conn *fc = ts->conns[device];
    if (!fc && !(fc = ts->conns[device] = open_conn(device)))
        return -EHOSTUNREACH;
    unsigned long long sent0 = fc->conn.bytes_sent, recv0 = fc->conn.bytes_received;
    uint64_t service = 0;
    int rc = round_trip(fc, req, &service);
    uint64_t sent = fc->conn.bytes_sent - sent0, received = fc->conn.bytes_received - recv0;
    if (rc != 0) {
        wire_log("io: forwarding %s to device %d failed: %s", req->cls->name, device, wire_status_name(rc));
        ts->conns[device] = NULL;
        drop_conn(fc);
    }
    uint64_t elapsed = now_ns() - start;
    uint64_t stall = elapsed > service ? elapsed - service : 0;
    io_count_forward(req->cls, sent, received, stall);
    dmx_thread_note_io(io_placement_per_read(req->cls) ? 0 : (uint32_t)device, sent + received, stall);
    if (rc == 0)
        link_estimate_note((uint32_t)device, sent + received, stall);
    atomic_fetch_add_explicit(&ts->stats->forwarded, 1, memory_order_relaxed);
    atomic_fetch_add_explicit(&ts->stats->bytes_sent, sent, memory_order_relaxed);
    atomic_fetch_add_explicit(&ts->stats->bytes_received, received, memory_order_relaxed);
    atomic_fetch_add_explicit(&ts->stats->stall_ns, stall, memory_order_relaxed);
    return rc == 0 ? 0 : -EIO;
}

int dmx_io_get_thread_forward_counters(struct dmx_io_forward_counters *out)
{
    struct thread_state *ts = thread_state();
    memset(out, 0, sizeof *out);
    if (ts) {
        out->forwarded = atomic_load(&ts->stats->forwarded);
        out->bytes_sent = atomic_load(&ts->stats->bytes_sent);
        out->bytes_received = atomic_load(&ts->stats->bytes_received);
        out->stall_ns = atomic_load(&ts->stats->stall_ns);
    }
    return 0;
}

void io_forward_write_report(void)
{
    if (io_reports_are_off())
        return;
    const char *run_dir = getenv("DMX_RUN_DIR");
    struct thread_stats *st = atomic_load(&all_stats);
    if (!run_dir || !*run_dir || !st)
        return;
    char path[PATH_MAX];
    snprintf(path, sizeof path, "%s/devices/%s", run_dir, dmx_device_name());
    io_mkdirs(path);
    snprintf(path, sizeof path, "%s/devices/%s/io-forward-threads.%d.csv", run_dir, dmx_device_name(), (int)getpid());
    FILE *f = fopen(path, "w");
    if (!f)
        return;
    fprintf(f, "tid,forwarded,bytes_sent,bytes_received,stall_ns\n");
    for (; st; st = st->next)
        fprintf(f, "%ld,%llu,%llu,%llu,%llu\n", st->tid, (unsigned long long)atomic_load(&st->forwarded),
                (unsigned long long)atomic_load(&st->bytes_sent), (unsigned long long)atomic_load(&st->bytes_received),
                (unsigned long long)atomic_load(&st->stall_ns));
    fclose(f);
}

void io_forward_install(void)
{
    static atomic_bool installed;
    if (atomic_exchange(&installed, true))
        return;
    io_set_forwarder(io_forward);
    io_set_locator(io_filedir_locate);
    atexit(io_forward_write_report);
}
