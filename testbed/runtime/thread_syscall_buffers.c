/* thread_syscall_buffers: let the kernel write into shared memory.
 *
 * Write detection in the DSM relies on SIGSEGV, but the kernel raises no signal when a system call writes into a
 * page the app may only read: read() into a shared buffer simply fails with EFAULT. So, for the length of a
 * system call that fills a buffer in the shared heap, the buffer's pages are pinned (dsm_region_pin): fetched if
 * stale, twinned and writable, and skipped by every flush until the call returns, so another thread's release
 * cannot write-protect them under the kernel's feet. Buffers in the shared globals (another mapping window) are
 * touched with an atomic no-op write instead, which leaves them writable until the next release. */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>

#include "dsm_region.h"
#include "thread_takeover.h"
#include "wire_msg.h"

void dmx_dsm_kernel_write_begin(void *buf, size_t len);
void dmx_dsm_kernel_write_end(void *buf, size_t len);
size_t dmx_dsm_unknown_span(const void *p);

static void page_span(const void *buf, size_t len, uintptr_t *lo, uintptr_t *hi)
{
    *lo = (uintptr_t)buf & ~(uintptr_t)(WIRE_PAGE_SIZE - 1);
    *hi = ((uintptr_t)buf + len + WIRE_PAGE_SIZE - 1) & ~(uintptr_t)(WIRE_PAGE_SIZE - 1);
}

static bool in_heap(uintptr_t lo, uintptr_t hi)
{
    return lo >= dmx_takeover.heap_lo && hi <= dmx_takeover.heap_hi;
}

static void touch_pages(void *buf, size_t len)
{
    uintptr_t start = (uintptr_t)buf, end = start + len;
    for (uintptr_t page = start & ~(uintptr_t)(WIRE_PAGE_SIZE - 1); page < end; page += WIRE_PAGE_SIZE) {
        uintptr_t byte = page < start ? start : page;
        if (dmx_is_shared((const void *)byte))
            __atomic_fetch_add((uint8_t *)byte, 0, __ATOMIC_RELAXED);
    }
}

void dmx_dsm_kernel_write_begin(void *buf, size_t len)
{
    if (!dmx_takeover.active || len == 0)
        return;
    uintptr_t lo, hi;
    page_span(buf, len, &lo, &hi);
    struct dsm_region *r = dmx_dsm_region();
    if (!r || !in_heap(lo, hi) || dsm_region_kernel_begin(r, lo, hi) != 0)
        touch_pages(buf, len);
}

/* Called right after the system call: leaves errno as the call set it. */
void dmx_dsm_kernel_write_end(void *buf, size_t len)
{
    if (!dmx_takeover.active || len == 0)
        return;
    int saved = errno;
    uintptr_t lo, hi;
    page_span(buf, len, &lo, &hi);
    struct dsm_region *r = dmx_dsm_region();
    if (r && in_heap(lo, hi))
        dsm_region_kernel_end(r, lo, hi);
    errno = saved;
}

/* An argument of a system call whose buffers libdmx does not know (an ioctl without a size in its number, a raw
 * syscall(2) number not listed): if it points into shared memory, the kernel may read or write a struct there.
 * Its page and the next are made accessible for the call (a struct up to a page long), rather than the call
 * failing with EFAULT on a page this device holds stale or read-only. 0 when p is not shared memory. */
size_t dmx_dsm_unknown_span(const void *p)
{
    return dmx_is_shared(p) ? WIRE_PAGE_SIZE : 0;
}
