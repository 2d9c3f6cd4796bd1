/* dmx_dsm_start and friends (include/dsm_api.h): wire the master daemon, the link and the region together
 * from the device environment. */
#include "dsm_api.h"
#include "device_files.h"
#include "dmx.h"
#include "master_server.h"
#include "peer_client.h"
#include "sync_thread.h"
#include "thread_takeover.h"
#include "wire_auth.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define DEFAULT_PORT 7707

static struct master_server *master;
static struct peer_client *node;
static pthread_mutex_t start_lock = PTHREAD_MUTEX_INITIALIZER;

static long env_long(const char *name, long fallback)
{
    const char *v = getenv(name);
    char *end;
    if (!v || !*v)
        return fallback;
    errno = 0;
    long x = strtol(v, &end, 0);
    return errno || *end || x < 0 ? fallback : x;
}

/* The master's address: the first "name=ip" of DMX_DEVICES. */
static int master_address(char *ip, size_t cap)
{
    const char *devices = getenv("DMX_DEVICES"), *eq, *end;
    if (!devices || !(eq = strchr(devices, '=')))
        return -1;
    end = strchr(eq, ',');
    size_t n = end ? (size_t)(end - eq - 1) : strlen(eq + 1);
    if (n == 0 || n >= cap)
        return -1;
    memcpy(ip, eq + 1, n);
    ip[n] = '\0';
    return 0;
}

static int get_secret(uint8_t *secret, size_t *len)
{
    int n = wire_secret_parse(getenv("DMX_SECRET"), secret);
    if (n > 0) {
        *len = (size_t)n;
        return 0;
    }
    if (dmx_device_count() > 1) {
        wire_log("dsm: DMX_SECRET is missing or malformed (16..128 hex digits): refusing to join");
        return -1;
    }
    *len = 32;                  /* alone: a private random secret, nobody else can join */
    return getrandom(secret, 32, 0) == 32 ? 0 : -1;
}

static int start_locked(void)
{
    uint8_t secret[WIRE_SECRET_MAX];
    size_t secret_len;
    uint32_t self = (uint32_t)dmx_device_index();
    int port = (int)env_long("DMX_PORT", DEFAULT_PORT), fd;
    if (self > WIRE_MAX_DEVICES || get_secret(secret, &secret_len) != 0)
        return -1;
    if (self == 1) {
        size_t size = (size_t)env_long("DMX_DSM_SIZE", (long)DSM_DEFAULT_SIZE);
        size = (size + WIRE_PAGE_SIZE - 1) / WIRE_PAGE_SIZE * WIRE_PAGE_SIZE;
        bool alone = !getenv("DMX_DEVICES") || dmx_device_count() == 1;
        master = calloc(1, sizeof(*master));
        if (!master || master_server_start(master, alone ? -1 : port, secret, secret_len, DSM_DEFAULT_BASE, size,
                                           env_long("DMX_SPECULATE", 1) != 0) != 0)
            return -1;
        int sp[2];
        if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sp) != 0 || master_server_attach(master, sp[0]) != 0)
            return -1;
        fd = sp[1];
    } else {
        char ip[64];
        if (master_address(ip, sizeof(ip)) != 0) {
            wire_log("dsm: DMX_DEVICES does not name a master address");
            return -1;
        }
        fd = peer_connect(ip, port, (int)env_long("DMX_CONNECT_TIMEOUT", 30000));
        if (fd < 0)
            return -1;
    }
    node = calloc(1, sizeof(*node));
    if (!node)
        return -1;
    if (peer_client_join(node, fd, self, dmx_device_name(), secret, secret_len) != 0 || peer_client_start(node) != 0) {
        wire_log("dsm: could not join the run");
        return -1;
    }
    return 0;
}

int dmx_dsm_start(void)
{
    pthread_mutex_lock(&start_lock);
    int rc = node ? 0 : start_locked();
    pthread_mutex_unlock(&start_lock);
    return rc;
}

