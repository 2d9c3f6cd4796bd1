/* Writes one seed file per message type (and a few streams) into the directory given as argv[1]. */
#include <stdio.h>
#include <string.h>

#include "wire_msg.h"

static int save(const char *dir, const char *name, struct wire_buf *b)
{
    char path[512];
    snprintf(path, sizeof(path), "%s/%s", dir, name);
    FILE *f = fopen(path, "wb");
    if (!f || fwrite(b->data, 1, b->len, f) != b->len || fclose(f) != 0) {
        perror(path);
        return 1;
    }
    b->len = 0;
    return 0;
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: %s DIR\n", argv[0]);
        return 2;
    }
    const char *d = argv[1];
    struct wire_buf b = { 0 };
    uint8_t nonce[WIRE_NONCE_SIZE] = { 1, 2, 3 }, mac[WIRE_MAC_SIZE] = { 9 }, page[WIRE_PAGE_SIZE] = { 0 };
    uint8_t diff[] = { 0, 1, 0, 2, 1, 2, 3, 4, 5, 6, 7, 8, 3, 0xff, 0, 1, 9, 9, 9, 9 };
    struct wire_notice notices[2] = { { 1, 2 }, { 3, 4 } };
    int err = 0;
    wire_put_hello(&b, 1, 2, nonce, "phone"); err |= save(d, "hello", &b);
    wire_put_challenge(&b, 1, 1, nonce); err |= save(d, "challenge", &b);
    wire_put_auth(&b, 2, 2, mac); err |= save(d, "auth", &b);
    wire_put_welcome(&b, 2, 1, mac, 0x200000000000ull, 64u << 20); err |= save(d, "welcome", &b);
    wire_put_reject(&b, 3, 1, WIRE_REJECT_AUTH); err |= save(d, "reject", &b);
    wire_put_lock(&b, WIRE_LOCK_ACQUIRE, 4, 2, 7); err |= save(d, "acquire", &b);
    wire_put_grant(&b, 5, 1, 7, WIRE_F_SPECULATIVE, notices, 2); err |= save(d, "grant", &b);
    wire_put_lock(&b, WIRE_COND_WAIT, 5, 2, 0x4e6030); err |= save(d, "cond-wait", &b);
    wire_put_lock(&b, WIRE_COND_SIGNAL, 6, 1, 0x4e6030); err |= save(d, "cond-signal", &b);
    wire_put_page_request(&b, 6, 2, 10, 4); err |= save(d, "page-request", &b);
    wire_put_page_reply(&b, 7, 1, WIRE_F_PREFETCH, 10, 3, page); err |= save(d, "page-reply", &b);
    wire_put_diff(&b, WIRE_DIFF_PUSH, 8, 2, 0, 10, 3, diff, sizeof(diff)); err |= save(d, "diff-push", &b);
    uint32_t seq = 9;
    struct wire_io_req open_req = { .req_id = 1, .op = 0, .class_name = "storage", .subpath = "/movie-360p.mp4" };
    wire_put_io_request(&b, &seq, 1, &open_req, NULL, 0); err |= save(d, "io-open", &b);
    struct wire_io_req write_req = { .req_id = 2, .op = 2, .class_name = "screen", .handle = 1 };
    wire_put_io_request(&b, &seq, 1, &write_req, page, 64); err |= save(d, "io-write", &b);
    wire_put_io_reply(&b, &seq, 2, 2, 2, 64, 0, 16000000, NULL, 0); err |= save(d, "io-reply", &b);
    wire_put_io_reply(&b, &seq, 2, 3, 1, 16, 0, 1000, page, 16); err |= save(d, "io-reply-data", &b);
    wire_put_io_control(&b, seq++, 16, 4, WIRE_IO_CTL_BIND, "screen", 2); err |= save(d, "io-control", &b);
    /* a stream: join then lock traffic */
    wire_put_hello(&b, 1, 3, nonce, "tv");
    wire_put_auth(&b, 2, 3, mac);
    wire_put_lock(&b, WIRE_LOCK_ACQUIRE, 3, 3, 1);
    wire_put_diff(&b, WIRE_DIFF_PUSH, 4, 3, 0, 0, 0, diff, sizeof(diff));
    wire_put_lock(&b, WIRE_LOCK_RELEASE, 5, 3, 1);
    err |= save(d, "stream", &b);
    wire_buf_free(&b);
    return err;
}
