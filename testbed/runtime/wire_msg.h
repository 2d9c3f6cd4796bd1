/* wire_msg.h: the messages devices exchange over TCP (version 1).
 *
 * Every message is a fixed 20-byte header followed by a typed payload; all integers are big-endian.
 *
 *   offset size field
 *   0      4    magic        0x444D5857 ("DMXW")
 *   4      1    version      WIRE_VERSION
 *   5      1    type         enum wire_type
 *   6      2    flags        per type (WIRE_F_*)
 *   8      4    seq          sender's message counter (diagnostics; never trusted for anything else)
 *   12     4    sender       sender's device index (1..WIRE_MAX_DEVICES); must match the joined identity
 *   16     4    payload_len  <= WIRE_MAX_PAYLOAD
 *
 * The decoder checks every field and the exact payload length of each type before anything reads the
 * payload; decoded variable-length parts point into the caller's buffer (zero copy), so the buffer must
 * outlive the decoded message. A connection that sends anything that does not decode, or a type not allowed
 * in its state (see wire_type_allowed), is dropped. */
#ifndef WIRE_MSG_H
#define WIRE_MSG_H

#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>

#define WIRE_MAGIC        0x444D5857u
#define WIRE_VERSION      1
#define WIRE_HEADER_SIZE  20
#define WIRE_MAX_PAYLOAD  (1u << 20)
#define WIRE_MAX_DEVICES  16
#define WIRE_PAGE_SIZE    4096u
#define WIRE_NONCE_SIZE   16
#define WIRE_MAC_SIZE     32
#define WIRE_NAME_MAX     32
#define WIRE_PREFETCH_MAX 16      /* pages one PAGE_REQUEST may cover */

enum wire_type {
    /* join: client HELLO -> server CHALLENGE -> client AUTH -> server WELCOME | REJECT */
    WIRE_HELLO = 1,
    WIRE_CHALLENGE = 2,
    WIRE_AUTH = 3,
    WIRE_WELCOME = 4,
    WIRE_REJECT = 5,
    /* global locks (master thread directory) */
    WIRE_LOCK_ACQUIRE = 10,
    WIRE_LOCK_GRANT = 11,       /* carries the LRC write notices */
    WIRE_LOCK_RELEASE = 12,
    WIRE_LOCK_REVOKE = 13,      /* master asks a device to give back a speculatively cached lock */
    /* DSM (master page directory) */
    WIRE_PAGE_REQUEST = 20,
    WIRE_PAGE_REPLY = 21,       /* whole page */
    WIRE_DIFF_PUSH = 22,        /* device -> home: diff made at release */
    WIRE_DIFF_REPLY = 23,       /* home -> device: diffs that bring its stale copy up to date */
    /* reserved: defined so the numbers are stable, rejected by this version's decoder */
    WIRE_COND_WAIT = 30, WIRE_COND_SIGNAL = 31, WIRE_BARRIER = 32,
    WIRE_IO_REQUEST = 40, WIRE_IO_REPLY = 41,
    WIRE_HEARTBEAT = 50, WIRE_HEARTBEAT_ACK = 51,
    WIRE_MIGRATE = 60, WIRE_MIGRATE_ACK = 61,
    WIRE_CHECKPOINT = 70,
    WIRE_STATS = 80,
};

#define WIRE_F_SPECULATIVE 0x0001   /* LOCK_GRANT: the device may keep the lock cached after release */
#define WIRE_F_PREFETCH    0x0002   /* PAGE_REPLY/DIFF_REPLY: sent ahead of a fault */

enum wire_reject_reason { WIRE_REJECT_AUTH = 1, WIRE_REJECT_DEVICE = 2, WIRE_REJECT_BUSY = 3 };

/* Decoder results (negative = the peer is broken or hostile: drop it). */
enum wire_status {
    WIRE_OK = 0,
    WIRE_NEED_MORE = 1,         /* a valid prefix: read more bytes */
    WIRE_E_MAGIC = -1,
    WIRE_E_VERSION = -2,
    WIRE_E_TYPE = -3,           /* unknown type */
    WIRE_E_UNSUPPORTED = -4,    /* reserved type, not implemented by this version */
    WIRE_E_LENGTH = -5,         /* payload length wrong for the type, or above WIRE_MAX_PAYLOAD */
    WIRE_E_SENDER = -6,
    WIRE_E_FIELD = -7,          /* a field out of range (page count, name, flags, ...) */
    WIRE_E_DIFF = -8,           /* a diff whose runs leave the page */
    WIRE_E_STATE = -9,          /* type not allowed in the connection's state */
    WIRE_E_IO = -10,            /* connection closed, timed out or failed */
};

