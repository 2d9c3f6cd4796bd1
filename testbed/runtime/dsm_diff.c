/* Word-level run-length diffs (format in dsm_diff.h). */
#include "dsm_diff.h"

#include <string.h>

static bool word_differs(const uint8_t *a, const uint8_t *b, size_t w)
{
    return memcmp(a + w * DSM_WORD_SIZE, b + w * DSM_WORD_SIZE, DSM_WORD_SIZE) != 0;
}

static size_t put_run(uint8_t *out, const uint8_t *page, size_t first, size_t count)
{
    out[0] = (uint8_t)(first >> 8);
    out[1] = (uint8_t)first;
    out[2] = (uint8_t)(count >> 8);
    out[3] = (uint8_t)count;
    memcpy(out + DSM_RUN_HEADER, page + first * DSM_WORD_SIZE, count * DSM_WORD_SIZE);
    return DSM_RUN_HEADER + count * DSM_WORD_SIZE;
}

size_t dsm_diff_make(const uint8_t *twin, const uint8_t *page, uint8_t *out)
{
    size_t len = 0, w = 0;
    while (w < DSM_PAGE_WORDS) {
        if (!word_differs(twin, page, w)) {
            w++;
            continue;
        }
        size_t first = w, last = w;
        /* Extend while the next word differs, or the next-but-one differs (a gap of one word costs 4 bytes,
         * a new run header costs 4 bytes too, so merging never makes the diff longer). */
        while (last + 1 < DSM_PAGE_WORDS &&
               (word_differs(twin, page, last + 1) ||
                (last + 2 < DSM_PAGE_WORDS && word_differs(twin, page, last + 2))))
            last += word_differs(twin, page, last + 1) ? 1 : 2;
        len += put_run(out + len, page, first, last - first + 1);
        w = last + 1;
    }
    return len;
}

static void run_header(const uint8_t *p, size_t *offset, size_t *count)
{
    *offset = (size_t)p[0] << 8 | p[1];
    *count = (size_t)p[2] << 8 | p[3];
}

bool dsm_diff_valid(const uint8_t *diff, size_t len)
{
    size_t pos = 0;
    while (pos < len) {
        size_t offset, count;
        if (len - pos < DSM_RUN_HEADER)
            return false;
        run_header(diff + pos, &offset, &count);
        pos += DSM_RUN_HEADER;
        if (count == 0 || offset >= DSM_PAGE_WORDS || count > DSM_PAGE_WORDS - offset)
            return false;
        if (len - pos < count * DSM_WORD_SIZE)
            return false;
        pos += count * DSM_WORD_SIZE;
    }
    return true;
}

size_t dsm_diff_apply(uint8_t *page, const uint8_t *diff, size_t len)
{
    size_t pos = 0, written = 0;
    while (pos + DSM_RUN_HEADER <= len) {
        size_t offset, count;
        run_header(diff + pos, &offset, &count);
        pos += DSM_RUN_HEADER;
        memcpy(page + offset * DSM_WORD_SIZE, diff + pos, count * DSM_WORD_SIZE);
        pos += count * DSM_WORD_SIZE;
        written += count * DSM_WORD_SIZE;
    }
    return written;
}