void dmx_dsm_stop(void)
{
    if (!node)
        return;
    if (master) {           /* let the other devices finish: they cannot run without the master */
        long limit_ms = env_long("DMX_STOP_TIMEOUT", 30000);
        for (long waited = 0; master_server_devices(master) > 1 && waited < limit_ms; waited += 50) {
            struct timespec ts = { 0, 50 * 1000 * 1000 };
            nanosleep(&ts, NULL);
        }
    }
    peer_client_stop(node);
}

void dmx_dsm_on_link_unstable(void (*fn)(uint64_t rtt_ns, uint64_t best_ns, void *ctx), void *ctx)
{
    if (node)
        peer_client_on_unstable(node, fn, ctx);
}

void dmx_dsm_on_device_lost(master_lost_fn fn, void *ctx)
{
    if (master)
        master_server_on_lost(master, fn, ctx);
}

void *dmx_shared_base(void) { return node ? node->region.base : NULL; }
size_t dmx_shared_size(void) { return node ? node->region.size : 0; }

int dmx_lock(uint64_t lock)
{
    return node ? sync_mutex_lock(&node->locks, lock) : -1;
}

int dmx_unlock(uint64_t lock)
{
    return node ? sync_mutex_unlock(&node->locks, lock) : -1;
}

void dmx_dsm_counters(struct dmx_dsm_counters *o)
{
    memset(o, 0, sizeof(*o));
    if (!node)
        return;
    const struct dsm_stats *d = &node->region.stats;
    const struct sync_stats *s = &node->locks.stats;
    o->read_faults = d->read_faults;
    o->write_faults = d->write_faults;
    o->page_bytes_received = d->page_bytes_received;
    o->diff_bytes_received = d->diff_bytes_received;
    o->diff_bytes_pushed = d->diff_bytes_pushed;
    o->pages_received = d->pages_received;
    o->diffs_received = d->diffs_received;
    o->diffs_pushed = d->diffs_pushed;
    o->prefetched_pages = d->prefetched_pages;
    o->invalidations = d->invalidations;
    o->fetch_stall_ns = d->fetch_stall_ns;
    o->lock_stall_ns = s->lock_stall_ns;
    o->lock_acquires = s->acquires;
    o->remote_acquires = s->remote_acquires;
    o->cached_acquires = s->cached_acquires;
    o->revokes = s->revokes;
    o->pages_held = d->pages_held;
    o->flush_requests = d->flush_requests;
    o->checkpoints = d->checkpoints;
    o->checkpoints_skipped = d->checkpoints_skipped;
    o->checkpoint_captures = d->checkpoint_captures;
    o->checkpoint_stragglers = d->checkpoint_stragglers;
    o->checkpoint_held_grants = d->checkpoint_held_grants;
    o->checkpoint_held_give_backs = d->checkpoint_held_give_backs;
    o->notices_kept = d->notices_kept;
    o->freed_pages_skipped = d->freed_pages_skipped;
    o->bytes_sent = node->conn.bytes_sent;
    o->bytes_received = node->conn.bytes_received;
    if (master) {
        pthread_mutex_lock(&master->lock);
        o->master_page_bytes_sent = master->pages.stats.page_bytes_sent;
        o->master_diff_bytes_sent = master->pages.stats.diff_bytes_sent;
        o->master_pages_sent = master->pages.stats.pages_sent;
        o->master_diffs_sent = master->pages.stats.diffs_sent;
        pthread_mutex_unlock(&master->lock);
    }
}

