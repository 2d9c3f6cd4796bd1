/* Page directory and home copies (see master_page_dir.h). */
#include "master_page_dir.h"
#include "dsm_diff.h"

#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

int pagedir_init(struct master_page_dir *d, uint32_t npages)
{
    memset(d, 0, sizeof(*d));
    size_t bytes = (size_t)npages * WIRE_PAGE_SIZE;
    d->home = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (d->home == MAP_FAILED) {
        d->home = NULL;
        return -1;
    }
    d->npages = npages;
    d->pages = calloc(npages, sizeof(*d->pages));
    d->copy = calloc((size_t)npages * WIRE_MAX_DEVICES, sizeof(*d->copy));
    d->notified = calloc((size_t)npages * WIRE_MAX_DEVICES, 1);
    d->queued = calloc((size_t)npages * WIRE_MAX_DEVICES, 1);
    d->pending = calloc((size_t)npages * WIRE_MAX_DEVICES, sizeof(*d->pending));
    d->holders = calloc(npages, sizeof(*d->holders));
    d->asked = calloc(npages, sizeof(*d->asked));
    d->waiting = calloc(npages, sizeof(*d->waiting));
    if (!d->pages || !d->copy || !d->notified || !d->queued || !d->pending || !d->holders || !d->asked || !d->waiting) {
        pagedir_free(d);
        return -1;
    }
    return 0;
}

void pagedir_free(struct master_page_dir *d)
{
    if (d->pages)
        for (uint32_t p = 0; p < d->npages; p++)
            for (uint32_t i = 0; i < d->pages[p].log_len; i++)
                free(d->pages[p].log[i].bytes);
    free(d->pages);
    free(d->copy);
    free(d->notified);
    free(d->queued);
    free(d->pending);
    free(d->holders);
    free(d->asked);
    free(d->waiting);
    if (d->home)
        munmap(d->home, (size_t)d->npages * WIRE_PAGE_SIZE);
    memset(d, 0, sizeof(*d));
}

static bool valid(const struct master_page_dir *d, uint32_t dev, uint32_t page)
{
    return dev >= 1 && dev <= WIRE_MAX_DEVICES && page < d->npages;
}

static size_t idx(const struct master_page_dir *d, uint32_t dev, uint32_t page)
{
    return (size_t)(dev - 1) * d->npages + page;
}

/* page's version moved: every device not yet told about it has it queued for its next grant's notices. */
static void queue_notices(struct master_page_dir *d, uint32_t page)
{
    for (uint32_t dev = 1; dev <= WIRE_MAX_DEVICES; dev++) {
        size_t i = idx(d, dev, page);
        if (d->queued[i] || d->notified[i])
            continue;
        d->queued[i] = 1;
        d->pending[(size_t)(dev - 1) * d->npages + d->npending[dev]++] = page;
    }
}

static void log_drop_oldest(struct pagedir_page *pg)
{
    pg->log_bytes -= pg->log[0].len;
    free(pg->log[0].bytes);
    memmove(pg->log, pg->log + 1, (pg->log_len - 1) * sizeof(pg->log[0]));
    pg->log_len--;
}

/* Keep the newest diffs whose total stays under a page: older ones would never be sent (a page is cheaper). */
static void log_append(struct pagedir_page *pg, const uint8_t *diff, uint32_t len)
{
    uint8_t *copy = malloc(len ? len : 1);
    if (!copy) {                /* no memory: forget the history, replies fall back to whole pages */
        while (pg->log_len)
            log_drop_oldest(pg);
        return;
    }
    memcpy(copy, diff, len);
    if (pg->log_len == PAGEDIR_LOG_DEPTH)
        log_drop_oldest(pg);
    pg->log[pg->log_len++] = (struct pagedir_diff){ pg->version, len, copy };
    pg->log_bytes += len;
    while (pg->log_len && pg->log_bytes > WIRE_PAGE_SIZE)
        log_drop_oldest(pg);
}

static uint32_t bit(uint32_t dev) { return 1u << (dev - 1); }

int64_t pagedir_apply_diff(struct master_page_dir *d, uint32_t dev, uint32_t page, const uint8_t *diff, uint32_t len)
{
    if (!valid(d, dev, page) || !dsm_diff_valid(diff, len))
        return -1;
    struct pagedir_page *pg = &d->pages[page];
    d->holders[page] &= ~bit(dev);
    d->asked[page] &= ~bit(dev);
    if (len == 0)
        return pg->version;
    dsm_diff_apply(d->home + (size_t)page * WIRE_PAGE_SIZE, diff, len);
    pg->version++;
    queue_notices(d, page);
    log_append(pg, diff, len);
    /* The writer is current if it was current before its own diff; otherwise it still misses others'. */
    if (d->copy[idx(d, dev, page)] == pg->version - 1)
        d->copy[idx(d, dev, page)] = pg->version;
    d->stats.diffs_received++;
    d->stats.diff_bytes_received += len;
    return pg->version;
}

