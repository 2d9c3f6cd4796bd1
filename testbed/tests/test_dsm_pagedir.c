/* The master's page directory: versions, sharer table, write notices, diff-or-page replies, prefetch. */
#include <glib.h>
#include <string.h>

#include "dsm_diff.h"
#include "master_page_dir.h"

static struct wire_msg reply_of(struct master_page_dir *d, uint32_t dev, uint32_t page, struct wire_buf *b)
{
    struct wire_msg m;
    size_t used;
    b->len = 0;
    g_assert_cmpint(pagedir_reply(d, dev, page, 0, 1, 1, b), ==, 0);
    g_assert_cmpint(wire_decode(b->data, b->len, &m, &used), ==, WIRE_OK);
    return m;
}

static const uint8_t one_word[] = { 0, 5, 0, 1, 0xde, 0xad, 0xbe, 0xef };   /* word 5 */

static void test_versions_and_notices(void)
{
    struct master_page_dir d;
    struct wire_notice n[16];
    g_assert_cmpint(pagedir_init(&d, 16), ==, 0);
    g_assert_cmpuint(pagedir_notices(&d, 2, n, 16), ==, 0);         /* everyone holds version 0 */
    g_assert_cmpint(pagedir_apply_diff(&d, 1, 3, one_word, sizeof(one_word)), ==, 1);
    g_assert_cmpmem(d.home + 3 * 4096 + 20, 4, one_word + 4, 4);
    g_assert_cmpuint(pagedir_notices(&d, 1, n, 16), ==, 0);         /* the writer is current */
    g_assert_cmpuint(pagedir_notices(&d, 2, n, 16), ==, 1);
    g_assert_cmpuint(n[0].page, ==, 3);
    g_assert_cmpuint(n[0].version, ==, 1);
    g_assert_cmpuint(pagedir_notices(&d, 2, n, 16), ==, 0);         /* told once */
    g_assert_true(pagedir_prefetchable(&d, 2, 3));
    g_assert_false(pagedir_prefetchable(&d, 2, 4));
    g_assert_false(pagedir_prefetchable(&d, 3, 3));                 /* stale but not told yet */
    /* bad input */
    g_assert_cmpint(pagedir_apply_diff(&d, 1, 16, one_word, sizeof(one_word)), ==, -1);
    g_assert_cmpint(pagedir_apply_diff(&d, 0, 1, one_word, sizeof(one_word)), ==, -1);
    g_assert_cmpint(pagedir_apply_diff(&d, WIRE_MAX_DEVICES + 1, 1, one_word, sizeof(one_word)), ==, -1);
    g_assert_cmpint(pagedir_apply_diff(&d, 1, 1, one_word, 7), ==, -1);
    struct wire_buf b = { 0 };
    g_assert_cmpint(pagedir_reply(&d, 2, 16, 0, 1, 1, &b), ==, -1);
    wire_buf_free(&b);
    pagedir_free(&d);
}

static void test_reply_diff_then_page(void)
{
    struct master_page_dir d;
    struct wire_buf b = { 0 };
    g_assert_cmpint(pagedir_init(&d, 4), ==, 0);
    pagedir_apply_diff(&d, 1, 0, one_word, sizeof(one_word));
    struct wire_msg m = reply_of(&d, 2, 0, &b);
    g_assert_cmpint(m.h.type, ==, WIRE_DIFF_REPLY);                 /* dev 2 has version 0: one small diff */
    g_assert_cmpuint(m.u.diff.len, ==, sizeof(one_word));
    g_assert_cmpuint(m.u.diff.version, ==, 1);
    g_assert_false(pagedir_prefetchable(&d, 2, 0));                 /* now current */
    m = reply_of(&d, 2, 0, &b);
    g_assert_cmpint(m.h.type, ==, WIRE_DIFF_REPLY);                 /* already current: empty diff */
    g_assert_cmpuint(m.u.diff.len, ==, 0);
    /* three more writes: dev 2 gets them joined, oldest first */
    uint8_t w[8];
    memcpy(w, one_word, 8);
    for (int i = 0; i < 3; i++) {
        w[7] = (uint8_t)i;
        pagedir_apply_diff(&d, 3, 0, w, 8);
    }
    m = reply_of(&d, 2, 0, &b);
    g_assert_cmpint(m.h.type, ==, WIRE_DIFF_REPLY);
    g_assert_cmpuint(m.u.diff.len, ==, 24);
    g_assert_cmpuint(m.u.diff.version, ==, 4);
    uint8_t copy[4096] = { 0 };
    dsm_diff_apply(copy, one_word, 8);
    dsm_diff_apply(copy, m.u.diff.diff, m.u.diff.len);
    g_assert_cmpmem(copy, 4096, d.home, 4096);
    /* more history than the log keeps: the whole page */
    for (int i = 0; i < PAGEDIR_LOG_DEPTH + 1; i++) {
        w[6] = (uint8_t)i;
        pagedir_apply_diff(&d, 3, 0, w, 8);
    }
    m = reply_of(&d, 2, 0, &b);
    g_assert_cmpint(m.h.type, ==, WIRE_PAGE_REPLY);
    g_assert_cmpmem(m.u.page_reply.data, 4096, d.home, 4096);
    g_assert_cmpuint(d.stats.pages_sent, ==, 1);
    /* diffs bigger than a page in total: the whole page */
    uint8_t big[4 + 4096];
    big[0] = big[1] = 0; big[2] = 0x04; big[3] = 0;                 /* 1024 words */
    memset(big + 4, 7, 4096);
    pagedir_apply_diff(&d, 3, 0, big, sizeof(big));
    m = reply_of(&d, 2, 0, &b);
    g_assert_cmpint(m.h.type, ==, WIRE_PAGE_REPLY);
    wire_buf_free(&b);
    pagedir_free(&d);
}

