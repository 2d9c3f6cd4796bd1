/* Device side of the link to the master (see peer_client.h). */
#include "peer_client.h"
#include "wire_auth.h"
#include "dmx.h"
#include "thread_start.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define JOIN_TIMEOUT_S 10
#define DEFAULT_HEARTBEAT_MS 200    /* the master drops a device silent for DMX_HEARTBEAT_TIMEOUT_MS (1500) */

static uint64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static int send_buf(struct peer_client *pc, struct wire_buf *b)
{
    int rc = wire_conn_send(&pc->conn, b);
    wire_buf_free(b);
    return rc;
}

int peer_client_join(struct peer_client *pc, int fd, uint32_t self, const char *name, const uint8_t *secret,
                     size_t secret_len)
{
    memset(pc, 0, sizeof(*pc));
    wire_conn_init(&pc->conn, fd, self, WIRE_CLIENT_AWAIT_CHALLENGE);
    wire_conn_set_timeout(&pc->conn, JOIN_TIMEOUT_S);
    struct wire_buf b = { 0 };
    struct wire_msg m;
    uint8_t nonce_c[WIRE_NONCE_SIZE], nonce_s[WIRE_NONCE_SIZE], mac[WIRE_MAC_SIZE];
    int rc;
    if (wire_nonce(nonce_c) != 0 || wire_put_hello(&b, wire_conn_next_seq(&pc->conn), self, nonce_c, name) != 0 ||
        send_buf(pc, &b) != 0) {
        wire_log("join: cannot send hello");
        return -1;
    }
    if ((rc = wire_conn_recv(&pc->conn, &m)) != WIRE_OK || m.h.type != WIRE_CHALLENGE) {
        wire_log("join: no challenge from the master: %s", rc ? wire_status_name(rc) : "rejected");
        return -1;
    }
    if (m.h.sender != 1) {
        wire_log("join: the challenge is not from device 1 but %u", m.h.sender);
        return -1;
    }
    pc->conn.peer = m.h.sender;
    memcpy(nonce_s, m.u.challenge.nonce, WIRE_NONCE_SIZE);
    wire_join_mac(secret, secret_len, 'C', nonce_c, nonce_s, self, mac);
    pc->conn.state = WIRE_CLIENT_AWAIT_WELCOME;
    if (wire_put_auth(&b, wire_conn_next_seq(&pc->conn), self, mac) != 0 || send_buf(pc, &b) != 0)
        return -1;
    if ((rc = wire_conn_recv(&pc->conn, &m)) != WIRE_OK || m.h.type != WIRE_WELCOME) {
        wire_log("join: the master refused us: %s", rc ? wire_status_name(rc) : "rejected");
        return -1;
    }
    /* The master must prove it holds the secret too. */
    wire_join_mac(secret, secret_len, 'S', nonce_c, nonce_s, self, mac);
    if (!wire_mac_equal(mac, m.u.welcome.mac, WIRE_MAC_SIZE)) {
        wire_log("join: the master failed authentication");
        return -1;
    }
    pc->region_base = m.u.welcome.region_base;
    pc->region_size = m.u.welcome.region_size;
    pc->conn.state = WIRE_CLIENT_READY;
    wire_conn_set_timeout(&pc->conn, 0);
    return 0;
}

static int request_page(void *ctx, uint32_t page, uint32_t count)
{
    struct peer_client *pc = ctx;
    struct wire_buf b = { 0 };
    if (wire_put_page_request(&b, wire_conn_next_seq(&pc->conn), pc->conn.self, page, count) != 0) {
        wire_buf_free(&b);
        return -1;
    }
    return send_buf(pc, &b);
}

static int mark_checkpoint(void *ctx, uint32_t phase)
{
    struct peer_client *pc = ctx;
    struct wire_buf b = { 0 };
    if (wire_put_checkpoint(&b, wire_conn_next_seq(&pc->conn), pc->conn.self, phase) != 0) {
        wire_buf_free(&b);
        return -1;
    }
    return send_buf(pc, &b);
}

static int push_diff(void *ctx, uint32_t page, uint32_t base_version, const uint8_t *diff, uint32_t len)
{
    struct peer_client *pc = ctx;
    struct wire_buf b = { 0 };
    if (wire_put_diff(&b, WIRE_DIFF_PUSH, wire_conn_next_seq(&pc->conn), pc->conn.self, 0, page, base_version,
                      diff, len) != 0) {
        wire_buf_free(&b);
        return -1;
    }
    return send_buf(pc, &b);
}

static int announce_held(void *ctx, const uint32_t *pages, uint32_t count)
{
    struct peer_client *pc = ctx;
    struct wire_buf b = { 0 };
    if (wire_put_held(&b, wire_conn_next_seq(&pc->conn), pc->conn.self, pages, count) != 0) {
        wire_buf_free(&b);
        return -1;
    }
    return send_buf(pc, &b);
}

