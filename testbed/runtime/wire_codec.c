/* Encoder and validating decoder for the wire protocol (format in wire_msg.h). */
#include "wire_msg.h"
#include "dsm_diff.h"

#include <stdlib.h>
#include <string.h>

/* ---- big-endian helpers ---- */
static uint16_t get16(const uint8_t *p) { return (uint16_t)(p[0] << 8 | p[1]); }
static uint32_t get32(const uint8_t *p) { return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3]; }
static uint64_t get64(const uint8_t *p) { return (uint64_t)get32(p) << 32 | get32(p + 4); }
static void set16(uint8_t *p, uint16_t v) { p[0] = (uint8_t)(v >> 8); p[1] = (uint8_t)v; }
static void set32(uint8_t *p, uint32_t v) { set16(p, (uint16_t)(v >> 16)); set16(p + 2, (uint16_t)v); }
static void set64(uint8_t *p, uint64_t v) { set32(p, (uint32_t)(v >> 32)); set32(p + 4, (uint32_t)v); }

void wire_buf_free(struct wire_buf *b)
{
    free(b->data);
    b->data = NULL;
    b->len = b->cap = 0;
}

uint8_t *wire_buf_grow(struct wire_buf *b, size_t n)
{
    if (b->cap - b->len < n) {
        size_t cap = b->cap ? b->cap : 256;
        while (cap - b->len < n)
            cap *= 2;
        uint8_t *data = realloc(b->data, cap);
        if (!data)
            return NULL;
        b->data = data;
        b->cap = cap;
    }
    uint8_t *p = b->data + b->len;
    b->len += n;
    return p;
}

/* Reserve header + payload; returns a pointer to the payload. */
static uint8_t *begin(struct wire_buf *b, uint8_t type, uint16_t flags, uint32_t seq, uint32_t sender, size_t payload)
{
    if (payload > WIRE_MAX_PAYLOAD)
        return NULL;
    uint8_t *p = wire_buf_grow(b, WIRE_HEADER_SIZE + payload);
    if (!p)
        return NULL;
    set32(p, WIRE_MAGIC);
    p[4] = WIRE_VERSION;
    p[5] = type;
    set16(p + 6, flags);
    set32(p + 8, seq);
    set32(p + 12, sender);
    set32(p + 16, (uint32_t)payload);
    return p + WIRE_HEADER_SIZE;
}

static bool name_ok(const char *name, size_t len)
{
    for (size_t i = 0; i < len; i++)
        if (name[i] < 0x21 || name[i] > 0x7e)
            return false;
    return true;
}

int wire_put_hello(struct wire_buf *b, uint32_t seq, uint32_t device, const uint8_t nonce[WIRE_NONCE_SIZE], const char *name)
{
    size_t n = strlen(name);
    if (n > WIRE_NAME_MAX || !name_ok(name, n) || device == 0 || device > WIRE_MAX_DEVICES)
        return -1;
    uint8_t *p = begin(b, WIRE_HELLO, 0, seq, device, 4 + WIRE_NONCE_SIZE + 1 + n);
    if (!p)
        return -1;
    set32(p, device);
    memcpy(p + 4, nonce, WIRE_NONCE_SIZE);
    p[4 + WIRE_NONCE_SIZE] = (uint8_t)n;
    memcpy(p + 5 + WIRE_NONCE_SIZE, name, n);
    return 0;
}

int wire_put_challenge(struct wire_buf *b, uint32_t seq, uint32_t sender, const uint8_t nonce[WIRE_NONCE_SIZE])
{
    uint8_t *p = begin(b, WIRE_CHALLENGE, 0, seq, sender, WIRE_NONCE_SIZE);
    if (!p)
        return -1;
    memcpy(p, nonce, WIRE_NONCE_SIZE);
    return 0;
}

int wire_put_auth(struct wire_buf *b, uint32_t seq, uint32_t sender, const uint8_t mac[WIRE_MAC_SIZE])
{
    uint8_t *p = begin(b, WIRE_AUTH, 0, seq, sender, WIRE_MAC_SIZE);
    if (!p)
        return -1;
    memcpy(p, mac, WIRE_MAC_SIZE);
    return 0;
}

