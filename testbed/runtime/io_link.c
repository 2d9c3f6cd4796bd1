/* Environment and join handshake of the I/O engine (see io_link.h). */
#include "io_link.h"

#include "dmx.h"

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

#define CONNECT_RETRY_MS 100

int io_server_port(void)
{
    const char *v = getenv("DMX_IO_PORT");
    char *end;
    long port = v && *v ? strtol(v, &end, 10) : IO_SERVER_PORT;
    if (v && *v && (*end || port <= 0 || port > 65535))
        port = IO_SERVER_PORT;
    return (int)port;
}

int io_link_secret(uint8_t secret[WIRE_SECRET_MAX])
{
    return wire_secret_parse(getenv("DMX_SECRET"), secret);
}

/* Entry INDEX (1-based) of DMX_DEVICES ("name=ip,name=ip"): copies name and ip; 0 or -1. */
static int device_entry(int index, char *name, size_t name_cap, char *ip, size_t ip_cap)
{
    const char *p = getenv("DMX_DEVICES");
    if (!p || index < 1)
        return -1;
    for (int i = 1; i < index; i++) {
        p = strchr(p, ',');
        if (!p)
            return -1;
        p++;
    }
    size_t len = strcspn(p, ",");
    const char *eq = memchr(p, '=', len);
    if (!eq)
        return -1;
    size_t nlen = (size_t)(eq - p), ilen = len - nlen - 1;
    if ((name && nlen >= name_cap) || (ip && (ilen == 0 || ilen >= ip_cap)))
        return -1;
    if (name) {
        memcpy(name, p, nlen);
        name[nlen] = '\0';
    }
    if (ip) {
        memcpy(ip, eq + 1, ilen);
        ip[ilen] = '\0';
    }
    return 0;
}

int io_device_ip(int index, char *ip, size_t cap)
{
    return device_entry(index, NULL, 0, ip, cap);
}

int io_device_index(const char *name)
{
    char buf[WIRE_NAME_MAX + 1];
    char *end;
    if (!name || !*name)
        return 0;
    long n = strtol(name, &end, 10);
    if (!*end)
        return n >= 1 && n <= WIRE_MAX_DEVICES ? (int)n : 0;
    for (int i = 1; i <= WIRE_MAX_DEVICES; i++) {
        if (device_entry(i, buf, sizeof buf, NULL, 0) != 0)
            break;
        if (strcmp(buf, name) == 0)
            return i;
    }
    return 0;
}

const char *io_device_name(int index, char *name, size_t cap)
{
    if (device_entry(index, name, cap, NULL, 0) != 0)
        snprintf(name, cap, "dev%d", index);
    return name;
}

static int send_buf(struct wire_conn *c, struct wire_buf *b)
{
    int rc = wire_conn_send(c, b);
    wire_buf_free(b);
    return rc;
}

int io_link_join_client(struct wire_conn *c, uint32_t self, const char *name, uint32_t expect,
                        const uint8_t *secret, size_t secret_len)
{
    struct wire_buf b = { 0 };
    struct wire_msg m;
    uint8_t nonce_c[WIRE_NONCE_SIZE], nonce_s[WIRE_NONCE_SIZE], mac[WIRE_MAC_SIZE];
    int rc;
    c->state = WIRE_CLIENT_AWAIT_CHALLENGE;
    wire_conn_set_timeout(c, IO_JOIN_TIMEOUT_S);
    if (wire_nonce(nonce_c) != 0 || wire_put_hello(&b, wire_conn_next_seq(c), self, nonce_c, name) != 0 ||
        send_buf(c, &b) != 0) {
        wire_log("io: join: cannot send hello");
        return -1;
    }
    if ((rc = wire_conn_recv(c, &m)) != WIRE_OK || m.h.type != WIRE_CHALLENGE) {
        wire_log("io: join: no challenge from device %u: %s", expect, rc ? wire_status_name(rc) : "rejected");
        return -1;
    }
    if (expect && m.h.sender != expect) {
        wire_log("io: join: the challenge is from device %u, not %u", m.h.sender, expect);
        return -1;
    }
    c->peer = m.h.sender;
    memcpy(nonce_s, m.u.challenge.nonce, WIRE_NONCE_SIZE);
    wire_join_mac(secret, secret_len, 'C', nonce_c, nonce_s, self, mac);
    c->state = WIRE_CLIENT_AWAIT_WELCOME;
    if (wire_put_auth(&b, wire_conn_next_seq(c), self, mac) != 0 || send_buf(c, &b) != 0)
        return -1;
    if ((rc = wire_conn_recv(c, &m)) != WIRE_OK || m.h.type != WIRE_WELCOME) {
        wire_log("io: join: device %u refused us: %s", c->peer, rc ? wire_status_name(rc) : "rejected");
        return -1;
    }
    wire_join_mac(secret, secret_len, 'S', nonce_c, nonce_s, self, mac);
    if (!wire_mac_equal(mac, m.u.welcome.mac, WIRE_MAC_SIZE)) {
        wire_log("io: join: device %u failed authentication", c->peer);
        return -1;
    }
    c->state = WIRE_IO_CLIENT_READY;
    wire_conn_set_timeout(c, 0);
    return 0;
}

