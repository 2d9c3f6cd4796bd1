/* The master daemon: join handshake and directory requests (see master_server.h). */
#include "master_server.h"

#include "thread_start.h"

#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#define HANDSHAKE_TIMEOUT_S 10

#define SEND_TIMEOUT_S 10

/* A device that beats every DMX_HEARTBEAT_MS (peer_client.c, 200 ms) and is silent for this long is gone. */
#define DEFAULT_HEARTBEAT_TIMEOUT_MS 1500

/* Emulated time on a device (qemu dilates CLOCK_MONOTONIC), host time in native tests. */
static uint64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* Sends happen under srv->lock, so they only queue (master_outbox.h): a device that stops reading is dropped
 * by its outbox, and its connection thread then reclaims its locks. */
static int send_buf(struct master_conn *mc, struct wire_buf *b)
{
    return outbox_put(&mc->outbox, b);
}

/* Join: HELLO -> CHALLENGE -> AUTH -> WELCOME. Returns the device index, or 0 after rejecting. */
static uint32_t handshake(struct master_conn *mc)
{
    struct master_server *srv = mc->srv;
    struct wire_conn *c = &mc->conn;
    struct wire_msg m;
    struct wire_buf b = { 0 };
    uint8_t nonce_c[WIRE_NONCE_SIZE], nonce_s[WIRE_NONCE_SIZE], mac[WIRE_MAC_SIZE];
    uint32_t dev = 0;
    int rc;

    wire_conn_set_timeout(c, HANDSHAKE_TIMEOUT_S);
    if ((rc = wire_conn_recv(c, &m)) != WIRE_OK) {
        wire_log("master: dropping a connection before hello: %s", wire_status_name(rc));
        goto out;
    }
    dev = m.u.hello.device;
    memcpy(nonce_c, m.u.hello.nonce, WIRE_NONCE_SIZE);
    if (wire_nonce(nonce_s) != 0 || wire_put_challenge(&b, wire_conn_next_seq(c), srv->self, nonce_s) != 0 ||
        send_buf(mc, &b) != 0) {
        dev = 0;
        goto out;
    }
    c->state = WIRE_SERVER_AWAIT_AUTH;
    c->peer = dev;
    if ((rc = wire_conn_recv(c, &m)) != WIRE_OK) {
        wire_log("master: dropping device %u during join: %s", dev, wire_status_name(rc));
        dev = 0;
        goto out;
    }
    wire_join_mac(srv->secret, srv->secret_len, 'C', nonce_c, nonce_s, dev, mac);
    if (!wire_mac_equal(mac, m.u.auth.mac, WIRE_MAC_SIZE)) {
        wire_log("master: device %u failed authentication: rejected", dev);
        wire_put_reject(&b, wire_conn_next_seq(c), srv->self, WIRE_REJECT_AUTH);
        send_buf(mc, &b);
        dev = 0;
        goto out;
    }
    pthread_mutex_lock(&srv->lock);
    bool taken = srv->devices[dev] != NULL;
    if (!taken)
        srv->devices[dev] = mc;
    pthread_mutex_unlock(&srv->lock);
    if (taken) {
        wire_log("master: device %u is already joined: rejected", dev);
        wire_put_reject(&b, wire_conn_next_seq(c), srv->self, WIRE_REJECT_BUSY);
        send_buf(mc, &b);
        dev = 0;
        goto out;
    }
    wire_join_mac(srv->secret, srv->secret_len, 'S', nonce_c, nonce_s, dev, mac);
    c->state = WIRE_SERVER_READY;
    pthread_mutex_lock(&srv->lock);     /* no directory message may overtake the welcome */
    rc = wire_put_welcome(&b, wire_conn_next_seq(c), srv->self, mac, srv->region_base, srv->region_size) == 0
             ? send_buf(mc, &b) : -1;
    if (rc != 0)
        srv->devices[dev] = NULL;
    pthread_mutex_unlock(&srv->lock);
    if (rc != 0)
        dev = 0;
    else {
        wire_conn_set_timeout(c, 0);
        pthread_mutex_lock(&srv->lock);
        mc->last_heard_ns = now_ns();
        pthread_mutex_unlock(&srv->lock);
    }
out:
    wire_buf_free(&b);
    return dev;
}