static int send_lock(void *ctx, uint8_t type, uint64_t lock)
{
    struct peer_client *pc = ctx;
    struct wire_buf b = { 0 };
    if (wire_put_lock(&b, type, wire_conn_next_seq(&pc->conn), pc->conn.self, lock) != 0) {
        wire_buf_free(&b);
        return -1;
    }
    return send_buf(pc, &b);
}

/* Heartbeats (DynaMix 4.2.4): they keep the master's watchdog quiet while the app computes without sending
 * anything, and their echoes measure the round trip. */
/* A round trip (or the lateness of an echo still out) for the link watch; tells the owner when the link has
 * just turned unstable. */
static void watch_sample(struct peer_client *pc, uint64_t rtt_ns)
{
    pthread_mutex_lock(&pc->watch_lock);
    bool turned = link_watch_sample(&pc->watch, rtt_ns);
    uint64_t best = pc->watch.best_ns;
    void (*fn)(uint64_t, uint64_t, void *) = pc->on_unstable;
    void *ctx = pc->on_unstable_ctx;
    pthread_mutex_unlock(&pc->watch_lock);
    if (turned) {
        wire_log("heartbeat: the link to the master is unstable (round trip %.0f ms, best %.1f ms)", rtt_ns / 1e6,
                 best / 1e6);
        if (fn)
            fn(rtt_ns, best, ctx);
    }
}

/* Before sending beat `beat`: how late the oldest echo still out is (0 when none is out, or it is not late). */
static uint64_t overdue_ns(struct peer_client *pc, uint32_t beat, uint64_t now)
{
    pthread_mutex_lock(&pc->watch_lock);
    uint32_t oldest = pc->acked + 1;
    uint64_t late = oldest < beat && beat - oldest < 16 ? now - pc->sent_ns[oldest % 16] : 0;
    uint64_t bar = link_watch_bar_ns(&pc->watch);
    pthread_mutex_unlock(&pc->watch_lock);
    return late > bar ? late : 0;
}

void peer_client_on_unstable(struct peer_client *pc, void (*fn)(uint64_t rtt_ns, uint64_t best_ns, void *ctx),
                             void *ctx)
{
    pthread_mutex_lock(&pc->watch_lock);
    pc->on_unstable = fn;
    pc->on_unstable_ctx = ctx;
    pthread_mutex_unlock(&pc->watch_lock);
}

static void *heartbeat_main(void *arg)
{
    struct peer_client *pc = arg;
    const char *v = getenv("DMX_HEARTBEAT_MS");
    long period_ms = v && *v ? atol(v) : DEFAULT_HEARTBEAT_MS;
    if (period_ms <= 0)
        return NULL;
    struct timespec period = { period_ms / 1000, (period_ms % 1000) * 1000000L };
    while (!atomic_load(&pc->stopping)) {
        struct wire_buf b = { 0 };
        uint64_t now = now_ns(), late = overdue_ns(pc, pc->beat + 1, now);
        if (late)
            watch_sample(pc, late);
        pthread_mutex_lock(&pc->watch_lock);
        pc->sent_ns[(pc->beat + 1) % 16] = now;
        pthread_mutex_unlock(&pc->watch_lock);
        if (wire_put_heartbeat(&b, WIRE_HEARTBEAT, wire_conn_next_seq(&pc->conn), pc->conn.self, ++pc->beat,
                               now) != 0 || send_buf(pc, &b) != 0)
            return NULL;        /* the link is gone: the receiver says so */
        nanosleep(&period, NULL);
    }
    return NULL;
}

/* RUN/devices/NAME/heartbeat.csv: every echo's round trip (the link as the heartbeats see it). Not kept
 * outside a run (no DMX_RUN_DIR). Called from the receiver only. */
static void log_round_trip(struct peer_client *pc, uint32_t beat, uint64_t now, uint64_t rtt)
{
    static FILE *log;
    static bool tried;
    const char *run = getenv("DMX_RUN_DIR");
    if (!tried && run && *run) {
        char path[4096];
        snprintf(path, sizeof path, "%s/devices/%s/heartbeat.csv", run, dmx_device_name());
        log = fopen(path, "w");
        if (log)
            fprintf(log, "t_ns,beat,rtt_ns,late\n");
    }
    tried = true;
    if (!log)
        return;
    pthread_mutex_lock(&pc->watch_lock);
    uint64_t bar = link_watch_bar_ns(&pc->watch);
    pthread_mutex_unlock(&pc->watch_lock);
    fprintf(log, "%llu,%u,%llu,%d\n", (unsigned long long)now, beat, (unsigned long long)rtt, bar && rtt > bar);
    fflush(log);
}

static void on_heartbeat_ack(struct peer_client *pc, const struct wire_msg *m)
{
    uint64_t now = now_ns(), sent = m->u.heartbeat.sent_ns;
    if (sent > now)
        return;
    uint64_t rtt = now - sent, old = atomic_load(&pc->rtt_ns);
    atomic_store(&pc->rtt_ns, old ? (old * 7 + rtt) / 8 : rtt);
    atomic_fetch_add(&pc->acks, 1);
    pthread_mutex_lock(&pc->watch_lock);
    if (m->u.heartbeat.beat > pc->acked)
        pc->acked = m->u.heartbeat.beat;
    pthread_mutex_unlock(&pc->watch_lock);
    watch_sample(pc, rtt);
    log_round_trip(pc, m->u.heartbeat.beat, now, rtt);
}

