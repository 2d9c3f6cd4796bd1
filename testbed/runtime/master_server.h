/* master_server.h: the master daemon (runs on device 1): accepts devices, authenticates them, and serves
 * the lock directory (thread directory) and the page directory over the wire protocol. One thread per
 * connection; one mutex serialises the directories and the sends they cause, so messages a device gets
 * keep the order the directories decided them in. */
#ifndef MASTER_SERVER_H
#define MASTER_SERVER_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "master_cond_dir.h"
#include "master_lock_dir.h"
#include "master_outbox.h"
#include "master_page_dir.h"
#include "wire_auth.h"
#include "wire_conn.h"

struct master_server;

/* Largest region: a grant that names every page must fit WIRE_MAX_PAYLOAD (512 MiB of 4 KiB pages). */
#define MASTER_MAX_PAGES ((WIRE_MAX_PAYLOAD - 12) / 8)

struct master_conn {
    struct wire_conn conn;
    struct master_outbox outbox;    /* everything sent to this device (never blocks the directories) */
    struct master_server *srv;
    uint64_t last_heard_ns;         /* emulated time of its last message (under srv->lock) */
    bool beats;                     /* it sends heartbeats, so its silence means it is gone */
    bool in_cut;                    /* between its WIRE_CKPT_BEGIN and _COMMIT: its diffs wait in cut */
    struct wire_buf cut;            /* u32 page, u32 len, len bytes of diff; ... */
    uint32_t cut_diffs;
};

/* Called (from the dropped connection's thread, no lock held) when a joined device is gone: it closed its
 * link, broke the protocol, or fell silent past the heartbeat timeout. last_heard_ns: its last message. */
typedef void (*master_lost_fn)(uint32_t dev, uint64_t last_heard_ns, void *ctx);

struct master_server {
    int listen_fd;
    uint16_t port;
    uint32_t self;
    uint8_t secret[WIRE_SECRET_MAX];
    size_t secret_len;
    uint64_t region_base, region_size;
    pthread_mutex_t lock;
    struct master_page_dir pages;
    struct master_lock_dir locks;
    struct master_cond_dir conds;
    struct wire_notice *notice_buf;
    struct master_conn *devices[WIRE_MAX_DEVICES + 1];
    bool accepting;
    uint64_t rejected, dropped, silent;
    uint64_t heartbeat_timeout_ns;  /* DMX_HEARTBEAT_TIMEOUT_MS: silence that drops a device (0 = never) */
    master_lost_fn on_lost;
    void *on_lost_ctx;
};

/* Listen on port (0: any free port; the chosen one is in srv->port) unless port < 0 (no listener).
 * Returns 0 or -1. */
int master_server_start(struct master_server *srv, int port, const uint8_t *secret, size_t secret_len,
                        uint64_t region_base, uint64_t region_size, bool speculation);
/* Serve one already-connected stream (e.g. a socketpair end for the master's own node). */
int master_server_attach(struct master_server *srv, int fd);
/* Tell fn about every device that is gone from now on (set before the devices join). */
void master_server_on_lost(struct master_server *srv, master_lost_fn fn, void *ctx);
/* Number of joined devices. */
int master_server_devices(struct master_server *srv);

#endif