/* With srv->lock held: send the grant and/or revoke a directory decision asks for. */
static void act(struct master_server *srv, uint64_t lock, const struct lockdir_action *a)
{
    struct wire_buf b = { 0 };
    if (a->grant_to) {
        struct master_conn *to = srv->devices[a->grant_to];
        uint32_t n = pagedir_notices(&srv->pages, a->grant_to, srv->notice_buf, srv->pages.npages);
        if (!to || wire_put_grant(&b, wire_conn_next_seq(&to->conn), srv->self, lock,
                                  a->speculative ? WIRE_F_SPECULATIVE : 0, srv->notice_buf, n) != 0 ||
            send_buf(to, &b) != 0)
            wire_log("master: could not grant lock %#llx to device %u", (unsigned long long)lock, a->grant_to);
    }
    if (a->revoke_from) {
        struct master_conn *from = srv->devices[a->revoke_from];
        if (!from || wire_put_lock(&b, WIRE_LOCK_REVOKE, wire_conn_next_seq(&from->conn), srv->self, lock) != 0 ||
            send_buf(from, &b) != 0)
            wire_log("master: could not revoke lock %#llx from device %u", (unsigned long long)lock, a->revoke_from);
    }
    wire_buf_free(&b);
}

static void act_cb(void *ctx, uint64_t lock, const struct lockdir_action *a)
{
    act(ctx, lock, a);
}

/* With srv->lock held: cond id was signalled; tell each device that has a waiter on it. */
static void wake_cond_waiters(struct master_server *srv, uint64_t id)
{
    struct wire_buf b = { 0 };
    for (uint32_t waiting = conddir_signal(&srv->conds, id); waiting; waiting &= waiting - 1) {
        uint32_t dev = (uint32_t)__builtin_ctz(waiting) + 1;
        struct master_conn *to = srv->devices[dev];
        b.len = 0;
        if (to && (wire_put_lock(&b, WIRE_COND_SIGNAL, wire_conn_next_seq(&to->conn), srv->self, id) != 0 ||
                   send_buf(to, &b) != 0))
            wire_log("master: could not wake the waiters of cond %#llx on device %u", (unsigned long long)id, dev);
    }
    wire_buf_free(&b);
}

/* With srv->lock held: ask each device in mask to push what it holds of page (lazy diffs). */
static void ask_holders(struct master_server *srv, uint32_t page, uint32_t mask)
{
    struct wire_buf b = { 0 };
    for (uint32_t dev = 1; dev <= WIRE_MAX_DEVICES; dev++) {
        struct master_conn *h = srv->devices[dev];
        if (!(mask & 1u << (dev - 1)) || !h)
            continue;
        if (wire_put_flush_request(&b, wire_conn_next_seq(&h->conn), srv->self, page) != 0 || send_buf(h, &b) != 0)
            wire_log("master: could not ask device %u for page %u", dev, page);
    }
    wire_buf_free(&b);
}

/* With srv->lock held: answer the devices whose request for page waited for its holders, if they can be now. */
static void answer_waiters(struct master_server *srv, uint32_t page)
{
    struct wire_buf b = { 0 };
    for (uint32_t ready = pagedir_ready_waiters(&srv->pages, page); ready; ready &= ready - 1) {
        uint32_t dev = (uint32_t)__builtin_ctz(ready) + 1;
        struct master_conn *to = srv->devices[dev];
        if (to && pagedir_reply(&srv->pages, dev, page, 0, wire_conn_next_seq(&to->conn), srv->self, &b) == 0)
            send_buf(to, &b);
        b.len = 0;
    }
    wire_buf_free(&b);
}

/* With srv->lock held: a page request (page, then up to count - 1 prefetched pages). Pages held by another
 * device wait for its flush; the others are answered now. */
static int serve_page_request(struct master_conn *mc, uint32_t first, uint32_t count)
{
    struct master_server *srv = mc->srv;
    uint32_t dev = mc->conn.peer;
    if (first >= srv->pages.npages)
        return -1;
    struct wire_buf b = { 0 };
    int rc = 0;
    for (uint32_t i = 0; i < count && first + i < srv->pages.npages && rc == 0; i++) {
        uint32_t page = first + i;
        if (i > 0 && !pagedir_prefetchable(&srv->pages, dev, page))
            continue;
        if (pagedir_blockers(&srv->pages, dev, page)) {
            ask_holders(srv, page, pagedir_wait(&srv->pages, dev, page));
            continue;
        }
        rc = pagedir_reply(&srv->pages, dev, page, i ? WIRE_F_PREFETCH : 0, wire_conn_next_seq(&mc->conn),
                           srv->self, &b);
    }
    if (rc == 0 && b.len)
        rc = send_buf(mc, &b);
    wire_buf_free(&b);
    return rc;
}