int wire_put_welcome(struct wire_buf *b, uint32_t seq, uint32_t sender, const uint8_t mac[WIRE_MAC_SIZE],
                     uint64_t region_base, uint64_t region_size)
{
    uint8_t *p = begin(b, WIRE_WELCOME, 0, seq, sender, WIRE_MAC_SIZE + 20);
    if (!p)
        return -1;
    memcpy(p, mac, WIRE_MAC_SIZE);
    set64(p + WIRE_MAC_SIZE, region_base);
    set64(p + WIRE_MAC_SIZE + 8, region_size);
    set32(p + WIRE_MAC_SIZE + 16, WIRE_PAGE_SIZE);
    return 0;
}

int wire_put_reject(struct wire_buf *b, uint32_t seq, uint32_t sender, uint32_t reason)
{
    uint8_t *p = begin(b, WIRE_REJECT, 0, seq, sender, 4);
    if (!p)
        return -1;
    set32(p, reason);
    return 0;
}

int wire_put_lock(struct wire_buf *b, uint8_t type, uint32_t seq, uint32_t sender, uint64_t lock)
{
    if (type != WIRE_LOCK_ACQUIRE && type != WIRE_LOCK_RELEASE && type != WIRE_LOCK_REVOKE &&
        type != WIRE_COND_WAIT && type != WIRE_COND_SIGNAL)
        return -1;
    uint8_t *p = begin(b, type, 0, seq, sender, 8);
    if (!p)
        return -1;
    set64(p, lock);
    return 0;
}

int wire_put_grant(struct wire_buf *b, uint32_t seq, uint32_t sender, uint64_t lock, uint16_t flags,
                   const struct wire_notice *notices, uint32_t count)
{
    if (flags & ~WIRE_F_SPECULATIVE || (size_t)count > (WIRE_MAX_PAYLOAD - 12) / 8)
        return -1;
    uint8_t *p = begin(b, WIRE_LOCK_GRANT, flags, seq, sender, 12 + (size_t)count * 8);
    if (!p)
        return -1;
    set64(p, lock);
    set32(p + 8, count);
    for (uint32_t i = 0; i < count; i++) {
        set32(p + 12 + i * 8, notices[i].page);
        set32(p + 16 + i * 8, notices[i].version);
    }
    return 0;
}

int wire_put_page_request(struct wire_buf *b, uint32_t seq, uint32_t sender, uint32_t page, uint32_t count)
{
    if (count == 0 || count > WIRE_PREFETCH_MAX)
        return -1;
    uint8_t *p = begin(b, WIRE_PAGE_REQUEST, 0, seq, sender, 8);
    if (!p)
        return -1;
    set32(p, page);
    set32(p + 4, count);
    return 0;
}

int wire_put_page_reply(struct wire_buf *b, uint32_t seq, uint32_t sender, uint16_t flags, uint32_t page,
                        uint32_t version, const uint8_t *data)
{
    if (flags & ~WIRE_F_PREFETCH)
        return -1;
    uint8_t *p = begin(b, WIRE_PAGE_REPLY, flags, seq, sender, 8 + WIRE_PAGE_SIZE);
    if (!p)
        return -1;
    set32(p, page);
    set32(p + 4, version);
    memcpy(p + 8, data, WIRE_PAGE_SIZE);
    return 0;
}

int wire_put_diff(struct wire_buf *b, uint8_t type, uint32_t seq, uint32_t sender, uint16_t flags, uint32_t page,
                  uint32_t version, const uint8_t *diff, uint32_t len)
{
    if ((type != WIRE_DIFF_PUSH && type != WIRE_DIFF_REPLY) || flags & ~WIRE_F_PREFETCH || !dsm_diff_valid(diff, len))
        return -1;
    uint8_t *p = begin(b, type, flags, seq, sender, 8 + (size_t)len);
    if (!p)
        return -1;
    set32(p, page);
    set32(p + 4, version);
    if (len)
        memcpy(p + 8, diff, len);
    return 0;
}

