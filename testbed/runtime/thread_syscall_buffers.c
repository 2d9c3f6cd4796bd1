/* thread_syscall_buffers: let the kernel write into shared memory.
 *
 * Write detection in the DSM relies on SIGSEGV, but the kernel raises no signal when a system call writes into a
 * page the app may only read: read() into a shared buffer simply fails with EFAULT. So, before a system call
 * fills a buffer that lies in shared memory, each of its pages is touched with an atomic no-op write from user
 * space. The fault handler then does what it does for any app write: fetches the page if it is stale and twins
 * it, leaving it writable until the next release turns the change into a diff. */
#include <stddef.h>
#include <stdint.h>

#include "thread_takeover.h"
#include "wire_msg.h"

void dmx_dsm_prepare_kernel_write(void *buf, size_t len);

void dmx_dsm_prepare_kernel_write(void *buf, size_t len)
{
    if (!dmx_takeover.active || len == 0)
        return;
    uintptr_t start = (uintptr_t)buf, end = start + len;
    for (uintptr_t page = start & ~(uintptr_t)(WIRE_PAGE_SIZE - 1); page < end; page += WIRE_PAGE_SIZE) {
        uintptr_t byte = page < start ? start : page;
        if (dmx_is_shared((const void *)byte))
            __atomic_fetch_add((uint8_t *)byte, 0, __ATOMIC_RELAXED);
    }
}
