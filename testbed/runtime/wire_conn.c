/* Framed, validated message I/O on a stream socket. */
#include "wire_conn.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

void wire_log(const char *fmt, ...)
{
    char line[512];
    const char *dev = getenv("DMX_DEVICE_NAME");
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof(line), fmt, ap);
    va_end(ap);
    fprintf(stderr, "dmx[%s] %s\n", dev && *dev ? dev : "local", line);
}

void wire_conn_init(struct wire_conn *c, int fd, uint32_t self, enum wire_conn_state state)
{
    memset(c, 0, sizeof(*c));
    c->fd = fd;
    c->self = self;
    c->state = state;
    pthread_mutex_init(&c->send_lock, NULL);
}

void wire_conn_destroy(struct wire_conn *c)
{
    if (c->fd >= 0)
        close(c->fd);
    c->fd = -1;
    free(c->rbuf);
    c->rbuf = NULL;
    pthread_mutex_destroy(&c->send_lock);
}

uint32_t wire_conn_next_seq(struct wire_conn *c)
{
    return atomic_fetch_add(&c->seq, 1) + 1;
}

int wire_conn_send(struct wire_conn *c, const struct wire_buf *b)
{
    int rc = 0;
    pthread_mutex_lock(&c->send_lock);
    for (size_t off = 0; off < b->len;) {
        ssize_t n = send(c->fd, b->data + off, b->len - off, MSG_NOSIGNAL);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            rc = WIRE_E_IO;
            break;
        }
        off += (size_t)n;
    }
    pthread_mutex_unlock(&c->send_lock);
    if (rc == 0)
        c->bytes_sent += b->len;
    return rc;
}

static int recv_all(int fd, uint8_t *p, size_t len)
{
    while (len) {
        ssize_t n = recv(fd, p, len, 0);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return WIRE_E_IO;
        p += n;
        len -= (size_t)n;
    }
    return 0;
}

int wire_conn_recv(struct wire_conn *c, struct wire_msg *m)
{
    uint8_t head[WIRE_HEADER_SIZE];
    struct wire_header h;
    /* The magic first: a peer speaking something else is dropped without waiting for a whole header. */
    if (recv_all(c->fd, head, 4))
        return WIRE_E_IO;
    int rc = wire_decode_header(head, 4, &h);
    if (rc < 0)
        return rc;
    if (recv_all(c->fd, head + 4, sizeof(head) - 4))
        return WIRE_E_IO;
    rc = wire_decode_header(head, sizeof(head), &h);
    if (rc != WIRE_OK)
        return rc;
    if (!wire_type_allowed(c->state, h.type))
        return WIRE_E_STATE;
    if (c->peer && h.sender != c->peer)
        return WIRE_E_SENDER;
    size_t total = WIRE_HEADER_SIZE + (size_t)h.payload_len;
    if (c->rcap < total) {
        uint8_t *p = realloc(c->rbuf, total);
        if (!p)
            return WIRE_E_IO;
        c->rbuf = p;
        c->rcap = total;
    }
    memcpy(c->rbuf, head, WIRE_HEADER_SIZE);
    if (recv_all(c->fd, c->rbuf + WIRE_HEADER_SIZE, h.payload_len))
        return WIRE_E_IO;
    c->bytes_received += total;
    size_t used;
    return wire_decode(c->rbuf, total, m, &used);
}

void wire_conn_set_timeout(struct wire_conn *c, int seconds)
{
    struct timeval tv = { .tv_sec = seconds, .tv_usec = 0 };
    setsockopt(c->fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
}