int wire_put_held(struct wire_buf *b, uint32_t seq, uint32_t sender, const uint32_t *pages, uint32_t count)
{
    if (count == 0 || (size_t)count > (WIRE_MAX_PAYLOAD - 4) / 4)
        return -1;
    uint8_t *p = begin(b, WIRE_DIFF_HELD, 0, seq, sender, 4 + (size_t)count * 4);
    if (!p)
        return -1;
    set32(p, count);
    for (uint32_t i = 0; i < count; i++)
        set32(p + 4 + i * 4, pages[i]);
    return 0;
}

int wire_put_flush_request(struct wire_buf *b, uint32_t seq, uint32_t sender, uint32_t page)
{
    uint8_t *p = begin(b, WIRE_FLUSH_REQUEST, 0, seq, sender, 4);
    if (!p)
        return -1;
    set32(p, page);
    return 0;
}

int wire_put_checkpoint(struct wire_buf *b, uint32_t seq, uint32_t sender, uint32_t phase)
{
    if (phase != WIRE_CKPT_BEGIN && phase != WIRE_CKPT_COMMIT)
        return -1;
    uint8_t *p = begin(b, WIRE_CHECKPOINT, 0, seq, sender, 4);
    if (!p)
        return -1;
    set32(p, phase);
    return 0;
}

int wire_put_heartbeat(struct wire_buf *b, uint8_t type, uint32_t seq, uint32_t sender, uint32_t beat,
                       uint64_t sent_ns)
{
    if (type != WIRE_HEARTBEAT && type != WIRE_HEARTBEAT_ACK)
        return -1;
    uint8_t *p = begin(b, type, 0, seq, sender, 12);
    if (!p)
        return -1;
    set32(p, beat);
    set64(p + 4, sent_ns);
    return 0;
}

static bool class_ok(const char *name, size_t len)
{
    return len >= 1 && len <= WIRE_IO_CLASS_MAX && name_ok(name, len);
}

int wire_put_io_request(struct wire_buf *b, uint32_t *seq, uint32_t sender, const struct wire_io_req *r,
                        const uint8_t *data, uint32_t len)
{
    size_t class_len = r->class_name ? strlen(r->class_name) : 0;
    size_t sub_len = r->subpath ? strlen(r->subpath) : 0;
    if (!class_ok(r->class_name, class_len) || sub_len > WIRE_IO_SUBPATH_MAX || memchr(r->subpath ? r->subpath : "", 0, sub_len) ||
        (sub_len && r->op != 0) || r->op >= WIRE_IO_OPS || r->whence > 4 || len > WIRE_IO_MAX_DATA ||
        r->out_len > WIRE_IO_MAX_DATA || (len && !data))
        return -1;
    uint32_t off = 0;
    do {
        uint32_t chunk = len - off < WIRE_IO_CHUNK ? len - off : WIRE_IO_CHUNK;
        uint16_t flags = off + chunk < len ? WIRE_F_MORE : 0;
        uint8_t *p = begin(b, WIRE_IO_REQUEST, flags, (*seq)++, sender, 56 + class_len + sub_len + chunk);
        if (!p)
            return -1;
        set32(p, r->req_id);
        p[4] = r->op;
        p[5] = (uint8_t)class_len;
        set16(p + 6, (uint16_t)sub_len);
        set64(p + 8, r->handle);
        set64(p + 16, r->cmd);
        set64(p + 24, (uint64_t)r->offset);
        set32(p + 32, r->flags);
        set32(p + 36, r->mode);
        set32(p + 40, r->whence);
        set32(p + 44, r->out_len);
        set32(p + 48, len);
        set32(p + 52, off);
        memcpy(p + 56, r->class_name, class_len);
        if (sub_len)
            memcpy(p + 56 + class_len, r->subpath, sub_len);
        if (chunk)
            memcpy(p + 56 + class_len + sub_len, data + off, chunk);
        off += chunk;
    } while (off < len);
    return 0;
}

