/* libFuzzer target: the wire decoder on arbitrary bytes, the way a hostile peer would send them.
 * Properties checked on every input, beyond "no crash, no UB, no leak" (ASan/UBSan):
 *   - a decoded message lies inside the input and its variable parts point inside it;
 *   - re-encoding a decoded message gives back exactly the bytes it came from (one encoding per message; for
 *     IO_REQUEST and IO_REPLY, whose encoders split data into fragments, a message that is a whole operation);
 *   - an accepted diff applies inside one page;
 *   - decoding never says OK for a strict prefix of a message. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dsm_diff.h"
#include "wire_msg.h"

static void check(int cond)
{
    if (!cond)
        abort();
}

static void reencode(const struct wire_msg *m, const uint8_t *orig, size_t len)
{
    struct wire_buf b = { 0 };
    const struct wire_header *h = &m->h;
    int rc = -1;
    switch (h->type) {
    case WIRE_HELLO: rc = wire_put_hello(&b, h->seq, m->u.hello.device, m->u.hello.nonce, m->u.hello.name); break;
    case WIRE_CHALLENGE: rc = wire_put_challenge(&b, h->seq, h->sender, m->u.challenge.nonce); break;
    case WIRE_AUTH: rc = wire_put_auth(&b, h->seq, h->sender, m->u.auth.mac); break;
    case WIRE_WELCOME:
        rc = wire_put_welcome(&b, h->seq, h->sender, m->u.welcome.mac, m->u.welcome.region_base, m->u.welcome.region_size);
        break;
    case WIRE_REJECT: rc = wire_put_reject(&b, h->seq, h->sender, m->u.reject.reason); break;
    case WIRE_LOCK_ACQUIRE: case WIRE_LOCK_RELEASE: case WIRE_LOCK_REVOKE:
    case WIRE_COND_WAIT: case WIRE_COND_SIGNAL:
        rc = wire_put_lock(&b, h->type, h->seq, h->sender, m->u.lock.lock);
        break;
    case WIRE_LOCK_GRANT: {
        struct wire_notice *n = malloc((m->u.grant.count ? m->u.grant.count : 1) * sizeof(*n));
        check(n != NULL);
        for (uint32_t i = 0; i < m->u.grant.count; i++)
            n[i] = wire_grant_notice(m, i);
        rc = wire_put_grant(&b, h->seq, h->sender, m->u.grant.lock, h->flags, n, m->u.grant.count);
        free(n);
        break;
    }
    case WIRE_PAGE_REQUEST:
        rc = wire_put_page_request(&b, h->seq, h->sender, m->u.page_request.page, m->u.page_request.count);
        break;
    case WIRE_PAGE_REPLY:
        rc = wire_put_page_reply(&b, h->seq, h->sender, h->flags, m->u.page_reply.page, m->u.page_reply.version,
                                 m->u.page_reply.data);
        break;
    case WIRE_DIFF_PUSH: case WIRE_DIFF_REPLY: {
        uint8_t page[DSM_PAGE_SIZE] = { 0 };
        check(dsm_diff_apply(page, m->u.diff.diff, m->u.diff.len) <= m->u.diff.len);
        rc = wire_put_diff(&b, h->type, h->seq, h->sender, h->flags, m->u.diff.page, m->u.diff.version,
                           m->u.diff.diff, m->u.diff.len);
        break;
    }
    case WIRE_DIFF_HELD: {
        uint32_t *pages = malloc((m->u.held.count ? m->u.held.count : 1) * sizeof(*pages));
        check(pages != NULL);
        for (uint32_t i = 0; i < m->u.held.count; i++)
            pages[i] = wire_held_page(m, i);
        rc = wire_put_held(&b, h->seq, h->sender, pages, m->u.held.count);
        free(pages);
        break;
    }
    case WIRE_FLUSH_REQUEST: rc = wire_put_flush_request(&b, h->seq, h->sender, m->u.flush.page); break;
    case WIRE_HEARTBEAT: case WIRE_HEARTBEAT_ACK:
        rc = wire_put_heartbeat(&b, h->type, h->seq, h->sender, m->u.heartbeat.beat, m->u.heartbeat.sent_ns);
        break;
    case WIRE_IO_CONTROL: {
        char name[256];
        memcpy(name, m->u.io_control.class_name, m->u.io_control.class_len);
        name[m->u.io_control.class_len] = 0;
        rc = wire_put_io_control(&b, h->seq, h->sender, m->u.io_control.req_id, m->u.io_control.cmd, name,
                                 m->u.io_control.device);
        break;
    }
    case WIRE_IO_REQUEST: {
        const typeof(m->u.io_req) *q = &m->u.io_req;
        if (q->in_offset != 0 || q->data_len != q->in_total || (h->flags & WIRE_F_MORE)) {
            wire_buf_free(&b);
            return;             /* one fragment of several */
        }
        char cls[256], sub[65536];
        memcpy(cls, q->class_name, q->class_len);
        cls[q->class_len] = 0;
        memcpy(sub, q->subpath, q->subpath_len);
        sub[q->subpath_len] = 0;
        struct wire_io_req r = { .req_id = q->req_id, .op = q->op, .class_name = cls, .subpath = sub,
                                 .handle = q->handle, .cmd = q->cmd, .offset = q->offset, .flags = q->flags,
                                 .mode = q->mode, .whence = q->whence, .out_len = q->out_len };
        uint32_t seq = h->seq;
        rc = wire_put_io_request(&b, &seq, h->sender, &r, q->data, q->data_len);
        break;
    }
    case WIRE_IO_REPLY: {
        const typeof(m->u.io_reply) *r = &m->u.io_reply;
        if (r->out_offset != 0 || r->data_len != r->out_total || (h->flags & WIRE_F_MORE)) {
            wire_buf_free(&b);
            return;
        }
        uint32_t seq = h->seq;
        rc = wire_put_io_reply(&b, &seq, h->sender, r->req_id, r->op, r->result, r->new_handle, r->service_ns,
                               r->data, r->data_len);
        break;
    }
    default:
        check(0);
    }
    check(rc == 0);
    check(b.len == len && memcmp(b.data, orig, len) == 0);
    wire_buf_free(&b);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    size_t off = 0;
    /* A stream of messages, as a connection would carry them. */
    while (off < size) {
        struct wire_msg m;
        size_t used = 0;
        int rc = wire_decode(data + off, size - off, &m, &used);
        if (rc != WIRE_OK)
            break;
        check(used >= WIRE_HEADER_SIZE && used <= size - off);
        if (used > WIRE_HEADER_SIZE) {
            struct wire_msg again;
            size_t used2;
            check(wire_decode(data + off, used - 1, &again, &used2) != WIRE_OK);
        }
        reencode(&m, data + off, used);
        off += used;
    }
    /* The diff validator alone, on the raw bytes. */
    if (dsm_diff_valid(data, size)) {
        uint8_t page[DSM_PAGE_SIZE];
        check(dsm_diff_apply(page, data, size) <= size);
    }
    return 0;
}