void dmx_dsm_report(FILE *f)
{
    struct dmx_dsm_counters c;
    dmx_dsm_counters(&c);
    fprintf(f, "{\"device\":%d,\"read_faults\":%" PRIu64 ",\"write_faults\":%" PRIu64
               ",\"pages_received\":%" PRIu64 ",\"page_bytes_received\":%" PRIu64
               ",\"diffs_received\":%" PRIu64 ",\"diff_bytes_received\":%" PRIu64
               ",\"diffs_pushed\":%" PRIu64 ",\"diff_bytes_pushed\":%" PRIu64
               ",\"prefetched_pages\":%" PRIu64 ",\"invalidations\":%" PRIu64
               ",\"lock_acquires\":%" PRIu64 ",\"remote_acquires\":%" PRIu64 ",\"cached_acquires\":%" PRIu64
               ",\"revokes\":%" PRIu64 ",\"pages_held\":%" PRIu64 ",\"flush_requests\":%" PRIu64
               ",\"fetch_stall_ns\":%" PRIu64 ",\"lock_stall_ns\":%" PRIu64
               ",\"link_bytes_sent\":%" PRIu64 ",\"link_bytes_received\":%" PRIu64
               ",\"checkpoints\":%" PRIu64 ",\"checkpoints_skipped\":%" PRIu64
               ",\"checkpoint_captures\":%" PRIu64 ",\"checkpoint_stragglers\":%" PRIu64
               ",\"checkpoint_held_grants\":%" PRIu64 ",\"checkpoint_held_give_backs\":%" PRIu64
               ",\"notices_kept\":%" PRIu64 ",\"freed_pages_skipped\":%" PRIu64,
            dmx_device_index(), c.read_faults, c.write_faults, c.pages_received, c.page_bytes_received,
            c.diffs_received, c.diff_bytes_received, c.diffs_pushed, c.diff_bytes_pushed, c.prefetched_pages,
            c.invalidations, c.lock_acquires, c.remote_acquires, c.cached_acquires, c.revokes, c.pages_held,
            c.flush_requests, c.fetch_stall_ns,
            c.lock_stall_ns, c.bytes_sent, c.bytes_received, c.checkpoints, c.checkpoints_skipped,
            c.checkpoint_captures, c.checkpoint_stragglers, c.checkpoint_held_grants, c.checkpoint_held_give_backs,
            c.notices_kept, c.freed_pages_skipped);
    if (master)
        fprintf(f, ",\"master_pages_sent\":%" PRIu64 ",\"master_page_bytes_sent\":%" PRIu64
                   ",\"master_diffs_sent\":%" PRIu64 ",\"master_diff_bytes_sent\":%" PRIu64,
                c.master_pages_sent, c.master_page_bytes_sent, c.master_diffs_sent, c.master_diff_bytes_sent);
    fprintf(f, ",\"threads\":[");
    for (uint32_t i = 0; i < dmx_thread_count(); i++) {
        struct dmx_thread *t = dmx_thread_at(i);
        fprintf(f, "%s{\"id\":%u,\"faults\":%llu,\"fetch_stall_ns\":%llu,\"lock_stall_ns\":%llu,\"lock_acquires\":%llu"
                   ",\"fetch_bytes\":%llu,\"diff_bytes_pushed\":%llu}",
                i ? "," : "", t->id, (unsigned long long)t->faults, (unsigned long long)t->fetch_stall_ns,
                (unsigned long long)t->lock_stall_ns, (unsigned long long)t->lock_acquires,
                (unsigned long long)t->fetch_bytes, (unsigned long long)t->diff_bytes_pushed);
    }
    fprintf(f, "]}\n");
}

void dmx_dsm_write_report(void)
{
    static pthread_mutex_t writing = PTHREAD_MUTEX_INITIALIZER;    /* the exit's and a stop's (stop_report.c) */
    pthread_mutex_lock(&writing);
    FILE *f = dmx_device_log_open("dsm.json", NULL);
    if (f) {
        dmx_dsm_report(f);
        fclose(f);
    }
    pthread_mutex_unlock(&writing);
}

struct sync_table *dmx_dsm_lock_table(void)
{
    return node ? &node->locks : NULL;
}

struct dsm_region *dmx_dsm_region(void)
{
    return node ? &node->region : NULL;
}