int wire_put_io_reply(struct wire_buf *b, uint32_t *seq, uint32_t sender, uint32_t req_id, uint8_t op, int64_t result,
                      uint64_t new_handle, uint64_t service_ns, const uint8_t *data, uint32_t len)
{
    if ((op >= WIRE_IO_OPS && op != WIRE_IO_OP_CONTROL) || result < -4095)
        return -1;
    if ((result < 0 && len) || len > WIRE_IO_MAX_DATA || (len && !data))
        return -1;
    uint32_t off = 0;
    do {
        uint32_t chunk = len - off < WIRE_IO_CHUNK ? len - off : WIRE_IO_CHUNK;
        uint16_t flags = off + chunk < len ? WIRE_F_MORE : 0;
        uint8_t *p = begin(b, WIRE_IO_REPLY, flags, (*seq)++, sender, 40 + chunk);
        if (!p)
            return -1;
        set32(p, req_id);
        p[4] = op;
        p[5] = p[6] = p[7] = 0;
        set64(p + 8, (uint64_t)result);
        set64(p + 16, new_handle);
        set32(p + 24, len);
        set32(p + 28, off);
        set64(p + 32, service_ns);
        if (chunk)
            memcpy(p + 40, data + off, chunk);
        off += chunk;
    } while (off < len);
    return 0;
}

int wire_put_io_control(struct wire_buf *b, uint32_t seq, uint32_t sender, uint32_t req_id, uint8_t cmd,
                        const char *class_name, uint32_t device)
{
    size_t class_len = class_name ? strlen(class_name) : 0;
    if (cmd != WIRE_IO_CTL_BIND || !class_ok(class_name, class_len) || device > WIRE_MAX_DEVICES)
        return -1;
    uint8_t *p = begin(b, WIRE_IO_CONTROL, 0, seq, sender, 12 + class_len);
    if (!p)
        return -1;
    set32(p, req_id);
    p[4] = cmd;
    p[5] = (uint8_t)class_len;
    set16(p + 6, 0);
    set32(p + 8, device);
    memcpy(p + 12, class_name, class_len);
    return 0;
}

/* ---- decoder ---- */

static bool reserved_type(uint8_t t)
{
    switch (t) {
    case WIRE_BARRIER:
    case WIRE_MIGRATE: case WIRE_MIGRATE_ACK:
    case WIRE_STATS:
        return true;
    default:
        return false;
    }
}

static bool known_type(uint8_t t)
{
    return (t >= WIRE_HELLO && t <= WIRE_REJECT) || (t >= WIRE_LOCK_ACQUIRE && t <= WIRE_LOCK_REVOKE) ||
           (t >= WIRE_PAGE_REQUEST && t <= WIRE_FLUSH_REQUEST) || t == WIRE_COND_WAIT || t == WIRE_COND_SIGNAL ||
           (t >= WIRE_IO_REQUEST && t <= WIRE_IO_CONTROL) ||
           t == WIRE_HEARTBEAT || t == WIRE_HEARTBEAT_ACK || t == WIRE_CHECKPOINT;
}

/* Flags each type may carry; any other bit set is an error. */
static uint16_t allowed_flags(uint8_t t)
{
    switch (t) {
    case WIRE_LOCK_GRANT: return WIRE_F_SPECULATIVE;
    case WIRE_PAGE_REPLY: case WIRE_DIFF_REPLY: return WIRE_F_PREFETCH;
    case WIRE_IO_REQUEST: case WIRE_IO_REPLY: return WIRE_F_MORE;
    default: return 0;
    }
}

