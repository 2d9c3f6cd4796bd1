/* Word-level RLE diffs: encode/apply round trips, merging, bounds, validation. */
#include <glib.h>
#include <string.h>

#include "dsm_diff.h"

static uint8_t twin[DSM_PAGE_SIZE], page[DSM_PAGE_SIZE], out[DSM_DIFF_MAX], check_page[DSM_PAGE_SIZE];

static size_t round_trip(void)
{
    size_t len = dsm_diff_make(twin, page, out);
    g_assert_cmpuint(len, <=, DSM_DIFF_MAX);
    g_assert_true(dsm_diff_valid(out, len));
    memcpy(check_page, twin, DSM_PAGE_SIZE);
    dsm_diff_apply(check_page, out, len);
    g_assert_cmpmem(check_page, DSM_PAGE_SIZE, page, DSM_PAGE_SIZE);
    return len;
}

static void test_empty(void)
{
    memset(twin, 0x5a, sizeof(twin));
    memcpy(page, twin, sizeof(page));
    g_assert_cmpuint(round_trip(), ==, 0);
    g_assert_true(dsm_diff_valid(out, 0));
}

static void test_one_word(void)
{
    memset(twin, 0, sizeof(twin));
    memcpy(page, twin, sizeof(page));
    page[100 * 4 + 1] = 7;                      /* one byte of word 100 */
    g_assert_cmpuint(round_trip(), ==, 8);
    g_assert_cmpuint(out[0] << 8 | out[1], ==, 100);
    g_assert_cmpuint(out[2] << 8 | out[3], ==, 1);
    page[4095] = 1;                             /* the last word */
    g_assert_cmpuint(round_trip(), ==, 16);
}

static void test_merge_gaps(void)
{
    memset(twin, 0, sizeof(twin));
    memcpy(page, twin, sizeof(page));
    page[0] = 1;
    page[8] = 1;                                /* words 0 and 2: one gap word -> one run of 3 */
    g_assert_cmpuint(round_trip(), ==, 4 + 12);
    page[20] = 1;                               /* word 5: two gap words -> a new run */
    g_assert_cmpuint(round_trip(), ==, 4 + 12 + 8);
}

static void test_full_and_worst(void)
{
    memset(twin, 0, sizeof(twin));
    memset(page, 0xff, sizeof(page));
    g_assert_cmpuint(round_trip(), ==, 4 + DSM_PAGE_SIZE);
    /* patterns with every spacing: never above the bound */
    for (unsigned stride = 1; stride < 8; stride++)
        for (unsigned width = 1; width < 4; width++) {
            memset(page, 0, sizeof(page));
            for (unsigned w = 0; w < DSM_PAGE_WORDS; w += stride + width)
                for (unsigned k = 0; k < width && w + k < DSM_PAGE_WORDS; k++)
                    page[(w + k) * 4] = 1;
            g_assert_cmpuint(round_trip(), <=, 4 + DSM_PAGE_SIZE);
        }
}

static void test_random(void)
{
    GRand *r = g_rand_new_with_seed(42);
    for (int iter = 0; iter < 2000; iter++) {
        for (unsigned i = 0; i < DSM_PAGE_SIZE; i++)
            twin[i] = (uint8_t)g_rand_int(r);
        memcpy(page, twin, sizeof(page));
        int changes = g_rand_int_range(r, 0, 64);
        for (int c = 0; c < changes; c++)
            page[g_rand_int_range(r, 0, DSM_PAGE_SIZE)] ^= (uint8_t)g_rand_int_range(r, 1, 256);
        size_t len = round_trip();
        g_assert_cmpuint(len, <=, (size_t)changes * 8);     /* sparse writes give small diffs */
    }
    g_rand_free(r);
}

static void test_concatenation(void)
{
    /* diff(A->B) followed by diff(B->C) applied to A gives C */
    uint8_t a[DSM_PAGE_SIZE] = { 0 }, b[DSM_PAGE_SIZE], c[DSM_PAGE_SIZE], d1[DSM_DIFF_MAX], joined[2 * DSM_DIFF_MAX];
    memcpy(b, a, sizeof(a));
    b[16] = 1;
    b[400] = 2;
    memcpy(c, b, sizeof(b));
    c[16] = 3;
    c[2000] = 4;
    size_t l1 = dsm_diff_make(a, b, d1);
    memcpy(joined, d1, l1);
    size_t l2 = dsm_diff_make(b, c, joined + l1);
    g_assert_true(dsm_diff_valid(joined, l1 + l2));
    dsm_diff_apply(a, joined, l1 + l2);
    g_assert_cmpmem(a, sizeof(a), c, sizeof(c));
}

static void test_invalid(void)
{
    uint8_t d[16] = { 0 };
    d[3] = 1;
    g_assert_true(dsm_diff_valid(d, 8));
    g_assert_false(dsm_diff_valid(d, 7));       /* data cut */
    g_assert_false(dsm_diff_valid(d, 3));       /* header cut */
    g_assert_false(dsm_diff_valid(d, 9));       /* trailing byte */
    d[3] = 0;
    g_assert_false(dsm_diff_valid(d, 4));       /* empty run */
    d[0] = 0x04; d[3] = 1;
    g_assert_false(dsm_diff_valid(d, 8));       /* offset 1024 */
    d[0] = 0x03; d[1] = 0xff; d[3] = 2;
    g_assert_false(dsm_diff_valid(d, 12));      /* 1023 + 2 words */
    d[0] = 0; d[1] = 0; d[2] = 0xff; d[3] = 0xff;
    g_assert_false(dsm_diff_valid(d, 16));      /* count far too large */
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/dsm-diff/empty", test_empty);
    g_test_add_func("/dsm-diff/one-word", test_one_word);
    g_test_add_func("/dsm-diff/merge-gaps", test_merge_gaps);
    g_test_add_func("/dsm-diff/full-and-worst", test_full_and_worst);
    g_test_add_func("/dsm-diff/random", test_random);
    g_test_add_func("/dsm-diff/concatenation", test_concatenation);
    g_test_add_func("/dsm-diff/invalid", test_invalid);
    return g_test_run();
}
