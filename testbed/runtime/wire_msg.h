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
    WIRE_DIFF_HELD = 24,        /* device -> home, lazy release: u32 count, count x u32 page held here */
    WIRE_FLUSH_REQUEST = 25,    /* home -> device: u32 page; push its diff (empty if nothing is held) */
    /* condition variables (master_cond_dir.h), u64 the cond's id, like a lock's */
    WIRE_COND_WAIT = 30,        /* device -> master: a thread here waits on the cond (sent before it lets go of
                                 * its mutex) */
    WIRE_COND_SIGNAL = 31,      /* device -> master: the cond was signalled or broadcast; master -> device:
                                 * wake your waiters of it */
    /* reserved: defined so the numbers are stable, rejected by this version's decoder */
    WIRE_BARRIER = 32,
    /* I/O request forwarding (resource server, testbed/runtime/io_server.c; layouts below) */
    WIRE_IO_REQUEST = 40,
    WIRE_IO_REPLY = 41,
    WIRE_IO_CONTROL = 42,       /* rebind a class on the receiving device; answered by an IO_REPLY */
    WIRE_HEARTBEAT = 50,        /* device -> master: u32 beat, u64 the device's emulated send time (ns) */
    WIRE_HEARTBEAT_ACK = 51,    /* master -> device: the same beat and stamp, echoed: the device's RTT */
    WIRE_MIGRATE = 60, WIRE_MIGRATE_ACK = 61,
    WIRE_CHECKPOINT = 70,       /* device -> master: u32 phase. The DIFF_PUSHes between BEGIN and COMMIT are one
                                 * checkpoint cut (checkpoint_cut.h): home applies them at COMMIT, all together,
                                 * and drops them if the device is lost before */
    WIRE_STATS = 80,
};

#define WIRE_CKPT_BEGIN  1
#define WIRE_CKPT_COMMIT 2

#define WIRE_F_SPECULATIVE 0x0001   /* LOCK_GRANT: the device may keep the lock cached after release */
#define WIRE_F_PREFETCH    0x0002   /* PAGE_REPLY/DIFF_REPLY: sent ahead of a fault */
#define WIRE_F_MORE        0x0004   /* IO_REQUEST/IO_REPLY: the data continues in the next message */

/* I/O forwarding (types 40-42). Data above one message is split into fragments of at most WIRE_IO_CHUNK bytes
 * that repeat the fixed part and carry their offset; a request or reply carries at most WIRE_IO_MAX_DATA.
 *
 * IO_REQUEST payload                          IO_REPLY payload
 *   0  u32 req_id                               0  u32 req_id (of the request)
 *   4  u8  op (enum io_op: open..pread)         4  u8  op (echo; WIRE_IO_OP_CONTROL for a control)
 *   5  u8  class_len (1..WIRE_IO_CLASS_MAX)     5  u8[3] zero
 *   6  u16 subpath_len (OPEN only, < 512)       8  i64 result (>= 0, or -errno, errno 1..4095)
 *   8  u64 handle (server's file id)           16  u64 new_handle (OPEN)
 *  16  u64 cmd (IOCTL)                         24  u32 out_total (0 when result < 0)
 *  24  i64 offset (LSEEK, PREAD)               28  u32 out_offset
 *  32  u32 flags (OPEN; CLOSE: no reply)       32  u64 service_ns (time the resource took, emulated)
 *  36  u32 mode (OPEN)                         40  data fragment
 *  40  u32 whence (LSEEK, 0..4)               IO_CONTROL payload
 *  44  u32 out_len (bytes the caller takes)     0  u32 req_id
 *  48  u32 in_total (data over all fragments)   4  u8  cmd (WIRE_IO_CTL_BIND)
 *  52  u32 in_offset (this fragment's place)    5  u8  class_len (1..WIRE_IO_CLASS_MAX)
 *  56  class name, subpath, data fragment       6  u16 zero
 *                                               8  u32 device (0 = the receiving device itself)
 *                                              12  class name
 * WIRE_F_MORE is set exactly when in_offset (out_offset) + fragment < in_total (out_total). */