int wire_decode_header(const uint8_t *buf, size_t len, struct wire_header *out)
{
    /* Reject a bad magic as early as its bytes arrive, so garbage is dropped without waiting. */
    for (size_t i = 0; i < 4 && i < len; i++)
        if (buf[i] != (uint8_t)(WIRE_MAGIC >> (24 - 8 * i)))
            return WIRE_E_MAGIC;
    if (len < WIRE_HEADER_SIZE)
        return WIRE_NEED_MORE;
    if (buf[4] != WIRE_VERSION)
        return WIRE_E_VERSION;
    out->type = buf[5];
    out->flags = get16(buf + 6);
    out->seq = get32(buf + 8);
    out->sender = get32(buf + 12);
    out->payload_len = get32(buf + 16);
    if (reserved_type(out->type))
        return WIRE_E_UNSUPPORTED;
    if (!known_type(out->type))
        return WIRE_E_TYPE;
    if (out->payload_len > WIRE_MAX_PAYLOAD)
        return WIRE_E_LENGTH;
    if (out->sender == 0 || out->sender > WIRE_MAX_DEVICES)
        return WIRE_E_SENDER;
    if (out->flags & ~allowed_flags(out->type))
        return WIRE_E_FIELD;
    return WIRE_OK;
}

/* The fragment rule shared by requests and replies: the data lies inside the total, and MORE says whether
 * another fragment follows. */
static int fragment_ok(uint32_t total, uint32_t offset, uint32_t len, uint16_t flags)
{
    if (total > WIRE_IO_MAX_DATA || offset > total || len > total - offset)
        return WIRE_E_FIELD;
    return ((flags & WIRE_F_MORE) != 0) == (offset + len < total) ? WIRE_OK : WIRE_E_FIELD;
}

static int decode_io_request(const uint8_t *p, uint32_t n, struct wire_msg *m)
{
    if (n < 56)
        return WIRE_E_LENGTH;
    m->u.io_req.req_id = get32(p);
    m->u.io_req.op = p[4];
    m->u.io_req.class_len = p[5];
    m->u.io_req.subpath_len = get16(p + 6);
    m->u.io_req.handle = get64(p + 8);
    m->u.io_req.cmd = get64(p + 16);
    m->u.io_req.offset = (int64_t)get64(p + 24);
    m->u.io_req.flags = get32(p + 32);
    m->u.io_req.mode = get32(p + 36);
    m->u.io_req.whence = get32(p + 40);
    m->u.io_req.out_len = get32(p + 44);
    m->u.io_req.in_total = get32(p + 48);
    m->u.io_req.in_offset = get32(p + 52);
    size_t names = (size_t)m->u.io_req.class_len + m->u.io_req.subpath_len;
    if (n < 56 + names)
        return WIRE_E_LENGTH;
    m->u.io_req.class_name = (const char *)p + 56;
    m->u.io_req.subpath = (const char *)p + 56 + m->u.io_req.class_len;
    m->u.io_req.data = p + 56 + names;
    m->u.io_req.data_len = (uint32_t)(n - 56 - names);
    if (m->u.io_req.op >= WIRE_IO_OPS || !class_ok(m->u.io_req.class_name, m->u.io_req.class_len) ||
        m->u.io_req.subpath_len > WIRE_IO_SUBPATH_MAX || (m->u.io_req.subpath_len && m->u.io_req.op != 0) ||
        memchr(m->u.io_req.subpath, 0, m->u.io_req.subpath_len) || m->u.io_req.whence > 4 ||
        m->u.io_req.out_len > WIRE_IO_MAX_DATA)
        return WIRE_E_FIELD;
    return fragment_ok(m->u.io_req.in_total, m->u.io_req.in_offset, m->u.io_req.data_len, m->h.flags);
}

static int decode_io_reply(const uint8_t *p, uint32_t n, struct wire_msg *m)
{
    if (n < 40)
        return WIRE_E_LENGTH;
    m->u.io_reply.req_id = get32(p);
    m->u.io_reply.op = p[4];
    m->u.io_reply.result = (int64_t)get64(p + 8);
    m->u.io_reply.new_handle = get64(p + 16);
    m->u.io_reply.out_total = get32(p + 24);
    m->u.io_reply.out_offset = get32(p + 28);
    m->u.io_reply.service_ns = get64(p + 32);
    m->u.io_reply.data = p + 40;
    m->u.io_reply.data_len = n - 40;
    if ((m->u.io_reply.op >= WIRE_IO_OPS && m->u.io_reply.op != WIRE_IO_OP_CONTROL) || p[5] || p[6] || p[7] ||
        m->u.io_reply.result < -4095 || (m->u.io_reply.result < 0 && m->u.io_reply.out_total))
        return WIRE_E_FIELD;
    return fragment_ok(m->u.io_reply.out_total, m->u.io_reply.out_offset, m->u.io_reply.data_len, m->h.flags);
}