uint64_t peer_client_rtt_ns(struct peer_client *pc)
{
    return atomic_load(&pc->rtt_ns);
}

static void *rx_main(void *arg)
{
    struct peer_client *pc = arg;
    struct wire_msg m;
    int rc;
    while ((rc = wire_conn_recv(&pc->conn, &m)) == WIRE_OK) {
        switch (m.h.type) {
        case WIRE_LOCK_GRANT:
            sync_on_grant(&pc->locks, &m);
            break;
        case WIRE_LOCK_REVOKE:
            sync_on_revoke(&pc->locks, m.u.lock.lock);
            break;
        case WIRE_COND_SIGNAL:
            sync_on_cond_signal(&pc->locks, m.u.lock.lock);
            break;
        case WIRE_PAGE_REPLY:
            dsm_region_apply_page(&pc->region, m.u.page_reply.page, m.u.page_reply.version, m.u.page_reply.data,
                                  m.h.flags & WIRE_F_PREFETCH);
            break;
        case WIRE_DIFF_REPLY:
            dsm_region_apply_diff(&pc->region, m.u.diff.page, m.u.diff.version, m.u.diff.diff, m.u.diff.len,
                                  m.h.flags & WIRE_F_PREFETCH);
            break;
        case WIRE_HEARTBEAT_ACK:
            on_heartbeat_ack(pc, &m);
            break;
        case WIRE_FLUSH_REQUEST:
            if (dsm_region_flush_request(&pc->region, m.u.flush.page) != 0)
                wire_log("dsm: could not answer the master's flush request for page %u", m.u.flush.page);
            break;
        }
    }
    if (atomic_load(&pc->stopping))
        return NULL;
    /* Without the master nothing can make progress here; the master recovers this device's threads. 75 tells
     * dmx this device left (testbed/orchestrator/exit_codes.h, DMX_EXIT_LOST_MASTER). */
    wire_log("lost the master: %s", wire_status_name(rc));
    _exit(75);
}

int peer_client_start(struct peer_client *pc)
{
    pthread_mutex_init(&pc->watch_lock, NULL);
    struct dsm_transport dt = { .request = request_page, .push = push_diff, .hold = announce_held,
                                .mark = mark_checkpoint, .ctx = pc };
    struct sync_transport st = { send_lock, pc };
    if (dsm_region_init(&pc->region, pc->region_base, pc->region_size, &dt) != 0) {
        wire_log("dsm: cannot map %llu bytes at %#llx: %s", (unsigned long long)pc->region_size,
                 (unsigned long long)pc->region_base, strerror(errno));
        return -1;
    }
    const char *lazy = getenv("DMX_LAZY_DIFFS");
    pc->region.lazy = !(lazy && strcmp(lazy, "0") == 0);
    sync_table_init(&pc->locks, &pc->region, &st);
    if (dsm_region_install_handler(&pc->region) != 0)
        return -1;
    if (pthread_create(&pc->rx, NULL, rx_main, pc) != 0)
        return -1;
    pc->rx_running = true;
    if (pc->conn.self != 1 && dmx_thread_start_detached(heartbeat_main, pc) != 0)
        wire_log("no heartbeat: the master will not notice if this device goes silent");
    return 0;
}

void peer_client_stop(struct peer_client *pc)
{
    /* Nothing written here may be lost: cached locks go back with their diffs first. Then only our
     * sending side closes, so the master reads everything before it sees the end and closes its side;
     * the receiver ends at that end of stream. */
    if (pc->rx_running && dsm_region_publish_all(&pc->region) != 0)
        wire_log("leaving: could not push the changes held here");
    if (pc->rx_running && sync_release_cached(&pc->locks) != 0)
        wire_log("leaving: could not hand back cached locks");
    atomic_store(&pc->stopping, true);
    if (pc->conn.fd >= 0)
        shutdown(pc->conn.fd, SHUT_WR);
    if (pc->rx_running) {
        pthread_join(pc->rx, NULL);
        pc->rx_running = false;
    }
}

int peer_connect(const char *host, int port, int timeout_ms)
{
    struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port) };
    if (inet_pton(AF_INET, host, &sa.sin_addr) != 1) {
        wire_log("connect: bad master address '%s'", host);
        return -1;
    }
    for (int waited = 0;; waited += 100) {
        int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (fd < 0)
            return -1;
        if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0) {
            int one = 1;
            setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
            return fd;
        }
        int err = errno;
        close(fd);
        if (waited >= timeout_ms) {
            wire_log("connect: cannot reach the master at %s:%d: %s", host, port, strerror(err));
            return -1;
        }
        struct timespec ts = { 0, 100 * 1000 * 1000 };
        nanosleep(&ts, NULL);
    }
}