#define CUT_KEEP_BYTES (1u << 20)

/* A diff of an open checkpoint cut, kept until its COMMIT. A cut diffs each page once, its stacks' pages in
 * place and the rest as they go home: more diffs than twice the region's pages is no cut. */
static int keep_cut_diff(struct master_conn *mc, uint32_t page, const uint8_t *diff, uint32_t len)
{
    if (mc->cut_diffs >= 2u * mc->srv->pages.npages)
        return -1;
    uint8_t *p = wire_buf_grow(&mc->cut, 8 + (size_t)len);
    if (!p)
        return -1;
    memcpy(p, &page, 4);
    memcpy(p + 4, &len, 4);
    memcpy(p + 8, diff, len);
    mc->cut_diffs++;
    return 0;
}

static int apply_diff(struct master_server *srv, uint32_t dev, uint32_t page, const uint8_t *diff, uint32_t len)
{
    if (pagedir_apply_diff(&srv->pages, dev, page, diff, len) < 0)
        return -1;
    answer_waiters(srv, page);
    return 0;
}

/* BEGIN opens a cut, COMMIT applies its diffs in the order they came. */
static int serve_checkpoint(struct master_conn *mc, uint32_t phase)
{
    if ((phase == WIRE_CKPT_BEGIN) == mc->in_cut)
        return -1;              /* a BEGIN inside a cut, or a COMMIT outside one */
    mc->in_cut = phase == WIRE_CKPT_BEGIN;
    for (size_t at = 0; phase == WIRE_CKPT_COMMIT && at < mc->cut.len;) {
        uint32_t page, len;
        memcpy(&page, mc->cut.data + at, 4);
        memcpy(&len, mc->cut.data + at + 4, 4);
        if (apply_diff(mc->srv, mc->conn.peer, page, mc->cut.data + at + 8, len) != 0)
            return -1;
        at += 8 + (size_t)len;
    }
    mc->cut.len = 0;
    mc->cut_diffs = 0;
    if (mc->cut.cap > CUT_KEEP_BYTES)
        wire_buf_free(&mc->cut);    /* a large cut's room is not kept for the next */
    return 0;
}

/* With srv->lock held. Returns 0, or -1 when the device broke the protocol. */
static int serve(struct master_conn *mc, const struct wire_msg *m)
{
    struct master_server *srv = mc->srv;
    uint32_t dev = mc->conn.peer;
    struct lockdir_action a;
    switch (m->h.type) {
    case WIRE_LOCK_ACQUIRE:
        if (lockdir_acquire(&srv->locks, m->u.lock.lock, dev, &a) != 0)
            return -1;
        act(srv, m->u.lock.lock, &a);
        return 0;
    case WIRE_LOCK_RELEASE:
        if (lockdir_release(&srv->locks, m->u.lock.lock, dev, &a) != 0)
            return -1;
        act(srv, m->u.lock.lock, &a);
        return 0;
    case WIRE_COND_WAIT:
        return conddir_wait(&srv->conds, m->u.lock.lock, dev);
    case WIRE_COND_SIGNAL:
        wake_cond_waiters(srv, m->u.lock.lock);
        return 0;
    case WIRE_DIFF_PUSH:
        if (m->u.diff.page >= srv->pages.npages)
            return -1;
        if (mc->in_cut)
            return keep_cut_diff(mc, m->u.diff.page, m->u.diff.diff, m->u.diff.len);
        return apply_diff(srv, dev, m->u.diff.page, m->u.diff.diff, m->u.diff.len);
    case WIRE_CHECKPOINT:
        return serve_checkpoint(mc, m->u.checkpoint.phase);
    case WIRE_DIFF_HELD:
        for (uint32_t i = 0; i < m->u.held.count; i++)
            if (pagedir_hold(&srv->pages, dev, wire_held_page(m, i)) < 0)
                return -1;
        return 0;
    case WIRE_PAGE_REQUEST:
        return serve_page_request(mc, m->u.page_request.page, m->u.page_request.count);
    case WIRE_HEARTBEAT: {
        struct wire_buf b = { 0 };
        mc->beats = true;
        /* Not answering is no protocol error: a full outbox drops the device by itself. */
        if (wire_put_heartbeat(&b, WIRE_HEARTBEAT_ACK, wire_conn_next_seq(&mc->conn), srv->self,
                               m->u.heartbeat.beat, m->u.heartbeat.sent_ns) == 0)
            send_buf(mc, &b);
        wire_buf_free(&b);
        return 0;
    }
    default:
        return -1;              /* wire_type_allowed already refused it */
    }
}