static int decode_payload(const uint8_t *p, uint32_t n, struct wire_msg *m)
{
    switch (m->h.type) {
    case WIRE_HELLO: {
        if (n < 4 + WIRE_NONCE_SIZE + 1)
            return WIRE_E_LENGTH;
        uint8_t name_len = p[4 + WIRE_NONCE_SIZE];
        if (name_len > WIRE_NAME_MAX)
            return WIRE_E_FIELD;
        if (n != 4u + WIRE_NONCE_SIZE + 1 + name_len)
            return WIRE_E_LENGTH;
        m->u.hello.device = get32(p);
        if (m->u.hello.device == 0 || m->u.hello.device > WIRE_MAX_DEVICES || m->u.hello.device != m->h.sender)
            return WIRE_E_FIELD;
        memcpy(m->u.hello.nonce, p + 4, WIRE_NONCE_SIZE);
        m->u.hello.name_len = name_len;
        memcpy(m->u.hello.name, p + 5 + WIRE_NONCE_SIZE, name_len);
        m->u.hello.name[name_len] = '\0';
        if (!name_ok(m->u.hello.name, name_len))
            return WIRE_E_FIELD;
        return WIRE_OK;
    }
    case WIRE_CHALLENGE:
        if (n != WIRE_NONCE_SIZE)
            return WIRE_E_LENGTH;
        memcpy(m->u.challenge.nonce, p, WIRE_NONCE_SIZE);
        return WIRE_OK;
    case WIRE_AUTH:
        if (n != WIRE_MAC_SIZE)
            return WIRE_E_LENGTH;
        memcpy(m->u.auth.mac, p, WIRE_MAC_SIZE);
        return WIRE_OK;
    case WIRE_WELCOME:
        if (n != WIRE_MAC_SIZE + 20)
            return WIRE_E_LENGTH;
        memcpy(m->u.welcome.mac, p, WIRE_MAC_SIZE);
        m->u.welcome.region_base = get64(p + WIRE_MAC_SIZE);
        m->u.welcome.region_size = get64(p + WIRE_MAC_SIZE + 8);
        m->u.welcome.page_size = get32(p + WIRE_MAC_SIZE + 16);
        if (m->u.welcome.page_size != WIRE_PAGE_SIZE || m->u.welcome.region_size % WIRE_PAGE_SIZE ||
            m->u.welcome.region_base % WIRE_PAGE_SIZE || m->u.welcome.region_size / WIRE_PAGE_SIZE > UINT32_MAX)
            return WIRE_E_FIELD;
        return WIRE_OK;
    case WIRE_REJECT:
        if (n != 4)
            return WIRE_E_LENGTH;
        m->u.reject.reason = get32(p);
        return WIRE_OK;
    case WIRE_LOCK_ACQUIRE: case WIRE_LOCK_RELEASE: case WIRE_LOCK_REVOKE:
    case WIRE_COND_WAIT: case WIRE_COND_SIGNAL:
        if (n != 8)
            return WIRE_E_LENGTH;
        m->u.lock.lock = get64(p);
        return WIRE_OK;
    case WIRE_LOCK_GRANT:
        if (n < 12)
            return WIRE_E_LENGTH;
        m->u.grant.lock = get64(p);
        m->u.grant.count = get32(p + 8);
        if (m->u.grant.count > (n - 12) / 8 || n != 12 + m->u.grant.count * 8)
            return WIRE_E_LENGTH;
        m->u.grant.raw = p + 12;
        return WIRE_OK;
    case WIRE_PAGE_REQUEST:
        if (n != 8)
            return WIRE_E_LENGTH;
        m->u.page_request.page = get32(p);
        m->u.page_request.count = get32(p + 4);
        if (m->u.page_request.count == 0 || m->u.page_request.count > WIRE_PREFETCH_MAX)
            return WIRE_E_FIELD;
        return WIRE_OK;
    case WIRE_PAGE_REPLY:
        if (n != 8 + WIRE_PAGE_SIZE)
            return WIRE_E_LENGTH;
        m->u.page_reply.page = get32(p);
        m->u.page_reply.version = get32(p + 4);
        m->u.page_reply.data = p + 8;
        return WIRE_OK;
    case WIRE_DIFF_PUSH: case WIRE_DIFF_REPLY:
        if (n < 8)
            return WIRE_E_LENGTH;
        m->u.diff.page = get32(p);
        m->u.diff.version = get32(p + 4);
        m->u.diff.len = n - 8;
        m->u.diff.diff = p + 8;
        if (!dsm_diff_valid(m->u.diff.diff, m->u.diff.len))
            return WIRE_E_DIFF;
        return WIRE_OK;
    case WIRE_DIFF_HELD:
        if (n < 4)
            return WIRE_E_LENGTH;
        m->u.held.count = get32(p);
        if (m->u.held.count == 0 || m->u.held.count > (n - 4) / 4 || n != 4 + m->u.held.count * 4)
            return m->u.held.count == 0 ? WIRE_E_FIELD : WIRE_E_LENGTH;
        m->u.held.raw = p + 4;
        return WIRE_OK;
    case WIRE_FLUSH_REQUEST:
        if (n != 4)
            return WIRE_E_LENGTH;
        m->u.flush.page = get32(p);
        return WIRE_OK;
    case WIRE_CHECKPOINT:
        if (n != 4)
            return WIRE_E_LENGTH;
        m->u.checkpoint.phase = get32(p);
        return m->u.checkpoint.phase == WIRE_CKPT_BEGIN || m->u.checkpoint.phase == WIRE_CKPT_COMMIT ? WIRE_OK
                                                                                                       : WIRE_E_FIELD;
    case WIRE_HEARTBEAT: case WIRE_HEARTBEAT_ACK:
        if (n != 12)
            return WIRE_E_LENGTH;
        m->u.heartbeat.beat = get32(p);
        m->u.heartbeat.sent_ns = get64(p + 4);
        return WIRE_OK;
    case WIRE_IO_REQUEST:
        return decode_io_request(p, n, m);
    case WIRE_IO_REPLY:
        return decode_io_reply(p, n, m);
    case WIRE_IO_CONTROL:
        if (n < 12)
            return WIRE_E_LENGTH;
        m->u.io_control.req_id = get32(p);
        m->u.io_control.cmd = p[4];
        m->u.io_control.class_len = p[5];
        m->u.io_control.device = get32(p + 8);
        m->u.io_control.class_name = (const char *)p + 12;
        if (n != 12u + p[5])
            return WIRE_E_LENGTH;
        if (m->u.io_control.cmd != WIRE_IO_CTL_BIND || get16(p + 6) != 0 ||
            !class_ok(m->u.io_control.class_name, p[5]) || m->u.io_control.device > WIRE_MAX_DEVICES)
            return WIRE_E_FIELD;
        return WIRE_OK;
    default:
        return WIRE_E_TYPE;
    }
}

