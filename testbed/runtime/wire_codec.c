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

static uint8_t *buf_grow(struct wire_buf *b, size_t n)
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
    uint8_t *p = buf_grow(b, WIRE_HEADER_SIZE + payload);
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
    if (type != WIRE_LOCK_ACQUIRE && type != WIRE_LOCK_RELEASE && type != WIRE_LOCK_REVOKE)
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

/* ---- decoder ---- */

static bool reserved_type(uint8_t t)
{
    switch (t) {
    case WIRE_COND_WAIT: case WIRE_COND_SIGNAL: case WIRE_BARRIER:
    case WIRE_IO_REQUEST: case WIRE_IO_REPLY:
    case WIRE_HEARTBEAT: case WIRE_HEARTBEAT_ACK:
    case WIRE_MIGRATE: case WIRE_MIGRATE_ACK:
    case WIRE_CHECKPOINT: case WIRE_STATS:
        return true;
    default:
        return false;
    }
}

static bool known_type(uint8_t t)
{
    return (t >= WIRE_HELLO && t <= WIRE_REJECT) || (t >= WIRE_LOCK_ACQUIRE && t <= WIRE_LOCK_REVOKE) ||
           (t >= WIRE_PAGE_REQUEST && t <= WIRE_DIFF_REPLY);
}

/* Flags each type may carry; any other bit set is an error. */
static uint16_t allowed_flags(uint8_t t)
{
    switch (t) {
    case WIRE_LOCK_GRANT: return WIRE_F_SPECULATIVE;
    case WIRE_PAGE_REPLY: case WIRE_DIFF_REPLY: return WIRE_F_PREFETCH;
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
               type == WIRE_DIFF_PUSH;
    case WIRE_CLIENT_AWAIT_CHALLENGE: return type == WIRE_CHALLENGE || type == WIRE_REJECT;
    case WIRE_CLIENT_AWAIT_WELCOME: return type == WIRE_WELCOME || type == WIRE_REJECT;
    case WIRE_CLIENT_READY:
        return type == WIRE_LOCK_GRANT || type == WIRE_LOCK_REVOKE || type == WIRE_PAGE_REPLY ||
               type == WIRE_DIFF_REPLY;
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
        [WIRE_DIFF_REPLY] = "diff-reply",
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
