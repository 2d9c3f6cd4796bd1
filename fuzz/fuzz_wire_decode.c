/* libFuzzer target: the wire decoder on arbitrary bytes, the way a hostile peer would send them.
 * Properties checked on every input, beyond "no crash, no UB, no leak" (ASan/UBSan):
 *   - a decoded message lies inside the input and its variable parts point inside it;
 *   - re-encoding a decoded message gives back exactly the bytes it came from (one encoding per message);
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
