/* master_outbox.h: what the master sends to one device goes through a queue and a writer thread of its own.
 *
 * The master decides under its one lock (srv->lock) and often answers one device by writing to another (a
 * flush request to the holder of a page, a revoke to the holder of a lock). Writing to a socket can block
 * when the peer is slow to read, and the peer may itself be blocked writing to the master, whose reader waits
 * for that lock: a cycle. Queueing under the lock and writing outside it breaks every such cycle. A device
 * that lets more than OUTBOX_LIMIT bytes pile up is dropped, as a send timeout used to drop it. */
#ifndef MASTER_OUTBOX_H
#define MASTER_OUTBOX_H

#include <pthread.h>
#include <stdbool.h>

#include "wire_conn.h"

#define OUTBOX_LIMIT (64u << 20)

struct master_outbox {
    pthread_mutex_t lock;
    pthread_cond_t more;
    struct wire_buf pending;
    bool closing, failed, running;
    pthread_t writer;
    struct wire_conn *conn;
};

int outbox_start(struct master_outbox *o, struct wire_conn *conn);
/* Queues b's bytes (b is emptied). 0, or -1 if the device is being dropped. Never blocks on the network. */
int outbox_put(struct master_outbox *o, struct wire_buf *b);
/* Sends what is queued (unless the link failed), then stops the writer. */
void outbox_stop(struct master_outbox *o);

#endif