int wire_decode(const uint8_t *buf, size_t len, struct wire_msg *out, size_t *consumed)
{
    memset(out, 0, sizeof(*out));
    int rc = wire_decode_header(buf, len, &out->h);
    if (rc != WIRE_OK)
        return rc;
    if (len - WIRE_HEADER_SIZE < out->h.payload_len)
        return WIRE_NEED_MORE;
    rc = decode_payload(buf + WIRE_HEADER_SIZE, out->h.payload_len, out);
    if (rc != WIRE_OK)
        return rc;
    *consumed = WIRE_HEADER_SIZE + (size_t)out->h.payload_len;
    return WIRE_OK;
}

uint32_t wire_held_page(const struct wire_msg *m, uint32_t i)
{
    return get32(m->u.held.raw + i * 4);
}

struct wire_notice wire_grant_notice(const struct wire_msg *m, uint32_t i)
{
    struct wire_notice n = { get32(m->u.grant.raw + i * 8), get32(m->u.grant.raw + i * 8 + 4) };
    return n;
}

bool wire_type_allowed(enum wire_conn_state state, uint8_t type)
{
    switch (state) {
    case WIRE_SERVER_AWAIT_HELLO: return type == WIRE_HELLO;
    case WIRE_SERVER_AWAIT_AUTH: return type == WIRE_AUTH;
    case WIRE_SERVER_READY:
        return type == WIRE_LOCK_ACQUIRE || type == WIRE_LOCK_RELEASE || type == WIRE_PAGE_REQUEST ||
               type == WIRE_DIFF_PUSH || type == WIRE_DIFF_HELD || type == WIRE_HEARTBEAT ||
               type == WIRE_COND_WAIT || type == WIRE_COND_SIGNAL || type == WIRE_CHECKPOINT;
    case WIRE_CLIENT_AWAIT_CHALLENGE: return type == WIRE_CHALLENGE || type == WIRE_REJECT;
    case WIRE_CLIENT_AWAIT_WELCOME: return type == WIRE_WELCOME || type == WIRE_REJECT;
    case WIRE_CLIENT_READY:
        return type == WIRE_LOCK_GRANT || type == WIRE_LOCK_REVOKE || type == WIRE_PAGE_REPLY ||
               type == WIRE_DIFF_REPLY || type == WIRE_FLUSH_REQUEST || type == WIRE_HEARTBEAT_ACK ||
               type == WIRE_COND_SIGNAL;
    case WIRE_IO_SERVER_READY: return type == WIRE_IO_REQUEST || type == WIRE_IO_CONTROL;
    case WIRE_IO_CLIENT_READY: return type == WIRE_IO_REPLY;
    }
    return false;
}