#define WIRE_IO_MAX_DATA   (16u << 20)
#define WIRE_IO_CHUNK      (WIRE_MAX_PAYLOAD - 1024)
#define WIRE_IO_CLASS_MAX  15
#define WIRE_IO_SUBPATH_MAX 511
#define WIRE_IO_OPS        8        /* enum io_op values 0..7 */
#define WIRE_IO_OP_CONTROL 0x80
#define WIRE_IO_CTL_BIND   1

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
        struct { uint64_t lock; } lock;                 /* ACQUIRE, RELEASE, REVOKE; COND_WAIT, COND_SIGNAL */
        struct { uint64_t lock; uint32_t count; const uint8_t *raw; } grant;   /* raw: count * 8 bytes */
        struct { uint32_t page, count; } page_request;
        struct { uint32_t page, version; const uint8_t *data; } page_reply;    /* WIRE_PAGE_SIZE bytes */
        struct { uint32_t page, version, len; const uint8_t *diff; } diff;     /* DIFF_PUSH, DIFF_REPLY */
        struct { uint32_t count; const uint8_t *raw; } held;                   /* raw: count * 4 bytes */
        struct { uint32_t page; } flush;
        struct { uint32_t beat; uint64_t sent_ns; } heartbeat;                  /* HEARTBEAT, HEARTBEAT_ACK */
        struct { uint32_t phase; } checkpoint;                                  /* WIRE_CKPT_BEGIN, _COMMIT */
        struct {
            uint32_t req_id; uint8_t op; uint8_t class_len; uint16_t subpath_len;
            uint64_t handle, cmd; int64_t offset; uint32_t flags, mode, whence, out_len, in_total, in_offset;
            const char *class_name, *subpath;   /* not NUL-terminated: class_len, subpath_len bytes */
            const uint8_t *data; uint32_t data_len;
        } io_req;
        struct {
            uint32_t req_id; uint8_t op; int64_t result; uint64_t new_handle; uint32_t out_total, out_offset;
            uint64_t service_ns; const uint8_t *data; uint32_t data_len;
        } io_reply;
        struct { uint32_t req_id; uint8_t cmd; uint8_t class_len; uint32_t device; const char *class_name; } io_control;
    } u;
};

/* Growable output buffer for the encoder. */
struct wire_buf {
    uint8_t *data;
    size_t len, cap;
};
void wire_buf_free(struct wire_buf *b);
/* n more bytes at the end of b, for the caller to fill (NULL when out of memory). */
uint8_t *wire_buf_grow(struct wire_buf *b, size_t n);

/* Decode one message from buf[0..len). Returns WIRE_OK and sets *consumed, WIRE_NEED_MORE, or an error. */
int wire_decode(const uint8_t *buf, size_t len, struct wire_msg *out, size_t *consumed);
/* Header alone (20 bytes): lets a reader learn how much payload to read before reading it. */
int wire_decode_header(const uint8_t *buf, size_t len, struct wire_header *out);
/* Write notice i of a decoded grant (i < count). */
struct wire_notice wire_grant_notice(const struct wire_msg *m, uint32_t i);
/* Page i of a decoded DIFF_HELD (i < count). */
uint32_t wire_held_page(const struct wire_msg *m, uint32_t i);

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
int wire_put_held(struct wire_buf *b, uint32_t seq, uint32_t sender, const uint32_t *pages, uint32_t count);
int wire_put_flush_request(struct wire_buf *b, uint32_t seq, uint32_t sender, uint32_t page);
int wire_put_checkpoint(struct wire_buf *b, uint32_t seq, uint32_t sender, uint32_t phase);
/* type: WIRE_HEARTBEAT or WIRE_HEARTBEAT_ACK. */
int wire_put_heartbeat(struct wire_buf *b, uint8_t type, uint32_t seq, uint32_t sender, uint32_t beat,
                       uint64_t sent_ns);

/* The fixed part of one forwarded operation; the encoder appends as many fragments as DATA needs. */
struct wire_io_req {
    uint32_t req_id;
    uint8_t op;
    const char *class_name;     /* NUL-terminated */
    const char *subpath;        /* NULL or "" except for OPEN */
    uint64_t handle, cmd;
    int64_t offset;
    uint32_t flags, mode, whence, out_len;
};
/* Appends IO_REQUEST fragments carrying data[0..len) (len <= WIRE_IO_MAX_DATA). */
int wire_put_io_request(struct wire_buf *b, uint32_t *seq, uint32_t sender, const struct wire_io_req *r,
                        const uint8_t *data, uint32_t len);
/* Appends IO_REPLY fragments carrying data[0..len) (none when result < 0). */
int wire_put_io_reply(struct wire_buf *b, uint32_t *seq, uint32_t sender, uint32_t req_id, uint8_t op, int64_t result,
                      uint64_t new_handle, uint64_t service_ns, const uint8_t *data, uint32_t len);
int wire_put_io_control(struct wire_buf *b, uint32_t seq, uint32_t sender, uint32_t req_id, uint8_t cmd,
                        const char *class_name, uint32_t device);

/* Connection states: which types a peer may send in each. */
enum wire_conn_state {
    WIRE_SERVER_AWAIT_HELLO, WIRE_SERVER_AWAIT_AUTH, WIRE_SERVER_READY,
    WIRE_CLIENT_AWAIT_CHALLENGE, WIRE_CLIENT_AWAIT_WELCOME, WIRE_CLIENT_READY,
    WIRE_IO_SERVER_READY,       /* resource server after the join: IO_REQUEST, IO_CONTROL */
    WIRE_IO_CLIENT_READY,       /* forwarder after the join: IO_REPLY */
};
bool wire_type_allowed(enum wire_conn_state state, uint8_t type);

const char *wire_type_name(uint8_t type);
const char *wire_status_name(int status);

#endif
