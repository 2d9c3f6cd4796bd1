/* test_migrate_pin: the region side of thread migration (dsm_region_pin / dsm_region_unpin), native, with an
 * in-memory home standing in for the master (as in test_dsm_fault):
 *   - pinned pages stay writable and dirty across flushes; unpinning lets the next flush push them;
 *   - pin fetches the INVALID pages of its eager range in batched requests of at most WIRE_PREFETCH_MAX pages,
 *     makes them (and the READ ones) writable at once, and leaves the part below the eager range alone;
 *   - a syscall can write into an eagerly pinned page (the kernel would say EFAULT on a READ page). */
#include <glib.h>
#include <string.h>
#include <time.h>

#include "dsm_diff.h"
#include "dsm_region.h"
#include "wire_msg.h"

#define NPAGES 64
static struct dsm_region region;
static uint8_t home[NPAGES][DSM_PAGE_SIZE];
static int requests, pushes, max_count;

static int fake_request(void *ctx, uint32_t page, uint32_t count)
{
    (void)ctx;
    requests++;
    if ((int)count > max_count)
        max_count = (int)count;
    for (uint32_t i = 0; i < count; i++)
        dsm_region_apply_page(&region, page + i, 9, home[page + i], i > 0);
    return 0;
}

static int fake_push(void *ctx, uint32_t page, uint32_t base_version, const uint8_t *diff, uint32_t len)
{
    (void)ctx;
    (void)base_version;
    g_assert_true(dsm_diff_valid(diff, len));
    dsm_diff_apply(home[page], diff, len);
    pushes++;
    return 0;
}

static uintptr_t page_addr(uint32_t p) { return (uintptr_t)region.base + (uintptr_t)p * DSM_PAGE_SIZE; }
static volatile uint32_t *word(uint32_t page, uint32_t w) { return (volatile uint32_t *)page_addr(page) + w; }

static void setup(void)
{
    struct dsm_transport t = { .request = fake_request, .push = fake_push };
    memset(home, 0, sizeof(home));
    requests = pushes = max_count = 0;
    g_setenv("DMX_PREFETCH", "0", TRUE);
    g_assert_cmpint(dsm_region_init(&region, DSM_DEFAULT_BASE, NPAGES * DSM_PAGE_SIZE, &t), ==, 0);
    g_assert_cmpint(dsm_region_install_handler(&region), ==, 0);
}

static void test_pinned_survive_flush(void)
{
    setup();
    g_assert_cmpint(dsm_region_pin(&region, page_addr(8), page_addr(16), page_addr(14)), ==, 0);
    g_assert_cmpint(region.state[14], ==, DSM_WRITE);       /* eager part: writable now */
    g_assert_cmpint(region.state[15], ==, DSM_WRITE);
    g_assert_cmpint(region.state[8], ==, DSM_READ);         /* below: faults as usual */
    *word(15, 3) = 42;
    *word(9, 0) = 7;                                        /* write fault on a pinned page */
    g_assert_cmpint(region.state[9], ==, DSM_WRITE);
    *word(20, 0) = 5;                                       /* an ordinary page */
    g_assert_cmpint(dsm_region_flush(&region), ==, 0);
    g_assert_cmpint(pushes, ==, 1);                         /* only page 20 */
    g_assert_cmpint(region.state[20], ==, DSM_READ);
    g_assert_cmpint(region.state[15], ==, DSM_WRITE);
    g_assert_cmpint(region.state[9], ==, DSM_WRITE);
    uint64_t wf = region.stats.write_faults;
    *word(15, 4) = 43;                                      /* still writable: no fault */
    g_assert_cmpuint(region.stats.write_faults, ==, wf);
    struct timespec ts;                                     /* the kernel may write into a pinned page */
    g_assert_cmpint(clock_gettime(CLOCK_MONOTONIC, (struct timespec *)(uintptr_t)word(15, 16)), ==, 0);
    (void)ts;
    dsm_region_unpin(&region, page_addr(8), page_addr(16));
    g_assert_cmpint(dsm_region_flush(&region), ==, 0);
    g_assert_cmpint(pushes, ==, 1 + 2);                     /* pages 9, 14 (no change: no diff), 15 -> 9 and 15 */
    g_assert_cmpuint(((uint32_t *)home[15])[3], ==, 42);
    g_assert_cmpuint(((uint32_t *)home[15])[4], ==, 43);
    g_assert_cmpuint(((uint32_t *)home[9])[0], ==, 7);
    g_assert_cmpint(region.state[15], ==, DSM_READ);
    dsm_region_destroy(&region);
}

static void test_pin_fetches_batched(void)
{
    setup();
    struct wire_notice n[40];
    for (uint32_t i = 0; i < 40; i++) {
        n[i] = (struct wire_notice){ 10 + i, 9 };
        ((uint32_t *)home[10 + i])[1] = 1000 + i;
    }
    g_assert_cmpint(dsm_region_invalidate(&region, n, 40), ==, 0);
    g_assert_cmpint(dsm_region_pin(&region, page_addr(10), page_addr(50), page_addr(20)), ==, 0);
    g_assert_cmpint(requests, ==, 2);                       /* 30 pages: 16 + 14 */
    g_assert_cmpint(max_count, <=, WIRE_PREFETCH_MAX);
    for (uint32_t p = 20; p < 50; p++) {
        g_assert_cmpint(region.state[p], ==, DSM_WRITE);
        g_assert_cmpuint(*word(p, 1), ==, 1000 + p - 10);
    }
    g_assert_cmpint(region.state[12], ==, DSM_INVALID);     /* below the eager range: fetched on use */
    g_assert_cmpuint(*word(12, 1), ==, 1002);
    g_assert_cmpint(dsm_region_pin(&region, page_addr(10), page_addr(50) + 1, page_addr(20)), ==, -1);
    dsm_region_destroy(&region);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/migrate-pin/pinned-survive-flush", test_pinned_survive_flush);
    g_test_add_func("/migrate-pin/pin-fetches-batched", test_pin_fetches_batched);
    return g_test_run();
}
