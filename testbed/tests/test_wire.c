/* Wire protocol: encode/decode round trips, every rejection path, the join handshake. */
#include <errno.h>
#include <glib.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "dsm_diff.h"
#include "master_server.h"
#include "peer_client.h"
#include "wire_auth.h"
#include "wire_msg.h"

static const uint8_t nonce[WIRE_NONCE_SIZE] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16 };

static void hex(const uint8_t *p, size_t n, char *out)
{
    for (size_t i = 0; i < n; i++)
        sprintf(out + 2 * i, "%02x", p[i]);
}

static void test_sha256_vectors(void)
{
    uint8_t d[32];
    char s[65];
    struct wire_sha256 h;
    wire_sha256_init(&h);
    wire_sha256_update(&h, "abc", 3);
    wire_sha256_final(&h, d);
    hex(d, 32, s);
    g_assert_cmpstr(s, ==, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    /* two blocks */
    const char *m = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
    wire_sha256_init(&h);
    wire_sha256_update(&h, m, strlen(m));
    wire_sha256_final(&h, d);
    hex(d, 32, s);
    g_assert_cmpstr(s, ==, "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
    /* RFC 4231 test case 2 */
    wire_hmac_sha256((const uint8_t *)"Jefe", 4, "what do ya want for nothing?", 28, d);
    hex(d, 32, s);
    g_assert_cmpstr(s, ==, "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
    /* RFC 4231 test case 6: key longer than a block */
    uint8_t key[131];
    memset(key, 0xaa, sizeof(key));
    const char *t6 = "Test Using Larger Than Block-Size Key - Hash Key First";
    wire_hmac_sha256(key, sizeof(key), t6, strlen(t6), d);
    hex(d, 32, s);
    g_assert_cmpstr(s, ==, "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54");
}

static void test_secret_parse(void)
{
    uint8_t s[WIRE_SECRET_MAX];
    g_assert_cmpint(wire_secret_parse("00112233445566778899aabbccddeeff", s), ==, 16);
    g_assert_cmpint(s[15], ==, 0xff);
    g_assert_cmpint(wire_secret_parse(NULL, s), ==, -1);
    g_assert_cmpint(wire_secret_parse("", s), ==, -1);
    g_assert_cmpint(wire_secret_parse("0011", s), ==, -1);                       /* too short */
    g_assert_cmpint(wire_secret_parse("00112233445566778", s), ==, -1);          /* odd */
    g_assert_cmpint(wire_secret_parse("0011223344556677zz", s), ==, -1);         /* not hex */
    char longer[2 * WIRE_SECRET_MAX + 3];
    memset(longer, 'a', sizeof(longer) - 1);
    longer[sizeof(longer) - 1] = '\0';
    g_assert_cmpint(wire_secret_parse(longer, s), ==, -1);
}

/* Decode b fully: must be exactly one valid message. Also: every strict prefix needs more bytes. */
static void decode_one(const struct wire_buf *b, struct wire_msg *m)
{
    size_t used = 0;
    for (size_t n = 0; n < b->len; n++) {
        struct wire_msg tmp;
        g_assert_cmpint(wire_decode(b->data, n, &tmp, &used), ==, WIRE_NEED_MORE);
    }
    g_assert_cmpint(wire_decode(b->data, b->len, m, &used), ==, WIRE_OK);
    g_assert_cmpuint(used, ==, b->len);
}

static void test_round_trips(void)
{
    struct wire_buf b = { 0 };
    struct wire_msg m;
    uint8_t mac[WIRE_MAC_SIZE], page[WIRE_PAGE_SIZE];
    for (int i = 0; i < WIRE_MAC_SIZE; i++)
        mac[i] = (uint8_t)(i * 7);
    for (unsigned i = 0; i < WIRE_PAGE_SIZE; i++)
        page[i] = (uint8_t)(i * 13);

    g_assert_cmpint(wire_put_hello(&b, 7, 3, nonce, "tv"), ==, 0);
    decode_one(&b, &m);
    g_assert_cmpint(m.h.type, ==, WIRE_HELLO);
    g_assert_cmpuint(m.h.seq, ==, 7);
    g_assert_cmpuint(m.h.sender, ==, 3);
    g_assert_cmpuint(m.u.hello.device, ==, 3);
    g_assert_cmpstr(m.u.hello.name, ==, "tv");
    g_assert_cmpmem(m.u.hello.nonce, 16, nonce, 16);
    b.len = 0;

    g_assert_cmpint(wire_put_challenge(&b, 1, 1, nonce), ==, 0);
    decode_one(&b, &m);
    g_assert_cmpmem(m.u.challenge.nonce, 16, nonce, 16);
    b.len = 0;

    g_assert_cmpint(wire_put_auth(&b, 2, 2, mac), ==, 0);
    decode_one(&b, &m);
    g_assert_cmpmem(m.u.auth.mac, 32, mac, 32);
    b.len = 0;

    g_assert_cmpint(wire_put_welcome(&b, 3, 1, mac, 0x200000000000ull, 1 << 20), ==, 0);
    decode_one(&b, &m);
    g_assert_cmphex(m.u.welcome.region_base, ==, 0x200000000000ull);
    g_assert_cmpuint(m.u.welcome.region_size, ==, 1 << 20);
    g_assert_cmpuint(m.u.welcome.page_size, ==, WIRE_PAGE_SIZE);
    b.len = 0;

    g_assert_cmpint(wire_put_reject(&b, 4, 1, WIRE_REJECT_AUTH), ==, 0);
    decode_one(&b, &m);
    g_assert_cmpuint(m.u.reject.reason, ==, WIRE_REJECT_AUTH);
    b.len = 0;

    uint8_t types[] = { WIRE_LOCK_ACQUIRE, WIRE_LOCK_RELEASE, WIRE_LOCK_REVOKE, WIRE_COND_WAIT, WIRE_COND_SIGNAL };
    for (unsigned i = 0; i < G_N_ELEMENTS(types); i++) {
        g_assert_cmpint(wire_put_lock(&b, types[i], 5, 2, 0x1122334455667788ull), ==, 0);
        decode_one(&b, &m);
        g_assert_cmpint(m.h.type, ==, types[i]);
        g_assert_cmphex(m.u.lock.lock, ==, 0x1122334455667788ull);
        b.len = 0;
    }
    g_assert_cmpint(wire_put_lock(&b, WIRE_HELLO, 5, 2, 1), ==, -1);

    struct wire_notice notices[3] = { { 1, 10 }, { 2, 20 }, { 0xffffffffu, 30 } };
    g_assert_cmpint(wire_put_grant(&b, 6, 1, 42, WIRE_F_SPECULATIVE, notices, 3), ==, 0);
    decode_one(&b, &m);
    g_assert_cmpuint(m.u.grant.lock, ==, 42);
    g_assert_cmpuint(m.h.flags, ==, WIRE_F_SPECULATIVE);
    g_assert_cmpuint(m.u.grant.count, ==, 3);
    for (uint32_t i = 0; i < 3; i++) {
        struct wire_notice n = wire_grant_notice(&m, i);
        g_assert_cmpuint(n.page, ==, notices[i].page);
        g_assert_cmpuint(n.version, ==, notices[i].version);
    }
    b.len = 0;
    g_assert_cmpint(wire_put_grant(&b, 6, 1, 42, 0, NULL, 0), ==, 0);
    decode_one(&b, &m);
    g_assert_cmpuint(m.u.grant.count, ==, 0);
    b.len = 0;

    g_assert_cmpint(wire_put_page_request(&b, 8, 2, 99, 4), ==, 0);
    decode_one(&b, &m);
    g_assert_cmpuint(m.u.page_request.page, ==, 99);
    g_assert_cmpuint(m.u.page_request.count, ==, 4);
    b.len = 0;
    g_assert_cmpint(wire_put_page_request(&b, 8, 2, 99, 0), ==, -1);
    g_assert_cmpint(wire_put_page_request(&b, 8, 2, 99, WIRE_PREFETCH_MAX + 1), ==, -1);

    g_assert_cmpint(wire_put_page_reply(&b, 9, 1, WIRE_F_PREFETCH, 5, 77, page), ==, 0);
    decode_one(&b, &m);
    g_assert_cmpuint(m.u.page_reply.page, ==, 5);
    g_assert_cmpuint(m.u.page_reply.version, ==, 77);
    g_assert_cmpmem(m.u.page_reply.data, WIRE_PAGE_SIZE, page, WIRE_PAGE_SIZE);
    b.len = 0;

    uint8_t diff[] = { 0, 3, 0, 2, 1, 2, 3, 4, 5, 6, 7, 8 };
    g_assert_cmpint(wire_put_diff(&b, WIRE_DIFF_PUSH, 10, 2, 0, 6, 1, diff, sizeof(diff)), ==, 0);
    decode_one(&b, &m);
    g_assert_cmpuint(m.u.diff.page, ==, 6);
    g_assert_cmpuint(m.u.diff.len, ==, sizeof(diff));
    g_assert_cmpmem(m.u.diff.diff, m.u.diff.len, diff, sizeof(diff));
    b.len = 0;
    g_assert_cmpint(wire_put_diff(&b, WIRE_DIFF_REPLY, 10, 1, 0, 6, 1, diff, 0), ==, 0);
    decode_one(&b, &m);
    g_assert_cmpuint(m.u.diff.len, ==, 0);
    b.len = 0;
    diff[3] = 0;    /* zero-word run: encoder refuses */
    g_assert_cmpint(wire_put_diff(&b, WIRE_DIFF_PUSH, 10, 2, 0, 6, 1, diff, sizeof(diff)), ==, -1);

    /* two messages back to back decode one at a time */
    g_assert_cmpint(wire_put_lock(&b, WIRE_LOCK_ACQUIRE, 1, 2, 5), ==, 0);
    g_assert_cmpint(wire_put_lock(&b, WIRE_LOCK_RELEASE, 2, 2, 5), ==, 0);
    size_t used;
    g_assert_cmpint(wire_decode(b.data, b.len, &m, &used), ==, WIRE_OK);
    g_assert_cmpint(m.h.type, ==, WIRE_LOCK_ACQUIRE);
    g_assert_cmpint(wire_decode(b.data + used, b.len - used, &m, &used), ==, WIRE_OK);
    g_assert_cmpint(m.h.type, ==, WIRE_LOCK_RELEASE);
    wire_buf_free(&b);
}

static void test_encoder_refuses(void)
{
    struct wire_buf b = { 0 };
    g_assert_cmpint(wire_put_hello(&b, 1, 0, nonce, "x"), ==, -1);
    g_assert_cmpint(wire_put_hello(&b, 1, WIRE_MAX_DEVICES + 1, nonce, "x"), ==, -1);
    g_assert_cmpint(wire_put_hello(&b, 1, 2, nonce, "has space"), ==, -1);
    g_assert_cmpint(wire_put_hello(&b, 1, 2, nonce, "0123456789012345678901234567890123"), ==, -1);
    g_assert_cmpint(wire_put_grant(&b, 1, 1, 1, 0x8000, NULL, 0), ==, -1);
    g_assert_cmpint(wire_put_grant(&b, 1, 1, 1, 0, NULL, WIRE_MAX_PAYLOAD), ==, -1);
    g_assert_cmpint(wire_put_page_reply(&b, 1, 1, WIRE_F_SPECULATIVE, 0, 0, (const uint8_t[WIRE_PAGE_SIZE]){ 0 }), ==, -1);
    g_assert_cmpuint(b.len, ==, 0);
    wire_buf_free(&b);
}

/* Build a message by hand: header fields and payload. */
static size_t raw(uint8_t *out, uint32_t magic, uint8_t version, uint8_t type, uint16_t flags, uint32_t sender,
                  uint32_t len_field, const uint8_t *payload, size_t payload_len)
{
    out[0] = magic >> 24; out[1] = magic >> 16; out[2] = magic >> 8; out[3] = (uint8_t)magic;
    out[4] = version; out[5] = type; out[6] = flags >> 8; out[7] = (uint8_t)flags;
    memset(out + 8, 0, 4);
    out[12] = sender >> 24; out[13] = sender >> 16; out[14] = sender >> 8; out[15] = (uint8_t)sender;
    out[16] = len_field >> 24; out[17] = len_field >> 16; out[18] = len_field >> 8; out[19] = (uint8_t)len_field;
    memcpy(out + 20, payload, payload_len);
    return 20 + payload_len;
}

static int decode_raw(uint8_t type, uint16_t flags, uint32_t sender, const uint8_t *payload, size_t len)
{
    static uint8_t buf[20 + 2 * WIRE_PAGE_SIZE];
    struct wire_msg m;
    size_t used;
    size_t n = raw(buf, WIRE_MAGIC, WIRE_VERSION, type, flags, sender, (uint32_t)len, payload, len);
    return wire_decode(buf, n, &m, &used);
}

static void test_header_rejections(void)
{
    uint8_t buf[64], pl[8] = { 0 };
    struct wire_msg m;
    size_t used, n;
    n = raw(buf, 0x444D5858, 1, WIRE_LOCK_ACQUIRE, 0, 2, 8, pl, 8);
    g_assert_cmpint(wire_decode(buf, n, &m, &used), ==, WIRE_E_MAGIC);
    g_assert_cmpint(wire_decode((const uint8_t *)"GET / HTTP/1.0", 1, &m, &used), ==, WIRE_E_MAGIC);  /* early */
    n = raw(buf, WIRE_MAGIC, 2, WIRE_LOCK_ACQUIRE, 0, 2, 8, pl, 8);
    g_assert_cmpint(wire_decode(buf, n, &m, &used), ==, WIRE_E_VERSION);
    n = raw(buf, WIRE_MAGIC, 1, 99, 0, 2, 8, pl, 8);
    g_assert_cmpint(wire_decode(buf, n, &m, &used), ==, WIRE_E_TYPE);
    n = raw(buf, WIRE_MAGIC, 1, 0, 0, 2, 8, pl, 8);
    g_assert_cmpint(wire_decode(buf, n, &m, &used), ==, WIRE_E_TYPE);
    uint8_t reserved[] = { WIRE_BARRIER, WIRE_MIGRATE, WIRE_STATS };
    for (unsigned i = 0; i < sizeof(reserved); i++) {
        n = raw(buf, WIRE_MAGIC, 1, reserved[i], 0, 2, 8, pl, 8);
        g_assert_cmpint(wire_decode(buf, n, &m, &used), ==, WIRE_E_UNSUPPORTED);
    }
    /* a huge length is refused from the header alone, before any payload is awaited */
    n = raw(buf, WIRE_MAGIC, 1, WIRE_DIFF_PUSH, 0, 2, WIRE_MAX_PAYLOAD + 1, pl, 0);
    g_assert_cmpint(wire_decode(buf, n, &m, &used), ==, WIRE_E_LENGTH);
    n = raw(buf, WIRE_MAGIC, 1, WIRE_LOCK_ACQUIRE, 0, 0, 8, pl, 8);
    g_assert_cmpint(wire_decode(buf, n, &m, &used), ==, WIRE_E_SENDER);
    n = raw(buf, WIRE_MAGIC, 1, WIRE_LOCK_ACQUIRE, 0, WIRE_MAX_DEVICES + 1, 8, pl, 8);
    g_assert_cmpint(wire_decode(buf, n, &m, &used), ==, WIRE_E_SENDER);
    n = raw(buf, WIRE_MAGIC, 1, WIRE_LOCK_ACQUIRE, WIRE_F_SPECULATIVE, 2, 8, pl, 8);
    g_assert_cmpint(wire_decode(buf, n, &m, &used), ==, WIRE_E_FIELD);
    n = raw(buf, WIRE_MAGIC, 1, WIRE_PAGE_REPLY, WIRE_F_SPECULATIVE, 2, 8, pl, 8);
    g_assert_cmpint(wire_decode(buf, n, &m, &used), ==, WIRE_E_FIELD);
}

static void test_payload_rejections(void)
{
    uint8_t p[WIRE_PAGE_SIZE + 16] = { 0 };
    /* fixed-size types: one byte short and one byte long */
    struct { uint8_t type; size_t len; } fixed[] = {
        { WIRE_CHALLENGE, WIRE_NONCE_SIZE }, { WIRE_AUTH, WIRE_MAC_SIZE }, { WIRE_REJECT, 4 },
        { WIRE_LOCK_ACQUIRE, 8 }, { WIRE_LOCK_RELEASE, 8 }, { WIRE_LOCK_REVOKE, 8 }, { WIRE_PAGE_REQUEST, 8 },
        { WIRE_COND_WAIT, 8 }, { WIRE_COND_SIGNAL, 8 },
        { WIRE_PAGE_REPLY, 8 + WIRE_PAGE_SIZE }, { WIRE_WELCOME, WIRE_MAC_SIZE + 20 },
    };
    for (unsigned i = 0; i < G_N_ELEMENTS(fixed); i++) {
        g_assert_cmpint(decode_raw(fixed[i].type, 0, 1, p, fixed[i].len - 1), ==, WIRE_E_LENGTH);
        g_assert_cmpint(decode_raw(fixed[i].type, 0, 1, p, fixed[i].len + 1), ==, WIRE_E_LENGTH);
    }
    /* hello */
    memset(p, 0, sizeof(p));
    p[3] = 2;                                   /* device 2 */
    p[20] = 2; p[21] = 't'; p[22] = 'v';
    g_assert_cmpint(decode_raw(WIRE_HELLO, 0, 2, p, 23), ==, WIRE_OK);
    g_assert_cmpint(decode_raw(WIRE_HELLO, 0, 3, p, 23), ==, WIRE_E_FIELD);      /* device != sender */
    g_assert_cmpint(decode_raw(WIRE_HELLO, 0, 2, p, 22), ==, WIRE_E_LENGTH);     /* name cut */
    g_assert_cmpint(decode_raw(WIRE_HELLO, 0, 2, p, 24), ==, WIRE_E_LENGTH);     /* trailing byte */
    g_assert_cmpint(decode_raw(WIRE_HELLO, 0, 2, p, 20), ==, WIRE_E_LENGTH);     /* no name length */
    p[21] = '\n';
    g_assert_cmpint(decode_raw(WIRE_HELLO, 0, 2, p, 23), ==, WIRE_E_FIELD);      /* unprintable */
    p[21] = 't';
    p[20] = WIRE_NAME_MAX + 1;
    g_assert_cmpint(decode_raw(WIRE_HELLO, 0, 2, p, 21 + WIRE_NAME_MAX + 1), ==, WIRE_E_FIELD);
    p[20] = 2;
    p[3] = 0;
    g_assert_cmpint(decode_raw(WIRE_HELLO, 0, 2, p, 23), ==, WIRE_E_FIELD);      /* device 0 */
    /* welcome: page size, alignment */
    memset(p, 0, sizeof(p));
    p[WIRE_MAC_SIZE + 18] = 0x10;               /* page size 4096 */
    g_assert_cmpint(decode_raw(WIRE_WELCOME, 0, 1, p, WIRE_MAC_SIZE + 20), ==, WIRE_OK);
    p[WIRE_MAC_SIZE + 18] = 0x20;
    g_assert_cmpint(decode_raw(WIRE_WELCOME, 0, 1, p, WIRE_MAC_SIZE + 20), ==, WIRE_E_FIELD);
    p[WIRE_MAC_SIZE + 18] = 0x10;
    p[WIRE_MAC_SIZE + 15] = 1;                  /* size 1 byte: not page-aligned */
    g_assert_cmpint(decode_raw(WIRE_WELCOME, 0, 1, p, WIRE_MAC_SIZE + 20), ==, WIRE_E_FIELD);
    /* grant: count disagrees with length, count overflows */
    memset(p, 0, sizeof(p));
    p[11] = 2;
    g_assert_cmpint(decode_raw(WIRE_LOCK_GRANT, 0, 1, p, 12 + 16), ==, WIRE_OK);
    g_assert_cmpint(decode_raw(WIRE_LOCK_GRANT, 0, 1, p, 12 + 8), ==, WIRE_E_LENGTH);
    g_assert_cmpint(decode_raw(WIRE_LOCK_GRANT, 0, 1, p, 12 + 24), ==, WIRE_E_LENGTH);
    g_assert_cmpint(decode_raw(WIRE_LOCK_GRANT, 0, 1, p, 11), ==, WIRE_E_LENGTH);
    p[8] = 0x20;                                /* count 0x20000002: count*8 wraps in 32 bits */
    g_assert_cmpint(decode_raw(WIRE_LOCK_GRANT, 0, 1, p, 12 + 16), ==, WIRE_E_LENGTH);
    /* page request count */
    memset(p, 0, sizeof(p));
    g_assert_cmpint(decode_raw(WIRE_PAGE_REQUEST, 0, 2, p, 8), ==, WIRE_E_FIELD);
    p[7] = WIRE_PREFETCH_MAX + 1;
    g_assert_cmpint(decode_raw(WIRE_PAGE_REQUEST, 0, 2, p, 8), ==, WIRE_E_FIELD);
    p[7] = WIRE_PREFETCH_MAX;
    g_assert_cmpint(decode_raw(WIRE_PAGE_REQUEST, 0, 2, p, 8), ==, WIRE_OK);
    /* diffs */
    memset(p, 0, sizeof(p));
    g_assert_cmpint(decode_raw(WIRE_DIFF_PUSH, 0, 2, p, 7), ==, WIRE_E_LENGTH);
    uint8_t *d = p + 8;
    d[0] = 0x03; d[1] = 0xff; d[2] = 0; d[3] = 1;               /* last word: fine */
    g_assert_cmpint(decode_raw(WIRE_DIFF_PUSH, 0, 2, p, 16), ==, WIRE_OK);
    d[3] = 2;                                                   /* runs off the page */
    g_assert_cmpint(decode_raw(WIRE_DIFF_PUSH, 0, 2, p, 20), ==, WIRE_E_DIFF);
    d[0] = 0x04; d[1] = 0x00; d[3] = 1;                         /* offset past the page */
    g_assert_cmpint(decode_raw(WIRE_DIFF_PUSH, 0, 2, p, 16), ==, WIRE_E_DIFF);
    d[0] = 0; d[1] = 0; d[3] = 0;                               /* zero words */
    g_assert_cmpint(decode_raw(WIRE_DIFF_REPLY, 0, 1, p, 12), ==, WIRE_E_DIFF);
    d[3] = 2;                                                   /* data cut short */
    g_assert_cmpint(decode_raw(WIRE_DIFF_REPLY, 0, 1, p, 16), ==, WIRE_E_DIFF);
    g_assert_cmpint(decode_raw(WIRE_DIFF_REPLY, 0, 1, p, 10), ==, WIRE_E_DIFF);  /* half a run header */
}

static void test_lazy_messages(void)
{
    struct wire_buf b = { 0 };
    struct wire_msg m;
    size_t used;
    const uint32_t pages[3] = { 7, 0, 4095 };
    g_assert_cmpint(wire_put_held(&b, 1, 2, pages, 3), ==, 0);
    decode_one(&b, &m);
    g_assert_cmpint(m.h.type, ==, WIRE_DIFF_HELD);
    g_assert_cmpuint(m.u.held.count, ==, 3);
    g_assert_cmpuint(wire_held_page(&m, 0), ==, 7);
    g_assert_cmpuint(wire_held_page(&m, 2), ==, 4095);
    b.len = 0;
    g_assert_cmpint(wire_put_held(&b, 1, 2, pages, 0), ==, -1);    /* an empty announcement is refused */
    g_assert_cmpint(wire_put_flush_request(&b, 2, 1, 99), ==, 0);
    decode_one(&b, &m);
    g_assert_cmpint(m.h.type, ==, WIRE_FLUSH_REQUEST);
    g_assert_cmpuint(m.u.flush.page, ==, 99);
    /* a held list whose count disagrees with its length, and a flush request of the wrong size */
    b.len = 0;
    g_assert_cmpint(wire_put_held(&b, 1, 2, pages, 2), ==, 0);
    b.data[WIRE_HEADER_SIZE + 3] = 3;
    g_assert_cmpint(wire_decode(b.data, b.len, &m, &used), ==, WIRE_E_LENGTH);
    b.data[WIRE_HEADER_SIZE + 3] = 0;
    g_assert_cmpint(wire_decode(b.data, b.len, &m, &used), ==, WIRE_E_FIELD);
    g_assert_true(wire_type_allowed(WIRE_SERVER_READY, WIRE_DIFF_HELD));
    g_assert_false(wire_type_allowed(WIRE_CLIENT_READY, WIRE_DIFF_HELD));
    g_assert_true(wire_type_allowed(WIRE_CLIENT_READY, WIRE_FLUSH_REQUEST));
    g_assert_false(wire_type_allowed(WIRE_SERVER_READY, WIRE_FLUSH_REQUEST));
    g_assert_cmpstr(wire_type_name(WIRE_DIFF_HELD), ==, "diff-held");
    wire_buf_free(&b);
}

/* Heartbeats: both directions round-trip beat and stamp, a wrong length is refused, and each goes one way. */
static void test_heartbeat_messages(void)
{
    struct wire_buf b = { 0 };
    struct wire_msg m;
    size_t used;
    g_assert_cmpint(wire_put_heartbeat(&b, WIRE_HEARTBEAT, 7, 3, 41, 0x0123456789abcdefull), ==, 0);
    g_assert_cmpint(wire_decode(b.data, b.len, &m, &used), ==, WIRE_OK);
    g_assert_cmpuint(used, ==, b.len);
    g_assert_cmpuint(m.h.type, ==, WIRE_HEARTBEAT);
    g_assert_cmpuint(m.h.sender, ==, 3);
    g_assert_cmpuint(m.u.heartbeat.beat, ==, 41);
    g_assert_cmphex(m.u.heartbeat.sent_ns, ==, 0x0123456789abcdefull);
    b.len = 0;
    g_assert_cmpint(wire_put_heartbeat(&b, WIRE_HEARTBEAT_ACK, 8, 1, 41, 99), ==, 0);
    g_assert_cmpint(wire_decode(b.data, b.len, &m, &used), ==, WIRE_OK);
    g_assert_cmpuint(m.h.type, ==, WIRE_HEARTBEAT_ACK);
    g_assert_cmpuint(m.u.heartbeat.sent_ns, ==, 99);
    g_assert_cmpint(wire_put_heartbeat(&b, WIRE_LOCK_GRANT, 9, 1, 1, 1), ==, -1);
    /* 8 bytes of payload instead of 12 */
    b.len = 0;
    wire_put_heartbeat(&b, WIRE_HEARTBEAT, 7, 3, 41, 5);
    b.data[19] = 8;
    g_assert_cmpint(wire_decode(b.data, b.len - 4, &m, &used), ==, WIRE_E_LENGTH);
    g_assert_true(wire_type_allowed(WIRE_SERVER_READY, WIRE_HEARTBEAT));
    g_assert_false(wire_type_allowed(WIRE_SERVER_READY, WIRE_HEARTBEAT_ACK));
    g_assert_true(wire_type_allowed(WIRE_CLIENT_READY, WIRE_HEARTBEAT_ACK));
    g_assert_false(wire_type_allowed(WIRE_CLIENT_READY, WIRE_HEARTBEAT));
    g_assert_cmpstr(wire_type_name(WIRE_HEARTBEAT), ==, "heartbeat");
    wire_buf_free(&b);
}

static void test_states(void)
{
    g_assert_true(wire_type_allowed(WIRE_SERVER_AWAIT_HELLO, WIRE_HELLO));
    g_assert_false(wire_type_allowed(WIRE_SERVER_AWAIT_HELLO, WIRE_LOCK_ACQUIRE));
    g_assert_false(wire_type_allowed(WIRE_SERVER_AWAIT_HELLO, WIRE_AUTH));
    g_assert_true(wire_type_allowed(WIRE_SERVER_AWAIT_AUTH, WIRE_AUTH));
    g_assert_false(wire_type_allowed(WIRE_SERVER_AWAIT_AUTH, WIRE_DIFF_PUSH));
    g_assert_true(wire_type_allowed(WIRE_SERVER_READY, WIRE_DIFF_PUSH));
    g_assert_false(wire_type_allowed(WIRE_SERVER_READY, WIRE_HELLO));
    g_assert_false(wire_type_allowed(WIRE_SERVER_READY, WIRE_LOCK_GRANT));
    g_assert_false(wire_type_allowed(WIRE_SERVER_READY, WIRE_PAGE_REPLY));
    g_assert_true(wire_type_allowed(WIRE_CLIENT_AWAIT_CHALLENGE, WIRE_REJECT));
    g_assert_false(wire_type_allowed(WIRE_CLIENT_AWAIT_CHALLENGE, WIRE_WELCOME));
    g_assert_true(wire_type_allowed(WIRE_CLIENT_READY, WIRE_LOCK_GRANT));
    g_assert_false(wire_type_allowed(WIRE_CLIENT_READY, WIRE_LOCK_ACQUIRE));
    g_assert_true(wire_type_allowed(WIRE_SERVER_READY, WIRE_COND_WAIT));      /* a waiter registers */
    g_assert_true(wire_type_allowed(WIRE_SERVER_READY, WIRE_COND_SIGNAL));    /* a signaller tells the master */
    g_assert_true(wire_type_allowed(WIRE_CLIENT_READY, WIRE_COND_SIGNAL));    /* the master wakes a device */
    g_assert_false(wire_type_allowed(WIRE_CLIENT_READY, WIRE_COND_WAIT));
    g_assert_cmpstr(wire_type_name(WIRE_DIFF_PUSH), ==, "diff-push");
    g_assert_cmpstr(wire_type_name(WIRE_COND_SIGNAL), ==, "cond-signal");
    g_assert_cmpstr(wire_type_name(200), ==, "unknown");
}

/* ---- handshake against a real master server (no listener; socketpairs) ---- */

static const uint8_t secret[16] = "0123456789abcdef";

static struct master_server *new_master(void)
{
    struct master_server *srv = g_new0(struct master_server, 1);
    g_assert_cmpint(master_server_start(srv, -1, secret, sizeof(secret), 0x200000000000ull, 1 << 20, true), ==, 0);
    return srv;
}

static int connect_pair(struct master_server *srv)
{
    int sp[2];
    g_assert_cmpint(socketpair(AF_UNIX, SOCK_STREAM, 0, sp), ==, 0);
    g_assert_cmpint(master_server_attach(srv, sp[0]), ==, 0);
    return sp[1];
}

static void wait_for(struct master_server *srv, uint64_t *field, uint64_t value)
{
    for (int i = 0; i < 500; i++) {
        pthread_mutex_lock(&srv->lock);
        uint64_t v = *field;
        pthread_mutex_unlock(&srv->lock);
        if (v >= value)
            return;
        g_usleep(10000);
    }
    g_assert_not_reached();
}

static void test_join(void)
{
    struct master_server *srv = new_master();
    struct peer_client *pc = g_new0(struct peer_client, 1);
    g_assert_cmpint(peer_client_join(pc, connect_pair(srv), 2, "dev2", secret, sizeof(secret)), ==, 0);
    g_assert_cmphex(pc->region_base, ==, 0x200000000000ull);
    g_assert_cmpuint(pc->region_size, ==, 1 << 20);
    g_assert_cmpint(master_server_devices(srv), ==, 1);

    /* the same device index again is refused */
    struct peer_client *dup = g_new0(struct peer_client, 1);
    g_assert_cmpint(peer_client_join(dup, connect_pair(srv), 2, "dev2", secret, sizeof(secret)), ==, -1);
    wire_conn_destroy(&dup->conn);

    /* a wrong secret is refused */
    struct peer_client *bad = g_new0(struct peer_client, 1);
    const uint8_t wrong[16] = "0123456789abcdeX";
    g_assert_cmpint(peer_client_join(bad, connect_pair(srv), 3, "dev3", wrong, sizeof(wrong)), ==, -1);
    wire_conn_destroy(&bad->conn);
    wait_for(srv, &srv->rejected, 2);
    g_assert_cmpint(master_server_devices(srv), ==, 1);

    /* a joined device that breaks the protocol (releases a lock it does not hold) is dropped */
    struct wire_buf b = { 0 };
    wire_put_lock(&b, WIRE_LOCK_RELEASE, 1, 2, 77);
    g_assert_cmpint(wire_conn_send(&pc->conn, &b), ==, 0);
    wait_for(srv, &srv->dropped, 1);
    g_assert_cmpint(master_server_devices(srv), ==, 0);
    wire_buf_free(&b);
    wire_conn_destroy(&pc->conn);
    g_free(pc);
    g_free(dup);
    g_free(bad);
}

struct lost_record { int calls; uint32_t dev; uint64_t last_heard; };

static void note_lost(uint32_t dev, uint64_t last_heard_ns, void *ctx)
{
    struct lost_record *r = ctx;
    r->dev = dev;
    r->last_heard = last_heard_ns;
    __atomic_add_fetch(&r->calls, 1, __ATOMIC_SEQ_CST);
}

/* A joined device's heartbeats are answered, and their echo gives it a round trip; when it falls silent past
 * DMX_HEARTBEAT_TIMEOUT_MS the master drops it and reports it lost. A device that never beat is not timed. */
static void test_heartbeat_watchdog(void)
{
    g_setenv("DMX_HEARTBEAT_TIMEOUT_MS", "300", TRUE);
    g_setenv("DMX_HEARTBEAT_MS", "0", TRUE);    /* the test beats by hand */
    struct master_server *srv = new_master();
    g_unsetenv("DMX_HEARTBEAT_TIMEOUT_MS");
    struct lost_record lost = { 0 };
    master_server_on_lost(srv, note_lost, &lost);

    struct peer_client *quiet = g_new0(struct peer_client, 1);
    g_assert_cmpint(peer_client_join(quiet, connect_pair(srv), 2, "dev2", secret, sizeof(secret)), ==, 0);
    struct peer_client *pc = g_new0(struct peer_client, 1);
    g_assert_cmpint(peer_client_join(pc, connect_pair(srv), 3, "dev3", secret, sizeof(secret)), ==, 0);
    struct wire_buf b = { 0 };
    struct wire_msg m;
    g_assert_cmpint(wire_put_heartbeat(&b, WIRE_HEARTBEAT, wire_conn_next_seq(&pc->conn), 3, 1, 123456), ==, 0);
    g_assert_cmpint(wire_conn_send(&pc->conn, &b), ==, 0);
    g_assert_cmpint(wire_conn_recv(&pc->conn, &m), ==, WIRE_OK);
    g_assert_cmpuint(m.h.type, ==, WIRE_HEARTBEAT_ACK);
    g_assert_cmpuint(m.u.heartbeat.beat, ==, 1);
    g_assert_cmpuint(m.u.heartbeat.sent_ns, ==, 123456);
    g_assert_cmpint(master_server_devices(srv), ==, 2);

    wait_for(srv, &srv->silent, 1);             /* dev3 says nothing more */
    for (int i = 0; i < 200 && !__atomic_load_n(&lost.calls, __ATOMIC_SEQ_CST); i++)
        g_usleep(10000);
    g_assert_cmpint(lost.calls, ==, 1);
    g_assert_cmpuint(lost.dev, ==, 3);
    g_assert_cmpuint(lost.last_heard, >, 0);
    g_assert_cmpint(master_server_devices(srv), ==, 1);     /* dev2 never beat: still there */
    g_assert_cmpint(wire_conn_recv(&pc->conn, &m), ==, WIRE_E_IO);
    g_unsetenv("DMX_HEARTBEAT_MS");
    wire_buf_free(&b);
    wire_conn_destroy(&pc->conn);
    g_free(pc);
}

static void test_hostile_peers(void)
{
    struct master_server *srv = new_master();
    /* garbage instead of a hello */
    int fd = connect_pair(srv);
    g_assert_cmpint(write(fd, "GET / HTTP/1.0\r\n\r\n", 18), ==, 18);
    wait_for(srv, &srv->rejected, 1);
    close(fd);
    /* a valid lock request before joining */
    struct wire_buf b = { 0 };
    fd = connect_pair(srv);
    wire_put_lock(&b, WIRE_LOCK_ACQUIRE, 1, 2, 1);
    g_assert_cmpint(write(fd, b.data, b.len), ==, (ssize_t)b.len);
    wait_for(srv, &srv->rejected, 2);
    close(fd);
    /* a hello claiming one device in the header and another in the payload */
    b.len = 0;
    wire_put_hello(&b, 1, 2, nonce, "x");
    b.data[15] = 3;
    fd = connect_pair(srv);
    g_assert_cmpint(write(fd, b.data, b.len), ==, (ssize_t)b.len);
    wait_for(srv, &srv->rejected, 3);
    close(fd);
    /* a peer that sends hello, then an auth with a changed sender */
    g_assert_cmpint(master_server_devices(srv), ==, 0);
    wire_buf_free(&b);
}

/* Send b on pc's link, then a heartbeat, and wait for its echo: the master has served b by then. */
static void send_and_sync(struct peer_client *pc, struct wire_buf *b)
{
    struct wire_msg m;
    g_assert_cmpint(wire_put_heartbeat(b, WIRE_HEARTBEAT, wire_conn_next_seq(&pc->conn), pc->conn.self, 1, 1), ==, 0);
    g_assert_cmpint(wire_conn_send(&pc->conn, b), ==, 0);
    g_assert_cmpint(wire_conn_recv(&pc->conn, &m), ==, WIRE_OK);
    g_assert_cmpuint(m.h.type, ==, WIRE_HEARTBEAT_ACK);
    b->len = 0;
}

static uint8_t home_byte(struct master_server *srv, uint32_t page, uint32_t at)
{
    pthread_mutex_lock(&srv->lock);
    uint8_t v = srv->pages.home[(size_t)page * WIRE_PAGE_SIZE + at];
    pthread_mutex_unlock(&srv->lock);
    return v;
}

/* A diff that sets byte `at` of a zero page to v. */
static uint32_t make_diff(uint8_t *out, uint32_t at, uint8_t v)
{
    static uint8_t zero[WIRE_PAGE_SIZE], page[WIRE_PAGE_SIZE];
    memset(page, 0, sizeof(page));
    page[at] = v;
    return (uint32_t)dsm_diff_make(zero, page, out);
}

/* Checkpoint cuts (checkpoint_cut.h): the diffs between BEGIN and COMMIT reach home only at COMMIT, all together;
 * a device lost before its COMMIT leaves home as it was; a COMMIT outside a cut breaks the protocol. */
static void test_checkpoint_cut(void)
{
    struct master_server *srv = new_master();
    struct peer_client *pc = g_new0(struct peer_client, 1), *lost = g_new0(struct peer_client, 1);
    g_assert_cmpint(peer_client_join(pc, connect_pair(srv), 2, "dev2", secret, sizeof(secret)), ==, 0);
    g_assert_cmpint(peer_client_join(lost, connect_pair(srv), 3, "dev3", secret, sizeof(secret)), ==, 0);
    struct wire_buf b = { 0 };
    uint8_t diff[64];
    uint32_t len = make_diff(diff, 100, 0xAB);
    g_assert_cmpint(wire_put_checkpoint(&b, wire_conn_next_seq(&pc->conn), 2, WIRE_CKPT_BEGIN), ==, 0);
    g_assert_cmpint(wire_put_diff(&b, WIRE_DIFF_PUSH, wire_conn_next_seq(&pc->conn), 2, 0, 5, 0, diff, len), ==, 0);
    len = make_diff(diff, 200, 0xCD);
    g_assert_cmpint(wire_put_diff(&b, WIRE_DIFF_PUSH, wire_conn_next_seq(&pc->conn), 2, 0, 6, 0, diff, len), ==, 0);
    send_and_sync(pc, &b);
    g_assert_cmpuint(home_byte(srv, 5, 100), ==, 0);        /* the cut is open: home is as it was */
    g_assert_cmpuint(home_byte(srv, 6, 200), ==, 0);
    g_assert_cmpint(wire_put_checkpoint(&b, wire_conn_next_seq(&pc->conn), 2, WIRE_CKPT_COMMIT), ==, 0);
    send_and_sync(pc, &b);
    g_assert_cmpuint(home_byte(srv, 5, 100), ==, 0xAB);     /* committed: both pages */
    g_assert_cmpuint(home_byte(srv, 6, 200), ==, 0xCD);
    len = make_diff(diff, 300, 0xEF);                       /* outside a cut, a push applies at once */
    g_assert_cmpint(wire_put_diff(&b, WIRE_DIFF_PUSH, wire_conn_next_seq(&pc->conn), 2, 0, 7, 0, diff, len), ==, 0);
    send_and_sync(pc, &b);
    g_assert_cmpuint(home_byte(srv, 7, 300), ==, 0xEF);

    /* dev3 is lost with its cut open */
    len = make_diff(diff, 400, 0x11);
    g_assert_cmpint(wire_put_checkpoint(&b, wire_conn_next_seq(&lost->conn), 3, WIRE_CKPT_BEGIN), ==, 0);
    g_assert_cmpint(wire_put_diff(&b, WIRE_DIFF_PUSH, wire_conn_next_seq(&lost->conn), 3, 0, 8, 0, diff, len), ==, 0);
    send_and_sync(lost, &b);
    wire_conn_destroy(&lost->conn);
    for (int i = 0; i < 500 && master_server_devices(srv) != 1; i++)
        g_usleep(10000);
    g_assert_cmpint(master_server_devices(srv), ==, 1);
    g_assert_cmpuint(home_byte(srv, 8, 400), ==, 0);

    /* a COMMIT with no cut open */
    g_assert_cmpint(wire_put_checkpoint(&b, wire_conn_next_seq(&pc->conn), 2, WIRE_CKPT_COMMIT), ==, 0);
    g_assert_cmpint(wire_conn_send(&pc->conn, &b), ==, 0);
    wait_for(srv, &srv->dropped, 1);
    g_assert_cmpint(master_server_devices(srv), ==, 0);

    /* the message itself: one phase, four bytes */
    struct wire_msg m;
    size_t used;
    b.len = 0;
    g_assert_cmpint(wire_put_checkpoint(&b, 1, 2, 3), ==, -1);
    g_assert_cmpint(wire_put_checkpoint(&b, 1, 2, WIRE_CKPT_BEGIN), ==, 0);
    g_assert_cmpint(wire_decode(b.data, b.len, &m, &used), ==, WIRE_OK);
    g_assert_cmpuint(m.u.checkpoint.phase, ==, WIRE_CKPT_BEGIN);
    b.data[b.len - 1] = 9;
    g_assert_cmpint(wire_decode(b.data, b.len, &m, &used), ==, WIRE_E_FIELD);
    g_assert_true(wire_type_allowed(WIRE_SERVER_READY, WIRE_CHECKPOINT));
    g_assert_false(wire_type_allowed(WIRE_CLIENT_READY, WIRE_CHECKPOINT));
    g_assert_cmpstr(wire_type_name(WIRE_CHECKPOINT), ==, "checkpoint");
    wire_buf_free(&b);
    wire_conn_destroy(&pc->conn);
    g_free(pc);
    g_free(lost);
}

/* I/O forwarding messages: fragments of a large write reassemble to the same bytes, and replies and controls
 * round-trip every field. */
static void test_io_round_trips(void)
{
    uint32_t len = WIRE_IO_CHUNK * 2 + 1234;
    uint8_t *data = g_malloc(len);
    for (uint32_t i = 0; i < len; i++)
        data[i] = (uint8_t)(i * 7 + 3);
    struct wire_buf b = { 0 };
    struct wire_io_req r = { .req_id = 42, .op = 2, .class_name = "screen", .handle = 9, .out_len = 0 };
    uint32_t seq = 1;
    g_assert_cmpint(wire_put_io_request(&b, &seq, 2, &r, data, len), ==, 0);
    g_assert_cmpuint(seq, ==, 4);               /* three fragments */
    uint8_t *joined = g_malloc0(len);
    size_t off = 0;
    uint32_t got = 0;
    for (int i = 0; i < 3; i++) {
        struct wire_msg m;
        size_t used;
        g_assert_cmpint(wire_decode(b.data + off, b.len - off, &m, &used), ==, WIRE_OK);
        g_assert_cmpint(m.h.type, ==, WIRE_IO_REQUEST);
        g_assert_cmpuint(m.u.io_req.req_id, ==, 42);
        g_assert_cmpuint(m.u.io_req.handle, ==, 9);
        g_assert_cmpuint(m.u.io_req.in_total, ==, len);
        g_assert_cmpuint(m.u.io_req.in_offset, ==, got);
        g_assert_cmpint(!!(m.h.flags & WIRE_F_MORE), ==, i < 2);
        g_assert_cmpmem(m.u.io_req.class_name, m.u.io_req.class_len, "screen", 6);
        memcpy(joined + got, m.u.io_req.data, m.u.io_req.data_len);
        got += m.u.io_req.data_len;
        off += used;
    }
    g_assert_cmpuint(off, ==, b.len);
    g_assert_cmpmem(joined, len, data, len);
    b.len = 0;
    struct wire_io_req o = { .req_id = 1, .op = 0, .class_name = "storage", .subpath = "/movie.mp4", .flags = 0,
                             .mode = 0644 };
    g_assert_cmpint(wire_put_io_request(&b, &seq, 1, &o, NULL, 0), ==, 0);
    struct wire_msg m;
    size_t used;
    g_assert_cmpint(wire_decode(b.data, b.len, &m, &used), ==, WIRE_OK);
    g_assert_cmpmem(m.u.io_req.subpath, m.u.io_req.subpath_len, "/movie.mp4", 10);
    g_assert_cmpuint(m.u.io_req.mode, ==, 0644);
    b.len = 0;
    g_assert_cmpint(wire_put_io_reply(&b, &seq, 3, 7, 1, 5, 0, 12345, data, 5), ==, 0);
    g_assert_cmpint(wire_decode(b.data, b.len, &m, &used), ==, WIRE_OK);
    g_assert_cmpint(m.u.io_reply.result, ==, 5);
    g_assert_cmpuint(m.u.io_reply.service_ns, ==, 12345);
    g_assert_cmpmem(m.u.io_reply.data, m.u.io_reply.data_len, data, 5);
    b.len = 0;
    g_assert_cmpint(wire_put_io_reply(&b, &seq, 3, 8, 0, -ENOENT, 0, 0, NULL, 0), ==, 0);
    g_assert_cmpint(wire_decode(b.data, b.len, &m, &used), ==, WIRE_OK);
    g_assert_cmpint(m.u.io_reply.result, ==, -ENOENT);
    b.len = 0;
    g_assert_cmpint(wire_put_io_control(&b, 1, 16, 3, WIRE_IO_CTL_BIND, "screen", 2), ==, 0);
    g_assert_cmpint(wire_decode(b.data, b.len, &m, &used), ==, WIRE_OK);
    g_assert_cmpuint(m.u.io_control.device, ==, 2);
    g_assert_cmpmem(m.u.io_control.class_name, m.u.io_control.class_len, "screen", 6);
    /* the encoder refuses what the decoder would */
    struct wire_io_req bad = r;
    bad.class_name = "";
    g_assert_cmpint(wire_put_io_request(&b, &seq, 1, &bad, NULL, 0), ==, -1);
    bad = r;
    bad.op = WIRE_IO_OPS;
    g_assert_cmpint(wire_put_io_request(&b, &seq, 1, &bad, NULL, 0), ==, -1);
    bad = r;
    bad.subpath = "/x";                         /* subpath only on OPEN */
    g_assert_cmpint(wire_put_io_request(&b, &seq, 1, &bad, NULL, 0), ==, -1);
    g_assert_cmpint(wire_put_io_request(&b, &seq, 1, &r, data, WIRE_IO_MAX_DATA + 1), ==, -1);
    g_assert_cmpint(wire_put_io_reply(&b, &seq, 1, 1, 1, -5000, 0, 0, NULL, 0), ==, -1);
    g_assert_cmpint(wire_put_io_control(&b, 1, 1, 1, 9, "screen", 1), ==, -1);
    g_assert_cmpint(wire_put_io_control(&b, 1, 1, 1, WIRE_IO_CTL_BIND, "screen", WIRE_MAX_DEVICES + 1), ==, -1);
    wire_buf_free(&b);
    g_free(joined);
    g_free(data);
}

static void put32be(uint8_t *p, uint32_t v) { p[0] = v >> 24; p[1] = v >> 16; p[2] = v >> 8; p[3] = (uint8_t)v; }

/* Hand-made IO payloads with one field wrong each. */
static void test_io_rejections(void)
{
    uint8_t p[128];
    memset(p, 0, sizeof p);
    p[4] = 2; p[5] = 6; memcpy(p + 56, "screen", 6);
    g_assert_cmpint(decode_raw(WIRE_IO_REQUEST, 0, 2, p, 62), ==, WIRE_OK);
    g_assert_cmpint(decode_raw(WIRE_IO_REQUEST, 0, 2, p, 55), ==, WIRE_E_LENGTH);
    p[4] = WIRE_IO_OPS;                         /* op out of range */
    g_assert_cmpint(decode_raw(WIRE_IO_REQUEST, 0, 2, p, 62), ==, WIRE_E_FIELD);
    p[4] = 2; p[5] = 0;                         /* empty class */
    g_assert_cmpint(decode_raw(WIRE_IO_REQUEST, 0, 2, p, 62), ==, WIRE_E_FIELD);
    p[5] = 60;                                  /* class longer than the payload */
    g_assert_cmpint(decode_raw(WIRE_IO_REQUEST, 0, 2, p, 62), ==, WIRE_E_LENGTH);
    p[5] = 6; p[57] = 0x01;                     /* unprintable class */
    g_assert_cmpint(decode_raw(WIRE_IO_REQUEST, 0, 2, p, 62), ==, WIRE_E_FIELD);
    p[57] = 'c';
    p[7] = 1;                                   /* a subpath on a write */
    g_assert_cmpint(decode_raw(WIRE_IO_REQUEST, 0, 2, p, 63), ==, WIRE_E_FIELD);
    p[7] = 0;
    put32be(p + 48, 10);                        /* 10 bytes announced, 2 carried, no MORE */
    g_assert_cmpint(decode_raw(WIRE_IO_REQUEST, 0, 2, p, 64), ==, WIRE_E_FIELD);
    g_assert_cmpint(decode_raw(WIRE_IO_REQUEST, WIRE_F_MORE, 2, p, 64), ==, WIRE_OK);
    put32be(p + 52, 9);                         /* fragment runs past the total */
    g_assert_cmpint(decode_raw(WIRE_IO_REQUEST, WIRE_F_MORE, 2, p, 64), ==, WIRE_E_FIELD);
    put32be(p + 48, WIRE_IO_MAX_DATA + 1); put32be(p + 52, 0);
    g_assert_cmpint(decode_raw(WIRE_IO_REQUEST, WIRE_F_MORE, 2, p, 64), ==, WIRE_E_FIELD);
    put32be(p + 48, 0);
    put32be(p + 44, WIRE_IO_MAX_DATA + 1);      /* asks for too much back */
    g_assert_cmpint(decode_raw(WIRE_IO_REQUEST, 0, 2, p, 62), ==, WIRE_E_FIELD);
    put32be(p + 44, 0);
    g_assert_cmpint(decode_raw(WIRE_IO_REQUEST, WIRE_F_SPECULATIVE, 2, p, 62), ==, WIRE_E_FIELD);
    /* replies */
    uint8_t q[64] = { 0 };
    q[4] = 1;
    g_assert_cmpint(decode_raw(WIRE_IO_REPLY, 0, 2, q, 40), ==, WIRE_OK);
    g_assert_cmpint(decode_raw(WIRE_IO_REPLY, 0, 2, q, 39), ==, WIRE_E_LENGTH);
    q[6] = 1;                                   /* reserved bytes */
    g_assert_cmpint(decode_raw(WIRE_IO_REPLY, 0, 2, q, 40), ==, WIRE_E_FIELD);
    q[6] = 0;
    memset(q + 8, 0xff, 8); q[15] = 0xfe;       /* result -2 with data announced */
    put32be(q + 24, 4);
    g_assert_cmpint(decode_raw(WIRE_IO_REPLY, 0, 2, q, 44), ==, WIRE_E_FIELD);
    put32be(q + 24, 0);
    g_assert_cmpint(decode_raw(WIRE_IO_REPLY, 0, 2, q, 40), ==, WIRE_OK);
    memset(q + 8, 0x80, 1);                     /* result far below -4095 */
    g_assert_cmpint(decode_raw(WIRE_IO_REPLY, 0, 2, q, 40), ==, WIRE_E_FIELD);
    /* control */
    uint8_t c[32] = { 0 };
    c[4] = WIRE_IO_CTL_BIND; c[5] = 6; memcpy(c + 12, "screen", 6); put32be(c + 8, 3);
    g_assert_cmpint(decode_raw(WIRE_IO_CONTROL, 0, 2, c, 18), ==, WIRE_OK);
    g_assert_cmpint(decode_raw(WIRE_IO_CONTROL, 0, 2, c, 19), ==, WIRE_E_LENGTH);
    c[4] = 2;
    g_assert_cmpint(decode_raw(WIRE_IO_CONTROL, 0, 2, c, 18), ==, WIRE_E_FIELD);
    c[4] = WIRE_IO_CTL_BIND; put32be(c + 8, WIRE_MAX_DEVICES + 1);
    g_assert_cmpint(decode_raw(WIRE_IO_CONTROL, 0, 2, c, 18), ==, WIRE_E_FIELD);
    g_assert_cmpint(decode_raw(WIRE_IO_CONTROL, WIRE_F_MORE, 2, c, 18), ==, WIRE_E_FIELD);
    /* states: only the resource server takes requests and controls, only the forwarder takes replies */
    g_assert_true(wire_type_allowed(WIRE_IO_SERVER_READY, WIRE_IO_REQUEST));
    g_assert_true(wire_type_allowed(WIRE_IO_SERVER_READY, WIRE_IO_CONTROL));
    g_assert_false(wire_type_allowed(WIRE_IO_SERVER_READY, WIRE_IO_REPLY));
    g_assert_false(wire_type_allowed(WIRE_IO_SERVER_READY, WIRE_LOCK_ACQUIRE));
    g_assert_false(wire_type_allowed(WIRE_SERVER_READY, WIRE_IO_REQUEST));
    g_assert_false(wire_type_allowed(WIRE_SERVER_AWAIT_HELLO, WIRE_IO_CONTROL));
    g_assert_true(wire_type_allowed(WIRE_IO_CLIENT_READY, WIRE_IO_REPLY));
    g_assert_false(wire_type_allowed(WIRE_IO_CLIENT_READY, WIRE_IO_REQUEST));
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_setenv("DMX_DEVICE_NAME", "test", TRUE);
    g_test_add_func("/wire/sha256-vectors", test_sha256_vectors);
    g_test_add_func("/wire/secret-parse", test_secret_parse);
    g_test_add_func("/wire/round-trips", test_round_trips);
    g_test_add_func("/wire/encoder-refuses", test_encoder_refuses);
    g_test_add_func("/wire/header-rejections", test_header_rejections);
    g_test_add_func("/wire/payload-rejections", test_payload_rejections);
    g_test_add_func("/wire/states", test_states);
    g_test_add_func("/wire/heartbeat-messages", test_heartbeat_messages);
    g_test_add_func("/wire/heartbeat-watchdog", test_heartbeat_watchdog);
    g_test_add_func("/wire/lazy-messages", test_lazy_messages);
    g_test_add_func("/wire/join", test_join);
    g_test_add_func("/wire/hostile-peers", test_hostile_peers);
    g_test_add_func("/wire/checkpoint-cut", test_checkpoint_cut);
    g_test_add_func("/wire/io-round-trips", test_io_round_trips);
    g_test_add_func("/wire/io-rejections", test_io_rejections);
    return g_test_run();
}