struct wire_header {
    uint8_t type;
    uint16_t flags;
    uint32_t seq;
    uint32_t sender;
    uint32_t payload_len;
};

struct wire_notice {            /* LRC write notice: page has a newer version at home */
    uint32_t page;
    uint32_t version;
};

struct wire_msg {
    struct wire_header h;
    union {
        struct { uint32_t device; uint8_t nonce[WIRE_NONCE_SIZE]; uint8_t name_len; char name[WIRE_NAME_MAX + 1]; } hello;
        struct { uint8_t nonce[WIRE_NONCE_SIZE]; } challenge;
        struct { uint8_t mac[WIRE_MAC_SIZE]; } auth;
        struct { uint8_t mac[WIRE_MAC_SIZE]; uint64_t region_base, region_size; uint32_t page_size; } welcome;
        struct { uint32_t reason; } reject;
        struct { uint64_t lock; } lock;                 /* ACQUIRE, RELEASE, REVOKE */
        struct { uint64_t lock; uint32_t count; const uint8_t *raw; } grant;   /* raw: count * 8 bytes */
        struct { uint32_t page, count; } page_request;
        struct { uint32_t page, version; const uint8_t *data; } page_reply;    /* WIRE_PAGE_SIZE bytes */
        struct { uint32_t page, version, len; const uint8_t *diff; } diff;     /* DIFF_PUSH, DIFF_REPLY */
    } u;
};

/* Growable output buffer for the encoder. */
struct wire_buf {
    uint8_t *data;
    size_t len, cap;
};
void wire_buf_free(struct wire_buf *b);

/* Decode one message from buf[0..len). Returns WIRE_OK and sets *consumed, WIRE_NEED_MORE, or an error. */
int wire_decode(const uint8_t *buf, size_t len, struct wire_msg *out, size_t *consumed);
/* Header alone (20 bytes): lets a reader learn how much payload to read before reading it. */
int wire_decode_header(const uint8_t *buf, size_t len, struct wire_header *out);
/* Write notice i of a decoded grant (i < count). */
struct wire_notice wire_grant_notice(const struct wire_msg *m, uint32_t i);

/* Encoders append one complete message to b; they return 0, or -1 when out of memory or a field is invalid. */
int wire_put_hello(struct wire_buf *b, uint32_t seq, uint32_t device, const uint8_t nonce[WIRE_NONCE_SIZE], const char *name);
int wire_put_challenge(struct wire_buf *b, uint32_t seq, uint32_t sender, const uint8_t nonce[WIRE_NONCE_SIZE]);
int wire_put_auth(struct wire_buf *b, uint32_t seq, uint32_t sender, const uint8_t mac[WIRE_MAC_SIZE]);
int wire_put_welcome(struct wire_buf *b, uint32_t seq, uint32_t sender, const uint8_t mac[WIRE_MAC_SIZE],
                     uint64_t region_base, uint64_t region_size);
int wire_put_reject(struct wire_buf *b, uint32_t seq, uint32_t sender, uint32_t reason);
int wire_put_lock(struct wire_buf *b, uint8_t type, uint32_t seq, uint32_t sender, uint64_t lock);
int wire_put_grant(struct wire_buf *b, uint32_t seq, uint32_t sender, uint64_t lock, uint16_t flags,
                   const struct wire_notice *notices, uint32_t count);
int wire_put_page_request(struct wire_buf *b, uint32_t seq, uint32_t sender, uint32_t page, uint32_t count);
int wire_put_page_reply(struct wire_buf *b, uint32_t seq, uint32_t sender, uint16_t flags, uint32_t page,
                        uint32_t version, const uint8_t *data);
int wire_put_diff(struct wire_buf *b, uint8_t type, uint32_t seq, uint32_t sender, uint16_t flags, uint32_t page,
                  uint32_t version, const uint8_t *diff, uint32_t len);

/* Connection states: which types a peer may send in each. */
enum wire_conn_state {
    WIRE_SERVER_AWAIT_HELLO, WIRE_SERVER_AWAIT_AUTH, WIRE_SERVER_READY,
    WIRE_CLIENT_AWAIT_CHALLENGE, WIRE_CLIENT_AWAIT_WELCOME, WIRE_CLIENT_READY,
};
bool wire_type_allowed(enum wire_conn_state state, uint8_t type);

const char *wire_type_name(uint8_t type);
const char *wire_status_name(int status);

#endif
