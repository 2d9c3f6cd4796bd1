/* The master's per-device send queue (see master_outbox.h). */
#include "master_outbox.h"

#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

static void fail_locked(struct master_outbox *o)
{
    o->failed = true;
    o->pending.len = 0;
    shutdown(o->conn->fd, SHUT_RDWR);       /* the reader sees the end and drops the device */
}

static void *writer_main(void *arg)
{
    struct master_outbox *o = arg;
    struct wire_buf batch = { 0 };
    pthread_mutex_lock(&o->lock);
    for (;;) {
        while (!o->pending.len && !o->closing)
            pthread_cond_wait(&o->more, &o->lock);
        if (!o->pending.len)
            break;
        struct wire_buf swap = batch;
        batch = o->pending;
        o->pending = swap;
        o->pending.len = 0;
        pthread_mutex_unlock(&o->lock);
        int rc = wire_conn_send(o->conn, &batch);
        batch.len = 0;
        pthread_mutex_lock(&o->lock);
        if (rc != 0) {
            wire_log("master: sending to device %u failed: dropping it", o->conn->peer);
            fail_locked(o);
            break;
        }
    }
    pthread_mutex_unlock(&o->lock);
    wire_buf_free(&batch);
    return NULL;
}

int outbox_start(struct master_outbox *o, struct wire_conn *conn)
{
    memset(o, 0, sizeof *o);
    o->conn = conn;
    pthread_mutex_init(&o->lock, NULL);
    pthread_cond_init(&o->more, NULL);
    if (pthread_create(&o->writer, NULL, writer_main, o) != 0)
        return -1;
    o->running = true;
    return 0;
}

static int append(struct wire_buf *to, const struct wire_buf *from)
{
    uint8_t *p = wire_buf_grow(to, from->len);
    if (!p)
        return -1;
    memcpy(p, from->data, from->len);
    return 0;
}

int outbox_put(struct master_outbox *o, struct wire_buf *b)
{
    int rc = 0;
    pthread_mutex_lock(&o->lock);
    if (o->failed || o->closing) {
        rc = -1;
    } else if (o->pending.len + b->len > OUTBOX_LIMIT || append(&o->pending, b) != 0) {
        wire_log("master: device %u is not reading (%zu bytes queued): dropping it", o->conn->peer, o->pending.len);
        fail_locked(o);
        rc = -1;
    } else {
        pthread_cond_signal(&o->more);
    }
    pthread_mutex_unlock(&o->lock);
    b->len = 0;
    return rc;
}

void outbox_stop(struct master_outbox *o)
{
    if (!o->running)
        return;
    pthread_mutex_lock(&o->lock);
    o->closing = true;
    pthread_cond_signal(&o->more);
    pthread_mutex_unlock(&o->lock);
    pthread_join(o->writer, NULL);
    o->running = false;
    wire_buf_free(&o->pending);
    pthread_mutex_destroy(&o->lock);
    pthread_cond_destroy(&o->more);
}