const char *wire_type_name(uint8_t type)
{
    static const char *const names[] = {
        [WIRE_HELLO] = "hello", [WIRE_CHALLENGE] = "challenge", [WIRE_AUTH] = "auth",
        [WIRE_WELCOME] = "welcome", [WIRE_REJECT] = "reject", [WIRE_LOCK_ACQUIRE] = "lock-acquire",
        [WIRE_LOCK_GRANT] = "lock-grant", [WIRE_LOCK_RELEASE] = "lock-release", [WIRE_LOCK_REVOKE] = "lock-revoke",
        [WIRE_PAGE_REQUEST] = "page-request", [WIRE_PAGE_REPLY] = "page-reply", [WIRE_DIFF_PUSH] = "diff-push",
        [WIRE_DIFF_REPLY] = "diff-reply", [WIRE_DIFF_HELD] = "diff-held",
        [WIRE_FLUSH_REQUEST] = "flush-request", [WIRE_COND_WAIT] = "cond-wait", [WIRE_COND_SIGNAL] = "cond-signal",
        [WIRE_IO_REQUEST] = "io-request", [WIRE_IO_REPLY] = "io-reply",
        [WIRE_IO_CONTROL] = "io-control", [WIRE_HEARTBEAT] = "heartbeat", [WIRE_HEARTBEAT_ACK] = "heartbeat-ack",
        [WIRE_CHECKPOINT] = "checkpoint",
    };
    return type < sizeof(names) / sizeof(names[0]) && names[type] ? names[type] : "unknown";
}

const char *wire_status_name(int status)
{
    switch (status) {
    case WIRE_OK: return "ok";
    case WIRE_NEED_MORE: return "need more";
    case WIRE_E_MAGIC: return "bad magic";
    case WIRE_E_VERSION: return "bad version";
    case WIRE_E_TYPE: return "unknown type";
    case WIRE_E_UNSUPPORTED: return "reserved type";
    case WIRE_E_LENGTH: return "bad length";
    case WIRE_E_SENDER: return "bad sender";
    case WIRE_E_FIELD: return "bad field";
    case WIRE_E_DIFF: return "bad diff";
    case WIRE_E_STATE: return "type not allowed in this state";
    case WIRE_E_IO: return "connection closed or failed";
    default: return "error";
    }
}
