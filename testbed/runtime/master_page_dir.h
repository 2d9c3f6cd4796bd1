/* master_page_dir.h: the master's page directory for home-based lazy release consistency.
 *
 * The master is the home of every shared page: it keeps the home copy and each page's version (bumped by
 * every diff a releasing device pushes), a short log of the latest diffs, and the sharer table: which
 * version of each page every device holds. From that it computes
 *   - the write notices for a lock grant: pages whose home version is newer than the acquirer's copy and
 *     that the acquirer has not been told about yet (it invalidates them);
 *   - the reply to a page fault: the logged diffs since the requester's version when they are all still in
 *     the log and smaller than a page, else the whole page.
 * Every device starts holding version 0 (the zero page) of every page, so nothing is fetched until someone
 * writes. Not thread-safe: the master server serialises calls.
 *
 * Lazy diffs: a device may release without sending its diffs and only say which pages it holds
 * (pagedir_hold): the version moves on at once, so grants carry the write notices as usual, but the home
 * copy lacks those changes until the holder pushes them. A request for a page held by another device waits
 * (pagedir_wait names the holders to ask for a flush); every push from a holder, empty or not, clears it, and
 * pagedir_ready_waiters says who can be answered then. Bit masks index devices 1..16 as bit dev-1. */
#ifndef MASTER_PAGE_DIR_H
#define MASTER_PAGE_DIR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "wire_msg.h"

#define PAGEDIR_LOG_DEPTH 8

struct pagedir_diff {
    uint32_t version;           /* the version this diff produced */
    uint32_t len;
    uint8_t *bytes;
};

struct pagedir_page {
    uint32_t version;
    uint32_t log_len;           /* entries in log, oldest first */
    uint32_t log_bytes;
    struct pagedir_diff log[PAGEDIR_LOG_DEPTH];
};

struct pagedir_stats {
    uint64_t pages_sent, page_bytes_sent;
    uint64_t diffs_sent, diff_bytes_sent;
    uint64_t diffs_received, diff_bytes_received;
    uint64_t notices_sent, prefetched;
    uint64_t holds, flush_requests, waits;
};

struct master_page_dir {
    uint32_t npages;
    uint8_t *home;              /* npages * WIRE_PAGE_SIZE, anonymous mapping: untouched pages cost nothing */
    struct pagedir_page *pages;
    uint32_t *copy;             /* copy[(dev - 1) * npages + page]: version that device holds */
    uint8_t *notified;          /* same index: the device was told its copy is stale (so it invalidated it)
                                 * and has not fetched since */
    uint32_t *pending;          /* pending[(dev - 1) * npages + k], k < npending[dev]: pages whose version moved
                                 * since dev was last told, each once (queued, same index as copy): a grant's
                                 * notices cost what changed, not a scan of the region */
    uint32_t npending[WIRE_MAX_DEVICES + 1];
    uint8_t *queued;
    uint32_t *holders;          /* per page: devices holding changes the home copy lacks */
    uint32_t *asked;            /* per page: holders already sent a flush request */
    uint32_t *waiting;          /* per page: devices whose request waits for the holders */
    struct pagedir_stats stats;
};

int pagedir_init(struct master_page_dir *d, uint32_t npages);
void pagedir_free(struct master_page_dir *d);

/* A device pushed a (validated) diff for page. Returns the new version, or -1 for a bad page or device. An
 * empty diff changes nothing but says the device holds nothing of page any more. */
int64_t pagedir_apply_diff(struct master_page_dir *d, uint32_t dev, uint32_t page, const uint8_t *diff, uint32_t len);

/* dev holds changes to page (lazy release). Returns the new version, or -1 for a bad page or device. */
int64_t pagedir_hold(struct master_page_dir *d, uint32_t dev, uint32_t page);
/* Devices other than dev that hold changes to page (0: the home copy is complete for dev). */
uint32_t pagedir_blockers(const struct master_page_dir *d, uint32_t dev, uint32_t page);
/* dev's request for page must wait: remember it; returns the holders to send a flush request to now. */
uint32_t pagedir_wait(struct master_page_dir *d, uint32_t dev, uint32_t page);
/* Waiting devices that can be answered now (no other holder left); they stop waiting. */
uint32_t pagedir_ready_waiters(struct master_page_dir *d, uint32_t page);
/* dev left: it holds nothing and waits for nothing. Returns how many pages' held changes were lost. */
uint32_t pagedir_drop_device(struct master_page_dir *d, uint32_t dev);

/* Write notices for dev at a grant: appends up to max, marks them sent. Returns the number. */
uint32_t pagedir_notices(struct master_page_dir *d, uint32_t dev, struct wire_notice *out, uint32_t max);

/* Is page stale at dev, and was dev told (so it has invalidated its copy and a prefetch is safe)? */
bool pagedir_prefetchable(const struct master_page_dir *d, uint32_t dev, uint32_t page);

/* Append to out the reply that brings dev's copy of page up to date, and record that dev now holds the
 * current version. Returns 0, or -1 for a bad page/device or no memory. */
int pagedir_reply(struct master_page_dir *d, uint32_t dev, uint32_t page, uint16_t flags, uint32_t seq,
                  uint32_t self, struct wire_buf *out);

#endif