static void test_stale_writer(void)
{
    /* dev 2 writes a page it holds an old version of: it stays stale (it misses dev 3's change). */
    struct master_page_dir d;
    struct wire_notice n[4];
    g_assert_cmpint(pagedir_init(&d, 4), ==, 0);
    pagedir_apply_diff(&d, 3, 1, one_word, 8);
    pagedir_apply_diff(&d, 2, 1, one_word, 8);
    g_assert_cmpuint(pagedir_notices(&d, 2, n, 4), ==, 1);
    g_assert_cmpuint(pagedir_notices(&d, 3, n, 4), ==, 1);          /* and dev 3 misses dev 2's */
    pagedir_free(&d);
}

/* Lazy diffs: a held page moves the version on at once, a request from another device waits for the holder's
 * push (empty or not), and a holder that leaves releases its waiters. */
static void test_held_pages(void)
{
    struct master_page_dir d;
    struct wire_notice n[16];
    struct wire_buf b = { 0 };
    g_assert_cmpint(pagedir_init(&d, 16), ==, 0);
    g_assert_cmpint(pagedir_hold(&d, 2, 5), ==, 1);
    g_assert_cmpuint(pagedir_notices(&d, 2, n, 16), ==, 0);         /* the holder is current */
    g_assert_cmpuint(pagedir_notices(&d, 3, n, 16), ==, 1);         /* others hear of it at their grant */
    g_assert_cmpuint(pagedir_blockers(&d, 3, 5), ==, 1u << 1);
    g_assert_cmpuint(pagedir_blockers(&d, 2, 5), ==, 0);
    g_assert_cmpuint(pagedir_wait(&d, 3, 5), ==, 1u << 1);          /* ask device 2 once */
    g_assert_cmpuint(pagedir_wait(&d, 4, 5), ==, 0);                /* already asked */
    g_assert_cmpuint(pagedir_ready_waiters(&d, 5), ==, 0);
    g_assert_cmpint(pagedir_apply_diff(&d, 2, 5, one_word, sizeof(one_word)), ==, 2);
    g_assert_cmpuint(pagedir_ready_waiters(&d, 5), ==, (1u << 2) | (1u << 3));
    g_assert_cmpuint(pagedir_ready_waiters(&d, 5), ==, 0);          /* answered once */
    struct wire_msg m = reply_of(&d, 3, 5, &b);                    /* the log was reset: a whole page */
    g_assert_cmpint(m.h.type, ==, WIRE_PAGE_REPLY);
    g_assert_cmpmem(m.u.page_reply.data + 20, 4, one_word + 4, 4);
    /* an empty push only says "nothing held here"; the version does not move */
    g_assert_cmpint(pagedir_hold(&d, 2, 6), ==, 1);
    g_assert_cmpint(pagedir_apply_diff(&d, 2, 6, NULL, 0), ==, 1);
    g_assert_cmpuint(pagedir_blockers(&d, 3, 6), ==, 0);
    /* a holder that leaves: its changes are lost, its waiters are answered from home */
    g_assert_cmpint(pagedir_hold(&d, 2, 7), ==, 1);
    g_assert_cmpuint(pagedir_wait(&d, 3, 7), ==, 1u << 1);
    g_assert_cmpuint(pagedir_drop_device(&d, 2), ==, 1);
    g_assert_cmpuint(pagedir_ready_waiters(&d, 7), ==, 1u << 2);
    g_assert_cmpint(pagedir_hold(&d, 0, 7), ==, -1);
    g_assert_cmpint(pagedir_hold(&d, 2, 16), ==, -1);
    wire_buf_free(&b);
    pagedir_free(&d);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/dsm-pagedir/versions-and-notices", test_versions_and_notices);
    g_test_add_func("/dsm-pagedir/reply-diff-then-page", test_reply_diff_then_page);
    g_test_add_func("/dsm-pagedir/stale-writer", test_stale_writer);
    g_test_add_func("/dsm-pagedir/held-pages", test_held_pages);
    return g_test_run();
}