uint32_t io_link_join_server(struct wire_conn *c, const uint8_t *secret, size_t secret_len, const char *who)
{
    struct wire_msg m;
    struct wire_buf b = { 0 };
    uint8_t nonce_c[WIRE_NONCE_SIZE], nonce_s[WIRE_NONCE_SIZE], mac[WIRE_MAC_SIZE];
    uint32_t dev = 0;
    int rc;
    c->state = WIRE_SERVER_AWAIT_HELLO;
    wire_conn_set_timeout(c, IO_JOIN_TIMEOUT_S);
    if ((rc = wire_conn_recv(c, &m)) != WIRE_OK) {
        wire_log("io: dropping %s before hello: %s", who, wire_status_name(rc));
        return 0;
    }
    dev = m.u.hello.device;
    memcpy(nonce_c, m.u.hello.nonce, WIRE_NONCE_SIZE);
    if (wire_nonce(nonce_s) != 0 || wire_put_challenge(&b, wire_conn_next_seq(c), c->self, nonce_s) != 0 ||
        send_buf(c, &b) != 0)
        return 0;
    c->state = WIRE_SERVER_AWAIT_AUTH;
    c->peer = dev;
    if ((rc = wire_conn_recv(c, &m)) != WIRE_OK) {
        wire_log("io: dropping %s (device %u) during join: %s", who, dev, wire_status_name(rc));
        return 0;
    }
    wire_join_mac(secret, secret_len, 'C', nonce_c, nonce_s, dev, mac);
    if (!wire_mac_equal(mac, m.u.auth.mac, WIRE_MAC_SIZE)) {
        wire_log("io: %s (device %u) failed authentication: rejected", who, dev);
        if (wire_put_reject(&b, wire_conn_next_seq(c), c->self, WIRE_REJECT_AUTH) == 0)
            send_buf(c, &b);
        wire_buf_free(&b);
        return 0;
    }
    wire_join_mac(secret, secret_len, 'S', nonce_c, nonce_s, dev, mac);
    if (wire_put_welcome(&b, wire_conn_next_seq(c), c->self, mac, 0, 0) != 0 || send_buf(c, &b) != 0)
        return 0;
    c->state = WIRE_IO_SERVER_READY;
    wire_conn_set_timeout(c, 0);
    return dev;
}

int io_link_control_bind(struct wire_conn *c, uint32_t self, const char *class_name, int device, int timeout_s)
{
    struct wire_buf b = { 0 };
    if (wire_put_io_control(&b, wire_conn_next_seq(c), self, 1, WIRE_IO_CTL_BIND, class_name,
                            (uint32_t)(device < 0 ? 0 : device)) != 0) {
        wire_buf_free(&b);
        return -EINVAL;
    }
    int rc = wire_conn_send(c, &b);
    wire_buf_free(&b);
    struct wire_msg m;
    wire_conn_set_timeout(c, timeout_s > 0 ? timeout_s : 10);
    if (rc != 0 || wire_conn_recv(c, &m) != WIRE_OK)
        return -EIO;
    return (int)m.u.io_reply.result;
}

/* A TCP connection to DEVICE's resource server, retrying refused ones for LIMIT_MS; fd or -1. */
static int connect_server(int device, long limit_ms)
{
    char ip[64];
    struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons((uint16_t)io_server_port()) };
    if (io_device_ip(device, ip, sizeof ip) != 0 || inet_pton(AF_INET, ip, &sa.sin_addr) != 1) {
        wire_log("io: no address for device %d", device);
        return -1;
    }
    for (long waited = 0;; waited += CONNECT_RETRY_MS) {
        int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (fd < 0)
            return -1;
        if (connect(fd, (struct sockaddr *)&sa, sizeof sa) == 0) {
            int one = 1;
            setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
            return fd;
        }
        int err = errno;
        close(fd);
        if (waited >= limit_ms) {
            wire_log("io: cannot reach device %d's resource server at %s:%d: %s", device, ip, io_server_port(),
                     strerror(err));
            return -1;
        }
        struct timespec pause = { 0, CONNECT_RETRY_MS * 1000000L };
        nanosleep(&pause, NULL);
    }
}

long io_link_connect_limit_ms(void)
{
    const char *limit_env = getenv("DMX_IO_CONNECT_MS");
    return limit_env && *limit_env ? atol(limit_env) : 20000;
}

int io_link_connect(struct wire_conn *c, int device, long limit_ms)
{
    uint8_t secret[WIRE_SECRET_MAX];
    int secret_len = io_link_secret(secret);
    if (secret_len <= 0) {
        wire_log("io: no DMX_SECRET: cannot reach device %d", device);
        return -1;
    }
    int fd = connect_server(device, limit_ms);
    if (fd < 0)
        return -1;
    uint32_t self = (uint32_t)dmx_device_index();
    wire_conn_init(c, fd, self, WIRE_CLIENT_AWAIT_CHALLENGE);
    if (io_link_join_client(c, self, dmx_device_name(), (uint32_t)device, secret, (size_t)secret_len) != 0) {
        wire_conn_destroy(c);
        return -1;
    }
    return 0;
}