static void *conn_main(void *arg)
{
    struct master_conn *mc = arg;
    struct master_server *srv = mc->srv;
    struct timeval tv = { .tv_sec = SEND_TIMEOUT_S, .tv_usec = 0 };
    setsockopt(mc->conn.fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
    uint32_t dev = handshake(mc);
    if (dev) {
        struct wire_msg m;
        int rc;
        while ((rc = wire_conn_recv(&mc->conn, &m)) == WIRE_OK) {
            pthread_mutex_lock(&srv->lock);
            mc->last_heard_ns = now_ns();
            int bad = serve(mc, &m);
            pthread_mutex_unlock(&srv->lock);
            if (bad) {
                rc = WIRE_E_FIELD;
                wire_log("master: device %u sent an invalid %s: dropped", dev, wire_type_name(m.h.type));
                break;
            }
        }
        if (rc != WIRE_E_IO && rc != WIRE_E_FIELD)
            wire_log("master: dropping device %u: %s", dev, wire_status_name(rc));
        pthread_mutex_lock(&srv->lock);
        uint64_t last_heard = mc->last_heard_ns;
        srv->devices[dev] = NULL;
        srv->dropped += rc != WIRE_E_IO;
        lockdir_drop_device(&srv->locks, dev, act_cb, srv);
        conddir_drop_device(&srv->conds, dev);
        if (mc->in_cut)
            wire_log("master: device %u was lost in the middle of a checkpoint: its %u diff(s) are dropped, and "
                     "its threads resume from the one before", dev, mc->cut_diffs);
        uint32_t lost = pagedir_drop_device(&srv->pages, dev);
        if (lost)
            wire_log("master: device %u left holding changes to %u pages: they are lost", dev, lost);
        for (uint32_t p = 0; p < srv->pages.npages; p++)
            if (srv->pages.waiting[p])
                answer_waiters(srv, p);
        master_lost_fn on_lost = srv->on_lost;
        void *ctx = srv->on_lost_ctx;
        pthread_mutex_unlock(&srv->lock);
        if (on_lost && dev != srv->self)
            on_lost(dev, last_heard, ctx);
    } else {
        pthread_mutex_lock(&srv->lock);
        srv->rejected++;
        pthread_mutex_unlock(&srv->lock);
    }
    outbox_stop(&mc->outbox);
    wire_conn_destroy(&mc->conn);
    wire_buf_free(&mc->cut);
    free(mc);
    return NULL;
}

int master_server_attach(struct master_server *srv, int fd)
{
    struct master_conn *mc = calloc(1, sizeof(*mc));
    if (!mc)
        return -1;
    mc->srv = srv;
    wire_conn_init(&mc->conn, fd, srv->self, WIRE_SERVER_AWAIT_HELLO);
    if (outbox_start(&mc->outbox, &mc->conn) != 0) {
        wire_conn_destroy(&mc->conn);
        free(mc);
        return -1;
    }
    if (dmx_thread_start_detached(conn_main, mc) != 0) {
        outbox_stop(&mc->outbox);
        wire_conn_destroy(&mc->conn);
        free(mc);
        return -1;
    }
    return 0;
}

static void *accept_main(void *arg)
{
    struct master_server *srv = arg;
    for (;;) {
        int fd = accept4(srv->listen_fd, NULL, NULL, SOCK_CLOEXEC);
        if (fd < 0) {
            if (errno == EINTR || errno == ECONNABORTED || errno == EMFILE || errno == ENFILE)
                continue;
            wire_log("master: accept failed: %s", strerror(errno));
            return NULL;
        }
        int one = 1;
        setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
        if (master_server_attach(srv, fd) != 0)
            close(fd);
    }
}

/* Heartbeat watchdog: a beating device that falls silent (its link cut, its device frozen) is cut off here,
 * which ends its connection thread and so drops it like a device that closed its link. */
static void *watchdog_main(void *arg)
{
    struct master_server *srv = arg;
    struct timespec tick = { 0, 100 * 1000 * 1000 };
    for (;;) {
        nanosleep(&tick, NULL);
        uint64_t now = now_ns();
        pthread_mutex_lock(&srv->lock);
        for (uint32_t dev = 1; dev <= WIRE_MAX_DEVICES; dev++) {
            struct master_conn *mc = srv->devices[dev];
            if (!mc || !mc->beats || now < mc->last_heard_ns + srv->heartbeat_timeout_ns)
                continue;
            wire_log("master: device %u silent for %.0f ms: it is gone", dev, (now - mc->last_heard_ns) / 1e6);
            mc->beats = false;
            srv->silent++;
            shutdown(mc->conn.fd, SHUT_RDWR);
        }
        pthread_mutex_unlock(&srv->lock);
    }
    return NULL;
}

void master_server_on_lost(struct master_server *srv, master_lost_fn fn, void *ctx)
{
    pthread_mutex_lock(&srv->lock);
    srv->on_lost = fn;
    srv->on_lost_ctx = ctx;
    pthread_mutex_unlock(&srv->lock);
}

int master_server_start(struct master_server *srv, int port, const uint8_t *secret, size_t secret_len,
                        uint64_t region_base, uint64_t region_size, bool speculation)
{
    memset(srv, 0, sizeof(*srv));
    srv->listen_fd = -1;
    srv->self = 1;
    /* A grant may have to name every page in its notices, and must fit one message. */
    if (secret_len > WIRE_SECRET_MAX || region_size == 0 || region_size % WIRE_PAGE_SIZE ||
        region_size / WIRE_PAGE_SIZE > MASTER_MAX_PAGES) {
        wire_log("master: region of %llu bytes refused (page multiple, at most %u pages)",
                 (unsigned long long)region_size, MASTER_MAX_PAGES);
        return -1;
    }
    memcpy(srv->secret, secret, secret_len);
    srv->secret_len = secret_len;
    srv->region_base = region_base;
    srv->region_size = region_size;
    pthread_mutex_init(&srv->lock, NULL);
    lockdir_init(&srv->locks, speculation);
    conddir_init(&srv->conds);
    if (pagedir_init(&srv->pages, (uint32_t)(region_size / WIRE_PAGE_SIZE)) != 0)
        return -1;
    srv->notice_buf = calloc(srv->pages.npages, sizeof(*srv->notice_buf));
    if (!srv->notice_buf)
        return -1;
    const char *t = getenv("DMX_HEARTBEAT_TIMEOUT_MS");
    long timeout_ms = t && *t ? atol(t) : DEFAULT_HEARTBEAT_TIMEOUT_MS;
    srv->heartbeat_timeout_ns = timeout_ms > 0 ? (uint64_t)timeout_ms * 1000000ull : 0;
    if (srv->heartbeat_timeout_ns && dmx_thread_start_detached(watchdog_main, srv) != 0)
        return -1;
    if (port < 0)
        return 0;
    srv->listen_fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (srv->listen_fd < 0)
        return -1;
    int one = 1;
    setsockopt(srv->listen_fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port), .sin_addr.s_addr = htonl(INADDR_ANY) };
    socklen_t len = sizeof(sa);
    if (bind(srv->listen_fd, (struct sockaddr *)&sa, sizeof(sa)) != 0 || listen(srv->listen_fd, 16) != 0 ||
        getsockname(srv->listen_fd, (struct sockaddr *)&sa, &len) != 0) {
        wire_log("master: cannot listen on port %d: %s", port, strerror(errno));
        close(srv->listen_fd);
        srv->listen_fd = -1;
        return -1;
    }
    srv->port = ntohs(sa.sin_port);
    if (dmx_thread_start_detached(accept_main, srv) != 0)
        return -1;
    srv->accepting = true;
    return 0;
}

int master_server_devices(struct master_server *srv)
{
    int n = 0;
    pthread_mutex_lock(&srv->lock);
    for (int i = 1; i <= WIRE_MAX_DEVICES; i++)
        n += srv->devices[i] != NULL;
    pthread_mutex_unlock(&srv->lock);
    return n;
}
