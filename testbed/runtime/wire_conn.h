/* wire_conn.h: one TCP (or socketpair) connection carrying wire messages: whole-message send under a lock,
 * and a receive that validates the header before reading the payload, so a hostile length never makes us
 * allocate or wait for more than WIRE_MAX_PAYLOAD bytes. */
#ifndef WIRE_CONN_H
#define WIRE_CONN_H

#include <pthread.h>
#include <stdatomic.h>

#include "wire_msg.h"

struct wire_conn {
    int fd;
    uint32_t self;              /* our device index (the sender field of what we send) */
    uint32_t peer;              /* the peer's device index once it joined, 0 before */
    enum wire_conn_state state;
    atomic_uint seq;
    pthread_mutex_t send_lock;
    uint8_t *rbuf;              /* receive buffer; decoded messages point into it until the next recv */
    size_t rcap;
    atomic_ullong bytes_sent, bytes_received;
};

void wire_conn_init(struct wire_conn *c, int fd, uint32_t self, enum wire_conn_state state);
void wire_conn_destroy(struct wire_conn *c);   /* closes fd */
uint32_t wire_conn_next_seq(struct wire_conn *c);
/* Send every byte of b (one or more messages). Returns 0 or WIRE_E_IO. */
int wire_conn_send(struct wire_conn *c, const struct wire_buf *b);
/* Receive and validate one message (state and, once joined, sender). Returns WIRE_OK or a negative status. */
int wire_conn_recv(struct wire_conn *c, struct wire_msg *m);
/* Bound how long recv may block (handshake); 0 = no bound. */
void wire_conn_set_timeout(struct wire_conn *c, int seconds);

/* Diagnostics on stderr: "dmx[<device>] <message>". */
void wire_log(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
