/* dsm_diff.h: word-level, run-length encoded differences between a page and its twin.
 *
 * A diff is a sequence of runs; each run is
 *     u16 word_offset (big-endian, in 4-byte words from the page start)
 *     u16 word_count  (big-endian, >= 1)
 *     word_count * 4 bytes of the new contents (copied as they are in memory)
 * and every run must lie inside the page. Runs are applied in order, so the concatenation of several diffs
 * (oldest first) is itself a diff that applies them all. An empty diff is valid and changes nothing. */
#ifndef DSM_DIFF_H
#define DSM_DIFF_H

#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>

#define DSM_PAGE_SIZE   4096u
#define DSM_WORD_SIZE   4u
#define DSM_PAGE_WORDS  (DSM_PAGE_SIZE / DSM_WORD_SIZE)
#define DSM_RUN_HEADER  4u
/* Worst case: every other word differs, 1024/2 runs of one word. */
#define DSM_DIFF_MAX    ((DSM_PAGE_WORDS / 2 + 1) * (DSM_RUN_HEADER + DSM_WORD_SIZE))

/* Encode the difference of page against twin into out (capacity DSM_DIFF_MAX). Two changed words separated
 * by a single unchanged word are merged into one run (cheaper than a new run header). Returns the length. */
size_t dsm_diff_make(const uint8_t *twin, const uint8_t *page, uint8_t *out);

/* True when diff[0..len) is a well-formed run sequence that stays inside one page. */
bool dsm_diff_valid(const uint8_t *diff, size_t len);

/* Apply a diff that passed dsm_diff_valid. Returns the number of bytes of page contents written. */
size_t dsm_diff_apply(uint8_t *page, const uint8_t *diff, size_t len);

#endif