int64_t pagedir_hold(struct master_page_dir *d, uint32_t dev, uint32_t page)
{
    if (!valid(d, dev, page))
        return -1;
    struct pagedir_page *pg = &d->pages[page];
    while (pg->log_len)         /* the home copy lacks this version: only whole pages can be sent from now */
        log_drop_oldest(pg);
    pg->version++;
    queue_notices(d, page);
    if (d->copy[idx(d, dev, page)] == pg->version - 1)
        d->copy[idx(d, dev, page)] = pg->version;
    d->holders[page] |= bit(dev);
    d->stats.holds++;
    return pg->version;
}

uint32_t pagedir_blockers(const struct master_page_dir *d, uint32_t dev, uint32_t page)
{
    return valid(d, dev, page) ? d->holders[page] & ~bit(dev) : 0;
}

uint32_t pagedir_wait(struct master_page_dir *d, uint32_t dev, uint32_t page)
{
    if (!valid(d, dev, page))
        return 0;
    d->waiting[page] |= bit(dev);
    uint32_t ask = d->holders[page] & ~bit(dev) & ~d->asked[page];
    d->asked[page] |= ask;
    d->stats.waits++;
    d->stats.flush_requests += (uint32_t)__builtin_popcount(ask);
    return ask;
}

uint32_t pagedir_ready_waiters(struct master_page_dir *d, uint32_t page)
{
    if (page >= d->npages)
        return 0;
    uint32_t ready = 0;
    for (uint32_t w = d->waiting[page]; w; w &= w - 1) {
        uint32_t b = w & -w;
        if ((d->holders[page] & ~b) == 0)
            ready |= b;
    }
    d->waiting[page] &= ~ready;
    return ready;
}

uint32_t pagedir_drop_device(struct master_page_dir *d, uint32_t dev)
{
    if (dev < 1 || dev > WIRE_MAX_DEVICES)
        return 0;
    uint32_t lost = 0;
    for (uint32_t p = 0; p < d->npages; p++) {
        lost += (d->holders[p] & bit(dev)) != 0;
        d->holders[p] &= ~bit(dev);
        d->asked[p] &= ~bit(dev);
        d->waiting[p] &= ~bit(dev);
    }
    return lost;
}

static int by_page(const void *a, const void *b)
{
    uint32_t x = ((const struct wire_notice *)a)->page, y = ((const struct wire_notice *)b)->page;
    return x < y ? -1 : x > y;
}

uint32_t pagedir_notices(struct master_page_dir *d, uint32_t dev, struct wire_notice *out, uint32_t max)
{
    uint32_t n = 0;
    if (dev < 1 || dev > WIRE_MAX_DEVICES)
        return 0;
    uint32_t *list = d->pending + (size_t)(dev - 1) * d->npages, kept = 0;
    for (uint32_t k = 0; k < d->npending[dev]; k++) {
        uint32_t p = list[k];
        size_t i = idx(d, dev, p);
        if (d->copy[i] == d->pages[p].version || d->notified[i]) {
            d->queued[i] = 0;           /* fetched (or told) since it was queued */
        } else if (n < max) {
            out[n++] = (struct wire_notice){ p, d->pages[p].version };
            d->notified[i] = 1;
            d->queued[i] = 0;
        } else {
            list[kept++] = p;           /* for the next grant */
        }
    }
    d->npending[dev] = kept;
    qsort(out, n, sizeof *out, by_page);   /* in page order, as runs of neighbours */
    d->stats.notices_sent += n;
    return n;
}

bool pagedir_prefetchable(const struct master_page_dir *d, uint32_t dev, uint32_t page)
{
    if (!valid(d, dev, page))
        return false;
    size_t i = idx(d, dev, page);
    return d->copy[i] != d->pages[page].version && d->notified[i];
}

int pagedir_reply(struct master_page_dir *d, uint32_t dev, uint32_t page, uint16_t flags, uint32_t seq,
                  uint32_t self, struct wire_buf *out)
{
    if (!valid(d, dev, page))
        return -1;
    struct pagedir_page *pg = &d->pages[page];
    size_t i = idx(d, dev, page);
    uint32_t have = d->copy[i];
    uint32_t missing = pg->version - have;
    int rc;
    /* Diffs are usable when every version have+1..current is still logged. */
    if (have <= pg->version && missing <= pg->log_len &&
        (missing == 0 || pg->log[pg->log_len - missing].version == have + 1)) {
        uint8_t joined[WIRE_PAGE_SIZE];
        uint32_t len = 0;
        for (uint32_t k = pg->log_len - missing; k < pg->log_len; k++) {
            memcpy(joined + len, pg->log[k].bytes, pg->log[k].len);
            len += pg->log[k].len;
        }
        rc = wire_put_diff(out, WIRE_DIFF_REPLY, seq, self, flags, page, pg->version, joined, len);
        d->stats.diffs_sent++;
        d->stats.diff_bytes_sent += len;
    } else {
        rc = wire_put_page_reply(out, seq, self, flags, page, pg->version, d->home + (size_t)page * WIRE_PAGE_SIZE);
        d->stats.pages_sent++;
        d->stats.page_bytes_sent += WIRE_PAGE_SIZE;
    }
    if (rc == 0) {
        d->copy[i] = pg->version;
        d->notified[i] = 0;
        if (flags & WIRE_F_PREFETCH)
            d->stats.prefetched++;
    }
    return rc;
}
