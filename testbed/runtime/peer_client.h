/* peer_client.h: a device's link to the master: join handshake, the receiver thread that dispatches grants,
 * revokes, pages and diffs, and the transports the DSM region and the lock table send through. */
#ifndef PEER_CLIENT_H
#define PEER_CLIENT_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>

#include "dsm_region.h"
#include "peer_link_watch.h"
#include "sync_mutex.h"
#include "wire_conn.h"

struct peer_client {
    struct wire_conn conn;
    uint64_t region_base, region_size;     /* from the master's WELCOME */
    struct dsm_region region;
    struct sync_table locks;
    pthread_t rx;
    bool rx_running;
    atomic_bool stopping;
    uint32_t beat;                  /* heartbeats sent */
    _Atomic uint64_t rtt_ns;        /* smoothed heartbeat round trip to the master (0 until the first) */
    _Atomic uint64_t acks;
    pthread_mutex_t watch_lock;     /* guards what follows */
    struct link_watch watch;
    uint32_t acked;                 /* the latest beat echoed */
    uint64_t sent_ns[16];           /* when beat b was sent, at b % 16 */
    void (*on_unstable)(uint64_t rtt_ns, uint64_t best_ns, void *ctx);
    void *on_unstable_ctx;
};

/* Authenticate on fd (connected to the master) as device self. Returns 0, or -1 (logged). */
int peer_client_join(struct peer_client *pc, int fd, uint32_t self, const char *name, const uint8_t *secret,
                     size_t secret_len);
/* Map the region the master announced and start the receiver. Returns 0 or -1. */
int peer_client_start(struct peer_client *pc);
/* The smoothed round trip to the master from heartbeats (emulated ns), 0 before the first answer. */
uint64_t peer_client_rtt_ns(struct peer_client *pc);
/* Call fn once each time the link to the master turns unstable (peer_link_watch.h), from a libdmx thread. */
void peer_client_on_unstable(struct peer_client *pc, void (*fn)(uint64_t rtt_ns, uint64_t best_ns, void *ctx),
                             void *ctx);
/* Stop: the receiver ends quietly when the link closes. */
void peer_client_stop(struct peer_client *pc);
/* Connect to host:port over TCP, retrying until timeout_ms. Returns the fd or -1. */
int peer_connect(const char *host, int port, int timeout_ms);

#endif
